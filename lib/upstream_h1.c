/* upstream_h1: the fast path for plain http:// endpoints (names resolved once,
 * off the loop): a per-worker pool of kept-alive sockets, HTTP/1.1 framed here. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "upstream.h"
#include "upstream_int.h"
#include "util.h"

#define RBUF_MIN 16384		/* read buffer of a connection: room asked */
#define RBUF_KEEP 32768		/* ... and what an idle one keeps (its
				 * first reserve makes 32 KiB: freeing that
				 * per request cost malloc_consolidate) */
#define RESP_FIELDS 128
#define XFER_POOL 32		/* finished transfers kept per worker */
#define XFER_KEEP 16384		/* ... with buffers up to this size */

/* A host name resolved by a thread of its own (getaddrinfo blocks): the
 * loop looks at done on the next forward; whichever side lets go of the job
 * second (gone: an atomic exchange) frees it. */
struct resolve {
	char *host, *port;
	int connect_ms;
	int done;		/* atomic: 1 result ready */
	int gone;		/* atomic: the first side has let go */
	int ok;
	struct sockaddr_storage sa;
	socklen_t salen;
};

/* One endpoint URL: whether the fast path takes it, and its idle pool. */
struct h1target {
	struct h1target *next;
	int ok;			/* 0: libcurl's (https, a name not yet
				 * resolved, ...) */
	char *host, *port;	/* a name to resolve, or NULL */
	struct resolve *job;	/* resolving */
	int64_t retry_at;	/* a failed resolution is tried again then */
	struct sockaddr_storage sa;
	socklen_t salen;
	char *authority;	/* the Host header */
	char *prefix;		/* the URL's path, "" or "/base" */
	size_t authority_len, prefix_len;
	struct h1conn *idle;	/* kept-alive connections, newest first */
	char url[];
};

struct h1conn {
	struct h1conn *next;	/* in its target's idle list */
	struct apim_upstream *u;
	struct h1target *t;
	struct xfer *x;		/* NULL while idle */
	int fd;
	int events;		/* what the loop watches */
	unsigned connecting:1, reused:1, wdead:1;
	struct apim_timer ctimer;	/* connect timeout */
	struct apim_buf r;	/* bytes read, from roff on not yet used */
	size_t roff;
};

enum { R_HEAD, R_LEN, R_CHUNKED, R_CLOSE };

static const struct apim_http_limits resp_limits = {
	.max_line = 8192,
	.max_headers = RESP_FIELDS,
	.max_header_bytes = 65536,
	.max_chunk_ext = 256,
};

/* --- endpoints --- */

/* Parse url into t: "http://" numeric-host [":" port] [path]. */
static int
target_parse(struct h1target *t, const char *url)
{
	const char *a = url + 7, *pe, *hs, *he, *ps = NULL;
	char host[64];
	long port = 80;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;

	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	pe = a + strcspn(a, "/?#");
	if (*pe == '?' || *pe == '#')
		return -1;
	if (*a == '[') {
		hs = a + 1;
		if ((he = memchr(hs, ']', (size_t)(pe - hs))) == NULL)
			return -1;
		if (he + 1 < pe)
			ps = he + 1;
	} else {
		hs = a;
		he = memchr(a, ':', (size_t)(pe - a));
		if (he == NULL)
			he = pe;
		else
			ps = he;
	}
	if (ps != NULL) {
		char *e;

		if (*ps != ':' || ps + 1 == pe)
			return -1;
		port = strtol(ps + 1, &e, 10);
		if (e != pe || port < 1 || port > 65535)
			return -1;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	memset(&t->sa, 0, sizeof(t->sa));
	if (*a != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		t->salen = sizeof(*s4);
	} else if (*a == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		t->salen = sizeof(*s6);
	} else if (*a == '[')
		return -1;
	else {			/* a name: resolved off the loop, below */
		char pb[8];

		snprintf(pb, sizeof(pb), "%ld", port);
		t->host = apim_strdup(host);
		t->port = apim_strdup(pb);
	}
	t->authority = apim_xcalloc(1, (size_t)(pe - a) + 1);
	memcpy(t->authority, a, (size_t)(pe - a));
	t->prefix = apim_strdup(pe);
	t->authority_len = (size_t)(pe - a);
	t->prefix_len = strlen(pe);
	return t->host ? 1 : 0;
}

static void
job_release(struct resolve *j)
{
	if (__atomic_exchange_n(&j->gone, 1, __ATOMIC_ACQ_REL)) {
		free(j->host);
		free(j->port);
		free(j);
	}
}

/* The thread: resolve, and keep the first address that takes a connection
 * within the connect timeout (as libcurl tries each in turn): "localhost"
 * may name ::1 first for a backend listening on 127.0.0.1 only. */
static void *
resolve_main(void *arg)
{
	struct resolve *j = arg;
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	tv.tv_sec = j->connect_ms / 1000;
	tv.tv_usec = (j->connect_ms % 1000) * 1000;
	if (getaddrinfo(j->host, j->port, &hints, &res) == 0) {
		for (ai = res; ai && !j->ok; ai = ai->ai_next) {
			int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (fd < 0 || ai->ai_addrlen > sizeof(j->sa)) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
				memcpy(&j->sa, ai->ai_addr, ai->ai_addrlen);
				j->salen = ai->ai_addrlen;
				j->ok = 1;
			}
			close(fd);
		}
		freeaddrinfo(res);
	}
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	job_release(j);
	return NULL;
}

