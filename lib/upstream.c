/* upstream: libcurl's multi-socket interface driven by lib/loop; one transfer
 * per forwarded request, bodies streamed both ways, endpoint suspension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "upstream.h"
#include "upstream_int.h"
#include "util.h"

static void check_done(struct apim_upstream *u);

void
apim_upstream_opts_init(struct apim_upstream_opts *o)
{
	memset(o, 0, sizeof(*o));
}

/* --- the loop drives libcurl --- */

static void
on_sock(int fd, int ev, void *arg)
{
	struct apim_upstream *u = arg;
	int flags = 0;

	if (ev & APIM_LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (ev & APIM_LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (ev & APIM_LOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(u->multi, fd, flags, &u->running);
	check_done(u);
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct apim_upstream *u = userp;
	int ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		apim_loop_del_fd(u->loop, s);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= APIM_LOOP_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= APIM_LOOP_WRITE;
	if (socketp == NULL) {
		if (apim_loop_add_fd(u->loop, s, ev, on_sock, u) < 0)
			return -1;
		curl_multi_assign(u->multi, s, u);
	} else
		apim_loop_mod_fd(u->loop, s, ev);
	return 0;
}

static void
on_timer(void *arg)
{
	struct apim_upstream *u = arg;

	curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &u->running);
	check_done(u);
}

static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct apim_upstream *u = userp;

	(void)m;
	if (ms < 0)
		apim_loop_timer_stop(u->loop, &u->timer);
	else
		apim_loop_timer_set(u->loop, &u->timer, ms, on_timer, u);
	return 0;
}

/* libcurl, started by the first transfer the fast path (lib/upstream_h1.c)
 * does not take: an https:// endpoint, a name not yet resolved.  Under inetd
 * a process that only forwards to plain http:// never opens it (with its
 * TLS and other libraries: lib/lazy/curl_lazy.c).  0, or -1 with the error
 * set (every later call tries again). */
static int
curl_start(struct apim_upstream *u)
{
	if (u->multi != NULL)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		apim_err_set(APIM_SOFTWARE, "curl_global_init failed");
		return -1;
	}
	if ((u->multi = curl_multi_init()) == NULL) {
		apim_err_set(APIM_SOFTWARE, "curl_multi_init failed");
		return -1;
	}
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
	curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS, (long)u->o.max_idle_conns);
	return 0;
}

struct apim_upstream *
apim_upstream_new(struct apim_loop *loop, const struct apim_upstream_opts *o)
{
	struct apim_upstream *u;

	u = apim_xcalloc(1, sizeof(*u));
	u->loop = loop;
	if (o != NULL)
		u->o = *o;
	if (u->o.connect_timeout_ms <= 0)
		u->o.connect_timeout_ms = 5000;
	if (u->o.read_timeout_ms <= 0)
		u->o.read_timeout_ms = 60000;
	if (u->o.suspend_initial_ms <= 0)
		u->o.suspend_initial_ms = 1000;
	if (u->o.suspend_max_ms <= 0)
		u->o.suspend_max_ms = 60000;
	if (u->o.suspend_factor <= 0)
		u->o.suspend_factor = 2;
	if (u->o.max_idle_conns <= 0)
		u->o.max_idle_conns = 256;
	u->o.ca_file = u->o.ca_file && *u->o.ca_file ?
	    apim_strdup(u->o.ca_file) : NULL;
	return u;
}

size_t
apim_upstream_active(const struct apim_upstream *u)
{
	return u->nxfers;
}

/* --- endpoint suspension, keyed by URL --- */

static struct ep_state *
ep_get(struct apim_upstream *u, const char *url, int create)
{
	struct ep_state *s;
	size_t n;

	for (s = u->eps; s; s = s->next)
		if (strcmp(s->url, url) == 0)
			return s;
	if (!create)
		return NULL;
	n = strlen(url);
	s = apim_xcalloc(1, sizeof(*s) + n + 1);
	memcpy(s->url, url, n + 1);
	s->backoff = u->o.suspend_initial_ms;
	s->next = u->eps;
	u->eps = s;
	return s;
}

