/* statscli: apim-stats report: flags to a stats object, events from files
 * or stdin (or followed), bad lines on stderr, the report in one format. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "buf.h"
#include "err.h"
#include "event.h"
#include "expr.h"
#include "out.h"
#include "stats.h"
#include "stats_alert.h"
#include "stats_db.h"
#include "stats_out.h"
#include "statscli.h"
#include "text.h"
#include "util.h"

enum format { F_TABLE, F_JSON, F_CSV, F_PROM, F_HTML };

struct run {
	struct apim_stats_views v;
	struct apim_stats *all[6];
	int nall;
	struct apim_stats_meta meta;
	struct apim_expr *where;
	int strict;
	int progress;		/* stderr is a terminal */
	int shown;		/* a progress line is on it */
	int64_t last_progress;
	uint64_t lines;
	struct apim_stats_db *db;	/* ingest: rollups go here */
	struct apim_alert *alert;	/* alert: the views it judges */
};

static int
where_cb(void *arg, const struct apim_event *ev)
{
	return apim_expr_eval(arg, ev);
}

static void
progress(struct run *r, int final)
{
	int64_t now;

	if (!r->progress)
		return;
	if (final) {
		if (r->shown)
			fputs("\r\033[K", stderr);
		r->shown = 0;
		return;
	}
	now = apim_now_ms();
	if (now - r->last_progress < 500)	/* quiet for short inputs too */
		return;
	r->last_progress = now;
	r->shown = 1;
	fprintf(stderr, "\r%s: %" PRIu64 " events read, %" PRIu64 " bad lines",
	    apim_prog(), r->meta.read, r->meta.bad);
}

/* One event for every view. */
static void
count(struct run *r, const struct apim_event *ev)
{
	int i;

	r->meta.read++;
	if (r->alert)
		apim_alert_add(r->alert, ev);
	if (r->nall == 0 || apim_stats_add(r->all[0], ev) == 0)
		return;		/* left out by --since, --until, --where */
	for (i = 1; i < r->nall; i++)
		if (r->all[i] != r->v.throttled || ev->proxy_response_code == 429)
			apim_stats_add(r->all[i], ev);
	if (r->db)
		apim_stats_db_add(r->db, ev);
}

/* Read every event of one reader: 0 at its end, else an exit code. */
static int
feed(struct run *r, struct apim_event_reader *rd, const char *name)
{
	struct apim_event ev;
	int rc;

	while ((rc = apim_event_read(rd, &ev)) != 0) {
		if (rc == 1) {
			count(r, &ev);
			if ((++r->lines & 0xffff) == 0)
				progress(r, 0);
			continue;
		}
		if (rc == -2) {
			progress(r, 1);
			apim_warnx("%s: %s", name, apim_err_msg());
			return APIM_IOERR;
		}
		if (apim_event_reader_torn(rd)) {
			r->meta.torn++;	/* a writer in the middle of it */
			continue;
		}
		r->meta.bad++;
		progress(r, 1);
		apim_warnx("%s:%ld: %s", name, apim_event_reader_lineno(rd),
		    apim_err_msg());
		if (r->strict)
			return APIM_DATAERR;
	}
	return 0;
}

static int
feed_path(struct run *r, const char *path)
{
	struct apim_event_reader *rd = apim_event_reader_open(path);
	int rc;

	if (rd == NULL)
		return apim_err_report();
	rc = feed(r, rd, strcmp(path, "-") == 0 ? "stdin" : path);
	apim_event_reader_free(rd);
	return rc;
}

/* Write via a temporary file renamed into place, so a reader of path never
 * sees half a report. */
struct outfile {
	FILE *f;
	char tmp[PATH_MAX];
	const char *path;
};

static int
out_open(struct outfile *o, const char *path)
{
	int fd;

	o->path = path;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		o->path = NULL;
		return 0;
	}
	if (snprintf(o->tmp, sizeof o->tmp, "%s.XXXXXX", path) >= (int)sizeof o->tmp) {
		apim_err_set(APIM_CANTCREAT, "path too long: '%s'", path);
		return -1;
	}
	if ((fd = mkstemp(o->tmp)) == -1 || fchmod(fd, 0644) == -1 ||
	    (o->f = fdopen(fd, "w")) == NULL) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", path,
		    strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(o->tmp);
		}
		return -1;
	}
	return 0;
}

