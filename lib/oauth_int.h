/* oauth_int: what the files of lib/oauth share and nobody else may use: the
 * server's state, an authenticated client, and the helpers between them. */
#ifndef APIM_OAUTH_INT_H
#define APIM_OAUTH_INT_H

#include <stdint.h>

#include <openssl/evp.h>

#include "form.h"
#include "oauth.h"

#define APIM_OAUTH_ID_MAX 256		/* client ids, user names, secrets kept short */
#define APIM_OAUTH_CHECK_MAX 4		/* slow checks one request may need */

struct apim_oauth_qrow {	/* a token row waiting for apim_oauth_flush */
	char id[65], kind[8], *key, *app_id, *key_type, *user, *scope, *family;
	int64_t now, exp;
};

/* The slow checks of one request: each a secret and the stored hash it is
 * checked against; ok is -1 until a thread has run it. */
struct apim_oauth_check {
	int n;
	struct {
		char *secret, *stored;
		int ok;
	} it[APIM_OAUTH_CHECK_MAX];
};

struct apim_oauth {
	sqlite3 *db;
	int batch;
	struct apim_oauth_qrow *q;
	size_t nq, capq;
	char *issuer, *audience;
	int64_t lifetime_s, refresh_s;
	EVP_MAC_CTX *mac;	/* HMAC-SHA256 under the guard's key, copied per
				 * use: verified secrets are remembered there
				 * (made with the guard by apim_oauth_guarded) */
	sqlite3_stmt *st_client, *st_insert, *st_live;	/* prepared once: hot paths */
	sqlite3_stmt *st_scope;	/* may a subject have a scope (oauth_issue.c) */
	/* Slow (PBKDF2) checks: rationed per source by guard (o's own unless
	 * apim_oauth_set_guard gave a shared one; made when first needed);
	 * with defer, handed to the caller instead of run.  cur: the request's checks so far (answers
	 * included); deferred: the request waits for a new one. */
	struct apim_oauth_guard *guard, *own_guard;
	int defer, deferred;
	struct apim_oauth_check *cur;
	const char *peer;	/* the request's client address, or NULL */
	char retry_after[24];	/* Retry-After of the last 503, in seconds */
};

struct apim_oauth_client {
	char key[APIM_OAUTH_ID_MAX], app_id[64], key_type[16], grants[256];
	char scopes[1024], app_name[256], owner[256], tier[64], token_type[16];
	int64_t validity_s;
	int basic;		/* authenticated with HTTP Basic */
};

/* --- responses (oauth.c) --- */
void apim_oauth_json(struct apim_oauth_resp *rs, int status, json_t *body);
void apim_oauth_no_store(struct apim_oauth_resp *rs);
/* An RFC 6749 section 5.2 error. */
void apim_oauth_error(struct apim_oauth_resp *rs, int status, const char *error,
    const char *desc);
/* A 5xx answer from the error slot (503 and rs->retry when the store was
 * busy); the detail stays in the slot for the caller's log. */
void apim_oauth_server_error(struct apim_oauth_resp *rs);
/* 503 temporarily_unavailable with Retry-After: wait_s (at least 1). */
void apim_oauth_throttled(struct apim_oauth *o, struct apim_oauth_resp *rs,
    double wait_s);
/* Make o's guard (its own unless apim_oauth_set_guard gave one) and MAC if
 * not yet made: before any slow check.  0, or -1 with the error set. */
int apim_oauth_guarded(struct apim_oauth *o);
/* A statement prepared once and kept in *slot; reset for reuse.  NULL on error. */
sqlite3_stmt *apim_oauth_kept(struct apim_oauth *o, sqlite3_stmt **slot,
    const char *sql);

/* --- client authentication and slow checks (oauth_client.c) --- */
/* Authenticate the calling client (RFC 6749 section 2.3.1).  0 with c filled;
 * -1 with rs set to the error; -3 deferred (a slow check is pending). */
int apim_oauth_client_auth(struct apim_oauth *o, const struct apim_oauth_req *rq,
    const struct apim_form *f, struct apim_oauth_client *c,
    struct apim_oauth_resp *rs);
/* The resource owner's password (password grant): 1 right, 0 wrong or unknown
 * user, -1 with rs set (store error, throttled), -3 deferred. */
int apim_oauth_password_ok(struct apim_oauth *o, const char *user,
    const char *password, struct apim_oauth_resp *rs);

/* --- issuing (oauth_issue.c) --- */
/* 1 if s is a space-separated list of RFC 6749 scope tokens. */
int apim_oauth_scope_valid(const char *s);
/* 1 if grant is in the comma list grants. */
int apim_oauth_grant_allowed(const char *grants, const char *grant);
/* The scopes a token request asks for: the form's scope narrowed to the
 * client's allow-list allowed when it is not empty, else all of allowed;
 * "" if none.  Malloc'd; NULL with rs set on a malformed scope. */
char *apim_oauth_request_scope(const struct apim_form *f, const char *allowed,
    struct apim_oauth_resp *rs);
/* The granted scope: the form's (checked against allowed) or all of allowed.
 * Malloc'd; NULL with rs set on invalid_scope. */
char *apim_oauth_grant_scope(const struct apim_form *f, const char *allowed,
    struct apim_oauth_resp *rs);
/* Issue an access token (and a refresh token if with_refresh) for c, and
 * answer; old_refresh (a token id) is revoked in the same transaction.
 * scope is narrowed first to what the roles of user (or, without a user,
 * of the application owner) allow; nothing left gives "default". */
void apim_oauth_issue(struct apim_oauth *o, const struct apim_oauth_client *c,
    const char *user, const char *scope, const char *family_in,
    int with_refresh, const char *old_refresh, struct apim_oauth_resp *rs);
/* The refresh_token grant for the authenticated client c. */
void apim_oauth_grant_refresh(struct apim_oauth *o,
    const struct apim_oauth_client *c, const struct apim_form *f,
    struct apim_oauth_resp *rs);

#endif
