/* subscribe_apikey: apim-subscribe apikey and apikey revoke: issue and revoke
 * API keys, JWTs whose claims follow WSO2's.  Each command frees what it allocates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "app.h"
#include "conf.h"
#include "err.h"
#include "jwt.h"
#include "out.h"
#include "store.h"
#include "subscribe.h"
#include "util.h"

/* expires_ms recorded for a key without --validity: the end of year 9999. */
#define NEVER_MS 253402300799000LL

/* Check a comma list with ok(); the list re-joined with "," (malloc'd). */
static char *
check_list(const char *v, int (*ok)(const char *), const char *what)
{
	char **l, *out;
	size_t i;

	if (v == NULL)
		return apim_strdup("");
	l = apim_split_csv(v);
	for (i = 0; l[i]; i++)
		if (!ok(l[i])) {
			apim_err_set(APIM_DATAERR, "'%s' is not a valid %s", l[i], what);
			apim_strv_free(l);
			return NULL;
		}
	out = apim_strv_join(l, ",");
	apim_strv_free(l);
	return out;
}

/* The claims of a new key for app (WSO2's API key layout). */
static json_t *
claims_new(sqlite3 *db, const char *app, const char *type, int64_t iat_s,
    long long validity, const char *ips, const char *referers, const char *jti)
{
	sqlite3_stmt *st;
	json_t *c, *o, *apis, *tiers;
	int rc;

	st = apim_store_prep(db, "SELECT rowid, id, name, owner, tier FROM application"
	    " WHERE id = ?", "s", app);
	if (st == NULL)
		return NULL;
	if ((rc = apim_store_step(db, st)) != 1) {
		sqlite3_finalize(st);
		if (rc == 0)
			apim_err_set(APIM_NO, "no application '%s'", app);
		return NULL;
	}
	c = json_object();
	json_object_set_new(c, "iss", json_string(apim_conf_get("issuer",
	    "http://localhost:8243")));
	json_object_set_new(c, "sub", json_string(apim_store_text(st, 3)));
	json_object_set_new(c, "iat", json_integer(iat_s));
	if (validity > 0)
		json_object_set_new(c, "exp", json_integer(iat_s + validity));
	json_object_set_new(c, "jti", json_string(jti));
	json_object_set_new(c, "keytype", json_string(type));
	o = json_object();
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "uuid", json_string(apim_store_text(st, 1)));
	json_object_set_new(o, "name", json_string(apim_store_text(st, 2)));
	json_object_set_new(o, "owner", json_string(apim_store_text(st, 3)));
	json_object_set_new(o, "tier", json_string(apim_store_text(st, 4)));
	json_object_set_new(c, "application", o);
	sqlite3_finalize(st);

	apis = json_array();
	tiers = json_object();
	json_object_set_new(c, "tierInfo", tiers);
	json_object_set_new(c, "subscribedAPIs", apis);
	st = apim_store_prep(db, "SELECT a.name, a.context, a.version, a.provider,"
	    " s.tier FROM subscription s JOIN api a ON a.id = s.api_id"
	    " WHERE s.app_id = ? ORDER BY a.name, a.version", "s", app);
	if (st == NULL) {
		json_decref(c);
		return NULL;
	}
	while ((rc = apim_store_step(db, st)) == 1) {
		o = json_object();
		json_object_set_new(o, "name", json_string(apim_store_text(st, 0)));
		json_object_set_new(o, "context", json_string(apim_store_text(st, 1)));
		json_object_set_new(o, "version", json_string(apim_store_text(st, 2)));
		json_object_set_new(o, "publisher", json_string(apim_store_text(st, 3)));
		json_object_set_new(o, "subscriptionTier", json_string(apim_store_text(st, 4)));
		json_array_append_new(apis, o);
		if (json_object_get(tiers, apim_store_text(st, 4)) == NULL) {
			o = json_object();
			json_object_set_new(o, "stopOnQuotaReach", json_true());
			json_object_set_new(tiers, apim_store_text(st, 4), o);
		}
	}
	sqlite3_finalize(st);
	if (rc == -1) {
		json_decref(c);
		return NULL;
	}
	json_object_set_new(c, "permittedIP", json_string(ips));
	json_object_set_new(c, "permittedReferer", json_string(referers));
	return c;
}

