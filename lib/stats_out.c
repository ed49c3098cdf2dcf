/* stats_out: the report as a table, JSON, CSV and Prometheus text; the
 * numbers come from lib/stats, every format shows the same ones. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "out.h"
#include "stats_out.h"
#include "util.h"

const double apim_stats_quantiles[APIM_STATS_NQ] = { 0.5, 0.9, 0.95, 0.99 };
const char *const apim_stats_quantile_names[APIM_STATS_NQ] = {
	"p50", "p90", "p95", "p99"
};

static int
done(FILE *f)
{
	if (fflush(f) == EOF || ferror(f)) {
		apim_err_set(APIM_IOERR, "cannot write the report: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *
lat_json(const struct apim_hist *h)
{
	json_t *o;
	int i;

	if (h->count == 0)
		return json_null();
	o = json_object();
	for (i = 0; i < APIM_STATS_NQ; i++)
		json_object_set_new(o, apim_stats_quantile_names[i],
		    json_integer(apim_hist_quantile(h, apim_stats_quantiles[i])));
	json_object_set_new(o, "max", json_integer(h->max));
	json_object_set_new(o, "mean", json_real(h->sum / (double)h->count));
	json_object_set_new(o, "count", json_integer((json_int_t)h->count));
	return o;
}

static double
rnd(double v, double scale)
{
	return (double)(int64_t)(v * scale + 0.5) / scale;
}

static json_t *
cnt_json(const struct apim_stats_cnt *c, int64_t span)
{
	json_t *o = json_object(), *st = json_object();
	int i;

	json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(o, "requestsPerSecond",
	    json_real(rnd(apim_stats_rate(c, span), 1000)));
	for (i = 0; i < APIM_ST_NCLASS; i++)
		json_object_set_new(st, apim_stats_class_names[i],
		    json_integer((json_int_t)c->status[i]));
	json_object_set_new(o, "status", st);
	json_object_set_new(o, "faults", json_integer((json_int_t)c->faults));
	json_object_set_new(o, "errors", json_integer((json_int_t)c->errors));
	json_object_set_new(o, "errorRate", json_real(c->requests ?
	    rnd((double)c->errors / (double)c->requests, 10000) : 0));
	json_object_set_new(o, "responseLatency", lat_json(&c->resp));
	json_object_set_new(o, "backendLatency", lat_json(&c->backend));
	json_object_set_new(o, "requestBytes", json_integer((json_int_t)c->req_bytes));
	json_object_set_new(o, "responseBytes", json_integer((json_int_t)c->resp_bytes));
	return o;
}

static json_t *
time_json(int64_t ms)
{
	char t[32];

	if (ms < 0)
		return json_null();
	apim_time_iso(ms, t);
	return json_string(t);
}

/* The span rates are measured over: a bucket's width, else the whole
 * report's first..last. */
static int64_t
span_of(struct apim_stats *s)
{
	const struct apim_stats_cnt *t = apim_stats_totals(s);
	int64_t e = apim_stats_every(s);

	if (e > 0)
		return e;
	return t->requests ? t->last_ms - t->first_ms : 0;
}

static const char *
every_text(int64_t e, char *buf, size_t cap)
{
	if (e % 86400000 == 0)
		snprintf(buf, cap, "%" PRId64 "d", e / 86400000);
	else if (e % 3600000 == 0)
		snprintf(buf, cap, "%" PRId64 "h", e / 3600000);
	else if (e % 60000 == 0)
		snprintf(buf, cap, "%" PRId64 "m", e / 60000);
	else if (e % 1000 == 0)
		snprintf(buf, cap, "%" PRId64 "s", e / 1000);
	else
		snprintf(buf, cap, "%" PRId64 "ms", e);
	return buf;
}

/* The report's head: everything but the groups. */
static json_t *
head_json(struct apim_stats *s, const struct apim_stats_meta *m)
{
	const struct apim_stats_cnt *t = apim_stats_totals(s);
	json_t *o = json_object(), *by = json_array();
	const char *const *names;
	int nby, k;
	int64_t e = apim_stats_every(s);
	char tmp[32];

	json_object_set_new(o, "events", json_integer((json_int_t)t->requests));
	json_object_set_new(o, "read", json_integer((json_int_t)m->read));
	json_object_set_new(o, "badLines", json_integer((json_int_t)m->bad));
	json_object_set_new(o, "tornLines", json_integer((json_int_t)m->torn));
	json_object_set_new(o, "from", time_json(t->requests ? t->first_ms : -1));
	json_object_set_new(o, "to", time_json(t->requests ? t->last_ms : -1));
	json_object_set_new(o, "every", e > 0 ? json_string(every_text(e, tmp,
	    sizeof tmp)) : json_null());
	names = apim_stats_by(s, &nby);
	for (k = 0; k < nby; k++)
		json_array_append_new(by, json_string(names[k]));
	json_object_set_new(o, "by", by);
	json_object_set_new(o, "totals", cnt_json(t, 0));
	return o;
}

