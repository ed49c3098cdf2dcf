/* publish: apim-publish's sub-commands (all but import and export, which live
 * in publish_io.c) and scope commands.  Each turns flags into lib/api calls and
 * prints the result: with --json, the object made, changed or deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "buf.h"
#include "conf.h"
#include "endpoints.h"
#include "err.h"
#include "lifecycle.h"
#include "out.h"
#include "publish.h"
#include "scope.h"
#include "store.h"
#include "user.h"
#include "util.h"

/* --endpoint URL... --sandbox-endpoint URL... --endpoint-type T as an
 * endpointConfig (checked by lib/api), or NULL if none was given.  One URL
 * each and no type: just those URLs (an update keeps the rest). */
static json_t *
endpoint_fields(const struct apim_args *a)
{
	char **prod, **sand;
	const char *type = apim_args_get(a, "endpoint-type");
	int np, ns, i;
	json_t *ec = NULL, *pl, *sl;

	prod = apim_args_all(a, "endpoint", &np);
	sand = apim_args_all(a, "sandbox-endpoint", &ns);
	if (type == NULL && np <= 1 && ns <= 1) {
		if (np == 1) {
			ec = json_object();
			json_object_set_new(ec, "production_endpoints",
			    json_pack("{s:s}", "url", prod[0]));
		}
		if (ns == 1) {
			if (ec == NULL)
				ec = json_object();
			json_object_set_new(ec, "sandbox_endpoints",
			    json_pack("{s:s}", "url", sand[0]));
		}
	} else {
		pl = json_array();
		sl = json_array();
		for (i = 0; i < np; i++)
			json_array_append_new(pl, json_string(prod[i]));
		for (i = 0; i < ns; i++)
			if (*sand[i])
				json_array_append_new(sl, json_string(sand[i]));
		/* an unknown type is kept as given, for lib/api to refuse */
		ec = apim_endpoints_config(apim_endpoints_type_of(type ? type :
		    "http"), pl, sl);
		if (type && apim_endpoints_type_of(type) < 0)
			json_object_set_new(ec, "endpoint_type", json_string(type));
		if (np == 0)
			json_object_del(ec, "production_endpoints");
		if (ns == 1 && *sand[0] == '\0')
			json_object_set_new(ec, "sandbox_endpoints",
			    json_pack("{s:s}", "url", ""));
		json_decref(pl);
		json_decref(sl);
	}
	free(prod);
	free(sand);
	return ec;
}

json_t *
apim_publish_fields(const struct apim_args *a)
{
	json_t *o = json_object(), *ec = NULL;
	const char *v;
	char **tags;
	int i, n;

	static const struct { const char *flag, *key; } plain[] = {
		{ "name", "name" }, { "context", "context" }, { "version", "version" },
		{ "description", "description" }, { "policy", "apiThrottlingPolicy" },
		{ "visibility", "visibility" }, { NULL, NULL } };
	static const struct { const char *flag, *key; } lists[] = {
		{ "tiers", "policies" }, { "roles", "visibleRoles" },
		{ "auth", "securityScheme" }, { NULL, NULL } };

	/* header names: "" is the default again */
	static const struct { const char *flag, *key; } names[] = {
		{ "auth-header", "authorizationHeader" },
		{ "api-key-header", "apiKeyHeader" }, { NULL, NULL } };

	for (i = 0; plain[i].flag; i++)
		if ((v = apim_args_get(a, plain[i].flag)) != NULL)
			json_object_set_new(o, plain[i].key, json_string(v));
	for (i = 0; names[i].flag; i++)
		if ((v = apim_args_get(a, names[i].flag)) != NULL)
			json_object_set_new(o, names[i].key, *v ? json_string(v) :
			    json_null());
	for (i = 0; lists[i].flag; i++) {
		char **l;
		json_t *arr;
		int k;

		if ((v = apim_args_get(a, lists[i].flag)) == NULL)
			continue;
		l = apim_split_csv(v);
		arr = json_array();
		for (k = 0; l[k]; k++)
			json_array_append_new(arr, json_string(l[k]));
		apim_strv_free(l);
		json_object_set_new(o, lists[i].key, arr);
	}
	tags = apim_args_all(a, "tag", &n);
	if (n > 0) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(tags[i]));
		json_object_set_new(o, "tags", arr);
	}
	free(tags);
	ec = endpoint_fields(a);
	if (ec)
		json_object_set_new(o, "endpointConfig", ec);
	return o;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Resolve the first positional argument into id. */
