/* httpd: connections over the loop (plain or TLS), request framing, replies,
 * timeouts, the three run modes and worker processes.  The server owns conns and requests. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "http.h"
#include "httpd.h"
#include "util.h"

enum {
	ST_HANDSHAKE,		/* TLS handshake */
	ST_HEAD,		/* reading a request head (or idle) */
	ST_BODY,		/* reading a body; streaming: handler already called */
	ST_WAIT,		/* body read, waiting for the reply to complete */
	ST_CLOSE,		/* flush, then close */
	ST_LINGER,		/* write side shut: discard input until EOF */
};

#define RBUF_MIN 4096
#define OUT_HIGH (256 * 1024)	/* stop reading pipelined requests above this */
#define LINGER_MS 2000

struct server;

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		free(p);
		return apim_xmalloc(n);	/* aborts with a message */
	}
	return q;
}

/* One request in progress: the parsed head, copied; the body; reply state. */
struct reqx {
	struct apim_http_request r;
	char *body;
	size_t blen, bcap;
	int64_t body_left;	/* Content-Length bytes still to read */
	uint64_t raw;		/* body bytes read, chunk framing included */
	int64_t t_body;		/* when the body began (end of the head) */
	int64_t t_paused;	/* when apim_http_body_pause stopped it */
	int64_t paused_ms;	/* time spent paused, not held against it */
	struct apim_http_chunked ch;
	void (*body_cb)(struct apim_http_conn *, const char *, size_t, void *);
	void *body_arg;
	void (*drain_cb)(struct apim_http_conn *, void *);
	void *drain_arg;
	size_t drain_low;
	void (*abort_cb)(struct apim_http_conn *, void *);
	void *abort_arg;
	int64_t resp_left;	/* -1: chunked or close-delimited */
	unsigned head_method:1, body_done:1, handler_called:1, paused:1;
	unsigned replied:1, reply_done:1, resp_chunked:1, resp_nobody:1;
	unsigned keep_alive:1, swallow:1;
};

struct apim_http_conn {
	struct server *s;
	struct apim_http_conn *prev, *next;
	int rfd, wfd;
	SSL *ssl;
	struct reqx *x;
	char *rbuf;
	uint32_t roff, rlen, rcap, hscan;
	char *wbuf;
	size_t woff, wlen, wcap;
	int64_t t_head, t_read, t_write, t_idle;
	int state;
	int ev_r, ev_w;		/* interest registered */
	int ssl_want;		/* SSL_ERROR_WANT_READ/WRITE or 0 */
	int in_run;		/* depth of conn_run and reply calls */
	unsigned rd_eof:1, closed:1, dead:1, is_sock:1;
	unsigned close_after:1;
	char peer[INET6_ADDRSTRLEN];
};

struct server {
	const struct apim_httpd_opts *o;
	struct apim_http_limits lim;
	struct apim_loop *loop;
	SSL_CTX *ssl_ctx;
	struct apim_http_field *fields;
	struct apim_http_conn *conns;
	int nconns, inetd;
	int *lfds, nlfds;	/* listening sockets (borrowed) */
	int accept_paused;	/* after EMFILE, for 100 ms */
	int64_t date_sec;
	char date[30];
	int draining;		/* SIGTERM: no accepting, close when idle */
	int64_t drain_until;
};

static void conn_run(struct apim_http_conn *c);
static void conn_close(struct apim_http_conn *c);

/* --- output buffer --- */

static void
out_add(struct apim_http_conn *c, const void *p, size_t n)
{
	if (c->closed || n == 0)
		return;
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 1024;

		if (c->woff > 0 && c->wlen - c->woff + n <= c->wcap) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		} else {
			while (cap < c->wlen + n)
				cap *= 2;
			c->wbuf = xrealloc(c->wbuf, cap);
			c->wcap = cap;
		}
	}
	if (c->wlen == c->woff)
		c->t_write = apim_loop_now(c->s->loop);
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
}

static void
out_str(struct apim_http_conn *c, const char *s)
{
	out_add(c, s, strlen(s));
}

static size_t
pending(const struct apim_http_conn *c)
{
	return c->wlen - c->woff;
}

/* --- transport: plain fds or TLS --- */

