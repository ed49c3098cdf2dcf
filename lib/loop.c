/* loop: epoll watches indexed by fd, a min-heap of timers (the caller's, or
 * fire-and-forget ones it allocates), and "always ready" fds (regular files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "loop.h"

struct watch {
	void (*cb)(int, int, void *);
	void *arg;
	int events;		/* wanted */
	unsigned active:1;	/* a watch exists */
	unsigned in_epoll:1;
	unsigned always:1;	/* epoll refused the fd: report it ready */
	unsigned excl:1;	/* EPOLLEXCLUSIVE (re-added on every change) */
};

struct apim_loop {
	int ep;
	int stop;
	int64_t now;
	struct watch *w;
	size_t nw;
	size_t nalways;
	struct apim_timer **heap;
	size_t nheap, capheap;
	uint64_t pass;		/* timer passes run so far */
	struct {
		void (*cb)(void *, int);
		void *arg;
	} hook[APIM_LOOP_HOOKS];
	size_t nhook;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct apim_loop *
apim_loop_new(void)
{
	struct apim_loop *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		apim_err_set(APIM_SOFTWARE, "out of memory");
		return NULL;
	}
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		apim_err_set(APIM_SOFTWARE, "epoll_create1: %s", strerror(errno));
		free(l);
		return NULL;
	}
	l->now = mono_ms();
	return l;
}

void
apim_loop_free(struct apim_loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nhook; i++)
		l->hook[i].cb(l->hook[i].arg, 1);
	for (i = 0; i < l->nheap; i++) {
		l->heap[i]->slot = 0;
		if (l->heap[i]->owned)
			free(l->heap[i]);
	}
	free(l->heap);
	free(l->w);
	close(l->ep);
	free(l);
}

int64_t
apim_loop_now(const struct apim_loop *l)
{
	return l->now;
}

int
apim_loop_before_wait(struct apim_loop *l, void (*cb)(void *, int), void *arg)
{
	if (l->nhook == APIM_LOOP_HOOKS) {
		apim_err_set(APIM_SOFTWARE, "too many loop hooks");
		return -1;
	}
	l->hook[l->nhook].cb = cb;
	l->hook[l->nhook].arg = arg;
	l->nhook++;
	return 0;
}

void
apim_loop_stop(struct apim_loop *l)
{
	l->stop = 1;
}

static uint32_t
ep_events(int ev)
{
	return ((ev & APIM_LOOP_READ) ? EPOLLIN | EPOLLRDHUP : 0) |
	    ((ev & APIM_LOOP_WRITE) ? EPOLLOUT : 0);
}

/* Apply w->events to epoll: no interest means out of epoll, so a hung-up
 * fd we don't read can't spin the loop. */
static int
sync_fd(struct apim_loop *l, int fd)
{
	struct watch *w = &l->w[fd];
	struct epoll_event ev;

	if (w->always)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = fd;
	ev.events = ep_events(w->events);
	if (w->events == 0 || (w->excl && w->in_epoll)) {
		/* EPOLLEXCLUSIVE allows no EPOLL_CTL_MOD: delete, add again */
		if (w->in_epoll)
			epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
		w->in_epoll = 0;
		if (w->events == 0)
			return 0;
	}
#ifdef EPOLLEXCLUSIVE
	if (w->excl) {
		/* the kernel takes only these flags with it (no EPOLLRDHUP) */
		ev.events = (w->events & APIM_LOOP_READ ? EPOLLIN : 0) |
		    (w->events & APIM_LOOP_WRITE ? EPOLLOUT : 0) | EPOLLEXCLUSIVE;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
			w->in_epoll = 1;
			return 0;
		}
		if (errno != EINVAL)
			goto fail;
		w->excl = 0;	/* before Linux 4.5: share the wake-ups */
		ev.events = ep_events(w->events);
	}
#else
	w->excl = 0;
#endif
	if (epoll_ctl(l->ep, w->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    fd, &ev) == 0) {
		w->in_epoll = 1;
		return 0;
	}
	if (errno == EPERM && !w->in_epoll) {	/* regular file */
		w->always = 1;
		l->nalways++;
		return 0;
	}
#ifdef EPOLLEXCLUSIVE
fail:
#endif
	apim_err_set(APIM_SOFTWARE, "epoll_ctl fd %d: %s", fd, strerror(errno));
	return -1;
}

int
apim_loop_add_fd(struct apim_loop *l, int fd, int events,
    void (*cb)(int, int, void *), void *arg)
{
	if (fd < 0) {
		apim_err_set(APIM_SOFTWARE, "bad fd %d", fd);
		return -1;
	}
	if ((size_t)fd >= l->nw) {
		size_t n = l->nw ? l->nw : 64;
		struct watch *w;

		while (n <= (size_t)fd)
			n *= 2;
		if ((w = realloc(l->w, n * sizeof(*w))) == NULL) {
			apim_err_set(APIM_SOFTWARE, "out of memory");
			return -1;
		}
		memset(w + l->nw, 0, (n - l->nw) * sizeof(*w));
		l->w = w;
		l->nw = n;
	}
	if (l->w[fd].active) {
		apim_err_set(APIM_SOFTWARE, "fd %d is already watched", fd);
		return -1;
	}
	memset(&l->w[fd], 0, sizeof(l->w[fd]));
	l->w[fd].cb = cb;
	l->w[fd].arg = arg;
	l->w[fd].excl = (events & APIM_LOOP_EXCLUSIVE) != 0;
	l->w[fd].events = events & ~APIM_LOOP_EXCLUSIVE;
	l->w[fd].active = 1;
	if (sync_fd(l, fd) < 0) {
		l->w[fd].active = 0;
		return -1;
	}
	return 0;
}

