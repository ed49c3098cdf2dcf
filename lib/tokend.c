/* tokend: apim-token serve: lib/oauth behind lib/httpd.  Each worker process
 * opens its own store connection and oauth state on first use; new token rows
 * are written once per event-loop turn, before the answers that carry them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "httpd.h"
#include "oauth.h"
#include "store.h"
#include "tokencli.h"
#include "util.h"

#define TOKEN_MAX_BODY 65536	/* a token request is a few hundred bytes */

/* An answer waiting for the batch of token rows it queued to be written. */
struct waiting {
	struct apim_http_conn *c;
	struct apim_oauth_resp rs;
};

static struct {
	const char *db_path, *issuer;
	sqlite3 *db;
	struct apim_oauth *o;
	struct waiting *w;
	size_t nw, capw;
	int armed;		/* a flush timer is pending */
} srv;

static const char *const err500[] = { "Content-Type", "application/json",
    "Cache-Control", "no-store", NULL };

/* Workers write the store in turns: wait in short steps (up to 5 s), not in
 * SQLite's default steps of up to 100 ms. */
static int
busy_spin(void *arg, int n)
{
	(void)arg;
	if (n >= 50000)
		return 0;
	usleep(n < 100 ? 20 : 100);
	return 1;
}

/* This process's oauth state, opened on first use (after fork). */
static struct apim_oauth *
state(void)
{
	if (srv.o)
		return srv.o;
	if ((srv.db = apim_store_open(srv.db_path, 0)) == NULL ||
	    (srv.o = apim_oauth_new(srv.db, srv.issuer)) == NULL) {
		apim_warnx("%s", apim_err_msg());
		if (srv.db)
			apim_store_close(srv.db);
		srv.db = NULL;
		return NULL;
	}
	sqlite3_busy_handler(srv.db, busy_spin, NULL);
	/* read pages through a mapping rather than a read(2) each */
	sqlite3_exec(srv.db, "PRAGMA mmap_size = 268435456", NULL, NULL, NULL);
	/* fewer checkpoints (each one syncs the file) under a stream of inserts */
	sqlite3_exec(srv.db, "PRAGMA wal_autocheckpoint = 8000", NULL, NULL, NULL);
	apim_oauth_set_batch(srv.o, 1);
	return srv.o;
}

static void
answer(struct apim_http_conn *c, struct apim_oauth_resp *rs)
{
	const char *h[16];
	int n = 0;

	h[n++] = "Content-Type";
	h[n++] = rs->content_type ? rs->content_type : "application/json";
	if (rs->cache_control) {
		h[n++] = "Cache-Control";
		h[n++] = rs->cache_control;
	}
	if (rs->pragma) {
		h[n++] = "Pragma";
		h[n++] = rs->pragma;
	}
	if (rs->www_authenticate) {
		h[n++] = "WWW-Authenticate";
		h[n++] = rs->www_authenticate;
	}
	if (rs->allow) {
		h[n++] = "Allow";
		h[n++] = rs->allow;
	}
	if (rs->retry_after) {
		h[n++] = "Retry-After";
		h[n++] = rs->retry_after;
	}
	h[n] = NULL;
	apim_http_reply(c, rs->status, h, rs->body, rs->body_len);
	apim_oauth_resp_free(rs);
}

/* End of a loop turn: write the queued tokens in one transaction, then
 * answer everyone who waited for them. */
static void
flush(void *arg)
{
	static const char fail[] = "{\"error\":\"temporarily_unavailable\","
	    "\"error_description\":\"cannot store the token; try again\"}";
	size_t i;
	int ok;

	(void)arg;
	srv.armed = 0;
	ok = apim_oauth_flush(srv.o) == 0;
	if (!ok)
		apim_warnx("%s", apim_err_msg());
	for (i = 0; i < srv.nw; i++) {
		if (ok)
			answer(srv.w[i].c, &srv.w[i].rs);
		else {
			apim_oauth_resp_free(&srv.w[i].rs);
			apim_http_reply(srv.w[i].c, 503, err500, fail, sizeof fail - 1);
		}
	}
	srv.nw = 0;
}

