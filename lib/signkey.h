/* signkey: the store's JWS signing keys (RS256, ES256, EdDSA): private PEM files
 * mode 0600 in the key folder, public JWKs in signing_key, rotation, JWKS.
 * EVP_PKEY pointers returned are new references the caller EVP_PKEY_free()s. */
#ifndef APIM_SIGNKEY_H
#define APIM_SIGNKEY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#define APIM_KID_MAX 64		/* a kid is an RFC 7638 thumbprint: 43 chars */
#define APIM_SIG_MAX 512

/* 1 if alg is "RS256", "ES256" or "EdDSA". */
int apim_signkey_alg_valid(const char *alg);
/* The key folder: conf "keydir", else "keys" beside the store file.  Malloc'd. */
char *apim_signkey_dir(sqlite3 *db);
/* Create a key of alg, write its private PEM (0600) and make it the active
 * key; the previous active key becomes 'previous'.  kid receives its id. */
int apim_signkey_generate(sqlite3 *db, const char *alg, char kid[APIM_KID_MAX]);
/* As generate, with alg NULL meaning the active key's algorithm (RS256 if none). */
int apim_signkey_rotate(sqlite3 *db, const char *alg, char kid[APIM_KID_MAX]);
/* Retire kid: out of the JWKS, no longer verifies.  The active key cannot be
 * retired (APIM_DATAERR); unknown kid is APIM_NO. */
int apim_signkey_retire(sqlite3 *db, const char *kid);
/* The active private key (cached; the store is re-read at most once a second),
 * creating an RS256 key if the store has none.  kid and alg[8] are filled. */
EVP_PKEY *apim_signkey_active(sqlite3 *db, char kid[APIM_KID_MAX], char alg[8]);
/* Check a JWS signature over data[0..n) by the non-retired key kid, which
 * must be an alg key: 1 valid, 0 not, -1 store error (error set), -2 kid
 * unknown or retired (APIM_NO), -3 kid is not an alg key.  RS256 is checked
 * without an EVP fetch (cheap in a fresh process: see signkey.c). */
int apim_signkey_check(sqlite3 *db, const char *kid, const char *alg,
    const void *data, size_t n, const unsigned char *sig, size_t siglen);
/* A token signed by kid expires at exp_ms: keep the key in the JWKS until then.
 * Writes only when the recorded time must grow (rounded up to a minute). */
int apim_signkey_note_exp(sqlite3 *db, const char *kid, int64_t exp_ms);
/* {"keys":[...]}: the active key and previous keys whose tokens may live. */
json_t *apim_signkey_jwks(sqlite3 *db);
/* [{kid, alg, state, created, last_exp, in_jwks}] newest first. */
json_t *apim_signkey_list(sqlite3 *db);
/* The public key of kid as PEM (SubjectPublicKeyInfo); malloc'd. */
char *apim_signkey_public_pem(sqlite3 *db, const char *kid);
/* JWS signatures: RS256 PKCS#1 v1.5, ES256 raw r||s, EdDSA raw.  sig holds
 * APIM_SIG_MAX bytes.  sign: 0/-1; verify: 1 valid, 0 not. */
int apim_signkey_sign(EVP_PKEY *k, const char *alg, const void *data, size_t n,
    unsigned char *sig, size_t *siglen);
int apim_signkey_verify(EVP_PKEY *k, const char *alg, const void *data, size_t n,
    const unsigned char *sig, size_t siglen);
/* Drop the in-process caches (after this process changed the keys). */
void apim_signkey_flush(void);

#endif