/* >0 bytes, 0 EOF, -1 would block, -2 error */
static ssize_t
tr_read(struct apim_http_conn *c, char *p, size_t n)
{
	ssize_t r;

	if (c->ssl) {
		int e;

		ERR_clear_error();
		if ((r = SSL_read(c->ssl, p, (int)n)) > 0) {
			c->ssl_want = 0;
			return r;
		}
		e = SSL_get_error(c->ssl, (int)r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->ssl_want = e;
			return -1;
		}
		return e == SSL_ERROR_ZERO_RETURN ? 0 : -2;
	}
	for (;;) {
		r = read(c->rfd, p, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
	}
}

static ssize_t
tr_write(struct apim_http_conn *c, const char *p, size_t n)
{
	ssize_t r;

	if (c->ssl) {
		int e;

		ERR_clear_error();
		if ((r = SSL_write(c->ssl, p, (int)(n > 1 << 30 ? 1 << 30 : n))) > 0) {
			c->ssl_want = 0;
			return r;
		}
		e = SSL_get_error(c->ssl, (int)r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->ssl_want = e;
			return -1;
		}
		return -2;
	}
	for (;;) {
		r = c->is_sock ? send(c->wfd, p, n, MSG_NOSIGNAL) :
		    write(c->wfd, p, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
	}
}

/* 0 ok (maybe still pending), -1 the client is gone */
static int
flush(struct apim_http_conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t r = tr_write(c, c->wbuf + c->woff, c->wlen - c->woff);

		if (r == -1)
			return 0;
		if (r < 0)
			return -1;
		c->woff += (size_t)r;
		c->t_write = apim_loop_now(c->s->loop);
	}
	c->woff = c->wlen = 0;
	if (c->wcap > 64 * 1024) {	/* don't keep big buffers on idle conns */
		free(c->wbuf);
		c->wbuf = NULL;
		c->wcap = 0;
	}
	return 0;
}

/* --- the response writer --- */

static const char *
date_now(struct server *s)
{
	int64_t t = (int64_t)time(NULL);

	if (t != s->date_sec) {
		apim_http_date(t, s->date);
		s->date_sec = t;
	}
	return s->date;
}

static int
header_ok(const char *n, const char *v)
{
	const unsigned char *p;

	if (n == NULL || v == NULL || !apim_http_token(n, strlen(n)))
		return 0;
	for (p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static int
skip_header(const char *n)
{
	return strcasecmp(n, "Content-Length") == 0 ||
	    strcasecmp(n, "Transfer-Encoding") == 0 ||
	    strcasecmp(n, "Connection") == 0 || strcasecmp(n, "Date") == 0;
}

/* Write a status line and headers; framing from clen (-1: chunked or close). */
static void
write_head(struct apim_http_conn *c, struct reqx *x, int status,
    const char *const *hdrs, int64_t clen)
{
	char line[128];
	size_t i;
	int nobody = status < 200 || status == 204 || status == 304;

	snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
	    apim_http_reason(status), date_now(c->s));
	out_str(c, line);
	for (i = 0; hdrs && hdrs[i] && hdrs[i + 1]; i += 2) {
		if (strcasecmp(hdrs[i], "Connection") == 0 &&
		    strcasecmp(hdrs[i + 1], "close") == 0)
			c->close_after = 1;
		if (skip_header(hdrs[i]))
			continue;
		out_str(c, hdrs[i]);
		out_add(c, ": ", 2);
		out_str(c, hdrs[i + 1]);
		out_add(c, "\r\n", 2);
	}
	x->resp_chunked = 0;
	x->resp_left = clen;
	x->resp_nobody = nobody || x->head_method;
	if (!nobody) {
		if (clen >= 0) {
			snprintf(line, sizeof(line), "Content-Length: %lld\r\n",
			    (long long)clen);
			out_str(c, line);
		} else if (x->r.minor >= 1) {
			if (!x->head_method)
				out_str(c, "Transfer-Encoding: chunked\r\n");
			x->resp_chunked = 1;
		} else
			c->close_after = 1;	/* 1.0: the body ends at close */
	}
	if (!x->keep_alive || !x->body_done || c->s->draining)
		c->close_after = 1;
	if (c->close_after)
		out_str(c, "Connection: close\r\n");
	else if (x->r.minor == 0)
		out_str(c, "Connection: keep-alive\r\n");
	out_add(c, "\r\n", 2);
}

/* A reply from the server itself (errors, timeouts), then close. */
static void
error_reply(struct apim_http_conn *c, int status)
{
	char buf[512];
	const char *reason = apim_http_reason(status);

	snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%d %s\n", status, reason,
	    date_now(c->s), strlen(reason) + 5, status, reason);
	out_str(c, buf);
	c->close_after = 1;
	c->state = ST_CLOSE;
}

int
apim_http_reply_start(struct apim_http_conn *c, int status,
    const char *const *headers, int64_t content_length)
{
	struct reqx *x = c->x;
	size_t i;

	if (x == NULL || x->replied) {
		apim_err_set(APIM_SOFTWARE, "reply already started");
		return -1;
	}
	x->replied = 1;
	if (c->dead || c->closed || x->swallow)
		return -1;
	for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
		if (!header_ok(headers[i], headers[i + 1]))
			break;
	if (status < 100 || status > 999 || status == 100 ||
	    (headers && headers[i])) {
		/* never send what the handler got wrong: a bare 500 */
		apim_err_set(APIM_SOFTWARE, "invalid status or header in reply");
		write_head(c, x, 500, NULL, 0);
		x->resp_left = 0;
		x->resp_nobody = 1;
		return -1;
	}
	write_head(c, x, status, headers, content_length);
	return 0;
}

int
apim_http_reply_write(struct apim_http_conn *c, const void *data, size_t len)
{
	struct reqx *x = c->x;
	char sz[24];

	if (x == NULL || !x->replied || x->reply_done) {
		apim_err_set(APIM_SOFTWARE, "no reply started");
		return -1;
	}
	if (c->dead || c->closed || x->swallow)
		return -1;
	if (x->resp_nobody || len == 0)
		return 0;
	if (x->resp_chunked) {
		snprintf(sz, sizeof(sz), "%zx\r\n", len);
		out_str(c, sz);
		out_add(c, data, len);
		out_add(c, "\r\n", 2);
	} else {
		if (x->resp_left >= 0) {
			if ((int64_t)len > x->resp_left) {
				len = (size_t)x->resp_left;
				c->close_after = 1;
			}
			x->resp_left -= (int64_t)len;
		}
		out_add(c, data, len);
	}
	if (!c->in_run)
		conn_run(c);
	return 0;
}

static void conn_maybe_free(struct apim_http_conn *c);

int
apim_http_reply_end(struct apim_http_conn *c)
{
	struct reqx *x = c->x;

	if (x == NULL || !x->replied || x->reply_done) {
		apim_err_set(APIM_SOFTWARE, "no reply started");
		return -1;
	}
	x->reply_done = 1;
	if (c->dead || c->closed) {
		if (!c->in_run)
			conn_maybe_free(c);
		return -1;
	}
	if (x->swallow) {	/* the server answered instead (413) */
		if (!c->in_run)
			conn_run(c);
		return -1;
	}
	if (!x->resp_nobody) {
		if (x->resp_chunked)
			out_str(c, "0\r\n\r\n");
		else if (x->resp_left > 0)
			c->close_after = 1;	/* short body: framing is lost */
	}
	if (!c->in_run)
		conn_run(c);
	return 0;
}

int
apim_http_reply(struct apim_http_conn *c, int status,
    const char *const *headers, const void *body, size_t len)
{
	int r;

	if (body == NULL)
		len = 0;
	if (c->x == NULL || c->x->replied) {
		apim_err_set(APIM_SOFTWARE, "reply already started");
		return -1;
	}
	c->in_run++;		/* one flush at the end, not three */
	r = apim_http_reply_start(c, status, headers, (int64_t)len);
	if (r == 0)
		apim_http_reply_write(c, body, len);
	c->in_run--;
	return apim_http_reply_end(c) < 0 ? -1 : r;
}

size_t
apim_http_pending(const struct apim_http_conn *c)
{
	return pending(c);
}

void
apim_http_on_drain(struct apim_http_conn *c, size_t low,
    void (*cb)(struct apim_http_conn *, void *), void *arg)
{
	if (c->x == NULL)
		return;
	c->x->drain_cb = cb;
	c->x->drain_arg = arg;
	c->x->drain_low = low;
	if (!c->in_run && !c->dead)
		conn_run(c);
}

void
apim_http_on_abort(struct apim_http_conn *c,
    void (*cb)(struct apim_http_conn *, void *), void *arg)
{
	if (c->x == NULL)
		return;
	c->x->abort_cb = cb;
	c->x->abort_arg = arg;
}

void
apim_http_body(struct apim_http_conn *c,
    void (*cb)(struct apim_http_conn *, const char *, size_t, void *),
    void *arg)
{
	if (c->x == NULL)
		return;
	c->x->body_cb = cb;
	c->x->body_arg = arg;
}

void
apim_http_body_pause(struct apim_http_conn *c, int paused)
{
	if (c->x == NULL)
		return;
	if (paused && !c->x->paused)
		c->x->t_paused = apim_loop_now(c->s->loop);
	else if (!paused && c->x->paused)
		c->x->paused_ms += apim_loop_now(c->s->loop) - c->x->t_paused;
	c->x->paused = paused ? 1 : 0;
	if (!paused && !c->in_run && !c->dead)
		conn_run(c);
}

struct apim_loop *
apim_http_loop(struct apim_http_conn *c)
{
	return c->s->loop;
}

const char *
apim_http_header(const struct apim_http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->names[i], name) == 0)
			return req->values[i];
	return NULL;
}

