/* http: strict HTTP/1.1 request- and response-head parsers, chunked decoder, reasons, dates.
 * Nothing here allocates: results point into the caller's buffers. */
#include <string.h>
#include <strings.h>
#include <time.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <arpa/inet.h>
#include <sys/socket.h>

#include "http.h"
#include "util.h"

const struct apim_http_limits apim_http_limits_default = {
	.max_line = 8192,
	.max_headers = 100,
	.max_header_bytes = 16384,
	.max_chunk_ext = 256,
};

/* Character classes, one table lookup each: C_T RFC 9110 tchar
 * ("!#$%&'*+-.^_`|~" DIGIT ALPHA); C_V field-vchar, SP or HTAB (obs-text
 * allowed); C_R RFC 3986 unreserved / sub-delims (a reg-name's characters
 * besides pct-encoded); C_G a visible ASCII character (request target). */
enum { C_T = 1, C_V = 2, C_R = 4, C_G = 8 };
static const unsigned char ctab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 15, 10, 11, 15, 11, 15, 15, 14, 14, 15, 15, 14, 15, 15, 10,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 10, 14, 10, 14, 10, 10,
	10, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 10, 10, 10, 11, 15,
	11, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 10, 11, 10, 15, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static int
tchar(unsigned char c)
{
	return ctab[c] & C_T;
}

int
apim_http_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!(ctab[(unsigned char)s[i]] & C_T))
			return 0;
	return 1;
}

/* field-vchar / SP / HTAB (obs-text allowed) */
static int
vchar(unsigned char c)
{
	return ctab[c] & C_V;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)
/* Nonzero if a byte of w is below n (n <= 128), or equals b. */
#define HAS_BELOW(w, n) (((w) - ONES * (n)) & ~(w) & HIGH)
#define HAS_BYTE(w, b) ((((w) ^ (ONES * (b))) - ONES) & ~((w) ^ (ONES * (b))) & HIGH)

/* The first byte of [p, e) that is not in class cl (C_V or C_G), or e:
 * 16 (or 8) bytes at a time while none is a control (or, for C_G, SP or
 * obs-text), one at a time around one that is. */
static inline const char *
scan_class(const char *p, const char *e, int cl)
{
	for (;;) {
		const char *stop;

#ifdef __SSE2__
		const __m128i lo = _mm_set1_epi8(cl == C_V ? 0x1f : 0x20);
		const __m128i del = _mm_set1_epi8(0x7f);

		while (e - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			/* unsigned v <= lo, or DEL (C_G: or obs-text too) */
			__m128i bad = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v,
			    lo), v), _mm_cmpeq_epi8(v, del));

			if (cl != C_V)
				bad = _mm_or_si128(bad, _mm_cmplt_epi8(v,
				    _mm_setzero_si128()));
			if (_mm_movemask_epi8(bad) != 0)
				break;
			p += 16;
		}
		stop = e - p < 16 ? e : p + 16;
#else
		while (e - p >= 8) {
			uint64_t w;

			memcpy(&w, p, 8);
			if (cl == C_V ? (HAS_BELOW(w, 0x20) | HAS_BYTE(w, 0x7f)) :
			    (HAS_BELOW(w, 0x21) | HAS_BYTE(w, 0x7f) | (w & HIGH)))
				break;
			p += 8;
		}
		stop = e - p < 8 ? e : p + 8;
#endif
		for (; p < stop; p++)
			if (!(ctab[(unsigned char)*p] & cl))
				return p;
		if (p == e)
			return e;
	}
}

size_t
apim_http_vchars(const char *s, size_t n)
{
	return (size_t)(scan_class(s, s + n, C_V) - s);
}

/* 1 if s[0..n) is lit but for the case of ASCII letters.  lit is lower
 * case letters, digits and '-'; s has no controls (checked names and
 * values): then c | 0x20 is lit[i] only for the letter's two cases or
 * lit[i] itself. */
static inline int
eqi(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] | 0x20) != (unsigned char)lit[i])
			return 0;	/* also at lit's NUL: c | 0x20 is never 0 */
	return lit[n] == '\0';
}

