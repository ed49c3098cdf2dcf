/* throttle_cmd: apim-throttle's catalogue commands: policies and their
 * conditional groups, deny conditions, rules, and the catalogue check. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "expr.h"
#include "out.h"
#include "policy.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "throttle.h"
#include "throttle_cmd.h"
#include "util.h"

static const char *const kinds[] = { "application", "subscription", "api", NULL };

/* A positive count from a flag value: 0, or -1 with the error set. */
static int
count_arg(const char *flag, const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = s && isdigit((unsigned char)*s) ? strtoll(s, &end, 10) : -1;
	if (v <= 0 || errno != 0 || *end != '\0' || v > max) {
		char safe[64];

		apim_err_set(APIM_DATAERR, "bad --%s '%s': a whole number from 1 to %"
		    PRId64 " expected", flag, apim_text_safe(s ? s : "", safe,
		    sizeof safe), max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
unit_arg(const char *s)
{
	char safe[64];

	if (s == NULL) {
		apim_err_set(APIM_USAGE, "--per UNIT is required");
		return -1;
	}
	if (apim_policy_unit_ms(s) > 0)
		return 0;
	apim_err_set(APIM_DATAERR, "bad --per '%s' (use one of %s)",
	    apim_text_safe(s, safe, sizeof safe), apim_policy_units());
	return -1;
}

static int
name_arg(const char *what, const char *s)
{
	const char *p;
	char safe[96];

	if (apim_text_check(what, s, APIM_NAME_MAX, 0) == -1)
		return -1;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			break;
	if (*s == '\0' || *p != '\0') {
		apim_err_set(APIM_DATAERR, "bad %s '%s' (letters, digits, '.', '_' "
		    "and '-')", what, apim_text_safe(s, safe, sizeof safe));
		return -1;
	}
	return 0;
}

static int
kind_arg(const char *k)
{
	int i;
	char safe[64];

	for (i = 0; kinds[i]; i++)
		if (strcmp(kinds[i], k) == 0)
			return 0;
	apim_err_set(APIM_DATAERR, "bad --kind '%s' (application, subscription, api)",
	    apim_text_safe(k, safe, sizeof safe));
	return -1;
}

/* The kind of policy NAME (--kind if given): 0 with kind set, -1 error. */
static int
policy_kind(sqlite3 *db, struct apim_args *a, const char *name, char kind[16])
{
	const char *k = apim_args_get(a, "kind");
	sqlite3_stmt *st;
	int rc, n = 0;
	char safe[96];

	if (k != NULL && kind_arg(k) == -1)
		return -1;
	st = apim_store_prep(db, "SELECT kind FROM policy WHERE name = ? AND "
	    "(?2 IS NULL OR kind = ?2) ORDER BY kind", "ss", name, k);
	if (st == NULL)
		return -1;
	while ((rc = apim_store_step(db, st)) == 1)
		if (n++ == 0)
			snprintf(kind, 16, "%s", apim_store_text(st, 0));
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	apim_text_safe(name, safe, sizeof safe);
	if (n == 0) {
		if (k)
			apim_err_set(APIM_NO, "no %s policy '%s'", k, safe);
		else
			apim_err_set(APIM_NO, "no policy '%s'", safe);
		return -1;
	}
	if (n > 1) {
		apim_err_set(APIM_USAGE, "policy '%s' exists in several kinds: "
		    "give --kind", safe);
		return -1;
	}
	return 0;
}

/* "N/second" or "N/minute" into *n and unit. */
static int
burst_arg(const char *s, int64_t *n, const char **unit)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char num[32], safe[64];

	if (slash == NULL || (size_t)(slash - s) >= sizeof num ||
	    (strcmp(slash + 1, "second") != 0 && strcmp(slash + 1, "minute") != 0)) {
		apim_err_set(APIM_DATAERR, "bad --burst '%s' (N/second or N/minute)",
		    apim_text_safe(s ? s : "", safe, sizeof safe));
		return -1;
	}
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	*unit = slash + 1;
	return count_arg("burst", num, 4294967295LL, n);
}

static json_t *
cond_row(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:b, s:I, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "policy", apim_store_text_json(st, 1), "type", apim_store_text_json(st, 2),
	    "name", apim_store_text_json(st, 3), "value", apim_store_text_json(st, 4),
	    "value2", apim_store_text_json(st, 5), "invert", sqlite3_column_int(st, 6),
	    "requests", (json_int_t)sqlite3_column_int64(st, 7),
	    "per", apim_store_text_json(st, 8));
}

#define COND_SELECT "SELECT id, policy, type, name, value, value2, invert, quota, " \
	"unit FROM policy_condition"

static json_t *
policy_json(sqlite3 *db, const char *kind, const char *name)
{
	json_t *o = NULL;

	if (apim_policy_get(db, kind, name, &o) != 1)
		return NULL;
	if (strcmp(kind, "api") == 0) {
		json_t *c = apim_store_rows_json(db, apim_store_prep(db, COND_SELECT
		    " WHERE policy = ? ORDER BY id", "s", name), cond_row);

		if (c == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "conditions", c);
	}
	return o;
}

/* The quota flags of add and update: quota_type, quota and unit. */
static int
quota_args(struct apim_args *a, const char **qtype, int64_t *quota, int need)
{
	const char *r = apim_args_get(a, "requests"), *b = apim_args_get(a, "bytes");

	*qtype = NULL;
	if (r && b) {
		apim_err_set(APIM_USAGE, "give --requests or --bytes, not both");
		return -1;
	}
	if (!r && !b) {
		if (need) {
			apim_err_set(APIM_USAGE, "--requests N or --bytes N is required");
			return -1;
		}
		return 0;
	}
	*qtype = r ? "requests" : "bytes";
	return count_arg(r ? "requests" : "bytes", r ? r : b, 4294967295LL, quota);
}

static int
emit_policy(struct apim_ctx *ctx, sqlite3 *db, const char *kind, const char *name)
{
	if (ctx->json)
		return apim_out_emit(policy_json(db, kind, name));
	printf("%s\n", name);
	return 0;
}

int
apim_throttle_policy_add(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *kind = apim_args_get(a, "kind"), *qtype, *per, *bunit = NULL;
	const char *desc = apim_args_get(a, "description");
	int64_t quota = 0, burst = 0, now = apim_now_ms();
	char safe[96];

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (kind == NULL) {
		apim_err_set(APIM_USAGE, "--kind application|subscription|api is required");
		return -1;
	}
	per = apim_args_get(a, "per");
	if (name_arg("policy name", a->pos[0]) == -1 || kind_arg(kind) == -1 ||
	    quota_args(a, &qtype, &quota, 1) == -1 || unit_arg(per) == -1 ||
	    apim_text_check("description", desc, APIM_TEXT_MAX, APIM_TEXT_MULTILINE) == -1)
		return -1;
	if (apim_args_has(a, "burst")) {
		if (strcmp(kind, "subscription") != 0) {
			apim_err_set(APIM_USAGE, "--burst is for subscription policies");
			return -1;
		}
		if (burst_arg(apim_args_get(a, "burst"), &burst, &bunit) == -1)
			return -1;
	}
	if (apim_args_has(a, "no-stop-on-quota") && strcmp(kind, "subscription") != 0) {
		apim_err_set(APIM_USAGE, "--no-stop-on-quota is for subscription policies");
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL || apim_store_begin(db) == -1)
		return -1;
	if (apim_store_exec(db, "INSERT INTO policy (kind, name, quota_type, quota, "
	    "unit, burst, burst_unit, stop_on_quota, description, created_ms, "
	    "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssIsIsisII",
	    kind, a->pos[0], qtype, quota, per, burst, bunit,
	    !apim_args_has(a, "no-stop-on-quota"), desc, now, now) == -1) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "%s policy '%s' already exists", kind,
			    apim_text_safe(a->pos[0], safe, sizeof safe));
		apim_store_rollback(db);
		return -1;
	}
	if (burst == 0)
		apim_store_exec(db, "UPDATE policy SET burst = NULL, burst_unit = NULL "
		    "WHERE kind = ? AND name = ?", "ss", kind, a->pos[0]);
	if (apim_store_commit(db) == -1)
		return -1;
	return emit_policy(ctx, db, kind, a->pos[0]);
}

