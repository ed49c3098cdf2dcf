/* stats_html: the report as one self-contained HTML file (no scripts, no
 * links out) whose SVG charts are drawn here: WSO2's dashboard views of API
 * usage, latency, faults and throttling. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stats_out.h"
#include "util.h"

#define W	760	/* chart width */
#define H	240	/* chart height */
#define PL	64	/* plot left, right, top, bottom margins */
#define PR	16
#define PT	12
#define PB	36

static const char *const class_color[APIM_ST_NCLASS] = {
	"#9e9e9e", "#2e7d32", "#1565c0", "#ef6c00", "#8e24aa", "#c62828"
};

static void
esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

/* A round number at or above v for an axis top: 1, 2 or 5 times 10^k. */
static double
nice(double v)
{
	double p;

	if (v <= 0)
		return 1;
	p = pow(10, floor(log10(v)));
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void
num_text(char *buf, size_t cap, double v)
{
	if (v >= 1e6)
		snprintf(buf, cap, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, cap, "%gk", v / 1e3);
	else
		snprintf(buf, cap, "%g", v);
}

static void
svg_open(FILE *f, const char *label, int h)
{
	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"", W, h, W, h);
	esc(f, label);
	fputs("\">\n", f);
}

/* Axes with four horizontal grid lines up to top. */
static void
y_axis(FILE *f, double top, const char *unit)
{
	char t[32];
	int i;

	for (i = 0; i <= 4; i++) {
		double y = PT + (H - PT - PB) * (1 - i / 4.0);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#ddd\"/>", PL, y, W - PR, y);
		num_text(t, sizeof t, top * i / 4);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
		    "class=\"ax\">%s</text>\n", PL - 6, y + 4, t);
	}
	fprintf(f, "<text x=\"12\" y=\"%d\" class=\"ax\" transform=\"rotate(-90 12 %d)\" "
	    "text-anchor=\"middle\">", (H - PB + PT) / 2, (H - PB + PT) / 2);
	esc(f, unit);
	fputs("</text>\n", f);
}

static void
x_labels(FILE *f, struct apim_stats_group **g, size_t n, double bw)
{
	size_t pick[3] = { 0, n / 2, n - 1 };
	char t[32];
	int i;

	for (i = 0; i < 3 && n > 0; i++) {
		if (i > 0 && pick[i] == pick[i - 1])
			continue;
		apim_time_iso(g[pick[i]]->bucket, t);
		t[16] = '\0';		/* to the minute */
		t[10] = ' ';
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"ax\" text-anchor=\"%s\">%s UTC</text>\n",
		    PL + bw * ((double)pick[i] + 0.5), H - PB + 18,
		    i == 0 ? "start" : i == 1 ? "middle" : "end", t);
	}
}

static void
legend(FILE *f, const char *const *names, const char *const *colors, int n, int y)
{
	int i, x = PL;

	for (i = 0; i < n; i++) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		    "<text x=\"%d\" y=\"%d\" class=\"ax\">", x, y, colors[i], x + 14, y + 9);
		esc(f, names[i]);
		fputs("</text>\n", f);
		x += 24 + 8 * (int)strlen(names[i]);
	}
}

/* Requests over time, stacked by status class (or only the 429s). */
static void
chart_requests(FILE *f, struct apim_stats *tl, int only429)
{
	struct apim_stats_group **g;
	size_t n, i;
	double top = 0, bw, ph = H - PT - PB;
	int k;

	g = apim_stats_groups(tl, &n);
	for (i = 0; i < n; i++) {
		double v = only429 ? (double)g[i]->c.status[APIM_ST_429] :
		    (double)g[i]->c.requests;

		if (v > top)
			top = v;
	}
	top = nice(top);
	svg_open(f, only429 ? "throttled requests over time" :
	    "requests over time by status class", H + 20);
	y_axis(f, top, "requests");
	bw = n ? (double)(W - PL - PR) / (double)n : 0;
	for (i = 0; i < n; i++) {
		double y = PT + ph;

		for (k = 0; k < APIM_ST_NCLASS; k++) {
			double v = (double)g[i]->c.status[k], hgt;

			if (only429 && k != APIM_ST_429)
				continue;
			if (v == 0)
				continue;
			hgt = ph * v / top;
			y -= hgt;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\" fill=\"%s\"><title>%s: %.0f</title></rect>\n",
			    PL + bw * (double)i, y, bw > 2 ? bw - 1 : bw, hgt,
			    class_color[k], apim_stats_class_names[k], v);
		}
	}
	x_labels(f, g, n, bw);
	if (!only429)
		legend(f, apim_stats_class_names, class_color, APIM_ST_NCLASS, H + 4);
	fputs("</svg>\n", f);
}