static int
api_arg(struct apim_ctx *ctx, struct apim_args *a, int min, int max, char id[37])
{
	sqlite3 *db;

	if (apim_args_npos(a, min, max) == -1)
		return -1;
	if ((db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_api_resolve(db, a->pos[0], id);
}

static int
usage(const char *fmt, const char *x)
{
	apim_err_set(APIM_USAGE, fmt, x);
	return -1;
}

/* endpoint: and sandbox: lines, each URL of a list on its own line. */
static void
show_endpoints(const json_t *ec)
{
	static const char *const label[] = { "endpoint:   ", "sandbox:    " };
	const char *type = json_string_value(json_object_get(ec, "endpoint_type"));
	json_t *urls;
	size_t i, k;

	if (type && strcmp(type, "http") != 0)
		printf("endpoints:   %s\n", type);
	for (k = 0; k < 2; k++) {
		urls = apim_endpoints_urls(ec, (int)k);
		if (json_array_size(urls) == 0)
			printf("%s -\n", label[k]);
		for (i = 0; i < json_array_size(urls); i++)
			printf("%s %s\n", label[k],
			    json_string_value(json_array_get(urls, i)));
		json_decref(urls);
	}
}

/* The header an API reads a credential from, or the gateway's default. */
static void
show_header(const char *label, const json_t *o, const char *key, const char *def)
{
	const char *v = json_string_value(json_object_get(o, key));

	printf("%s%s%s\n", label, v ? v : def, v ? "" : " (default)");
}

/* cors: the API's own CORS (corsConfiguration), what it leaves out being
 * apim.conf's, as the gateway reads it; nothing without one. */
static void
show_cors(const json_t *cors)
{
	const json_t *on, *orig;
	char *s;

	if (!json_is_object(cors))
		return;
	on = json_object_get(cors, "corsConfigurationEnabled");
	if (json_is_boolean(on) ? json_is_false(on) :
	    strcmp(apim_conf_get("cors", "on"), "off") == 0) {
		printf("cors:        disabled%s\n", json_is_boolean(on) ? "" :
		    " (default)");
		return;
	}
	orig = json_object_get(cors, "accessControlAllowOrigins");
	if (json_is_array(orig)) {
		s = apim_out_join(orig, ", ");
		printf("cors:        enabled%s, origins %s\n", json_is_boolean(on) ?
		    "" : " (default)", *s ? s : "none");
		free(s);
	} else
		printf("cors:        enabled%s, origins %s (default)\n",
		    json_is_boolean(on) ? "" : " (default)",
		    apim_conf_get("cors_allow_origins", "*"));
}

int
apim_publish_create(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const need[] = { "name", "context", "version", "endpoint", NULL };
	int i;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	for (i = 0; need[i]; i++)
		if (!apim_args_has(a, need[i]))
			return usage("missing --%s", need[i]);
	return apim_publish_add(ctx, apim_publish_fields(a));
}

/* An operation's stable id: a UUID (RFC 9562 version 8) made from SHA-256
 * of "VERB TEMPLATE", so it survives updates that rewrite the resources,
 * export and import, and new versions (ids are unique within an API). */
static void
op_id(const char *verb, const char *tmpl, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	struct apim_buf b = APIM_BUF_INIT;
	char h[65];
	int i, p = 0;

	apim_buf_addf(&b, "%s %s", verb, tmpl);
	apim_sha256_hex(b.data, b.len, h);
	apim_buf_free(&b);
	h[12] = '8';
	h[16] = hex[8 | (apim_hexval((unsigned char)h[16]) & 3)];
	for (i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[p++] = '-';
		out[p++] = h[i];
	}
	out[36] = '\0';
}

/* Give each operation of the array ops its id (first key, as WSO2 writes
 * APIOperationsDTO). */
static void
op_ids(json_t *ops)
{
	json_t *op, *n;
	const char *k;
	json_t *v;
	char id[37];
	size_t i;

	json_array_foreach(ops, i, op) {
		op_id(jstr(op, "verb"), jstr(op, "target"), id);
		n = json_pack("{s:s}", "id", id);
		json_object_foreach(op, k, v)
			if (strcmp(k, "id") != 0)
				json_object_set(n, k, v);
		json_array_set_new(ops, i, n);
	}
}

/* The API object of id with its operations' ids; NULL with the error set. */
static json_t *
api_json(sqlite3 *db, const char *id)
{
	json_t *o = apim_api_get(db, id);

	if (o)
		op_ids(json_object_get(o, "operations"));
	return o;
}

/* The operation verb tmpl of API id (with its id); NULL with APIM_NO. */
static json_t *
op_json(sqlite3 *db, const char *id, const char *verb, const char *tmpl)
{
	json_t *ops = apim_api_resources(db, id), *op, *r = NULL;
	char v[8];
	size_t i;

	if (ops == NULL || apim_api_verb(verb, v) == -1) {
		json_decref(ops);
		return NULL;
	}
	op_ids(ops);
	json_array_foreach(ops, i, op)
		if (strcmp(jstr(op, "verb"), v) == 0 &&
		    strcmp(jstr(op, "target"), tmpl) == 0)
			r = json_incref(op);
	json_decref(ops);
	if (r == NULL)
		apim_err_set(APIM_NO, "no resource '%s %s'", v, tmpl);
	return r;
}

/* The names of the scopes defined in the store, joined for a message. */
static char *
defined_scopes(sqlite3 *db)
{
	json_t *l = apim_scope_list(db), *names = json_array(), *v;
	char *s;
	size_t i;

	json_array_foreach(l, i, v)
		json_array_append(names, json_object_get(v, "name"));
	s = apim_out_join(names, ", ");
	json_decref(names);
	json_decref(l);
	return s;
}

/* 1 if the scope list of an API object (either shape of lib/scope.h)
 * defines name. */
static int
api_defines(const json_t *scopes, const char *name)
{
	const json_t *s, *in;
	size_t i;

	json_array_foreach(scopes, i, s) {
		in = json_object_get(s, "scope");
		if (!json_is_object(in))
			in = s;
		if (jstr(in, "name") && strcmp(jstr(in, "name"), name) == 0)
			return 1;
	}
	return 0;
}

/* Every scope named by operations ops must be defined: in the store, or by
 * the API's own scopes (being created with it).  -1 with APIM_DATAERR naming
 * the first undefined one and the defined ones.  With add (an array), the
 * store's definitions of the scopes used are appended to it in APIDTO shape
 * (once each), so the API lists them. */
static int
scopes_defined(sqlite3 *db, const json_t *ops, const json_t *api_scopes,
    json_t *add)
{
	const json_t *op, *sc;
	const char *name;
	json_t *got;
	char *list;
	size_t i, k;

	json_array_foreach(ops, i, op)
		json_array_foreach(json_object_get(op, "scopes"), k, sc) {
			if ((name = json_string_value(sc)) == NULL ||
			    api_defines(api_scopes, name))
				continue;
			if ((got = apim_scope_get(db, name)) != NULL) {
				if (add && !api_defines(add, name)) {
					json_t *sh = json_incref(json_object_get(got,
					    "shared"));

					json_object_del(got, "shared");
					json_array_append_new(add, json_pack("{s:O, s:o}",
					    "scope", got, "shared", sh));
				}
				json_decref(got);
				continue;
			}
			if (apim_err_code() != APIM_NO)
				return -1;
			list = defined_scopes(db);
			apim_err_set(APIM_DATAERR, "resource '%s %s': scope '%s' is not "
			    "defined (%s%s)", jstr(op, "verb") ? jstr(op, "verb") : "",
			    jstr(op, "target") ? jstr(op, "target") : "", name,
			    *list ? "defined: " : "no scopes are defined; see 'apim-publish "
			    "scope add'", list);
			free(list);
			return -1;
		}
	return 0;
}

int
apim_publish_scopes_defined(sqlite3 *db, json_t *api)
{
	json_t *sc = json_object_get(api, "scopes"), *add = json_array();
	int rc;

	rc = scopes_defined(db, json_object_get(api, "operations"), sc, add);
	if (rc == 0 && json_array_size(add) > 0) {
		if (!json_is_array(sc))
			json_object_set_new(api, "scopes", json_array());
		json_array_extend(json_object_get(api, "scopes"), add);
	}
	json_decref(add);
	return rc;
}

int
apim_publish_print_api(struct apim_ctx *ctx, const char *id)
{
	if (ctx->json)
		return apim_out_emit(api_json(ctx->db, id));
	printf("%s\n", id);
	return 0;
}

int
apim_publish_add(struct apim_ctx *ctx, json_t *api)
{
	sqlite3 *db;
	char id[37];
	int rc = -1;

	if ((db = apim_ctx_db(ctx)) != NULL &&
	    apim_publish_scopes_defined(db, api) == 0)
		rc = apim_api_create(db, api, ctx->actor, id);
	json_decref(api);
	if (rc == -1)
		return -1;
	return apim_publish_print_api(ctx, id);
}

static int
print_list(struct apim_ctx *ctx, json_t *arr, const char *const *heads,
    void (*row)(const json_t *, char **cells))
{
	struct apim_table *t;
	const json_t *v;
	size_t i;
	int k, nh = 0;

	if (arr == NULL)
		return -1;
	if (ctx->json) {
		json_array_foreach(arr, i, v)
			apim_out_json(stdout, v, 0);
		json_decref(arr);
		return 0;
	}
	while (heads[nh])
		nh++;
	t = apim_table_new(heads);
	json_array_foreach(arr, i, v) {
		char *cells[16] = { 0 };

		row(v, cells);
		apim_table_add(t, (const char *const *)cells);
		for (k = 0; k < nh; k++)
			free(cells[k]);
	}
	apim_table_print(t, stdout);
	json_decref(arr);
	return 0;
}

static char *
dup(const char *s)
{
	return s ? apim_strdup(s) : NULL;
}

static void
api_row(const json_t *o, char **c)
{
	c[0] = dup(jstr(o, "id"));
	c[1] = dup(jstr(o, "name"));
	c[2] = dup(jstr(o, "version"));
	c[3] = dup(jstr(o, "context"));
	c[4] = dup(jstr(o, "lifeCycleStatus"));
	c[5] = dup(json_is_true(json_object_get(o, "isDefaultVersion")) ? "yes" : "no");
	c[6] = dup(jstr(o, "provider"));
}

int
apim_publish_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const heads[] = { "ID", "NAME", "VERSION", "CONTEXT", "STATE",
		"DEFAULT", "PROVIDER", NULL };
	sqlite3 *db;

	static const char *const states[] = { "CREATED", "PROTOTYPED", "PUBLISHED",
		"BLOCKED", "DEPRECATED", "RETIRED", NULL };
	const char *st = apim_args_get(a, "state");
	int i;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	for (i = 0; st && states[i] && strcasecmp(st, states[i]) != 0; i++)
		;
	if (st && states[i] == NULL)
		return usage("unknown state '%s' (CREATED, PROTOTYPED, PUBLISHED, "
		    "BLOCKED, DEPRECATED, RETIRED)", st);
	if ((db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return print_list(ctx, apim_api_list(db, apim_args_get(a, "state"),
	    apim_args_get(a, "tag")), heads, api_row);
}

static void
op_row(const json_t *o, char **c)
{
	c[0] = dup(jstr(o, "verb"));
	c[1] = dup(jstr(o, "target"));
	c[2] = dup(jstr(o, "authType") ? jstr(o, "authType") : "default");
	c[3] = dup(jstr(o, "throttlingPolicy"));
	c[4] = apim_out_join(json_object_get(o, "scopes"), ",");
}

static const char *const op_heads[] = { "VERB", "TEMPLATE", "AUTH", "TIER", "SCOPES",
	NULL };

int
apim_publish_show(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *o, *ec;
	char id[37], *s;
	const char *v;

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	if ((o = api_json(ctx->db, id)) == NULL)
		return -1;
	if (ctx->json) {
		apim_out_json(stdout, o, 1);
		json_decref(o);
		return 0;
	}
	ec = json_object_get(o, "endpointConfig");
	printf("id:          %s\n", jstr(o, "id"));
	printf("name:        %s\n", jstr(o, "name"));
	printf("version:     %s\n", jstr(o, "version"));
	printf("context:     %s\n", jstr(o, "context"));
	printf("provider:    %s\n", jstr(o, "provider"));
	printf("state:       %s\n", jstr(o, "lifeCycleStatus"));
	printf("default:     %s\n",
	    json_is_true(json_object_get(o, "isDefaultVersion")) ? "yes" : "no");
	show_endpoints(ec);
	s = apim_out_join(json_object_get(o, "policies"), ", ");
	printf("tiers:       %s\n", s);
	free(s);
	v = jstr(o, "apiThrottlingPolicy");
	printf("policy:      %s\n", v ? v : "-");
	s = apim_out_join(json_object_get(o, "securityScheme"), ", ");
	printf("auth:        %s\n", s);
	free(s);
	show_header("auth header: ", o, "authorizationHeader", "Authorization");
	show_header("key header:  ", o, "apiKeyHeader", "apikey");
	show_cors(json_object_get(o, "corsConfiguration"));
	printf("visibility:  %s\n",
	    strcmp(jstr(o, "visibility"), "RESTRICTED") == 0 ? "restricted" : "public");
	s = apim_out_join(json_object_get(o, "visibleRoles"), ", ");
	printf("roles:       %s\n", *s ? s : "-");
	free(s);
	s = apim_out_join(json_object_get(o, "tags"), ", ");
	printf("tags:        %s\n", *s ? s : "-");
	free(s);
	v = jstr(o, "description");
	printf("description: %s\n", v ? v : "-");
	printf("created:     %s\n", jstr(o, "createdTime"));
	printf("updated:     %s\n", jstr(o, "lastUpdatedTime"));
	if (json_array_size(json_object_get(o, "operations")) > 0) {
		printf("resources:\n");
		fflush(stdout);
		print_list(ctx, json_incref(json_object_get(o, "operations")), op_heads,
		    op_row);
	}
	json_decref(o);
	return 0;
}

int
apim_publish_update(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *ch;
	char id[37];
	int rc;

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	ch = apim_publish_fields(a);
	if (json_object_size(ch) == 0) {
		json_decref(ch);
		return usage("%s", "nothing to change");
	}
	rc = apim_api_update(ctx->db, id, ch);
	json_decref(ch);
	if (rc == 0 && ctx->json)
		return apim_out_emit(api_json(ctx->db, id));
	return rc;
}

int
apim_publish_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	json_t *o = NULL;

	if (api_arg(ctx, a, 1, 1, id) == -1 ||
	    (ctx->json && (o = api_json(ctx->db, id)) == NULL))
		return -1;
	if (apim_api_delete(ctx->db, id, apim_args_has(a, "force")) == -1) {
		json_decref(o);
		return -1;
	}
	return o ? apim_out_emit(o) : 0;
}

int
apim_publish_resource_add(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *op, *ops, *scopes;
	char id[37], **sc, verb[8];
	int i, n, rc;

	if (api_arg(ctx, a, 3, 3, id) == -1)
		return -1;
	scopes = json_array();
	sc = apim_args_all(a, "scope", &n);
	for (i = 0; i < n; i++)
		json_array_append_new(scopes, json_string(sc[i]));
	free(sc);
	/* a bad verb is left for lib/api to refuse */
	op = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "target", a->pos[2],
	    "verb", apim_api_verb(a->pos[1], verb) == 0 ? verb : a->pos[1],
	    "authType", apim_args_get(a, "auth"),
	    "throttlingPolicy", apim_args_get(a, "tier"), "scopes", scopes);
	ops = json_pack("[O]", op);
	rc = scopes_defined(ctx->db, ops, NULL, NULL);
	json_decref(ops);
	if (rc == 0)
		rc = apim_api_resource_add(ctx->db, id, op);
	json_decref(op);
	if (rc == 0 && ctx->json)
		return apim_out_emit(op_json(ctx->db, id, a->pos[1], a->pos[2]));
	return rc;
}

int
apim_publish_resource_list(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *ops;
	char id[37];

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	ops = apim_api_resources(ctx->db, id);
	op_ids(ops);
	return print_list(ctx, ops, op_heads, op_row);
}

int
apim_publish_resource_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	json_t *o = NULL;

	if (api_arg(ctx, a, 3, 3, id) == -1 ||
	    (ctx->json && (o = op_json(ctx->db, id, a->pos[1], a->pos[2])) == NULL))
		return -1;
	if (apim_api_resource_delete(ctx->db, id, a->pos[1], a->pos[2]) == -1) {
		json_decref(o);
		return -1;
	}
	return o ? apim_out_emit(o) : 0;
}

