/* oauth: the endpoints (token, revoke, introspect, JWKS, metadata), routing,
 * responses and the server's setup.  Client authentication is in
 * oauth_client.c, issuing in oauth_issue.c, stored tokens in oauth_token.c.
 * struct apim_oauth owns its MAC context, guard and kept statements (a
 * guard given by apim_oauth_set_guard is borrowed); responses own
 * their body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "conf.h"
#include "err.h"
#include "buf.h"
#include "form.h"
#include "oauth_guard.h"
#include "oauth_int.h"
#include "signkey.h"
#include "store.h"
#include "util.h"

/* --- responses --- */

void
apim_oauth_json(struct apim_oauth_resp *rs, int status, json_t *body)
{
	rs->status = status;
	rs->content_type = "application/json";
	rs->body = json_dumps(body, JSON_COMPACT);
	rs->body_len = rs->body ? strlen(rs->body) : 0;
	json_decref(body);
}

void
apim_oauth_no_store(struct apim_oauth_resp *rs)
{
	rs->cache_control = "no-store";
	rs->pragma = "no-cache";
}

void
apim_oauth_error(struct apim_oauth_resp *rs, int status, const char *error,
    const char *desc)
{
	apim_oauth_no_store(rs);
	if (status == 401)
		rs->www_authenticate = "Basic realm=\"apim\"";
	apim_oauth_json(rs, status, json_pack("{s:s,s:s}", "error", error,
	    "error_description", desc));
}

void
apim_oauth_server_error(struct apim_oauth_resp *rs)
{
	if (apim_err_code() == APIM_TEMPFAIL) {
		apim_oauth_error(rs, 503, "temporarily_unavailable", "the store is "
		    "busy; try again");
		rs->retry = 1;
	} else
		apim_oauth_error(rs, 500, "server_error", "internal error");
}

void
apim_oauth_throttled(struct apim_oauth *o, struct apim_oauth_resp *rs,
    double wait_s)
{
	long s = (long)wait_s + ((double)(long)wait_s < wait_s);

	apim_oauth_error(rs, 503, "temporarily_unavailable", "too many "
	    "credential checks; try again");
	snprintf(o->retry_after, sizeof o->retry_after, "%ld", s < 1 ? 1 : s);
	rs->retry_after = o->retry_after;
}

void
apim_oauth_refuse(struct apim_oauth *o, struct apim_oauth_resp *rs, int wait_s)
{
	apim_oauth_resp_free(rs);
	apim_oauth_throttled(o, rs, wait_s);
}

void
apim_oauth_resp_free(struct apim_oauth_resp *rs)
{
	free(rs->body);
	memset(rs, 0, sizeof *rs);
}

/* --- setup --- */

static int64_t
conf_int(const char *key, int64_t def)
{
	const char *v = apim_conf_get(key, NULL);
	char *end;
	long long n;

	if (v == NULL)
		return def;
	n = strtoll(v, &end, 10);
	return *v && *end == '\0' && n > 0 && n <= APIM_OAUTH_VALIDITY_MAX ?
	    (int64_t)n : def;
}

struct apim_oauth *
apim_oauth_new(sqlite3 *db, const char *issuer)
{
	struct apim_oauth *o = apim_xcalloc(1, sizeof *o);
	const char *aud;
	size_t n;

	/* the guard and the MAC come with the first secret to check
	 * (apim_oauth_guarded): the gateway checks tokens only, and under
	 * inetd it would pay OpenSSL's random generator per connection */
	o->db = db;
	if (issuer == NULL)
		issuer = apim_conf_get("issuer", "http://localhost:8243");
	o->issuer = apim_strdup(issuer);
	n = strlen(o->issuer);
	while (n > 0 && o->issuer[n - 1] == '/')
		o->issuer[--n] = '\0';
	aud = apim_conf_get("token.audience", NULL);
	o->audience = aud && *aud ? apim_strdup(aud) : NULL;
	o->lifetime_s = conf_int("token.lifetime", 3600);
	o->refresh_s = conf_int("token.refresh_lifetime", 86400);
	return o;
}

int
apim_oauth_guarded(struct apim_oauth *o)
{
	EVP_MAC *m;
	OSSL_PARAM par[] = { OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0), OSSL_PARAM_END };

	if (o->guard == NULL) {
		if (o->own_guard == NULL &&
		    (o->own_guard = apim_oauth_guard_new(0)) == NULL)
			return -1;
		o->guard = o->own_guard;
	}
	if (o->mac != NULL)
		return 0;
	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (m == NULL || (o->mac = EVP_MAC_CTX_new(m)) == NULL ||
	    EVP_MAC_init(o->mac, apim_oauth_guard_mackey(o->guard), 32,
	    par) != 1) {
		EVP_MAC_free(m);
		EVP_MAC_CTX_free(o->mac);
		o->mac = NULL;
		apim_err_set(APIM_SOFTWARE, "no HMAC-SHA256");
		return -1;
	}
	EVP_MAC_free(m);	/* the context keeps its own reference */
	return 0;
}

