/* app: applications, their subscriptions and OAuth clients, on the store, as
 * seen by one owner.  json_t results are new references the caller decrefs. */
#ifndef APIM_APP_H
#define APIM_APP_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define APIM_ID_MAX 64	/* room for any id in the store, NUL included */

/* Find owner's application by id or name into id; -1 with APIM_NO
 * "no application 'REF'" when missing or someone else's. */
int apim_app_resolve(sqlite3 *db, const char *owner, const char *ref,
    char id[APIM_ID_MAX]);
/* The application as WSO2 Developer Portal JSON (applicationId, name,
 * throttlingPolicy, tokenType "JWT" or "OAUTH" (WSO2's name for opaque
 * tokens; the store's token_type says 'jwt' or 'opaque'), ...); NULL with
 * the error set. */
json_t *apim_app_json(sqlite3 *db, const char *id);

/* 1 if user may see api_id (public, or restricted to a role the user holds
 * in user_role), 0 if not, -1 on a store error. */
int apim_app_api_visible(sqlite3 *db, const char *api_id, const char *user);
/* The API's lifecycle state into state (at least 16 bytes); -1 if missing. */
int apim_app_api_state(sqlite3 *db, const char *api_id, char *state, size_t n);

/* A subscription as JSON (subscriptionId, applicationId, apiId, apiInfo,
 * throttlingPolicy, status); NULL with the error set. */
json_t *apim_app_sub_json(sqlite3 *db, const char *sub_id);
/* The same for the subscription id in column 0 of st (for apim_out_rows). */
json_t *apim_app_sub_row(sqlite3 *db, sqlite3_stmt *st);

/* Inside a transaction: mark revoked (at now) every unrevoked token issued
 * to app_id (when not NULL) or to consumer_key (when not NULL).  Returns the
 * count or -1. */
int apim_app_revoke_tokens(sqlite3 *db, const char *app_id,
    const char *consumer_key, int64_t now);

#endif
