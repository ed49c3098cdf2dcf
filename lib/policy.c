/* policy: the catalogue's shared checks (policy.h): units, durations, tier
 * names against the policy table, and who uses a policy. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "policy.h"
#include "store.h"
#include "text.h"

static const struct { const char *name; int64_t ms; } units[] = {
	{ "second", 1000LL }, { "minute", 60000LL }, { "hour", 3600000LL },
	{ "day", 86400000LL }, { "week", 604800000LL }, { "month", 2592000000LL },
};

int64_t
apim_policy_unit_ms(const char *unit)
{
	size_t i;

	if (unit == NULL)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(units[i].name, unit) == 0)
			return units[i].ms;
	return -1;
}

const char *
apim_policy_units(void)
{
	return "second, minute, hour, day, week, month";
}

int64_t
apim_policy_duration_ms(const char *s)
{
	char *end;
	long long v;
	int64_t mul = 1000;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v <= 0 || v > 100LL * 365 * 86400)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': mul = 1000; break;
		case 'm': mul = 60000; break;
		case 'h': mul = 3600000; break;
		case 'd': mul = 86400000; break;
		case 'w': mul = 604800000; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (v > INT64_MAX / mul)
		return -1;
	return (int64_t)v * mul;
}

static const char *
kind_sql(const char *kind)
{
	if (strcmp(kind, "resource") == 0)
		return "kind IN ('api', 'subscription')";
	if (strcmp(kind, "application") == 0)
		return "kind = 'application'";
	if (strcmp(kind, "subscription") == 0)
		return "kind = 'subscription'";
	return "kind = 'api'";
}

int
apim_policy_check(sqlite3 *db, const char *kind, const char *name,
    const char *what)
{
	char sql[256], safe[96];
	sqlite3_stmt *st;
	struct apim_buf b = APIM_BUF_INIT;
	int rc;

	if (name == NULL || *name == '\0')
		return 0;
	snprintf(sql, sizeof sql, "SELECT 1 FROM policy WHERE %s AND name = ?",
	    kind_sql(kind));
	if ((rc = apim_store_one_text(db, apim_store_prep(db, sql, "s", name),
	    safe, sizeof safe)) != 0)
		return rc == 1 ? 0 : -1;
	/* api policies first, then subscription ones, each in catalogue order */
	snprintf(sql, sizeof sql, "SELECT name FROM policy WHERE %s ORDER BY "
	    "kind = 'subscription', created_ms, rowid", kind_sql(kind));
	if ((st = apim_store_prep(db, sql, "")) == NULL)
		return -1;
	while ((rc = apim_store_step(db, st)) == 1) {
		if (b.len)
			apim_buf_adds(&b, ", ");
		apim_buf_adds(&b, apim_store_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc == -1) {
		apim_buf_free(&b);
		return -1;
	}
	apim_err_set(APIM_DATAERR, "unknown %s '%s' (use one of %s)", what,
	    apim_text_safe(name, safe, sizeof safe), b.len ? b.data : "none");
	apim_buf_free(&b);
	return -1;
}

int
apim_policy_check_api(sqlite3 *db, const json_t *api)
{
	const json_t *v, *op;
	size_t i;

	json_array_foreach(json_object_get(api, "policies"), i, v)
		if (apim_policy_check(db, "subscription", json_string_value(v),
		    "subscription tier") == -1)
			return -1;
	if (apim_policy_check(db, "resource", json_string_value(json_object_get(api,
	    "apiThrottlingPolicy")), "API policy") == -1)
		return -1;
	json_array_foreach(json_object_get(api, "operations"), i, op)
		if (apim_policy_check(db, "resource", json_string_value(
		    json_object_get(op, "throttlingPolicy")), "resource tier") == -1)
			return -1;
	return 0;
}

static json_t *
policy_row(sqlite3 *db, sqlite3_stmt *st)
{
	(void)db;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
	    "name", apim_store_text_json(st, 0),
	    "kind", apim_store_text_json(st, 1),
	    "quotaType", apim_store_text_json(st, 2),
	    "quota", sqlite3_column_type(st, 3) == SQLITE_NULL ? json_null() :
		json_integer(sqlite3_column_int64(st, 3)),
	    "unit", apim_store_text_json(st, 4),
	    "burst", sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null() :
		json_integer(sqlite3_column_int64(st, 5)),
	    "burstUnit", apim_store_text_json(st, 6),
	    "stopOnQuotaReach", sqlite3_column_int(st, 7),
	    "description", apim_store_text_json(st, 8));
}

int
apim_policy_get(sqlite3 *db, const char *kind, const char *name, json_t **out)
{
	return apim_store_one_json(db, apim_store_prep(db, "SELECT name, kind, "
	    "quota_type, quota, unit, burst, burst_unit, stop_on_quota, description "
	    "FROM policy WHERE kind = ? AND name = ?", "ss", kind, name), policy_row,
	    out);
}

int
apim_policy_user(sqlite3 *db, const char *kind, const char *name, char *out,
    size_t n)
{
	const char *sql;

	if (strcmp(kind, "application") == 0)
		sql = "SELECT 'application ''' || owner || ':' || name || '''' "
		    "FROM application WHERE tier = ?1 LIMIT 1";
	else if (strcmp(kind, "subscription") == 0)
		sql = "SELECT u FROM ("
		    "SELECT 'API ''' || a.name || ':' || a.version || '''' AS u FROM "
		    "api_tier t JOIN api a ON a.id = t.api_id WHERE t.tier = ?1 "
		    "UNION ALL SELECT 'subscription ''' || id || '''' FROM subscription "
		    "WHERE tier = ?1 "
		    "UNION ALL SELECT 'resource ''' || r.verb || ' ' || r.template || "
		    "''' of API ''' || a.name || ':' || a.version || '''' FROM resource r "
		    "JOIN api a ON a.id = r.api_id WHERE r.tier = ?1 AND NOT EXISTS "
		    "(SELECT 1 FROM policy WHERE kind = 'api' AND name = ?1) "
		    "UNION ALL SELECT 'API ''' || name || ':' || version || '''' FROM api "
		    "WHERE api_policy = ?1 AND NOT EXISTS "
		    "(SELECT 1 FROM policy WHERE kind = 'api' AND name = ?1)) LIMIT 1";
	else
		sql = "SELECT u FROM ("
		    "SELECT 'API ''' || name || ':' || version || '''' AS u FROM api "
		    "WHERE api_policy = ?1 "
		    "UNION ALL SELECT 'resource ''' || r.verb || ' ' || r.template || "
		    "''' of API ''' || a.name || ':' || a.version || '''' FROM resource r "
		    "JOIN api a ON a.id = r.api_id WHERE r.tier = ?1) LIMIT 1";
	return apim_store_one_text(db, apim_store_prep(db, sql, "s", name), out, n);
}