/* The state change just made on API id, now in state to: the history entry
 * (action, previousState, postState, user, updatedTime) with apiId and WSO2's
 * lifecycleState {state, availableTransitions}. */
static json_t *
lifecycle_json(sqlite3 *db, const char *id, const char *to)
{
	json_t *h = apim_lifecycle_history(db, id), *o;

	if (h == NULL)
		return NULL;
	o = json_pack("{s:s}", "apiId", id);
	json_object_update(o, json_array_get(h, json_array_size(h) - 1));
	json_decref(h);
	json_object_set_new(o, "lifecycleState", apim_lifecycle_state_json(to));
	return o;
}

int
apim_publish_lifecycle(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37], to[16];
	int flags = 0;

	if (api_arg(ctx, a, 2, 2, id) == -1)
		return -1;
	if (apim_args_has(a, "deprecate-old-versions"))
		flags |= APIM_LC_DEPRECATE_OLD;
	if (apim_args_has(a, "require-resubscription"))
		flags |= APIM_LC_REQUIRE_RESUB;
	if (apim_lifecycle_apply(ctx->db, id, a->pos[1], flags, ctx->actor, to) == -1)
		return -1;
	if (ctx->json)
		return apim_out_emit(lifecycle_json(ctx->db, id, to));
	printf("%s\n", to);
	return 0;
}