/* The framing fields the parsers look at, told apart by length first. */
enum { F_OTHER, F_CL, F_TE, F_HOST, F_CONN, F_EXPECT };

static int
field_kind(const char *n, size_t len)
{
	switch (len) {
	case 4:
		return eqi(n, 4, "host") ? F_HOST : F_OTHER;
	case 6:
		return eqi(n, 6, "expect") ? F_EXPECT : F_OTHER;
	case 10:
		return eqi(n, 10, "connection") ? F_CONN : F_OTHER;
	case 14:
		return eqi(n, 14, "content-length") ? F_CL : F_OTHER;
	case 17:
		return eqi(n, 17, "transfer-encoding") ? F_TE : F_OTHER;
	}
	return F_OTHER;
}

/* The request line buf[0..n) without CRLF. */
static long
parse_line(const char *buf, size_t n, struct apim_http_head *h)
{
	const char *p = buf, *end = buf + n, *v;
	size_t i;

	while (p < end && tchar((unsigned char)*p))
		p++;
	if (p == buf || p == end || *p != ' ')
		return -400;
	h->method = buf;
	h->method_len = (size_t)(p - buf);
	h->target = ++p;
	p = scan_class(p, end, C_G);
	h->target_len = (size_t)(p - h->target);
	if (h->target_len == 0 || p == end || *p != ' ')
		return -400;
	v = p + 1;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return -505;
	h->minor = v[7] - '0';
	/* origin-form, "*" for OPTIONS, or absolute-form (scheme "://") */
	if (h->target[0] == '/')
		return 0;
	if (h->target_len == 1 && h->target[0] == '*')
		return eqi(h->method, h->method_len, "options") ? 0 : -400;
	for (i = 0; i < h->target_len; i++) {
		unsigned char c = (unsigned char)h->target[i];

		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.'))))
			return -400;
	}
	if (i == 0 || i + 3 > h->target_len ||
	    memcmp(h->target + i, "://", 3) != 0)
		return -400;
	return 0;
}

/* Transfer-Encoding list: note every coding, in order. */
static int
parse_te(const char *v, size_t n, int *nchunked, int *last_chunked, int *other)
{
	size_t i = 0, s, e;

	for (;;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e == s || !apim_http_token(v + s, e - s))
			return -400;	/* empty element or parameters */
		if (eqi(v + s, e - s, "chunked")) {
			(*nchunked)++;
			*last_chunked = 1;
		} else {
			*other = 1;
			*last_chunked = 0;
		}
		if (i == n)
			return 0;
		i++;		/* ',' */
	}
}

static void
parse_connection(const char *v, size_t n, int *close, int *keep)
{
	size_t i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (eqi(v + s, e - s, "close"))
			*close = 1;
		else if (eqi(v + s, e - s, "keep-alive"))
			*keep = 1;
	}
}

/* RFC 3986 unreserved / sub-delims (the characters of a reg-name besides
 * pct-encoded). */
static int
regchar(unsigned char c)
{
	return ctab[c] & C_R;
}

static int
hexdig(unsigned char c)
{
	return apim_hexval(c) >= 0;
}

/* 1 if v[0..n) is an IP-literal's inside: IPv6address or IPvFuture. */
static int
ip_literal(const char *v, size_t n)
{
	char tmp[64];
	unsigned char a6[16];
	size_t i;

	if (n > 1 && (v[0] == 'v' || v[0] == 'V')) {	/* "v" 1*HEXDIG "." 1*(...) */
		for (i = 1; i < n && hexdig((unsigned char)v[i]); i++)
			;
		if (i == 1 || i >= n - 1 || v[i] != '.')
			return 0;
		for (i++; i < n; i++)
			if (!regchar((unsigned char)v[i]) && v[i] != ':')
				return 0;
		return 1;
	}
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	for (i = 0; i < n; i++)
		if (!hexdig((unsigned char)v[i]) && v[i] != ':' && v[i] != '.')
			return 0;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, a6) == 1;
}

