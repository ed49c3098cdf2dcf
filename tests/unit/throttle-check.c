/* throttle-check: a test and bench driver for lib/counter and lib/throttle.
 * The clock is a parameter (NOW_MS) so tests never depend on wall time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "counter.h"
#include "err.h"
#include "throttle.h"
#include "util.h"

static void
usage(void)
{
	fprintf(stderr, "usage: throttle-check take COUNTERS KEY LIMIT PERIOD_MS N [NOW_MS]\n"
	    "       throttle-check peek COUNTERS KEY LIMIT PERIOD_MS [NOW_MS]\n"
	    "       throttle-check reset COUNTERS KEY\n"
	    "       throttle-check spin COUNTERS KEY\n"
	    "       throttle-check req DB N [FIELD=VALUE...]\n"
	    "       throttle-check watch DB STATUS [FIELD=VALUE...]\n"
	    "       throttle-check sqlite DB N\n"
	    "       throttle-check keys COUNTERS PREFIX NKEYS LIMIT ATTEMPTS NOW_MS\n"
	    "       throttle-check usage COUNTERS\n"
	    "       throttle-check exact COUNTERS PREFIX NKEYS NOW_MS\n"
	    "       throttle-check bench DB N [FIELD=VALUE...]\n");
	exit(64);
}

static int64_t
num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		usage();
	return v;
}

/* The first segment's size for a new counter file: $THROTTLE_CHECK_SLOTS. */
static size_t
slots(void)
{
	const char *s = getenv("THROTTLE_CHECK_SLOTS");

	return s ? (size_t)atol(s) : 0;
}

static const char *hdrs[34], *query[34], *claims[34];

/* FIELD=VALUE into rq: api, context, version, apipolicy, verb, resource,
 * respolicy, app, appname, owner, apptier, sub, subtier, user, ip, now,
 * bytes, h:NAME, q:NAME, c:NAME. */
static void
field(struct apim_throttle_req *rq, char *kv)
{
	static int nh, nq, nc;
	char *v = strchr(kv, '=');

	if (v == NULL)
		usage();
	*v++ = '\0';
#define S(n, m) if (strcmp(kv, n) == 0) { rq->m = v; return; }
	S("api", api_id) S("apiname", api_name) S("context", api_context)
	S("version", api_version) S("apipolicy", api_policy) S("verb", verb)
	S("resource", resource) S("respolicy", resource_policy) S("app", app_id)
	S("appname", app_name) S("owner", app_owner) S("apptier", app_tier)
	S("sub", sub_id) S("subtier", sub_tier) S("user", user) S("ip", client_ip)
#undef S
	if (strcmp(kv, "now") == 0) { rq->now_ms = num(v); return; }
	if (strcmp(kv, "bytes") == 0) { rq->bytes = num(v); return; }
	if (strncmp(kv, "h:", 2) == 0 && nh < 32) {
		hdrs[nh++] = kv + 2; hdrs[nh++] = v; rq->headers = hdrs; return;
	}
	if (strncmp(kv, "q:", 2) == 0 && nq < 32) {
		query[nq++] = kv + 2; query[nq++] = v; rq->query = query; return;
	}
	if (strncmp(kv, "c:", 2) == 0 && nc < 32) {
		claims[nc++] = kv + 2; claims[nc++] = v; rq->claims = claims; return;
	}
	usage();
}