/* --- requests --- */

/* Copy the parsed head into one allocation the handler can read. */
static struct reqx *
reqx_new(struct apim_http_conn *c, const struct apim_http_head *h)
{
	size_t n = sizeof(struct reqx), i, strs, nf = h->nfields;
	struct reqx *x;
	const char **names, **values;
	char *p, *q;

	strs = h->method_len + 1 + 2 * (h->target_len + 1) + 1;
	for (i = 0; i < nf; i++)
		strs += h->fields[i].name_len + h->fields[i].value_len + 2;
	n += 2 * (nf + 1) * sizeof(char *) + strs;
	x = apim_xmalloc(n);
	memset(x, 0, sizeof(*x));
	names = (const char **)(x + 1);
	values = names + nf + 1;
	p = (char *)(values + nf + 1);

#define COPY(dst, src, len) do { memcpy(p, (src), (len)); p[len] = '\0'; \
	dst = p; p += (len) + 1; } while (0)
	COPY(x->r.method, h->method, h->method_len);
	COPY(x->r.target, h->target, h->target_len);
	for (i = 0; i < nf; i++) {
		COPY(names[i], h->fields[i].name, h->fields[i].name_len);
		COPY(values[i], h->fields[i].value, h->fields[i].value_len);
	}
	names[nf] = values[nf] = NULL;
	/* path and query: from origin-form, or after the authority */
	q = (char *)x->r.target;
	if (*q != '/' && strcmp(q, "*") != 0) {
		char *a = strstr(q, "://") + 3;

		q = a + strcspn(a, "/?");
	}
	{
		size_t pl = strcspn(q, "?");

		if (pl == 0) {
			memcpy(p, "/", 2);
			x->r.path = p;
			p += 2;
		} else
			COPY(x->r.path, q, pl);
		x->r.query = q[pl] == '?' ? q + pl + 1 : NULL;
	}
