/* sha256: SHA-256 (FIPS 180-4) of our own, so that hashing a token or a key
 * calls no OpenSSL function (apim-proxy in inetd mode need not touch
 * libcrypto for a token it has verified before).  Digests are the
 * standard's, byte for byte OpenSSL's. */
#ifndef APIM_SHA256_H
#define APIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define APIM_SHA256_LEN 32

struct apim_sha256 {
	uint32_t h[8];		/* the intermediate hash value */
	uint64_t n;		/* bytes hashed so far */
	unsigned char buf[64];	/* the partial block: n % 64 bytes */
};

void apim_sha256_init(struct apim_sha256 *c);
void apim_sha256_update(struct apim_sha256 *c, const void *p, size_t n);
/* The digest into out; c is wiped (init it again to reuse it). */
void apim_sha256_final(struct apim_sha256 *c, unsigned char out[APIM_SHA256_LEN]);
/* One shot: SHA-256 of s[0..n) into out. */
void apim_sha256(const void *s, size_t n, unsigned char out[APIM_SHA256_LEN]);

#endif
