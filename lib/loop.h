/* loop: the event loop under the HTTP server: epoll watches on fds, one-shot
 * timers (a binary heap).  The loop owns its timers; callers own their fds. */
#ifndef APIM_LOOP_H
#define APIM_LOOP_H

#include <stdint.h>

struct apim_loop;
struct apim_timer;

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
/* Call cb once after ms milliseconds.  The timer is freed after it fires or
 * when cancelled; don't cancel a timer that has fired. */
struct apim_timer *apim_loop_timer(struct apim_loop *l, int64_t ms,
    void (*cb)(void *arg), void *arg);
void apim_loop_timer_cancel(struct apim_loop *l, struct apim_timer *t);
/* The loop's clock in ms (monotonic, updated each turn). */
int64_t apim_loop_now(const struct apim_loop *l);
/* Ask the loop to return after this turn (this worker stops serving). */
void apim_loop_stop(struct apim_loop *l);

/* A new loop, or NULL with the error set; run it until stopped; free it
 * (cancels pending timers; fds are not closed). */
struct apim_loop *apim_loop_new(void);
int apim_loop_run(struct apim_loop *l);
void apim_loop_free(struct apim_loop *l);

#endif
