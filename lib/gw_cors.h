/* gw_cors: apim-proxy's step 3, CORS as WSO2 does it: an API's
 * corsConfiguration over apim.conf's cors_* keys, parsed once when the view
 * loads the API; origin matching, the preflight's and a response's headers. */
#ifndef APIM_GW_CORS_H
#define APIM_GW_CORS_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct gw_cors;

/* Read apim.conf's cors, cors_allow_origins, cors_allow_methods,
 * cors_allow_headers and cors_allow_credentials (WSO2's defaults where
 * absent) as the configuration of APIs that have none.  Call once per
 * process, before gw_cors_new. */
void gw_cors_init(void);
/* The apim.conf configuration (the process keeps it). */
const struct gw_cors *gw_cors_default(void);

/* An API's corsConfiguration (WSO2's APIDTO object: corsConfigurationEnabled,
 * accessControlAllowOrigins, accessControlAllowCredentials,
 * accessControlAllowHeaders, accessControlAllowMethods), the fields it does
 * not set taken from gw_cors_default().  NULL if conf is not an object (the
 * API has none: use the default).  The caller frees it with gw_cors_free. */
struct gw_cors *gw_cors_new(const json_t *conf);
void gw_cors_free(struct gw_cors *c);
/* A call that outlives a reload of the view holds its API's configuration:
 * gw_cors_hold returns c with one more reference, gw_cors_release drops one
 * (gw_cors_free frees at the last; the default is never freed). */
const struct gw_cors *gw_cors_hold(const struct gw_cors *c);
void gw_cors_release(const struct gw_cors *c);

/* 1 if CORS is on (headers are added, preflights answered). */
int gw_cors_on(const struct gw_cors *c);

/* The headers (name, value pairs) for a response to a request with the
 * Origin header origin (NULL: none, and no headers) into h from slot n,
 * leaving one slot of cap free; returns the slots used.  Values point into
 * c or origin. */
size_t gw_cors_headers(const struct gw_cors *c, const char *origin,
    const char **h, size_t n, size_t cap);

/* The same for a preflight: req_method and req_headers are the request's
 * Access-Control-Request-Method and -Headers (NULL: absent), allow the
 * methods the path takes ("GET, POST").  An origin or a method that is not
 * allowed gets no Access-Control-* header at all; the allowed request
 * headers are reflected (the configured list when none were asked for).
 * Values may point into scratch, which the caller frees after the reply. */
size_t gw_cors_preflight(const struct gw_cors *c, const char *origin,
    const char *req_method, const char *req_headers, const char *allow,
    struct apim_buf *scratch, const char **h, size_t n, size_t cap);

#endif