static json_t *
policy_list_row(sqlite3 *db, sqlite3_stmt *st)
{
	return policy_json(db, apim_store_text(st, 1), apim_store_text(st, 0));
}

int
apim_throttle_policy_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "NAME", "KIND", "QUOTA", "PER", "BURST",
	    "STOP", "DESCRIPTION", NULL };
	const char *k = apim_args_get(a, "kind");
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1 || (k && kind_arg(k) == -1) ||
	    (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, "SELECT name, kind, "
	    "CASE quota_type WHEN 'unlimited' THEN 'unlimited' ELSE quota || ' ' || "
	    "quota_type END, unit, burst || '/' || burst_unit, "
	    "CASE stop_on_quota WHEN 1 THEN 'yes' ELSE 'no' END, description "
	    "FROM policy WHERE ?1 IS NULL OR kind = ?1 ORDER BY CASE kind WHEN "
	    "'application' THEN 0 WHEN 'subscription' THEN 1 ELSE 2 END, created_ms, "
	    "rowid", "s", k), ctx->json, hdr, policy_list_row);
}

int
apim_throttle_policy_show(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char kind[16];
	json_t *o, *v;
	const char *k;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    policy_kind(db, a, a->pos[0], kind) == -1 ||
	    (o = policy_json(db, kind, a->pos[0])) == NULL)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	json_object_foreach(o, k, v) {
		if (json_is_string(v))
			printf("%-18s%s\n", k, json_string_value(v));
		else if (json_is_integer(v))
			printf("%-18s%" PRId64 "\n", k, (int64_t)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%-18s%s\n", k, json_is_true(v) ? "yes" : "no");
		else if (json_is_null(v))
			printf("%-18s-\n", k);
	}
	json_decref(o);
	return 0;
}

