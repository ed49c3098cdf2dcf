/* subscribe_keys: OAuth clients (consumer key and secret) of applications for
 * apim-subscribe.  Secrets are printed once and stored only as PBKDF2 hashes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "app.h"
#include "err.h"
#include "oauth.h"
#include "out.h"
#include "secret.h"
#include "store.h"
#include "subscribe.h"
#include "util.h"

#define KEY_BYTES 20		/* consumer key: 27 base64url characters */
#define SECRET_BYTES 32		/* consumer secret: 43 base64url characters */

static const char *const grant_types[] = {
	"client_credentials", "password", "refresh_token", NULL,
};

int
apim_subscribe_keytype(const char *v, const char **out)
{
	if (v == NULL || strcasecmp(v, "production") == 0)
		*out = "PRODUCTION";
	else if (strcasecmp(v, "sandbox") == 0)
		*out = "SANDBOX";
	else {
		apim_err_set(APIM_USAGE, "key type must be production or sandbox, not '%s'", v);
		return -1;
	}
	return 0;
}

int
apim_subscribe_validity(const char *v, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = v ? strtoll(v, &end, 10) : 0;
	if (v == NULL || *v == '\0' || *end != '\0' || errno || n <= 0 ||
	    n > APIM_OAUTH_VALIDITY_MAX) {
		apim_err_set(APIM_DATAERR, "validity '%s' is not a positive number of"
		    " seconds (at most 100 years)", v ? v : "");
		return -1;
	}
	*out = n;
	return 0;
}

/* The grant types of a comma list, checked and de-duplicated, as the comma
 * list apim-token reads (malloc'd). */
static char *
parse_grants(const char *v)
{
	char **g = apim_split_csv(v ? v : "client_credentials,password,refresh_token");
	char *out = NULL;
	size_t i, j, n = 0;
	int k, known;

	for (i = 0; g[i]; i++) {
		for (known = 0, k = 0; grant_types[k]; k++)
			if (strcmp(g[i], grant_types[k]) == 0)
				known = 1;
		if (!known) {
			apim_err_set(APIM_DATAERR, "unknown grant type '%s' (use"
			    " client_credentials, password or refresh_token)", g[i]);
			apim_strv_free(g);
			return NULL;
		}
	}
	for (i = 0; g[i]; i++) {	/* drop repeats, keeping the order */
		for (j = 0; j < n && strcmp(g[j], g[i]) != 0; j++)
			;
		if (j < n)
			free(g[i]);
		else
			g[n++] = g[i];
	}
	g[n] = NULL;
	if (n == 0)
		apim_err_set(APIM_DATAERR, "no grant type given");
	else
		out = apim_strv_join(g, ",");
	apim_strv_free(g);
	return out;
}

/* Scopes of a comma list as an OAuth scope string (space separated, RFC 6749
 * scope-tokens), malloc'd. */
static char *
parse_scopes(const char *v)
{
	char **s = apim_split_csv(v ? v : "");
	char *out;
	const unsigned char *p;
	size_t i;

	for (i = 0; s[i]; i++)
		for (p = (const unsigned char *)s[i]; *p; p++)
			if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\') {
				apim_err_set(APIM_DATAERR, "scope '%s' has a character"
				    " OAuth does not allow", s[i]);
				apim_strv_free(s);
				return NULL;
			}
	out = apim_strv_join(s, " ");
	apim_strv_free(s);
	return out;
}

/* The items of a list separated by sep as a JSON array. */
static json_t *
words(const char *s, int sep)
{
	json_t *a = json_array();
	const char *p = s, *e;

	while (*p) {
		e = strchr(p, sep);
		if (e == NULL)
			e = p + strlen(p);
		if (e > p)
			json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
		p = *e ? e + 1 : e;
	}
	return a;
}

