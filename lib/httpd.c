/* httpd: the three run modes (inetd, --listen, socket activation), the worker
 * processes, their supervisor and signals, graceful shutdown.  See httpd.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "err.h"
#include "httpd.h"
#include "httpd_int.h"
#include "util.h"

/* --- setup --- */

void
apim_httpd_opts_init(struct apim_httpd_opts *o)
{
	memset(o, 0, sizeof(*o));
}

static void
defaults(struct apim_httpd_opts *o)
{
#define DEF(f, v) if (o->f == 0) o->f = (v)
	DEF(max_line, 8192);
	DEF(max_headers, 100);
	DEF(max_header_bytes, 16384);
	DEF(max_body, 1024 * 1024);
	DEF(header_timeout_ms, 10000);
	DEF(read_timeout_ms, 30000);
	DEF(write_timeout_ms, 30000);
	DEF(idle_timeout_ms, 60000);
	DEF(max_conns, 10000);
	DEF(drain_timeout_ms, 10000);
	DEF(body_timeout_ms, 60000);
	DEF(body_min_rate, 1024);
#undef DEF
	if (o->workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->workers = n > 0 ? (int)n : 1;
	}
}

/* --- one server per process --- */

static int
server_init(struct httpd_server *s, const struct apim_httpd_opts *o)
{
	s->o = o;
	s->lim = apim_http_limits_default;
	s->lim.max_line = o->max_line;
	s->lim.max_headers = o->max_headers;
	s->lim.max_header_bytes = o->max_header_bytes;
	s->fields = apim_xmalloc(o->max_headers * sizeof(*s->fields));
	if ((s->loop = apim_loop_new()) == NULL)
		return -1;
	apim_loop_timer(s->loop, 100, httpd_sweep, s);
	return 0;
}

/* ran: on_worker was called, so on_worker_end is due: after the close
 * (a handler still holding a connection keeps it, closed, until its reply)
 * and before the loop goes, so the owner can finish on it. */
static void
server_fini(struct httpd_server *s, int ran)
{
	while (s->conns)
		httpd_conn_close(s->conns);
	if (ran && s->o->on_worker_end)
		s->o->on_worker_end(s->loop, s->o->arg);
	apim_loop_free(s->loop);
	free(s->fields);
	while (s->nspare > 0)
		free(s->spare[--s->nspare]);
	httpd_pool_free(&s->pool_in);
	httpd_pool_free(&s->pool_out);
}

static int sig_start(struct httpd_server *s, struct sigaction *old_term,
    struct sigaction *old_int);
static void sig_stop(struct httpd_server *s, const struct sigaction *old_term,
    const struct sigaction *old_int);

static int
run_inetd(const struct apim_httpd_opts *o)
{
	struct sigaction old_term, old_int;
	struct httpd_server s;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char peer[INET6_ADDRSTRLEN] = "";
	const char *env;
	struct apim_http_conn *c;
	int is_sock, r;

	memset(&s, 0, sizeof(s));
	if (server_init(&s, o) < 0)
		return -1;
	s.inetd = 1;
	is_sock = getpeername(0, (struct sockaddr *)&ss, &sl) == 0;
	if ((env = getenv("TCPREMOTEIP")) != NULL ||
	    (env = getenv("REMOTE_ADDR")) != NULL)
		snprintf(peer, sizeof(peer), "%s", env);
	else if (is_sock)
		httpd_peer_name(&ss, peer, sizeof(peer));
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	if ((c = httpd_conn_new(&s, 0, 1, peer, is_sock)) == NULL) {
		server_fini(&s, 0);
		return -1;
	}
	/* SIGTERM/SIGINT: finish the request in flight, as a worker does */
	if (sig_start(&s, &old_term, &old_int) < 0) {
		server_fini(&s, 0);
		return -1;
	}
	if (o->on_worker)
		o->on_worker(s.loop, o->arg);
	httpd_conn_run(c);
	r = s.nconns ? apim_loop_run(s.loop) : 0;
	sig_stop(&s, &old_term, &old_int);
	server_fini(&s, 1);
	return r;
}

