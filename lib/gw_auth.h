/* gw_auth: apim-proxy's step 4, who is calling: access tokens (JWT verified
 * against the store's signing keys, opaque by hash) and API keys, with a cache
 * of verified credentials kept until they expire.  Results are borrowed from
 * the cache and valid until the next gw_auth call. */
#ifndef APIM_GW_AUTH_H
#define APIM_GW_AUTH_H

#include <stdint.h>

struct gw_view;

/* WSO2's authentication failure codes. */
#define GW_MISSING_CREDENTIALS	900902	/* 401 with WWW-Authenticate */
#define GW_INVALID_CREDENTIALS	900901	/* 401: invalid, expired, revoked */
#define GW_FORBIDDEN		900908	/* 403: API key from a place it may not be used */

enum gw_kind { GW_OAUTH = 1, GW_APIKEY = 2 };

struct gw_principal {
	int kind;		/* enum gw_kind */
	const char *app_id;	/* the application's id */
	const char *key_type;	/* "PRODUCTION" or "SANDBOX" */
	const char *client;	/* consumer key, NULL for API keys */
	const char *user;	/* end user (password grant), NULL if none */
	const char *scope;	/* space-separated, "" if none */
	const char *jti;	/* token id (JWT) or NULL */
	const char *permitted_ip, *permitted_referer;	/* API keys; NULL if none */
	int64_t exp_ms;		/* 0: never */
};

struct gw_auth;

/* A cache over view (borrowed; it must outlive the cache).  seen_db_path:
 * inetd mode, where each process checks a connection or two: JWTs verified
 * by any process are also remembered across processes in the verified-JWT
 * file next to the store at that path (lib/gw_seen), so that a token seen
 * before needs no signature check (and no OpenSSL call); NULL: long-running
 * workers, in memory only.  NULL with the error set. */
struct gw_auth *gw_auth_new(struct gw_view *view, const char *seen_db_path);
void gw_auth_free(struct gw_auth *a);

/* Check an access token (the part after "Bearer ").  0 with *p set, or a WSO2
 * code (GW_INVALID_CREDENTIALS), or -1 on a store error (error set). */
int gw_auth_bearer(struct gw_auth *a, const char *token, int64_t now_ms,
    const struct gw_principal **p);
/* Check an API key the same way (its IP and referer limits are the caller's,
 * in p). */
int gw_auth_apikey(struct gw_auth *a, const char *key, int64_t now_ms,
    const struct gw_principal **p);
/* 1 if the space-separated scope list has one of scopes (NULL-terminated;
 * empty: 1). */
int gw_auth_scoped(const char *scope, char *const *scopes);

#endif
