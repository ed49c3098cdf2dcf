/* loop-timer: lib/loop's caller-owned timers under stress: re-armed 100k times,
 * stopped after firing, stopped and re-armed from callbacks, freed pending. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

static struct apim_loop *L;
static int failed;

#define CHECK(cond) do { if (!(cond)) { \
	printf("line %d: %s\n", __LINE__, #cond); failed = 1; } } while (0)

static void
count(void *arg)
{
	(*(int *)arg)++;
}

static void
stop_loop(void *arg)
{
	(void)arg;
	apim_loop_stop(L);
}

/* Run the loop until a stop timer fires after ms. */
static void
run_for(int64_t ms)
{
	struct apim_timer stop = APIM_TIMER_INIT;

	apim_loop_timer_set(L, &stop, ms, stop_loop, NULL);
	apim_loop_run(L);
	apim_loop_timer_stop(L, &stop);
}

/* 1. One timer re-armed 100,000 times among others fires once, last setting. */
static void
rearm_many(void)
{
	struct apim_timer t = APIM_TIMER_INIT, other[64];
	int n = 0, m = 0, i;

	memset(other, 0, sizeof(other));
	for (i = 0; i < 64; i++)
		apim_loop_timer_set(L, &other[i], 5 + i % 7, count, &m);
	for (i = 0; i < 100000; i++) {
		apim_loop_timer_set(L, &t, i % 1000, count, &n);
		if (i % 3 == 0)
			apim_loop_timer_set(L, &other[i % 64], 1000 - i % 900,
			    count, &m);
		if (i % 17 == 0)
			apim_loop_timer_stop(L, &other[(i / 17) % 64]);
		if (i % 5 == 0)	/* stopped and armed again */
			apim_loop_timer_stop(L, &t);
	}
	apim_loop_timer_set(L, &t, 1, count, &n);
	for (i = 0; i < 64; i++)
		apim_loop_timer_set(L, &other[i], 2, count, &m);
	CHECK(apim_loop_timer_armed(&t));
	run_for(30);
	CHECK(n == 1);
	CHECK(m == 64);
	CHECK(!apim_loop_timer_armed(&t));
}

/* 2. Stopping (or cancelling) after the timer fired is a no-op. */
static void
stop_after_fire(void)
{
	struct apim_timer t = APIM_TIMER_INIT, never = APIM_TIMER_INIT;
	int n = 0;

	apim_loop_timer_stop(L, &never);	/* never armed */
	apim_loop_timer_set(L, &t, 1, count, &n);
	run_for(20);
	CHECK(n == 1);
	apim_loop_timer_stop(L, &t);
	apim_loop_timer_stop(L, &t);
	apim_loop_timer_set(L, &t, 1, count, &n);	/* and again */
	run_for(20);
	CHECK(n == 2);
}

/* 3. From callbacks: stop another due timer, stop or re-arm oneself, free
 * the struct holding oneself, cancel a fire-and-forget timer from itself. */
struct self {
	struct apim_timer t;
	int calls;
	int mode;		/* 0 stop self, 1 re-arm twice (0 ms), 2 free self */
	struct apim_timer *victim;
};

static int victim_calls, freed_calls;

static void
on_self(void *arg)
{
	struct self *s = arg;

	s->calls++;
	if (s->victim != NULL)
		apim_loop_timer_stop(L, s->victim);
	if (s->mode == 0)
		apim_loop_timer_stop(L, &s->t);
	else if (s->mode == 1 && s->calls < 3)
		apim_loop_timer_set(L, &s->t, 0, on_self, s);
	else if (s->mode == 2) {
		freed_calls++;
		apim_loop_timer_stop(L, &s->t);
		free(s);
	}
}

static struct apim_timer *ff;
static int ff_calls;

static void
on_ff(void *arg)
{
	(void)arg;
	ff_calls++;
	apim_loop_timer_cancel(L, ff);	/* its own callback: a no-op */
}

static void
from_callbacks(void)
{
	struct self a, b;
	struct self *c = calloc(1, sizeof(*c));
	struct apim_timer victim = APIM_TIMER_INIT;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.mode = 0;
	a.victim = &victim;
	b.mode = 1;
	c->mode = 2;
	/* victim is due no earlier than a (equal times keep the first armed
	 * on top), likely in the same pass: a's callback stops it */
	apim_loop_timer_set(L, &a.t, 0, on_self, &a);
	apim_loop_timer_set(L, &victim, 0, count, &victim_calls);
	apim_loop_timer_set(L, &b.t, 1, on_self, &b);
	apim_loop_timer_set(L, &c->t, 1, on_self, c);
	ff = apim_loop_timer(L, 1, on_ff, NULL);
	run_for(40);
	CHECK(a.calls == 1);
	CHECK(victim_calls == 0);
	CHECK(b.calls == 3);
	CHECK(freed_calls == 1);
	CHECK(ff_calls == 1);
	CHECK(!apim_loop_timer_armed(&a.t) && !apim_loop_timer_armed(&b.t));
	CHECK(!apim_loop_timer_armed(&victim));
	/* a fire-and-forget timer cancelled before it fires */
	ff_calls = 0;
	ff = apim_loop_timer(L, 5, on_ff, NULL);
	apim_loop_timer_cancel(L, ff);
	run_for(20);
	CHECK(ff_calls == 0);
}

/* 4. A 0 ms timer re-armed from its own callback doesn't starve the loop. */
static long spins;

static void
spin(void *arg)
{
	spins++;
	apim_loop_timer_set(L, arg, 0, spin, arg);
}

static long turns;

static void
on_ready(int fd, int ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	turns++;
}

/* The loop turns (a pipe kept readable counts them) while spin re-arms
 * itself for 0 ms: once a turn, not over and over in one timer pass. */
static void
no_starvation(void)
{
	struct apim_timer t = APIM_TIMER_INIT;
	int p[2];

	if (pipe(p) < 0 || write(p[1], "x", 1) != 1 ||
	    apim_loop_add_fd(L, p[0], APIM_LOOP_READ, on_ready, NULL) < 0) {
		CHECK(!"pipe");
		return;
	}
	apim_loop_timer_set(L, &t, 0, spin, &t);
	run_for(5);
	CHECK(spins >= 1);
	CHECK(spins <= turns + 1);
	CHECK(apim_loop_timer_armed(&t));
	apim_loop_timer_stop(L, &t);
	apim_loop_del_fd(L, p[0]);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	struct apim_timer pending[100];
	int i, n = 0;

	alarm(20);	/* a starved loop fails instead of hanging */
	if ((L = apim_loop_new()) == NULL)
		return 70;
	rearm_many();
	stop_after_fire();
	from_callbacks();
	no_starvation();
	/* 5. Free the loop with timers pending: embedded ones are disarmed,
	 * fire-and-forget ones freed (ASan reports a leak otherwise). */
	memset(pending, 0, sizeof(pending));
	for (i = 0; i < 100; i++)
		apim_loop_timer_set(L, &pending[i], 1000 + i, count, &n);
	for (i = 0; i < 10; i++)
		apim_loop_timer(L, 1000 + i, count, &n);
	apim_loop_free(L);
	for (i = 0; i < 100; i++)
		CHECK(!apim_loop_timer_armed(&pending[i]));
	CHECK(n == 0);
	if (failed)
		return 1;
	printf("ok\n");
	return 0;
}
