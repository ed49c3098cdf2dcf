/* throttle: layer 1 (throttle.h): the catalogue copied into memory and
 * refreshed on PRAGMA data_version, deny conditions, decisions and counted limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "counter.h"
#include "err.h"
#include "event.h"
#include "policy.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "throttle.h"
#include "util.h"

#define RELOAD_EVERY_MS	100

enum ctype { C_IP, C_RANGE, C_HEADER, C_QUERY, C_CLAIM };
enum dtype { D_API, D_APP, D_USER, D_IP, D_RANGE, D_SUB };

struct cond {
	int id;
	enum ctype type;
	char *name;
	regex_t re;
	int has_re;
	unsigned char lo[16], hi[16];
	int invert;
	int64_t quota, period_ms;
	char *item;		/* RateLimit-Policy item: "Name";q=N;w=S */
};

struct pol {
	char kind;		/* 'a'pplication, 's'ubscription, 'p' api */
	char *name;
	int unlimited, bytes, stop;
	int64_t quota, period_ms, burst, burst_ms;
	int ncond;
	struct cond *cond;
	char *qname;		/* the name as an sf-string */
	char *item_q, *item_b;	/* RateLimit-Policy items of quota and burst */
};

struct deny {
	enum dtype type;
	char *value;
	unsigned char lo[16], hi[16];
	int invert;
};

struct dec {
	char *key;
	int64_t until_ms;
};

struct rulec {
	char *name;
	struct apim_rules_tmpl *tmpl;
	int ndec;
	struct dec *dec;
};

