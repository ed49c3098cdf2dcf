/* sub: subscriptions as the request path and the Developer Portal see them:
 * finding one, and what its status lets a key of each type do.  Never prints. */
#ifndef APIM_SUB_H
#define APIM_SUB_H

#include <stddef.h>

#include <sqlite3.h>

/* WSO2's codes for a subscription that does not let a call through. */
#define APIM_SUB_NONE		900908	/* not subscribed: 403 */
#define APIM_SUB_BLOCKED	900907	/* BLOCKED, or PROD_ONLY_BLOCKED for production: 401 */
#define APIM_SUB_INACTIVE	900909	/* ON_HOLD, REJECTED: 401 */

/* The subscription of app to api: 1 found (id, tier and status filled, each
 * n bytes; status may be NULL), 0 none, -1 store error. */
int apim_sub_find(sqlite3 *db, const char *app, const char *api, char *id,
    char *tier, char *status, size_t n);
/* What status (NULL: no subscription) allows a key of key_type
 * ("PRODUCTION"/"SANDBOX"): 0 the call passes, else one of the codes above. */
int apim_sub_allows(const char *status, const char *key_type);
/* The HTTP status that goes with such a code (403 or 401). */
int apim_sub_http_status(int code);

#endif
