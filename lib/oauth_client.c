/* oauth_client: client authentication (RFC 6749 section 2.3.1) and the slow
 * (PBKDF2) checks of secrets and passwords: verified secrets remembered,
 * rationing per source (both in lib/oauth_guard), and checks deferred to
 * the caller's threads. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "oauth_guard.h"
#include "oauth_int.h"
#include "secret.h"
#include "store.h"
#include "util.h"

#define PASSWORD_MAX 1024	/* as lib/user.c */

/* What an unknown client or user is checked against, to cost the same. */
static const char dummy_hash[] = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/* --- slow checks --- */

void
apim_oauth_check_run(struct apim_oauth_check *k)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (k->it[i].ok == -1)
			k->it[i].ok = apim_secret_verify(k->it[i].secret,
			    k->it[i].stored);
}

void
apim_oauth_check_free(struct apim_oauth_check *k)
{
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		OPENSSL_cleanse(k->it[i].secret, strlen(k->it[i].secret));
		free(k->it[i].secret);
		free(k->it[i].stored);
	}
	free(k);
}

/* The source key of a peer address: "a:" and the address, or for IPv6 its
 * /64 (one host usually has a whole /64 to pick addresses from). */
static void
source_addr(const char *peer, char *out, size_t n)
{
	unsigned char a[16];
	char txt[INET6_ADDRSTRLEN];

	if (strchr(peer, ':') && inet_pton(AF_INET6, peer, a) == 1) {
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, txt, sizeof txt)) {
			snprintf(out, n, "a:%s/64", txt);
			return;
		}
	}
	snprintf(out, n, "a:%s", peer);
}

/* Check secret against stored, slowly: the answer already given for this
 * request if any, else one check rationed for the sources keys (and the
 * peer).  1 a match, 0 not, -1 error or throttled (rs set), -3 deferred. */
static int
slow_check(struct apim_oauth *o, const char *secret, const char *stored,
    const char *key, struct apim_oauth_resp *rs)
{
	struct apim_oauth_check *k = o->cur;
	const char *keys[3];
	char peer[80];
	double wait;
	int i, n = 0;

	for (i = 0; k && i < k->n; i++)
		if (k->it[i].ok != -1 && strcmp(k->it[i].stored, stored) == 0 &&
		    strcmp(k->it[i].secret, secret) == 0)
			return k->it[i].ok;
	if (apim_oauth_guarded(o) == -1) {
		apim_oauth_server_error(rs);
		return -1;
	}
	keys[n++] = key;
	if (o->peer && *o->peer) {
		source_addr(o->peer, peer, sizeof peer);
		keys[n++] = peer;
	}
	keys[n] = NULL;
	if (!apim_oauth_guard_take(o->guard, keys, apim_now_ms(), &wait)) {
		apim_oauth_throttled(o, rs, wait);
		return -1;
	}
	if (!o->defer)
		return apim_secret_verify(secret, stored);
	if (k == NULL)
		k = o->cur = apim_xcalloc(1, sizeof *k);
	if (k->n == APIM_OAUTH_CHECK_MAX) {
		/* the stored hashes keep changing under this request */
		apim_oauth_throttled(o, rs, 1);
		return -1;
	}
	k->it[k->n].secret = apim_strdup(secret);
	k->it[k->n].stored = apim_strdup(stored);
	k->it[k->n++].ok = -1;
	o->deferred = 1;
	return -3;
}

/* --- verified secrets --- */

/* Check secret against stored, remembering successes in the guard (for
 * every process sharing it): 1 a match, 0 not, -1 with rs set, -3
 * deferred.  What is remembered is a MAC of the client, the stored hash and
 * the secret: a regenerated secret (another stored hash) is checked afresh. */
