/* httpd_conn: one connection over the loop (plain or TLS): reading and request
 * framing, bodies and their limits, the per-connection state machine, timeouts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "httpd.h"
#include "httpd_int.h"
#include "util.h"

static void conn_io(int fd, int ev, void *arg);

#define REQX_KEEP 8192		/* request blocks kept up to this size */

/* --- output buffer --- */

void
httpd_pool_take(struct httpd_pool *p, struct apim_buf *b)
{
	if (b->data == NULL && p->n > 0) {
		*b = p->b[--p->n];
		b->len = 0;
		b->data[0] = '\0';
	}
}

void
httpd_pool_put(struct httpd_pool *p, struct apim_buf *b, size_t maxcap)
{
	if (b->data == NULL)
		return;
	if (p->n < POOL_BUFS && b->cap <= maxcap) {
		p->b[p->n++] = *b;
		apim_buf_init(b);
	} else
		apim_buf_free(b);
}

void
httpd_pool_free(struct httpd_pool *p)
{
	while (p->n > 0)
		apim_buf_free(&p->b[--p->n]);
}

char *
httpd_out_room(struct apim_http_conn *c, size_t n)
{
	struct apim_buf *o = &c->out;

	if (c->closed)
		return NULL;
	if (o->cap == 0) {	/* a whole small answer in one allocation */
		httpd_pool_take(&c->s->pool_out, o);
		apim_buf_reserve(o, n > OUT_FIRST - 1 ? n : OUT_FIRST - 1);
	}
	if (c->woff == o->len) {
		o->len = 0;
		c->woff = 0;
		c->t_write = apim_loop_now(c->s->loop);
	} else if (c->woff > 0 && o->len + n >= o->cap &&
	    o->len - c->woff + n < o->cap) {
		apim_buf_consume(o, c->woff);	/* room at the front: no growth */
		c->woff = 0;
	}
	apim_buf_reserve(o, n);
	return o->data + o->len;
}

void
httpd_out_add(struct apim_http_conn *c, const void *p, size_t n)
{
	char *d;

	if (n == 0 || (d = httpd_out_room(c, n)) == NULL)
		return;
	memcpy(d, p, n);
	c->out.len += n;
	c->out.data[c->out.len] = '\0';
}

void
httpd_out_str(struct apim_http_conn *c, const char *s)
{
	httpd_out_add(c, s, strlen(s));
}

size_t
httpd_pending(const struct apim_http_conn *c)
{
	return c->out.len - c->woff;
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
		/* recv on a socket: no VFS layer (nor fsnotify) per read */
		r = c->is_sock ? recv(c->rfd, p, n, 0) : read(c->rfd, p, n);
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
	while (c->woff < c->out.len) {
		ssize_t r = tr_write(c, c->out.data + c->woff,
		    c->out.len - c->woff);

		if (r == -1)
			return 0;
		if (r < 0)
			return -1;
		c->woff += (size_t)r;
		c->t_write = apim_loop_now(c->s->loop);
	}
	c->woff = 0;
	if (c->out.cap > OUT_KEEP)	/* don't keep big buffers on idle conns */
		apim_buf_free(&c->out);
	else
		c->out.len = 0;
	return 0;
}

/* --- requests --- */

/* Copy the parsed head into one allocation the handler can read: the
 * struct, the name and value pointers and lengths, then the strings.  The
 * last request's block is reused when it is large enough. */