#undef COPY
	x->r.minor = h->minor;
	x->r.nheaders = nf;
	x->r.names = names;
	x->r.values = values;
	x->r.content_length = h->chunked ? -1 : h->content_length;
	x->r.chunked = h->chunked;
	x->r.peer = c->peer;
	x->r.tls = c->ssl != NULL;
	x->head_method = strcmp(x->r.method, "HEAD") == 0;
	x->keep_alive = h->keep_alive;
	x->body_left = h->content_length > 0 ? h->content_length : 0;
	x->body_done = !h->chunked && x->body_left == 0;
	apim_http_chunked_init(&x->ch);
	return x;
}

static void
reqx_free(struct reqx *x)
{
	if (x) {
		free(x->body);
		free(x);
	}
}

static void
call_handler(struct apim_http_conn *c)
{
	struct reqx *x = c->x;

	x->handler_called = 1;
	if (x->body)
		x->r.body = x->body;
	else if (!c->s->o->stream)
		x->r.body = "";
	c->s->o->handler(c, &x->r, c->s->o->arg);
}

/* The body ended badly: tell a streaming handler, answer if we still can. */
static void
body_fail(struct apim_http_conn *c, int status)
{
	struct reqx *x = c->x;

	if (x->handler_called) {
		if ((status == 413 || status == 408) && !x->replied) {
			/* streaming: answer the limit ourselves, drop the
			 * handler's reply */
			x->swallow = 1;
			error_reply(c, status);
		}
		if (x->body_cb && !x->body_done) {
			x->body_done = 1;
			c->in_run++;
			x->body_cb(c, NULL, 0, x->body_arg);
			c->in_run--;
		}
		if (!x->swallow)
			conn_close(c);
		return;
	}
	error_reply(c, status);
}

/* The most a chunked body may take on the wire: max_body of data plus an
 * allowance for its framing (size lines, extensions, CRLFs, trailers) of
 * max_body / 16 + 4 KiB, so that framing cannot grow without bound. */
static uint64_t
wire_max(size_t max_body)
{
	uint64_t m = (uint64_t)max_body, slack = m / 16 + 4096;

	if (max_body == SIZE_MAX || m > UINT64_MAX - slack)
		return UINT64_MAX;
	return m + slack;
}

/* 1 if the body is past its deadline: body_timeout_ms from the end of the
 * head, plus 1 s per body_min_rate bytes received, not counting pauses. */
static int
body_late(const struct apim_http_conn *c, int64_t now)
{
	const struct reqx *x = c->x;
	const struct apim_httpd_opts *o = c->s->o;
	int64_t limit = (int64_t)o->body_timeout_ms + x->paused_ms;

	if (x->paused)
		return 0;
	if (o->body_min_rate > 0) {
		uint64_t ext = x->raw / (uint64_t)o->body_min_rate;

		limit += ext > (uint64_t)INT32_MAX ? (int64_t)INT32_MAX * 1000 :
		    (int64_t)ext * 1000;
	}
	return now - x->t_body > limit;
}

static int
body_add(struct apim_http_conn *c, const char *p, size_t n)
{
	struct reqx *x = c->x;

	if (n == 0)
		return 0;
	if (n > c->s->o->max_body - x->blen) {
		body_fail(c, 413);
		return -1;
	}
	if (c->s->o->stream) {
		x->blen += n;	/* counted, not kept */
		if (x->body_cb)
			x->body_cb(c, p, n, x->body_arg);
		return 0;
	}
	if (x->blen + n + 1 > x->bcap) {
		size_t cap = x->bcap ? x->bcap : 4096;

		while (cap < x->blen + n + 1)
			cap *= 2;
		x->body = xrealloc(x->body, cap);
		x->bcap = cap;
	}
	memcpy(x->body + x->blen, p, n);
	x->blen += n;
	x->body[x->blen] = '\0';
	x->r.body_len = x->blen;
	return 0;
}

static void
body_end(struct apim_http_conn *c)
{
	struct reqx *x = c->x;

	x->body_done = 1;
	if (c->s->o->stream) {
		if (x->body_cb)
			x->body_cb(c, "", 0, x->body_arg);
	} else {
		c->state = ST_WAIT;
		call_handler(c);
	}
	if (c->x == x && c->state == ST_BODY)
		c->state = ST_WAIT;
}

