/* form: application/x-www-form-urlencoded bodies (the OAuth endpoints' input)
 * decoded into at most APIM_FORM_MAX distinct parameters, and encoded.
 * A parsed form owns its strings until apim_form_free. */
#ifndef APIM_FORM_H
#define APIM_FORM_H

#include <stddef.h>

#include "buf.h"

#define APIM_FORM_MAX 32	/* parameters in one form */

struct apim_form {
	int n;
	char *name[APIM_FORM_MAX], *val[APIM_FORM_MAX];
};

/* Decode s[0..n) ('+' is a space, %XX a byte) into a malloc'd string; NULL
 * if an escape is malformed or the result would hold a NUL byte. */
char *apim_form_decode(const char *s, size_t n);

/* Parse body[0..len) (need not be NUL-terminated) into f.  0, or -1 with
 * *why set to a static message (a malformed escape, a NUL byte, an empty
 * name, a repeated parameter -- RFC 6749 section 3.2 forbids them -- or more
 * than APIM_FORM_MAX); f is then empty.  Empty pieces ("a=1&&b=2") are
 * skipped. */
int apim_form_parse(const char *body, size_t len, struct apim_form *f,
    const char **why);
/* A parameter's value (borrowed); an empty value counts as absent (RFC 6749
 * section 3.1). */
const char *apim_form_get(const struct apim_form *f, const char *name);
void apim_form_free(struct apim_form *f);

/* Append "name=value", escaped, to b ('&' first unless b is empty). */
void apim_form_add(struct apim_buf *b, const char *name, const char *value);

/* 1 if the Content-Type value ct is application/x-www-form-urlencoded
 * (any case, parameters allowed), 0 if not or NULL. */
int apim_form_is_type(const char *ct);

#endif
