/* store: the SQLite file every program shares.  Opening applies migrations
 * (PRAGMA user_version), WAL, busy timeout and foreign keys.  Statements are
 * bound, never built from input. */
#ifndef APIM_STORE_H
#define APIM_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define APIM_STORE_READONLY 0x1	/* open for reading; no migrations */

/* Open (creating if needed, and its folder) and migrate.  NULL on error. */
sqlite3 *apim_store_open(const char *path, int flags);
/* The path of the file name in the folder of the store at db_path, into
 * buf[n]; NULL with the error set if it does not fit. */
const char *apim_store_sibling(const char *db_path, const char *name,
    char *buf, size_t n);
void apim_store_close(sqlite3 *db);
/* The schema version this build writes. */
int apim_store_schema_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; -1 with the error set on failure. */
int apim_store_begin(sqlite3 *db);
int apim_store_commit(sqlite3 *db);
void apim_store_rollback(sqlite3 *db);

/* Prepare sql and bind arguments described by fmt, one char each:
 * 's' const char * (NULL binds NULL), 'i' int, 'I' int64_t, 'b' const void *
 * then int length.  NULL on error (message set). */
sqlite3_stmt *apim_store_prep(sqlite3 *db, const char *sql, const char *fmt, ...);
/* Prepare, bind, step to completion; returns changes() or -1. */
int apim_store_exec(sqlite3 *db, const char *sql, const char *fmt, ...);
/* Step a prepared statement: 1 a row, 0 done, -1 error (message set; busy
 * maps to APIM_TEMPFAIL, constraint to APIM_DATAERR). */
int apim_store_step(sqlite3 *db, sqlite3_stmt *st);
/* Column text or "" (borrowed until the next step). */
const char *apim_store_text(sqlite3_stmt *st, int col);
/* Column text as a new JSON string, or JSON null if the column is NULL. */
json_t *apim_store_text_json(sqlite3_stmt *st, int col);
/* Step st (finalized here; a NULL st, from a failed apim_store_prep, returns
 * -1) and copy the first column of its first row into out (n bytes): 1 a row,
 * 0 none, -1 error (message set). */
int apim_store_one_text(sqlite3 *db, sqlite3_stmt *st, char *out, size_t n);
/* The first row of st as row(db, st) makes it, into *out (st finalized here;
 * a NULL st returns -1): 1 a row, 0 none (*out NULL), -1 error (message set). */
int apim_store_one_json(sqlite3 *db, sqlite3_stmt *st,
    json_t *(*row)(sqlite3 *, sqlite3_stmt *), json_t **out);
/* Every row of st as a new JSON array of the values row(db, st) makes; st is
 * finalized here (a NULL st returns NULL).  row returns NULL on error (message
 * set), and so then does this. */
json_t *apim_store_rows_json(sqlite3 *db, sqlite3_stmt *st,
    json_t *(*row)(sqlite3 *, sqlite3_stmt *));
/* The first column of every row of st as a new JSON array: integers as
 * integers, NULL as null, anything else as a string.  st is finalized here (a
 * NULL st returns NULL); NULL with the message set on error. */
json_t *apim_store_column_json(sqlite3 *db, sqlite3_stmt *st);
/* Set the error from the db handle with a context prefix; returns -1. */
int apim_store_fail(sqlite3 *db, const char *what);

#endif
