/* rules: key templates (rules.h): a list of literal pieces and field
 * indexes resolved at parse time through lib/expr. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "expr.h"
#include "rules.h"

#define TMPL_PARTS_MAX	32

struct part {
	int field;		/* -1: literal */
	char *lit;
	size_t len;
};

struct apim_rules_tmpl {
	int n;
	struct part p[TMPL_PARTS_MAX];
};

void
apim_rules_tmpl_free(struct apim_rules_tmpl *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->p[i].lit);
	free(t);
}

static int
col_of(const char *src, const char *at)
{
	int col = 1;

	for (; src < at; src++)
		if (((unsigned char)*src & 0xc0) != 0x80)
			col++;
	return col;
}

struct apim_rules_tmpl *
apim_rules_tmpl_parse(const char *src, int *col)
{
	struct apim_rules_tmpl *t = apim_xcalloc(1, sizeof *t);
	struct apim_buf lit = APIM_BUF_INIT;
	const char *p = src, *err = NULL, *msg = NULL;
	int nfields = 0;
	char unknown[96];

	if (col)
		*col = 0;
	while (*p) {
		const char *start = p;
		char name[64];
		size_t n = 0;
		int brace, idx;

		if (*p != '$') {
			apim_buf_addc(&lit, *p++);
			continue;
		}
		if (p[1] == '$') {
			apim_buf_addc(&lit, '$');
			p += 2;
			continue;
		}
		p++;
		brace = *p == '{';
		p += brace;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		if (n == 0 || n >= sizeof name) {
			err = start;
			msg = "a field name expected after '$'";
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if ((idx = apim_expr_field(name)) < 0) {
			err = start;
			snprintf(unknown, sizeof unknown, "unknown field '%s'", name);
			msg = unknown;
			goto fail;
		}
		p += n;
		if (brace && *p++ != '}') {
			err = p - 1;
			msg = "'}' expected";
			goto fail;
		}
		if (t->n + 2 > TMPL_PARTS_MAX) {
			err = start;
			msg = "too many parts";
			goto fail;
		}
		if (lit.len) {
			t->p[t->n].field = -1;
			t->p[t->n].len = lit.len;
			t->p[t->n++].lit = apim_buf_detach(&lit, NULL);
		}
		t->p[t->n].field = idx;
		t->p[t->n++].lit = NULL;
		nfields++;
	}
	if (nfields == 0) {
		err = src;
		msg = "a key template needs at least one $field";
		goto fail;
	}
	if (lit.len) {
		if (t->n + 1 > TMPL_PARTS_MAX) {
			err = p;
			msg = "too many parts";
			goto fail;
		}
		t->p[t->n].field = -1;
		t->p[t->n].len = lit.len;
		t->p[t->n++].lit = apim_buf_detach(&lit, NULL);
	}
	apim_buf_free(&lit);
	return t;
fail:
	apim_buf_free(&lit);
	apim_rules_tmpl_free(t);
	if (col)
		*col = col_of(src, err);
	apim_err_set(APIM_DATAERR, "column %d: %s", col_of(src, err), msg);
	return NULL;
}

long
apim_rules_tmpl_expand(const struct apim_rules_tmpl *t,
    const struct apim_event *ev, char *out, size_t cap)
{
	size_t len = 0;
	int i;

	for (i = 0; i < t->n; i++) {
		const char *s;
		size_t n;
		char num[24];

		if (t->p[i].field < 0) {
			s = t->p[i].lit;
			n = t->p[i].len;
		} else {
			if ((s = apim_expr_field_text(t->p[i].field, ev, num,
			    sizeof num)) == NULL)
				return -1;
			n = strlen(s);
		}
		if (len + n + 1 > cap)
			return -1;
		memcpy(out + len, s, n);
		len += n;
	}
	out[len] = '\0';
	return (long)len;
}
