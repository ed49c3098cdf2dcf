/* httpd: the HTTP/1.1 server (inetd, systemd socket activation, --listen), its
 * event loop (epoll, timers, other fds) and TLS.  Ownership: see "Ownership" below. */
#ifndef APIM_HTTPD_H
#define APIM_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "loop.h"

/*
 * Ownership.
 * - A struct apim_http_request and everything it points to is owned by the
 *   server; it stays valid from the handler call until the request's final
 *   reply (apim_http_reply or apim_http_reply_end) returns.  Copy what you need
 *   to keep longer.
 * - A struct apim_http_conn *c handed to a handler stays valid until you
 *   complete the reply, even if the client goes away meanwhile (the reply is
 *   then dropped; apim_http_on_abort tells you at once).  So a handler may
 *   keep c and answer later, from a timer or another fd's callback: other
 *   connections are served in the meantime.
 *   Every request must get exactly one reply; after it, forget c.
 * - Header arrays passed to reply functions are copied before they return.
 * - Requests on one connection are answered in order: the next pipelined
 *   request is read only after the current reply is complete.
 */

struct apim_http_conn;

struct apim_http_request {
	const char *method;	/* "GET" */
	const char *target;	/* "/a/b?x=1" as sent (or "*", or absolute-form) */
	const char *path;	/* "/a/b" (not decoded) */
	const char *query;	/* "x=1", or NULL without '?' */
	int minor;		/* HTTP/1.minor */
	size_t nheaders;
	const char *const *names;	/* nheaders names, as sent */
	const char *const *values;	/* nheaders values, OWS trimmed */
	const size_t *name_lens;	/* nheaders lengths of names (or NULL) */
	const size_t *value_lens;	/* ... and of values (or NULL) */
	const char *const *pairs;	/* name, value, ..., NULL: the same
					 * headers as one list (or NULL) */
	const char *body;	/* buffered mode: the whole body, NUL-terminated; else NULL */
	size_t body_len;
	int64_t content_length;	/* -1 if chunked or absent */
	int chunked;
	const char *peer;	/* client IP ("127.0.0.1", "::1"), "" if unknown */
	int tls;		/* 1 over TLS */
};

/* The value of the first header named name (case-insensitive), or NULL. */
const char *apim_http_header(const struct apim_http_request *req, const char *name);

/* Called with a complete request (buffered mode: body read whole, up to
 * max_body) or, in streaming mode, as soon as the head is parsed. */
typedef void (*apim_http_handler)(struct apim_http_conn *c,
    const struct apim_http_request *req, void *arg);

struct apim_httpd_opts {
	apim_http_handler handler;	/* required */
	void *arg;
	int stream;		/* 1: streaming mode (see apim_http_body) */
	int inetd;		/* 1: serve one connection on fds 0/1 */
	const char *listen;	/* "ADDR:PORT", "[::1]:PORT"; port 0 picks one.
				 * NULL: LISTEN_FDS (systemd) is required */
	int workers;		/* processes for listening modes; 0: number of CPUs */
	const char *tls_cert, *tls_key;	/* PEM files: TLS on listening sockets */
	size_t max_line;	/* 0 = defaults: 8 KiB */
	size_t max_headers;	/* 100 */
	size_t max_header_bytes;	/* 16 KiB */
	size_t max_body;	/* 1 MiB: larger bodies get 413 and a close, in
				 * both modes (streaming: before the handler
				 * when Content-Length says so, else when the
				 * chunks pass it, if the handler has not replied
				 * yet; its body callback then gets the abort and
				 * its reply is dropped).  Chunk framing counts
				 * too: a chunked body may take max_body +
				 * max_body/16 + 4 KiB on the wire, size lines,
				 * extensions and trailers included.
				 * SIZE_MAX: no limit */
	int header_timeout_ms;	/* 10000: whole head (from its first byte) -> 408 */
	int read_timeout_ms;	/* 30000: body stalled -> 408 */
	int write_timeout_ms;	/* 30000: response stalled -> close */
	int idle_timeout_ms;	/* 60000: keep-alive idle -> close */
	int max_conns;		/* per worker, 0 = 10000 */
	/* Called once per listening socket with "ADDR:PORT" before serving (e.g.
	 * to print "listening on 127.0.0.1:8080"), and once per worker with its
	 * loop (init: set up timers, other fds); both optional. */
	void (*on_listen)(const char *addr, void *arg);
	void (*on_worker)(struct apim_loop *loop, void *arg);
	/* Called once per worker (and in inetd mode) when serving has ended,
	 * after on_worker: every client connection is closed by then (abort
	 * callbacks have run) and the loop, not yet freed, will not run
	 * again.  Finish here what still holds a connection (a reply to it is
	 * dropped but releases it) and stop the loop's timers you own, e.g.
	 * to record the calls a hard stop cut off; optional. */
	void (*on_worker_end)(struct apim_loop *loop, void *arg);
	int drain_timeout_ms;	/* 10000: graceful shutdown's limit (below) */
	/* The whole request body (Content-Length or chunked, framing included)
	 * must arrive within body_timeout_ms of the end of the head, extended by
	 * 1 s for every body_min_rate bytes received; time spent paused by
	 * apim_http_body_pause does not count.  Past it: 408 and a close, as for
	 * read_timeout_ms (which bounds each stall on its own). */
	int body_timeout_ms;	/* 60000 */
	int body_min_rate;	/* 1024 bytes/s; -1: no extension */
};

