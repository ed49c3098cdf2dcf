/* cli: argument parsing and sub-command dispatch shared by every program.
 * Options are "--name VALUE", "--name=VALUE" or "--flag", anywhere after the
 * sub-command; "--" ends them.  Every program also takes --db, --as, --json,
 * --help and --version.  Parsed values borrow argv. */
#ifndef APIM_CLI_H
#define APIM_CLI_H

#include <sqlite3.h>

#define APIM_ARGS_MAX 64

struct apim_args {
	int npos;
	char *pos[APIM_ARGS_MAX];
	int nopt;
	struct { const char *name; const char *val; } opt[APIM_ARGS_MAX];
};

struct apim_ctx {
	const char *db_path;	/* --db, $APIM_DB, conf "db", or the default */
	const char *as;		/* --as NAME or NULL */
	const char *actor;	/* as, else $USER */
	int json;		/* --json */
	sqlite3 *db;		/* opened by apim_ctx_db() */
};

/* A command returns an exit code, or -1 to have the library's error reported
 * (a usage error also prints the command's usage line). */
struct apim_cmd {
	const char *name;
	int (*fn)(struct apim_ctx *, struct apim_args *);
	const char *spec;	/* options: "name=,tag=*,force" ('=' takes a value, '*' repeats) */
	const char *usage;	/* "create --name N ..." as in the man page SYNOPSIS */
};

/* Parse argv against spec (plus the global options).  -1 with a usage error
 * (APIM_USAGE) for an unknown option, a missing value or a repeated single one. */
int apim_args_parse(struct apim_args *a, int argc, char **argv, const char *spec);
/* The value of option name, or NULL. */
const char *apim_args_get(const struct apim_args *a, const char *name);
/* 1 if option name was given. */
int apim_args_has(const struct apim_args *a, const char *name);
/* Every value of a repeatable option, in order; n is set to the count.  The
 * array is malloc'd and NULL-terminated (free it), strings borrowed. */
char **apim_args_all(const struct apim_args *a, const char *name, int *n);

/* Run a program: handles --help/--version, finds the sub-command (words may be
 * two deep: "resource add"), parses, calls it, closes the store; returns the
 * exit code.  summary is the program's one-line description. */
int apim_cli_main(const char *prog, const char *summary,
    const struct apim_cmd *cmds, int argc, char **argv);
/* Open the store once for this run; NULL with the error set. */
sqlite3 *apim_ctx_db(struct apim_ctx *ctx);
/* Report a usage error for cmd and return APIM_USAGE. */
int apim_cli_usage(const struct apim_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Check the positional count is within [min, max]; else a usage error (-1). */
int apim_args_npos(const struct apim_args *a, int min, int max);

#endif
