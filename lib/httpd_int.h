/* httpd_int: what the parts of the HTTP server share (connections, replies,
 * listening, the run modes); not for callers, who use httpd.h. */
#ifndef APIM_HTTPD_INT_H
#define APIM_HTTPD_INT_H

#include <netinet/in.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "http.h"
#include "httpd.h"

enum {
	ST_HANDSHAKE,		/* TLS handshake */
	ST_HEAD,		/* reading a request head (or idle) */
	ST_BODY,		/* reading a body; streaming: handler already called */
	ST_WAIT,		/* body read, waiting for the reply to complete */
	ST_CLOSE,		/* flush, then close */
	ST_LINGER,		/* write side shut: discard input until EOF */
};

#define RBUF_MIN 4096		/* read buffer: first size, and read size */
#define OUT_HIGH (256 * 1024)	/* stop reading pipelined requests above this */
#define OUT_FIRST 1024		/* output buffer: first size */
#define OUT_KEEP (64 * 1024)	/* free larger output buffers once flushed */
#define BODY_FIRST (64 * 1024)	/* body buffer: most reserved up front */
#define LINGER_MS 2000
#define POOL_BUFS 64		/* idle connections' buffers (and finished
				 * requests' blocks) kept per worker */
#define POOL_IN_CAP (2 * RBUF_MIN)	/* ... up to these sizes */
#define POOL_OUT_CAP (16 * 1024)

/* One request in progress: the parsed head, copied; the body; reply state. */
struct reqx {
	struct apim_http_request r;
	size_t alloc;		/* bytes in the block (see reqx_new) */
	struct apim_buf body;	/* buffered mode: the body so far */
	size_t blen;		/* body data bytes so far (both modes) */
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
	struct httpd_server *s;
	struct apim_http_conn *prev, *next;
	int rfd, wfd;
	SSL *ssl;
	struct reqx *x;
	struct apim_buf in;	/* bytes read, unparsed from roff on */
	size_t roff, hscan;	/* hscan: head bytes already scanned */
	struct apim_buf out;	/* bytes to send, unsent from woff on */
	size_t woff;
	int64_t t_head, t_read, t_write, t_idle;
	int state;
	int ev_r, ev_w;		/* interest registered */
	int ssl_want;		/* SSL_ERROR_WANT_READ/WRITE or 0 */
	int in_run;		/* depth of httpd_conn_run and reply calls */
	unsigned rd_eof:1, closed:1, dead:1, is_sock:1;
	unsigned close_after:1;
	unsigned rd_wait:1;	/* a plain socket read came up short (it is
				 * drained): no read until the loop says so */
	char peer[INET6_ADDRSTRLEN];
};

/* Buffers of idle connections, reused by busy ones (no malloc per request
 * on keep-alive connections, yet small idle ones). */
struct httpd_pool {
	size_t n;
	struct apim_buf b[POOL_BUFS];
};

/* One per process (worker, or the inetd connection). */
struct httpd_server {
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
	struct reqx *spare[POOL_BUFS];	/* finished requests' blocks */
	size_t nspare;
	struct httpd_pool pool_in, pool_out;
	int draining;		/* SIGTERM: no accepting, close when idle */
	int64_t drain_until;
};

/* httpd_conn.c: connections (transport, request framing, timeouts) */
void httpd_out_add(struct apim_http_conn *c, const void *p, size_t n);
void httpd_out_str(struct apim_http_conn *c, const char *s);
/* Room for n more bytes at the end of c's output, or NULL once closed: write
 * them, then add what was written to c->out.len. */
char *httpd_out_room(struct apim_http_conn *c, size_t n);
/* Take a pooled buffer into the empty b (none: b stays empty); give b's
 * storage back to the pool (or free it) and leave b empty. */
void httpd_pool_take(struct httpd_pool *p, struct apim_buf *b);
void httpd_pool_put(struct httpd_pool *p, struct apim_buf *b, size_t maxcap);
void httpd_pool_free(struct httpd_pool *p);
size_t httpd_pending(const struct apim_http_conn *c);
struct apim_http_conn *httpd_conn_new(struct httpd_server *s, int rfd, int wfd,
    const char *peer, int is_sock);
/* Do all that can be done now: handshake, flush, parse, call the handler. */
void httpd_conn_run(struct apim_http_conn *c);
/* Close at once (abort callbacks run); frees c unless a handler holds it. */
void httpd_conn_close(struct apim_http_conn *c);
void httpd_conn_maybe_free(struct apim_http_conn *c);
/* 1 between requests with nothing buffered either way. */
int httpd_conn_idle(const struct apim_http_conn *c);
void httpd_body_fail(struct apim_http_conn *c, int status);
/* The timeouts: a 100 ms timer per loop (arg: the server). */
void httpd_sweep(void *arg);

/* httpd_reply.c: the server's own answers */
/* A reply from the server itself (errors, timeouts), then close. */
void httpd_error_reply(struct apim_http_conn *c, int status);

/* httpd_listen.c: listening sockets, socket activation, accepting, TLS */
void httpd_peer_name(const struct sockaddr_storage *ss, char *out, size_t n);
void httpd_sock_name(int fd, char *out, size_t n);
/* "ADDR:PORT" or "[V6]:PORT" to a listening socket, or -1. */
int httpd_listen_on(const char *spec);
/* systemd socket activation: fds 3.. when LISTEN_PID is us.  Count or -1. */
int httpd_listen_fds(int **fds);
SSL_CTX *httpd_tls_ctx(const struct apim_httpd_opts *o);
/* The loop callback for a listening socket (arg: the server). */
void httpd_on_accept(int lfd, int ev, void *arg);

#endif
