/* jwt_fuzz: libFuzzer harness for JWT parsing and verification (lib/jwt)
 * against a throw-away store with one ES256 key.  The first input byte picks:
 *   0  the rest is a compact JWS: header read and verify (typ at+jwt or none)
 *   1  the rest is a JSON header ("KID" replaced by the key's kid) put in
 *      front of a validly signed token's claims and signature
 *   2  the rest is claims JSON: signed, then verified; verification gives the
 *      same claims back unless exp/nbf say no
 * Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "jwt.h"
#include "signkey.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static char kid[APIM_KID_MAX];
static char *good;	/* a valid token */
static char dir[] = "/tmp/apim-jwt-fuzz.XXXXXX";

/* the temporary store and its keys go when the run ends normally */
static void
cleanup(void)
{
	char cmd[64];

	apim_store_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "jwt_fuzz: cannot remove %s\n", dir);
}

/* a broken contract: say which, then crash so libFuzzer keeps the input */
#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];
	json_t *c;

	(void)argc;
	(void)argv;
	setenv("APIM_CONF", "/dev/null", 1);
	unsetenv("APIM_KEYDIR");
	check(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/apim.db", dir);
	check((db = apim_store_open(path, 0)) != NULL);
	atexit(cleanup);
	check(apim_signkey_generate(db, "ES256", kid) == 0);
	c = json_pack("{s:s, s:I}", "sub", "fuzz", "exp", (json_int_t)4000000000);
	check((good = apim_jwt_sign(db, c, "at+jwt")) != NULL);
	json_decref(c);
	return 0;
}

static void
verify(const char *s)
{
	json_t *j;

	if ((j = apim_jwt_header(s)) != NULL)
		json_decref(j);
	if ((j = apim_jwt_verify(db, s, NULL)) != NULL)
		json_decref(j);
	if ((j = apim_jwt_verify(db, s, "at+jwt")) != NULL)
		json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *tok, *k;
	size_t n, hl;
	json_t *c, *v;

	if (size < 1 || size > 20000)
		return 0;
	n = size - 1;
	s = malloc(n + sizeof(kid) + 1);
	memcpy(s, data + 1, n);
	s[n] = '\0';
	switch (data[0] % 3) {
	case 0:
		verify(s);
		break;
	case 1:
		if ((k = strstr(s, "KID")) != NULL && strlen(s) + strlen(kid) < n + sizeof(kid)) {
			memmove(k + strlen(kid), k + 3, strlen(k + 3) + 1);
			memcpy(k, kid, strlen(kid));
		}
		hl = strlen(s);
		tok = malloc(hl * 4 / 3 + 8 + strlen(good));
		n = apim_b64url_encode((const unsigned char *)s, hl, tok);
		strcpy(tok + n, strchr(good, '.'));
		verify(tok);
		free(tok);
		break;
	default:
		if ((c = json_loads(s, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
		    !json_is_object(c)) {
			json_decref(c);
			break;
		}
		if ((tok = apim_jwt_sign(db, c, "at+jwt")) != NULL) {
			v = apim_jwt_verify(db, tok, "at+jwt");
			check(v != NULL ? json_equal(v, c) : apim_err_code() == APIM_NO);
			json_decref(v);
			free(tok);
		}
		json_decref(c);
	}
	free(s);
	return 0;
}