static json_t *
group_json(struct apim_stats *s, const struct apim_stats_group *g, int64_t span)
{
	const char *const *names;
	json_t *o = cnt_json(&g->c, span), *key;
	int nby, k;

	names = apim_stats_by(s, &nby);
	if (apim_stats_every(s) > 0)
		json_object_set_new(o, "time", time_json(g->bucket));
	if (nby > 0) {
		key = json_object();
		for (k = 0; k < nby; k++)
			json_object_set_new(key, names[k], g->values[k] ?
			    json_string(g->values[k]) : json_null());
		json_object_set_new(o, "key", key);
	}
	return o;
}

static int
grouped(struct apim_stats *s)
{
	int nby;

	apim_stats_by(s, &nby);
	return nby > 0 || apim_stats_every(s) > 0;
}

json_t *
apim_stats_json(struct apim_stats *s, const struct apim_stats_meta *m)
{
	json_t *o = head_json(s, m), *gs;
	struct apim_stats_group **v;
	size_t n, i;
	int64_t span = span_of(s);

	if (!grouped(s))
		return o;
	gs = json_array();
	v = apim_stats_groups(s, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(gs, group_json(s, v[i], span));
	json_object_set_new(o, "groups", gs);
	return o;
}

#define JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(15))

/* One line; the groups are written one at a time, so that memory does not
 * grow with them. */
int
apim_stats_print_json(FILE *f, struct apim_stats *s, const struct apim_stats_meta *m)
{
	json_t *o = head_json(s, m), *g;
	struct apim_stats_group **v;
	char *text;
	size_t n, i, len;
	int64_t span = span_of(s);

	text = json_dumps(o, JSON_FLAGS);
	json_decref(o);
	if (text == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot make the report's JSON");
		return -1;
	}
	len = strlen(text);
	if (!grouped(s)) {
		fprintf(f, "%s\n", text);
		free(text);
		return done(f);
	}
	fwrite(text, 1, len - 1, f);	/* without its closing brace */
	free(text);
	fputs(",\"groups\":[", f);
	v = apim_stats_groups(s, &n);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		g = group_json(s, v[i], span);
		json_dumpf(g, f, JSON_FLAGS);
		json_decref(g);
	}
	fputs("]}\n", f);
	return done(f);
}

/* ---- table ---- */

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *
fmt(const char *f, ...)
{
	struct apim_buf b = APIM_BUF_INIT;
	va_list ap;

	va_start(ap, f);
	apim_buf_vaddf(&b, f, ap);
	va_end(ap);
	return apim_buf_detach(&b, NULL);
}

static char *
q_text(const struct apim_hist *h, double q)
{
	if (h->count == 0)
		return NULL;
	return fmt("%" PRId64, q >= 1 ? h->max : apim_hist_quantile(h, q));
}

static char *
bytes_text(uint64_t n)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 5)
		v /= 1000, u++;
	return u == 0 ? fmt("%" PRIu64 " B", n) : fmt("%.1f %s", v, unit[u]);
}

/* A row of name and val, both freed here (name only if owned). */
static void
row(struct apim_table *tb, char *name, int own, char *val)
{
	const char *cell[2] = { name, val };

	apim_table_add(tb, cell);
	if (own)
		free(name);
	free(val);
}

