/* publish: apim-publish's sub-commands (all but import and export, which live
 * in publish_io.c).  Each turns flags into lib/api calls and prints the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "conf.h"
#include "endpoints.h"
#include "err.h"
#include "lifecycle.h"
#include "out.h"
#include "publish.h"
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

	for (i = 0; plain[i].flag; i++)
		if ((v = apim_args_get(a, plain[i].flag)) != NULL)
			json_object_set_new(o, plain[i].key, json_string(v));
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

int
apim_publish_add(struct apim_ctx *ctx, json_t *api)
{
	sqlite3 *db;
	char id[37];
	int rc = -1;

	if ((db = apim_ctx_db(ctx)) != NULL)
		rc = apim_api_create(db, api, ctx->actor, id);
	json_decref(api);
	if (rc == -1)
		return -1;
	printf("%s\n", id);
	return 0;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
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
	if ((o = apim_api_get(ctx->db, id)) == NULL)
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
	return rc;
}

int
apim_publish_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	return apim_api_delete(ctx->db, id, apim_args_has(a, "force"));
}

int
apim_publish_resource_add(struct apim_ctx *ctx, struct apim_args *a)
{
	json_t *op, *scopes;
	char id[37], **sc;
	int i, n, rc;

	if (api_arg(ctx, a, 3, 3, id) == -1)
		return -1;
	scopes = json_array();
	sc = apim_args_all(a, "scope", &n);
	for (i = 0; i < n; i++)
		json_array_append_new(scopes, json_string(sc[i]));
	free(sc);
	op = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "target", a->pos[2],
	    "verb", a->pos[1], "authType", apim_args_get(a, "auth"),
	    "throttlingPolicy", apim_args_get(a, "tier"), "scopes", scopes);
	rc = apim_api_resource_add(ctx->db, id, op);
	json_decref(op);
	return rc;
}

int
apim_publish_resource_list(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	if (api_arg(ctx, a, 1, 1, id) == -1)
		return -1;
	return print_list(ctx, apim_api_resources(ctx->db, id), op_heads, op_row);
}

int
apim_publish_resource_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	char id[37];

	if (api_arg(ctx, a, 3, 3, id) == -1)
		return -1;
	return apim_api_resource_delete(ctx->db, id, a->pos[1], a->pos[2]);
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
	printf("%s\n", nid);
	return 0;
}

int
apim_publish_doc_add(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *inl = apim_args_get(a, "inline"), *file = apim_args_get(a, "file");
	const char *url = apim_args_get(a, "url"), *base;
	char id[37], *content = NULL;
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

	if (api_arg(ctx, a, 2, 2, id) == -1)
		return -1;
	return apim_api_doc_delete(ctx->db, id, a->pos[1]);
}
