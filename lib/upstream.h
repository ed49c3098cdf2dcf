/* upstream: the gateway's backend client: one libcurl multi handle per worker
 * loop, endpoint lists (WSO2 endpointConfig), suspension, streamed forwarding. */
#ifndef APIM_UPSTREAM_H
#define APIM_UPSTREAM_H

#include <stdint.h>

#include "endpoints.h"
#include "httpd.h"
#include "loop.h"

/*
 * Ownership.  An apim_upstream belongs to one loop (one worker) and is used
 * only from it; free it before the loop.  An apim_endpoints is immutable once
 * made (but for its round-robin position) and may be shared by any number of
 * forwards (keep it alive until their done callbacks have run).  Strings in a request or result are borrowed:
 * a request's only for the apim_upstream_forward call (copied), a result's
 * only during the done callback.
 */

struct apim_upstream;

struct apim_upstream_opts {
	int connect_timeout_ms;	/* 0 = 5000: TCP (and TLS) connect */
	int read_timeout_ms;	/* 0 = 60000: no backend byte for this long
				 * (before or during the response) -> 504 */
	int suspend_initial_ms;	/* 0 = 1000: first suspension of an endpoint */
	int suspend_max_ms;	/* 0 = 60000: the back-off's ceiling */
	int suspend_factor;	/* 0 = 2: each failure in a row multiplies it */
	int max_idle_conns;	/* 0 = 256: kept-alive backend connections */
	const char *ca_file;	/* NULL = the system's CAs: a PEM file of those
				 * an https:// backend's certificate must chain
				 * to (copied) */
};

/* Fill o with the defaults (zeroes). */
void apim_upstream_opts_init(struct apim_upstream_opts *o);

/* A client on loop, or NULL with the error set.  o may be NULL for the
 * defaults.  libcurl (a multi handle driven by the loop's fds and one timer)
 * is started by the first transfer the plain-HTTP fast path does not take:
 * an https:// endpoint, or a host name not yet resolved. */
struct apim_upstream *apim_upstream_new(struct apim_loop *loop,
    const struct apim_upstream_opts *o);
/* Cancel every transfer (their done callbacks run, aborted), close backend
 * connections, free.  NULL is allowed. */
void apim_upstream_free(struct apim_upstream *u);

struct apim_upstream_req {
	const char *method;	/* "GET" */
	const char *path;	/* after the API context, e.g. "/pets/1"; appended
				 * to the endpoint URL's path ("" is allowed) */
	const char *query;	/* without '?', or NULL */
	/* name, value, ..., NULL: already filtered by the caller (hop-by-hop
	 * and client credentials removed; X-Forwarded-*, X-Correlation-ID and
	 * an optional X-JWT-Assertion added).  Host, Content-Length,
	 * Transfer-Encoding, Connection, Expect are ignored here: the
	 * endpoint's host is sent and the framing is the client's (below). */
	const char *const *headers;
	/* The request body's framing: 0 no body, > 0 its length, -1 chunked
	 * (read from c's streaming body until it ends). */
	int64_t content_length;
};

struct apim_upstream_result {
	int proxy_status;	/* what the client was answered (0 if nothing
				 * could be sent: it left first) */
	int backend_status;	/* the endpoint's status, 0 if none came */
	const char *destination;	/* the endpoint URL used last, or "" */
	int64_t backend_ms;	/* from the forward call to the end */
	int64_t request_bytes;	/* body bytes sent to the endpoint */
	int64_t response_bytes;	/* body bytes passed to the client */
	const char *error_type;	/* NULL, or "TARGET_CONNECTIVITY" */
	int error_code;		/* 0; 101503 unreachable, or every endpoint
				 * suspended (503); 101504 connect or read
				 * timeout (504); 101505 the connection closed
				 * or broke (502, or the response cut short if
				 * it had started) */
	int aborted;		/* 1: the client left before the end */
};

/*
 * Take over c's reply (the server must run in streaming mode; call from the
 * handler, before anything else read c's body): pick an endpoint (round robin
 * for load_balance, the first not suspended for failover; suspended endpoints
 * are skipped), stream c's request body to it and the response back
 * (apim_http_reply_start/write/end) with back-pressure both ways, strip
 * hop-by-hop headers from the response and add extra_headers (name, value,
 * ..., NULL; may be NULL: the gateway's RateLimit, CORS, X-Correlation-ID).
 * A connect failure or timeout suspends the endpoint (lists of two or more)
 * with growing back-off; a success ends its suspension.  On a connect failure
 * while no request body byte has been sent, failover and load_balance try the
 * next endpoint not yet tried.  If it fails before the response starts, the
 * client gets 503 (101503) or 504 (101504) with WSO2's JSON body
 * {"code":..,"message":..,"description":..} (502 and 101505 when the
 * endpoint closed without an answer); if it fails after, the response is cut
 * short (with a Content-Length the client sees the connection close before
 * the end; a chunked one is ended with its last chunk, as lib/httpd has no way
 * yet to close without it).  A client that leaves
 * cancels the transfer.  done(res, arg) is called exactly once, after the
 * reply is complete (c is then released: forget it), never from inside this
 * call.  Returns 0; -1 with the error set only for a bad argument (eps NULL or
 * empty, method missing), and then neither c nor done was touched.
 */
int apim_upstream_forward(struct apim_upstream *u,
    struct apim_endpoints *eps, struct apim_http_conn *c,
    const struct apim_upstream_req *r, const char *const *extra_headers,
    void (*done)(const struct apim_upstream_result *res, void *arg), void *arg);

/* Transfers in flight (for graceful shutdown and tests). */
size_t apim_upstream_active(const struct apim_upstream *u);

#endif