static int
out_close(struct outfile *o, int ok)
{
	if (o->path == NULL)
		return ok ? 0 : -1;
	if (fclose(o->f) == EOF && ok) {
		apim_err_set(APIM_IOERR, "cannot write '%s': %s", o->path,
		    strerror(errno));
		ok = 0;
	}
	if (ok && rename(o->tmp, o->path) == -1) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", o->path,
		    strerror(errno));
		ok = 0;
	}
	if (!ok)
		unlink(o->tmp);
	return ok ? 0 : -1;
}

static int
print(struct run *r, enum format fmt, FILE *f)
{
	switch (fmt) {
	case F_JSON:
		return apim_stats_print_json(f, r->v.main, &r->meta);
	case F_CSV:
		return apim_stats_print_csv(f, r->v.main, &r->meta);
	case F_PROM:
		return apim_stats_print_prom(f, r->v.main, &r->meta);
	case F_HTML:
		return apim_stats_print_html(f, &r->v, &r->meta, "apim-stats report");
	default:
		return apim_stats_print_table(f, r->v.main, &r->meta);
	}
}

static int
emit(struct run *r, enum format fmt, const char *path)
{
	struct outfile o;
	int ok;

	if (out_open(&o, path) == -1)
		return -1;
	ok = print(r, fmt, o.f) == 0;
	return out_close(&o, ok);
}

static void
run_free(struct run *r)
{
	int i;

	for (i = 0; i < r->nall; i++)
		apim_stats_free(r->all[i]);
	apim_alert_free(r->alert);
	apim_expr_free(r->where);
}

/* The stats database: --stats-db, else $APIM_STATS_DB or the config's
 * stats.db, else apim-stats.db next to the main store. */
static const char *
db_path(struct apim_ctx *ctx, struct apim_args *a, char *buf, size_t cap)
{
	const char *p = apim_args_get(a, "stats-db"), *slash;

	if (p == NULL)
		p = apim_conf_get("stats.db", NULL);
	if (p != NULL)
		return p;
	slash = strrchr(ctx->db_path, '/');
	snprintf(buf, cap, "%.*sapim-stats.db", slash ? (int)(slash -
	    ctx->db_path + 1) : 0, ctx->db_path);
	return buf;
}

static struct apim_stats *
view(struct run *r, const struct apim_stats_opts *base, const char *by,
    int64_t every)
{
	struct apim_stats_opts o = *base;
	const char *byv[2] = { by, NULL };
	struct apim_stats *s;

	o.by = by ? byv : NULL;
	o.every_ms = every;
	o.top = 0;
	s = apim_stats_new(&o);
	r->all[r->nall++] = s;
	return s;
}

/* The options every command shares: --since, --until, --where. */
static int
common_opts(struct apim_args *a, struct apim_stats_opts *o, struct run *r)
{
	const char *v;
	int col;
	int64_t now = apim_now_ms();

	o->since_ms = o->until_ms = -1;
	if ((v = apim_args_get(a, "since")) != NULL &&
	    (o->since_ms = apim_stats_time(v, now)) < 0) {
		apim_err_set(APIM_USAGE, "bad --since '%s': RFC 3339, or relative "
		    "like -1h", v);
		return -1;
	}
	if ((v = apim_args_get(a, "until")) != NULL &&
	    (o->until_ms = apim_stats_time(v, now)) < 0) {
		apim_err_set(APIM_USAGE, "bad --until '%s': RFC 3339, or relative "
		    "like -1h", v);
		return -1;
	}
	if ((v = apim_args_get(a, "where")) != NULL) {
		if (apim_text_check("--where", v, APIM_TEXT_MAX, 0) == -1)
			return -1;
		if ((r->where = apim_expr_parse(v, &col)) == NULL) {
			char msg[512];

			snprintf(msg, sizeof msg, "%s", apim_err_msg());
			apim_err_set(APIM_USAGE, "bad --where: %s", msg);
			return -1;
		}
		o->where = where_cb;
		o->where_arg = r->where;
	}
	r->strict = apim_args_has(a, "strict");
	r->progress = isatty(2);
	r->last_progress = apim_now_ms();
	return 0;
}

/* ---- following a file ---- */

/* Follow path: the report every interval ms (and at the end, after max_ms
 * if > 0, for tests and cron), through rotation (a new file at the path)
 * and truncation (the file shorter than what was read). */
static int
follow(struct run *r, const char *path, int64_t interval, int64_t max_ms,
    enum format fmt, const char *out)
{
	struct apim_event_reader *rd = NULL;
	struct stat st, cur;
	int64_t start = apim_now_ms(), next = start, now;
	int rc;

