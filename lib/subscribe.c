/* subscribe: discovery, applications and subscriptions for apim-subscribe.
 * Each command owns what it allocates and frees it before returning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "app.h"
#include "err.h"
#include "out.h"
#include "policy.h"
#include "store.h"
#include "sub.h"
#include "subscribe.h"
#include "text.h"
#include "url.h"
#include "util.h"

/* The states a consumer may see; only PUBLISHED takes new subscriptions. */
#define VISIBLE_STATES "('PUBLISHED','PROTOTYPED','DEPRECATED')"
#define VISIBLE_TO_2 \
	" (a.visibility = 'public' OR EXISTS (SELECT 1 FROM api_role r" \
	"  JOIN user_role u ON u.role = r.role WHERE r.api_id = a.id AND u.name = ?2))"

/* The tiers an API offers, in order; "Unlimited" if it names none. */
static json_t *
api_tiers(sqlite3 *db, const char *api_id)
{
	json_t *a = apim_store_column_json(db, apim_store_prep(db,
	    "SELECT tier FROM api_tier WHERE api_id = ? ORDER BY pos, tier", "s",
	    api_id));

	if (a && json_array_size(a) == 0)
		json_array_append_new(a, json_string("Unlimited"));
	return a;
}

/* The consumer's view of one API (row: id, name, version, context, state,
 * provider, description). */
static json_t *
api_info(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *o = json_object(), *t;
	const char *id = apim_store_text(st, 0);

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "name", json_string(apim_store_text(st, 1)));
	json_object_set_new(o, "version", json_string(apim_store_text(st, 2)));
	json_object_set_new(o, "context", json_string(apim_store_text(st, 3)));
	json_object_set_new(o, "provider", json_string(apim_store_text(st, 5)));
	json_object_set_new(o, "lifeCycleStatus", json_string(apim_store_text(st, 4)));
	json_object_set_new(o, "description", apim_store_text_json(st, 6));
	json_object_set_new(o, "isSubscriptionAvailable",
	    json_boolean(strcmp(apim_store_text(st, 4), "PUBLISHED") == 0));
	if ((t = api_tiers(db, id)) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "throttlingPolicies", t);
	t = apim_store_column_json(db, apim_store_prep(db,
	    "SELECT tag FROM api_tag WHERE api_id = ? ORDER BY tag", "s", id));
	if (t == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "tags", t);
	return o;
}

int
apim_subscribe_apis(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "NAME", "VERSION", "CONTEXT",
	    "STATE", "PROVIDER", NULL };
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_out_rows(db, apim_store_prep(db,
	    "SELECT a.id, a.name, a.version, a.context, a.state, a.provider,"
	    " a.description FROM api a WHERE a.state IN " VISIBLE_STATES " AND"
	    VISIBLE_TO_2 " AND (?1 IS NULL OR instr(lower(a.name), lower(?1))"
	    "  OR instr(lower(a.context), lower(?1))"
	    "  OR instr(lower(coalesce(a.description, '')), lower(?1)))"
	    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM api_tag g"
	    "  WHERE g.api_id = a.id AND g.tag = ?3))"
	    " ORDER BY a.name, a.version",
	    "sss", apim_args_get(a, "search"), ctx->actor, apim_args_get(a, "tag")),
	    ctx->json, hdr, api_info);
}

/* A document as the consumer sees it, from a doc row (id, name, type,
 * source, content, url, file_name). */
static json_t *
doc_entry(sqlite3 *db, sqlite3_stmt *st)
{
	const char *src = apim_store_text(st, 3);
	json_t *d = json_object();

	(void)db;
	json_object_set_new(d, "documentId", json_string(apim_store_text(st, 0)));
	json_object_set_new(d, "name", json_string(apim_store_text(st, 1)));
	json_object_set_new(d, "type", json_string(apim_store_text(st, 2)));
	json_object_set_new(d, "sourceType", json_string(src));
	if (strcmp(src, "INLINE") == 0)
		json_object_set_new(d, "inlineContent", json_string(apim_store_text(st, 4)));
	else if (strcmp(src, "URL") == 0)
		json_object_set_new(d, "sourceUrl", json_string(apim_store_text(st, 5)));
	else
		json_object_set_new(d, "fileName", json_string(apim_store_text(st, 6)));
	return d;
}

