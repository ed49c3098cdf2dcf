/* event_impl: what lib/event*.c share and nobody else sees: the schema's
 * field table, in line order, and the UTF-8 sequence check. */
#ifndef APIM_EVENT_IMPL_H
#define APIM_EVENT_IMPL_H

#include <stddef.h>

#include "event.h"

enum apim_event_kind { K_STR, K_INT, K_CODE, K_TS, K_TYPE, K_KEYTYPE };

struct apim_event_field {
	const char *name;
	size_t len;		/* strlen(name) */
	enum apim_event_kind kind;
	size_t off;
};

extern const struct apim_event_field apim_event_schema[];
extern const size_t apim_event_nschema;

#define STR_AT(ev, f)	((const char **)((char *)(ev) + (f)->off))
#define I64_AT(ev, f)	((int64_t *)((char *)(ev) + (f)->off))
#define INT_AT(ev, f)	((int *)((char *)(ev) + (f)->off))

/* The field called name[0..n), or NULL. */
const struct apim_event_field *apim_event_field_findn(const char *name, size_t n);
/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
size_t apim_event_utf8_len(const unsigned char *s, size_t n);

#endif
