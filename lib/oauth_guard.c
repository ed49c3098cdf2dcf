/* oauth_guard: token buckets per source for slow credential checks and the
 * MACs of verified secrets, in tables of fixed size (private, or shared by
 * forked processes under a robust process-shared mutex).  Sources and
 * clients are hashed with a secret seed. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "oauth_guard.h"
#include "util.h"

#define SLOTS 4096	/* sources remembered */
#define PROBE 8		/* slots looked at per source */
#define KEYS_MAX 4
#define KNOWN 4096	/* verified secrets remembered (one per slot) */

struct bucket {
	uint64_t h;	/* 0: free */
	double left;	/* checks left */
	int64_t ms;	/* when left was computed */
};

struct apim_oauth_guard {
	pthread_mutex_t mu;
	int shared;
	double rate, burst;
	unsigned char seed[16];
	unsigned char mackey[32];
	struct bucket b[SLOTS];
	unsigned char known[KNOWN][32];	/* MACs; all zero: none */
};

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

struct apim_oauth_guard *
apim_oauth_guard_new(int shared)
{
	struct apim_oauth_guard *g;
	pthread_mutexattr_t ma;

	if (shared) {
		g = mmap(NULL, sizeof *g, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (g == MAP_FAILED) {
			apim_err_set(APIM_SOFTWARE, "cannot map shared memory: %s",
			    strerror(errno));
			return NULL;
		}
		memset(g, 0, sizeof *g);
	} else
		g = apim_xcalloc(1, sizeof *g);
	g->shared = shared;
	if (RAND_bytes(g->seed, sizeof g->seed) != 1 ||
	    RAND_bytes(g->mackey, sizeof g->mackey) != 1) {
		apim_oauth_guard_free(g);
		apim_err_set(APIM_SOFTWARE, "no random bytes");
		return NULL;
	}
	pthread_mutexattr_init(&ma);
	if (shared) {
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		/* a worker killed inside cannot block the others */
		pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	}
	pthread_mutex_init(&g->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	g->rate = conf_rate("token.verify_rate", 10);
	g->burst = 2 * g->rate < 2 ? 2 : 2 * g->rate;
	return g;
}

void
apim_oauth_guard_free(struct apim_oauth_guard *g)
{
	if (g == NULL)
		return;
	OPENSSL_cleanse(g->mackey, sizeof g->mackey);
	if (g->shared)
		munmap(g, sizeof *g);
	else {
		pthread_mutex_destroy(&g->mu);
		free(g);
	}
}

/* The source's 64-bit name: SHA-256 of seed and key (never 0). */
static uint64_t
hash(const struct apim_oauth_guard *g, const char *key)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint64_t h = 0;
	int i;

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, g->seed, sizeof g->seed) != 1 ||
	    EVP_DigestUpdate(c, key, strlen(key)) != 1 ||
	    EVP_DigestFinal_ex(c, md, &n) != 1)
		memset(md, 0, sizeof md);	/* all sources share one bucket */
	EVP_MD_CTX_free(c);
	for (i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return h ? h : 1;
}

static void lock(struct apim_oauth_guard *);

static double
refill(const struct apim_oauth_guard *g, const struct bucket *b, int64_t now)
{
	double l = b->left + (double)(now - b->ms) * g->rate / 1000.0;

	if (now < b->ms)
		l = b->left;
	return l > g->burst ? g->burst : l;
}

/* The bucket of h, made (full) if need be in the probe window: a free slot,
 * else the fullest one not in taken[0..nt) (a full bucket forgets nothing). */
static struct bucket *
find(struct apim_oauth_guard *g, uint64_t h, int64_t now,
    struct bucket *const *taken, int nt)
{
	struct bucket *best = NULL;
	double most = -1;
	int i, j;

	for (i = 0; i < PROBE; i++) {
		struct bucket *b = &g->b[(h + (uint64_t)i) % SLOTS];
		double l;

		if (b->h == h)
			return b;
		for (j = 0; j < nt && taken[j] != b; j++)
			;
		if (j < nt)
			continue;
		l = b->h == 0 ? 1e300 : refill(g, b, now);
		if (l > most) {
			most = l;
			best = b;
		}
	}
	best->h = h;
	best->left = g->burst;
	best->ms = now;
	return best;
}

int
apim_oauth_guard_take(struct apim_oauth_guard *g, const char *const *keys,
    int64_t now_ms, double *wait_s)
{
	struct bucket *b[KEYS_MAX];
	uint64_t h[KEYS_MAX];
	int n, i, ok = 1;

	for (n = 0; n < KEYS_MAX && keys[n]; n++)
		h[n] = hash(g, keys[n]);
	*wait_s = 0;
	lock(g);
	for (i = 0; i < n; i++) {
		b[i] = find(g, h[i], now_ms, b, i);
		b[i]->left = refill(g, b[i], now_ms);
		b[i]->ms = now_ms;
		if (b[i]->left < 1) {
			double w = (1 - b[i]->left) / g->rate;

			ok = 0;
			if (w > *wait_s)
				*wait_s = w;
		}
	}
	if (ok)
		for (i = 0; i < n; i++)
			b[i]->left -= 1;
	pthread_mutex_unlock(&g->mu);
	return ok;
}

const unsigned char *
apim_oauth_guard_mackey(const struct apim_oauth_guard *g)
{
	return g->mackey;
}

/* The slot of client key: FNV-1a from a secret start, then mixed (fast: it
 * is on every request's path). */
static unsigned
known_slot(const struct apim_oauth_guard *g, const char *key)
{
	uint64_t h;
	int i;

	memcpy(&h, g->seed, sizeof h);
	h ^= 14695981039346656037ULL;
	while (*key)
		h = (h ^ (unsigned char)*key++) * 1099511628211ULL;
	for (i = 0; i < 2; i++) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	return (unsigned)(h % KNOWN);
}

static void
lock(struct apim_oauth_guard *g)
{
	if (pthread_mutex_lock(&g->mu) == EOWNERDEAD)
		pthread_mutex_consistent(&g->mu);
}

int
apim_oauth_guard_known(struct apim_oauth_guard *g, const char *key,
    const unsigned char mac[32])
{
	unsigned char m[32];

	lock(g);
	memcpy(m, g->known[known_slot(g, key)], sizeof m);
	pthread_mutex_unlock(&g->mu);
	return apim_ct_equal(m, sizeof m, mac, sizeof m);
}

void
apim_oauth_guard_remember(struct apim_oauth_guard *g, const char *key,
    const unsigned char mac[32])
{
	unsigned k = known_slot(g, key);

	lock(g);
	memcpy(g->known[k], mac, 32);
	pthread_mutex_unlock(&g->mu);
}
