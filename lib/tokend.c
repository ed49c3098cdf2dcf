/* tokend: apim-token serve: lib/oauth behind lib/httpd.  Each worker process
 * opens its own store connection and oauth state as it starts; new token rows
 * are written once per event-loop turn, before the answers that carry them.
 * Slow checks run on the worker's hashing threads (lib/oauth_pool), rationed
 * per source by a guard all workers share; the loop never sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "httpd.h"
#include "oauth.h"
#include "oauth_guard.h"
#include "oauth_pool.h"
#include "store.h"
#include "tokencli.h"
#include "util.h"

#define TOKEN_MAX_BODY 65536	/* a token request is a few hundred bytes */
#define CHECKS_WAITING 64	/* slow checks queued per worker, at most */
#define CHECK_WAIT_MS 5000	/* ... each for at most this long */

/* An answer waiting for the batch of token rows it queued to be written. */
struct waiting {
	struct apim_http_conn *c;
	struct apim_oauth_resp rs;
};

/* A request whose answer waits for a slow check (on the pool) or for the
 * store to be free (a timer).  rq points into the request, which the HTTP
 * core keeps until the reply. */
struct pend {
	struct apim_http_conn *c;
	struct apim_oauth_req rq;
	struct apim_oauth_check *k;
	int64_t until;		/* stop retrying a busy store then */
	int delay_ms;		/* the next retry's delay */
};

static struct {
	const char *db_path, *issuer;
	sqlite3 *db;
	struct apim_oauth *o;
	struct apim_oauth_guard *guard;	/* shared by the workers */
	struct apim_oauth_pool *pool;	/* this worker's hashing threads */
	struct apim_loop *loop;
	struct waiting *w;
	size_t nw, capw;
	int armed;		/* a flush timer is pending */
	int64_t flush_until;	/* stop retrying a busy flush then */
	int flush_delay_ms;
} srv;

static const char *const err500[] = { "Content-Type", "application/json",
    "Cache-Control", "no-store", NULL };

/* This process's oauth state, opened on first use (after fork).  The loop
 * never waits for the store: a busy store is an answer (retried later by a
 * timer), not a sleep. */
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
	sqlite3_busy_handler(srv.db, NULL, NULL);
	/* read pages through a mapping rather than a read(2) each */
	sqlite3_exec(srv.db, "PRAGMA mmap_size = 268435456", NULL, NULL, NULL);
	/* fewer checkpoints (each one syncs the file) under a stream of inserts */
	sqlite3_exec(srv.db, "PRAGMA wal_autocheckpoint = 8000", NULL, NULL, NULL);
	apim_oauth_set_batch(srv.o, 1);
	apim_oauth_set_guard(srv.o, srv.guard);
	apim_oauth_set_defer(srv.o, srv.pool != NULL);
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

/* The next delay of a retry against a busy store: 1, 2, 4 ... 32 ms. */
static int
backoff(int *delay)
{
	int d = *delay ? *delay : 1;

	*delay = d < 32 ? 2 * d : 32;
	return d;
}

/* End of a loop turn: write the queued tokens in one transaction, then
 * answer everyone who waited for them.  A busy store is tried again by a
 * timer (for up to 5 s), never waited for here. */
