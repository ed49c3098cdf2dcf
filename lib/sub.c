/* sub: finding a subscription and deciding what its status allows; shared by
 * apim-proxy and apim-subscribe so both give the same answer. */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "sub.h"

int
apim_sub_find(sqlite3 *db, const char *app, const char *api, char *id,
    char *tier, char *status, size_t n)
{
	sqlite3_stmt *st;
	int rc;

	st = apim_store_prep(db, "SELECT id, tier, status FROM subscription"
	    " WHERE app_id = ? AND api_id = ?", "ss", app, api);
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1) {
		snprintf(id, n, "%s", apim_store_text(st, 0));
		snprintf(tier, n, "%s", apim_store_text(st, 1));
		if (status)
			snprintf(status, n, "%s", apim_store_text(st, 2));
	}
	sqlite3_finalize(st);
	return rc;
}

int
apim_sub_allows(const char *status, const char *key_type)
{
	if (status == NULL)
		return APIM_SUB_NONE;
	if (strcmp(status, "UNBLOCKED") == 0)
		return 0;
	if (strcmp(status, "PROD_ONLY_BLOCKED") == 0)
		return key_type && strcmp(key_type, "SANDBOX") == 0 ? 0 : APIM_SUB_BLOCKED;
	if (strcmp(status, "BLOCKED") == 0)
		return APIM_SUB_BLOCKED;
	return APIM_SUB_INACTIVE;
}

int
apim_sub_http_status(int code)
{
	return code == APIM_SUB_NONE ? 403 : 401;
}
