/* counter: the counter file (counter.h): a versioned header and an
 * open-addressing table of 128-byte slots, each changed by one CAS. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "counter.h"
#include "err.h"
#include "util.h"

#define MAGIC		"APIMCNT"	/* 8 bytes with its NUL */
#define VERSION		1
#define HEADER_SIZE	4096
#define SLOTS_DEFAULT	65536
#define SLOTS_MAX	(1u << 26)
#define KEY_TEXT	104

struct header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t nslots;
	uint64_t slot_size;
	int64_t created_ms;
};

/*
 * A slot: hash is claimed once (0 -> h) by CAS and never changes; word holds
 * the window number (high 32 bits) and its count (low 32), changed only by
 * CAS, so a process killed at any instruction leaves either the old or the
 * new value, never a half.
 */
struct slot {
	_Atomic uint64_t hash;
	_Atomic uint64_t word;
	_Atomic int64_t period_ms;
	char key[KEY_TEXT];
};

struct apim_counter {
	int fd;
	size_t map_len;
	struct header *hdr;
	struct slot *slots;
	uint64_t nslots;
};

_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

static uint64_t
key_hash(const char *key, int64_t period_ms)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)key;
	int i;

	for (; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	for (i = 0; i < 8; i++)
		h = (h ^ (uint64_t)((period_ms >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	/* finalizer (splitmix64) spreads the bits over the table */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h ? h : 1;
}

/* Make a new file with nslots at a temporary name and link it to path; if
 * another process made one first, theirs wins. */
static int
create_file(const char *path, size_t nslots)
{
	char tmp[PATH_MAX];
	struct header h;
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
		apim_err_set(APIM_CANTCREAT, "path too long: '%s'", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		apim_err_set(APIM_CANTCREAT, "cannot create counter file '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, sizeof h.magic);
	h.version = VERSION;
	h.header_size = HEADER_SIZE;
	h.nslots = nslots;
	h.slot_size = sizeof(struct slot);
	h.created_ms = apim_now_ms();
	if (fchmod(fd, 0644) == -1 ||
	    ftruncate(fd, (off_t)(HEADER_SIZE + nslots * sizeof(struct slot))) == -1 ||
	    pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || fsync(fd) == -1) {
		apim_err_set(APIM_IOERR, "cannot create counter file '%s': %s",
		    path, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (link(tmp, path) == -1 && errno != EEXIST) {
		apim_err_set(APIM_CANTCREAT, "cannot create counter file '%s': %s",
		    path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	return 0;
}

struct apim_counter *
apim_counter_open(const char *path, size_t slots)
{
	struct apim_counter *c;
	struct header h;
	struct stat st;
	int fd;

	if (slots == 0)
		slots = SLOTS_DEFAULT;
	if (slots > SLOTS_MAX)
		slots = SLOTS_MAX;
	while ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT) {
			apim_err_set(APIM_IOERR, "cannot open counter file '%s': %s",
			    path, strerror(errno));
			return NULL;
		}
		if (create_file(path, slots) == -1)
			return NULL;
	}
	if (fstat(fd, &st) == -1 || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
		apim_err_set(APIM_DATAERR, "counter file '%s' is not an apim "
		    "counter file (too short)", path);
		close(fd);
		return NULL;
	}
	if (memcmp(h.magic, MAGIC, sizeof h.magic) != 0) {
		apim_err_set(APIM_DATAERR, "counter file '%s' is not an apim "
		    "counter file", path);
		close(fd);
		return NULL;
	}
	if (h.version != VERSION || h.header_size != HEADER_SIZE ||
	    h.slot_size != sizeof(struct slot)) {
		apim_err_set(APIM_DATAERR, "counter file '%s' has version %u; this "
		    "build reads version %d", path, h.version, VERSION);
		close(fd);
		return NULL;
	}
	if (h.nslots == 0 || h.nslots > SLOTS_MAX ||
	    (uint64_t)st.st_size < HEADER_SIZE + h.nslots * sizeof(struct slot)) {
		apim_err_set(APIM_DATAERR, "counter file '%s' is damaged (size)", path);
		close(fd);
		return NULL;
	}
	c = apim_xcalloc(1, sizeof *c);
	c->fd = fd;
	c->nslots = h.nslots;
	c->map_len = HEADER_SIZE + h.nslots * sizeof(struct slot);
	c->hdr = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->hdr == MAP_FAILED) {
		apim_err_set(APIM_IOERR, "cannot map counter file '%s': %s", path,
		    strerror(errno));
		close(fd);
		free(c);
		return NULL;
	}
	c->slots = (struct slot *)((char *)c->hdr + HEADER_SIZE);
	return c;
}

void
apim_counter_close(struct apim_counter *c)
{
	if (c == NULL)
		return;
	munmap(c->hdr, c->map_len);
	close(c->fd);
	free(c);
}

/* The slot of (key, period): found, or claimed if create; NULL if absent
 * (create == 0) or the table is full. */
static struct slot *
slot_find(struct apim_counter *c, const char *key, int64_t period_ms, int create)
{
	uint64_t h = key_hash(key, period_ms), i, n;

	for (n = 0, i = h % c->nslots; n < c->nslots; n++, i = (i + 1) % c->nslots) {
		struct slot *s = &c->slots[i];
		uint64_t cur = atomic_load_explicit(&s->hash, memory_order_acquire);

		if (cur == h)
			goto found;
		if (cur != 0)
			continue;
		if (!create)
			return NULL;
		if (atomic_compare_exchange_strong(&s->hash, &cur, h)) {
			snprintf(s->key, sizeof s->key, "%s", key);
			goto found;
		}
		if (cur == h)
			goto found;
		continue;
	found:
		if (atomic_load_explicit(&s->period_ms, memory_order_relaxed) == 0) {
			if (create)
				atomic_store(&s->period_ms, period_ms);
			if (s->key[0] == '\0' && create)
				snprintf(s->key, sizeof s->key, "%s", key);
		}
		return s;
	}
	return NULL;
}

static void
fill(struct apim_count *out, uint64_t cnt, int64_t limit, uint64_t w,
    int64_t period_ms, int64_t now_ms)
{
	if (out == NULL)
		return;
	out->count = (int64_t)cnt;
	out->remaining = limit > (int64_t)cnt ? limit - (int64_t)cnt : 0;
	out->reset_ms = (int64_t)(w + 1) * period_ms - now_ms;
	if (out->reset_ms < 0)
		out->reset_ms = 0;
}

int
apim_counter_take(struct apim_counter *c, const char *key, int64_t limit,
    int64_t period_ms, int64_t cost, int64_t now_ms, struct apim_count *out)
{
	struct slot *s;
	uint64_t old, w, cnt, cur;

	if (period_ms <= 0 || cost < 0) {
		apim_err_set(APIM_SOFTWARE, "counter: bad period or cost");
		return -1;
	}
	if (limit > APIM_COUNTER_LIMIT_MAX)
		limit = APIM_COUNTER_LIMIT_MAX;
	if ((s = slot_find(c, key, period_ms, 1)) == NULL) {
		apim_err_set(APIM_UNAVAILABLE, "counter file is full (%llu slots)",
		    (unsigned long long)c->nslots);
		return -1;
	}
	cur = (uint64_t)(now_ms / period_ms) & 0xffffffffu;
	old = atomic_load_explicit(&s->word, memory_order_relaxed);
	for (;;) {
		w = old >> 32;
		cnt = old & 0xffffffffu;
		if (w < cur) {
			w = cur;
			cnt = 0;
		}
		if ((int64_t)(cnt + (uint64_t)cost) > limit) {
			fill(out, cnt, limit, w, period_ms, now_ms);
			return 0;
		}
		if (atomic_compare_exchange_weak(&s->word, &old,
		    (w << 32) | (cnt + (uint64_t)cost)))
			break;
	}
	fill(out, cnt + (uint64_t)cost, limit, w, period_ms, now_ms);
	return 1;
}

void
apim_counter_give(struct apim_counter *c, const char *key, int64_t period_ms,
    int64_t cost, int64_t now_ms)
{
	struct slot *s;
	uint64_t old, w, cnt, cur;

	if (period_ms <= 0 || (s = slot_find(c, key, period_ms, 0)) == NULL)
		return;
	cur = (uint64_t)(now_ms / period_ms) & 0xffffffffu;
	old = atomic_load_explicit(&s->word, memory_order_relaxed);
	do {
		w = old >> 32;
		cnt = old & 0xffffffffu;
		if (w != cur || cnt == 0)
			return;
		if (cnt < (uint64_t)cost)
			cost = (int64_t)cnt;
	} while (!atomic_compare_exchange_weak(&s->word, &old,
	    (w << 32) | (cnt - (uint64_t)cost)));
}

int
apim_counter_peek(struct apim_counter *c, const char *key, int64_t limit,
    int64_t period_ms, int64_t now_ms, struct apim_count *out)
{
	struct slot *s;
	uint64_t old, w, cnt, cur;

	if (period_ms <= 0)
		return 0;
	cur = (uint64_t)(now_ms / period_ms) & 0xffffffffu;
	if ((s = slot_find(c, key, period_ms, 0)) == NULL) {
		fill(out, 0, limit, cur, period_ms, now_ms);
		return 0;
	}
	old = atomic_load(&s->word);
	w = old >> 32;
	cnt = old & 0xffffffffu;
	if (w < cur) {
		w = cur;
		cnt = 0;
	}
	fill(out, cnt, limit, w, period_ms, now_ms);
	return 1;
}

int
apim_counter_reset(struct apim_counter *c, const char *key)
{
	uint64_t i;
	int n = 0;

	for (i = 0; i < c->nslots; i++) {
		struct slot *s = &c->slots[i];
		uint64_t h = atomic_load(&s->hash);
		int64_t p = atomic_load(&s->period_ms);

		if (h != 0 && p > 0 && key_hash(key, p) == h) {
			atomic_store(&s->word, 0);
			n++;
		}
	}
	return n;
}

void
apim_counter_walk(struct apim_counter *c, int64_t now_ms,
    void (*fn)(void *, const char *, int64_t, int64_t), void *arg)
{
	uint64_t i;

	for (i = 0; i < c->nslots; i++) {
		struct slot *s = &c->slots[i];
		char key[KEY_TEXT];
		uint64_t word, cnt;
		int64_t p;

		if (atomic_load(&s->hash) == 0)
			continue;
		p = atomic_load(&s->period_ms);
		word = atomic_load(&s->word);
		memcpy(key, s->key, sizeof key);
		key[KEY_TEXT - 1] = '\0';
		cnt = word & 0xffffffffu;
		if (p <= 0 || (word >> 32) < ((uint64_t)(now_ms / p) & 0xffffffffu))
			cnt = 0;
		fn(arg, key, p, (int64_t)cnt);
	}
}

void
apim_counter_usage(struct apim_counter *c, size_t *used, size_t *slots)
{
	uint64_t i;
	size_t n = 0;

	for (i = 0; i < c->nslots; i++)
		if (atomic_load(&c->slots[i].hash) != 0)
			n++;
	*used = n;
	*slots = (size_t)c->nslots;
}
