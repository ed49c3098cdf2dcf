/* httpd_reply: answering a request: response heads and framing, the server's
 * own error replies, and the calls a handler makes on its connection. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
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
	httpd_out_str(c, line);
	for (i = 0; hdrs && hdrs[i] && hdrs[i + 1]; i += 2) {
		if (strcasecmp(hdrs[i], "Connection") == 0 &&
		    strcasecmp(hdrs[i + 1], "close") == 0)
			c->close_after = 1;
		if (skip_header(hdrs[i]))
			continue;
		httpd_out_str(c, hdrs[i]);
		httpd_out_add(c, ": ", 2);
		httpd_out_str(c, hdrs[i + 1]);
		httpd_out_add(c, "\r\n", 2);
	}
	x->resp_chunked = 0;
	x->resp_left = clen;
	x->resp_nobody = nobody || x->head_method;
	if (!nobody) {
		if (clen >= 0) {
			snprintf(line, sizeof(line), "Content-Length: %lld\r\n",
			    (long long)clen);
			httpd_out_str(c, line);
		} else if (x->r.minor >= 1) {
			if (!x->head_method)
				httpd_out_str(c, "Transfer-Encoding: chunked\r\n");
			x->resp_chunked = 1;
		} else
			c->close_after = 1;	/* 1.0: the body ends at close */
	}
	if (!x->keep_alive || !x->body_done || c->s->draining)
		c->close_after = 1;
	if (c->close_after)
		httpd_out_str(c, "Connection: close\r\n");
	else if (x->r.minor == 0)
		httpd_out_str(c, "Connection: keep-alive\r\n");
	httpd_out_add(c, "\r\n", 2);
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
		httpd_out_str(c, sz);
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
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->names[i], name) == 0)
			return req->values[i];
	return NULL;
}