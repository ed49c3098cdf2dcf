/* event: writer, parser and reader of apim-events(5) lines, table-driven.
 * Writer and parser allocate nothing; the reader owns its line and string
 * buffers and the JSON object it makes on demand. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "util.h"

enum kind { K_STR, K_INT, K_CODE, K_TS, K_TYPE, K_KEYTYPE };

struct field {
	const char *name;
	enum kind kind;
	size_t off;
};

#define F(n, k, m) { n, k, offsetof(struct apim_event, m) }
static const struct field fields[] = {
	F("schemaVersion", K_INT, schema_version),
	F("eventType", K_TYPE, event_type),
	F("requestTimestamp", K_TS, request_ms),
	F("correlationId", K_STR, correlation_id),
	F("gatewayNode", K_STR, gateway_node),
	F("apiId", K_STR, api_id),
	F("apiName", K_STR, api_name),
	F("apiVersion", K_STR, api_version),
	F("apiContext", K_STR, api_context),
	F("apiMethod", K_STR, api_method),
	F("apiResourceTemplate", K_STR, api_resource_template),
	F("apiCreator", K_STR, api_creator),
	F("destination", K_STR, destination),
	F("applicationId", K_STR, application_id),
	F("applicationName", K_STR, application_name),
	F("applicationOwner", K_STR, application_owner),
	F("keyType", K_KEYTYPE, key_type),
	F("subscriptionTier", K_STR, subscription_tier),
	F("throttleKey", K_STR, throttle_key),
	F("userName", K_STR, user_name),
	F("userIp", K_STR, user_ip),
	F("userAgent", K_STR, user_agent),
	F("proxyResponseCode", K_CODE, proxy_response_code),
	F("targetResponseCode", K_CODE, target_response_code),
	F("responseLatency", K_INT, response_latency),
	F("backendLatency", K_INT, backend_latency),
	F("requestMediationLatency", K_INT, request_mediation_latency),
	F("responseMediationLatency", K_INT, response_mediation_latency),
	F("requestBytes", K_INT, request_bytes),
	F("responseBytes", K_INT, response_bytes),
	F("errorType", K_STR, error_type),
	F("errorCode", K_INT, error_code),
	F("errorMessage", K_STR, error_message),
};
#undef F
#define NFIELDS (sizeof fields / sizeof fields[0])

#define STR_AT(ev, f)	((const char **)((char *)(ev) + (f)->off))
#define I64_AT(ev, f)	((int64_t *)((char *)(ev) + (f)->off))
#define INT_AT(ev, f)	((int *)((char *)(ev) + (f)->off))

static const char *const type_names[] = { "response", "fault" };

static const char *field_names[NFIELDS + 1];
static pthread_once_t field_names_once = PTHREAD_ONCE_INIT;

static void
field_names_init(void)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		field_names[i] = fields[i].name;
}

const char *const *
apim_event_fields(void)
{
	pthread_once(&field_names_once, field_names_init);
	return field_names;
}

static const struct field *
field_find(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

void
apim_event_init(struct apim_event *ev)
{
	size_t i;

	memset(ev, 0, sizeof *ev);
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].kind == K_INT || fields[i].kind == K_CODE)
			*I64_AT(ev, &fields[i]) = APIM_EVENT_NONE;
	ev->schema_version = APIM_EVENT_SCHEMA;
	ev->event_type = APIM_EVENT_RESPONSE;
	ev->request_ms = apim_now_ms();
}

/* ---- time: civil dates from day numbers (proleptic Gregorian, UTC) ---- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

int
apim_event_time_format(int64_t ms, char *out)
{
	int64_t days, secs;
	int y, mo, d, msec;

	if (ms < 0)
		ms = 0;
	days = ms / 86400000;
	secs = (ms / 1000) % 86400;
	msec = (int)(ms % 1000);
	civil_from_days(days, &y, &mo, &d);
	if (y > 9999)
		y = 9999;
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, mo);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, (int)(secs / 3600));
	out[13] = ':';
	put2(out + 14, (int)(secs / 60 % 60));
	out[16] = ':';
	put2(out + 17, (int)(secs % 60));
	out[19] = '.';
	out[20] = (char)('0' + msec / 100);
	put2(out + 21, msec % 100);
	out[23] = 'Z';
	out[24] = '\0';
	return 24;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int64_t
apim_event_time_parse(const char *s)
{
	int y, mo, d, h, mi, sec, frac = 0, n = 0, oh, om, sign;
	int64_t t;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 3)
				frac = frac * 10 + (*s - '0');
		for (; n < 3; n++)
			frac *= 10;
	}
	if (sec == 60)		/* a leap second counts as the next one's start */
		sec = 59, frac = 999;
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return t * 1000 + frac;
	if ((*s == '+' || *s == '-') && strlen(s) == 6 && !digits(s + 1, 2, &oh) &&
	    s[3] == ':' && !digits(s + 4, 2, &om) && oh < 24 && om < 60) {
		sign = *s == '+' ? 1 : -1;
		t -= sign * (oh * 3600 + om * 60);
		return t < 0 ? -1 : t * 1000 + frac;
	}
	return -1;
}

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

