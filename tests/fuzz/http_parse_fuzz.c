/* http_parse_fuzz: libFuzzer harness for lib/http (not part of make check).
 * Checks the return contracts, not just crashes: see the comments below. */
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
	struct apim_http_head h, h2;
	const struct apim_http_limits *lim = &apim_http_limits_default;
	/* a copy of exactly size bytes, so ASan sees any over-read */
	char *buf = malloc(size ? size : 1);
	long r, r2;
	size_t i;

	memcpy(buf, data, size);
	r = apim_http_parse_head(buf, size, lim, f, &h);
	/* contract: a length within the input, PARTIAL, or -4xx/-5xx */
	check(r == APIM_HTTP_PARTIAL || (r > 0 && (size_t)r <= size) ||
	    (r <= -400 && r >= -505));
	if (r > 0) {
		/* a complete head parses the same with trailing bytes cut off */
		r2 = apim_http_parse_head(buf, (size_t)r, lim, g, &h2);
		check(r2 == r && h2.nfields == h.nfields &&
		    h2.content_length == h.content_length &&
		    h2.chunked == h.chunked);
		check(!(h.chunked && h.content_length >= 0));
		for (i = 0; i < h.nfields; i++)
			check(memchr(h.fields[i].value, '\r',
			    h.fields[i].value_len) == NULL &&
			    memchr(h.fields[i].value, '\0',
			    h.fields[i].value_len) == NULL);
	}
	/* chunked decoding: whole input and byte by byte agree */
	{
		struct apim_http_chunked d1, d2;
		size_t off = 0, used, dn, n1 = 0, n2 = 0;
		const char *dp;
		int s1 = 0, s2 = 0;
		char *o1 = malloc(size + 1), *o2 = malloc(size + 1);

		apim_http_chunked_init(&d1);
		while (off < size && s1 == 0) {
			s1 = apim_http_chunked_decode(&d1, lim, buf + off,
			    size - off, &used, &dp, &dn);
			check(used <= size - off && (dn == 0 ||
			    (dp >= buf + off && dp + dn <= buf + off + used)));
			memcpy(o1 + n1, dp ? dp : "", dn);
			n1 += dn;
			off += used;
			if (used == 0 && dn == 0)
				break;
		}
		apim_http_chunked_init(&d2);
		for (i = 0; i < size && s2 == 0; i++) {
			s2 = apim_http_chunked_decode(&d2, lim, buf + i, 1,
			    &used, &dp, &dn);
			memcpy(o2 + n2, dp ? dp : "", dn);
			n2 += dn;
		}
		check(s1 == s2 && n1 == n2 && memcmp(o1, o2, n1) == 0);
		free(o1);
		free(o2);
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