/* Use buffered input for the state we're in.  1 if something changed. */
static int
process(struct apim_http_conn *c)
{
	struct server *s = c->s;
	uint32_t avail = c->rlen - c->roff;
	char *in = c->rbuf + c->roff;

	if (c->state == ST_HEAD) {
		struct apim_http_head h;
		long r;

		if (avail == 0 || pending(c) > OUT_HIGH)
			return 0;
		if (c->hscan == 0)
			c->t_head = apim_loop_now(s->loop);
		/* parse only when a line may have ended or a limit is near */
		if (memchr(in + c->hscan, '\n', avail - c->hscan) == NULL &&
		    avail < s->lim.max_line && avail <= s->lim.max_header_bytes) {
			if (memchr(in + c->hscan, '\0', avail - c->hscan)) {
				error_reply(c, 400);
				return 1;
			}
			c->hscan = avail;
			return 0;
		}
		r = apim_http_parse_head(in, avail, &s->lim, s->fields, &h);
		if (r == APIM_HTTP_PARTIAL) {
			c->hscan = avail;
			if (c->rd_eof)
				conn_close(c);	/* cut off mid-head */
			return 0;
		}
		if (r < 0) {
			error_reply(c, (int)-r);
			return 1;
		}
		c->hscan = 0;
		c->roff += (uint32_t)r;
		c->x = reqx_new(c, &h);
		if (h.content_length > 0 &&
		    (uint64_t)h.content_length > (uint64_t)s->o->max_body) {
			error_reply(c, 413);
			return 1;
		}
		if (h.expect_continue && !c->x->body_done &&
		    c->roff == c->rlen)
			out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
		c->t_read = c->x->t_body = apim_loop_now(s->loop);
		c->state = ST_BODY;
		if (s->o->stream)
			call_handler(c);
		if (c->x && c->x->body_done && c->state == ST_BODY)
			body_end(c);
		return 1;
	}
	if (c->state == ST_BODY) {
		struct reqx *x = c->x;

		if (avail == 0 || x->paused)
			return 0;
		if (!x->r.chunked) {
			uint32_t n = avail;

			if ((int64_t)n > x->body_left)
				n = (uint32_t)x->body_left;
			c->roff += n;
			x->body_left -= n;
			x->raw += n;
			if (body_add(c, in, n) < 0)
				return 1;
			if (c->x == x && x->body_left == 0 && c->state == ST_BODY)
				body_end(c);
			return 1;
		} else {
			const char *d = NULL;
			size_t used = 0, dn = 0;
			int r = apim_http_chunked_decode(&x->ch, &s->lim, in,
			    avail, &used, &d, &dn);

			if (r < 0) {
				body_fail(c, -r);
				return 1;
			}
			if (used > avail)
				used = avail;
			c->roff += (uint32_t)used;
			x->raw += used;
			if (x->raw > wire_max(s->o->max_body)) {
				body_fail(c, 413);	/* framing past the limit */
				return 1;
			}
			if (body_add(c, d, dn) < 0)
				return 1;
			if (r == 1 && c->x == x && c->state == ST_BODY)
				body_end(c);
			return used > 0 || dn > 0;
		}
	}
	if (c->state == ST_LINGER) {
		c->roff = c->rlen = 0;	/* discard */
		return 0;
	}
	return 0;
}

/* The reply is complete and the body read (or abandoned): next request. */
static int
maybe_finish(struct apim_http_conn *c)
{
	struct reqx *x = c->x;

	if (x == NULL || !x->reply_done || c->state == ST_CLOSE)
		return 0;
	if (!x->body_done)
		c->close_after = 1;
	reqx_free(x);
	c->x = NULL;
	c->state = c->close_after ? ST_CLOSE : ST_HEAD;
	c->t_idle = apim_loop_now(c->s->loop);
	return 1;
}

static size_t
rbuf_max(const struct apim_http_conn *c)
{
	return (c->s->lim.max_line > c->s->lim.max_header_bytes ?
	    c->s->lim.max_line : c->s->lim.max_header_bytes) + RBUF_MIN;
}

/* 1 if do_read can take more bytes */
static int
rbuf_room(const struct apim_http_conn *c)
{
	return c->rlen < c->rcap || c->roff > 0 || c->rcap < rbuf_max(c);
}

static int
wants_input(const struct apim_http_conn *c)
{
	if (c->rd_eof || c->closed)
		return 0;
	switch (c->state) {
	case ST_HANDSHAKE:
	case ST_LINGER:
		return 1;
	case ST_HEAD:
		return pending(c) <= OUT_HIGH;
	case ST_BODY:
		return !c->x->paused;
	case ST_WAIT:
		/* on a socket, notice the client leaving while the handler
		 * works (pipelined bytes are buffered meanwhile, up to the
		 * buffer's limit); a pipe's EOF is normal under inetd */
		return c->is_sock && rbuf_room(c);
	}
	return 0;
}

