/* stats: counts and histograms per group (time bucket + field values) in an
 * open-addressing hash table; report order, --top, widening buckets. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "stats.h"
#include "util.h"

const char *const apim_stats_class_names[APIM_ST_NCLASS] = {
	"1xx", "2xx", "3xx", "4xx", "429", "5xx"
};

/* Widths AUTO steps through; each a multiple of the one before. */
static const int64_t auto_steps[] = {
	60000, 300000, 900000, 1800000, 3600000, 10800000, 21600000, 43200000,
	86400000, 604800000, 2419200000LL, 31449600000LL,
};
#define AUTO_MAX_BUCKETS 300

struct grp {
	struct apim_stats_group pub;
	uint64_t hash;
	size_t keylen;
	char *key;		/* bucket (8 bytes), then per field 0, or 1 + text + NUL */
	const char **vals;
};

struct apim_stats {
	int nby;
	char **by;		/* copies of the names, NULL-terminated */
	int *byidx;
	int64_t every, since, until;
	int autow;		/* AUTO: index in auto_steps */
	int64_t bmin, bmax;	/* buckets seen */
	long top;
	int no_latency;
	int (*where)(void *, const struct apim_event *);
	void *where_arg;
	struct apim_stats_cnt total;
	struct grp **tab;	/* hash table, cap a power of two */
	size_t cap, n;
	struct apim_stats_group **order;
	size_t norder;
	struct apim_buf key;	/* scratch */
	size_t bytes;
};

void
apim_stats_cnt_init(struct apim_stats_cnt *c)
{
	memset(c, 0, sizeof *c);
	apim_hist_init(&c->resp);
	apim_hist_init(&c->backend);
	c->first_ms = c->last_ms = -1;
}

void
apim_stats_cnt_free(struct apim_stats_cnt *c)
{
	apim_hist_free(&c->resp);
	apim_hist_free(&c->backend);
}

void
apim_stats_cnt_merge(struct apim_stats_cnt *d, const struct apim_stats_cnt *s)
{
	int i;

	if (s->requests == 0)
		return;
	d->requests += s->requests;
	for (i = 0; i < APIM_ST_NCLASS; i++)
		d->status[i] += s->status[i];
	d->faults += s->faults;
	d->errors += s->errors;
	d->req_bytes += s->req_bytes;
	d->resp_bytes += s->resp_bytes;
	if (d->first_ms < 0 || (s->first_ms >= 0 && s->first_ms < d->first_ms))
		d->first_ms = s->first_ms;
	if (s->last_ms > d->last_ms)
		d->last_ms = s->last_ms;
	apim_hist_merge(&d->resp, &s->resp);
	apim_hist_merge(&d->backend, &s->backend);
}

int
apim_stats_class(int64_t code)
{
	if (code < 100 || code > 599)
		return -1;
	if (code == 429)
		return APIM_ST_429;
	switch (code / 100) {
	case 1: return APIM_ST_1XX;
	case 2: return APIM_ST_2XX;
	case 3: return APIM_ST_3XX;
	case 4: return APIM_ST_4XX;
	default: return APIM_ST_5XX;
	}
}

static void
cnt_add(struct apim_stats_cnt *c, const struct apim_event *ev, int cls, int lat)
{
	c->requests++;
	if (cls >= 0) {
		c->status[cls]++;
		if (cls == APIM_ST_4XX || cls == APIM_ST_5XX)
			c->errors++;
	}
	if (ev->event_type == APIM_EVENT_FAULT)
		c->faults++;
	if (ev->request_bytes > 0)
		c->req_bytes += (uint64_t)ev->request_bytes;
	if (ev->response_bytes > 0)
		c->resp_bytes += (uint64_t)ev->response_bytes;
	if (c->first_ms < 0 || ev->request_ms < c->first_ms)
		c->first_ms = ev->request_ms;
	if (ev->request_ms > c->last_ms)
		c->last_ms = ev->request_ms;
	if (lat) {
		apim_hist_add(&c->resp, ev->response_latency);
		apim_hist_add(&c->backend, ev->backend_latency);
	}
}

double
apim_stats_rate(const struct apim_stats_cnt *c, int64_t span_ms)
{
	if (span_ms <= 0)
		span_ms = c->requests ? c->last_ms - c->first_ms : 0;
	if (span_ms <= 0)
		return (double)c->requests;
	return (double)c->requests * 1000.0 / (double)span_ms;
}

