/* httpd_reply: answering a request: response heads and framing, the server's
 * own error replies, and the calls a handler makes on its connection. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "util.h"
#include "http.h"
#include "httpd.h"
#include "httpd_int.h"

/* --- the response writer --- */

static const char *
date_now(struct httpd_server *s)
{
	int64_t t = (int64_t)time(NULL);

	if (t != s->date_sec) {
		apim_http_date(t, s->date);
		s->date_sec = t;
	}
	return s->date;
}

/* The length of name if name: value may be sent (a token, and a value
 * without controls but HTAB), else 0; *vlen gets the value's length. */
static size_t
header_ok(const char *n, const char *v, size_t *vlen)
{
	size_t nl, vl;

	if (n == NULL || v == NULL)
		return 0;
	nl = strlen(n);
	vl = strlen(v);
	if (!apim_http_token(n, nl) || apim_http_vchars(v, vl) != vl)
		return 0;
	*vlen = vl;
	return nl;
}

/* The fields the server frames itself (not passed on from a handler). */
static int
skip_header(const char *n, size_t len)
{
	switch (len) {
	case 4:
		return apim_http_casecmp(n, "Date", 4);
	case 10:
		return apim_http_casecmp(n, "Connection", 10);
	case 14:
		return apim_http_casecmp(n, "Content-Length", 14);
	case 17:
		return apim_http_casecmp(n, "Transfer-Encoding", 17);
	}
	return 0;
}

/* Append n bytes to c's output (room reserved by the caller). */
#define PUT(c, p, n) do { memcpy((c)->out.data + (c)->out.len, (p), (n)); \
	(c)->out.len += (n); } while (0)
#define PUTS(c, lit) PUT(c, lit, sizeof(lit) - 1)

/* The status line and Date; the start of the head in c->out, or
 * (size_t)-1 once closed. */
static size_t
head_begin(struct apim_http_conn *c, int status)
{
	const char *reason = apim_http_reason(status);
	size_t rl = strlen(reason), start;

	if (httpd_out_room(c, 9 + 4 + rl + 2 + 6 + 29 + 2) == NULL)
		return (size_t)-1;
	start = c->out.len;
	PUTS(c, "HTTP/1.1 ");
	c->out.data[c->out.len++] = (char)('0' + status / 100 % 10);
	c->out.data[c->out.len++] = (char)('0' + status / 10 % 10);
	c->out.data[c->out.len++] = (char)('0' + status % 10);
	c->out.data[c->out.len++] = ' ';
	PUT(c, reason, rl);
	PUTS(c, "\r\nDate: ");
	PUT(c, date_now(c->s), 29);
	PUTS(c, "\r\n");
	return start;
}

/* The framing fields and the empty line; framing from clen (-1: chunked
 * or close). */
static void
head_end(struct apim_http_conn *c, struct reqx *x, int status, int64_t clen)
{
	int nobody = status < 200 || status == 204 || status == 304;

	x->resp_chunked = 0;
	x->resp_left = clen;
	x->resp_nobody = nobody || x->head_method;
	if (httpd_out_room(c, 16 + 20 + 2 + 28 + 24 + 2) == NULL)
		return;
	if (!nobody) {
		if (clen >= 0) {
			PUTS(c, "Content-Length: ");
			c->out.len += apim_fmt_u64(c->out.data + c->out.len,
			    (uint64_t)clen);
			PUTS(c, "\r\n");
		} else if (x->r.minor >= 1) {
			if (!x->head_method)
				PUTS(c, "Transfer-Encoding: chunked\r\n");
			x->resp_chunked = 1;
		} else
			c->close_after = 1;	/* 1.0: the body ends at close */
	}
	if (!x->keep_alive || !x->body_done || c->s->draining)
		c->close_after = 1;
	if (c->close_after)
		PUTS(c, "Connection: close\r\n");
	else if (x->r.minor == 0)
		PUTS(c, "Connection: keep-alive\r\n");
	PUTS(c, "\r\n");
	c->out.data[c->out.len] = '\0';
}

#define LENS 32		/* header lengths kept between the two passes */

/* Write a status line and headers (checked first: -1 and nothing written
 * if one may not be sent); framing from clen (-1: chunked or close).  One
 * reservation for the whole head. */
static int
write_head(struct apim_http_conn *c, struct reqx *x, int status,
    const char *const *hdrs, const struct apim_http_field *f, size_t nf,
    int64_t clen)
{
	size_t i, nl, vl, total = 0, lens[2 * LENS];
	int close_after = 0;

	for (i = 0; i < nf; i++) {
		if (!apim_http_token(f[i].name, f[i].name_len) ||
		    apim_http_vchars(f[i].value, f[i].value_len) !=
		    f[i].value_len)
			return -1;
		if (f[i].name_len == 10 && f[i].value_len == 5 &&
		    apim_http_casecmp(f[i].name, "Connection", 10) &&
		    apim_http_casecmp(f[i].value, "close", 5))
			close_after = 1;
		total += f[i].name_len + f[i].value_len + 4;
	}
	for (i = 0; hdrs && hdrs[i] && hdrs[i + 1]; i += 2) {
		if ((nl = header_ok(hdrs[i], hdrs[i + 1], &vl)) == 0)
			return -1;
		if (nl == 10 && vl == 5 &&
		    apim_http_casecmp(hdrs[i], "Connection", 10) &&
		    apim_http_casecmp(hdrs[i + 1], "close", 5))
			close_after = 1;
		if (i < 2 * LENS) {
			lens[i] = nl;
			lens[i + 1] = vl;
		}
		total += nl + vl + 4;
	}
	if (hdrs && hdrs[i])
		return -1;	/* a name without a value */
	if (close_after)
		c->close_after = 1;
	if (head_begin(c, status) == (size_t)-1 ||
	    httpd_out_room(c, total) == NULL)
		return 0;
	for (i = 0; i < nf; i++) {
		if (skip_header(f[i].name, f[i].name_len))
			continue;
		PUT(c, f[i].name, f[i].name_len);
		PUTS(c, ": ");
		PUT(c, f[i].value, f[i].value_len);
		PUTS(c, "\r\n");
	}
	for (i = 0; hdrs && hdrs[i] && hdrs[i + 1]; i += 2) {
		nl = i < 2 * LENS ? lens[i] : strlen(hdrs[i]);
		vl = i < 2 * LENS ? lens[i + 1] : strlen(hdrs[i + 1]);
		if (skip_header(hdrs[i], nl))
			continue;
		PUT(c, hdrs[i], nl);
		PUTS(c, ": ");
		PUT(c, hdrs[i + 1], vl);
		PUTS(c, "\r\n");
	}
	head_end(c, x, status, clen);
	return 0;
}

