/* throttle_run: apim-throttle's rules engine (run: events in, decisions out,
 * following files across rotation) and live state (status, decisions, unblock). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "counter.h"
#include "err.h"
#include "event.h"
#include "expr.h"
#include "out.h"
#include "policy.h"
#include "rules.h"
#include "store.h"
#include "throttle.h"
#include "throttle_cmd.h"
#include "util.h"

#define READ_CHUNK	(256 * 1024)
#define FOLLOW_POLL_MS	50
#define KEY_MAX		1024

struct rule {
	char *name;
	struct apim_rules_tmpl *tmpl;
	struct apim_expr *where;
	int64_t limit, period_ms, block_ms;
};

/* One (rule, key): its window, count in it, and blocked-until. */
struct state {
	uint64_t hash;
	int rule;
	char *key;
	int64_t window, count, until;
};

struct pending {
	int rule;
	char *key;
	int64_t until, at, count;
};

struct src {
	const char *path;	/* NULL: stdin */
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;
	struct apim_buf buf;
	long lineno;
	int skipping;		/* inside a line longer than the limit */
};

struct engine {
	sqlite3 *db;
	int nrule;
	struct rule *rule;
	struct state *tab;
	size_t tabcap, tabused;
	struct pending *pend;
	size_t npend;
	long events, bad, decisions;
	char *pbuf;
	size_t pcap;
	int64_t data_version, checked_ms;
	char rules_sig[65];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
hash_str(int rule, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)rule;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static struct state *
state_get(struct engine *e, int rule, const char *key, size_t n)
{
	uint64_t h = hash_str(rule, key, n);
	size_t i;

	if ((e->tabused + 1) * 2 > e->tabcap) {
		struct state *old = e->tab;
		size_t oldcap = e->tabcap, j;

		e->tabcap = oldcap ? oldcap * 2 : 1024;
		e->tab = apim_xcalloc(e->tabcap, sizeof *e->tab);
		for (j = 0; j < oldcap; j++) {
			if (old[j].hash == 0)
				continue;
			for (i = old[j].hash & (e->tabcap - 1); e->tab[i].hash;
			    i = (i + 1) & (e->tabcap - 1))
				;
			e->tab[i] = old[j];
		}
		free(old);
	}
	for (i = h & (e->tabcap - 1); e->tab[i].hash; i = (i + 1) & (e->tabcap - 1))
		if (e->tab[i].hash == h && e->tab[i].rule == rule &&
		    strcmp(e->tab[i].key, key) == 0)
			return &e->tab[i];
	e->tab[i].hash = h;
	e->tab[i].rule = rule;
	e->tab[i].key = apim_strdup(key);
	e->tab[i].window = -1;
	e->tabused++;
	return &e->tab[i];
}

static int
load_rules(struct engine *e)
{
	sqlite3_stmt *st;
	int rc;

	st = apim_store_prep(e->db, "SELECT name, key_template, where_expr, lim, unit, "
	    "block_ms FROM rule WHERE enabled = 1 ORDER BY name", "");
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(e->db, st)) == 1) {
		struct rule *r;
		struct apim_rules_tmpl *t;
		struct apim_expr *w = NULL;

		if ((t = apim_rules_tmpl_parse(apim_store_text(st, 1), NULL)) == NULL)
			continue;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL &&
		    (w = apim_expr_parse(apim_store_text(st, 2), NULL)) == NULL) {
			apim_rules_tmpl_free(t);
			continue;
		}
		e->rule = apim_xreallocarray(e->rule, (size_t)e->nrule + 1, sizeof *e->rule);
		r = &e->rule[e->nrule++];
		r->name = apim_strdup(apim_store_text(st, 0));
		r->tmpl = t;
		r->where = w;
		r->limit = sqlite3_column_int64(st, 3);
		r->period_ms = apim_policy_unit_ms(apim_store_text(st, 4));
		r->block_ms = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == -1 ? -1 : 0;
}

