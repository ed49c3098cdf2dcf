/* hist: logarithmic-bucket histogram with 1% relative error on quantiles,
 * buckets allocated in chunks as values arrive; a text form for storage. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hist.h"

#define GAMMA	1.015
#define LINEAR	128	/* 0..127 have a bucket each */
#define NBUCKETS (APIM_HIST_CHUNK * APIM_HIST_CHUNKS)

static double inv_log_gamma;	/* 1 / log(GAMMA), set on first use */

static inline int
bucket_of(int64_t v)
{
	int i;

	if (v < LINEAR)
		return (int)v;
	if (inv_log_gamma == 0)
		inv_log_gamma = 1 / log(GAMMA);
	i = LINEAR + (int)ceil(log((double)v / LINEAR) * inv_log_gamma - 1e-9);
	if (i >= NBUCKETS)
		i = NBUCKETS - 1;
	return i;
}

/* The value reported for bucket i: exact below LINEAR; above, within
 * (GAMMA-1)/(GAMMA+1) = 0.744% of all of it. */
static double
point_of(int i)
{
	if (i < LINEAR)
		return i;
	return 2 * LINEAR * pow(GAMMA, i - LINEAR) / (GAMMA + 1);
}

void
apim_hist_init(struct apim_hist *h)
{
	memset(h, 0, sizeof *h);
}

void
apim_hist_free(struct apim_hist *h)
{
	int c;

	for (c = 0; c < APIM_HIST_CHUNKS; c++)
		free(h->chunk[c]);
	memset(h, 0, sizeof *h);
}

/* Bucket k of chunk c (which exists). */
static inline uint64_t
get(const struct apim_hist *h, int c, int k)
{
	return h->wide ? ((const uint32_t *)h->chunk[c])[k] :
	    ((const uint16_t *)h->chunk[c])[k];
}

/* Counters start 16 bits wide; the first that would overflow makes them
 * all 32 bits. */
static void
widen(struct apim_hist *h)
{
	int c, k;

	for (c = 0; c < APIM_HIST_CHUNKS; c++) {
		uint32_t *w;

		if (h->chunk[c] == NULL)
			continue;
		w = apim_xcalloc(APIM_HIST_CHUNK, sizeof *w);
		for (k = 0; k < APIM_HIST_CHUNK; k++)
			w[k] = ((uint16_t *)h->chunk[c])[k];
		free(h->chunk[c]);
		h->chunk[c] = w;
	}
	h->wide = 1;
}

static void
add_n(struct apim_hist *h, int i, uint64_t n)
{
	void **c = &h->chunk[i / APIM_HIST_CHUNK];
	int k = i % APIM_HIST_CHUNK;
	uint64_t v;

	if (*c == NULL)
		*c = apim_xcalloc(APIM_HIST_CHUNK, h->wide ? 4 : 2);
	if (!h->wide) {
		uint16_t *b = &((uint16_t *)*c)[k];

		if (*b + n <= UINT16_MAX) {
			*b = (uint16_t)(*b + n);
			return;
		}
		widen(h);
	}
	v = ((uint32_t *)*c)[k] + n;
	((uint32_t *)*c)[k] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void
minmax(struct apim_hist *h, int64_t lo, int64_t hi)
{
	if (h->count == 0 || lo < h->min)
		h->min = lo;
	if (h->count == 0 || hi > h->max)
		h->max = hi;
}

void
apim_hist_add(struct apim_hist *h, int64_t v)
{
	if (v < 0)
		return;
	minmax(h, v, v);
	h->count++;
	h->sum += (double)v;
	add_n(h, bucket_of(v), 1);
}

void
apim_hist_merge(struct apim_hist *dst, const struct apim_hist *src)
{
	int c, k;

	if (src->count == 0)
		return;
	minmax(dst, src->min, src->max);
	dst->count += src->count;
	dst->sum += src->sum;
	for (c = 0; c < APIM_HIST_CHUNKS; c++)
		if (src->chunk[c])
			for (k = 0; k < APIM_HIST_CHUNK; k++)
				if (get(src, c, k))
					add_n(dst, c * APIM_HIST_CHUNK + k,
					    get(src, c, k));
}

int64_t
apim_hist_quantile(const struct apim_hist *h, double q)
{
	uint64_t rank, seen;
	int c, k;
	double v;

	if (h->count == 0)
		return -1;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
	if (rank < 1)
		rank = 1;
	seen = 0;
	for (c = 0; c < APIM_HIST_CHUNKS; c++) {
		if (h->chunk[c] == NULL)
			continue;
		for (k = 0; k < APIM_HIST_CHUNK; k++) {
			seen += get(h, c, k);
			if (seen >= rank) {
				v = floor(point_of(c * APIM_HIST_CHUNK + k) + 0.5);
				if (v < (double)h->min)
					return h->min;
				if (v > (double)h->max)
					return h->max;
				return (int64_t)v;
			}
		}
	}
	return h->max;		/* saturated counts: the top */
}

size_t
apim_hist_bytes(const struct apim_hist *h)
{
	size_t n = 0;
	int c;

	for (c = 0; c < APIM_HIST_CHUNKS; c++)
		if (h->chunk[c])
			n += APIM_HIST_CHUNK * (h->wide ? 4 : 2);
	return n;
}

char *
apim_hist_encode(const struct apim_hist *h)
{
	struct apim_buf b = APIM_BUF_INIT;
	int c, k;

	apim_buf_addf(&b, "%" PRId64 " %" PRId64 " %.17g", h->count ? h->min : 0,
	    h->count ? h->max : 0, h->sum);
	for (c = 0; c < APIM_HIST_CHUNKS; c++)
		if (h->chunk[c])
			for (k = 0; k < APIM_HIST_CHUNK; k++)
				if (get(h, c, k))
					apim_buf_addf(&b, " %d:%" PRIu64,
					    c * APIM_HIST_CHUNK + k, get(h, c, k));
	return apim_buf_detach(&b, NULL);
}

int
apim_hist_decode_merge(struct apim_hist *h, const char *s)
{
	long long mn, mx, i;
	unsigned long long n, total = 0;
	double sum;
	char *end;
	int used;

	if (sscanf(s, "%lld %lld %lg%n", &mn, &mx, &sum, &used) != 3 ||
	    mn < 0 || mx < mn)
		goto bad;
	s += used;
	while (*s == ' ') {
		errno = 0;
		i = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end != ':' || i < 0 || i >= NBUCKETS)
			goto bad;
		s = end + 1;
		n = strtoull(s, &end, 10);
		if (errno || end == s || n == 0 || n > UINT32_MAX)
			goto bad;
		s = end;
		add_n(h, (int)i, n);
		total += n;
	}
	if (*s != '\0')
		goto bad;
	if (total == 0)
		return 0;
	minmax(h, mn, mx);
	h->count += total;
	h->sum += sum;
	return 0;
bad:
	apim_err_set(APIM_DATAERR, "malformed histogram");
	return -1;
}
