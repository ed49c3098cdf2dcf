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
#define SLOTS_DEFAULT	4096
#define SLOTS_MIN	64
#define SEGS_MAX	20		/* the last segment has slots0 << 19 slots */
#define PROBE		16		/* slots a key may take in one segment */
#define KEY_TEXT	104

/*
 * The file: a header, then segments 0, 1, ... of slots0 << k slots each.
 * A key lives in the first segment whose probe window (PROBE slots from
 * its hash) has its slot or has room; slots are never freed, so a window
 * that is full stays full, and a key is looked for segment by segment up to
 * the first window with an empty slot.  Growing is: ftruncate the file to
 * hold one more segment (idempotent), then CAS nsegs from k to k + 1; a
 * process killed in between leaves a longer file that the next grower uses.
 */
struct header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t slots0;
	uint64_t slot_size;
	int64_t created_ms;
	_Atomic uint32_t nsegs;
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
	char *path;
	struct header *hdr;
	uint64_t slots0;
	uint32_t nmapped;
	struct slot *seg[SEGS_MAX];
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

static uint64_t
seg_slots(const struct apim_counter *c, uint32_t k)
{
	return c->slots0 << k;
}

static off_t
seg_off(const struct apim_counter *c, uint32_t k)
{
	return (off_t)(HEADER_SIZE + c->slots0 * ((1ULL << k) - 1) * sizeof(struct slot));
}

/* A new counter file at path; if another process made one first, theirs
 * wins. */
static int
create_file(const char *path, size_t slots0)
{
	struct header h;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, sizeof h.magic);
	h.version = VERSION;
	h.header_size = HEADER_SIZE;
	h.slots0 = slots0;
	h.slot_size = sizeof(struct slot);
	h.created_ms = apim_now_ms();
	h.nsegs = 1;
	return apim_file_create(path, 0644,
	    (off_t)(HEADER_SIZE + slots0 * sizeof(struct slot)), &h, sizeof h, 0);
}

/* Map the segments the header says exist: 0, or -1 with the error set. */
static int
map_segments(struct apim_counter *c)
{
	uint32_t n = atomic_load(&c->hdr->nsegs);
	struct stat st;

	if (n > SEGS_MAX)
		n = SEGS_MAX;
	if (n <= c->nmapped)
		return 0;
	if (fstat(c->fd, &st) == -1 || st.st_size < seg_off(c, n)) {
		apim_err_set(APIM_DATAERR, "counter file '%s' is damaged (size)", c->path);
		return -1;
	}
	for (; c->nmapped < n; c->nmapped++) {
		void *m = mmap(NULL, seg_slots(c, c->nmapped) * sizeof(struct slot),
		    PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, seg_off(c, c->nmapped));

		if (m == MAP_FAILED) {
			apim_err_set(APIM_IOERR, "cannot map counter file '%s': %s",
			    c->path, strerror(errno));
			return -1;
		}
		c->seg[c->nmapped] = m;
	}
	return 0;
}

/* Add segment k (k == nsegs seen): grow the file, then publish. */
static int
grow(struct apim_counter *c, uint32_t k)
{
	struct stat st;
	uint32_t want = k;

	if (k >= SEGS_MAX) {
		apim_err_set(APIM_UNAVAILABLE, "counter file '%s' is full", c->path);
		return -1;
	}
	if (fstat(c->fd, &st) == -1) {
		apim_err_set(APIM_IOERR, "cannot grow counter file '%s': %s", c->path,
		    strerror(errno));
		return -1;
	}
	/* never shrink: another process may have grown it further */
	if (st.st_size < seg_off(c, k + 1) && ftruncate(c->fd, seg_off(c, k + 1)) == -1) {
		apim_err_set(APIM_IOERR, "cannot grow counter file '%s': %s", c->path,
		    strerror(errno));
		return -1;
	}
	atomic_compare_exchange_strong(&c->hdr->nsegs, &want, k + 1);
	return map_segments(c);
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
	if (slots < SLOTS_MIN)
		slots = SLOTS_MIN;
	{	/* a power of two: segments of whole pages, masks for probing */
		size_t p2 = SLOTS_MIN;

		while (p2 < slots && p2 < (1u << 20))
			p2 <<= 1;
		slots = p2;
	}
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
	if (h.slots0 < SLOTS_MIN || h.slots0 > (1u << 20) ||
	    (h.slots0 & (h.slots0 - 1)) != 0) {
		apim_err_set(APIM_DATAERR, "counter file '%s' is damaged (size)", path);
		close(fd);
		return NULL;
	}
	c = apim_xcalloc(1, sizeof *c);
	c->fd = fd;
	c->path = apim_strdup(path);
	c->slots0 = h.slots0;
	c->hdr = mmap(NULL, HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->hdr == MAP_FAILED) {
		apim_err_set(APIM_IOERR, "cannot map counter file '%s': %s", path,
		    strerror(errno));
		close(fd);
		free(c->path);
		free(c);
		return NULL;
	}
	if (map_segments(c) == -1) {
		apim_counter_close(c);
		return NULL;
	}
	return c;
}

