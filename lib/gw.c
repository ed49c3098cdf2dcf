/* gw: apim-proxy's request path, one function per step in the order of
 * apim-proxy(8): API, resource, CORS, credentials, subscription, scopes,
 * throttle, forward; every request ends in exactly one event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "apikey.h"
#include "buf.h"
#include "conf.h"
#include "err.h"
#include "event.h"
#include "gw.h"
#include "gw_auth.h"
#include "gw_events.h"
#include "gw_fwd.h"
#include "gw_route.h"
#include "gw_view.h"
#include "httpd.h"
#include "sub.h"
#include "throttle.h"
#include "util.h"

#define GW_CHECK_MS 500		/* the worker's timer: events file rotation */

/* One worker's state (a process: listening workers are forks). */
static struct {
	const struct gw_opts *o;
	struct gw_view *view;
	struct gw_auth *auth;
	struct gw_fwd *fwd;
	struct apim_throttle *thr;
	struct apim_loop *loop;
	char node[256];
	struct {
		int on, credentials;
		const char *origins, *methods, *headers;
	} cors;
} g;

/* --- a call: what the request path learned, for the event --- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
keep(struct gw_call *k, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if (k->nown == sizeof k->own / sizeof k->own[0])
		return NULL;
	d = apim_strdup(s);
	k->own[k->nown++] = d;
	return d;
}

/* A correlation id: a random 128-bit value drawn once per process, plus a
 * counter, written as a version-4 UUID: unique without a random draw (and
 * OpenSSL's fork check) per request. */
static void
corr_id(char out[37])
{
	static unsigned char seed[16];
	static uint64_t n;
	unsigned char b[16];
	uint64_t carry;
	unsigned v;
	int i;

	/* getrandom(2), not RAND_bytes: a request that checks no signature
	 * need not start OpenSSL's generator (inetd pays it per process) */
	if (n == 0 && getrandom(seed, sizeof seed, GRND_NONBLOCK) !=
	    (ssize_t)sizeof seed) {
		uint64_t t = (uint64_t)apim_now_ms() ^ ((uint64_t)getpid() << 32);

		memcpy(seed, &t, sizeof t);
	}
	n++;
	memcpy(b, seed, sizeof b);
	/* add n to bytes 9..15 as one big-endian number (clear of the
	 * version and variant bits) */
	for (i = 15, carry = n; i >= 9 && carry; i--) {
		v = b[i] + (unsigned)(carry & 0xff);
		b[i] = (unsigned char)v;
		carry = (carry >> 8) + (v >> 8);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {	/* not snprintf: it is per request */
		char *o = out + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) + (i >= 10);

		o[0] = "0123456789abcdef"[b[i] >> 4];
		o[1] = "0123456789abcdef"[b[i] & 15];
	}
	out[8] = out[13] = out[18] = out[23] = '-';
	out[36] = '\0';
}

static struct gw_call *
call_new(struct apim_http_conn *c, const struct apim_http_request *req)
{
	struct gw_call *k = apim_xcalloc(1, sizeof *k);

	k->c = c;
	k->req = req;
	k->t0 = mono_ms();
	apim_event_init(&k->ev);
	corr_id(k->corr);
	k->ev.correlation_id = k->corr;
	k->ev.gateway_node = g.node;
	k->ev.api_method = keep(k, req->method);
	k->ev.user_ip = keep(k, req->peer);
	k->ev.user_agent = keep(k, apim_http_header(req, "User-Agent"));
	k->ev.request_bytes = req->content_length > 0 ? req->content_length : 0;
	k->ev.response_bytes = 0;
	return k;
}

void
gw_call_end(struct gw_call *k)
{
	int64_t now = mono_ms();
	size_t i;

	k->ev.response_latency = now - k->t0;
	if (k->ev.request_mediation_latency < 0)
		k->ev.request_mediation_latency = now - k->t0;
	gw_events_write(&k->ev);
	for (i = 0; i < k->nown; i++)
		free(k->own[i]);
	free(k);
}

/* --- answers the gateway makes itself --- */