void
apim_oauth_free(struct apim_oauth *o)
{
	if (o == NULL)
		return;
	EVP_MAC_CTX_free(o->mac);
	sqlite3_finalize(o->st_client);
	sqlite3_finalize(o->st_insert);
	sqlite3_finalize(o->st_live);
	sqlite3_finalize(o->st_scope);
	apim_oauth_set_batch(o, 0);
	apim_oauth_guard_free(o->own_guard);
	apim_oauth_check_free(o->cur);
	free(o->q);
	free(o->issuer);
	free(o->audience);
	free(o);
}

const char *
apim_oauth_issuer(const struct apim_oauth *o)
{
	return o->issuer;
}

void
apim_oauth_set_guard(struct apim_oauth *o, struct apim_oauth_guard *g)
{
	o->guard = g ? g : o->own_guard;
	/* remember verified secrets where every user of the guard sees them:
	 * the MAC is made again under its key when next needed */
	EVP_MAC_CTX_free(o->mac);
	o->mac = NULL;
}

void
apim_oauth_set_defer(struct apim_oauth *o, int on)
{
	o->defer = on;
}

sqlite3_stmt *
apim_oauth_kept(struct apim_oauth *o, sqlite3_stmt **slot, const char *sql)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return *slot;
	}
	if (sqlite3_prepare_v3(o->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
	    NULL) != SQLITE_OK) {
		apim_store_fail(o->db, "cannot prepare a statement");
		*slot = NULL;
	}
	return *slot;
}

/* --- endpoints --- */

static void
token_endpoint(struct apim_oauth *o, const struct apim_form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *grant = apim_form_get(f, "grant_type");
	struct apim_oauth_client c;
	char *sc;

	if (grant == NULL) {
		apim_oauth_error(rs, 400, "invalid_request", "missing grant_type");
		return;
	}
	if (apim_oauth_client_auth(o, rq, f, &c, rs) != 0)
		return;
	if (strcmp(grant, "client_credentials") != 0 && strcmp(grant, "password") != 0 &&
	    strcmp(grant, "refresh_token") != 0) {
		apim_oauth_error(rs, 400, "unsupported_grant_type", "supported: "
		    "client_credentials, password, refresh_token");
		return;
	}
	if (!apim_oauth_grant_allowed(c.grants, grant)) {
		apim_oauth_error(rs, 400, "unauthorized_client", "the client may not "
		    "use this grant type");
		return;
	}
	if (strcmp(grant, "refresh_token") == 0) {
		apim_oauth_grant_refresh(o, &c, f, rs);
		return;
	}
	if (strcmp(grant, "password") == 0) {
		const char *u = apim_form_get(f, "username");
		const char *p = apim_form_get(f, "password");
		int ok;

		if (u == NULL || p == NULL) {
			apim_oauth_error(rs, 400, "invalid_request", "missing username "
			    "or password");
			return;
		}
		if ((sc = apim_oauth_request_scope(f, c.scopes, rs)) == NULL)
			return;
		if ((ok = apim_oauth_password_ok(o, u, p, rs)) != 1) {
			free(sc);
			if (ok == 0)
				apim_oauth_error(rs, 400, "invalid_grant", "bad user "
				    "name or password");
			return;
		}
		apim_oauth_issue(o, &c, u, sc, NULL,
		    apim_oauth_grant_allowed(c.grants, "refresh_token"), NULL, rs);
		free(sc);
		return;
	}
	if ((sc = apim_oauth_request_scope(f, c.scopes, rs)) == NULL)
		return;
	apim_oauth_issue(o, &c, NULL, sc, NULL, 0, NULL, rs);
	free(sc);
}

static int
hint_ok(const char *hint, struct apim_oauth_resp *rs)
{
	if (hint == NULL || strcmp(hint, "access_token") == 0 ||
	    strcmp(hint, "refresh_token") == 0)
		return 1;
	apim_oauth_error(rs, 400, "unsupported_token_type", "token_type_hint must be "
	    "access_token or refresh_token");
	return 0;
}

static void
revoke_endpoint(struct apim_oauth *o, const struct apim_form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *token = apim_form_get(f, "token"), *hint = apim_form_get(f, "token_type_hint");
	struct apim_oauth_client c;

	if (apim_oauth_client_auth(o, rq, f, &c, rs) != 0)
		return;
	if (token == NULL) {
		apim_oauth_error(rs, 400, "invalid_request", "missing token");
		return;
	}
	if (!hint_ok(hint, rs))
		return;
	if (apim_oauth_revoke(o, token, hint, c.key) == -1) {
		if (apim_err_code() == APIM_NOPERM)
			apim_oauth_error(rs, 400, "invalid_request", apim_err_msg());
		else
			apim_oauth_server_error(rs);
		return;
	}
	apim_oauth_no_store(rs);
	rs->status = 200;
	rs->content_type = "application/json";
	rs->body = apim_strdup("{}");
	rs->body_len = 2;
}

