/* gw_fwd: the backend request: hop-by-hop headers and the client's
 * credentials removed, X-Forwarded-* and X-Correlation-ID added, sent by
 * lib/upstream on the worker's loop; endpoint lists kept per endpointConfig so
 * that suspensions outlive a reload of the view. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "gw.h"
#include "gw_auth.h"
#include "gw_fwd.h"
#include "gw_map.h"
#include "gw_view.h"
#include "http.h"
#include "jwt.h"
#include "upstream.h"
#include "util.h"

struct gw_fwd {
	struct apim_upstream *u;
	struct gw_view *view;
	const struct gw_opts *o;
	struct gw_map *eps;	/* "P"/"S" + endpointConfig text -> endpoints */
	struct gw_map *jwts;	/* caller and API -> a signed X-JWT-Assertion */
};

/* 1 while gw_fwd_free ends the calls in flight: the worker is stopping */
static int stopping;

#define GW_BACKEND_JWT_S 900	/* WSO2's default lifetime of a backend JWT */

struct bjwt {
	char *jwt;
	int64_t exp_ms;
};

static void
bjwt_free(void *p)
{
	struct bjwt *b = p;

	free(b->jwt);
	free(b);
}

struct gw_fwd *
gw_fwd_new(struct apim_loop *loop, struct gw_view *view, const struct gw_opts *o)
{
	struct apim_upstream_opts uo;
	struct gw_fwd *f;
	struct apim_upstream *u;

	apim_upstream_opts_init(&uo);
	uo.connect_timeout_ms = atoi(apim_conf_get("backend_connect_timeout_ms", "0"));
	uo.read_timeout_ms = atoi(apim_conf_get("backend_read_timeout_ms", "0"));
	uo.ca_file = apim_conf_get("backend_ca_file", NULL);
	if ((u = apim_upstream_new(loop, &uo)) == NULL)
		return NULL;
	f = apim_xcalloc(1, sizeof *f);
	f->u = u;
	f->view = view;
	f->o = o;
	f->eps = gw_map_new((void (*)(void *))apim_endpoints_free);
	f->jwts = gw_map_new(bjwt_free);
	return f;
}

void
gw_fwd_free(struct gw_fwd *f)
{
	if (f == NULL)
		return;
	stopping = 1;
	apim_upstream_free(f->u);	/* first: its transfers use f->eps */
	stopping = 0;
	gw_map_free(f->eps);
	gw_map_free(f->jwts);
	free(f);
}

/* 1 if name[0..n) is lit, but for case */
static int
is(const char *name, size_t n, const char *lit, size_t litlen)
{
	return n == litlen && apim_http_casecmp(name, lit, n);
}
#define IS(name, n, lit) is(name, n, lit, sizeof(lit) - 1)

/* Headers never passed on (RFC 9110 section 7.6.1, and ours to set),
 * told apart by length first: name[0..n). */
