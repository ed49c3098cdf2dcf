/* signkey: signing keys with OpenSSL 3 EVP; the active private key and the
 * public keys by kid are cached per process (mutex-guarded, rechecked each second). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "signkey.h"
#include "store.h"
#include "util.h"

#define RECHECK_MS 1000
#define NPUB 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	char db[PATH_MAX];
	char kid[APIM_KID_MAX], alg[8];
	EVP_PKEY *pk;
	EVP_PKEY_CTX *sctx;	/* RS256/ES256: sign_init done once (saves a fetch per token) */
	int64_t checked_ms, noted_exp_ms;
} act;

/* Public keys by kid, allocated when cached (an array of ~5 KiB entries
 * would cost a fresh process a page fault per entry looked at).  An RSA
 * key is kept as its numbers, checked without EVP (rs256_verify); others
 * as keys. */
struct pub {
	char db[PATH_MAX];
	char kid[APIM_KID_MAX], alg[8];
	EVP_PKEY *pk;		/* ES256, EdDSA */
	unsigned char n[APIM_SIG_MAX], e[8];	/* RSA, big-endian */
	size_t nl, el;
	int64_t checked_ms;
	int retired;
};
static struct pub *pubs[NPUB];
static int pubnext;

/* Caches are per store file, so every connection to it shares them. */
static const char *
dbname(sqlite3 *db)
{
	const char *f = sqlite3_db_filename(db, "main");

	return f ? f : "";
}

static int
samedb(const char *cached, sqlite3 *db)
{
	return strcmp(cached, dbname(db)) == 0;
}

int
apim_signkey_alg_valid(const char *alg)
{
	return alg && (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0 ||
	    strcmp(alg, "EdDSA") == 0);
}

void
apim_signkey_flush(void)
{
	int i;

	pthread_mutex_lock(&lock);
	EVP_PKEY_CTX_free(act.sctx);
	EVP_PKEY_free(act.pk);
	memset(&act, 0, sizeof act);
	for (i = 0; i < NPUB; i++) {
		if (pubs[i] != NULL)
			EVP_PKEY_free(pubs[i]->pk);
		free(pubs[i]);
		pubs[i] = NULL;
	}
	pthread_mutex_unlock(&lock);
}

/* dir[0..dn) "/" name suffix, malloc'd.  Lengths are measured, not left to a
 * format (GCC's -Wformat-overflow could not prove the old sprintf safe). */
static char *
join_path(const char *dir, size_t dn, const char *name, const char *suffix)
{
	size_t nn = strlen(name), sn = strlen(suffix);
	char *out = apim_xmalloc(dn + 1 + nn + sn + 1);

	memcpy(out, dir, dn);
	out[dn] = '/';
	memcpy(out + dn + 1, name, nn);
	memcpy(out + dn + 1 + nn, suffix, sn + 1);
	return out;
}

char *
apim_signkey_dir(sqlite3 *db)
{
	const char *d = apim_conf_get("keydir", NULL), *f, *slash;

	if (d && *d)
		return apim_strdup(d);
	f = sqlite3_db_filename(db, "main");
	if (f == NULL || *f == '\0')
		return apim_strdup("keys");
	if ((slash = strrchr(f, '/')) == NULL)
		return apim_strdup("keys");
	return join_path(f, (size_t)(slash - f), "keys", "");
}

/* base64url of a big number's minimal big-endian bytes, or padded to pad. */
static char *
bn_b64(const BIGNUM *bn, int pad)
{
	unsigned char buf[1024];
	char *out;
	int n = pad ? pad : BN_num_bytes(bn);

	if (n > (int)sizeof buf || BN_bn2binpad(bn, buf, n) < 0)
		return NULL;
	out = apim_xmalloc(4 * ((size_t)n + 2) / 3 + 2);
	apim_b64url_encode(buf, (size_t)n, out);
	return out;
}