static void
put_i64(struct out *o, int64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp, *p = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(o, p, (size_t)(e - p));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
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

static void
put_str(struct out *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *run, *lim;
	size_t all = strlen(str), l;
	char esc[6];

	lim = s + (all > APIM_EVENT_STR_MAX ? APIM_EVENT_STR_MAX : all);
	put(o, "\"", 1);
	while (s < lim) {
		run = s;	/* copy plain ASCII in one go */
		while (s < lim && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			put(o, (const char *)run, (size_t)(s - run));
		if (s == lim)
			break;
		if (*s >= 0x80) {
			l = utf8_len(s, all - (size_t)(s - (const unsigned char *)str));
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
	put(o, "\"", 1);
}

long
apim_event_format(const struct apim_event *ev, char *buf, size_t cap)
{
	struct out o = { buf, buf + cap, 0 };
	const struct field *f;
	char ts[32];
	int first = 1;

	put(&o, "{", 1);
	for (f = fields; f < fields + NFIELDS; f++) {
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
			apim_event_time_format(ev->request_ms, ts);
			s = ts;
			break;
		case K_TYPE:
			s = type_names[ev->event_type == APIM_EVENT_FAULT];
			break;
		}
		if (!first)
			put(&o, ",", 1);
		first = 0;
		put(&o, "\"", 1);
		put(&o, f->name, strlen(f->name));
		put(&o, "\":", 2);
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
			l = utf8_len((const unsigned char *)j->p, (size_t)(j->end - j->p));
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

/* Check and step over any value (unknown fields are not kept). */
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

static const struct field *
field_findn(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strncmp(fields[i].name, name, n) == 0 && fields[i].name[n] == '\0')
			return &fields[i];
	return NULL;
}

static int
parse_value(struct jp *j, const struct field *f, struct apim_event *ev)
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
	const struct field *f;
	const char *key;
	size_t klen;
	uint64_t seen = 0;

	memset(ev, 0, sizeof *ev);
	for (f = fields; f < fields + NFIELDS; f++)
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
			f = field_findn(key, klen);
			jws(&j);
			if (j.p >= j.end || *j.p != ':')
				return jfail(&j, "':' expected");
			j.p++;
			jws(&j);
			if (f == NULL) {
				if (jskip(&j, 0) == -1)
					return -1;
			} else {
				uint64_t bit = (uint64_t)1 << (f - fields);

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

/* ---- fields by name ---- */

const char *
apim_event_get(const struct apim_event *ev, const char *name, char *buf,
    size_t cap)
{
	const struct field *f = field_find(name);
	struct out o = { buf, buf + cap, 0 };
	int64_t v;

	if (f == NULL || cap < 32)
		return NULL;
	switch (f->kind) {
	case K_STR:
	case K_KEYTYPE:
		return *STR_AT(ev, f);
	case K_TYPE:
		return type_names[ev->event_type == APIM_EVENT_FAULT];
	case K_TS:
		apim_event_time_format(ev->request_ms, buf);
		return buf;
	case K_INT:
	case K_CODE:
		if ((v = *I64_AT(ev, f)) < 0)
			return NULL;
		put_i64(&o, v);
		*o.p = '\0';
		return buf;
	}
	return NULL;
}

int
apim_event_set(struct apim_event *ev, const char *name, const char *value)
{
	const struct field *f = field_find(name);
	char *end;
	long long n;

	if (f == NULL) {
		apim_err_set(APIM_USAGE, "unknown event field '%s'", name);
		return -1;
	}
	switch (f->kind) {
	case K_STR:
	case K_KEYTYPE:
		*STR_AT(ev, f) = value;
		return 0;
	case K_TYPE:
		if (strcmp(value, "response") == 0)
			ev->event_type = APIM_EVENT_RESPONSE;
		else if (strcmp(value, "fault") == 0)
			ev->event_type = APIM_EVENT_FAULT;
		else
			break;
		return 0;
	case K_TS:
		if ((ev->request_ms = apim_event_time_parse(value)) < 0)
			break;
		return 0;
	case K_INT:
	case K_CODE:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n < 0)
			break;
		*I64_AT(ev, f) = n;
		return 0;
	}
	apim_err_set(APIM_DATAERR, "bad value for '%s': '%s'", name, value);
	return -1;
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
