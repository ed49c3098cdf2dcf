/* tokencli: apim-token's administrative commands over lib/signkey, lib/oauth
 * and lib/user.  Secrets come from stdin, never from argv; nothing is kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "err.h"
#include "oauth.h"
#include "out.h"
#include "signkey.h"
#include "tokencli.h"
#include "user.h"
#include "util.h"

#define INPUT_MAX 4096

/* One line of stdin without its newline, malloc'd; NULL at end of input. */
static char *
stdin_line(const char *what)
{
	char buf[INPUT_MAX];
	size_t n;

	if (fgets(buf, sizeof buf, stdin) == NULL) {
		apim_err_set(APIM_NOINPUT, "no %s on standard input", what);
		return NULL;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return apim_strdup(buf);
}

static void
burn(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* A token from argv, or from stdin when it is "-". */
static char *
token_arg(const char *arg)
{
	return strcmp(arg, "-") == 0 ? stdin_line("token") : apim_strdup(arg);
}

/* The entry of list l (kid or name key k equal to v), a new reference, or
 * NULL with APIM_NO; l is released. */
static json_t *
pick(json_t *l, const char *k, const char *v, const char *what)
{
	json_t *e, *r = NULL;
	size_t i;

	json_array_foreach(l, i, e)
		if (r == NULL && json_string_value(json_object_get(e, k)) &&
		    strcmp(json_string_value(json_object_get(e, k)), v) == 0)
			r = json_incref(e);
	if (r == NULL && l != NULL)
		apim_err_set(APIM_NO, "no %s '%s'", what, v);
	json_decref(l);
	return r;
}

/* What keys generate and rotate print: the key's kid, or with --json the
 * key as keys list shows it (kid, alg, state, created, ...). */
static int
print_key(struct apim_ctx *ctx, const char *kid)
{
	if (ctx->json)
		return apim_out_emit(pick(apim_signkey_list(ctx->db), "kid", kid,
		    "key"));
	printf("%s\n", kid);
	return 0;
}

int
apim_tokencli_keys_generate(struct apim_ctx *ctx, struct apim_args *a)
{
	char kid[APIM_KID_MAX];
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	if (!apim_signkey_alg_valid(apim_args_get(a, "alg") ? apim_args_get(a,
	    "alg") : "RS256")) {
		apim_err_set(APIM_USAGE, "unknown algorithm '%s' (RS256, ES256 or "
		    "EdDSA)", apim_args_get(a, "alg"));
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_signkey_generate(db, apim_args_get(a, "alg"), kid) == -1)
		return -1;
	return print_key(ctx, kid);
}

int
apim_tokencli_keys_rotate(struct apim_ctx *ctx, struct apim_args *a)
{
	char kid[APIM_KID_MAX];
	const char *alg = apim_args_get(a, "alg");
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	if (alg && !apim_signkey_alg_valid(alg)) {
		apim_err_set(APIM_USAGE, "unknown algorithm '%s' (RS256, ES256 or "
		    "EdDSA)", alg);
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL || apim_signkey_rotate(db, alg, kid) == -1)
		return -1;
	return print_key(ctx, kid);
}

int
apim_tokencli_keys_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "KID", "ALG", "STATE", "CREATED",
	    "LAST_EXP", "JWKS", NULL };
	struct apim_table *t;
	sqlite3 *db;
	json_t *l, *k;
	size_t i;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    (l = apim_signkey_list(db)) == NULL)
		return -1;
	if (ctx->json) {
		json_array_foreach(l, i, k)
			apim_out_json(stdout, k, 0);
		json_decref(l);
		return 0;
	}
	t = apim_table_new(hdr);
	json_array_foreach(l, i, k) {
		const char *row[6];

		row[0] = json_string_value(json_object_get(k, "kid"));
		row[1] = json_string_value(json_object_get(k, "alg"));
		row[2] = json_string_value(json_object_get(k, "state"));
		row[3] = json_string_value(json_object_get(k, "created"));
		row[4] = json_string_value(json_object_get(k, "last_exp"));
		row[5] = json_is_true(json_object_get(k, "in_jwks")) ? "yes" : "no";
		apim_table_add(t, row);
	}
	apim_table_print(t, stdout);
	json_decref(l);
	return 0;
}

int
apim_tokencli_keys_retire(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_signkey_retire(db, a->pos[0]) == -1)
		return -1;
	return ctx->json ? apim_out_emit(pick(apim_signkey_list(db), "kid",
	    a->pos[0], "key")) : 0;
}

