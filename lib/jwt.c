/* jwt: compact JWS sign and verify over lib/signkey; claims as jansson objects.
 * Ownership: apim_jwt_sign's string and apim_jwt_verify's object go to the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "jwt.h"
#include "signkey.h"
#include "util.h"

char *
apim_jwt_sign_text(sqlite3 *db, const char *claims, size_t bl, const char *typ,
    int64_t exp_s)
{
	char kid[APIM_KID_MAX], alg[8], hdr[256], *out;
	unsigned char sig[APIM_SIG_MAX];
	size_t hl, siglen, pos;
	EVP_PKEY *pk;
	int n;

	if ((pk = apim_signkey_active(db, kid, alg)) == NULL)
		return NULL;
	if (typ)
		n = snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"%s\","
		    "\"kid\":\"%s\"}", alg, typ, kid);
	else
		n = snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"%s\"}",
		    alg, kid);
	if (n < 0 || (size_t)n >= sizeof hdr) {
		EVP_PKEY_free(pk);
		apim_err_set(APIM_SOFTWARE, "JWS header too long");
		return NULL;
	}
	hl = (size_t)n;
	out = apim_xmalloc(4 * (hl + 2) / 3 + 4 * (bl + 2) / 3 +
	    4 * (APIM_SIG_MAX + 2) / 3 + 8);
	pos = apim_b64url_encode((const unsigned char *)hdr, hl, out);
	out[pos++] = '.';
	pos += apim_b64url_encode((const unsigned char *)claims, bl, out + pos);
	if (apim_signkey_sign(pk, alg, out, pos, sig, &siglen) == -1) {
		EVP_PKEY_free(pk);
		free(out);
		return NULL;
	}
	EVP_PKEY_free(pk);
	out[pos++] = '.';
	pos += apim_b64url_encode(sig, siglen, out + pos);
	out[pos] = '\0';
	/* milliseconds, saturating: the claim may be any integer */
	if (exp_s > INT64_MAX / 1000 - 60000)
		exp_s = INT64_MAX / 1000 - 60000;
	if (exp_s > 0 && apim_signkey_note_exp(db, kid, exp_s * 1000) == -1) {
		free(out);
		return NULL;
	}
	return out;
}

char *
apim_jwt_sign(sqlite3 *db, const json_t *claims, const char *typ)
{
	json_t *exp;
	char *body, *out;

	if (claims == NULL || !json_is_object(claims)) {
		apim_err_set(APIM_SOFTWARE, "claims must be a JSON object");
		return NULL;
	}
	if ((body = json_dumps(claims, JSON_COMPACT)) == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot encode claims");
		return NULL;
	}
	exp = json_object_get(claims, "exp");
	out = apim_jwt_sign_text(db, body, strlen(body), typ,
	    json_is_integer(exp) ? json_integer_value(exp) : 0);
	free(body);
	return out;
}

/* Decode one base64url segment into a new NUL-terminated buffer. */
static unsigned char *
seg(const char *s, size_t n, size_t *outlen)
{
	unsigned char *b = apim_xmalloc(3 * n / 4 + 4);
	long r;
	size_t i;

	for (i = 0; i < n; i++)		/* base64url only: no '=', '+', '/' */
		if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
			free(b);
			return NULL;
		}
	if ((r = apim_b64url_decode(s, n, b)) < 0) {
		free(b);
		return NULL;
	}
	b[r] = '\0';
	*outlen = (size_t)r;
	return b;
}

static json_t *
seg_json(const char *s, size_t n)
{
	size_t len;
	unsigned char *b = seg(s, n, &len);
	json_t *j;

	if (b == NULL)
		return NULL;
	j = json_loadb((char *)b, len, JSON_REJECT_DUPLICATES, NULL);
	free(b);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

json_t *
apim_jwt_header(const char *jwt)
{
	const char *d = jwt ? strchr(jwt, '.') : NULL;

	return d ? seg_json(jwt, (size_t)(d - jwt)) : NULL;
}

static const char *
bare_typ(const char *t)
{
	return strncasecmp(t, "application/", 12) == 0 ? t + 12 : t;
}

static json_t *
no(json_t *a, json_t *b, const char *why)
{
	json_decref(a);
	json_decref(b);
	apim_err_set(APIM_NO, "invalid token: %s", why);
	return NULL;
}

/* apim_jwt_verify, and apim_jwt_verify_seen when db is NULL: the same
 * checks but the signature's, for which the header's kid must be seen_kid. */
static json_t *
verify(sqlite3 *db, const char *jwt, const char *typ, const char *seen_kid)
{
	const char *d1, *d2, *alg, *kid, *t;
	json_t *hdr, *cl, *v;
	unsigned char *sig;
	size_t siglen;
	int ok;
	int64_t now = apim_now_ms() / 1000;

	if (jwt == NULL || strlen(jwt) > 16384 || (d1 = strchr(jwt, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return no(NULL, NULL, "not a compact JWS");
	if ((hdr = seg_json(jwt, (size_t)(d1 - jwt))) == NULL)
		return no(NULL, NULL, "bad header");
	alg = json_string_value(json_object_get(hdr, "alg"));
	kid = json_string_value(json_object_get(hdr, "kid"));
	if (!apim_signkey_alg_valid(alg))
		return no(hdr, NULL, "unsupported alg");
	if (json_object_get(hdr, "crit"))
		return no(hdr, NULL, "unsupported crit header");
	if (typ) {
		t = json_string_value(json_object_get(hdr, "typ"));
		if (t == NULL || strcasecmp(bare_typ(t), bare_typ(typ)) != 0)
			return no(hdr, NULL, "wrong typ");
	}
	if (kid == NULL)
		return no(hdr, NULL, "unknown key");
	if (db == NULL) {
		if (seen_kid == NULL || strcmp(kid, seen_kid) != 0)
			return no(hdr, NULL, "not the key that verified it");
	} else {
		if ((sig = seg(d2 + 1, strlen(d2 + 1), &siglen)) == NULL)
			return no(hdr, NULL, "bad signature encoding");
		ok = apim_signkey_check(db, kid, alg, jwt, (size_t)(d2 - jwt), sig,
		    siglen);
		free(sig);
		if (ok == -1)
			return no(hdr, NULL, "cannot read signing keys");
		if (ok == -2)
			return no(hdr, NULL, "unknown key");
		if (ok == -3)
			return no(hdr, NULL, "alg does not match the key");
		if (!ok)
			return no(hdr, NULL, "bad signature");
	}
	if ((cl = seg_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		return no(hdr, NULL, "bad claims");
	/* the leeway moves now, never the claim: any integer is safe */
	if ((v = json_object_get(cl, "exp")) != NULL && (!json_is_integer(v) ||
	    json_integer_value(v) <= now - APIM_JWT_LEEWAY_S))
		return no(hdr, cl, "expired");
	if ((v = json_object_get(cl, "nbf")) != NULL && (!json_is_integer(v) ||
	    json_integer_value(v) > now + APIM_JWT_LEEWAY_S))
		return no(hdr, cl, "not yet valid");
	json_decref(hdr);
	return cl;
}

json_t *
apim_jwt_verify(sqlite3 *db, const char *jwt, const char *typ)
{
	if (db == NULL) {
		apim_err_set(APIM_SOFTWARE, "no store to verify a JWS against");
		return NULL;
	}
	return verify(db, jwt, typ, NULL);
}

json_t *
apim_jwt_verify_seen(const char *jwt, const char *typ, const char *kid)
{
	return verify(NULL, jwt, typ, kid);
}
