/* token-loop: issue N client_credentials tokens in-process (no HTTP) against
 * $APIM_DB and print tokens per CPU-second, unbatched and in batch mode (as
 * serve runs, flushing every 64), and the signing alone.  A JWT access token
 * writes no row, so the two differ only for opaque clients.
 * usage: token-loop CLIENT_ID SECRET [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "oauth.h"
#include "signkey.h"
#include "store.h"
#include "util.h"

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
run(struct apim_oauth *o, const char *body, int n, int batch, double *rate)
{
	struct apim_oauth_req rq = { "POST", "/oauth2/token",
	    "application/x-www-form-urlencoded", NULL, 0, body, strlen(body), NULL };
	struct apim_oauth_resp rs;
	double t0;
	int i;

	apim_oauth_set_batch(o, batch);
	t0 = cpu();
	for (i = 0; i < n; i++) {
		apim_oauth_handle(o, &rq, &rs);
		if (rs.status != 200) {
			fprintf(stderr, "token-loop: %d %s\n", rs.status, rs.body);
			return -1;
		}
		apim_oauth_resp_free(&rs);
		if (batch && (i % 64 == 63 || i == n - 1) && apim_oauth_flush(o) == -1) {
			fprintf(stderr, "token-loop: %s\n", apim_err_msg());
			return -1;
		}
	}
	*rate = n / (cpu() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	struct apim_oauth *o;
	char *body = NULL, kid[APIM_KID_MAX], alg[8];
	unsigned char sig[APIM_SIG_MAX];
	double one, batch, sign, t0;
	size_t sl;
	EVP_PKEY *k;
	int n = argc > 3 ? atoi(argv[3]) : 2000, i;

	if (argc < 3 || n < 1) {
		fprintf(stderr, "usage: token-loop CLIENT_ID SECRET [N]\n");
		return 64;
	}
	if ((db = apim_store_open(getenv("APIM_DB"), 0)) == NULL ||
	    (o = apim_oauth_new(db, NULL)) == NULL ||
	    (k = apim_signkey_active(db, kid, alg)) == NULL) {
		fprintf(stderr, "token-loop: %s\n", apim_err_msg());
		return apim_err_code();
	}
	apim_oauth_form_add(&body, "grant_type", "client_credentials");
	apim_oauth_form_add(&body, "client_id", argv[1]);
	apim_oauth_form_add(&body, "client_secret", argv[2]);
	if (run(o, body, 64, 0, &one) == -1 || run(o, body, n, 0, &one) == -1 ||
	    run(o, body, n, 1, &batch) == -1)
		return 70;
	t0 = cpu();
	for (i = 0; i < n; i++)
		apim_signkey_sign(k, alg, body, strlen(body), sig, &sl);
	sign = n / (cpu() - t0);
	printf("%s in-process per CPU-second: sign only %.0f, token %.0f, "
	    "token in batch mode %.0f\n", alg, sign, one, batch);
	EVP_PKEY_free(k);
	apim_oauth_free(o);
	apim_store_close(db);
	free(body);
	return 0;
}
