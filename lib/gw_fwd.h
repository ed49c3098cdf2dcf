/* gw_fwd: apim-proxy's step 6: the request as the backend gets it (headers
 * filtered and added, credentials removed) handed to lib/upstream, and the
 * call's event completed from its result.  Also the call record shared by
 * the gateway's steps. */
#ifndef APIM_GW_FWD_H
#define APIM_GW_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "httpd.h"
#include "loop.h"

struct gw_api;
struct gw_cors;
struct gw_res;
struct gw_principal;
struct gw_view;
struct gw_opts;

/* One request on its way through the gateway.  Strings the event points to
 * are owned by the call (own[]) or static; api, res and principal are
 * borrowed from the view and the auth cache and valid only until the handler
 * returns. */
struct gw_call {
	struct apim_http_conn *c;
	const struct apim_http_request *req;
	struct apim_event ev;
	int64_t t0;		/* monotonic ms at the start */
	char corr[37];		/* X-Correlation-ID */
	char *own[32];
	size_t nown;
	const char *origin;	/* the Origin header, or NULL */
	const struct gw_cors *cors;	/* the API's CORS, else apim.conf's */
	const char *app_tier;
	const char *sub_id;
	const char *cred_header;	/* the header the credential came in (removed) */
	const char *cred_query;	/* the query parameter the API key came in (removed) */
	const struct gw_api *api;
	const struct gw_res *res;
	const struct gw_principal *principal;
	const char *rest;	/* the path after the context (and version) */
	const char *extra[16];	/* headers for the client (name, value, ..., NULL) */
};

struct gw_fwd;

/* A forwarder on loop (a worker's).  NULL with the error set. */
struct gw_fwd *gw_fwd_new(struct apim_loop *loop, struct gw_view *view,
    const struct gw_opts *o);
/* End every call still in flight (its client gets nothing more; its event,
 * a fault, is written), close the backend connections, free f.  For the
 * worker's end (a hard stop); NULL is allowed. */
void gw_fwd_free(struct gw_fwd *f);
/* Forward k (which then belongs to the forwarder; its event is written when
 * the reply is complete). */
void gw_fwd_start(struct gw_fwd *f, struct gw_call *k);

/* From gw.c: finish a call (write its event, free it); answer a fault. */
void gw_call_end(struct gw_call *k);
void gw_call_fault(struct gw_call *k, int status, int code, const char *type,
    const char *message, const char *description);
/* The gateway's headers for the client (X-Correlation-ID, CORS) into h
 * (cap slots, NULL-terminated); returns the slots used. */
size_t gw_response_headers(struct gw_call *k, const char **h, size_t cap);

#endif
