/* tokend: apim-token serve: lib/oauth behind lib/httpd.  Each worker process
 * opens its own store connection and oauth state on first use; nothing is freed
 * before exit. */
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

static struct {
	const char *db_path, *issuer;
	pid_t pid;
	sqlite3 *db;
	struct apim_oauth *o;
} srv;

static const char *const err500[] = { "Content-Type", "application/json",
    "Cache-Control", "no-store", NULL };

/* This process's oauth state, opened on first use (after fork). */
static struct apim_oauth *
state(void)
{
	if (srv.o && srv.pid == getpid())
		return srv.o;
	srv.pid = getpid();
	srv.o = NULL;
	if ((srv.db = apim_store_open(srv.db_path, 0)) == NULL ||
	    (srv.o = apim_oauth_new(srv.db, srv.issuer)) == NULL) {
		apim_warnx("%s", apim_err_msg());
		if (srv.db)
			apim_store_close(srv.db);
		srv.db = NULL;
	}
	return srv.o;
}

static void
handler(struct apim_http_conn *c, const struct apim_http_request *req, void *arg)
{
	struct apim_oauth_req rq;
	struct apim_oauth_resp rs;
	struct apim_oauth *o = state();
	const char *h[16];
	size_t i;
	int n = 0, nct = 0, nauth = 0;
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
	apim_oauth_handle(o, &rq, &rs);
	h[n++] = "Content-Type";
	h[n++] = rs.content_type ? rs.content_type : "application/json";
	if (rs.cache_control) {
		h[n++] = "Cache-Control";
		h[n++] = rs.cache_control;
	}
	if (rs.pragma) {
		h[n++] = "Pragma";
		h[n++] = rs.pragma;
	}
	if (rs.www_authenticate) {
		h[n++] = "WWW-Authenticate";
		h[n++] = rs.www_authenticate;
	}
	if (rs.allow) {
		h[n++] = "Allow";
		h[n++] = rs.allow;
	}
	h[n] = NULL;
	apim_http_reply(c, rs.status, h, rs.body, rs.body_len);
	apim_oauth_resp_free(&rs);
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
	o.inetd = apim_args_has(a, "inetd");
	o.listen = apim_args_get(a, "listen");
	o.tls_cert = apim_args_get(a, "tls-cert");
	o.tls_key = apim_args_get(a, "tls-key");
	o.max_body = TOKEN_MAX_BODY;
	o.on_listen = on_listen;
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