/* CORS response headers for this request into h (n used, cap room). */
static size_t
cors_headers(struct gw_call *k, const char **h, size_t n, size_t cap)
{
	const char *origin = k->origin;

	if (!g.cors.on || origin == NULL || n + 6 >= cap)
		return n;
	if (strcmp(g.cors.origins, "*") == 0 && !g.cors.credentials)
		origin = "*";
	else {
		char **l = apim_split_csv(g.cors.origins);
		size_t i;
		int ok = 0;

		for (i = 0; l[i]; i++)
			ok |= strcmp(l[i], "*") == 0 || strcmp(l[i], origin) == 0;
		apim_strv_free(l);
		if (!ok)
			return n;
		h[n++] = "Vary";
		h[n++] = "Origin";
	}
	h[n++] = "Access-Control-Allow-Origin";
	h[n++] = origin;
	if (g.cors.credentials && n + 2 < cap) {
		h[n++] = "Access-Control-Allow-Credentials";
		h[n++] = "true";
	}
	return n;
}

/* Answer a fault with WSO2's JSON body and end the call. */
static void
fault(struct gw_call *k, int status, int code, const char *type,
    const char *message, const char *description, const char *const *extra)
{
	struct apim_buf b = APIM_BUF_INIT;
	const char *h[24];
	char codes[16];
	size_t n = 0;
	json_t *o;
	char *body;

	snprintf(codes, sizeof codes, "%d", code);
	o = json_pack("{s:s, s:s, s:s}", "code", codes, "message", message,
	    "description", description);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	apim_buf_adds(&b, body ? body : "{}");
	free(body);
	h[n++] = "Content-Type";
	h[n++] = "application/json; charset=UTF-8";
	h[n++] = "X-Correlation-ID";
	h[n++] = k->corr;
	for (; extra && *extra && n + 2 < 20; extra += 2) {
		h[n++] = extra[0];
		h[n++] = extra[1];
	}
	n = cors_headers(k, h, n, sizeof h / sizeof h[0] - 1);
	h[n] = NULL;
	k->ev.event_type = APIM_EVENT_FAULT;
	k->ev.proxy_response_code = status;
	k->ev.error_type = type;
	k->ev.error_code = code;
	k->ev.error_message = keep(k, message);
	k->ev.response_bytes = strcmp(k->req->method, "HEAD") == 0 ? 0 : (int64_t)b.len;
	apim_http_reply(k->c, status, h, b.data, b.len);
	apim_buf_free(&b);
	gw_call_end(k);
}

/* The preflight answer: 200 with the methods this path takes. */
static void
preflight(struct gw_call *k, const char *allow)
{
	const char *h[24];
	size_t n = 0;
	char methods[128];

	snprintf(methods, sizeof methods, "%s, OPTIONS", allow);
	h[n++] = "Allow";
	h[n++] = methods;
	h[n++] = "X-Correlation-ID";
	h[n++] = k->corr;
	if (g.cors.on && k->origin) {
		h[n++] = "Access-Control-Allow-Methods";
		h[n++] = g.cors.methods;
		h[n++] = "Access-Control-Allow-Headers";
		h[n++] = g.cors.headers;
	}
	n = cors_headers(k, h, n, sizeof h / sizeof h[0] - 1);
	h[n] = NULL;
	k->ev.proxy_response_code = 200;
	apim_http_reply(k->c, 200, h, NULL, 0);
	gw_call_end(k);
}

/* --- the steps --- */

/* The value of "apikey" in the query, copied; NULL if absent. */
static char *
query_apikey(struct gw_call *k, const char *q)
{
	const char *e;

	for (; q && *q; q = e ? e + 1 : NULL) {
		e = strchr(q, '&');
		if (strncmp(q, "apikey=", 7) == 0) {
			size_t n = e ? (size_t)(e - q - 7) : strlen(q + 7);
			char *v = apim_xmalloc(n + 1);

			memcpy(v, q + 7, n);
			v[n] = '\0';
			k->own[k->nown < 30 ? k->nown++ : 0] = v;
			k->query_key = 1;
			return v;
		}
	}
	return NULL;
}

/* Step 4: who calls.  0 and *pp (NULL for an open resource), or -1 after a
 * fault was sent. */