/* A named target: start resolving it, or take a finished result.  1 if it
 * may be used now. */
static int
target_resolve(struct apim_upstream *u, struct h1target *t)
{
	struct resolve *j = t->job;
	int64_t now = apim_loop_now(u->loop);

	if (j != NULL) {
		if (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
			return 0;
		if (j->ok) {
			t->sa = j->sa;
			t->salen = j->salen;
			t->ok = 1;
		} else
			t->retry_at = now + 5000;
		t->job = NULL;
		job_release(j);
		return t->ok;
	}
	if (now < t->retry_at)
		return 0;
	{
		pthread_t th;
		pthread_attr_t at;

		j = apim_xcalloc(1, sizeof(*j));
		j->host = apim_strdup(t->host);
		j->port = apim_strdup(t->port);
		j->connect_ms = u->o.connect_timeout_ms;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &at, resolve_main, j) != 0) {
			free(j->host);
			free(j->port);
			free(j);
			t->retry_at = now + 5000;
		} else
			t->job = j;
		pthread_attr_destroy(&at);
	}
	return 0;
}

static struct h1target *
target_get(struct apim_upstream *u, const char *url)
{
	struct h1target *t;
	size_t n;

	for (t = u->targets; t; t = t->next)
		if (strcmp(t->url, url) == 0)
			return t;
	n = strlen(url);
	t = apim_xcalloc(1, sizeof(*t) + n + 1);
	memcpy(t->url, url, n + 1);
	t->ok = target_parse(t, url) == 0;	/* 1: a name, not yet */
	t->next = u->targets;
	u->targets = t;
	return t;
}

int
up_h1_usable(struct apim_upstream *u, struct apim_endpoints *eps)
{
	size_t i, n = apim_endpoints_count(eps);

	int all = 1;

	for (i = 0; i < n; i++) {
		struct h1target *t = target_get(u, apim_endpoints_url(eps, i));

		if (!t->ok && !(t->host && target_resolve(u, t)))
			all = 0;	/* go on: start every name's resolution */
	}
	return all;
}

/* --- connections --- */

static void on_conn(int fd, int ev, void *arg);

static void
conn_events(struct h1conn *k, int ev)
{
	if (k->events != ev) {
		k->events = ev;
		apim_loop_mod_fd(k->u->loop, k->fd, ev);
	}
}

static void
conn_close(struct h1conn *k)
{
	apim_loop_timer_stop(k->u->loop, &k->ctimer);
	apim_loop_del_fd(k->u->loop, k->fd);
	close(k->fd);
	apim_buf_free(&k->r);
	free(k);
}

/* Keep k for the next request to its target, or close it. */
static void
conn_release(struct h1conn *k)
{
	struct apim_upstream *u = k->u;

	k->x = NULL;
	if (u->freeing || u->nidle >= (size_t)u->o.max_idle_conns ||
	    k->roff != k->r.len) {
		conn_close(k);
		return;
	}
	k->r.len = k->roff = 0;
	if (k->r.cap > RBUF_KEEP) {
		apim_buf_free(&k->r);
		apim_buf_reserve(&k->r, RBUF_MIN);
	}
	/* idle: a readable socket is a close (or garbage): drop it */
	conn_events(k, APIM_LOOP_READ);
	k->next = k->t->idle;
	k->t->idle = k;
	u->nidle++;
}