static int
suspended(struct apim_upstream *u, const char *url)
{
	struct ep_state *s = ep_get(u, url, 0);

	return s != NULL && s->until > apim_loop_now(u->loop);
}

void
up_ep_failed(struct xfer *x)
{
	struct apim_upstream *u = x->u;
	struct ep_state *s;

	if (apim_endpoints_count(x->eps) < 2)
		return;		/* one endpoint: every request tries it */
	s = ep_get(u, apim_endpoints_url(x->eps, x->cur), 1);
	s->until = apim_loop_now(u->loop) + s->backoff;
	s->backoff *= u->o.suspend_factor;
	if (s->backoff > u->o.suspend_max_ms)
		s->backoff = u->o.suspend_max_ms;
}

void
up_ep_ok(struct xfer *x)
{
	struct ep_state *s;

	if (apim_endpoints_count(x->eps) < 2 ||
	    (s = ep_get(x->u, apim_endpoints_url(x->eps, x->cur), 0)) == NULL)
		return;
	s->until = 0;
	s->backoff = x->u->o.suspend_initial_ms;
}

/* The next endpoint to try: index, or -1 if every one is tried or suspended. */
static long
pick(struct xfer *x)
{
	size_t n = apim_endpoints_count(x->eps), i, start = 0, k;

	if (n == 1)
		return x->ntried ? -1 : 0;
	if (apim_endpoints_type(x->eps) == APIM_ENDPOINTS_LOAD_BALANCE)
		start = x->ntried ? x->cur + 1 : apim_endpoints_next(x->eps);
	for (i = 0; i < n; i++) {
		k = (start + i) % n;
		if (!x->tried[k] && !suspended(x->u, apim_endpoints_url(x->eps, k)))
			return (long)k;
	}
	return -1;
}

/* --- deferred work: nothing calls libcurl from httpd's callbacks --- */

static void
on_kick(void *arg)
{
	struct xfer *x = arg;

	if (x->finish_pending || (x->aborted && x->state != ST_DONE)) {
		up_finish(x);
		return;
	}
	if (x->kick_resume_client) {
		x->kick_resume_client = 0;
		if (x->client_paused && x->c && x->in.len - x->in_off < BODY_HIGH / 2) {
			x->client_paused = 0;
			apim_http_body_pause(x->c, 0);
		}
	}
	if (x->h1) {
		up_h1_kick(x);
		return;
	}
	if (x->kick_unpause && x->in_multi) {
		int mask = 0;

		x->kick_unpause = 0;
		if (x->read_paused && x->in_off == x->in.len && x->body_end == 0)
			mask |= CURLPAUSE_SEND;	/* still nothing to send */
		else
			x->read_paused = 0;
		if (x->write_paused)
			mask |= CURLPAUSE_RECV;
		curl_easy_pause(x->e, mask);
	}
}

void
up_kick(struct xfer *x)
{
	if (!apim_loop_timer_armed(&x->kick))
		apim_loop_timer_set(x->u->loop, &x->kick, 0, on_kick, x);
}

/* --- the client side (httpd callbacks) --- */

static void
on_body(struct apim_http_conn *c, const char *data, size_t len, void *arg)
{
	struct xfer *x = arg;

	if (data == NULL) {		/* cut short: the client is gone */
		x->body_end = -1;
		x->aborted = 1;
		up_kick(x);
		return;
	}
	if (x->h1) {
		up_h1_body(x, data, len);
		return;
	}
	if (len == 0)
		x->body_end = 1;
	else {
		if (x->in_off > 0) {	/* drop what libcurl took */
			apim_buf_consume(&x->in, x->in_off);
			x->in_off = 0;
		}
		apim_buf_add(&x->in, data, len);
		if (x->in.len - x->in_off >= BODY_HIGH && !x->client_paused) {
			x->client_paused = 1;
			apim_http_body_pause(c, 1);
		}
	}
	if (x->read_paused) {
		x->kick_unpause = 1;
		up_kick(x);
	}
}

