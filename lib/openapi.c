/* openapi: OpenAPI/Swagger documents <-> API objects (see openapi.h for the
 * mapping).  Documents and objects passed in are borrowed; results are new. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "endpoints.h"
#include "openapi.h"
#include "util.h"
#include "yml.h"

static const char *const verbs[] = { "get", "put", "post", "delete", "options",
	"head", "patch", NULL };

json_t *
apim_openapi_load(const char *buf, size_t len, const char *name)
{
	size_t i = 0;
	json_t *v;
	json_error_t e;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;	/* a UTF-8 byte order mark */
		len -= 3;
	}
	while (i < len && strchr(" \t\r\n", buf[i]) != NULL && buf[i] != '\0')
		i++;
	if (i == len) {
		apim_err_set(APIM_DATAERR, "'%s': empty document", name);
		return NULL;
	}
	/* Numbers as written: "version: 1.10" is the version "1.10", not 1.1;
	 * apim reads no number from a document. */
	if (buf[i] != '{')
		return apim_yml_parse(buf, len, name, APIM_YML_NUMTEXT);
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL)
		apim_err_set(APIM_DATAERR, "'%s' line %d column %d: %s", name,
		    e.line, e.column, e.text);
	return v;
}

/* ---- document to API ---- */

struct mapper {
	const char *name;	/* the file, for messages */
	int failed;
};

static void bad(struct mapper *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static void
bad(struct mapper *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (m->failed)
		return;		/* keep the first */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	apim_err_set(APIM_DATAERR, "'%s': %s", m->name, msg);
	m->failed = 1;
}

/* A member that must be a string (numbers are written out, for versions). */
static char *
text_member(struct mapper *m, const json_t *o, const char *key, const char *where)
{
	json_t *v = json_object_get(o, key);
	char buf[64];

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return apim_strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return apim_strdup(buf);
	}
	if (json_is_real(v)) {
		apim_yml_fmt_real(json_real_value(v), buf);
		return apim_strdup(buf);
	}
	bad(m, "'%s%s%s' must be a string", where, *where ? "." : "", key);
	return NULL;
}

static json_t *
obj_member(struct mapper *m, const json_t *o, const char *key, const char *where)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		bad(m, "'%s%s%s' must be a mapping", where, *where ? "." : "", key);
		return NULL;
	}
	return v;
}

static void
set_str(json_t *o, const char *key, char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
	free(s);
}

/* The path of an absolute or relative URL, without a trailing '/'; "" if none. */
static char *
url_path(const char *url)
{
	const char *p = strstr(url, "://"), *e;
	char *r;
	size_t n;

	if (p) {
		p += 3;
		p += strcspn(p, "/?#");
	} else
		p = url;
	e = p + strcspn(p, "?#");
	while (e > p && e[-1] == '/')
		e--;
	n = (size_t)(e - p);
	r = apim_xmalloc(n + 1);
	memcpy(r, p, n);
	r[n] = '\0';
	return r;
}

