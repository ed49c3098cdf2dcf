/* hist: a bounded-memory histogram of non-negative integers (latencies in
 * ms) whose quantiles are within 1% of the exact ones.  A histogram owns its
 * buckets; apim_hist_free releases them (the struct itself is the caller's). */
#ifndef APIM_HIST_H
#define APIM_HIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Values below 128 have a bucket each and are exact.  Above, buckets are
 * logarithmic (as in DDSketch): v falls in bucket j = ceil(log(v / 128) /
 * log(1.015)), which holds (128 * 1.015^(j-1), 128 * 1.015^j], and a
 * quantile is reported as the bucket's point 2 * 128 * 1.015^j / 2.015,
 * within 0.75% of any value in it; rounded to an integer it stays within 1%,
 * and it is clamped to the exact minimum and maximum.  Buckets are
 * allocated 64 at a time as values arrive, so memory follows the spread of
 * the values (at most 1 KB for values between 0 and 30 s in ms, 2 KB once
 * a bucket passes 65535 values), never their number.  A bucket counts up
 * to 2^32 - 1 values and then saturates.
 */
#define APIM_HIST_CHUNK		64
#define APIM_HIST_CHUNKS	24	/* 24 * 64 buckets: up to 1.6e11 (5 years
					 * in ms); larger values share the last
					 * bucket (min and max stay exact) */

struct apim_hist {
	uint64_t count;		/* values added */
	int64_t min, max;	/* exact; meaningless while count is 0 */
	double sum;		/* for the mean */
	int wide;		/* counters are 32 bits, else 16 */
	void *chunk[APIM_HIST_CHUNKS];
};

void apim_hist_init(struct apim_hist *h);
void apim_hist_free(struct apim_hist *h);
/* Add v (negative values are ignored). */
void apim_hist_add(struct apim_hist *h, int64_t v);
/* Add every value of src to dst. */
void apim_hist_merge(struct apim_hist *dst, const struct apim_hist *src);
/* The q-quantile, 0 <= q <= 1, by nearest rank (the value at rank
 * ceil(q * count), at least 1); -1 if the histogram is empty. */
int64_t apim_hist_quantile(const struct apim_hist *h, double q);
/* Bytes allocated for buckets. */
size_t apim_hist_bytes(const struct apim_hist *h);

/* A compact text form for storage: "min max sum i:c i:c ..." with
 * only non-empty buckets.  The string is malloc'd (caller frees). */
char *apim_hist_encode(const struct apim_hist *h);
/* Merge an encoded histogram into h.  0, or -1 with the error set
 * (APIM_DATAERR) if s is malformed (h may then hold part of it). */
int apim_hist_decode_merge(struct apim_hist *h, const char *s);

#endif
