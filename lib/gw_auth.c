/* gw_auth: verified credentials cached until their exp, found by a keyed
 * hash of the whole token (gw_map: SipHash under a per-process random key,
 * then a constant-time compare of the token bytes, which the entry keeps);
 * liveness (revocation, deleted client, revoked family, retired key)
 * rechecked only when the store has changed since (gw_view_gen).  In inetd
 * mode (a process per connection, so that cache is empty) a JWT's signature
 * check is also remembered across processes (lib/gw_seen: verified()). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "gw_auth.h"
#include "gw_map.h"
#include "gw_seen.h"
#include "gw_view.h"
#include "jwt.h"
#include "oauth.h"
#include "store.h"
#include "util.h"

#define GW_AUTH_MAX 100000	/* cached credentials; the cache is emptied past it */

struct tok {
	struct gw_principal p;
	int jwt;		/* verified JWT (else an opaque token's row) */
	char *app_id, *key_type, *client, *user, *scope, *jti, *family, *kid;
	char *ips, *refs;
	char hid[65];		/* opaque: the row's id */
	uint64_t gen;		/* view generation of the last liveness check */
	int live;
};

struct gw_auth {
	struct gw_view *v;
	struct apim_oauth *o;
	struct gw_map *cache[2];	/* access tokens, API keys */
	struct gw_seen *seen;		/* inetd: the verified-JWT file; else NULL */
};

static void
tok_free(void *x)
{
	struct tok *t = x;

	free(t->app_id);
	free(t->key_type);
	free(t->client);
	free(t->user);
	free(t->scope);
	free(t->jti);
	free(t->family);
	free(t->kid);
	free(t->ips);
	free(t->refs);
	free(t);
}

struct gw_auth *
gw_auth_new(struct gw_view *view, const char *seen_db_path)
{
	struct gw_auth *a;
	struct apim_oauth *o;

	if ((o = apim_oauth_new(gw_view_db(view), NULL)) == NULL)
		return NULL;
	a = apim_xcalloc(1, sizeof *a);
	a->v = view;
	a->o = o;
	a->cache[0] = gw_map_new(tok_free);
	a->cache[1] = gw_map_new(tok_free);
	a->seen = seen_db_path ? gw_seen_new(seen_db_path) : NULL;
	return a;
}

void
gw_auth_free(struct gw_auth *a)
{
	if (a == NULL)
		return;
	gw_map_free(a->cache[0]);
	gw_map_free(a->cache[1]);
	gw_seen_free(a->seen);
	apim_oauth_free(a->o);
	free(a);
}

static char *
str_claim(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? apim_strdup(s) : NULL;
}

static void
publish(struct tok *t, int kind)
{
	t->p.kind = kind;
	t->p.app_id = t->app_id;
	t->p.key_type = t->key_type ? t->key_type : "PRODUCTION";
	t->p.client = t->client;
	t->p.user = t->user;
	t->p.scope = t->scope ? t->scope : "";
	t->p.jti = t->jti;
	t->p.permitted_ip = t->ips;
	t->p.permitted_referer = t->refs;
}

/* A verified JWT into a cache entry; NULL if it lacks what we need. */
static struct tok *
from_jwt(const char *jwt, json_t *cl, int kind)
{
	struct tok *t = apim_xcalloc(1, sizeof *t);
	json_t *hdr = apim_jwt_header(jwt), *app = json_object_get(cl, "application");
	json_t *exp = json_object_get(cl, "exp");

	t->jwt = 1;
	t->jti = str_claim(cl, "jti");
	t->kid = hdr ? str_claim(hdr, "kid") : NULL;
	json_decref(hdr);
	t->key_type = str_claim(cl, "keytype");
	t->scope = str_claim(cl, "scope");
	t->p.exp_ms = json_is_integer(exp) ? json_integer_value(exp) * 1000 : 0;
	if (kind == GW_OAUTH) {
		const char *sub = json_string_value(json_object_get(cl, "sub"));

		t->client = str_claim(cl, "client_id");
		t->family = str_claim(cl, "family");
		t->app_id = str_claim(app, "id");
		if (sub && t->client && strcmp(sub, t->client) != 0)
			t->user = apim_strdup(sub);
		if (t->client == NULL || t->p.exp_ms == 0)
			goto bad;
	} else {
		t->app_id = str_claim(app, "uuid");
		t->ips = str_claim(cl, "permittedIP");
		t->refs = str_claim(cl, "permittedReferer");
		t->user = str_claim(cl, "sub");
	}
	if (t->jti == NULL || t->app_id == NULL || t->kid == NULL)
		goto bad;
	publish(t, kind);
	return t;
bad:
	tok_free(t);
	return NULL;
}