static int
is_absolute(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* servers[0].url with its {variables} replaced by their defaults. */
static char *
server_url(struct mapper *m, const json_t *doc)
{
	json_t *servers = json_object_get(doc, "servers"), *s0, *vars;
	const char *u, *p, *e;
	struct apim_buf out = APIM_BUF_INIT;

	if (servers == NULL || json_is_null(servers))
		return NULL;
	if (!json_is_array(servers)) {
		bad(m, "'servers' must be a list");
		return NULL;
	}
	if ((s0 = json_array_get(servers, 0)) == NULL)
		return NULL;
	if (!json_is_object(s0) || !json_is_string(json_object_get(s0, "url"))) {
		bad(m, "'servers[0].url' must be a string");
		return NULL;
	}
	u = json_string_value(json_object_get(s0, "url"));
	vars = json_object_get(s0, "variables");
	for (p = u; *p; ) {
		const char *val = NULL;

		if (*p == '{' && (e = strchr(p, '}')) != NULL) {
			json_t *var = json_object_getn(vars, p + 1, (size_t)(e - p - 1));

			val = json_string_value(json_object_get(var, "default"));
			if (val == NULL) {
				bad(m, "'servers[0].url' variable '%.*s' has no default",
				    (int)(e - p - 1), p + 1);
				apim_buf_free(&out);
				return NULL;
			}
			p = e + 1;
		}
		if (val)
			apim_buf_adds(&out, val);
		else
			apim_buf_addc(&out, *p++);
	}
	return apim_buf_detach(&out, NULL);
}

/* x-wso2-*-endpoints: {urls: [U, ...]}, a string, or a list of strings. */
static char *
wso2_endpoint(struct mapper *m, const json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key), *urls;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return apim_strdup(json_string_value(v));
	urls = json_is_object(v) ? json_object_get(v, "urls") : v;
	if (json_is_string(urls))
		return apim_strdup(json_string_value(urls));
	if (json_is_array(urls) && json_is_string(json_array_get(urls, 0)))
		return apim_strdup(json_string_value(json_array_get(urls, 0)));
	bad(m, "'%s' must be a URL or a mapping with 'urls'", key);
	return NULL;
}

/* The URLs of x-wso2-*-endpoints in out (first is the primary); its "type"
 * (http, load_balance or loadbalance, failover) into *type if given. */
static void
wso2_endpoint_urls(const json_t *doc, const char *key, json_t *out, int *type)
{
	const json_t *v = json_object_get(doc, key), *urls, *u, *t;
	size_t i;

	if (json_is_object(v) && (t = json_object_get(v, "type")) != NULL) {
		if (!json_is_string(t) || (*type = apim_endpoints_type_of(
		    json_string_value(t))) < 0)
			*type = -2;	/* refused below */
	}
	urls = json_is_object(v) ? json_object_get(v, "urls") : v;
	if (json_is_array(urls))
		json_array_foreach(urls, i, u)
			if (json_is_string(u))
				json_array_append((json_t *)out, (json_t *)u);
}

/* endpointConfig from x-wso2-production-endpoints and -sandbox-endpoints
 * (WSO2 writes {urls: [...], type: load_balance|failover|http}); prod and
 * sand are the primary URLs found by wso2_endpoint (either may be NULL). */
static json_t *
wso2_endpoint_lists(struct mapper *m, const json_t *doc, const char *prod,
    const char *sand)
{
	json_t *pl = json_array(), *sl = json_array(), *ec;
	int type = -1, stype = -1;

	wso2_endpoint_urls(doc, "x-wso2-production-endpoints", pl, &type);
	wso2_endpoint_urls(doc, "x-wso2-sandbox-endpoints", sl, &stype);
	if (json_array_size(pl) == 0 && prod)
		json_array_append_new(pl, json_string(prod));
	if (json_array_size(sl) == 0 && sand)
		json_array_append_new(sl, json_string(sand));
	if (type == -1)
		type = stype;
	if (type == -2 || stype == -2)
		bad(m, "%s", "x-wso2-*-endpoints 'type' must be http, load_balance "
		    "or failover");
	else if (stype >= 0 && stype != type)
		bad(m, "%s", "x-wso2-production-endpoints and x-wso2-sandbox-endpoints "
		    "have different types");
	if (type < 0)	/* several URLs and no type: balance them */
		type = json_array_size(pl) > 1 || json_array_size(sl) > 1 ?
		    APIM_ENDPOINTS_LOAD_BALANCE : APIM_ENDPOINTS_HTTP;
	ec = apim_endpoints_config(type, pl, sl);
	json_decref(pl);
	json_decref(sl);
	return ec;
}

