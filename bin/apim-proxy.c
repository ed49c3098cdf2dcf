/* apim-proxy: the API gateway: every API call passes through it (match,
 * authenticate, authorize, throttle, forward, one event).  Logic is in lib/gw*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"
#include "conf.h"
#include "err.h"
#include "gw.h"

static const char usage[] =
    "usage: apim-proxy [--listen ADDR:PORT | --inetd] [--workers N]\n"
    "                  [--tls-cert FILE --tls-key FILE] [--events PATH]\n"
    "                  [--backend-jwt] [--node NAME] [--db PATH]\n";

int
main(int argc, char **argv)
{
	struct apim_args a;
	struct gw_opts o;
	const char *w;

	apim_prog_set("apim-proxy");
	{
		/* jansson's hash seed from getrandom(2), not by opening
		 * /dev/urandom: under inetd every connection pays the start */
		size_t seed;

		if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) ==
		    (ssize_t)sizeof seed && seed != 0)
			json_object_seed(seed);
	}
	/* the store's pages through a mapping, not a pread(2) each (the
	 * gateway only reads it; under inetd that is 20 system calls less a
	 * request); before any connection: sqlite3_config's rule */
	sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, (sqlite3_int64)256 << 20,
	    (sqlite3_int64)256 << 20);
	/* no allocation statistics: they take a global mutex on every
	 * malloc and free SQLite makes (some 5,000 in an inetd process) */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* no page cache made ahead: with the store mapped, SQLite reads
	 * few pages through it, and the 20 it would otherwise lay out cost
	 * an inetd process 17 page faults */
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (apim_conf_load() == -1)
		return apim_err_report();
	if (apim_args_parse(&a, argc - 1, argv + 1, "listen=,inetd,workers=,"
	    "tls-cert=,tls-key=,events=,backend-jwt,node=,version") == -1) {
		apim_warnx("%s", apim_err_msg());
		fputs(usage, stderr);
		return APIM_USAGE;
	}
	if (apim_args_has(&a, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (apim_args_has(&a, "version")) {
		printf("apim-proxy %s\n", APIM_VERSION);
		return 0;
	}
	if (a.npos > 0) {
		apim_warnx("unexpected argument '%s'", a.pos[0]);
		fputs(usage, stderr);
		return APIM_USAGE;
	}
	memset(&o, 0, sizeof o);
	o.db_path = apim_conf_db(apim_args_get(&a, "db"));
	o.listen = apim_args_get(&a, "listen");
	if (o.listen == NULL && !apim_args_has(&a, "inetd") && getenv("LISTEN_FDS") == NULL)
		o.listen = apim_conf_get("listen", NULL);
	/* Without a socket of its own or from systemd, serve fd 0/1 (inetd). */
	o.inetd = apim_args_has(&a, "inetd") || (o.listen == NULL &&
	    getenv("LISTEN_FDS") == NULL);
	o.tls_cert = apim_args_get(&a, "tls-cert");
	o.tls_key = apim_args_get(&a, "tls-key");
	o.events = apim_args_get(&a, "events");
	if (o.events == NULL)
		o.events = apim_conf_get("events", NULL);
	if (o.events == NULL) {	/* the default file, if it can be written */
		o.events = "/var/log/apim/events.ndjson";
		o.events_optional = 1;
	}
	o.backend_jwt = apim_args_has(&a, "backend-jwt") ||
	    strcmp(apim_conf_get("backend_jwt", "off"), "on") == 0;
	o.node = apim_args_get(&a, "node");
	if (apim_args_has(&a, "inetd") && o.listen) {
		apim_warnx("--inetd and --listen exclude each other");
		return APIM_USAGE;
	}
	if (!o.tls_cert != !o.tls_key) {
		apim_warnx("--tls-cert and --tls-key go together");
		return APIM_USAGE;
	}
	if (o.inetd && o.events && strcmp(o.events, "-") == 0) {
		apim_warnx("--events - (stdout) cannot be used in inetd mode: "
		    "stdout is the connection");
		return APIM_USAGE;
	}
	if ((w = apim_args_get(&a, "workers")) != NULL) {
		char *end;
		long n = strtol(w, &end, 10);

		if (*w == '\0' || *end || n < 1 || n > 256) {
			apim_warnx("bad --workers '%s'", w);
			return APIM_USAGE;
		}
		o.workers = (int)n;
	}
	if (gw_run(&o) == -1)
		return apim_err_report();
	return 0;
}