int
apim_throttle_policy_update(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char kind[16];
	const char *qtype, *per = apim_args_get(a, "per"), *bunit = NULL;
	const char *desc = apim_args_get(a, "description"), *b = apim_args_get(a, "burst");
	int64_t quota = 0, burst = 0;
	int stop = -1;

	if (apim_args_npos(a, 1, 1) == -1 || quota_args(a, &qtype, &quota, 0) == -1 ||
	    (per && unit_arg(per) == -1) ||
	    apim_text_check("description", desc, APIM_TEXT_MAX, APIM_TEXT_MULTILINE) == -1)
		return -1;
	if (apim_args_has(a, "stop-on-quota") && apim_args_has(a, "no-stop-on-quota")) {
		apim_err_set(APIM_USAGE, "give --stop-on-quota or --no-stop-on-quota");
		return -1;
	}
	if (apim_args_has(a, "stop-on-quota"))
		stop = 1;
	if (apim_args_has(a, "no-stop-on-quota"))
		stop = 0;
	if (b && strcmp(b, "none") != 0 && burst_arg(b, &burst, &bunit) == -1)
		return -1;
	if (!qtype && !per && !desc && !b && stop < 0) {
		apim_err_set(APIM_USAGE, "nothing to update");
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL || apim_store_begin(db) == -1)
		return -1;
	if (policy_kind(db, a, a->pos[0], kind) == -1)
		goto fail;
	if ((b || stop == 0) && strcmp(kind, "subscription") != 0) {
		apim_err_set(APIM_USAGE, "--burst and --no-stop-on-quota are for "
		    "subscription policies");
		goto fail;
	}
	if (strcmp(a->pos[0], "Unlimited") == 0 && (qtype || per)) {
		apim_err_set(APIM_DATAERR, "the Unlimited policies have no quota to change");
		goto fail;
	}
	if (apim_store_exec(db, "UPDATE policy SET quota_type = coalesce(?1, quota_type), "
	    "quota = CASE WHEN ?1 IS NULL THEN quota ELSE ?2 END, "
	    "unit = coalesce(?3, unit), description = coalesce(?4, description), "
	    "burst = CASE WHEN ?5 IS NULL THEN burst WHEN ?5 = 'none' THEN NULL "
	    "ELSE ?6 END, burst_unit = CASE WHEN ?5 IS NULL THEN burst_unit "
	    "WHEN ?5 = 'none' THEN NULL ELSE ?7 END, "
	    "stop_on_quota = CASE WHEN ?8 < 0 THEN stop_on_quota ELSE ?8 END, "
	    "updated_ms = ?9 WHERE kind = ?10 AND name = ?11", "sIsssIsiIss", qtype, quota, per, desc, b, burst, bunit, stop,
	    apim_now_ms(), kind, a->pos[0]) == -1)
		goto fail;
	if (apim_store_commit(db) == -1)
		return -1;
	return emit_policy(ctx, db, kind, a->pos[0]);
fail:
	apim_store_rollback(db);
	return -1;
}

int
apim_throttle_policy_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	char kind[16], user[512], safe[96];
	int rc;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_store_begin(db) == -1)
		return -1;
	if (policy_kind(db, a, a->pos[0], kind) == -1 ||
	    (rc = apim_policy_user(db, kind, a->pos[0], user, sizeof user)) == -1)
		goto fail;
	if (rc == 1) {
		apim_err_set(APIM_DATAERR, "%s policy '%s' is in use by %s", kind,
		    apim_text_safe(a->pos[0], safe, sizeof safe), user);
		goto fail;
	}
	if (apim_store_exec(db, "DELETE FROM policy WHERE kind = ? AND name = ?", "ss",
	    kind, a->pos[0]) == -1 || apim_store_commit(db) == -1)
		goto fail;
	if (ctx->json)
		return apim_out_emit(json_pack("{s:s, s:s, s:b}", "name", a->pos[0],
		    "kind", kind, "deleted", 1));
	return 0;