/* "/" and the title lower-cased, runs of other characters as one '-'. */
static char *
slug(const char *title)
{
	size_t n = strlen(title), k = 1;
	char *s = apim_xmalloc(n + 2);
	int dash = 0;

	s[0] = '/';
	for (; *title; title++) {
		unsigned char c = (unsigned char)*title;

		if (isalnum(c)) {
			if (dash && k > 1)
				s[k++] = '-';
			s[k++] = (char)tolower(c);
			dash = 0;
		} else
			dash = 1;
	}
	s[k] = '\0';
	return s;
}

/* An API name from a title: spaces, control characters, ':' and '/' go
 * ("Swagger Petstore" -> "SwaggerPetstore"), as API names may not hold them. */
static char *
api_name(const char *title)
{
	char *s = apim_strdup(title), *d = s;
	const unsigned char *p;

	for (p = (const unsigned char *)title; *p; p++)
		if (*p > ' ' && *p != 0x7f && *p != ':' && *p != '/')
			*d++ = (char)*p;
	*d = '\0';
	return s;
}

/* One x-auth-type word as an authType: oauth2, api_key, none; NULL if unknown. */
static const char *
auth_word(const char *w)
{
	static const char *const oauth[] = { "oauth2", "oauth",
		"Application & Application User", "Application", "Application User",
		"Any", NULL };
	int i;

	for (i = 0; oauth[i]; i++)
		if (strcasecmp(w, oauth[i]) == 0)
			return "oauth2";
	if (strcasecmp(w, "api_key") == 0 || strcasecmp(w, "apikey") == 0)
		return "api_key";
	if (strcasecmp(w, "none") == 0)
		return "none";
	return NULL;
}

/* Add a scope once. */
static void
scope_add(json_t *scopes, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(scopes, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(scopes, json_string(s));
}

/* Scopes of a security requirement list into scopes; 1 if the list is empty. */
static int
security_scopes(struct mapper *m, const json_t *sec, json_t *scopes,
    const char *where)
{
	size_t i, j;
	const char *k;
	json_t *req, *list, *s;

	if (!json_is_array(sec)) {
		bad(m, "'%s' must be a list", where);
		return 0;
	}
	json_array_foreach(sec, i, req) {
		if (!json_is_object(req)) {
			bad(m, "'%s' must be a list of mappings", where);
			return 0;
		}
		json_object_foreach(req, k, list) {
			if (!json_is_array(list)) {
				bad(m, "'%s.%s' must be a list", where, k);
				return 0;
			}
			json_array_foreach(list, j, s)
				if (json_is_string(s))
					scope_add(scopes, json_string_value(s));
		}
	}
	return json_array_size(sec) == 0;
}

static json_t *
operation(struct mapper *m, const char *path, const char *verb,
    const json_t *op, const json_t *doc, const char *dflt_auth)
{
	json_t *o, *scopes = json_array(), *x, *sec;
	char where[512], *tier;
	const char *auth = dflt_auth;
	char up[8];
	int i;

	snprintf(where, sizeof where, "paths.%s.%s", path, verb);
	if (!json_is_object(op)) {
		bad(m, "'%s' must be a mapping", where);
		json_decref(scopes);
		return NULL;
	}
	/* the operation's security requirements, else the document's */
	if ((sec = json_object_get(op, "security")) != NULL) {
		char w[600];

		snprintf(w, sizeof w, "%s.security", where);
		if (security_scopes(m, sec, scopes, w))
			auth = "none";
	} else if ((sec = json_object_get(doc, "security")) != NULL &&
	    security_scopes(m, sec, scopes, "security"))
		auth = "none";
	if ((x = json_object_get(op, "x-auth-type")) != NULL && !json_is_null(x) &&
	    (!json_is_string(x) || (auth = auth_word(json_string_value(x))) == NULL))
		bad(m, "'%s.x-auth-type' must be oauth2, api_key, none or a WSO2 "
		    "auth type", where);
	if ((x = json_object_get(op, "x-scope")) != NULL && !json_is_null(x)) {
		size_t j;
		json_t *s;

		if (json_is_string(x))
			scope_add(scopes, json_string_value(x));
		else if (json_is_array(x)) {
			json_array_foreach(x, j, s) {
				if (!json_is_string(s)) {
					bad(m, "'%s.x-scope' must be a string or a list "
					    "of strings", where);
					break;
				}
				scope_add(scopes, json_string_value(s));
			}
		} else
			bad(m, "'%s.x-scope' must be a string or a list of strings",
			    where);
	}
	tier = text_member(m, op, "x-throttling-tier", where);
	for (i = 0; verb[i] && i < 7; i++)
		up[i] = (char)toupper((unsigned char)verb[i]);
	up[i] = '\0';
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "target", path, "verb", up,
	    "authType", auth, "throttlingPolicy", tier, "scopes", scopes);
	free(tier);
	return o;
}