int
main(int argc, char **argv)
{
	apim_prog_set("throttle-check");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "keys") == 0 && argc == 8) {
		/* NKEYS keys, ATTEMPTS takes each: the file grows meanwhile */
		struct apim_counter *c = apim_counter_open(argv[2], slots());
		int64_t n = num(argv[4]), limit = num(argv[5]), att = num(argv[6]);
		int64_t now = num(argv[7]), i, j, ok = 0;
		char key[128];
		int rc;

		if (c == NULL)
			return apim_err_report();
		for (j = 0; j < att; j++)
			for (i = 0; i < n; i++) {
				snprintf(key, sizeof key, "%s%" PRId64, argv[3], i);
				if ((rc = apim_counter_take(c, key, limit, 60000, 1, now,
				    NULL)) == -1)
					return apim_err_report();
				ok += rc;
			}
		printf("%" PRId64 "\n", ok);
		apim_counter_close(c);
		return 0;
	}
	if (strcmp(argv[1], "exact") == 0 && argc == 6) {
		/* each of NKEYS keys: count c, then with limit c + 1 exactly one
		 * of two takes is admitted and the count is c + 1 */
		struct apim_counter *c = apim_counter_open(argv[2], slots());
		int64_t n = num(argv[4]), now = num(argv[5]), i, bad = 0;
		struct apim_count a, b;
		char key[128];

		if (c == NULL)
			return apim_err_report();
		for (i = 0; i < n; i++) {
			int r1, r2;

			snprintf(key, sizeof key, "%s%" PRId64, argv[3], i);
			apim_counter_peek(c, key, 4000000000LL, 60000, now, &a);
			r1 = apim_counter_take(c, key, a.count + 1, 60000, 1, now, NULL);
			r2 = apim_counter_take(c, key, a.count + 1, 60000, 1, now, NULL);
			apim_counter_peek(c, key, 4000000000LL, 60000, now, &b);
			if (r1 != 1 || r2 != 0 || b.count != a.count + 1)
				bad++;
		}
		printf("%" PRId64 " keys, %" PRId64 " wrong\n", n, bad);
		apim_counter_close(c);
		return bad != 0;
	}
	if (strcmp(argv[1], "usage") == 0 && argc == 3) {
		struct apim_counter *c = apim_counter_open(argv[2], slots());
		size_t used, all;

		if (c == NULL)
			return apim_err_report();
		apim_counter_usage(c, &used, &all);
		printf("%zu %zu\n", used, all);
		apim_counter_close(c);
		return 0;
	}
	if (strcmp(argv[1], "take") == 0 && (argc == 7 || argc == 8)) {
		struct apim_counter *c = apim_counter_open(argv[2], slots());
		int64_t limit = num(argv[4]), period = num(argv[5]), n = num(argv[6]), i;
		int64_t now = argc == 8 ? num(argv[7]) : apim_now_ms(), ok = 0;
		int rc;

		if (c == NULL)
			return apim_err_report();
		for (i = 0; i < n; i++) {
			if ((rc = apim_counter_take(c, argv[3], limit, period, 1, now,
			    NULL)) == -1)
				return apim_err_report();
			ok += rc;
		}
		printf("%" PRId64 "\n", ok);
		apim_counter_close(c);
		return 0;
	}
	if (strcmp(argv[1], "peek") == 0 && (argc == 6 || argc == 7)) {
		struct apim_counter *c = apim_counter_open(argv[2], 0);
		struct apim_count cnt;
		int64_t now = argc == 7 ? num(argv[6]) : apim_now_ms();

		if (c == NULL)
			return apim_err_report();
		apim_counter_peek(c, argv[3], num(argv[4]), num(argv[5]), now, &cnt);
		printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", cnt.count,
		    cnt.remaining, cnt.reset_ms);
		apim_counter_close(c);
		return 0;
	}
	if (strcmp(argv[1], "spin") == 0 && argc == 4) {
		/* count without end, to be killed mid-update */
		struct apim_counter *c = apim_counter_open(argv[2], 0);

		if (c == NULL)
			return apim_err_report();
		printf("spinning\n");
		fflush(stdout);
		for (;;)
			if (apim_counter_take(c, argv[3], 4000000000LL, 3600000,
			    1, 1800000000000LL, NULL) == -1)
				return apim_err_report();
	}
	if (strcmp(argv[1], "watch") == 0 && argc >= 4) {
		/* check until the answer has STATUS (a store change seen), at
		 * most 5 s; prints the status seen */
		struct apim_throttle_req rq;
		struct apim_throttle_res res;
		struct apim_throttle *t;
		int64_t want = num(argv[3]), end = apim_now_ms() + 5000;
		int a;

		memset(&rq, 0, sizeof rq);
		for (a = 4; a < argc; a++)
			field(&rq, argv[a]);
		if ((t = apim_throttle_open(argv[2], NULL)) == NULL)
			return apim_err_report();
		if (apim_throttle_check(t, &rq, &res) == -1)
			return apim_err_report();
		printf("first %d\n", res.status);
		fflush(stdout);
		while (res.status != want && apim_now_ms() < end) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			if (apim_throttle_check(t, &rq, &res) == -1)
				return apim_err_report();
		}
		printf("then %d %d\n", res.status, res.code);
		apim_throttle_close(t);
		return 0;
	}
	if (strcmp(argv[1], "sqlite") == 0 && argc == 4) {
		/* the baseline: a check of 4 keys as one SQLite transaction of 4
		 * conditional upserts (WAL, synchronous=NORMAL, as the store) */
		static const char *const keys[] = { "api:a1", "resource:a1:GET /x",
		    "sub:s1", "app:p1:bob" };
		sqlite3 *db;
		sqlite3_stmt *st;
		int64_t n = num(argv[3]), i;
		struct timespec t0, t1, c0, c1;
		double sec, cpu;
		int k;

		if (sqlite3_open(argv[2], &db) != SQLITE_OK)
			return 74;
		sqlite3_busy_timeout(db, 10000);
		sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		    "CREATE TABLE IF NOT EXISTS ctr (k TEXT PRIMARY KEY, w INTEGER, "
		    "n INTEGER)", NULL, NULL, NULL);
		if (sqlite3_prepare_v2(db, "INSERT INTO ctr VALUES (?1, ?2, 1) "
		    "ON CONFLICT (k) DO UPDATE SET n = CASE WHEN w = ?2 THEN n + 1 "
		    "ELSE 1 END, w = ?2 WHERE n < 4000000000 OR w <> ?2", -1, &st,
		    NULL) != SQLITE_OK)
			return 70;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++) {
			while (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
				;
			for (k = 0; k < 4; k++) {
				sqlite3_bind_text(st, 1, keys[k], -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, apim_now_ms() / 2592000000LL);
				sqlite3_step(st);
				sqlite3_reset(st);
			}
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
		printf("%" PRId64 " checks in %.3f s: %.0f checks/s, %.0f ns each, "
		    "%.0f ns CPU each\n", n, sec, (double)n / sec, sec * 1e9 / (double)n,
		    cpu * 1e9 / (double)n);
		sqlite3_finalize(st);
		sqlite3_close(db);
		return 0;
	}
	if (strcmp(argv[1], "reset") == 0 && argc == 4) {
		struct apim_counter *c = apim_counter_open(argv[2], 0);

		if (c == NULL)
			return apim_err_report();
		printf("%d\n", apim_counter_reset(c, argv[3]));
		apim_counter_close(c);
		return 0;
	}
	if ((strcmp(argv[1], "req") == 0 || strcmp(argv[1], "bench") == 0) && argc >= 4) {
		struct apim_throttle_req rq;
		struct apim_throttle_res res;
		struct apim_throttle *t;
		int64_t n = num(argv[3]), i, ok = 0;
		struct timespec t0, t1, c0, c1;
		int a;

		memset(&rq, 0, sizeof rq);
		for (a = 4; a < argc; a++)
			field(&rq, argv[a]);
		if ((t = apim_throttle_open(argv[2], NULL)) == NULL)
			return apim_err_report();
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++) {
			if (apim_throttle_check(t, &rq, &res) == -1)
				return apim_err_report();
			ok += res.allow;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		if (strcmp(argv[1], "bench") == 0) {
			double s = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			double cpu = (double)(c1.tv_sec - c0.tv_sec) +
			    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;

			printf("%" PRId64 " checks in %.3f s: %.0f checks/s, %.0f ns each, "
			    "%.0f ns CPU each\n", n, s, (double)n / s, s * 1e9 / (double)n,
			    cpu * 1e9 / (double)n);
		} else {
			printf("admitted %" PRId64 " refused %" PRId64 "\n", ok, n - ok);
			printf("last: allow=%d exceeded=%d status=%d code=%d retry=%" PRId64
			    " reason=%s\n", res.allow, res.exceeded, res.status, res.code,
			    res.retry_after, res.reason ? res.reason : "-");
			printf("RateLimit-Policy: %s\nRateLimit: %s\n",
			    res.ratelimit_policy, res.ratelimit);
		}
		apim_throttle_close(t);
		return 0;
	}
	usage();
	return 64;
}