/* 1 if v[0..n) is a valid Host value (RFC 9110 section 7.2: uri-host
 * [ ":" port ]): a reg-name (which covers IPv4) or a bracketed IP-literal,
 * then an optional port of 1-5 digits up to 65535.  An empty value is
 * allowed (RFC 9112 section 3.2, a target without authority); an empty host
 * before a port is not. */
static int
host_valid(const char *v, size_t n)
{
	size_t i = 0, p;
	unsigned port = 0;

	if (n == 0)
		return 1;
	if (v[0] == '[') {
		const char *e = memchr(v, ']', n);

		if (e == NULL || !ip_literal(v + 1, (size_t)(e - v - 1)))
			return 0;
		i = (size_t)(e - v) + 1;
	} else {
		while (i < n && v[i] != ':') {
			if (v[i] == '%') {
				if (i + 2 >= n || !hexdig((unsigned char)v[i + 1]) ||
				    !hexdig((unsigned char)v[i + 2]))
					return 0;
				i += 3;
			} else if (regchar((unsigned char)v[i]))
				i++;
			else
				return 0;
		}
		if (i == 0)
			return 0;
	}
	if (i == n)
		return 1;
	if (v[i] != ':' || n - i - 1 == 0 || n - i - 1 > 5)
		return 0;
	for (p = i + 1; p < n; p++) {
		if (v[p] < '0' || v[p] > '9')
			return 0;
		port = port * 10 + (unsigned)(v[p] - '0');
	}
	return port <= 65535;
}

/* One field line p..nl (nl at its LF, the CR before it checked): name,
 * colon, value with its OWS trimmed, into f.  0, or -1 for an
 * obs-fold (or space before the first field), an empty name, a bad name
 * character or space before the colon, or a control character (NUL, bare
 * CR) in the value. */