fail:
	apim_store_rollback(db);
	return -1;
}

/* ---- conditional groups ---- */

/* A textual IP (v4 or v6): 0, or -1 with the error set. */
static int
ip_arg(const char *flag, const char *s)
{
	unsigned char b[16];
	char safe[96];

	if (s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1))
		return 0;
	apim_err_set(APIM_DATAERR, "bad --%s '%s': an IPv4 or IPv6 address expected",
	    flag, apim_text_safe(s ? s : "", safe, sizeof safe));
	return -1;
}

/* "A-B" into two strings (lo, hi in buffers): same family, lo <= hi. */
static int
range_arg(const char *s, char lo[64], char hi[64])
{
	const char *dash = s ? strchr(s, '-') : NULL;
	unsigned char a[16], b[16];
	char safe[96];
	int fa, fb;

	if (dash == NULL || dash - s >= 64 || strlen(dash + 1) >= 64)
		goto bad;
	memcpy(lo, s, (size_t)(dash - s));
	lo[dash - s] = '\0';
	snprintf(hi, 64, "%s", dash + 1);
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	fa = inet_pton(AF_INET, lo, a) == 1 ? 4 : inet_pton(AF_INET6, lo, a) == 1 ? 6 : 0;
	fb = inet_pton(AF_INET, hi, b) == 1 ? 4 : inet_pton(AF_INET6, hi, b) == 1 ? 6 : 0;
	if (fa == 0 || fb == 0 || fa != fb)
		goto bad;
	if (memcmp(a, b, fa == 4 ? 4 : 16) > 0) {
		apim_err_set(APIM_DATAERR, "bad --ip-range '%s': the first address is "
		    "above the last", apim_text_safe(s, safe, sizeof safe));
		return -1;
	}
	return 0;
bad:
	apim_err_set(APIM_DATAERR, "bad --ip-range '%s': FIRST-LAST addresses of one "
	    "family expected", apim_text_safe(s ? s : "", safe, sizeof safe));
	return -1;
}