int
apim_tokencli_keys_export(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char *pem;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    (pem = apim_signkey_public_pem(db, a->pos[0])) == NULL)
		return -1;
	fputs(pem, stdout);
	free(pem);
	return 0;
}

int
apim_tokencli_jwks(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	json_t *j;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    (j = apim_signkey_jwks(db)) == NULL)
		return -1;
	apim_out_json(stdout, j, !ctx->json);
	json_decref(j);
	return 0;
}

int
apim_tokencli_issue(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *id = apim_args_get(a, "client-id");
	const char *grant = apim_args_get(a, "grant");
	const char *user = apim_args_get(a, "username");
	char *secret = NULL, *pass = NULL, *rt = NULL, *body = NULL;
	struct apim_oauth_req rq;
	struct apim_oauth_resp rs;
	struct apim_oauth *o;
	sqlite3 *db;
	json_t *j;
	int rc = -1;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	if (grant == NULL)
		grant = "client_credentials";
	if (id == NULL || !apim_args_has(a, "client-secret-stdin")) {
		apim_err_set(APIM_USAGE, "--client-id and --client-secret-stdin "
		    "are required");
		return -1;
	}
	if (strcmp(grant, "password") == 0 && (user == NULL ||
	    !apim_args_has(a, "password-stdin"))) {
		apim_err_set(APIM_USAGE, "the password grant needs --username and "
		    "--password-stdin");
		return -1;
	}
	if (strcmp(grant, "refresh_token") == 0 &&
	    !apim_args_has(a, "refresh-token-stdin")) {
		apim_err_set(APIM_USAGE, "the refresh_token grant needs "
		    "--refresh-token-stdin");
		return -1;
	}
	if ((secret = stdin_line("client secret")) == NULL ||
	    (apim_args_has(a, "password-stdin") &&
	    (pass = stdin_line("password")) == NULL) ||
	    (apim_args_has(a, "refresh-token-stdin") &&
	    (rt = stdin_line("refresh token")) == NULL))
		goto out;
	apim_oauth_form_add(&body, "grant_type", grant);
	apim_oauth_form_add(&body, "client_id", id);
	apim_oauth_form_add(&body, "client_secret", secret);
	if (apim_args_get(a, "scope"))
		apim_oauth_form_add(&body, "scope", apim_args_get(a, "scope"));
	if (user)
		apim_oauth_form_add(&body, "username", user);
	if (pass)
		apim_oauth_form_add(&body, "password", pass);
	if (rt)
		apim_oauth_form_add(&body, "refresh_token", rt);
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    (o = apim_oauth_new(db, NULL)) == NULL)
		goto out;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.path = "/oauth2/token";
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = body;
	rq.body_len = strlen(body);
	apim_oauth_handle(o, &rq, &rs);
	apim_oauth_free(o);
	if (rs.status == 200) {
		printf("%s\n", rs.body);
		rc = 0;
	} else {
		j = json_loads(rs.body ? rs.body : "{}", 0, NULL);
		apim_warnx("%s: %s", json_string_value(json_object_get(j, "error")),
		    rs.status >= 500 && !rs.retry_after ? apim_err_msg() :
		    json_string_value(json_object_get(j, "error_description")));
		json_decref(j);
		rc = rs.status >= 500 ? (rs.status == 503 ? APIM_TEMPFAIL :
		    APIM_SOFTWARE) : APIM_NO;
	}
	apim_oauth_resp_free(&rs);
out:
	burn(secret);
	burn(pass);
	burn(rt);
	burn(body);
	return rc;
}

int
apim_tokencli_introspect(struct apim_ctx *ctx, struct apim_args *a)
{
	struct apim_oauth *o;
	sqlite3 *db;
	char *tok;
	json_t *j;
	int active;

	if (apim_args_npos(a, 1, 1) == -1 || (tok = token_arg(a->pos[0])) == NULL)
		return -1;
	if ((db = apim_ctx_db(ctx)) == NULL || (o = apim_oauth_new(db, NULL)) == NULL) {
		burn(tok);
		return -1;
	}
	j = apim_oauth_introspect(o, tok, apim_args_get(a, "hint"));
	apim_oauth_free(o);
	burn(tok);
	if (j == NULL)
		return -1;
	active = json_is_true(json_object_get(j, "active"));
	apim_out_json(stdout, j, 0);
	json_decref(j);
	return active ? 0 : APIM_NO;
}