static int
authenticate(struct gw_call *k, const struct gw_api *api, const struct gw_res *r,
    const struct gw_principal **pp)
{
	const char *auth = apim_http_header(k->req, "Authorization"), *tok = NULL;
	const char *key = NULL;
	int oauth, apikey, rc;
	int64_t now = apim_now_ms();

	*pp = NULL;
	if (strcmp(api->state, "PROTOTYPED") == 0 ||
	    (r->auth && strcmp(r->auth, "none") == 0))
		return 0;
	oauth = r->auth ? strcmp(r->auth, "oauth2") == 0 : api->oauth2;
	apikey = r->auth ? strcmp(r->auth, "api_key") == 0 : api->api_key;
	if (oauth && auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		for (tok = auth + 7; *tok == ' '; tok++)
			;
		k->used_authorization = 1;
	}
	if (apikey && tok == NULL) {
		if ((key = apim_http_header(k->req, "apikey")) != NULL)
			k->used_apikey_header = 1;
		else
			key = query_apikey(k, k->req->query);
	}
	if (tok == NULL && key == NULL) {
		static const char *const www[] = { "WWW-Authenticate",
		    "Bearer realm=\"apim\"", NULL };

		fault(k, 401, GW_MISSING_CREDENTIALS, "AUTH", "Missing Credentials",
		    "Invalid Credentials. Make sure your API invocation call has a "
		    "header: 'Authorization : Bearer ACCESS_TOKEN' or 'apikey: API_KEY'",
		    www);
		return -1;
	}
	/* inetd: the token checker (prepared statements, OpenSSL) only when a
	 * credential must be checked */
	if (g.auth == NULL && (g.auth = gw_auth_new(g.view)) == NULL)
		rc = -1;
	else
		rc = tok ? gw_auth_bearer(g.auth, tok, now, pp) :
	    gw_auth_apikey(g.auth, key, now, pp);
	if (rc == -1) {
		apim_warnx("%s", apim_err_msg());
		fault(k, 503, 900900, "OTHER", "Unclassified Authentication Failure",
		    "the store is unavailable", NULL);
		return -1;
	}
	if (rc != 0) {
		fault(k, 401, GW_INVALID_CREDENTIALS, "AUTH", "Invalid Credentials",
		    "Make sure you have provided the correct security credentials",
		    NULL);
		return -1;
	}
	if ((*pp)->kind == GW_APIKEY &&
	    (!apim_apikey_ip_permitted((*pp)->permitted_ip, k->req->peer) ||
	    !apim_apikey_referer_permitted((*pp)->permitted_referer,
	    apim_http_header(k->req, "Referer")))) {
		fault(k, 403, GW_FORBIDDEN, "AUTH", "Resource forbidden ",
		    "Access forbidden: the API key may not be used from here", NULL);
		return -1;
	}
	return 0;
}

/* Step 4 continued: the application, its subscription and the scopes.  0, or
 * -1 after a fault. */
static int
authorize(struct gw_call *k, const struct gw_api *api, const struct gw_res *r,
    const struct gw_principal *p)
{
	const struct gw_app *app;
	const struct gw_sub *s;
	int code;

	if ((app = gw_view_app(g.view, p->app_id)) == NULL) {
		if (apim_err_code() != APIM_NO)
			apim_warnx("%s", apim_err_msg());
		fault(k, 401, GW_INVALID_CREDENTIALS, "AUTH", "Invalid Credentials",
		    "Make sure you have provided the correct security credentials", NULL);
		return -1;
	}
	k->ev.application_id = keep(k, app->id);
	k->ev.application_name = keep(k, app->name);
	k->ev.application_owner = keep(k, app->owner);
	k->ev.key_type = keep(k, p->key_type);
	k->ev.user_name = keep(k, p->user);
	k->app_tier = keep(k, app->tier);
	if ((s = gw_view_sub(g.view, app->id, api->id)) == NULL) {
		apim_warnx("%s", apim_err_msg());
		fault(k, 503, 900900, "OTHER", "Unclassified Authentication Failure",
		    "the store is unavailable", NULL);
		return -1;
	}
	if ((code = apim_sub_allows(s->status, p->key_type)) != 0) {
		fault(k, apim_sub_http_status(code), code, "AUTH",
		    code == APIM_SUB_NONE ? "Resource forbidden " :
		    code == APIM_SUB_BLOCKED ? "The requested API is temporarily blocked" :
		    "The subscription to the API is inactive",
		    code == APIM_SUB_NONE ? "User is NOT authorized to access the "
		    "Resource. API Subscription validation failed." :
		    code == APIM_SUB_BLOCKED ? "The subscription is blocked" :
		    "The subscription is on hold or rejected", NULL);
		return -1;
	}
	k->ev.subscription_tier = keep(k, s->tier);
	k->sub_id = keep(k, s->id);
	if (p->kind == GW_OAUTH && !gw_auth_scoped(p->scope, r->scopes)) {
		char d[512];

		snprintf(d, sizeof d, "User is NOT authorized to access the Resource: "
		    "%s. Scope validation failed.", r->tmpl);
		fault(k, 403, 900910, "AUTH", "The access token does not allow you to "
		    "access the requested resource", d, NULL);
		return -1;
	}
	return 0;
}

