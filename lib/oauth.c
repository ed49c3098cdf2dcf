/* oauth: grants, client authentication, token issue/refresh/revoke/introspect;
 * JWT access tokens are not stored (a row appears only when one is revoked).
 * struct apim_oauth owns its secret cache and kept statements; responses own
 * their body. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "conf.h"
#include "err.h"
#include "jwt.h"
#include "oauth.h"
#include "secret.h"
#include "signkey.h"
#include "store.h"
#include "user.h"
#include "util.h"

#define FORM_MAX 32		/* parameters in one form */
#define CACHE_SLOTS 1024	/* verified client secrets */
#define ID_MAX 256		/* client ids, user names, passwords kept short */

struct centry {
	char *key;		/* consumer key */
	char *hash;		/* the secret_hash the secret was checked against */
	unsigned char mac[32];	/* HMAC-SHA256(secret) under o->mackey */
};

struct qrow {			/* a token row waiting for apim_oauth_flush */
	char id[65], kind[8], *key, *app_id, *key_type, *user, *scope, *family;
	int64_t now, exp;
};

struct apim_oauth {
	sqlite3 *db;
	int batch;
	struct qrow *q;
	size_t nq, capq;
	char *issuer, *audience;
	int lifetime_s, refresh_s;
	unsigned char mackey[32];
	EVP_MAC_CTX *mac;	/* HMAC-SHA256 keyed with mackey, copied per use */
	struct centry cache[CACHE_SLOTS];
	sqlite3_stmt *st_client, *st_insert, *st_live;	/* prepared once: hot paths */
	/* PBKDF2 checks (60 ms each) of secrets not in the cache and of
	 * passwords: a token bucket, so bad credentials cannot eat the CPU */
	double slow_rate, slow_left, slow_burst;
	char retry_after[24];	/* Retry-After of the last 503, in seconds */
	int64_t slow_ms;
};

struct form {
	int n;
	char *name[FORM_MAX], *val[FORM_MAX];
};

struct client {
	char key[ID_MAX], app_id[64], key_type[16], grants[256], scopes[1024];
	char app_name[256], owner[256], tier[64], token_type[16];
	int validity_s;
	int basic;		/* authenticated with HTTP Basic */
};

/* --- responses --- */

static void
resp_json(struct apim_oauth_resp *rs, int status, json_t *body)
{
	rs->status = status;
	rs->content_type = "application/json";
	rs->body = json_dumps(body, JSON_COMPACT);
	rs->body_len = rs->body ? strlen(rs->body) : 0;
	json_decref(body);
}

static void
no_store(struct apim_oauth_resp *rs)
{
	rs->cache_control = "no-store";
	rs->pragma = "no-cache";
}

/* An RFC 6749 section 5.2 error. */
static void
oerr(struct apim_oauth_resp *rs, int status, const char *error, const char *desc)
{
	no_store(rs);
	if (status == 401)
		rs->www_authenticate = "Basic realm=\"apim\"";
	resp_json(rs, status, json_pack("{s:s,s:s}", "error", error,
	    "error_description", desc));
}

/* A 5xx answer.  The detail stays in the error slot for the caller to log;
 * clients get no paths or store messages. */
static void
server_error(struct apim_oauth_resp *rs)
{
	if (apim_err_code() == APIM_TEMPFAIL)
		oerr(rs, 503, "temporarily_unavailable", "the store is busy; "
		    "try again");
	else
		oerr(rs, 500, "server_error", "internal error");
}

void
apim_oauth_resp_free(struct apim_oauth_resp *rs)
{
	free(rs->body);
	memset(rs, 0, sizeof *rs);
}

/* --- setup --- */

static int
conf_int(const char *key, int def)
{
	const char *v = apim_conf_get(key, NULL);
	char *end;
	long n;

	if (v == NULL)
		return def;
	n = strtol(v, &end, 10);
	return *v && *end == '\0' && n > 0 && n < 100000000 ? (int)n : def;
}

/* A positive rate per second (fractions allowed: 0.1 is one every 10 s). */
static double
conf_rate(const char *key, double def)
{
	const char *v = apim_conf_get(key, NULL);
	char *end;
	double r;

	if (v == NULL)
		return def;
	r = strtod(v, &end);
	return *v && *end == '\0' && r > 0 && r <= 1e6 ? r : def;
}

struct apim_oauth *
apim_oauth_new(sqlite3 *db, const char *issuer)
{
	struct apim_oauth *o = calloc(1, sizeof *o);
	const char *aud;
	size_t n;

	if (o == NULL) {
		apim_err_set(APIM_SOFTWARE, "out of memory");
		return NULL;
	}
	if (RAND_bytes(o->mackey, sizeof o->mackey) != 1) {
		free(o);
		apim_err_set(APIM_SOFTWARE, "no random bytes");
		return NULL;
	}
	{
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM par[] = { OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0), OSSL_PARAM_END };

		if (m == NULL || (o->mac = EVP_MAC_CTX_new(m)) == NULL ||
		    EVP_MAC_init(o->mac, o->mackey, sizeof o->mackey, par) != 1) {
			EVP_MAC_free(m);
			EVP_MAC_CTX_free(o->mac);
			OPENSSL_cleanse(o->mackey, sizeof o->mackey);
			free(o);
			apim_err_set(APIM_SOFTWARE, "no HMAC-SHA256");
			return NULL;
		}
		EVP_MAC_free(m);	/* the context keeps its own reference */
	}
	o->db = db;
	if (issuer == NULL)
		issuer = apim_conf_get("issuer", "http://localhost:8243");
	o->issuer = apim_strdup(issuer);
	n = strlen(o->issuer);
	while (n > 0 && o->issuer[n - 1] == '/')
		o->issuer[--n] = '\0';
	aud = apim_conf_get("token.audience", NULL);
	o->audience = aud && *aud ? apim_strdup(aud) : NULL;
	o->lifetime_s = conf_int("token.lifetime", 3600);
	o->refresh_s = conf_int("token.refresh_lifetime", 86400);
	o->slow_rate = conf_rate("token.verify_rate", 10);
	/* Two seconds' worth, and never less than two checks. */
	o->slow_burst = 2 * o->slow_rate < 2 ? 2 : 2 * o->slow_rate;
	o->slow_left = o->slow_burst;
	o->slow_ms = apim_now_ms();
	return o;
}