static void
table_totals(FILE *f, struct apim_stats *s, const struct apim_stats_meta *m)
{
	static const char *const hdr[] = { "METRIC", "VALUE", NULL };
	const struct apim_stats_cnt *t = apim_stats_totals(s);
	struct apim_table *tb = apim_table_new(hdr);
	char a[32], b[32];
	int i;

	row(tb, "requests", 0, fmt("%" PRIu64, t->requests));
	if (t->requests) {
		apim_time_iso(t->first_ms, a);
		apim_time_iso(t->last_ms, b);
		row(tb, "from", 0, fmt("%s", a));
		row(tb, "to", 0, fmt("%s", b));
	}
	row(tb, "requests/s", 0, fmt("%.2f", apim_stats_rate(t, 0)));
	for (i = 0; i < APIM_ST_NCLASS; i++)
		row(tb, fmt("status %s", apim_stats_class_names[i]), 1,
		    fmt("%" PRIu64, t->status[i]));
	row(tb, "faults", 0, fmt("%" PRIu64, t->faults));
	row(tb, "errors", 0, fmt("%" PRIu64, t->errors));
	row(tb, "error rate", 0, fmt("%.2f%%", t->requests ?
	    100.0 * (double)t->errors / (double)t->requests : 0.0));
	for (i = 0; i < APIM_STATS_NQ; i++)
		row(tb, fmt("latency %s ms", apim_stats_quantile_names[i]), 1,
		    q_text(&t->resp, apim_stats_quantiles[i]));
	row(tb, "latency max ms", 0, q_text(&t->resp, 1));
	for (i = 0; i < APIM_STATS_NQ; i++)
		row(tb, fmt("backend %s ms", apim_stats_quantile_names[i]), 1,
		    q_text(&t->backend, apim_stats_quantiles[i]));
	row(tb, "backend max ms", 0, q_text(&t->backend, 1));
	row(tb, "bytes in", 0, bytes_text(t->req_bytes));
	row(tb, "bytes out", 0, bytes_text(t->resp_bytes));
	if (m->bad)
		row(tb, "bad lines", 0, fmt("%" PRIu64, m->bad));
	apim_table_print(tb, f);
}

int
apim_stats_print_table(FILE *f, struct apim_stats *s, const struct apim_stats_meta *m)
{
	const char *const *names;
	const char *hdr[40];
	char *cell[40], t[32];
	struct apim_stats_group **v;
	struct apim_table *tb;
	size_t n, i;
	int nby, k, c, h = 0;
	int64_t e = apim_stats_every(s), span = span_of(s);

	names = apim_stats_by(s, &nby);
	if (nby == 0 && e <= 0) {
		table_totals(f, s, m);
		return done(f);
	}
	if (e > 0)
		hdr[h++] = "TIME";
	for (k = 0; k < nby && h < 20; k++)
		hdr[h++] = names[k];
	hdr[h++] = "REQUESTS";
	hdr[h++] = "REQ/S";
	hdr[h++] = "2XX";
	hdr[h++] = "3XX";
	hdr[h++] = "4XX";
	hdr[h++] = "429";
	hdr[h++] = "5XX";
	hdr[h++] = "ERR%";
	hdr[h++] = "P50";
	hdr[h++] = "P90";
	hdr[h++] = "P95";
	hdr[h++] = "P99";
	hdr[h++] = "MAX";
	hdr[h++] = "BE_P50";
	hdr[h++] = "BE_P99";
	hdr[h++] = "IN";
	hdr[h++] = "OUT";
	hdr[h] = NULL;
	tb = apim_table_new(hdr);
	v = apim_stats_groups(s, &n);
	for (i = 0; i < n; i++) {
		const struct apim_stats_cnt *g = &v[i]->c;

		c = 0;
		if (e > 0) {
			apim_time_iso(v[i]->bucket, t);
			cell[c++] = fmt("%s", t);
		}
		for (k = 0; k < nby && k < 20; k++)
			cell[c++] = v[i]->values[k] ? fmt("%s", v[i]->values[k]) : NULL;
		cell[c++] = fmt("%" PRIu64, g->requests);
		cell[c++] = fmt("%.2f", apim_stats_rate(g, span));
		cell[c++] = fmt("%" PRIu64, g->status[APIM_ST_2XX]);
		cell[c++] = fmt("%" PRIu64, g->status[APIM_ST_3XX]);
		cell[c++] = fmt("%" PRIu64, g->status[APIM_ST_4XX]);
		cell[c++] = fmt("%" PRIu64, g->status[APIM_ST_429]);
		cell[c++] = fmt("%" PRIu64, g->status[APIM_ST_5XX]);
		cell[c++] = fmt("%.2f", g->requests ?
		    100.0 * (double)g->errors / (double)g->requests : 0.0);
		for (k = 0; k < APIM_STATS_NQ; k++)
			cell[c++] = q_text(&g->resp, apim_stats_quantiles[k]);
		cell[c++] = q_text(&g->resp, 1);
		cell[c++] = q_text(&g->backend, 0.5);
		cell[c++] = q_text(&g->backend, 0.99);
		cell[c++] = bytes_text(g->req_bytes);
		cell[c++] = bytes_text(g->resp_bytes);
		apim_table_add(tb, (const char *const *)cell);
		for (k = 0; k < c; k++)
			free(cell[k]);
	}
	apim_table_print(tb, f);
	if (m->bad)
		fprintf(f, "(%" PRIu64 " bad lines)\n", m->bad);
	return done(f);
}

