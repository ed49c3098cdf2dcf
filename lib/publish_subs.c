/* publish_subs: list an API's subscriptions and block or unblock one, for
 * apim-publish.  Each command frees what it allocates. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "out.h"
#include "publish_subs.h"
#include "store.h"
#include "util.h"

int
apim_publish_subscriptions(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char api[APIM_ID_MAX];
	struct apim_table *t = NULL;
	const char *hdr[] = { "ID", "APPLICATION", "OWNER", "TIER", "STATUS", NULL };
	json_t *o;
	int rc;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_app_api_find(db, a->pos[0], api) == -1)
		return -1;
	st = apim_store_prep(db, "SELECT s.id, p.name, p.owner, s.tier, s.status"
	    " FROM subscription s JOIN application p ON p.id = s.app_id"
	    " WHERE s.api_id = ? ORDER BY p.owner, p.name", "s", api);
	if (st == NULL)
		return -1;
	if (!ctx->json)
		t = apim_table_new(hdr);
	while ((rc = apim_store_step(db, st)) == 1) {
		if (ctx->json) {
			if ((o = apim_app_sub_json(db, apim_store_text(st, 0))) == NULL) {
				rc = -1;
				break;
			}
			apim_out_json(stdout, o, 0);
			json_decref(o);
		} else {
			const char *row[] = { apim_store_text(st, 0),
			    apim_store_text(st, 1), apim_store_text(st, 2),
			    apim_store_text(st, 3), apim_store_text(st, 4), NULL };
			apim_table_add(t, row);
		}
	}
	sqlite3_finalize(st);
	if (t)
		apim_table_print(t, stdout);
	return rc == -1 ? -1 : 0;
}

static int
set_status(struct apim_ctx *ctx, struct apim_args *a, const char *status)
{
	sqlite3 *db;
	json_t *o;
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
	if (ctx->json) {
		if ((o = apim_app_sub_json(db, a->pos[0])) == NULL)
			return -1;
		apim_out_json(stdout, o, 0);
		json_decref(o);
	}
	return 0;
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
