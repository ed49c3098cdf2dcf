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
#include "gw_cors.h"
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
} g;

/* --- a call: what the request path learned, for the event --- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A call and the room its strings are copied into: the event's strings
 * must outlive the view, the credential cache and the request (the
 * forwarder keeps the call across loop turns), and a copy into the call's
 * own arena costs less than an allocation each. */
#define GW_CALL_ARENA 2048
#define GW_CALLS_KEPT 256	/* finished calls kept for reuse */

struct call {
	struct gw_call k;	/* first: a struct gw_call * is a struct call * */
	struct call *next;	/* on the free list */
	size_t used;
	char arena[GW_CALL_ARENA];
};

static struct call *calls_free;
static size_t ncalls_free;
static struct apim_event ev0;	/* a new call's event */

/* Room for n bytes and a NUL, owned by the call; NULL if it has too many
 * strings already. */
static char *
room(struct gw_call *k, size_t n)
{
	struct call *c = (struct call *)k;
	char *d;

	if (n < GW_CALL_ARENA - c->used) {
		d = c->arena + c->used;
		c->used += n + 1;
		return d;
	}
	if (k->nown == sizeof k->own / sizeof k->own[0])
		return NULL;
	return k->own[k->nown++] = apim_xmalloc(n + 1);
}

/* A copy of the n bytes at s and a NUL, owned by the call. */
static char *
keepn(struct gw_call *k, const char *s, size_t n)
{
	char *d = room(k, n);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* a, the byte sep, and b, owned by the call. */
static char *
keep_join(struct gw_call *k, const char *a, char sep, const char *b)
{
	size_t al = strlen(a), bl = strlen(b);
	char *d = room(k, al + 1 + bl);

	if (d) {
		memcpy(d, a, al);
		d[al] = sep;
		memcpy(d + al + 1, b, bl + 1);
	}
	return d;
}

static char *
keep(struct gw_call *k, const char *s)
{
	return s ? keepn(k, s, strlen(s)) : NULL;
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
	apim_uuid_text(b, out);
}

static struct gw_call *
call_new(struct apim_http_conn *c, const struct apim_http_request *req)
{
	struct call *cl = calls_free;
	struct gw_call *k;
	const char *ua = NULL, *origin = NULL;
	size_t i;

	if (cl) {
		calls_free = cl->next;
		ncalls_free--;
	} else
		cl = apim_xmalloc(sizeof *cl);
	k = &cl->k;
	memset(k, 0, sizeof *k);
	cl->used = 0;
	/* a turn's events in one write (a no-op after the first call) */
	if (gw_events_attach(apim_http_loop(c)) == -1)
		apim_warnx("%s", apim_err_msg());
	/* the headers the event and CORS want, in one pass (the first of
	 * each name, as apim_http_header) */
	for (i = 0; i < req->nheaders; i++) {
		const char *n = req->names[i];

		if (ua == NULL && (n[0] | 0x20) == 'u' &&
		    strcasecmp(n, "User-Agent") == 0)
			ua = req->values[i];
		else if (origin == NULL && (n[0] | 0x20) == 'o' &&
		    strcasecmp(n, "Origin") == 0)
			origin = req->values[i];
	}
	k->c = c;
	k->req = req;
	k->t0 = mono_ms();
	/* apim_event_init's defaults, made once (it loops over the schema) */
	if (ev0.schema_version == 0)
		apim_event_init(&ev0);
	k->ev = ev0;
	k->ev.request_ms = apim_now_ms();
	k->cors = gw_cors_default();	/* the API's once it is known */
	corr_id(k->corr);
	k->ev.correlation_id = k->corr;
	k->ev.gateway_node = g.node;
	k->ev.api_method = keep(k, req->method);
	k->ev.user_ip = keep(k, req->peer);
	k->ev.user_agent = keep(k, ua);
	k->origin = keep(k, origin);
	k->ev.request_bytes = req->content_length > 0 ? req->content_length : 0;
	k->ev.response_bytes = 0;
	return k;
}

void
gw_call_end(struct gw_call *k)
{
	struct call *cl = (struct call *)k;
	int64_t now = mono_ms();
	size_t i;

	k->ev.response_latency = now - k->t0;
	if (k->ev.request_mediation_latency < 0)
		k->ev.request_mediation_latency = now - k->t0;
	gw_events_write(&k->ev);
	gw_cors_release(k->cors);
	k->cors = NULL;
	for (i = 0; i < k->nown; i++)
		free(k->own[i]);
	if (ncalls_free < GW_CALLS_KEPT) {
		cl->next = calls_free;
		calls_free = cl;
		ncalls_free++;
	} else
		free(cl);
}

/* --- answers the gateway makes itself --- */

/* CORS response headers for this request into h (n used, cap room). */
static size_t
cors_headers(struct gw_call *k, const char **h, size_t n, size_t cap)
{
	return gw_cors_headers(k->cors, k->origin, h, n, cap);
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
	struct apim_buf scratch = APIM_BUF_INIT;
	const char *h[24];
	size_t n = 0;
	char methods[128];

	snprintf(methods, sizeof methods, "%s, OPTIONS", allow);
	h[n++] = "Allow";
	h[n++] = methods;
	h[n++] = "X-Correlation-ID";
	h[n++] = k->corr;
	n = gw_cors_preflight(k->cors, k->origin, apim_http_header(k->req,
	    "Access-Control-Request-Method"), apim_http_header(k->req,
	    "Access-Control-Request-Headers"), allow, &scratch, h, n,
	    sizeof h / sizeof h[0] - 1);
	h[n] = NULL;
	k->ev.proxy_response_code = 200;
	apim_http_reply(k->c, 200, h, NULL, 0);
	apim_buf_free(&scratch);
	gw_call_end(k);
}

/* --- the steps --- */

/* The value of the parameter name (in any case, as header names are) in the
 * query, copied; NULL if absent. */
static char *
query_apikey(struct gw_call *k, const char *q, const char *name)
{
	size_t kn = strlen(name);
	const char *e;

	for (; q && *q; q = e ? e + 1 : NULL) {
		e = strchr(q, '&');
		if (strncasecmp(q, name, kn) == 0 && q[kn] == '=') {
			size_t n = e ? (size_t)(e - q - kn - 1) : strlen(q + kn + 1);
			char *v = apim_xmalloc(n + 1);

			memcpy(v, q + kn + 1, n);
			v[n] = '\0';
			k->own[k->nown < 30 ? k->nown++ : 0] = v;
			k->cred_query = name;
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
	/* WSO2's authorizationHeader and apiKeyHeader (the key also in the
	 * query parameter of that name) */
	const char *hname = api->auth_header ? api->auth_header : "Authorization";
	const char *kname = api->apikey_name ? api->apikey_name : "apikey";
	const char *auth = apim_http_header(k->req, hname), *tok = NULL;
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
		k->cred_header = hname;
	}
	if (apikey && tok == NULL) {
		if ((key = apim_http_header(k->req, kname)) != NULL) {
			k->cred_header = kname;
			/* "Authorization: Bearer KEY" when that is the key's
			 * header (a key never holds a space) */
			if (strncasecmp(key, "Bearer ", 7) == 0)
				for (key += 7; *key == ' '; key++)
					;
		} else
			key = query_apikey(k, k->req->query, kname);
	}
	if (tok == NULL && key == NULL) {
		static const char *const www[] = { "WWW-Authenticate",
		    "Bearer realm=\"apim\"", NULL };
		char d[600];

		snprintf(d, sizeof d, "Invalid Credentials. Make sure your API "
		    "invocation call has a header: '%s : Bearer ACCESS_TOKEN' or "
		    "'%s: API_KEY'", hname, kname);
		fault(k, 401, GW_MISSING_CREDENTIALS, "AUTH", "Missing Credentials",
		    d, www);
		return -1;
	}
	/* inetd: the token checker (prepared statements, the verified-JWT
	 * file) only when a credential must be checked */
	if (g.auth == NULL && (g.auth = gw_auth_new(g.view, g.o->db_path)) == NULL)
		rc = -1;
	else
		rc = tok ? gw_auth_bearer(g.auth, tok, now, pp) :
	    gw_auth_apikey(g.auth, key, now, pp);
	/* one header for both: what is not an access token may be a key */
	if (rc == GW_INVALID_CREDENTIALS && tok && apikey &&
	    strcasecmp(hname, kname) == 0)
		rc = gw_auth_apikey(g.auth, tok, now, pp);
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
	char retry[24];
	size_t n;
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
		size_t pl = strlen(req->peer), il = strlen(api->id);
		char *ipkey = room(k, 3 + pl + 1 + il);

		if (ipkey) {	/* "ip:PEER:API" (not snprintf: per request) */
			memcpy(ipkey, "ip:", 3);
			memcpy(ipkey + 3, req->peer, pl);
			ipkey[3 + pl] = ':';
			memcpy(ipkey + 4 + pl, api->id, il + 1);
		}
		rq.sub_id = ipkey ? ipkey : "ip:";
		rq.sub_tier = "Unauthenticated";
	}
	rq.client_ip = req->peer;
	/* headers and query as they are: read only if a condition asks */
	rq.nheaders = req->nheaders;
	rq.header_names = req->names;
	rq.header_values = req->values;
	rq.query_string = req->query;
	rq.bytes = req->content_length > 0 ? req->content_length : 0;
	/* inetd: the counters only for a request that gets this far */
	if (g.thr == NULL && (g.thr = apim_throttle_open_db(gw_view_db(g.view),
	    g.o->db_path, NULL)) == NULL)
		rc = -1;
	else
		rc = apim_throttle_check(g.thr, &rq, &res);
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
	char allow[96];
	size_t n;
	int pm;

	(void)arg;
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
	k->ev.api_context = keep_join(k, api->context, '/', api->version);
	k->ev.api_creator = keep(k, api->provider);
	if (api->cors)	/* held: a reload may free the API before the call ends */
		k->cors = gw_cors_hold(api->cors);
	if (strcmp(api->state, "BLOCKED") == 0) {
		fault(k, 503, 700700, "OTHER", "API blocked", "This API has been "
		    "blocked temporarily. Please try again later or contact the "
		    "system administrators.", NULL);
		return;
	}
	/* 2. the resource (3. CORS preflight: OPTIONS on a path without one) */
	if ((r = gw_route_resource(api, req->method, rest, &pm, allow,
	    sizeof allow)) == NULL) {
		if (pm && strcmp(req->method, "OPTIONS") == 0 && gw_cors_on(k->cors))
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
	    (!g.o->inetd && ((g.auth = gw_auth_new(g.view, NULL)) == NULL ||
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

/* The worker's end: the client connections are closed, the loop not yet
 * freed.  Calls still waiting on a backend (a hard stop: a second signal or
 * the drain timeout) end here, each with its event, which the loop's end
 * then writes. */
static void
on_worker_end(struct apim_loop *loop, void *arg)
{
	(void)loop;
	(void)arg;
	gw_fwd_free(g.fwd);
	g.fwd = NULL;
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
	gw_cors_init();
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
	ho.on_worker_end = on_worker_end;
	return apim_httpd_run(&ho);
}