/* The public JWK of pk (kid set to its RFC 7638 thumbprint). */
static json_t *
make_jwk(EVP_PKEY *pk, const char *alg, char kid[APIM_KID_MAX])
{
	char canon[2048], *a = NULL, *b = NULL;
	unsigned char dig[32];
	json_t *j = NULL;
	BIGNUM *n = NULL, *e = NULL;

	if (strcmp(alg, "RS256") == 0) {
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
			goto out;
		a = bn_b64(n, 0);
		b = bn_b64(e, 0);
		if (!a || !b)
			goto out;
		snprintf(canon, sizeof canon, "{\"e\":\"%s\",\"kty\":\"RSA\","
		    "\"n\":\"%s\"}", b, a);
		j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "RSA", "use",
		    "sig", "alg", alg, "n", a, "e", b);
	} else if (strcmp(alg, "ES256") == 0) {
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &n) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &e))
			goto out;
		a = bn_b64(n, 32);
		b = bn_b64(e, 32);
		if (!a || !b)
			goto out;
		snprintf(canon, sizeof canon, "{\"crv\":\"P-256\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", a, b);
		j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "kty", "EC", "use",
		    "sig", "alg", alg, "crv", "P-256", "x", a, "y", b);
	} else {
		unsigned char raw[32];
		size_t rl = sizeof raw;

		if (!EVP_PKEY_get_raw_public_key(pk, raw, &rl) || rl != 32)
			goto out;
		a = apim_xmalloc(48);
		apim_b64url_encode(raw, rl, a);
		snprintf(canon, sizeof canon, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
		    "\"x\":\"%s\"}", a);
		j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "OKP", "use",
		    "sig", "alg", alg, "crv", "Ed25519", "x", a);
	}
	if (j == NULL)
		goto out;
	EVP_Digest(canon, strlen(canon), dig, NULL, EVP_sha256(), NULL);
	apim_b64url_encode(dig, sizeof dig, kid);
	json_object_set_new(j, "kid", json_string(kid));
out:
	BN_free(n);
	BN_free(e);
	free(a);
	free(b);
	if (j == NULL)
		apim_err_set(APIM_SOFTWARE, "cannot export a %s public key", alg);
	return j;
}

static BIGNUM *
b64_bn(const char *s)
{
	unsigned char buf[1024];
	long n;

	if (s == NULL || strlen(s) > 4 * sizeof buf / 3 - 4 ||
	    (n = apim_b64url_decode(s, strlen(s), buf)) <= 0)
		return NULL;
	return BN_bin2bn(buf, (int)n, NULL);
}

/* The public key described by a JWK string. */
static EVP_PKEY *
jwk_key(const char *jwktext)
{
	json_t *j = json_loads(jwktext, 0, NULL);
	const char *kty;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *cx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *par = NULL;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char pt[65];	/* the builder keeps a pointer until to_param */

	if (j == NULL || (kty = json_string_value(json_object_get(j, "kty"))) == NULL)
		goto out;
	if (strcmp(kty, "OKP") == 0) {
		unsigned char raw[40];
		const char *x = json_string_value(json_object_get(j, "x"));

		if (x && strlen(x) == 43 && apim_b64url_decode(x, 43, raw) == 32)
			pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
			    raw, 32);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (strcmp(kty, "RSA") == 0) {
		n = b64_bn(json_string_value(json_object_get(j, "n")));
		e = b64_bn(json_string_value(json_object_get(j, "e")));
		if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
		cx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (strcmp(kty, "EC") == 0) {
		const char *x = json_string_value(json_object_get(j, "x"));
		const char *y = json_string_value(json_object_get(j, "y"));

		if (!x || !y || strlen(x) != 43 || strlen(y) != 43)
			goto out;
		pt[0] = 4;
		if (apim_b64url_decode(x, 43, pt + 1) != 32 ||
		    apim_b64url_decode(y, 43, pt + 33) != 32)
			goto out;
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		    "prime256v1", 0) || !OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt))
			goto out;
		cx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else
		goto out;
	if (cx == NULL || (par = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(cx) <= 0 ||
	    EVP_PKEY_fromdata(cx, &pk, EVP_PKEY_PUBLIC_KEY, par) <= 0)
		pk = NULL;
out:
	OSSL_PARAM_free(par);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(cx);
	BN_free(n);
	BN_free(e);
	json_decref(j);
	return pk;
}

