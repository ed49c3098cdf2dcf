/* oauth_token: tokens already issued: finding one (a JWT by signature and
 * claims, else a row by hash), liveness, introspection, revocation, purge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jwt.h"
#include "oauth_int.h"
#include "store.h"
#include "util.h"

/* --- introspection and revocation --- */

struct found {
	int row;		/* 1 if known: a row, or a JWT with a valid signature */
	int jwt;		/* a JWT: the fields below come from its claims */
	char kind[16], client[APIM_OAUTH_ID_MAX], user[APIM_OAUTH_ID_MAX], scope[1024], family[64];
	char id[65], app_id[64], key_type[16];
	int has_user, revoked;
	int64_t issued_ms, expires_ms;
	json_t *claims;		/* JWT claims if a valid JWT */
};

/* Seconds to milliseconds, saturating (claims may hold any integer). */
static int64_t
ms_of(json_int_t s)
{
	int64_t ms;

	if (__builtin_mul_overflow((int64_t)s, (int64_t)1000, &ms))
		return s < 0 ? INT64_MIN : INT64_MAX;
	return ms;
}

static int
lookup_row(struct apim_oauth *o, const char *id, const char *kind, struct found *t)
{
	sqlite3_stmt *st;
	int r;

	if ((st = apim_store_prep(o->db, "SELECT kind, consumer_key, username, scope, "
	    "family, issued_ms, expires_ms, revoked_ms FROM token WHERE id = ? AND "
	    "kind = ?", "ss", id, kind)) == NULL)
		return -1;
	if ((r = apim_store_step(o->db, st)) == 1) {
		t->row = 1;
		snprintf(t->id, sizeof t->id, "%s", id);
		snprintf(t->kind, sizeof t->kind, "%s", apim_store_text(st, 0));
		snprintf(t->client, sizeof t->client, "%s", apim_store_text(st, 1));
		t->has_user = sqlite3_column_type(st, 2) != SQLITE_NULL;
		snprintf(t->user, sizeof t->user, "%s", apim_store_text(st, 2));
		snprintf(t->scope, sizeof t->scope, "%s", apim_store_text(st, 3));
		snprintf(t->family, sizeof t->family, "%s", apim_store_text(st, 4));
		t->issued_ms = sqlite3_column_int64(st, 5);
		t->expires_ms = sqlite3_column_int64(st, 6);
		t->revoked = sqlite3_column_type(st, 7) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	return r == -1 ? -1 : 0;
}

int
apim_oauth_jwt_live(struct apim_oauth *o, const char *jti, const char *client,
    const char *family)
{
	/* Three probes by primary key or index in one statement: a revoked row
	 * for the jti (an unrevoked one is a token issued before JWTs stopped
	 * being stored), the client, and a live refresh token of the family. */
	sqlite3_stmt *st = apim_oauth_kept(o, &o->st_live, "SELECT "
	    "(SELECT revoked_ms IS NOT NULL FROM token WHERE id = ?1 AND "
	    "kind = 'access'), "
	    "EXISTS (SELECT 1 FROM client WHERE consumer_key = ?2), "
	    "?3 IS NULL OR EXISTS (SELECT 1 FROM token WHERE family = ?3 AND "
	    "kind = 'refresh' AND revoked_ms IS NULL)");
	int r, live = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, jti, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
	if (family && *family)
		sqlite3_bind_text(st, 3, family, -1, SQLITE_STATIC);
	if ((r = apim_store_step(o->db, st)) == 1)
		live = sqlite3_column_int(st, 0) == 0 &&
		    sqlite3_column_int(st, 1) == 1 && sqlite3_column_int(st, 2) == 1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == -1 ? -1 : live;
}

/* Fill t from the claims of a verified access JWT (taking cl).  0, or -1 on
 * a store error. */
static int
jwt_found(struct apim_oauth *o, json_t *cl, struct found *t)
{
	const char *jti = json_string_value(json_object_get(cl, "jti"));
	const char *cid = json_string_value(json_object_get(cl, "client_id"));
	const char *sub = json_string_value(json_object_get(cl, "sub"));
	const char *sc = json_string_value(json_object_get(cl, "scope"));
	const char *fam = json_string_value(json_object_get(cl, "family"));
	const char *app = json_string_value(json_object_get(json_object_get(cl,
	    "application"), "id"));
	const char *kt = json_string_value(json_object_get(cl, "keytype"));
	json_t *exp = json_object_get(cl, "exp"), *iat = json_object_get(cl, "iat");
	int live;

	t->claims = cl;
	if (jti == NULL || strlen(jti) >= sizeof t->id || cid == NULL ||
	    strlen(cid) >= sizeof t->client || !json_is_integer(exp) ||
	    (fam && strlen(fam) >= sizeof t->family))
		return 0;	/* not one of our access tokens */
	if ((live = apim_oauth_jwt_live(o, jti, cid, fam)) == -1)
		return -1;
	t->row = t->jwt = 1;
	t->revoked = !live;
	strcpy(t->kind, "access");
	strcpy(t->id, jti);
	strcpy(t->client, cid);
	if (fam)
		strcpy(t->family, fam);
	if (sub && strcmp(sub, cid) != 0) {
		t->has_user = 1;
		snprintf(t->user, sizeof t->user, "%s", sub);
	}
	snprintf(t->scope, sizeof t->scope, "%s", sc ? sc : "");
	snprintf(t->app_id, sizeof t->app_id, "%s", app ? app : "");
	snprintf(t->key_type, sizeof t->key_type, "%s", kt ? kt : "");
	t->expires_ms = ms_of(json_integer_value(exp));
	t->issued_ms = json_is_integer(iat) ? ms_of(json_integer_value(iat)) : 0;
	return 0;
}

/* Find token: a JWT by its signature and claims, else a row by hash.  0
 * (t->row says whether found), -1 store error. */
static int
find_token(struct apim_oauth *o, const char *token, const char *hint, struct found *t)
{
	char hid[65];
	const char *d;
	int refresh_first = hint && strcmp(hint, "refresh_token") == 0;

	memset(t, 0, sizeof *t);
	if ((d = strchr(token, '.')) && strchr(d + 1, '.')) {
		json_t *cl = apim_jwt_verify(o->db, token, "at+jwt");

		if (cl == NULL)
			return apim_err_code() == APIM_NO ? 0 : -1;
		return jwt_found(o, cl, t);
	}
	apim_sha256_hex(token, strlen(token), hid);
	if (lookup_row(o, hid, refresh_first ? "refresh" : "access", t) == -1)
		return -1;
	if (!t->row && lookup_row(o, hid, refresh_first ? "access" : "refresh", t) == -1)
		return -1;
	return 0;
}

json_t *
apim_oauth_introspect(struct apim_oauth *o, const char *token, const char *hint)
{
	struct found t;
	json_t *j;
	int64_t now = apim_now_ms();

	if (find_token(o, token, hint, &t) == -1) {
		json_decref(t.claims);
		return NULL;
	}
	if (!t.row || t.revoked || t.expires_ms <= now) {
		json_decref(t.claims);
		return json_pack("{s:b}", "active", 0);
	}
	j = json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "active", 1,
	    "scope", t.scope, "client_id", t.client,
	    "token_type", strcmp(t.kind, "refresh") == 0 ? "refresh_token" : "Bearer",
	    "exp", (json_int_t)(t.expires_ms / 1000),
	    "iat", (json_int_t)(t.issued_ms / 1000),
	    "sub", t.has_user ? t.user : t.client, "iss", o->issuer);
	if (t.has_user)
		json_object_set_new(j, "username", json_string(t.user));
	if (t.claims) {
		const char *k[] = { "aud", "jti", "nbf", "iss", "application",
		    "keytype", NULL };
		int i;

		for (i = 0; k[i]; i++)
			if (json_object_get(t.claims, k[i]))
				json_object_set(j, k[i], json_object_get(t.claims, k[i]));
		/* the claims' own times, not their saturated milliseconds */
		for (i = 0; i < 2; i++)
			if (json_is_integer(json_object_get(t.claims, i ? "iat" : "exp")))
				json_object_set(j, i ? "iat" : "exp",
				    json_object_get(t.claims, i ? "iat" : "exp"));
		json_decref(t.claims);
	}
	return j;
}