static json_t *
api_documents(sqlite3 *db, const char *id)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT id, name, type,"
	    " source, content, url, file_name FROM doc WHERE api_id = ? ORDER BY name",
	    "s", id), doc_entry);
}

/* Find an API the consumer may see into id; "no API" otherwise. */
static int
visible_api(sqlite3 *db, const char *user, const char *ref, char id[APIM_ID_MAX])
{
	char state[16];
	int v;

	if (apim_api_resolve(db, ref, id) == -1 ||
	    apim_app_api_state(db, id, state, sizeof state) == -1 ||
	    (v = apim_app_api_visible(db, id, user)) == -1)
		return -1;
	if (!v || (strcmp(state, "PUBLISHED") != 0 && strcmp(state, "PROTOTYPED") != 0 &&
	    strcmp(state, "DEPRECATED") != 0)) {
		apim_err_set(APIM_NO, "no API '%s'", ref);
		return -1;
	}
	return 0;
}

static void
print_api(const json_t *o)
{
	const char *keys[] = { "id", "name", "version", "context", "provider",
	    "lifeCycleStatus", "description", NULL };
	const char *labels[] = { "id", "name", "version", "context", "provider",
	    "state", "description", NULL };
	const char *hdr[] = { "VERB", "TEMPLATE", "AUTH", "TIER", "SCOPES", NULL };
	struct apim_table *t;
	json_t *v, *ops, *docs;
	size_t i;
	char *s;
	int k;

	for (k = 0; keys[k]; k++)
		if ((v = json_object_get(o, keys[k])) && json_is_string(v))
			printf("%-12s%s\n", labels[k], json_string_value(v));
	s = apim_out_join(json_object_get(o, "throttlingPolicies"), ", ");
	printf("%-12s%s\n", "tiers", s);
	free(s);
	s = apim_out_join(json_object_get(o, "tags"), ", ");
	printf("%-12s%s\n", "tags", *s ? s : "-");
	free(s);
	s = apim_out_join(json_object_get(o, "versions"), ", ");
	printf("%-12s%s\n", "versions", s);
	free(s);
	ops = json_object_get(o, "operations");
	if (json_array_size(ops)) {
		printf("\n");
		t = apim_table_new(hdr);
		json_array_foreach(ops, i, v) {
			char *sc = apim_out_join(json_object_get(v, "scopes"), ",");
			const char *row[] = {
			    json_string_value(json_object_get(v, "verb")),
			    json_string_value(json_object_get(v, "target")),
			    json_string_value(json_object_get(v, "authType")),
			    json_string_value(json_object_get(v, "throttlingPolicy")),
			    sc, NULL };
			apim_table_add(t, row);
			free(sc);
		}
		apim_table_print(t, stdout);
	}
	docs = json_object_get(o, "documents");
	json_array_foreach(docs, i, v) {
		const char *src = json_string_value(json_object_get(v, "sourceType"));

		printf("\ndocument %s (%s)\n",
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "type")));
		if (strcmp(src, "INLINE") == 0)
			printf("%s\n", json_string_value(json_object_get(v, "inlineContent")));
		else if (strcmp(src, "URL") == 0)
			printf("%s\n", json_string_value(json_object_get(v, "sourceUrl")));
		else
			printf("file %s\n", json_string_value(json_object_get(v, "fileName")));
	}
}

