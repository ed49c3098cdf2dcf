/* httpd_listen: listening sockets (--listen, systemd LISTEN_FDS), accepting
 * connections, and the TLS context they share. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "err.h"
#include "httpd.h"
#include "httpd_int.h"
#include "util.h"

/* --- accepting --- */

void
httpd_peer_name(const struct sockaddr_storage *ss, char *out, size_t n)
{
	const void *a;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a = &s6->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, (const char *)a + 12, out, (socklen_t)n);
			return;
		}
	} else {
		*out = '\0';
		return;
	}
	if (inet_ntop(ss->ss_family, a, out, (socklen_t)n) == NULL)
		*out = '\0';
}

static void
resume_accept(void *arg)
{
	struct httpd_server *s = arg;

	int i;

	for (i = 0; i < s->nlfds; i++)
		apim_loop_mod_fd(s->loop, s->lfds[i], APIM_LOOP_READ);
	s->accept_paused = 0;
}

void
httpd_on_accept(int lfd, int ev, void *arg)
{
	struct httpd_server *s = arg;
	int i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[INET6_ADDRSTRLEN];
		struct apim_http_conn *c;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* out of fds: pause accepting instead of spinning */
				int j;

				for (j = 0; j < s->nlfds && !s->accept_paused; j++)
					apim_loop_mod_fd(s->loop, s->lfds[j], 0);
				if (!s->accept_paused)
					apim_loop_timer(s->loop, 100, resume_accept, s);
				s->accept_paused = 1;
			}
			return;	/* EAGAIN, or another worker took it */
		}
		if (s->nconns >= s->o->max_conns) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		httpd_peer_name(&ss, peer, sizeof(peer));
		if ((c = httpd_conn_new(s, fd, fd, peer, 1)) == NULL) {
			close(fd);
			continue;
		}
		if (s->ssl_ctx) {
			if ((c->ssl = SSL_new(s->ssl_ctx)) == NULL ||
			    SSL_set_fd(c->ssl, fd) != 1) {
				httpd_conn_close(c);
				continue;
			}
			c->state = ST_HANDSHAKE;
		}
		httpd_conn_run(c);
	}
}

SSL_CTX *
httpd_tls_ctx(const struct apim_httpd_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot create TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1) {
		apim_err_set(APIM_CONFIG, "cannot load certificate '%s'",
		    o->tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		apim_err_set(APIM_CONFIG, "cannot load key '%s'", o->tls_key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
httpd_sock_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];
	int port = 0;

	*out = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	httpd_peer_name(&ss, a, sizeof(a));
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	snprintf(out, n, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", a,
	    port);
}

/* "ADDR:PORT" or "[V6]:PORT" to a listening socket. */
int
httpd_listen_on(const char *spec)
{
	char host[256];
	const char *port, *h = spec;
	size_t hl;
	struct addrinfo hints, *res = NULL;
	int fd, one = 1, e;

	if (*h == '[') {
		const char *rb = strchr(h, ']');

		if (rb == NULL || rb[1] != ':')
			goto usage;
		h++;
		hl = (size_t)(rb - h);
		port = rb + 2;
	} else {
		const char *colon = strrchr(h, ':');

		if (colon == NULL)
			goto usage;
		hl = (size_t)(colon - h);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host) || *port == '\0' ||
	    strspn(port, "0123456789") != strlen(port))
		goto usage;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		apim_err_set(APIM_USAGE, "bad listen address '%s': %s", spec,
		    gai_strerror(e));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		apim_err_set(APIM_UNAVAILABLE, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		apim_err_set(APIM_UNAVAILABLE, "cannot listen on '%s': %s", spec,
		    strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
usage:
	apim_err_set(APIM_USAGE, "bad listen address '%s' (want ADDR:PORT)",
	    spec);
	return -1;
}

/* systemd socket activation: fds 3.. when LISTEN_PID is us.  Count or -1. */
int
httpd_listen_fds(int **fds)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	char *end;
	long np, nf, i;
	int *v;

	*fds = NULL;
	if (pid == NULL || n == NULL)
		return 0;
	np = strtol(pid, &end, 10);
	if (*end != '\0' || np != (long)getpid())
		return 0;	/* not for us */
	nf = strtol(n, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (*end != '\0' || nf < 1 || nf > 64) {
		apim_err_set(APIM_CONFIG, "bad LISTEN_FDS '%s'", n);
		return -1;
	}
	v = apim_xmalloc((size_t)nf * sizeof(int));
	for (i = 0; i < nf; i++) {
		int fd = 3 + (int)i, acc = 0;
		socklen_t sl = sizeof(acc);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &sl) < 0 ||
		    !acc) {
			apim_err_set(APIM_CONFIG,
			    "fd %d from LISTEN_FDS is not a listening socket", fd);
			free(v);
			return -1;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		v[i] = fd;
	}
	*fds = v;
	return (int)nf;
}