static void
history_row(const json_t *o, char **c)
{
	c[0] = dup(jstr(o, "updatedTime"));
	c[1] = dup(jstr(o, "user"));
	c[2] = dup(jstr(o, "action"));
	c[3] = dup(jstr(o, "previousState"));
	c[4] = dup(jstr(o, "postState"));
}

int
apim_publish_history(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const heads[] = { "TIME", "ACTOR", "ACTION", "FROM", "TO",
		NULL };
	char id[37];

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	return print_list(ctx, apim_lifecycle_history(ctx->db, id), heads, history_row);
}

int
apim_publish_version(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37], nid[37];

	if (api_arg(ctx, a, 2, 2, id) == -1)
		return -1;
	if (apim_api_version(ctx->db, id, a->pos[1], apim_args_has(a, "default"),
	    ctx->actor, nid) == -1)
		return -1;
	return apim_publish_print_api(ctx, nid);
}

/* The document name of API id without its content; NULL with APIM_NO. */
static json_t *
doc_json(sqlite3 *db, const char *id, const char *name)
{
	json_t *l = apim_api_docs(db, id), *d, *r = NULL;
	size_t i;

	json_array_foreach(l, i, d)
		if (jstr(d, "name") && strcmp(jstr(d, "name"), name) == 0)
			r = json_incref(d);
	json_decref(l);
	if (r == NULL && l != NULL)
		apim_err_set(APIM_NO, "no document '%s'", name);
	return r;
}

