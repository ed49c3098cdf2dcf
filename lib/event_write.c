/* event_write: apim-events(5) lines out: the formatter (no allocation, no
 * locale) and the one-write(2) appender. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "event_impl.h"
#include "util.h"

static const char *const type_names[] = { "response", "fault" };

/* ---- the writer ---- */

struct out {
	char *p, *end;
	int full;
};

static inline void
put(struct out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) < n) {
		o->full = 1;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

static inline void
put_c(struct out *o, char c)
{
	if (o->p == o->end) {
		o->full = 1;
		return;
	}
	*o->p++ = c;
}

static void
put_i64(struct out *o, int64_t v)
{
	char d[21];
	size_t n = 0;

	if (v < 0)
		d[n++] = '-';
	n += apim_fmt_u64(d + n, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	put(o, d, n);
}

size_t
apim_event_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;	/* overlong, or a UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* 1 if the 8 bytes at p are all plain ASCII to copy as they are: 0x20 to
 * 0x7f, neither '"' nor '\\' (a word at a time: "has a byte less than",
 * "has a zero byte" after xor). */
static inline int
plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t x, q, b;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
	    x) & high ? 0 : 1;
}

static void
put_str(struct out *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *run, *lim;
	size_t all = strlen(str), l;
	char esc[6];

	lim = s + (all > APIM_EVENT_STR_MAX ? APIM_EVENT_STR_MAX : all);
	put_c(o, '"');
	while (s < lim) {
		run = s;	/* copy plain ASCII in one go */
		while (lim - s >= 8 && plain8(s))
			s += 8;
		while (s < lim && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			put(o, (const char *)run, (size_t)(s - run));
		if (s == lim)
			break;
		if (*s >= 0x80) {
			l = apim_event_utf8_len(s, all - (size_t)(s - (const unsigned char *)str));
			if (l == 0) {
				put(o, "\xef\xbf\xbd", 3);	/* invalid: U+FFFD */
				l = 1;
			} else if (s + l > lim)
				break;		/* a character cut by the limit */
			else
				put(o, (const char *)s, l);
			s += l;
			continue;
		}
		esc[0] = '\\';
		switch (*s) {
		case '"': esc[1] = '"'; l = 2; break;
		case '\\': esc[1] = '\\'; l = 2; break;
		case '\n': esc[1] = 'n'; l = 2; break;
		case '\r': esc[1] = 'r'; l = 2; break;
		case '\t': esc[1] = 't'; l = 2; break;
		case '\b': esc[1] = 'b'; l = 2; break;
		case '\f': esc[1] = 'f'; l = 2; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 15];
			l = 6;
		}
		put(o, esc, l);
		s++;
	}
	put_c(o, '"');
}

long
apim_event_format(const struct apim_event *ev, char *buf, size_t cap)
{
	struct out o = { buf, buf + cap, 0 };
	const struct apim_event_field *f;
	char ts[32];
	int first = 1;

	put(&o, "{", 1);
	for (f = apim_event_schema; f < apim_event_schema + apim_event_nschema; f++) {
		const char *s = NULL;
		int64_t v = APIM_EVENT_NONE;

		switch (f->kind) {
		case K_STR:
		case K_KEYTYPE:
			if ((s = *STR_AT(ev, f)) == NULL)
				continue;
			break;
		case K_INT:
		case K_CODE:
			if ((v = *I64_AT(ev, f)) < 0)
				continue;
			break;
		case K_TS:
			apim_event_time_format(ev->request_ms < 0 ? 0 : ev->request_ms, ts);
			s = ts;
			break;
		case K_TYPE:
			s = type_names[ev->event_type == APIM_EVENT_FAULT];
			break;
		}
		if (!first)
			put_c(&o, ',');
		first = 0;
		put_c(&o, '"');
		put(&o, f->name, f->len);
		put_c(&o, '"');
		put_c(&o, ':');
		if (s)
			put_str(&o, s);
		else
			put_i64(&o, v);
	}
	put(&o, "}\n", 2);
	if (o.full) {
		apim_err_set(APIM_SOFTWARE, "event longer than %zu bytes", cap);
		return -1;
	}
	if (o.p < o.end)
		*o.p = '\0';
	return (long)(o.p - buf);
}

int
apim_event_write(int fd, const struct apim_event *ev)
{
	char buf[APIM_EVENT_LINE_MAX];
	long n = apim_event_format(ev, buf, sizeof buf);
	ssize_t w;

	if (n < 0)
		return -1;
	do
		w = write(fd, buf, (size_t)n);
	while (w == -1 && errno == EINTR);
	if (w == -1) {
		apim_err_set(errno == EAGAIN ? APIM_TEMPFAIL : APIM_IOERR,
		    "cannot write an event: %s", strerror(errno));
		return -1;
	}
	if (w != n) {
		apim_err_set(APIM_IOERR, "short write of an event (%zd of %ld bytes)",
		    w, n);
		return -1;
	}
	return 0;
}
