/* oauth: the authorization server's endpoints as functions without HTTP: token
 * (client_credentials, password, refresh_token), revoke (RFC 7009), introspect
 * (RFC 7662), JWKS and RFC 8414 metadata.  Input: method, path, two headers,
 * the body and the peer; output: status, headers, JSON body.  Ownership: a
 * response's body is malloc'd (apim_oauth_resp_free); other response strings
 * are static or live as long as the struct apim_oauth. */
#ifndef APIM_OAUTH_H
#define APIM_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct apim_oauth;
struct apim_oauth_check;
struct apim_oauth_guard;

/* The longest token validity a client may have (apim-subscribe(1)
 * --validity): 100 years, in seconds.  Larger values in the store count as
 * this. */
#define APIM_OAUTH_VALIDITY_MAX (100LL * 365 * 86400)

struct apim_oauth_req {
	const char *method;		/* "POST" */
	const char *path;		/* "/oauth2/token" (a query is ignored) */
	const char *content_type;	/* NULL if absent */
	const char *authorization;	/* NULL if absent */
	int dup_header;			/* 1 if either header came more than once */
	const char *body;		/* need not be NUL-terminated */
	size_t body_len;
	const char *peer;		/* the client's address, for rationing
					 * slow checks per source; NULL if unknown */
};

struct apim_oauth_resp {
	int status;
	const char *content_type;	/* "application/json" */
	const char *cache_control;	/* "no-store" on token endpoints */
	const char *pragma;		/* "no-cache" with no-store, else NULL */
	const char *www_authenticate;	/* with 401 */
	const char *allow;		/* with 405 */
	const char *retry_after;	/* with 503 when throttled */
	char *body;			/* JSON text */
	size_t body_len;
	int retry;			/* a 503 because the store was busy: the
					 * same request may be tried again */
	struct apim_oauth_check *check;	/* status 0: deferred (below) */
};

/* A server over db (borrowed; one per process or thread).  issuer NULL means
 * conf "issuer", default "http://localhost:8243".  NULL on error. */
struct apim_oauth *apim_oauth_new(sqlite3 *db, const char *issuer);
void apim_oauth_free(struct apim_oauth *o);
const char *apim_oauth_issuer(const struct apim_oauth *o);

/* Answer one request (routing by path and method; unknown paths get 404).
 * Always fills rs; free it with apim_oauth_resp_free.  On a 5xx answer the
 * library error (apim_err_msg) says what went wrong, for the log. */
void apim_oauth_handle(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_resp *rs);
void apim_oauth_resp_free(struct apim_oauth_resp *rs);

/*
 * Slow checks.  Checking a client secret not yet verified by this process,
 * or a password, costs a PBKDF2 (tens of milliseconds).  Each is rationed
 * per source -- the client id (or user name) and rq->peer -- by a guard
 * (lib/oauth_guard.h; the server's own unless apim_oauth_set_guard gives one
 * shared by several processes): past its rate the answer is 503 with
 * Retry-After for that source only.  A secret verified once is remembered
 * (a keyed HMAC) and never checked slowly again.
 *
 * Deferred mode, for event loops: with apim_oauth_set_defer(o, 1),
 * apim_oauth_handle never runs a slow check itself.  A request that needs
 * one is answered with status 0 and rs->check set (nothing else to free):
 * run apim_oauth_check_run(rs->check) on any thread, then, back on o's
 * thread, apim_oauth_resume with the same rq (still valid) and that check.
 * The answer may again be deferred, with the same check (grown); when it is
 * final, free the check with apim_oauth_check_free.  A check that cannot be
 * run (too many waiting) is answered by apim_oauth_refuse: 503 with
 * Retry-After wait_s.  A check is not tied to o's state and may be freed
 * at any time.
 */
void apim_oauth_set_defer(struct apim_oauth *o, int on);
void apim_oauth_set_guard(struct apim_oauth *o, struct apim_oauth_guard *g);
void apim_oauth_check_run(struct apim_oauth_check *k);
void apim_oauth_resume(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_check *k, struct apim_oauth_resp *rs);
void apim_oauth_check_free(struct apim_oauth_check *k);
void apim_oauth_refuse(struct apim_oauth *o, struct apim_oauth_resp *rs,
    int wait_s);

/* Batch mode, for servers: rows of newly issued tokens are queued instead of
 * written, so the requests of one event-loop turn share one transaction.  An
 * answer that queued rows (apim_oauth_queued grew) must wait until
 * apim_oauth_flush has written them: 0, or -1 with the error set (the queue
 * is dropped then, and those answers must become errors).  Rotating a refresh
 * token is never queued. */
void apim_oauth_set_batch(struct apim_oauth *o, int on);
size_t apim_oauth_queued(const struct apim_oauth *o);
int apim_oauth_flush(struct apim_oauth *o);
/* (When the store is busy, APIM_TEMPFAIL, the queue is kept instead, for a
 * later apim_oauth_flush.) */

/* The RFC 7662 answer for token, without client authentication (for the
 * administrator's command line).  hint may be NULL.  New reference, NULL on a
 * store error. */
json_t *apim_oauth_introspect(struct apim_oauth *o, const char *token,
    const char *hint);
/* Revoke token (a refresh token takes its family with it; a JWT gets a
 * revoked row for its jti, expiring with it).  client NULL: any client's.  Returns 1 revoked, 0 unknown or not active, -1 error (a token of
 * another client: APIM_NOPERM). */
int apim_oauth_revoke(struct apim_oauth *o, const char *token, const char *hint,
    const char *client);

/* The store's side of checking a verified access JWT (for introspection and
 * for a gateway): 1 live, 0 not (a revoked row holds its jti, its client --
 * consumer key -- is gone, or family is non-NULL and none of that family's
 * refresh tokens is unrevoked), -1 store error.  Signature and expiry are
 * apim_jwt_verify's job.  Access JWTs have no row of their own: revoking one
 * inserts a row for its jti. */
int apim_oauth_jwt_live(struct apim_oauth *o, const char *jti, const char *client,
    const char *family);

/* Delete access and refresh token rows that expired before before_ms (API
 * keys are left alone).  Returns the number deleted, or -1. */
int apim_oauth_purge(sqlite3 *db, int64_t before_ms);

/* application/x-www-form-urlencoded: append "name=value" (escaped, '&' between)
 * to a malloc'd string *s (NULL to start).  (lib/form.h has the same on an
 * apim_buf.) */
void apim_oauth_form_add(char **s, const char *name, const char *value);

#endif