/* NAME=REGEX: name into name[] and the regex checked; value points at it. */
static int
match_arg(const char *flag, const char *s, char name[APIM_NAME_MAX + 1],
    const char **value)
{
	const char *eq = s ? strchr(s, '=') : NULL;
	char safe[96], why[128];
	regex_t re;
	int rc;

	if (eq == NULL || eq == s || (size_t)(eq - s) > APIM_NAME_MAX) {
		apim_err_set(APIM_DATAERR, "bad --%s '%s': NAME=REGEX expected", flag,
		    apim_text_safe(s ? s : "", safe, sizeof safe));
		return -1;
	}
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	*value = eq + 1;
	if (apim_text_check(flag, s, APIM_TEXT_MAX, 0) == -1)
		return -1;
	if ((rc = regcomp(&re, *value, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, why, sizeof why);
		apim_err_set(APIM_DATAERR, "bad --%s regular expression '%s': %s", flag,
		    apim_text_safe(*value, safe, sizeof safe), why);
		return -1;
	}
	regfree(&re);
	return 0;
}

int
apim_throttle_cond_add(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const what[] = { "ip", "ip-range", "header", "query",
	    "claim", NULL };
	sqlite3 *db;
	const char *type = NULL, *v = NULL, *value = NULL, *value2 = NULL;
	char name[APIM_NAME_MAX + 1], lo[64], hi[64], kind[16], ngroups[24];
	int64_t quota;
	int i, n = 0;
	json_t *o;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	for (i = 0; what[i]; i++)
		if ((v = apim_args_get(a, what[i])) != NULL) {
			type = what[i];
			n++;
		}
	if (n != 1) {
		apim_err_set(APIM_USAGE, "give one of --ip, --ip-range, --header, "
		    "--query, --claim");
		return -1;
	}
	for (i = 0; what[i]; i++)
		if (strcmp(what[i], type) == 0)
			v = apim_args_get(a, type);
	name[0] = '\0';
	if (strcmp(type, "ip") == 0) {
		if (ip_arg("ip", v) == -1)
			return -1;
		value = v;
	} else if (strcmp(type, "ip-range") == 0) {
		if (range_arg(v, lo, hi) == -1)
			return -1;
		value = lo;
		value2 = hi;
	} else if (match_arg(type, v, name, &value) == -1)
		return -1;
	if (apim_args_get(a, "bytes")) {
		apim_err_set(APIM_USAGE, "a condition counts --requests");
		return -1;
	}
	if (count_arg("requests", apim_args_get(a, "requests"), 4294967295LL, &quota) == -1 ||
	    unit_arg(apim_args_get(a, "per")) == -1)
		return -1;
	if ((db = apim_ctx_db(ctx)) == NULL || apim_store_begin(db) == -1)
		return -1;
	if (policy_kind(db, a, a->pos[0], kind) == -1)
		goto fail;
	if (strcmp(kind, "api") != 0) {
		apim_err_set(APIM_DATAERR, "policy '%s' is a %s policy: conditional "
		    "groups belong to api policies", a->pos[0], kind);
		goto fail;
	}
	if (apim_store_one_text(db, apim_store_prep(db, "SELECT count(*) FROM "
	    "policy_condition WHERE policy = ?", "s", a->pos[0]), ngroups,
	    sizeof ngroups) != 1)
		goto fail;
	if (atoi(ngroups) >= APIM_THROTTLE_GROUPS_MAX) {
		apim_err_set(APIM_DATAERR, "policy '%s' has %d conditional groups, the "
		    "most it may have", a->pos[0], APIM_THROTTLE_GROUPS_MAX);
		goto fail;
	}
	if (apim_store_exec(db, "INSERT INTO policy_condition (policy, type, name, "
	    "value, value2, invert, quota, unit, created_ms) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?)", "sssssiIsI", a->pos[0], type, *name ? name : NULL, value,
	    value2, apim_args_has(a, "invert"), quota, apim_args_get(a, "per"),
	    apim_now_ms()) == -1 ||
	    apim_store_exec(db, "UPDATE policy SET updated_ms = ? WHERE kind = 'api' "
	    "AND name = ?", "Is", apim_now_ms(), a->pos[0]) == -1)
		goto fail;
	n = (int)sqlite3_last_insert_rowid(db);
	if (apim_store_commit(db) == -1)
		return -1;
	if (apim_store_one_json(db, apim_store_prep(db, COND_SELECT " WHERE id = ?",
	    "i", n), cond_row, &o) != 1)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	json_decref(o);
	printf("%d\n", n);
	return 0;
fail:
	apim_store_rollback(db);
	return -1;
}

int
apim_throttle_cond_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "POLICY", "TYPE", "NAME", "VALUE",
	    "VALUE2", "INVERT", "REQUESTS", "PER", NULL };
	sqlite3 *db;
	char kind[16];

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    policy_kind(db, a, a->pos[0], kind) == -1)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, COND_SELECT " WHERE policy = ? "
	    "ORDER BY id", "s", a->pos[0]), ctx->json, hdr, cond_row);
}

static int
id_arg(const char *s, int64_t *id)
{
	return count_arg("id", s, INT64_MAX, id) == -1 ?
	    (apim_err_set(APIM_USAGE, "bad ID '%s': a number expected", s), -1) : 0;
}

