/* err: exit codes (sysexits, as in DESIGN.md) and the library's error slot.
 * Library code never prints: it calls apim_err_set() and returns -1 or NULL. */
#ifndef APIM_ERR_H
#define APIM_ERR_H

enum apim_exit {
	APIM_OK = 0,
	APIM_NO = 1,		/* a meaningful "no": not found, invalid token */
	APIM_USAGE = 64,
	APIM_DATAERR = 65,
	APIM_NOINPUT = 66,
	APIM_UNAVAILABLE = 69,
	APIM_SOFTWARE = 70,
	APIM_CANTCREAT = 73,
	APIM_IOERR = 74,
	APIM_TEMPFAIL = 75,
	APIM_NOPERM = 77,
	APIM_CONFIG = 78,
};

/*
 * Out of memory is not reported through the error slot: allocation helpers
 * (apim_xmalloc, apim_strdup, lib/buf) print "PROG: out of memory" and abort(),
 * so callers never check for it.  Use them rather than bare malloc/realloc.
 */

/* Record an error: its exit code and a printf-style message (no newline). */
void apim_err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last error's code (APIM_SOFTWARE if none was set) and message. */
int apim_err_code(void);
const char *apim_err_msg(void);
void apim_err_clear(void);

/* Program side: the program's name for diagnostics ("apim-publish"). */
void apim_prog_set(const char *name);
const char *apim_prog(void);
/* Print "PROG: MSG\n" to stderr. */
void apim_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the last library error and return its exit code. */
int apim_err_report(void);

#endif
