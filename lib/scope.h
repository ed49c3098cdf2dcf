/* scope: OAuth 2.0 scopes defined on APIs (WSO2's scopes): a name, a display
 * name, a description, the roles bound to it, and a shared flag (a shared
 * scope may be used by several APIs).  JSON returned is a new reference. */
#ifndef APIM_SCOPE_H
#define APIM_SCOPE_H

#include <jansson.h>
#include <sqlite3.h>

/*
 * A scope object (WSO2's ScopeDTO field names):
 *   {name, displayName, description, bindings [role...], shared}
 * Scope names are words of at most APIM_NAME_MAX bytes without spaces; roles
 * are checked like role names.  No role binding means any user may get it.
 */

/* Check a scope object (name, texts, bindings) without writing; -1 with
 * APIM_DATAERR and a clear message. */
int apim_scope_valid(const json_t *scope);
/* Define or redefine scope s (its bindings replace the old ones).  Runs in
 * the caller's transaction when one is open, else in one of its own. */
int apim_scope_define(sqlite3 *db, const json_t *scope);
/* Every scope, by name: a new array of scope objects. */
json_t *apim_scope_list(sqlite3 *db);
/* One scope; NULL with APIM_NO if there is none. */
json_t *apim_scope_get(sqlite3 *db, const char *name);
/* The roles bound to scope name (a new array, empty if none or no scope). */
json_t *apim_scope_roles(sqlite3 *db, const char *name);
/* Delete a scope (its bindings and API links go with it); APIM_NO if absent. */
int apim_scope_delete(sqlite3 *db, const char *name);

/* The scopes of API id as WSO2's APIDTO writes them:
 * [{scope: {name, displayName, description, bindings}, shared}]. */
json_t *apim_scope_api_list(sqlite3 *db, const char *api_id);
/* Replace the scopes of API id with list (same shape, or plain scope
 * objects); each is defined as given.  In the caller's transaction. */
int apim_scope_api_set(sqlite3 *db, const char *api_id, const json_t *list);

#endif
