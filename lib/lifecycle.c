/* lifecycle: the state machine of WSO2 API Manager's default API lifecycle,
 * applied in one transaction with its history.  Returned JSON is the caller's. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "lifecycle.h"
#include "store.h"
#include "util.h"

static const struct {
	const char *state;
	const char *allowed;		/* for messages */
	const char *action[6];
	const char *to[6];
} machine[] = {
	{ "CREATED", "publish, prototype",
	  { "publish", "prototype" }, { "PUBLISHED", "PROTOTYPED" } },
	{ "PROTOTYPED", "publish, demote, prototype",
	  { "publish", "demote", "prototype" },
	  { "PUBLISHED", "CREATED", "PROTOTYPED" } },
	{ "PUBLISHED", "block, prototype, demote, deprecate, publish",
	  { "block", "prototype", "demote", "deprecate", "publish" },
	  { "BLOCKED", "PROTOTYPED", "CREATED", "DEPRECATED", "PUBLISHED" } },
	{ "BLOCKED", "deprecate, republish",
	  { "deprecate", "republish" }, { "DEPRECATED", "PUBLISHED" } },
	{ "DEPRECATED", "retire", { "retire" }, { "RETIRED" } },
	{ "RETIRED", "none", { NULL }, { NULL } },
};

/* apim's verbs and WSO2's action labels for them (the events of WSO2's
 * default API lifecycle); both are matched ignoring case. */
static const struct {
	const char *verb, *label;
} actions[] = {
	{ "publish", "Publish" }, { "prototype", "Deploy as a Prototype" },
	{ "demote", "Demote to Created" }, { "block", "Block" },
	{ "deprecate", "Deprecate" }, { "republish", "Re-Publish" },
	{ "retire", "Retire" }, { NULL, NULL },
};

const char *
apim_lifecycle_verb(const char *action)
{
	int i;

	for (i = 0; actions[i].verb; i++)
		if (strcasecmp(actions[i].verb, action) == 0 ||
		    strcasecmp(actions[i].label, action) == 0)
			return actions[i].verb;
	return NULL;
}

json_t *
apim_lifecycle_state_json(const char *state)
{
	json_t *tr = json_array();
	size_t i, j;
	int k;

	for (i = 0; i < sizeof machine / sizeof machine[0]; i++) {
		if (strcmp(machine[i].state, state) != 0)
			continue;
		for (j = 0; j < 6 && machine[i].action[j]; j++)
			for (k = 0; actions[k].verb; k++)
				if (strcmp(actions[k].verb, machine[i].action[j]) == 0)
					json_array_append_new(tr, json_pack("{s:s, s:s}",
					    "event", actions[k].label, "targetState",
					    machine[i].to[j]));
	}
	return json_pack("{s:s, s:o}", "state", state, "availableTransitions", tr);
}

const char *
apim_lifecycle_next(const char *state, const char *action)
{
	size_t i, j;

	for (i = 0; i < sizeof machine / sizeof machine[0]; i++) {
		if (strcmp(machine[i].state, state) != 0)
			continue;
		for (j = 0; j < 6 && machine[i].action[j]; j++)
			if (strcmp(machine[i].action[j], action) == 0)
				return machine[i].to[j];
	}
	return NULL;
}

const char *
apim_lifecycle_allowed(const char *state)
{
	size_t i;

	for (i = 0; i < sizeof machine / sizeof machine[0]; i++)
		if (strcmp(machine[i].state, state) == 0)
			return machine[i].allowed;
	return "none";
}

int
apim_lifecycle_record(sqlite3 *db, const char *id, const char *action,
    const char *from, const char *to, const char *actor)
{
	return apim_store_exec(db, "INSERT INTO lifecycle (api_id, action, "
	    "from_state, to_state, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
	    "sssssI", id, action, from, to, actor, apim_now_ms()) == -1 ? -1 : 0;
}

static int
set_state(sqlite3 *db, const char *id, const char *action, const char *from,
    const char *to, const char *actor)
{
	if (apim_store_exec(db, "UPDATE api SET state = ?, updated_ms = ? WHERE id = ?",
	    "sIs", to, apim_now_ms(), id) == -1)
		return -1;
	return apim_lifecycle_record(db, id, action, from, to, actor);
}

/* Other PUBLISHED versions of the API's name become DEPRECATED. */
static int
deprecate_old(sqlite3 *db, const char *id, const char *name, const char *actor)
{
	json_t *ids;
	size_t i;
	int rc = 0;

	if ((ids = apim_store_column_json(db, apim_store_prep(db, "SELECT id FROM api "
	    "WHERE name = ? AND id <> ? AND state = 'PUBLISHED'", "ss", name,
	    id))) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < json_array_size(ids); i++)
		rc = set_state(db, json_string_value(json_array_get(ids, i)),
		    "deprecate", "PUBLISHED", "DEPRECATED", actor);
	json_decref(ids);
	return rc;
}

/* A subscription row (app_id, tier, status) as a JSON array. */
static json_t *
sub_triple(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("[sss]", apim_store_text(st, 0), apim_store_text(st, 1),
	    apim_store_text(st, 2));
}

