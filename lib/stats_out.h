/* stats_out: apim-stats' report in its formats, written to a FILE: an
 * aligned table, JSON, CSV, Prometheus text, and HTML with SVG charts. */
#ifndef APIM_STATS_OUT_H
#define APIM_STATS_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "stats.h"

/* What was read, beside the counts. */
struct apim_stats_meta {
	uint64_t read;		/* good events read */
	uint64_t bad;		/* bad lines */
	uint64_t torn;		/* torn last lines accepted */
};

/* The latency summary reported: p50, p90, p95, p99, then max. */
#define APIM_STATS_NQ 4
extern const double apim_stats_quantiles[APIM_STATS_NQ];
extern const char *const apim_stats_quantile_names[APIM_STATS_NQ];

/* The report as one JSON object (new reference). */
json_t *apim_stats_json(struct apim_stats *s, const struct apim_stats_meta *m);
/* Write the report; 0, or -1 with the error set (APIM_IOERR) if f failed. */
int apim_stats_print_table(FILE *f, struct apim_stats *s,
    const struct apim_stats_meta *m);
int apim_stats_print_json(FILE *f, struct apim_stats *s,
    const struct apim_stats_meta *m);
int apim_stats_print_csv(FILE *f, struct apim_stats *s,
    const struct apim_stats_meta *m);
int apim_stats_print_prom(FILE *f, struct apim_stats *s,
    const struct apim_stats_meta *m);

/* The HTML report: the main stats plus the views its charts need. */
struct apim_stats_views {
	struct apim_stats *main;	/* as asked: totals, groups */
	struct apim_stats *timeline;	/* AUTO buckets, no fields */
	struct apim_stats *apis;	/* by apiName */
	struct apim_stats *apps;	/* by applicationName */
	struct apim_stats *faults;	/* by errorType */
	struct apim_stats *throttled;	/* by applicationName, 429 only */
};
int apim_stats_print_html(FILE *f, struct apim_stats_views *v,
    const struct apim_stats_meta *m, const char *title);

#endif