void
apim_oauth_free(struct apim_oauth *o)
{
	int i;

	if (o == NULL)
		return;
	for (i = 0; i < CACHE_SLOTS; i++) {
		free(o->cache[i].key);
		free(o->cache[i].hash);
	}
	OPENSSL_cleanse(o->mackey, sizeof o->mackey);
	EVP_MAC_CTX_free(o->mac);
	sqlite3_finalize(o->st_client);
	sqlite3_finalize(o->st_insert);
	sqlite3_finalize(o->st_live);
	apim_oauth_set_batch(o, 0);
	free(o->q);
	free(o->issuer);
	free(o->audience);
	free(o);
}

const char *
apim_oauth_issuer(const struct apim_oauth *o)
{
	return o->issuer;
}

/* A statement prepared once and kept; reset for reuse.  NULL on error. */
static sqlite3_stmt *
kept(struct apim_oauth *o, sqlite3_stmt **slot, const char *sql)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return *slot;
	}
	if (sqlite3_prepare_v3(o->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
	    NULL) != SQLITE_OK) {
		apim_store_fail(o->db, "cannot prepare a statement");
		*slot = NULL;
	}
	return *slot;
}

/* --- forms --- */

/* Decode s[0..n) ('+' is a space, %XX a byte); NULL if malformed or if it holds
 * a NUL byte. */
static char *
urldecode(const char *s, size_t n)
{
	char *out = apim_xmalloc(n + 1), *p = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*p++ = ' ';
		else if (s[i] == '%') {
			int h, l;

			if (i + 2 >= n || (h = apim_hexval(s[i + 1])) < 0 ||
			    (l = apim_hexval(s[i + 2])) < 0 || (h == 0 && l == 0))
				goto bad;
			*p++ = (char)(h << 4 | l);
			i += 2;
		} else if (s[i] == '\0')
			goto bad;
		else
			*p++ = s[i];
	}
	*p = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void
form_free(struct form *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->val[i]);
	}
	f->n = 0;
}

/* Parse a form body.  0, or -1 with *why set (malformed, too many or repeated
 * parameters: RFC 6749 section 3.2 forbids repeats). */
static int
form_parse(const char *b, size_t len, struct form *f, const char **why)
{
	size_t i = 0, j, eq;
	int k;

	f->n = 0;
	while (i < len) {
		for (j = i; j < len && b[j] != '&'; j++)
			;
		if (j > i) {
			char *name, *val;

			for (eq = i; eq < j && b[eq] != '='; eq++)
				;
			name = urldecode(b + i, eq - i);
			val = eq < j ? urldecode(b + eq + 1, j - eq - 1) :
			    apim_strdup("");
			if (name == NULL || val == NULL || *name == '\0') {
				free(name);
				free(val);
				*why = "malformed form body";
				goto fail;
			}
			for (k = 0; k < f->n; k++)
				if (strcmp(f->name[k], name) == 0) {
					free(name);
					free(val);
					*why = "repeated parameter";
					goto fail;
				}
			if (f->n == FORM_MAX) {
				free(name);
				free(val);
				*why = "too many parameters";
				goto fail;
			}
			f->name[f->n] = name;
			f->val[f->n++] = val;
		}
		i = j + 1;
	}
	return 0;
fail:
	form_free(f);
	return -1;
}

/* A parameter's value; an empty value counts as absent (RFC 6749 section 3.1). */
static const char *
form_get(const struct form *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return *f->val[i] ? f->val[i] : NULL;
	return NULL;
}

void
apim_oauth_form_add(char **s, const char *name, const char *value)
{
	size_t n = *s ? strlen(*s) : 0, i;
	const char *parts[2] = { name, value };
	char *p;
	int k;

	*s = realloc(*s, n + 3 * (strlen(name) + strlen(value)) + 3);
	if (*s == NULL)
		abort();
	p = *s + n;
	if (n)
		*p++ = '&';
	for (k = 0; k < 2; k++) {
		for (i = 0; parts[k][i]; i++) {
			unsigned char c = (unsigned char)parts[k][i];

			if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
				*p++ = (char)c;
			else if (c == ' ')
				*p++ = '+';
			else
				p += sprintf(p, "%%%02X", c);
		}
		if (k == 0)
			*p++ = '=';
	}
	*p = '\0';
}

static int
is_form(const char *ct)
{
	size_t n = strlen("application/x-www-form-urlencoded");

	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* --- scopes --- */

/* 1 if s is a space-separated list of RFC 6749 scope tokens. */
static int
scope_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int prev_space = 1;

	for (; *p; p++) {
		if (*p == ' ') {
			if (prev_space)
				return 0;
			prev_space = 1;
			continue;
		}
		if (!(*p == 0x21 || (*p >= 0x23 && *p <= 0x5b) ||
		    (*p >= 0x5d && *p <= 0x7e)))
			return 0;
		prev_space = 0;
	}
	return !prev_space || *s == '\0';
}