static void
rules_free(struct engine *e)
{
	size_t j;
	int i;

	for (i = 0; i < e->nrule; i++) {
		free(e->rule[i].name);
		apim_rules_tmpl_free(e->rule[i].tmpl);
		apim_expr_free(e->rule[i].where);
	}
	free(e->rule);
	e->rule = NULL;
	e->nrule = 0;
	for (j = 0; j < e->tabcap; j++)
		free(e->tab[j].key);
	free(e->tab);
	e->tab = NULL;
	e->tabcap = e->tabused = 0;
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

static int flush(struct engine *e);

/* At most once a second: if another process changed the store, read the
 * rules again (their counts start again).  Pending decisions go first. */
static int
maybe_reload(struct engine *e, int quiet)
{
	int64_t now = apim_now_ms(), v;
	sqlite3_stmt *st;
	char sig[65];
	struct apim_buf b = APIM_BUF_INIT;
	int rc;

	if (!quiet && now - e->checked_ms < 1000 && now >= e->checked_ms)
		return 0;
	e->checked_ms = now;
	if ((v = data_version(e->db)) == e->data_version && !quiet)
		return 0;
	e->data_version = v;
	/* decisions written by run itself change the version too: reload
	 * only if the enabled rules differ */
	st = apim_store_prep(e->db, "SELECT name, key_template, where_expr, lim, "
	    "unit, block_ms FROM rule WHERE enabled = 1 ORDER BY name", "");
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(e->db, st)) == 1) {
		int c;

		for (c = 0; c < 6; c++) {
			apim_buf_adds(&b, apim_store_text(st, c));
			apim_buf_addc(&b, '\x1f');
		}
	}
	sqlite3_finalize(st);
	if (rc == -1) {
		apim_buf_free(&b);
		return -1;
	}
	apim_sha256_hex(b.data ? b.data : "", b.len, sig);
	apim_buf_free(&b);
	if (strcmp(sig, e->rules_sig) == 0)
		return 0;
	if (flush(e) == -1)
		return -1;
	rules_free(e);
	if (load_rules(e) == -1)
		return -1;
	memcpy(e->rules_sig, sig, sizeof sig);
	if (!quiet)
		apim_warnx("rules changed: %d enabled", e->nrule);
	return 0;
}

/* Write pending decisions to the store (one transaction) and print them. */
static int
flush(struct engine *e)
{
	size_t i;
	int64_t now = apim_now_ms();

	if (e->npend == 0)
		return 0;
	if (apim_store_begin(e->db) == -1)
		return -1;
	for (i = 0; i < e->npend; i++) {
		struct pending *p = &e->pend[i];
		struct rule *r = &e->rule[p->rule];
		char reason[160];

		snprintf(reason, sizeof reason, "more than %" PRId64 " events per %"
		    PRId64 " s", r->limit, r->period_ms / 1000);
		if (apim_store_exec(e->db, "INSERT INTO decision (rule, key, reason, "
		    "until_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (rule, "
		    "key) DO UPDATE SET until_ms = max(until_ms, excluded.until_ms), "
		    "reason = excluded.reason", "sssII", r->name, p->key, reason, p->until,
		    now) == -1) {
			apim_store_rollback(e->db);
			return -1;
		}
	}
	if (apim_store_commit(e->db) == -1)
		return -1;
	for (i = 0; i < e->npend; i++) {
		struct pending *p = &e->pend[i];
		struct rule *r = &e->rule[p->rule];
		char at[32], until[32], reason[160];
		json_t *o;

		apim_time_iso(p->at, at);
		apim_time_iso(p->until, until);
		snprintf(reason, sizeof reason, "more than %" PRId64 " events per %"
		    PRId64 " s", r->limit, r->period_ms / 1000);
		o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I}",
		    "decision", "block", "rule", r->name, "key", p->key, "reason", reason,
		    "count", (json_int_t)p->count, "at", at,
		    "untilMs", (json_int_t)p->until, "limit", (json_int_t)r->limit);
		json_object_set_new(o, "until", json_string(until));
		apim_out_emit(o);
		free(p->key);
	}
	e->npend = 0;
	fflush(stdout);
	return 0;
}

static void
event(struct engine *e, const struct apim_event *ev)
{
	char key[KEY_MAX];
	int64_t ts = ev->request_ms >= 0 ? ev->request_ms : apim_now_ms();
	int i;

	e->events++;
	for (i = 0; i < e->nrule; i++) {
		struct rule *r = &e->rule[i];
		struct state *s;
		long n;

		if (r->where != NULL && !apim_expr_eval(r->where, ev))
			continue;
		if ((n = apim_rules_tmpl_expand(r->tmpl, ev, key, sizeof key)) < 0)
			continue;
		s = state_get(e, i, key, (size_t)n);
		if (s->until > ts)
			continue;	/* blocked: not counted again */
		if (s->window != ts / r->period_ms) {
			s->window = ts / r->period_ms;
			s->count = 0;
		}
		if (++s->count <= r->limit)
			continue;
		s->until = ts + r->block_ms;
		e->pend = apim_xreallocarray(e->pend, e->npend + 1, sizeof *e->pend);
		e->pend[e->npend].rule = i;
		e->pend[e->npend].key = apim_strdup(key);
		e->pend[e->npend].until = s->until;
		e->pend[e->npend].at = ts;
		e->pend[e->npend].count = s->count;
		e->npend++;
		e->decisions++;
		s->count = 0;
	}
}

