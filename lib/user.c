/* user: the user and user_role tables; passwords only as PBKDF2 hashes.
 * Nothing here keeps memory between calls. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "secret.h"
#include "store.h"
#include "user.h"
#include "util.h"

#define PASSWORD_MAX 1024

int
apim_user_name_valid(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

int
apim_user_role_valid(const char *role)
{
	char buf[65];
	size_t i, n = role ? strlen(role) : 0;

	if (n == 0 || n > 64 || role[0] == '/')
		return 0;
	memcpy(buf, role, n + 1);
	for (i = 0; i < n; i++)
		if (buf[i] == '/')
			buf[i] = '_';
	return apim_user_name_valid(buf);
}

static int
check_input(const char *name, const char *password)
{
	if (!apim_user_name_valid(name)) {
		apim_err_set(APIM_USAGE, "bad user name '%s' (1-64 of A-Z a-z 0-9 "
		    ". _ @ -)", name ? name : "");
		return -1;
	}
	if (password == NULL || *password == '\0' || strlen(password) > PASSWORD_MAX) {
		apim_err_set(APIM_USAGE, "the password must be 1-%d bytes",
		    PASSWORD_MAX);
		return -1;
	}
	return 0;
}

int
apim_user_add(sqlite3 *db, const char *name, const char *password,
    char *const *roles)
{
	char *hash;
	int i, r;

	if (check_input(name, password) == -1)
		return -1;
	for (i = 0; roles && roles[i]; i++)
		if (!apim_user_role_valid(roles[i])) {
			apim_err_set(APIM_USAGE, "bad role '%s'", roles[i]);
			return -1;
		}
	if ((hash = apim_secret_hash(password)) == NULL)
		return -1;
	if (apim_store_begin(db) == -1) {
		free(hash);
		return -1;
	}
	r = apim_store_exec(db, "INSERT INTO user (name, password_hash, created_ms) "
	    "SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM user WHERE name = ?)",
	    "ssIs", name, hash, apim_now_ms(), name);
	free(hash);
	if (r == 0) {
		apim_store_rollback(db);
		apim_err_set(APIM_DATAERR, "user '%s' exists", name);
		return -1;
	}
	for (i = 0; r != -1 && roles && roles[i]; i++)
		r = apim_store_exec(db, "INSERT OR IGNORE INTO user_role (name, role) "
		    "VALUES (?, ?)", "ss", name, roles[i]);
	if (r == -1 || apim_store_commit(db) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return 0;
}

int
apim_user_passwd(sqlite3 *db, const char *name, const char *password)
{
	char *hash;
	int r;

	if (check_input(name, password) == -1)
		return -1;
	if ((hash = apim_secret_hash(password)) == NULL)
		return -1;
	r = apim_store_exec(db, "UPDATE user SET password_hash = ? WHERE name = ?",
	    "ss", hash, name);
	free(hash);
	if (r == 0) {
		apim_err_set(APIM_NO, "no user '%s'", name);
		return -1;
	}
	return r == -1 ? -1 : 0;
}

int
apim_user_del(sqlite3 *db, const char *name)
{
	int r = apim_store_exec(db, "DELETE FROM user WHERE name = ?", "s", name);

	if (r == 0) {
		apim_err_set(APIM_NO, "no user '%s'", name);
		return -1;
	}
	return r == -1 ? -1 : 0;
}

json_t *
apim_user_list(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	char when[32];
	int r;

	if ((st = apim_store_prep(db, "SELECT u.name, u.created_ms, "
	    "(SELECT group_concat(role, ',') FROM (SELECT role FROM user_role r "
	    "WHERE r.name = u.name ORDER BY role)) FROM user u ORDER BY u.name",
	    "")) == NULL) {
		json_decref(arr);
		return NULL;
	}
	while ((r = apim_store_step(db, st)) == 1) {
		json_t *roles = json_array();
		char **v = apim_split_csv(apim_store_text(st, 2));
		int i;

		for (i = 0; v && v[i]; i++)
			json_array_append_new(roles, json_string(v[i]));
		apim_strv_free(v);
		apim_time_iso(sqlite3_column_int64(st, 1), when);
		json_array_append_new(arr, json_pack("{s:s,s:o,s:s}", "name",
		    apim_store_text(st, 0), "roles", roles, "created", when));
	}
	sqlite3_finalize(st);
	if (r == -1) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* A well-formed hash of a random string: verifying against it costs the same as
 * a real check and never matches. */
static const char dummy_hash[] = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

int
apim_user_verify(sqlite3 *db, const char *name, const char *password)
{
	sqlite3_stmt *st;
	char *hash = NULL;
	int r, ok, found;

	if (name == NULL || password == NULL || strlen(password) > PASSWORD_MAX)
		return 0;
	if ((st = apim_store_prep(db, "SELECT password_hash FROM user WHERE "
	    "name = ?", "s", name)) == NULL)
		return -1;
	if ((r = apim_store_step(db, st)) == 1)
		hash = apim_strdup(apim_store_text(st, 0));
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	found = hash != NULL;
	ok = apim_secret_verify(password, found ? hash : dummy_hash);
	free(hash);
	return found ? ok : 0;
}