static void
on_abort(struct apim_http_conn *c, void *arg)
{
	struct xfer *x = arg;

	(void)c;
	/* a client that closes once it has the whole response (its
	 * Content-Length) has not left early: let the transfer end */
	if (x->started && x->resp_len >= 0 &&
	    x->res.response_bytes >= x->resp_len)
		return;
	x->aborted = 1;
	up_kick(x);
}

void
up_on_drain(struct apim_http_conn *c, void *arg)
{
	struct xfer *x = arg;

	(void)c;
	x->write_paused = 0;
	x->kick_unpause = 1;
	up_kick(x);
}

/* --- the backend side (libcurl callbacks) --- */

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t want = size * nitems, n = x->in.len - x->in_off;

	if (x->aborted || x->body_end < 0)
		return CURL_READFUNC_ABORT;
	if (n == 0) {
		if (x->body_end > 0)
			return 0;
		x->read_paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	if (n > want)
		n = want;
	memcpy(buf, x->in.data + x->in_off, n);
	x->in_off += n;
	x->res.request_bytes += (int64_t)n;
	x->last = apim_loop_now(x->u->loop);
	if (x->client_paused && x->in.len - x->in_off < BODY_HIGH / 2) {
		x->kick_resume_client = 1;
		up_kick(x);
	}
	return n;
}

/* 1 if name is one of the hop-by-hop headers a proxy must not forward, or
 * one the server frames itself. */
static int
hop_by_hop(const char *n, size_t len)
{
	static const struct {
		const char *name;
		size_t len;
	} hop[] = { { "Connection", 10 }, { "Keep-Alive", 10 },
	    { "Proxy-Connection", 16 }, { "Proxy-Authenticate", 18 },
	    { "Proxy-Authorization", 19 }, { "TE", 2 }, { "Trailer", 7 },
	    { "Transfer-Encoding", 17 }, { "Upgrade", 7 },
	    { "Content-Length", 14 }, { "Date", 4 } };
	size_t i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (hop[i].len == len && strncasecmp(hop[i].name, n, len) == 0)
			return 1;
	return 0;
}

static int
token_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", ch) == NULL;
}

/* Start the client's response from the collected headers. */
void
up_start_reply(struct xfer *x)
{
	const char **h;
	size_t n = 0, cap, i, j;
	char *p, *end;
	const char *conn_tokens = NULL;
	int64_t clen = -1;
	int chunked = 0;

	cap = 16;
	h = apim_xreallocarray(NULL, cap, sizeof(*h));
	/* rh holds "name\0value\0" pairs */
	p = x->rh.data;
	end = p ? p + x->rh.len : NULL;
	for (; p && p < end; p += strlen(p) + 1) {
		const char *name = p, *value = p + strlen(p) + 1;

		p = (char *)value;
		if (strcasecmp(name, "Connection") == 0)
			conn_tokens = value;
		else if (strcasecmp(name, "Transfer-Encoding") == 0)
			chunked = 1;
		else if (strcasecmp(name, "Content-Length") == 0) {
			char *e;
			long long v = strtoll(value, &e, 10);

			if (e != value && *e == '\0' && v >= 0)
				clen = v;
		}
	}
	for (p = x->rh.data; p && p < end; p += strlen(p) + 1) {
		const char *name = p, *value = p + strlen(p) + 1;
		int skip = hop_by_hop(name, strlen(name));

		p = (char *)value;
		if (!skip && conn_tokens != NULL) {
			/* headers named in Connection are hop-by-hop too */
			const char *t = conn_tokens;
			size_t nl = strlen(name);

			while (*t) {
				size_t tl;

				t += strspn(t, " \t,");
				tl = strcspn(t, " \t,");
				if (tl == nl && strncasecmp(t, name, nl) == 0)
					skip = 1;
				t += tl;
			}
		}
		/* the gateway's own wins, but Vary is a list: both stay */
		for (j = 0; !skip && x->extra && x->extra[j]; j += 2)
			if (strcasecmp(x->extra[j], name) == 0 &&
			    strcasecmp(name, "Vary") != 0)
				skip = 1;
		if (skip)
			continue;
		if (n + 2 >= cap) {
			cap *= 2;
			h = apim_xreallocarray(h, cap, sizeof(*h));
		}
		h[n++] = name;
		h[n++] = value;
	}
	for (i = 0; x->extra && x->extra[i]; i += 2) {
		if (n + 3 >= cap) {
			cap *= 2;
			h = apim_xreallocarray(h, cap, sizeof(*h));
		}
		h[n++] = x->extra[i];
		h[n++] = x->extra[i + 1];
	}
	h[n] = NULL;
	if (chunked)
		clen = -1;
	x->resp_len = x->status < 200 || x->status == 204 || x->status == 304 ||
	    strcmp(x->method, "HEAD") == 0 ? 0 : clen;
	x->started = 1;
	x->res.backend_status = x->status;
	x->res.proxy_status = x->status;
	apim_http_reply_start(x->c, x->status, h, clen);
	free(h);
}

