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
	char tmp[sizeof err_buf];
	size_t i, o = 0;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);	/* args may point at err_buf */
	va_end(ap);
	/* a message never carries raw control characters (C0, DEL, C1) to a
	 * terminal or a log; values checked at the door are already quoted
	 * with apim_text_safe, so this is the last resort: each becomes '?' */
	for (i = 0; tmp[i] && o + 1 < sizeof err_buf; i++) {
		unsigned char c = (unsigned char)tmp[i];

		if (c == 0xc2 && (unsigned char)tmp[i + 1] >= 0x80 &&
		    (unsigned char)tmp[i + 1] <= 0x9f) {
			i++;
			c = '?';
		} else if (c < 0x20 || c == 0x7f)
			c = '?';
		err_buf[o++] = (char)c;
	}
	err_buf[o] = '\0';
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