static int
doc_add(struct apim_ctx *ctx, struct apim_args *a, char id[37])
{
	const char *inl = apim_args_get(a, "inline"), *file = apim_args_get(a, "file");
	const char *url = apim_args_get(a, "url"), *base;
	char *content = NULL;
	size_t len = 0, max;
	int rc;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (!apim_args_has(a, "name"))
		return usage("%s", "missing --name");
	if (!apim_args_has(a, "type"))
		return usage("%s", "missing --type");
	if ((inl != NULL) + (file != NULL) + (url != NULL) != 1)
		return usage("%s", "give one of --inline, --file or --url");
	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	if (apim_conf_size("max_document", APIM_DOCUMENT_MAX, &max) == -1)
		return -1;
	if (file) {
		if ((content = apim_file_read_max(file, max, &len)) == NULL) {
			if (apim_err_code() == APIM_DATAERR)
				apim_err_set(APIM_DATAERR, "document '%s' is larger "
				    "than %zu bytes (max_document in apim.conf)", file, max);
			return -1;
		}
		base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		rc = apim_api_doc_add(ctx->db, id, apim_args_get(a, "name"),
		    apim_args_get(a, "type"), "FILE", content, len, base, NULL);
		free(content);
		return rc;
	}
	if (inl && strlen(inl) > max) {
		apim_err_set(APIM_DATAERR, "document '%s' is larger than %zu bytes "
		    "(max_document in apim.conf)", apim_args_get(a, "name"), max);
		return -1;
	}
	if (inl)
		return apim_api_doc_add(ctx->db, id, apim_args_get(a, "name"),
		    apim_args_get(a, "type"), "INLINE", inl, strlen(inl), NULL, NULL);
	return apim_api_doc_add(ctx->db, id, apim_args_get(a, "name"),
	    apim_args_get(a, "type"), "URL", NULL, 0, NULL, url);
}