static EVP_PKEY *
keygen(const char *alg)
{
	if (strcmp(alg, "RS256") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (strcmp(alg, "ES256") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

static int
write_private(EVP_PKEY *pk, const char *path)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -1;

	if (bio && PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0)
		rc = apim_file_write_atomic(path, data, (size_t)n, 0600);
	else
		apim_err_set(APIM_SOFTWARE, "cannot encode a private key");
	BIO_free(bio);	/* BIO_free of a mem BIO clears nothing: overwrite it */
	return rc;
}

/* Generate and store a key.  With only_if_none, keep the store's active key
 * if another writer made one meanwhile (kid then names that one). */
static int
create_key(sqlite3 *db, const char *alg, int only_if_none, char kid[APIM_KID_MAX])
{
	EVP_PKEY *pk;
	json_t *jwk;
	char *dir, *path, *text = NULL;
	int own = sqlite3_get_autocommit(db), rc = -1, wrote = 0;
	sqlite3_stmt *st;

	if (!apim_signkey_alg_valid(alg)) {
		apim_err_set(APIM_USAGE, "unknown algorithm '%s' (RS256, ES256 or "
		    "EdDSA)", alg ? alg : "");
		return -1;
	}
	if ((pk = keygen(alg)) == NULL) {
		apim_err_set(APIM_SOFTWARE, "cannot generate a %s key", alg);
		return -1;
	}
	if ((jwk = make_jwk(pk, alg, kid)) == NULL) {
		EVP_PKEY_free(pk);
		return -1;
	}
	dir = apim_signkey_dir(db);
	path = join_path(dir, strlen(dir), kid, ".pem");
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", dir,
		    strerror(errno));
		goto out;
	}
	if (write_private(pk, path) == -1)
		goto out;
	wrote = 1;
	text = json_dumps(jwk, JSON_COMPACT);
	if (own && apim_store_begin(db) == -1)
		goto out;
	if (only_if_none) {
		if ((st = apim_store_prep(db, "SELECT kid FROM signing_key WHERE "
		    "state = 'active'", "")) == NULL)
			goto fail;
		if (apim_store_step(db, st) == 1) {
			snprintf(kid, APIM_KID_MAX, "%s", apim_store_text(st, 0));
			sqlite3_finalize(st);
			if (own)
				apim_store_rollback(db);
			rc = 0;
			goto out;
		}
		sqlite3_finalize(st);
	}
	if (apim_store_exec(db, "UPDATE signing_key SET state = 'previous' WHERE "
	    "state = 'active'", "") == -1 ||
	    apim_store_exec(db, "INSERT INTO signing_key (kid, alg, public_jwk, "
	    "private_path, state, created_ms) VALUES (?, ?, ?, ?, 'active', ?)",
	    "ssssI", kid, alg, text, path, apim_now_ms()) == -1)
		goto fail;
	if (own && apim_store_commit(db) == -1)
		goto fail;
	wrote = 0;
	rc = 0;
	goto out;
fail:
	if (own)
		apim_store_rollback(db);
out:
	if (wrote)
		unlink(path);
	free(text);
	free(path);
	free(dir);
	json_decref(jwk);
	EVP_PKEY_free(pk);
	return rc;
}

int
apim_signkey_generate(sqlite3 *db, const char *alg, char kid[APIM_KID_MAX])
{
	int rc = create_key(db, alg ? alg : "RS256", 0, kid);

	apim_signkey_flush();
	return rc;
}

int
apim_signkey_rotate(sqlite3 *db, const char *alg, char kid[APIM_KID_MAX])
{
	sqlite3_stmt *st;
	char cur[8] = "RS256";

	if (alg == NULL) {
		if ((st = apim_store_prep(db, "SELECT alg FROM signing_key WHERE "
		    "state = 'active'", "")) == NULL)
			return -1;
		if (apim_store_step(db, st) == 1)
			snprintf(cur, sizeof cur, "%s", apim_store_text(st, 0));
		sqlite3_finalize(st);
		alg = cur;
	}
	return apim_signkey_generate(db, alg, kid);
}

