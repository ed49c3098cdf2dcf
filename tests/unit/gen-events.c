/* gen-events: deterministic apim-events(5) lines for tests and benchmarks,
 * written with lib/event's own formatter; bench/gen-events runs it. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"

static const char usage_text[] =
    "usage: gen-events [--count N] [--seed S] [--start RFC3339] [--span DURATION]\n"
    "                  [--apis N] [--apps N] [--users N] [--ips N] [--gateways N]\n"
    "                  [--error-rate F] [--throttle-rate F] [--bad-rate F]\n"
    "                  [--unknown-fields] [--torn]\n";

struct opts {
	long count, apis, apps, users, ips, gateways;
	uint64_t seed;
	int64_t start, span;
	double err_rate, thr_rate, bad_rate;
	int unknown, torn;
};

static uint64_t rs;

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t
rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static long
pick(long n)
{
	return n <= 1 ? 0 : (long)(rnd() % (uint64_t)n);
}

/* An integer duration: 90, 90s, 15m, 2h, 1d (seconds without a unit). */
static int64_t
duration_ms(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	return (int64_t)(v * 1000);
}

static long
num(const char *name, const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "gen-events: bad %s '%s'\n", name, s);
		exit(APIM_USAGE);
	}
	return v;
}

static double
rate(const char *name, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0 || v > 1) {
		fprintf(stderr, "gen-events: bad %s '%s' (0 to 1)\n", name, s);
		exit(APIM_USAGE);
	}
	return v;
}

static void
parse(struct opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof *o);
	o->count = 1000;
	o->seed = 1;
	o->start = apim_event_time_parse("2026-11-27T00:00:00.000Z");
	o->span = 3600000;
	o->apis = 5;
	o->apps = 20;
	o->users = 100;
	o->ips = 50;
	o->gateways = 2;
	o->err_rate = 0.02;
	o->thr_rate = 0.01;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--unknown-fields") == 0) {
			o->unknown = 1;
			continue;
		}
		if (strcmp(a, "--torn") == 0) {
			o->torn = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (v == NULL || strncmp(a, "--", 2) != 0) {
			fputs(usage_text, stderr);
			exit(APIM_USAGE);
		}
		i++;
		if (strcmp(a, "--count") == 0)
			o->count = num(a, v, 0);
		else if (strcmp(a, "--seed") == 0)
			o->seed = (uint64_t)num(a, v, 0);
		else if (strcmp(a, "--start") == 0) {
			if ((o->start = apim_event_time_parse(v)) < 0) {
				fprintf(stderr, "gen-events: bad --start '%s'\n", v);
				exit(APIM_USAGE);
			}
		} else if (strcmp(a, "--span") == 0) {
			if ((o->span = duration_ms(v)) < 0) {
				fprintf(stderr, "gen-events: bad --span '%s'\n", v);
				exit(APIM_USAGE);
			}
		} else if (strcmp(a, "--apis") == 0)
			o->apis = num(a, v, 1);
		else if (strcmp(a, "--apps") == 0)
			o->apps = num(a, v, 1);
		else if (strcmp(a, "--users") == 0)
			o->users = num(a, v, 1);
		else if (strcmp(a, "--ips") == 0)
			o->ips = num(a, v, 1);
		else if (strcmp(a, "--gateways") == 0)
			o->gateways = num(a, v, 1);
		else if (strcmp(a, "--error-rate") == 0)
			o->err_rate = rate(a, v);
		else if (strcmp(a, "--throttle-rate") == 0)
			o->thr_rate = rate(a, v);
		else if (strcmp(a, "--bad-rate") == 0)
			o->bad_rate = rate(a, v);
		else {
			fputs(usage_text, stderr);
			exit(APIM_USAGE);
		}
	}
	if (o->err_rate + o->thr_rate > 1) {
		fprintf(stderr, "gen-events: --error-rate plus --throttle-rate over 1\n");
		exit(APIM_USAGE);
	}
}