/* A client row (see client_json's query) as JSON. */
static json_t *
client_object(sqlite3 *db, sqlite3_stmt *st)
{
	char t[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 5), t);
	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:s, s:s}",
	    "consumerKey", apim_store_text(st, 0),
	    "keyType", apim_store_text(st, 1),
	    "supportedGrantTypes", words(apim_store_text(st, 2), ','),
	    "scopes", words(apim_store_text(st, 3), ' '),
	    "validityTime", (json_int_t)sqlite3_column_int64(st, 4),
	    "callbackUrl", apim_store_text_json(st, 6),
	    "keyState", "COMPLETED", "createdTime", t);
}

/* The client of app for key_type as JSON (no secret); NULL with APIM_NO. */
static json_t *
client_json(sqlite3 *db, const char *app, const char *type, const char *label)
{
	json_t *o;

	if (apim_store_one_json(db, apim_store_prep(db, "SELECT c.consumer_key,"
	    " c.key_type, c.grant_types, c.scopes, c.validity_s, c.created_ms,"
	    " a.callback_url FROM client c JOIN application a ON a.id = c.app_id"
	    " WHERE c.app_id = ? AND c.key_type = ?", "ss", app, type),
	    client_object, &o) == 0)
		apim_err_set(APIM_NO, "application '%s' has no %s keys", label, type);
	return o;
}

/* A new consumer secret and its stored hash, both malloc'd; -1 with the
 * error set. */
static int
secret_new(char **secret, char **hash)
{
	*hash = NULL;
	if ((*secret = apim_random_b64url(SECRET_BYTES)) == NULL ||
	    (*hash = apim_secret_hash(*secret)) == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot make a consumer secret");
		return -1;
	}
	return 0;
}

/* Wipe and free a secret and its hash (either may be NULL). */
static void
secret_free(char *secret, char *hash)
{
	if (secret)
		OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	free(hash);
}

/* Commit the open transaction that stored secret's hash, then print client o
 * with the secret, once.  o is released; -1 if the commit fails. */
static int
commit_and_print(struct apim_ctx *ctx, sqlite3 *db, json_t *o, const char *secret)
{
	if (apim_store_commit(db) == -1) {
		json_decref(o);
		return -1;
	}
	if (ctx->json) {
		json_object_set_new(o, "consumerSecret", json_string(secret));
		apim_out_json(stdout, o, 0);
	} else
		printf("consumerKey     %s\nconsumerSecret  %s\n",
		    json_string_value(json_object_get(o, "consumerKey")), secret);
	json_decref(o);
	return 0;
}

int
apim_subscribe_keys_generate(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *type;
	char app[APIM_ID_MAX], *grants = NULL, *scopes = NULL, *key = NULL;
	char *secret = NULL, *hash = NULL;
	long long validity = 3600;
	json_t *o;
	int rc = -1, have;

	if (apim_args_npos(a, 1, 1) == -1 ||
	    apim_subscribe_keytype(apim_args_get(a, "type"), &type) == -1 ||
	    (apim_args_get(a, "validity") &&
	    apim_subscribe_validity(apim_args_get(a, "validity"), &validity) == -1) ||
	    (grants = parse_grants(apim_args_get(a, "grant-types"))) == NULL ||
	    (scopes = parse_scopes(apim_args_get(a, "scopes"))) == NULL)
		goto out;
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1)
		goto out;
	if ((key = apim_random_b64url(KEY_BYTES)) == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot make a consumer key");
		goto out;
	}
	if (secret_new(&secret, &hash) == -1 || apim_store_begin(db) == -1)
		goto out;
	if ((st = apim_store_prep(db, "SELECT 1 FROM client WHERE app_id = ? AND"
	    " key_type = ?", "ss", app, type)) == NULL ||
	    (have = apim_store_step(db, st)) == -1) {
		sqlite3_finalize(st);
		apim_store_rollback(db);
		goto out;
	}
	sqlite3_finalize(st);
	if (have) {
		apim_store_rollback(db);
		apim_err_set(APIM_DATAERR, "application '%s' already has %s keys;"
		    " use keys regenerate", a->pos[0], type);
		goto out;
	}
	/* Read the new client back before committing: once the secret is
	 * stored it must also be shown. */
	if (apim_store_exec(db, "INSERT INTO client (consumer_key, app_id, key_type,"
	    " secret_hash, grant_types, scopes, validity_s, created_ms)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "ssssssII", key, app, type, hash,
	    grants, scopes, (int64_t)validity, apim_now_ms()) == -1 ||
	    (o = client_json(db, app, type, a->pos[0])) == NULL) {
		apim_store_rollback(db);
		goto out;
	}
	rc = commit_and_print(ctx, db, o, secret);
