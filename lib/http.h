/* http: the strict HTTP/1.1 request and response parsers (RFC 9112) and response-head writer.
 * Pure functions on caller buffers: no I/O, no allocation; results point into the caller's buffer. */
#ifndef APIM_HTTP_H
#define APIM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define APIM_HTTP_PARTIAL (-2)	/* need more bytes */

struct apim_http_limits {
	size_t max_line;	/* request line bytes (incl. CRLF); longer: 414 */
	size_t max_headers;	/* header fields; more: 431 */
	size_t max_header_bytes;	/* whole head; more: 431 (also bounds trailers) */
	size_t max_chunk_ext;	/* chunk-size line bytes before its CRLF (size
				 * digits, leading zeros included, and
				 * extensions); more: 400 */
};
/* 8 KiB line, 100 fields, 16 KiB head, 256-byte chunk-size lines. */
extern const struct apim_http_limits apim_http_limits_default;

struct apim_http_field {
	const char *name, *value;	/* not NUL-terminated; value has OWS trimmed */
	size_t name_len, value_len;
};

/* A parsed request head.  All pointers point into the parsed buffer. */
struct apim_http_head {
	const char *method, *target;
	size_t method_len, target_len;
	int minor;		/* HTTP/1.minor: 0 or 1 */
	struct apim_http_field *fields;	/* caller's array */
	size_t nfields;
	int64_t content_length;	/* -1 when absent */
	int chunked;		/* Transfer-Encoding: chunked */
	int keep_alive;		/* 1.1 default, 1.0 with "Connection: keep-alive", 0 with "close" */
	int expect_continue;	/* Expect: 100-continue */
};

/* Parse the request head at buf[0..len).  fields has room for lim->max_headers.
 * Returns the head's length (request line to the empty line, inclusive) when
 * complete; APIM_HTTP_PARTIAL when more bytes are needed (and no limit is
 * exceeded yet); or a negative HTTP status when the request must be refused:
 * -400 malformed or ambiguous framing (obs-fold, bare CR or LF, NUL, space
 * before a colon, both Content-Length and Transfer-Encoding, duplicate or
 * malformed Content-Length, Transfer-Encoding not ending in chunked, missing or
 * repeated Host in 1.1, a Host that is not uri-host [":" port]), -414 request
 * line too long (no LF within lim->max_line bytes; only those bytes are looked
 * at, so the answer does not depend on how the bytes arrived: a NUL among them
 * is 400), -417 unknown Expect,
 * -431 too many or too large fields, -501 a transfer coding other than
 * chunked before it, -505 a version other than HTTP/1.0 and 1.1. */
long apim_http_parse_head(const char *buf, size_t len,
    const struct apim_http_limits *lim, struct apim_http_field *fields,
    struct apim_http_head *head);

/* A parsed response head.  Pointers point into the parsed buffer. */
struct apim_http_resp {
	int status;		/* 100..599 */
	int minor;		/* HTTP/1.minor: 0 or 1 */
	const char *reason;	/* not NUL-terminated, may be empty */
	size_t reason_len;
	struct apim_http_field *fields;	/* caller's array */
	size_t nfields;
	int64_t content_length;	/* -1 when absent */
	int chunked;		/* Transfer-Encoding: chunked */
	int keep_alive;		/* 1.1 default, 1.0 with "Connection:
				 * keep-alive", 0 with "close" */
};

/* Parse the response head at buf[0..len) (a proxy's view: what a backend
 * sent) with the request parser's strictness.  fields has room for
 * lim->max_headers.  Returns the head's length (status line to the empty
 * line, inclusive) when complete; APIM_HTTP_PARTIAL when more bytes are
 * needed (the bytes so far are a possible start: a first line that cannot
 * begin with "HTTP/1." fails at once); or -502 when it must not be passed on:
 * a status line other than "HTTP/1.0" or "HTTP/1.1", one space, a three-digit
 * status 100..599, then nothing or one space and a reason of visible
 * characters, SP and HTAB; obs-fold, bare CR or LF, NUL or other controls, a
 * space before a colon, an empty or non-token name; two Content-Length
 * fields (even equal ones) or a malformed one; both Content-Length and
 * Transfer-Encoding; a Transfer-Encoding in HTTP/1.0, or one other than a
 * single final "chunked" (a coding the proxy would have to keep, such as
 * "gzip, chunked", is refused too); a status line longer than lim->max_line,
 * more than lim->max_headers fields or a head over lim->max_header_bytes.
 * What the body's length is also depends on the request (HEAD, 1xx, 204,
 * 304: none), so that is the caller's: content_length >= 0, chunked, or
 * neither (read until the connection closes). */
long apim_http_parse_response(const char *buf, size_t len,
    const struct apim_http_limits *lim, struct apim_http_field *fields,
    struct apim_http_resp *r);

/* Case-insensitive lookup: the first field named name, or NULL. */
const struct apim_http_field *apim_http_field_get(
    const struct apim_http_head *head, const char *name);

/* The length of the prefix of s[0..n) that may be a field value: visible
 * characters, obs-text, SP and HTAB (n: all of it). */
size_t apim_http_vchars(const char *s, size_t n);
/* The size line of a chunk of n bytes (RFC 9112 7.1: hex digits, CRLF) at
 * the end of out[APIM_HTTP_CHUNK_LINE]; returns where it starts, and its
 * length in *len. */
#define APIM_HTTP_CHUNK_LINE 20
char *apim_http_chunk_line(char out[APIM_HTTP_CHUNK_LINE], size_t n, size_t *len);
/* 1 if a[0..n) and b[0..n) are equal but for the case of ASCII letters. */
static inline int
apim_http_casecmp(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y) {
			if (x >= 'A' && x <= 'Z')
				x += 'a' - 'A';
			if (y >= 'A' && y <= 'Z')
				y += 'a' - 'A';
			if (x != y)
				return 0;
		}
	}
	return 1;
}

/* Incremental chunked-body decoder (RFC 9112 section 7.1).  Zero it (or call
 * apim_http_chunked_init) before the first byte; trailers are checked and discarded. */
struct apim_http_chunked {
	int state;
	uint64_t size;		/* bytes left in the current chunk */
	size_t line;		/* bytes in the current size or trailer line */
	size_t trailer;		/* trailer bytes so far */
	int ext;		/* inside a chunk extension */
};
void apim_http_chunked_init(struct apim_http_chunked *d);
/* Decode from in[0..len).  *used is set, on every return, to the bytes
 * consumed (on an error: those before the offending byte); when body data
 * was found, *data and *dlen point to it inside in (at most one run per call, so
 * call again with the rest).  Returns 1 when the last chunk and the trailers are
 * complete, 0 when more input is wanted (or the call stopped after a data run),
 * or -400 (bad size, a size line over lim->max_chunk_ext, missing CRLF, bad
 * trailer) or -431
 * (trailers over lim->max_header_bytes). */
int apim_http_chunked_decode(struct apim_http_chunked *d,
    const struct apim_http_limits *lim, const char *in, size_t len,
    size_t *used, const char **data, size_t *dlen);

/* The reason phrase for status ("Not Found"); "Unknown" if none. */
const char *apim_http_reason(int status);
/* The IMF-fixdate for time t (seconds) into out[30]. */
void apim_http_date(int64_t t, char out[30]);
/* 1 if s[0..n) is a token (RFC 9110 tchar+). */
int apim_http_token(const char *s, size_t n);

#endif
