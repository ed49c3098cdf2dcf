/* scope: scopes with role bindings on the store (tables scope, scope_role,
 * api_scope).  Domain module: never prints; errors through apim_err_set. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scope.h"
#include "store.h"
#include "text.h"
#include "util.h"

static int
word(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		apim_err_set(APIM_DATAERR, "a scope needs a %s", what);
		return -1;
	}
	if (*s == '\0') {
		apim_err_set(APIM_DATAERR, "invalid scope %s '': empty", what);
		return -1;
	}
	if (apim_text_check(what, s, APIM_NAME_MAX, 0) == -1)
		return -1;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			apim_err_set(APIM_DATAERR, "scope %s '%s' may not contain "
			    "spaces", what, s);
			return -1;
		}
	return 0;
}

/* A scope object from either shape: {scope: {...}, shared} or {...}. */
static const json_t *
inner(const json_t *s, int *shared)
{
	const json_t *in = json_object_get(s, "scope");

	*shared = json_is_true(json_object_get(s, "shared"));
	return json_is_object(in) ? in : s;
}

int
apim_scope_valid(const json_t *s)
{
	const json_t *in, *b, *r;
	const char *t;
	size_t i;
	int shared;

	if (!json_is_object(s)) {
		apim_err_set(APIM_DATAERR, "a scope must be an object");
		return -1;
	}
	in = inner(s, &shared);
	if (word("name", json_string_value(json_object_get(in, "name"))) == -1)
		return -1;
	if (((t = json_string_value(json_object_get(in, "displayName"))) &&
	    apim_text_check("scope display name", t, APIM_NAME_MAX, 0) == -1) ||
	    ((t = json_string_value(json_object_get(in, "description"))) &&
	    apim_text_check("scope description", t, APIM_TEXT_MAX,
	    APIM_TEXT_MULTILINE) == -1))
		return -1;
	b = json_object_get(in, "bindings");
	if (b != NULL && !json_is_null(b) && !json_is_array(b)) {
		apim_err_set(APIM_DATAERR, "scope '%s': bindings must be a list of "
		    "roles", json_string_value(json_object_get(in, "name")));
		return -1;
	}
	json_array_foreach(b, i, r)
		if (word("role", json_string_value(r)) == -1)
			return -1;
	return 0;
}

static int
define(sqlite3 *db, const json_t *s)
{
	const json_t *in, *r;
	const char *name;
	size_t i;
	int shared;

	if (apim_scope_valid(s) == -1)
		return -1;
	in = inner(s, &shared);
	name = json_string_value(json_object_get(in, "name"));
	if (apim_store_exec(db, "INSERT INTO scope (name, display_name, description, "
	    "shared, created_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO "
	    "UPDATE SET display_name = ?2, description = ?3, shared = max(shared, ?4)",
	    "sssiI", name, json_string_value(json_object_get(in, "displayName")),
	    json_string_value(json_object_get(in, "description")), shared,
	    apim_now_ms()) == -1 ||
	    apim_store_exec(db, "DELETE FROM scope_role WHERE scope = ?", "s",
	    name) == -1)
		return -1;
	json_array_foreach(json_object_get(in, "bindings"), i, r)
		if (apim_store_exec(db, "INSERT OR IGNORE INTO scope_role (scope, role) "
		    "VALUES (?, ?)", "ss", name, json_string_value(r)) == -1)
			return -1;
	return 0;
}

int
apim_scope_define(sqlite3 *db, const json_t *s)
{
	if (!sqlite3_get_autocommit(db))
		return define(db, s);
	if (apim_store_begin(db) == -1)
		return -1;
	if (define(db, s) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}

json_t *
apim_scope_roles(sqlite3 *db, const char *name)
{
	return apim_store_column_json(db, apim_store_prep(db, "SELECT role FROM "
	    "scope_role WHERE scope = ? ORDER BY role", "s", name));
}

static json_t *
scope_row(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *roles = apim_scope_roles(db, apim_store_text(st, 0));

	if (roles == NULL)
		return NULL;
	return json_pack("{s:s, s:s?, s:s?, s:o, s:b}", "name",
	    apim_store_text(st, 0), "displayName",
	    (const char *)sqlite3_column_text(st, 1), "description",
	    (const char *)sqlite3_column_text(st, 2), "bindings", roles,
	    "shared", sqlite3_column_int(st, 3));
}

json_t *
apim_scope_list(sqlite3 *db)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT name, "
	    "display_name, description, shared FROM scope ORDER BY name", ""),
	    scope_row);
}

json_t *
apim_scope_get(sqlite3 *db, const char *name)
{
	json_t *a = apim_store_rows_json(db, apim_store_prep(db, "SELECT name, "
	    "display_name, description, shared FROM scope WHERE name = ?", "s",
	    name), scope_row), *o;

	if (a == NULL)
		return NULL;
	if ((o = json_array_get(a, 0)) == NULL)
		apim_err_set(APIM_NO, "no scope '%s'", name);
	json_incref(o);
	json_decref(a);
	return o;
}

int
apim_scope_delete(sqlite3 *db, const char *name)
{
	int n = apim_store_exec(db, "DELETE FROM scope WHERE name = ?", "s", name);

	if (n == 0)
		apim_err_set(APIM_NO, "no scope '%s'", name);
	return n > 0 ? 0 : -1;
}

static json_t *
api_scope_row(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *s = scope_row(db, st), *shared;

	if (s == NULL)
		return NULL;
	shared = json_incref(json_object_get(s, "shared"));
	json_object_del(s, "shared");
	return json_pack("{s:o, s:o}", "scope", s, "shared", shared);
}

json_t *
apim_scope_api_list(sqlite3 *db, const char *api_id)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT s.name, "
	    "s.display_name, s.description, s.shared FROM scope s JOIN api_scope a "
	    "ON a.scope = s.name WHERE a.api_id = ? ORDER BY s.name", "s", api_id),
	    api_scope_row);
}

int
apim_scope_api_set(sqlite3 *db, const char *api_id, const json_t *list)
{
	const json_t *s;
	size_t i;
	int shared;

	if (list != NULL && !json_is_null(list) && !json_is_array(list)) {
		apim_err_set(APIM_DATAERR, "'scopes' must be a list");
		return -1;
	}
	if (apim_store_exec(db, "DELETE FROM api_scope WHERE api_id = ?", "s",
	    api_id) == -1)
		return -1;
	json_array_foreach(list, i, s) {
		if (define(db, s) == -1 || apim_store_exec(db, "INSERT OR IGNORE INTO "
		    "api_scope (api_id, scope) VALUES (?, ?)", "ss", api_id,
		    json_string_value(json_object_get(inner(s, &shared), "name"))) == -1)
			return -1;
	}
	return 0;
}