/* Read into rbuf.  1 read something, 0 would block or no room, -1 EOF/error */
static int
do_read(struct apim_http_conn *c)
{
	size_t maxcap = rbuf_max(c);
	ssize_t r;

	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
	if (c->rlen == c->rcap && c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen == c->rcap) {
		size_t cap = c->rcap ? c->rcap * 2 : RBUF_MIN;

		if (cap > maxcap)
			cap = maxcap;
		if (cap <= c->rcap)
			return 0;	/* full: the parser will decide */
		c->rbuf = xrealloc(c->rbuf, cap);
		c->rcap = (uint32_t)cap;
	}
	r = tr_read(c, c->rbuf + c->rlen, c->rcap - c->rlen);
	if (r == -1)
		return 0;
	if (r <= 0)
		return -1;
	c->rlen += (uint32_t)r;
	c->t_read = apim_loop_now(c->s->loop);
	return 1;
}

static void
set_interest(struct apim_http_conn *c)
{
	struct apim_loop *l = c->s->loop;
	int in = wants_input(c), out = pending(c) > 0;

	if (c->ssl && c->ssl_want == SSL_ERROR_WANT_READ)
		in = 1;
	if (c->ssl && c->ssl_want == SSL_ERROR_WANT_WRITE)
		out = 1;
	if (c->rfd == c->wfd) {
		int ev = (in ? APIM_LOOP_READ : 0) | (out ? APIM_LOOP_WRITE : 0);

		if (ev != c->ev_r) {
			apim_loop_mod_fd(l, c->rfd, ev);
			c->ev_r = ev;
		}
		return;
	}
	if ((in ? APIM_LOOP_READ : 0) != c->ev_r) {
		c->ev_r = in ? APIM_LOOP_READ : 0;
		apim_loop_mod_fd(l, c->rfd, c->ev_r);
	}
	if ((out ? APIM_LOOP_WRITE : 0) != c->ev_w) {
		c->ev_w = out ? APIM_LOOP_WRITE : 0;
		apim_loop_mod_fd(l, c->wfd, c->ev_w);
	}
}

/* Between requests with nothing buffered either way. */
static int
conn_idle(const struct apim_http_conn *c)
{
	return c->state == ST_HEAD && c->x == NULL && c->roff == c->rlen &&
	    c->hscan == 0 && pending(c) == 0;
}

static void
start_close(struct apim_http_conn *c)
{
	if (c->ssl)
		SSL_shutdown(c->ssl);	/* best effort close_notify */
	if (c->is_sock && !c->rd_eof && shutdown(c->wfd, SHUT_WR) == 0) {
		c->state = ST_LINGER;
		c->t_idle = apim_loop_now(c->s->loop);
		if (c->ssl) {	/* discard raw bytes from now on */
			SSL_free(c->ssl);
			c->ssl = NULL;
		}
		return;
	}
	conn_close(c);
}

static void
conn_run(struct apim_http_conn *c)
{
	int guard;

	if (c->closed)
		return;
	c->in_run++;
	for (guard = 0; guard < 100000 && !c->closed; guard++) {
		int r;

		if (c->state == ST_HANDSHAKE) {
			ERR_clear_error();
			r = SSL_accept(c->ssl);
			if (r == 1) {
				c->ssl_want = 0;
				c->state = ST_HEAD;
				c->t_idle = apim_loop_now(c->s->loop);
				continue;
			}
			r = SSL_get_error(c->ssl, r);
			if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE) {
				c->ssl_want = r;
				break;
			}
			conn_close(c);
			break;
		}
		if (pending(c) && flush(c) < 0) {
			conn_close(c);
			break;
		}
		if (c->x && c->x->drain_cb && pending(c) <= c->x->drain_low) {
			void (*cb)(struct apim_http_conn *, void *) = c->x->drain_cb;

			c->x->drain_cb = NULL;
			cb(c, c->x->drain_arg);
			continue;
		}
		if (maybe_finish(c))
			continue;
		if (c->state == ST_CLOSE) {
			if (pending(c) == 0)
				start_close(c);
			if (c->state != ST_LINGER)
				break;
		}
		if (process(c))
			continue;
		if (c->closed)
			break;
		if (c->state == ST_HEAD && c->rd_eof && c->x == NULL &&
		    pending(c) == 0) {
			conn_close(c);	/* client done, all answered */
			break;
		}
		if (conn_idle(c) && c->s->draining) {
			conn_close(c);	/* shutting down: no more requests */
			break;
		}
		if (!wants_input(c))
			break;
		r = do_read(c);
		if (r == 0)
			break;
		if (r < 0) {
			c->rd_eof = 1;
			if (c->state == ST_LINGER || c->state == ST_WAIT) {
				conn_close(c);	/* ST_WAIT: the client left */
				break;
			}
			if (c->state == ST_BODY) {
				if (c->x->handler_called)
					body_fail(c, 400);
				else
					conn_close(c);	/* cut off mid-body */
				break;
			}
		}
	}
	if (!c->closed) {
		if (c->state == ST_HEAD && c->x == NULL && c->roff == c->rlen &&
		    c->rbuf) {
			free(c->rbuf);	/* idle: keep connections small */
			c->rbuf = NULL;
			c->roff = c->rlen = c->rcap = 0;
			if (pending(c) == 0) {
				free(c->wbuf);
				c->wbuf = NULL;
				c->woff = c->wlen = c->wcap = 0;
			}
		}
		set_interest(c);
	}
	c->in_run--;
	if (c->closed && !c->in_run)
		conn_maybe_free(c);
}

