/* oauth-guard: processes forked after apim_oauth_guard_new(1) share its
 * buckets.  Forks N children that each try to take one check for the same
 * source, and prints how many got one ("taken T of N"); with a rate of 0.01
 * per second the answer is the burst, 2, however many processes try.
 * Then one child remembers a verified secret's MAC and the parent asks
 * whether it is known ("known 1"; "known 0" with a private guard).
 * usage: oauth-guard [N] [private] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "oauth_guard.h"
#include "util.h"

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8, i, st, taken = 0;
	int shared = !(argc > 2 && strcmp(argv[2], "private") == 0);
	const char *keys[] = { "c:client", "a:127.0.0.1", NULL };
	struct apim_oauth_guard *g;
	double wait;

	apim_prog_set("oauth-guard");
	if (n < 1 || n > 64 || (g = apim_oauth_guard_new(shared)) == NULL)
		return 64;
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(apim_oauth_guard_take(g, keys, apim_now_ms(), &wait) ?
			    0 : wait >= 1 ? 1 : 2);
		if (p < 0)
			return 71;
		waitpid(p, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			taken++;
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
			return 70;	/* refused without a wait */
	}
	printf("taken %d of %d\n", taken, n);
	{
		unsigned char mac[32];

		memset(mac, 0x5a, sizeof mac);
		if (fork() == 0) {
			apim_oauth_guard_remember(g, "client", mac);
			_exit(0);
		}
		waitpid(-1, &st, 0);
		printf("known %d\n", apim_oauth_guard_known(g, "client", mac));
	}
	apim_oauth_guard_free(g);
	return 0;
}
