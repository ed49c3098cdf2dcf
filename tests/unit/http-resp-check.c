/* http-resp-check: table tests of apim_http_parse_response (lib/http): what
 * a backend may send and what is refused.  Prints failures; exit 1 if any. */
#include <stdio.h>
#include <string.h>

#include "http.h"

struct tcase {
	const char *in;
	long want;		/* > 0: the head's length is strlen(in) - tail */
	size_t tail;		/* bytes after the head (body) */
	int status;
	int64_t clen;
	int chunked, keep;
};

#define OK(s, st, cl, ch, ka) { s, 1, 0, st, cl, ch, ka }
#define OKT(s, t, st, cl, ch, ka) { s, 1, t, st, cl, ch, ka }
#define BAD(s) { s, -502, 0, 0, 0, 0, 0 }
#define PART(s) { s, APIM_HTTP_PARTIAL, 0, 0, 0, 0, 0 }

static const struct tcase cases[] = {
	OK("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 200, 2, 0, 1),
	OKT("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 2, 200, 2, 0, 1),
	OK("HTTP/1.1 204 \r\n\r\n", 204, -1, 0, 1),
	OK("HTTP/1.1 204\r\n\r\n", 204, -1, 0, 1),
	OK("HTTP/1.1 404 Not\tFound \xc3\xa9\r\nX-A:\r\n\r\n", 404, -1, 0, 1),
	OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, -1, 1, 1),
	OK("HTTP/1.1 200 OK\r\nTransfer-Encoding:  Chunked \r\n\r\n", 200, -1, 1, 1),
	OK("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 200, 0, 0, 0),
	OK("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, 0, 0, 0),
	OK("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", 200, -1, 0, 1),
	OK("HTTP/1.1 100 Continue\r\n\r\n", 100, -1, 0, 1),
	OK("HTTP/1.1 599 x\r\n\r\n", 599, -1, 0, 1),
	PART(""),
	PART("HTTP/1"),
	PART("HTTP/1.1 200 OK\r\n"),
	PART("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"),
	BAD("HTTP/2 200 OK\r\n\r\n"),
	BAD("HTTP/2"),
	BAD("SSH-2.0-OpenSSH\r\n"),
	BAD("<html>"),
	BAD("HTTP/1.2 200 OK\r\n\r\n"),
	BAD("HTTP/1.1 2000 OK\r\n\r\n"),
	BAD("HTTP/1.1 20 OK\r\n\r\n"),
	BAD("HTTP/1.1 099 OK\r\n\r\n"),
	BAD("HTTP/1.1 600 OK\r\n\r\n"),
	BAD("HTTP/1.1  200 OK\r\n\r\n"),
	BAD("HTTP/1.1 200OK\r\n\r\n"),
	BAD("http/1.1 200 OK\r\n\r\n"),
	BAD("HTTP/1.1 200 O\x01K\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\n\n"),
	BAD("HTTP/1.1 200 OK\r\nA: b\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\n A: b\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nA : b\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\n: b\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nA(: b\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nA: \x7f\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,chunked\r\n\r\n"),
	BAD("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
};

static int
check(const struct tcase *t, size_t len, int *fails)
{
	struct apim_http_field f[100];
	struct apim_http_resp r;
	long got = apim_http_parse_response(t->in, len, NULL, f, &r);
	long want = t->want > 0 ? (long)(strlen(t->in) - t->tail) : t->want;

	if (got != want || (got > 0 && (r.status != t->status ||
	    r.content_length != t->clen || r.chunked != t->chunked ||
	    r.keep_alive != t->keep))) {
		printf("FAIL %.40s: got %ld (status %d clen %lld chunked %d "
		    "keep %d) want %ld\n", t->in, got, r.status,
		    (long long)r.content_length, r.chunked, r.keep_alive, want);
		(*fails)++;
	}
	return 0;
}

int
main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]), cut;
	int fails = 0;
	struct apim_http_field f[100];
	struct apim_http_resp r;
	struct apim_http_limits lim = apim_http_limits_default;
	char big[300];
	const char *h = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";

	for (i = 0; i < n; i++)
		check(&cases[i], strlen(cases[i].in), &fails);
	/* every cut of a good head before its end is PARTIAL */
	for (cut = 0; cut < strlen(h); cut++)
		if (apim_http_parse_response(h, cut, NULL, f, &r) !=
		    APIM_HTTP_PARTIAL) {
			printf("FAIL cut at %zu not partial\n", cut);
			fails++;
		}
	/* limits: fields, head bytes, status line */
	lim.max_headers = 2;
	if (apim_http_parse_response(h, strlen(h), &lim, f, &r) != -502) {
		printf("FAIL max_headers\n");
		fails++;
	}
	lim = apim_http_limits_default;
	lim.max_header_bytes = 20;
	if (apim_http_parse_response(h, strlen(h), &lim, f, &r) != -502) {
		printf("FAIL max_header_bytes\n");
		fails++;
	}
	lim = apim_http_limits_default;
	lim.max_line = 100;
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 ", 13);
	if (apim_http_parse_response(big, sizeof(big), &lim, f, &r) != -502) {
		printf("FAIL max_line\n");
		fails++;
	}
	if (apim_http_parse_response(h, strlen(h), NULL, f, &r) > 0 &&
	    (r.nfields != 3 || r.fields[2].value_len != 1 ||
	    r.fields[2].value[0] != '3' || r.reason_len != 2)) {
		printf("FAIL fields\n");
		fails++;
	}
	printf("%zu cases, %d failed\n", n + strlen(h) + 4, fails);
	return fails != 0;
}
