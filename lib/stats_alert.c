/* stats_alert: abnormal response and backend time, abnormal request count,
 * unseen source address, frequent tier-limit hitting, health availability;
 * each a view (lib/stats) over the window, judged at the end. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "stats_alert.h"
#include "util.h"

enum { V_API, V_APPMIN, V_THR, V_IP, V_OK, NVIEW };

struct filter {
	struct apim_alert *a;
	int kind;
};

struct apim_alert {
	struct apim_alert_conf c;
	struct apim_stats_db *db;
	struct apim_stats *v[NVIEW];
	struct filter f[NVIEW];
	int (*where)(void *, const struct apim_event *);
	void *where_arg;
};

static int
filter_cb(void *arg, const struct apim_event *ev)
{
	struct filter *f = arg;

	if (f->a->where && !f->a->where(f->a->where_arg, ev))
		return 0;
	switch (f->kind) {
	case V_THR:
		return ev->proxy_response_code == 429;
	case V_IP:
		return ev->application_name != NULL && ev->user_ip != NULL;
	case V_APPMIN:
		return ev->application_name != NULL;
	case V_OK:
		return ev->proxy_response_code >= 200 && ev->proxy_response_code < 400;
	default:
		return 1;
	}
}

struct apim_alert *
apim_alert_new(const struct apim_alert_conf *c, const struct apim_stats_opts *o,
    struct apim_stats_db *db)
{
	static const char *const api[] = { "apiName", NULL };
	static const char *const app[] = { "applicationName", NULL };
	static const char *const appip[] = { "applicationName", "userIp", NULL };
	struct apim_alert *a = apim_xcalloc(1, sizeof *a);
	struct apim_stats_opts vo;
	int i;

	a->c = *c;
	a->db = db;
	a->where = o->where;
	a->where_arg = o->where_arg;
	for (i = 0; i < NVIEW; i++) {
		vo = *o;
		vo.top = 0;
		vo.where = filter_cb;
		a->f[i].a = a;
		a->f[i].kind = i;
		vo.where_arg = &a->f[i];
		vo.no_latency = i != V_API;
		switch (i) {
		case V_API: vo.by = api; vo.every_ms = 0; break;
		case V_APPMIN: vo.by = app; vo.every_ms = 60000; break;
		case V_THR: vo.by = app; vo.every_ms = 3600000; break;
		case V_IP: vo.by = appip; vo.every_ms = 0; break;
		case V_OK: vo.by = api; vo.every_ms = 0; break;
		}
		a->v[i] = apim_stats_new(&vo);
	}
	return a;
}

void
apim_alert_free(struct apim_alert *a)
{
	int i;

	if (a == NULL)
		return;
	for (i = 0; i < NVIEW; i++)
		apim_stats_free(a->v[i]);
	free(a);
}

void
apim_alert_add(struct apim_alert *a, const struct apim_event *ev)
{
	int i;

	for (i = 0; i < NVIEW; i++)
		apim_stats_add(a->v[i], ev);
}

static json_t *
alert(const char *type, const char *severity, int64_t t, const char *msg)
{
	char ts[32];

	apim_time_iso(t, ts);
	return json_pack("{s:s, s:s, s:s, s:s}", "alert", type, "severity",
	    severity, "time", ts, "message", msg);
}

static void
set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* Response (which 0) or backend (1) time of each API. */
static int
latency(struct apim_alert *a, json_t *out, int which)
{
	const struct apim_alert_conf *c = &a->c;
	struct apim_stats_group **g;
	size_t n, i;
	int64_t limit = which ? c->backend_ms : c->response_ms;
	const char *type = which ? "abnormalBackendTime" : "abnormalResponseTime";
	char msg[256];

	g = apim_stats_groups(a->v[V_API], &n);
	for (i = 0; i < n; i++) {
		const struct apim_hist *h = which ? &g[i]->c.backend : &g[i]->c.resp;
		int64_t q, bq = -1;
		json_t *o;

		if (h->count == 0 || (int64_t)h->count < c->min_requests)
			continue;
		q = apim_hist_quantile(h, c->percentile);
		if (c->factor > 0 && a->db && g[i]->values[0]) {
			struct apim_hist b;

			apim_hist_init(&b);
			if (apim_stats_db_latency(a->db, g[i]->values[0], which,
			    g[i]->c.first_ms - c->baseline_ms,
			    g[i]->c.first_ms / 60000 * 60000, &b) == -1) {
				apim_hist_free(&b);
				return -1;
			}
			if ((int64_t)b.count >= c->min_requests)
				bq = apim_hist_quantile(&b, c->percentile);
			apim_hist_free(&b);
		}
		if (limit > 0 && q > limit) {
			snprintf(msg, sizeof msg, "p%g %s latency %" PRId64 " ms is over %"
			    PRId64 " ms", c->percentile * 100, which ? "backend" :
			    "response", q, limit);
			o = alert(type, "warning", g[i]->c.first_ms, msg);
			set_str(o, "apiName", g[i]->values[0]);
			json_object_set_new(o, "percentile", json_real(c->percentile));
			json_object_set_new(o, "value", json_integer(q));
			json_object_set_new(o, "threshold", json_integer(limit));
			json_array_append_new(out, o);
		} else if (bq >= 0 && (double)q > c->factor * (double)bq) {
			snprintf(msg, sizeof msg, "p%g %s latency %" PRId64 " ms is over "
			    "%g times its baseline of %" PRId64 " ms", c->percentile * 100,
			    which ? "backend" : "response", q, c->factor, bq);
			o = alert(type, "warning", g[i]->c.first_ms, msg);
			set_str(o, "apiName", g[i]->values[0]);
			json_object_set_new(o, "percentile", json_real(c->percentile));
			json_object_set_new(o, "value", json_integer(q));
			json_object_set_new(o, "baseline", json_integer(bq));
			json_object_set_new(o, "factor", json_real(c->factor));
			json_array_append_new(out, o);
		}
	}
	return 0;
}