int
apim_subscribe_api(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char id[APIM_ID_MAX];
	json_t *o = NULL, *v;
	int rc;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    visible_api(db, ctx->actor, a->pos[0], id) == -1)
		return -1;
	st = apim_store_prep(db, "SELECT id, name, version, context, state,"
	    " provider, description FROM api WHERE id = ?", "s", id);
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1)
		o = api_info(db, st);
	if (rc == 1 && o) {
		v = apim_store_column_json(db, apim_store_prep(db,
		    "SELECT a.version FROM api a WHERE a.name = ?1 AND a.state IN "
		    VISIBLE_STATES " AND" VISIBLE_TO_2 " ORDER BY a.created_ms, a.version",
		    "ss", apim_store_text(st, 1), ctx->actor));
		if (v)
			json_object_set_new(o, "versions", v);
		if (v && (v = apim_api_resources(db, id)) != NULL)
			json_object_set_new(o, "operations", v);
		if (v && (v = api_documents(db, id)) != NULL)
			json_object_set_new(o, "documents", v);
		if (v == NULL) {
			json_decref(o);
			o = NULL;
		}
	}
	sqlite3_finalize(st);
	if (o == NULL)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	print_api(o);
	json_decref(o);
	return 0;
}

/* Validate the application fields common to create and update. */
static int
check_app_fields(struct apim_ctx *ctx, struct apim_args *a, const char **token_type)
{
	const char *v;
	sqlite3 *db;
	char **attrs;
	int i, n;

	*token_type = NULL;
	if ((v = apim_args_get(a, "tier")) && ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_policy_check(db, "application", v, "application tier") == -1))
		return -1;
	if ((v = apim_args_get(a, "token-type")) != NULL) {
		if (strcasecmp(v, "jwt") == 0)
			*token_type = "jwt";
		else if (strcasecmp(v, "oauth") == 0 || strcasecmp(v, "opaque") == 0)
			*token_type = "opaque";	/* WSO2's OAUTH; the store says opaque */
		else {
			apim_err_set(APIM_USAGE, "token type must be jwt or oauth (opaque), "
			    "not '%s'", v);
			return -1;
		}
	}
	if (apim_text_check("description", apim_args_get(a, "description"),
	    APIM_TEXT_MAX, APIM_TEXT_MULTILINE) == -1)
		return -1;
	if ((v = apim_args_get(a, "callback-url")) && *v &&
	    apim_text_check("callback URL", v, APIM_URL_MAX, 0) == -1)
		return -1;
	if ((v = apim_args_get(a, "callback-url")) && *v &&
	    strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		apim_err_set(APIM_DATAERR, "callback URL '%s' is not an http or https URL", v);
		return -1;
	}
	if (v && *v && apim_url_check("callback URL", v) == -1)
		return -1;
	attrs = apim_args_all(a, "attr", &n);
	for (i = 0; i < n; i++) {
		const char *eq = strchr(attrs[i], '=');
		char *key;
		int bad;

		if (eq == NULL || attrs[i][0] == '=') {
			apim_err_set(APIM_USAGE, "attribute '%s' is not KEY=VALUE", attrs[i]);
			free(attrs);
			return -1;
		}
		key = apim_strdup(attrs[i]);
		key[eq - attrs[i]] = '\0';
		bad = apim_text_check("attribute name", key, APIM_NAME_MAX, 0) == -1 ||
		    apim_text_check("attribute value", eq + 1, APIM_TEXT_MAX, 0) == -1;
		free(key);
		if (bad) {
			free(attrs);
			return -1;
		}
	}
	free(attrs);
	return 0;
}

/* Set (or, with an empty value, remove) each --attr of a on app id. */
static int
store_attrs(sqlite3 *db, const char *id, struct apim_args *a)
{
	char **attrs, *k;
	int i, n, rc = 0;

	attrs = apim_args_all(a, "attr", &n);
	for (i = 0; i < n && rc != -1; i++) {
		char *eq;

		k = apim_strdup(attrs[i]);
		eq = strchr(k, '=');
		*eq = '\0';
		if (eq[1] == '\0')
			rc = apim_store_exec(db, "DELETE FROM app_attr WHERE app_id = ?"
			    " AND key = ?", "ss", id, k);
		else
			rc = apim_store_exec(db, "INSERT INTO app_attr (app_id, key, value)"
			    " VALUES (?1, ?2, ?3) ON CONFLICT (app_id, key) DO UPDATE"
			    " SET value = ?3", "sss", id, k, eq + 1);
		free(k);
	}
	free(attrs);
	return rc == -1 ? -1 : 0;
}

