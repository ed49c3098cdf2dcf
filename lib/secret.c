/* secret: PBKDF2-SHA256 hashing and constant-time verification of secrets.
 * apim_secret_hash returns a malloc'd string the caller frees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "secret.h"
#include "util.h"

static int
derive(const char *secret, const unsigned char *salt, size_t saltlen, int iter,
    unsigned char out[32])
{
	return PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, (int)saltlen,
	    iter, EVP_sha256(), 32, out) == 1 ? 0 : -1;
}

char *
apim_secret_hash(const char *secret)
{
	unsigned char salt[16], dk[32];
	char s64[32], h64[64], *out;

	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    derive(secret, salt, sizeof salt, APIM_SECRET_ITER, dk) == -1) {
		apim_err_set(APIM_SOFTWARE, "cannot hash a secret");
		return NULL;
	}
	apim_b64url_encode(salt, sizeof salt, s64);
	apim_b64url_encode(dk, sizeof dk, h64);
	OPENSSL_cleanse(dk, sizeof dk);
	out = apim_xmalloc(strlen(s64) + strlen(h64) + 40);
	sprintf(out, "pbkdf2-sha256$%d$%s$%s", APIM_SECRET_ITER, s64, h64);
	return out;
}

int
apim_secret_verify(const char *secret, const char *stored)
{
	unsigned char salt[64], want[64], got[32];
	const char *p, *s, *h;
	long saltlen, wantlen;
	int iter, ok;

	if (secret == NULL || stored == NULL ||
	    strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return 0;
	p = stored + 14;
	iter = atoi(p);
	if (iter < 1000 || iter > 10000000 || (s = strchr(p, '$')) == NULL ||
	    (h = strchr(++s, '$')) == NULL)
		return 0;
	h++;
	if ((size_t)(h - 1 - s) > 80 || strlen(h) > 80)
		return 0;
	saltlen = apim_b64url_decode(s, (size_t)(h - 1 - s), salt);
	wantlen = apim_b64url_decode(h, strlen(h), want);
	if (saltlen <= 0 || wantlen != 32)
		return 0;
	if (derive(secret, salt, (size_t)saltlen, iter, got) == -1)
		return 0;
	ok = apim_ct_equal(got, 32, want, 32);
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}