void
apim_counter_close(struct apim_counter *c)
{
	uint32_t k;

	if (c == NULL)
		return;
	for (k = 0; k < c->nmapped; k++)
		munmap(c->seg[k], seg_slots(c, k) * sizeof(struct slot));
	munmap(c->hdr, HEADER_SIZE);
	close(c->fd);
	free(c->path);
	free(c);
}

static struct slot *
found(struct slot *s, const char *key, int64_t period_ms, int create)
{
	if (create && atomic_load_explicit(&s->period_ms, memory_order_relaxed) == 0) {
		/* the claimer may have died before writing these: idempotent */
		atomic_store(&s->period_ms, period_ms);
		if (s->key[0] == '\0')
			snprintf(s->key, sizeof s->key, "%s", key);
	}
	return s;
}

/* The slot of (key, period): found, or claimed if create (the file grows
 * when every window is full); NULL if absent, or on error (set). */
static struct slot *
slot_find(struct apim_counter *c, const char *key, int64_t period_ms, int create)
{
	uint64_t h = key_hash(key, period_ms);
	uint32_t k;

	for (k = 0;; k++) {
		uint64_t n, j;
		struct slot *seg;

		if (k >= c->nmapped) {
			if (map_segments(c) == -1)
				return NULL;
			if (k >= c->nmapped) {
				if (!create || grow(c, k) == -1)
					return NULL;
				if (k >= c->nmapped)
					return NULL;
			}
		}
		seg = c->seg[k];
		n = seg_slots(c, k);
		for (j = 0; j < PROBE; j++) {
			struct slot *s = &seg[(h + j) & (n - 1)];
			uint64_t cur = atomic_load_explicit(&s->hash, memory_order_acquire);

			if (cur == h)
				return found(s, key, period_ms, create);
			if (cur != 0)
				continue;
			if (!create)
				return NULL;	/* a window with room: the key is in none */
			if (atomic_compare_exchange_strong(&s->hash, &cur, h)) {
				snprintf(s->key, sizeof s->key, "%s", key);
				return found(s, key, period_ms, create);
			}
			if (cur == h)
				return found(s, key, period_ms, create);
		}
	}
}

/* Call fn for every slot of every segment. */
static void
each_slot(struct apim_counter *c, void (*fn)(struct slot *, void *), void *arg)
{
	uint32_t k;
	uint64_t i;

	map_segments(c);
	for (k = 0; k < c->nmapped; k++)
		for (i = 0; i < seg_slots(c, k); i++)
			fn(&c->seg[k][i], arg);
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
	if ((s = slot_find(c, key, period_ms, 1)) == NULL)
		return -1;
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

struct reset_arg {
	const char *key;
	int n;
};

static void
reset_one(struct slot *s, void *arg)
{
	struct reset_arg *r = arg;
	uint64_t h = atomic_load(&s->hash);
	int64_t p = atomic_load(&s->period_ms);

	if (h != 0 && p > 0 && key_hash(r->key, p) == h) {
		atomic_store(&s->word, 0);
		r->n++;
	}
}

int
apim_counter_reset(struct apim_counter *c, const char *key)
{
	struct reset_arg r = { key, 0 };

	each_slot(c, reset_one, &r);
	return r.n;
}

struct walk_arg {
	int64_t now_ms;
	void (*fn)(void *, const char *, int64_t, int64_t);
	void *arg;
	size_t used, slots;
};

static void
walk_one(struct slot *s, void *arg)
{
	struct walk_arg *w = arg;
	char key[KEY_TEXT];
	uint64_t word, cnt;
	int64_t p;

	w->slots++;
	if (atomic_load(&s->hash) == 0)
		return;
	w->used++;
	if (w->fn == NULL)
		return;
	p = atomic_load(&s->period_ms);
	word = atomic_load(&s->word);
	memcpy(key, s->key, sizeof key);
	key[KEY_TEXT - 1] = '\0';
	cnt = word & 0xffffffffu;
	if (p <= 0 || (word >> 32) < ((uint64_t)(w->now_ms / p) & 0xffffffffu))
		cnt = 0;
	w->fn(w->arg, key, p, (int64_t)cnt);
}

void
apim_counter_walk(struct apim_counter *c, int64_t now_ms,
    void (*fn)(void *, const char *, int64_t, int64_t), void *arg)
{
	struct walk_arg w = { now_ms, fn, arg, 0, 0 };

	each_slot(c, walk_one, &w);
}

void
apim_counter_usage(struct apim_counter *c, size_t *used, size_t *slots)
{
	struct walk_arg w = { 0, NULL, NULL, 0, 0 };

	each_slot(c, walk_one, &w);
	*used = w.used;
	*slots = w.slots;
}
