/* loop-test: lib/loop's timers (order, cancel), fd watches (pipe, regular
 * file, exclusive) and stop, checked in one run; prints "ok" or what went wrong. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

static struct apim_loop *L;
static char trace[256];
static int pfd[2], file_calls;

static void
note(const char *s)
{
	strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
}

static void
on_timer(void *arg)
{
	note(arg);
	if (strcmp(arg, "t10 ") == 0 && write(pfd[1], "x", 1) != 1)
		note("write-failed ");
}

static void
on_stop(void *arg)
{
	(void)arg;
	/* On a loaded machine every timer may come due in one turn, before the
	 * pipe's byte is read: wait for it, so the check below is about order. */
	if (arg == NULL && strstr(trace, "read ") == NULL) {
		apim_loop_timer(L, 5, on_stop, NULL);
		return;
	}
	note("stop");
	apim_loop_stop(L);
}

/* trace without the words that depend on scheduling ("read ", "file ") */
static const char *
timers_only(void)
{
	static char out[sizeof trace];
	const char *p = trace;

	out[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, " ");

		if (!(n == 4 && strncmp(p, "read", 4) == 0) &&
		    !(n == 4 && strncmp(p, "file", 4) == 0)) {
			strncat(out, p, n);
			if (p[n] == ' ')
				strcat(out, " ");
		}
		p += n + (p[n] == ' ');
	}
	return out;
}

static void
on_pipe(int fd, int ev, void *arg)
{
	char c;

	(void)arg;
	if ((ev & APIM_LOOP_READ) && read(fd, &c, 1) == 1)
		note("read ");
}

static void
on_file(int fd, int ev, void *arg)
{
	(void)arg;
	(void)ev;
	if (++file_calls == 1)
		note("file ");
	apim_loop_mod_fd(L, fd, 0);	/* once: no interest, no calls */
}

int
main(void)
{
	struct apim_timer *t;
	char path[] = "/tmp/loop-test.XXXXXX";
	int ffd = mkstemp(path);
	int64_t t0;

	if (ffd < 0 || pipe(pfd) < 0 || (L = apim_loop_new()) == NULL)
		return 70;
	unlink(path);
	apim_loop_timer(L, 30, on_timer, "t30 ");
	apim_loop_timer(L, 10, on_timer, "t10 ");
	t = apim_loop_timer(L, 20, on_timer, "cancelled ");
	apim_loop_timer(L, 20, on_timer, "t20 ");
	apim_loop_timer(L, 60, on_stop, NULL);
	apim_loop_timer_cancel(L, t);
	if (apim_loop_add_fd(L, pfd[0], APIM_LOOP_READ, on_pipe, NULL) < 0 ||
	    apim_loop_add_fd(L, ffd, APIM_LOOP_READ, on_file, NULL) < 0)
		return 70;
	t0 = apim_loop_now(L);
	apim_loop_run(L);
	/* timers in due order, the cancelled one never; the pipe read after the
	 * write made by t10; the regular file reported once */
	if (strcmp(timers_only(), "t10 t20 t30 stop") != 0 || file_calls != 1 ||
	    strstr(trace, "file ") == NULL || strstr(trace, "read ") == NULL ||
	    strstr(trace, "read ") < strstr(trace, "t10 ")) {
		printf("trace '%s' file calls %d\n", trace, file_calls);
		return 1;
	}
	if (apim_loop_now(L) - t0 < 55) {
		printf("stopped too early: %lld ms\n", (long long)(apim_loop_now(L) - t0));
		return 1;
	}
	apim_loop_del_fd(L, pfd[0]);
	apim_loop_del_fd(L, ffd);
	/* an exclusive watch survives interest changes (delete and add again) */
	trace[0] = '\0';
	if (apim_loop_add_fd(L, pfd[0], APIM_LOOP_READ | APIM_LOOP_EXCLUSIVE,
	    on_pipe, NULL) < 0 || apim_loop_mod_fd(L, pfd[0], 0) < 0 ||
	    apim_loop_mod_fd(L, pfd[0], APIM_LOOP_READ) < 0 ||
	    apim_loop_mod_fd(L, pfd[0], APIM_LOOP_READ | APIM_LOOP_WRITE) < 0 ||
	    apim_loop_mod_fd(L, pfd[0], APIM_LOOP_READ) < 0 ||
	    write(pfd[1], "y", 1) != 1) {
		printf("exclusive watch refused\n");
		return 1;
	}
	apim_loop_timer(L, 20, on_stop, NULL);
	apim_loop_run(L);
	if (strcmp(trace, "read stop") != 0) {
		printf("exclusive trace '%s'\n", trace);
		return 1;
	}
	apim_loop_del_fd(L, pfd[0]);
	apim_loop_free(L);
	printf("ok\n");
	return 0;
}