static void
introspect_endpoint(struct apim_oauth *o, const struct apim_form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *token = apim_form_get(f, "token"), *hint = apim_form_get(f, "token_type_hint");
	struct apim_oauth_client c;
	json_t *j;

	if (apim_oauth_client_auth(o, rq, f, &c, rs) != 0)
		return;
	if (token == NULL) {
		apim_oauth_error(rs, 400, "invalid_request", "missing token");
		return;
	}
	if ((j = apim_oauth_introspect(o, token, hint)) == NULL) {
		apim_oauth_server_error(rs);
		return;
	}
	apim_oauth_no_store(rs);
	apim_oauth_json(rs, 200, j);
}

/* --- discovery --- */

static json_t *
metadata(struct apim_oauth *o)
{
	char tok[1024], jwks[1024], rev[1024], intro[1024];
	const char *i = o->issuer;

	snprintf(tok, sizeof tok, "%s/oauth2/token", i);
	snprintf(jwks, sizeof jwks, "%s/oauth2/jwks", i);
	snprintf(rev, sizeof rev, "%s/oauth2/revoke", i);
	snprintf(intro, sizeof intro, "%s/oauth2/introspect", i);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[sss],s:[ss],s:[ss],s:[ss],"
	    "s:[]}",
	    "issuer", i, "token_endpoint", tok, "jwks_uri", jwks,
	    "revocation_endpoint", rev, "introspection_endpoint", intro,
	    "grant_types_supported", "client_credentials", "password",
	    "refresh_token",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "revocation_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "introspection_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "response_types_supported");
}

/* --- routing --- */

static void
route(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_resp *rs)
{
	static const char *const posts[] = { "/oauth2/token", "/oauth2/revoke",
	    "/oauth2/introspect", NULL };
	const char *path = rq->path ? rq->path : "/";
	size_t plen = strcspn(path, "?");
	struct apim_form f = { 0, { 0 }, { 0 } };
	const char *why;
	int i, post = -1;

	for (i = 0; posts[i]; i++)
		if (strlen(posts[i]) == plen && strncmp(path, posts[i], plen) == 0)
			post = i;
	if (post == -1) {
		int jwks = plen == 12 && strncmp(path, "/oauth2/jwks", 12) == 0;
		int meta = plen == 39 && strncmp(path,
		    "/.well-known/oauth-authorization-server", 39) == 0;
		json_t *j;

		if (!jwks && !meta) {
			apim_oauth_json(rs, 404, json_pack("{s:s}", "error", "not_found"));
			return;
		}
		if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			rs->allow = "GET, HEAD";
			apim_oauth_json(rs, 405, json_pack("{s:s}", "error",
			    "method_not_allowed"));
			return;
		}
		if ((j = jwks ? apim_signkey_jwks(o->db) : metadata(o)) == NULL) {
			apim_oauth_server_error(rs);
			return;
		}
		rs->cache_control = "max-age=60";
		apim_oauth_json(rs, 200, j);
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		rs->allow = "POST";
		apim_oauth_no_store(rs);
		apim_oauth_json(rs, 405, json_pack("{s:s,s:s}", "error", "invalid_request",
		    "error_description", "use POST"));
		return;
	}
	if (rq->dup_header) {
		apim_oauth_error(rs, 400, "invalid_request", "repeated Authorization or "
		    "Content-Type header");
		return;
	}
	if (!apim_form_is_type(rq->content_type)) {
		apim_oauth_error(rs, 400, "invalid_request", "Content-Type must be "
		    "application/x-www-form-urlencoded");
		return;
	}
	if (apim_form_parse(rq->body ? rq->body : "", rq->body_len, &f, &why) == -1) {
		apim_oauth_error(rs, 400, "invalid_request", why);
		return;
	}
	if (post == 0)
		token_endpoint(o, &f, rq, rs);
	else if (post == 1)
		revoke_endpoint(o, &f, rq, rs);
	else
		introspect_endpoint(o, &f, rq, rs);
	apim_form_free(&f);
}

/* Answer rq with the slow checks of k (NULL: none yet) already answered. */
static void
handle(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_check *k, struct apim_oauth_resp *rs)
{
	memset(rs, 0, sizeof *rs);
	o->cur = k;
	o->deferred = 0;
	o->peer = rq->peer;
	route(o, rq, rs);
	if (o->deferred) {
		/* nothing was answered: the request waits for its check */
		apim_oauth_resp_free(rs);
		rs->check = o->cur;
	} else if (o->cur != k)
		apim_oauth_check_free(o->cur);	/* made here, answered here */
	o->cur = NULL;
	o->peer = NULL;
}

void
apim_oauth_handle(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_resp *rs)
{
	handle(o, rq, NULL, rs);
}

void
apim_oauth_resume(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_check *k, struct apim_oauth_resp *rs)
{
	handle(o, rq, k, rs);
}

void
apim_oauth_form_add(char **s, const char *name, const char *value)
{
	struct apim_buf b = APIM_BUF_INIT;

	if (*s) {
		b.data = *s;
		b.len = strlen(*s);
		b.cap = b.len + 1;
	}
	apim_form_add(&b, name, value);
	*s = apim_buf_detach(&b, NULL);
}