int
apim_publish_doc_add(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	if (doc_add(ctx, a, id) == -1)
		return -1;
	return ctx->json ? apim_out_emit(doc_json(ctx->db, id,
	    apim_args_get(a, "name"))) : 0;
}

static void
doc_row(const json_t *o, char **c)
{
	const char *src = jstr(o, "sourceType");

	c[0] = dup(jstr(o, "name"));
	c[1] = dup(jstr(o, "type"));
	c[2] = dup(src);
	c[3] = dup(strcmp(src, "URL") == 0 ? jstr(o, "sourceUrl") :
	    strcmp(src, "FILE") == 0 ? jstr(o, "fileName") : NULL);
}

int
apim_publish_doc_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const heads[] = { "NAME", "TYPE", "SOURCE", "WHERE", NULL };
	char id[37];

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	return print_list(ctx, apim_api_docs(ctx->db, id), heads, doc_row);
}

int
apim_publish_doc_show(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *o;
	char id[37], *content;
	size_t len;

	if (api_arg(ctx, a, 2, 2, id) == -1)
		return -1;
	if ((o = apim_api_doc_get(ctx->db, id, a->pos[1], &content, &len)) == NULL)
		return -1;
	if (ctx->json)
		apim_out_json(stdout, o, 1);
	else if (strcmp(jstr(o, "sourceType"), "URL") == 0)
		printf("%s\n", jstr(o, "sourceUrl"));
	else if (content && len > 0) {
		fwrite(content, 1, len, stdout);
		if (content[len - 1] != '\n' && strcmp(jstr(o, "sourceType"), "INLINE") == 0)
			putchar('\n');
	}
	free(content);
	json_decref(o);
	return 0;
}

