/* gw_seen: the verified-JWT file (gw_seen.h).
 *
 * Layout: a 128-byte header (magic, version, entry count and size), then
 * GW_SEEN_SLOTS / 2 buckets of two 128-byte entries; a token's bucket is
 * chosen by the first bytes of its SHA-256.
 *
 * Concurrency.  Any number of inetd processes read and write the file at
 * once, with no lock: a lookup is one pread(2) of a bucket, a store one
 * pwrite(2) of an entry.  The kernel does not promise that a read sees a
 * concurrent write of the same bytes whole or not at all (and on Linux it
 * does not: tests/unit/seen-race sees torn entries within seconds when the
 * check below is left out), and a crash may leave half an entry on disk;
 * so each entry ends with a check word, the
 * first 8 bytes of the SHA-256 of the rest of the entry, and an entry whose
 * check does not match is not an entry (for a lookup: a miss).  A torn read
 * (bytes of two writes) or half-written entry is taken only if its 120 bytes
 * happen to hash to its check word: about 2^-64.  Even then it matches a
 * token only if its 32 bytes of hash are that token's SHA-256, and the
 * caller refuses a hit whose kid is not the token's header kid or whose exp
 * is not the token's exp claim (see gw_auth.c), so a mix of two entries
 * never vouches for a token that was not verified.  Two writers racing for
 * one bucket may overwrite each other's entry: that is a lost cache entry,
 * never a wrong one.  No mmap: a file truncated by someone else under a
 * mapping would raise SIGBUS; pread on it just comes back short.
 *
 * Trust.  The file is used only if it is a regular file (not a symlink:
 * O_NOFOLLOW) owned by this process's user with no group or other
 * permission bits; it says nothing an attacker who can write it could not
 * also get by writing the store or the keys.  A damaged one of ours (wrong
 * size or header) is replaced by a new empty one, atomically (rename). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "gw_seen.h"
#include "jwt.h"
#include "sha256.h"
#include "store.h"
#include "util.h"

#define MAGIC		"APIMJWT"	/* 8 bytes with its NUL */
#define VERSION		1
#define ENTRY		128
#define HEADER		ENTRY
#define BUCKETS		(GW_SEEN_SLOTS / 2)
#define FILE_SIZE	((off_t)HEADER + (off_t)GW_SEEN_SLOTS * ENTRY)

struct header {
	char magic[8];
	uint32_t version, slots, entry;
	char zero[HEADER - 20];
};

struct entry {
	unsigned char md[32];	/* SHA-256 of the whole token */
	int64_t exp_s;		/* its exp claim; 0: none */
	char kid[GW_SEEN_KID];	/* NUL-padded */
	unsigned char zero[16];
	unsigned char check[8];	/* SHA-256 of the bytes above, first 8 */
};

_Static_assert(sizeof(struct entry) == ENTRY, "an entry is 128 bytes");
_Static_assert(sizeof(struct header) == HEADER, "the header is 128 bytes");

struct gw_seen {
	char *path;
	int fd;			/* -1: not open */
	int state;		/* 0 not tried yet, 1 usable, -1 not usable */
};

struct gw_seen *
gw_seen_new(const char *db_path)
{
	struct gw_seen *s = apim_xcalloc(1, sizeof *s);
	char p[PATH_MAX];

	s->fd = -1;
	if (apim_store_sibling(db_path, "verified-jwts", p, sizeof p) == NULL)
		s->state = -1;	/* a path that does not fit: no file */
	else
		s->path = apim_strdup(p);
	return s;
}

void
gw_seen_free(struct gw_seen *s)
{
	if (s == NULL)
		return;
	if (s->fd != -1)
		close(s->fd);
	free(s->path);
	free(s);
}

static void
check_word(const struct entry *e, unsigned char out[8])
{
	unsigned char md[32];

	apim_sha256(e, offsetof(struct entry, check), md);
	memcpy(out, md, 8);
}

/* A new empty file at path: replace, else only if there is none (another
 * process's new file wins).  0 or -1.  The entries start as zeros, whose
 * check word never matches. */