/* An opaque access token's row into a cache entry: 1 found, 0 not, -1 error. */
static int
from_row(struct gw_auth *a, const char *token, struct tok **out)
{
	sqlite3 *db = gw_view_db(a->v);
	sqlite3_stmt *st;
	struct tok *t;
	char hid[65];
	int rc;

	*out = NULL;
	apim_sha256_hex(token, strlen(token), hid);
	st = apim_store_prep(db, "SELECT consumer_key, app_id, key_type, username,"
	    " scope, expires_ms FROM token WHERE id = ? AND kind = 'access'", "s", hid);
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1) {
		t = apim_xcalloc(1, sizeof *t);
		memcpy(t->hid, hid, sizeof hid);
		t->client = apim_strdup(apim_store_text(st, 0));
		t->app_id = apim_strdup(apim_store_text(st, 1));
		t->key_type = apim_strdup(apim_store_text(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			t->user = apim_strdup(apim_store_text(st, 3));
		t->scope = apim_strdup(apim_store_text(st, 4));
		t->p.exp_ms = sqlite3_column_int64(st, 5);
		publish(t, GW_OAUTH);
		*out = t;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The store's say on t now: 1 live, 0 not, -1 error. */
static int
liveness(struct gw_auth *a, struct tok *t)
{
	sqlite3 *db = gw_view_db(a->v);
	int r;

	if (t->jwt && (r = gw_view_kid_ok(a->v, t->kid)) != 1)
		return r;
	if (t->p.kind == GW_OAUTH && t->jwt)
		return apim_oauth_jwt_live(a->o, t->jti, t->client, t->family);
	if (t->p.kind == GW_OAUTH) {
		char one[4];

		return apim_store_one_text(db, apim_store_prep(db, "SELECT 1 FROM token"
		    " WHERE id = ? AND kind = 'access' AND revoked_ms IS NULL AND"
		    " EXISTS (SELECT 1 FROM client WHERE consumer_key = ?)", "ss",
		    t->hid, t->client), one, sizeof one);
	} else {
		char one[4];

		return apim_store_one_text(db, apim_store_prep(db, "SELECT 1 FROM token"
		    " WHERE id = ? AND kind = 'apikey' AND revoked_ms IS NULL AND"
		    " EXISTS (SELECT 1 FROM application WHERE id = ?)", "ss",
		    t->jti, t->app_id), one, sizeof one);
	}
}

static int64_t
exp_claim(const json_t *cl)
{
	const json_t *v = json_object_get(cl, "exp");

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/*
 * A JWT's claims if it is valid (apim_jwt_verify), else NULL with the error
 * set.  Workers: verified each time (their cache is check()'s).  inetd: a
 * token whose SHA-256 the verified-JWT file has (any earlier process checked
 * its signature with OpenSSL) skips only the signature check: everything
 * else apim_jwt_verify checks (shape, alg, typ, kid, exp, nbf) is checked
 * again on the token's own bytes, which the hash covers, and the entry must
 * name the header's kid and the payload's exp (else, a damaged or forged
 * entry, the token is verified as if there were none).  Whether that key is
 * still in use and the token still live is check()'s, as for any token.
 */
static json_t *
verified(struct gw_auth *a, const char *jwt, size_t len, int kind)
{
	const char *typ = kind == GW_OAUTH ? "at+jwt" : "JWT";
	unsigned char md[APIM_SHA256_LEN];
	char kid[GW_SEEN_KID];
	int64_t exp;
	json_t *cl, *hdr;

	if (a->seen == NULL)
		return apim_jwt_verify(gw_view_db(a->v), jwt, typ);
	apim_sha256(jwt, len, md);
	if (gw_seen_find(a->seen, md, apim_now_ms() / 1000, kid, &exp) == 1) {
		if ((cl = apim_jwt_verify_seen(jwt, typ, kid)) != NULL &&
		    exp_claim(cl) == exp)
			return cl;
		json_decref(cl);
	}
	if ((cl = apim_jwt_verify(gw_view_db(a->v), jwt, typ)) == NULL)
		return NULL;
	if ((hdr = apim_jwt_header(jwt)) != NULL &&
	    json_is_string(json_object_get(hdr, "kid")))
		gw_seen_put(a->seen, md, exp_claim(cl),
		    json_string_value(json_object_get(hdr, "kid")));
	json_decref(hdr);
	return cl;
}

static int
check(struct gw_auth *a, const char *cred, int kind, int64_t now_ms,
    const struct gw_principal **p)
{
	struct gw_map *cache = a->cache[kind == GW_APIKEY];
	size_t len = strlen(cred);
	uint64_t h;
	struct tok *t;
	const char *d;
	int r;

	*p = NULL;
	if (len == 0 || len > 16384)
		return GW_INVALID_CREDENTIALS;
	h = gw_map_hash(cred, len);
	if ((t = gw_map_getn(cache, cred, len, h)) == NULL) {
		if ((d = strchr(cred, '.')) && strchr(d + 1, '.')) {
			json_t *cl = verified(a, cred, len, kind);

			if (cl == NULL)
				return apim_err_code() == APIM_NO ?
				    GW_INVALID_CREDENTIALS : -1;
			t = from_jwt(cred, cl, kind);
			json_decref(cl);
			if (t == NULL)
				return GW_INVALID_CREDENTIALS;
		} else if (kind == GW_APIKEY)
			return GW_INVALID_CREDENTIALS;
		else if ((r = from_row(a, cred, &t)) != 1)
			return r == -1 ? -1 : GW_INVALID_CREDENTIALS;
		if (gw_map_count(a->cache[0]) + gw_map_count(a->cache[1]) >= GW_AUTH_MAX) {
			gw_map_clear(a->cache[0]);
			gw_map_clear(a->cache[1]);
		}
		t->gen = gw_view_gen(a->v) - 1;
		gw_map_putn(cache, cred, len, h, t);
	}
	if (t->p.exp_ms && t->p.exp_ms + APIM_JWT_LEEWAY_S * 1000 * t->jwt <= now_ms) {
		gw_map_deln(cache, cred, len, h);
		return GW_INVALID_CREDENTIALS;
	}
	if (t->gen != gw_view_gen(a->v)) {
		if ((r = liveness(a, t)) == -1)
			return -1;
		t->live = r;
		t->gen = gw_view_gen(a->v);
	}
	if (!t->live)
		return GW_INVALID_CREDENTIALS;
	*p = &t->p;
	return 0;
}

int
gw_auth_bearer(struct gw_auth *a, const char *token, int64_t now_ms,
    const struct gw_principal **p)
{
	return check(a, token, GW_OAUTH, now_ms, p);
}

int
gw_auth_apikey(struct gw_auth *a, const char *key, int64_t now_ms,
    const struct gw_principal **p)
{
	return check(a, key, GW_APIKEY, now_ms, p);
}

int
gw_auth_scoped(const char *scope, char *const *scopes)
{
	size_t i, n;
	const char *s;

	if (scopes == NULL || scopes[0] == NULL)
		return 1;
	for (i = 0; scopes[i]; i++) {
		n = strlen(scopes[i]);
		for (s = scope; (s = strstr(s, scopes[i])) != NULL; s += n)
			if ((s == scope || s[-1] == ' ') && (s[n] == '\0' || s[n] == ' '))
				return 1;
	}
	return 0;
}
