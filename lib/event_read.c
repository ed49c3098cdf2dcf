/* event_read: apim-events(5) lines in: a strict parser of one flat JSON
 * object that allocates nothing, and the line reader (read(2) in blocks, lines
 * up to APIM_EVENT_READ_MAX) that owns its buffers and the JSON object it
 * makes on demand. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "err.h"
#include "event.h"
#include "event_impl.h"
#include "buf.h"
#include "util.h"

/* ---- the parser: one flat JSON object, no allocation ---- */

struct jp {
	char *start, *p, *end;	/* a copy of the line, decoded in place */
};

static int
jfail(struct jp *j, const char *what)
{
	apim_err_set(APIM_DATAERR, "not JSON: %s at column %ld", what,
	    (long)(j->p - j->start) + 1);
	return -1;
}

static inline void
jws(struct jp *j)
{
	if (j->p < j->end && (unsigned char)*j->p > ' ')
		return;		/* the usual case: no white space */
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* Nonzero if any of the 8 bytes in w needs a closer look in a string: a
 * quotation mark, a backslash, a control character or a non-ASCII byte. */
static inline uint64_t
special8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) |
	    (w & high);
}

static inline int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Decode the string at j->p (its opening quote) in place, with a NUL where
 * it ends; *s and *n get it.  A string without escapes stays where it is
 * and only its closing quote becomes the NUL; escapes shift what follows
 * them left, never past the closing quote. */