static void
flush(void *arg)
{
	static const char fail[] = "{\"error\":\"temporarily_unavailable\","
	    "\"error_description\":\"cannot store the token; try again\"}";
	size_t i;
	int ok;

	(void)arg;
	ok = apim_oauth_flush(srv.o) == 0;
	if (!ok && apim_err_code() == APIM_TEMPFAIL && apim_oauth_queued(srv.o) &&
	    apim_loop_now(srv.loop) < srv.flush_until) {
		apim_loop_timer(srv.loop, backoff(&srv.flush_delay_ms), flush, NULL);
		return;
	}
	srv.armed = 0;
	if (!ok) {
		apim_warnx("%s", apim_err_msg());
		apim_oauth_set_batch(srv.o, 0);	/* drop what was kept */
		apim_oauth_set_batch(srv.o, 1);
	}
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

/* A final answer: now, or after the flush if it queued token rows. */
static void
finish(struct apim_http_conn *c, const struct apim_oauth_req *rq,
    struct apim_oauth_resp *rs, size_t queued)
{
	if (rs->status >= 500 && rs->retry_after == NULL)
		apim_warnx("%s %s: %s", rq->method, rq->path, apim_err_msg());
	if (apim_oauth_queued(srv.o) == queued) {
		answer(c, rs);
		return;
	}
	if (srv.nw == srv.capw) {
		srv.capw = srv.capw ? 2 * srv.capw : 64;
		srv.w = apim_xreallocarray(srv.w, srv.capw, sizeof *srv.w);
	}
	srv.w[srv.nw].c = c;
	srv.w[srv.nw++].rs = *rs;
	if (!srv.armed) {
		srv.armed = 1;
		srv.flush_until = apim_loop_now(srv.loop) + 5000;
		srv.flush_delay_ms = 0;
		apim_loop_timer(srv.loop, 0, flush, NULL);
	}
}

static void attempt(struct apim_http_conn *, const struct apim_oauth_req *,
    struct pend *);

static struct pend *
pend_new(struct apim_http_conn *c, const struct apim_oauth_req *rq)
{
	struct pend *p = apim_xcalloc(1, sizeof *p);

	p->c = c;
	p->rq = *rq;
	p->until = apim_loop_now(srv.loop) + 5000;
	return p;
}

static void
pend_free(struct pend *p)
{
	if (p) {
		apim_oauth_check_free(p->k);
		free(p);
	}
}

/* A check the pool never finished (the server is stopping). */
static void
drop_pend(void *arg)
{
	pend_free(arg);
}

/* On a pool thread: the PBKDF2. */
static void
work(void *arg)
{
	struct pend *p = arg;

	apim_oauth_check_run(p->k);
}

/* Back on the loop: answer with the check's result. */
static void
done(void *arg, int ran)
{
	struct pend *p = arg;
	struct apim_oauth_resp rs;

	if (ran) {
		attempt(p->c, &p->rq, p);
		return;
	}
	memset(&rs, 0, sizeof rs);
	apim_oauth_refuse(srv.o, &rs, 1);	/* waited too long for a thread */
	answer(p->c, &rs);
	pend_free(p);
}

static void
retry(void *arg)
{
	struct pend *p = arg;

	attempt(p->c, &p->rq, p);
}

/* Answer rq (p: its pending state, NULL the first time), or arrange for it
 * to be answered: after a slow check on the pool, or after a busy store. */
static void
attempt(struct apim_http_conn *c, const struct apim_oauth_req *rq,
    struct pend *p)
{
	struct apim_oauth_resp rs;
	size_t queued = apim_oauth_queued(srv.o);

	apim_oauth_resume(srv.o, rq, p ? p->k : NULL, &rs);
	if (rs.check) {
		if (p == NULL)
			p = pend_new(c, rq);
		p->k = rs.check;
		if (apim_oauth_pool_submit(srv.pool, work, done, p) == 0)
			return;
		apim_oauth_refuse(srv.o, &rs, 1);	/* too many waiting */
	} else if (rs.retry && (p == NULL ||
	    apim_loop_now(srv.loop) < p->until)) {
		if (p == NULL)
			p = pend_new(c, rq);
		apim_oauth_resp_free(&rs);
		apim_loop_timer(srv.loop, backoff(&p->delay_ms), retry, p);
		return;
	}
	finish(c, rq, &rs, queued);
	pend_free(p);		/* after: rq may be &p->rq */
}

static void
handler(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	struct apim_oauth_req rq;
	struct apim_oauth *o = state();
	size_t i;
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
	rq.peer = req->peer;
	attempt(c, &rq, NULL);
}

/* A new worker (a fork, or the only process): forget any parent's state. */
static void
on_worker(struct apim_loop *loop, void *arg)
{
	(void)arg;
	srv.o = NULL;
	srv.db = NULL;
	srv.nw = 0;
	srv.armed = 0;
	srv.loop = loop;
	if ((srv.pool = apim_oauth_pool_new(loop, 0, CHECKS_WAITING,
	    CHECK_WAIT_MS)) == NULL)
		apim_warnx("%s; checking secrets in the loop", apim_err_msg());
	/* open the store now, before the loop serves anyone (opening may wait
	 * for a lock); if it fails, the first request tries again */
	(void)state();
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
	int r;

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
	/* before the workers fork: one guard for all of them */
	if ((srv.guard = apim_oauth_guard_new(1)) == NULL)
		return -1;
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
	r = apim_httpd_run(&o);
	/* the loop is gone; stop the threads before exit's cleanup, and free
	 * the state of checks still waiting (their clients are gone) */
	apim_oauth_pool_free(srv.pool, drop_pend);
	srv.pool = NULL;
	return r == -1 ? -1 : 0;
}
