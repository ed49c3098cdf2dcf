/* chunked_fuzz: libFuzzer harness for apim_http_chunked_decode (lib/http).
 * The input's first byte picks a piece size; the rest is decoded whole, in
 * pieces of that size, and byte by byte: the three must agree, and every
 * call must keep http.h's contract (*used set and within the input, data
 * inside what was used).  Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken contract: say which, then crash so libFuzzer keeps the input */
#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

/* Decode in[0..n) in pieces of at most step bytes; the decoded body goes to
 * out (n bytes of room); returns the final status, *outn the body length. */
static int
decode(const char *in, size_t n, size_t step, char *out, size_t *outn)
{
	const struct apim_http_limits *lim = &apim_http_limits_default;
	struct apim_http_chunked d;
	size_t off = 0, end, used, dn;
	const char *dp;
	int s = 0;

	apim_http_chunked_init(&d);
	*outn = 0;
	while (off < n && s == 0) {
		end = n - off < step ? n : off + step;	/* the next piece */
		while (off < end && s == 0) {
			used = SIZE_MAX;
			dp = NULL;
			dn = 0;
			s = apim_http_chunked_decode(&d, lim, in + off, end - off,
			    &used, &dp, &dn);
			/* *used is always set, and within what was given */
			check(used != SIZE_MAX && used <= end - off);
			check(s == 0 || s == 1 || s == -400 || s == -431);
			check(dn == 0 || (dp >= in + off && dp + dn <= in + off + used));
			memcpy(out + *outn, dp ? dp : "", dn);
			*outn += dn;
			off += used;
			/* an incremental decoder takes every byte it is given */
			check(s != 0 || used > 0 || dn > 0);
		}
	}
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step, n1, n2, n3;
	char *in, *o1, *o2, *o3;
	int s1, s2, s3;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	size--;
	/* an exact copy, so ASan sees any read past the end */
	in = malloc(size ? size : 1);
	memcpy(in, data + 1, size);
	o1 = malloc(size + 1);
	o2 = malloc(size + 1);
	o3 = malloc(size + 1);
	s1 = decode(in, size, size ? size : 1, o1, &n1);
	s2 = decode(in, size, step, o2, &n2);
	s3 = decode(in, size, 1, o3, &n3);
	/* the answer and the body do not depend on how the bytes arrived */
	check(s1 == s2 && s2 == s3);
	check(n1 == n2 && n2 == n3 && memcmp(o1, o2, n1) == 0 &&
	    memcmp(o2, o3, n2) == 0);
	free(in);
	free(o1);
	free(o2);
	free(o3);
	return 0;
}