static void
handler(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	struct apim_oauth_req rq;
	struct apim_oauth_resp rs;
	struct apim_oauth *o = state();
	size_t i, queued;
	int nct = 0, nauth = 0;
	static const char msg[] = "{\"error\":\"server_error\","
	    "\"error_description\":\"the store is unavailable\"}";

	(void)arg;
	if (o == NULL) {
		apim_http_reply(c, 503, err500, msg, sizeof msg - 1);
		return;
	}
	memset(&rq, 0, sizeof rq);
	rq.method = req->method;
	rq.path = req->path;
	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->names[i], "Content-Type") == 0) {
			rq.content_type = req->values[i];
			nct++;
		} else if (strcasecmp(req->names[i], "Authorization") == 0) {
			rq.authorization = req->values[i];
			nauth++;
		}
	}
	rq.dup_header = nct > 1 || nauth > 1;
	rq.body = req->body;
	rq.body_len = req->body_len;
	queued = apim_oauth_queued(o);
	apim_oauth_handle(o, &rq, &rs);
	if (rs.status >= 500 && rs.retry_after == NULL)
		apim_warnx("%s %s: %s", req->method, req->path, apim_err_msg());
	if (apim_oauth_queued(o) == queued) {
		answer(c, &rs);
		return;
	}
	if (srv.nw == srv.capw) {
		srv.capw = srv.capw ? 2 * srv.capw : 64;
		if ((srv.w = realloc(srv.w, srv.capw * sizeof *srv.w)) == NULL)
			abort();
	}
	srv.w[srv.nw].c = c;
	srv.w[srv.nw++].rs = rs;
	if (!srv.armed) {
		srv.armed = 1;
		apim_loop_timer(apim_http_loop(c), 0, flush, NULL);
	}
}

/* A new worker (a fork, or the only process): forget any parent's state. */
static void
on_worker(struct apim_loop *loop, void *arg)
{
	(void)loop;
	(void)arg;
	srv.o = NULL;
	srv.db = NULL;
	srv.nw = 0;
	srv.armed = 0;
}

static void
on_listen(const char *addr, void *arg)
{
	(void)arg;
	fprintf(stderr, "apim-token: listening on %s\n", addr);
	fflush(stderr);
}

int
apim_tokencli_serve(struct apim_ctx *ctx, struct apim_args *a)
{
	struct apim_httpd_opts o;
	const char *w = apim_args_get(a, "workers");
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	if (apim_args_has(a, "inetd") && apim_args_get(a, "listen")) {
		apim_err_set(APIM_USAGE, "--inetd and --listen exclude each other");
		return -1;
	}
	if (!apim_args_get(a, "tls-cert") != !apim_args_get(a, "tls-key")) {
		apim_err_set(APIM_USAGE, "--tls-cert and --tls-key go together");
		return -1;
	}
	/* Fail early on a bad store; workers open their own connection. */
	if ((db = apim_store_open(ctx->db_path, 0)) == NULL)
		return -1;
	apim_store_close(db);
	srv.db_path = ctx->db_path;
	srv.issuer = apim_args_get(a, "issuer");
	apim_httpd_opts_init(&o);
	o.handler = handler;
	/* Without a socket of its own or from systemd, serve fd 0/1 (inetd). */
	o.inetd = apim_args_has(a, "inetd") || (apim_args_get(a, "listen") == NULL &&
	    getenv("LISTEN_FDS") == NULL);
	o.listen = apim_args_get(a, "listen");
	o.tls_cert = apim_args_get(a, "tls-cert");
	o.tls_key = apim_args_get(a, "tls-key");
	o.max_body = TOKEN_MAX_BODY;
	o.on_listen = on_listen;
	o.on_worker = on_worker;
	if (w) {
		char *end;
		long n = strtol(w, &end, 10);

		if (*w == '\0' || *end || n < 1 || n > 256) {
			apim_err_set(APIM_USAGE, "bad --workers '%s'", w);
			return -1;
		}
		o.workers = (int)n;
	}
	if (apim_httpd_run(&o) == -1)
		return -1;
	return 0;
}
