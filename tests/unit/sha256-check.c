/* sha256-check: lib/sha256 against the FIPS 180-2 / NIST example vectors and
 * against OpenSSL's SHA-256 on random inputs (every length 0..2100, many
 * around the 55/56/64-byte padding boundaries, whole and fed in random
 * pieces).  Prints "ok N" or the first difference; exit 0 if all agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sha256.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	/* xorshift64*: reproducible, and seeded from argv[1] if given */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void
hex(const unsigned char *d, char out[65])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
openssl(const void *p, size_t n, unsigned char out[32])
{
	unsigned int l = 0;

	return EVP_Digest(p, n, out, &l, EVP_sha256(), NULL) == 1 && l == 32;
}

/* Ours, whole and in random pieces, against OpenSSL's: 0 if all agree. */
static int
one(const unsigned char *p, size_t n)
{
	unsigned char want[32], got[32];
	char a[65], b[65];
	struct apim_sha256 c;
	size_t off, k;

	if (!openssl(p, n, want)) {
		fprintf(stderr, "sha256-check: OpenSSL failed\n");
		return -1;
	}
	apim_sha256(p, n, got);
	if (memcmp(want, got, 32) != 0)
		goto bad;
	apim_sha256_init(&c);
	for (off = 0; off < n; off += k) {
		k = (size_t)(rnd() % 4 == 0 ? rnd() % 3 : rnd() % (n - off + 1));
		if (k > n - off)
			k = n - off;
		apim_sha256_update(&c, p + off, k);
	}
	apim_sha256_final(&c, got);
	if (memcmp(want, got, 32) == 0)
		return 0;
bad:
	hex(want, a);
	hex(got, b);
	fprintf(stderr, "sha256-check: length %zu: OpenSSL %s, ours %s\n", n, a, b);
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct { const char *in; const char *md; } fips[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	unsigned char buf[2200], md[32], *m;
	char h[65];
	size_t i, n, tests = 0;
	int r;

	if (argc > 1)
		rng = strtoull(argv[1], NULL, 0) | 1;
	for (i = 0; i < sizeof fips / sizeof fips[0]; i++, tests++) {
		apim_sha256(fips[i].in, strlen(fips[i].in), md);
		hex(md, h);
		if (strcmp(h, fips[i].md) != 0 ||
		    one((const unsigned char *)fips[i].in, strlen(fips[i].in)) != 0) {
			fprintf(stderr, "sha256-check: FIPS vector %zu: %s\n", i, h);
			return 1;
		}
	}
	/* one million 'a', fed in pieces */
	m = malloc(1000000);
	memset(m, 'a', 1000000);
	apim_sha256(m, 1000000, md);
	hex(md, h);
	r = strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
	    != 0 || one(m, 1000000) != 0;
	free(m);
	tests++;
	if (r) {
		fprintf(stderr, "sha256-check: one million 'a': %s\n", h);
		return 1;
	}
	/* every length 0..2100 three times, then more around the boundaries */
	for (r = 0; r < 3; r++)
		for (n = 0; n <= 2100; n++, tests++) {
			for (i = 0; i < n; i++)
				buf[i] = (unsigned char)rnd();
			if (one(buf, n) != 0)
				return 1;
		}
	for (r = 0; r < 3000; r++, tests++) {
		size_t base = 64 * (size_t)(rnd() % 20);

		n = base + 52 + (size_t)(rnd() % 16);	/* 52..67 past a block */
		for (i = 0; i < n; i++)
			buf[i] = (unsigned char)rnd();
		if (one(buf, n) != 0)
			return 1;
	}
	printf("ok %zu\n", tests);
	return 0;
}