static int
request_count(struct apim_alert *a, json_t *out)
{
	const struct apim_alert_conf *c = &a->c;
	struct apim_stats_group **g;
	size_t n, i;
	char msg[256];

	g = apim_stats_groups(a->v[V_APPMIN], &n);
	for (i = 0; i < n; i++) {
		uint64_t req, mins;
		double base = 0;
		json_t *o;

		if (c->factor > 0 && a->db) {
			if (apim_stats_db_app_minutes(a->db, g[i]->values[0],
			    g[i]->bucket - c->baseline_ms, g[i]->bucket, &req, &mins) == -1)
				return -1;
			if (mins > 0)
				base = (double)req / (double)mins;
		}
		if (c->app_rpm > 0 && (int64_t)g[i]->c.requests > c->app_rpm) {
			snprintf(msg, sizeof msg, "%" PRIu64 " requests in a minute, "
			    "over %" PRId64, g[i]->c.requests, c->app_rpm);
			o = alert("abnormalRequestCount", "warning", g[i]->bucket, msg);
			set_str(o, "applicationName", g[i]->values[0]);
			json_object_set_new(o, "value", json_integer((json_int_t)g[i]->c.requests));
			json_object_set_new(o, "threshold", json_integer(c->app_rpm));
			json_array_append_new(out, o);
		} else if (base > 0 && (double)g[i]->c.requests > c->factor * base &&
		    (int64_t)g[i]->c.requests >= c->min_requests) {
			snprintf(msg, sizeof msg, "%" PRIu64 " requests in a minute, over "
			    "%g times the usual %.1f", g[i]->c.requests, c->factor, base);
			o = alert("abnormalRequestCount", "warning", g[i]->bucket, msg);
			set_str(o, "applicationName", g[i]->values[0]);
			json_object_set_new(o, "value", json_integer((json_int_t)g[i]->c.requests));
			json_object_set_new(o, "baseline", json_real(base));
			json_object_set_new(o, "factor", json_real(c->factor));
			json_array_append_new(out, o);
		}
	}
	return 0;
}

static int
unseen_ip(struct apim_alert *a, json_t *out)
{
	struct apim_stats_group **g;
	size_t n, i;
	char msg[256];
	int known, rc;

	if (!a->c.unseen_ip || a->db == NULL)
		return 0;
	g = apim_stats_groups(a->v[V_IP], &n);
	for (i = 0; i < n; i++) {
		json_t *o;

		rc = apim_stats_db_ip_seen(a->db, g[i]->values[0], g[i]->values[1],
		    g[i]->c.first_ms - a->c.ip_memory_ms, &known);
		if (rc == -1)
			return -1;
		if (!known || rc == 1)
			continue;	/* no history for the app, or seen */
		snprintf(msg, sizeof msg, "a request from an address not seen for "
		    "this application in the last %" PRId64 " days",
		    a->c.ip_memory_ms / 86400000);
		o = alert("unseenSourceIp", "info", g[i]->c.first_ms, msg);
		set_str(o, "applicationName", g[i]->values[0]);
		set_str(o, "userIp", g[i]->values[1]);
		json_object_set_new(o, "value", json_integer((json_int_t)g[i]->c.requests));
		json_array_append_new(out, o);
	}
	return 0;
}