static void
line(struct engine *e, struct src *s, const char *p, size_t n)
{
	struct apim_event ev;

	s->lineno++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return;
	if (n > APIM_EVENT_LINE_MAX) {
		e->bad++;
		apim_warnx("%s:%ld: line longer than %d bytes", s->path ? s->path :
		    "stdin", s->lineno, APIM_EVENT_LINE_MAX);
		return;
	}
	if (n + 1 > e->pcap) {
		e->pcap = n + 1;
		free(e->pbuf);
		e->pbuf = apim_xmalloc(e->pcap);
	}
	if (apim_event_parse(p, n, &ev, e->pbuf, e->pcap) == -1) {
		e->bad++;
		apim_warnx("%s:%ld: %s", s->path ? s->path : "stdin", s->lineno,
		    apim_err_msg());
		return;
	}
	event(e, &ev);
}

/* Read what fd has now; process complete lines.  Returns bytes read, 0 at
 * end of input, -1 error. */
static ssize_t
pump(struct engine *e, struct src *s)
{
	ssize_t got, total = 0;

	if (maybe_reload(e, 0) == -1)
		return -1;
	for (;;) {
		size_t start, i;

		apim_buf_reserve(&s->buf, READ_CHUNK);
		got = read(s->fd, s->buf.data + s->buf.len, READ_CHUNK);
		if (got < 0) {
			if (errno == EINTR && !stop)
				continue;
			if (errno == EINTR || errno == EAGAIN)
				return total;
			apim_err_set(APIM_IOERR, "cannot read '%s': %s",
			    s->path ? s->path : "stdin", strerror(errno));
			return -1;
		}
		if (got == 0)
			return total;
		total += got;
		s->off += got;
		start = 0;
		for (i = s->buf.len; i < s->buf.len + (size_t)got; i++) {
			char *nl = memchr(s->buf.data + i, '\n',
			    s->buf.len + (size_t)got - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - s->buf.data);
			if (s->skipping) {
				s->skipping = 0;
				s->lineno++;
				e->bad++;
				apim_warnx("%s:%ld: line longer than %d bytes",
				    s->path ? s->path : "stdin", s->lineno,
				    APIM_EVENT_LINE_MAX);
			} else
				line(e, s, s->buf.data + start, i - start);
			start = i + 1;
		}
		s->buf.len += (size_t)got;
		apim_buf_consume(&s->buf, start);
		if (s->buf.len > APIM_EVENT_LINE_MAX) {
			s->skipping = 1;
			apim_buf_reset(&s->buf);
		}
		if (flush(e) == -1)
			return -1;
		if (stop)
			return total;
	}
}

static void
src_last(struct engine *e, struct src *s)
{
	if (s->buf.len > 0 && !s->skipping)
		line(e, s, s->buf.data, s->buf.len);
	apim_buf_reset(&s->buf);
	s->skipping = 0;
}

