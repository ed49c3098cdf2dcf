/* out: JSON lines and aligned tables on a FILE, and store rows as either.
 * The table copies every cell; apim_table_print frees it. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "out.h"
#include "store.h"
#include "util.h"

int
apim_out_json(FILE *f, const json_t *v, int pretty)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;

	if (pretty)
		flags |= JSON_INDENT(2);
	else
		flags |= JSON_COMPACT;
	if (json_dumpf(v, f, flags) == -1)
		return -1;
	fputc('\n', f);
	return 0;
}

struct apim_table {
	int ncols, nrows, cap;
	char **cells;		/* (nrows + 1) * ncols, the header first */
};

struct apim_table *
apim_table_new(const char *const *headers)
{
	struct apim_table *t = apim_xmalloc(sizeof *t);

	t->ncols = 0;
	while (headers[t->ncols])
		t->ncols++;
	t->nrows = 0;
	t->cap = 16;
	t->cells = apim_xreallocarray(NULL, (size_t)t->cap * (size_t)t->ncols,
	    sizeof(char *));
	apim_table_add(t, headers);
	return t;
}

void
apim_table_add(struct apim_table *t, const char *const *cells)
{
	int i;

	if (t->nrows + 1 > t->cap) {
		t->cap *= 2;
		t->cells = apim_xreallocarray(t->cells, (size_t)t->cap *
		    (size_t)t->ncols, sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
		    apim_strdup(cells[i] && *cells[i] ? cells[i] : "-");
	t->nrows++;
}

void
apim_table_print(struct apim_table *t, FILE *f)
{
	size_t *w = apim_xcalloc((size_t)t->ncols, sizeof *w);
	int r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			if (c == t->ncols - 1)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)w[c], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(w);
	free(t->cells);
	free(t);
}

int
apim_out_emit(json_t *v)
{
	if (v == NULL)
		return -1;
	apim_out_json(stdout, v, 0);
	json_decref(v);
	return 0;
}

char *
apim_out_join(const json_t *a, const char *sep)
{
	size_t i, n = 1;
	const json_t *v;
	char *s;

	json_array_foreach(a, i, v)
		n += strlen(json_string_value(v)) + strlen(sep);
	s = apim_xmalloc(n);
	*s = '\0';
	json_array_foreach(a, i, v) {
		if (i)
			strcat(s, sep);
		strcat(s, json_string_value(v));
	}
	return s;
}

int
apim_out_rows(sqlite3 *db, sqlite3_stmt *st, int json,
    const char *const *headers, json_t *(*obj)(sqlite3 *, sqlite3_stmt *))
{
	struct apim_table *t = NULL;
	const char **row;
	int rc, i, n = 0;

	if (st == NULL)
		return -1;
	while (headers[n])
		n++;
	row = apim_xmalloc(((size_t)n + 1) * sizeof *row);
	if (!json)
		t = apim_table_new(headers);
	while ((rc = apim_store_step(db, st)) == 1) {
		if (json) {
			if (apim_out_emit(obj(db, st)) == -1) {
				rc = -1;
				break;
			}
			continue;
		}
		for (i = 0; i < n; i++)
			row[i] = apim_store_text(st, i);
		row[n] = NULL;
		apim_table_add(t, row);
	}
	sqlite3_finalize(st);
	free(row);
	if (t)
		apim_table_print(t, stdout);
	return rc == -1 ? -1 : 0;
}
