/* upstream-proxy: a test server on lib/httpd (streaming mode) forwarding every
 * request through lib/upstream to the endpoints on its command line; with
 * --backend, a streaming backend instead (/sink counts a body, /source sends one). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "httpd.h"
#include "upstream.h"
#include "util.h"

static struct apim_upstream_opts uo;
static struct apim_upstream *up;	/* this worker's */
static struct apim_endpoints *eps;
static int quiet;	/* no "done" lines (benchmarks) */

/* --- the proxy --- */

static int
hop(const char *n)
{
	static const char *const h[] = { "Connection", "Keep-Alive", "TE",
	    "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection",
	    "Proxy-Authorization", "Host", "Content-Length", "Expect", NULL };
	size_t i;

	for (i = 0; h[i]; i++)
		if (strcasecmp(h[i], n) == 0)
			return 1;
	return 0;
}

static void
done(const struct apim_upstream_result *r, void *arg)
{
	(void)arg;
	if (quiet)
		return;
	printf("done %d backend %d code %d dest %s req %lld resp %lld aborted %d\n",
	    r->proxy_status, r->backend_status, r->error_code, r->destination,
	    (long long)r->request_bytes, (long long)r->response_bytes, r->aborted);
	fflush(stdout);
}

static void
proxy(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	static const char *const extra[] = { "X-Proxy", "upstream-proxy", NULL };
	const char **h = apim_xcalloc(2 * req->nheaders + 3, sizeof(*h));
	struct apim_upstream_req r;
	size_t i, n = 0;

	(void)arg;
	for (i = 0; i < req->nheaders; i++) {
		if (hop(req->names[i]))
			continue;
		h[n++] = req->names[i];
		h[n++] = req->values[i];
	}
	h[n++] = "X-Forwarded-For";
	h[n++] = req->peer;
	h[n] = NULL;
	memset(&r, 0, sizeof(r));
	r.method = req->method;
	r.path = req->path;
	r.query = req->query;
	r.headers = h;
	r.content_length = req->chunked ? -1 : req->content_length > 0 ?
	    req->content_length : 0;
	if (apim_upstream_forward(up, eps, c, &r, extra, done, NULL) < 0)
		apim_http_reply(c, 500, NULL, NULL, 0);
	free(h);
}

static void
on_worker(struct apim_loop *loop, void *arg)
{
	(void)arg;
	if ((up = apim_upstream_new(loop, &uo)) == NULL)
		exit(apim_err_report());
}

/* --- the backend: /sink reads a body of any size, /source?bytes=N sends N --- */

struct sink {
	long long n;
};

static void
sink_body(struct apim_http_conn *c, const char *data, size_t len, void *arg)
{
	struct sink *s = arg;
	char out[64];

	if (data == NULL) {
		apim_http_reply(c, 400, NULL, NULL, 0);
		free(s);
	} else if (len == 0) {
		snprintf(out, sizeof(out), "got %lld\n", s->n);
		apim_http_reply(c, 200, NULL, out, strlen(out));
		free(s);
	} else
		s->n += (long long)len;
}

struct source {
	long long left;
};

static void
source_more(struct apim_http_conn *c, void *arg)
{
	struct source *s = arg;
	static char piece[65536];

	if (piece[0] == '\0')
		memset(piece, 'x', sizeof(piece));
	while (s->left > 0 && apim_http_pending(c) < 262144) {
		size_t n = s->left < (long long)sizeof(piece) ? (size_t)s->left :
		    sizeof(piece);

		if (apim_http_reply_write(c, piece, n) < 0)
			s->left = 0;
		else
			s->left -= (long long)n;
	}
	if (s->left > 0) {
		apim_http_on_drain(c, 65536, source_more, s);
		return;
	}
	apim_http_reply_end(c);
	free(s);
}

static void
source_abort(struct apim_http_conn *c, void *arg)
{
	(void)c;
	((struct source *)arg)->left = 0;
}

static void
backend(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->path, "/sink") == 0) {
		apim_http_body(c, sink_body, apim_xcalloc(1, sizeof(struct sink)));
	} else if (strcmp(req->path, "/source") == 0) {
		struct source *s = apim_xcalloc(1, sizeof(*s));
		const char *q = req->query ? strstr(req->query, "bytes=") : NULL;

		s->left = q ? atoll(q + 6) : 0;
		apim_http_reply_start(c, 200, NULL,
		    req->query && strstr(req->query, "chunked") ? -1 : s->left);
		apim_http_on_abort(c, source_abort, s);
		source_more(c, s);
	} else
		apim_http_reply(c, 404, NULL, "not found\n", 10);
}

static void
on_listen(const char *addr, void *arg)
{
	(void)arg;
	printf("listening on %s\n", addr);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: upstream-proxy [--listen ADDR:PORT] [--workers N] "
	    "[--type http|load_balance|failover]\n"
	    "       [--connect-timeout MS] [--read-timeout MS] [--suspend MS] "
	    "URL...\n"
	    "       upstream-proxy --backend [--listen ADDR:PORT]\n");
	exit(APIM_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "type", required_argument, NULL, 't' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "read-timeout", required_argument, NULL, 'R' },
		{ "suspend", required_argument, NULL, 'S' },
		{ "backend", no_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct apim_httpd_opts o;
	const char *type = "http";
	json_t *urls, *ec;
	int ch, be = 0, t;

	apim_prog_set("upstream-proxy");
	apim_httpd_opts_init(&o);
	apim_upstream_opts_init(&uo);
	o.handler = proxy;
	o.on_listen = on_listen;
	o.on_worker = on_worker;
	o.stream = 1;
	o.max_body = SIZE_MAX;
	o.listen = "127.0.0.1:0";
	o.workers = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': o.listen = optarg; break;
		case 'w': o.workers = atoi(optarg); break;
		case 't': type = optarg; break;
		case 'C': uo.connect_timeout_ms = atoi(optarg); break;
		case 'R': uo.read_timeout_ms = atoi(optarg); break;
		case 'S': uo.suspend_initial_ms = atoi(optarg); break;
		case 'b': be = 1; break;
		case 'q': quiet = 1; break;
		default: usage();
		}
	}
	if (be) {
		if (optind != argc)
			usage();
		o.handler = backend;
		o.on_worker = NULL;
	} else {
		if (optind == argc || (t = apim_endpoints_type_of(type)) < 0)
			usage();
		urls = json_array();
		for (; optind < argc; optind++)
			json_array_append_new(urls, json_string(argv[optind]));
		if ((ec = apim_endpoints_config(t, urls, NULL)) == NULL ||
		    (eps = apim_endpoints_new(ec, 0)) == NULL)
			return apim_err_report();
		json_decref(ec);
		json_decref(urls);
	}
	if (apim_httpd_run(&o) < 0)
		return apim_err_report();
	apim_endpoints_free(eps);
	return 0;
}