struct apim_stats *
apim_stats_new(const struct apim_stats_opts *o)
{
	struct apim_stats *s = apim_xcalloc(1, sizeof *s);
	int i;

	while (o->by && o->by[s->nby])
		s->nby++;
	s->by = apim_xcalloc((size_t)s->nby + 1, sizeof *s->by);
	s->byidx = apim_xcalloc((size_t)s->nby + 1, sizeof *s->byidx);
	for (i = 0; i < s->nby; i++) {
		s->by[i] = apim_strdup(o->by[i]);
		if ((s->byidx[i] = apim_event_field_index(o->by[i])) < 0) {
			apim_err_set(APIM_USAGE, "unknown event field '%s'", o->by[i]);
			apim_stats_free(s);
			return NULL;
		}
	}
	s->every = o->every_ms;
	if (s->every == APIM_STATS_AUTO)
		s->every = auto_steps[0], s->autow = 1;
	s->since = o->since_ms;
	s->until = o->until_ms;
	s->top = o->top;
	s->no_latency = o->no_latency;
	s->where = o->where;
	s->where_arg = o->where_arg;
	s->bmin = s->bmax = -1;
	apim_stats_cnt_init(&s->total);
	s->cap = 1024;
	s->tab = apim_xcalloc(s->cap, sizeof *s->tab);
	return s;
}

static void
grp_free(struct grp *g)
{
	apim_stats_cnt_free(&g->pub.c);
	free(g->key);
	free(g->vals);
	free(g);
}

void
apim_stats_free(struct apim_stats *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->cap; i++)
		if (s->tab[i])
			grp_free(s->tab[i]);
	free(s->tab);
	free(s->order);
	for (i = 0; s->by && s->by[i]; i++)
		free(s->by[i]);
	free(s->by);
	free(s->byidx);
	apim_stats_cnt_free(&s->total);
	apim_buf_free(&s->key);
	free(s);
}

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static void
grow(struct apim_stats *s)
{
	struct grp **old = s->tab;
	size_t oc = s->cap, i, j;

	s->cap *= 2;
	s->tab = apim_xcalloc(s->cap, sizeof *s->tab);
	for (i = 0; i < oc; i++) {
		if (old[i] == NULL)
			continue;
		for (j = old[i]->hash & (s->cap - 1); s->tab[j]; j = (j + 1) & (s->cap - 1))
			;
		s->tab[j] = old[i];
	}
	free(old);
}

/* The group for the key in s->key, made if new. */
static struct grp *
lookup(struct apim_stats *s)
{
	uint64_t h = hash_bytes(s->key.data, s->key.len);
	size_t j;
	struct grp *g;
	const char *p, *end;
	int k;
	int64_t b;

	for (j = h & (s->cap - 1); (g = s->tab[j]) != NULL; j = (j + 1) & (s->cap - 1))
		if (g->hash == h && g->keylen == s->key.len &&
		    memcmp(g->key, s->key.data, s->key.len) == 0)
			return g;
	g = apim_xcalloc(1, sizeof *g);
	g->hash = h;
	g->keylen = s->key.len;
	g->key = apim_xmalloc(s->key.len + 1);
	memcpy(g->key, s->key.data, s->key.len);
	g->key[s->key.len] = '\0';
	g->vals = apim_xcalloc((size_t)s->nby + 1, sizeof *g->vals);
	memcpy(&b, g->key, sizeof b);
	g->pub.bucket = b;
	p = g->key + sizeof b;
	end = g->key + g->keylen;
	for (k = 0; k < s->nby && p < end; k++) {
		if (*p++ == 0)
			continue;
		g->vals[k] = p;
		p += strlen(p) + 1;
	}
	g->pub.values = g->vals;
	apim_stats_cnt_init(&g->pub.c);
	s->tab[j] = g;
	s->n++;
	s->bytes += sizeof *g + g->keylen + 1 + ((size_t)s->nby + 1) * sizeof *g->vals;
	if (s->n * 2 > s->cap)
		grow(s);
	free(s->order);
	s->order = NULL;
	return g;
}