static size_t
header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nitems, nl, i;
	char *colon;

	x->last = apim_loop_now(x->u->loop);
	if (x->aborted)
		return 0;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a status line: a new header block (after 1xx) */
		const char *sp = memchr(buf, ' ', len);

		apim_buf_reset(&x->rh);
		x->status = sp && sp + 4 <= buf + len ? atoi(sp + 1) : 0;
		return size * nitems;
	}
	if (len == 0) {			/* the end of a header block */
		if (x->status >= 200 && !x->started && x->c != NULL)
			up_start_reply(x);
		return size * nitems;
	}
	if ((buf[0] == ' ' || buf[0] == '\t') && x->rh.len > 0) {
		/* obs-fold: continue the last value (RFC 9112 5.2) */
		x->rh.len--;	/* its NUL */
		apim_buf_addc(&x->rh, ' ');
		for (i = 0; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
			;
		apim_buf_add(&x->rh, buf + i, len - i);
		apim_buf_addc(&x->rh, '\0');
		return size * nitems;
	}
	if ((colon = memchr(buf, ':', len)) == NULL || colon == buf)
		return size * nitems;	/* not a header line: dropped */
	nl = (size_t)(colon - buf);
	for (i = 0; i < nl; i++)
		if (!token_char((unsigned char)buf[i]))
			return size * nitems;
	for (i = nl + 1; i < len; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f)
			return size * nitems;	/* control characters: dropped */
	apim_buf_add(&x->rh, buf, nl);
	apim_buf_addc(&x->rh, '\0');
	i = nl + 1;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	while (len > i && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	apim_buf_add(&x->rh, buf + i, len - i);
	apim_buf_addc(&x->rh, '\0');
	return size * nitems;
}

static size_t
write_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nitems;

	x->last = apim_loop_now(x->u->loop);
	if (x->aborted || x->c == NULL)
		return 0;
	if (!x->started)
		up_start_reply(x);
	if (apim_http_pending(x->c) > OUT_HIGH) {
		x->write_paused = 1;
		apim_http_on_drain(x->c, OUT_LOW, up_on_drain, x);
		return CURL_WRITEFUNC_PAUSE;
	}
	/* counted first: the write may find the client gone at once, and one
	 * that closes after the whole response has not left early */
	x->res.response_bytes += (int64_t)n;
	if (apim_http_reply_write(x->c, buf, n) < 0)
		return 0;
	return n;
}

/* --- read timeout: no byte either way for read_timeout_ms --- */

static void
on_idle(void *arg)
{
	struct xfer *x = arg;
	int64_t now = apim_loop_now(x->u->loop), left;

	if (x->write_paused || (x->read_paused && x->body_end == 0))
		x->last = now;	/* waiting for the client, not the backend */
	left = x->last + x->u->o.read_timeout_ms - now;
	if (left > 0) {
		apim_loop_timer_set(x->u->loop, &x->idle, left, on_idle, x);
		return;
	}
	x->timed_out = 1;
	up_ep_failed(x);
	x->fail_status = 504;
	x->fail_code = 101504;
	up_finish(x);
}

/* --- transfers --- */

static CURL *
easy_get(struct apim_upstream *u)
{
	CURL *e;

	if (u->npool > 0) {
		e = u->pool[--u->npool];
		curl_easy_reset(e);
		return e;
	}
	return curl_easy_init();
}