/* WSO2 carries subscriptions forward when a new version is first published:
 * every application subscribed to another live version of the same name gets
 * a subscription to this one, same tier and status. */
static int
copy_subscriptions(sqlite3 *db, const char *id, const char *name)
{
	json_t *subs;
	size_t i;
	int rc = 0;

	subs = apim_store_rows_json(db, apim_store_prep(db, "SELECT s.app_id, "
	    "s.tier, s.status FROM subscription s JOIN api a ON a.id = s.api_id "
	    "WHERE a.name = ? AND a.id <> ? "
	    "AND a.state <> 'RETIRED' AND s.app_id NOT IN (SELECT app_id FROM "
	    "subscription WHERE api_id = ?) ORDER BY a.created_ms DESC, s.created_ms",
	    "sss", name, id, id), sub_triple);
	if (subs == NULL)
		return -1;
	for (i = 0; rc == 0 && i < json_array_size(subs); i++) {
		json_t *s = json_array_get(subs, i);
		char sid[37];
		int64_t now = apim_now_ms();

		if (apim_uuid_new(sid) == -1) {
			apim_err_set(APIM_SOFTWARE, "cannot make an id");
			rc = -1;
			break;
		}
		/* OR IGNORE: an app subscribed to two old versions is copied once. */
		if (apim_store_exec(db, "INSERT OR IGNORE INTO subscription (id, app_id, "
		    "api_id, tier, status, created_ms, updated_ms) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?)", "sssssII", sid,
		    json_string_value(json_array_get(s, 0)), id,
		    json_string_value(json_array_get(s, 1)),
		    json_string_value(json_array_get(s, 2)), now, now) == -1)
			rc = -1;
	}
	json_decref(subs);
	return rc;
}

int
apim_lifecycle_apply(sqlite3 *db, const char *id, const char *action,
    int flags, const char *actor, char to[16])
{
	sqlite3_stmt *st;
	char from[16], name[256], label[600];
	const char *next, *verb;
	int rc;

	if ((verb = apim_lifecycle_verb(action)) == NULL) {
		apim_err_set(APIM_USAGE, "unknown action '%s' (publish, prototype, "
		    "demote, block, deprecate, republish, retire, or WSO2's 'Publish', "
		    "'Deploy as a Prototype', 'Demote to Created', 'Block', "
		    "'Deprecate', 'Re-Publish', 'Retire')", action);
		return -1;
	}
	action = verb;
	if ((flags & (APIM_LC_DEPRECATE_OLD | APIM_LC_REQUIRE_RESUB)) &&
	    strcmp(action, "publish") != 0) {
		apim_err_set(APIM_USAGE, "--deprecate-old-versions and "
		    "--require-resubscription go with 'publish' only");
		return -1;
	}
	if (apim_store_begin(db) == -1)
		return -1;
	st = apim_store_prep(db, "SELECT state, name, version FROM api WHERE id = ?",
	    "s", id);
	if (st == NULL)
		goto fail;
	if ((rc = apim_store_step(db, st)) != 1) {
		sqlite3_finalize(st);
		if (rc == 0)
			apim_err_set(APIM_NO, "no API '%s'", id);
		goto fail;
	}
	snprintf(from, sizeof from, "%s", apim_store_text(st, 0));
	snprintf(name, sizeof name, "%s", apim_store_text(st, 1));
	snprintf(label, sizeof label, "%s:%s", name, apim_store_text(st, 2));
	sqlite3_finalize(st);
	if ((next = apim_lifecycle_next(from, action)) == NULL) {
		apim_err_set(APIM_NO, "cannot %s API '%s': it is %s; allowed: %s",
		    action, label, from, apim_lifecycle_allowed(from));
		goto fail;
	}
	if (set_state(db, id, action, from, next, actor) == -1)
		goto fail;
	if (strcmp(action, "publish") == 0) {
		if ((flags & APIM_LC_DEPRECATE_OLD) &&
		    deprecate_old(db, id, name, actor) == -1)
			goto fail;
		if (!(flags & APIM_LC_REQUIRE_RESUB) && strcmp(from, "PUBLISHED") != 0 &&
		    copy_subscriptions(db, id, name) == -1)
			goto fail;
	}
	if (apim_store_commit(db) == -1)
		return -1;
	if (to)
		snprintf(to, 16, "%s", next);
	return 0;
fail:
	apim_store_rollback(db);
	return -1;
}

/* A history entry from a lifecycle row (action, from, to, actor, at_ms). */
static json_t *
history_entry(sqlite3 *db, sqlite3_stmt *st)
{
	char t[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 4), t);
	return json_pack("{s:s, s:s?, s:s, s:s, s:s}",
	    "action", apim_store_text(st, 0),
	    "previousState", (const char *)sqlite3_column_text(st, 1),
	    "postState", apim_store_text(st, 2),
	    "user", apim_store_text(st, 3), "updatedTime", t);
}

json_t *
apim_lifecycle_history(sqlite3 *db, const char *id)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT action, "
	    "from_state, to_state, actor, at_ms FROM lifecycle WHERE api_id = ? "
	    "ORDER BY id", "s", id), history_entry);
}
