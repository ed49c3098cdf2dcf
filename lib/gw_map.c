/* gw_map: a string-keyed open-addressing hash table (linear probing, FNV-1a,
 * backward-shift deletion) for the gateway's view and caches. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gw_map.h"
#include "util.h"

struct slot {
	char *key;		/* NULL: empty */
	uint64_t h;
	void *v;
};

struct gw_map {
	struct slot *s;
	size_t cap, n;		/* cap is a power of two */
	void (*vfree)(void *);
};

static uint64_t
hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
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
find(const struct gw_map *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->s[i].key) {
		if (m->s[i].h == h && strcmp(m->s[i].key, key) == 0)
			return &m->s[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->s[i];
}

void *
gw_map_get(const struct gw_map *m, const char *key)
{
	struct slot *s = find(m, key, hash(key));

	return s->key ? s->v : NULL;
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
			*find(m, old[i].key, old[i].h) = old[i];
	free(old);
}

void
gw_map_put(struct gw_map *m, const char *key, void *v)
{
	uint64_t h = hash(key);
	struct slot *s = find(m, key, h);

	if (s->key) {
		if (m->vfree && s->v != v)
			m->vfree(s->v);
		s->v = v;
		return;
	}
	if (2 * (m->n + 1) > m->cap) {
		grow(m);
		s = find(m, key, h);
	}
	s->key = apim_strdup(key);
	s->h = h;
	s->v = v;
	m->n++;
}

void
gw_map_del(struct gw_map *m, const char *key)
{
	struct slot *s = find(m, key, hash(key));
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
