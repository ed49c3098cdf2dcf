/* out: data on stdout, for people (aligned tables) or scripts (JSON, NDJSON).
 * Functions borrow what they print; apim_table_* own their copies. */
#ifndef APIM_OUT_H
#define APIM_OUT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>

/* Print one JSON value on one line (NDJSON) or indented (pretty != 0). */
int apim_out_json(FILE *f, const json_t *v, int pretty);

/* Print v on stdout as one NDJSON line and release it; -1 if v is NULL (the
 * error of whatever failed to make it stays set). */
int apim_out_emit(json_t *v);
/* The strings of a JSON array joined with sep, as a new string (caller frees). */
char *apim_out_join(const json_t *a, const char *sep);

struct apim_table;
/* A table with ncols columns named by the NULL-terminated header list. */
struct apim_table *apim_table_new(const char *const *headers);
/* Add a row of ncols strings (NULL prints as "-"). */
void apim_table_add(struct apim_table *t, const char *const *cells);
/* Print aligned, two spaces between columns, and free the table. */
void apim_table_print(struct apim_table *t, FILE *f);

/* Print every row of st (finalized here): with json, one NDJSON line per row
 * made by obj(db, st); otherwise a table under headers whose cells are the
 * row's first columns, one per header.  0, or -1 with the error set. */
int apim_out_rows(sqlite3 *db, sqlite3_stmt *st, int json,
    const char *const *headers, json_t *(*obj)(sqlite3 *, sqlite3_stmt *));

#endif