int
apim_subscribe_apikey(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *type;
	char app[APIM_ID_MAX], jti[37], *ips = NULL, *refs = NULL, *jwt = NULL;
	long long validity = 0;
	int64_t now = apim_now_ms();
	json_t *claims = NULL, *o;
	int rc = -1;

	if (apim_args_npos(a, 1, 1) == -1 ||
	    apim_subscribe_keytype(apim_args_get(a, "type"), &type) == -1 ||
	    (apim_args_get(a, "validity") &&
	    apim_subscribe_validity(apim_args_get(a, "validity"), &validity) == -1) ||
	    (ips = check_list(apim_args_get(a, "permitted-ip"), apim_apikey_cidr_valid,
	    "IP address or CIDR")) == NULL ||
	    (refs = check_list(apim_args_get(a, "permitted-referer"),
	    apim_apikey_referer_valid, "referer pattern")) == NULL)
		goto out;
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1 ||
	    apim_uuid_new(jti) == -1 ||
	    (claims = claims_new(db, app, type, now / 1000, validity, ips, refs,
	    jti)) == NULL)
		goto out;
	/* Sign first: it may create the store's first signing key. */
	if ((jwt = apim_jwt_sign(db, claims, "JWT")) == NULL)
		goto out;
	if (apim_store_exec(db, "INSERT INTO token (id, kind, app_id, key_type,"
	    " username, issued_ms, expires_ms) VALUES (?, 'apikey', ?, ?, ?, ?, ?)",
	    "ssssII", jti, app, type, ctx->actor, now,
	    validity > 0 ? (int64_t)(now / 1000 + validity) * 1000 : (int64_t)NEVER_MS) == -1)
		goto out;
	if (ctx->json) {
		o = json_object();
		json_object_set_new(o, "apikey", json_string(jwt));
		json_object_set_new(o, "validityTime", json_integer(validity > 0 ? validity : -1));
		json_object_set_new(o, "keyType", json_string(type));
		json_object_set_new(o, "jti", json_string(jti));
		apim_out_emit(o);
	} else
		printf("%s\n", jwt);
	rc = 0;
out:
	json_decref(claims);
	free(jwt);
	free(ips);
	free(refs);
	return rc;
}

/* The jti of key: key itself, or the "jti" claim of a compact JWS (read, not
 * verified: revoking needs no proof).  Malloc'd, NULL if unreadable. */
static char *
key_jti(const char *key)
{
	const char *p = strchr(key, '.'), *e;
	unsigned char *buf;
	json_t *c, *j;
	char *out = NULL;
	long n;

	if (p == NULL)
		return apim_strdup(key);
	p++;
	if ((e = strchr(p, '.')) == NULL)
		return NULL;
	buf = apim_xmalloc(3 * (size_t)(e - p) / 4 + 4);
	if ((n = apim_b64url_decode(p, (size_t)(e - p), buf)) >= 0 &&
	    (c = json_loadb((char *)buf, (size_t)n, 0, NULL)) != NULL) {
		if ((j = json_object_get(c, "jti")) && json_is_string(j))
			out = apim_strdup(json_string_value(j));
		json_decref(c);
	}
	free(buf);
	return out;
}

int
apim_subscribe_apikey_revoke(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char app[APIM_ID_MAX], *jti;
	int n;

	if (apim_args_npos(a, 2, 2) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_resolve(db, ctx->actor, a->pos[0], app) == -1)
		return -1;
	if ((jti = key_jti(a->pos[1])) == NULL) {
		apim_err_set(APIM_DATAERR, "cannot read the key's jti");
		return -1;
	}
	n = apim_store_exec(db, "UPDATE token SET revoked_ms = coalesce(revoked_ms, ?)"
	    " WHERE id = ? AND kind = 'apikey' AND app_id = ?", "Iss",
	    apim_now_ms(), jti, app);
	if (n == 0)
		apim_err_set(APIM_NO, "application '%s' has no API key '%s'", a->pos[0], jti);
	if (n == 1 && ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "jti", json_string(jti));
		json_object_set_new(o, "applicationId", json_string(app));
		json_object_set_new(o, "revoked", json_true());
		apim_out_emit(o);
	}
	free(jti);
	return n == 1 ? 0 : -1;
}