/* ---- CSV (RFC 4180) ---- */

static void
csv_field(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_q(FILE *f, const struct apim_hist *h, double q)
{
	if (h->count)
		fprintf(f, ",%" PRId64, q >= 1 ? h->max : apim_hist_quantile(h, q));
	else
		fputc(',', f);
}

static void
csv_cnt(FILE *f, const struct apim_stats_cnt *c, int64_t span)
{
	int i;

	fprintf(f, "%" PRIu64 ",%.3f", c->requests, apim_stats_rate(c, span));
	for (i = 0; i < APIM_ST_NCLASS; i++)
		fprintf(f, ",%" PRIu64, c->status[i]);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%.4f", c->faults, c->errors,
	    c->requests ? (double)c->errors / (double)c->requests : 0.0);
	for (i = 0; i < APIM_STATS_NQ; i++)
		csv_q(f, &c->resp, apim_stats_quantiles[i]);
	csv_q(f, &c->resp, 1);
	for (i = 0; i < APIM_STATS_NQ; i++)
		csv_q(f, &c->backend, apim_stats_quantiles[i]);
	csv_q(f, &c->backend, 1);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 "\r\n", c->req_bytes, c->resp_bytes);
}

int
apim_stats_print_csv(FILE *f, struct apim_stats *s, const struct apim_stats_meta *m)
{
	const char *const *names;
	struct apim_stats_group **v;
	size_t n, i;
	int nby, k, first = 1;
	int64_t e = apim_stats_every(s), span = span_of(s);
	char t[32];

	(void)m;
	names = apim_stats_by(s, &nby);
	if (e > 0)
		csv_field(f, "time", first), first = 0;
	for (k = 0; k < nby; k++)
		csv_field(f, names[k], first), first = 0;
	if (!first)
		fputc(',', f);
	fputs("requests,requests_per_second", f);
	for (k = 0; k < APIM_ST_NCLASS; k++)
		fprintf(f, ",status_%s", apim_stats_class_names[k]);
	fputs(",faults,errors,error_rate", f);
	for (k = 0; k < APIM_STATS_NQ; k++)
		fprintf(f, ",response_latency_%s", apim_stats_quantile_names[k]);
	fputs(",response_latency_max", f);
	for (k = 0; k < APIM_STATS_NQ; k++)
		fprintf(f, ",backend_latency_%s", apim_stats_quantile_names[k]);
	fputs(",backend_latency_max,request_bytes,response_bytes\r\n", f);
	if (nby == 0 && e <= 0) {
		csv_cnt(f, apim_stats_totals(s), 0);
		return done(f);
	}
	v = apim_stats_groups(s, &n);
	for (i = 0; i < n; i++) {
		first = 1;
		if (e > 0) {
			apim_time_iso(v[i]->bucket, t);
			csv_field(f, t, first), first = 0;
		}
		for (k = 0; k < nby; k++)
			csv_field(f, v[i]->values[k], first), first = 0;
		fputc(',', f);
		csv_cnt(f, &v[i]->c, span);
	}
	return done(f);
}

/* ---- Prometheus text exposition (version 0.0.4) ---- */

static void
prom_labels(FILE *f, const char *const *names, const char *const *vals,
    int nby, const char *extra_name, const char *extra)
{
	int k, n = 0;
	const char *p;

	if (nby == 0 && extra_name == NULL)
		return;
	fputc('{', f);
	for (k = 0; k <= nby; k++) {
		const char *name = k < nby ? names[k] : extra_name;
		const char *val = k < nby ? vals[k] : extra;

		if (name == NULL)
			continue;
		fprintf(f, "%s%s=\"", n++ ? "," : "", name);
		for (p = val ? val : ""; *p; p++) {
			if (*p == '\\')
				fputs("\\\\", f);
			else if (*p == '"')
				fputs("\\\"", f);
			else if (*p == '\n')
				fputs("\\n", f);
			else
				fputc(*p, f);
		}
		fputc('"', f);
	}
	fputc('}', f);
}