static const char *const bad_lines[] = {
	"this is not JSON",
	"{\"schemaVersion\":1,\"eventType\":\"response\"",
	"[1,2,3]",
	"{\"schemaVersion\":1,\"eventType\":\"response\",\"proxyResponseCode\":200}",
	"{\"schemaVersion\":1,\"eventType\":\"response\",\"requestTimestamp\":"
	    "\"2026-11-27T00:00:00Z\",\"proxyResponseCode\":\"200\"}",
	"{\"schemaVersion\":99,\"eventType\":\"response\",\"requestTimestamp\":"
	    "\"2026-11-27T00:00:00Z\",\"proxyResponseCode\":200}",
	"{\"schemaVersion\":1,\"eventType\":\"fault\",\"requestTimestamp\":"
	    "\"2026-11-27T00:00:00Z\",\"proxyResponseCode\":401}",
	"{\"schemaVersion\":1,\"eventType\":\"response\",\"requestTimestamp\":"
	    "\"2026-13-27T00:00:00Z\",\"proxyResponseCode\":200}",
};

static const char *const methods[] = { "GET", "GET", "GET", "POST", "PUT", "DELETE" };
static const char *const templates[] = { "/items", "/items/{id}", "/items/{id}",
    "/items/{id}/parts", "/search" };
static const char *const tiers[] = { "Gold", "Silver", "Bronze", "Unlimited" };
static const char *const agents[] = { "curl/7.88.1", "okhttp/4.12.0",
    "Mozilla/5.0 (X11; Linux x86_64)", "python-requests/2.31" };

