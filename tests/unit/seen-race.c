/* seen-race: lib/gw_seen under concurrent processes.  seen-race DIR SECONDS:
 * 4 writers store entries for 6 tokens that share one bucket (so they evict
 * each other) while 4 readers look them up; a reader that finds a token
 * with any kid or exp but its own has read a torn or wrong entry.  Prints
 * "hits H wrong 0" and exits 0, or says what went wrong. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw_seen.h"
#include "util.h"

#define TOKENS 6

static void
token(int x, unsigned char md[32], char kid[GW_SEEN_KID], int64_t *exp)
{
	int i;

	/* the first bytes (the bucket) alike, the rest each its own */
	for (i = 0; i < 32; i++)
		md[i] = i < 8 ? 0x5a : (unsigned char)(x * 37 + i);
	memset(kid, 'a' + x, GW_SEEN_KID - 1);	/* the whole field, so a mix shows */
	kid[GW_SEEN_KID - 1] = '\0';
	*exp = 4000000000LL + x;
}

int
main(int argc, char **argv)
{
	char db[4096], kid[GW_SEEN_KID], want[GW_SEEN_KID];
	unsigned char md[32];
	int64_t exp, wexp, now = apim_now_ms() / 1000;
	pid_t pids[8];
	int i, x, st, fd[2], bad = 0;
	long hits = 0, h, w;
	time_t end;

	if (argc != 3)
		return 64;
	snprintf(db, sizeof db, "%s/apim.db", argv[1]);
	end = time(NULL) + atoi(argv[2]);
	if (pipe(fd) == -1)
		return 71;
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == -1)
			return 71;
		if (pids[i] == 0) {
			struct gw_seen *s = gw_seen_new(db);
			unsigned r = (unsigned)getpid();

			h = w = 0;
			while (time(NULL) < end) {
				r = r * 1103515245 + 12345;
				x = (int)(r >> 16) % TOKENS;
				token(x, md, want, &wexp);
				if (i < 4) {
					gw_seen_put(s, md, wexp, want);
					continue;
				}
				if (gw_seen_find(s, md, now, kid, &exp) != 1)
					continue;
				h++;
				if (exp != wexp || strcmp(kid, want) != 0)
					w++;
			}
			gw_seen_free(s);
			dprintf(fd[1], "%ld %ld\n", h, w);
			_exit(0);
		}
	}
	close(fd[1]);
	for (i = 0; i < 8; i++)
		if (waitpid(pids[i], &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	{
		FILE *f = fdopen(fd[0], "r");
		long wrong = 0;

		while (f && fscanf(f, "%ld %ld", &h, &w) == 2) {
			hits += h;
			wrong += w;
		}
		printf("hits %ld wrong %ld\n", hits, wrong);
		if (bad || wrong || hits == 0)
			return 1;
	}
	return 0;
}
