/* rules: layer 2's pieces: key templates over event fields ("$userName:$apiContext"),
 * the rules engine counting events per key and tripping decisions. */
#ifndef APIM_RULES_H
#define APIM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * A key template: text with $field or ${field} references to event fields
 * (apim-events(5) names); "$$" is a literal "$".  Parsed once; expansion
 * allocates nothing.
 */
struct apim_rules_tmpl;
/* NULL with the error set (APIM_DATAERR, "column N: ...") and *col. */
struct apim_rules_tmpl *apim_rules_tmpl_parse(const char *src, int *col);
void apim_rules_tmpl_free(struct apim_rules_tmpl *t);
/* Expand into out[cap]: the length, or -1 if a referenced field is absent
 * (the rule does not apply) or the key does not fit. */
long apim_rules_tmpl_expand(const struct apim_rules_tmpl *t,
    const struct apim_event *ev, char *out, size_t cap);

#endif