static void
conn_io(int fd, int ev, void *arg)
{
	(void)fd;
	(void)ev;
	conn_run(arg);
}

static void
conn_close(struct apim_http_conn *c)
{
	struct server *s = c->s;

	if (c->closed)
		return;
	c->closed = 1;
	apim_loop_del_fd(s->loop, c->rfd);
	if (c->wfd != c->rfd)
		apim_loop_del_fd(s->loop, c->wfd);
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->rfd);
	if (c->wfd != c->rfd)
		close(c->wfd);
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->rlen = c->roff = c->rcap = 0;
	c->wlen = c->woff = c->wcap = 0;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	if (s->inetd)
		apim_loop_stop(s->loop);
	/* tell a streaming handler that holds c */
	c->in_run++;
	if (c->x && c->x->handler_called && !c->x->reply_done) {
		struct reqx *x = c->x;

		if (x->body_cb && !x->body_done) {
			x->body_done = 1;
			x->body_cb(c, NULL, 0, x->body_arg);
		}
		if (x->abort_cb && !x->reply_done) {
			void (*cb)(struct apim_http_conn *, void *) = x->abort_cb;

			x->abort_cb = NULL;
			cb(c, x->abort_arg);
		}
		if (x->drain_cb && !x->reply_done) {
			void (*cb)(struct apim_http_conn *, void *) = x->drain_cb;

			x->drain_cb = NULL;
			cb(c, x->drain_arg);
		}
	}
	c->in_run--;
	if (!c->in_run)
		conn_maybe_free(c);
}

/* Free a closed conn unless a handler still holds it. */
static void
conn_maybe_free(struct apim_http_conn *c)
{
	if (!c->closed)
		return;
	if (c->x && c->x->handler_called && !c->x->reply_done) {
		c->dead = 1;
		return;
	}
	reqx_free(c->x);
	free(c);
}

static struct apim_http_conn *
conn_new(struct server *s, int rfd, int wfd, const char *peer, int is_sock)
{
	struct apim_http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->s = s;
	c->rfd = rfd;
	c->wfd = wfd;
	c->is_sock = is_sock;
	c->state = ST_HEAD;
	c->t_idle = apim_loop_now(s->loop);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (apim_loop_add_fd(s->loop, rfd, APIM_LOOP_READ, conn_io, c) < 0 ||
	    (wfd != rfd && apim_loop_add_fd(s->loop, wfd, 0, conn_io, c) < 0)) {
		apim_loop_del_fd(s->loop, rfd);
		free(c);
		return NULL;
	}
	c->ev_r = APIM_LOOP_READ;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

/* --- timeouts: one sweep timer per loop --- */

static void
sweep(void *arg)
{
	struct server *s = arg;
	const struct apim_httpd_opts *o = s->o;
	int64_t now = apim_loop_now(s->loop);
	struct apim_http_conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (pending(c) && c->state != ST_LINGER) {
			if (now - c->t_write > o->write_timeout_ms)
				conn_close(c);
			continue;
		}
		switch (c->state) {
		case ST_HANDSHAKE:
			if (now - c->t_idle > o->header_timeout_ms)
				conn_close(c);
			break;
		case ST_HEAD:
			if (c->rlen > c->roff || c->hscan) {
				if (now - c->t_head > o->header_timeout_ms) {
					error_reply(c, 408);
					conn_run(c);
				}
			} else if (now - c->t_idle > o->idle_timeout_ms)
				conn_close(c);
			break;
		case ST_BODY:
			if (!c->x->paused && (now - c->t_read >
			    o->read_timeout_ms || body_late(c, now))) {
				if (c->x->handler_called)
					body_fail(c, 408);
				else {
					error_reply(c, 408);
					conn_run(c);
				}
			}
			break;
		case ST_LINGER:
			if (now - c->t_idle > LINGER_MS)
				conn_close(c);
			break;
		}
	}
	if (s->draining && (s->nconns == 0 || now >= s->drain_until)) {
		apim_loop_stop(s->loop);	/* done, or out of patience */
		return;
	}
	apim_loop_timer(s->loop, 100, sweep, s);
}

/* --- accepting --- */

static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t n)
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
	struct server *s = arg;

	int i;

	for (i = 0; i < s->nlfds; i++)
		apim_loop_mod_fd(s->loop, s->lfds[i], APIM_LOOP_READ);
	s->accept_paused = 0;
}