static int
dropped(const struct gw_call *k, const char *name, size_t n,
    const char *connection)
{
	const char *p;

	if (k->cred_header && strlen(k->cred_header) == n &&
	    apim_http_casecmp(name, k->cred_header, n))
		return 1;
	switch (n) {
	case 2:
		if (IS(name, n, "TE"))
			return 1;
		break;
	case 4:
		if (IS(name, n, "Host"))
			return 1;
		break;
	case 6:
		if (IS(name, n, "Expect"))
			return 1;
		break;
	case 7:
		if (IS(name, n, "Trailer") || IS(name, n, "Upgrade"))
			return 1;
		break;
	case 10:
		if (IS(name, n, "Connection") || IS(name, n, "Keep-Alive"))
			return 1;
		break;
	case 14:
		if (IS(name, n, "Content-Length"))
			return 1;
		break;
	case 15:
		if (IS(name, n, "X-JWT-Assertion"))
			return 1;
		break;
	case 16:
		if (IS(name, n, "Proxy-Connection") ||
		    IS(name, n, "X-Forwarded-Host") ||
		    IS(name, n, "X-Correlation-ID"))
			return 1;
		break;
	case 17:
		if (IS(name, n, "Transfer-Encoding") ||
		    IS(name, n, "X-Forwarded-Proto"))
			return 1;
		break;
	case 19:
		if (IS(name, n, "Proxy-Authorization"))
			return 1;
		break;
	}
	/* and the fields the Connection header names */
	for (p = connection; p && *p; ) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, name, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

/* The query without the API key's parameter (k->own keeps it); NULL if
 * empty. */
static const char *
query_without_key(struct gw_call *k, const char *q)
{
	struct apim_buf b = APIM_BUF_INIT;
	size_t kn = strlen(k->cred_query);
	const char *e;

	for (; q && *q; q = e ? e + 1 : NULL) {
		e = strchr(q, '&');
		if (strncasecmp(q, k->cred_query, kn) == 0 && q[kn] == '=')
			continue;
		if (b.len)
			apim_buf_addc(&b, '&');
		apim_buf_add(&b, q, e ? (size_t)(e - q) : strlen(q));
	}
	if (b.len == 0 || k->nown == sizeof k->own / sizeof k->own[0]) {
		apim_buf_free(&b);
		return NULL;
	}
	return k->own[k->nown++] = apim_buf_detach(&b, NULL);
}

/* WSO2's backend JWT for this caller and API, signed with the store's active
 * key and kept until a minute before it expires (so a signature is made
 * once per caller and API every quarter of an hour, not per request).
 * NULL (logged) if it cannot be signed. */
static const char *
backend_jwt(struct gw_fwd *f, const struct gw_call *k)
{
	const struct gw_principal *p = k->principal;
	const struct apim_event *ev = &k->ev;
	struct apim_buf key = APIM_BUF_INIT;
	struct bjwt *b;
	int64_t now = apim_now_ms();
	json_t *c;
	char *text;

	apim_buf_addf(&key, "%s\n%s\n%s\n%s\n%s", ev->application_id,
	    p->user ? p->user : "", ev->api_id, p->key_type,
	    ev->subscription_tier ? ev->subscription_tier : "");
	if ((b = gw_map_get(f->jwts, key.data)) != NULL && now < b->exp_ms - 60000) {
		apim_buf_free(&key);
		return b->jwt;
	}
	c = json_object();
	json_object_set_new(c, "iss", json_string("wso2.org/products/am"));
	json_object_set_new(c, "exp", json_integer(now / 1000 + GW_BACKEND_JWT_S));
	json_object_set_new(c, "http://wso2.org/claims/subscriber",
	    json_string(ev->application_owner));
	json_object_set_new(c, "http://wso2.org/claims/applicationid",
	    json_string(ev->application_id));
	json_object_set_new(c, "http://wso2.org/claims/applicationname",
	    json_string(ev->application_name));
	json_object_set_new(c, "http://wso2.org/claims/applicationtier",
	    json_string(k->app_tier ? k->app_tier : ""));
	json_object_set_new(c, "http://wso2.org/claims/apiname", json_string(ev->api_name));
	json_object_set_new(c, "http://wso2.org/claims/apicontext",
	    json_string(ev->api_context));
	json_object_set_new(c, "http://wso2.org/claims/version",
	    json_string(ev->api_version));
	json_object_set_new(c, "http://wso2.org/claims/tier",
	    json_string(ev->subscription_tier ? ev->subscription_tier : ""));
	json_object_set_new(c, "http://wso2.org/claims/keytype", json_string(p->key_type));
	json_object_set_new(c, "http://wso2.org/claims/usertype",
	    json_string(p->user ? "APPLICATION_USER" : "APPLICATION"));
	json_object_set_new(c, "http://wso2.org/claims/enduser",
	    json_string(p->user ? p->user : ev->application_owner));
	json_object_set_new(c, "http://wso2.org/claims/enduserTenantId", json_string("-1234"));
	text = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	/* exp_s 0: the gateway only reads the store, so the key's JWKS
	 * lifetime is not extended for these short-lived tokens */
	b = apim_xcalloc(1, sizeof *b);
	if (text == NULL ||
	    (b->jwt = apim_jwt_sign_text(gw_view_db(f->view), text, strlen(text),
	    "JWT", 0)) == NULL) {
		apim_warnx("cannot sign the backend JWT: %s", apim_err_msg());
		free(text);
		free(b);
		apim_buf_free(&key);
		return NULL;
	}
	free(text);
	b->exp_ms = (now / 1000 + GW_BACKEND_JWT_S) * 1000;
	gw_map_put(f->jwts, key.data, b);
	apim_buf_free(&key);
	return b->jwt;
}

static void
done(const struct apim_upstream_result *res, void *arg)
{
	struct gw_call *k = arg;

	k->ev.proxy_response_code = res->proxy_status;
	if (res->backend_status > 0)
		k->ev.target_response_code = res->backend_status;
	/* borrowed: res lives until this callback returns, and the event is
	 * written (gw_call_end) before that */
	if (res->destination && *res->destination)
		k->ev.destination = res->destination;
	k->ev.backend_latency = res->backend_ms;
	k->ev.response_mediation_latency = 0;
	k->ev.request_bytes = res->request_bytes;
	k->ev.response_bytes = res->response_bytes;
	if (res->error_code) {
		k->ev.event_type = APIM_EVENT_FAULT;
		k->ev.error_type = res->error_type ? res->error_type : "TARGET_CONNECTIVITY";
		k->ev.error_code = res->error_code;
		k->ev.error_message = res->error_code == 101504 ? "Gateway Timeout" :
		    res->error_code == 101503 ? "Error connecting to the back end" :
		    "Backend response broke off";
	} else if (res->aborted && (stopping || res->proxy_status == 0)) {
		/* cut off: the gateway stopped (a hard stop), or the client
		 * left before anything was sent to it */
		k->ev.event_type = APIM_EVENT_FAULT;
		k->ev.error_type = "OTHER";
		k->ev.error_message = stopping ? "Gateway stopped" :
		    "Client closed the connection";
		if (res->proxy_status == 0)	/* nothing was sent */
			k->ev.proxy_response_code = APIM_EVENT_NONE;
	}
	gw_call_end(k);
}

void
gw_fwd_start(struct gw_fwd *f, struct gw_call *k)
{
	const struct apim_http_request *req = k->req;
	const struct gw_principal *p = k->principal;
	int sandbox = p && p->key_type && strcmp(p->key_type, "SANDBOX") == 0;
	struct apim_upstream_req ur;
	struct apim_endpoints *eps;
	struct apim_buf xff = APIM_BUF_INIT;
	const char *ek = k->api->endpoint_key ? k->api->endpoint_key : "";
	size_t ekl = strlen(ek);
	char kb[128], *key = ekl + 2 <= sizeof kb ? kb : apim_xmalloc(ekl + 2);
	const char **h, *connection = apim_http_header(req, "Connection");
	const char *host = apim_http_header(req, "Host");
	const char *oldxff = NULL, *jwt;
	const char *extra[24], *hs[2 * 24 + 12];
	size_t i, n = 0;

	key[0] = sandbox ? 'S' : 'P';	/* "P"/"S" + the endpointConfig's key */
	memcpy(key + 1, ek, ekl + 1);
	if ((eps = gw_map_get(f->eps, key)) == NULL) {
		apim_err_clear();
		eps = apim_endpoints_new(k->api->endpoint_config, sandbox);
		if (eps == NULL) {
			if (key != kb)
				free(key);
			if (sandbox)
				gw_call_fault(k, 401, 900901, "AUTH", "Invalid Credentials",
				    "No sandbox endpoint is defined for this API");
			else {
				apim_warnx("API %s: %s", k->api->id, apim_err_msg());
				gw_call_fault(k, 503, 101503, "TARGET_CONNECTIVITY",
				    "Error connecting to the back end",
				    "The API has no usable endpoint");
			}
			return;
		}
		gw_map_put(f->eps, key, eps);
	}
	if (key != kb)
		free(key);
	h = 2 * req->nheaders + 12 <= sizeof hs / sizeof hs[0] ? hs :
	    apim_xreallocarray(NULL, 2 * req->nheaders + 12, sizeof *h);
	for (i = 0; i < req->nheaders; i++) {
		size_t nl = req->name_lens ? req->name_lens[i] :
		    strlen(req->names[i]);

		if (IS(req->names[i], nl, "X-Forwarded-For")) {
			oldxff = req->values[i];
			continue;
		}
		if (dropped(k, req->names[i], nl, connection))
			continue;
		h[n++] = req->names[i];
		h[n++] = req->values[i];
	}
	if (oldxff && *req->peer) {
		apim_buf_adds(&xff, oldxff);
		apim_buf_add(&xff, ", ", 2);
		apim_buf_adds(&xff, req->peer);
		h[n++] = "X-Forwarded-For";
		h[n++] = xff.data;
	} else if (oldxff ? *oldxff : *req->peer) {
		h[n++] = "X-Forwarded-For";
		h[n++] = oldxff ? oldxff : req->peer;
	}
	h[n++] = "X-Forwarded-Proto";
	h[n++] = req->tls ? "https" : "http";
	if (host) {
		h[n++] = "X-Forwarded-Host";
		h[n++] = host;
	}
	h[n++] = "X-Correlation-ID";
	h[n++] = k->corr;
	if (f->o->backend_jwt && p && (jwt = backend_jwt(f, k)) != NULL) {
		h[n++] = "X-JWT-Assertion";
		h[n++] = jwt;
	}
	h[n] = NULL;
	memset(&ur, 0, sizeof ur);
	ur.method = req->method;
	ur.path = k->rest;
	ur.query = k->cred_query ? query_without_key(k, req->query) : req->query;
	ur.headers = h;
	ur.content_length = req->chunked ? -1 : req->content_length > 0 ?
	    req->content_length : 0;
	gw_response_headers(k, extra, sizeof extra / sizeof extra[0]);
	if (apim_upstream_forward(f->u, eps, k->c, &ur, extra, done, k) == -1) {
		apim_warnx("%s", apim_err_msg());
		gw_call_fault(k, 503, 101503, "TARGET_CONNECTIVITY",
		    "Error connecting to the back end", "The request could not be sent");
	}
	if (h != hs)
		free(h);
	apim_buf_free(&xff);
}