static int
jstr(struct jp *j, const char **s, size_t *n)
{
	char *p = j->p + 1, *end = j->end, *o = NULL;
	unsigned cp, lo;
	size_t l;

	*s = p;
	for (;;) {
		unsigned char c;
		char *run = p;

#ifdef __SSE2__
		/* 16 bytes at a time: a signed compare with 0x20 catches control
		 * characters and every non-ASCII byte at once */
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i sp = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			int m = _mm_movemask_epi8(sp);

			if (m) {
				p += __builtin_ctz((unsigned)m);
				break;
			}
			p += 16;
		}
#endif
		for (;;) {
			uint64_t w;

			if (end - p < 8)
				break;
			memcpy(&w, p, 8);
			if (special8(w))
				break;
			p += 8;
		}
		while (p < end && plain((unsigned char)*p))
			p++;
		if (o && p > run) {
			memmove(o, run, (size_t)(p - run));
			o += p - run;
		}
		j->p = p;
		if (p >= end)
			return jfail(j, "unterminated string");
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return jfail(j, "control character in a string");
		if (c >= 0x80) {
			l = apim_event_utf8_len((const unsigned char *)p, (size_t)(end - p));
			if (l == 0)
				return jfail(j, "invalid UTF-8");
			if (o) {
				memmove(o, p, l);
				o += l;
			}
			p += l;
			continue;
		}
		/* a backslash: from here on, decoded text goes to o */
		if (o == NULL)
			o = p;
		if (end - p < 2)
			return jfail(j, "unterminated string");
		switch (p[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (end - p < 6 || hex4(p + 2, &cp) == -1)
				return jfail(j, "invalid \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 12 || p[6] != '\\' ||
				    p[7] != 'u' || hex4(p + 8, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return jfail(j, "unpaired UTF-16 surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
				j->p = p;
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				return jfail(j, "unpaired UTF-16 surrogate");
			if (cp == 0)
				return jfail(j, "\\u0000 in a string");
			/* at most as long as the escape it replaces */
			if (cp < 0x80)
				*o++ = (char)cp;
			else if (cp < 0x800) {
				*o++ = (char)(0xc0 | cp >> 6);
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xe0 | cp >> 12);
				*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xf0 | cp >> 18);
				*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
				*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			p += 4;
			break;
		default:
			return jfail(j, "invalid escape");
		}
		p += 2;
	}
	if (o == NULL)
		o = p;
	*o = '\0';
	*n = (size_t)(o - *s);
	j->p = p + 1;
	return 0;
}

/* A JSON number: *kind 0 an integer in *v, 1 a fraction or exponent,
 * 2 an integer too large for int64. */
static int
jnum(struct jp *j, int64_t *v, int *kind)
{
	uint64_t u = 0;
	int neg = 0, big = 0;

	*kind = 0;
	if (j->p < j->end && *j->p == '-')
		neg = 1, j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return jfail(j, "invalid number");
	if (*j->p == '0')
		j->p++;
	else
		for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++) {
			if (u > (UINT64_MAX - 9) / 10)
				big = 1;
			else
				u = u * 10 + (uint64_t)(*j->p - '0');
		}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jfail(j, "invalid number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
		*kind = 1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jfail(j, "invalid number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
		*kind = 1;
	}
	if (*kind == 0 && (big || u > (uint64_t)INT64_MAX))
		*kind = 2;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

static int
jlit(struct jp *j, const char *word)
{
	size_t l = strlen(word);

	if ((size_t)(j->end - j->p) < l || memcmp(j->p, word, l) != 0)
		return jfail(j, "invalid value");
	j->p += l;
	return 0;
}

/* Check and step over any value (unknown apim_event_schema are not kept). */
static int
jskip(struct jp *j, int depth)
{
	const char *s;
	size_t n;
	int64_t v;
	int kind;

	if (depth > 64)
		return jfail(j, "nested too deep");
	jws(j);
	if (j->p >= j->end)
		return jfail(j, "value expected");
	switch (*j->p) {
	case '"':
		return jstr(j, &s, &n);
	case 't':
		return jlit(j, "true");
	case 'f':
		return jlit(j, "false");
	case 'n':
		return jlit(j, "null");
	case '{':
	case '[': {
		char close = *j->p == '{' ? '}' : ']';
		int obj = close == '}';

		j->p++;
		jws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (obj) {
				jws(j);
				if (j->p >= j->end || *j->p != '"')
					return jfail(j, "string expected");
				if (jstr(j, &s, &n) == -1)
					return -1;
				jws(j);
				if (j->p >= j->end || *j->p != ':')
					return jfail(j, "':' expected");
				j->p++;
			}
			if (jskip(j, depth + 1) == -1)
				return -1;
			jws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				return 0;
			}
			return jfail(j, obj ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	default:
		return jnum(j, &v, &kind);
	}
}

static int
parse_value(struct jp *j, const struct apim_event_field *f, struct apim_event *ev)
{
	const char *s;
	size_t n;
	int64_t v;
	int kind;

	if (j->p < j->end && *j->p == 'n')	/* null is absent */
		return jlit(j, "null");
	switch (f->kind) {
	case K_INT:
	case K_CODE:
		if (j->p >= j->end || (*j->p != '-' && (*j->p < '0' || *j->p > '9'))) {
			if (jskip(j, 0) == -1)
				return -1;
			goto type;
		}
		if (jnum(j, &v, &kind) == -1)
			return -1;
		if (kind == 1)
			goto type;
		if (kind == 2) {
			apim_err_set(APIM_DATAERR, "'%s' out of range: too large",
			    f->name);
			return -1;
		}
		if (v < 0 || (f->kind == K_CODE && (v < 100 || v > 599))) {
			apim_err_set(APIM_DATAERR, "'%s' out of range: %lld",
			    f->name, (long long)v);
			return -1;
		}
		*I64_AT(ev, f) = v;
		return 0;
	default:
		if (j->p >= j->end || *j->p != '"') {
			if (jskip(j, 0) == -1)
				return -1;
			goto type;
		}
		if (jstr(j, &s, &n) == -1)
			return -1;
		break;
	}
	switch (f->kind) {
	case K_KEYTYPE:
		if (strcmp(s, "PRODUCTION") != 0 && strcmp(s, "SANDBOX") != 0) {
			apim_err_set(APIM_DATAERR, "'keyType' must be PRODUCTION "
			    "or SANDBOX, not '%.64s'", s);
			return -1;
		}
		/* FALLTHROUGH */
	case K_STR:
		*STR_AT(ev, f) = s;
		return 0;
	case K_TS:
		if ((ev->request_ms = apim_event_time_parse(s)) < 0) {
			apim_err_set(APIM_DATAERR, "'requestTimestamp' is not an "
			    "RFC 3339 time: '%.64s'", s);
			return -1;
		}
		return 0;
	case K_TYPE:
		if (strcmp(s, "response") == 0)
			ev->event_type = APIM_EVENT_RESPONSE;
		else if (strcmp(s, "fault") == 0)
			ev->event_type = APIM_EVENT_FAULT;
		else {
			apim_err_set(APIM_DATAERR, "'eventType' must be response "
			    "or fault, not '%.64s'", s);
			return -1;
		}
		return 0;
	default:
		break;
	}
type:
	apim_err_set(APIM_DATAERR, "'%s' must be %s", f->name,
	    f->kind == K_INT || f->kind == K_CODE ? "an integer" : "a string");
	return -1;
}

/* Same bytes: n <= 24, one to three 8-byte words, the last overlapping. */
static inline int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8)
		return memcmp(a, b, n) == 0;
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

/* Parse line[0..len) into ev; the line is copied to out (len + 1 bytes),
 * where its strings are decoded. */
static int
parse_line(const char *line, size_t len, struct apim_event *ev, char *out)
{
	struct jp j = { out, out, out + len };
	const struct apim_event_field *f;
	const char *key;
	size_t klen, hint = 0, k;
	uint64_t seen = 0;
	/* every field absent until given */
	static const struct apim_event blank = {
		.schema_version = -1, .event_type = -1, .request_ms = -1,
		.proxy_response_code = -1, .target_response_code = -1,
		.response_latency = -1, .backend_latency = -1,
		.request_mediation_latency = -1, .response_mediation_latency = -1,
		.request_bytes = -1, .response_bytes = -1, .error_code = -1,
	};

	*ev = blank;
	memcpy(out, line, len);
	out[len] = '\0';
	jws(&j);
	if (j.p >= j.end || *j.p != '{') {
		if (jskip(&j, 0) == -1)
			return -1;
		jws(&j);
		if (j.p != j.end)
			return jfail(&j, "end of line expected");
		apim_err_set(APIM_DATAERR, "not a JSON object");
		return -1;
	}
	j.p++;
	jws(&j);
	if (j.p < j.end && *j.p == '}')
		j.p++;
	else
		for (;;) {
			jws(&j);
			if (j.p >= j.end || *j.p != '"')
				return jfail(&j, "string expected");
			/* Writers put fields in schema order: try the next few
			 * in place, where a plain key's bytes are its name. */
			f = NULL;
			for (k = hint; k < hint + 4 && k < apim_event_nschema; k++) {
				size_t nl = apim_event_schema[k].len;

				if ((size_t)(j.end - j.p) > nl + 1 && j.p[nl + 1] == '"' &&
				    same(j.p + 1, apim_event_schema[k].name, nl)) {
					f = &apim_event_schema[k];
					j.p += nl + 2;
					break;
				}
			}
			if (f == NULL) {
				if (jstr(&j, &key, &klen) == -1)
					return -1;
				f = apim_event_field_findn(key, klen);
			}
			if (f)
				hint = (size_t)(f - apim_event_schema) + 1;
			jws(&j);
			if (j.p >= j.end || *j.p != ':')
				return jfail(&j, "':' expected");
			j.p++;
			jws(&j);
			if (f == NULL) {
				if (jskip(&j, 0) == -1)
					return -1;
			} else {
				uint64_t bit = (uint64_t)1 << (f - apim_event_schema);

				if (seen & bit) {
					apim_err_set(APIM_DATAERR, "duplicate key '%s'",
					    f->name);
					return -1;
				}
				seen |= bit;
				if (parse_value(&j, f, ev) == -1)
					return -1;
			}
			jws(&j);
			if (j.p < j.end && *j.p == ',') {
				j.p++;
				continue;
			}
			if (j.p < j.end && *j.p == '}') {
				j.p++;
				break;
			}
			return jfail(&j, "',' or '}' expected");
		}
	jws(&j);
	if (j.p != j.end)
		return jfail(&j, "end of line expected");
	if (ev->schema_version < 0 || ev->event_type < 0 || ev->request_ms < 0) {
		apim_err_set(APIM_DATAERR, "missing '%s'", ev->schema_version < 0 ?
		    "schemaVersion" : ev->event_type < 0 ? "eventType" :
		    "requestTimestamp");
		return -1;
	}
	if (ev->schema_version < 1 || ev->schema_version > APIM_EVENT_SCHEMA) {
		apim_err_set(APIM_DATAERR, "unsupported schemaVersion %lld",
		    (long long)ev->schema_version);
		return -1;
	}
	if (ev->event_type == APIM_EVENT_FAULT && ev->error_type == NULL) {
		apim_err_set(APIM_DATAERR, "a fault without 'errorType'");
		return -1;
	}
	if (ev->event_type == APIM_EVENT_RESPONSE && ev->proxy_response_code < 0) {
		apim_err_set(APIM_DATAERR, "a response without 'proxyResponseCode'");
		return -1;
	}
	return 0;
}

int
apim_event_parse(const char *line, size_t len, struct apim_event *out,
    char *buf, size_t cap)
{
	if (cap < len + 1) {
		apim_err_set(APIM_SOFTWARE, "parse buffer too small");
		return -1;
	}
	return parse_line(line, len, out, buf);
}

/* ---- the reader ---- */

struct apim_event_reader {
	FILE *f;
	int fd;
	int owned;
	int follow;		/* keep an unfinished last line for later */
	int eof;
	char *buf;		/* input; lines are buf[start..end) */
	size_t cap, start, end, scan;
	const char *line;	/* the current line (in buf) */
	size_t len;
	int skipping;		/* dropping the rest of an over-long line */
	int torn;		/* the last bad line was an unterminated last line */
	char *strs;		/* its decoded strings */
	size_t strcap;
	json_t *obj;		/* the line as JSON, made on demand */
	long lineno, good, bad;
	long long offset;	/* bytes consumed from fd */
};

/* The reason quotes the line; keep its control characters off the terminal. */
static void
clean_reason(void)
{
	char msg[512];
	size_t i;

	snprintf(msg, sizeof msg, "%s", apim_err_msg());
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	apim_err_set(APIM_DATAERR, "%s", msg);
}

struct apim_event_reader *
apim_event_reader_new(FILE *f)
{
	struct apim_event_reader *r = apim_xmalloc(sizeof *r);

	memset(r, 0, sizeof *r);
	r->f = f;
	r->fd = fileno(f);
	r->cap = 1 << 20;
	r->buf = apim_xmalloc(r->cap);
	return r;
}

struct apim_event_reader *
apim_event_reader_open(const char *path)
{
	struct apim_event_reader *r;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return apim_event_reader_new(stdin);
	if ((f = fopen(path, "r")) == NULL) {
		apim_err_set(errno == ENOENT ? APIM_NOINPUT : APIM_IOERR,
		    "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	r = apim_event_reader_new(f);
	r->owned = 1;
	return r;
}

void
apim_event_reader_free(struct apim_event_reader *r)
{
	if (r == NULL)
		return;
	if (r->owned)
		fclose(r->f);
	json_decref(r->obj);
	free(r->buf);
	free(r->strs);
	free(r);
}

void
apim_event_reader_follow(struct apim_event_reader *r, int on)
{
	r->follow = on;
}

int
apim_event_reader_fd(const struct apim_event_reader *r)
{
	return r->fd;
}

long long
apim_event_reader_offset(const struct apim_event_reader *r)
{
	return r->offset;
}

int
apim_event_reader_rewind(struct apim_event_reader *r)
{
	if (lseek(r->fd, 0, SEEK_SET) == -1) {
		apim_err_set(APIM_IOERR, "cannot rewind events: %s", strerror(errno));
		return -1;
	}
	r->start = r->end = r->scan = 0;
	r->offset = 0;
	r->skipping = 0;
	r->eof = 0;
	r->line = NULL;
	r->len = 0;
	return 0;
}

int
apim_event_reader_torn(const struct apim_event_reader *r)
{
	return r->torn;
}

/* More input into buf: 1 some, 0 end of input, -1 error. */
static int
fill(struct apim_event_reader *r)
{
	ssize_t n;

	if (r->start > 0) {		/* keep the unfinished line at the front */
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		if (r->cap < APIM_EVENT_READ_MAX + 1) {
			r->cap *= 2;
			r->buf = apim_xreallocarray(r->buf, r->cap, 1);
		} else {		/* over the limit: drop what we have */
			r->skipping = 1;
			r->offset += (long long)r->end;
			r->start = r->end = r->scan = 0;
		}
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		apim_err_set(APIM_IOERR, "cannot read events: %s", strerror(errno));
		return -1;
	}
	r->end += (size_t)n;
	return n > 0;
}

/* The next line in r->line/r->len, without its newline: 1 a line, 0 end of
 * input (for now, when following), -2 a read error.  *last is set when the
 * line had no newline (end of input). */
static int
next_line(struct apim_event_reader *r, int *last)
{
	char *nl;
	int rc;

	*last = 0;
	for (;;) {
		nl = r->scan < r->end ? memchr(r->buf + r->scan, '\n',
		    r->end - r->scan) : NULL;
		if (nl) {
			size_t e = (size_t)(nl - r->buf);

			r->line = r->buf + r->start;
			r->len = e - r->start;
			r->offset += (long long)(e + 1 - r->start);
			r->start = r->scan = e + 1;
			r->lineno++;
			if (r->skipping || r->len > APIM_EVENT_READ_MAX) {
				r->skipping = 0;
				r->len = (size_t)-1;	/* over-long */
			}
			return 1;
		}
		r->scan = r->end;
		if (r->eof && !r->follow)
			rc = 0;
		else if ((rc = fill(r)) == -1)
			return -2;
		if (rc == 1)
			continue;
		r->eof = 1;
		if (r->follow)
			return 0;	/* the unfinished line waits for the rest */
		if (r->end > r->start || r->skipping) {
			r->line = r->buf + r->start;
			r->len = r->end - r->start;
			r->offset += (long long)r->len;
			r->start = r->scan = r->end;
			r->lineno++;
			*last = 1;
			if (r->skipping) {
				r->skipping = 0;
				r->len = (size_t)-1;
			}
			return 1;
		}
		return 0;
	}
}

int
apim_event_read(struct apim_event_reader *r, struct apim_event *ev)
{
	size_t i, n;
	int last, rc;

	json_decref(r->obj);
	r->obj = NULL;
	r->torn = 0;
	if (r->follow)
		r->eof = 0;
	for (;;) {
		if ((rc = next_line(r, &last)) != 1) {
			r->line = NULL;
			r->len = 0;
			return rc;
		}
		if (r->len == (size_t)-1) {
			r->line = NULL;
			r->len = 0;
			r->bad++;
			apim_err_set(APIM_DATAERR, "line longer than %d bytes",
			    APIM_EVENT_READ_MAX);
			return -1;
		}
		n = r->len;
		while (n > 0 && r->line[n - 1] == '\r')
			n--;
		for (i = 0; i < n; i++)
			if (r->line[i] != ' ' && r->line[i] != '\t')
				break;
		if (i == n)
			continue;	/* blank */
		r->len = n;
		if (r->strcap < n + 1) {
			free(r->strs);
			r->strcap = n + 1 < 4096 ? 4096 : n + 1;
			r->strs = apim_xmalloc(r->strcap);
		}
		if (parse_line(r->line, n, ev, r->strs) == 0) {
			r->good++;
			return 1;
		}
		r->len = 0;		/* no JSON for a bad line */
		r->bad++;
		r->torn = last;
		clean_reason();
		return -1;
	}
}

json_t *
apim_event_reader_json(struct apim_event_reader *r)
{
	if (r->obj == NULL && r->line != NULL && r->len > 0)
		r->obj = json_loadb(r->line, r->len, 0, NULL);
	return r->obj;
}

long
apim_event_reader_lineno(const struct apim_event_reader *r)
{
	return r->lineno;
}

long
apim_event_reader_good(const struct apim_event_reader *r)
{
	return r->good;
}

long
apim_event_reader_bad(const struct apim_event_reader *r)
{
	return r->bad;
}
