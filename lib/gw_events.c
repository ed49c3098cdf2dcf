/* gw_events: the gateway's event sink: O_APPEND so that every worker and
 * every inetd process adds whole lines; reopened for log rotation.  On a
 * loop, a turn's lines are kept in a buffer and written together just before
 * the loop waits: one write(2) per turn, not per request.  Writes are whole
 * lines only, at most 64 KiB to a regular file (O_APPEND: each write lands
 * whole at the end) and at most PIPE_BUF to a pipe or terminal, so that the
 * lines of several workers never interleave. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "gw_events.h"
#include "loop.h"
#include "util.h"

#define GW_EVENTS_BATCH 65536	/* bytes per write(2) to a regular file */

static const char *path;
static int fd = -1;
static long failed;
static volatile sig_atomic_t hup;
static struct apim_loop *loop;	/* batching on this loop; NULL: a write per line */
static char *buf;		/* GW_EVENTS_BATCH + APIM_EVENT_LINE_MAX bytes */
static size_t len;		/* bytes of whole lines waiting */
static size_t batch;		/* the most one write(2) may carry */

/* Write the first n bytes of buf (whole lines); those lost are counted. */
static void
write_out(size_t n)
{
	size_t off = 0;
	ssize_t w;

	while (off < n) {
		w = write(fd, buf + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		for (; off < n; off++)	/* lost: one per newline */
			failed += buf[off] == '\n';
		break;
	}
}

void
gw_events_flush(void)
{
	if (len && fd != -1)
		write_out(len);
	len = 0;
}

static int
open_path(void)
{
	struct stat st;
	int nfd;

	gw_events_flush();
	if (strcmp(path, "-") == 0) {
		fd = 1;
		batch = PIPE_BUF;
		return 0;
	}
	nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (nfd == -1) {
		apim_err_set(APIM_CANTCREAT, "cannot open events file '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	if (fd > 2)
		close(fd);
	fd = nfd;
	/* a FIFO, socket or terminal: writes up to PIPE_BUF are atomic */
	batch = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? GW_EVENTS_BATCH :
	    PIPE_BUF;
	return 0;
}

int
gw_events_open(const char *p)
{
	gw_events_flush();
	path = p;
	if (p == NULL) {
		fd = -1;
		return 0;
	}
	return open_path();
}

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

void
gw_events_on_hup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

void
gw_events_check(void)
{
	struct stat a, b;

	if (path == NULL || fd <= 2)
		return;
	/* Without SIGHUP, follow a file replaced under the path (logrotate's
	 * "create"); a path that is gone waits for SIGHUP (mv, then HUP),
	 * lines going on into the moved file meanwhile. */
	if (!hup && (stat(path, &a) == -1 || (fstat(fd, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)))
		return;
	hup = 0;
	open_path();	/* flushes first; on failure the old file stays */
}

/* The loop's hook: write the turn's lines before it waits; at its end,
 * write them and go back to a write per line. */
static void
before_wait(void *arg, int last)
{
	(void)arg;
	gw_events_flush();
	if (last)
		loop = NULL;
}

int
gw_events_attach(struct apim_loop *l)
{
	if (loop == l)
		return 0;
	if (loop != NULL) {
		apim_err_set(APIM_SOFTWARE, "events are batched on another loop");
		return -1;
	}
	if (apim_loop_before_wait(l, before_wait, NULL) == -1)
		return -1;
	if (buf == NULL)
		buf = apim_xmalloc(GW_EVENTS_BATCH + APIM_EVENT_LINE_MAX);
	loop = l;
	return 0;
}

void
gw_events_write(const struct apim_event *ev)
{
	long n;

	if (fd == -1)
		return;
	if (hup)
		gw_events_check();
	if (loop == NULL) {
		if (apim_event_write(fd, ev) == -1)
			failed++;
		return;
	}
	/* format after what waits (there is always room for a line), then
	 * write what waited if the two together would pass one write's size */
	if ((n = apim_event_format(ev, buf + len, APIM_EVENT_LINE_MAX)) < 0) {
		failed++;
		return;
	}
	if (len && len + (size_t)n > batch) {
		write_out(len);
		memmove(buf, buf + len, (size_t)n);
		len = 0;
	}
	len += (size_t)n;
	if (len >= batch)
		gw_events_flush();
}

long
gw_events_failed(void)
{
	return failed;
}
