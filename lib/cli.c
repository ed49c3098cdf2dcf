/* cli: option parsing and the sub-command table walk.
 * Everything parsed borrows argv; apim_args_all's array is the caller's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "err.h"
#include "store.h"
#include "text.h"
#include "util.h"

static const char global_spec[] = "db=,as=,json,help";

/* Look name up in spec; returns 0 unknown, 1 flag, 2 value, 3 repeatable value. */
static int
spec_kind(const char *spec, const char *name, size_t nlen)
{
	const char *p = spec, *e;
	size_t l;

	while (p && *p) {
		e = strchr(p, ',');
		l = e ? (size_t)(e - p) : strlen(p);
		if (l >= nlen && strncmp(p, name, nlen) == 0) {
			const char *rest = p + nlen;
			size_t rl = l - nlen;

			if (rl == 0)
				return 1;
			if (rl == 1 && rest[0] == '=')
				return 2;
			if (rl == 2 && rest[0] == '=' && rest[1] == '*')
				return 3;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

int
apim_args_parse(struct apim_args *a, int argc, char **argv, const char *spec)
{
	int i, kind, dashdash = 0;

	memset(a, 0, sizeof *a);
	for (i = 0; i < argc; i++) {
		char *arg = argv[i], *eq, safe[80];
		const char *name, *val = NULL;
		size_t nlen;

		if (dashdash || arg[0] != '-' || arg[1] != '-' || arg[2] == '\0') {
			if (!dashdash && strcmp(arg, "--") == 0) {
				dashdash = 1;
				continue;
			}
			if (a->npos == APIM_ARGS_MAX) {
				apim_err_set(APIM_USAGE, "too many arguments");
				return -1;
			}
			if (!apim_utf8_valid(arg, strlen(arg))) {
				apim_err_set(APIM_DATAERR, "invalid argument '%s': "
				    "not valid UTF-8", apim_text_safe(arg, safe,
				    sizeof safe));
				return -1;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		kind = spec_kind(spec ? spec : "", name, nlen);
		if (kind == 0)
			kind = spec_kind(global_spec, name, nlen);
		if (kind == 0) {
			char *o = apim_strdup(name);

			o[nlen] = '\0';
			apim_err_set(APIM_USAGE, "unknown option '--%s'",
			    apim_text_safe(o, safe, sizeof safe));
			free(o);
			return -1;
		}
		if (kind == 1) {
			if (eq) {
				apim_err_set(APIM_USAGE, "option '--%.*s' takes no value",
				    (int)nlen, name);
				return -1;
			}
		} else if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			apim_err_set(APIM_USAGE, "option '--%.*s' needs a value",
			    (int)nlen, name);
			return -1;
		}
		if (val && !apim_utf8_valid(val, strlen(val))) {
			apim_err_set(APIM_DATAERR, "invalid value for '--%.*s' '%s': "
			    "not valid UTF-8", (int)nlen, name,
			    apim_text_safe(val, safe, sizeof safe));
			return -1;
		}
		if (kind == 2) {
			int j;

			for (j = 0; j < a->nopt; j++)
				if (strlen(a->opt[j].name) == nlen &&
				    strncmp(a->opt[j].name, name, nlen) == 0) {
					apim_err_set(APIM_USAGE, "option '--%.*s' given twice",
					    (int)nlen, name);
					return -1;
				}
		}
		if (a->nopt == APIM_ARGS_MAX) {
			apim_err_set(APIM_USAGE, "too many options");
			return -1;
		}
		if (eq)
			*eq = '\0';	/* name ends here; argv is ours to cut */
		a->opt[a->nopt].name = name;
		a->opt[a->nopt].val = val;
		a->nopt++;
	}
	return 0;
}

const char *
apim_args_get(const struct apim_args *a, const char *name)
{
	int i;
	const char *v = NULL;

	for (i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].name, name) == 0)
			v = a->opt[i].val ? a->opt[i].val : "";
	return v;
}

int
apim_args_has(const struct apim_args *a, const char *name)
{
	return apim_args_get(a, name) != NULL;
}

char **
apim_args_all(const struct apim_args *a, const char *name, int *n)
{
	char **v;
	int i, k = 0, cap = 8;

	v = apim_xreallocarray(NULL, (size_t)cap, sizeof *v);
	for (i = 0; i < a->nopt; i++) {
		if (strcmp(a->opt[i].name, name) != 0 || a->opt[i].val == NULL)
			continue;
		if (k + 1 >= cap) {
			cap *= 2;
			v = apim_xreallocarray(v, (size_t)cap, sizeof *v);
		}
		v[k++] = (char *)a->opt[i].val;
	}
	v[k] = NULL;
	if (n)
		*n = k;
	return v;
}

int
apim_args_npos(const struct apim_args *a, int min, int max)
{
	if (a->npos < min) {
		apim_err_set(APIM_USAGE, "missing argument");
		return -1;
	}
	if (max >= 0 && a->npos > max) {
		char safe[80];

		apim_err_set(APIM_USAGE, "unexpected argument '%s'",
		    apim_text_safe(a->pos[max], safe, sizeof safe));
		return -1;
	}
	return 0;
}

sqlite3 *
apim_ctx_db(struct apim_ctx *ctx)
{
	if (ctx->db == NULL)
		ctx->db = apim_store_open(ctx->db_path, 0);
	return ctx->db;
}

static void
print_usage(FILE *f, const char *prog, const char *summary,
    const struct apim_cmd *cmds)
{
	const struct apim_cmd *c;

	fprintf(f, "usage: %s [--db PATH] [--as NAME] [--json] COMMAND [ARGS]\n",
	    prog);
	if (summary)
		fprintf(f, "%s\n", summary);
	fprintf(f, "commands:\n");
	for (c = cmds; c->name; c++)
		fprintf(f, "  %s %s\n", prog, c->usage);
}

int
apim_cli_usage(const struct apim_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", apim_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s %s\n", apim_prog(), cmd->usage);
	return APIM_USAGE;
}

/* How many words of argv (after leading global options) name cmd. */
static int
cmd_match(const struct apim_cmd *c, char **w, int nw)
{
	const char *p = c->name;
	int k = 0;

	while (*p) {
		size_t l = strcspn(p, " ");

		if (k >= nw || strlen(w[k]) != l || strncmp(w[k], p, l) != 0)
			return 0;
		k++;
		p += l;
		while (*p == ' ')
			p++;
	}
	return k;
}

int
apim_cli_main(const char *prog, const char *summary,
    const struct apim_cmd *cmds, int argc, char **argv)
{
	struct apim_ctx ctx;
	struct apim_args a;
	const struct apim_cmd *c, *best = NULL;
	char *words[APIM_ARGS_MAX], **rest;
	int i, nw = 0, k, bestk = 0, rc, nrest;
	const char *dbflag = NULL;

	apim_prog_set(prog);
	memset(&ctx, 0, sizeof ctx);
	if (apim_conf_load() == -1)
		return apim_err_report();
	/* Global options may come before the command. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout, prog, summary, cmds);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", prog, APIM_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0) {
			ctx.json = 1;
			continue;
		}
		if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--as") == 0) &&
		    i + 1 < argc) {
			if (argv[i][2] == 'd')
				dbflag = argv[++i];
			else
				ctx.as = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0) {
			dbflag = argv[i] + 5;
			continue;
		}
		if (strncmp(argv[i], "--as=", 5) == 0) {
			ctx.as = argv[i] + 5;
			continue;
		}
		break;
	}
	if (i < argc && argv[i][0] == '-') {
		char safe[80];

		apim_warnx("unknown option '%s'", apim_text_safe(argv[i], safe,
		    sizeof safe));
		print_usage(stderr, prog, NULL, cmds);
		return APIM_USAGE;
	}
	for (k = i; k < argc && nw < APIM_ARGS_MAX; k++)
		words[nw++] = argv[k];
	if (nw == 0) {
		print_usage(stderr, prog, summary, cmds);
		return APIM_USAGE;
	}
	for (c = cmds; c->name; c++)
		if ((k = cmd_match(c, words, nw)) > bestk) {
			bestk = k;
			best = c;
		}
	if (best == NULL) {
		char safe[80];

		apim_warnx("unknown command '%s'", apim_text_safe(words[0], safe,
		    sizeof safe));
		print_usage(stderr, prog, NULL, cmds);
		return APIM_USAGE;
	}
	rest = argv + i + bestk;
	nrest = argc - i - bestk;
	if (apim_args_parse(&a, nrest, rest, best->spec) == -1)
		return apim_err_code() == APIM_USAGE ?
		    apim_cli_usage(best, "%s", apim_err_msg()) : apim_err_report();
	if (apim_args_has(&a, "help")) {
		printf("usage: %s %s\n", prog, best->usage);
		return 0;
	}
	if (apim_args_has(&a, "json"))
		ctx.json = 1;
	if (apim_args_get(&a, "db"))
		dbflag = apim_args_get(&a, "db");
	if (apim_args_get(&a, "as"))
		ctx.as = apim_args_get(&a, "as");
	ctx.db_path = apim_conf_db(dbflag);
	ctx.actor = apim_actor(ctx.as);
	/* the actor is stored as an owner or provider: checked like a name */
	if (apim_text_check("user name", ctx.actor, APIM_NAME_MAX, 0) == -1 ||
	    apim_text_check("store path", ctx.db_path, 0, 0) == -1)
		return apim_err_report();
	apim_err_clear();
	rc = best->fn(&ctx, &a);
	if (rc == -1) {
		if (apim_err_code() == APIM_USAGE)
			rc = apim_cli_usage(best, "%s", apim_err_msg());
		else
			rc = apim_err_report();
	}
	if (ctx.db)
		apim_store_close(ctx.db);
	return rc;
}
