/* oauth_issue: scopes and grants, the claims of access JWTs, token rows
 * (written at once or queued for apim_oauth_flush) and the token answer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "jwt.h"
#include "oauth_int.h"
#include "store.h"
#include "util.h"

/* --- scopes --- */

/* 1 if s is a space-separated list of RFC 6749 scope tokens. */
int
apim_oauth_scope_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int prev_space = 1;

	for (; *p; p++) {
		if (*p == ' ') {
			if (prev_space)
				return 0;
			prev_space = 1;
			continue;
		}
		if (!(*p == 0x21 || (*p >= 0x23 && *p <= 0x5b) ||
		    (*p >= 0x5d && *p <= 0x7e)))
			return 0;
		prev_space = 0;
	}
	return !prev_space || *s == '\0';
}

/* 1 if the scope token tok[0..n) is in the space list set. */
static int
scope_has(const char *set, const char *tok, size_t n)
{
	const char *p = set;

	while (*p) {
		size_t l = strcspn(p, " ");

		if (l == n && strncmp(p, tok, n) == 0)
			return 1;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* 1 if every scope token of want is in have. */
static int
scope_subset(const char *want, const char *have)
{
	const char *p = want;

	while (*p) {
		size_t l = strcspn(p, " ");

		if (l && !scope_has(have, p, l))
			return 0;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 1;
}

/* Append the scope token tok[0..n) to the space list in b unless it is
 * there already. */
static void
scope_put(struct apim_buf *b, const char *tok, size_t n)
{
	if (b->len && scope_has(b->data, tok, n))
		return;
	if (b->len)
		apim_buf_addc(b, ' ');
	apim_buf_add(b, tok, n);
}

/* The scopes a token request asks for, narrowed by the client's allow-list
 * when it has one: the form's scope (syntax checked), else the allow-list.
 * Never fails for scopes the client may not have: they are dropped.  "" if
 * none.  Malloc'd; NULL with rs set (invalid_scope) if malformed. */
char *
apim_oauth_request_scope(const struct apim_form *f, const char *allowed,
    struct apim_oauth_resp *rs)
{
	const char *want = apim_form_get(f, "scope"), *p;
	struct apim_buf b = APIM_BUF_INIT;
	size_t l;

	if (want == NULL)
		return apim_strdup(allowed);
	if (!apim_oauth_scope_valid(want)) {
		apim_oauth_error(rs, 400, "invalid_scope", "malformed scope");
		return NULL;
	}
	for (p = want; *p; p += l) {
		while (*p == ' ')
			p++;
		if ((l = strcspn(p, " ")) == 0)
			break;
		if (*allowed == '\0' || scope_has(allowed, p, l))
			scope_put(&b, p, l);
	}
	apim_buf_addc(&b, '\0');
	return apim_buf_detach(&b, NULL);
}

/* The scopes of want the subject may have (WSO2's role-based scope issuing):
 * each must be a defined scope (lib/scope) that is bound to no role or to a
 * role the subject holds (user_role); "default" always passes; the rest are
 * dropped.  Nothing left gives "default".  Malloc'd; NULL on a store error. */
static char *
role_scope(struct apim_oauth *o, const char *subject, const char *want)
{
	struct apim_buf b = APIM_BUF_INIT;
	sqlite3_stmt *st;
	const char *p;
	size_t l;
	int r;

	for (p = want; *p; p += l) {
		while (*p == ' ')
			p++;
		if ((l = strcspn(p, " ")) == 0)
			break;
		if (!(l == 7 && strncmp(p, "default", 7) == 0)) {
			if ((st = apim_oauth_kept(o, &o->st_scope, "SELECT 1 FROM "
			    "scope s WHERE s.name = ?1 AND (NOT EXISTS (SELECT 1 FROM "
			    "scope_role r WHERE r.scope = s.name) OR EXISTS (SELECT 1 "
			    "FROM scope_role r JOIN user_role u ON u.role = r.role WHERE "
			    "r.scope = s.name AND u.name = ?2))")) == NULL)
				goto fail;
			sqlite3_bind_text(st, 1, p, (int)l, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
			r = apim_store_step(o->db, st);
			sqlite3_reset(st);
			if (r == -1)
				goto fail;
			if (r == 0)
				continue;
		}
		scope_put(&b, p, l);
	}
	if (b.len == 0)
		apim_buf_adds(&b, "default");
	return apim_buf_detach(&b, NULL);
fail:
	apim_buf_free(&b);
	return NULL;
}

/* 1 if grant is in the comma list grants (items may have white space around
 * them, as apim_split_csv allows); no allocation on the token path. */
int
apim_oauth_grant_allowed(const char *grants, const char *grant)
{
	size_t gl = strlen(grant), l;
	const char *p = grants;

	while (*p) {
		while (*p != ',' && isspace((unsigned char)*p))
			p++;
		l = strcspn(p, ",");
		while (l > 0 && isspace((unsigned char)p[l - 1]))
			l--;
		if (l == gl && strncmp(p, grant, gl) == 0)
			return 1;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

/* --- issuing --- */

/* An RFC 9562 version 7 UUID (milliseconds, then 74 random bits) for a jti
 * or a family: unique, unguessable enough for an identifier of a signed
 * token, and time-ordered, so rows keyed by it grow at the index's end. */
static int
uuid7(char out[37])
{
	unsigned char b[16];
	uint64_t ms = (uint64_t)apim_now_ms();
	int i;

	if (RAND_bytes(b + 6, 10) != 1)
		return -1;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	apim_uuid_text(b, out);
	return 0;
}

/* JSON text built by hand on the hot path (jansson would allocate a node per
 * claim), in an apim_buf; strings escaped per RFC 8259.  *bad is set when a
 * string is not UTF-8. */

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates),
 * 0 if malformed. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef) {
		n = 3;
		if (*p == 0xe0)
			lo = 0xa0;
		else if (*p == 0xed)
			hi = 0x9f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		if (*p == 0xf0)
			lo = 0x90;
		else if (*p == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Append s as a JSON string. */
static void
sb_str(struct apim_buf *b, int *bad, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[8];
	size_t l;

	apim_buf_add(b, "\"", 1);
	while (*p) {
		if (*p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) {
			p++;
			continue;
		}
		apim_buf_add(b, (const char *)run, (size_t)(p - run));
		if (*p >= 0x80) {
			if ((l = utf8_len(p)) == 0) {
				*bad = 1;
				l = 1;
			} else
				apim_buf_add(b, (const char *)p, l);
			p += l;
		} else {
			if (*p == '"' || *p == '\\') {
				esc[0] = '\\';
				esc[1] = (char)*p;
				esc[2] = '\0';
			} else
				snprintf(esc, sizeof esc, "\\u%04x", *p);
			apim_buf_adds(b, esc);
			p++;
		}
		run = p;
	}
	apim_buf_add(b, (const char *)run, (size_t)(p - run));
	apim_buf_add(b, "\"", 1);
}

/* Append ,"name":"value" (value escaped). */
static void
sb_kv(struct apim_buf *b, int *bad, const char *name, const char *value)
{
	apim_buf_add(b, ",\"", 2);
	apim_buf_adds(b, name);
	apim_buf_add(b, "\":", 2);
	sb_str(b, bad, value);
}

/* The claims of an access JWT (RFC 9068 and WSO2's), malloc'd; NULL if a
 * value from the store is not UTF-8.  family, if any, goes in the private
 * claim "family", which ties the token to its refresh token rows. */
static char *
jwt_claims(const struct apim_oauth *o, const struct apim_oauth_client *c, const char *user,
    const char *scope, const char *jti, const char *family, int64_t now_s,
    int64_t exp_s, size_t *len)
{
	struct apim_buf b = APIM_BUF_INIT;
	int bad = 0;

	apim_buf_adds(&b, "{\"iss\":");
	sb_str(&b, &bad, o->issuer);
	sb_kv(&b, &bad, "sub", user ? user : c->key);
	sb_kv(&b, &bad, "aud", o->audience ? o->audience : c->key);
	apim_buf_addf(&b, ",\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld",
	    (long long)exp_s, (long long)now_s, (long long)now_s);
	sb_kv(&b, &bad, "jti", jti);
	sb_kv(&b, &bad, "client_id", c->key);
	sb_kv(&b, &bad, "scope", scope);
	apim_buf_adds(&b, ",\"application\":{\"id\":");
	sb_str(&b, &bad, c->app_id);
	sb_kv(&b, &bad, "name", c->app_name);
	sb_kv(&b, &bad, "owner", c->owner);
	sb_kv(&b, &bad, "tier", c->tier);
	apim_buf_adds(&b, "}");
	sb_kv(&b, &bad, "keytype", c->key_type);
	sb_kv(&b, &bad, "consumerKey", c->key);
	if (family)
		sb_kv(&b, &bad, "family", family);
	apim_buf_adds(&b, "}");
	if (bad) {
		apim_buf_free(&b);
		apim_err_set(APIM_SOFTWARE, "client '%s' has text that is not "
		    "UTF-8", c->key);
		return NULL;
	}
	return apim_buf_detach(&b, len);
}

static int
write_token(struct apim_oauth *o, const char *id, const char *kind,
    const struct apim_oauth_client *c, const char *user, const char *scope,
    const char *family, int64_t now, int64_t exp)
{
	sqlite3_stmt *st = apim_oauth_kept(o, &o->st_insert, "INSERT INTO token (id, kind, "
	    "consumer_key, app_id, key_type, username, scope, family, issued_ms, "
	    "expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	const char *v[8] = { id, kind, c->key, c->app_id, c->key_type, user,
	    scope, family };
	int i, r;

	if (st == NULL)
		return -1;
	for (i = 0; i < 8; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, exp);
	r = apim_store_step(o->db, st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == -1 ? -1 : 0;
}

static void
qrow_free(struct apim_oauth_qrow *r)
{
	free(r->key);
	free(r->app_id);
	free(r->key_type);
	free(r->user);
	free(r->scope);
	free(r->family);
}

/* Write a token row now, or queue it in batch mode (queue: 1 allowed). */
static int
insert_token(struct apim_oauth *o, int queue, const char *id, const char *kind,
    const struct apim_oauth_client *c, const char *user, const char *scope,
    const char *family, int64_t now, int64_t exp)
{
	struct apim_oauth_qrow *r;

	if (!(o->batch && queue))
		return write_token(o, id, kind, c, user, scope, family, now, exp);
	if (o->nq == o->capq) {
		o->capq = o->capq ? 2 * o->capq : 64;
		o->q = apim_xreallocarray(o->q, o->capq, sizeof *o->q);
	}
	r = &o->q[o->nq++];
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->key = apim_strdup(c->key);
	r->app_id = apim_strdup(c->app_id);
	r->key_type = apim_strdup(c->key_type);
	r->user = user ? apim_strdup(user) : NULL;
	r->scope = apim_strdup(scope);
	r->family = family ? apim_strdup(family) : NULL;
	r->now = now;
	r->exp = exp;
	return 0;
}

void
apim_oauth_set_batch(struct apim_oauth *o, int on)
{
	size_t i;

	if (!on) {
		for (i = 0; i < o->nq; i++)
			qrow_free(&o->q[i]);
		o->nq = 0;
	}
	o->batch = on;
}

size_t
apim_oauth_queued(const struct apim_oauth *o)
{
	return o->nq;
}

int
apim_oauth_flush(struct apim_oauth *o)
{
	size_t i;
	int rc = -1;

	if (o->nq == 0)
		return 0;
	if (apim_store_begin(o->db) == -1)
		goto out;
	for (i = 0; i < o->nq; i++) {
		struct apim_oauth_qrow *r = &o->q[i];
		struct apim_oauth_client c;

		snprintf(c.key, sizeof c.key, "%s", r->key);
		snprintf(c.app_id, sizeof c.app_id, "%s", r->app_id);
		snprintf(c.key_type, sizeof c.key_type, "%s", r->key_type);
		if (write_token(o, r->id, r->kind, &c, r->user, r->scope, r->family,
		    r->now, r->exp) == -1) {
			apim_store_rollback(o->db);
			goto out;
		}
	}
	if (apim_store_commit(o->db) == 0)
		rc = 0;
out:
	if (rc == -1 && apim_err_code() == APIM_TEMPFAIL)
		return -1;	/* kept for a later try */
	for (i = 0; i < o->nq; i++)
		qrow_free(&o->q[i]);
	o->nq = 0;
	return rc;
}

/* Issue an access token (and a refresh token if with_refresh) for c, and
 * answer.  old_refresh (a token id) is revoked in the same transaction; if it
 * was revoked meanwhile nothing is issued.  A JWT access token writes no row:
 * only an opaque token's hash and a refresh token's hash are stored. */
void
apim_oauth_issue(struct apim_oauth *o, const struct apim_oauth_client *c, const char *user,
    const char *scope, const char *family_in, int with_refresh,
    const char *old_refresh, struct apim_oauth_resp *rs)
{
	int64_t now = apim_now_ms();
	int64_t life = c->validity_s > 0 ? c->validity_s : o->lifetime_s;
	int64_t exp = now + life * 1000, rexp;
	char jti[37], family[37], hid[65], rid[65];
	char *access = NULL, *refresh = NULL, *granted;
	const char *fam = family;
	size_t n;
	int jwt = strcmp(c->token_type, "opaque") != 0, nrows;

	/* What the subject's roles allow of what was asked: the user's for
	 * the password grant and its refresh tokens, else the application
	 * owner's. */
	if ((granted = role_scope(o, user ? user : c->owner, scope)) == NULL) {
		apim_oauth_server_error(rs);
		return;
	}
	scope = granted;

	/* A family ties the tokens of one grant together: its refresh tokens
	 * (rows) and its access tokens (rows when opaque, a claim when JWT). */
	family[0] = '\0';
	if (family_in)
		snprintf(family, sizeof family, "%s", family_in);
	else if (with_refresh && uuid7(family) == -1)
		goto norandom;
	if (!*family)
		fam = NULL;
	/* A refresh token outlives the access tokens issued with it, so that
	 * its row (which keeps their family alive) is never purged first. */
	rexp = now + (o->refresh_s > life ? o->refresh_s : life) * 1000;
	if (jwt) {
		char *cl;
		size_t cn;

		if (uuid7(jti) == -1)
			goto norandom;
		if ((cl = jwt_claims(o, c, user, scope, jti, fam, now / 1000,
		    exp / 1000, &cn)) == NULL) {
			apim_oauth_server_error(rs);
			goto out;
		}
		access = apim_jwt_sign_text(o->db, cl, cn, "at+jwt", exp / 1000);
		free(cl);
	} else {
		access = apim_random_b64url(32);
		if (access)
			apim_sha256_hex(access, strlen(access), hid);
	}
	if (access == NULL) {
		apim_oauth_server_error(rs);
		goto out;
	}
	if (with_refresh) {
		if ((refresh = apim_random_b64url(32)) == NULL)
			goto norandom;
		apim_sha256_hex(refresh, strlen(refresh), rid);
	}
	nrows = !jwt + (refresh != NULL);
	if (old_refresh || (nrows > 1 && !o->batch)) {
		if (apim_store_begin(o->db) == -1)
			goto fail;
		if (old_refresh) {
			int r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? "
			    "WHERE id = ? AND revoked_ms IS NULL", "Is", now, old_refresh);

			if (r == -1)
				goto fail;
			if (r == 0) {
				apim_store_rollback(o->db);
				apim_oauth_error(rs, 400, "invalid_grant", "refresh token was "
				    "already used");
				goto out;
			}
		}
		if ((!jwt && insert_token(o, 0, hid, "access", c, user, scope, fam,
		    now, exp) == -1) || (refresh && insert_token(o, 0, rid,
		    "refresh", c, user, scope, fam, now, rexp) == -1) ||
		    apim_store_commit(o->db) == -1)
			goto fail;
	} else if ((!jwt && insert_token(o, 1, hid, "access", c, user, scope, fam,
	    now, exp) == -1) || (refresh && insert_token(o, 1, rid, "refresh", c,
	    user, scope, fam, now, rexp) == -1))
		goto fail;
	/* Tokens are base64url or JWS; scope tokens exclude '"' and '\\' (RFC
	 * 6749 3.3): nothing here needs JSON escaping.  A client's scope list
	 * from the store is checked, and escaped by jansson if it must be. */
	if (!apim_oauth_scope_valid(scope)) {
		json_t *b = json_pack("{s:s,s:s,s:I,s:s}", "access_token", access,
		    "token_type", "Bearer", "expires_in", (json_int_t)life,
		    "scope", scope);

		if (refresh)
			json_object_set_new(b, "refresh_token", json_string(refresh));
		apim_oauth_no_store(rs);
		apim_oauth_json(rs, 200, b);
		goto out;
	}
	n = strlen(access) + (refresh ? strlen(refresh) : 0) + strlen(scope) + 128;
	rs->body = apim_xmalloc(n);
	rs->body_len = (size_t)snprintf(rs->body, n, "{\"access_token\":\"%s\","
	    "\"token_type\":\"Bearer\",\"expires_in\":%lld%s%s%s%s%s%s}", access,
	    (long long)life, refresh ? ",\"refresh_token\":\"" : "", refresh ? refresh : "",
	    refresh ? "\"" : "", *scope ? ",\"scope\":\"" : "", scope,
	    *scope ? "\"" : "");
	rs->status = 200;
	rs->content_type = "application/json";
	apim_oauth_no_store(rs);
	goto out;
norandom:
	apim_err_set(APIM_SOFTWARE, "no random bytes");
	apim_oauth_server_error(rs);
	goto out;
fail:
	apim_store_rollback(o->db);
	apim_oauth_server_error(rs);
out:
	if (access)
		OPENSSL_cleanse(access, strlen(access));
	if (refresh)
		OPENSSL_cleanse(refresh, strlen(refresh));
	free(access);
	free(refresh);
	free(granted);
}

/* The granted scope: the request's (checked against allowed) or all of allowed.
 * Malloc'd; NULL with rs set on invalid_scope. */
char *
apim_oauth_grant_scope(const struct apim_form *f, const char *allowed, struct apim_oauth_resp *rs)
{
	const char *want = apim_form_get(f, "scope");

	if (want == NULL)
		return apim_strdup(allowed);
	if (!apim_oauth_scope_valid(want)) {
		apim_oauth_error(rs, 400, "invalid_scope", "malformed scope");
		return NULL;
	}
	if (!scope_subset(want, allowed)) {
		apim_oauth_error(rs, 400, "invalid_scope", "requested scope exceeds the "
		    "granted scope");
		return NULL;
	}
	return apim_strdup(want);
}

void
apim_oauth_grant_refresh(struct apim_oauth *o, const struct apim_oauth_client *c, const struct apim_form *f,
    struct apim_oauth_resp *rs)
{
	const char *rt = apim_form_get(f, "refresh_token");
	char hid[65], user[APIM_OAUTH_ID_MAX] = "", family[64] = "", owner[APIM_OAUTH_ID_MAX] = "";
	char scope[1024] = "", *sc;
	int64_t now = apim_now_ms(), exp = 0;
	int r, revoked = 0, has_user = 0;
	sqlite3_stmt *st;

	if (rt == NULL) {
		apim_oauth_error(rs, 400, "invalid_request", "missing refresh_token");
		return;
	}
	apim_sha256_hex(rt, strlen(rt), hid);
	if ((st = apim_store_prep(o->db, "SELECT consumer_key, username, scope, "
	    "family, expires_ms, revoked_ms FROM token WHERE id = ? AND "
	    "kind = 'refresh'", "s", hid)) == NULL) {
		apim_oauth_server_error(rs);
		return;
	}
	if ((r = apim_store_step(o->db, st)) == 1) {
		snprintf(owner, sizeof owner, "%s", apim_store_text(st, 0));
		has_user = sqlite3_column_type(st, 1) != SQLITE_NULL;
		snprintf(user, sizeof user, "%s", apim_store_text(st, 1));
		snprintf(scope, sizeof scope, "%s", apim_store_text(st, 2));
		snprintf(family, sizeof family, "%s", apim_store_text(st, 3));
		exp = sqlite3_column_int64(st, 4);
		revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	if (r == -1) {
		apim_oauth_server_error(rs);
		return;
	}
	if (r == 0 || strcmp(owner, c->key) != 0) {
		apim_oauth_error(rs, 400, "invalid_grant", "unknown refresh token");
		return;
	}
	if (revoked) {
		/* Reuse of a rotated (or revoked) token: end the whole family. */
		if (*family && apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? "
		    "WHERE family = ? AND revoked_ms IS NULL", "Is", now, family) == -1) {
			apim_oauth_server_error(rs);
			return;
		}
		apim_oauth_error(rs, 400, "invalid_grant", "refresh token was already used; "
		    "its token family is revoked");
		return;
	}
	if (exp <= now) {
		apim_oauth_error(rs, 400, "invalid_grant", "refresh token expired");
		return;
	}
	if ((sc = apim_oauth_grant_scope(f, scope, rs)) == NULL)
		return;
	apim_oauth_issue(o, c, has_user ? user : NULL, sc, *family ? family : NULL, 1, hid, rs);
	free(sc);
}