int
apim_loop_mod_fd(struct apim_loop *l, int fd, int events)
{
	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].active) {
		apim_err_set(APIM_SOFTWARE, "fd %d is not watched", fd);
		return -1;
	}
	events &= ~APIM_LOOP_EXCLUSIVE;
	if (l->w[fd].events == events)
		return 0;
	l->w[fd].events = events;
	return sync_fd(l, fd);
}

void
apim_loop_del_fd(struct apim_loop *l, int fd)
{
	struct watch *w;

	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].active)
		return;
	w = &l->w[fd];
	if (w->in_epoll)
		epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	if (w->always)
		l->nalways--;
	memset(w, 0, sizeof(*w));
}

/* --- timers: a binary min-heap on when; t->slot is its index + 1 --- */

static void
heap_set(struct apim_loop *l, size_t i, struct apim_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct apim_loop *l, size_t i)
{
	struct apim_timer *t = l->heap[i];

	while (i > 0 && l->heap[(i - 1) / 2]->when > t->when) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct apim_loop *l, size_t i)
{
	struct apim_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (l->heap[c]->when >= t->when)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

/* Take the armed timer t out of the heap; it is then disarmed. */
static void
heap_remove(struct apim_loop *l, struct apim_timer *t)
{
	size_t i = t->slot - 1;
	struct apim_timer *last = l->heap[--l->nheap];

	t->slot = 0;
	if (i == l->nheap)
		return;
	heap_set(l, i, last);
	heap_down(l, i);
	heap_up(l, last->slot - 1);
}

void
apim_loop_timer_set(struct apim_loop *l, struct apim_timer *t, int64_t ms,
    void (*cb)(void *), void *arg)
{
	int64_t when = mono_ms() + (ms > 0 ? ms : 0);

	t->cb = cb;
	t->arg = arg;
	t->pass = l->pass;
	if (t->slot) {		/* armed: move it */
		size_t i = t->slot - 1;
		int64_t old = t->when;

		t->when = when;
		if (when < old)
			heap_up(l, i);
		else if (when > old)
			heap_down(l, i);
		return;
	}
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 16;
		l->heap = apim_xreallocarray(l->heap, l->capheap, sizeof(*l->heap));
	}
	t->when = when;
	heap_set(l, l->nheap++, t);
	heap_up(l, l->nheap - 1);
}

void
apim_loop_timer_stop(struct apim_loop *l, struct apim_timer *t)
{
	if (t != NULL && t->slot)
		heap_remove(l, t);
}

int
apim_loop_timer_armed(const struct apim_timer *t)
{
	return t->slot != 0;
}

struct apim_timer *
apim_loop_timer(struct apim_loop *l, int64_t ms,
    void (*cb)(void *), void *arg)
{
	struct apim_timer *t = apim_xcalloc(1, sizeof(*t));

	t->owned = 1;
	apim_loop_timer_set(l, t, ms, cb, arg);
	return t;
}

void
apim_loop_timer_cancel(struct apim_loop *l, struct apim_timer *t)
{
	if (t == NULL || t->firing)
		return;		/* from its own callback: freed after it */
	apim_loop_timer_stop(l, t);
	if (t->owned)
		free(t);
}

/* Call the timers due now, except those armed during this pass (a timer
 * re-armed for 0 ms from its callback waits for the next turn). */
static void
run_timers(struct apim_loop *l)
{
	l->pass++;
	while (!l->stop && l->nheap && l->heap[0]->when <= l->now &&
	    l->heap[0]->pass != l->pass) {
		struct apim_timer *t = l->heap[0];

		heap_remove(l, t);
		if (!t->owned) {
			t->cb(t->arg);	/* t may be re-armed or freed by now */
			continue;
		}
		t->firing = 1;
		t->cb(t->arg);
		free(t);
	}
}

static int
always_ready(const struct apim_loop *l)
{
	size_t fd;

	for (fd = 0; l->nalways && fd < l->nw; fd++)
		if (l->w[fd].active && l->w[fd].always && l->w[fd].events)
			return 1;
	return 0;
}

int
apim_loop_run(struct apim_loop *l)
{
	struct epoll_event evs[128];

	l->stop = 0;
	while (!l->stop) {
		int timeout = -1, n, i;
		size_t h;

		for (h = 0; h < l->nhook; h++)
			l->hook[h].cb(l->hook[h].arg, 0);
		if (always_ready(l))
			timeout = 0;
		else if (l->nheap) {
			int64_t d = l->heap[0]->when - mono_ms();

			timeout = d <= 0 ? 0 : d > 60000 ? 60000 : (int)d;
		}
		n = epoll_wait(l->ep, evs, 128, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			apim_err_set(APIM_SOFTWARE, "epoll_wait: %s",
			    strerror(errno));
			return -1;
		}
		l->now = mono_ms();
		for (i = 0; i < n && !l->stop; i++) {
			int fd = evs[i].data.fd, ev = 0;
			struct watch *w;

			if ((size_t)fd >= l->nw || !(w = &l->w[fd])->active)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
				ev |= APIM_LOOP_READ;
			if (evs[i].events & EPOLLOUT)
				ev |= APIM_LOOP_WRITE;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				ev |= APIM_LOOP_ERROR | (w->events &
				    (APIM_LOOP_READ | APIM_LOOP_WRITE));
			w->cb(fd, ev, w->arg);
		}
		if (l->nalways) {
			size_t fd;

			for (fd = 0; fd < l->nw && !l->stop; fd++) {
				struct watch *w = &l->w[fd];

				if (w->active && w->always && w->events)
					w->cb((int)fd, w->events, w->arg);
			}
		}
		run_timers(l);
	}
	return 0;
}