static void
key_start(struct apim_stats *s, int64_t bucket)
{
	apim_buf_reset(&s->key);
	apim_buf_add(&s->key, &bucket, sizeof bucket);
}

static void
key_value(struct apim_stats *s, const char *v)
{
	if (v == NULL)
		apim_buf_addc(&s->key, 0);
	else {
		apim_buf_addc(&s->key, 1);
		apim_buf_add(&s->key, v, strlen(v) + 1);
	}
}

/* AUTO: widen the buckets until at most AUTO_MAX_BUCKETS span bmin..bmax. */
static void
widen(struct apim_stats *s)
{
	struct grp **old;
	size_t oc, i;
	int k;

	while ((s->bmax - s->bmin) / s->every + 1 > AUTO_MAX_BUCKETS &&
	    s->autow < (int)(sizeof auto_steps / sizeof auto_steps[0]))
		s->every = auto_steps[s->autow++];
	old = s->tab;
	oc = s->cap;
	s->tab = apim_xcalloc(s->cap, sizeof *s->tab);
	s->n = 0;
	s->bytes = 0;
	free(s->order);
	s->order = NULL;
	for (i = 0; i < oc; i++) {
		struct grp *g = old[i], *ng;
		int64_t b;

		if (g == NULL)
			continue;
		b = g->pub.bucket / s->every * s->every;
		key_start(s, b);
		for (k = 0; k < s->nby; k++)
			key_value(s, g->vals[k]);
		ng = lookup(s);
		apim_stats_cnt_merge(&ng->pub.c, &g->pub.c);
		grp_free(g);
	}
	free(old);
	s->bmin = s->bmin / s->every * s->every;
	s->bmax = s->bmax / s->every * s->every;
}

static int64_t
bucket_of(struct apim_stats *s, int64_t t)
{
	int64_t b;

	if (s->every <= 0)
		return -1;
	b = t / s->every * s->every;
	if (s->autow) {
		if (s->bmin < 0 || b < s->bmin)
			s->bmin = b;
		if (b > s->bmax)
			s->bmax = b;
		if ((s->bmax - s->bmin) / s->every + 1 > AUTO_MAX_BUCKETS) {
			widen(s);
			b = t / s->every * s->every;
		}
	}
	return b;
}

int
apim_stats_add(struct apim_stats *s, const struct apim_event *ev)
{
	struct grp *g;
	char tmp[64];
	int k, cls;

	if (s->since >= 0 && ev->request_ms < s->since)
		return 0;
	if (s->until >= 0 && ev->request_ms >= s->until)
		return 0;
	if (s->where && !s->where(s->where_arg, ev))
		return 0;
	cls = apim_stats_class(ev->proxy_response_code);
	cnt_add(&s->total, ev, cls, 1);
	if (s->nby == 0 && s->every <= 0)
		return 1;
	key_start(s, bucket_of(s, ev->request_ms));
	for (k = 0; k < s->nby; k++)
		key_value(s, apim_event_get_at(ev, s->byidx[k], tmp, sizeof tmp));
	g = lookup(s);
	cnt_add(&g->pub.c, ev, cls, !s->no_latency);
	return 1;
}

void
apim_stats_add_cnt(struct apim_stats *s, int64_t t_ms, const char *const *values,
    const struct apim_stats_cnt *c)
{
	struct grp *g;
	int k;

	apim_stats_cnt_merge(&s->total, c);
	if (s->nby == 0 && s->every <= 0)
		return;
	key_start(s, bucket_of(s, t_ms));
	for (k = 0; k < s->nby; k++)
		key_value(s, values ? values[k] : NULL);
	g = lookup(s);
	apim_stats_cnt_merge(&g->pub.c, c);
}

const struct apim_stats_cnt *
apim_stats_totals(const struct apim_stats *s)
{
	return &s->total;
}

int64_t
apim_stats_every(const struct apim_stats *s)
{
	return s->every > 0 ? s->every : 0;
}

const char *const *
apim_stats_by(const struct apim_stats *s, int *n)
{
	if (n)
		*n = s->nby;
	return (const char *const *)s->by;
}

size_t
apim_stats_ngroups(const struct apim_stats *s)
{
	return s->n;
}

