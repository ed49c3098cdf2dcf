/* crypto_lazy: libcrypto and libssl for apim-proxy, loaded with dlopen on first
 * use instead of at exec (under inetd every connection pays the start-up, and
 * relocating OpenSSL was most of it); linked only into its default build. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

/*
 * Each OpenSSL function apim-proxy calls, forwarded to the library opened on
 * its first call: libcrypto.so.3 for the first list, libssl.so.3 (which needs
 * libcrypto, so opening it opens both) for the second.  The sonames are those
 * libcurl links too: an https:// backend shares the one copy.  If a library
 * cannot be opened, every call returns the failure value OpenSSL documents for
 * it (NULL, 0, -1, ...), so the caller reports its usual error; the calls that
 * take an object only OpenSSL makes are then never reached, and return one
 * anyway.  An OpenSSL call added to apim-proxy's code needs a line here and a
 * wrapper below: apim-proxy's link (without -lcrypto -lssl) fails until it has
 * them.  Macros (OPENSSL_free, SSL_CTX_set_*, BIO_get_mem_data, ...) expand
 * to the functions wrapped here.  apim-proxy has threads (the OAuth pool), so
 * each library is opened under pthread_once.
 */
#define CRYPTO_LAZY_FUNCS(X) \
	X(BIO_ctrl) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_s_mem) \
	X(BN_CTX_free) \
	X(BN_CTX_new) \
	X(BN_bin2bn) \
	X(BN_bn2binpad) \
	X(BN_cmp) \
	X(BN_free) \
	X(BN_is_odd) \
	X(BN_is_one) \
	X(BN_mod_exp) \
	X(BN_new) \
	X(BN_num_bits) \
	X(CRYPTO_free) \
	X(ECDSA_SIG_free) \
	X(ECDSA_SIG_new) \
	X(ECDSA_SIG_set0) \
	X(ERR_clear_error) \
	X(EVP_DecodeBlock) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestInit_ex2) \
	X(EVP_DigestSign) \
	X(EVP_DigestSignInit) \
	X(EVP_DigestUpdate) \
	X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit) \
	X(EVP_MAC_CTX_dup) \
	X(EVP_MAC_CTX_free) \
	X(EVP_MAC_CTX_new) \
	X(EVP_MAC_fetch) \
	X(EVP_MAC_final) \
	X(EVP_MAC_free) \
	X(EVP_MAC_init) \
	X(EVP_MAC_update) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_MD_fetch) \
	X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_CTX_new_from_name) \
	X(EVP_PKEY_CTX_new_from_pkey) \
	X(EVP_PKEY_CTX_set_rsa_padding) \
	X(EVP_PKEY_CTX_set_signature_md) \
	X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_fromdata) \
	X(EVP_PKEY_fromdata_init) \
	X(EVP_PKEY_get_bn_param) \
	X(EVP_PKEY_get_raw_public_key) \
	X(EVP_PKEY_new_raw_public_key) \
	X(EVP_PKEY_sign) \
	X(EVP_PKEY_sign_init) \
	X(EVP_PKEY_up_ref) \
	X(EVP_sha256) \
	X(OSSL_PARAM_BLD_free) \
	X(OSSL_PARAM_BLD_new) \
	X(OSSL_PARAM_BLD_push_BN) \
	X(OSSL_PARAM_BLD_push_octet_string) \
	X(OSSL_PARAM_BLD_push_utf8_string) \
	X(OSSL_PARAM_BLD_to_param) \
	X(OSSL_PARAM_construct_utf8_string) \
	X(OSSL_PARAM_free) \
	X(PEM_read_PrivateKey) \
	X(PEM_write_bio_PUBKEY) \
	X(PEM_write_bio_PrivateKey) \
	X(PKCS5_PBKDF2_HMAC) \
	X(RAND_bytes) \
	X(i2d_ECDSA_SIG)

#define SSL_LAZY_FUNCS(X) \
	X(SSL_CTX_check_private_key) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) \
	X(SSL_CTX_new) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_accept) \
	X(SSL_free) \
	X(SSL_get_error) \
	X(SSL_new) \
	X(SSL_read) \
	X(SSL_set_fd) \
	X(SSL_shutdown) \
	X(SSL_write) \
	X(TLS_server_method)

#define X(name) __typeof__(&name) name;
static struct {
	CRYPTO_LAZY_FUNCS(X)
} C;
static struct {
	SSL_LAZY_FUNCS(X)
} S;
#undef X

static pthread_once_t c_once = PTHREAD_ONCE_INIT, s_once = PTHREAD_ONCE_INIT;
static atomic_int c_ok;	/* 1 once libcrypto is open and every function found */
static int s_ok;	/* the same for libssl; read after pthread_once */