static void
tier_limit(struct apim_alert *a, json_t *out)
{
	struct apim_stats_group **g;
	size_t n, i;
	char msg[256];

	if (a->c.throttled_per_hour <= 0)
		return;
	g = apim_stats_groups(a->v[V_THR], &n);
	for (i = 0; i < n; i++) {
		json_t *o;

		if ((int64_t)g[i]->c.requests <= a->c.throttled_per_hour)
			continue;
		snprintf(msg, sizeof msg, "%" PRIu64 " throttled requests in an hour, "
		    "over %" PRId64, g[i]->c.requests, a->c.throttled_per_hour);
		o = alert("frequentTierLimitHitting", "warning", g[i]->bucket, msg);
		set_str(o, "applicationName", g[i]->values[0]);
		json_object_set_new(o, "value", json_integer((json_int_t)g[i]->c.requests));
		json_object_set_new(o, "threshold", json_integer(a->c.throttled_per_hour));
		json_array_append_new(out, o);
	}
}

static void
health(struct apim_alert *a, json_t *out)
{
	const struct apim_alert_conf *c = &a->c;
	struct apim_stats_group **g, **ok;
	size_t n, nok, i, j;
	char msg[256];

	g = apim_stats_groups(a->v[V_API], &n);
	ok = apim_stats_groups(a->v[V_OK], &nok);
	for (i = 0; i < n; i++) {
		const struct apim_stats_cnt *t = &g[i]->c;
		double rate = t->requests ? (double)t->errors / (double)t->requests : 0;
		int64_t last_ok = -1;
		json_t *o;

		if (c->error_rate > 0 && (int64_t)t->requests >= c->min_requests &&
		    rate > c->error_rate) {
			snprintf(msg, sizeof msg, "error rate %.2f%% is over %.2f%%",
			    rate * 100, c->error_rate * 100);
			o = alert("healthAvailability", "critical", t->first_ms, msg);
			set_str(o, "apiName", g[i]->values[0]);
			json_object_set_new(o, "reason", json_string("errorRate"));
			json_object_set_new(o, "value", json_real((double)(int64_t)
			    (rate * 10000 + 0.5) / 10000));
			json_object_set_new(o, "threshold", json_real(c->error_rate));
			json_array_append_new(out, o);
		}
		if (c->no_success_ms <= 0)
			continue;
		for (j = 0; j < nok; j++)
			if ((ok[j]->values[0] == NULL && g[i]->values[0] == NULL) ||
			    (ok[j]->values[0] && g[i]->values[0] &&
			    strcmp(ok[j]->values[0], g[i]->values[0]) == 0))
				last_ok = ok[j]->c.last_ms;
		/* requests with no success from last_ok (or the start) on */
		if (t->last_ms - (last_ok >= 0 ? last_ok : t->first_ms) >= c->no_success_ms) {
			int64_t since = last_ok >= 0 ? last_ok : t->first_ms;

			snprintf(msg, sizeof msg, "no successful response for %" PRId64
			    " s", (t->last_ms - since) / 1000);
			o = alert("healthAvailability", "critical", since, msg);
			set_str(o, "apiName", g[i]->values[0]);
			json_object_set_new(o, "reason", json_string("noSuccess"));
			json_object_set_new(o, "value", json_integer((t->last_ms - since) / 1000));
			json_object_set_new(o, "threshold", json_integer(c->no_success_ms / 1000));
			json_array_append_new(out, o);
		}
	}
}

json_t *
apim_alert_eval(struct apim_alert *a)
{
	json_t *out = json_array();

	if (latency(a, out, 0) == -1 || latency(a, out, 1) == -1 ||
	    request_count(a, out) == -1 || unseen_ip(a, out) == -1) {
		json_decref(out);
		return NULL;
	}
	tier_limit(a, out);
	health(a, out);
	return out;
}
