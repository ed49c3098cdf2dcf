/* loop: the event loop under the HTTP server: epoll watches on fds and timers
 * (a binary heap).  Callers own their fds and their embedded timers. */
#ifndef APIM_LOOP_H
#define APIM_LOOP_H

#include <stdint.h>

struct apim_loop;

/*
 * A timer the caller owns (embed it in a struct, or allocate it): zero it
 * (or APIM_TIMER_INIT) once before first use, then arm, re-arm and stop it
 * as often as wanted.  The fields are the loop's.  While armed, the loop
 * holds a pointer to it: stop it before freeing its memory (apim_loop_free
 * disarms whatever is still armed, so it must still be valid then).
 */
struct apim_timer {
	int64_t when;		/* due time, the loop's clock in ms */
	size_t slot;		/* heap index + 1; 0: not armed */
	uint64_t pass;		/* the firing pass it was armed in */
	void (*cb)(void *arg);
	void *arg;
	unsigned owned:1;	/* apim_loop_timer's: freed after it fires */
	unsigned firing:1;	/* owned, its callback is running */
};
#define APIM_TIMER_INIT { 0, 0, 0, NULL, NULL, 0, 0 }

#define APIM_LOOP_READ 1
#define APIM_LOOP_WRITE 2
#define APIM_LOOP_ERROR 4	/* reported only: hang-up or error */
/* At apim_loop_add_fd only: where several processes watch one fd (a shared
 * listening socket), wake one of them, not all (EPOLLEXCLUSIVE; silently
 * ignored where the kernel lacks it).  Kept across apim_loop_mod_fd. */
#define APIM_LOOP_EXCLUSIVE 8

/* Watch fd (one watch per fd) for events; cb gets the ready events.  Regular
 * files are always ready.  0, or -1 with the error set. */
int apim_loop_add_fd(struct apim_loop *l, int fd, int events,
    void (*cb)(int fd, int events, void *arg), void *arg);
int apim_loop_mod_fd(struct apim_loop *l, int fd, int events);
void apim_loop_del_fd(struct apim_loop *l, int fd);
/* Arm t to call cb(arg) once, ms milliseconds from now (ms <= 0: on this
 * turn's timer pass, or the next one if called from a timer callback).
 * Re-arming an armed timer moves it (cb and arg replaced).  Safe in any
 * state, including from t's own callback (which runs with t disarmed). */
void apim_loop_timer_set(struct apim_loop *l, struct apim_timer *t, int64_t ms,
    void (*cb)(void *arg), void *arg);
/* Disarm t if armed; a no-op otherwise (never armed, fired, stopped). */
void apim_loop_timer_stop(struct apim_loop *l, struct apim_timer *t);
/* 1 if t is armed. */
int apim_loop_timer_armed(const struct apim_timer *t);

/* Fire and forget: call cb once after ms milliseconds, with a timer the loop
 * allocates and frees after it fires.  apim_loop_timer_cancel is allowed only
 * while it has not fired (from its own callback it is a no-op); after that
 * the pointer is gone.  Anything that may be cancelled late should embed a
 * struct apim_timer and use apim_loop_timer_set/stop instead. */
struct apim_timer *apim_loop_timer(struct apim_loop *l, int64_t ms,
    void (*cb)(void *arg), void *arg);
void apim_loop_timer_cancel(struct apim_loop *l, struct apim_timer *t);
/* The loop's clock in ms (monotonic, updated each turn). */
int64_t apim_loop_now(const struct apim_loop *l);
/* Ask the loop to return after this turn (this worker stops serving). */
void apim_loop_stop(struct apim_loop *l);

/* Call cb(arg, 0) at the end of every turn, just before the loop waits, and
 * cb(arg, 1) once from apim_loop_free (after the caller's last callbacks: a
 * chance to flush what the turns buffered, e.g. events).  At most
 * APIM_LOOP_HOOKS hooks; 0, or -1 with the error set. */
#define APIM_LOOP_HOOKS 4
int apim_loop_before_wait(struct apim_loop *l, void (*cb)(void *arg, int last),
    void *arg);

/* A new loop, or NULL with the error set; run it until stopped; free it
 * (runs the hooks, disarms pending timers and frees apim_loop_timer's; fds
 * are not closed). */
struct apim_loop *apim_loop_new(void);
int apim_loop_run(struct apim_loop *l);
void apim_loop_free(struct apim_loop *l);

#endif
