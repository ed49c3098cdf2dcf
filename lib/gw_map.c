/* gw_map: an open-addressing hash table (linear probing, backward-shift
 * deletion) for the gateway's view and caches, hashed with SipHash-1-3
 * under a random key drawn once per process. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "buf.h"
#include "gw_map.h"
#include "util.h"

struct slot {
	char *key;		/* NULL: empty; len bytes and a NUL */
	size_t len;
	uint64_t h;
	void *v;
};

struct gw_map {
	struct slot *s;
	size_t cap, n;		/* cap is a power of two */
	void (*vfree)(void *);
};

/* --- SipHash-1-3 (Aumasson and Bernstein): one compression round per
 * 8-byte word, three at the end --- */

static uint64_t sip_k0, sip_k1;
static int sip_keyed;

static void
sip_key(void)
{
	uint64_t k[2];

	if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		struct timespec ts;

		/* no entropy yet (early boot): a weaker key, still unknown
		 * to a remote client */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
		clock_gettime(CLOCK_REALTIME, &ts);
		k[1] = (uint64_t)ts.tv_nsec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)ts.tv_sec;
	}
	sip_k0 = k[0];
	sip_k1 = k[1];
	sip_keyed = 1;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static inline uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint64_t
gw_map_hash(const void *key, size_t len)
{
	const unsigned char *p = key, *end = p + (len & ~(size_t)7);
	uint64_t v0, v1, v2, v3, m, b = (uint64_t)len << 56;
	size_t left = len & 7;

	if (!sip_keyed)
		sip_key();
	v0 = sip_k0 ^ 0x736f6d6570736575ULL;
	v1 = sip_k1 ^ 0x646f72616e646f6dULL;
	v2 = sip_k0 ^ 0x6c7967656e657261ULL;
	v3 = sip_k1 ^ 0x7465646279746573ULL;
	for (; p < end; p += 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	switch (left) {
	case 7: b |= (uint64_t)p[6] << 48;	/* FALLTHROUGH */
	case 6: b |= (uint64_t)p[5] << 40;	/* FALLTHROUGH */
	case 5: b |= (uint64_t)p[4] << 32;	/* FALLTHROUGH */
	case 4: b |= (uint64_t)p[3] << 24;	/* FALLTHROUGH */
	case 3: b |= (uint64_t)p[2] << 16;	/* FALLTHROUGH */
	case 2: b |= (uint64_t)p[1] << 8;	/* FALLTHROUGH */
	case 1: b |= (uint64_t)p[0];		/* FALLTHROUGH */
	case 0: break;
	}
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* 1 if the n bytes at a and b are equal, in time that depends on n only
 * (keys may be credentials). */
static int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y, d = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
	return d == 0;
}

struct gw_map *
gw_map_new(void (*vfree)(void *))
{
	struct gw_map *m = apim_xcalloc(1, sizeof *m);

	m->cap = 16;
	m->s = apim_xcalloc(m->cap, sizeof *m->s);
	m->vfree = vfree;
	return m;
}

static struct slot *
find(const struct gw_map *m, const void *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->s[i].key) {
		if (m->s[i].h == h && m->s[i].len == len &&
		    same(m->s[i].key, key, len))
			return &m->s[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->s[i];
}

/* An empty slot for h (no key compare: for keys known to be absent). */
static struct slot *
hole(const struct gw_map *m, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->s[i].key)
		i = (i + 1) & (m->cap - 1);
	return &m->s[i];
}

void *
gw_map_getn(const struct gw_map *m, const void *key, size_t len, uint64_t h)
{
	struct slot *s = find(m, key, len, h);

	return s->key ? s->v : NULL;
}

void *
gw_map_get(const struct gw_map *m, const char *key)
{
	size_t len = strlen(key);

	return gw_map_getn(m, key, len, gw_map_hash(key, len));
}

static void
grow(struct gw_map *m)
{
	struct slot *old = m->s;
	size_t i, ocap = m->cap;

	m->cap *= 2;
	m->s = apim_xcalloc(m->cap, sizeof *m->s);
	for (i = 0; i < ocap; i++)
		if (old[i].key)
			*hole(m, old[i].h) = old[i];
	free(old);
}

void
gw_map_putn(struct gw_map *m, const void *key, size_t len, uint64_t h, void *v)
{
	struct slot *s = find(m, key, len, h);

	if (s->key) {
		if (m->vfree && s->v != v)
			m->vfree(s->v);
		s->v = v;
		return;
	}
	if (2 * (m->n + 1) > m->cap) {
		grow(m);
		s = hole(m, h);
	}
	s->key = apim_xmalloc(len + 1);
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->len = len;
	s->h = h;
	s->v = v;
	m->n++;
}

void
gw_map_put(struct gw_map *m, const char *key, void *v)
{
	size_t len = strlen(key);

	gw_map_putn(m, key, len, gw_map_hash(key, len), v);
}

void
gw_map_deln(struct gw_map *m, const void *key, size_t len, uint64_t h)
{
	struct slot *s = find(m, key, len, h);
	size_t i, j, k;

	if (s->key == NULL)
		return;
	free(s->key);
	if (m->vfree)
		m->vfree(s->v);
	s->key = NULL;
	m->n--;
	/* backward shift: move later members of the run into the hole */
	i = (size_t)(s - m->s);
	for (j = (i + 1) & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1)) {
		k = (size_t)m->s[j].h & (m->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->s[i] = m->s[j];
			m->s[j].key = NULL;
			i = j;
		}
	}
}

void
gw_map_del(struct gw_map *m, const char *key)
{
	size_t len = strlen(key);

	gw_map_deln(m, key, len, gw_map_hash(key, len));
}

void
gw_map_clear(struct gw_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->s[i].key) {
			free(m->s[i].key);
			if (m->vfree)
				m->vfree(m->s[i].v);
			m->s[i].key = NULL;
		}
	m->n = 0;
}

size_t
gw_map_count(const struct gw_map *m)
{
	return m->n;
}

void
gw_map_free(struct gw_map *m)
{
	if (m == NULL)
		return;
	gw_map_clear(m);
	free(m->s);
	free(m);
}
