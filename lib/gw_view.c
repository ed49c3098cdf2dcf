/* gw_view: the gateway's in-memory copy of the store (APIs with resources and
 * scopes; applications, subscriptions and signing-key states as met), reloaded
 * when PRAGMA data_version says another connection committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "gw_cors.h"
#include "gw_map.h"
#include "gw_view.h"
#include "store.h"
#include "util.h"

struct gw_view {
	sqlite3 *db;
	int lazy;
	int64_t checked_ms;	/* last data_version check */
	int64_t data_version;
	uint64_t gen;
	struct gw_api *apis;
	size_t napis;
	int loaded;		/* apis hold everything (not lazy) */
	struct gw_map *apps, *subs, *kids;
};

static char *
dup_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL :
	    apim_strdup(apim_store_text(st, col));
}

static void
app_free(void *p)
{
	struct gw_app *a = p;

	free(a->id);
	free(a->name);
	free(a->owner);
	free(a->tier);
	free(a);
}

static void
sub_free(void *p)
{
	struct gw_sub *s = p;

	free(s->id);
	free(s->tier);
	free(s->status);
	free(s);
}

static void
apis_free(struct gw_view *v)
{
	size_t i, j;

	for (i = 0; i < v->napis; i++) {
		struct gw_api *a = &v->apis[i];

		for (j = 0; j < a->nres; j++) {
			free(a->res[j].tmpl);
			free(a->res[j].auth);
			free(a->res[j].tier);
			apim_strv_free(a->res[j].scopes);
		}
		free(a->res);
		json_decref(a->endpoint_config);
		free(a->endpoint_key);
		gw_cors_free(a->cors);
		free(a->auth_header);
		free(a->apikey_name);
		free(a->id);
		free(a->name);
		free(a->version);
		free(a->context);
		free(a->provider);
		free(a->state);
		free(a->policy);
		free(a->endpoint);
		free(a->sandbox);
	}
	free(v->apis);
	v->apis = NULL;
	v->napis = 0;
	v->loaded = 0;
}

struct gw_view *
gw_view_new(const char *path, int lazy)
{
	struct gw_view *v;
	sqlite3 *db;

	if ((db = apim_store_open(path, 0)) == NULL)
		return NULL;
	sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	v = apim_xcalloc(1, sizeof *v);
	v->db = db;
	v->lazy = lazy;
	v->checked_ms = -1;
	v->data_version = -1;
	v->apps = gw_map_new(app_free);
	v->subs = gw_map_new(sub_free);
	v->kids = gw_map_new(free);
	return v;
}

void
gw_view_free(struct gw_view *v)
{
	if (v == NULL)
		return;
	apis_free(v);
	gw_map_free(v->apps);
	gw_map_free(v->subs);
	gw_map_free(v->kids);
	apim_store_close(v->db);
	free(v);
}

sqlite3 *
gw_view_db(const struct gw_view *v)
{
	return v->db;
}

uint64_t
gw_view_gen(const struct gw_view *v)
{
	return v->gen;
}

/* Template specificity for the router. */
static void
res_rank(struct gw_res *r)
{
	const char *p;
	int in = 0;

	r->lit = r->params = r->wild = 0;
	for (p = r->tmpl; *p; p++) {
		if (*p == '{') {
			in = 1;
			r->params++;
		} else if (*p == '}')
			in = 0;
		else if (p[0] == '*' && p[1] == '\0')
			r->wild = 1;
		else if (!in)
			r->lit++;
	}
}

static int
load_resources(struct gw_view *v, struct gw_api *a)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	st = apim_store_prep(v->db, "SELECT r.verb, r.template, r.auth, r.tier,"
	    " (SELECT group_concat(scope, ',') FROM resource_scope s"
	    "  WHERE s.resource_id = r.id) FROM resource r WHERE r.api_id = ?",
	    "s", a->id);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(v->db, st)) == 1) {
		struct gw_res *r;

		if (a->nres == cap) {
			cap = cap ? 2 * cap : 8;
			a->res = apim_xreallocarray(a->res, cap, sizeof *a->res);
		}
		r = &a->res[a->nres++];
		memset(r, 0, sizeof *r);
		snprintf(r->verb, sizeof r->verb, "%s", apim_store_text(st, 0));
		r->tmpl = apim_strdup(apim_store_text(st, 1));
		r->auth = dup_col(st, 2);
		r->tier = dup_col(st, 3);
		r->scopes = apim_split_csv(apim_store_text(st, 4));
		res_rank(r);
	}
	sqlite3_finalize(st);
	return rc;
}

