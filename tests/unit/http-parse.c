/* http-parse: unit checks of lib/http's contracts that curl can't reach:
 * prefixes are PARTIAL, fields are trimmed, dates are IMF-fixdate. */
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

	apim_http_date(784111777, date);
	CHECK(strcmp(date, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK(strcmp(apim_http_reason(431), "Request Header Fields Too Large") == 0);
	CHECK(apim_http_token("a-b_c", 5) && !apim_http_token("a b", 3));
	if (fails == 0)
		printf("ok\n");
	return fails ? 1 : 0;
}