int
apim_signkey_retire(sqlite3 *db, const char *kid)
{
	sqlite3_stmt *st;
	char state[16] = "";
	int r;

	if ((st = apim_store_prep(db, "SELECT state FROM signing_key WHERE kid = ?",
	    "s", kid)) == NULL)
		return -1;
	if ((r = apim_store_step(db, st)) == 1)
		snprintf(state, sizeof state, "%s", apim_store_text(st, 0));
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	if (r == 0) {
		apim_err_set(APIM_NO, "no signing key '%s'", kid);
		return -1;
	}
	if (strcmp(state, "active") == 0) {
		apim_err_set(APIM_DATAERR, "'%s' is the active key; rotate first",
		    kid);
		return -1;
	}
	if (apim_store_exec(db, "UPDATE signing_key SET state = 'retired' WHERE "
	    "kid = ?", "s", kid) == -1)
		return -1;
	apim_signkey_flush();
	return 0;
}

static EVP_PKEY *
load_private(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk;

	if (f == NULL) {
		apim_err_set(APIM_NOINPUT, "cannot open '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL)
		apim_err_set(APIM_DATAERR, "cannot read the private key '%s'", path);
	return pk;
}

EVP_PKEY *
apim_signkey_active(sqlite3 *db, char kid[APIM_KID_MAX], char alg[8])
{
	int64_t now = apim_now_ms();
	sqlite3_stmt *st;
	char k[APIM_KID_MAX], a[8], *path = NULL;
	EVP_PKEY *pk = NULL;
	int r, tries;

	pthread_mutex_lock(&lock);
	if (act.pk && samedb(act.db, db) && now - act.checked_ms < RECHECK_MS) {
		pk = act.pk;
		EVP_PKEY_up_ref(pk);
		strcpy(kid, act.kid);
		strcpy(alg, act.alg);
		pthread_mutex_unlock(&lock);
		return pk;
	}
	pthread_mutex_unlock(&lock);

	for (tries = 0; tries < 2; tries++) {
		if ((st = apim_store_prep(db, "SELECT kid, alg, private_path FROM "
		    "signing_key WHERE state = 'active' ORDER BY created_ms DESC "
		    "LIMIT 1", "")) == NULL)
			return NULL;
		if ((r = apim_store_step(db, st)) == 1) {
			snprintf(k, sizeof k, "%s", apim_store_text(st, 0));
			snprintf(a, sizeof a, "%s", apim_store_text(st, 1));
			path = apim_strdup(apim_store_text(st, 2));
		}
		sqlite3_finalize(st);
		if (r == -1)
			return NULL;
		if (r == 1)
			break;
		if (create_key(db, "RS256", 1, k) == -1)
			return NULL;
	}
	if (path == NULL) {
		apim_err_set(APIM_SOFTWARE, "no active signing key");
		return NULL;
	}
	pthread_mutex_lock(&lock);
	if (act.pk && samedb(act.db, db) && strcmp(act.kid, k) == 0) {
		act.checked_ms = now;
		pk = act.pk;
	} else {
		pthread_mutex_unlock(&lock);
		if ((pk = load_private(path)) == NULL) {
			free(path);
			return NULL;
		}
		pthread_mutex_lock(&lock);
		EVP_PKEY_CTX_free(act.sctx);
		act.sctx = NULL;
		EVP_PKEY_free(act.pk);
		act.pk = pk;
		snprintf(act.db, sizeof act.db, "%s", dbname(db));
		strcpy(act.kid, k);
		strcpy(act.alg, a);
		act.checked_ms = now;
		act.noted_exp_ms = 0;
	}
	EVP_PKEY_up_ref(pk);
	strcpy(kid, act.kid);
	strcpy(alg, act.alg);
	pthread_mutex_unlock(&lock);
	free(path);
	return pk;
}

/* What a check needs of a public key, copied out of the cache. */
struct pubkey {
	char alg[8];
	EVP_PKEY *pk;		/* a new reference, or NULL for RSA */
	unsigned char n[APIM_SIG_MAX], e[8];
	size_t nl, el;
};

/* A JWK's RSA numbers into p (0 if they do not fit), or else its key. */
static int
pub_parse(const char *jwktext, struct pub *p)
{
	json_t *j = json_loads(jwktext, 0, NULL);
	const char *kty = json_string_value(json_object_get(j, "kty"));
	const char *n = json_string_value(json_object_get(j, "n"));
	const char *e = json_string_value(json_object_get(j, "e"));
	/* n decodes to at most 3 * 684 / 4 + 3 bytes, e (once n fits) after
	 * at most APIM_SIG_MAX of them, to at most 12 */
	unsigned char buf[APIM_SIG_MAX + 32];
	long nl, el;
	int ok = 0;

	if (kty && strcmp(kty, "RSA") == 0) {
		if (n && e && strlen(n) <= 4 * APIM_SIG_MAX / 3 + 2 &&
		    strlen(e) <= 12 &&
		    (nl = apim_b64url_decode(n, strlen(n), buf)) > 0 &&
		    (size_t)nl <= sizeof p->n && (el = apim_b64url_decode(e,
		    strlen(e), buf + nl)) > 0 && (size_t)el <= sizeof p->e) {
			memcpy(p->n, buf, (size_t)nl);
			memcpy(p->e, buf + nl, (size_t)el);
			p->nl = (size_t)nl;
			p->el = (size_t)el;
			ok = 1;
		}
	} else if (kty)
		ok = (p->pk = jwk_key(jwktext)) != NULL;
	json_decref(j);
	return ok;
}

/* The slot of kid in db's cache, or -1 (lock held). */
static int
pub_slot(sqlite3 *db, const char *kid)
{
	int i;

	for (i = 0; i < NPUB; i++)
		if (pubs[i] && samedb(pubs[i]->db, db) &&
		    strcmp(pubs[i]->kid, kid) == 0)
			return i;
	return -1;
}

static void
pub_copy(const struct pub *p, struct pubkey *k)
{
	strcpy(k->alg, p->alg);
	if ((k->pk = p->pk) != NULL)
		EVP_PKEY_up_ref(k->pk);
	memcpy(k->n, p->n, p->nl);
	memcpy(k->e, p->e, p->el);
	k->nl = p->nl;
	k->el = p->el;
}

/* The non-retired key kid into k (from the cache, the store read again at
 * most every RECHECK_MS).  1; 0 unknown or retired (APIM_NO); -1 on a
 * store error. */
static int
pub_find(sqlite3 *db, const char *kid, struct pubkey *k)
{
	int64_t now = apim_now_ms();
	struct pub *p, *f = NULL;
	sqlite3_stmt *st;
	int i, r, ok = 0, retired = 0;

	memset(k, 0, sizeof *k);
	if (kid == NULL || strlen(kid) >= APIM_KID_MAX)
		goto no;
	pthread_mutex_lock(&lock);
	if ((i = pub_slot(db, kid)) >= 0 && now - (p = pubs[i])->checked_ms <
	    RECHECK_MS) {
		if (!(retired = p->retired))
			pub_copy(p, k);
		pthread_mutex_unlock(&lock);
		if (retired)
			goto no;
		return 1;
	}
	pthread_mutex_unlock(&lock);

	if ((st = apim_store_prep(db, "SELECT alg, state, public_jwk FROM "
	    "signing_key WHERE kid = ?", "s", kid)) == NULL)
		return -1;
	f = apim_xcalloc(1, sizeof *f);
	if ((r = apim_store_step(db, st)) == 1) {
		snprintf(f->alg, sizeof f->alg, "%s", apim_store_text(st, 0));
		retired = strcmp(apim_store_text(st, 1), "retired") == 0;
		if (!retired)
			ok = pub_parse(apim_store_text(st, 2), f);
	}
	sqlite3_finalize(st);
	if (r == -1) {
		EVP_PKEY_free(f->pk);
		free(f);
		return -1;
	}
	if (r == 0 || (!retired && !ok))
		goto no;

	pthread_mutex_lock(&lock);
	if ((i = pub_slot(db, kid)) >= 0 && retired) {
		pubs[i]->retired = 1;	/* kept, to answer "no" for a second */
		pubs[i]->checked_ms = now;
	} else if (!retired) {		/* f replaces kid's entry, or the oldest */
		if (i < 0) {
			i = pubnext;
			pubnext = (pubnext + 1) % NPUB;
		}
		if ((p = pubs[i]) != NULL)
			EVP_PKEY_free(p->pk);
		free(p);
		pubs[i] = f;
		snprintf(f->db, sizeof f->db, "%s", dbname(db));
		snprintf(f->kid, sizeof f->kid, "%s", kid);
		f->checked_ms = now;
		pub_copy(f, k);
	}
	pthread_mutex_unlock(&lock);
	if (retired)
		goto no;
	return 1;
no:
	if (f != NULL)
		EVP_PKEY_free(f->pk);
	free(f);
	apim_err_set(APIM_NO, "unknown or retired signing key");
	return 0;
}

/*
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) as RFC 8017 section 8.2.2 checks it:
 * the signature, a number below n, raised to e mod n must be exactly the
 * encoding of the data's digest, compared whole (nothing is parsed).  With
 * OpenSSL's big numbers and SHA-256 alone: an EVP verification fetches, and
 * a process's first fetch sets up OpenSSL's providers, name tables and
 * configuration, more than the rest of an inetd request.  1 valid, 0 not.
 */
static int
rs256_verify(const struct pubkey *k, const void *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	/* DigestInfo's DER before a SHA-256 hash (RFC 8017 section 9.2) */
	static const unsigned char info[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
	    0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
	    0x00, 0x04, 0x20 };
	unsigned char em[APIM_SIG_MAX], want[APIM_SIG_MAX];
	BIGNUM *n = BN_bin2bn(k->n, (int)k->nl, NULL);
	BIGNUM *e = BN_bin2bn(k->e, (int)k->el, NULL);
	BIGNUM *s = BN_bin2bn(sig, (int)siglen, NULL), *m = BN_new();
	BN_CTX *cx = BN_CTX_new();
	size_t kl = n ? (size_t)BN_num_bytes(n) : 0;
	int ok = 0;

	/* k octets: the modulus's; at least 8 of padding (0xff) */
	if (!n || !e || !s || !m || !cx || siglen != kl || kl > sizeof em ||
	    kl < 3 + 8 + sizeof info + 32 || !BN_is_odd(e) || BN_is_one(e) ||
	    BN_cmp(s, n) >= 0 || !BN_mod_exp(m, s, e, n, cx) ||
	    BN_bn2binpad(m, em, (int)kl) != (int)kl)
		goto out;
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xff, kl - 3 - sizeof info - 32);
	want[kl - 33 - sizeof info] = 0x00;
	memcpy(want + kl - 32 - sizeof info, info, sizeof info);
	apim_sha256(data, len, want + kl - 32);
	ok = apim_ct_equal(em, kl, want, kl);
out:
	BN_CTX_free(cx);
	BN_free(n);
	BN_free(e);
	BN_free(s);
	BN_free(m);
	return ok;
}

int
apim_signkey_check(sqlite3 *db, const char *kid, const char *alg,
    const void *data, size_t n, const unsigned char *sig, size_t siglen)
{
	struct pubkey k;
	int r;

	if ((r = pub_find(db, kid, &k)) != 1)
		return r == 0 ? -2 : -1;
	if (strcmp(k.alg, alg) != 0)
		r = -3;
	else if (k.pk == NULL)
		r = strcmp(alg, "RS256") == 0 && rs256_verify(&k, data, n, sig,
		    siglen);
	else
		r = apim_signkey_verify(k.pk, alg, data, n, sig, siglen);
	EVP_PKEY_free(k.pk);
	return r;
}

int
apim_signkey_note_exp(sqlite3 *db, const char *kid, int64_t exp_ms)
{
	int64_t up;

	if (exp_ms > INT64_MAX - 60000)	/* saturate: claims may be any integer */
		exp_ms = INT64_MAX - 60000;
	up = (exp_ms / 60000 + 1) * 60000;
	pthread_mutex_lock(&lock);
	if (samedb(act.db, db) && strcmp(act.kid, kid) == 0 && exp_ms <= act.noted_exp_ms) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	if (apim_store_exec(db, "UPDATE signing_key SET last_exp_ms = max("
	    "last_exp_ms, ?) WHERE kid = ?", "Is", up, kid) == -1)
		return -1;
	pthread_mutex_lock(&lock);
	if (samedb(act.db, db) && strcmp(act.kid, kid) == 0 && up > act.noted_exp_ms)
		act.noted_exp_ms = up;
	pthread_mutex_unlock(&lock);
	return 0;
}

json_t *
apim_signkey_jwks(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *keys = json_array(), *k;
	int r;

	if ((st = apim_store_prep(db, "SELECT public_jwk FROM signing_key WHERE "
	    "state = 'active' OR (state = 'previous' AND last_exp_ms > ?) "
	    "ORDER BY created_ms DESC", "I", apim_now_ms())) == NULL)
		goto fail;
	while ((r = apim_store_step(db, st)) == 1)
		if ((k = json_loads(apim_store_text(st, 0), 0, NULL)) != NULL)
			json_array_append_new(keys, k);
	sqlite3_finalize(st);
	if (r == -1)
		goto fail;
	return json_pack("{s:o}", "keys", keys);
fail:
	json_decref(keys);
	return NULL;
}

json_t *
apim_signkey_list(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int64_t now = apim_now_ms();
	char c[32], l[32];
	int r;

	if ((st = apim_store_prep(db, "SELECT kid, alg, state, created_ms, "
	    "last_exp_ms FROM signing_key ORDER BY created_ms DESC, rowid DESC",
	    "")) == NULL)
		goto fail;
	while ((r = apim_store_step(db, st)) == 1) {
		const char *state = apim_store_text(st, 2);
		int64_t le = sqlite3_column_int64(st, 4);
		int in = strcmp(state, "active") == 0 ||
		    (strcmp(state, "previous") == 0 && le > now);

		apim_time_iso(sqlite3_column_int64(st, 3), c);
		if (le)
			apim_time_iso(le, l);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b}",
		    "kid", apim_store_text(st, 0), "alg", apim_store_text(st, 1),
		    "state", state, "created", c, "last_exp", le ? l : NULL,
		    "in_jwks", in));
	}
	sqlite3_finalize(st);
	if (r == -1)
		goto fail;
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