static struct reqx *
reqx_new(struct apim_http_conn *c, const struct apim_http_head *h)
{
	size_t n = sizeof(struct reqx), i, strs, nf = h->nfields, pl;
	struct httpd_server *s = c->s;
	struct reqx *x;
	const char **names, **values, **pairs, *q, *te, *qm;
	size_t *nlens, *vlens;
	char *p;

	strs = h->method_len + 1 + 2 * (h->target_len + 1) + 1;
	for (i = 0; i < nf; i++)
		strs += h->fields[i].name_len + h->fields[i].value_len + 2;
	n += 2 * (nf + 1) * (2 * sizeof(char *) + sizeof(size_t)) + strs;
	for (i = s->nspare; i > 0 && s->spare[i - 1]->alloc < n; i--)
		;
	if (i > 0) {		/* a finished request's block that fits */
		x = s->spare[i - 1];
		s->spare[i - 1] = s->spare[--s->nspare];
		n = x->alloc;
	} else
		x = apim_xmalloc(n);
	memset(x, 0, sizeof(*x));
	x->alloc = n;
	names = (const char **)(x + 1);
	values = names + nf + 1;
	nlens = (size_t *)(values + nf + 1);
	vlens = nlens + nf + 1;
	pairs = (const char **)(vlens + nf + 1);
	p = (char *)(pairs + 2 * (nf + 1));

#define COPY(dst, src, len) do { memcpy(p, (src), (len)); p[len] = '\0'; \
	dst = p; p += (len) + 1; } while (0)
	COPY(x->r.method, h->method, h->method_len);
	COPY(x->r.target, h->target, h->target_len);
	for (i = 0; i < nf; i++) {
		COPY(names[i], h->fields[i].name, h->fields[i].name_len);
		COPY(values[i], h->fields[i].value, h->fields[i].value_len);
		nlens[i] = h->fields[i].name_len;
		vlens[i] = h->fields[i].value_len;
		pairs[2 * i] = names[i];
		pairs[2 * i + 1] = values[i];
	}
	names[nf] = values[nf] = pairs[2 * nf] = NULL;
	nlens[nf] = vlens[nf] = 0;
	/* path and query: from origin-form, or after the authority (the
	 * parser saw its "://") */
	q = x->r.target;
	te = q + h->target_len;
	if (*q != '/' && !(h->target_len == 1 && *q == '*')) {
		q = strstr(q, "://") + 3;
		while (q < te && *q != '/' && *q != '?')
			q++;
	}
	qm = memchr(q, '?', (size_t)(te - q));
	pl = qm ? (size_t)(qm - q) : (size_t)(te - q);
	if (pl == 0) {
		memcpy(p, "/", 2);
		x->r.path = p;
		p += 2;
	} else
		COPY(x->r.path, q, pl);
	x->r.query = qm ? qm + 1 : NULL;
#undef COPY
	x->r.minor = h->minor;
	x->r.nheaders = nf;
	x->r.names = names;
	x->r.values = values;
	x->r.name_lens = nlens;
	x->r.value_lens = vlens;
	x->r.pairs = pairs;
	x->r.content_length = h->chunked ? -1 : h->content_length;
	x->r.chunked = h->chunked;
	x->r.peer = c->peer;
	x->r.tls = c->ssl != NULL;
	x->head_method = h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0;
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
		apim_buf_free(&x->body);
		free(x);
	}
}

/* Done with x on a live connection: keep its block for a next request
 * (up to POOL_BUFS of them, none over REQX_KEEP bytes). */
static void
reqx_done(struct httpd_server *s, struct reqx *x)
{
	apim_buf_free(&x->body);
	if (s->nspare < POOL_BUFS && x->alloc <= REQX_KEEP)
		s->spare[s->nspare++] = x;
	else
		free(x);
}

static void
call_handler(struct apim_http_conn *c)
{
	struct reqx *x = c->x;

	x->handler_called = 1;
	if (x->body.data)
		x->r.body = x->body.data;
	else if (!c->s->o->stream)
		x->r.body = "";
	c->s->o->handler(c, &x->r, c->s->o->arg);
}