/* endpointConfig as WSO2 writes it, from the endpoint columns. */
static json_t *
endpoint_config(const struct gw_api *a)
{
	json_t *ec = json_pack("{s:s, s:{s:s}}", "endpoint_type", "http",
	    "production_endpoints", "url", a->endpoint);

	if (a->sandbox)
		json_object_set_new(ec, "sandbox_endpoints",
		    json_pack("{s:s}", "url", a->sandbox));
	return ec;
}

/* WSO2's runtime fields from api.extensions (checked when stored), parsed
 * once per load. */
static void
api_ext(struct gw_api *a, const char *text)
{
	json_t *x = text ? json_loads(text, 0, NULL) : NULL;
	const char *s;

	a->cors = gw_cors_new(json_object_get(x, "corsConfiguration"));
	if ((s = json_string_value(json_object_get(x, "authorizationHeader"))) && *s)
		a->auth_header = apim_strdup(s);
	if ((s = json_string_value(json_object_get(x, "apiKeyHeader"))) && *s)
		a->apikey_name = apim_strdup(s);
	json_decref(x);
}

/* Load the APIs (all, or those whose context prefixes path). */
static int
load_apis(struct gw_view *v, const char *path)
{
	sqlite3_stmt *st;
	size_t cap = 0, i;
	int rc;

	apis_free(v);
	st = apim_store_prep(v->db, "SELECT id, name, version, context, provider,"
	    " state, api_policy, is_default, auth, endpoint, sandbox_endpoint,"
	    " endpoint_config, extensions FROM api WHERE state NOT IN ('CREATED', 'RETIRED') AND"
	    " (?1 IS NULL OR substr(?1, 1, length(context)) = context)"
	    " ORDER BY context, version", "s", path);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(v->db, st)) == 1) {
		struct gw_api *a;
		char **sch;

		if (v->napis == cap) {
			cap = cap ? 2 * cap : 16;
			v->apis = apim_xreallocarray(v->apis, cap, sizeof *v->apis);
		}
		a = &v->apis[v->napis++];
		memset(a, 0, sizeof *a);
		a->id = dup_col(st, 0);
		a->name = dup_col(st, 1);
		a->version = dup_col(st, 2);
		a->context = dup_col(st, 3);
		a->provider = dup_col(st, 4);
		a->state = dup_col(st, 5);
		a->policy = dup_col(st, 6);
		a->is_default = sqlite3_column_int(st, 7);
		sch = apim_split_csv(apim_store_text(st, 8));
		for (i = 0; sch[i]; i++) {
			a->oauth2 |= strcmp(sch[i], "oauth2") == 0;
			a->api_key |= strcmp(sch[i], "api_key") == 0;
		}
		apim_strv_free(sch);
		a->endpoint = dup_col(st, 9);
		a->sandbox = dup_col(st, 10);
		if (a->sandbox && *a->sandbox == '\0') {
			free(a->sandbox);
			a->sandbox = NULL;
		}
		if (a->endpoint == NULL)
			a->endpoint = apim_strdup("");
		/* endpoint lists (load_balance, failover) when the publisher
		 * stored them, else the single URLs */
		if (sqlite3_column_type(st, 11) != SQLITE_NULL)
			a->endpoint_config = json_loads(apim_store_text(st, 11), 0, NULL);
		if (a->endpoint_config == NULL)
			a->endpoint_config = endpoint_config(a);
		a->endpoint_key = json_dumps(a->endpoint_config, JSON_COMPACT |
		    JSON_SORT_KEYS);
		api_ext(a, sqlite3_column_type(st, 12) == SQLITE_NULL ? NULL :
		    apim_store_text(st, 12));
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	for (i = 0; i < v->napis; i++)
		if (load_resources(v, &v->apis[i]) == -1)
			goto fail;
	v->loaded = path == NULL;
	return 0;
fail:
	apis_free(v);
	return -1;
}