	for (;;) {
		if (rd == NULL) {
			if ((rd = apim_event_reader_open(path)) == NULL) {
				if (apim_err_code() != APIM_NOINPUT)
					return apim_err_report();
			} else
				apim_event_reader_follow(rd, 1);
		}
		if (rd && (rc = feed(r, rd, path)) != 0) {
			apim_event_reader_free(rd);
			return rc;
		}
		now = apim_now_ms();
		if (now >= next) {
			if (fmt == F_TABLE && out == NULL && isatty(1))
				fputs("\033[H\033[2J", stdout);	/* a fresh screen */
			if (emit(r, fmt, out) == -1) {
				apim_event_reader_free(rd);
				return apim_err_report();
			}
			fflush(stdout);
			next = now + interval;
		}
		if (max_ms > 0 && now - start >= max_ms)
			break;
		if (rd && fstat(apim_event_reader_fd(rd), &cur) == 0) {
			if (stat(path, &st) == 0 &&
			    (st.st_ino != cur.st_ino || st.st_dev != cur.st_dev)) {
				/* rotated: finish the old file, then the new one */
				if ((rc = feed(r, rd, path)) != 0) {
					apim_event_reader_free(rd);
					return rc;
				}
				apim_event_reader_free(rd);
				rd = NULL;
				continue;
			}
			if ((long long)cur.st_size < apim_event_reader_offset(rd) &&
			    apim_event_reader_rewind(rd) == -1) {
				apim_event_reader_free(rd);
				return apim_err_report();
			}
		}
		poll(NULL, 0, 100);
	}
	apim_event_reader_free(rd);
	return 0;
}

int
apim_statscli_report(struct apim_ctx *ctx, struct apim_args *a)
{
	struct run r;
	struct apim_stats_opts o;
	char **by = NULL;
	const char *v, *out = apim_args_get(a, "output");
	enum format fmt = F_TABLE;
	char dbp[PATH_MAX];
	int rc = 0, i, nf = 0;
	int64_t interval = 2000, max_ms = 0;

	memset(&r, 0, sizeof r);
	memset(&o, 0, sizeof o);
	if (ctx->json)
		fmt = F_JSON, nf++;
	if (apim_args_has(a, "csv"))
		fmt = F_CSV, nf++;
	if (apim_args_has(a, "prom"))
		fmt = F_PROM, nf++;
	if (apim_args_has(a, "html"))
		fmt = F_HTML, nf++;
	if (apim_args_has(a, "table"))
		fmt = F_TABLE, nf++;
	if (nf > 1) {
		apim_err_set(APIM_USAGE, "give one of --table, --json, --csv, --prom, --html");
		return -1;
	}
	if (common_opts(a, &o, &r) == -1)
		goto fail;
	if ((v = apim_args_get(a, "by")) != NULL) {
		if (apim_text_check("--by", v, APIM_TEXT_MAX, 0) == -1)
			goto fail;
		by = apim_split_csv(v);
		if (by[0] == NULL) {
			apim_err_set(APIM_USAGE, "--by needs a field name");
			goto fail;
		}
		o.by = (const char *const *)by;
	}
	if ((v = apim_args_get(a, "every")) != NULL &&
	    (o.every_ms = apim_stats_duration(v)) < 0) {
		apim_err_set(APIM_USAGE, "bad --every '%s': a duration like 1m, 1h, 1d", v);
		goto fail;
	}
	if (o.every_ms > 0 && fmt == F_PROM) {
		apim_err_set(APIM_USAGE, "--prom cannot show time buckets (--every)");
		goto fail;
	}
	if ((v = apim_args_get(a, "top")) != NULL) {
		char *end;

		errno = 0;
		o.top = strtol(v, &end, 10);
		if (errno || end == v || *end || o.top < 1) {
			apim_err_set(APIM_USAGE, "bad --top '%s': a positive number", v);
			goto fail;
		}
	}
	if ((v = apim_args_get(a, "interval")) != NULL &&
	    (interval = apim_stats_duration(v)) < 0) {
		apim_err_set(APIM_USAGE, "bad --interval '%s'", v);
		goto fail;
	}
	if ((v = apim_args_get(a, "for")) != NULL &&
	    (max_ms = apim_stats_duration(v)) < 0) {
		apim_err_set(APIM_USAGE, "bad --for '%s'", v);
		goto fail;
	}
	if ((r.v.main = apim_stats_new(&o)) == NULL)
		goto fail;
	r.all[r.nall++] = r.v.main;
	if (fmt == F_HTML) {
		r.v.timeline = view(&r, &o, NULL, APIM_STATS_AUTO);
		r.v.apis = view(&r, &o, "apiName", 0);
		r.v.apps = view(&r, &o, "applicationName", 0);
		r.v.faults = view(&r, &o, "errorType", 0);
		r.v.throttled = view(&r, &o, "applicationName", 0);
	}
	if (apim_args_has(a, "from-db")) {
		if (a->npos > 0 || apim_args_has(a, "follow")) {
			apim_err_set(APIM_USAGE, "--from-db reads no files");
			goto fail;
		}
		if ((r.db = apim_stats_db_open(db_path(ctx, a, dbp, sizeof dbp), 0)) == NULL)
			goto fail_report;
		for (i = 0; i < r.nall; i++)
			if (r.all[i] != r.v.faults &&	/* no errorType in rollups */
			    apim_stats_db_report(r.db, r.all[i], &o,
			    r.all[i] == r.v.throttled) == -1) {
				apim_stats_db_close(r.db);
				goto fail_report;
			}
		r.meta.read = apim_stats_totals(r.v.main)->requests;
		apim_stats_db_close(r.db);
		r.db = NULL;
	} else if ((v = apim_args_get(a, "follow")) != NULL) {
		if (a->npos > 0) {
			apim_err_set(APIM_USAGE, "--follow reads one file, given to it");
			goto fail;
		}
		rc = follow(&r, v, interval, max_ms, fmt, out);
		goto end;
	} else if (a->npos == 0)
		rc = feed_path(&r, "-");
	else
		for (i = 0; i < a->npos && rc == 0; i++)
			rc = feed_path(&r, a->pos[i]);
	progress(&r, 1);
	if (rc == 0 && emit(&r, fmt, out) == -1)
		rc = apim_err_report();
end:
	run_free(&r);
	apim_strv_free(by);
	return rc;
fail_report:
	rc = apim_err_report();
	run_free(&r);
	apim_strv_free(by);
	return rc;
fail:
	run_free(&r);
	apim_strv_free(by);
	return -1;
}

