/* gw_seen: apim-proxy's file of verified JWTs for inetd mode, where every
 * connection is a new process with no memory of the last: the SHA-256 of
 * each JWT whose signature OpenSSL has verified, with its exp and the kid
 * that verified it, so that the next process given the very same bytes
 * need not check the signature again (nor load or call OpenSSL).  Only the
 * signature is skipped: the caller still checks everything else (lib/jwt:
 * apim_jwt_verify_seen; lib/gw_auth: the key still in use, liveness).
 *
 * The file is "verified-jwts" next to the store, mode 0600, of a fixed
 * size (GW_SEEN_SLOTS entries); it is only a cache: a file that is absent
 * and cannot be made, not ours, not 0600, or not readable makes every call
 * here a miss (the token is verified as without it), never an error. */
#ifndef APIM_GW_SEEN_H
#define APIM_GW_SEEN_H

#include <stdint.h>

#define GW_SEEN_SLOTS	4096	/* entries (two per bucket) */
#define GW_SEEN_KID	64	/* a kid's room with its NUL (longer: not kept) */

struct gw_seen;

/* The file next to the store at db_path; nothing is opened until the first
 * find. */
struct gw_seen *gw_seen_new(const char *db_path);
void gw_seen_free(struct gw_seen *s);

/* 1 if a token whose SHA-256 is md was verified, not expired at now_s
 * (with APIM_JWT_LEEWAY_S): kid and *exp_s (its exp claim, 0 if none) are
 * set; 0 if not. */
int gw_seen_find(struct gw_seen *s, const unsigned char md[32], int64_t now_s,
    char kid[GW_SEEN_KID], int64_t *exp_s);
/* Remember that the token whose SHA-256 is md was verified by kid (exp_s:
 * its exp claim, 0 if none).  Failures are ignored: it is only a cache. */
void gw_seen_put(struct gw_seen *s, const unsigned char md[32], int64_t exp_s,
    const char *kid);

#endif