static void
on_connect_timeout(void *arg)
{
	struct h1conn *k = arg;

	struct xfer *x = k->x;

	if (x != NULL) {
		up_h1_detach(x);
		x->h1_connfail = 2;
		up_kick(x);
	}
}

/* A connection for x to t: a kept one, else a new one (connecting). */
static struct h1conn *
conn_get(struct xfer *x, struct h1target *t, int fresh)
{
	struct apim_upstream *u = x->u;
	struct h1conn *k;
	int fd, one = 1;

	if (!fresh && (k = t->idle) != NULL) {
		t->idle = k->next;
		u->nidle--;
		k->next = NULL;
		k->x = x;
		k->reused = 1;
		return k;
	}
	fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	k = apim_xcalloc(1, sizeof(*k));
	k->u = u;
	k->t = t;
	k->x = x;
	k->fd = fd;
	apim_buf_reserve(&k->r, RBUF_MIN);
	if (connect(fd, (struct sockaddr *)&t->sa, t->salen) < 0) {
		if (errno != EINPROGRESS) {
			close(fd);
			apim_buf_free(&k->r);
			free(k);
			return NULL;
		}
		k->connecting = 1;
	}
	k->events = k->connecting ? APIM_LOOP_WRITE : APIM_LOOP_READ;
	if (apim_loop_add_fd(u->loop, fd, k->events, on_conn, k) < 0) {
		close(fd);
		apim_buf_free(&k->r);
		free(k);
		return NULL;
	}
	if (k->connecting)
		apim_loop_timer_set(u->loop, &k->ctimer, u->o.connect_timeout_ms,
		    on_connect_timeout, k);
	return k;
}

void
up_h1_detach(struct xfer *x)
{
	if (x->h1c != NULL) {
		x->h1c->x = NULL;
		conn_close(x->h1c);
		x->h1c = NULL;
	}
}

/* --- transfers --- */

#define XFER_BUFS(x) { &(x)->url, &(x)->in, &(x)->rh, &(x)->h1hdrs, \
	&(x)->h1head, &(x)->own, &(x)->xbuf }
#define NBUFS 7

struct xfer *
up_xfer_get(struct apim_upstream *u)
{
	struct xfer *x = u->xfree;
	struct apim_buf keep[NBUFS];
	size_t i;

	if (x == NULL)
		return apim_xcalloc(1, sizeof(*x));
	u->xfree = x->next;
	u->nxfree--;
	{
		struct apim_buf *b[NBUFS] = XFER_BUFS(x);

		for (i = 0; i < NBUFS; i++)
			keep[i] = *b[i];
		memset(x, 0, sizeof(*x));
		for (i = 0; i < NBUFS; i++) {
			*b[i] = keep[i];
			apim_buf_reset(b[i]);
		}
	}
	return x;
}

static void
xfer_free(struct xfer *x)
{
	struct apim_buf *b[NBUFS] = XFER_BUFS(x);
	size_t i;

	for (i = 0; i < NBUFS; i++)
		apim_buf_free(b[i]);
	free(x);
}

void
up_xfer_put(struct apim_upstream *u, struct xfer *x)
{
	struct apim_buf *b[NBUFS] = XFER_BUFS(x);
	size_t i;

	if (u->freeing || u->nxfree >= XFER_POOL) {
		xfer_free(x);
		return;
	}
	for (i = 0; i < NBUFS; i++)
		if (b[i]->cap > XFER_KEEP)
			apim_buf_free(b[i]);
	x->next = u->xfree;
	u->xfree = x;
	u->nxfree++;
}

void
up_h1_free(struct apim_upstream *u)
{
	struct h1target *t;
	struct h1conn *k;
	struct xfer *x;

	while ((x = u->xfree) != NULL) {
		u->xfree = x->next;
		xfer_free(x);
	}
	u->nxfree = 0;

	while ((t = u->targets) != NULL) {
		u->targets = t->next;
		while ((k = t->idle) != NULL) {
			t->idle = k->next;
			conn_close(k);
		}
		if (t->job)
			job_release(t->job);
		free(t->host);
		free(t->port);
		free(t->authority);
		free(t->prefix);
		free(t);
	}
	u->nidle = 0;
}

/* --- the request --- */

static int
idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "DELETE") == 0;
}

/* The request head for t in one pass: x->own holds method "\0" pathq
 * "\0" (lengths known), t its prefix and authority, x->h1hdrs the fields. */