/* Latency percentiles over time, one line each. */
static void
chart_latency(FILE *f, struct apim_stats *tl)
{
	static const char *const names[] = { "p50", "p95", "p99", "backend p95" };
	static const char *const colors[] = { "#2e7d32", "#ef6c00", "#c62828", "#1565c0" };
	static const double qs[] = { 0.5, 0.95, 0.99, 0.95 };
	struct apim_stats_group **g;
	size_t n, i;
	double top = 0, bw, ph = H - PT - PB;
	int k, started;

	g = apim_stats_groups(tl, &n);
	for (i = 0; i < n; i++)
		for (k = 0; k < 4; k++) {
			const struct apim_hist *h = k == 3 ? &g[i]->c.backend : &g[i]->c.resp;
			double v = h->count ? (double)apim_hist_quantile(h, qs[k]) : 0;

			if (v > top)
				top = v;
		}
	top = nice(top);
	svg_open(f, "latency percentiles over time", H + 20);
	y_axis(f, top, "ms");
	bw = n ? (double)(W - PL - PR) / (double)n : 0;
	for (k = 0; k < 4; k++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
		    "points=\"", colors[k]);
		started = 0;
		for (i = 0; i < n; i++) {
			const struct apim_hist *h = k == 3 ? &g[i]->c.backend : &g[i]->c.resp;

			if (h->count == 0)
				continue;
			fprintf(f, "%s%.1f,%.1f", started++ ? " " : "",
			    PL + bw * ((double)i + 0.5), PT + ph * (1 -
			    (double)apim_hist_quantile(h, qs[k]) / top));
		}
		fputs("\"/>\n", f);
	}
	x_labels(f, g, n, bw);
	legend(f, names, colors, 4, H + 4);
	fputs("</svg>\n", f);
}

/* The top ten groups of a one-field view as horizontal bars. */
static void
chart_top(FILE *f, struct apim_stats *s, const char *what, const char *color)
{
	struct apim_stats_group **g;
	size_t n, i;
	double top = 0, bh = 22;
	int h;

	g = apim_stats_groups(s, &n);
	if (n > 10)
		n = 10;
	for (i = 0; i < n; i++)
		if ((double)g[i]->c.requests > top)
			top = (double)g[i]->c.requests;
	h = (int)(PT + bh * (double)(n ? n : 1) + 8);
	svg_open(f, what, h);
	if (n == 0)
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"ax\">no requests</text>\n",
		    PL, PT + 14);
	for (i = 0; i < n; i++) {
		double wdt = top > 0 ? (W - 220 - PR - 80) * (double)g[i]->c.requests / top : 0;
		double y = PT + bh * (double)i;

		fputs("<text x=\"212\" text-anchor=\"end\" class=\"ax\" y=\"", f);
		fprintf(f, "%.1f\">", y + 15);
		esc(f, g[i]->values[0] ? g[i]->values[0] : "(none)");
		fprintf(f, "</text><rect x=\"220\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"%s\"><title>%" PRIu64 "</title></rect><text x=\"%.1f\" y=\"%.1f\" "
		    "class=\"ax\">%" PRIu64 "</text>\n", y + 3, wdt, bh - 6, color,
		    g[i]->c.requests, 226 + wdt, y + 15, g[i]->c.requests);
	}
	fputs("</svg>\n", f);
}

/* The status mix as one bar of shares. */
static void
chart_mix(FILE *f, const struct apim_stats_cnt *t)
{
	double x = PL, wdt;
	int k;

	svg_open(f, "status mix", 70);
	for (k = 0; k < APIM_ST_NCLASS; k++) {
		if (t->requests == 0 || t->status[k] == 0)
			continue;
		wdt = (W - PL - PR) * (double)t->status[k] / (double)t->requests;
		fprintf(f, "<rect x=\"%.2f\" y=\"8\" width=\"%.2f\" height=\"28\" "
		    "fill=\"%s\"><title>%s: %" PRIu64 " (%.2f%%)</title></rect>\n", x,
		    wdt, class_color[k], apim_stats_class_names[k], t->status[k],
		    100.0 * (double)t->status[k] / (double)t->requests);
		x += wdt;
	}
	legend(f, apim_stats_class_names, class_color, APIM_ST_NCLASS, 48);
	fputs("</svg>\n", f);
}

static void
kpi(FILE *f, const char *name, const char *value)
{
	fputs("<div class=\"kpi\"><div class=\"v\">", f);
	esc(f, value);
	fputs("</div><div class=\"n\">", f);
	esc(f, name);
	fputs("</div></div>\n", f);
}

static void
q_cell(FILE *f, const struct apim_hist *h, double q)
{
	if (h->count)
		fprintf(f, "<td>%" PRId64 "</td>", q >= 1 ? h->max : apim_hist_quantile(h, q));
	else
		fputs("<td>-</td>", f);
}