out:
	secret_free(secret, hash);
	free(key);
	free(grants);
	free(scopes);
	return rc;
}

int
apim_subscribe_keys_show(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char app[APIM_ID_MAX];
	const char *types[] = { "PRODUCTION", "SANDBOX", NULL };
	const char *hdr[] = { "TYPE", "CONSUMER_KEY", "GRANT_TYPES", "SCOPES",
	    "VALIDITY", NULL };
	struct apim_table *t = NULL;
	json_t *o;
	int i;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1)
		return -1;
	if (!ctx->json)
		t = apim_table_new(hdr);
	for (i = 0; types[i]; i++) {
		char *g, *s, v[24];

		if ((o = client_json(db, app, types[i], a->pos[0])) == NULL) {
			if (apim_err_code() == APIM_NO)
				continue;
			if (t)
				apim_table_print(t, stdout);
			return -1;
		}
		if (ctx->json) {
			apim_out_emit(o);
			continue;
		}
		g = apim_out_join(json_object_get(o, "supportedGrantTypes"), ",");
		s = apim_out_join(json_object_get(o, "scopes"), ",");
		snprintf(v, sizeof v, "%lld",
		    (long long)json_integer_value(json_object_get(o, "validityTime")));
		{
			const char *row[] = { types[i],
			    json_string_value(json_object_get(o, "consumerKey")),
			    g, s, v, NULL };
			apim_table_add(t, row);
		}
		free(g);
		free(s);
		json_decref(o);
	}
	if (t)
		apim_table_print(t, stdout);
	return 0;
}

int
apim_subscribe_keys_regenerate(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *type;
	char app[APIM_ID_MAX], *secret = NULL, *hash = NULL;
	json_t *o;
	int rc = -1;

	if (apim_args_npos(a, 1, 1) == -1 ||
	    apim_subscribe_keytype(apim_args_get(a, "type"), &type) == -1 ||
	    (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1)
		return -1;
	if (secret_new(&secret, &hash) == -1 || apim_store_begin(db) == -1)
		goto out;
	/* The client is read before the new hash is committed, so a secret
	 * that is stored is always shown. */
	if ((o = client_json(db, app, type, a->pos[0])) == NULL ||
	    apim_store_exec(db, "UPDATE client SET secret_hash = ? WHERE app_id = ?"
	    " AND key_type = ?", "sss", hash, app, type) == -1) {
		apim_store_rollback(db);
		json_decref(o);
		goto out;
	}
	rc = commit_and_print(ctx, db, o, secret);
out:
	secret_free(secret, hash);
	return rc;
}

int
apim_subscribe_keys_revoke(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *type;
	char app[APIM_ID_MAX];
	json_t *o;
	int revoked;

	if (apim_args_npos(a, 1, 1) == -1 ||
	    apim_subscribe_keytype(apim_args_get(a, "type"), &type) == -1 ||
	    (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1 ||
	    apim_store_begin(db) == -1)
		return -1;
	if ((o = client_json(db, app, type, a->pos[0])) == NULL)
		goto fail;
	if ((revoked = apim_app_revoke_tokens(db, NULL,
	    json_string_value(json_object_get(o, "consumerKey")), apim_now_ms())) == -1 ||
	    apim_store_exec(db, "DELETE FROM client WHERE app_id = ? AND key_type = ?",
	    "ss", app, type) == -1 || apim_store_commit(db) == -1)
		goto fail;
	if (ctx->json) {
		json_t *r = json_object();

		json_object_set(r, "consumerKey", json_object_get(o, "consumerKey"));
		json_object_set_new(r, "keyType", json_string(type));
		json_object_set_new(r, "revokedTokens", json_integer(revoked));
		apim_out_emit(r);
	}
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	apim_store_rollback(db);
	return -1;
}