static void
build_head(struct xfer *x, struct h1target *t)
{
	struct apim_buf *h = &x->h1head;
	size_t ml = (size_t)(x->pathq - x->method) - 1;
	size_t ql = x->own.len - (size_t)(x->pathq - x->own.data);
	size_t pl = t->prefix_len;
	char *p;

	if (pl && t->prefix[pl - 1] == '/' && x->pathq[0] == '/')
		pl--;
	apim_buf_reset(h);
	apim_buf_reserve(h, ml + 1 + pl + 1 + ql + 17 + t->authority_len + 2 +
	    x->h1hdrs.len + 16 + 20 + 28 + 2);
	p = h->data;
#define PUT(s, n) do { memcpy(p, (s), (n)); p += (n); } while (0)
#define PUTS(lit) PUT(lit, sizeof(lit) - 1)
	PUT(x->method, ml);
	*p++ = ' ';
	PUT(t->prefix, pl);
	if (pl == 0 && x->pathq[0] != '/')
		*p++ = '/';
	PUT(x->pathq, ql);
	PUTS(" HTTP/1.1\r\nHost: ");
	PUT(t->authority, t->authority_len);
	PUTS("\r\n");
	if (x->h1hdrs.len)
		PUT(x->h1hdrs.data, x->h1hdrs.len);
	if (x->clen > 0) {
		PUTS("Content-Length: ");
		p += apim_fmt_u64(p, (uint64_t)x->clen);
		PUTS("\r\n");
	} else if (x->clen < 0)
		PUTS("Transfer-Encoding: chunked\r\n");
	PUTS("\r\n");
#undef PUT
#undef PUTS
	h->len = (size_t)(p - h->data);
	h->data[h->len] = '\0';
	x->h1head_off = 0;
}

static void read_response(struct h1conn *k);

/* Write what is pending to the backend (never finishes x: a broken
 * connection is noticed by the read side). */
static void
flush(struct xfer *x)
{
	struct h1conn *k = x->h1c;
	struct iovec iov[2];
	struct msghdr msg;
	size_t hl, bl;
	ssize_t n;
	int ev;

	if (k == NULL || k->connecting || k->wdead)
		return;
	for (;;) {
		int cnt = 0;

		hl = x->h1head.len - x->h1head_off;
		bl = x->in.len - x->in_off;
		if (hl) {
			iov[cnt].iov_base = x->h1head.data + x->h1head_off;
			iov[cnt++].iov_len = hl;
		}
		if (bl) {
			iov[cnt].iov_base = x->in.data + x->in_off;
			iov[cnt++].iov_len = bl;
		}
		if (cnt == 0)
			break;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)cnt;
		n = sendmsg(k->fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				k->wdead = 1;	/* the read side will see why */
			break;
		}
		x->last = apim_loop_now(x->u->loop);
		if ((size_t)n <= hl)
			x->h1head_off += (size_t)n;
		else {
			x->h1head_off += hl;
			x->in_off += (size_t)n - hl;
		}
	}
	hl = x->h1head.len - x->h1head_off;
	bl = x->in.len - x->in_off;
	/* sent body bytes are kept for a retry until they pass BODY_HIGH */
	if (x->in_off >= BODY_HIGH) {
		apim_buf_consume(&x->in, x->in_off);
		x->in_off = 0;
		x->h1_noreplay = 1;
	}
	if (hl == 0 && bl == 0 && x->body_end != 0)
		x->res.request_bytes = x->h1_queued;
	x->read_paused = hl == 0 && bl == 0 && x->body_end == 0;
	if (x->client_paused && bl < BODY_HIGH / 2) {
		x->kick_resume_client = 1;
		up_kick(x);
	}
	ev = x->write_paused ? 0 : APIM_LOOP_READ;
	if ((hl || bl) && !k->wdead)
		ev |= APIM_LOOP_WRITE;
	conn_events(k, ev);
}

/* Start (or restart, fresh) the exchange on t's connection. */
static int
start(struct xfer *x, struct h1target *t, int fresh)
{
	struct h1conn *k = conn_get(x, t, fresh);

	x->h1head_off = 0;
	x->in_off = 0;
	x->h1_got = 0;
	x->rstate = R_HEAD;
	x->status = 0;
	apim_buf_reset(&x->rh);
	x->state = ST_RUNNING;
	if (k == NULL) {
		x->h1_connfail = 1;	/* refused at once: answer from the loop */
		up_kick(x);
		return 0;
	}
	x->h1c = k;
	if (!k->connecting)
		flush(x);
	return 0;
}

