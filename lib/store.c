/* store: open, migrate and talk to the shared SQLite file.
 * Statements returned are the caller's to sqlite3_finalize(); those passed to
 * apim_store_one_text, apim_store_one_json, apim_store_rows_json and
 * apim_store_column_json are finalized there. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "schema.h"
#include "store.h"

int
apim_store_fail(sqlite3 *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db) & 0xff;
	int code = APIM_SOFTWARE;

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		code = APIM_TEMPFAIL;
	else if (rc == SQLITE_CONSTRAINT)
		code = APIM_DATAERR;
	else if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY)
		code = APIM_CANTCREAT;
	else if (rc == SQLITE_IOERR || rc == SQLITE_FULL)
		code = APIM_IOERR;
	else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		code = APIM_DATAERR;
	apim_err_set(code, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* apim_store_fail with "cannot VERB store 'PATH'" before the reason. */
static int
fail_path(sqlite3 *db, const char *verb, const char *path)
{
	char what[PATH_MAX + 64];

	snprintf(what, sizeof what, "cannot %s store '%s'", verb, path);
	return apim_store_fail(db, what);
}

static int
mkparent(const char *path)
{
	char dir[PATH_MAX], *s;

	if (strlen(path) >= sizeof dir)
		return -1;
	strcpy(dir, path);
	if ((s = strrchr(dir, '/')) == NULL || s == dir)
		return 0;
	*s = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
apim_store_schema_version(void)
{
	return apim_schema_count();
}

static int
migrate(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;
	int v, i;
	char *msg = NULL;

	/* Up to date: done without the write lock, so that opening the store
	 * never waits for a writer (WAL readers don't). */
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail_path(db, "migrate", path);
	v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (v == apim_schema_count())
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail_path(db, "migrate", path);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (v > apim_schema_count()) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		apim_err_set(APIM_CONFIG, "'%s' has schema version %d; this "
		    "build knows up to %d", path, v, apim_schema_count());
		return -1;
	}
	for (i = v; i < apim_schema_count(); i++) {
		char pragma[64];

		if (sqlite3_exec(db, apim_schema_step(i), NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sqlite3_free(msg);
	fail_path(db, "migrate", path);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

sqlite3 *
apim_store_open(const char *path, int flags)
{
	sqlite3 *db = NULL;
	int oflags = (flags & APIM_STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (!(flags & APIM_STORE_READONLY) && mkparent(path) == -1) {
		apim_err_set(APIM_CANTCREAT, "cannot create the folder of '%s': %s",
		    path, strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (db)
			fail_path(db, "open", path);
		else
			apim_err_set(APIM_SOFTWARE, "%s: out of memory", path);
		if (apim_err_code() == APIM_SOFTWARE)
			apim_err_set(APIM_CANTCREAT, "cannot open store '%s': %s",
			    path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (!(flags & APIM_STORE_READONLY)) {
		if (sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		if (migrate(db, path) == -1) {
			sqlite3_close(db);
			return NULL;
		}
	}
	return db;
fail:
	fail_path(db, "open", path);
	sqlite3_close(db);
	return NULL;
}

const char *
apim_store_sibling(const char *db_path, const char *name, char *buf, size_t n)
{
	const char *slash = strrchr(db_path, '/');
	int dl = slash ? (int)(slash - db_path) + 1 : 0;

	if ((size_t)snprintf(buf, n, "%.*s%s", dl, db_path, name) >= n) {
		apim_err_set(APIM_CANTCREAT, "path too long: '%.*s%s'", dl,
		    db_path, name);
		return NULL;
	}
	return buf;
}

void
apim_store_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
apim_store_begin(sqlite3 *db)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return apim_store_fail(db, "cannot start a transaction");
	return 0;
}

int
apim_store_commit(sqlite3 *db)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		apim_store_fail(db, "cannot commit");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void
apim_store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *
vprep(sqlite3 *db, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st;
	int i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		apim_store_fail(db, "cannot prepare a statement");
		return NULL;
	}
	for (i = 0; fmt && fmt[i] && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT) :
			    sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);
			rc = sqlite3_bind_blob(st, i + 1, p, n, SQLITE_TRANSIENT);
			break;
		}
		default:
			rc = SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		apim_store_fail(db, "cannot bind a parameter");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *
apim_store_prep(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;

	va_start(ap, fmt);
	st = vprep(db, sql, fmt, ap);
	va_end(ap);
	return st;
}

int
apim_store_step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return apim_store_fail(db, "cannot query the store");
}

int
apim_store_exec(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int rc;

	va_start(ap, fmt);
	st = vprep(db, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(db, st)) == 1)
		;
	sqlite3_finalize(st);
	return rc == -1 ? -1 : sqlite3_changes(db);
}

const char *
apim_store_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

int
apim_store_one_text(sqlite3 *db, sqlite3_stmt *st, char *out, size_t n)
{
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1)
		snprintf(out, n, "%s", apim_store_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

json_t *
apim_store_rows_json(sqlite3 *db, sqlite3_stmt *st,
    json_t *(*row)(sqlite3 *, sqlite3_stmt *))
{
	json_t *a, *v;
	int rc;

	if (st == NULL)
		return NULL;
	a = json_array();
	while ((rc = apim_store_step(db, st)) == 1) {
		if ((v = row(db, st)) == NULL) {
			rc = -1;
			break;
		}
		json_array_append_new(a, v);
	}
	sqlite3_finalize(st);
	if (rc == -1) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The first column of a row as JSON: an integer, null or a string. */
static json_t *
first_value(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	switch (sqlite3_column_type(st, 0)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, 0));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_string(apim_store_text(st, 0));
	}
}

json_t *
apim_store_column_json(sqlite3 *db, sqlite3_stmt *st)
{
	return apim_store_rows_json(db, st, first_value);
}

json_t *
apim_store_text_json(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_string(apim_store_text(st, col));
}

int
apim_store_one_json(sqlite3 *db, sqlite3_stmt *st,
    json_t *(*row)(sqlite3 *, sqlite3_stmt *), json_t **out)
{
	int rc;

	*out = NULL;
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1 && (*out = row(db, st)) == NULL)
		rc = -1;
	sqlite3_finalize(st);
	return rc;
}
