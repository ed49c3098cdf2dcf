/* http_resp_fuzz: libFuzzer harness for lib/http's response-head parser (not
 * part of make check).  Checks the return contracts, not just crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct apim_http_field f[100], g[100];
	struct apim_http_resp r, r2;
	const struct apim_http_limits *lim = &apim_http_limits_default;
	/* a copy of exactly size bytes, so ASan sees any over-read */
	char *buf = malloc(size ? size : 1);
	long n, n2;
	size_t i;

	memcpy(buf, data, size);
	n = apim_http_parse_response(buf, size, lim, f, &r);
	/* contract: a length within the input, PARTIAL, or -502 */
	check(n == APIM_HTTP_PARTIAL || (n > 0 && (size_t)n <= size) ||
	    n == -502);
	if (n > 0) {
		/* a complete head parses the same without what follows it */
		n2 = apim_http_parse_response(buf, (size_t)n, lim, g, &r2);
		check(n2 == n && r2.nfields == r.nfields &&
		    r2.status == r.status &&
		    r2.content_length == r.content_length &&
		    r2.chunked == r.chunked && r2.keep_alive == r.keep_alive);
		/* one framing at most: never both a length and chunked */
		check(!(r.chunked && r.content_length >= 0));
		check(r.status >= 100 && r.status <= 599);
		check(r.nfields <= lim->max_headers);
		for (i = 0; i < r.nfields; i++) {
			const char *v = r.fields[i].value;
			size_t k;

			check(apim_http_token(r.fields[i].name,
			    r.fields[i].name_len));
			for (k = 0; k < r.fields[i].value_len; k++)
				check(v[k] != '\r' && v[k] != '\n' && v[k] != 0);
			check(v >= buf && v + r.fields[i].value_len <= buf + n);
		}
		/* every shorter prefix of a good head is PARTIAL */
		for (i = 0; i < (size_t)n; i += 1 + (size_t)n / 64) {
			n2 = apim_http_parse_response(buf, i, lim, g, &r2);
			check(n2 == APIM_HTTP_PARTIAL);
		}
	}
	free(buf);
	return 0;
}

#ifdef STANDALONE
/* Without libFuzzer: run each file named on the command line once. */
#include <stdio.h>
int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		static uint8_t b[1 << 20];
		size_t n;

		if (fp == NULL)
			return 66;
		n = fread(b, 1, sizeof(b), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(b, n);
	}
	return 0;
}
#endif
