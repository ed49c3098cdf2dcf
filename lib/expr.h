/* expr: the small condition language on apim-events(5) fields used by
 * apim-throttle rules (--where) and apim-stats reports; parsed once, evaluated fast. */
#ifndef APIM_EXPR_H
#define APIM_EXPR_H

#include <stddef.h>

#include "event.h"

/*
 * Language (apim-throttle(8), CONDITIONS):
 *   expr    := and ( "||" and )*
 *   and     := not ( "&&" not )*
 *   not     := "!" not | primary
 *   primary := "(" expr ")" | operand [ op operand ]
 *   op      := == != < <= > >= =~ !~
 *   operand := FIELD | "string" | integer
 * FIELD is an event field name (apim_event_fields()).  Integer fields compare
 * as numbers, string fields (and eventType, "response" or "fault") bytewise.
 * =~ and !~ take a POSIX extended regular expression literal on the right.
 * A bare FIELD is true when the field is present.  A comparison with an
 * absent field is false, except != and !~, which are then true (they are
 * exactly the negations of == and =~).
 *
 * A parsed expression owns its memory; apim_expr_free releases it.
 * apim_expr_eval allocates nothing and is safe from several threads.
 */
struct apim_expr;

/* Parse src once; NULL with the error set (APIM_DATAERR, message
 * "column N: ...") and *col (if col is not NULL) = the 1-based column, in
 * characters, of the error. */
struct apim_expr *apim_expr_parse(const char *src, int *col);
/* 1 if ev satisfies e, else 0. */
int apim_expr_eval(const struct apim_expr *e, const struct apim_event *ev);
void apim_expr_free(struct apim_expr *e);

/* Field access by index, for key templates and group-by: the index of the
 * event field called name (schema spelling), or -1 if none. */
int apim_expr_field(const char *name);
/* The value of field idx of ev as text: strings as they are, integers in
 * decimal into buf (cap >= 24), eventType as "response"/"fault"; NULL if the
 * field is absent.  No allocation. */
const char *apim_expr_field_text(int idx, const struct apim_event *ev,
    char *buf, size_t cap);

#endif