struct prom_row {
	const char *const *vals;
	const struct apim_stats_cnt *c;
};

int
apim_stats_print_prom(FILE *f, struct apim_stats *s, const struct apim_stats_meta *m)
{
	const char *const *names;
	struct apim_stats_group **v = NULL;
	struct prom_row *rows;
	size_t n = 1, i;
	int nby, k, lat;
	int64_t span;
	char q[16];

	names = apim_stats_by(s, &nby);
	if (apim_stats_every(s) > 0) {
		apim_err_set(APIM_USAGE, "--prom cannot show time buckets (--every)");
		return -1;
	}
	span = span_of(s);
	if (nby > 0)
		v = apim_stats_groups(s, &n);
	rows = apim_xcalloc(n + 1, sizeof *rows);
	if (nby == 0)
		rows[0].c = apim_stats_totals(s);
	else
		for (i = 0; i < n; i++) {
			rows[i].vals = v[i]->values;
			rows[i].c = &v[i]->c;
		}
	fputs("# HELP apim_requests_total API requests seen in the events, by status class.\n"
	    "# TYPE apim_requests_total counter\n", f);
	for (i = 0; i < n; i++)
		for (k = 0; k < APIM_ST_NCLASS; k++) {
			fputs("apim_requests_total", f);
			prom_labels(f, names, rows[i].vals, nby, "class",
			    apim_stats_class_names[k]);
			fprintf(f, " %" PRIu64 "\n", rows[i].c->status[k]);
		}
#define COUNTER(name, help, expr) do { \
	fputs("# HELP " name " " help "\n# TYPE " name " counter\n", f); \
	for (i = 0; i < n; i++) { \
		fputs(name, f); \
		prom_labels(f, names, rows[i].vals, nby, NULL, NULL); \
		fprintf(f, " %" PRIu64 "\n", (uint64_t)(expr)); \
	} } while (0)
	COUNTER("apim_faults_total", "Requests the gateway answered itself (eventType fault).",
	    rows[i].c->faults);
	COUNTER("apim_errors_total", "Requests answered 4xx other than 429, or 5xx.",
	    rows[i].c->errors);
	COUNTER("apim_request_bytes_total", "Request body bytes received.",
	    rows[i].c->req_bytes);
	COUNTER("apim_response_bytes_total", "Response body bytes sent.",
	    rows[i].c->resp_bytes);
#undef COUNTER
	fputs("# HELP apim_requests_per_second Requests per second over the events' time range.\n"
	    "# TYPE apim_requests_per_second gauge\n", f);
	for (i = 0; i < n; i++) {
		fputs("apim_requests_per_second", f);
		prom_labels(f, names, rows[i].vals, nby, NULL, NULL);
		fprintf(f, " %.3f\n", apim_stats_rate(rows[i].c, span));
	}
	for (lat = 0; lat < 2; lat++) {
		const char *name = lat ? "apim_backend_latency_ms" : "apim_response_latency_ms";

		fprintf(f, "# HELP %s %s latency in milliseconds (quantiles within 1%%).\n"
		    "# TYPE %s summary\n", name, lat ? "Backend" : "Response", name);
		for (i = 0; i < n; i++) {
			const struct apim_hist *h = lat ? &rows[i].c->backend : &rows[i].c->resp;

			for (k = 0; k <= APIM_STATS_NQ && h->count; k++) {
				snprintf(q, sizeof q, "%g", k < APIM_STATS_NQ ?
				    apim_stats_quantiles[k] : 1.0);
				fputs(name, f);
				prom_labels(f, names, rows[i].vals, nby, "quantile", q);
				fprintf(f, " %" PRId64 "\n", k < APIM_STATS_NQ ?
				    apim_hist_quantile(h, apim_stats_quantiles[k]) : h->max);
			}
			fprintf(f, "%s_sum", name);
			prom_labels(f, names, rows[i].vals, nby, NULL, NULL);
			fprintf(f, " %.0f\n%s_count", h->sum, name);
			prom_labels(f, names, rows[i].vals, nby, NULL, NULL);
			fprintf(f, " %" PRIu64 "\n", h->count);
		}
	}
	fprintf(f, "# HELP apim_stats_bad_lines Event lines apim-stats could not read.\n"
	    "# TYPE apim_stats_bad_lines gauge\napim_stats_bad_lines %" PRIu64 "\n",
	    m->bad);
	free(rows);
	return done(f);
}
