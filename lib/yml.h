/* yml: YAML 1.2 text to a jansson value (libyaml events, core schema) and
 * back.  Parsed values and emitted strings are new: the caller frees them. */
#ifndef APIM_YML_H
#define APIM_YML_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Parse one YAML document from buf[0..len) into a new json_t.  Plain scalars
 * resolve by the core schema (null, true/false, integers, floats); quoted and
 * !!str ones stay strings.  Anchors and aliases resolve (aliased values are
 * shared, not copied); expansion is capped so alias bombs fail.  Merge keys
 * (<<) apply.  Mapping keys must be scalars and unique.  NULL on error with
 * APIM_DATAERR and "'NAME' line L column C: ..." set.  flags: */
#define APIM_YML_NUMTEXT 0x1	/* plain numbers stay strings, as written ("1.10") */
json_t *apim_yml_parse(const char *buf, size_t len, const char *name, int flags);

/* Emit v as a YAML document (block style, strings quoted where a plain
 * scalar would read back as another type).  A new NUL-terminated string, or
 * NULL with the error set. */
char *apim_yml_emit(const json_t *v);
/* The same, written to f as it is made (a large document is never held
 * whole as text); -1 with the error set (APIM_IOERR if f failed). */
int apim_yml_emit_file(FILE *f, const json_t *v);

/* The shortest "%g" text of d that reads back as d, always with a '.' or an
 * exponent so it stays a float ("1.0", "0.1", "1e+300"). */
void apim_yml_fmt_real(double d, char out[32]);

#endif
