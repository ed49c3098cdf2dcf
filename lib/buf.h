/* buf: the one growable byte buffer, and overflow-checked allocation.
 * A buffer owns its data until apim_buf_detach hands it to the caller. */
#ifndef APIM_BUF_H
#define APIM_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Out of memory is not an error a caller can handle here: every function
 * below (and apim_xmalloc, apim_strdup) prints "PROG: out of memory" and
 * abort()s when an allocation fails or a size would overflow size_t.
 */
struct apim_buf {
	char *data;	/* NUL-terminated once anything was added; may be NULL */
	size_t len;	/* bytes in use, without the NUL */
	size_t cap;	/* bytes allocated */
};
#define APIM_BUF_INIT { NULL, 0, 0 }

void apim_buf_init(struct apim_buf *b);
/* Make room for extra more bytes (plus a NUL). */
void apim_buf_reserve(struct apim_buf *b, size_t extra);
void apim_buf_add(struct apim_buf *b, const void *p, size_t n);
void apim_buf_adds(struct apim_buf *b, const char *s);
void apim_buf_addc(struct apim_buf *b, int c);
void apim_buf_addf(struct apim_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void apim_buf_vaddf(struct apim_buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (consumed input), keeping the rest. */
void apim_buf_consume(struct apim_buf *b, size_t n);
/* Empty it, keeping the allocation. */
void apim_buf_reset(struct apim_buf *b);
/* Hand the NUL-terminated data to the caller (free() it; never NULL) and
 * leave b empty.  *len gets its length if len is not NULL. */
char *apim_buf_detach(struct apim_buf *b, size_t *len);
void apim_buf_free(struct apim_buf *b);

/* n * size bytes, checked for overflow; realloc semantics (p may be NULL). */
void *apim_xreallocarray(void *p, size_t n, size_t size);
/* n * size zeroed bytes, checked for overflow. */
void *apim_xcalloc(size_t n, size_t size);

#endif
