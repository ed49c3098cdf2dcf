/* upstream_int: what lib/upstream.c (libcurl transfers, suspension, the
 * client side) shares with lib/upstream_h1.c (the plain-HTTP fast path). */
#ifndef APIM_UPSTREAM_INT_H
#define APIM_UPSTREAM_INT_H

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "upstream.h"

#define BODY_HIGH (64 * 1024)	/* request bytes buffered: pause the client */
#define OUT_HIGH (256 * 1024)	/* response bytes unsent: pause the backend */
#define OUT_LOW (64 * 1024)	/* ... until they drop to this */
#define POOL_MAX 64		/* idle easy handles kept */

/* Suspension state of one endpoint URL. */
struct ep_state {
	struct ep_state *next;
	int64_t until;		/* suspended until (loop clock), 0 if not */
	int64_t backoff;	/* the next suspension's length */
	char url[];
};

struct xfer;
struct h1target;
struct h1conn;

struct apim_upstream {
	struct apim_loop *loop;
	CURLM *multi;
	struct apim_upstream_opts o;
	struct apim_timer timer;	/* libcurl's timeout */
	int running;
	struct xfer *xfers;	/* in flight */
	size_t nxfers;
	CURL *pool[POOL_MAX];
	size_t npool;
	struct ep_state *eps;
	int freeing;
	struct h1target *targets;	/* fast path: per endpoint URL */
	size_t nidle;		/* fast path: idle kept connections */
	struct xfer *xfree;	/* finished transfers kept for the next ones */
	size_t nxfree;
};

enum { ST_NEW, ST_RUNNING, ST_DONE };

struct xfer {
	struct xfer *next, *prev;
	struct apim_upstream *u;
	struct apim_endpoints *eps;
	struct apim_http_conn *c;	/* NULL once the reply is complete */
	CURL *e;
	int state;
	int in_multi;
	struct curl_slist *hdrs;
	char *method;		/* in own */
	char *pathq;		/* path [?query], in own */
	int64_t clen;		/* request body: 0 none, -1 chunked */
	char **extra;		/* name, value, ..., NULL (copied into xbuf) */
	struct apim_buf own, xbuf;
	void (*done)(const struct apim_upstream_result *, void *);
	void *arg;
	struct apim_buf url;
	size_t cur;		/* endpoint index in use */
	unsigned char tried[APIM_ENDPOINTS_MAX];
	size_t ntried;
	/* request body from the client */
	struct apim_buf in;
	size_t in_off;
	int body_end;		/* 0 more to come, 1 complete, -1 cut short */
	unsigned client_paused:1, read_paused:1, write_paused:1;
	unsigned aborted:1, timed_out:1, started:1, heads_done:1;
	unsigned kick_unpause:1, kick_resume_client:1, finish_pending:1;
	/* response */
	int status;
	int64_t resp_len;	/* body bytes the client expects, -1 unknown */
	struct apim_buf rh;	/* header lines of the final response */
	int64_t t0, last;	/* start, last byte either way (loop clock) */
	struct apim_timer idle, kick;
	struct apim_upstream_result res;
	int fail_status, fail_code;	/* chosen when it fails */
	/* the fast path (x->h1): x->in holds the request body as framed on
	 * the wire, in_off what the connection took */
	unsigned h1:1, h1_retried:1, h1_noreplay:1, h1_got:1, h1_keep:1;
	unsigned h1_connfail:2;	/* deferred: 1 refused, 2 timed out */
	struct h1conn *h1c;
	struct apim_buf h1hdrs;	/* "Name: value\r\n" lines */
	struct apim_buf h1head;	/* the request head as sent */
	size_t h1head_off;
	int64_t h1_queued;	/* body bytes (unframed) from the client */
	int rstate;		/* response framing state */
	int64_t rleft;		/* Content-Length bytes still to come */
	struct apim_http_chunked ck;
};


void up_ep_failed(struct xfer *x);
void up_ep_ok(struct xfer *x);
/* Start the next endpoint's attempt (either path); -1 if none is left. */
int up_attempt(struct xfer *x);
void up_start_reply(struct xfer *x);
void up_finish(struct xfer *x);
void up_kick(struct xfer *x);
void up_on_drain(struct apim_http_conn *c, void *arg);

/* --- lib/upstream_h1.c --- */
/* A zeroed transfer (a finished one reused, its buffers kept but empty);
 * give it back once finished (freed when u is being freed). */
struct xfer *up_xfer_get(struct apim_upstream *u);
void up_xfer_put(struct apim_upstream *u, struct xfer *x);
/* 1 if every endpoint of eps is plain http:// to a numeric address. */
int up_h1_usable(struct apim_upstream *u, struct apim_endpoints *eps);
/* Frame headers (name, value, ..., NULL; not_forwarded ones skipped by the
 * caller) into x->h1hdrs. */
int up_h1_attempt(struct xfer *x);
/* The client sent body bytes (framed here), or its body ended. */
void up_h1_body(struct xfer *x, const char *data, size_t len);
/* Deferred work from the kick timer. */
void up_h1_kick(struct xfer *x);
/* Drop the backend connection (not reused). */
void up_h1_detach(struct xfer *x);
void up_h1_free(struct apim_upstream *u);

#endif
