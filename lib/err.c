/* err: the error slot that library functions fill and programs report.
 * One slot per thread; the message is copied, the caller frees nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static __thread int err_code;
static __thread char err_buf[1024];
static const char *prog = "apim";

void
apim_err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof err_buf, fmt, ap);
	va_end(ap);
	err_code = code;
}

int
apim_err_code(void)
{
	return err_code ? err_code : APIM_SOFTWARE;
}

const char *
apim_err_msg(void)
{
	return err_buf[0] ? err_buf : "internal error";
}

void
apim_err_clear(void)
{
	err_code = 0;
	err_buf[0] = '\0';
}

void
apim_prog_set(const char *name)
{
	const char *s = strrchr(name, '/');

	prog = s ? s + 1 : name;
}

const char *
apim_prog(void)
{
	return prog;
}

void
apim_warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
apim_err_report(void)
{
	apim_warnx("%s", apim_err_msg());
	return apim_err_code();
}
