/* gw_events: the gateway's event sink: O_APPEND so that every worker and
 * every inetd process adds whole lines; reopened for log rotation. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "gw_events.h"

static const char *path;
static int fd = -1;
static long failed;
static volatile sig_atomic_t hup;

static int
open_path(void)
{
	int nfd;

	if (strcmp(path, "-") == 0) {
		fd = 1;
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
	return 0;
}

int
gw_events_open(const char *p)
{
	path = p;
	if (p == NULL)
		return 0;
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
	open_path();	/* on failure the old file stays */
}

void
gw_events_write(const struct apim_event *ev)
{
	if (fd == -1)
		return;
	if (hup)
		gw_events_check();
	if (apim_event_write(fd, ev) == -1)
		failed++;
}

long
gw_events_failed(void)
{
	return failed;
}
