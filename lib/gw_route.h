/* gw_route: which API and which resource a request path names (apim-proxy's
 * steps 1 and 2).  Pure functions over the view's arrays; nothing allocated. */
#ifndef APIM_GW_ROUTE_H
#define APIM_GW_ROUTE_H

#include <stddef.h>

struct gw_api;
struct gw_res;

/* The API serving path among apis[0..n): "/CONTEXT/VERSION/..." names that
 * version, "/CONTEXT/..." the default version (a versioned match wins).  APIs
 * in CREATED or RETIRED state are invisible.  *rest gets the path after the
 * context (and version), "" or starting with '/'.  NULL if none. */
const struct gw_api *gw_route_api(const struct gw_api *apis, size_t n,
    const char *path, const char **rest);

/* 1 if template tmpl ("/pets/{id}", "/pets/" "*") matches path (the part
 * after the context; "" counts as "/"), else 0. */
int gw_route_match(const char *tmpl, const char *path);

/* The most specific resource of api matching verb and path: templates with
 * more literal characters first, fewer parameters next, a final "/" "*" last.
 * NULL if none; then *path_matched says whether some template matched the path
 * with another verb, and allow (if not NULL, cap bytes) lists those verbs
 * ("GET, POST") for a 405. */
const struct gw_res *gw_route_resource(const struct gw_api *api, const char *verb,
    const char *path, int *path_matched, char *allow, size_t cap);

/* 0 if path has a dot segment ("." or "..", also as %2e), which a backend
 * or libcurl would resolve past the API's context; 1 if it is clean. */
int gw_route_path_ok(const char *path);

#endif
