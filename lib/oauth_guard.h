/* oauth_guard: rationing of slow credential checks per source (a client id,
 * a user name, a peer address): one token bucket per source, in a fixed
 * table that several processes can share.  The guard owns its table. */
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

#endif