int
apim_statscli_ingest(struct apim_ctx *ctx, struct apim_args *a)
{
	struct run r;
	struct apim_stats_opts o;
	struct apim_stats_db_summary sum;
	char dbp[PATH_MAX];
	int rc = 0, i;

	memset(&r, 0, sizeof r);
	memset(&o, 0, sizeof o);
	if (common_opts(a, &o, &r) == -1) {
		run_free(&r);
		return -1;
	}
	if ((r.v.main = apim_stats_new(&o)) == NULL) {
		run_free(&r);
		return -1;
	}
	r.all[r.nall++] = r.v.main;
	if ((r.db = apim_stats_db_open(db_path(ctx, a, dbp, sizeof dbp), 1)) == NULL) {
		run_free(&r);
		return apim_err_report();
	}
	for (i = 0; i < (a->npos ? a->npos : 1) && rc == 0; i++) {
		const char *path = a->npos ? a->pos[i] : "-";

		if (apim_stats_db_begin(r.db, path) == -1) {
			rc = apim_err_report();
			break;
		}
		if ((rc = feed_path(&r, path)) != 0)
			break;		/* closing rolls back */
		if (apim_stats_db_commit(r.db, &sum) == -1) {
			rc = apim_err_report();
			break;
		}
		if (ctx->json) {
			json_t *j = json_pack("{s:s, s:s?, s:I, s:I, s:b}", "input",
			    path, "source", *sum.source ? sum.source : NULL, "events",
			    (json_int_t)sum.events, "rows", (json_int_t)sum.rows,
			    "replaced", sum.replaced);

			apim_out_emit(j);
		} else
			printf("%s: %" PRIu64 " events in %" PRIu64 " rollup rows%s\n",
			    strcmp(path, "-") == 0 ? "stdin" : path, sum.events,
			    sum.rows, sum.replaced ? " (ingested before: replaced)" : "");
	}
	progress(&r, 1);
	apim_stats_db_close(r.db);
	r.db = NULL;
	run_free(&r);
	if (rc == 0 && fflush(stdout) == EOF)
		rc = APIM_IOERR;
	return rc;
}