static int
secret_ok(struct apim_oauth *o, const char *key, const char *secret,
    const char *stored, struct apim_oauth_resp *rs)
{
	unsigned char mac[32];
	char src[APIM_OAUTH_ID_MAX + 2];
	size_t ml = 0;
	EVP_MAC_CTX *m = apim_oauth_guarded(o) == 0 ? EVP_MAC_CTX_dup(o->mac) : NULL;
	int ok = m &&
	    EVP_MAC_update(m, (const unsigned char *)key, strlen(key) + 1) == 1 &&
	    EVP_MAC_update(m, (const unsigned char *)stored, strlen(stored) + 1) == 1 &&
	    EVP_MAC_update(m, (const unsigned char *)secret, strlen(secret)) == 1 &&
	    EVP_MAC_final(m, mac, &ml, sizeof mac) == 1 && ml == sizeof mac;

	EVP_MAC_CTX_free(m);
	if (!ok) {
		apim_err_set(APIM_SOFTWARE, "HMAC-SHA256 failed");
		apim_oauth_server_error(rs);
		return -1;
	}
	if (apim_oauth_guard_known(o->guard, key, mac))
		return 1;
	snprintf(src, sizeof src, "c:%s", key);
	if ((ok = slow_check(o, secret, stored, src, rs)) != 1)
		return ok;
	apim_oauth_guard_remember(o->guard, key, mac);
	return 1;
}

int
apim_oauth_password_ok(struct apim_oauth *o, const char *user,
    const char *password, struct apim_oauth_resp *rs)
{
	sqlite3_stmt *st;
	char *hash = NULL, src[APIM_OAUTH_ID_MAX + 2];
	int r, ok;

	if (strlen(password) > PASSWORD_MAX || strlen(user) >= APIM_OAUTH_ID_MAX)
		return 0;
	if ((st = apim_store_prep(o->db, "SELECT password_hash FROM user WHERE "
	    "name = ?", "s", user)) == NULL) {
		apim_oauth_server_error(rs);
		return -1;
	}
	if ((r = apim_store_step(o->db, st)) == 1)
		hash = apim_strdup(apim_store_text(st, 0));
	sqlite3_finalize(st);
	if (r == -1) {
		apim_oauth_server_error(rs);
		return -1;
	}
	snprintf(src, sizeof src, "u:%s", user);
	ok = slow_check(o, password, hash ? hash : dummy_hash, src, rs);
	free(hash);
	return ok == 1 && r == 0 ? 0 : ok;
}

/* --- client authentication --- */

/* Decode standard base64 (with padding) into a NUL-terminated string; NULL if
 * malformed. */
static char *
b64_decode(const char *s)
{
	size_t n = strlen(s), pad = 0, i;
	unsigned char *out;
	int r;

	if (n == 0 || n % 4 || n > 4 * APIM_OAUTH_ID_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '/' ||
		    (s[i] == '=' && i >= n - 2)))
			return NULL;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	if (pad == 1 && s[n - 2] == '=')
		return NULL;
	out = apim_xmalloc(n / 4 * 3 + 1);
	if ((r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) < 0) {
		free(out);
		return NULL;
	}
	r -= (int)pad;
	out[r] = '\0';
	if (memchr(out, '\0', (size_t)r)) {
		free(out);
		return NULL;
	}
	return (char *)out;
}

/* Copy src into dst[n] like snprintf "%s", without the format machinery, and
 * cutting a long value before a UTF-8 sequence rather than through it. */
static void
cpy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n) {
		l = n - 1;
		while (l > 0 && ((unsigned char)src[l] & 0xc0) == 0x80)
			l--;
	}
	memcpy(dst, src, l);
	dst[l] = '\0';
}

int
apim_oauth_client_auth(struct apim_oauth *o, const struct apim_oauth_req *rq,
    const struct apim_form *f, struct apim_oauth_client *c,
    struct apim_oauth_resp *rs)
{
	const char *pid = apim_form_get(f, "client_id");
	const char *psec = apim_form_get(f, "client_secret");
	char *id = NULL, *secret = NULL, *dec = NULL, *colon;
	sqlite3_stmt *st;
	int r, rc = -1;

