/* policy: the throttling catalogue on the store (policies, conditional
 * groups, deny conditions, rules), its units and the tier-name checks. */
#ifndef APIM_POLICY_H
#define APIM_POLICY_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

/* A window unit ("second" ... "month": 30 days) in ms; -1 if unknown. */
int64_t apim_policy_unit_ms(const char *unit);
/* "second, minute, hour, day, week, month" */
const char *apim_policy_units(void);
/* A duration "90", "90s", "15m", "2h", "1d", "1w" in ms; -1 if malformed. */
int64_t apim_policy_duration_ms(const char *s);

/*
 * The one check of a tier name against the catalogue: 0 if name is a policy
 * of kind ("application", "subscription", "api"; "resource" accepts an api
 * policy or, as WSO2 resource tiers did before advanced policies, a
 * subscription policy).  Else -1 with APIM_DATAERR and "unknown WHAT 'NAME'
 * (use one of A, B, ...)".  A NULL or empty name passes.
 */
int apim_policy_check(sqlite3 *db, const char *kind, const char *name,
    const char *what);
/* Every tier an API model names (policies: subscription;
 * apiThrottlingPolicy and operations[].throttlingPolicy: resource) checked with apim_policy_check. */
int apim_policy_check_api(sqlite3 *db, const json_t *api);

/* A policy row as JSON ({"name", "kind", "quotaType", "quota", "unit", ...}),
 * or NULL (0 not found, -1 error) through the return code: 1 found. */
int apim_policy_get(sqlite3 *db, const char *kind, const char *name, json_t **out);
/* One user of a policy, as "API 'Pets:1.0'" text into out; 1 found, 0 none, -1 error. */
int apim_policy_user(sqlite3 *db, const char *kind, const char *name,
    char *out, size_t n);

#endif