/* A threshold from a flag, else the config, else def. */
static int
conf_num(struct apim_args *a, const char *flag, const char *key, const char *def,
    int duration, double *out)
{
	const char *v = apim_args_get(a, flag);
	char *end;

	if (v == NULL)
		v = apim_conf_get(key, def);
	if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (duration) {
		int64_t d = apim_stats_duration(v);

		if (d < 0)
			goto bad;
		*out = (double)d;
		return 0;
	}
	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || *out < 0)
		goto bad;
	return 0;
bad:
	apim_err_set(apim_args_get(a, flag) ? APIM_USAGE : APIM_CONFIG,
	    "bad %s%s '%s'", apim_args_get(a, flag) ? "--" : "", apim_args_get(a,
	    flag) ? flag : key, v);
	return -1;
}

int
apim_statscli_alert(struct apim_ctx *ctx, struct apim_args *a)
{
	struct run r;
	struct apim_stats_opts o;
	struct apim_alert_conf c;
	char dbp[PATH_MAX];
	const char *path;
	double pct, d[9];
	json_t *out, *it;
	size_t k;
	int rc = 0, i;

	memset(&r, 0, sizeof r);
	memset(&o, 0, sizeof o);
	memset(&c, 0, sizeof c);
	if (common_opts(a, &o, &r) == -1)
		goto fail;
	if (conf_num(a, "percentile", "stats.percentile", "95", 0, &pct) == -1 ||
	    conf_num(a, "response-ms", "stats.response_ms", "0", 0, &d[0]) == -1 ||
	    conf_num(a, "backend-ms", "stats.backend_ms", "0", 0, &d[1]) == -1 ||
	    conf_num(a, "baseline-factor", "stats.baseline_factor", "3", 0, &d[2]) == -1 ||
	    conf_num(a, "app-rpm", "stats.app_rpm", "0", 0, &d[3]) == -1 ||
	    conf_num(a, "throttled-per-hour", "stats.throttled_per_hour", "0", 0, &d[4]) == -1 ||
	    conf_num(a, "error-rate", "stats.error_rate", "0", 0, &d[5]) == -1 ||
	    conf_num(a, "min-requests", "stats.min_requests", "20", 0, &d[6]) == -1 ||
	    conf_num(a, "no-success", "stats.no_success", "0", 1, &d[7]) == -1 ||
	    conf_num(a, "unseen-ip", "stats.unseen_ip", "1", 0, &d[8]) == -1)
		goto fail;
	if (pct <= 0 || pct >= 100 || d[5] > 1) {
		apim_err_set(APIM_USAGE, "the percentile is between 0 and 100 and the "
		    "error rate between 0 and 1");
		goto fail;
	}
	c.percentile = pct / 100;
	c.response_ms = (int64_t)d[0];
	c.backend_ms = (int64_t)d[1];
	c.factor = d[2];
	c.app_rpm = (int64_t)d[3];
	c.throttled_per_hour = (int64_t)d[4];
	c.error_rate = d[5];
	c.min_requests = (int64_t)d[6];
	c.no_success_ms = (int64_t)d[7];
	c.unseen_ip = d[8] != 0;
	c.baseline_ms = 7 * 86400000LL;
	c.ip_memory_ms = 30 * 86400000LL;
	path = db_path(ctx, a, dbp, sizeof dbp);
	if (access(path, F_OK) == 0 &&
	    (r.db = apim_stats_db_open(path, 0)) == NULL)
		goto fail_report;
	r.alert = apim_alert_new(&c, &o, r.db);
	if (a->npos == 0)
		rc = feed_path(&r, "-");
	else
		for (i = 0; i < a->npos && rc == 0; i++)
			rc = feed_path(&r, a->pos[i]);
	progress(&r, 1);
	if (rc != 0)
		goto end;
	if ((out = apim_alert_eval(r.alert)) == NULL)
		goto fail_report;
	json_array_foreach(out, k, it)
		apim_out_json(stdout, it, 0);
	rc = json_array_size(out) > 0 ? APIM_NO : 0;
	json_decref(out);
	if (fflush(stdout) == EOF)
		rc = APIM_IOERR;
end:
	apim_stats_db_close(r.db);
	r.db = NULL;
	run_free(&r);
	return rc;
fail_report:
	rc = apim_err_report();
	goto end;
fail:
	apim_stats_db_close(r.db);
	r.db = NULL;
	run_free(&r);
	return -1;
}
