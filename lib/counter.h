/* counter: exact fixed-window counters shared by every process on the host,
 * in a memory-mapped file updated with atomic compare-and-swap, no locks. */
#ifndef APIM_COUNTER_H
#define APIM_COUNTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The counter store is this small interface (open, take, give back, peek,
 * reset, walk); a Redis-backed store for quotas shared by several hosts can
 * implement the same header.  A handle belongs to one process and one thread
 * at a time (open it again after fork); any number of processes share the file.
 *
 * Semantics (apim-throttle(8), COUNTERS): a counter for (key, period) counts
 * in fixed windows aligned on the Unix epoch: window w covers
 * [w * period, (w + 1) * period) ms.  apim_counter_take admits a request of
 * cost c if count + c <= limit in the current window, and then adds c; the
 * check and the add are one atomic step, so the admitted total of a window
 * never exceeds the limit whatever the concurrency.  A window that has ended
 * counts as zero.  Counts live in the file, so they survive restarts.
 */
#define APIM_COUNTER_LIMIT_MAX	4294967295LL	/* counts are 32 bits a window */

struct apim_counter;

/* What a take or peek found: the count in the current window after the
 * call, the limit's remaining units and ms until the window ends. */
struct apim_count {
	int64_t count;
	int64_t remaining;
	int64_t reset_ms;
};

/* Open (creating if needed, atomically) the counter file at path; slots is
 * the size of its first segment if it is created (0: the default, 4096); it
 * grows by doubling segments while in use.  NULL with the error set
 * (APIM_IOERR, APIM_DATAERR for a foreign or newer file). */
struct apim_counter *apim_counter_open(const char *path, size_t slots);
void apim_counter_close(struct apim_counter *c);

/* Check and count: 1 admitted (cost added), 0 refused (nothing added), -1
 * error (file full, 20 segments: APIM_UNAVAILABLE; cannot grow: APIM_IOERR).  now_ms is the caller's clock (ms
 * since the epoch; tests pass their own).  out may be NULL. */
int apim_counter_take(struct apim_counter *c, const char *key, int64_t limit,
    int64_t period_ms, int64_t cost, int64_t now_ms, struct apim_count *out);
/* Undo a take of cost made at now_ms, if its window is still the current
 * one (a request refused by a later key gives its units back). */
void apim_counter_give(struct apim_counter *c, const char *key,
    int64_t period_ms, int64_t cost, int64_t now_ms);
/* The current count without changing it: 1 found, 0 no such counter. */
int apim_counter_peek(struct apim_counter *c, const char *key, int64_t limit,
    int64_t period_ms, int64_t now_ms, struct apim_count *out);
/* Zero every counter whose key is key (any period): the number zeroed. */
int apim_counter_reset(struct apim_counter *c, const char *key);
/* Call fn for each counter in use: its key (as stored: its first 103 bytes),
 * period and the count of its current window (0 if its window ended). */
void apim_counter_walk(struct apim_counter *c, int64_t now_ms,
    void (*fn)(void *arg, const char *key, int64_t period_ms, int64_t count),
    void *arg);
/* Slots in use and in all. */
void apim_counter_usage(struct apim_counter *c, size_t *used, size_t *slots);

#endif
