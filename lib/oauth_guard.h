/* oauth_guard: what keeps slow credential checks rare, in memory several
 * processes can share: a token bucket per source (a client id, a user name,
 * a peer address) and the memory of verified secrets (a keyed MAC per
 * client).  The guard owns its tables and its MAC key. */
#ifndef APIM_OAUTH_GUARD_H
#define APIM_OAUTH_GUARD_H

#include <stdint.h>

struct apim_oauth_guard;

/* A guard at conf token.verify_rate checks per second and source (default
 * 10; fractions allowed), bursts of two seconds' worth but at least two.
 * shared: in memory shared with the processes forked after this (make it
 * before they fork).  NULL with the error set. */
struct apim_oauth_guard *apim_oauth_guard_new(int shared);
void apim_oauth_guard_free(struct apim_oauth_guard *g);

/* Take one check from the bucket of every source in keys (NULL-terminated
 * strings; all or none) at now_ms.  1 taken; 0 not, with *wait_s the seconds
 * until the emptiest of them has one again. */
int apim_oauth_guard_take(struct apim_oauth_guard *g, const char *const *keys,
    int64_t now_ms, double *wait_s);

/* The 32-byte key under which verified secrets are remembered (MACs are
 * made by the caller, HMAC-SHA256 of what identifies the secret). */
const unsigned char *apim_oauth_guard_mackey(const struct apim_oauth_guard *g);
/* 1 if mac was remembered for client key (constant-time compare), else 0. */
int apim_oauth_guard_known(struct apim_oauth_guard *g, const char *key,
    const unsigned char mac[32]);
/* Remember mac for client key (replacing its earlier one, or another
 * client's that shares its slot). */
void apim_oauth_guard_remember(struct apim_oauth_guard *g, const char *key,
    const unsigned char mac[32]);

#endif
