/* http_parse_fuzz: libFuzzer harness for apim_http_parse_head (lib/http);
 * the chunked decoder has chunked_fuzz.c.  Checks the return contracts, not
 * just crashes: see the comments below.  Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken contract: say which, then crash so libFuzzer keeps the input */
#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

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
	free(buf);
	return 0;
}
