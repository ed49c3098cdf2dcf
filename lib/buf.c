/* buf: the one growable byte buffer, and overflow-checked allocation.
 * Allocation failure aborts (see buf.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static void
oom(void)
{
	fprintf(stderr, "%s: out of memory\n", apim_prog());
	abort();
}

void *
apim_xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		oom();
	q = realloc(p, n != 0 && size != 0 ? n * size : 1);
	if (q == NULL)
		oom();
	return q;
}

void *
apim_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void
apim_buf_init(struct apim_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
apim_buf_reserve(struct apim_buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > SIZE_MAX - 1 - b->len)
		oom();
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = apim_xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
apim_buf_add(struct apim_buf *b, const void *p, size_t n)
{
	apim_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
apim_buf_adds(struct apim_buf *b, const char *s)
{
	apim_buf_add(b, s, strlen(s));
}

void
apim_buf_addc(struct apim_buf *b, int c)
{
	char ch = (char)c;

	apim_buf_add(b, &ch, 1);
}

void
apim_buf_vaddf(struct apim_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	char probe[1];
	int n;

	if (fmt == NULL)
		return;
	va_copy(aq, ap);
	n = vsnprintf(probe, sizeof probe, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom();
	apim_buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
apim_buf_addf(struct apim_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apim_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
apim_buf_consume(struct apim_buf *b, size_t n)
{
	if (n >= b->len) {
		apim_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
apim_buf_reset(struct apim_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
apim_buf_detach(struct apim_buf *b, size_t *len)
{
	char *d;

	apim_buf_reserve(b, 0);
	d = b->data;
	d[b->len] = '\0';
	if (len)
		*len = b->len;
	apim_buf_init(b);
	return d;
}

void
apim_buf_free(struct apim_buf *b)
{
	free(b->data);
	apim_buf_init(b);
}