int
gw_view_refresh(struct gw_view *v, int64_t now_ms, int force)
{
	sqlite3_stmt *st;
	int64_t dv;
	int rc;

	if (!force && v->checked_ms >= 0 && now_ms - v->checked_ms < GW_VIEW_CHECK_MS)
		return 0;
	v->checked_ms = now_ms;
	if ((st = apim_store_prep(v->db, "PRAGMA data_version", "")) == NULL)
		return -1;
	rc = apim_store_step(v->db, st);
	dv = rc == 1 ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != 1)
		return -1;
	if (dv == v->data_version)
		return 0;
	v->data_version = dv;
	v->gen++;
	gw_map_clear(v->apps);
	gw_map_clear(v->subs);
	gw_map_clear(v->kids);
	if (v->lazy) {
		apis_free(v);
		return 0;
	}
	return load_apis(v, NULL);
}

const struct gw_api *
gw_view_apis(struct gw_view *v, const char *path, size_t *n)
{
	*n = 0;
	if (!v->loaded) {
		if (v->checked_ms < 0 && gw_view_refresh(v, 0, 1) == -1)
			return NULL;
		if (!v->loaded && load_apis(v, v->lazy ? path : NULL) == -1)
			return NULL;
		if (v->lazy)
			v->loaded = 0;
	}
	static const struct gw_api none[1];

	*n = v->napis;
	return v->apis ? v->apis : none;
}

const struct gw_app *
gw_view_app(struct gw_view *v, const char *app_id)
{
	struct gw_app *a = gw_map_get(v->apps, app_id);
	sqlite3_stmt *st;
	int rc;

	if (a)
		return a;
	st = apim_store_prep(v->db, "SELECT rowid, id, name, owner, tier FROM"
	    " application WHERE id = ?", "s", app_id);
	if (st == NULL)
		return NULL;
	if ((rc = apim_store_step(v->db, st)) == 1) {
		a = apim_xcalloc(1, sizeof *a);
		a->rowid = sqlite3_column_int64(st, 0);
		a->id = dup_col(st, 1);
		a->name = dup_col(st, 2);
		a->owner = dup_col(st, 3);
		a->tier = dup_col(st, 4);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		apim_err_set(APIM_NO, "no application '%s'", app_id);
	if (a)
		gw_map_put(v->apps, app_id, a);
	return a;
}

const struct gw_sub *
gw_view_sub(struct gw_view *v, const char *app_id, const char *api_id)
{
	size_t al = strlen(app_id), il = strlen(api_id), kl = al + 1 + il;
	char kbuf[256], *k = kl < sizeof kbuf ? kbuf : apim_xmalloc(kl + 1);
	uint64_t h;
	struct gw_sub *s;
	sqlite3_stmt *st;
	int rc;

	/* the key "APP\nAPI" (no printf, no allocation: per request) */
	memcpy(k, app_id, al);
	k[al] = '\n';
	memcpy(k + al + 1, api_id, il + 1);
	h = gw_map_hash(k, kl);
	if ((s = gw_map_getn(v->subs, k, kl, h)) != NULL)
		goto out;
	st = apim_store_prep(v->db, "SELECT id, tier, status FROM subscription"
	    " WHERE app_id = ? AND api_id = ?", "ss", app_id, api_id);
	if (st == NULL)
		goto out;
	s = apim_xcalloc(1, sizeof *s);
	if ((rc = apim_store_step(v->db, st)) == 1) {
		s->id = dup_col(st, 0);
		s->tier = dup_col(st, 1);
		s->status = dup_col(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == -1) {
		sub_free(s);
		s = NULL;
	} else
		gw_map_putn(v->subs, k, kl, h, s);
out:
	if (k != kbuf)
		free(k);
	return s;
}

int
gw_view_kid_ok(struct gw_view *v, const char *kid)
{
	char *state = gw_map_get(v->kids, kid), buf[16];
	int rc;

	if (state == NULL) {
		rc = apim_store_one_text(v->db, apim_store_prep(v->db, "SELECT state"
		    " FROM signing_key WHERE kid = ?", "s", kid), buf, sizeof buf);
		if (rc == -1)
			return -1;
		state = apim_strdup(rc == 1 ? buf : "unknown");
		gw_map_put(v->kids, kid, state);
	}
	return strcmp(state, "active") == 0 || strcmp(state, "previous") == 0;
}