/* The body ended badly: tell a streaming handler, answer if we still can. */
void
httpd_body_fail(struct apim_http_conn *c, int status)
{
	struct reqx *x = c->x;

	if (x->handler_called) {
		if (!x->replied) {
			/* streaming: answer the limit or the bad chunk or
			 * trailer ourselves, drop the handler's reply */
			x->swallow = 1;
			httpd_error_reply(c, status);
		}
		if (x->body_cb && !x->body_done) {
			x->body_done = 1;
			c->in_run++;
			x->body_cb(c, NULL, 0, x->body_arg);
			c->in_run--;
		}
		if (!x->swallow)
			httpd_conn_close(c);
		return;
	}
	httpd_error_reply(c, status);
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
		httpd_body_fail(c, 413);
		return -1;
	}
	if (c->s->o->stream) {
		x->blen += n;	/* counted, not kept */
		if (x->body_cb)
			x->body_cb(c, p, n, x->body_arg);
		return 0;
	}
	if (x->body.cap == 0) {
		/* the whole body at once when its length is known, up to
		 * BODY_FIRST (a length is only a claim) */
		size_t first = x->r.content_length <= 0 ? RBUF_MIN - 1 :
		    x->r.content_length < BODY_FIRST ?
		    (size_t)x->r.content_length : BODY_FIRST;

		apim_buf_reserve(&x->body, first > n ? first : n);
	}
	apim_buf_add(&x->body, p, n);
	x->blen += n;
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
	struct httpd_server *s = c->s;
	size_t avail = c->in.len - c->roff;
	char *in = c->in.data ? c->in.data + c->roff : NULL;

	if (c->state == ST_HEAD) {
		struct apim_http_head h;
		long r;

		if (avail == 0 || httpd_pending(c) > OUT_HIGH)
			return 0;
		if (c->hscan == 0)
			c->t_head = apim_loop_now(s->loop);
		/* parse only when a line may have ended or a limit is near */
		if (memchr(in + c->hscan, '\n', avail - c->hscan) == NULL &&
		    avail < s->lim.max_line && avail <= s->lim.max_header_bytes) {
			if (memchr(in + c->hscan, '\0', avail - c->hscan)) {
				httpd_error_reply(c, 400);
				return 1;
			}
			c->hscan = avail;
			return 0;
		}
		r = apim_http_parse_head(in, avail, &s->lim, s->fields, &h);
		if (r == APIM_HTTP_PARTIAL) {
			c->hscan = avail;
			if (c->rd_eof)
				httpd_conn_close(c);	/* cut off mid-head */
			return 0;
		}
		if (r < 0) {
			httpd_error_reply(c, (int)-r);
			return 1;
		}
		c->hscan = 0;
		c->roff += (size_t)r;
		c->x = reqx_new(c, &h);
		if (h.content_length > 0 &&
		    (uint64_t)h.content_length > (uint64_t)s->o->max_body) {
			httpd_error_reply(c, 413);
			return 1;
		}
		if (h.expect_continue && !c->x->body_done &&
		    c->roff == c->in.len)
			httpd_out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
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
			size_t n = avail;

			if ((int64_t)n > x->body_left)
				n = (size_t)x->body_left;
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
				httpd_body_fail(c, -r);
				return 1;
			}
			if (used > avail)
				used = avail;
			c->roff += used;
			x->raw += used;
			if (x->raw > wire_max(s->o->max_body)) {
				httpd_body_fail(c, 413);	/* framing past the limit */
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
		apim_buf_reset(&c->in);	/* discard */
		c->roff = 0;
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
	reqx_done(c->s, x);
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
	return c->roff > 0 || c->in.len < rbuf_max(c);
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
		return httpd_pending(c) <= OUT_HIGH;
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

/* Read into c->in, which holds at most rbuf_max bytes, RBUF_MIN at a time.
 * 1 read something, 0 would block or no room, -1 EOF/error */
static int
do_read(struct apim_http_conn *c)
{
	struct apim_buf *b = &c->in;
	size_t maxlen = rbuf_max(c), room;
	ssize_t r;

	if (c->roff == b->len) {
		b->len = 0;
		c->roff = 0;
	}
	if (b->data == NULL)
		httpd_pool_take(&c->s->pool_in, b);
	if (b->len + RBUF_MIN > maxlen && c->roff > 0) {
		apim_buf_consume(b, c->roff);	/* keep the unparsed rest */
		c->roff = 0;
	}
	if (b->len >= maxlen)
		return 0;	/* full: the parser will decide */
	/* RBUF_MIN - 1: the buffer keeps a byte for its NUL */
	room = maxlen - b->len < RBUF_MIN - 1 ? maxlen - b->len : RBUF_MIN - 1;
	apim_buf_reserve(b, room);
	room = b->cap - 1 - b->len < maxlen - b->len ?
	    b->cap - 1 - b->len : maxlen - b->len;
	r = tr_read(c, b->data + b->len, room);
	/* a plain socket that gave less than asked is empty: another read
	 * would only fail with EAGAIN (TLS may hold bytes back: not there) */
	if (c->is_sock && c->ssl == NULL && (r == -1 || (r > 0 &&
	    (size_t)r < room)))
		c->rd_wait = 1;
	if (r == -1)
		return 0;
	if (r <= 0)
		return -1;
	/* read straight into the buffer's spare room (reserved above) */
	b->len += (size_t)r;
	b->data[b->len] = '\0';
	c->t_read = apim_loop_now(c->s->loop);
	return 1;
}

static void
set_interest(struct apim_http_conn *c)
{
	struct apim_loop *l = c->s->loop;
	int in = wants_input(c), out = httpd_pending(c) > 0;

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
int
httpd_conn_idle(const struct apim_http_conn *c)
{
	return c->state == ST_HEAD && c->x == NULL && c->roff == c->in.len &&
	    c->hscan == 0 && httpd_pending(c) == 0;
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
	httpd_conn_close(c);
}

void
httpd_conn_run(struct apim_http_conn *c)
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
			httpd_conn_close(c);
			break;
		}
		if (httpd_pending(c) && flush(c) < 0) {
			httpd_conn_close(c);
			break;
		}
		if (c->x && c->x->drain_cb && httpd_pending(c) <= c->x->drain_low) {
			void (*cb)(struct apim_http_conn *, void *) = c->x->drain_cb;

			c->x->drain_cb = NULL;
			cb(c, c->x->drain_arg);
			continue;
		}
		if (maybe_finish(c))
			continue;
		if (c->state == ST_CLOSE) {
			if (httpd_pending(c) == 0)
				start_close(c);
			if (c->state != ST_LINGER)
				break;
		}
		if (process(c))
			continue;
		if (c->closed)
			break;
		if (c->state == ST_HEAD && c->rd_eof && c->x == NULL &&
		    httpd_pending(c) == 0) {
			httpd_conn_close(c);	/* client done, all answered */
			break;
		}
		if (httpd_conn_idle(c) && c->s->draining) {
			httpd_conn_close(c);	/* shutting down: no more requests */
			break;
		}
		if (!wants_input(c) || c->rd_wait)
			break;
		r = do_read(c);
		if (r == 0)
			break;
		if (r < 0) {
			c->rd_eof = 1;
			if (c->state == ST_LINGER || c->state == ST_WAIT) {
				httpd_conn_close(c);	/* ST_WAIT: the client left */
				break;
			}
			if (c->state == ST_BODY) {
				if (c->x->handler_called)
					httpd_body_fail(c, 400);
				else
					httpd_conn_close(c);	/* cut off mid-body */
				break;
			}
		}
	}
	if (!c->closed) {
		if (c->state == ST_HEAD && c->x == NULL &&
		    c->roff == c->in.len && c->in.data) {
			/* idle: keep connections small (the worker keeps a
			 * few buffers for the busy ones) */
			httpd_pool_put(&c->s->pool_in, &c->in, POOL_IN_CAP);
			c->roff = 0;
			if (httpd_pending(c) == 0) {
				httpd_pool_put(&c->s->pool_out, &c->out,
				    POOL_OUT_CAP);
				c->woff = 0;
			}
		}
		set_interest(c);
	}
	c->in_run--;
	if (c->closed && !c->in_run)
		httpd_conn_maybe_free(c);
}