int
up_h1_attempt(struct xfer *x)
{
	struct h1target *t = target_get(x->u, apim_endpoints_url(x->eps, x->cur));

	build_head(x, t);
	return start(x, t, 0);
}

void
up_h1_body(struct xfer *x, const char *data, size_t len)
{
	if (data == NULL) {		/* cut short: the client is gone */
		x->body_end = -1;
		x->aborted = 1;
		up_kick(x);
		return;
	}
	if (len == 0) {
		x->body_end = 1;
		if (x->clen < 0)
			apim_buf_add(&x->in, "0\r\n\r\n", 5);
	} else {
		if (x->clen < 0) {	/* the chunk's size line */
			char sz[APIM_HTTP_CHUNK_LINE], *p;
			size_t n;

			p = apim_http_chunk_line(sz, len, &n);
			apim_buf_add(&x->in, p, n);
		}
		apim_buf_add(&x->in, data, len);
		if (x->clen < 0)
			apim_buf_add(&x->in, "\r\n", 2);
		x->h1_queued += (int64_t)len;
	}
	flush(x);
	if (x->in.len - x->in_off >= BODY_HIGH && !x->client_paused && x->c) {
		x->client_paused = 1;
		apim_http_body_pause(x->c, 1);
	}
}

/* --- the response --- */

static void
fail(struct xfer *x, int status, int code)
{
	x->fail_status = status;
	x->fail_code = code;
	up_finish(x);		/* closes x->h1c */
}

/* The response is complete: keep the connection if it may be reused. */
static void
complete(struct xfer *x)
{
	struct h1conn *k = x->h1c;

	x->h1c = NULL;
	if (x->h1_keep && !k->wdead && x->h1head_off == x->h1head.len &&
	    x->in_off == x->in.len && (x->clen == 0 || x->body_end == 1))
		conn_release(k);
	else {
		k->x = NULL;
		conn_close(k);
	}
	if (x->body_end != 0 || x->clen == 0)
		x->res.request_bytes = x->h1_queued;
	up_ep_ok(x);
	up_finish(x);
}

/* 1 if the response field name[0..len) is not passed on: hop-by-hop (RFC
 * 9110 section 7.6.1), or one the server frames itself. */
static int
hop_field(const char *n, size_t len)
{
	switch (len) {
	case 2:
		return apim_http_casecmp(n, "TE", 2);
	case 4:
		return apim_http_casecmp(n, "Date", 4);
	case 7:
		return apim_http_casecmp(n, "Trailer", 7) ||
		    apim_http_casecmp(n, "Upgrade", 7);
	case 10:
		return apim_http_casecmp(n, "Connection", 10) ||
		    apim_http_casecmp(n, "Keep-Alive", 10);
	case 14:
		return apim_http_casecmp(n, "Content-Length", 14);
	case 16:
		return apim_http_casecmp(n, "Proxy-Connection", 16);
	case 17:
		return apim_http_casecmp(n, "Transfer-Encoding", 17);
	case 18:
		return apim_http_casecmp(n, "Proxy-Authenticate", 18);
	case 19:
		return apim_http_casecmp(n, "Proxy-Authorization", 19);
	}
	return 0;
}