static void
easy_put(struct apim_upstream *u, CURL *e)
{
	if (u->npool < POOL_MAX && !u->freeing)
		u->pool[u->npool++] = e;
	else
		curl_easy_cleanup(e);
}

/* Start a transfer to the next endpoint; -1 if none is left. */
int
up_attempt(struct xfer *x)
{
	struct apim_upstream *u = x->u;
	long k = pick(x);
	const char *base;
	size_t bl;
	CURL *e;

	if (k < 0)
		return -1;
	x->cur = (size_t)k;
	x->tried[k] = 1;
	x->ntried++;
	base = apim_endpoints_url(x->eps, x->cur);
	x->res.destination = base;
	bl = strlen(base);
	apim_buf_reset(&x->url);
	apim_buf_add(&x->url, base, bl && base[bl - 1] == '/' &&
	    x->pathq[0] == '/' ? bl - 1 : bl);
	apim_buf_adds(&x->url, x->pathq);
	if (x->h1) {
		x->last = apim_loop_now(u->loop);
		apim_loop_timer_set(u->loop, &x->idle, u->o.read_timeout_ms,
		    on_idle, x);
		return up_h1_attempt(x);
	}
	if (curl_start(u) == -1 ||
	    ((e = x->e) == NULL && (e = x->e = easy_get(u)) == NULL))
		return -1;
	x->status = 0;
	apim_buf_reset(&x->rh);
	curl_easy_setopt(e, CURLOPT_URL, x->url.data);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* never an http_proxy from the environment (and no getenv per call) */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)u->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
	if (u->o.ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, u->o.ca_file);
	if (strcmp(x->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (x->clen != 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->clen);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, x);
		curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 65536L);
		if (strcmp(x->method, "PUT") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	} else if (strcmp(x->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	x->last = apim_loop_now(u->loop);
	apim_loop_timer_set(u->loop, &x->idle, u->o.read_timeout_ms, on_idle, x);
	if (curl_multi_add_handle(u->multi, e) != CURLM_OK)
		return -1;
	x->in_multi = 1;
	x->state = ST_RUNNING;
	return 0;
}

static void
detach(struct xfer *x)
{
	if (x->h1c)
		up_h1_detach(x);
	if (x->in_multi) {
		curl_multi_remove_handle(x->u->multi, x->e);
		x->in_multi = 0;
	}
}

/* A transfer ended in libcurl with rc. */
static void
ended(struct xfer *x, CURLcode rc)
{
	long connect_fail = rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SSL_CONNECT_ERROR ||
	    (rc == CURLE_OPERATION_TIMEDOUT && !x->started && x->status == 0);

	detach(x);
	if (x->aborted || rc == CURLE_OK) {
		if (rc == CURLE_OK)
			up_ep_ok(x);
		up_finish(x);
		return;
	}
	if (connect_fail) {
		up_ep_failed(x);
		if (rc != CURLE_OPERATION_TIMEDOUT && x->res.request_bytes == 0 &&
		    !x->started && up_attempt(x) == 0)
			return;		/* the next endpoint */
		x->fail_status = rc == CURLE_OPERATION_TIMEDOUT ? 504 : 503;
		x->fail_code = rc == CURLE_OPERATION_TIMEDOUT ? 101504 : 101503;
	} else {
		x->fail_status = 502;
		x->fail_code = 101505;	/* the connection closed or broke */
	}
	up_finish(x);
}

static void
check_done(struct apim_upstream *u)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(u->multi, &left)) != NULL) {
		struct xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x != NULL)
			ended(x, m->data.result);
	}
}

static const char *
fail_message(int code)
{
	switch (code) {
	case 101504:
		return "Backend connection timeout";
	case 101505:
		return "Backend connection closed";
	default:
		return "Error connecting to the back end";
	}
}

