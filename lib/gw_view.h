/* gw_view: what apim-proxy's request path reads from the store, kept in
 * memory per worker and reloaded when the store changes (PRAGMA data_version,
 * checked at most every GW_VIEW_CHECK_MS).  The view owns everything it returns;
 * pointers stay valid until the next gw_view_refresh that reloads. */
#ifndef APIM_GW_VIEW_H
#define APIM_GW_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define GW_VIEW_CHECK_MS 250	/* a change is seen within this (plus a reload) */

struct gw_cors;

struct gw_res {
	char verb[8];
	char *tmpl;		/* "/pets/{petId}" */
	char *auth;		/* "oauth2", "api_key", "none"; NULL: the API's schemes */
	char *tier;		/* resource throttling tier, NULL if none */
	char **scopes;		/* NULL-terminated (empty: no scope needed) */
	int lit, params, wild;	/* specificity: literal bytes, {params}, final slash-star */
};

struct gw_api {
	char *id, *name, *version, *context, *provider, *state;
	char *policy;		/* API-level throttling policy, NULL if none */
	int is_default;
	int oauth2, api_key;	/* securityScheme */
	char *endpoint, *sandbox;	/* backend URLs; sandbox NULL if none */
	json_t *endpoint_config;	/* WSO2's endpointConfig object */
	char *endpoint_key;	/* the same as compact text (a cache key) */
	struct gw_cors *cors;	/* its corsConfiguration; NULL: apim.conf's */
	char *auth_header;	/* authorizationHeader; NULL: Authorization */
	char *apikey_name;	/* apiKeyHeader (header or query); NULL: apikey */
	struct gw_res *res;
	size_t nres;
};

struct gw_app {
	char *id, *name, *owner, *tier;
	int64_t rowid;
};

struct gw_sub {
	char *id, *tier, *status;	/* status NULL: not subscribed */
};

struct gw_view;

/* A view over the store at path, opened read-only.  lazy: read only what
 * each request needs (inetd mode: one connection per process).  NULL with
 * the error set. */
struct gw_view *gw_view_new(const char *path, int lazy);
void gw_view_free(struct gw_view *v);

/* Reload if the store changed since the last check, checking at most every
 * GW_VIEW_CHECK_MS (now_ms: a monotonic clock; force: check now).  0, or -1
 * with the error set (the old view stays). */
int gw_view_refresh(struct gw_view *v, int64_t now_ms, int force);
/* A number that changes at every reload (caches keyed by it expire). */
uint64_t gw_view_gen(const struct gw_view *v);
sqlite3 *gw_view_db(const struct gw_view *v);

/* The APIs that may serve path (lazy views load them now).  NULL with *n 0
 * and the error set on a store error. */
const struct gw_api *gw_view_apis(struct gw_view *v, const char *path, size_t *n);
/* The application app_id, or NULL (absent: error APIM_NO; store: other). */
const struct gw_app *gw_view_app(struct gw_view *v, const char *app_id);
/* The subscription of app_id to api_id (status NULL if none), or NULL on a
 * store error. */
const struct gw_sub *gw_view_sub(struct gw_view *v, const char *app_id,
    const char *api_id);
/* 1 if the signing key kid is known and not retired, 0 if not, -1 error. */
int gw_view_kid_ok(struct gw_view *v, const char *kid);

#endif
