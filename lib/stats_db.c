/* stats_db: rollups per minute, API and application in a SQLite file of
 * their own, replaced per source so that ingesting is idempotent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"
#include "stats_db.h"
#include "store.h"
#include "util.h"

/* Flush the in-memory rollup to the file when it holds this many groups. */
#define FLUSH_GROUPS 20000

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS source ("
    " id TEXT PRIMARY KEY, label TEXT NOT NULL, events INTEGER NOT NULL,"
    " first_ms INTEGER, last_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS rollup ("
    " source TEXT NOT NULL, minute INTEGER NOT NULL,"
    " api TEXT NOT NULL, app TEXT NOT NULL,"		/* '' when absent */
    " requests INTEGER NOT NULL, s1xx INTEGER NOT NULL, s2xx INTEGER NOT NULL,"
    " s3xx INTEGER NOT NULL, s4xx INTEGER NOT NULL, s429 INTEGER NOT NULL,"
    " s5xx INTEGER NOT NULL, faults INTEGER NOT NULL, errors INTEGER NOT NULL,"
    " req_bytes INTEGER NOT NULL, resp_bytes INTEGER NOT NULL,"
    " first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
    " resp_hist TEXT NOT NULL, backend_hist TEXT NOT NULL,"
    " PRIMARY KEY (source, minute, api, app)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS rollup_minute ON rollup (minute, api, app);"
    "CREATE TABLE IF NOT EXISTS app_ip ("
    " source TEXT NOT NULL, app TEXT NOT NULL, ip TEXT NOT NULL,"
    " first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
    " PRIMARY KEY (source, app, ip)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS app_ip_app ON app_ip (app, ip, last_ms);"
    "PRAGMA user_version = 1;";

struct apim_stats_db {
	sqlite3 *db;
	char *label;
	char source[65];
	int have_source, replaced, in_tx;
	struct apim_stats *acc;		/* minute x api x app */
	struct apim_stats *ips;		/* app x ip */
	uint64_t events, rows;
	int64_t first_ms, last_ms;
	int failed;
};

struct apim_stats_db *
apim_stats_db_open(const char *path, int create)
{
	struct apim_stats_db *d;
	struct stat st;

	if (!create && stat(path, &st) == -1) {
		apim_err_set(APIM_NOINPUT, "no stats database '%s': run apim-stats "
		    "ingest first", path);
		return NULL;
	}
	d = apim_xcalloc(1, sizeof *d);
	if (sqlite3_open_v2(path, &d->db, (create ? SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		apim_err_set(create ? APIM_CANTCREAT : APIM_NOINPUT,
		    "cannot open stats database '%s': %s", path,
		    d->db ? sqlite3_errmsg(d->db) : "out of memory");
		sqlite3_close(d->db);
		free(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->db, 5000);
	if (create && (sqlite3_exec(d->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_exec(d->db, schema_sql, NULL, NULL,
	    NULL) != SQLITE_OK)) {
		apim_store_fail(d->db, "create the stats database");
		sqlite3_close(d->db);
		free(d);
		return NULL;
	}
	return d;
}

static void
acc_free(struct apim_stats_db *d)
{
	apim_stats_free(d->acc);
	apim_stats_free(d->ips);
	d->acc = d->ips = NULL;
}

void
apim_stats_db_close(struct apim_stats_db *d)
{
	if (d == NULL)
		return;
	if (d->in_tx)
		apim_store_rollback(d->db);
	acc_free(d);
	free(d->label);
	sqlite3_close(d->db);
	free(d);
}

static void
acc_new(struct apim_stats_db *d)
{
	static const char *const by[] = { "apiName", "applicationName", NULL };
	static const char *const ipby[] = { "applicationName", "userIp", NULL };
	struct apim_stats_opts o;

	memset(&o, 0, sizeof o);
	o.since_ms = o.until_ms = -1;
	o.by = by;
	o.every_ms = 60000;
	d->acc = apim_stats_new(&o);
	o.by = ipby;
	o.every_ms = 0;
	o.no_latency = 1;
	d->ips = apim_stats_new(&o);
}

int
apim_stats_db_begin(struct apim_stats_db *d, const char *label)
{
	if (apim_store_begin(d->db) == -1)
		return -1;
	d->in_tx = 1;
	free(d->label);
	d->label = apim_strdup(label);
	d->have_source = d->replaced = d->failed = 0;
	d->source[0] = '\0';
	d->events = d->rows = 0;
	d->first_ms = d->last_ms = -1;
	acc_free(d);
	acc_new(d);
	return 0;
}

static int
put_int_cols(sqlite3_stmt *st, int col, const struct apim_stats_cnt *c)
{
	int i;

	sqlite3_bind_int64(st, col++, (sqlite3_int64)c->requests);
	for (i = 0; i < APIM_ST_NCLASS; i++)
		sqlite3_bind_int64(st, col++, (sqlite3_int64)c->status[i]);
	sqlite3_bind_int64(st, col++, (sqlite3_int64)c->faults);
	sqlite3_bind_int64(st, col++, (sqlite3_int64)c->errors);
	sqlite3_bind_int64(st, col++, (sqlite3_int64)c->req_bytes);
	sqlite3_bind_int64(st, col++, (sqlite3_int64)c->resp_bytes);
	sqlite3_bind_int64(st, col++, c->first_ms);
	sqlite3_bind_int64(st, col++, c->last_ms);
	return col;
}

/* A rollup row's counts (columns from col on, in put_int_cols' order, then
 * the two histograms) merged into c. */
static int
get_cnt(sqlite3_stmt *st, int col, struct apim_stats_cnt *c)
{
	struct apim_stats_cnt r;
	int i;

	apim_stats_cnt_init(&r);
	r.requests = (uint64_t)sqlite3_column_int64(st, col++);
	for (i = 0; i < APIM_ST_NCLASS; i++)
		r.status[i] = (uint64_t)sqlite3_column_int64(st, col++);
	r.faults = (uint64_t)sqlite3_column_int64(st, col++);
	r.errors = (uint64_t)sqlite3_column_int64(st, col++);
	r.req_bytes = (uint64_t)sqlite3_column_int64(st, col++);
	r.resp_bytes = (uint64_t)sqlite3_column_int64(st, col++);
	r.first_ms = sqlite3_column_int64(st, col++);
	r.last_ms = sqlite3_column_int64(st, col++);
	if (apim_hist_decode_merge(&r.resp, apim_store_text(st, col)) == -1 ||
	    apim_hist_decode_merge(&r.backend, apim_store_text(st, col + 1)) == -1) {
		apim_stats_cnt_free(&r);
		return -1;
	}
	apim_stats_cnt_merge(c, &r);
	apim_stats_cnt_free(&r);
	return 0;
}

#define CNT_COLS "requests, s1xx, s2xx, s3xx, s4xx, s429, s5xx, faults, errors, " \
	"req_bytes, resp_bytes, first_ms, last_ms, resp_hist, backend_hist"

/* Write the in-memory rollup, merging with rows of this source already
 * flushed, and start a fresh one. */
static int
flush(struct apim_stats_db *d)
{
	struct apim_stats_group **g;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	size_t n, i;
	int rc = -1, r;

	g = apim_stats_groups(d->acc, &n);
	sel = apim_store_prep(d->db, "SELECT " CNT_COLS " FROM rollup WHERE "
	    "source = ? AND minute = ? AND api = ? AND app = ?", "");
	ins = apim_store_prep(d->db, "INSERT OR REPLACE INTO rollup (source, "
	    "minute, api, app, " CNT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "");
	if (sel == NULL || ins == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct apim_stats_cnt c;
		const char *api = g[i]->values[0] ? g[i]->values[0] : "";
		const char *app = g[i]->values[1] ? g[i]->values[1] : "";
		char *rh, *bh;
		int col;

		apim_stats_cnt_init(&c);
		apim_stats_cnt_merge(&c, &g[i]->c);
		sqlite3_reset(sel);
		sqlite3_bind_text(sel, 1, d->source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sel, 2, g[i]->bucket);
		sqlite3_bind_text(sel, 3, api, -1, SQLITE_STATIC);
		sqlite3_bind_text(sel, 4, app, -1, SQLITE_STATIC);
		if ((r = apim_store_step(d->db, sel)) == -1 ||
		    (r == 1 && get_cnt(sel, 0, &c) == -1)) {
			apim_stats_cnt_free(&c);
			goto out;
		}
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, d->source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, g[i]->bucket);
		sqlite3_bind_text(ins, 3, api, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, app, -1, SQLITE_STATIC);
		col = put_int_cols(ins, 5, &c);
		rh = apim_hist_encode(&c.resp);
		bh = apim_hist_encode(&c.backend);
		sqlite3_bind_text(ins, col, rh, -1, free);
		sqlite3_bind_text(ins, col + 1, bh, -1, free);
		apim_stats_cnt_free(&c);
		if (apim_store_step(d->db, ins) == -1)
			goto out;
		if (r == 0)
			d->rows++;
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	apim_stats_free(d->acc);
	d->acc = NULL;
	if (rc == 0) {
		static const char *const by[] = { "apiName", "applicationName", NULL };
		struct apim_stats_opts o;

		memset(&o, 0, sizeof o);
		o.since_ms = o.until_ms = -1;
		o.by = by;
		o.every_ms = 60000;
		d->acc = apim_stats_new(&o);
	}
	return rc;
}

/* The first event names the source; what an earlier ingest of it stored
 * goes (the transaction keeps that invisible until commit). */
static int
set_source(struct apim_stats_db *d, const struct apim_event *ev)
{
	char line[APIM_EVENT_LINE_MAX];
	long n = apim_event_format(ev, line, sizeof line);

	if (n < 0)
		return -1;
	apim_sha256_hex(line, (size_t)n, d->source);
	d->have_source = 1;
	if ((d->replaced = apim_store_exec(d->db, "DELETE FROM source WHERE id = ?",
	    "s", d->source)) == -1 ||
	    apim_store_exec(d->db, "DELETE FROM rollup WHERE source = ?", "s",
	    d->source) == -1 ||
	    apim_store_exec(d->db, "DELETE FROM app_ip WHERE source = ?", "s",
	    d->source) == -1)
		return -1;
	return 0;
}

void
apim_stats_db_add(struct apim_stats_db *d, const struct apim_event *ev)
{
	if (d->failed)
		return;
	if (!d->have_source && set_source(d, ev) == -1) {
		d->failed = 1;
		return;
	}
	d->events++;
	if (d->first_ms < 0 || ev->request_ms < d->first_ms)
		d->first_ms = ev->request_ms;
	if (ev->request_ms > d->last_ms)
		d->last_ms = ev->request_ms;
	apim_stats_add(d->acc, ev);
	if (ev->application_name && ev->user_ip)
		apim_stats_add(d->ips, ev);
	if (apim_stats_ngroups(d->acc) >= FLUSH_GROUPS && flush(d) == -1)
		d->failed = 1;
}

static int
write_ips(struct apim_stats_db *d)
{
	struct apim_stats_group **g;
	sqlite3_stmt *st;
	size_t n, i;

	g = apim_stats_groups(d->ips, &n);
	if ((st = apim_store_prep(d->db, "INSERT OR REPLACE INTO app_ip (source, "
	    "app, ip, first_ms, last_ms) VALUES (?, ?, ?, ?, ?)", "")) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g[i]->values[0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, g[i]->values[1], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, g[i]->c.first_ms);
		sqlite3_bind_int64(st, 5, g[i]->c.last_ms);
		if (apim_store_step(d->db, st) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int
apim_stats_db_commit(struct apim_stats_db *d, struct apim_stats_db_summary *out)
{
	memset(out, 0, sizeof *out);
	if (d->failed)
		goto fail;
	if (d->have_source) {
		if (flush(d) == -1 || write_ips(d) == -1 ||
		    apim_store_exec(d->db, "INSERT INTO source (id, label, events, "
		    "first_ms, last_ms) VALUES (?, ?, ?, ?, ?)", "ssIII", d->source,
		    d->label, (int64_t)d->events, d->first_ms, d->last_ms) == -1)
			goto fail;
	}
	if (apim_store_commit(d->db) == -1)
		goto fail;
	d->in_tx = 0;
	memcpy(out->source, d->source, sizeof out->source);
	out->events = d->events;
	out->rows = d->rows;
	out->replaced = d->replaced > 0;
	return 0;
fail:
	apim_store_rollback(d->db);
	d->in_tx = 0;
	return -1;
}

int
apim_stats_db_report(struct apim_stats_db *d, struct apim_stats *s,
    const struct apim_stats_opts *o, int throttled_only)
{
	const char *const *by;
	sqlite3_stmt *st;
	int nby, k, rc, col[2] = { -1, -1 };
	const char *vals[3];

	by = apim_stats_by(s, &nby);
	for (k = 0; k < nby; k++) {
		if (strcmp(by[k], "apiName") == 0)
			col[k] = 0;
		else if (strcmp(by[k], "applicationName") == 0)
			col[k] = 1;
		else
			break;
	}
	if (k < nby || nby > 2) {
		apim_err_set(APIM_USAGE, "with --from-db, --by takes only apiName "
		    "and applicationName");
		return -1;
	}
	if (o->where) {
		apim_err_set(APIM_USAGE, "--where cannot filter rollups (--from-db)");
		return -1;
	}
	st = apim_store_prep(d->db, "SELECT minute, api, app, " CNT_COLS
	    " FROM rollup WHERE minute >= ? AND minute < ?", "II",
	    o->since_ms < 0 ? INT64_MIN : o->since_ms / 60000 * 60000,
	    o->until_ms < 0 ? INT64_MAX : o->until_ms);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(d->db, st)) == 1) {
		struct apim_stats_cnt c;
		char *v[2];

		apim_stats_cnt_init(&c);
		if (get_cnt(st, 3, &c) == -1) {
			apim_stats_cnt_free(&c);
			sqlite3_finalize(st);
			return -1;
		}
		if (throttled_only) {	/* what a 429-only view can know */
			uint64_t t = c.status[APIM_ST_429];

			apim_stats_cnt_free(&c);
			if (t == 0)
				continue;
			apim_stats_cnt_init(&c);
			c.requests = c.status[APIM_ST_429] = t;
			c.first_ms = sqlite3_column_int64(st, 3 + 11);
			c.last_ms = sqlite3_column_int64(st, 3 + 12);
		}
		v[0] = (char *)apim_store_text(st, 1);
		v[1] = (char *)apim_store_text(st, 2);
		for (k = 0; k < nby; k++)
			vals[k] = *v[col[k]] ? v[col[k]] : NULL;
		vals[k] = NULL;
		apim_stats_add_cnt(s, sqlite3_column_int64(st, 0), vals, &c);
		apim_stats_cnt_free(&c);
	}
	sqlite3_finalize(st);
	return rc == -1 ? -1 : 0;
}

int
apim_stats_db_latency(struct apim_stats_db *d, const char *api, int which,
    int64_t from, int64_t to, struct apim_hist *h)
{
	sqlite3_stmt *st;
	int rc;

	st = apim_store_prep(d->db, which ? "SELECT backend_hist FROM rollup "
	    "WHERE api = ? AND minute >= ? AND minute < ?" : "SELECT resp_hist "
	    "FROM rollup WHERE api = ? AND minute >= ? AND minute < ?", "sII",
	    api, from, to);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(d->db, st)) == 1)
		if (apim_hist_decode_merge(h, apim_store_text(st, 0)) == -1) {
			rc = -1;
			break;
		}
	sqlite3_finalize(st);
	return rc == -1 ? -1 : 0;
}

int
apim_stats_db_app_minutes(struct apim_stats_db *d, const char *app,
    int64_t from, int64_t to, uint64_t *requests, uint64_t *minutes)
{
	sqlite3_stmt *st;
	int rc;

	*requests = *minutes = 0;
	st = apim_store_prep(d->db, "SELECT sum(requests), count(DISTINCT minute) "
	    "FROM rollup WHERE app = ? AND minute >= ? AND minute < ?", "sII",
	    app, from, to);
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(d->db, st)) == 1) {
		*requests = (uint64_t)sqlite3_column_int64(st, 0);
		*minutes = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == -1 ? -1 : 0;
}

int
apim_stats_db_ip_seen(struct apim_stats_db *d, const char *app, const char *ip,
    int64_t from, int *known)
{
	char buf[8];
	int rc;

	rc = apim_store_one_text(d->db, apim_store_prep(d->db, "SELECT 1 FROM "
	    "app_ip WHERE app = ? AND last_ms >= ? LIMIT 1", "sI", app, from),
	    buf, sizeof buf);
	if (rc == -1)
		return -1;
	*known = rc == 1;
	if (!*known)
		return 0;
	return apim_store_one_text(d->db, apim_store_prep(d->db, "SELECT 1 FROM "
	    "app_ip WHERE app = ? AND ip = ? AND last_ms >= ? LIMIT 1", "ssI",
	    app, ip, from), buf, sizeof buf);
}