static void
conn_io(int fd, int ev, void *arg)
{
	struct apim_http_conn *c = arg;

	(void)fd;
	if (ev & (APIM_LOOP_READ | APIM_LOOP_ERROR))
		c->rd_wait = 0;
	httpd_conn_run(c);
}

void
httpd_conn_close(struct apim_http_conn *c)
{
	struct httpd_server *s = c->s;

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
	apim_buf_free(&c->in);
	apim_buf_free(&c->out);
	c->roff = c->woff = 0;
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
		httpd_conn_maybe_free(c);
}

/* Free a closed conn unless a handler still holds it. */
void
httpd_conn_maybe_free(struct apim_http_conn *c)
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

struct apim_http_conn *
httpd_conn_new(struct httpd_server *s, int rfd, int wfd, const char *peer, int is_sock)
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

void
httpd_sweep(void *arg)
{
	struct httpd_server *s = arg;
	const struct apim_httpd_opts *o = s->o;
	int64_t now = apim_loop_now(s->loop);
	struct apim_http_conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (httpd_pending(c) && c->state != ST_LINGER) {
			if (now - c->t_write > o->write_timeout_ms)
				httpd_conn_close(c);
			continue;
		}
		switch (c->state) {
		case ST_HANDSHAKE:
			if (now - c->t_idle > o->header_timeout_ms)
				httpd_conn_close(c);
			break;
		case ST_HEAD:
			if (c->in.len > c->roff || c->hscan) {
				if (now - c->t_head > o->header_timeout_ms) {
					httpd_error_reply(c, 408);
					httpd_conn_run(c);
				}
			} else if (now - c->t_idle > o->idle_timeout_ms)
				httpd_conn_close(c);
			break;
		case ST_BODY:
			if (!c->x->paused && (now - c->t_read >
			    o->read_timeout_ms || body_late(c, now))) {
				if (c->x->handler_called)
					httpd_body_fail(c, 408);
				else {
					httpd_error_reply(c, 408);
					httpd_conn_run(c);
				}
			}
			break;
		case ST_LINGER:
			if (now - c->t_idle > LINGER_MS)
				httpd_conn_close(c);
			break;
		}
	}
	if (s->draining && (s->nconns == 0 || now >= s->drain_until)) {
		apim_loop_stop(s->loop);	/* done, or out of patience */
		return;
	}
	apim_loop_timer(s->loop, 100, httpd_sweep, s);
}