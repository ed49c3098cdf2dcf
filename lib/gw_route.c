/* gw_route: matching a request path to an API by context and version, and to
 * one of its resources by verb and URI template, most specific first. */
#include <stdio.h>
#include <string.h>

#include "gw_route.h"
#include "gw_view.h"

/* Length of the match of prefix at the start of path ending at a segment
 * boundary, or 0. */
static size_t
seg_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0 || strncmp(path, prefix, n) != 0)
		return 0;
	if (path[n] != '\0' && path[n] != '/' && prefix[n - 1] != '/')
		return 0;
	return n;
}

const struct gw_api *
gw_route_api(const struct gw_api *apis, size_t n, const char *path,
    const char **rest)
{
	const struct gw_api *dflt = NULL;
	size_t i, k, best = 0;

	for (i = 0; i < n; i++) {
		const struct gw_api *a = &apis[i];

		if (strcmp(a->state, "CREATED") == 0 || strcmp(a->state, "RETIRED") == 0)
			continue;
		if ((k = seg_prefix(path, a->context)) == 0)
			continue;
		if (path[k] == '/' && strncmp(path + k + 1, a->version,
		    strlen(a->version)) == 0) {
			size_t e = k + 1 + strlen(a->version);

			if (path[e] == '\0' || path[e] == '/') {
				*rest = path + e;
				return a;
			}
		}
		if (a->is_default && k > best) {
			dflt = a;
			best = k;
		}
	}
	if (dflt)
		*rest = path + best;
	return dflt;
}

int
gw_route_match(const char *t, const char *p)
{
	if (*p == '\0')
		p = "/";
	while (*t) {
		if (t[0] == '/' && t[1] == '*' && t[2] == '\0')
			return *p == '\0' || *p == '/';
		if (*t == '{') {
			/* a parameter: one or more characters of one segment,
			 * up to the template's next literal character */
			const char *q = p;

			if ((t = strchr(t, '}')) == NULL)
				return 0;
			t++;
			while (*q && *q != '/' && *q != *t)
				q++;
			if (q == p)
				return 0;
			p = q;
			continue;
		}
		if (*t != *p)
			return 0;
		t++;
		p++;
	}
	/* a trailing slash on the request is tolerated */
	return *p == '\0' || (p[0] == '/' && p[1] == '\0');
}

/* 1 if a is more specific than b. */
static int
more_specific(const struct gw_res *a, const struct gw_res *b)
{
	if (a->wild != b->wild)
		return !a->wild;
	if (a->lit != b->lit)
		return a->lit > b->lit;
	return a->params < b->params;
}

const struct gw_res *
gw_route_resource(const struct gw_api *api, const char *verb, const char *path,
    int *path_matched, char *allow, size_t cap)
{
	const struct gw_res *best = NULL;
	size_t i, len = 0;

	*path_matched = 0;
	if (allow && cap)
		allow[0] = '\0';
	for (i = 0; i < api->nres; i++) {
		const struct gw_res *r = &api->res[i];

		if (!gw_route_match(r->tmpl, path))
			continue;
		if (strcmp(r->verb, verb) == 0) {
			if (best == NULL || more_specific(r, best))
				best = r;
			continue;
		}
		*path_matched = 1;
		if (allow && strstr(allow, r->verb) == NULL && len + 10 < cap)
			len += (size_t)snprintf(allow + len, cap - len, "%s%s",
			    len ? ", " : "", r->verb);
	}
	return best;
}

int
gw_route_path_ok(const char *p)
{
	int dots, other;

	while (*p) {
		if (*p++ != '/')
			continue;
		dots = other = 0;
		while (*p && *p != '/') {
			if (*p == '.')
				dots++, p++;
			else if (p[0] == '%' && p[1] == '2' && (p[2] == 'e' || p[2] == 'E'))
				dots++, p += 3;
			else
				other++, p++;
		}
		if (!other && (dots == 1 || dots == 2))
			return 0;
	}
	return 1;
}