/* 1 if owner already has an application called name (other than self). */
static int
name_taken(sqlite3 *db, const char *owner, const char *name, const char *self)
{
	sqlite3_stmt *st;
	int rc;

	st = apim_store_prep(db, "SELECT 1 FROM application WHERE owner = ? AND"
	    " name = ? AND id IS NOT ?", "sss", owner, name, self);
	if (st == NULL)
		return -1;
	rc = apim_store_step(db, st);
	sqlite3_finalize(st);
	if (rc == 1)
		apim_err_set(APIM_DATAERR, "application '%s' already exists", name);
	return rc;
}

static int
valid_name(const char *name)
{
	if (*name == '\0') {
		apim_err_set(APIM_DATAERR, "an application name cannot be empty");
		return 0;
	}
	return apim_text_check("application name", name, APIM_NAME_MAX, 0) == 0;
}

int
apim_subscribe_app_create(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *tt, *tier;
	char id[37];
	int64_t now = apim_now_ms();

	if (apim_args_npos(a, 1, 1) == -1 || check_app_fields(ctx, a, &tt) == -1 ||
	    !valid_name(a->pos[0]) || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	tier = apim_args_get(a, "tier");
	if (apim_uuid_new(id) == -1 || apim_store_begin(db) == -1)
		return -1;
	if (name_taken(db, ctx->actor, a->pos[0], NULL) != 0 ||
	    apim_store_exec(db, "INSERT INTO application (id, name, owner, tier,"
	    " token_type, description, callback_url, created_ms, updated_ms)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssssssII", id, a->pos[0],
	    ctx->actor, tier ? tier : "Unlimited", tt ? tt : "jwt",
	    apim_args_get(a, "description"),
	    apim_args_get(a, "callback-url") && *apim_args_get(a, "callback-url") ?
	    apim_args_get(a, "callback-url") : NULL, now, now) == -1 ||
	    store_attrs(db, id, a) == -1 || apim_store_commit(db) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	if (ctx->json)
		return apim_out_emit(apim_app_json(db, id));
	printf("%s\n", id);
	return 0;
}

/* An application row (id first) as JSON, for apim_out_rows. */
static json_t *
app_row(sqlite3 *db, sqlite3_stmt *st)
{
	return apim_app_json(db, apim_store_text(st, 0));
}

int
apim_subscribe_app_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "NAME", "OWNER", "TIER", "TOKEN",
	    "SUBSCRIPTIONS", NULL };
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, "SELECT id, name, owner, tier,"
	    " token_type, (SELECT count(*) FROM subscription WHERE app_id = a.id)"
	    " FROM application a WHERE ?1 OR owner = ?2 ORDER BY owner, name",
	    "is", apim_args_has(a, "all"), ctx->actor), ctx->json, hdr, app_row);
}

int
apim_subscribe_app_show(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char id[APIM_ID_MAX];
	json_t *o, *v;
	const char *k;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], id) == -1 ||
	    (o = apim_app_json(db, id)) == NULL)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	json_object_foreach(o, k, v) {
		if (json_is_string(v))
			printf("%-18s%s\n", k, json_string_value(v));
		else if (json_is_integer(v))
			printf("%-18s%lld\n", k, (long long)json_integer_value(v));
		else if (json_is_null(v))
			printf("%-18s-\n", k);
	}
	json_object_foreach(json_object_get(o, "attributes"), k, v)
		printf("%-18s%s=%s\n", "attribute", k, json_string_value(v));
	json_decref(o);
	return 0;
}