/* The groups of s as a table (at most limit rows). */
static void
table(FILE *f, struct apim_stats *s, size_t limit)
{
	const char *const *names;
	struct apim_stats_group **g;
	size_t n, i;
	int nby, k;
	int64_t e = apim_stats_every(s);
	char t[32];

	names = apim_stats_by(s, &nby);
	g = apim_stats_groups(s, &n);
	if (n > limit)
		n = limit;
	fputs("<table><tr>", f);
	if (e > 0)
		fputs("<th>time</th>", f);
	for (k = 0; k < nby; k++) {
		fputs("<th>", f);
		esc(f, names[k]);
		fputs("</th>", f);
	}
	fputs("<th>requests</th><th>2xx</th><th>4xx</th><th>429</th><th>5xx</th>"
	    "<th>error rate</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>"
	    "<th>max ms</th></tr>\n", f);
	for (i = 0; i < n; i++) {
		const struct apim_stats_cnt *c = &g[i]->c;

		fputs("<tr>", f);
		if (e > 0) {
			apim_time_iso(g[i]->bucket, t);
			fprintf(f, "<td>%s</td>", t);
		}
		for (k = 0; k < nby; k++) {
			fputs("<td>", f);
			esc(f, g[i]->values[k] ? g[i]->values[k] : "-");
			fputs("</td>", f);
		}
		fprintf(f, "<td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		    "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%.2f%%</td>",
		    c->requests, c->status[APIM_ST_2XX], c->status[APIM_ST_4XX],
		    c->status[APIM_ST_429], c->status[APIM_ST_5XX], c->requests ?
		    100.0 * (double)c->errors / (double)c->requests : 0.0);
		q_cell(f, &c->resp, 0.5);
		q_cell(f, &c->resp, 0.95);
		q_cell(f, &c->resp, 0.99);
		q_cell(f, &c->resp, 1);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int
apim_stats_print_html(FILE *f, struct apim_stats_views *v,
    const struct apim_stats_meta *m, const char *title)
{
	const struct apim_stats_cnt *t = apim_stats_totals(v->main);
	char a[32], b[32], val[64];
	int nby;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>", f);
	esc(f, title);
	fputs("</title>\n<style>\n"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:800px}\n"
	    "h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ccc}\n"
	    ".kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #ddd;"
	    "border-radius:6px;padding:8px 14px;min-width:110px}\n"
	    ".kpi .v{font-size:20px;font-weight:600}.kpi .n{color:#666;font-size:12px}\n"
	    ".ax{font-size:11px;fill:#555}svg.chart{display:block;margin:8px 0}\n"
	    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;"
	    "padding:3px 6px;text-align:right}th{background:#f4f4f4}\n"
	    "</style></head><body>\n<h1>", f);
	esc(f, title);
	fputs("</h1>\n<p>", f);
	if (t->requests) {
		apim_time_iso(t->first_ms, a);
		apim_time_iso(t->last_ms, b);
		fprintf(f, "Events from %s to %s.", a, b);
	} else
		fputs("No events.", f);
	if (m->bad)
		fprintf(f, " %" PRIu64 " bad lines were left out.", m->bad);
	fputs("</p>\n<div class=\"kpis\">\n", f);
	snprintf(val, sizeof val, "%" PRIu64, t->requests);
	kpi(f, "requests", val);
	snprintf(val, sizeof val, "%.2f", apim_stats_rate(t, 0));
	kpi(f, "requests/s", val);
	snprintf(val, sizeof val, "%.2f%%", t->requests ? 100.0 * (double)t->errors /
	    (double)t->requests : 0.0);
	kpi(f, "error rate", val);
	snprintf(val, sizeof val, "%" PRIu64, t->status[APIM_ST_429]);
	kpi(f, "throttled (429)", val);
	if (t->resp.count)
		snprintf(val, sizeof val, "%" PRId64 " ms", apim_hist_quantile(&t->resp, 0.95));
	else
		snprintf(val, sizeof val, "-");
	kpi(f, "latency p95", val);
	snprintf(val, sizeof val, "%.1f MB", (double)t->resp_bytes / 1e6);
	kpi(f, "bytes out", val);
	fputs("</div>\n<h2>API usage</h2>\n<h3>Requests over time by status class</h3>\n", f);
	chart_requests(f, v->timeline, 0);
	fputs("<h3>Top APIs</h3>\n", f);
	chart_top(f, v->apis, "top APIs by requests", "#1565c0");
	fputs("<h3>Top applications</h3>\n", f);
	chart_top(f, v->apps, "top applications by requests", "#00838f");
	fputs("<h2>Latency</h2>\n<h3>Response latency percentiles over time</h3>\n", f);
	chart_latency(f, v->timeline);
	fputs("<h3>Latency by API</h3>\n", f);
	table(f, v->apis, 20);
	fputs("<h2>Faults</h2>\n<h3>Status mix</h3>\n", f);
	chart_mix(f, t);
	fputs("<h3>Faults by error type</h3>\n", f);
	table(f, v->faults, 20);
	fputs("<h2>Throttling</h2>\n<h3>Throttled calls over time</h3>\n", f);
	chart_requests(f, v->timeline, 1);
	fputs("<h3>Most throttled applications</h3>\n", f);
	chart_top(f, v->throttled, "most throttled applications", "#8e24aa");
	apim_stats_by(v->main, &nby);
	if (nby > 0 || apim_stats_every(v->main) > 0) {
		fputs("<h2>Report</h2>\n", f);
		table(f, v->main, 1000);
	}
	fputs("<p class=\"ax\">Made by apim-stats; latency percentiles are within 1%.</p>\n"
	    "</body></html>\n", f);
	if (fflush(f) == EOF || ferror(f)) {
		apim_err_set(APIM_IOERR, "cannot write the report: %s", strerror(errno));
		return -1;
	}
	return 0;
}