/* Answer the client (or end its response), report, free: exactly once. */
void
up_finish(struct xfer *x)
{
	struct apim_upstream *u = x->u;
	struct apim_upstream_result res;
	struct apim_http_conn *c = x->c;

	if (x->state == ST_DONE)
		return;
	x->state = ST_DONE;
	detach(x);
	apim_loop_timer_stop(u->loop, &x->idle);
	apim_loop_timer_stop(u->loop, &x->kick);
	x->c = NULL;
	if (c != NULL) {	/* body first: cancelling a drain may read on */
		apim_http_body(c, NULL, NULL);
		apim_http_on_abort(c, NULL, NULL);
		apim_http_on_drain(c, 0, NULL, NULL);
	}
	if (x->aborted) {
		x->res.aborted = 1;
		if (!x->started)
			x->res.proxy_status = 0;
		if (c != NULL) {
			if (x->started)
				apim_http_reply_end(c);
			else
				apim_http_reply(c, 502, NULL, NULL, 0);
		}
	} else if (x->fail_code && !x->started) {
		char body[256];
		const char *const *ex = (const char *const *)x->extra;
		const char *hdr[2 * 16 + 3];
		size_t n = 0, i;

		snprintf(body, sizeof(body), "{\"code\":\"%d\",\"message\":\"%s\","
		    "\"description\":\"%s\"}", x->fail_code,
		    x->fail_status == 504 ? "Gateway Timeout" : x->fail_status == 502 ?
		    "Bad Gateway" : "Service Unavailable", fail_message(x->fail_code));
		hdr[n++] = "Content-Type";
		hdr[n++] = "application/json; charset=UTF-8";
		for (i = 0; ex && ex[i] && n + 3 < sizeof(hdr) / sizeof(hdr[0]); i += 2) {
			hdr[n++] = ex[i];
			hdr[n++] = ex[i + 1];
		}
		hdr[n] = NULL;
		x->res.proxy_status = x->fail_status;
		x->res.error_type = "TARGET_CONNECTIVITY";
		x->res.error_code = x->fail_code;
		apim_http_reply(c, x->fail_status, hdr, body, strlen(body));
	} else {
		if (!x->started && c != NULL) {	/* a response with no head? */
			x->res.proxy_status = 502;
			apim_http_reply(c, 502, NULL, NULL, 0);
		} else if (c != NULL && x->fail_code)
			apim_http_reply_abort(c);	/* the client must see the cut */
		else if (c != NULL)
			apim_http_reply_end(c);
		if (x->fail_code) {	/* broke off mid-response */
			x->res.error_type = "TARGET_CONNECTIVITY";
			x->res.error_code = x->fail_code;
		}
	}
	x->res.backend_ms = apim_loop_now(u->loop) - x->t0;
	if (x->res.destination == NULL)
		x->res.destination = "";
	res = x->res;
	/* unlink and free before done: it may start the next forward */
	if (x->prev)
		x->prev->next = x->next;
	else
		u->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	u->nxfers--;
	if (x->done)
		x->done(&res, x->arg);
	if (x->e)
		easy_put(u, x->e);
	curl_slist_free_all(x->hdrs);
	up_xfer_put(u, x);	/* method, pathq, extra: in its buffers */
}

/* Request headers the client's framing or libcurl decide: n[0..len). */
static int
not_forwarded(const char *n, size_t len)
{
	switch (len) {
	case 4:
		return apim_http_casecmp(n, "Host", 4);
	case 6:
		return apim_http_casecmp(n, "Expect", 6);
	case 10:
		return apim_http_casecmp(n, "Connection", 10);
	case 14:
		return apim_http_casecmp(n, "Content-Length", 14);
	case 17:
		return apim_http_casecmp(n, "Transfer-Encoding", 17);
	}
	return 0;
}