/* A reply from the server itself (errors, timeouts), then close. */
void
httpd_error_reply(struct apim_http_conn *c, int status)
{
	char buf[512];
	const char *reason = apim_http_reason(status);

	snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%d %s\n", status, reason,
	    date_now(c->s), strlen(reason) + 5, status, reason);
	httpd_out_str(c, buf);
	c->close_after = 1;
	c->state = ST_CLOSE;
}

int
apim_http_reply_start(struct apim_http_conn *c, int status,
    const char *const *headers, int64_t content_length)
{
	return apim_http_reply_start_fields(c, status, NULL, 0, headers,
	    content_length);
}

int
apim_http_reply_start_fields(struct apim_http_conn *c, int status,
    const struct apim_http_field *fields, size_t nfields,
    const char *const *headers, int64_t content_length)
{
	struct reqx *x = c->x;

	if (x == NULL || x->replied) {
		apim_err_set(APIM_SOFTWARE, "reply already started");
		return -1;
	}
	x->replied = 1;
	if (c->dead || c->closed || x->swallow)
		return -1;
	if (status < 100 || status > 999 || status == 100 ||
	    write_head(c, x, status, headers, fields, nfields,
	    content_length) < 0) {
		/* never send what the handler got wrong: a bare 500 */
		apim_err_set(APIM_SOFTWARE, "invalid status or header in reply");
		write_head(c, x, 500, NULL, NULL, 0, 0);
		x->resp_left = 0;
		x->resp_nobody = 1;
		return -1;
	}
	return 0;
}

int
apim_http_reply_write(struct apim_http_conn *c, const void *data, size_t len)
{
	struct reqx *x = c->x;

	if (x == NULL || !x->replied || x->reply_done) {
		apim_err_set(APIM_SOFTWARE, "no reply started");
		return -1;
	}
	if (c->dead || c->closed || x->swallow)
		return -1;
	if (x->resp_nobody || len == 0)
		return 0;
	if (x->resp_chunked) {
		char sz[APIM_HTTP_CHUNK_LINE], *p;
		size_t n;

		p = apim_http_chunk_line(sz, len, &n);
		httpd_out_add(c, p, n);
		httpd_out_add(c, data, len);
		httpd_out_add(c, "\r\n", 2);
	} else {
		if (x->resp_left >= 0) {
			if ((int64_t)len > x->resp_left) {
				len = (size_t)x->resp_left;
				c->close_after = 1;
			}
			x->resp_left -= (int64_t)len;
		}
		httpd_out_add(c, data, len);
	}
	if (!c->in_run)
		httpd_conn_run(c);
	return 0;
}


/* End a started reply: complete its framing, or (cut) leave it incomplete
 * and close the connection once what is queued has been sent. */
static int
reply_finish(struct apim_http_conn *c, int cut)
{
	struct reqx *x = c->x;

	if (x == NULL || !x->replied || x->reply_done) {
		apim_err_set(APIM_SOFTWARE, "no reply started");
		return -1;
	}
	x->reply_done = 1;
	if (c->dead || c->closed) {
		if (!c->in_run)
			httpd_conn_maybe_free(c);
		return -1;
	}
	if (x->swallow) {	/* the server answered instead (413) */
		if (!c->in_run)
			httpd_conn_run(c);
		return -1;
	}
	if (cut)		/* no last chunk, no padding */
		c->close_after = 1;
	else if (!x->resp_nobody) {
		if (x->resp_chunked)
			httpd_out_str(c, "0\r\n\r\n");
		else if (x->resp_left > 0)
			c->close_after = 1;	/* short body: framing is lost */
	}
	if (!c->in_run)
		httpd_conn_run(c);
	return 0;
}

int
apim_http_reply_end(struct apim_http_conn *c)
{
	return reply_finish(c, 0);
}

int
apim_http_reply_abort(struct apim_http_conn *c)
{
	return reply_finish(c, 1);
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
	return httpd_pending(c);
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
		httpd_conn_run(c);
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
		httpd_conn_run(c);
}

struct apim_loop *
apim_http_loop(struct apim_http_conn *c)
{
	return c->s->loop;
}

const char *
apim_http_header(const struct apim_http_request *req, const char *name)
{
	size_t i, n;

	if (req->name_lens == NULL) {
		for (i = 0; i < req->nheaders; i++)
			if (strcasecmp(req->names[i], name) == 0)
				return req->values[i];
		return NULL;
	}
	n = strlen(name);
	for (i = 0; i < req->nheaders; i++)
		if (req->name_lens[i] == n &&
		    apim_http_casecmp(req->names[i], name, n))
			return req->values[i];
	return NULL;
}