/* Step 5: the Traffic Manager's layer 1.  0 (RateLimit headers kept in
 * k->extra), or -1 after a fault (429 or 403). */
static int
throttle(struct gw_call *k, const struct gw_api *api, const struct gw_res *r,
    const struct gw_principal *p, const char *sub_id)
{
	const struct apim_http_request *req = k->req;
	struct apim_throttle_req rq;
	struct apim_throttle_res res;
	const char **hv, **qv = NULL;
	char *qcopy = NULL, *q, *e;
	char ipkey[80], retry[24];
	size_t i, n = 0;
	int rc;

	memset(&rq, 0, sizeof rq);
	rq.api_id = api->id;
	rq.api_name = api->name;
	rq.api_version = api->version;
	rq.api_context = api->context;
	rq.api_policy = api->policy;
	rq.verb = req->method;
	rq.resource = r->tmpl;
	rq.resource_policy = r->tier;
	if (p) {
		rq.app_id = k->ev.application_id;
		rq.app_name = k->ev.application_name;
		rq.app_owner = k->ev.application_owner;
		rq.app_tier = k->app_tier;
		rq.sub_id = sub_id;
		rq.sub_tier = k->ev.subscription_tier;
		rq.user = p->user;
	} else {
		/* an open resource: the Unauthenticated tier, per client address */
		snprintf(ipkey, sizeof ipkey, "ip:%s:%s", req->peer, api->id);
		rq.sub_id = ipkey;
		rq.sub_tier = "Unauthenticated";
	}
	rq.client_ip = req->peer;
	hv = apim_xreallocarray(NULL, 2 * req->nheaders + 1, sizeof *hv);
	for (i = 0; i < req->nheaders; i++) {
		hv[2 * i] = req->names[i];
		hv[2 * i + 1] = req->values[i];
	}
	hv[2 * req->nheaders] = NULL;
	rq.headers = hv;
	if (req->query && *req->query) {
		qcopy = apim_strdup(req->query);
		qv = apim_xreallocarray(NULL, 2 * strlen(qcopy) + 2, sizeof *qv);
		for (q = qcopy; q; q = e) {
			if ((e = strchr(q, '&')) != NULL)
				*e++ = '\0';
			if (*q == '\0')
				continue;
			qv[n++] = q;
			if ((q = strchr(q, '=')) != NULL)
				*q++ = '\0';
			qv[n++] = q ? q : "";
		}
		qv[n] = NULL;
		rq.query = qv;
	}
	rq.bytes = req->content_length > 0 ? req->content_length : 0;
	/* inetd: the counters only for a request that gets this far */
	if (g.thr == NULL && (g.thr = apim_throttle_open_db(gw_view_db(g.view),
	    g.o->db_path, NULL)) == NULL)
		rc = -1;
	else
		rc = apim_throttle_check(g.thr, &rq, &res);
	free(hv);
	free(qv);
	free(qcopy);
	if (rc == -1) {
		/* fail closed: a broken counter file must not open the gates */
		apim_warnx("%s", apim_err_msg());
		fault(k, 503, 900800, "THROTTLED", "Message throttled out",
		    "the throttling state is unavailable", NULL);
		return -1;
	}
	n = 0;
	if (res.ratelimit_policy[0]) {
		k->extra[n++] = "RateLimit-Policy";
		k->extra[n++] = keep(k, res.ratelimit_policy);
		k->extra[n++] = "RateLimit";
		k->extra[n++] = keep(k, res.ratelimit);
	}
	k->extra[n] = NULL;
	if (res.exceeded)
		k->ev.throttle_key = res.reason;	/* passed over a soft quota */
	if (res.allow)
		return 0;
	k->ev.throttle_key = res.reason;
	if (res.status == 429) {
		snprintf(retry, sizeof retry, "%lld", (long long)(res.retry_after > 0 ?
		    res.retry_after : 1));
		k->extra[n++] = "Retry-After";
		k->extra[n++] = keep(k, retry);
		k->extra[n] = NULL;
	}
	fault(k, res.status, res.code, "THROTTLED", res.message ? res.message :
	    "Message throttled out", res.reason ? res.reason : "", k->extra);
	return -1;
}

