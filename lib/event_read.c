/* event_read: apim-events(5) lines in: a strict parser of one flat JSON
 * object that allocates nothing, and the line reader that owns its buffers
 * and the JSON object it makes on demand. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "event_impl.h"
#include "util.h"

/* ---- the parser: one flat JSON object, no allocation ---- */

struct jp {
	const char *start, *p, *end;
	char *out;		/* decoded strings; holds len + 1 bytes */
	size_t used;
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

/* Decode the string at j->p (its opening quote) to j->out + j->used, with a
 * NUL; *s and *n get it.  j->used is not advanced: the caller keeps it or not.
 * Decoded text is never longer than its encoding, so out cannot overflow. */
static int
jstr(struct jp *j, const char **s, size_t *n)
{
	char *o = j->out + j->used;
	unsigned cp, lo;
	size_t l;

	j->p++;
	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return jfail(j, "unterminated string");
		c = (unsigned char)*j->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return jfail(j, "control character in a string");
		if (c < 0x80 && c != '\\') {
			*o++ = (char)c;
			j->p++;
			continue;
		}
		if (c >= 0x80) {
			l = apim_event_utf8_len((const unsigned char *)j->p, (size_t)(j->end - j->p));
			if (l == 0)
				return jfail(j, "invalid UTF-8");
			memcpy(o, j->p, l);
			o += l;
			j->p += l;
			continue;
		}
		if (j->end - j->p < 2)
			return jfail(j, "unterminated string");
		switch (j->p[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (j->end - j->p < 6 || hex4(j->p + 2, &cp) == -1)
				return jfail(j, "invalid \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 12 || j->p[6] != '\\' ||
				    j->p[7] != 'u' || hex4(j->p + 8, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return jfail(j, "unpaired UTF-16 surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				j->p += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				return jfail(j, "unpaired UTF-16 surrogate");
			if (cp == 0)
				return jfail(j, "\\u0000 in a string");
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
			j->p += 4;
			break;
		default:
			return jfail(j, "invalid escape");
		}
		j->p += 2;
	}
	j->p++;
	*o = '\0';
	*s = j->out + j->used;
	*n = (size_t)(o - *s);
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
		j->used += n + 1;
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

/* Parse line[0..len) into ev; strings go to out (len + 1 bytes). */
static int
parse_line(const char *line, size_t len, struct apim_event *ev, char *out)
{
	struct jp j = { line, line, line + len, out, 0 };
	const struct apim_event_field *f;
	const char *key;
	size_t klen;
	uint64_t seen = 0;

	memset(ev, 0, sizeof *ev);
	for (f = apim_event_schema; f < apim_event_schema + apim_event_nschema; f++)
		if (f->kind == K_INT || f->kind == K_CODE)
			*I64_AT(ev, f) = APIM_EVENT_NONE;
	ev->event_type = -1;		/* until given */
	ev->request_ms = -1;
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
			if (jstr(&j, &key, &klen) == -1)
				return -1;
			f = apim_event_field_findn(key, klen);
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
	int owned;
	char *line;		/* the current line, getline's */
	size_t cap, len;
	char *strs;		/* its decoded strings */
	size_t strcap;
	json_t *obj;		/* the line as JSON, made on demand */
	long lineno, good, bad;
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
	free(r->line);
	free(r->strs);
	free(r);
}

int
apim_event_read(struct apim_event_reader *r, struct apim_event *ev)
{
	ssize_t n;
	size_t i;

	json_decref(r->obj);
	r->obj = NULL;
	for (;;) {
		errno = 0;
		if ((n = getline(&r->line, &r->cap, r->f)) == -1) {
			if (ferror(r->f)) {
				apim_err_set(APIM_IOERR, "cannot read events: %s",
				    strerror(errno ? errno : EIO));
				return -2;
			}
			return 0;
		}
		r->lineno++;
		while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
			n--;
		for (i = 0; i < (size_t)n; i++)
			if (r->line[i] != ' ' && r->line[i] != '\t')
				break;
		if (i == (size_t)n)
			continue;	/* blank */
		r->len = (size_t)n;
		if (r->strcap < r->len + 1) {
			free(r->strs);
			r->strcap = r->len + 1 < 4096 ? 4096 : r->len + 1;
			r->strs = apim_xmalloc(r->strcap);
		}
		if (parse_line(r->line, r->len, ev, r->strs) == 0) {
			r->good++;
			return 1;
		}
		r->len = 0;		/* no JSON for a bad line */
		r->bad++;
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