/* jwt: JWS compact serialization (RFC 7515/7519) signed with the store's keys.
 * Returned strings are malloc'd (caller frees); returned json_t are new references. */
#ifndef APIM_JWT_H
#define APIM_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define APIM_JWT_LEEWAY_S 30	/* clock skew allowed on exp and nbf */

/* Sign claims with the store's active signing key (creating an RS256 key if there
 * is none); header {alg, typ, kid}.  Returns a malloc'd compact JWS, or NULL with
 * the error set.  If claims carry "exp", the key is kept in the JWKS until then. */
char *apim_jwt_sign(sqlite3 *db, const json_t *claims, const char *typ);
/* The same with the claims already JSON text (claims[0..n), an object), for
 * the token path; exp_s is its "exp" claim, 0 if none. */
char *apim_jwt_sign_text(sqlite3 *db, const char *claims, size_t n,
    const char *typ, int64_t exp_s);
/* Verify a compact JWS against the store's non-retired keys (by kid), check
 * exp/nbf (APIM_JWT_LEEWAY_S leeway), and typ if non-NULL (compared without
 * case and without an "application/" prefix).  Returns the claims (new
 * reference) or NULL with APIM_NO and a message saying why. */
json_t *apim_jwt_verify(sqlite3 *db, const char *jwt, const char *typ);
/* The same checks but the signature's, for a token whose signature
 * apim_jwt_verify has checked before (the caller knows the very bytes, by
 * their SHA-256: lib/gw_seen): the header's kid must be kid, the key that
 * verified it (whether that key is still in use is the caller's check).
 * No OpenSSL call. */
json_t *apim_jwt_verify_seen(const char *jwt, const char *typ, const char *kid);
/* The header of a compact JWS, unverified (new reference), or NULL. */
json_t *apim_jwt_header(const char *jwt);

#endif