char *
apim_signkey_public_pem(sqlite3 *db, const char *kid)
{
	sqlite3_stmt *st;
	EVP_PKEY *pk = NULL;
	BIO *bio;
	char *data, *out = NULL;
	long n;
	int r;

	if ((st = apim_store_prep(db, "SELECT public_jwk FROM signing_key WHERE "
	    "kid = ?", "s", kid)) == NULL)
		return NULL;
	if ((r = apim_store_step(db, st)) == 1)
		pk = jwk_key(apim_store_text(st, 0));
	sqlite3_finalize(st);
	if (r == -1)
		return NULL;
	if (r == 0) {
		apim_err_set(APIM_NO, "no signing key '%s'", kid);
		return NULL;
	}
	if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL) {
		EVP_PKEY_free(pk);
		apim_err_set(APIM_DATAERR, "bad public key for '%s'", kid);
		return NULL;
	}
	if (PEM_write_bio_PUBKEY(bio, pk) && (n = BIO_get_mem_data(bio, &data)) > 0) {
		out = apim_xmalloc((size_t)n + 1);
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	} else
		apim_err_set(APIM_SOFTWARE, "cannot encode the key '%s'", kid);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return out;
}

/* SHA-256, fetched once: EVP_sha256() and SHA256() look the algorithm up by
 * name on every call (a lock and a hash lookup in OpenSSL 3). */