/* 1 if the list v[0..vl) (a Connection value) names n[0..nl). */
static int
conn_names(const char *v, size_t vl, const char *n, size_t nl)
{
	size_t i = 0, s;

	while (i < vl) {
		while (i < vl && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < vl && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
			i++;
		if (i - s == nl && nl > 0 && apim_http_casecmp(v + s, n, nl))
			return 1;
	}
	return 0;
}

/* Start the client's reply from the backend's head: its fields less the
 * hop-by-hop ones, those its Connection names and those the gateway sets
 * (x->extra: its own win), then x->extra; straight from the parsed head,
 * nothing copied but into the client's output. */
static void
take_head(struct xfer *x, const struct apim_http_resp *r)
{
	struct apim_http_field keep[RESP_FIELDS];
	size_t extra_len[16];
	size_t i, j, nk = 0, nx = 0, nconn = 0, conn[4];
	int64_t clen = r->chunked ? -1 : r->content_length;

	for (j = 0; x->extra && x->extra[j] && x->extra[j + 1]; j += 2)
		if (nx < sizeof(extra_len) / sizeof(extra_len[0]))
			extra_len[nx++] = strlen(x->extra[j]);
	for (i = 0; i < r->nfields; i++)
		if (r->fields[i].name_len == 10 &&
		    apim_http_casecmp(r->fields[i].name, "Connection", 10) &&
		    nconn < sizeof(conn) / sizeof(conn[0]))
			conn[nconn++] = i;
	for (i = 0; i < r->nfields; i++) {
		const struct apim_http_field *f = &r->fields[i];
		int skip = hop_field(f->name, f->name_len);

		for (j = 0; !skip && j < nconn; j++)
			skip = conn_names(r->fields[conn[j]].value,
			    r->fields[conn[j]].value_len, f->name, f->name_len);
		/* the gateway's own win, but Vary is a list: both stay */
		int list = f->name_len == 4 && apim_http_casecmp(f->name, "Vary", 4);

		for (j = 0; !skip && !list && x->extra && x->extra[2 * j] &&
		    x->extra[2 * j + 1]; j++)
			skip = j < nx ? extra_len[j] == f->name_len &&
			    apim_http_casecmp(x->extra[2 * j], f->name,
			    f->name_len) :
			    strlen(x->extra[2 * j]) == f->name_len &&
			    apim_http_casecmp(x->extra[2 * j], f->name,
			    f->name_len);
		if (!skip)
			keep[nk++] = *f;
	}
	x->status = r->status;
	x->resp_len = x->status < 200 || x->status == 204 ||
	    x->status == 304 || strcmp(x->method, "HEAD") == 0 ? 0 : clen;
	x->started = 1;
	x->res.backend_status = x->status;
	x->res.proxy_status = x->status;
	apim_http_reply_start_fields(x->c, x->status, keep, nk,
	    (const char *const *)x->extra, clen);
}

/* Pass n body bytes on; 0, or -1 when x must stop reading (paused, gone). */
static int
pass(struct xfer *x, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	x->res.response_bytes += (int64_t)n;
	if (apim_http_reply_write(x->c, p, n) < 0) {
		x->aborted = 1;
		up_kick(x);
		return -1;
	}
	return 0;
}

/* Use the bytes in k->r: 1 when x is finished (k may be gone), 0 for more. */
static int
consume(struct h1conn *k)
{
	struct xfer *x = k->x;
	struct apim_http_field f[RESP_FIELDS];
	struct apim_http_resp r;

	while (k->roff < k->r.len || x->rstate == R_LEN) {
		const char *p = k->r.data + k->roff;
		size_t n = k->r.len - k->roff;

		if (x->c == NULL || x->aborted)
			return 0;
		if (x->started && apim_http_pending(x->c) > OUT_HIGH) {
			x->write_paused = 1;
			apim_http_on_drain(x->c, OUT_LOW, up_on_drain, x);
			conn_events(k, k->events & ~APIM_LOOP_READ);
			return 0;
		}
		if (x->rstate == R_HEAD) {
			long hl = apim_http_parse_response(p, n, &resp_limits,
			    f, &r);

			if (hl == APIM_HTTP_PARTIAL)
				return 0;
			if (hl < 0 || r.status == 101) {
				k->wdead = 1;	/* never reused */
				fail(x, 502, 101505);
				return 1;
			}
			k->roff += (size_t)hl;
			if (r.status < 200)
				continue;	/* 100, 103: dropped */
			x->h1_keep = r.keep_alive;
			take_head(x, &r);
			if (strcmp(x->method, "HEAD") == 0 || r.status == 204 ||
			    r.status == 304) {
				x->rleft = 0;
				x->rstate = R_LEN;
			} else if (r.chunked) {
				apim_http_chunked_init(&x->ck);
				x->rstate = R_CHUNKED;
			} else if (r.content_length >= 0) {
				x->rleft = r.content_length;
				x->rstate = R_LEN;
			} else {
				x->h1_keep = 0;
				x->rstate = R_CLOSE;
			}
			continue;
		}
		if (x->rstate == R_LEN) {
			size_t m = (int64_t)n > x->rleft ? (size_t)x->rleft : n;

			k->roff += m;
			x->rleft -= (int64_t)m;
			if (pass(x, p, m) < 0)
				return 0;
			if (x->rleft == 0) {
				complete(x);
				return 1;
			}
			return 0;
		}
		if (x->rstate == R_CHUNKED) {
			const char *d;
			size_t used, dl;
			int rc = apim_http_chunked_decode(&x->ck, &resp_limits,
			    p, n, &used, &d, &dl);

			k->roff += used;
			if (rc < 0) {
				k->wdead = 1;
				fail(x, 502, 101505);
				return 1;
			}
			if (d != NULL && pass(x, d, dl) < 0)
				return 0;
			if (rc == 1) {
				complete(x);
				return 1;
			}
			continue;
		}
		/* R_CLOSE */
		k->roff += n;
		if (pass(x, p, n) < 0)
			return 0;
	}
	if (k->roff == k->r.len)
		k->roff = k->r.len = 0;
	return 0;
}

/* The backend closed (or broke: err) before the response was complete. */
static void
ended_early(struct h1conn *k, int err)
{
	struct xfer *x = k->x;

	if (x->rstate == R_CLOSE && !err) {
		complete(x);
		return;
	}
	if (!x->h1_got && k->reused && !x->h1_retried && !x->h1_noreplay &&
	    idempotent(x->method)) {
		/* a kept connection the backend had closed: once more, fresh */
		struct h1target *t = k->t;

		x->h1_retried = 1;
		up_h1_detach(x);
		start(x, t, 1);
		return;
	}
	fail(x, 502, 101505);
}

static void
read_response(struct h1conn *k)
{
	struct xfer *x = k->x;
	ssize_t n;

	for (;;) {
		size_t room;

		if (x->write_paused || x->aborted)
			return;	/* the kick finishes an aborted one */
		if (k->r.cap - k->r.len < RBUF_MIN / 2 + 1) {
			if (k->roff > 0) {
				apim_buf_consume(&k->r, k->roff);
				k->roff = 0;
			}
			if (k->r.cap - k->r.len < RBUF_MIN / 2 + 1)
				apim_buf_reserve(&k->r, RBUF_MIN);
		}
		room = k->r.cap - 1 - k->r.len;
		n = recv(k->fd, k->r.data + k->r.len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ended_early(k, n < 0);
			return;
		}
		x->h1_got = 1;
		x->last = apim_loop_now(x->u->loop);
		k->r.len += (size_t)n;
		k->r.data[k->r.len] = '\0';
		if (consume(k))
			return;
		if ((size_t)n < room)
			return;		/* drained: wait for the loop */
	}
}

static void
connected(struct h1conn *k)
{
	int err = 0;
	socklen_t el = sizeof(err);

	apim_loop_timer_stop(k->u->loop, &k->ctimer);
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err != 0) {
		struct xfer *x = k->x;

		up_h1_detach(x);
		x->h1_connfail = 1;
		up_kick(x);
		return;
	}
	k->connecting = 0;
	flush(k->x);
}

