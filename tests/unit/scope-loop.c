/* scope-loop: what role-based scope granting costs a token.  Issues N
 * client_credentials tokens in-process against $APIM_DB, asking for no scope
 * and then for the scopes given, and prints tokens per CPU-second for each,
 * with the granted scope of the last token.
 * usage: scope-loop CLIENT_ID SECRET SCOPE [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "oauth.h"
#include "store.h"

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n tokens for body; the rate into *rate, the last answer's scope into sc. */
static int
run(struct apim_oauth *o, const char *body, int n, double *rate, char *sc,
    size_t scn)
{
	struct apim_oauth_req rq = { "POST", "/oauth2/token",
	    "application/x-www-form-urlencoded", NULL, 0, body, strlen(body), NULL };
	struct apim_oauth_resp rs;
	const char *p;
	double t0 = cpu();
	int i;

	for (i = 0; i < n; i++) {
		apim_oauth_handle(o, &rq, &rs);
		if (rs.status != 200) {
			fprintf(stderr, "scope-loop: %d %s\n", rs.status, rs.body);
			return -1;
		}
		if (i == n - 1 && (p = strstr(rs.body, "\"scope\":\"")) != NULL)
			snprintf(sc, scn, "%.*s", (int)strcspn(p + 9, "\""), p + 9);
		apim_oauth_resp_free(&rs);
	}
	*rate = n / (cpu() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	struct apim_oauth *o;
	char *plain = NULL, *scoped = NULL, s1[256] = "", s2[256] = "";
	double r1, r2;
	int n = argc > 4 ? atoi(argv[4]) : 2000;

	if (argc < 4 || n < 1) {
		fprintf(stderr, "usage: scope-loop CLIENT_ID SECRET SCOPE [N]\n");
		return 64;
	}
	if ((db = apim_store_open(getenv("APIM_DB"), 0)) == NULL ||
	    (o = apim_oauth_new(db, NULL)) == NULL) {
		fprintf(stderr, "scope-loop: %s\n", apim_err_msg());
		return apim_err_code();
	}
	apim_oauth_form_add(&plain, "grant_type", "client_credentials");
	apim_oauth_form_add(&plain, "client_id", argv[1]);
	apim_oauth_form_add(&plain, "client_secret", argv[2]);
	apim_oauth_form_add(&scoped, "grant_type", "client_credentials");
	apim_oauth_form_add(&scoped, "client_id", argv[1]);
	apim_oauth_form_add(&scoped, "client_secret", argv[2]);
	apim_oauth_form_add(&scoped, "scope", argv[3]);
	if (run(o, plain, 64, &r1, s1, sizeof s1) == -1 ||
	    run(o, plain, n, &r1, s1, sizeof s1) == -1 ||
	    run(o, scoped, n, &r2, s2, sizeof s2) == -1)
		return 70;
	printf("tokens per CPU-second: no scope %.0f (%s), scope '%s' %.0f (%s); "
	    "%.1f us more a token\n", r1, s1, argv[3], r2, s2,
	    (1 / r2 - 1 / r1) * 1e6);
	apim_oauth_free(o);
	apim_store_close(db);
	free(plain);
	free(scoped);
	return 0;
}