int
apim_subscribe_app_update(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *tt, *name = apim_args_get(a, "name"), *cb;
	char id[APIM_ID_MAX];
	int n;

	if (apim_args_npos(a, 1, 1) == -1 || check_app_fields(ctx, a, &tt) == -1)
		return -1;
	if (!name && !tt && !apim_args_has(a, "tier") && !apim_args_has(a, "description") &&
	    !apim_args_has(a, "attr") && !apim_args_has(a, "callback-url")) {
		apim_err_set(APIM_USAGE, "nothing to update");
		return -1;
	}
	if ((name && !valid_name(name)) || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], id) == -1)
		return -1;
	cb = apim_args_get(a, "callback-url");
	if (apim_store_begin(db) == -1)
		return -1;
	if ((name && name_taken(db, ctx->actor, name, id) != 0) ||
	    (n = apim_store_exec(db, "UPDATE application SET"
	    " name = coalesce(?2, name), tier = coalesce(?3, tier),"
	    " token_type = coalesce(?4, token_type),"
	    " description = CASE WHEN ?5 THEN ?6 ELSE description END,"
	    " callback_url = CASE WHEN ?7 THEN nullif(?8, '') ELSE callback_url END,"
	    " updated_ms = ?9 WHERE id = ?1", "ssssisisI", id, name,
	    apim_args_get(a, "tier"), tt, apim_args_has(a, "description"),
	    apim_args_get(a, "description"), cb != NULL, cb, apim_now_ms())) == -1 ||
	    store_attrs(db, id, a) == -1 || apim_store_commit(db) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	if (ctx->json)
		return apim_out_emit(apim_app_json(db, id));
	return 0;
}

int
apim_subscribe_app_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char id[APIM_ID_MAX];
	int revoked;
	json_t *o;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_store_begin(db) == -1)
		return -1;
	/* resolved inside the transaction: nobody deletes it under us */
	if (apim_app_resolve(db, ctx->actor, a->pos[0], id) == -1 ||
	    (revoked = apim_app_revoke_tokens(db, id, NULL, apim_now_ms())) == -1 ||
	    apim_store_exec(db, "DELETE FROM subscription WHERE app_id = ?", "s", id) == -1 ||
	    apim_store_exec(db, "DELETE FROM client WHERE app_id = ?", "s", id) == -1 ||
	    apim_store_exec(db, "DELETE FROM application WHERE id = ?", "s", id) == -1 ||
	    apim_store_commit(db) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	if (ctx->json) {
		o = json_object();
		json_object_set_new(o, "applicationId", json_string(id));
		json_object_set_new(o, "revokedTokens", json_integer(revoked));
		return apim_out_emit(o);
	}
	return 0;
}

/* The subscription of app to api into sub, if any: 1 found, 0 not, -1 error. */
static int
find_sub(sqlite3 *db, const char *app, const char *api, char sub[APIM_ID_MAX],
    char *tier, size_t tn)
{
	return apim_sub_find(db, app, api, sub, tier, NULL,
	    tn < APIM_ID_MAX ? tn : APIM_ID_MAX);
}