size_t
apim_stats_bytes(const struct apim_stats *s)
{
	size_t n = s->bytes + s->cap * sizeof *s->tab, i;

	for (i = 0; i < s->cap; i++)
		if (s->tab[i])
			n += apim_hist_bytes(&s->tab[i]->pub.c.resp) +
			    apim_hist_bytes(&s->tab[i]->pub.c.backend);
	return n;
}

/* Key without the bucket: values compared field by field, absent first. */
static int
key_cmp(const struct grp *a, const struct grp *b, int nby)
{
	int k, c;

	for (k = 0; k < nby; k++) {
		if (a->vals[k] == NULL || b->vals[k] == NULL) {
			if (a->vals[k] != b->vals[k])
				return a->vals[k] == NULL ? -1 : 1;
			continue;
		}
		if ((c = strcmp(a->vals[k], b->vals[k])) != 0)
			return c;
	}
	return 0;
}

static int sort_nby;

static int
by_report(const void *pa, const void *pb)
{
	const struct grp *a = *(struct grp *const *)pa, *b = *(struct grp *const *)pb;

	if (a->pub.bucket != b->pub.bucket)
		return a->pub.bucket < b->pub.bucket ? -1 : 1;
	if (a->pub.c.requests != b->pub.c.requests)
		return a->pub.c.requests > b->pub.c.requests ? -1 : 1;
	return key_cmp(a, b, sort_nby);
}

static int
by_key(const void *pa, const void *pb)
{
	return key_cmp(*(struct grp *const *)pa, *(struct grp *const *)pb, sort_nby);
}

struct keytot {
	struct grp *g;		/* a representative */
	uint64_t requests;
};

static int
by_total(const void *pa, const void *pb)
{
	const struct keytot *a = pa, *b = pb;

	if (a->requests != b->requests)
		return a->requests > b->requests ? -1 : 1;
	return key_cmp(a->g, b->g, sort_nby);
}

static int
by_keytot(const void *pa, const void *pb)
{
	return key_cmp(((const struct keytot *)pa)->g, ((const struct keytot *)pb)->g,
	    sort_nby);
}

struct apim_stats_group **
apim_stats_groups(struct apim_stats *s, size_t *n)
{
	struct grp **v;
	size_t i, k = 0, nk = 0;

	free(s->order);
	v = apim_xcalloc(s->n + 1, sizeof *v);
	for (i = 0; i < s->cap; i++)
		if (s->tab[i])
			v[k++] = s->tab[i];
	sort_nby = s->nby;
	if (s->top > 0 && s->every > 0 && s->nby > 0) {
		/* the top keys over every bucket, then their groups */
		struct keytot *kt = apim_xcalloc(k + 1, sizeof *kt);
		size_t j, keep = 0;

		qsort(v, k, sizeof *v, by_key);
		for (i = 0; i < k; i++) {
			if (nk == 0 || key_cmp(kt[nk - 1].g, v[i], s->nby) != 0)
				kt[nk++].g = v[i];
			kt[nk - 1].requests += v[i]->pub.c.requests;
		}
		qsort(kt, nk, sizeof *kt, by_total);
		if ((size_t)s->top < nk)
			nk = (size_t)s->top;
		qsort(kt, nk, sizeof *kt, by_keytot);
		for (j = 0; j < k; j++) {
			struct keytot probe = { v[j], 0 };

			if (bsearch(&probe, kt, nk, sizeof *kt, by_keytot))
				v[keep++] = v[j];
		}
		k = keep;
		free(kt);
	}
	qsort(v, k, sizeof *v, by_report);
	if (s->top > 0 && !(s->every > 0 && s->nby > 0) && (size_t)s->top < k)
		k = (size_t)s->top;
	s->order = (struct apim_stats_group **)v;
	s->norder = k;
	*n = k;
	return s->order;
}

int64_t
apim_stats_duration(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0 || !isfinite(v) || *s == '+' || *s == '-')
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (v * 1000 > 9e15 || v * 1000 < 1)
		return -1;
	return (int64_t)(v * 1000);
}

int64_t
apim_stats_time(const char *s, int64_t now_ms)
{
	int64_t d;

	if (strcmp(s, "now") == 0)
		return now_ms;
	if (s[0] == '-') {
		if ((d = apim_stats_duration(s + 1)) < 0 || d > now_ms)
			return -1;
		return now_ms - d;
	}
	return apim_event_time_parse(s);
}