static int
src_open(struct src *s)
{
	struct stat st;

	if ((s->fd = open(s->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(s->fd, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	s->off = 0;
	s->lineno = 0;
	apim_buf_reset(&s->buf);
	s->skipping = 0;
	return 0;
}

/* Follow: rotation (a new file at path) after draining the old one;
 * truncation (size below what was read) starts again at 0. */
static int
follow(struct engine *e, struct src *s, int n)
{
	int i, waiting_warned = 0;

	for (i = 0; i < n; i++)
		if (src_open(&s[i]) == -1) {
			if (errno != ENOENT) {
				apim_err_set(APIM_NOINPUT, "cannot open '%s': %s",
				    s[i].path, strerror(errno));
				return -1;
			}
			s[i].fd = -1;
		}
	while (!stop) {
		ssize_t progress = 0, r;

		for (i = 0; i < n && !stop; i++) {
			struct stat st;

			if (s[i].fd == -1) {
				if (src_open(&s[i]) == -1) {
					if (!waiting_warned++)
						apim_warnx("waiting for '%s'", s[i].path);
					continue;
				}
			}
			if ((r = pump(e, &s[i])) == -1)
				return -1;
			progress += r;
			if (r > 0)
				continue;
			if (stat(s[i].path, &st) == -1)
				continue;	/* moved away, not yet re-created */
			if (st.st_dev != s[i].dev || st.st_ino != s[i].ino) {
				/* rotated: drain what the old file still has */
				if ((r = pump(e, &s[i])) == -1)
					return -1;
				src_last(e, &s[i]);
				close(s[i].fd);
				s[i].fd = -1;
				if (src_open(&s[i]) == 0) {
					apim_warnx("'%s' was replaced: following the new file",
					    s[i].path);
					progress++;
				}
			} else if (st.st_size < s[i].off) {
				apim_warnx("'%s' was truncated: reading from the start",
				    s[i].path);
				lseek(s[i].fd, 0, SEEK_SET);
				s[i].off = 0;
				s[i].lineno = 0;
				apim_buf_reset(&s[i].buf);
				s[i].skipping = 0;
				progress++;
			}
		}
		if (flush(e) == -1)
			return -1;
		if (progress == 0 && !stop)
			poll(NULL, 0, FOLLOW_POLL_MS);
	}
	return 0;
}

static void
engine_free(struct engine *e)
{
	size_t j;

	rules_free(e);
	for (j = 0; j < e->npend; j++)
		free(e->pend[j].key);
	free(e->pend);
	free(e->pbuf);
}

int
apim_throttle_run(struct apim_ctx *ctx, struct apim_args *a)
{
	struct engine e;
	struct src *s;
	struct sigaction sa;
	int i, rc = 0;

	memset(&e, 0, sizeof e);
	if ((e.db = apim_ctx_db(ctx)) == NULL || maybe_reload(&e, 1) == -1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	s = apim_xcalloc((size_t)(a->npos ? a->npos : 1), sizeof *s);
	if (a->npos == 0) {
		s[0].fd = 0;
		for (;;) {
			ssize_t r = pump(&e, &s[0]);

			if (r == -1) {
				rc = -1;
				break;
			}
			if (r == 0 || stop)
				break;
		}
		if (rc == 0) {
			src_last(&e, &s[0]);
			rc = flush(&e);
		}
	} else {
		for (i = 0; i < a->npos; i++)
			s[i].path = a->pos[i];
		rc = follow(&e, s, a->npos);
		for (i = 0; i < a->npos; i++)
			if (s[i].fd > 0) {
				src_last(&e, &s[i]);
				close(s[i].fd);
			}
		if (rc == 0)
			rc = flush(&e);
	}
	for (i = 0; i < (a->npos ? a->npos : 1); i++)
		apim_buf_free(&s[i].buf);
	free(s);
	if (rc == -1) {
		engine_free(&e);
		return -1;
	}
	fflush(stdout);
	fprintf(stderr, "%s: %ld events, %ld bad lines, %ld decisions\n", apim_prog(),
	    e.events, e.bad, e.decisions);
	engine_free(&e);
	return 0;
}

/* ---- live state ---- */

struct walk {
	const char *key;
	struct apim_table *t;
	json_t *rows;
	int n;
};

static void
walk_one(void *arg, const char *key, int64_t period_ms, int64_t count)
{
	struct walk *w = arg;
	char per[24], cnt[24];
	const char *cells[4];

	if (w->key != NULL && strcmp(w->key, key) != 0)
		return;
	w->n++;
	if (w->rows != NULL) {
		json_array_append_new(w->rows, json_pack("{s:s, s:s, s:I, s:I}", "type",
		    "counter", "key", key, "periodSeconds", (json_int_t)(period_ms / 1000),
		    "count", (json_int_t)count));
		return;
	}
	snprintf(per, sizeof per, "%" PRId64 "s", period_ms / 1000);
	snprintf(cnt, sizeof cnt, "%" PRId64, count);
	cells[0] = "counter";
	cells[1] = key;
	cells[2] = cnt;
	cells[3] = per;
	apim_table_add(w->t, cells);
}

static json_t *
decision_row(sqlite3 *db, sqlite3_stmt *st)
{
	char until[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 3), until);
	return json_pack("{s:s, s:o, s:o, s:o, s:s, s:I}", "type", "decision",
	    "rule", apim_store_text_json(st, 0), "key", apim_store_text_json(st, 1),
	    "reason", apim_store_text_json(st, 2), "until", until,
	    "untilMs", (json_int_t)sqlite3_column_int64(st, 3));
}

int
apim_throttle_status(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "TYPE", "KEY", "COUNT/RULE", "PERIOD/UNTIL",
	    NULL };
	sqlite3 *db;
	struct apim_counter *c;
	struct walk w;
	sqlite3_stmt *st;
	char path[PATH_MAX];
	const char *cp;
	int64_t now = apim_now_ms();
	int rc;

	if (apim_args_npos(a, 0, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	memset(&w, 0, sizeof w);
	w.key = a->npos ? a->pos[0] : NULL;
	if (ctx->json)
		w.rows = json_array();
	else
		w.t = apim_table_new(hdr);
	if ((cp = apim_throttle_counter_path(ctx->db_path, path, sizeof path)) ==
	    NULL)
		apim_warnx("%s", apim_err_msg());
	else if ((c = apim_counter_open(cp, 0)) != NULL) {
		apim_counter_walk(c, now, walk_one, &w);
		apim_counter_close(c);
	} else if (apim_err_code() != APIM_CANTCREAT)
		apim_warnx("%s", apim_err_msg());
	st = apim_store_prep(db, "SELECT rule, key, reason, until_ms FROM decision "
	    "WHERE until_ms > ?1 AND (?2 IS NULL OR key = ?2) ORDER BY key, rule",
	    "Is", now, w.key);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(db, st)) == 1) {
		char until[32];
		const char *cells[4];

		w.n++;
		if (w.rows != NULL) {
			json_array_append_new(w.rows, decision_row(db, st));
			continue;
		}
		apim_time_iso(sqlite3_column_int64(st, 3), until);
		cells[0] = "decision";
		cells[1] = apim_store_text(st, 1);
		cells[2] = apim_store_text(st, 0);
		cells[3] = until;
		apim_table_add(w.t, cells);
	}
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	if (w.rows != NULL) {
		size_t i;
		json_t *v;

		json_array_foreach(w.rows, i, v)
			apim_out_json(stdout, v, 0);
		json_decref(w.rows);
	} else if (w.key != NULL && w.n == 0) {
		char *junk = NULL;
		size_t jn = 0;
		FILE *f = open_memstream(&junk, &jn);

		apim_table_print(w.t, f);	/* frees it; nothing to show */
		fclose(f);
		free(junk);
	} else
		apim_table_print(w.t, stdout);
	if (w.key != NULL && w.n == 0) {
		apim_err_set(APIM_NO, "nothing known about key '%s'", w.key);
		return -1;
	}
	return 0;
}

int
apim_throttle_decisions(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "RULE", "KEY", "REASON", "UNTIL", NULL };
	sqlite3 *db;
	int64_t now = apim_now_ms();
	int n;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if (apim_args_has(a, "expire")) {
		if ((n = apim_store_exec(db, "DELETE FROM decision WHERE until_ms <= ?",
		    "I", now)) == -1)
			return -1;
		if (ctx->json)
			return apim_out_emit(json_pack("{s:i}", "expired", n));
		printf("%d expired\n", n);
		return 0;
	}
	if (ctx->json)
		return apim_out_rows(db, apim_store_prep(db, "SELECT rule, key, reason, "
		    "until_ms FROM decision WHERE until_ms > ? ORDER BY until_ms, rule, key",
		    "I", now), 1, hdr, decision_row);
	return apim_out_rows(db, apim_store_prep(db, "SELECT rule, key, reason, "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', until_ms / 1000.0, 'unixepoch') FROM "
	    "decision WHERE until_ms > ? ORDER BY until_ms, rule, key", "I", now), 0,
	    hdr, decision_row);
}

int
apim_throttle_unblock(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	int n;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if ((n = apim_store_exec(db, "DELETE FROM decision WHERE key = ? AND "
	    "until_ms > ?", "sI", a->pos[0], apim_now_ms())) == -1)
		return -1;
	if (n == 0) {
		apim_err_set(APIM_NO, "no active decision for key '%s'", a->pos[0]);
		return -1;
	}
	if (ctx->json)
		return apim_out_emit(json_pack("{s:s, s:i}", "key", a->pos[0],
		    "unblocked", n));
	printf("%d decision%s removed\n", n, n == 1 ? "" : "s");
	return 0;
}