int
apim_publish_doc_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	json_t *o = NULL;

	if (api_arg(ctx, a, 2, 2, id) == -1 ||
	    (ctx->json && (o = doc_json(ctx->db, id, a->pos[1])) == NULL))
		return -1;
	if (apim_api_doc_delete(ctx->db, id, a->pos[1]) == -1) {
		json_decref(o);
		return -1;
	}
	return o ? apim_out_emit(o) : 0;
}

/* ---- scopes ---- */

static void
scope_row(const json_t *o, char **c)
{
	c[0] = dup(jstr(o, "name"));
	c[1] = dup(json_is_true(json_object_get(o, "shared")) ? "yes" : "no");
	c[2] = apim_out_join(json_object_get(o, "bindings"), ",");
	if (*c[2] == '\0') {
		free(c[2]);
		c[2] = dup("(any)");
	}
	c[3] = dup(jstr(o, "description"));
}

int
apim_publish_scope_add(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *desc = apim_args_get(a, "description");
	json_t *s, *roles;
	char **r;
	int i, n, rc;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	r = apim_args_all(a, "role", &n);
	roles = json_array();
	for (i = 0; i < n; i++) {
		if (!apim_user_role_valid(r[i])) {
			apim_err_set(APIM_DATAERR, "bad role '%s' (1-64 of A-Z a-z 0-9 "
			    ". _ @ - /)", r[i]);
			free(r);
			json_decref(roles);
			return -1;
		}
		json_array_append_new(roles, json_string(r[i]));
	}
	free(r);
	s = json_pack("{s:s, s:s?, s:o, s:b}", "name", a->pos[0], "description",
	    desc, "bindings", roles, "shared", apim_args_has(a, "shared"));
	rc = apim_ctx_db(ctx) == NULL ? -1 : apim_scope_define(ctx->db, s);
	json_decref(s);
	if (rc == -1)
		return -1;
	return ctx->json ? apim_out_emit(apim_scope_get(ctx->db, a->pos[0])) : 0;
}

