/* oauth-pool: the hashing pool's contract.  Queues N jobs (a PBKDF2 each, as
 * the token server does) on 2 threads with room for M waiting, counts the
 * refusals, runs the loop until every accepted job's done callback has run
 * on the loop's thread, and prints "accepted A refused R done D ran D
 * on-loop D".  usage: oauth-pool N M */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "loop.h"
#include "oauth_pool.h"
#include "secret.h"

static struct apim_loop *loop;
static pthread_t loop_thread;
static int accepted, done_n, ran_n, on_loop_n;
static char *stored;

struct job {
	int ok;
};

static void
work(void *arg)
{
	struct job *j = arg;

	j->ok = apim_secret_verify("secret", stored);
}

static void
done(void *arg, int ran)
{
	struct job *j = arg;

	done_n++;
	ran_n += ran && j->ok == 1;
	on_loop_n += pthread_equal(pthread_self(), loop_thread) != 0;
	free(j);
	if (done_n == accepted)
		apim_loop_stop(loop);
}

int
main(int argc, char **argv)
{
	struct apim_oauth_pool *p;
	int n = argc > 1 ? atoi(argv[1]) : 8, m = argc > 2 ? atoi(argv[2]) : 4;
	int i, refused = 0;

	apim_prog_set("oauth-pool");
	loop_thread = pthread_self();
	if ((stored = apim_secret_hash("secret")) == NULL ||
	    (loop = apim_loop_new()) == NULL ||
	    (p = apim_oauth_pool_new(loop, 2, m, 60000)) == NULL) {
		fprintf(stderr, "oauth-pool: %s\n", apim_err_msg());
		return 70;
	}
	for (i = 0; i < n; i++) {
		struct job *j = calloc(1, sizeof *j);

		if (apim_oauth_pool_submit(p, work, done, j) == 0)
			accepted++;
		else {
			refused++;
			free(j);
		}
	}
	if (accepted && apim_loop_run(loop) == -1)
		return 70;
	printf("accepted %d refused %d done %d ran %d on-loop %d busy %d\n",
	    accepted, refused, done_n, ran_n, on_loop_n, apim_oauth_pool_busy(p));
	apim_loop_free(loop);
	apim_oauth_pool_free(p, NULL);
	free(stored);
	return 0;
}