int
apim_subscribe_subscribe(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char app[APIM_ID_MAX], api[APIM_ID_MAX], sub[APIM_ID_MAX], state[16], old[128];
	const char *want = apim_args_get(a, "tier"), *tier = NULL;
	json_t *tiers = NULL, *v;
	size_t i;
	int found, v_ok;
	int64_t now = apim_now_ms();

	if (apim_args_npos(a, 2, 2) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	/* Check the API's state and tiers in the transaction that writes, so
	 * a lifecycle change cannot slip in between. */
	if (apim_store_begin(db) == -1)
		return -1;
	if (apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1 ||
	    apim_api_resolve(db, a->pos[1], api) == -1 ||
	    apim_app_api_state(db, api, state, sizeof state) == -1 ||
	    (v_ok = apim_app_api_visible(db, api, ctx->actor)) == -1)
		goto fail;
	if (!v_ok) {
		apim_err_set(APIM_NO, "no API '%s'", a->pos[1]);
		goto fail;
	}
	if (strcmp(state, "PUBLISHED") != 0) {
		apim_err_set(APIM_NO, "API '%s' is %s: only PUBLISHED APIs take "
		    "subscriptions", a->pos[1], state);
		goto fail;
	}
	if ((tiers = api_tiers(db, api)) == NULL)
		goto fail;
	json_array_foreach(tiers, i, v)
		if (want == NULL || strcmp(want, json_string_value(v)) == 0) {
			tier = want ? want : json_string_value(v);
			break;
		}
	if (tier == NULL) {
		char *s = apim_out_join(tiers, ", ");

		apim_err_set(APIM_DATAERR, "API '%s' does not offer tier '%s' (it offers %s)",
		    a->pos[1], want, s);
		free(s);
		goto fail;
	}
	if (apim_policy_check(db, "subscription", tier, "subscription tier") == -1)
		goto fail;
	if ((found = find_sub(db, app, api, sub, old, sizeof old)) == -1)
		goto fail;
	if (found && strcmp(old, tier) != 0) {
		if (apim_store_exec(db, "UPDATE subscription SET tier = ?, updated_ms = ?"
		    " WHERE id = ?", "sIs", tier, now, sub) == -1)
			goto fail;
	} else if (!found) {
		if (apim_uuid_new(sub) == -1 ||
		    apim_store_exec(db, "INSERT INTO subscription (id, app_id, api_id,"
		    " tier, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
		    "ssssII", sub, app, api, tier, now, now) == -1)
			goto fail;
	}
	if (apim_store_commit(db) == -1)
		goto fail;
	json_decref(tiers);
	if (ctx->json)
		return apim_out_emit(apim_app_sub_json(db, sub));
	printf("%s\n", sub);
	return 0;
fail:
	apim_store_rollback(db);
	json_decref(tiers);
	return -1;
}

int
apim_subscribe_unsubscribe(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char app[APIM_ID_MAX], api[APIM_ID_MAX], sub[APIM_ID_MAX], tier[128];
	json_t *o = NULL;
	int found;

	if (apim_args_npos(a, 2, 2) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1 ||
	    apim_api_resolve(db, a->pos[1], api) == -1 || apim_store_begin(db) == -1)
		return -1;
	if ((found = find_sub(db, app, api, sub, tier, sizeof tier)) == 0)
		apim_err_set(APIM_NO, "application '%s' is not subscribed to '%s'",
		    a->pos[0], a->pos[1]);
	if (found != 1 || (ctx->json && (o = apim_app_sub_json(db, sub)) == NULL) ||
	    apim_store_exec(db, "DELETE FROM subscription WHERE id = ?", "s", sub) == -1 ||
	    apim_store_commit(db) == -1) {
		apim_store_rollback(db);
		json_decref(o);
		return -1;
	}
	return o ? apim_out_emit(o) : 0;
}

int
apim_subscribe_subscriptions(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "APPLICATION", "API", "TIER",
	    "STATUS", NULL };
	sqlite3 *db;
	char app[APIM_ID_MAX], api[APIM_ID_MAX];
	const char *appf = NULL, *apif = NULL;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if (apim_args_get(a, "app")) {
		if (apim_app_resolve(db, ctx->actor, apim_args_get(a, "app"), app) == -1)
			return -1;
		appf = app;
	}
	if (apim_args_get(a, "api")) {
		if (apim_api_resolve(db, apim_args_get(a, "api"), api) == -1)
			return -1;
		apif = api;
	}
	return apim_out_rows(db, apim_store_prep(db, "SELECT s.id, p.name,"
	    " a.name || ':' || a.version, s.tier, s.status FROM subscription s"
	    " JOIN application p ON p.id = s.app_id"
	    " JOIN api a ON a.id = s.api_id WHERE p.owner = ?1"
	    " AND (?2 IS NULL OR s.app_id = ?2) AND (?3 IS NULL OR s.api_id = ?3)"
	    " ORDER BY p.name, a.name, a.version", "sss", ctx->actor, appf, apif),
	    ctx->json, hdr, apim_app_sub_row);
}