static volatile sig_atomic_t got_sig;
static int sig_pipe[2] = { -1, -1 };	/* a worker's signal self-pipe */

static void
on_sig(int sig)
{
	int e = errno;

	got_sig = sig;
	if (sig_pipe[1] >= 0) {
		ssize_t w = write(sig_pipe[1], "s", 1);

		(void)w;	/* full: a wake-up is pending anyway */
	}
	errno = e;
}

/* Graceful shutdown: stop accepting (closing our copies of the listening
 * sockets, so new connections are refused once every process has), close
 * idle connections, let requests in flight finish with Connection: close. */
static void
start_drain(struct httpd_server *s)
{
	struct apim_http_conn *c, *next;
	int i;

	s->draining = 1;
	s->drain_until = apim_loop_now(s->loop) + s->o->drain_timeout_ms;
	for (i = 0; i < s->nlfds; i++) {
		apim_loop_del_fd(s->loop, s->lfds[i]);
		close(s->lfds[i]);
		s->lfds[i] = -1;
	}
	s->nlfds = 0;
	for (c = s->conns; c; c = next) {
		next = c->next;
		if (httpd_conn_idle(c) || c->state == ST_HANDSHAKE)
			httpd_conn_close(c);
	}
}

static void
on_sig_pipe(int fd, int ev, void *arg)
{
	struct httpd_server *s = arg;
	char b[16];

	(void)ev;
	while (read(fd, b, sizeof(b)) > 0)
		;
	if (!got_sig)
		return;
	got_sig = 0;
	if (s->draining)
		apim_loop_stop(s->loop);	/* asked twice: stop now */
	else
		start_drain(s);
}

/* SIGTERM/SIGINT start a graceful shutdown through a self-pipe. */
static int
sig_start(struct httpd_server *s, struct sigaction *old_term,
    struct sigaction *old_int)
{
	struct sigaction sa;
	sigset_t set;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    apim_loop_add_fd(s->loop, sig_pipe[0], APIM_LOOP_READ, on_sig_pipe,
	    s) < 0) {
		apim_err_set(APIM_SOFTWARE, "signal pipe: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGINT, &sa, old_int);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return 0;
}

static void
sig_stop(struct httpd_server *s, const struct sigaction *old_term,
    const struct sigaction *old_int)
{
	sigaction(SIGTERM, old_term, NULL);
	sigaction(SIGINT, old_int, NULL);
	apim_loop_del_fd(s->loop, sig_pipe[0]);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	got_sig = 0;
}

static int
worker(const struct apim_httpd_opts *o, SSL_CTX *ctx, int *lfds, int n)
{
	struct httpd_server s;
	struct sigaction old_term, old_int;
	int i, r;

	memset(&s, 0, sizeof(s));
	if (server_init(&s, o) < 0)
		return -1;
	s.ssl_ctx = ctx;
	s.lfds = lfds;
	s.nlfds = n;
	for (i = 0; i < n; i++) {
		/* several workers: wake one per connection, not all */
		if (apim_loop_add_fd(s.loop, lfds[i], APIM_LOOP_READ |
		    (o->workers > 1 ? APIM_LOOP_EXCLUSIVE : 0), httpd_on_accept, &s) < 0)
			return -1;
	}
	if (sig_start(&s, &old_term, &old_int) < 0) {
		server_fini(&s, 0);
		return -1;
	}
	if (o->on_worker)
		o->on_worker(s.loop, o->arg);
	r = apim_loop_run(s.loop);
	sig_stop(&s, &old_term, &old_int);
	server_fini(&s, 1);
	return r;
}

static void
on_chld(int sig)
{
	(void)sig;
}

static volatile sig_atomic_t got_hup;

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* A server holds a descriptor per client and per backend connection: the soft
 * limit on open files goes up to the hard one (the 1,024 most sessions and
 * services start with is there for select(2), which nothing here uses), as
 * far as max_conns needs with room for backends and files.  Failing that,
 * accept pauses at EMFILE as before. */
static void
raise_nofile(const struct apim_httpd_opts *o)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)o->max_conns * 2 + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want ||
	    rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int