static json_t *
operations(struct mapper *m, const json_t *doc, const char *dflt_auth, int need)
{
	json_t *paths = json_object_get(doc, "paths"), *ops = json_array(), *item, *op;
	const char *path;
	int i;

	if (paths == NULL || json_is_null(paths)) {
		if (need)
			bad(m, "missing 'paths'");
		return ops;
	}
	if (!json_is_object(paths)) {
		bad(m, "'paths' must be a mapping");
		return ops;
	}
	json_object_foreach(paths, path, item) {
		if (path[0] != '/')
			continue;	/* x- extensions */
		if (!json_is_object(item)) {
			if (!json_is_null(item))
				bad(m, "'paths.%s' must be a mapping", path);
			continue;
		}
		for (i = 0; verbs[i]; i++) {
			if ((op = json_object_get(item, verbs[i])) == NULL)
				continue;
			if ((op = operation(m, path, verbs[i], op, doc, dflt_auth)))
				json_array_append_new(ops, op);
		}
	}
	return ops;
}

/* A list of strings from a member (a string, a comma list, or a list). */
static json_t *
str_list(struct mapper *m, const json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key), *out, *s;
	size_t i;

	if (v == NULL || json_is_null(v))
		return NULL;
	out = json_array();
	if (json_is_string(v)) {
		char **w = apim_split_csv(json_string_value(v));

		for (i = 0; w[i]; i++)
			json_array_append_new(out, json_string(w[i]));
		apim_strv_free(w);
		return out;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, s) {
			if (!json_is_string(s))
				break;
			json_array_append(out, s);
		}
		if (i == json_array_size(v))
			return out;
	}
	bad(m, "'%s' must be a list of strings", key);
	json_decref(out);
	return NULL;
}

/* securityScheme and the operations' default auth from the top level. */
static json_t *
security_scheme(struct mapper *m, const json_t *doc, const char **dflt_auth)
{
	json_t *sec = json_object_get(doc, "x-wso2-application-security");
	json_t *out = NULL, *x = json_object_get(doc, "x-auth-type");
	size_t i;

	*dflt_auth = NULL;
	if (x && !json_is_null(x)) {
		char **w;
		const char *a;

		if (!json_is_string(x)) {
			bad(m, "'x-auth-type' must be a string");
			return NULL;
		}
		out = json_array();
		w = apim_split_csv(json_string_value(x));
		for (i = 0; w[i] && !m->failed; i++) {
			if ((a = auth_word(w[i])) == NULL)
				bad(m, "'x-auth-type' must be oauth2, api_key, none or "
				    "a WSO2 auth type, not '%s'", w[i]);
			else if (strcmp(a, "none") == 0)
				*dflt_auth = "none";
			else
				scope_add(out, a);
		}
		apim_strv_free(w);
		if (json_array_size(out) == 0) {
			json_decref(out);
			out = NULL;
		}
	}
	if (sec && !json_is_null(sec)) {
		json_t *types = json_is_object(sec) ?
		    json_object_get(sec, "security-types") : NULL, *t;

		if (!json_is_array(types)) {
			bad(m, "'x-wso2-application-security.security-types' must be "
			    "a list");
			return out;
		}
		json_decref(out);
		out = json_array();
		json_array_foreach(types, i, t) {
			const char *a = json_is_string(t) ?
			    auth_word(json_string_value(t)) : NULL;

			if (a == NULL || strcmp(a, "none") == 0) {
				bad(m, "'x-wso2-application-security.security-types' "
				    "may hold oauth2 and api_key");
				break;
			}
			scope_add(out, a);
		}
	}
	return out;
}