int
apim_publish_scope_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const heads[] = { "NAME", "SHARED", "ROLES",
		"DESCRIPTION", NULL };

	if (apim_args_npos(a, 0, 0) == -1 || apim_ctx_db(ctx) == NULL)
		return -1;
	return print_list(ctx, apim_scope_list(ctx->db), heads, scope_row);
}

/* Refused while a resource uses the scope; the scope goes with its role
 * bindings and its place in APIs' scope lists, in one transaction. */
int
apim_publish_scope_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	json_t *o = NULL, *users = NULL;
	char *s;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_store_begin(db) == -1)
		return -1;
	if ((o = apim_scope_get(db, a->pos[0])) == NULL ||
	    (users = apim_store_column_json(db, apim_store_prep(db, "SELECT "
	    "a.name || ':' || a.version || ' ' || r.verb || ' ' || r.template "
	    "FROM resource_scope s JOIN resource r ON r.id = s.resource_id "
	    "JOIN api a ON a.id = r.api_id WHERE s.scope = ? ORDER BY a.name, "
	    "a.version, r.template, r.verb", "s", a->pos[0]))) == NULL)
		goto fail;
	if (json_array_size(users) > 0) {
		s = apim_out_join(users, ", ");
		apim_err_set(APIM_NO, "scope '%s' is used by %zu resource%s: %s",
		    a->pos[0], json_array_size(users),
		    json_array_size(users) == 1 ? "" : "s", s);
		free(s);
		goto fail;
	}
	if (apim_scope_delete(db, a->pos[0]) == -1 || apim_store_commit(db) == -1)
		goto fail;
	json_decref(users);
	if (ctx->json)
		return apim_out_emit(o);
	json_decref(o);
	return 0;
fail:
	apim_store_rollback(db);
	json_decref(o);
	json_decref(users);
	return -1;
}