apim_httpd_run(const struct apim_httpd_opts *opts)
{
	struct apim_httpd_opts o = *opts;
	struct sigaction sa, old_term, old_int, old_chld, old_hup;
	sigset_t block, oldmask;
	SSL_CTX *ctx = NULL;
	int *lfds = NULL, n, i, r = 0;
	pid_t *kids;

	defaults(&o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (o.handler == NULL) {
		apim_err_set(APIM_SOFTWARE, "no handler");
		return -1;
	}
	if (o.inetd)
		return run_inetd(&o);
	raise_nofile(&o);
	if ((n = httpd_listen_fds(&lfds)) < 0)
		return -1;
	if (o.listen) {
		int fd = httpd_listen_on(o.listen);

		if (fd < 0) {
			free(lfds);
			return -1;
		}
		lfds = apim_xreallocarray(lfds, (size_t)n + 1, sizeof(int));
		lfds[n++] = fd;
	}
	if (n == 0) {
		apim_err_set(APIM_USAGE,
		    "nothing to serve: no --listen, no LISTEN_FDS, no --inetd");
		return -1;
	}
	if (o.tls_cert || o.tls_key) {
		if (!o.tls_cert || !o.tls_key) {
			apim_err_set(APIM_USAGE, "TLS needs both a certificate and a key");
			r = -1;
			goto out;
		}
		if ((ctx = httpd_tls_ctx(&o)) == NULL) {
			r = -1;
			goto out;
		}
	}
	if (o.on_listen)
		for (i = 0; i < n; i++) {
			char name[INET6_ADDRSTRLEN + 16];

			httpd_sock_name(lfds[i], name, sizeof(name));
			o.on_listen(name, o.arg);
		}
	if (o.workers == 1) {
		r = worker(&o, ctx, lfds, n);
		goto out;
	}
	/* N workers share the listening sockets; the parent waits and relays
	 * SIGTERM/SIGINT (closing its copies of the sockets on the first) and
	 * SIGHUP (the workers keep the caller's SIGHUP disposition, e.g. to
	 * reopen a log).  Signals stay blocked except inside sigsuspend: none
	 * is missed. */
	kids = apim_xmalloc((size_t)o.workers * sizeof(pid_t));
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, &old_chld);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, &old_hup);
	fflush(NULL);
	for (i = 0; i < o.workers; i++) {
		if ((kids[i] = fork()) == 0) {
			sigset_t chld;

			sigaction(SIGCHLD, &old_chld, NULL);
			sigaction(SIGHUP, &old_hup, NULL);
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			sigaddset(&chld, SIGHUP);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			/* TERM/INT stay blocked until the worker's handler is set */
			_exit(worker(&o, ctx, lfds, n) < 0 ? 70 : 0);
		}
	}
	for (;;) {
		int st, alive = 0, j;
		pid_t p;

		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			for (i = 0; i < o.workers; i++)
				if (kids[i] == p)
					kids[i] = 0;
		if (got_sig) {
			got_sig = 0;
			for (j = 0; j < n; j++)
				if (lfds[j] >= 0) {
					close(lfds[j]);
					lfds[j] = -1;
				}
			for (i = 0; i < o.workers; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGTERM);
		}
		if (got_hup) {
			got_hup = 0;
			for (i = 0; i < o.workers; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGHUP);
		}
		for (i = 0; i < o.workers; i++)
			alive += kids[i] > 0;
		if (!alive)
			break;
		sigsuspend(&oldmask);
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	free(kids);
out:
	for (i = 0; i < n; i++)
		if (lfds[i] >= 0)
			close(lfds[i]);
	free(lfds);
	SSL_CTX_free(ctx);
	return r;
}