json_t *
apim_openapi_to_api(const json_t *doc, const char *name)
{
	struct mapper m = { name, 0 };
	json_t *api, *info, *x, *ec, *ops, *list;
	char *ver = NULL, *title, *ctx = NULL, *prod = NULL, *sand, *surl = NULL;
	const char *dflt_auth;
	int oas3 = 0;

	if (!json_is_object(doc)) {
		apim_err_set(APIM_DATAERR, "'%s': not an OpenAPI document (not a "
		    "mapping)", name);
		return NULL;
	}
	if ((x = json_object_get(doc, "openapi")) != NULL) {
		ver = text_member(&m, doc, "openapi", "");
		oas3 = ver && (strncmp(ver, "3.0", 3) == 0 || strncmp(ver, "3.1", 3) == 0) &&
		    (ver[3] == '\0' || ver[3] == '.');
		if (!oas3) {
			apim_err_set(APIM_DATAERR, "'%s': unsupported OpenAPI version "
			    "'%s' (3.0.x and 3.1.x are)", name, ver ? ver : "?");
			free(ver);
			return NULL;
		}
	} else if ((x = json_object_get(doc, "swagger")) != NULL) {
		ver = text_member(&m, doc, "swagger", "");
		if (ver == NULL || (strcmp(ver, "2.0") != 0 && strcmp(ver, "2") != 0)) {
			apim_err_set(APIM_DATAERR, "'%s': unsupported Swagger version "
			    "'%s' (2.0 is)", name, ver ? ver : "?");
			free(ver);
			return NULL;
		}
	} else {
		apim_err_set(APIM_DATAERR, "'%s': not an OpenAPI document (no "
		    "'openapi: 3.x' or 'swagger: \"2.0\"')", name);
		return NULL;
	}
	free(ver);
	api = json_object();
	if ((info = obj_member(&m, doc, "info", "")) == NULL && !m.failed)
		bad(&m, "missing 'info'");
	title = text_member(&m, info, "title", "info");
	set_str(api, "version", text_member(&m, info, "version", "info"));
	set_str(api, "description", text_member(&m, info, "description", "info"));

	/* context */
	if (oas3)
		surl = server_url(&m, doc);
	ctx = text_member(&m, doc, "x-wso2-basePath", "");
	if (ctx == NULL && surl) {
		ctx = url_path(surl);
		if (ctx[0] == '\0') {
			free(ctx);
			ctx = NULL;
		}
	}
	if (ctx == NULL && !oas3) {
		if ((ctx = text_member(&m, doc, "basePath", "")) && (strcmp(ctx, "/") == 0 ||
		    ctx[0] == '\0')) {
			free(ctx);
			ctx = NULL;
		}
	}
	if (ctx == NULL && title)
		ctx = slug(title);
	if (ctx) {		/* "/pizzashack/1.0.0/" is "/pizzashack/1.0.0" */
		size_t n = strlen(ctx);

		while (n > 1 && ctx[n - 1] == '/')
			ctx[--n] = '\0';
	}
	set_str(api, "name", title ? api_name(title) : NULL);
	free(title);
	set_str(api, "context", ctx);

	/* endpoints */
	prod = wso2_endpoint(&m, doc, "x-wso2-production-endpoints");
	if (prod == NULL && surl && is_absolute(surl))
		prod = apim_strdup(surl);
	if (prod == NULL && !oas3 && json_is_string(json_object_get(doc, "host"))) {
		const char *host = json_string_value(json_object_get(doc, "host"));
		const char *bp = json_string_value(json_object_get(doc, "basePath"));
		json_t *sch = json_object_get(doc, "schemes");
		const char *scheme = json_string_value(json_array_get(sch, 0));
		size_t n;

		if (scheme == NULL || (strcmp(scheme, "http") != 0 &&
		    strcmp(scheme, "https") != 0))
			scheme = "http";
		if (bp == NULL || strcmp(bp, "/") == 0)
			bp = "";
		n = strlen(scheme) + strlen(host) + strlen(bp) + 4;
		prod = apim_xmalloc(n);
		snprintf(prod, n, "%s://%s%s", scheme, host, bp);
	}
	free(surl);
	sand = wso2_endpoint(&m, doc, "x-wso2-sandbox-endpoints");
	if (prod || sand) {
		ec = wso2_endpoint_lists(&m, doc, prod, sand);
		json_object_set_new(api, "endpointConfig", ec);
	}
	free(prod);
	free(sand);

	/* security, tiers, tags, visibility */
	if ((x = security_scheme(&m, doc, &dflt_auth)) != NULL)
		json_object_set_new(api, "securityScheme", x);
	set_str(api, "apiThrottlingPolicy", text_member(&m, doc, "x-throttling-tier", ""));
	if ((x = json_object_get(doc, "tags")) != NULL && !json_is_null(x)) {
		size_t i;
		json_t *t, *tags = json_array();

		if (!json_is_array(x))
			bad(&m, "'tags' must be a list");
		json_array_foreach(x, i, t) {
			const char *s = json_is_object(t) ?
			    json_string_value(json_object_get(t, "name")) :
			    json_string_value(t);

			if (s == NULL) {
				bad(&m, "'tags[%zu].name' must be a string", i);
				break;
			}
			json_array_append_new(tags, json_string(s));
		}
		json_object_set_new(api, "tags", tags);
	}
	if ((list = str_list(&m, doc, "x-apim-policies")) != NULL)
		json_object_set_new(api, "policies", list);
	set_str(api, "visibility", text_member(&m, doc, "x-apim-visibility", ""));
	if ((list = str_list(&m, doc, "x-apim-roles")) != NULL)
		json_object_set_new(api, "visibleRoles", list);

	ops = operations(&m, doc, dflt_auth, !(oas3 && json_object_get(doc,
	    "webhooks")));
	json_object_set_new(api, "operations", ops);
	if (m.failed) {
		json_decref(api);
		return NULL;
	}
	return api;
}

