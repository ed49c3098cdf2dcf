/* stats_db: apim-stats' history, a SQLite file apart from the main store:
 * per-minute rollups per API and application, and the source addresses seen
 * per application.  Never prints. */
#ifndef APIM_STATS_DB_H
#define APIM_STATS_DB_H

#include <stdint.h>

#include "event.h"
#include "stats.h"

struct apim_stats_db;

/* Open path (creating it and its tables when create is set; otherwise a
 * missing file is APIM_NOINPUT).  NULL with the error set. */
struct apim_stats_db *apim_stats_db_open(const char *path, int create);
void apim_stats_db_close(struct apim_stats_db *db);

/*
 * Ingest one input: begin, add every event, commit.  The input is known by
 * its source id, the SHA-256 of its first event as apim_event_format writes
 * it; commit replaces everything an earlier ingest of the same source
 * stored, in one transaction, so ingesting the same input again changes
 * nothing, and ingesting a file that has grown (or was rotated with its
 * first line kept) counts each event once.
 */
int apim_stats_db_begin(struct apim_stats_db *db, const char *label);
void apim_stats_db_add(struct apim_stats_db *db, const struct apim_event *ev);
struct apim_stats_db_summary {
	char source[65];	/* "" if the input had no events */
	uint64_t events;
	uint64_t rows;		/* rollup rows written */
	int replaced;		/* the source had been ingested before */
};
int apim_stats_db_commit(struct apim_stats_db *db, struct apim_stats_db_summary *out);

/* Merge the rollups within o's since/until (by minute) into s, whose --by
 * fields may only be apiName and applicationName; throttled_only: the 429s
 * only.  0, or -1 with the error set (APIM_USAGE for other fields). */
int apim_stats_db_report(struct apim_stats_db *db, struct apim_stats *s,
    const struct apim_stats_opts *o, int throttled_only);

/* For alerts.  Response (which 0) or backend (1) latency of api over
 * [from, to): merged into h.  0 or -1. */
int apim_stats_db_latency(struct apim_stats_db *db, const char *api,
    int which, int64_t from, int64_t to, struct apim_hist *h);
/* Requests of app over [from, to) and the minutes that had any.  0 or -1. */
int apim_stats_db_app_minutes(struct apim_stats_db *db, const char *app,
    int64_t from, int64_t to, uint64_t *requests, uint64_t *minutes);
/* 1 if ip was seen for app since from, 0 if not; -1 on error.  *known is
 * set to whether app has any address on record since from. */
int apim_stats_db_ip_seen(struct apim_stats_db *db, const char *app,
    const char *ip, int64_t from, int *known);

#endif