int
apim_upstream_forward(struct apim_upstream *u, struct apim_endpoints *eps,
    struct apim_http_conn *c, const struct apim_upstream_req *r,
    const char *const *extra,
    void (*done)(const struct apim_upstream_result *, void *), void *arg)
{
	struct xfer *x;
	struct apim_buf line = APIM_BUF_INIT;
	int accept = 0;
	size_t i, n, ml, pl, ql;
	const char *path = r && r->path ? r->path : "";

	if (eps == NULL || apim_endpoints_count(eps) == 0 || r == NULL ||
	    r->method == NULL || c == NULL) {
		apim_err_set(APIM_SOFTWARE, "upstream: bad forward arguments");
		return -1;
	}
	x = up_xfer_get(u);
	x->u = u;
	x->eps = eps;
	x->c = c;
	x->done = done;
	x->arg = arg;
	x->clen = r->content_length;
	x->t0 = apim_loop_now(u->loop);
	/* method "\0" path ["?" query] "\0" */
	ml = strlen(r->method);
	pl = strlen(path);
	ql = r->query ? strlen(r->query) + 1 : 0;
	apim_buf_add(&x->own, r->method, ml + 1);
	apim_buf_add(&x->own, path, pl);
	if (r->query) {
		apim_buf_addc(&x->own, '?');
		apim_buf_add(&x->own, r->query, ql - 1);
	}
	x->method = x->own.data;
	x->pathq = x->own.data + ml + 1;
	x->h1 = up_h1_usable(u, eps);
	if (x->h1)
		apim_buf_reserve(&x->h1hdrs, 1024);	/* few reallocs */
	for (i = 0; r->headers && r->headers[i] && r->headers[i + 1]; i += 2) {
		size_t nl = strlen(r->headers[i]);

		if (not_forwarded(r->headers[i], nl))
			continue;
		if (x->h1) {
			size_t vl = strlen(r->headers[i + 1]);

			apim_buf_reserve(&x->h1hdrs, nl + vl + 4);
			apim_buf_add(&x->h1hdrs, r->headers[i], nl);
			apim_buf_add(&x->h1hdrs, ": ", 2);
			apim_buf_add(&x->h1hdrs, r->headers[i + 1], vl);
			apim_buf_add(&x->h1hdrs, "\r\n", 2);
			continue;
		}
		if (strcasecmp(r->headers[i], "Accept") == 0)
			accept = 1;
		/* "Name;" sends an empty value ("Name:" would delete it) */
		apim_buf_addf(&line, "%s%s %s", r->headers[i],
		    r->headers[i + 1][0] ? ":" : ";", r->headers[i + 1]);
		x->hdrs = curl_slist_append(x->hdrs, line.data);
		apim_buf_reset(&line);
	}
	if (!x->h1) {
		x->hdrs = curl_slist_append(x->hdrs, "Expect:");
		if (!accept)
			x->hdrs = curl_slist_append(x->hdrs, "Accept:");
	}
	apim_buf_free(&line);
	for (n = 0; extra && extra[n] && extra[n + 1]; n += 2)
		;
	if (n) {
		size_t total = (n + 1) * sizeof(*x->extra), len;
		char *p;

		for (i = 0; i < n; i++)
			total += strlen(extra[i]) + 1;
		apim_buf_reserve(&x->xbuf, total);
		x->extra = (char **)(void *)x->xbuf.data;
		x->extra[n] = NULL;
		p = (char *)(x->extra + n + 1);
		for (i = 0; i < n; i++) {
			len = strlen(extra[i]) + 1;
			memcpy(p, extra[i], len);
			x->extra[i] = p;
			p += len;
		}
	}
	x->next = u->xfers;
	if (u->xfers)
		u->xfers->prev = x;
	u->xfers = x;
	u->nxfers++;
	apim_http_on_abort(c, on_abort, x);
	apim_http_body(c, on_body, x);
	if (up_attempt(x) < 0) {
		/* every endpoint suspended: answer from the loop, not here */
		x->fail_status = 503;
		x->fail_code = 101503;
		x->finish_pending = 1;
		up_kick(x);
	}
	return 0;
}

void
apim_upstream_free(struct apim_upstream *u)
{
	struct ep_state *s;

	if (u == NULL)
		return;
	u->freeing = 1;
	while (u->xfers) {
		u->xfers->aborted = 1;
		up_finish(u->xfers);
	}
	while (u->npool > 0)
		curl_easy_cleanup(u->pool[--u->npool]);
	up_h1_free(u);
	if (u->multi != NULL)
		curl_multi_cleanup(u->multi);
	apim_loop_timer_stop(u->loop, &u->timer);
	while ((s = u->eps) != NULL) {
		u->eps = s->next;
		free(s);
	}
	free((char *)u->o.ca_file);
	free(u);
}