int
apim_throttle_cond_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	int64_t id;
	int n;

	if (apim_args_npos(a, 2, 2) == -1 || id_arg(a->pos[1], &id) == -1 ||
	    (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if ((n = apim_store_exec(db, "DELETE FROM policy_condition WHERE policy = ? "
	    "AND id = ?", "sI", a->pos[0], id)) == -1)
		return -1;
	if (n == 0) {
		apim_err_set(APIM_NO, "policy '%s' has no condition %s", a->pos[0],
		    a->pos[1]);
		return -1;
	}
	if (ctx->json)
		return apim_out_emit(json_pack("{s:s, s:I, s:b}", "policy", a->pos[0],
		    "id", (json_int_t)id, "deleted", 1));
	return 0;
}

/* ---- deny conditions ---- */

static json_t *
deny_row(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("{s:I, s:o, s:o, s:o, s:b, s:b}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "type", apim_store_text_json(st, 1), "value", apim_store_text_json(st, 2),
	    "value2", sqlite3_column_bytes(st, 3) ? apim_store_text_json(st, 3) :
		json_null(),
	    "invert", sqlite3_column_int(st, 4), "enabled", sqlite3_column_int(st, 5));
}

#define DENY_SELECT "SELECT id, type, value, value2, invert, enabled FROM deny"

static int
emit_deny(struct apim_ctx *ctx, sqlite3 *db, int64_t id)
{
	json_t *o;

	if (apim_store_one_json(db, apim_store_prep(db, DENY_SELECT " WHERE id = ?",
	    "I", id), deny_row, &o) != 1)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	json_decref(o);
	printf("%" PRId64 "\n", id);
	return 0;
}

int
apim_throttle_deny_add(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const what[] = { "api", "app", "user", "ip", "ip-range",
	    "subscription", NULL };
	sqlite3 *db;
	const char *type = NULL, *v = NULL, *value2 = "";
	char lo[64], hi[64];
	int i, n = 0;
	int64_t id;

	if (apim_args_npos(a, 0, 0) == -1)
		return -1;
	for (i = 0; what[i]; i++)
		if (apim_args_get(a, what[i]) != NULL) {
			type = what[i];
			v = apim_args_get(a, what[i]);
			n++;
		}
	if (n != 1) {
		apim_err_set(APIM_USAGE, "give one of --api, --app, --user, --ip, "
		    "--ip-range, --subscription");
		return -1;
	}
	if (apim_text_check(type, v, APIM_NAME_MAX, 0) == -1)
		return -1;
	if (strcmp(type, "ip") == 0 && ip_arg("ip", v) == -1)
		return -1;
	if (strcmp(type, "ip-range") == 0) {
		if (range_arg(v, lo, hi) == -1)
			return -1;
		v = lo;
		value2 = hi;
	}
	if (strcmp(type, "api") == 0 && *v != '/') {
		apim_err_set(APIM_DATAERR, "bad --api '%s': an API context (/pets) expected", v);
		return -1;
	}
	if (strcmp(type, "app") == 0 && (strchr(v, ':') == NULL || *v == ':' ||
	    v[strlen(v) - 1] == ':')) {
		apim_err_set(APIM_DATAERR, "bad --app '%s': OWNER:NAME expected", v);
		return -1;
	}
	if (*v == '\0') {
		apim_err_set(APIM_DATAERR, "empty --%s", type);
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if (apim_store_exec(db, "INSERT INTO deny (type, value, value2, invert, "
	    "created_ms) VALUES (?, ?, ?, ?, ?)", "sssiI", type, v, value2,
	    apim_args_has(a, "invert"), apim_now_ms()) == -1) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "that deny condition already exists");
		return -1;
	}
	id = sqlite3_last_insert_rowid(db);
	return emit_deny(ctx, db, id);
}

int
apim_throttle_deny_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ID", "TYPE", "VALUE", "TO", "INVERT",
	    "ENABLED", NULL };
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, "SELECT id, type, value, "
	    "nullif(value2, ''), CASE invert WHEN 1 THEN 'yes' ELSE 'no' END, "
	    "CASE enabled WHEN 1 THEN 'yes' ELSE 'no' END FROM deny ORDER BY id", ""),
	    ctx->json, hdr, deny_row);
}

