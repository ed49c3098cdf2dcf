/* app: applications, subscriptions and clients on the store, for one owner.
 * Statements are finalized here; json_t results are the caller's to decref. */
#include <string.h>
#include <strings.h>

#include "app.h"
#include "err.h"
#include "store.h"
#include "util.h"

int
apim_app_resolve(sqlite3 *db, const char *owner, const char *ref,
    char id[APIM_ID_MAX])
{
	int rc;

	rc = apim_store_one_text(db, apim_store_prep(db,
	    "SELECT id FROM application WHERE owner = ?1 AND (id = ?2 OR name = ?2)"
	    " ORDER BY id = ?2 DESC LIMIT 1", "ss", owner, ref), id, APIM_ID_MAX);
	if (rc == 0)
		apim_err_set(APIM_NO, "no application '%s'", ref);
	return rc == 1 ? 0 : -1;
}

int
apim_app_api_visible(sqlite3 *db, const char *api_id, const char *user)
{
	sqlite3_stmt *st;
	int rc;

	st = apim_store_prep(db,
	    "SELECT 1 FROM api WHERE id = ?1 AND (visibility = 'public' OR EXISTS"
	    " (SELECT 1 FROM api_role r JOIN user_role u ON u.role = r.role"
	    "  WHERE r.api_id = ?1 AND u.name = ?2))", "ss", api_id, user);
	if (st == NULL)
		return -1;
	rc = apim_store_step(db, st);
	sqlite3_finalize(st);
	return rc;
}

int
apim_app_api_state(sqlite3 *db, const char *api_id, char *state, size_t n)
{
	int rc;

	rc = apim_store_one_text(db, apim_store_prep(db, "SELECT state FROM api "
	    "WHERE id = ?", "s", api_id), state, n);
	if (rc == 0)
		apim_err_set(APIM_NO, "no API '%s'", api_id);
	return rc == 1 ? 0 : -1;
}

/* An application row (see apim_app_json's query) as JSON, without the
 * attributes. */
static json_t *
app_object(sqlite3 *db, sqlite3_stmt *st)
{
	char ct[32], ut[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 7), ct);
	apim_time_iso(sqlite3_column_int64(st, 8), ut);
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:s, s:s}",
	    "applicationId", apim_store_text(st, 0),
	    "name", apim_store_text(st, 1),
	    "throttlingPolicy", apim_store_text(st, 2),
	    "description", apim_store_text_json(st, 4),
	    "tokenType", strcmp(apim_store_text(st, 3), "opaque") == 0 ? "OAUTH" : "JWT",
	    "status", "APPROVED",
	    "owner", apim_store_text(st, 5),
	    "callbackUrl", apim_store_text_json(st, 6),
	    "subscriptionCount", (json_int_t)sqlite3_column_int64(st, 9),
	    "createdTime", ct, "updatedTime", ut);
}

json_t *
apim_app_json(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	json_t *o, *attrs;
	int rc;

	rc = apim_store_one_json(db, apim_store_prep(db,
	    "SELECT id, name, tier, token_type, description, owner, callback_url,"
	    " created_ms, updated_ms,"
	    " (SELECT count(*) FROM subscription WHERE app_id = a.id)"
	    " FROM application a WHERE id = ?", "s", id), app_object, &o);
	if (rc != 1) {
		if (rc == 0)
			apim_err_set(APIM_NO, "no application '%s'", id);
		return NULL;
	}
	attrs = json_object();
	json_object_set_new(o, "attributes", attrs);
	st = apim_store_prep(db, "SELECT key, value FROM app_attr WHERE app_id = ?"
	    " ORDER BY key", "s", id);
	if (st == NULL) {
		json_decref(o);
		return NULL;
	}
	while ((rc = apim_store_step(db, st)) == 1)
		json_object_set_new(attrs, apim_store_text(st, 0),
		    json_string(apim_store_text(st, 1)));
	sqlite3_finalize(st);
	if (rc == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A subscription row (see apim_app_sub_json's query) as JSON. */
static json_t *
sub_object(sqlite3 *db, sqlite3_stmt *st)
{
	char ct[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 5), ct);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s},"
	    " s:{s:s, s:s, s:s}, s:s, s:s, s:s}",
	    "subscriptionId", apim_store_text(st, 0),
	    "applicationId", apim_store_text(st, 1),
	    "apiId", apim_store_text(st, 2),
	    "apiInfo",
	    "name", apim_store_text(st, 6), "version", apim_store_text(st, 7),
	    "context", apim_store_text(st, 8), "provider", apim_store_text(st, 9),
	    "lifeCycleStatus", apim_store_text(st, 10),
	    "applicationInfo",
	    "applicationId", apim_store_text(st, 1), "name", apim_store_text(st, 11),
	    "owner", apim_store_text(st, 12),
	    "throttlingPolicy", apim_store_text(st, 3),
	    "status", apim_store_text(st, 4),
	    "createdTime", ct);
}

json_t *
apim_app_sub_json(sqlite3 *db, const char *sub_id)
{
	json_t *o;
	int rc;

	rc = apim_store_one_json(db, apim_store_prep(db,
	    "SELECT s.id, s.app_id, s.api_id, s.tier, s.status, s.created_ms,"
	    " a.name, a.version, a.context, a.provider, a.state, p.name, p.owner"
	    " FROM subscription s JOIN api a ON a.id = s.api_id"
	    " JOIN application p ON p.id = s.app_id WHERE s.id = ?", "s", sub_id),
	    sub_object, &o);
	if (rc == 0)
		apim_err_set(APIM_NO, "no subscription '%s'", sub_id);
	return o;
}

int
apim_app_revoke_tokens(sqlite3 *db, const char *app_id,
    const char *consumer_key, int64_t now)
{
	return apim_store_exec(db,
	    "UPDATE token SET revoked_ms = ?1 WHERE revoked_ms IS NULL AND"
	    " ((?2 IS NOT NULL AND (app_id = ?2 OR consumer_key IN"
	    "   (SELECT consumer_key FROM client WHERE app_id = ?2)))"
	    "  OR (?3 IS NOT NULL AND consumer_key = ?3))",
	    "Iss", now, app_id, consumer_key);
}

json_t *
apim_app_sub_row(sqlite3 *db, sqlite3_stmt *st)
{
	return apim_app_sub_json(db, apim_store_text(st, 0));
}
