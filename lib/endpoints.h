/* endpoints: an API's backend endpoint lists in WSO2's endpointConfig shape
 * (http, load_balance, failover; production and sandbox), checked and parsed. */
#ifndef APIM_ENDPOINTS_H
#define APIM_ENDPOINTS_H

#include <stddef.h>

#include <jansson.h>

/*
 * Endpoint lists, from an API's endpointConfig (WSO2's shape):
 *   {"endpoint_type": "http", "production_endpoints": {"url": U},
 *    "sandbox_endpoints": {"url": U}}
 *   {"endpoint_type": "load_balance", "production_endpoints": [{"url": U}, ...],
 *    "sandbox_endpoints": [...]}                   (round robin)
 *   {"endpoint_type": "failover", "production_endpoints": {"url": PRIMARY},
 *    "production_failovers": [{"url": U}, ...],
 *    "sandbox_endpoints": {...}, "sandbox_failovers": [...]}
 * A single {"url"} or a list of them is accepted wherever either may appear.
 * Every URL passes apim_url_check.
 */
struct apim_endpoints;

#define APIM_ENDPOINTS_HTTP 0		/* one URL */
#define APIM_ENDPOINTS_LOAD_BALANCE 1
#define APIM_ENDPOINTS_FAILOVER 2

/* The production (sandbox 0) or sandbox (1) list of endpoint_config: a new
 * list; NULL with APIM_DATAERR if it is invalid, NULL with APIM_NO ("no
 * sandbox endpoint") if it has no URL for that key type. */
struct apim_endpoints *apim_endpoints_new(const json_t *endpoint_config,
    int sandbox);
void apim_endpoints_free(struct apim_endpoints *e);
/* APIM_ENDPOINTS_*, the number of URLs, and URL i (0 = primary). */
int apim_endpoints_type(const struct apim_endpoints *e);
size_t apim_endpoints_count(const struct apim_endpoints *e);
const char *apim_endpoints_url(const struct apim_endpoints *e, size_t i);
/* The round-robin position for the next pick, advanced (lib/upstream). */
size_t apim_endpoints_next(struct apim_endpoints *e);

/* The endpoint_type names: "http", "load_balance", "failover"; -1 for
 * another name ("loadbalance" is read as load_balance). */
int apim_endpoints_type_of(const char *name);
const char *apim_endpoints_type_name(int type);

/* endpoint_config checked (a known endpoint_type, every URL valid and listed
 * once, at most APIM_ENDPOINTS_MAX per list, one URL per list for http, no
 * sandbox list without a production one) and rewritten in the shape above:
 * a new object, or NULL with APIM_DATAERR naming the problem.  An empty
 * config (no URL at all) is returned as {"endpoint_type": ...}. */
#define APIM_ENDPOINTS_MAX 64
json_t *apim_endpoints_normalize(const json_t *endpoint_config);
/* The URLs of one key type in order (primary first): a new array of strings,
 * empty if none.  endpoint_config is read as apim_endpoints_new does. */
json_t *apim_endpoints_urls(const json_t *endpoint_config, int sandbox);
/* Build an endpointConfig in the shape above from a type and two arrays of
 * URL strings (either may be NULL or empty), unchecked (normalize checks): a
 * new object.  Several URLs for "http" are written as a list. */
json_t *apim_endpoints_config(int type, const json_t *production,
    const json_t *sandbox);

#endif
