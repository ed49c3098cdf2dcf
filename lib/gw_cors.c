/* gw_cors: CORS configurations (apim.conf's, and each API's over it) as
 * lists parsed once, and the Access-Control-* headers of a response or a
 * preflight for one request's Origin. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "gw_cors.h"
#include "util.h"

#define GW_ORIGIN_MAX 512	/* a longer Origin is not echoed */

struct gw_cors {
	int on, credentials;
	char **origins;		/* "*" any, "https://STAR.example.com" a subdomain */
	char **methods;		/* "*" any */
	char **headers;		/* "*" any */
	char *methods_csv;	/* Access-Control-Allow-Methods */
	char *headers_csv;	/* Access-Control-Allow-Headers (nothing asked) */
	int any_origin, any_method, any_header;
	unsigned refs;		/* the view's API, and calls in flight */
};

static struct gw_cors dflt;

static int
has(char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static void
derive(struct gw_cors *c)
{
	c->any_origin = has(c->origins, "*");
	c->any_method = has(c->methods, "*");
	c->any_header = has(c->headers, "*");
	c->methods_csv = apim_strv_join(c->methods, ",");
	c->headers_csv = apim_strv_join(c->headers, ",");
}

void
gw_cors_init(void)
{
	free(dflt.methods_csv);
	free(dflt.headers_csv);
	apim_strv_free(dflt.origins);
	apim_strv_free(dflt.methods);
	apim_strv_free(dflt.headers);
	dflt.on = strcmp(apim_conf_get("cors", "on"), "off") != 0;
	dflt.credentials = strcmp(apim_conf_get("cors_allow_credentials", "false"),
	    "true") == 0;
	dflt.origins = apim_split_csv(apim_conf_get("cors_allow_origins", "*"));
	dflt.methods = apim_split_csv(apim_conf_get("cors_allow_methods",
	    "GET,PUT,POST,DELETE,PATCH,OPTIONS"));
	dflt.headers = apim_split_csv(apim_conf_get("cors_allow_headers",
	    "authorization,Access-Control-Allow-Origin,Content-Type,SOAPAction,apikey"));
	derive(&dflt);
}

const struct gw_cors *
gw_cors_default(void)
{
	if (dflt.origins == NULL)
		gw_cors_init();
	return &dflt;
}

/* A JSON array of strings as a list; the default's copy if absent. */
static char **
list_of(const json_t *a, char *const *def)
{
	size_t i, n = json_is_array(a) ? json_array_size(a) : apim_strv_len(def);
	char **l = apim_xreallocarray(NULL, n + 1, sizeof *l);
	size_t k = 0;
	const char *s;

	for (i = 0; i < n; i++) {
		s = json_is_array(a) ? json_string_value(json_array_get(a, i)) : def[i];
		if (s && *s)
			l[k++] = apim_strdup(s);
	}
	l[k] = NULL;
	return l;
}

struct gw_cors *
gw_cors_new(const json_t *conf)
{
	const struct gw_cors *d = gw_cors_default();
	struct gw_cors *c;
	const json_t *v;

	if (!json_is_object(conf))
		return NULL;
	c = apim_xcalloc(1, sizeof *c);
	c->refs = 1;
	v = json_object_get(conf, "corsConfigurationEnabled");
	c->on = json_is_boolean(v) ? json_is_true(v) : d->on;
	v = json_object_get(conf, "accessControlAllowCredentials");
	c->credentials = json_is_boolean(v) ? json_is_true(v) : d->credentials;
	c->origins = list_of(json_object_get(conf, "accessControlAllowOrigins"),
	    d->origins);
	c->methods = list_of(json_object_get(conf, "accessControlAllowMethods"),
	    d->methods);
	c->headers = list_of(json_object_get(conf, "accessControlAllowHeaders"),
	    d->headers);
	derive(c);
	return c;
}

void
gw_cors_free(struct gw_cors *c)
{
	if (c == NULL || c == &dflt || --c->refs > 0)
		return;
	apim_strv_free(c->origins);
	apim_strv_free(c->methods);
	apim_strv_free(c->headers);
	free(c->methods_csv);
	free(c->headers_csv);
	free(c);
}

const struct gw_cors *
gw_cors_hold(const struct gw_cors *c)
{
	if (c != NULL && c != &dflt)
		((struct gw_cors *)c)->refs++;
	return c;
}

void
gw_cors_release(const struct gw_cors *c)
{
	gw_cors_free((struct gw_cors *)c);
}

int
gw_cors_on(const struct gw_cors *c)
{
	return c->on;
}

/* A pattern with one star ("https://STAR.example.com", a star for STAR)
 * against an origin: the star stands for one or more host labels (letters,
 * digits, '-', '.'), never for a scheme, port or path. */
static int
wild_match(const char *pat, const char *origin)
{
	const char *star = strchr(pat, '*'), *p;
	size_t pre, suf, n = strlen(origin);

	if (star == NULL || strchr(star + 1, '*'))
		return 0;
	pre = (size_t)(star - pat);
	suf = strlen(star + 1);
	if (n <= pre + suf || strncasecmp(pat, origin, pre) != 0 ||
	    strcasecmp(star + 1, origin + n - suf) != 0)
		return 0;
	for (p = origin + pre; p < origin + n - suf; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

/* 1 if origin is one of the allowed ones.  "*" lets in every origin but
 * "null" (sandboxed documents, file: pages), which only "null" lets in. */
static int
origin_allowed(const struct gw_cors *c, const char *origin)
{
	char *const *l;

	for (l = c->origins; *l; l++) {
		if (strcasecmp(*l, origin) == 0)
			return 1;
		if (strcmp(origin, "null") == 0)
			continue;
		if (strcmp(*l, "*") == 0 || wild_match(*l, origin))
			return 1;
	}
	return 0;
}

/* An Origin we may echo: printable ASCII without spaces, not too long. */
static int
origin_sane(const char *o)
{
	size_t n;

	for (n = 0; o[n]; n++)
		if ((unsigned char)o[n] <= ' ' || (unsigned char)o[n] >= 0x7f ||
		    n >= GW_ORIGIN_MAX)
			return 0;
	return n > 0;
}

/* The Access-Control-Allow-Origin value for origin, or NULL if it gets
 * none; *vary set if the answer depends on the origin. */
static const char *
acao(const struct gw_cors *c, const char *origin, int *vary)
{
	*vary = 0;
	if (c->any_origin && !c->credentials)
		return "*";
	*vary = 1;	/* caches must know */
	return origin_sane(origin) && origin_allowed(c, origin) ? origin : NULL;
}

size_t
gw_cors_headers(const struct gw_cors *c, const char *origin, const char **h,
    size_t n, size_t cap)
{
	const char *v;
	int vary;

	if (!c->on || origin == NULL || n + 7 > cap)
		return n;
	v = acao(c, origin, &vary);
	if (vary) {
		h[n++] = "Vary";
		h[n++] = "Origin";
	}
	if (v == NULL)
		return n;
	h[n++] = "Access-Control-Allow-Origin";
	h[n++] = v;
	if (c->credentials) {
		h[n++] = "Access-Control-Allow-Credentials";
		h[n++] = "true";
	}
	return n;
}

/* 1 if method is in the comma list allow ("GET, POST"); HEAD goes with GET,
 * OPTIONS with any path (the preflight answers it). */
static int
path_takes(const char *allow, const char *method)
{
	size_t n = strlen(method);
	const char *p;

	if (strcmp(method, "OPTIONS") == 0)
		return 1;
	if (strcmp(method, "HEAD") == 0)
		method = "GET", n = 3;
	for (p = allow; p && *p; ) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, method, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static int
tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* The headers of the comma list asked that c allows, in the request's
 * spelling, into b (", " between them). */
static void
reflect(const struct gw_cors *c, const char *asked, struct apim_buf *b)
{
	const char *p = asked, *e;
	char name[128];
	char *const *l;
	size_t n;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; tchar((unsigned char)*e); e++)
			;
		n = (size_t)(e - p);
		if (n > 0 && n < sizeof name && (*e == '\0' || *e == ',' ||
		    *e == ' ' || *e == '\t')) {
			int ok = c->any_header;

			memcpy(name, p, n);
			name[n] = '\0';
			for (l = c->headers; !ok && *l; l++)
				ok = strcasecmp(*l, name) == 0;
			if (ok) {
				if (b->len)
					apim_buf_adds(b, ", ");
				apim_buf_add(b, p, n);
			}
		}
		while (*e && *e != ',')	/* skip what is not a token */
			e++;
		p = e;
	}
}

size_t
gw_cors_preflight(const struct gw_cors *c, const char *origin,
    const char *req_method, const char *req_headers, const char *allow,
    struct apim_buf *scratch, const char **h, size_t n, size_t cap)
{
	int vary;

	if (!c->on || origin == NULL || req_method == NULL)
		return gw_cors_headers(c, origin, h, n, cap);
	if (n + 11 > cap)
		return n;
	if (acao(c, origin, &vary) == NULL ||
	    (!c->any_method && !has(c->methods, req_method)) ||
	    !path_takes(allow, req_method)) {
		/* nothing a browser would take as a yes */
		if (vary) {
			h[n++] = "Vary";
			h[n++] = "Origin";
		}
		return n;
	}
	n = gw_cors_headers(c, origin, h, n, cap);
	h[n++] = "Access-Control-Allow-Methods";
	h[n++] = c->methods_csv;
	if (req_headers == NULL || *req_headers == '\0') {
		if (*c->headers_csv) {
			h[n++] = "Access-Control-Allow-Headers";
			h[n++] = c->headers_csv;
		}
		return n;
	}
	apim_buf_reset(scratch);
	reflect(c, req_headers, scratch);
	if (scratch->len) {
		h[n++] = "Access-Control-Allow-Headers";
		h[n++] = scratch->data;
	}
	return n;
}