/* Fill opts with the defaults (zeroes; the server applies the values above). */
void apim_httpd_opts_init(struct apim_httpd_opts *o);

/* Serve until stopped: inetd mode returns when its connection closes; listening
 * modes run workers until SIGTERM/SIGINT or apim_loop_stop.  SIGTERM/SIGINT
 * shut down gracefully (inetd mode too): every process closes its listening
 * sockets (new connections are refused), idle connections are closed, requests
 * in flight are finished and answered with Connection: close, then the workers
 * and the parent return 0; after drain_timeout_ms the rest are closed (abort
 * callbacks run, then on_worker_end) and they return 0 anyway.  A second
 * signal stops at once, in the same way.
 * The parent of several workers relays SIGHUP to them; they keep the caller's
 * SIGHUP disposition (set it before the call, e.g. to reopen a log).  Returns 0, or -1
 * with the error set (APIM_USAGE bad address, APIM_UNAVAILABLE bind failed,
 * APIM_CONFIG bad TLS files or LISTEN_FDS). */
int apim_httpd_run(const struct apim_httpd_opts *o);

/* --- answering (both modes) --- */

/* Reply at once: status, headers as a NULL-terminated list of name/value
 * pairs ({"Content-Type", "text/plain", NULL}), body (may be NULL).  The server
 * adds Date, Content-Length and Connection; HEAD gets no body.  Returns 0, or
 * -1 when the client is gone (the reply is dropped; c is still released). */
int apim_http_reply(struct apim_http_conn *c, int status,
    const char *const *headers, const void *body, size_t len);

/* Streaming reply: start (content_length -1 = chunked), write pieces, end.
 * Writes are buffered without limit: check apim_http_pending() and wait for
 * the drain callback to apply back-pressure.  reply_end completes the reply. */
int apim_http_reply_start(struct apim_http_conn *c, int status,
    const char *const *headers, int64_t content_length);
int apim_http_reply_write(struct apim_http_conn *c, const void *data, size_t len);
/* apim_http_reply_start with fields (names and values with their lengths,
 * e.g. a backend's response as lib/http parsed it) before headers; the same
 * checks and the same fields left out. */
int apim_http_reply_start_fields(struct apim_http_conn *c, int status,
    const struct apim_http_field *fields, size_t nfields,
    const char *const *headers, int64_t content_length);
int apim_http_reply_end(struct apim_http_conn *c);
/* End a started reply without completing its framing, when what it carries
 * broke off (a backend failed mid-response): no last chunk is sent (a
 * Content-Length reply simply stops short), the bytes already written are
 * sent, then the connection is closed, so the client sees a truncated
 * transfer instead of a complete one.  (A close-delimited HTTP/1.0 reply
 * cannot show it.)  Releases c as apim_http_reply_end does.  0, or -1 when no
 * reply was started (c is then not released) or the client is gone. */
int apim_http_reply_abort(struct apim_http_conn *c);
/* Bytes written but not yet sent to the client. */
size_t apim_http_pending(const struct apim_http_conn *c);
/* Call cb once when the pending output drops to at most low bytes (0: all
 * sent).  Replaces an earlier one; cb NULL cancels. */
void apim_http_on_drain(struct apim_http_conn *c, size_t low,
    void (*cb)(struct apim_http_conn *c, void *arg), void *arg);

/* Call cb once if the connection closes before the reply is complete (the
 * client left, a timeout, a write failed), e.g. to cancel a backend transfer.
 * On a socket, the end of the client's input while the reply is pending counts
 * as leaving.  After cb, reply calls are harmless no-ops that return -1; one
 * (apim_http_reply or apim_http_reply_end) is still needed to release c, and
 * cb may make it itself.  Set it from the handler; cb NULL cancels. */
void apim_http_on_abort(struct apim_http_conn *c,
    void (*cb)(struct apim_http_conn *c, void *arg), void *arg);

/* Streaming mode: the request body arrives through cb in pieces (data valid
 * during the call), then once with len 0 at its end: data "" when the body is
 * complete, data NULL when it was cut short (client gone, bad chunk, timeout,
 * write failure; the connection is closed and your reply, still required to
 * release c, is dropped; if no reply had started, the server answers itself:
 * 400 for a bad chunk, a cut-off body or a bad trailer, 431 for trailers too
 * large, 413 or 408 as above).  Set it from the handler; without it the body is
 * read and discarded.  You may reply before the body ends; the connection is
 * then closed after the reply instead of reading the rest, and cb is not
 * called again.  If the connection dies while you wait for a drain callback,
 * that callback is called (writes then return -1). */
void apim_http_body(struct apim_http_conn *c,
    void (*cb)(struct apim_http_conn *c, const char *data, size_t len, void *arg),
    void *arg);
/* Stop (1) or resume (0) reading the request body: back-pressure upstream. */
void apim_http_body_pause(struct apim_http_conn *c, int paused);

/* The loop serving c (for timers and fds). */
struct apim_loop *apim_http_loop(struct apim_http_conn *c);

#endif
