/* http-echo: a test server over lib/httpd in every mode: /echo answers what it
 * parsed, /stream a large response in pieces, /slow?ms=N later from a timer
 * (counting clients that leave first: /stats); with --stream, /echo?pause=MS&n=N
 * holds the body back for MS after each of its first N pieces. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "httpd.h"
#include "util.h"

static int stream_mode;

/* A query parameter as a number, or def. */
static long
qnum(const struct apim_http_request *req, const char *name, long def)
{
	const char *q = req->query;
	size_t n = strlen(name);

	while (q && *q) {
		if (strncmp(q, name, n) == 0 && q[n] == '=')
			return strtol(q + n + 1, NULL, 10);
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return def;
}

static const char *const text_plain[] = { "Content-Type", "text/plain", NULL };

static void
echo_reply(struct apim_http_conn *c, const struct apim_http_request *req,
    const char *body, size_t len)
{
	struct apim_buf b = APIM_BUF_INIT;
	char line[64];
	size_t i;

	apim_buf_adds(&b, "method ");
	apim_buf_adds(&b, req->method);
	apim_buf_adds(&b, "\ntarget ");
	apim_buf_adds(&b, req->target);
	apim_buf_adds(&b, "\npath ");
	apim_buf_adds(&b, req->path);
	apim_buf_adds(&b, "\nquery ");
	apim_buf_adds(&b, req->query ? req->query : "-");
	snprintf(line, sizeof(line), "\nversion HTTP/1.%d\npeer ", req->minor);
	apim_buf_adds(&b, line);
	apim_buf_adds(&b, req->peer[0] ? req->peer : "-");
	snprintf(line, sizeof(line), "\ntls %d\n", req->tls);
	apim_buf_adds(&b, line);
	for (i = 0; i < req->nheaders; i++) {
		apim_buf_adds(&b, "header ");
		apim_buf_adds(&b, req->names[i]);
		apim_buf_adds(&b, ": ");
		apim_buf_adds(&b, req->values[i]);
		apim_buf_adds(&b, "\n");
	}
	if (req->query && strncmp(req->query, "find=", 5) == 0) {
		/* ?find=NAME: what apim_http_header answers for NAME */
		const char *v = apim_http_header(req, req->query + 5);

		apim_buf_adds(&b, "found ");
		apim_buf_adds(&b, v ? v : "(none)");
		apim_buf_adds(&b, "\n");
	}
	snprintf(line, sizeof(line), "body %zu\n", len);
	apim_buf_adds(&b, line);
	apim_buf_add(&b, body, len);
	apim_http_reply(c, 200, text_plain, b.data, b.len);
	apim_buf_free(&b);
}

/* --- /stream: N bytes in 16 KiB pieces, waiting for the socket to drain --- */

struct streamer {
	long left, off;
};

static void
stream_more(struct apim_http_conn *c, void *arg)
{
	struct streamer *st = arg;
	char piece[16384];

	while (st->left > 0 && apim_http_pending(c) < 65536) {
		size_t n = st->left < (long)sizeof(piece) ? (size_t)st->left :
		    sizeof(piece), i;

		for (i = 0; i < n; i++)	/* lines of 64: 63 letters and '\n' */
			piece[i] = (st->off + (long)i) % 64 == 63 ? '\n' :
			    (char)('a' + (st->off + (long)i) % 64 % 26);
		if (apim_http_reply_write(c, piece, n) < 0)
			st->left = 0;
		st->left -= (long)n;
		st->off += (long)n;
	}
	if (st->left > 0) {
		apim_http_on_drain(c, 16384, stream_more, st);
		return;
	}
	apim_http_reply_end(c);
	free(st);
}

/* --- /slow: answer from a timer --- */

struct slow {
	struct apim_http_conn *c;
	struct apim_timer *t;
	long ms;
};

static long n_aborts;	/* /slow requests whose client left (see /stats) */
static long n_waiting;	/* /slow requests not answered yet */

static void
slow_fire(void *arg)
{
	struct slow *s = arg;
	char body[64];

	snprintf(body, sizeof(body), "slow %ld\n", s->ms);
	n_waiting--;
	apim_http_reply(s->c, 200, text_plain, body, strlen(body));
	free(s);
}

/* The client left: stop the timer, count it, release c (a no-op reply). */
static void
slow_abort(struct apim_http_conn *c, void *arg)
{
	struct slow *s = arg;

	apim_loop_timer_cancel(apim_http_loop(c), s->t);
	n_aborts++;
	n_waiting--;
	if (apim_http_reply(c, 200, text_plain, "late\n", 5) != -1)
		abort();	/* replying after an abort must be a no-op */
	free(s);
}

/* --- streaming-mode /echo: collect the pieces --- */

struct collect {
	struct apim_buf b;
	const struct apim_http_request *req;
	long pieces;
	struct apim_http_conn *c;
	long pause_ms, pause_n;	/* back-pressure: ?pause=MS&n=N */
	struct apim_timer *t;
};

static void
collect_resume(void *arg)
{
	struct collect *k = arg;

	k->t = NULL;
	apim_http_body_pause(k->c, 0);	/* may end the body and free k */
}

static void
collect_body(struct apim_http_conn *c, const char *data, size_t len, void *arg)
{
	struct collect *k = arg;

	if (data == NULL) {	/* cut short: release c */
		if (k->t)
			apim_loop_timer_cancel(apim_http_loop(c), k->t);
		apim_http_reply(c, 400, NULL, NULL, 0);
	} else if (len == 0) {
		echo_reply(c, k->req, k->b.data ? k->b.data : "", k->b.len);
	} else {
		apim_buf_add(&k->b, data, len);
		k->pieces++;
		if (k->pause_n > 0) {
			k->pause_n--;
			apim_http_body_pause(c, 1);
			k->t = apim_loop_timer(apim_http_loop(c), k->pause_ms,
			    collect_resume, k);
		}
		return;
	}
	apim_buf_free(&k->b);
	free(k);
}

static void
handle(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->path, "/echo") == 0) {
		if (stream_mode) {
			struct collect *k = calloc(1, sizeof(*k));

			k->req = req;
			k->c = c;
			k->pause_ms = qnum(req, "pause", 0);
			k->pause_n = k->pause_ms > 0 ? qnum(req, "n", 1) : 0;
			apim_http_body(c, collect_body, k);
			return;
		}
		echo_reply(c, req, req->body, req->body_len);
	} else if (strcmp(req->path, "/stream") == 0) {
		struct streamer *st = calloc(1, sizeof(*st));
		long len = qnum(req, "bytes", 1 << 20);

		st->left = len;
		apim_http_reply_start(c, 200, text_plain,
		    qnum(req, "length", 0) ? len : -1);
		stream_more(c, st);
	} else if (strcmp(req->path, "/slow") == 0) {
		struct slow *s = calloc(1, sizeof(*s));

		s->c = c;
		s->ms = qnum(req, "ms", 1000);
		n_waiting++;
		s->t = apim_loop_timer(apim_http_loop(c), s->ms, slow_fire, s);
		apim_http_on_abort(c, slow_abort, s);
	} else if (strcmp(req->path, "/stats") == 0) {
		char body[64];

		snprintf(body, sizeof(body), "aborts %ld\nwaiting %ld\n",
		    n_aborts, n_waiting);
		apim_http_reply(c, 200, text_plain, body, strlen(body));
	} else if (strcmp(req->path, "/bad-header") == 0) {
		/* a handler bug: the server must answer a bare 500 instead */
		static const char *const evil[] = { "X-Evil",
		    "a\r\nSet-Cookie: injected=1", NULL };

		apim_http_reply(c, 200, evil, "secret internals\n", 17);
	} else if (strcmp(req->target, "*") == 0) {
		apim_http_reply(c, 200, text_plain, "options\n", 8);
	} else if (strcmp(req->path, "/") == 0) {
		apim_http_reply(c, 200, text_plain, "hello\n", 6);
	} else {
		apim_http_reply(c, 404, text_plain, "not found\n", 10);
	}
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
	fprintf(stderr, "usage: http-echo [--inetd | --listen ADDR:PORT] "
	    "[--workers N] [--stream] [--tls-cert F --tls-key F]\n"
	    "       [--max-body N] [--max-line N] [--max-headers N] "
	    "[--max-header-bytes N]\n"
	    "       [--header-timeout MS] [--read-timeout MS] "
	    "[--write-timeout MS] [--idle-timeout MS]\n"
	    "       [--drain-timeout MS] [--body-timeout MS] "
	    "[--body-min-rate BYTES]\n");
	exit(APIM_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "inetd", no_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "stream", no_argument, NULL, 's' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "max-body", required_argument, NULL, 'B' },
		{ "max-line", required_argument, NULL, 'L' },
		{ "max-headers", required_argument, NULL, 'H' },
		{ "max-header-bytes", required_argument, NULL, 'X' },
		{ "header-timeout", required_argument, NULL, 'T' },
		{ "read-timeout", required_argument, NULL, 'R' },
		{ "write-timeout", required_argument, NULL, 'W' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "drain-timeout", required_argument, NULL, 'D' },
		{ "body-timeout", required_argument, NULL, 'b' },
		{ "body-min-rate", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct apim_httpd_opts o;
	int ch;

	apim_prog_set("http-echo");
	apim_httpd_opts_init(&o);
	o.handler = handle;
	o.on_listen = on_listen;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'i': o.inetd = 1; break;
		case 'l': o.listen = optarg; break;
		case 'w': o.workers = atoi(optarg); break;
		case 's': stream_mode = o.stream = 1; break;
		case 'c': o.tls_cert = optarg; break;
		case 'k': o.tls_key = optarg; break;
		case 'B': o.max_body = strtoul(optarg, NULL, 10); break;
		case 'L': o.max_line = strtoul(optarg, NULL, 10); break;
		case 'H': o.max_headers = strtoul(optarg, NULL, 10); break;
		case 'X': o.max_header_bytes = strtoul(optarg, NULL, 10); break;
		case 'T': o.header_timeout_ms = atoi(optarg); break;
		case 'R': o.read_timeout_ms = atoi(optarg); break;
		case 'W': o.write_timeout_ms = atoi(optarg); break;
		case 'I': o.idle_timeout_ms = atoi(optarg); break;
		case 'D': o.drain_timeout_ms = atoi(optarg); break;
		case 'b': o.body_timeout_ms = atoi(optarg); break;
		case 'r': o.body_min_rate = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (apim_httpd_run(&o) < 0)
		return apim_err_report();
	return 0;
}