static void
handler(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	struct gw_call *k = call_new(c, req);
	const struct gw_api *apis, *api;
	const struct gw_res *r;
	const struct gw_principal *p = NULL;
	const char *rest;
	char allow[96], ctx[512];
	size_t n;
	int pm;

	(void)arg;
	k->origin = keep(k, apim_http_header(req, "Origin"));
	if (g.view && gw_view_refresh(g.view, apim_loop_now(apim_http_loop(c)), 0) == -1)
		apim_warnx("%s", apim_err_msg());
	if (g.view == NULL || (apis = gw_view_apis(g.view, req->path, &n)) == NULL) {
		if (g.view)
			apim_warnx("%s", apim_err_msg());
		fault(k, 503, 900900, "OTHER", "Service Unavailable",
		    "The gateway cannot read its store", NULL);
		return;
	}
	if (!gw_route_path_ok(req->path)) {
		fault(k, 400, 400, "OTHER", "Bad Request",
		    "The request path has a dot segment", NULL);
		return;
	}
	/* 1. the API */
	if ((api = gw_route_api(apis, n, req->path, &rest)) == NULL) {
		fault(k, 404, 404, "OTHER", "Not Found",
		    "The requested resource is not available.", NULL);
		return;
	}
	k->ev.api_id = keep(k, api->id);
	k->ev.api_name = keep(k, api->name);
	k->ev.api_version = keep(k, api->version);
	snprintf(ctx, sizeof ctx, "%s/%s", api->context, api->version);
	k->ev.api_context = keep(k, ctx);
	k->ev.api_creator = keep(k, api->provider);
	if (strcmp(api->state, "BLOCKED") == 0) {
		fault(k, 503, 700700, "OTHER", "API blocked", "This API has been "
		    "blocked temporarily. Please try again later or contact the "
		    "system administrators.", NULL);
		return;
	}
	/* 2. the resource (3. CORS preflight: OPTIONS on a path without one) */
	if ((r = gw_route_resource(api, req->method, rest, &pm, allow,
	    sizeof allow)) == NULL) {
		if (pm && strcmp(req->method, "OPTIONS") == 0)
			preflight(k, allow);
		else if (pm) {
			const char *h[] = { "Allow", allow, NULL };

			fault(k, 405, 405, "OTHER", "Method not allowed",
			    "The requested HTTP method is not allowed for this resource", h);
		} else
			fault(k, 404, 404, "OTHER", "Runtime Error",
			    "No matching resource found for given API Request", NULL);
		return;
	}
	k->ev.api_resource_template = keep(k, r->tmpl);
	/* 4. credentials, subscription, scopes */
	if (authenticate(k, api, r, &p) == -1)
		return;
	if (p && authorize(k, api, r, p) == -1)
		return;
	if (p == NULL) {
		k->ev.key_type = "PRODUCTION";
		k->ev.subscription_tier = "Unauthenticated";
	}
	/* 5. throttle */
	if (throttle(k, api, r, p, k->sub_id) == -1)
		return;
	/* 6. forward */
	k->ev.request_mediation_latency = mono_ms() - k->t0;
	k->api = api;
	k->res = r;
	k->principal = p;
	k->rest = rest;
	/* inetd: the backend client (libcurl) only when a call goes on */
	if (g.fwd == NULL && (g.fwd = gw_fwd_new(g.loop, g.view, g.o)) == NULL) {
		apim_warnx("%s", apim_err_msg());
		fault(k, 503, 101503, "TARGET_CONNECTIVITY", "Service Unavailable",
		    "Error connecting to the back end", NULL);
		return;
	}
	gw_fwd_start(g.fwd, k);
}