int
apim_oauth_revoke(struct apim_oauth *o, const char *token, const char *hint,
    const char *client)
{
	struct found t;
	int64_t now = apim_now_ms();
	int r;

	r = find_token(o, token, hint, &t);
	json_decref(t.claims);
	if (r == -1)
		return -1;
	if (!t.row)
		return 0;
	if (client && strcmp(client, t.client) != 0) {
		apim_err_set(APIM_NOPERM, "the token was issued to another client");
		return -1;
	}
	if (t.jwt) {
		/* A JWT has no row until it is revoked: the row says so, and
		 * lives until the token's own expiry (then purge drops it). */
		if (t.revoked)
			return 0;
		r = apim_store_exec(o->db, "INSERT INTO token (id, kind, "
		    "consumer_key, app_id, key_type, username, scope, family, "
		    "issued_ms, expires_ms, revoked_ms) VALUES (?, 'access', ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
		    "revoked_ms = excluded.revoked_ms WHERE kind = 'access' AND "
		    "revoked_ms IS NULL",
		    "sssssssIII", t.id, t.client, *t.app_id ? t.app_id : NULL,
		    *t.key_type ? t.key_type : NULL, t.has_user ? t.user : NULL,
		    t.scope, *t.family ? t.family : NULL, t.issued_ms, t.expires_ms,
		    now);
	} else if (strcmp(t.kind, "refresh") == 0 && *t.family)
		r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? WHERE "
		    "(family = ? OR id = ?) AND revoked_ms IS NULL", "Iss", now,
		    t.family, t.id);
	else
		r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? WHERE "
		    "id = ? AND kind = ? AND revoked_ms IS NULL", "Iss", now, t.id,
		    t.kind);
	return r < 0 ? -1 : r > 0;
}

int
apim_oauth_purge(sqlite3 *db, int64_t before_ms)
{
	return apim_store_exec(db, "DELETE FROM token WHERE kind IN ('access', "
	    "'refresh') AND expires_ms < ?", "I", before_ms);
}