static void
on_accept(int lfd, int ev, void *arg)
{
	struct server *s = arg;
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
		peer_name(&ss, peer, sizeof(peer));
		if ((c = conn_new(s, fd, fd, peer, 1)) == NULL) {
			close(fd);
			continue;
		}
		if (s->ssl_ctx) {
			if ((c->ssl = SSL_new(s->ssl_ctx)) == NULL ||
			    SSL_set_fd(c->ssl, fd) != 1) {
				conn_close(c);
				continue;
			}
			c->state = ST_HANDSHAKE;
		}
		conn_run(c);
	}
}

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

static SSL_CTX *
tls_ctx(const struct apim_httpd_opts *o)
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

static void
sock_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];
	int port = 0;

	*out = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	peer_name(&ss, a, sizeof(a));
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	snprintf(out, n, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", a,
	    port);
}

/* "ADDR:PORT" or "[V6]:PORT" to a listening socket. */
static int
listen_on(const char *spec)
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
static int
listen_fds(int **fds)
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

static int
server_init(struct server *s, const struct apim_httpd_opts *o)
{
	s->o = o;
	s->lim = apim_http_limits_default;
	s->lim.max_line = o->max_line;
	s->lim.max_headers = o->max_headers;
	s->lim.max_header_bytes = o->max_header_bytes;
	s->fields = apim_xmalloc(o->max_headers * sizeof(*s->fields));
	if ((s->loop = apim_loop_new()) == NULL)
		return -1;
	apim_loop_timer(s->loop, 100, sweep, s);
	return 0;
}

static void
server_fini(struct server *s)
{
	while (s->conns)
		conn_close(s->conns);
	apim_loop_free(s->loop);
	free(s->fields);
}

static int
run_inetd(const struct apim_httpd_opts *o)
{
	struct server s;
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
		peer_name(&ss, peer, sizeof(peer));
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	if ((c = conn_new(&s, 0, 1, peer, is_sock)) == NULL) {
		server_fini(&s);
		return -1;
	}
	if (o->on_worker)
		o->on_worker(s.loop, o->arg);
	conn_run(c);
	r = s.nconns ? apim_loop_run(s.loop) : 0;
	server_fini(&s);
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
start_drain(struct server *s)
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
		if (conn_idle(c) || c->state == ST_HANDSHAKE)
			conn_close(c);
	}
}

static void
on_sig_pipe(int fd, int ev, void *arg)
{
	struct server *s = arg;
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

static int
worker(const struct apim_httpd_opts *o, SSL_CTX *ctx, int *lfds, int n)
{
	struct server s;
	struct sigaction sa, old_term, old_int;
	sigset_t set;
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
		    (o->workers > 1 ? APIM_LOOP_EXCLUSIVE : 0), on_accept, &s) < 0)
			return -1;
	}
	/* SIGTERM/SIGINT start a graceful shutdown through a self-pipe */
	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    apim_loop_add_fd(s.loop, sig_pipe[0], APIM_LOOP_READ, on_sig_pipe,
	    &s) < 0) {
		apim_err_set(APIM_SOFTWARE, "signal pipe: %s", strerror(errno));
		server_fini(&s);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (o->on_worker)
		o->on_worker(s.loop, o->arg);
	r = apim_loop_run(s.loop);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	apim_loop_del_fd(s.loop, sig_pipe[0]);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	got_sig = 0;
	server_fini(&s);
	return r;
}

static void
on_chld(int sig)
{
	(void)sig;
}

int
apim_httpd_run(const struct apim_httpd_opts *opts)
{
	struct apim_httpd_opts o = *opts;
	struct sigaction sa, old_term, old_int, old_chld;
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
	if ((n = listen_fds(&lfds)) < 0)
		return -1;
	if (o.listen) {
		int fd = listen_on(o.listen);

		if (fd < 0) {
			free(lfds);
			return -1;
		}
		lfds = xrealloc(lfds, (size_t)(n + 1) * sizeof(int));
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
		if ((ctx = tls_ctx(&o)) == NULL) {
			r = -1;
			goto out;
		}
	}
	if (o.on_listen)
		for (i = 0; i < n; i++) {
			char name[INET6_ADDRSTRLEN + 16];

			sock_name(lfds[i], name, sizeof(name));
			o.on_listen(name, o.arg);
		}
	if (o.workers == 1) {
		r = worker(&o, ctx, lfds, n);
		goto out;
	}
	/* N workers share the listening sockets; the parent waits and relays
	 * SIGTERM/SIGINT (closing its copies of the sockets on the first).
	 * Signals stay blocked except inside sigsuspend: none is missed. */
	kids = apim_xmalloc((size_t)o.workers * sizeof(pid_t));
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, &old_chld);
	fflush(NULL);
	for (i = 0; i < o.workers; i++) {
		if ((kids[i] = fork()) == 0) {
			sigset_t chld;

			sigaction(SIGCHLD, &old_chld, NULL);
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
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
		for (i = 0; i < o.workers; i++)
			alive += kids[i] > 0;
		if (!alive)
			break;
		sigsuspend(&oldmask);
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
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
