/* oauth_pool: a fixed set of worker threads over one FIFO; finished jobs go
 * to a second list, and one eventfd write per job wakes the loop, which
 * calls their done callbacks.  Jobs are malloc'd here and freed after done. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "oauth_pool.h"

#define THREADS_MAX 4

struct job {
	struct job *next;
	void (*work)(void *);
	void (*done)(void *, int);
	void *arg;
	int64_t queued_ms;
	int ran;
};

struct apim_oauth_pool {
	struct apim_loop *loop;
	int efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *queue, **queue_tail, *done, **done_tail;
	int nwait, nbusy, stop, max_wait, wait_ms;
	int nthreads;
	pthread_t th[THREADS_MAX];
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
run(void *arg)
{
	struct apim_oauth_pool *p = arg;

	/* below the event loops: hashing waits while they have work */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct job *j;
		uint64_t one = 1;

		while (!p->stop && p->queue == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		j = p->queue;
		if ((p->queue = j->next) == NULL)
			p->queue_tail = &p->queue;
		p->nwait--;
		pthread_mutex_unlock(&p->mu);
		j->ran = mono_ms() - j->queued_ms <= p->wait_ms;
		if (j->ran)
			j->work(j->arg);
		pthread_mutex_lock(&p->mu);
		j->next = NULL;
		*p->done_tail = j;
		p->done_tail = &j->next;
		while (write(p->efd, &one, sizeof one) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The loop's side: call done for every finished job. */
static void
on_done(int fd, int events, void *arg)
{
	struct apim_oauth_pool *p = arg;
	struct job *j, *next;
	uint64_t n;

	(void)events;
	while (read(fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&p->mu);
	j = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->mu);
	for (; j; j = next) {
		next = j->next;
		p->nbusy--;
		j->done(j->arg, j->ran);
		free(j);
	}
}

struct apim_oauth_pool *
apim_oauth_pool_new(struct apim_loop *l, int threads, int max_wait, int wait_ms)
{
	struct apim_oauth_pool *p = apim_xcalloc(1, sizeof *p);
	sigset_t all, old;
	long ncpu;
	int i;

	if (threads <= 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 1 : ncpu > THREADS_MAX ? THREADS_MAX : (int)ncpu;
	}
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	p->loop = l;
	p->max_wait = max_wait;
	p->wait_ms = wait_ms;
	p->queue_tail = &p->queue;
	p->done_tail = &p->done;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		apim_err_set(APIM_SOFTWARE, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (apim_loop_add_fd(l, p->efd, APIM_LOOP_READ, on_done, p) == -1) {
		close(p->efd);
		p->efd = -1;
		goto fail;
	}
	/* signals are for the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < threads; i++) {
		if ((errno = pthread_create(&p->th[i], NULL, run, p)) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		apim_err_set(APIM_SOFTWARE, "cannot start a thread: %s",
		    strerror(errno));
		goto fail;
	}
	return p;
fail:
	apim_oauth_pool_free(p, NULL);
	return NULL;
}

int
apim_oauth_pool_submit(struct apim_oauth_pool *p, void (*work)(void *),
    void (*done)(void *, int), void *arg)
{
	struct job *j;

	pthread_mutex_lock(&p->mu);
	if (p->nwait >= p->max_wait) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	j = apim_xcalloc(1, sizeof *j);
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->queued_ms = mono_ms();
	*p->queue_tail = j;
	p->queue_tail = &j->next;
	p->nwait++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	p->nbusy++;
	return 0;
}

int
apim_oauth_pool_busy(const struct apim_oauth_pool *p)
{
	return p->nbusy;
}

void
apim_oauth_pool_free(struct apim_oauth_pool *p, void (*drop)(void *))
{
	struct job *j, *next;
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	for (j = p->queue; j; j = next) {
		next = j->next;
		if (drop)
			drop(j->arg);
		free(j);
	}
	for (j = p->done; j; j = next) {
		next = j->next;
		if (drop)
			drop(j->arg);
		free(j);
	}
	if (p->efd >= 0)
		close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
