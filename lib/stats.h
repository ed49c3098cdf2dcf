/* stats: the aggregation behind apim-stats(1): counts, status classes,
 * latency histograms and bytes, in total and per group (time bucket and
 * event fields).  Never prints.  A stats object owns its groups and keys. */
#ifndef APIM_STATS_H
#define APIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "hist.h"

/* Status classes, with 429 apart from the other 4xx. */
enum apim_stats_class {
	APIM_ST_1XX, APIM_ST_2XX, APIM_ST_3XX, APIM_ST_4XX, APIM_ST_429,
	APIM_ST_5XX, APIM_ST_NCLASS
};
/* Their names as reported: "1xx" ... "429" ... "5xx". */
extern const char *const apim_stats_class_names[APIM_ST_NCLASS];

struct apim_stats_cnt {
	uint64_t requests;
	uint64_t status[APIM_ST_NCLASS];
	uint64_t faults;		/* eventType fault */
	uint64_t errors;		/* 4xx other than 429, and 5xx */
	uint64_t req_bytes, resp_bytes;
	int64_t first_ms, last_ms;	/* requestTimestamp range seen */
	struct apim_hist resp;		/* responseLatency */
	struct apim_hist backend;	/* backendLatency */
};

struct apim_stats_group {
	int64_t bucket;			/* bucket start (ms), or -1 */
	const char *const *values;	/* one per --by field; NULL if absent */
	struct apim_stats_cnt c;
};

#define APIM_STATS_AUTO	(-2)	/* every_ms: buckets that widen to stay few */

struct apim_stats_opts {
	const char *const *by;		/* field names, NULL-terminated, or NULL */
	int64_t every_ms;		/* 0 none, > 0 fixed, or APIM_STATS_AUTO */
	int64_t since_ms, until_ms;	/* -1: open; since <= t < until */
	long top;			/* 0: every group */
	int no_latency;			/* groups without histograms */
	/* Events for which where(arg, ev) is 0 are left out. */
	int (*where)(void *arg, const struct apim_event *ev);
	void *where_arg;
};

struct apim_stats;
/* NULL with the error set (APIM_USAGE) for an unknown field in by. */
struct apim_stats *apim_stats_new(const struct apim_stats_opts *o);
void apim_stats_free(struct apim_stats *s);
/* Count ev: 1 counted, 0 left out by since/until/where. */
int apim_stats_add(struct apim_stats *s, const struct apim_event *ev);
/* Merge a counted group (from a rollup): values as in apim_stats_group. */
void apim_stats_add_cnt(struct apim_stats *s, int64_t t_ms,
    const char *const *values, const struct apim_stats_cnt *c);
const struct apim_stats_cnt *apim_stats_totals(const struct apim_stats *s);
/* The groups in report order: by bucket, then most requests first, then by
 * key; with top N, only the N keys with the most requests overall.  The
 * array lives until the next add or free.  n gets the count. */
struct apim_stats_group **apim_stats_groups(struct apim_stats *s, size_t *n);
/* The bucket width in use (ms; for AUTO, the width reached), or 0. */
int64_t apim_stats_every(const struct apim_stats *s);
/* The --by field names (NULL-terminated) and how many. */
const char *const *apim_stats_by(const struct apim_stats *s, int *n);
/* Number of groups, and bytes held (groups, keys and histograms). */
size_t apim_stats_ngroups(const struct apim_stats *s);
size_t apim_stats_bytes(const struct apim_stats *s);

void apim_stats_cnt_init(struct apim_stats_cnt *c);
void apim_stats_cnt_free(struct apim_stats_cnt *c);
void apim_stats_cnt_merge(struct apim_stats_cnt *dst, const struct apim_stats_cnt *src);
/* The class of an HTTP status, or -1 outside 100..599. */
int apim_stats_class(int64_t code);
/* Requests per second over span_ms (or over the counts' own first..last
 * range when span_ms is 0): requests / seconds, or requests if no time
 * passed. */
double apim_stats_rate(const struct apim_stats_cnt *c, int64_t span_ms);

/* A duration "30s", "15m", "1h", "1d" (or a number of seconds) in ms; -1 if
 * malformed.  A time: RFC 3339, or relative to now_ms: "-1h", "-30m",
 * "now"; -1 if malformed. */
int64_t apim_stats_duration(const char *s);
int64_t apim_stats_time(const char *s, int64_t now_ms);

#endif