	memset(c, 0, sizeof *c);
	if (rq->authorization) {
		const char *a = rq->authorization;

		if (strncasecmp(a, "Basic ", 6) != 0) {
			apim_oauth_error(rs, 401, "invalid_client", "unsupported "
			    "authentication scheme (use Basic)");
			return -1;
		}
		if (psec) {
			apim_oauth_error(rs, 400, "invalid_request", "more than one "
			    "client authentication method");
			return -1;
		}
		for (a += 6; *a == ' '; a++)
			;
		c->basic = 1;
		if ((dec = b64_decode(a)) == NULL || (colon = strchr(dec, ':')) == NULL) {
			free(dec);
			apim_oauth_error(rs, 401, "invalid_client", "malformed Basic "
			    "credentials");
			return -1;
		}
		*colon = '\0';
		id = apim_form_decode(dec, strlen(dec));
		secret = apim_form_decode(colon + 1, strlen(colon + 1));
		OPENSSL_cleanse(dec, strlen(dec) + 1 + strlen(colon + 1));
		free(dec);
		if (id == NULL || secret == NULL) {
			apim_oauth_error(rs, 401, "invalid_client", "malformed Basic "
			    "credentials");
			goto out;
		}
		if (pid && strcmp(pid, id) != 0) {
			apim_oauth_error(rs, 400, "invalid_request", "client_id does "
			    "not match the authenticated client");
			goto out;
		}
	} else if (pid && psec) {
		id = apim_strdup(pid);
		secret = apim_strdup(psec);
	} else {
		apim_oauth_error(rs, 401, "invalid_client", "client authentication "
		    "required");
		return -1;
	}
	if (strlen(id) >= APIM_OAUTH_ID_MAX || strlen(secret) >= APIM_OAUTH_ID_MAX ||
	    *id == '\0') {
		apim_oauth_error(rs, 401, "invalid_client", "client authentication "
		    "failed");
		goto out;
	}
	if ((st = apim_oauth_kept(o, &o->st_client, "SELECT c.secret_hash, "
	    "c.app_id, c.key_type, c.grant_types, c.scopes, c.validity_s, a.name, "
	    "a.owner, a.tier, a.token_type FROM client c JOIN application a ON "
	    "a.id = c.app_id WHERE c.consumer_key = ?")) == NULL) {
		apim_oauth_server_error(rs);
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = apim_store_step(o->db, st)) == 1) {
		int64_t v = sqlite3_column_int64(st, 5);

		cpy(c->key, sizeof c->key, id);
		cpy(c->app_id, sizeof c->app_id, apim_store_text(st, 1));
		cpy(c->key_type, sizeof c->key_type, apim_store_text(st, 2));
		cpy(c->grants, sizeof c->grants, apim_store_text(st, 3));
		cpy(c->scopes, sizeof c->scopes, apim_store_text(st, 4));
		/* the documented maximum, whatever the store holds */
		c->validity_s = v > APIM_OAUTH_VALIDITY_MAX ? APIM_OAUTH_VALIDITY_MAX : v;
		cpy(c->app_name, sizeof c->app_name, apim_store_text(st, 6));
		cpy(c->owner, sizeof c->owner, apim_store_text(st, 7));
		cpy(c->tier, sizeof c->tier, apim_store_text(st, 8));
		cpy(c->token_type, sizeof c->token_type, apim_store_text(st, 9));
		r = secret_ok(o, id, secret, apim_store_text(st, 0), rs);
	} else if (r == 0) {
		/* spend the same time on an unknown client */
		char src[APIM_OAUTH_ID_MAX + 2];

		snprintf(src, sizeof src, "c:%s", id);
		r = slow_check(o, secret, dummy_hash, src, rs);
		if (r == 1)
			r = 0;
	} else
		apim_oauth_server_error(rs);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == 0)
		apim_oauth_error(rs, 401, "invalid_client", "client authentication "
		    "failed");
	else if (r == 1)
		rc = 0;
	else
		rc = r;		/* -1 (rs set) or -3 */
out:
	if (secret)
		OPENSSL_cleanse(secret, strlen(secret));
	free(id);
	free(secret);
	return rc;
}