/* ---- API to document ---- */

/* x-wso2-production-endpoints and x-wso2-sandbox-endpoints as WSO2 writes
 * them: {urls: [primary, ...], type: http|load_balance|failover}. */
static void
export_endpoints(json_t *doc, const json_t *ec)
{
	static const char *const key[] = { "x-wso2-production-endpoints",
	    "x-wso2-sandbox-endpoints" };
	const char *t = json_string_value(json_object_get(ec, "endpoint_type"));
	int type = apim_endpoints_type_of(t ? t : "http"), k;

	for (k = 0; k < 2; k++) {
		json_t *urls = apim_endpoints_urls(ec, k);

		if (json_array_size(urls) == 0) {
			json_decref(urls);
			continue;
		}
		json_object_set_new(doc, key[k], json_pack("{s:o, s:s}", "urls", urls,
		    "type", apim_endpoints_type_name(type < 0 ? 0 : type)));
	}
}

/* Path parameters of a template, as OpenAPI parameter objects; NULL if none. */
static json_t *
path_params(const char *tmpl)
{
	json_t *ps = NULL;
	const char *p = tmpl, *e;

	while ((p = strchr(p, '{')) != NULL && (e = strchr(p, '}')) != NULL) {
		json_t *one = json_pack("{s:s#, s:s, s:b, s:{s:s}}", "name", p + 1,
		    (int)(e - p - 1), "in", "path", "required", 1, "schema",
		    "type", "string");

		if (ps == NULL)
			ps = json_array();
		json_array_append_new(ps, one);
		p = e + 1;
	}
	return ps;
}