/* 1 if the scope token tok[0..n) is in the space list set. */
static int
scope_has(const char *set, const char *tok, size_t n)
{
	const char *p = set;

	while (*p) {
		size_t l = strcspn(p, " ");

		if (l == n && strncmp(p, tok, n) == 0)
			return 1;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* 1 if every scope token of want is in have. */
static int
scope_subset(const char *want, const char *have)
{
	const char *p = want;

	while (*p) {
		size_t l = strcspn(p, " ");

		if (l && !scope_has(have, p, l))
			return 0;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 1;
}

/* 1 if grant is in the comma list grants (items may have white space around
 * them, as apim_split_csv allows); no allocation on the token path. */
static int
grant_allowed(const char *grants, const char *grant)
{
	size_t gl = strlen(grant), l;
	const char *p = grants;

	while (*p) {
		while (*p != ',' && isspace((unsigned char)*p))
			p++;
		l = strcspn(p, ",");
		while (l > 0 && isspace((unsigned char)p[l - 1]))
			l--;
		if (l == gl && strncmp(p, grant, gl) == 0)
			return 1;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

/* --- client authentication --- */

static unsigned
slot(const char *key)
{
	unsigned h = 2166136261u;

	while (*key)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h % CACHE_SLOTS;
}

/* Take one slow check from the bucket (rate per second, burst of two seconds'
 * worth but at least two). */
static int
slow_take(struct apim_oauth *o)
{
	int64_t now = apim_now_ms();

	o->slow_left += (double)(now - o->slow_ms) * o->slow_rate / 1000.0;
	if (o->slow_left > o->slow_burst)
		o->slow_left = o->slow_burst;
	o->slow_ms = now;
	if (o->slow_left < 1)
		return 0;
	o->slow_left -= 1;
	return 1;
}

static void
throttled(struct apim_oauth *o, struct apim_oauth_resp *rs)
{
	double wait = (1 - o->slow_left) / o->slow_rate;
	long s = (long)wait + ((double)(long)wait < wait);

	oerr(rs, 503, "temporarily_unavailable", "too many credential checks; "
	    "try again");
	snprintf(o->retry_after, sizeof o->retry_after, "%ld", s < 1 ? 1 : s);
	rs->retry_after = o->retry_after;
}

/* Check secret against stored, using the cache of earlier successes: 1 a
 * match, 0 not, -2 no slow check left in the bucket. */
static int
secret_ok(struct apim_oauth *o, const char *key, const char *secret,
    const char *stored)
{
	struct centry *e = &o->cache[slot(key)];
	unsigned char mac[32];
	size_t ml = 0;
	EVP_MAC_CTX *m = EVP_MAC_CTX_dup(o->mac);
	int ok = m && EVP_MAC_update(m, (const unsigned char *)secret,
	    strlen(secret)) == 1 && EVP_MAC_final(m, mac, &ml, sizeof mac) == 1 &&
	    ml == sizeof mac;

	EVP_MAC_CTX_free(m);
	if (!ok)
		return 0;
	if (e->key && strcmp(e->key, key) == 0 && strcmp(e->hash, stored) == 0 &&
	    apim_ct_equal(e->mac, sizeof e->mac, mac, sizeof mac))
		return 1;
	if (!slow_take(o))
		return -2;
	if (!apim_secret_verify(secret, stored))
		return 0;
	free(e->key);
	free(e->hash);
	e->key = apim_strdup(key);
	e->hash = apim_strdup(stored);
	memcpy(e->mac, mac, sizeof mac);
	return 1;
}

/* Decode standard base64 (with padding) into a NUL-terminated string; NULL if
 * malformed. */
static char *
b64_decode(const char *s)
{
	size_t n = strlen(s), pad = 0, i;
	unsigned char *out;
	int r;

	if (n == 0 || n % 4 || n > 4 * ID_MAX)
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

/* Authenticate the calling client (RFC 6749 section 2.3.1).  0 with c filled,
 * or -1 with rs set to the error. */
static int
client_auth(struct apim_oauth *o, const struct apim_oauth_req *rq,
    const struct form *f, struct client *c, struct apim_oauth_resp *rs)
{
	const char *pid = form_get(f, "client_id"), *psec = form_get(f, "client_secret");
	char *id = NULL, *secret = NULL, *dec = NULL, *colon;
	sqlite3_stmt *st;
	int r, ok, rc = -1;

	memset(c, 0, sizeof *c);
	if (rq->authorization) {
		const char *a = rq->authorization;

		if (strncasecmp(a, "Basic ", 6) != 0) {
			oerr(rs, 401, "invalid_client", "unsupported authentication "
			    "scheme (use Basic)");
			return -1;
		}
		if (psec) {
			oerr(rs, 400, "invalid_request", "more than one client "
			    "authentication method");
			return -1;
		}
		for (a += 6; *a == ' '; a++)
			;
		if ((dec = b64_decode(a)) == NULL || (colon = strchr(dec, ':')) == NULL) {
			free(dec);
			c->basic = 1;
			oerr(rs, 401, "invalid_client", "malformed Basic credentials");
			return -1;
		}
		*colon = '\0';
		id = urldecode(dec, strlen(dec));
		secret = urldecode(colon + 1, strlen(colon + 1));
		free(dec);
		c->basic = 1;
		if (id == NULL || secret == NULL) {
			oerr(rs, 401, "invalid_client", "malformed Basic credentials");
			goto out;
		}
		if (pid && strcmp(pid, id) != 0) {
			oerr(rs, 400, "invalid_request", "client_id does not match "
			    "the authenticated client");
			goto out;
		}
	} else if (pid && psec) {
		id = apim_strdup(pid);
		secret = apim_strdup(psec);
	} else {
		oerr(rs, 401, "invalid_client", "client authentication required");
		return -1;
	}
	if (strlen(id) >= ID_MAX || strlen(secret) >= ID_MAX || *id == '\0') {
		oerr(rs, 401, "invalid_client", "client authentication failed");
		goto out;
	}
	if ((st = kept(o, &o->st_client, "SELECT c.secret_hash, c.app_id, "
	    "c.key_type, c.grant_types, c.scopes, c.validity_s, a.name, a.owner, "
	    "a.tier, a.token_type FROM client c JOIN application a ON "
	    "a.id = c.app_id WHERE c.consumer_key = ?")) == NULL) {
		server_error(rs);
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = apim_store_step(o->db, st)) == 1) {
		cpy(c->key, sizeof c->key, id);
		cpy(c->app_id, sizeof c->app_id, apim_store_text(st, 1));
		cpy(c->key_type, sizeof c->key_type, apim_store_text(st, 2));
		cpy(c->grants, sizeof c->grants, apim_store_text(st, 3));
		cpy(c->scopes, sizeof c->scopes, apim_store_text(st, 4));
		c->validity_s = sqlite3_column_int(st, 5);
		cpy(c->app_name, sizeof c->app_name, apim_store_text(st, 6));
		cpy(c->owner, sizeof c->owner, apim_store_text(st, 7));
		cpy(c->tier, sizeof c->tier, apim_store_text(st, 8));
		cpy(c->token_type, sizeof c->token_type, apim_store_text(st, 9));
		if ((ok = secret_ok(o, id, secret, apim_store_text(st, 0))) != 1)
			r = ok == -2 ? -2 : 0;
	} else if (r == 0) {	/* spend the same time on an unknown client */
		if (!slow_take(o))
			r = -2;
		else
			apim_secret_verify(secret, "pbkdf2-sha256$100000$"
			    "AAAAAAAAAAAAAAAAAAAAAA$"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == -2)
		throttled(o, rs);
	else if (r == -1)
		server_error(rs);
	else if (r == 0)
		oerr(rs, 401, "invalid_client", "client authentication failed");
	else
		rc = 0;
out:
	if (secret)
		OPENSSL_cleanse(secret, strlen(secret));
	free(id);
	free(secret);
	return rc;
}

/* --- issuing --- */

/* An RFC 9562 version 7 UUID (milliseconds, then 74 random bits) for a jti
 * or a family: unique, unguessable enough for an identifier of a signed
 * token, and time-ordered, so rows keyed by it grow at the index's end. */
static int
uuid7(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	uint64_t ms = (uint64_t)apim_now_ms();
	int i, p = 0;

	if (RAND_bytes(b + 6, 10) != 1)
		return -1;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[p++] = '-';
		out[p++] = hex[b[i] >> 4];
		out[p++] = hex[b[i] & 15];
	}
	out[36] = '\0';
	return 0;
}

/* JSON text built by hand on the hot path (jansson would allocate a node per
 * claim): a growable buffer, and strings escaped per RFC 8259. */
struct sb {
	char *s;
	size_t n, cap;
	int bad;		/* a string was not UTF-8 */
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 512;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void
sb_lit(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates),
 * 0 if malformed. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef) {
		n = 3;
		if (*p == 0xe0)
			lo = 0xa0;
		else if (*p == 0xed)
			hi = 0x9f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		if (*p == 0xf0)
			lo = 0x90;
		else if (*p == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Append s as a JSON string. */
static void
sb_str(struct sb *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[8];
	size_t l;

	sb_add(b, "\"", 1);
	while (*p) {
		if (*p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) {
			p++;
			continue;
		}
		sb_add(b, (const char *)run, (size_t)(p - run));
		if (*p >= 0x80) {
			if ((l = utf8_len(p)) == 0) {
				b->bad = 1;
				l = 1;
			} else
				sb_add(b, (const char *)p, l);
			p += l;
		} else {
			if (*p == '"' || *p == '\\') {
				esc[0] = '\\';
				esc[1] = (char)*p;
				esc[2] = '\0';
			} else
				snprintf(esc, sizeof esc, "\\u%04x", *p);
			sb_lit(b, esc);
			p++;
		}
		run = p;
	}
	sb_add(b, (const char *)run, (size_t)(p - run));
	sb_add(b, "\"", 1);
}

/* Append ,"name":"value" (value escaped). */
static void
sb_kv(struct sb *b, const char *name, const char *value)
{
	sb_add(b, ",\"", 2);
	sb_lit(b, name);
	sb_add(b, "\":", 2);
	sb_str(b, value);
}

/* The claims of an access JWT (RFC 9068 and WSO2's), malloc'd; NULL if a
 * value from the store is not UTF-8.  family, if any, goes in the private
 * claim "family", which ties the token to its refresh token rows. */
static char *
jwt_claims(const struct apim_oauth *o, const struct client *c, const char *user,
    const char *scope, const char *jti, const char *family, int64_t now_s,
    int64_t exp_s, size_t *len)
{
	struct sb b = { NULL, 0, 0, 0 };
	char num[96];

	sb_lit(&b, "{\"iss\":");
	sb_str(&b, o->issuer);
	sb_kv(&b, "sub", user ? user : c->key);
	sb_kv(&b, "aud", o->audience ? o->audience : c->key);
	snprintf(num, sizeof num, ",\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld",
	    (long long)exp_s, (long long)now_s, (long long)now_s);
	sb_lit(&b, num);
	sb_kv(&b, "jti", jti);
	sb_kv(&b, "client_id", c->key);
	sb_kv(&b, "scope", scope);
	sb_lit(&b, ",\"application\":{\"id\":");
	sb_str(&b, c->app_id);
	sb_kv(&b, "name", c->app_name);
	sb_kv(&b, "owner", c->owner);
	sb_kv(&b, "tier", c->tier);
	sb_lit(&b, "}");
	sb_kv(&b, "keytype", c->key_type);
	sb_kv(&b, "consumerKey", c->key);
	if (family)
		sb_kv(&b, "family", family);
	sb_lit(&b, "}");
	if (b.bad) {
		free(b.s);
		apim_err_set(APIM_SOFTWARE, "client '%s' has text that is not "
		    "UTF-8", c->key);
		return NULL;
	}
	*len = b.n;
	return b.s;
}

static int
write_token(struct apim_oauth *o, const char *id, const char *kind,
    const struct client *c, const char *user, const char *scope,
    const char *family, int64_t now, int64_t exp)
{
	sqlite3_stmt *st = kept(o, &o->st_insert, "INSERT INTO token (id, kind, "
	    "consumer_key, app_id, key_type, username, scope, family, issued_ms, "
	    "expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	const char *v[8] = { id, kind, c->key, c->app_id, c->key_type, user,
	    scope, family };
	int i, r;

	if (st == NULL)
		return -1;
	for (i = 0; i < 8; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, exp);
	r = apim_store_step(o->db, st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == -1 ? -1 : 0;
}

static void
qrow_free(struct qrow *r)
{
	free(r->key);
	free(r->app_id);
	free(r->key_type);
	free(r->user);
	free(r->scope);
	free(r->family);
}

/* Write a token row now, or queue it in batch mode (queue: 1 allowed). */
static int
insert_token(struct apim_oauth *o, int queue, const char *id, const char *kind,
    const struct client *c, const char *user, const char *scope,
    const char *family, int64_t now, int64_t exp)
{
	struct qrow *r;

	if (!(o->batch && queue))
		return write_token(o, id, kind, c, user, scope, family, now, exp);
	if (o->nq == o->capq) {
		o->capq = o->capq ? 2 * o->capq : 64;
		if ((o->q = realloc(o->q, o->capq * sizeof *o->q)) == NULL)
			abort();
	}
	r = &o->q[o->nq++];
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->key = apim_strdup(c->key);
	r->app_id = apim_strdup(c->app_id);
	r->key_type = apim_strdup(c->key_type);
	r->user = user ? apim_strdup(user) : NULL;
	r->scope = apim_strdup(scope);
	r->family = family ? apim_strdup(family) : NULL;
	r->now = now;
	r->exp = exp;
	return 0;
}

void
apim_oauth_set_batch(struct apim_oauth *o, int on)
{
	size_t i;

	if (!on) {
		for (i = 0; i < o->nq; i++)
			qrow_free(&o->q[i]);
		o->nq = 0;
	}
	o->batch = on;
}

size_t
apim_oauth_queued(const struct apim_oauth *o)
{
	return o->nq;
}

int
apim_oauth_flush(struct apim_oauth *o)
{
	size_t i;
	int rc = -1;

	if (o->nq == 0)
		return 0;
	if (apim_store_begin(o->db) == -1)
		goto out;
	for (i = 0; i < o->nq; i++) {
		struct qrow *r = &o->q[i];
		struct client c;

		snprintf(c.key, sizeof c.key, "%s", r->key);
		snprintf(c.app_id, sizeof c.app_id, "%s", r->app_id);
		snprintf(c.key_type, sizeof c.key_type, "%s", r->key_type);
		if (write_token(o, r->id, r->kind, &c, r->user, r->scope, r->family,
		    r->now, r->exp) == -1) {
			apim_store_rollback(o->db);
			goto out;
		}
	}
	if (apim_store_commit(o->db) == 0)
		rc = 0;
out:
	for (i = 0; i < o->nq; i++)
		qrow_free(&o->q[i]);
	o->nq = 0;
	return rc;
}

/* Issue an access token (and a refresh token if with_refresh) for c, and
 * answer.  old_refresh (a token id) is revoked in the same transaction; if it
 * was revoked meanwhile nothing is issued.  A JWT access token writes no row:
 * only an opaque token's hash and a refresh token's hash are stored. */
static void
issue(struct apim_oauth *o, const struct client *c, const char *user,
    const char *scope, const char *family_in, int with_refresh,
    const char *old_refresh, struct apim_oauth_resp *rs)
{
	int64_t now = apim_now_ms();
	int life = c->validity_s > 0 ? c->validity_s : o->lifetime_s;
	int64_t exp = now + (int64_t)life * 1000, rexp;
	char jti[37], family[37], hid[65], rid[65];
	char *access = NULL, *refresh = NULL;
	const char *fam = family;
	size_t n;
	int jwt = strcmp(c->token_type, "opaque") != 0, nrows;

	/* A family ties the tokens of one grant together: its refresh tokens
	 * (rows) and its access tokens (rows when opaque, a claim when JWT). */
	family[0] = '\0';
	if (family_in)
		snprintf(family, sizeof family, "%s", family_in);
	else if (with_refresh && uuid7(family) == -1)
		goto norandom;
	if (!*family)
		fam = NULL;
	/* A refresh token outlives the access tokens issued with it, so that
	 * its row (which keeps their family alive) is never purged first. */
	rexp = now + (int64_t)(o->refresh_s > life ? o->refresh_s : life) * 1000;
	if (jwt) {
		char *cl;
		size_t cn;

		if (uuid7(jti) == -1)
			goto norandom;
		if ((cl = jwt_claims(o, c, user, scope, jti, fam, now / 1000,
		    exp / 1000, &cn)) == NULL) {
			server_error(rs);
			return;
		}
		access = apim_jwt_sign_text(o->db, cl, cn, "at+jwt", exp / 1000);
		free(cl);
	} else {
		access = apim_random_b64url(32);
		if (access)
			apim_sha256_hex(access, strlen(access), hid);
	}
	if (access == NULL) {
		server_error(rs);
		return;
	}
	if (with_refresh) {
		if ((refresh = apim_random_b64url(32)) == NULL) {
			free(access);
			goto norandom;
		}
		apim_sha256_hex(refresh, strlen(refresh), rid);
	}
	nrows = !jwt + (refresh != NULL);
	if (old_refresh || (nrows > 1 && !o->batch)) {
		if (apim_store_begin(o->db) == -1)
			goto fail;
		if (old_refresh) {
			int r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? "
			    "WHERE id = ? AND revoked_ms IS NULL", "Is", now, old_refresh);

			if (r == -1)
				goto fail;
			if (r == 0) {
				apim_store_rollback(o->db);
				oerr(rs, 400, "invalid_grant", "refresh token was "
				    "already used");
				goto out;
			}
		}
		if ((!jwt && insert_token(o, 0, hid, "access", c, user, scope, fam,
		    now, exp) == -1) || (refresh && insert_token(o, 0, rid,
		    "refresh", c, user, scope, fam, now, rexp) == -1) ||
		    apim_store_commit(o->db) == -1)
			goto fail;
	} else if ((!jwt && insert_token(o, 1, hid, "access", c, user, scope, fam,
	    now, exp) == -1) || (refresh && insert_token(o, 1, rid, "refresh", c,
	    user, scope, fam, now, rexp) == -1))
		goto fail;
	/* Tokens are base64url or JWS; scope tokens exclude '"' and '\\' (RFC
	 * 6749 3.3): nothing here needs JSON escaping.  A client's scope list
	 * from the store is checked, and escaped by jansson if it must be. */
	if (!scope_valid(scope)) {
		json_t *b = json_pack("{s:s,s:s,s:i,s:s}", "access_token", access,
		    "token_type", "Bearer", "expires_in", life, "scope", scope);

		if (refresh)
			json_object_set_new(b, "refresh_token", json_string(refresh));
		no_store(rs);
		resp_json(rs, 200, b);
		goto out;
	}
	n = strlen(access) + (refresh ? strlen(refresh) : 0) + strlen(scope) + 128;
	rs->body = apim_xmalloc(n);
	rs->body_len = (size_t)snprintf(rs->body, n, "{\"access_token\":\"%s\","
	    "\"token_type\":\"Bearer\",\"expires_in\":%d%s%s%s%s%s%s}", access,
	    life, refresh ? ",\"refresh_token\":\"" : "", refresh ? refresh : "",
	    refresh ? "\"" : "", *scope ? ",\"scope\":\"" : "", scope,
	    *scope ? "\"" : "");
	rs->status = 200;
	rs->content_type = "application/json";
	no_store(rs);
	goto out;
norandom:
	apim_err_set(APIM_SOFTWARE, "no random bytes");
	server_error(rs);
	return;
fail:
	apim_store_rollback(o->db);
	server_error(rs);
out:
	if (access)
		OPENSSL_cleanse(access, strlen(access));
	if (refresh)
		OPENSSL_cleanse(refresh, strlen(refresh));
	free(access);
	free(refresh);
}

/* The granted scope: the request's (checked against allowed) or all of allowed.
 * Malloc'd; NULL with rs set on invalid_scope. */
static char *
grant_scope(const struct form *f, const char *allowed, struct apim_oauth_resp *rs)
{
	const char *want = form_get(f, "scope");

	if (want == NULL)
		return apim_strdup(allowed);
	if (!scope_valid(want)) {
		oerr(rs, 400, "invalid_scope", "malformed scope");
		return NULL;
	}
	if (!scope_subset(want, allowed)) {
		oerr(rs, 400, "invalid_scope", "requested scope exceeds the "
		    "granted scope");
		return NULL;
	}
	return apim_strdup(want);
}

static void
grant_refresh(struct apim_oauth *o, const struct client *c, const struct form *f,
    struct apim_oauth_resp *rs)
{
	const char *rt = form_get(f, "refresh_token");
	char hid[65], user[ID_MAX] = "", family[64] = "", owner[ID_MAX] = "";
	char scope[1024] = "", *sc;
	int64_t now = apim_now_ms(), exp = 0;
	int r, revoked = 0, has_user = 0;
	sqlite3_stmt *st;

	if (rt == NULL) {
		oerr(rs, 400, "invalid_request", "missing refresh_token");
		return;
	}
	apim_sha256_hex(rt, strlen(rt), hid);
	if ((st = apim_store_prep(o->db, "SELECT consumer_key, username, scope, "
	    "family, expires_ms, revoked_ms FROM token WHERE id = ? AND "
	    "kind = 'refresh'", "s", hid)) == NULL) {
		server_error(rs);
		return;
	}
	if ((r = apim_store_step(o->db, st)) == 1) {
		snprintf(owner, sizeof owner, "%s", apim_store_text(st, 0));
		has_user = sqlite3_column_type(st, 1) != SQLITE_NULL;
		snprintf(user, sizeof user, "%s", apim_store_text(st, 1));
		snprintf(scope, sizeof scope, "%s", apim_store_text(st, 2));
		snprintf(family, sizeof family, "%s", apim_store_text(st, 3));
		exp = sqlite3_column_int64(st, 4);
		revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	if (r == -1) {
		server_error(rs);
		return;
	}
	if (r == 0 || strcmp(owner, c->key) != 0) {
		oerr(rs, 400, "invalid_grant", "unknown refresh token");
		return;
	}
	if (revoked) {
		/* Reuse of a rotated (or revoked) token: end the whole family. */
		if (*family && apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? "
		    "WHERE family = ? AND revoked_ms IS NULL", "Is", now, family) == -1) {
			server_error(rs);
			return;
		}
		oerr(rs, 400, "invalid_grant", "refresh token was already used; "
		    "its token family is revoked");
		return;
	}
	if (exp <= now) {
		oerr(rs, 400, "invalid_grant", "refresh token expired");
		return;
	}
	if ((sc = grant_scope(f, scope, rs)) == NULL)
		return;
	issue(o, c, has_user ? user : NULL, sc, *family ? family : NULL, 1, hid, rs);
	free(sc);
}

static void
token_endpoint(struct apim_oauth *o, const struct form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *grant = form_get(f, "grant_type");
	struct client c;
	char *sc;

	if (grant == NULL) {
		oerr(rs, 400, "invalid_request", "missing grant_type");
		return;
	}
	if (client_auth(o, rq, f, &c, rs) == -1)
		return;
	if (strcmp(grant, "client_credentials") != 0 && strcmp(grant, "password") != 0 &&
	    strcmp(grant, "refresh_token") != 0) {
		oerr(rs, 400, "unsupported_grant_type", "supported: client_credentials, "
		    "password, refresh_token");
		return;
	}
	if (!grant_allowed(c.grants, grant)) {
		oerr(rs, 400, "unauthorized_client", "the client may not use this "
		    "grant type");
		return;
	}
	if (strcmp(grant, "refresh_token") == 0) {
		grant_refresh(o, &c, f, rs);
		return;
	}
	if (strcmp(grant, "password") == 0) {
		const char *u = form_get(f, "username"), *p = form_get(f, "password");
		int ok;

		if (u == NULL || p == NULL) {
			oerr(rs, 400, "invalid_request", "missing username or password");
			return;
		}
		if ((sc = grant_scope(f, c.scopes, rs)) == NULL)
			return;
		if (!slow_take(o)) {
			free(sc);
			throttled(o, rs);
			return;
		}
		if ((ok = apim_user_verify(o->db, u, p)) != 1) {
			free(sc);
			if (ok == -1)
				server_error(rs);
			else
				oerr(rs, 400, "invalid_grant", "bad user name or "
				    "password");
			return;
		}
		issue(o, &c, u, sc, NULL, grant_allowed(c.grants, "refresh_token"),
		    NULL, rs);
		free(sc);
		return;
	}
	if ((sc = grant_scope(f, c.scopes, rs)) == NULL)
		return;
	issue(o, &c, NULL, sc, NULL, 0, NULL, rs);
	free(sc);
}

/* --- introspection and revocation --- */

struct found {
	int row;		/* 1 if known: a row, or a JWT with a valid signature */
	int jwt;		/* a JWT: the fields below come from its claims */
	char kind[16], client[ID_MAX], user[ID_MAX], scope[1024], family[64];
	char id[65], app_id[64], key_type[16];
	int has_user, revoked;
	int64_t issued_ms, expires_ms;
	json_t *claims;		/* JWT claims if a valid JWT */
};

static int
lookup_row(struct apim_oauth *o, const char *id, const char *kind, struct found *t)
{
	sqlite3_stmt *st;
	int r;

	if ((st = apim_store_prep(o->db, "SELECT kind, consumer_key, username, scope, "
	    "family, issued_ms, expires_ms, revoked_ms FROM token WHERE id = ? AND "
	    "kind = ?", "ss", id, kind)) == NULL)
		return -1;
	if ((r = apim_store_step(o->db, st)) == 1) {
		t->row = 1;
		snprintf(t->id, sizeof t->id, "%s", id);
		snprintf(t->kind, sizeof t->kind, "%s", apim_store_text(st, 0));
		snprintf(t->client, sizeof t->client, "%s", apim_store_text(st, 1));
		t->has_user = sqlite3_column_type(st, 2) != SQLITE_NULL;
		snprintf(t->user, sizeof t->user, "%s", apim_store_text(st, 2));
		snprintf(t->scope, sizeof t->scope, "%s", apim_store_text(st, 3));
		snprintf(t->family, sizeof t->family, "%s", apim_store_text(st, 4));
		t->issued_ms = sqlite3_column_int64(st, 5);
		t->expires_ms = sqlite3_column_int64(st, 6);
		t->revoked = sqlite3_column_type(st, 7) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	return r == -1 ? -1 : 0;
}

int
apim_oauth_jwt_live(struct apim_oauth *o, const char *jti, const char *client,
    const char *family)
{
	/* Three probes by primary key or index in one statement: a revoked row
	 * for the jti (an unrevoked one is a token issued before JWTs stopped
	 * being stored), the client, and a live refresh token of the family. */
	sqlite3_stmt *st = kept(o, &o->st_live, "SELECT "
	    "(SELECT revoked_ms IS NOT NULL FROM token WHERE id = ?1 AND "
	    "kind = 'access'), "
	    "EXISTS (SELECT 1 FROM client WHERE consumer_key = ?2), "
	    "?3 IS NULL OR EXISTS (SELECT 1 FROM token WHERE family = ?3 AND "
	    "kind = 'refresh' AND revoked_ms IS NULL)");
	int r, live = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, jti, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
	if (family && *family)
		sqlite3_bind_text(st, 3, family, -1, SQLITE_STATIC);
	if ((r = apim_store_step(o->db, st)) == 1)
		live = sqlite3_column_int(st, 0) == 0 &&
		    sqlite3_column_int(st, 1) == 1 && sqlite3_column_int(st, 2) == 1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == -1 ? -1 : live;
}

/* Fill t from the claims of a verified access JWT (taking cl).  0, or -1 on
 * a store error. */
static int
jwt_found(struct apim_oauth *o, json_t *cl, struct found *t)
{
	const char *jti = json_string_value(json_object_get(cl, "jti"));
	const char *cid = json_string_value(json_object_get(cl, "client_id"));
	const char *sub = json_string_value(json_object_get(cl, "sub"));
	const char *sc = json_string_value(json_object_get(cl, "scope"));
	const char *fam = json_string_value(json_object_get(cl, "family"));
	const char *app = json_string_value(json_object_get(json_object_get(cl,
	    "application"), "id"));
	const char *kt = json_string_value(json_object_get(cl, "keytype"));
	json_t *exp = json_object_get(cl, "exp"), *iat = json_object_get(cl, "iat");
	int live;

	t->claims = cl;
	if (jti == NULL || strlen(jti) >= sizeof t->id || cid == NULL ||
	    strlen(cid) >= sizeof t->client || !json_is_integer(exp) ||
	    (fam && strlen(fam) >= sizeof t->family))
		return 0;	/* not one of our access tokens */
	if ((live = apim_oauth_jwt_live(o, jti, cid, fam)) == -1)
		return -1;
	t->row = t->jwt = 1;
	t->revoked = !live;
	strcpy(t->kind, "access");
	strcpy(t->id, jti);
	strcpy(t->client, cid);
	if (fam)
		strcpy(t->family, fam);
	if (sub && strcmp(sub, cid) != 0) {
		t->has_user = 1;
		snprintf(t->user, sizeof t->user, "%s", sub);
	}
	snprintf(t->scope, sizeof t->scope, "%s", sc ? sc : "");
	snprintf(t->app_id, sizeof t->app_id, "%s", app ? app : "");
	snprintf(t->key_type, sizeof t->key_type, "%s", kt ? kt : "");
	t->expires_ms = json_integer_value(exp) * 1000;
	t->issued_ms = json_is_integer(iat) ? json_integer_value(iat) * 1000 : 0;
	return 0;
}

/* Find token: a JWT by its signature and claims, else a row by hash.  0
 * (t->row says whether found), -1 store error. */
static int
find_token(struct apim_oauth *o, const char *token, const char *hint, struct found *t)
{
	char hid[65];
	const char *d;
	int refresh_first = hint && strcmp(hint, "refresh_token") == 0;

	memset(t, 0, sizeof *t);
	if ((d = strchr(token, '.')) && strchr(d + 1, '.')) {
		json_t *cl = apim_jwt_verify(o->db, token, "at+jwt");

		if (cl == NULL)
			return apim_err_code() == APIM_NO ? 0 : -1;
		return jwt_found(o, cl, t);
	}
	apim_sha256_hex(token, strlen(token), hid);
	if (lookup_row(o, hid, refresh_first ? "refresh" : "access", t) == -1)
		return -1;
	if (!t->row && lookup_row(o, hid, refresh_first ? "access" : "refresh", t) == -1)
		return -1;
	return 0;
}

json_t *
apim_oauth_introspect(struct apim_oauth *o, const char *token, const char *hint)
{
	struct found t;
	json_t *j;
	int64_t now = apim_now_ms();

	if (find_token(o, token, hint, &t) == -1) {
		json_decref(t.claims);
		return NULL;
	}
	if (!t.row || t.revoked || t.expires_ms <= now) {
		json_decref(t.claims);
		return json_pack("{s:b}", "active", 0);
	}
	j = json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "active", 1,
	    "scope", t.scope, "client_id", t.client,
	    "token_type", strcmp(t.kind, "refresh") == 0 ? "refresh_token" : "Bearer",
	    "exp", (json_int_t)(t.expires_ms / 1000),
	    "iat", (json_int_t)(t.issued_ms / 1000),
	    "sub", t.has_user ? t.user : t.client, "iss", o->issuer);
	if (t.has_user)
		json_object_set_new(j, "username", json_string(t.user));
	if (t.claims) {
		const char *k[] = { "aud", "jti", "nbf", "iss", "application",
		    "keytype", NULL };
		int i;

		for (i = 0; k[i]; i++)
			if (json_object_get(t.claims, k[i]))
				json_object_set(j, k[i], json_object_get(t.claims, k[i]));
		json_decref(t.claims);
	}
	return j;
}

int
apim_oauth_revoke(struct apim_oauth *o, const char *token, const char *hint,
    const char *client)
{
	struct found t;
	int64_t now = apim_now_ms();
	int r;

	r = find_token(o, token, hint, &t);
	json_decref(t.claims);
	if (r == -1)
		return -1;
	if (!t.row)
		return 0;
	if (client && strcmp(client, t.client) != 0) {
		apim_err_set(APIM_NOPERM, "the token was issued to another client");
		return -1;
	}
	if (t.jwt) {
		/* A JWT has no row until it is revoked: the row says so, and
		 * lives until the token's own expiry (then purge drops it). */
		if (t.revoked)
			return 0;
		r = apim_store_exec(o->db, "INSERT INTO token (id, kind, "
		    "consumer_key, app_id, key_type, username, scope, family, "
		    "issued_ms, expires_ms, revoked_ms) VALUES (?, 'access', ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
		    "revoked_ms = excluded.revoked_ms WHERE kind = 'access' AND "
		    "revoked_ms IS NULL",
		    "sssssssIII", t.id, t.client, *t.app_id ? t.app_id : NULL,
		    *t.key_type ? t.key_type : NULL, t.has_user ? t.user : NULL,
		    t.scope, *t.family ? t.family : NULL, t.issued_ms, t.expires_ms,
		    now);
	} else if (strcmp(t.kind, "refresh") == 0 && *t.family)
		r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? WHERE "
		    "(family = ? OR id = ?) AND revoked_ms IS NULL", "Iss", now,
		    t.family, t.id);
	else
		r = apim_store_exec(o->db, "UPDATE token SET revoked_ms = ? WHERE "
		    "id = ? AND kind = ? AND revoked_ms IS NULL", "Iss", now, t.id,
		    t.kind);
	return r < 0 ? -1 : r > 0;
}

int
apim_oauth_purge(sqlite3 *db, int64_t before_ms)
{
	return apim_store_exec(db, "DELETE FROM token WHERE kind IN ('access', "
	    "'refresh') AND expires_ms < ?", "I", before_ms);
}

static int
hint_ok(const char *hint, struct apim_oauth_resp *rs)
{
	if (hint == NULL || strcmp(hint, "access_token") == 0 ||
	    strcmp(hint, "refresh_token") == 0)
		return 1;
	oerr(rs, 400, "unsupported_token_type", "token_type_hint must be "
	    "access_token or refresh_token");
	return 0;
}

static void
revoke_endpoint(struct apim_oauth *o, const struct form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *token = form_get(f, "token"), *hint = form_get(f, "token_type_hint");
	struct client c;

	if (client_auth(o, rq, f, &c, rs) == -1)
		return;
	if (token == NULL) {
		oerr(rs, 400, "invalid_request", "missing token");
		return;
	}
	if (!hint_ok(hint, rs))
		return;
	if (apim_oauth_revoke(o, token, hint, c.key) == -1) {
		if (apim_err_code() == APIM_NOPERM)
			oerr(rs, 400, "invalid_request", apim_err_msg());
		else
			server_error(rs);
		return;
	}
	no_store(rs);
	rs->status = 200;
	rs->content_type = "application/json";
	rs->body = apim_strdup("{}");
	rs->body_len = 2;
}

static void
introspect_endpoint(struct apim_oauth *o, const struct form *f,
    const struct apim_oauth_req *rq, struct apim_oauth_resp *rs)
{
	const char *token = form_get(f, "token"), *hint = form_get(f, "token_type_hint");
	struct client c;
	json_t *j;

	if (client_auth(o, rq, f, &c, rs) == -1)
		return;
	if (token == NULL) {
		oerr(rs, 400, "invalid_request", "missing token");
		return;
	}
	if ((j = apim_oauth_introspect(o, token, hint)) == NULL) {
		server_error(rs);
		return;
	}
	no_store(rs);
	resp_json(rs, 200, j);
}

/* --- discovery --- */

static json_t *
metadata(struct apim_oauth *o)
{
	char tok[1024], jwks[1024], rev[1024], intro[1024];
	const char *i = o->issuer;

	snprintf(tok, sizeof tok, "%s/oauth2/token", i);
	snprintf(jwks, sizeof jwks, "%s/oauth2/jwks", i);
	snprintf(rev, sizeof rev, "%s/oauth2/revoke", i);
	snprintf(intro, sizeof intro, "%s/oauth2/introspect", i);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[sss],s:[ss],s:[ss],s:[ss],"
	    "s:[]}",
	    "issuer", i, "token_endpoint", tok, "jwks_uri", jwks,
	    "revocation_endpoint", rev, "introspection_endpoint", intro,
	    "grant_types_supported", "client_credentials", "password",
	    "refresh_token",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "revocation_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "introspection_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "response_types_supported");
}

/* --- routing --- */

void
apim_oauth_handle(struct apim_oauth *o, const struct apim_oauth_req *rq,
    struct apim_oauth_resp *rs)
{
	static const char *const posts[] = { "/oauth2/token", "/oauth2/revoke",
	    "/oauth2/introspect", NULL };
	const char *path = rq->path ? rq->path : "/";
	size_t plen = strcspn(path, "?");
	struct form f = { 0, { 0 }, { 0 } };
	const char *why;
	int i, post = -1;

	memset(rs, 0, sizeof *rs);
	for (i = 0; posts[i]; i++)
		if (strlen(posts[i]) == plen && strncmp(path, posts[i], plen) == 0)
			post = i;
	if (post == -1) {
		int jwks = plen == 12 && strncmp(path, "/oauth2/jwks", 12) == 0;
		int meta = plen == 39 && strncmp(path,
		    "/.well-known/oauth-authorization-server", 39) == 0;
		json_t *j;

		if (!jwks && !meta) {
			resp_json(rs, 404, json_pack("{s:s}", "error", "not_found"));
			return;
		}
		if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			rs->allow = "GET, HEAD";
			resp_json(rs, 405, json_pack("{s:s}", "error",
			    "method_not_allowed"));
			return;
		}
		if ((j = jwks ? apim_signkey_jwks(o->db) : metadata(o)) == NULL) {
			server_error(rs);
			return;
		}
		rs->cache_control = "max-age=60";
		resp_json(rs, 200, j);
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		rs->allow = "POST";
		no_store(rs);
		resp_json(rs, 405, json_pack("{s:s,s:s}", "error", "invalid_request",
		    "error_description", "use POST"));
		return;
	}
	if (rq->dup_header) {
		oerr(rs, 400, "invalid_request", "repeated Authorization or "
		    "Content-Type header");
		return;
	}
	if (!is_form(rq->content_type)) {
		oerr(rs, 400, "invalid_request", "Content-Type must be "
		    "application/x-www-form-urlencoded");
		return;
	}
	if (form_parse(rq->body ? rq->body : "", rq->body_len, &f, &why) == -1) {
		oerr(rs, 400, "invalid_request", why);
		return;
	}
	if (post == 0)
		token_endpoint(o, &f, rq, rs);
	else if (post == 1)
		revoke_endpoint(o, &f, rq, rs);
	else
		introspect_endpoint(o, &f, rq, rs);
	form_free(&f);
}