struct apim_throttle {
	sqlite3 *db;
	int own_db;		/* opened here (else the caller's, borrowed) */
	struct apim_counter *ctr;
	int64_t data_version;
	int64_t checked_mono;
	int npol, ndeny, nrule;
	struct pol *pol;
	int *pidx;		/* pol by kind and name: open addressing, -1 empty */
	size_t pcap;		/* its size, a power of two; 0: not made yet */
	struct deny *deny;
	struct rulec *rule;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Text IP to 16 bytes (IPv4 as ::ffff:a.b.c.d); -1 if malformed. */
static int
ip_parse(const char *s, unsigned char out[16])
{
	struct in_addr a4;

	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

/* The name as an sf-string: printable ASCII, '"' and '\\' escaped, any
 * other byte as '?'. */
static char *
sf_quote(const char *s)
{
	struct apim_buf b = APIM_BUF_INIT;

	apim_buf_addc(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			apim_buf_addc(&b, '\\');
		apim_buf_addc(&b, c >= 0x20 && c < 0x7f ? c : '?');
	}
	apim_buf_addc(&b, '"');
	return apim_buf_detach(&b, NULL);
}

/* v in decimal into out (room for 21); its length. */
static size_t
fmt_i64(char *out, int64_t v)
{
	if (v >= 0)
		return apim_fmt_u64(out, (uint64_t)v);
	out[0] = '-';
	return 1 + apim_fmt_u64(out + 1, -(uint64_t)v);
}

/* "NAME;q=Q;w=SECONDS"; without snprintf: a catalogue load makes two per
 * policy, and under inetd every process loads one. */
static char *
sf_item_new(const char *qname, int64_t q, int64_t period_ms)
{
	size_t n = strlen(qname), k;
	char *s = apim_xmalloc(n + 3 + 21 + 3 + 21 + 1);

	memcpy(s, qname, n);
	memcpy(s + n, ";q=", 3);
	k = n + 3;
	k += fmt_i64(s + k, q);
	memcpy(s + k, ";w=", 3);
	k += 3;
	k += fmt_i64(s + k, period_ms / 1000);
	s[k] = '\0';
	return s;
}

static void
catalogue_free(struct apim_throttle *t)
{
	int i, j;

	free(t->pidx);
	t->pidx = NULL;
	t->pcap = 0;

	for (i = 0; i < t->npol; i++) {
		for (j = 0; j < t->pol[i].ncond; j++) {
			if (t->pol[i].cond[j].has_re)
				regfree(&t->pol[i].cond[j].re);
			free(t->pol[i].cond[j].name);
			free(t->pol[i].cond[j].item);
		}
		free(t->pol[i].qname);
		free(t->pol[i].item_q);
		free(t->pol[i].item_b);
		free(t->pol[i].cond);
		free(t->pol[i].name);
	}
	for (i = 0; i < t->ndeny; i++)
		free(t->deny[i].value);
	for (i = 0; i < t->nrule; i++) {
		for (j = 0; j < t->rule[i].ndec; j++)
			free(t->rule[i].dec[j].key);
		free(t->rule[i].dec);
		free(t->rule[i].name);
		apim_rules_tmpl_free(t->rule[i].tmpl);
	}
	free(t->pol);
	free(t->deny);
	free(t->rule);
	t->pol = NULL;
	t->deny = NULL;
	t->rule = NULL;
	t->npol = t->ndeny = t->nrule = 0;
}

/* FNV-1a of kind and name (the store's names: no flooding to fear). */
static size_t
pol_hash(char kind, const char *name)
{
	uint64_t h = (14695981039346656037ULL ^ (unsigned char)kind) *
	    1099511628211ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)(h ^ h >> 32);
}

/* The index of the policies, made at the first lookup after a load (the
 * first of a kind and name wins, as a scan in order would find it). */
static void
pol_index(struct apim_throttle *t)
{
	size_t cap = 8, j;
	int i;

	while (cap < 2 * (size_t)t->npol)
		cap *= 2;
	t->pidx = apim_xreallocarray(NULL, cap, sizeof *t->pidx);
	t->pcap = cap;
	for (j = 0; j < cap; j++)
		t->pidx[j] = -1;
	for (i = 0; i < t->npol; i++) {
		struct pol *p = &t->pol[i];

		for (j = pol_hash(p->kind, p->name) & (cap - 1); t->pidx[j] != -1;
		    j = (j + 1) & (cap - 1))
			if (t->pol[t->pidx[j]].kind == p->kind &&
			    strcmp(t->pol[t->pidx[j]].name, p->name) == 0)
				break;
		if (t->pidx[j] == -1)
			t->pidx[j] = i;
	}
}

static struct pol *
pol_find(struct apim_throttle *t, char kind, const char *name)
{
	size_t j;

	if (name == NULL || *name == '\0')
		return NULL;
	if (t->pcap == 0)
		pol_index(t);
	for (j = pol_hash(kind, name) & (t->pcap - 1); t->pidx[j] != -1;
	    j = (j + 1) & (t->pcap - 1))
		if (t->pol[t->pidx[j]].kind == kind &&
		    strcmp(t->pol[t->pidx[j]].name, name) == 0)
			return &t->pol[t->pidx[j]];
	return NULL;
}

static int
load(struct apim_throttle *t)
{
	sqlite3 *db = t->db;
	sqlite3_stmt *st;
	int rc, i;

	catalogue_free(t);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return apim_store_fail(db, "cannot read store");
	st = apim_store_prep(db, "SELECT kind, name, quota_type, quota, unit, burst, "
	    "burst_unit, stop_on_quota FROM policy", "");
	if (st == NULL)
		goto fail;
	while ((rc = apim_store_step(db, st)) == 1) {
		struct pol *p;

		t->pol = apim_xreallocarray(t->pol, (size_t)t->npol + 1, sizeof *t->pol);
		p = &t->pol[t->npol++];
		memset(p, 0, sizeof *p);
		p->kind = strcmp(apim_store_text(st, 0), "api") == 0 ? 'p' :
		    apim_store_text(st, 0)[0] == 'a' ? 'a' : 's';
		p->name = apim_strdup(apim_store_text(st, 1));
		p->unlimited = strcmp(apim_store_text(st, 2), "unlimited") == 0;
		p->bytes = strcmp(apim_store_text(st, 2), "bytes") == 0;
		p->quota = sqlite3_column_int64(st, 3);
		p->period_ms = apim_policy_unit_ms(apim_store_text(st, 4));
		p->burst = sqlite3_column_int64(st, 5);
		p->burst_ms = apim_policy_unit_ms(apim_store_text(st, 6));
		p->stop = sqlite3_column_int(st, 7);
		if (p->period_ms <= 0)
			p->unlimited = 1;
		if (p->burst_ms <= 0)
			p->burst = 0;
		p->qname = sf_quote(p->name);
		p->item_q = sf_item_new(p->qname, p->quota, p->period_ms);
		p->item_b = sf_item_new(p->qname, p->burst, p->burst_ms);
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	st = apim_store_prep(db, "SELECT id, policy, type, name, value, value2, "
	    "invert, quota, unit FROM policy_condition ORDER BY id", "");
	if (st == NULL)
		goto fail;
	while ((rc = apim_store_step(db, st)) == 1) {
		struct pol *p = pol_find(t, 'p', apim_store_text(st, 1));
		const char *type = apim_store_text(st, 2);
		struct cond c;
		int ok;

		if (p == NULL)
			continue;
		memset(&c, 0, sizeof c);
		c.id = sqlite3_column_int(st, 0);
		c.invert = sqlite3_column_int(st, 6);
		c.quota = sqlite3_column_int64(st, 7);
		c.period_ms = apim_policy_unit_ms(apim_store_text(st, 8));
		if (strcmp(type, "ip") == 0 || strcmp(type, "ip-range") == 0) {
			c.type = strcmp(type, "ip") == 0 ? C_IP : C_RANGE;
			ok = ip_parse(apim_store_text(st, 4), c.lo) == 0 &&
			    ip_parse(c.type == C_IP ? apim_store_text(st, 4) :
			    apim_store_text(st, 5), c.hi) == 0;
		} else {
			c.type = strcmp(type, "header") == 0 ? C_HEADER :
			    strcmp(type, "query") == 0 ? C_QUERY : C_CLAIM;
			ok = c.has_re = regcomp(&c.re, apim_store_text(st, 4),
			    REG_EXTENDED | REG_NOSUB) == 0;
		}
		/* checked at add: a row that does not parse never matches */
		if (!ok || c.period_ms <= 0) {
			if (c.has_re)
				regfree(&c.re);
			continue;
		}
		c.name = apim_strdup(apim_store_text(st, 3));
		c.item = sf_item_new(p->qname, c.quota, c.period_ms);
		p->cond = apim_xreallocarray(p->cond, (size_t)p->ncond + 1, sizeof *p->cond);
		p->cond[p->ncond++] = c;
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	st = apim_store_prep(db, "SELECT type, value, value2, invert FROM deny "
	    "WHERE enabled = 1", "");
	if (st == NULL)
		goto fail;
	while ((rc = apim_store_step(db, st)) == 1) {
		static const char *const names[] = { "api", "app", "user", "ip",
		    "ip-range", "subscription" };
		struct deny *d;
		const char *type = apim_store_text(st, 0);

		t->deny = apim_xreallocarray(t->deny, (size_t)t->ndeny + 1, sizeof *t->deny);
		d = &t->deny[t->ndeny++];
		memset(d, 0, sizeof *d);
		for (i = 0; i < 6; i++)
			if (strcmp(type, names[i]) == 0)
				d->type = (enum dtype)i;
		d->value = apim_strdup(apim_store_text(st, 1));
		d->invert = sqlite3_column_int(st, 3);
		if ((d->type == D_IP || d->type == D_RANGE) &&
		    (ip_parse(d->value, d->lo) == -1 || ip_parse(d->type == D_IP ?
		    d->value : apim_store_text(st, 2), d->hi) == -1)) {
			free(d->value);
			t->ndeny--;
		}
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	st = apim_store_prep(db, "SELECT r.name, r.key_template, d.key, d.until_ms "
	    "FROM decision d JOIN rule r ON r.name = d.rule WHERE d.until_ms > ? "
	    "AND r.enabled = 1 "
	    "ORDER BY r.name", "I", apim_now_ms());
	if (st == NULL)
		goto fail;
	while ((rc = apim_store_step(db, st)) == 1) {
		struct rulec *r = t->nrule ? &t->rule[t->nrule - 1] : NULL;
		struct dec *d;

		if (r == NULL || strcmp(r->name, apim_store_text(st, 0)) != 0) {
			struct apim_rules_tmpl *tm;

			if ((tm = apim_rules_tmpl_parse(apim_store_text(st, 1), NULL)) == NULL)
				continue;
			t->rule = apim_xreallocarray(t->rule, (size_t)t->nrule + 1,
			    sizeof *t->rule);
			r = &t->rule[t->nrule++];
			memset(r, 0, sizeof *r);
			r->name = apim_strdup(apim_store_text(st, 0));
			r->tmpl = tm;
		}
		r->dec = apim_xreallocarray(r->dec, (size_t)r->ndec + 1, sizeof *r->dec);
		d = &r->dec[r->ndec++];
		d->key = apim_strdup(apim_store_text(st, 2));
		d->until_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	apim_err_clear();
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int64_t
data_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
apim_throttle_reload(struct apim_throttle *t)
{
	t->data_version = data_version(t->db);
	t->checked_mono = mono_ms();
	return load(t);
}

static struct apim_throttle *
open_with(sqlite3 *db, const char *db_path, const char *counter_path)
{
	struct apim_throttle *t;
	char path[PATH_MAX];

	t = apim_xcalloc(1, sizeof *t);
	if (db != NULL)
		t->db = db;
	else if ((t->db = apim_store_open(db_path, 0)) == NULL)
		goto fail;
	else
		t->own_db = 1;
	if (counter_path == NULL && (counter_path =
	    apim_throttle_counter_path(db_path, path, sizeof path)) == NULL)
		goto fail;
	if ((t->ctr = apim_counter_open(counter_path, 0)) == NULL)
		goto fail;
	if (apim_throttle_reload(t) == -1)
		goto fail;
	return t;
fail:
	apim_throttle_close(t);
	return NULL;
}

struct apim_throttle *
apim_throttle_open(const char *db_path, const char *counter_path)
{
	return open_with(NULL, db_path, counter_path);
}

struct apim_throttle *
apim_throttle_open_db(sqlite3 *db, const char *db_path, const char *counter_path)
{
	return open_with(db, db_path, counter_path);
}

void
apim_throttle_close(struct apim_throttle *t)
{
	if (t == NULL)
		return;
	catalogue_free(t);
	apim_counter_close(t->ctr);
	if (t->own_db)
		apim_store_close(t->db);
	free(t);
}

const char *
apim_throttle_counter_path(const char *db_path, char *buf, size_t n)
{
	const char *c = apim_conf_get("counters", NULL);

	if (c != NULL && *c != '\0')
		return c;
	return apim_store_sibling(db_path, "counters", buf, n);
}

/* ---- matching ---- */

static int
ip_in(const char *ip, const unsigned char lo[16], const unsigned char hi[16])
{
	unsigned char a[16];

	if (ip_parse(ip, a) == -1)
		return 0;
	return memcmp(a, lo, 16) >= 0 && memcmp(a, hi, 16) <= 0;
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
deny_match(const struct deny *d, const struct apim_throttle_req *rq)
{
	int m = 0;

	switch (d->type) {
	case D_API:
		if (!empty(rq->api_context)) {
			size_t n = strlen(rq->api_context);

			m = strcmp(d->value, rq->api_context) == 0 ||
			    (strncmp(d->value, rq->api_context, n) == 0 &&
			    d->value[n] == '/' && !empty(rq->api_version) &&
			    strcmp(d->value + n + 1, rq->api_version) == 0);
		}
		break;
	case D_APP:
		if (!empty(rq->app_owner) && !empty(rq->app_name)) {
			size_t n = strlen(rq->app_owner);

			m = strncmp(d->value, rq->app_owner, n) == 0 &&
			    d->value[n] == ':' &&
			    strcmp(d->value + n + 1, rq->app_name) == 0;
		}
		break;
	case D_USER:
		m = !empty(rq->user) && strcmp(d->value, rq->user) == 0;
		break;
	case D_IP:
	case D_RANGE:
		m = !empty(rq->client_ip) && ip_in(rq->client_ip, d->lo, d->hi);
		break;
	case D_SUB:
		m = !empty(rq->sub_id) && strcmp(d->value, rq->sub_id) == 0;
		break;
	}
	return d->invert ? !m : m;
}

static const char *
pair_get(const char *const *kv, const char *name, int icase)
{
	if (kv == NULL)
		return NULL;
	for (; kv[0] != NULL && kv[1] != NULL; kv += 2)
		if ((icase ? strcasecmp(kv[0], name) : strcmp(kv[0], name)) == 0)
			return kv[1];
	return NULL;
}

/* The request's header name (first of that name), or NULL. */
static const char *
header_get(const struct apim_throttle_req *rq, const char *name)
{
	size_t i;

	if (rq->headers != NULL)
		return pair_get(rq->headers, name, 1);
	for (i = 0; i < rq->nheaders; i++)
		if (strcasecmp(rq->header_names[i], name) == 0)
			return rq->header_values[i];
	return NULL;
}

/* The query parameter name (the first; "" without '='), copied into *buf
 * (the caller frees it) when taken from the raw query string; or NULL.
 * Pieces split at '&' and at the first '=', not decoded, as the pairs. */
static const char *
query_get(const struct apim_throttle_req *rq, const char *name, char **buf)
{
	size_t n = strlen(name), l;
	const char *q, *e, *eq;

	if (rq->query != NULL)
		return pair_get(rq->query, name, 0);
	for (q = rq->query_string; q && *q; q = *e ? e + 1 : e) {
		e = q + strcspn(q, "&");
		eq = memchr(q, '=', (size_t)(e - q));
		l = (size_t)((eq ? eq : e) - q);
		if (l == 0 || l != n || memcmp(q, name, n) != 0)
			continue;
		if (eq == NULL)
			return "";
		l = (size_t)(e - eq - 1);
		*buf = apim_xmalloc(l + 1);
		memcpy(*buf, eq + 1, l);
		(*buf)[l] = '\0';
		return *buf;
	}
	return NULL;
}

static int
cond_match(const struct cond *c, const struct apim_throttle_req *rq)
{
	const char *v = NULL;
	char *copy = NULL;
	int m = 0;

	switch (c->type) {
	case C_IP:
	case C_RANGE:
		m = !empty(rq->client_ip) && ip_in(rq->client_ip, c->lo, c->hi);
		break;
	case C_HEADER:
		v = header_get(rq, c->name);
		break;
	case C_QUERY:
		v = query_get(rq, c->name, &copy);
		break;
	case C_CLAIM:
		v = pair_get(rq->claims, c->name, 0);
		break;
	}
	if (c->has_re)
		m = v != NULL && regexec(&c->re, v, 0, NULL, 0) == 0;
	free(copy);
	return c->invert ? !m : m;
}

/* ---- counting ---- */

#define TAKEN_MAX 40	/* > 2 + APIM_THROTTLE_GROUPS_MAX + 3 */
struct taken {
	char key[APIM_NAME_MAX + 96];
	const char *qname, *item;
	int64_t limit, period_ms, cost;
	struct apim_count cnt;
};

struct check {
	struct apim_throttle *t;
	const struct apim_throttle_req *rq;
	struct apim_throttle_res *res;
	int64_t now;
	int n;
	struct taken tk[TAKEN_MAX];
};

/* Append the decimal digits of v to out[cap] at *n (cut if full), two
 * digits a step. */
static void
add_int(char *out, size_t cap, size_t *n, int64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	char d[24];
	int i = 24;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		unsigned k = (unsigned)(u % 100) * 2;

		u /= 100;
		d[--i] = pairs[k + 1];
		d[--i] = pairs[k];
	}
	if (u >= 10) {
		d[--i] = pairs[u * 2 + 1];
		d[--i] = pairs[u * 2];
	} else
		d[--i] = (char)('0' + u);
	if (v < 0)
		d[--i] = '-';
	while (i < 24 && *n + 1 < cap)
		out[(*n)++] = d[i++];
}

/* A counter key from fmt with only %s and %d: snprintf costs too much in
 * the request path. */
static void
kfmt(char *out, size_t cap, const char *fmt, va_list ap)
{
	size_t n = 0;

	for (; *fmt && n + 1 < cap; fmt++) {
		if (fmt[0] == '%' && fmt[1] == 's') {
			const char *s = va_arg(ap, const char *);

			while (*s && n + 1 < cap)
				out[n++] = *s++;
			fmt++;
		} else if (fmt[0] == '%' && fmt[1] == 'd') {
			add_int(out, cap, &n, va_arg(ap, int));
			fmt++;
		} else
			out[n++] = *fmt;
	}
	out[n] = '\0';
}

/* Take one limit; 1 admitted, 0 refused (res filled, earlier takes given
 * back), -1 error. */
static int
take(struct check *ck, const char *qname, const char *item, int64_t limit,
    int64_t period_ms, int64_t cost, int stop, int code, const char *reason,
    const char *fmt, ...) __attribute__((format(printf, 10, 11)));

static int
take(struct check *ck, const char *qname, const char *item, int64_t limit,
    int64_t period_ms, int64_t cost, int stop, int code, const char *reason,
    const char *fmt, ...)
{
	struct taken *tk;
	va_list ap;
	int rc, i;

	if (ck->n >= TAKEN_MAX) {
		apim_err_set(APIM_SOFTWARE, "too many limits for one request");
		return -1;
	}
	tk = &ck->tk[ck->n];
	va_start(ap, fmt);
	kfmt(tk->key, sizeof tk->key, fmt, ap);
	va_end(ap);
	tk->qname = qname;
	tk->item = item;
	tk->limit = limit;
	tk->period_ms = period_ms;
	tk->cost = cost;
	rc = apim_counter_take(ck->t->ctr, tk->key, limit, period_ms, cost, ck->now,
	    &tk->cnt);
	if (rc == -1)
		return -1;
	ck->n++;
	if (rc == 1)
		return 1;
	tk->cost = 0;	/* nothing was added */
	if (!stop) {
		if (!ck->res->exceeded) {
			ck->res->exceeded = 1;
			ck->res->code = code;
			ck->res->reason = reason;
		}
		return 1;
	}
	for (i = 0; i < ck->n - 1; i++) {
		apim_counter_give(ck->t->ctr, ck->tk[i].key, ck->tk[i].period_ms,
		    ck->tk[i].cost, ck->now);
		ck->tk[i].cnt.remaining += ck->tk[i].cost;
		if (ck->tk[i].cnt.remaining > ck->tk[i].limit)
			ck->tk[i].cnt.remaining = ck->tk[i].limit;
	}
	ck->res->allow = 0;
	ck->res->exceeded = 0;
	ck->res->status = 429;
	ck->res->code = code;
	ck->res->reason = reason;
	ck->res->message = "Message throttled out";
	ck->res->retry_after = (tk->cnt.reset_ms + 999) / 1000;
	if (ck->res->retry_after < 1)
		ck->res->retry_after = 1;
	return 0;
}

static void
add_str(char *out, size_t cap, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + l + 1 > cap)
		l = cap - 1 - *n;
	memcpy(out + *n, s, l);
	*n += l;
}

static void
headers(struct check *ck)
{
	char *p = ck->res->ratelimit_policy, *r = ck->res->ratelimit;
	size_t pl = 0, rl = 0, pc = sizeof ck->res->ratelimit_policy,
	    rc = sizeof ck->res->ratelimit;
	int i;

	for (i = 0; i < ck->n; i++) {
		struct taken *tk = &ck->tk[i];

		if (i > 0) {
			add_str(p, pc, &pl, ", ");
			add_str(r, rc, &rl, ", ");
		}
		add_str(p, pc, &pl, tk->item);
		add_str(r, rc, &rl, tk->qname);
		add_str(r, rc, &rl, ";r=");
		add_int(r, rc, &rl, tk->cnt.remaining);
		add_str(r, rc, &rl, ";t=");
		add_int(r, rc, &rl, (tk->cnt.reset_ms + 999) / 1000);
	}
	p[pl] = '\0';
	r[rl] = '\0';
}

/* The request's fields as an event, for decision key templates. */
static void
as_event(const struct apim_throttle_req *rq, struct apim_event *ev)
{
	apim_event_init(ev);
	ev->api_id = empty(rq->api_id) ? NULL : rq->api_id;
	ev->api_name = empty(rq->api_name) ? NULL : rq->api_name;
	ev->api_version = empty(rq->api_version) ? NULL : rq->api_version;
	ev->api_context = empty(rq->api_context) ? NULL : rq->api_context;
	ev->api_method = empty(rq->verb) ? NULL : rq->verb;
	ev->api_resource_template = empty(rq->resource) ? NULL : rq->resource;
	ev->application_id = empty(rq->app_id) ? NULL : rq->app_id;
	ev->application_name = empty(rq->app_name) ? NULL : rq->app_name;
	ev->application_owner = empty(rq->app_owner) ? NULL : rq->app_owner;
	ev->subscription_tier = empty(rq->sub_tier) ? NULL : rq->sub_tier;
	ev->user_name = empty(rq->user) ? NULL : rq->user;
	ev->user_ip = empty(rq->client_ip) ? NULL : rq->client_ip;
}

static int
counted(struct check *ck)
{
	struct apim_throttle *t = ck->t;
	const struct apim_throttle_req *rq = ck->rq;
	const struct pol *p;
	int64_t cost;
	int rc, i, matched = 0;

	/* API policy: matching conditional groups, else the default limit */
	if (!empty(rq->api_id) && ((p = pol_find(t, 'p', rq->api_policy)) != NULL ||
	    (p = pol_find(t, 's', rq->api_policy)) != NULL)) {
		for (i = 0; i < p->ncond; i++) {
			const struct cond *c = &p->cond[i];

			if (!cond_match(c, rq))
				continue;
			matched = 1;
			if ((rc = take(ck, p->qname, c->item, c->quota, c->period_ms, 1, 1,
			    APIM_THROTTLE_API, "API policy condition", "group:%s:%d",
			    rq->api_id, c->id)) != 1)
				return rc;
		}
		cost = p->bytes ? rq->bytes : 1;
		if (!matched && !p->unlimited && (rc = take(ck, p->qname, p->item_q, p->quota,
		    p->period_ms, cost, 1, APIM_THROTTLE_API, "API policy", "api:%s",
		    rq->api_id)) != 1)
			return rc;
	}
	if (!empty(rq->api_id) && !empty(rq->resource) &&
	    ((p = pol_find(t, 'p', rq->resource_policy)) != NULL ||
	    (p = pol_find(t, 's', rq->resource_policy)) != NULL) && !p->unlimited &&
	    (rc = take(ck, p->qname, p->item_q, p->quota, p->period_ms, p->bytes ? rq->bytes : 1,
	    1, APIM_THROTTLE_API, "resource policy", "resource:%s:%s %s", rq->api_id,
	    empty(rq->verb) ? "-" : rq->verb, rq->resource)) != 1)
		return rc;
	if (!empty(rq->sub_id) && (p = pol_find(t, 's', rq->sub_tier)) != NULL) {
		if (p->burst > 0 && (rc = take(ck, p->qname, p->item_b, p->burst, p->burst_ms, 1, 1,
		    APIM_THROTTLE_BURST, "subscription burst", "burst:%s",
		    rq->sub_id)) != 1)
			return rc;
		if (!p->unlimited && (rc = take(ck, p->qname, p->item_q, p->quota, p->period_ms,
		    p->bytes ? rq->bytes : 1, p->stop, APIM_THROTTLE_SUB,
		    "subscription quota", "sub:%s", rq->sub_id)) != 1)
			return rc;
	}
	if (!empty(rq->app_id) && (p = pol_find(t, 'a', rq->app_tier)) != NULL &&
	    !p->unlimited && (rc = take(ck, p->qname, p->item_q, p->quota, p->period_ms,
	    p->bytes ? rq->bytes : 1, 1, APIM_THROTTLE_APP, "application policy",
	    "app:%s:%s", rq->app_id, empty(rq->user) ? "-" : rq->user)) != 1)
		return rc;
	return 1;
}

int
apim_throttle_check(struct apim_throttle *t, const struct apim_throttle_req *rq,
    struct apim_throttle_res *res)
{
	struct check ck;
	int64_t mono = mono_ms();
	int i, j, rc;

	res->allow = 1;
	res->exceeded = 0;
	res->code = 0;
	res->status = 200;
	res->message = NULL;
	res->reason = NULL;
	res->retry_after = 0;
	res->ratelimit_policy[0] = '\0';
	res->ratelimit[0] = '\0';
	if (mono - t->checked_mono >= RELOAD_EVERY_MS) {
		int64_t v = data_version(t->db);

		t->checked_mono = mono;
		if (v != t->data_version) {
			if (load(t) == -1)
				return -1;	/* tried again at the next check */
			t->data_version = v;
		}
	}
	ck.n = 0;	/* the taken slots are filled as used: no memset */
	ck.t = t;
	ck.rq = rq;
	ck.res = res;
	ck.now = rq->now_ms > 0 ? rq->now_ms : apim_now_ms();
	for (i = 0; i < t->ndeny; i++)
		if (deny_match(&t->deny[i], rq)) {
			res->allow = 0;
			res->status = 403;
			res->code = APIM_THROTTLE_DENY;
			res->message = "Message blocked";
			res->reason = "deny condition";
			return 0;
		}
	if (t->nrule > 0) {
		struct apim_event ev;
		char key[1024];

		as_event(rq, &ev);
		for (i = 0; i < t->nrule; i++) {
			if (apim_rules_tmpl_expand(t->rule[i].tmpl, &ev, key,
			    sizeof key) < 0)
				continue;
			for (j = 0; j < t->rule[i].ndec; j++)
				if (t->rule[i].dec[j].until_ms > ck.now &&
				    strcmp(t->rule[i].dec[j].key, key) == 0) {
					res->allow = 0;
					res->status = 429;
					res->code = APIM_THROTTLE_RULE;
					res->message = "Message throttled out";
					res->reason = "rule decision";
					res->retry_after = (t->rule[i].dec[j].until_ms -
					    ck.now + 999) / 1000;
					return 0;
				}
		}
	}
	if ((rc = counted(&ck)) == -1)
		return -1;
	headers(&ck);
	if (res->message == NULL && res->exceeded)
		res->message = "Message throttled out";
	return 0;
}