/* A worker's timer: notice a rotated events file. */
static void
tick(void *arg)
{
	(void)arg;
	gw_events_check();
	apim_loop_timer(g.loop, GW_CHECK_MS, tick, NULL);
}

static void
on_worker(struct apim_loop *loop, void *arg)
{
	(void)arg;
	g.loop = loop;
	/* inetd: one request or a few on one connection; the token checker,
	 * the counters and the backend client are made when first needed */
	if ((g.view = gw_view_new(g.o->db_path, g.o->inetd)) == NULL ||
	    (!g.o->inetd && ((g.auth = gw_auth_new(g.view)) == NULL ||
	    (g.fwd = gw_fwd_new(loop, g.view, g.o)) == NULL ||
	    (g.thr = apim_throttle_open_db(gw_view_db(g.view), g.o->db_path,
	    NULL)) == NULL))) {
		/* every request gets 503 (under inetd the status is the
		 * error channel); the message is in the log */
		apim_warnx("%s", apim_err_msg());
		gw_view_free(g.view);
		g.view = NULL;
	}
	if (!g.o->inetd)
		apim_loop_timer(loop, GW_CHECK_MS, tick, NULL);
}

static void
on_listen(const char *addr, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: listening on %s\n", apim_prog(), addr);
	fflush(stderr);
}

/* A header to the client: CORS and the correlation id (static storage until
 * the next request: the forwarder copies them). */
size_t
gw_response_headers(struct gw_call *k, const char **h, size_t cap)
{
	size_t n = 0;

	const char *const *x;

	h[n++] = "X-Correlation-ID";
	h[n++] = k->corr;
	for (x = k->extra; *x && n + 3 < cap; x += 2) {
		h[n++] = x[0];
		h[n++] = x[1];
	}
	n = cors_headers(k, h, n, cap - 1);
	h[n] = NULL;
	return n;
}

void
gw_call_fault(struct gw_call *k, int status, int code, const char *type,
    const char *message, const char *description)
{
	fault(k, status, code, type, message, description, NULL);
}

int
gw_run(const struct gw_opts *o)
{
	struct apim_httpd_opts ho;
	struct gw_view *check;

	memset(&g, 0, sizeof g);
	g.o = o;
	if (o->node)
		snprintf(g.node, sizeof g.node, "%s", o->node);
	else if (gethostname(g.node, sizeof g.node - 1) == -1)
		strcpy(g.node, "localhost");
	g.cors.on = strcmp(apim_conf_get("cors", "on"), "off") != 0;
	g.cors.credentials = strcmp(apim_conf_get("cors_allow_credentials", "false"),
	    "true") == 0;
	g.cors.origins = apim_conf_get("cors_allow_origins", "*");
	g.cors.methods = apim_conf_get("cors_allow_methods",
	    "GET,PUT,POST,DELETE,PATCH,OPTIONS");
	g.cors.headers = apim_conf_get("cors_allow_headers",
	    "authorization,Access-Control-Allow-Origin,Content-Type,SOAPAction,apikey");
	/* Fail early on a bad store or events file; workers open their own
	 * (inetd: the only worker opens it at once). */
	if (!o->inetd) {
		if ((check = gw_view_new(o->db_path, 1)) == NULL)
			return -1;
		gw_view_free(check);
	}
	if (gw_events_open(o->events) == -1) {
		if (!o->events_optional)
			return -1;
		if (!o->inetd)
			apim_warnx("%s: no events", apim_err_msg());
		gw_events_open(NULL);
	}
	gw_events_on_hup();
	apim_httpd_opts_init(&ho);
	ho.handler = handler;
	ho.stream = 1;
	ho.inetd = o->inetd;
	ho.listen = o->listen;
	/* inetd: one process, one connection (and no CPU count to read) */
	ho.workers = o->inetd ? 1 : o->workers;
	ho.tls_cert = o->tls_cert;
	ho.tls_key = o->tls_key;
	ho.max_body = SIZE_MAX;
	ho.on_listen = on_listen;
	ho.on_worker = on_worker;
	return apim_httpd_run(&ho);
}
