/* http-parse: unit checks of lib/http's contracts that curl can't reach:
 * prefixes are PARTIAL, fields are trimmed, dates are IMF-fixdate, Host is
 * checked, 414 does not depend on segmentation, *used is always set. */
#include <stdio.h>
#include <string.h>

#include "http.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "http-parse: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); fails++; } } while (0)

static const char req[] =
    "POST /a/b?x=1 HTTP/1.1\r\n"
    "Host: example.org\r\n"
    "content-LENGTH: 11\r\n"
    "X-Pad: \t spaced value \t\r\n"
    "Connection: keep-alive, close\r\n"
    "\r\n"
    "hello world";

int
main(void)
{
	struct apim_http_field f[100];
	struct apim_http_head h;
	const struct apim_http_field *x;
	size_t head = sizeof(req) - 1 - 11, i;
	long r;
	char date[30];

	/* every proper prefix of the head is PARTIAL; the head alone is complete */
	for (i = 0; i < head; i++)
		CHECK(apim_http_parse_head(req, i, NULL, f, &h) == APIM_HTTP_PARTIAL);
	r = apim_http_parse_head(req, sizeof(req) - 1, NULL, f, &h);
	CHECK(r == (long)head);
	CHECK(h.method_len == 4 && memcmp(h.method, "POST", 4) == 0);
	CHECK(h.target_len == 8 && memcmp(h.target, "/a/b?x=1", 8) == 0);
	CHECK(h.minor == 1 && h.nfields == 4);
	CHECK(h.content_length == 11 && !h.chunked);
	CHECK(h.keep_alive == 0);	/* "close" wins */
	x = apim_http_field_get(&h, "x-pad");
	CHECK(x && x->value_len == 12 && memcmp(x->value, "spaced value", 12) == 0);
	CHECK(apim_http_field_get(&h, "Nope") == NULL);

	/* limits: 414 and 431 decided before the head is complete */
	{
		static char big[20000];
		struct apim_http_limits lim = apim_http_limits_default;

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET /", 5);
		CHECK(apim_http_parse_head(big, 8192, &lim, f, &h) == -414);
		CHECK(apim_http_parse_head(big, 8191, &lim, f, &h) == APIM_HTTP_PARTIAL);
		memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
		CHECK(apim_http_parse_head(big, 16385, &lim, f, &h) == -431);
		CHECK(apim_http_parse_head(big, 16384, &lim, f, &h) == APIM_HTTP_PARTIAL);
	}

	/* chunked: data runs point into the input; split anywhere, same result */
	{
		static const char body[] = "5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\nNEXT";
		size_t n = sizeof(body) - 1, cut;

		for (cut = 0; cut <= n; cut++) {
			struct apim_http_chunked d;
			char out[32];
			size_t o = 0, off = 0, used, dn;
			const char *dp;
			int st = 0;

			apim_http_chunked_init(&d);
			while (st == 0 && off < n) {
				size_t end = off < cut ? cut : n;

				st = apim_http_chunked_decode(&d, NULL, body + off,
				    end - off, &used, &dp, &dn);
				memcpy(out + o, dp ? dp : "", dn);
				o += dn;
				off += used;
			}
			CHECK(st == 1 && o == 11 && memcmp(out, "hello world", 11) == 0);
			CHECK(strcmp(body + off, "NEXT") == 0);
		}
	}

	/* Host: uri-host [":" port] (RFC 9110 7.2, RFC 3986 3.2.2), else 400 */
	{
		static const char *const good[] = { "", "x", "example.org",
		    "example.org:8080", "192.0.2.1", "192.0.2.1:80", "[::1]",
		    "[::1]:443", "[2001:db8::7]", "[v1.fe80::a+en1]", "a%2eb",
		    "a_b-c~d", "x:0", "x:65535", NULL };
		static const char *const bad[] = { "a b", "a/b", "u@h", "[::1",
		    "::1", "[::1]x", "[::1]:", "x:", ":80", "x:65536", "x:123456",
		    "x:8a", "a%2", "a%zz", "[]", "[v1.]", "[1.2.3.4]", "a?b",
		    "a#b", "a\"b", "[::1]:80:80", "h:1:2", NULL };
		char r2[256];
		int k;

		for (k = 0; good[k]; k++) {
			snprintf(r2, sizeof r2, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			    good[k]);
			r = apim_http_parse_head(r2, strlen(r2), NULL, f, &h);
			if (r != (long)strlen(r2))
				fprintf(stderr, "http-parse: host '%s' refused\n", good[k]);
			CHECK(r == (long)strlen(r2));
		}
		for (k = 0; bad[k]; k++) {
			snprintf(r2, sizeof r2, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			    bad[k]);
			r = apim_http_parse_head(r2, strlen(r2), NULL, f, &h);
			if (r != -400)
				fprintf(stderr, "http-parse: host '%s' gave %ld\n", bad[k], r);
			CHECK(r == -400);
		}
		/* HTTP/1.0 has no Host requirement, but a Host given is checked */
		strcpy(r2, "GET / HTTP/1.0\r\nHost: a b\r\n\r\n");
		CHECK(apim_http_parse_head(r2, strlen(r2), NULL, f, &h) == -400);
	}

	/* an over-long request line is 414 however the bytes arrive, even when
	 * something refusable (a NUL) follows beyond the limit */
	{
		static char big[12000];
		size_t n = sizeof(big), cut;
		int all414 = 1;

		memset(big, 'a', n);
		memcpy(big, "GET /", 5);
		memcpy(big + 9000, " HTTP/1.1\r\nHost: x\r\nX: \0\r\n\r\n", 28);
		for (cut = 8192; cut <= n; cut++)
			if (apim_http_parse_head(big, cut, NULL, f, &h) != -414)
				all414 = 0;
		CHECK(all414);
		for (cut = 1; cut < 8192; cut += 97)
			CHECK(apim_http_parse_head(big, cut, NULL, f, &h) ==
			    APIM_HTTP_PARTIAL);
		/* a NUL inside the first 8 KiB is 400 at any length */
		big[100] = '\0';
		CHECK(apim_http_parse_head(big, 200, NULL, f, &h) == -400);
		CHECK(apim_http_parse_head(big, n, NULL, f, &h) == -400);
	}

	/* chunked: *used is set on every return, the -431 of big trailers too */
	{
		static char tr[20000];
		struct apim_http_chunked d;
		size_t used, dn, n;
		const char *dp;
		int st;

		memcpy(tr, "0\r\nX: ", 6);
		memset(tr + 6, 'v', sizeof(tr) - 6);
		apim_http_chunked_init(&d);
		used = (size_t)-1;
		st = apim_http_chunked_decode(&d, NULL, tr, sizeof tr, &used, &dp, &dn);
		CHECK(st == -431);
		CHECK(used <= sizeof tr);
		/* the same when the trailer byte over the limit starts a call */
		apim_http_chunked_init(&d);
		st = apim_http_chunked_decode(&d, NULL, tr, 16384 + 3, &used, &dp, &dn);
		CHECK(st == 0 && used == 16384 + 3);
		used = (size_t)-1;
		st = apim_http_chunked_decode(&d, NULL, tr + 16387, 10, &used, &dp, &dn);
		CHECK(st == -431 && used == 0);

		/* the chunk-size line (zeros and extensions) is bounded */
		memset(tr, '0', 300);
		memcpy(tr + 300, "5\r\nhello\r\n0\r\n\r\n", 15);
		apim_http_chunked_init(&d);
		used = (size_t)-1;
		st = apim_http_chunked_decode(&d, NULL, tr, 315, &used, &dp, &dn);
		CHECK(st == -400 && used == 256);
		for (n = 1; n <= 256; n *= 2) {	/* byte by byte: the same */
			size_t off = 0;

			apim_http_chunked_init(&d);
			st = 0;
			while (st == 0 && off < 315) {
				size_t k = 315 - off < n ? 315 - off : n;

				st = apim_http_chunked_decode(&d, NULL, tr + off, k,
				    &used, &dp, &dn);
				off += used;
			}
			CHECK(st == -400 && off == 256);
		}
		/* leading zeros within the bound are fine */
		apim_http_chunked_init(&d);
		st = apim_http_chunked_decode(&d, NULL, tr + 290, 25, &used, &dp, &dn);
		CHECK(st == 0 && dn == 5 && memcmp(dp, "hello", 5) == 0);
		/* extensions count toward the same bound */
		memset(tr, 'e', 300);
		memcpy(tr, "5;", 2);
		memcpy(tr + 255, "\r\n", 2);	/* 255 bytes before CRLF: ok */
		apim_http_chunked_init(&d);
		st = apim_http_chunked_decode(&d, NULL, tr, 257, &used, &dp, &dn);
		CHECK(st == 0 && used == 257);
		memcpy(tr + 255, "ee\r\n", 4);	/* 257: refused */
		apim_http_chunked_init(&d);
		st = apim_http_chunked_decode(&d, NULL, tr, 259, &used, &dp, &dn);
		CHECK(st == -400 && used == 256);
	}

	apim_http_date(784111777, date);
	CHECK(strcmp(date, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK(strcmp(apim_http_reason(431), "Request Header Fields Too Large") == 0);
	CHECK(apim_http_token("a-b_c", 5) && !apim_http_token("a b", 3));
	if (fails == 0)
		printf("ok\n");
	return fails ? 1 : 0;
}