static EVP_MD *sha256_md;
static EVP_MD_CTX *sha256_ctx;	/* under lock */

/* Sign with the cached context of the active key: SHA-256 then EVP_PKEY_sign.
 * 1 done, 0 not applicable (caller takes the general path), -1 failed. */
static int
sign_cached(EVP_PKEY *k, const char *alg, const void *data, size_t n,
    unsigned char *out, size_t *outlen)
{
	unsigned char dig[32];
	unsigned int dl = sizeof dig;
	size_t len = *outlen;
	int r = 0;

	if (strcmp(alg, "EdDSA") == 0)
		return 0;
	pthread_mutex_lock(&lock);
	if (act.pk != k)
		goto out;
	if (sha256_md == NULL && (sha256_md = EVP_MD_fetch(NULL, "SHA256",
	    NULL)) == NULL)
		goto out;
	if (sha256_ctx == NULL && (sha256_ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (act.sctx == NULL) {
		EVP_PKEY_CTX *cx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);

		if (cx == NULL || EVP_PKEY_sign_init(cx) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(cx, sha256_md) <= 0 ||
		    (strcmp(alg, "RS256") == 0 &&
		    EVP_PKEY_CTX_set_rsa_padding(cx, RSA_PKCS1_PADDING) <= 0)) {
			EVP_PKEY_CTX_free(cx);
			goto out;
		}
		act.sctx = cx;
	}
	r = -1;
	if (EVP_DigestInit_ex2(sha256_ctx, sha256_md, NULL) == 1 &&
	    EVP_DigestUpdate(sha256_ctx, data, n) == 1 &&
	    EVP_DigestFinal_ex(sha256_ctx, dig, &dl) == 1 &&
	    EVP_PKEY_sign(act.sctx, out, &len, dig, sizeof dig) == 1) {
		*outlen = len;
		r = 1;
	}
out:
	pthread_mutex_unlock(&lock);
	return r;
}

/* One DER INTEGER at *p (end e) into 32 big-endian bytes; -1 if malformed. */
static int
der_int32(const unsigned char **p, const unsigned char *e, unsigned char out[32])
{
	const unsigned char *q = *p;
	size_t l;

	if (e - q < 2 || q[0] != 0x02 || (l = q[1]) == 0 || l > (size_t)(e - q - 2))
		return -1;
	q += 2;
	*p = q + l;
	while (l > 0 && *q == 0) {
		q++;
		l--;
	}
	if (l > 32)
		return -1;
	memset(out, 0, 32 - l);
	memcpy(out + 32 - l, q, l);
	return 0;
}

/* An ECDSA-Sig-Value (SEQUENCE of r and s) as JWS wants it: r || s, 32 bytes
 * each (RFC 7518 section 3.4).  0, or -1 if malformed. */
static int
der_to_raw(const unsigned char *der, size_t n, unsigned char raw[64])
{
	const unsigned char *p = der, *e = der + n;
	size_t l;

	if (n < 2 || p[0] != 0x30)
		return -1;
	l = p[1];
	p += 2;
	if (l == 0x81) {
		if (n < 3)
			return -1;
		l = *p++;
	}
	if (l != (size_t)(e - p) || der_int32(&p, e, raw) == -1 ||
	    der_int32(&p, e, raw + 32) == -1 || p != e)
		return -1;
	return 0;
}

int
apim_signkey_sign(EVP_PKEY *k, const char *alg, const void *data, size_t n,
    unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX *md = NULL;
	int es = strcmp(alg, "ES256") == 0, ed = strcmp(alg, "EdDSA") == 0;
	unsigned char der[APIM_SIG_MAX];
	size_t len = sizeof der;
	int rc = -1, c;

	if ((c = sign_cached(k, alg, data, n, es ? der : sig, &len)) == -1)
		goto out;
	if (c == 0 && ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(md, es ? der : sig, &len, data, n) != 1))
		goto out;
	if (es) {
		if (der_to_raw(der, len, sig) == -1)
			goto out;
		len = 64;
	}
	*siglen = len;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	if (rc == -1)
		apim_err_set(APIM_SOFTWARE, "cannot sign with %s", alg);
	return rc;
}

int
apim_signkey_verify(EVP_PKEY *k, const char *alg, const void *data, size_t n,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int es = strcmp(alg, "ES256") == 0, ed = strcmp(alg, "EdDSA") == 0;
	unsigned char *der = NULL;
	int dlen = 0, ok = 0;
	ECDSA_SIG *s = NULL;

	if (md == NULL)
		return 0;
	if (es) {
		BIGNUM *r, *ss;

		if (siglen != 64 || (s = ECDSA_SIG_new()) == NULL)
			goto out;
		r = BN_bin2bn(sig, 32, NULL);
		ss = BN_bin2bn(sig + 32, 32, NULL);
		if (!r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
			BN_free(r);
			BN_free(ss);
			goto out;
		}
		if ((dlen = i2d_ECDSA_SIG(s, &der)) <= 0)
			goto out;
		sig = der;
		siglen = (size_t)dlen;
	}
	ok = EVP_DigestVerifyInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, data, n) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(md);
	return ok;
}
