/* stats_alert: WSO2's analytics alerts over a window of events, with
 * baselines and known addresses from the stats database.  Never prints:
 * alerts come back as JSON objects. */
#ifndef APIM_STATS_ALERT_H
#define APIM_STATS_ALERT_H

#include <stdint.h>

#include <jansson.h>

#include "event.h"
#include "stats.h"
#include "stats_db.h"

struct apim_alert_conf {
	double percentile;		/* e.g. 0.95 */
	int64_t response_ms;		/* 0: off */
	int64_t backend_ms;		/* 0: off */
	double factor;			/* baseline multiple; 0: off */
	int64_t app_rpm;		/* requests per minute per app; 0: off */
	int64_t throttled_per_hour;	/* 0: off */
	double error_rate;		/* 0: off */
	int64_t min_requests;		/* before latency and error rate count */
	int64_t no_success_ms;		/* 0: off */
	int unseen_ip;			/* 0: off */
	int64_t baseline_ms;		/* history used for baselines (7 days) */
	int64_t ip_memory_ms;		/* how long an address is known (30 days) */
};

struct apim_alert;
/* where/since/until of o apply; db may be NULL (no baselines, no
 * addresses). */
struct apim_alert *apim_alert_new(const struct apim_alert_conf *c,
    const struct apim_stats_opts *o, struct apim_stats_db *db);
void apim_alert_add(struct apim_alert *a, const struct apim_event *ev);
/* The alerts that fired, as a new JSON array of objects; NULL with the error
 * set if the database failed. */
json_t *apim_alert_eval(struct apim_alert *a);
void apim_alert_free(struct apim_alert *a);

#endif
