/* throttle: layer 1, the gateway's per-request answer: deny conditions and
 * rules-engine decisions from an in-memory copy of the store, quotas counted exactly in lib/counter. */
#ifndef APIM_THROTTLE_H
#define APIM_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* WSO2 error codes the answer carries (apim-throttle(8), LAYER 1). */
#define APIM_THROTTLE_API	900802	/* API or resource (advanced policy) limit */
#define APIM_THROTTLE_APP	900803	/* application policy */
#define APIM_THROTTLE_SUB	900804	/* subscription quota */
#define APIM_THROTTLE_DENY	900805	/* a deny condition: 403 */
#define APIM_THROTTLE_RULE	900806	/* a rules-engine decision (custom policy) */
#define APIM_THROTTLE_BURST	900807	/* subscription burst (spike arrest) */

/*
 * The request as the gateway knows it after authentication.  Every string is
 * borrowed for the call; NULL (or "") means unknown or not applicable: no
 * application means no application quota, and so on.  Policy names are the
 * catalogue's (resource.tier, api.api_policy, application.tier,
 * subscription.tier).  headers, query and claims are NULL-terminated lists
 * of name, value pairs (or NULL); header names compare case-insensitively.
 */
struct apim_throttle_req {
	const char *api_id;
	const char *api_name;
	const char *api_version;
	const char *api_context;	/* "/pets" (a deny on "/pets/1.0" matches too) */
	const char *api_policy;		/* the API's advanced policy */
	const char *verb;		/* "GET" */
	const char *resource;		/* the matched template, "/pets/{id}" */
	const char *resource_policy;	/* the resource's tier */
	const char *app_id;
	const char *app_name;
	const char *app_owner;
	const char *app_tier;		/* application policy */
	const char *sub_id;
	const char *sub_tier;		/* subscription policy */
	const char *user;		/* end user (token subject) */
	const char *client_ip;		/* textual IPv4 or IPv6 */
	const char *const *headers;
	const char *const *query;
	const char *const *claims;
	/* Or, where headers and query are NULL: the request's own arrays and
	 * its query string as received ("a=1&b", not decoded), read only when
	 * a condition asks (nothing is built per request) */
	size_t nheaders;
	const char *const *header_names, *const *header_values;
	const char *query_string;
	int64_t bytes;			/* request body bytes (bytes quotas count these) */
	int64_t now_ms;			/* 0: the wall clock; tests pass their own */
};

/* The answer.  The header values are ready to send as they are. */
struct apim_throttle_res {
	int allow;		/* 1 pass, 0 refuse */
	int exceeded;		/* 1 passed although a quota that does not stop on
				 * quota reach is exceeded (code says which) */
	int code;		/* a WSO2 code above when refused or exceeded, else 0 */
	int status;		/* 200, 403 (deny) or 429 */
	const char *message;	/* static: "Message throttled out", "Message blocked" */
	const char *reason;	/* static: which limit ("subscription quota", ...) */
	int64_t retry_after;	/* seconds, for Retry-After when refused with 429 */
	/* draft-ietf-httpapi-ratelimit-headers: '"Gold";q=5000;w=60' and
	 * '"Gold";r=4999;t=37', one item per limit that applied; "" if none */
	char ratelimit_policy[512];
	char ratelimit[512];
};

struct apim_throttle;

/* Conditional groups an api policy may have (policy condition add). */
#define APIM_THROTTLE_GROUPS_MAX 32

/*
 * Open for one process (after fork) and one thread at a time: reads the store at db_path (its own
 * connection, reads only) and the counter file at counter_path (NULL: conf
 * "counters", else "counters" beside the store).  NULL with the error set.
 */
struct apim_throttle *apim_throttle_open(const char *db_path,
    const char *counter_path);
/* The same over db, a connection to the store at db_path the caller keeps
 * open until after apim_throttle_close (one connection per process serves
 * the gateway's view and its throttle: one schema read, one WAL index open). */
struct apim_throttle *apim_throttle_open_db(sqlite3 *db, const char *db_path,
    const char *counter_path);
void apim_throttle_close(struct apim_throttle *t);

/*
 * One request: deny conditions first (403, 900805), then decisions (429,
 * 900806), then the counted limits in this order: API policy (its matching
 * conditional groups, else its default limit), resource policy, subscription
 * burst, subscription quota, application policy.  Every limit is taken in
 * the counter file; when one refuses, the units already taken for this
 * request are given back, so a refused request counts nowhere.  The store's
 * catalogue is re-read when it changes (PRAGMA data_version, looked at most
 * every 100 ms), never queried per request.  0 with *res filled, or -1 with
 * the error set (store or counter file unusable; the caller decides whether
 * to fail open or closed).
 */
int apim_throttle_check(struct apim_throttle *t,
    const struct apim_throttle_req *rq, struct apim_throttle_res *res);

/* The counter file's path for the store at db_path: conf "counters" if set,
 * else "counters" in the store's folder (into buf, or the conf's string);
 * NULL with the error set if that path does not fit in buf. */
const char *apim_throttle_counter_path(const char *db_path, char *buf, size_t n);

/* Re-read the catalogue now (tests; a gateway that wants no delay). */
int apim_throttle_reload(struct apim_throttle *t);

#endif
