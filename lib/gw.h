/* gw: apim-proxy, the gateway's request path (match the API and resource,
 * CORS, authenticate, subscription, scopes, throttle, forward, one event per
 * request) on the HTTP core.  Options are borrowed for the server's life. */
#ifndef APIM_GW_H
#define APIM_GW_H

struct gw_opts {
	const char *db_path;	/* the store */
	const char *events;	/* events file, "-" stdout, NULL none */
	int events_optional;	/* if it cannot be opened: warn, go on without */
	const char *listen;	/* ADDR:PORT, or NULL (LISTEN_FDS or inetd) */
	int inetd;		/* serve one connection on fds 0/1 */
	int workers;		/* 0: the number of CPUs */
	const char *tls_cert, *tls_key;
	int backend_jwt;	/* add a signed X-JWT-Assertion */
	const char *node;	/* gatewayNode in events; NULL: the host name */
};

/* Serve until stopped (see apim_httpd_run).  0, or -1 with the error set. */
int gw_run(const struct gw_opts *o);

#endif