static void
copy_if(json_t *dst, const char *dkey, const json_t *src, const char *skey)
{
	json_t *v = json_object_get(src, skey);

	if (v && !json_is_null(v))
		json_object_set(dst, dkey, v);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

json_t *
apim_openapi_from_api(const json_t *api)
{
	json_t *doc, *info, *paths, *x, *op, *sec;
	size_t i;

	doc = json_pack("{s:s}", "openapi", "3.0.3");
	info = json_object();
	copy_if(info, "title", api, "name");
	copy_if(info, "version", api, "version");
	copy_if(info, "description", api, "description");
	json_object_set_new(doc, "info", info);
	x = apim_endpoints_urls(json_object_get(api, "endpointConfig"), 0);
	if (json_array_size(x) > 0)	/* the primary production endpoint */
		json_object_set_new(doc, "servers", json_pack("[{s:O}]", "url",
		    json_array_get(x, 0)));
	json_decref(x);
	if (json_array_size(x = json_object_get(api, "tags")) > 0) {
		json_t *tags = json_array(), *t;

		json_array_foreach(x, i, t)
			json_array_append_new(tags, json_pack("{s:O}", "name", t));
		json_object_set_new(doc, "tags", tags);
	}
	paths = json_object();
	json_array_foreach(json_object_get(api, "operations"), i, op) {
		const char *target = json_string_value(json_object_get(op, "target"));
		const char *verb = json_string_value(json_object_get(op, "verb"));
		json_t *item, *o, *sc;
		char v[16];

		if (target == NULL || verb == NULL)
			continue;
		if ((item = json_object_get(paths, target)) == NULL) {
			json_t *ps = path_params(target);

			item = json_object();
			if (ps)
				json_object_set_new(item, "parameters", ps);
			json_object_set_new(paths, target, item);
		}
		snprintf(v, sizeof v, "%s", verb);
		lower(v);
		o = json_object();
		copy_if(o, "x-auth-type", op, "authType");
		copy_if(o, "x-throttling-tier", op, "throttlingPolicy");
		sc = json_object_get(op, "scopes");
		if (json_array_size(sc) == 1)
			json_object_set(o, "x-scope", json_array_get(sc, 0));
		else if (json_array_size(sc) > 1)
			json_object_set(o, "x-scope", sc);
		json_object_set_new(o, "responses", json_pack("{s:{s:s}}", "200",
		    "description", "OK"));
		json_object_set_new(item, v, o);
	}
	json_object_set_new(doc, "paths", paths);
	copy_if(doc, "x-wso2-basePath", api, "context");
	export_endpoints(doc, json_object_get(api, "endpointConfig"));
	copy_if(doc, "x-throttling-tier", api, "apiThrottlingPolicy");
	if (json_array_size(sec = json_object_get(api, "securityScheme")) > 0) {
		char buf[256] = "";
		json_t *s;

		json_array_foreach(sec, i, s) {
			if (i)
				strncat(buf, ",", sizeof buf - strlen(buf) - 1);
			strncat(buf, json_string_value(s) ? json_string_value(s) : "",
			    sizeof buf - strlen(buf) - 1);
		}
		json_object_set_new(doc, "x-auth-type", json_string(buf));
		json_object_set_new(doc, "x-wso2-application-security",
		    json_pack("{s:O, s:b}", "security-types", sec, "optional", 0));
	}
	copy_if(doc, "x-apim-policies", api, "policies");
	copy_if(doc, "x-apim-visibility", api, "visibility");
	if (json_array_size(json_object_get(api, "visibleRoles")) > 0)
		copy_if(doc, "x-apim-roles", api, "visibleRoles");
	return doc;
}