static int
create(const char *path, int replace)
{
	struct header h;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, sizeof h.magic);
	h.version = VERSION;
	h.slots = GW_SEEN_SLOTS;
	h.entry = ENTRY;
	return apim_file_create(path, 0600, FILE_SIZE, &h, sizeof h, replace);
}

/* Open and check the file (making it if absent, once): 1 usable, 0 not. */
static int
usable(struct gw_seen *s)
{
	struct header h;
	struct stat st;
	int tries;

	if (s->state != 0)
		return s->state == 1;
	s->state = -1;
	for (tries = 0; tries < 3; tries++) {
		if (s->fd != -1)
			close(s->fd);
		s->fd = open(s->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (s->fd == -1) {
			if (errno != ENOENT || create(s->path, 0) == -1)
				return 0;
			continue;
		}
		if (fstat(s->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() || (st.st_mode & 077) != 0)
			break;	/* not ours to trust, nor to replace */
		if (st.st_size == FILE_SIZE && pread(s->fd, &h, sizeof h, 0) ==
		    (ssize_t)sizeof h && memcmp(h.magic, MAGIC, sizeof h.magic) == 0 &&
		    h.version == VERSION && h.slots == GW_SEEN_SLOTS &&
		    h.entry == ENTRY) {
			s->state = 1;
			return 1;
		}
		/* ours but damaged (truncated, garbage): start a new one */
		if (create(s->path, 1) == -1)
			break;
	}
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	return 0;
}

static off_t
bucket_off(const unsigned char md[32])
{
	uint32_t b = (uint32_t)md[0] | (uint32_t)md[1] << 8 |
	    (uint32_t)md[2] << 16 | (uint32_t)md[3] << 24;

	return HEADER + (off_t)(b % BUCKETS) * 2 * ENTRY;
}

/* 1 if e is a whole entry (its check word matches). */
static int
whole(const struct entry *e)
{
	unsigned char c[8];

	check_word(e, c);
	return memcmp(c, e->check, sizeof c) == 0 &&
	    memchr(e->kid, '\0', sizeof e->kid) != NULL;
}

static int
expired(const struct entry *e, int64_t now_s)
{
	return e->exp_s != 0 && e->exp_s <= now_s - APIM_JWT_LEEWAY_S;
}

int
gw_seen_find(struct gw_seen *s, const unsigned char md[32], int64_t now_s,
    char kid[GW_SEEN_KID], int64_t *exp_s)
{
	struct entry b[2];
	int i;

	if (!usable(s) || pread(s->fd, b, sizeof b, bucket_off(md)) !=
	    (ssize_t)sizeof b)
		return 0;
	for (i = 0; i < 2; i++)
		if (apim_ct_equal(b[i].md, 32, md, 32) && whole(&b[i]) &&
		    !expired(&b[i], now_s)) {
			memcpy(kid, b[i].kid, GW_SEEN_KID);
			*exp_s = b[i].exp_s;
			return 1;
		}
	return 0;
}

void
gw_seen_put(struct gw_seen *s, const unsigned char md[32], int64_t exp_s,
    const char *kid)
{
	struct entry b[2], e;
	off_t off = bucket_off(md);
	int i, at;

	if (strlen(kid) >= GW_SEEN_KID || !usable(s) ||
	    pread(s->fd, b, sizeof b, off) != (ssize_t)sizeof b)
		return;
	/* the token's own entry, else a free or expired one, else the one
	 * that expires first (0: never) */
	for (at = -1, i = 0; i < 2 && at == -1; i++)
		if (whole(&b[i]) && memcmp(b[i].md, md, 32) == 0)
			at = i;
	for (i = 0; i < 2 && at == -1; i++)
		if (!whole(&b[i]) || expired(&b[i], apim_now_ms() / 1000))
			at = i;
	if (at == -1)
		at = b[0].exp_s == 0 ? 1 : b[1].exp_s == 0 ? 0 :
		    b[1].exp_s < b[0].exp_s;
	memset(&e, 0, sizeof e);
	memcpy(e.md, md, 32);
	e.exp_s = exp_s;
	memcpy(e.kid, kid, strlen(kid));
	check_word(&e, e.check);
	if (pwrite(s->fd, &e, sizeof e, off + at * ENTRY) != (ssize_t)sizeof e)
		return;		/* a cache: the next process verifies again */
}