static int
deny_set(struct apim_ctx *ctx, struct apim_args *a, const char *sql)
{
	sqlite3 *db;
	int64_t id;
	int n;

	if (apim_args_npos(a, 1, 1) == -1 || id_arg(a->pos[0], &id) == -1 ||
	    (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if ((n = apim_store_exec(db, sql, "I", id)) == -1)
		return -1;
	if (n == 0) {
		apim_err_set(APIM_NO, "no deny condition %s", a->pos[0]);
		return -1;
	}
	if (strncmp(sql, "DELETE", 6) == 0) {
		if (ctx->json)
			return apim_out_emit(json_pack("{s:I, s:b}", "id", (json_int_t)id,
			    "deleted", 1));
		return 0;
	}
	return ctx->json ? emit_deny(ctx, db, id) : 0;
}

int
apim_throttle_deny_enable(struct apim_ctx *ctx, struct apim_args *a)
{
	return deny_set(ctx, a, "UPDATE deny SET enabled = 1 WHERE id = ?");
}

int
apim_throttle_deny_disable(struct apim_ctx *ctx, struct apim_args *a)
{
	return deny_set(ctx, a, "UPDATE deny SET enabled = 0 WHERE id = ?");
}

int
apim_throttle_deny_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	return deny_set(ctx, a, "DELETE FROM deny WHERE id = ?");
}

/* ---- rules ---- */

static json_t *
rule_row(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("{s:o, s:o, s:I, s:o, s:I, s:o, s:b, s:I}",
	    "name", apim_store_text_json(st, 0), "key", apim_store_text_json(st, 1),
	    "limit", (json_int_t)sqlite3_column_int64(st, 2),
	    "per", apim_store_text_json(st, 3),
	    "blockForSeconds", (json_int_t)(sqlite3_column_int64(st, 4) / 1000),
	    "where", apim_store_text_json(st, 5), "enabled", sqlite3_column_int(st, 6),
	    "activeDecisions", (json_int_t)sqlite3_column_int64(st, 7));
}

#define RULE_SELECT "SELECT name, key_template, lim, unit, block_ms, where_expr, " \
	"enabled, (SELECT count(*) FROM decision d WHERE d.rule = r.name AND " \
	"d.until_ms > strftime('%s', 'now') * 1000) FROM rule r"

static int
emit_rule(struct apim_ctx *ctx, sqlite3 *db, const char *name)
{
	json_t *o;

	if (apim_store_one_json(db, apim_store_prep(db, RULE_SELECT " WHERE name = ?",
	    "s", name), rule_row, &o) != 1)
		return -1;
	if (ctx->json)
		return apim_out_emit(o);
	json_decref(o);
	printf("%s\n", name);
	return 0;
}

int
apim_throttle_rule_add(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	const char *key = apim_args_get(a, "key"), *where = apim_args_get(a, "where");
	const char *per = apim_args_get(a, "per"), *bf = apim_args_get(a, "block-for");
	struct apim_rules_tmpl *t;
	struct apim_expr *e;
	int64_t limit, block;
	int col;
	char safe[96], msg[512];

	if (apim_args_npos(a, 1, 1) == -1 || name_arg("rule name", a->pos[0]) == -1)
		return -1;
	if (key == NULL || apim_args_get(a, "limit") == NULL || per == NULL || bf == NULL) {
		apim_err_set(APIM_USAGE, "--key, --limit, --per and --block-for are required");
		return -1;
	}
	if (apim_text_check("--key", key, APIM_TEXT_MAX, 0) == -1 ||
	    apim_text_check("--where", where, APIM_TEXT_MAX, 0) == -1)
		return -1;
	if ((t = apim_rules_tmpl_parse(key, &col)) == NULL) {
		snprintf(msg, sizeof msg, "%s", apim_err_msg());
		apim_err_set(APIM_DATAERR, "bad --key: %s", msg);
		return -1;
	}
	apim_rules_tmpl_free(t);
	if (where != NULL) {
		if ((e = apim_expr_parse(where, &col)) == NULL) {
			snprintf(msg, sizeof msg, "%s", apim_err_msg());
			apim_err_set(APIM_DATAERR, "bad --where: %s", msg);
			return -1;
		}
		apim_expr_free(e);
	}
	if (count_arg("limit", apim_args_get(a, "limit"), 4294967295LL, &limit) == -1 ||
	    unit_arg(per) == -1)
		return -1;
	if ((block = apim_policy_duration_ms(bf)) < 0) {
		apim_err_set(APIM_DATAERR, "bad --block-for '%s' (N, Ns, Nm, Nh, Nd or Nw)",
		    apim_text_safe(bf, safe, sizeof safe));
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if (apim_store_exec(db, "INSERT INTO rule (name, key_template, lim, unit, "
	    "block_ms, where_expr, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", "ssIsIsI",
	    a->pos[0], key, limit, per, block, where, apim_now_ms()) == -1) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "rule '%s' already exists", a->pos[0]);
		return -1;
	}
	return emit_rule(ctx, db, a->pos[0]);
}

int
apim_throttle_rule_list(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "NAME", "KEY", "LIMIT", "PER", "BLOCK_MS",
	    "WHERE", "ENABLED", "DECISIONS", NULL };
	sqlite3 *db;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	return apim_out_rows(db, apim_store_prep(db, RULE_SELECT " ORDER BY name", ""),
	    ctx->json, hdr, rule_row);
}

static int
rule_exists(sqlite3 *db, const char *name)
{
	char x[8];
	int rc = apim_store_one_text(db, apim_store_prep(db, "SELECT 1 FROM rule "
	    "WHERE name = ?", "s", name), x, sizeof x);

	if (rc == 0)
		apim_err_set(APIM_NO, "no rule '%s'", name);
	return rc == 1 ? 0 : -1;
}

int
apim_throttle_rule_show(struct apim_ctx *ctx, struct apim_args *a)
{
	sqlite3 *db;
	json_t *o, *v;
	const char *k;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    rule_exists(db, a->pos[0]) == -1)
		return -1;
	if (ctx->json)
		return emit_rule(ctx, db, a->pos[0]);
	if (apim_store_one_json(db, apim_store_prep(db, RULE_SELECT " WHERE name = ?",
	    "s", a->pos[0]), rule_row, &o) != 1)
		return -1;
	json_object_foreach(o, k, v) {
		if (json_is_string(v))
			printf("%-18s%s\n", k, json_string_value(v));
		else if (json_is_integer(v))
			printf("%-18s%" PRId64 "\n", k, (int64_t)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%-18s%s\n", k, json_is_true(v) ? "yes" : "no");
		else
			printf("%-18s-\n", k);
	}
	json_decref(o);
	return 0;
}

