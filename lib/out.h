/* out: data on stdout, for people (aligned tables) or scripts (JSON, NDJSON).
 * Functions borrow what they print; apim_table_* own their copies. */
#ifndef APIM_OUT_H
#define APIM_OUT_H

#include <jansson.h>
#include <stdio.h>

/* Print one JSON value on one line (NDJSON) or indented (pretty != 0). */
int apim_out_json(FILE *f, const json_t *v, int pretty);

struct apim_table;
/* A table with ncols columns named by the NULL-terminated header list. */
struct apim_table *apim_table_new(const char *const *headers);
/* Add a row of ncols strings (NULL prints as "-"). */
void apim_table_add(struct apim_table *t, const char *const *cells);
/* Print aligned, two spaces between columns, and free the table. */
void apim_table_print(struct apim_table *t, FILE *f);

#endif