int
apim_tokencli_revoke(struct apim_ctx *ctx, struct apim_args *a)
{
	struct apim_oauth *o;
	sqlite3 *db;
	char *tok;
	int r;

	if (apim_args_npos(a, 1, 1) == -1 || (tok = token_arg(a->pos[0])) == NULL)
		return -1;
	if ((db = apim_ctx_db(ctx)) == NULL || (o = apim_oauth_new(db, NULL)) == NULL) {
		burn(tok);
		return -1;
	}
	r = apim_oauth_revoke(o, tok, apim_args_get(a, "hint"), NULL);
	apim_oauth_free(o);
	burn(tok);
	if (r == -1)
		return -1;
	if (r == 0) {
		apim_warnx("no active token");
		return APIM_NO;
	}
	return 0;
}

int
apim_tokencli_purge(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *g = apim_args_get(a, "grace");
	long grace = 0;
	sqlite3 *db;
	char *end;
	int n;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	if (g && ((grace = strtol(g, &end, 10)) < 0 || *g == '\0' || *end ||
	    grace > 100L * 365 * 86400)) {
		apim_err_set(APIM_USAGE, "bad --grace '%s' (seconds)", g);
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    (n = apim_oauth_purge(db, apim_now_ms() - grace * 1000)) == -1)
		return -1;
	printf("%d\n", n);
	return 0;
}

int
apim_tokencli_user_add(struct apim_ctx *ctx, struct apim_args *a)
{
	char **roles, *pw;
	sqlite3 *db;
	int n, rc;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (!apim_args_has(a, "password-stdin")) {
		apim_err_set(APIM_USAGE, "--password-stdin is required");
		return -1;
	}
	if (!apim_user_name_valid(a->pos[0])) {
		apim_err_set(APIM_USAGE, "bad user name '%s' (1-64 of A-Z a-z 0-9 "
		    ". _ @ -)", a->pos[0]);
		return -1;
	}
	if ((pw = stdin_line("password")) == NULL)
		return -1;
	roles = apim_args_all(a, "role", &n);
	rc = (db = apim_ctx_db(ctx)) == NULL ||
	    apim_user_add(db, a->pos[0], pw, roles) == -1 ? -1 : 0;
	free(roles);
	burn(pw);
	if (rc == 0 && ctx->json)
		return apim_out_emit(pick(apim_user_list(db), "name", a->pos[0],
		    "user"));
	return rc;
}

int
apim_tokencli_user_passwd(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char *pw;
	int rc;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (!apim_args_has(a, "password-stdin")) {
		apim_err_set(APIM_USAGE, "--password-stdin is required");
		return -1;
	}
	if ((pw = stdin_line("password")) == NULL)
		return -1;
	rc = (db = apim_ctx_db(ctx)) == NULL ||
	    apim_user_passwd(db, a->pos[0], pw) == -1 ? -1 : 0;
	burn(pw);
	if (rc == 0 && ctx->json)
		return apim_out_emit(pick(apim_user_list(db), "name", a->pos[0],
		    "user"));
	return rc;
}

int
apim_tokencli_user_del(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	json_t *o = NULL;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    (ctx->json && (o = pick(apim_user_list(db), "name", a->pos[0],
	    "user")) == NULL))
		return -1;
	if (apim_user_del(db, a->pos[0]) == -1) {
		json_decref(o);
		return -1;
	}
	return o ? apim_out_emit(o) : 0;
}

int
apim_tokencli_user_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "NAME", "ROLES", "CREATED", NULL };
	struct apim_table *t;
	sqlite3 *db;
	json_t *l, *u, *r;
	size_t i, k;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    (l = apim_user_list(db)) == NULL)
		return -1;
	if (ctx->json) {
		json_array_foreach(l, i, u)
			apim_out_json(stdout, u, 0);
		json_decref(l);
		return 0;
	}
	t = apim_table_new(hdr);
	json_array_foreach(l, i, u) {
		char roles[1024] = "";
		const char *row[3];

		json_array_foreach(json_object_get(u, "roles"), k, r) {
			if (k)
				strncat(roles, ",", sizeof roles - strlen(roles) - 1);
			strncat(roles, json_string_value(r),
			    sizeof roles - strlen(roles) - 1);
		}
		row[0] = json_string_value(json_object_get(u, "name"));
		row[1] = *roles ? roles : NULL;
		row[2] = json_string_value(json_object_get(u, "created"));
		apim_table_add(t, row);
	}
	apim_table_print(t, stdout);
	json_decref(l);
	return 0;
}