static int
rule_set(struct apim_ctx *ctx, struct apim_args *a, const char *sql)
{
	sqlite3 *db;
	int n;

	if (apim_args_npos(a, 1, 1) == -1 || (db = apim_ctx_db(ctx)) == NULL ||
	    apim_store_begin(db) == -1)
		return -1;
	if ((n = apim_store_exec(db, sql, "s", a->pos[0])) == -1)
		goto fail;
	if (n == 0) {
		apim_err_set(APIM_NO, "no rule '%s'", a->pos[0]);
		goto fail;
	}
	if (strncmp(sql, "DELETE", 6) == 0 && apim_store_exec(db, "DELETE FROM "
	    "decision WHERE rule = ?", "s", a->pos[0]) == -1)
		goto fail;
	if (apim_store_commit(db) == -1)
		return -1;
	if (strncmp(sql, "DELETE", 6) == 0)
		return ctx->json ? apim_out_emit(json_pack("{s:s, s:b}", "name",
		    a->pos[0], "deleted", 1)) : 0;
	return ctx->json ? emit_rule(ctx, db, a->pos[0]) : 0;
fail:
	apim_store_rollback(db);
	return -1;
}

int
apim_throttle_rule_delete(struct apim_ctx *ctx, struct apim_args *a)
{
	return rule_set(ctx, a, "DELETE FROM rule WHERE name = ?");
}

int
apim_throttle_rule_enable(struct apim_ctx *ctx, struct apim_args *a)
{
	return rule_set(ctx, a, "UPDATE rule SET enabled = 1 WHERE name = ?");
}

int
apim_throttle_rule_disable(struct apim_ctx *ctx, struct apim_args *a)
{
	return rule_set(ctx, a, "UPDATE rule SET enabled = 0 WHERE name = ?");
}

/* ---- check ---- */

static json_t *
check_row(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("{s:o, s:o, s:o, s:o}", "row", apim_store_text_json(st, 0),
	    "what", apim_store_text_json(st, 1), "kind", apim_store_text_json(st, 2),
	    "policy", apim_store_text_json(st, 3));
}

int
apim_throttle_check_cmd(struct apim_ctx *ctx, struct apim_args *a)
{
	static const char *const hdr[] = { "ROW", "FIELD", "KIND", "MISSING POLICY", NULL };
	static const char sql[] =
	    "SELECT * FROM ("
	    "SELECT 'application ''' || owner || ':' || name || '''' AS r, 'tier', "
	    "  'application', tier FROM application WHERE tier NOT IN "
	    "  (SELECT name FROM policy WHERE kind = 'application') "
	    "UNION ALL SELECT 'subscription ''' || id || '''', 'tier', 'subscription', "
	    "  tier FROM subscription WHERE tier NOT IN "
	    "  (SELECT name FROM policy WHERE kind = 'subscription') "
	    "UNION ALL SELECT 'API ''' || a.name || ':' || a.version || '''', 'tiers', "
	    "  'subscription', t.tier FROM api_tier t JOIN api a ON a.id = t.api_id "
	    "  WHERE t.tier NOT IN (SELECT name FROM policy WHERE kind = 'subscription') "
	    "UNION ALL SELECT 'API ''' || name || ':' || version || '''', 'policy', "
	    "  'api', api_policy FROM api WHERE coalesce(api_policy, '') <> '' AND "
	    "  api_policy NOT IN (SELECT name FROM policy WHERE kind IN "
	    "  ('api', 'subscription')) "
	    "UNION ALL SELECT 'resource ''' || r.verb || ' ' || r.template || "
	    "  ''' of API ''' || a.name || ':' || a.version || '''', 'tier', 'api', "
	    "  r.tier FROM resource r JOIN api a ON a.id = r.api_id WHERE "
	    "  coalesce(r.tier, '') <> '' AND r.tier NOT IN (SELECT name FROM policy "
	    "  WHERE kind IN ('api', 'subscription'))) ORDER BY 1, 4";
	sqlite3 *db;
	char x[8];
	int rc;

	if (apim_args_npos(a, 0, 0) == -1 || (db = apim_ctx_db(ctx)) == NULL)
		return -1;
	if ((rc = apim_store_one_text(db, apim_store_prep(db, sql, ""), x,
	    sizeof x)) == -1)
		return -1;
	if (rc == 0)
		return 0;
	if (apim_out_rows(db, apim_store_prep(db, sql, ""), ctx->json, hdr,
	    check_row) == -1)
		return -1;
	return APIM_NO;
}