static void
on_conn(int fd, int ev, void *arg)
{
	struct h1conn *k = arg;

	(void)fd;
	if (k->x == NULL) {		/* idle: closed by the backend (or junk) */
		struct h1conn **pp;

		for (pp = &k->t->idle; *pp; pp = &(*pp)->next)
			if (*pp == k) {
				*pp = k->next;
				k->u->nidle--;
				break;
			}
		conn_close(k);
		return;
	}
	if (k->connecting) {
		if (ev & (APIM_LOOP_WRITE | APIM_LOOP_ERROR))
			connected(k);
		return;
	}
	if (ev & APIM_LOOP_WRITE)
		flush(k->x);
	if ((ev & (APIM_LOOP_READ | APIM_LOOP_ERROR)) && k->x != NULL)
		read_response(k);
}

/* --- deferred work (the kick timer) --- */

void
up_h1_kick(struct xfer *x)
{
	if (x->h1_connfail) {
		int timeout = x->h1_connfail == 2;

		x->h1_connfail = 0;
		up_h1_detach(x);
		up_ep_failed(x);
		if (!timeout && !x->started && !x->h1_noreplay &&
		    up_attempt(x) == 0)
			return;	/* the next endpoint */
		fail(x, timeout ? 504 : 503, timeout ? 101504 : 101503);
		return;
	}
	if (x->kick_unpause && !x->write_paused && x->h1c != NULL) {
		struct h1conn *k = x->h1c;

		x->kick_unpause = 0;
		conn_events(k, k->events | APIM_LOOP_READ);
		if (consume(k))
			return;
		read_response(k);
	}
}
