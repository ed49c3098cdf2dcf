/* publish_subs: list an API's subscriptions and block or unblock one, for
 * apim-publish.  Each command frees what it allocates. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "err.h"
#include "out.h"
#include "publish_subs.h"
#include "store.h"
#include "util.h"

int
apim_publish_subscriptions(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "APPLICATION", "OWNER", "TIER",
	    "STATUS", NULL };
	sqlite3 *db;
	char api[APIM_ID_MAX];

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_api_resolve(db, a->pos[0], api) == -1)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, "SELECT s.id, p.name, p.owner,"
	    " s.tier, s.status FROM subscription s JOIN application p"
	    " ON p.id = s.app_id WHERE s.api_id = ? ORDER BY p.owner, p.name", "s",
	    api), ctx->json, hdr, apim_app_sub_row);
}

static int
set_status(struct apim_ctx *ctx, struct apim_args *a, const char *status)
{
	sqlite3 *db;
	int n;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	n = apim_store_exec(db, "UPDATE subscription SET status = ?,"
	    " updated_ms = CASE WHEN status = ?1 THEN updated_ms ELSE ? END"
	    " WHERE id = ?", "sIs", status, apim_now_ms(), a->pos[0]);
	if (n == -1)
		return -1;
	if (n == 0) {
		apim_err_set(APIM_NO, "no subscription '%s'", a->pos[0]);
		return -1;
	}
	return ctx->json ? apim_out_emit(apim_app_sub_json(db, a->pos[0])) : 0;
}

int
apim_publish_subscription_block(struct apim_ctx *ctx, struct apim_args *a)
{
	return set_status(ctx, a, apim_args_has(a, "production-only") ?
	    "PROD_ONLY_BLOCKED" : "BLOCKED");
}

int
apim_publish_subscription_unblock(struct apim_ctx *ctx, struct apim_args *a)
{
	return set_status(ctx, a, "UNBLOCKED");
}