static void
c_open(void)
{
	void *h;

	if ((h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
#define X(name) \
	if ((*(void **)&C.name = dlsym(h, #name)) == NULL) \
		return;
	CRYPTO_LAZY_FUNCS(X)
#undef X
	atomic_store(&c_ok, 1);
}

static void
s_open(void)
{
	void *h;

	if ((h = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
#define X(name) \
	if ((*(void **)&S.name = dlsym(h, #name)) == NULL) \
		return;
	SSL_LAZY_FUNCS(X)
#undef X
	s_ok = 1;
}

/* 1 if libcrypto is open, opening it on the first call. */
static int
crypto(void)
{
	pthread_once(&c_once, c_open);
	return atomic_load_explicit(&c_ok, memory_order_relaxed);
}

/* 1 if libssl is open (and libcrypto: ERR_clear_error is called with it). */
static int
ssl(void)
{
	if (!crypto())
		return 0;
	pthread_once(&s_once, s_open);
	return s_ok;
}

/* A wrapper that returns the function's value, or fail. */
#define C_RET(type, name, params, args, fail) \
	type (name)params \
	{ \
		return crypto() ? C.name args : (fail); \
	}
/* A free function: freeing NULL opens nothing. */
#define C_FREE(type, name) \
	void (name)(type *p) \
	{ \
		if (p != NULL && crypto()) \
			C.name(p); \
	}
#define S_RET(type, name, params, args, fail) \
	type (name)params \
	{ \
		return ssl() ? S.name args : (fail); \
	}
#define S_FREE(type, name) \
	void (name)(type *p) \
	{ \
		if (p != NULL && ssl()) \
			S.name(p); \
	}

C_RET(long, BIO_ctrl, (BIO *b, int cmd, long larg, void *parg),
    (b, cmd, larg, parg), 0)
int
(BIO_free)(BIO *b)
{
	return b != NULL && crypto() ? C.BIO_free(b) : 0;
}
C_RET(BIO *, BIO_new, (const BIO_METHOD *m), (m), NULL)
C_RET(const BIO_METHOD *, BIO_s_mem, (void), (), NULL)

C_FREE(BN_CTX, BN_CTX_free)
C_RET(BN_CTX *, BN_CTX_new, (void), (), NULL)
C_RET(BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret),
    (s, len, ret), NULL)
C_RET(int, BN_bn2binpad, (const BIGNUM *a, unsigned char *to, int tolen),
    (a, to, tolen), -1)
/* no failure value: "not equal" */
C_RET(int, BN_cmp, (const BIGNUM *a, const BIGNUM *b), (a, b), 1)
C_FREE(BIGNUM, BN_free)
C_RET(int, BN_is_odd, (const BIGNUM *a), (a), 0)
C_RET(int, BN_is_one, (const BIGNUM *a), (a), 0)
C_RET(int, BN_mod_exp, (BIGNUM *r, const BIGNUM *a, const BIGNUM *p,
    const BIGNUM *m, BN_CTX *ctx), (r, a, p, m, ctx), 0)
C_RET(BIGNUM *, BN_new, (void), (), NULL)
C_RET(int, BN_num_bits, (const BIGNUM *a), (a), 0)

/* OPENSSL_free(NULL) must not open libcrypto */
void
(CRYPTO_free)(void *p, const char *file, int line)
{
	if (p != NULL && crypto())
		C.CRYPTO_free(p, file, line);
}

C_FREE(ECDSA_SIG, ECDSA_SIG_free)
C_RET(ECDSA_SIG *, ECDSA_SIG_new, (void), (), NULL)
C_RET(int, ECDSA_SIG_set0, (ECDSA_SIG *sig, BIGNUM *r, BIGNUM *s),
    (sig, r, s), 0)

/* A thread that has made no OpenSSL call has no error to clear. */
void
(ERR_clear_error)(void)
{
	if (atomic_load(&c_ok))
		C.ERR_clear_error();
}

C_RET(int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n),
    (t, f, n), -1)
C_RET(int, EVP_Digest, (const void *data, size_t count, unsigned char *md,
    unsigned int *size, const EVP_MD *type, ENGINE *impl),
    (data, count, md, size, type, impl), 0)
C_RET(int, EVP_DigestFinal_ex, (EVP_MD_CTX *ctx, unsigned char *md,
    unsigned int *s), (ctx, md, s), 0)
C_RET(int, EVP_DigestInit_ex, (EVP_MD_CTX *ctx, const EVP_MD *type,
    ENGINE *impl), (ctx, type, impl), 0)
C_RET(int, EVP_DigestInit_ex2, (EVP_MD_CTX *ctx, const EVP_MD *type,
    const OSSL_PARAM params[]), (ctx, type, params), 0)
C_RET(int, EVP_DigestSign, (EVP_MD_CTX *ctx, unsigned char *sigret,
    size_t *siglen, const unsigned char *tbs, size_t tbslen),
    (ctx, sigret, siglen, tbs, tbslen), 0)
C_RET(int, EVP_DigestSignInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx,
    const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
    (ctx, pctx, type, e, pkey), 0)
C_RET(int, EVP_DigestUpdate, (EVP_MD_CTX *ctx, const void *d, size_t cnt),
    (ctx, d, cnt), 0)
C_RET(int, EVP_DigestVerify, (EVP_MD_CTX *ctx, const unsigned char *sigret,
    size_t siglen, const unsigned char *tbs, size_t tbslen),
    (ctx, sigret, siglen, tbs, tbslen), 0)
C_RET(int, EVP_DigestVerifyInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx,
    const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
    (ctx, pctx, type, e, pkey), 0)

C_RET(EVP_MAC_CTX *, EVP_MAC_CTX_dup, (const EVP_MAC_CTX *src), (src), NULL)
C_FREE(EVP_MAC_CTX, EVP_MAC_CTX_free)
C_RET(EVP_MAC_CTX *, EVP_MAC_CTX_new, (EVP_MAC *mac), (mac), NULL)
C_RET(EVP_MAC *, EVP_MAC_fetch, (OSSL_LIB_CTX *libctx, const char *algorithm,
    const char *properties), (libctx, algorithm, properties), NULL)
C_RET(int, EVP_MAC_final, (EVP_MAC_CTX *ctx, unsigned char *out, size_t *outl,
    size_t outsize), (ctx, out, outl, outsize), 0)
C_FREE(EVP_MAC, EVP_MAC_free)
C_RET(int, EVP_MAC_init, (EVP_MAC_CTX *ctx, const unsigned char *key,
    size_t keylen, const OSSL_PARAM params[]), (ctx, key, keylen, params), 0)
C_RET(int, EVP_MAC_update, (EVP_MAC_CTX *ctx, const unsigned char *data,
    size_t datalen), (ctx, data, datalen), 0)

C_FREE(EVP_MD_CTX, EVP_MD_CTX_free)
C_RET(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)
C_RET(EVP_MD *, EVP_MD_fetch, (OSSL_LIB_CTX *ctx, const char *algorithm,
    const char *properties), (ctx, algorithm, properties), NULL)
C_RET(const EVP_MD *, EVP_sha256, (void), (), NULL)

C_FREE(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
C_RET(EVP_PKEY_CTX *, EVP_PKEY_CTX_new_from_name, (OSSL_LIB_CTX *libctx,
    const char *name, const char *propquery), (libctx, name, propquery), NULL)
C_RET(EVP_PKEY_CTX *, EVP_PKEY_CTX_new_from_pkey, (OSSL_LIB_CTX *libctx,
    EVP_PKEY *pkey, const char *propquery), (libctx, pkey, propquery), NULL)
C_RET(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX *ctx, int pad_mode),
    (ctx, pad_mode), 0)
C_RET(int, EVP_PKEY_CTX_set_signature_md, (EVP_PKEY_CTX *ctx,
    const EVP_MD *md), (ctx, md), 0)
C_FREE(EVP_PKEY, EVP_PKEY_free)
C_RET(int, EVP_PKEY_fromdata, (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey,
    int selection, OSSL_PARAM param[]), (ctx, ppkey, selection, param), 0)
C_RET(int, EVP_PKEY_fromdata_init, (EVP_PKEY_CTX *ctx), (ctx), 0)
C_RET(int, EVP_PKEY_get_bn_param, (const EVP_PKEY *pkey, const char *key_name,
    BIGNUM **bn), (pkey, key_name, bn), 0)
C_RET(int, EVP_PKEY_get_raw_public_key, (const EVP_PKEY *pkey,
    unsigned char *pub, size_t *len), (pkey, pub, len), 0)
C_RET(EVP_PKEY *, EVP_PKEY_new_raw_public_key, (int type, ENGINE *e,
    const unsigned char *pub, size_t len), (type, e, pub, len), NULL)
C_RET(int, EVP_PKEY_sign, (EVP_PKEY_CTX *ctx, unsigned char *sig,
    size_t *siglen, const unsigned char *tbs, size_t tbslen),
    (ctx, sig, siglen, tbs, tbslen), 0)
C_RET(int, EVP_PKEY_sign_init, (EVP_PKEY_CTX *ctx), (ctx), 0)
C_RET(int, EVP_PKEY_up_ref, (EVP_PKEY *pkey), (pkey), 0)

/* The key type's argument as EVP_PKEY_Q_keygen reads it: a size_t for RSA,
 * a curve name for EC and SM2, none for the others. */
EVP_PKEY *
(EVP_PKEY_Q_keygen)(OSSL_LIB_CTX *libctx, const char *propq,
    const char *type, ...)
{
	va_list ap;
	EVP_PKEY *k;

	if (!crypto())
		return NULL;
	va_start(ap, type);
	if (strcasecmp(type, "RSA") == 0)
		k = C.EVP_PKEY_Q_keygen(libctx, propq, type, va_arg(ap, size_t));
	else if (strcasecmp(type, "EC") == 0 || strcasecmp(type, "SM2") == 0)
		k = C.EVP_PKEY_Q_keygen(libctx, propq, type,
		    va_arg(ap, const char *));
	else
		k = C.EVP_PKEY_Q_keygen(libctx, propq, type);
	va_end(ap);
	return k;
}

C_FREE(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
C_RET(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_new, (void), (), NULL)
C_RET(int, OSSL_PARAM_BLD_push_BN, (OSSL_PARAM_BLD *bld, const char *key,
    const BIGNUM *bn), (bld, key, bn), 0)
C_RET(int, OSSL_PARAM_BLD_push_octet_string, (OSSL_PARAM_BLD *bld,
    const char *key, const void *buf, size_t bsize), (bld, key, buf, bsize), 0)
C_RET(int, OSSL_PARAM_BLD_push_utf8_string, (OSSL_PARAM_BLD *bld,
    const char *key, const char *buf, size_t bsize), (bld, key, buf, bsize), 0)
C_RET(OSSL_PARAM *, OSSL_PARAM_BLD_to_param, (OSSL_PARAM_BLD *bld), (bld),
    NULL)
/* no failure value: the end of a list, which the call it is passed to fails */
C_RET(OSSL_PARAM, OSSL_PARAM_construct_utf8_string, (const char *key,
    char *buf, size_t bsize), (key, buf, bsize), (OSSL_PARAM){ 0 })
C_FREE(OSSL_PARAM, OSSL_PARAM_free)

C_RET(EVP_PKEY *, PEM_read_PrivateKey, (FILE *fp, EVP_PKEY **x,
    pem_password_cb *cb, void *u), (fp, x, cb, u), NULL)
C_RET(int, PEM_write_bio_PUBKEY, (BIO *bp, const EVP_PKEY *x), (bp, x), 0)
C_RET(int, PEM_write_bio_PrivateKey, (BIO *bp, const EVP_PKEY *x,
    const EVP_CIPHER *enc, const unsigned char *kstr, int klen,
    pem_password_cb *cb, void *u), (bp, x, enc, kstr, klen, cb, u), 0)
C_RET(int, PKCS5_PBKDF2_HMAC, (const char *pass, int passlen,
    const unsigned char *salt, int saltlen, int iter, const EVP_MD *digest,
    int keylen, unsigned char *out),
    (pass, passlen, salt, saltlen, iter, digest, keylen, out), 0)
C_RET(int, RAND_bytes, (unsigned char *buf, int num), (buf, num), 0)
C_RET(int, i2d_ECDSA_SIG, (const ECDSA_SIG *sig, unsigned char **pp),
    (sig, pp), -1)

/*
 * Not forwarded: zeroing a secret (a client secret, a token) must not open
 * libcrypto, and explicit_bzero gives OPENSSL_cleanse's guarantee (the
 * stores are not optimised away).
 */
void
(OPENSSL_cleanse)(void *p, size_t n)
{
	explicit_bzero(p, n);
}

S_RET(int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx), 0)
S_RET(long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg),
    (ctx, cmd, larg, parg), 0)
S_FREE(SSL_CTX, SSL_CTX_free)
S_RET(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *meth), (meth), NULL)
S_RET(int, SSL_CTX_use_PrivateKey_file, (SSL_CTX *ctx, const char *file,
    int type), (ctx, file, type), 0)
S_RET(int, SSL_CTX_use_certificate_chain_file, (SSL_CTX *ctx,
    const char *file), (ctx, file), 0)
S_RET(int, SSL_accept, (SSL *s), (s), -1)
S_FREE(SSL, SSL_free)
S_RET(int, SSL_get_error, (const SSL *s, int ret_code), (s, ret_code),
    SSL_ERROR_SSL)
S_RET(SSL *, SSL_new, (SSL_CTX *ctx), (ctx), NULL)
S_RET(int, SSL_read, (SSL *s, void *buf, int num), (s, buf, num), -1)
S_RET(int, SSL_set_fd, (SSL *s, int fd), (s, fd), 0)
S_RET(int, SSL_shutdown, (SSL *s), (s), -1)
S_RET(int, SSL_write, (SSL *s, const void *buf, int num), (s, buf, num), -1)
S_RET(const SSL_METHOD *, TLS_server_method, (void), (), NULL)