static inline int
field_line(const char *p, const char *nl, struct apim_http_field *f)
{
	const char *q, *v, *ve = nl - 1;

	if (*p == ' ' || *p == '\t')
		return -1;
	for (q = p; q < ve && tchar((unsigned char)*q); q++)
		;
	if (q == p || *q != ':')
		return -1;
	for (v = q + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
		;
	if (scan_class(v, ve, C_V) != ve)
		return -1;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	f->name = p;
	f->name_len = (size_t)(q - p);
	f->value = v;
	f->value_len = (size_t)(ve - v);
	return 0;
}

/* A Content-Length value: 1 to 15 digits (no sign, no list).  0 and *cl,
 * or -1. */
static inline int
cl_value(const char *v, size_t vn, int64_t *cl)
{
	size_t i;

	if (vn == 0 || vn > 15)
		return -1;
	*cl = 0;
	for (i = 0; i < vn; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		*cl = *cl * 10 + (v[i] - '0');
	}
	return 0;
}

long
apim_http_parse_head(const char *buf, size_t len,
    const struct apim_http_limits *lim, struct apim_http_field *fields,
    struct apim_http_head *h)
{
	const char *p, *end = buf + len, *nl;
	struct apim_http_field f;
	int hosts = 0, ncl = 0, nte = 0, nchunked = 0, last_chunked = 0;
	int other = 0, close = 0, keep = 0, expect_bad = 0;
	long r;
	int64_t cl = -1;
	size_t scan;

	if (lim == NULL)
		lim = &apim_http_limits_default;
	memset(h, 0, sizeof(*h));
	h->fields = fields;
	h->content_length = -1;

	/* request line: CRLF-terminated, no bare CR or LF, no NUL */
	/* Only the first max_line bytes decide, so the answer is the same
	 * however the bytes arrive: a NUL there is 400, no LF there is 414. */
	scan = len < lim->max_line ? len : lim->max_line;
	nl = memchr(buf, '\n', scan);
	if (nl == NULL) {
		if (memchr(buf, '\0', scan) != NULL)
			return -400;
		return len >= lim->max_line ? -414 : APIM_HTTP_PARTIAL;
	}
	if (nl == buf || nl[-1] != '\r')
		return -400;
	if ((r = parse_line(buf, (size_t)(nl - 1 - buf), h)) < 0)
		return r;
	p = nl + 1;

	/* fields until the empty line */
	for (;;) {
		size_t left = (size_t)(end - p);

		nl = memchr(p, '\n', left);
		if (nl == NULL) {
			if (memchr(p, '\0', left) != NULL)
				return -400;
			return len > lim->max_header_bytes ? -431 :
			    APIM_HTTP_PARTIAL;
		}
		if ((size_t)(nl + 1 - buf) > lim->max_header_bytes)
			return -431;
		if (nl == p || nl[-1] != '\r')
			return -400;	/* bare LF */
		if (nl - 1 == p) {	/* empty line: end of head */
			p = nl + 1;
			break;
		}
		if (field_line(p, nl, &f) == -1)
			return -400;
		if (h->nfields == lim->max_headers)
			return -431;
		fields[h->nfields] = f;
		{
			const char *v = fields[h->nfields].value;
			size_t vn = fields[h->nfields].value_len;

			switch (field_kind(p, fields[h->nfields].name_len)) {
			case F_CL:
				if (++ncl > 1 || cl_value(v, vn, &cl) == -1)
					return -400;
				break;
			case F_TE:
				nte++;
				if (parse_te(v, vn, &nchunked, &last_chunked,
				    &other) < 0)
					return -400;
				break;
			case F_HOST:
				hosts++;
				if (!host_valid(v, vn))
					return -400;
				break;
			case F_CONN:
				parse_connection(v, vn, &close, &keep);
				break;
			case F_EXPECT:
				if (eqi(v, vn, "100-continue"))
					h->expect_continue = 1;
				else
					expect_bad = 1;
				break;
			}
		}
		h->nfields++;
		p = nl + 1;
	}

	if (ncl && nte)
		return -400;	/* smuggling: both framings */
	if (nte) {
		if (h->minor == 0 || !last_chunked || nchunked > 1)
			return -400;
		if (other)
			return -501;
		h->chunked = 1;
	}
	h->content_length = cl;
	if (h->minor == 1 ? hosts != 1 : hosts > 1)
		return -400;
	if (expect_bad)
		return -417;
	if (h->minor == 0)
		h->expect_continue = 0;
	h->keep_alive = close ? 0 : h->minor == 1 ? 1 : keep;
	return (long)(p - buf);
}

/* The status line buf[0..n) without CRLF: "HTTP/1.x SSS [reason]". */
static int
parse_status_line(const char *buf, size_t n, struct apim_http_resp *r)
{
	if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9')
		return -1;
	if (n > 12 && buf[12] != ' ')
		return -1;
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	r->reason = n > 12 ? buf + 13 : buf + 12;
	r->reason_len = n > 12 ? n - 13 : 0;
	if (scan_class(r->reason, r->reason + r->reason_len, C_V) !=
	    r->reason + r->reason_len)
		return -1;
	return 0;
}

long
apim_http_parse_response(const char *buf, size_t len,
    const struct apim_http_limits *lim, struct apim_http_field *fields,
    struct apim_http_resp *r)
{
	const char *p, *end = buf + len, *nl;
	struct apim_http_field f;
	int ncl = 0, nte = 0, nchunked = 0, last_chunked = 0, other = 0;
	int close = 0, keep = 0;
	int64_t cl = -1;
	size_t scan;

	if (lim == NULL)
		lim = &apim_http_limits_default;
	memset(r, 0, sizeof(*r));
	r->fields = fields;
	r->content_length = -1;

	scan = len < lim->max_line ? len : lim->max_line;
	nl = memchr(buf, '\n', scan);
	if (nl == NULL) {
		if (memchr(buf, '\0', scan) != NULL || len >= lim->max_line)
			return -502;
		/* what has come must be a prefix of "HTTP/1." */
		if (memcmp(buf, "HTTP/1.", len < 7 ? len : 7) != 0)
			return -502;
		return APIM_HTTP_PARTIAL;
	}
	if (nl == buf || nl[-1] != '\r' ||
	    parse_status_line(buf, (size_t)(nl - 1 - buf), r) < 0)
		return -502;
	p = nl + 1;

	for (;;) {
		size_t left = (size_t)(end - p);

		nl = memchr(p, '\n', left);
		if (nl == NULL) {
			if (memchr(p, '\0', left) != NULL ||
			    len > lim->max_header_bytes)
				return -502;
			return APIM_HTTP_PARTIAL;
		}
		if ((size_t)(nl + 1 - buf) > lim->max_header_bytes)
			return -502;
		if (nl == p || nl[-1] != '\r')
			return -502;	/* bare LF */
		if (nl - 1 == p) {
			p = nl + 1;
			break;
		}
		if (r->nfields == lim->max_headers || field_line(p, nl, &f) == -1)
			return -502;
		fields[r->nfields] = f;
		{
			const char *v = fields[r->nfields].value;
			size_t vn = fields[r->nfields].value_len;

			switch (field_kind(p, fields[r->nfields].name_len)) {
			case F_CL:
				if (++ncl > 1 || cl_value(v, vn, &cl) == -1)
					return -502;
				break;
			case F_TE:
				nte++;
				if (parse_te(v, vn, &nchunked, &last_chunked,
				    &other) < 0)
					return -502;
				break;
			case F_CONN:
				parse_connection(v, vn, &close, &keep);
				break;
			}
		}
		r->nfields++;
		p = nl + 1;
	}
	if (ncl && nte)
		return -502;	/* smuggling: both framings */
	if (nte) {
		if (r->minor == 0 || !last_chunked || nchunked > 1 || other)
			return -502;
		r->chunked = 1;
	}
	r->content_length = cl;
	r->keep_alive = close ? 0 : r->minor == 1 ? 1 : keep;
	return (long)(p - buf);
}

const struct apim_http_field *
apim_http_field_get(const struct apim_http_head *h, const char *name)
{
	size_t i;

	size_t n = strlen(name);

	for (i = 0; i < h->nfields; i++)
		if (h->fields[i].name_len == n &&
		    apim_http_casecmp(h->fields[i].name, name, n))
			return &h->fields[i];
	return NULL;
}

enum {
	C_SIZE0, C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF,
	C_TRAILER, C_TLINE, C_TLF, C_END_LF, C_DONE
};

void
apim_http_chunked_init(struct apim_http_chunked *d)
{
	memset(d, 0, sizeof(*d));
}

int
apim_http_chunked_decode(struct apim_http_chunked *d,
    const struct apim_http_limits *lim, const char *in, size_t len,
    size_t *used, const char **data, size_t *dlen)
{
	size_t i = 0;
	int hv;

	if (lim == NULL)
		lim = &apim_http_limits_default;
	*data = NULL;
	*dlen = 0;
	while (i < len && d->state != C_DONE) {
		unsigned char c = (unsigned char)in[i];

		switch (d->state) {
		case C_DATA: {
			size_t n = len - i;

			if (n > d->size)
				n = (size_t)d->size;
			*data = in + i;
			*dlen = n;
			d->size -= n;
			if (d->size == 0)
				d->state = C_DATA_CR;
			*used = i + n;
			return 0;
		}
		case C_SIZE0:
		case C_SIZE:
			/* the whole size line, leading zeros and extensions
			 * included, is bounded (a size of a million zeros is
			 * no size) */
			if (c != '\r' && ++d->line > lim->max_chunk_ext)
				goto bad;
			if ((hv = apim_hexval(c)) >= 0) {
				if (d->size > (UINT64_C(1) << 59))
					goto bad;	/* overflow */
				d->size = d->size * 16 + (uint64_t)hv;
				d->state = C_SIZE;
				break;
			}
			if (d->state == C_SIZE0)
				goto bad;
			if (c == '\r') {
				d->state = C_SIZE_LF;
			} else if (c == ';' || c == ' ' || c == '\t') {
				d->state = C_EXT;
				d->ext = c == ';';
			} else
				goto bad;
			break;
		case C_EXT:
			if (c != '\r' && ++d->line > lim->max_chunk_ext)
				goto bad;
			if (c == '\r') {
				if (!d->ext)
					goto bad;
				d->state = C_SIZE_LF;
			} else if (!d->ext) {
				if (c == ';')
					d->ext = 1;
				else if (c != ' ' && c != '\t')
					goto bad;
			} else if (!vchar(c))
				goto bad;
			break;
		case C_SIZE_LF:
			if (c != '\n')
				goto bad;
			d->state = d->size ? C_DATA : C_TRAILER;
			break;
		case C_DATA_CR:
			if (c != '\r')
				goto bad;
			d->state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (c != '\n')
				goto bad;
			d->state = C_SIZE0;
			d->size = 0;
			d->line = 0;
			break;
		case C_TRAILER:
			if (c == '\r') {
				d->state = C_END_LF;
				break;
			}
			if (!tchar(c))
				goto bad;	/* obs-fold or junk */
			d->state = C_TLINE;
			d->ext = 0;	/* colon seen */
			if (++d->trailer > lim->max_header_bytes)
				goto big;
			break;
		case C_TLINE:
			if (++d->trailer > lim->max_header_bytes)
				goto big;
			if (c == '\r') {
				if (!d->ext)
					goto bad;
				d->state = C_TLF;
			} else if (!d->ext) {
				if (c == ':')
					d->ext = 1;
				else if (!tchar(c))
					goto bad;
			} else if (!vchar(c))
				goto bad;
			break;
		case C_TLF:
			if (c != '\n')
				goto bad;
			d->state = C_TRAILER;
			break;
		case C_END_LF:
			if (c != '\n')
				goto bad;
			d->state = C_DONE;
			break;
		}
		i++;
	}
	*used = i;
	return d->state == C_DONE ? 1 : 0;
bad:
	*used = i;
	return -400;
big:
	*used = i;
	return -431;
}

const char *
apim_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

void
apim_http_date(int64_t t, char out[30])
{
	static const char day[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t days = t / 86400, sec = t % 86400;
	struct tm tm;

	/* not gmtime_r: glibc's reads the local zone (/etc/localtime) first,
	 * which an inetd process would pay per connection */
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	apim_civil_from_days(days, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_wday = (int)(((days + 4) % 7 + 7) % 7);	/* 1970-01-01: Thursday */
	tm.tm_hour = (int)(sec / 3600);
	tm.tm_min = (int)(sec / 60 % 60);
	tm.tm_sec = (int)(sec % 60);
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	memcpy(out, day[tm.tm_wday], 3);
	out[3] = ',';
	out[4] = ' ';
	out[5] = (char)('0' + tm.tm_mday / 10);
	out[6] = (char)('0' + tm.tm_mday % 10);
	out[7] = ' ';
	memcpy(out + 8, mon[tm.tm_mon], 3);
	out[11] = ' ';
	{
		int y = tm.tm_year + 1900;

		out[12] = (char)('0' + y / 1000 % 10);
		out[13] = (char)('0' + y / 100 % 10);
		out[14] = (char)('0' + y / 10 % 10);
		out[15] = (char)('0' + y % 10);
	}
	out[16] = ' ';
	out[17] = (char)('0' + tm.tm_hour / 10);
	out[18] = (char)('0' + tm.tm_hour % 10);
	out[19] = ':';
	out[20] = (char)('0' + tm.tm_min / 10);
	out[21] = (char)('0' + tm.tm_min % 10);
	out[22] = ':';
	out[23] = (char)('0' + tm.tm_sec / 10);
	out[24] = (char)('0' + tm.tm_sec % 10);
	memcpy(out + 25, " GMT", 5);
}

char *
apim_http_chunk_line(char out[APIM_HTTP_CHUNK_LINE], size_t n, size_t *len)
{
	char *e = out + APIM_HTTP_CHUNK_LINE, *p = e - 2;

	p[0] = '\r';
	p[1] = '\n';
	do {
		*--p = "0123456789abcdef"[n & 15];
		n >>= 4;
	} while (n);
	*len = (size_t)(e - p);
	return p;
}