int
main(int argc, char **argv)
{
	struct opts o;
	struct apim_event ev;
	static char out[1 << 16];
	char line[APIM_EVENT_LINE_MAX];
	char api_name[32], api_id[64], ctx[48], dest[64], app_name[32], app_id[64],
	    owner[32], user[32], ip[48], gw[32], corr[64], tkey[160], unk[64];
	size_t used = 0;
	long i, api, app;
	double r;
	long n = 0;

	apim_prog_set("gen-events");
	parse(&o, argc, argv);
	rs = o.seed * 0x2545f4914f6cdd1dULL + 1;
	for (i = 0; i < o.count; i++) {
		int last = i == o.count - 1;

		apim_event_init(&ev);
		ev.request_ms = o.start + (o.count ? (int64_t)((double)o.span *
		    (double)i / (double)o.count) : 0);
		if (o.bad_rate > 0 && unif() < o.bad_rate) {
			const char *b = bad_lines[pick(sizeof bad_lines / sizeof bad_lines[0])];

			n = snprintf(line, sizeof line, "%s\n", b);
			goto emit;
		}
		api = pick(o.apis);
		app = pick(o.apps);
		snprintf(api_name, sizeof api_name, "api%02ld", api);
		snprintf(api_id, sizeof api_id, "00000000-0000-4000-8000-%012ld", api);
		snprintf(ctx, sizeof ctx, "/api%02ld/1.0.0", api);
		snprintf(dest, sizeof dest, "http://backend%ld.example:8080/v1", api);
		snprintf(app_name, sizeof app_name, "app%03ld", app);
		snprintf(app_id, sizeof app_id, "11111111-0000-4000-8000-%012ld", app);
		snprintf(owner, sizeof owner, "owner%ld", app % 7);
		snprintf(user, sizeof user, "user%04ld", pick(o.users));
		{
			long k = pick(o.ips);

			snprintf(ip, sizeof ip, k % 5 == 4 ? "2001:db8::%lx" :
			    "10.%ld.%ld.%ld", k % 5 == 4 ? k : (k >> 16) & 255,
			    (k >> 8) & 255, k & 255);
		}
		snprintf(gw, sizeof gw, "gw%ld", pick(o.gateways) + 1);
		snprintf(corr, sizeof corr, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64
		    "-8%03" PRIx64 "-%012" PRIx64, rnd() & 0xffffffff, rnd() & 0xffff,
		    rnd() & 0xfff, rnd() & 0xfff, rnd() & (uint64_t)0xffffffffffff);
		ev.correlation_id = corr;
		ev.gateway_node = gw;
		ev.api_id = api_id;
		ev.api_name = api_name;
		ev.api_version = "1.0.0";
		ev.api_context = ctx;
		ev.api_method = methods[pick(6)];
		ev.api_resource_template = templates[pick(5)];
		ev.api_creator = "alice";
		ev.user_ip = ip;
		ev.user_agent = agents[pick(4)];
		ev.application_id = app_id;
		ev.application_name = app_name;
		ev.application_owner = owner;
		ev.key_type = app % 10 == 9 ? "SANDBOX" : "PRODUCTION";
		ev.subscription_tier = tiers[app % 4];
		ev.user_name = user;
		ev.request_mediation_latency = 1 + pick(3);
		ev.request_bytes = strcmp(ev.api_method, "GET") == 0 ? 0 : 64 + pick(2000);
		r = unif();
		if (r < o.thr_rate) {
			ev.event_type = APIM_EVENT_FAULT;
			ev.error_type = "THROTTLED";
			ev.error_code = 900800;
			ev.error_message = "Message throttled out";
			snprintf(tkey, sizeof tkey, "app:%s:%s", app_id, api_name);
			ev.throttle_key = tkey;
			ev.proxy_response_code = 429;
			ev.response_latency = ev.request_mediation_latency;
			ev.response_bytes = 61;
		} else if (r < o.thr_rate + o.err_rate) {
			double k = unif();

			if (k < 0.2) {		/* no valid credentials: no application */
				ev.event_type = APIM_EVENT_FAULT;
				ev.error_type = "AUTH";
				ev.error_code = 900901;
				ev.error_message = "Invalid Credentials";
				ev.application_id = ev.application_name = NULL;
				ev.application_owner = ev.key_type = NULL;
				ev.subscription_tier = ev.user_name = NULL;
				ev.proxy_response_code = 401;
				ev.response_latency = ev.request_mediation_latency;
				ev.response_bytes = 80;
			} else if (k < 0.4) {	/* the backend's own 404 */
				ev.destination = dest;
				ev.proxy_response_code = ev.target_response_code = 404;
				goto backend;
			} else if (k < 0.7) {	/* the backend failed */
				ev.destination = dest;
				ev.proxy_response_code = ev.target_response_code = 500;
				goto backend;
			} else {		/* unreachable, or too slow */
				int slow = k >= 0.85;

				ev.event_type = APIM_EVENT_FAULT;
				ev.error_type = "TARGET_CONNECTIVITY";
				ev.error_code = slow ? 101504 : 101503;
				ev.error_message = slow ? "Backend timed out" :
				    "Backend connection failed";
				ev.destination = dest;
				ev.proxy_response_code = slow ? 504 : 503;
				ev.response_latency = ev.request_mediation_latency +
				    (slow ? 30000 : 1 + pick(5));
				ev.response_bytes = 90;
			}
		} else {
			ev.destination = dest;
			ev.proxy_response_code = ev.target_response_code =
			    strcmp(ev.api_method, "POST") == 0 ? 201 :
			    strcmp(ev.api_method, "DELETE") == 0 ? 204 : 200;
backend:
			/* a lognormal-ish backend time around 10..80 ms per API,
			 * with a slow tail */
			ev.backend_latency = (int64_t)((double)(10 + 17 * (api % 5)) *
			    exp(0.6 * (unif() + unif() + unif() - 1.5) * 2));
			if (unif() < 0.01)
				ev.backend_latency *= 10;
			ev.response_mediation_latency = pick(3);
			ev.response_latency = ev.request_mediation_latency +
			    ev.backend_latency + ev.response_mediation_latency;
			ev.response_bytes = ev.proxy_response_code == 204 ? 0 :
			    100 + pick(4000);
		}
		n = apim_event_format(&ev, line, sizeof line);
		if (n < 0)
			return apim_err_report();
		if (o.unknown && i % 3 == 0) {	/* a field from the future, first */
			snprintf(unk, sizeof unk, "{\"futureField\":{\"n\":%ld,\"a\":[1,\"x\"]},", i);
			memmove(line + strlen(unk), line + 1, (size_t)n);
			memcpy(line, unk, strlen(unk));
			n += (long)strlen(unk) - 1;
		}
emit:
		if (last && o.torn)
			n = n / 2;	/* a writer caught in the middle */
		if (used + (size_t)n > sizeof out) {
			fwrite(out, 1, used, stdout);
			used = 0;
		}
		memcpy(out + used, line, (size_t)n);
		used += (size_t)n;
	}
	fwrite(out, 1, used, stdout);
	if (fflush(stdout) == EOF) {
		perror("gen-events");
		return APIM_IOERR;
	}
	return 0;
}
