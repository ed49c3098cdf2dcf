/* oauth_pool: slow work (PBKDF2) off the event loop: a few threads at low
 * priority run jobs; each job's done callback runs back on the loop, woken
 * through an eventfd.  The pool owns its threads and queue, not the jobs'
 * arguments. */
#ifndef APIM_OAUTH_POOL_H
#define APIM_OAUTH_POOL_H

#include "loop.h"

struct apim_oauth_pool;

/* threads (0: one per CPU, at most 4) run at nice 19, below the loop; at
 * most max_wait jobs wait; a job not started within wait_ms is not run.
 * NULL with the error set. */
struct apim_oauth_pool *apim_oauth_pool_new(struct apim_loop *l, int threads,
    int max_wait, int wait_ms);
/* Queue work(arg) for a thread; then done(arg, ran) on the loop's thread
 * (ran 0: it waited too long and was not run).  0, or -1 when max_wait jobs
 * are already waiting (nothing is queued, done is not called). */
int apim_oauth_pool_submit(struct apim_oauth_pool *p, void (*work)(void *),
    void (*done)(void *, int), void *arg);
/* Jobs waiting or running. */
int apim_oauth_pool_busy(const struct apim_oauth_pool *p);
/* Stop the threads (after their current job) and free the pool; jobs whose
 * done callback has not run get drop(arg) instead (drop may be NULL), so
 * their arguments are not leaked.  Call it once the loop no longer runs (its
 * eventfd is closed, not taken out of the loop). */
void apim_oauth_pool_free(struct apim_oauth_pool *p, void (*drop)(void *));

#endif
