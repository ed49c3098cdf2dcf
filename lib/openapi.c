/* openapi: OpenAPI/Swagger documents <-> API objects (see openapi.h for the
 * mapping).  Documents and objects passed in are borrowed; results are new. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "err.h"
#include "endpoints.h"
#include "openapi.h"
#include "util.h"
#include "yml.h"

static const char *const verbs[] = { "get", "put", "post", "delete", "options",
	"head", "patch", "trace", NULL };

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

json_t *
apim_openapi_load_yaml(const char *buf, size_t len, const char *name)
{
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	return apim_yml_parse(buf, len, name, 0);
}

/* ---- document to API ---- */

struct mapper {
	const char *name;	/* the file, for messages */
	int failed;
	const json_t *doc;	/* the whole document, for local $refs */
	json_t *warnings;	/* strings, or NULL: no warnings wanted */
	json_t *schemes;	/* security scheme name -> "oauth2"|"api_key"|"" */
	json_t *used;		/* auth kinds used by security requirements */
	json_t *keynames;	/* apiKey scheme name -> its header or query name */
	json_t *keyused;	/* apiKey schemes used by security requirements */
};

static void bad(struct mapper *, const char *, ...)
	__attribute__((format(printf, 2, 3)));
static void warn(struct mapper *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(struct mapper *m, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (m->warnings == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(m->warnings, json_string(msg));
}

/* ---- JSON pointers and local $refs ---- */

/* Append "/" and key escaped (~0 ~1) to the pointer in b. */
static void
ptr_push(struct apim_buf *b, const char *key)
{
	apim_buf_add(b, "/", 1);
	for (; *key; key++) {
		if (*key == '~')
			apim_buf_add(b, "~0", 2);
		else if (*key == '/')
			apim_buf_add(b, "~1", 2);
		else
			apim_buf_add(b, key, 1);
	}
}

static const json_t *pointer_get(const json_t *doc, const char *ref);

/* Refuse every $ref that does not point into this document, or points at
 * nothing, naming where it is; depth-limited. */
static void
refs_local(struct mapper *m, const json_t *v, struct apim_buf *p, int depth)
{
	size_t n = p->len, i;
	const char *k;
	json_t *e;

	if (m->failed)
		return;
	if (depth > 256) {
		bad(m, "'#%.*s': nested more than 256 levels deep", (int)p->len,
		    p->data);
		return;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			if (strcmp(k, "$ref") == 0 && json_is_string(e) &&
			    json_string_value(e)[0] != '#') {
				ptr_push(p, k);
				bad(m, "external $ref '%s' at '#%.*s': apim keeps "
				    "self-contained documents; bundle it first",
				    json_string_value(e), (int)p->len, p->data);
				return;
			}
			if (strcmp(k, "$ref") == 0 && json_is_string(e) &&
			    pointer_get(m->doc, json_string_value(e)) == NULL) {
				bad(m, "$ref '%s' at '#%.*s' points at nothing in the "
				    "document", json_string_value(e), (int)p->len,
				    p->data);
				return;
			}
			if (json_is_object(e) || json_is_array(e)) {
				ptr_push(p, k);
				refs_local(m, e, p, depth + 1);
				p->len = n;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (json_is_object(e) || json_is_array(e)) {
				char ix[24];

				snprintf(ix, sizeof ix, "%zu", i);
				ptr_push(p, ix);
				refs_local(m, e, p, depth + 1);
				p->len = n;
			}
		}
	}
}

/* The value a local reference "#/a/b" points at (borrowed); NULL if none. */
static const json_t *
pointer_get(const json_t *doc, const char *ref)
{
	const json_t *v = doc;
	const char *p;
	char key[1024];

	if (ref[0] != '#')
		return NULL;
	p = ref + 1;
	if (*p == '\0')
		return doc;
	while (*p == '/' && v != NULL) {
		size_t k = 0;

		for (p++; *p && *p != '/' && k < sizeof key - 1; p++) {
			if (p[0] == '~' && p[1] == '0')
				key[k++] = '~', p++;
			else if (p[0] == '~' && p[1] == '1')
				key[k++] = '/', p++;
			else if (p[0] == '%' && apim_hexval(p[1]) >= 0 &&
			    apim_hexval(p[2]) >= 0) {
				key[k++] = (char)(apim_hexval(p[1]) * 16 +
				    apim_hexval(p[2]));
				p += 2;
			} else
				key[k++] = *p;
		}
		key[k] = '\0';
		if (json_is_array(v)) {
			char *end;
			unsigned long ix = strtoul(key, &end, 10);

			v = *key && *end == '\0' ? json_array_get(v, ix) : NULL;
		} else
			v = json_object_get(v, key);
	}
	return *p == '\0' ? v : NULL;
}

/* v itself, or what its $ref (followed up to 32 times) points at; NULL with
 * an error naming where if it dangles.  where is a JSON pointer. */
static const json_t *
deref(struct mapper *m, const json_t *v, const char *where)
{
	int hops;

	for (hops = 0; hops < 32 && json_is_object(v); hops++) {
		const char *ref = json_string_value(json_object_get(v, "$ref"));
		const json_t *t;

		if (ref == NULL)
			return v;
		if ((t = pointer_get(m->doc, ref)) == NULL) {
			bad(m, "$ref '%s' at '%s' points at nothing in the document",
			    ref, where);
			return NULL;
		}
		v = t;
	}
	if (hops == 32)
		bad(m, "$ref at '%s' loops", where);
	return hops == 32 ? NULL : v;
}


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

/* x-wso2-endpoints NAME: the list form [{NAME: {...}}, ...] or a mapping. */
static const json_t *
wso2_named_endpoint(struct mapper *m, const char *ref, const char *where)
{
	const json_t *eps = json_object_get(m->doc, "x-wso2-endpoints"), *e;
	const char *name = ref + strlen("#/x-wso2-endpoints/");
	size_t i;

	if (json_is_array(eps))
		json_array_foreach(eps, i, e)
			if (json_object_get(e, name) != NULL)
				return json_object_get(e, name);
	if ((e = pointer_get(m->doc, ref)) != NULL)
		return e;
	bad(m, "'%s' refers to '%s', which x-wso2-endpoints does not define",
	    where, ref);
	return NULL;
}

static json_t *
wso2_endpoints_of(struct mapper *m, const json_t *o, const char *prod_default)
{
	static const char *const keys[] = { "x-wso2-production-endpoints",
	    "x-wso2-sandbox-endpoints" };
	json_t *copy = json_copy((json_t *)o), *ec = NULL;
	char *prod, *sand;
	int k;

	for (k = 0; k < 2; k++) {
		const char *ref = json_string_value(json_object_get(o, keys[k]));
		const json_t *t;

		if (ref == NULL || strncmp(ref, "#/", 2) != 0)
			continue;
		if (strncmp(ref, "#/x-wso2-endpoints/", 19) != 0) {
			bad(m, "'%s' must be a URL, {urls, type} or "
			    "'#/x-wso2-endpoints/NAME', not '%s'", keys[k], ref);
			json_decref(copy);
			return NULL;
		}
		if ((t = wso2_named_endpoint(m, ref, keys[k])) == NULL) {
			json_decref(copy);
			return NULL;
		}
		json_object_set(copy, keys[k], (json_t *)t);
	}
	prod = wso2_endpoint(m, copy, keys[0]);
	if (prod == NULL && prod_default)
		prod = apim_strdup(prod_default);
	sand = wso2_endpoint(m, copy, keys[1]);
	if ((prod || sand) && !m->failed)
		ec = wso2_endpoint_lists(m, copy, prod, sand);
	free(prod);
	free(sand);
	json_decref(copy);
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

/*
 * A security requirement list: its scopes into scopes, the auth kinds of its
 * alternatives into kinds ("oauth2", "api_key"; "none" for an empty list or
 * an empty requirement, which lets anyone in).  where is a JSON pointer.
 * A requirement naming two schemes at once (both required) cannot be
 * enforced by apim and is refused; a scheme apim cannot enforce (HTTP basic,
 * mutual TLS) is a warning and not an alternative.
 */
static void
security_kinds(struct mapper *m, const json_t *sec, json_t *scopes,
    json_t *kinds, const char *where)
{
	size_t i, j;
	const char *k;
	json_t *req, *list, *s;

	if (!json_is_array(sec)) {
		bad(m, "'%s' must be a list", where);
		return;
	}
	if (json_array_size(sec) == 0)
		scope_add(kinds, "none");
	json_array_foreach(sec, i, req) {
		if (!json_is_object(req)) {
			bad(m, "'%s/%zu' must be a mapping", where, i);
			return;
		}
		if (json_object_size(req) == 0)
			scope_add(kinds, "none");
		if (json_object_size(req) > 1) {
			bad(m, "'%s/%zu' requires %zu security schemes together; "
			    "apim enforces one of them per request (give them as "
			    "alternatives)", where, i, json_object_size(req));
			return;
		}
		json_object_foreach(req, k, list) {
			const json_t *kind = json_object_get(m->schemes, k);

			if (!json_is_array(list)) {
				bad(m, "'%s/%zu/%s' must be a list", where, i, k);
				return;
			}
			if (kind == NULL) {
				warn(m, "'%s/%zu' names security scheme '%s' that the "
				    "document does not define; taken as OAuth 2.0",
				    where, i, k);
				json_object_set_new(m->schemes, k, json_string("oauth2"));
				kind = json_object_get(m->schemes, k);
			}
			if (*json_string_value(kind)) {
				scope_add(kinds, json_string_value(kind));
				scope_add(m->used, json_string_value(kind));
			}
			if (strcmp(json_string_value(kind), "api_key") == 0 &&
			    m->keyused)
				scope_add(m->keyused, k);
			json_array_foreach(list, j, s)
				if (json_is_string(s))
					scope_add(scopes, json_string_value(s));
		}
	}
}

/* kinds as an authType: NULL if empty, "none" if anyone may call, else
 * "oauth2", "api_key" or "oauth2,api_key" (set in a buffer of 32). */
static const char *
kinds_auth(const json_t *kinds, char out[32])
{
	size_t i;
	json_t *k;
	int o = 0, a = 0;

	json_array_foreach(kinds, i, k) {
		if (strcmp(json_string_value(k), "none") == 0)
			return "none";
		if (strcmp(json_string_value(k), "oauth2") == 0)
			o = 1;
		else
			a = 1;
	}
	if (!o && !a)
		return NULL;
	snprintf(out, 32, "%s%s%s", o ? "oauth2" : "", o && a ? "," : "",
	    a ? "api_key" : "");
	return out;
}

/* An x-auth-type value (one word or a comma list) as an authType. */
static const char *
auth_words(const char *x, char out[32])
{
	char **w = apim_split_csv(x);
	json_t *kinds = json_array();
	const char *a, *r = NULL;
	size_t i;
	int ok = w[0] != NULL;

	for (i = 0; w[i]; i++) {
		if ((a = auth_word(w[i])) == NULL)
			ok = 0;
		else
			scope_add(kinds, a);
	}
	apim_strv_free(w);
	if (ok)
		r = kinds_auth(kinds, out);
	json_decref(kinds);
	return r;
}

/* Resource or API endpoints from x-wso2-production-endpoints and
 * x-wso2-sandbox-endpoints of o (resolving "#/x-wso2-endpoints/NAME"). */
static json_t *wso2_endpoints_of(struct mapper *m, const json_t *o,
    const char *prod_default);

static json_t *
operation(struct mapper *m, const char *path, const char *verb,
    const json_t *op, const json_t *doc, const char *dflt_auth)
{
	json_t *o, *scopes = json_array(), *kinds = json_array(), *x, *sec, *ec;
	char where[512], *tier, abuf[32], xbuf[32];
	const char *auth = dflt_auth;
	char up[8];
	int i;

	snprintf(where, sizeof where, "paths.%s.%s", path, verb);
	if (!json_is_object(op)) {
		bad(m, "'%s' must be a mapping", where);
		json_decref(scopes);
		json_decref(kinds);
		return NULL;
	}
	/* the operation's security requirements, else the document's: every
	 * alternative is kept */
	if ((sec = json_object_get(op, "security")) != NULL) {
		struct apim_buf p = { 0 };

		apim_buf_add(&p, "#/paths", 7);
		ptr_push(&p, path);
		ptr_push(&p, verb);
		ptr_push(&p, "security");
		security_kinds(m, sec, scopes, kinds, p.data);
		apim_buf_free(&p);
	} else if ((sec = json_object_get(doc, "security")) != NULL)
		security_kinds(m, sec, scopes, kinds, "#/security");
	if (sec != NULL && (x = (json_t *)kinds_auth(kinds, abuf)) != NULL)
		auth = (const char *)x;
	json_decref(kinds);
	if ((x = json_object_get(op, "x-auth-type")) != NULL && !json_is_null(x) &&
	    (!json_is_string(x) || (auth = auth_words(json_string_value(x),
	    xbuf)) == NULL))
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
	if ((tier = text_member(m, op, "x-wso2-throttling-tier", where)) == NULL)
		tier = text_member(m, op, "x-throttling-tier", where);
	for (i = 0; verb[i] && i < 7; i++)
		up[i] = (char)toupper((unsigned char)verb[i]);
	up[i] = '\0';
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "target", path, "verb", up,
	    "authType", auth, "throttlingPolicy", tier, "scopes", scopes);
	free(tier);
	if ((ec = wso2_endpoints_of(m, op, NULL)) != NULL)
		json_object_set_new(o, "endpointConfig", ec);
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
		json_t *merged = NULL;

		if (path[0] != '/')
			continue;	/* x- extensions */
		if (!json_is_object(item)) {
			if (!json_is_null(item))
				bad(m, "'paths.%s' must be a mapping", path);
			continue;
		}
		if (json_object_get(item, "$ref") != NULL) {
			/* a path item by reference (3.1: beside other fields) */
			struct apim_buf p = { 0 };
			const json_t *t;

			apim_buf_add(&p, "#/paths", 7);
			ptr_push(&p, path);
				t = deref(m, item, p.data);
			apim_buf_free(&p);
			if (t == NULL)
				break;
			if (!json_is_object(t)) {
				bad(m, "'paths.%s' $ref must point at a mapping", path);
				break;
			}
			merged = json_copy((json_t *)t);
			json_object_update(merged, item);
			json_object_del(merged, "$ref");
			item = merged;
		}
		for (i = 0; verbs[i]; i++) {
			if ((op = json_object_get(item, verbs[i])) == NULL)
				continue;
			if ((op = operation(m, path, verbs[i], op, doc, dflt_auth)))
				json_array_append_new(ops, op);
		}
		json_decref(merged);
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

/* Security schemes (components.securitySchemes, 2.0 securityDefinitions)
 * by name: "oauth2" (oauth2, openIdConnect, http bearer), "api_key"
 * (apiKey), or "" (what apim cannot enforce: a warning).  Their OAuth 2.0
 * scopes (and WSO2's x-scopes-bindings roles) go into scopes. */
static void
scheme_table(struct mapper *m, const json_t *doc, int oas3, json_t *scopes)
{
	const json_t *set = oas3 ? json_object_get(json_object_get(doc,
	    "components"), "securitySchemes") : json_object_get(doc,
	    "securityDefinitions"), *sc;
	const char *k;
	char where[600];

	m->schemes = json_object();
	if (set == NULL || json_is_null(set))
		return;
	if (!json_is_object(set)) {
		bad(m, "'%s' must be a mapping", oas3 ?
		    "#/components/securitySchemes" : "#/securityDefinitions");
		return;
	}
	json_object_foreach((json_t *)set, k, sc) {
		const char *type, *kind = "";
		const json_t *flows, *fl, *sm, *bind, *v;
		const char *fk, *sk;

		snprintf(where, sizeof where, "%s/%s", oas3 ?
		    "#/components/securitySchemes" : "#/securityDefinitions", k);
		if ((sc = deref(m, sc, where)) == NULL)
			return;
		type = json_string_value(json_object_get(sc, "type"));
		if (type == NULL) {
			bad(m, "'%s' has no type", where);
			return;
		}
		if (strcmp(type, "oauth2") == 0 || strcmp(type, "openIdConnect") == 0)
			kind = "oauth2";
		else if (strcmp(type, "apiKey") == 0) {
			const char *in = json_string_value(json_object_get(sc, "in"));
			const json_t *nm = json_object_get(sc, "name");

			kind = "api_key";
			if (in && (strcmp(in, "header") == 0 || strcmp(in, "query") == 0) &&
			    json_is_string(nm) && m->keynames)
				json_object_set(m->keynames, k, (json_t *)nm);
			else if (in && strcmp(in, "cookie") == 0)
				warn(m, "'%s': apim reads an API key from a header or the "
				    "query, not from a cookie", where);
		}
		else if (strcmp(type, "http") == 0 && json_is_string(json_object_get(sc,
		    "scheme")) && strcasecmp(json_string_value(json_object_get(sc,
		    "scheme")), "bearer") == 0)
			kind = "oauth2";
		else
			warn(m, "'%s': %s security is not enforced by apim; its "
			    "operations are secured by the API's schemes", where,
			    strcmp(type, "http") == 0 && json_is_string(json_object_get(
			    sc, "scheme")) ? json_string_value(json_object_get(sc,
			    "scheme")) : type);
		json_object_set_new(m->schemes, k, json_string(kind));
		if (strcmp(type, "oauth2") != 0)
			continue;
		/* 3.x flows.*.scopes, 2.0 scopes; x-scopes-bindings beside them */
		flows = oas3 ? json_object_get(sc, "flows") : NULL;
		if (!oas3)
			flows = NULL;
		{
			json_t *one = NULL;

			if (!oas3) {
				one = json_pack("{s:O}", "flow", (json_t *)sc);
				flows = one;
			}
			json_object_foreach((json_t *)flows, fk, fl) {
				sm = json_object_get(fl, "scopes");
				bind = json_object_get(fl, "x-scopes-bindings");
				json_object_foreach((json_t *)sm, sk, v) {
					const char *roles = json_string_value(
					    json_object_get(bind, sk));
					json_t *b = json_array();

					if (roles) {
						char **w = apim_split_csv(roles);
						size_t i;

						for (i = 0; w[i]; i++)
							json_array_append_new(b,
							    json_string(w[i]));
						apim_strv_free(w);
					}
					if (json_object_get(scopes, sk) == NULL)
						json_object_set_new(scopes, sk, json_pack(
						    "{s:s, s:s, s:s?, s:o}", "name", sk,
						    "displayName", sk, "description",
						    json_string_value(v), "bindings", b));
					else
						json_decref(b);
				}
			}
			json_decref(one);
		}
	}
}

/* WSO2's x-wso2-security: {apim: {x-wso2-scopes: [{name, description, key,
 * roles}]}} (key is the scope, name its display name). */
static void
wso2_security_scopes(struct mapper *m, const json_t *doc, json_t *scopes)
{
	const json_t *xs = json_object_get(json_object_get(json_object_get(doc,
	    "x-wso2-security"), "apim"), "x-wso2-scopes"), *e;
	size_t i;

	if (xs == NULL || json_is_null(xs))
		return;
	if (!json_is_array(xs)) {
		bad(m, "'#/x-wso2-security/apim/x-wso2-scopes' must be a list");
		return;
	}
	json_array_foreach(xs, i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		const char *roles = json_string_value(json_object_get(e, "roles"));
		json_t *b = json_array();

		if (key == NULL)
			key = json_string_value(json_object_get(e, "name"));
		if (key == NULL) {
			bad(m, "'#/x-wso2-security/apim/x-wso2-scopes/%zu' has no key",
			    i);
			json_decref(b);
			return;
		}
		if (roles) {
			char **w = apim_split_csv(roles);
			size_t j;

			for (j = 0; w[j]; j++)
				json_array_append_new(b, json_string(w[j]));
			apim_strv_free(w);
		}
		json_object_set_new(scopes, key, json_pack("{s:s, s:s?, s:s?, s:o}",
		    "name", key, "displayName", json_string_value(json_object_get(e,
		    "name")), "description", json_string_value(json_object_get(e,
		    "description")), "bindings", b));
	}
}

/* apiKeyHeader from the apiKey security schemes (in: header or query, name)
 * the requirements use (else any), unless x-wso2-api-key-header gave it:
 * the gateway reads one name per API, as a header or a query parameter. */
static void
api_key_name(struct mapper *m, json_t *api)
{
	const char *pick = NULL, *k, *nm;
	json_t *v;
	size_t i;

	if (json_object_get(api, "apiKeyHeader"))
		return;
	json_array_foreach(m->keyused, i, v)
		if ((nm = json_string_value(json_object_get(m->keynames,
		    json_string_value(v)))) != NULL) {
			if (pick == NULL)
				pick = nm;
			else if (strcmp(pick, nm) != 0)
				warn(m, "API keys named '%s' and '%s': apim reads one "
				    "name per API, '%s'", pick, nm, pick);
		}
	if (pick == NULL)
		json_object_foreach(m->keynames, k, v) {
			pick = json_string_value(v);
			break;
		}
	if (pick && strcasecmp(pick, "apikey") != 0)
		json_object_set_new(api, "apiKeyHeader", json_string(pick));
}

/* WSO2's runtime extensions into the APIDTO fields. */
static void
wso2_runtime(struct mapper *m, const json_t *doc, json_t *api)
{
	const json_t *v, *e;

	if ((v = json_object_get(doc, "x-wso2-cors")) && !json_is_null(v)) {
		if (apim_api_cors_valid(v) == -1)
			bad(m, "'#/x-wso2-cors': %s", apim_err_msg());
		else
			json_object_set(api, "corsConfiguration", (json_t *)v);
	}
	if ((v = json_object_get(doc, "x-wso2-transports")) && !json_is_null(v)) {
		json_t *t = str_list(m, doc, "x-wso2-transports");

		if (t)
			json_object_set_new(api, "transport", t);
	}
	if ((v = json_object_get(doc, "x-wso2-auth-header")) && !json_is_null(v)) {
		if (!json_is_string(v))
			bad(m, "'#/x-wso2-auth-header' must be a header name");
		else
			json_object_set(api, "authorizationHeader", (json_t *)v);
	}
	if ((v = json_object_get(doc, "x-wso2-api-key-header")) && !json_is_null(v)) {
		if (!json_is_string(v))
			bad(m, "'#/x-wso2-api-key-header' must be a header name");
		else
			json_object_set(api, "apiKeyHeader", (json_t *)v);
	}
	if ((v = json_object_get(doc, "x-wso2-response-cache")) && !json_is_null(v)) {
		if (!json_is_object(v)) {
			bad(m, "'#/x-wso2-response-cache' must be a mapping");
			return;
		}
		if ((e = json_object_get(v, "enabled")) != NULL) {
			if (json_is_boolean(e))
				json_object_set(api, "responseCachingEnabled", (json_t *)e);
			else if (json_is_string(e))
				json_object_set_new(api, "responseCachingEnabled",
				    json_boolean(strcasecmp(json_string_value(e),
				    "true") == 0));
			else
				bad(m, "'#/x-wso2-response-cache/enabled' must be true "
				    "or false");
		}
		if ((e = json_object_get(v, "cacheTimeoutInSeconds")) != NULL) {
			char *end = NULL;
			long long n = json_is_integer(e) ? json_integer_value(e) :
			    json_is_string(e) ? strtoll(json_string_value(e), &end, 10) :
			    -1;

			if (n < 0 || (end && *end))
				bad(m, "'#/x-wso2-response-cache/cacheTimeoutInSeconds' "
				    "must be a number of seconds");
			else
				json_object_set_new(api, "cacheTimeout", json_integer(n));
		}
	}
}

json_t *
apim_openapi_to_api(const json_t *doc, const char *name)
{
	return apim_openapi_map(doc, name, NULL);
}

json_t *
apim_openapi_map(const json_t *doc, const char *name, json_t *warnings)
{
	struct mapper m = { name, 0, doc, warnings, NULL, NULL, NULL, NULL };
	json_t *scopes;
	json_t *api, *info, *x, *ec, *ops, *list;
	char *ver = NULL, *title, *ctx = NULL, *prod = NULL, *surl = NULL;
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
	{
		struct apim_buf p = APIM_BUF_INIT;

		refs_local(&m, doc, &p, 0);
		apim_buf_free(&p);
		if (m.failed)
			return NULL;
	}
	api = json_object();
	scopes = json_object();
	m.used = json_array();
	m.keynames = json_object();
	m.keyused = json_array();
	scheme_table(&m, doc, oas3, scopes);
	wso2_security_scopes(&m, doc, scopes);
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
	if ((ec = wso2_endpoints_of(&m, doc, prod)) != NULL)
		json_object_set_new(api, "endpointConfig", ec);
	free(prod);

	/* security, tiers, tags, visibility */
	if ((x = security_scheme(&m, doc, &dflt_auth)) != NULL)
		json_object_set_new(api, "securityScheme", x);
	if ((ctx = text_member(&m, doc, "x-wso2-throttling-tier", "")) == NULL)
		ctx = text_member(&m, doc, "x-throttling-tier", "");
	set_str(api, "apiThrottlingPolicy", ctx);
	wso2_runtime(&m, doc, api);
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
	api_key_name(&m, api);
	/* no x-wso2-application-security or x-auth-type: the API is secured
	 * by the kinds its security requirements use (every alternative) */
	if (json_object_get(api, "securityScheme") == NULL &&
	    json_array_size(m.used) > 0) {
		json_t *sec = json_array();
		char abuf[32];
		size_t i;
		json_t *op;
		const char *all;

		if (json_array_size(m.used) > 1)	/* oauth2 first */
			json_array_append_new(sec, json_string("oauth2")),
			json_array_append_new(sec, json_string("api_key"));
		else
			json_array_extend(sec, m.used);
		json_object_set_new(api, "securityScheme", sec);
		/* an operation secured by all of them needs no authType */
		all = kinds_auth(sec, abuf);
		json_array_foreach(ops, i, op) {
			const char *a = json_string_value(json_object_get(op,
			    "authType"));

			if (a && strcmp(a, all) == 0)
				json_object_set_new(op, "authType", json_null());
		}
	} else if (json_array_size(m.used) > 0) {
		/* declared schemes: an operation using exactly them inherits */
		char abuf[32];
		const char *all = kinds_auth(json_object_get(api, "securityScheme"),
		    abuf);
		size_t i;
		json_t *op;

		json_array_foreach(ops, i, op) {
			const char *a = json_string_value(json_object_get(op,
			    "authType"));

			if (a && all && strcmp(a, all) == 0)
				json_object_set_new(op, "authType", json_null());
		}
	}
	if (json_object_size(scopes) > 0) {
		json_t *sl = json_array(), *sc;
		const char *k;

		json_object_foreach(scopes, k, sc)
			json_array_append_new(sl, json_pack("{s:O, s:b}", "scope",
			    sc, "shared", 0));
		json_object_set_new(api, "scopes", sl);
	}
	json_decref(scopes);
	json_decref(m.used);
	json_decref(m.keynames);
	json_decref(m.keyused);
	json_decref(m.schemes);
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

/* WSO2's runtime fields and their extensions in a document. */
static const struct { const char *field, *ext; } rt[] = {
	{ "corsConfiguration", "x-wso2-cors" },
	{ "transport", "x-wso2-transports" },
	{ "authorizationHeader", "x-wso2-auth-header" },
	{ "apiKeyHeader", "x-wso2-api-key-header" },
	{ NULL, NULL } };

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
	for (i = 0; rt[i].field; i++)
		copy_if(doc, rt[i].ext, api, rt[i].field);
	if (json_object_get(api, "responseCachingEnabled") ||
	    json_object_get(api, "cacheTimeout")) {
		json_t *rc = json_object();

		copy_if(rc, "enabled", api, "responseCachingEnabled");
		copy_if(rc, "cacheTimeoutInSeconds", api, "cacheTimeout");
		json_object_set_new(doc, "x-wso2-response-cache", rc);
	}
	return doc;
}

/* ---- the stored definition with the store's state merged in ---- */

/* "VERB target" -> operation. */
static json_t *
op_index(const json_t *ops)
{
	json_t *ix = json_object(), *op;
	char key[1100];
	size_t i;

	json_array_foreach(ops, i, op) {
		snprintf(key, sizeof key, "%s %s",
		    json_string_value(json_object_get(op, "verb")),
		    json_string_value(json_object_get(op, "target")));
		json_object_set(ix, key, op);
	}
	return ix;
}

/* Equal as sets of strings. */
static int
same_set(const json_t *a, const json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	json_array_foreach(a, i, x) {
		int found = 0;

		json_array_foreach(b, j, y)
			if (json_equal(x, y))
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

static int
same(const json_t *a, const json_t *b)
{
	if ((a == NULL || json_is_null(a)) && (b == NULL || json_is_null(b)))
		return 1;
	if (a == NULL || b == NULL)
		return 0;
	return json_equal(a, b);
}

static int
same_ec(const json_t *a, const json_t *b)
{
	json_t *na, *nb;
	int r;

	if (a == NULL || b == NULL || json_is_null(a) || json_is_null(b))
		return same(a, b);
	na = apim_endpoints_normalize(a);
	nb = apim_endpoints_normalize(b);
	r = na && nb ? json_equal(na, nb) : same(a, b);
	json_decref(na);
	json_decref(nb);
	return r;
}

/* The path item of target in doc.paths, made a plain (inlined) mapping if it
 * was a $ref, created if absent and create. */
static json_t *
path_item(json_t *doc, const char *target, int create)
{
	json_t *paths = json_object_get(doc, "paths"), *item;

	if (!json_is_object(paths)) {
		if (!create)
			return NULL;
		paths = json_object();
		json_object_set_new(doc, "paths", paths);
	}
	if ((item = json_object_get(paths, target)) == NULL) {
		if (!create)
			return NULL;
		item = json_object();
		json_object_set_new(paths, target, item);
		return item;
	}
	if (json_is_object(item) && json_object_get(item, "$ref")) {
		const json_t *t = pointer_get(doc, json_string_value(
		    json_object_get(item, "$ref")));
		json_t *m = json_is_object(t) ? json_deep_copy(t) : json_object();

		json_object_update(m, item);
		json_object_del(m, "$ref");
		json_object_set_new(paths, target, m);
		item = m;
	}
	return item;
}

/* x-wso2-production-endpoints / -sandbox-endpoints of o from ec; removed
 * if ec has none. */
static void
put_endpoints(json_t *o, const json_t *ec)
{
	json_object_del(o, "x-wso2-production-endpoints");
	json_object_del(o, "x-wso2-sandbox-endpoints");
	if (ec && !json_is_null(ec))
		export_endpoints(o, ec);
}

/* Set an operation's WSO2 fields from the store's operation. */
static void
put_op_fields(json_t *o, const json_t *op)
{
	const json_t *sc = json_object_get(op, "scopes");

	json_object_del(o, "x-auth-type");
	json_object_del(o, "x-throttling-tier");
	json_object_del(o, "x-wso2-throttling-tier");
	json_object_del(o, "x-scope");
	copy_if(o, "x-auth-type", op, "authType");
	copy_if(o, "x-throttling-tier", op, "throttlingPolicy");
	if (json_array_size(sc) == 1)
		json_object_set(o, "x-scope", json_array_get(sc, 0));
	else if (json_array_size(sc) > 1)
		json_object_set(o, "x-scope", (json_t *)sc);
	put_endpoints(o, json_object_get(op, "endpointConfig"));
}

static void
lower_verb(const char *verb, char v[16])
{
	snprintf(v, 16, "%s", verb);
	lower(v);
}

/* The scopes (APIDTO shape) as WSO2's x-wso2-security (which a later
 * import reads over the schemes' own scopes). */
static void
put_scopes(json_t *doc, const json_t *scopes)
{
	json_t *list = json_array(), *e;
	size_t i;

	json_array_foreach(scopes, i, e) {
		const json_t *s = json_object_get(e, "scope");
		char *roles = NULL;
		json_t *b = json_object_get(s, "bindings"), *r;
		size_t j;
		struct apim_buf rb = APIM_BUF_INIT;

		json_array_foreach(b, j, r) {
			if (j)
				apim_buf_addc(&rb, ',');
			apim_buf_adds(&rb, json_string_value(r));
		}
		roles = apim_buf_detach(&rb, NULL);
		json_array_append_new(list, json_pack("{s:O?, s:O?, s:O, s:s}",
		    "name", json_object_get(s, "displayName"), "description",
		    json_object_get(s, "description"), "key", json_object_get(s,
		    "name"), "roles", roles));
		free(roles);
	}
	json_object_set_new(doc, "x-wso2-security", json_pack("{s:{s:o}}", "apim",
	    "x-wso2-scopes", list));
}

/* Scope lists (APIDTO shape) equal up to order (of scopes and bindings). */
static int
same_scopes(const json_t *a, const json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	json_array_foreach(a, i, x) {
		const json_t *sx = json_object_get(x, "scope"), *match = NULL;

		json_array_foreach(b, j, y)
			if (same(json_object_get(sx, "name"), json_object_get(
			    json_object_get(y, "scope"), "name")))
				match = json_object_get(y, "scope");
		if (match == NULL || !same(json_object_get(sx, "displayName"),
		    json_object_get(match, "displayName")) ||
		    !same(json_object_get(sx, "description"),
		    json_object_get(match, "description")) ||
		    !same_set(json_object_get(sx, "bindings"),
		    json_object_get(match, "bindings")))
			return 0;
	}
	return 1;
}

json_t *
apim_openapi_export(const json_t *api, json_t *def)
{
	json_t *doc, *base, *bix, *cix, *v, *op, *info;
	const char *k;
	size_t i;

	if (def == NULL)
		return apim_openapi_from_api(api);
	if ((base = apim_openapi_map(def, "stored definition", NULL)) == NULL) {
		json_decref(def);
		return apim_openapi_from_api(api);
	}
	doc = def;	/* changed in place: base shares no node it changes */
	if (!json_is_object(info = json_object_get(doc, "info"))) {
		info = json_object();
		json_object_set_new(doc, "info", info);
	}
	if (!same(json_object_get(api, "name"), json_object_get(base, "name")))
		copy_if(info, "title", api, "name");
	if (!same(json_object_get(api, "version"), json_object_get(base, "version")) ||
	    !json_is_string(json_object_get(info, "version")))
		copy_if(info, "version", api, "version");	/* always a string */
	if (!same(json_object_get(api, "description"),
	    json_object_get(base, "description"))) {
		json_object_del(info, "description");
		copy_if(info, "description", api, "description");
	}
	if (!same(json_object_get(api, "context"), json_object_get(base, "context")))
		copy_if(doc, "x-wso2-basePath", api, "context");
	if (!same_ec(json_object_get(api, "endpointConfig"),
	    json_object_get(base, "endpointConfig")))
		put_endpoints(doc, json_object_get(api, "endpointConfig"));
	if (!same(json_object_get(api, "apiThrottlingPolicy"),
	    json_object_get(base, "apiThrottlingPolicy"))) {
		json_object_del(doc, "x-throttling-tier");
		json_object_del(doc, "x-wso2-throttling-tier");
		copy_if(doc, "x-wso2-throttling-tier", api, "apiThrottlingPolicy");
	}
	v = json_object_get(api, "securityScheme");
	{
		json_t *dsec = json_pack("[s]", "oauth2"), *none = json_array();
		const json_t *bs = json_object_get(base, "securityScheme");
		const json_t *bt = json_object_get(base, "tags");

		if (!same_set(v, bs ? bs : dsec))
			json_object_set_new(doc, "x-wso2-application-security",
			    json_pack("{s:O, s:b}", "security-types", v, "optional", 0));
		if (!same_set(json_object_get(api, "tags"), bt ? bt : none)) {
			json_t *old = json_object_get(doc, "tags"), *nt = json_array(), *t;
			size_t j;

			json_array_foreach(json_object_get(api, "tags"), i, t) {
				json_t *keep = NULL, *o;

				json_array_foreach(old, j, o)
					if (json_equal(json_object_get(o, "name"), t))
						keep = o;
				json_array_append_new(nt, keep ? json_incref(keep) :
				    json_pack("{s:O}", "name", t));
			}
			json_object_set_new(doc, "tags", nt);
		}
		json_decref(dsec);
		json_decref(none);
	}
	op = json_pack("[s]", "Unlimited");
	if (!same(json_object_get(api, "policies"), json_object_get(base,
	    "policies") ? json_object_get(base, "policies") : op))
		copy_if(doc, "x-apim-policies", api, "policies");
	json_decref(op);
	if (json_array_size(json_object_get(api, "visibleRoles")) > 0 ||
	    json_object_get(base, "visibility")) {
		copy_if(doc, "x-apim-visibility", api, "visibility");
		copy_if(doc, "x-apim-roles", api, "visibleRoles");
	}
	for (i = 0; rt[i].field; i++)
		if (!same(json_object_get(api, rt[i].field), json_object_get(base,
		    rt[i].field))) {
			json_object_del(doc, rt[i].ext);
			copy_if(doc, rt[i].ext, api, rt[i].field);
		}
	if (!same(json_object_get(api, "responseCachingEnabled"),
	    json_object_get(base, "responseCachingEnabled")) ||
	    !same(json_object_get(api, "cacheTimeout"), json_object_get(base,
	    "cacheTimeout"))) {
		json_t *rc = json_object();

		copy_if(rc, "enabled", api, "responseCachingEnabled");
		copy_if(rc, "cacheTimeoutInSeconds", api, "cacheTimeout");
		json_object_set_new(doc, "x-wso2-response-cache", rc);
	}
	{
		json_t *a = json_object_get(api, "scopes"), *b = json_object_get(base,
		    "scopes");

		if (!same_scopes(a, b))
			put_scopes(doc, a);
	}
	/* operations: removed, added, changed */
	bix = op_index(json_object_get(base, "operations"));
	cix = op_index(json_object_get(api, "operations"));
	json_object_foreach(bix, k, op) {
		const char *target = json_string_value(json_object_get(op, "target"));
		json_t *item;
		char vb[16];

		if (json_object_get(cix, k) != NULL)
			continue;
		if ((item = path_item(doc, target, 0)) == NULL)
			continue;
		lower_verb(json_string_value(json_object_get(op, "verb")), vb);
		json_object_del(item, vb);
		for (i = 0; verbs[i]; i++)
			if (json_object_get(item, verbs[i]))
				break;
		if (verbs[i] == NULL)
			json_object_del(json_object_get(doc, "paths"), target);
	}
	json_object_foreach(cix, k, op) {
		const char *target = json_string_value(json_object_get(op, "target"));
		json_t *bop = json_object_get(bix, k), *item, *o;
		char vb[16];

		if (bop && same(json_object_get(op, "authType"), json_object_get(bop,
		    "authType")) && same(json_object_get(op, "throttlingPolicy"),
		    json_object_get(bop, "throttlingPolicy")) &&
		    same_set(json_object_get(op, "scopes"), json_object_get(bop,
		    "scopes")) && same_ec(json_object_get(op, "endpointConfig"),
		    json_object_get(bop, "endpointConfig")))
			continue;
		lower_verb(json_string_value(json_object_get(op, "verb")), vb);
		item = path_item(doc, target, 1);
		if ((o = json_object_get(item, vb)) == NULL) {
			json_t *ps = path_params(target);

			if (ps && json_object_get(item, "parameters") == NULL)
				json_object_set_new(item, "parameters", ps);
			else
				json_decref(ps);
			o = json_object();
			json_object_set_new(item, vb, o);
			put_op_fields(o, op);
			json_object_set_new(o, "responses", json_pack("{s:{s:s}}",
			    "200", "description", "OK"));
			continue;
		}
		put_op_fields(o, op);
	}
	json_decref(bix);
	json_decref(cix);
	json_decref(base);
	return doc;
}

struct conv {
	int failed;
};
static json_t *to_oas3(struct conv *, const json_t *, const char *);
static json_t *to_swagger2(struct conv *, const json_t *);

json_t *
apim_openapi_convert(const json_t *doc, const char *to)
{
	const char *from = json_string_value(json_object_get(doc, "openapi"));
	json_t *out;

	if (strcmp(to, "3.0") != 0 && strcmp(to, "3.1") != 0 &&
	    strcmp(to, "2.0") != 0) {
		apim_err_set(APIM_USAGE, "bad target '%s' (3.0, 3.1, 2.0)", to);
		return NULL;
	}
	if (from == NULL) {	/* Swagger 2.0 */
		struct conv c = { 0 };

		if (strcmp(to, "2.0") == 0)
			return json_deep_copy(doc);
		return to_oas3(&c, doc, strcmp(to, "3.0") == 0 ? "3.0.3" : "3.1.0");
	}
	if (strcmp(to, "2.0") == 0) {
		struct conv c = { 0 };

		return to_swagger2(&c, doc);
	}
	if (strncmp(from, to, 3) == 0)
		return json_deep_copy(doc);
	if (strcmp(to, "3.0") == 0) {
		const json_t *paths = json_object_get(doc, "paths"), *item;
		const char *k;

		if (json_object_get(doc, "webhooks")) {
			apim_err_set(APIM_DATAERR, "'#/webhooks': OpenAPI 3.0 has no "
			    "webhooks; export as 3.1");
			return NULL;
		}
		if (json_object_get(json_object_get(doc, "components"), "pathItems")) {
			apim_err_set(APIM_DATAERR, "'#/components/pathItems': OpenAPI "
			    "3.0 has no reusable path items; export as 3.1");
			return NULL;
		}
		json_object_foreach((json_t *)paths, k, item)
			if (json_object_get(item, "$ref") && json_object_size(item) > 1) {
				struct apim_buf p = APIM_BUF_INIT;

				ptr_push(&p, k);
				apim_err_set(APIM_DATAERR, "'#/paths%s': OpenAPI 3.0 path "
				    "items cannot have fields beside $ref; export as 3.1",
				    p.data);
				apim_buf_free(&p);
				return NULL;
			}
	}
	out = json_deep_copy(doc);
	json_object_set_new(out, "openapi", json_string(strcmp(to, "3.0") == 0 ?
	    "3.0.3" : "3.1.0"));
	return out;
}

/* ---- Swagger 2.0 <-> OpenAPI 3 ---- */

static void cbad(struct conv *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static void
cbad(struct conv *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (c->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	apim_err_set(APIM_DATAERR, "%s", msg);
	c->failed = 1;
}

/* Rewrite every "$ref" under v with the prefix pairs from[i] -> to[i]. */
static void
refs_rewrite(json_t *v, const char *const *from, const char *const *to)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			if (strcmp(k, "$ref") == 0 && json_is_string(e)) {
				const char *r = json_string_value(e);
				int j;

				for (j = 0; from[j]; j++)
					if (strncmp(r, from[j], strlen(from[j])) == 0) {
						struct apim_buf b = APIM_BUF_INIT;

						apim_buf_adds(&b, to[j]);
						apim_buf_adds(&b, r + strlen(from[j]));
						json_object_set_new(v, k, json_string(b.data));
						apim_buf_free(&b);
						break;
					}
			} else
				refs_rewrite(e, from, to);
		}
	} else if (json_is_array(v))
		json_array_foreach(v, i, e)
			refs_rewrite(e, from, to);
}

/* Keys of a 2.0 parameter or header that move into an OpenAPI 3 schema. */
static const char *const schema_keys[] = { "type", "format", "items",
	"default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
	"maxLength", "minLength", "pattern", "maxItems", "minItems",
	"uniqueItems", "enum", "multipleOf", NULL };

/* A 2.0 non-body parameter (or header) as an OpenAPI 3 one. */
static json_t *
param_to3(const json_t *p)
{
	json_t *o = json_object(), *schema = json_object(), *v;
	const char *k, *cf;
	int i;

	json_object_foreach((json_t *)p, k, v) {
		for (i = 0; schema_keys[i]; i++)
			if (strcmp(k, schema_keys[i]) == 0)
				break;
		if (schema_keys[i])
			json_object_set(schema, k, v);
		else if (strcmp(k, "collectionFormat") != 0 &&
		    strcmp(k, "allowEmptyValue") != 0)
			json_object_set(o, k, v);
	}
	if ((cf = json_string_value(json_object_get(p, "collectionFormat")))) {
		if (strcmp(cf, "multi") == 0)
			json_object_set_new(o, "explode", json_true());
		else if (strcmp(cf, "csv") == 0)
			json_object_set_new(o, "explode", json_false());
		else if (strcmp(cf, "ssv") == 0)
			json_object_set_new(o, "style", json_string("spaceDelimited"));
		else if (strcmp(cf, "pipes") == 0)
			json_object_set_new(o, "style", json_string("pipeDelimited"));
	}
	if (json_is_true(json_object_get(p, "allowEmptyValue")))
		json_object_set_new(o, "allowEmptyValue", json_true());
	if (json_object_size(schema) > 0)
		json_object_set_new(o, "schema", schema);
	else
		json_decref(schema);
	return o;
}

/* content {media type: {schema}} for each of types (default JSON). */
static json_t *
content_of(const json_t *schema, const json_t *types)
{
	json_t *c = json_object(), *t;
	size_t i;

	if (json_array_size(types) == 0)
		json_object_set_new(c, "application/json", schema ?
		    json_pack("{s:O}", "schema", schema) : json_object());
	json_array_foreach(types, i, t)
		if (json_is_string(t))
			json_object_set_new(c, json_string_value(t), schema ?
			    json_pack("{s:O}", "schema", schema) : json_object());
	return c;
}

static json_t *
response_to3(const json_t *r, const json_t *produces)
{
	json_t *o = json_object(), *v, *h;
	const char *k, *hk;

	json_object_foreach((json_t *)r, k, v) {
		if (strcmp(k, "schema") == 0)
			json_object_set_new(o, "content", content_of(v, produces));
		else if (strcmp(k, "headers") == 0) {
			json_t *hs = json_object();

			json_object_foreach(v, hk, h) {
				json_t *p = param_to3(h);

				json_object_set_new(hs, hk, p);
			}
			json_object_set_new(o, k, hs);
		} else if (strcmp(k, "examples") != 0)
			json_object_set(o, k, v);
	}
	if (json_object_get(o, "description") == NULL)
		json_object_set_new(o, "description", json_string(""));
	return o;
}

/* A 2.0 operation's or path item's parameters: non-body ones converted,
 * body and formData ones into *body (a requestBody). */
static json_t *
params_to3(const json_t *doc, const json_t *ps, const json_t *consumes,
    json_t **body)
{
	json_t *out = json_array(), *p, *form = NULL, *req = NULL;
	size_t i;

	json_array_foreach(ps, i, p) {
		const json_t *rp = p;
		const char *ref = json_string_value(json_object_get(p, "$ref"));
		const char *in;

		if (ref && (rp = pointer_get(doc, ref)) == NULL)
			rp = p;
		in = json_string_value(json_object_get(rp, "in"));
		if (in && strcmp(in, "body") == 0) {
			*body = json_pack("{s:o}", "content", content_of(json_object_get(
			    rp, "schema"), consumes));
			if (json_object_get(rp, "description"))
				json_object_set(*body, "description",
				    json_object_get(rp, "description"));
			if (json_is_true(json_object_get(rp, "required")))
				json_object_set_new(*body, "required", json_true());
		} else if (in && strcmp(in, "formData") == 0) {
			json_t *one = param_to3(rp);

			if (form == NULL) {
				form = json_object();
				req = json_array();
			}
			json_object_set(form, json_string_value(json_object_get(rp,
			    "name")), json_object_get(one, "schema") ?
			    json_object_get(one, "schema") : json_object());
			if (json_is_true(json_object_get(rp, "required")))
				json_array_append(req, json_object_get(rp, "name"));
			json_decref(one);
		} else if (ref)
			json_array_append(out, p);
		else
			json_array_append_new(out, param_to3(p));
	}
	if (form) {
		json_t *schema = json_pack("{s:s, s:o}", "type", "object",
		    "properties", form), *types = json_array();
		size_t j;
		json_t *t;

		if (json_array_size(req))
			json_object_set(schema, "required", req);
		json_array_foreach(consumes, j, t)
			if (strstr(json_string_value(t), "form"))
				json_array_append(types, t);
		if (json_array_size(types) == 0)
			json_array_append_new(types,
			    json_string("application/x-www-form-urlencoded"));
		*body = json_pack("{s:o}", "content", content_of(schema, types));
		json_decref(schema);
		json_decref(types);
	}
	json_decref(req);
	return out;
}

static json_t *
scheme_to3(struct conv *c, const char *name, const json_t *s)
{
	const char *t = json_string_value(json_object_get(s, "type"));
	const char *flow = json_string_value(json_object_get(s, "flow"));
	json_t *o = json_object(), *f, *v;
	const char *k;

	if (t && strcmp(t, "basic") == 0) {
		json_object_set_new(o, "type", json_string("http"));
		json_object_set_new(o, "scheme", json_string("basic"));
	} else if (t && strcmp(t, "oauth2") == 0) {
		static const char *const names[][2] = { { "implicit", "implicit" },
		    { "password", "password" }, { "application", "clientCredentials" },
		    { "accessCode", "authorizationCode" }, { NULL, NULL } };
		int i;

		json_object_set_new(o, "type", json_string("oauth2"));
		for (i = 0; names[i][0]; i++)
			if (flow && strcmp(flow, names[i][0]) == 0)
				break;
		if (names[i][0] == NULL) {
			cbad(c, "'#/securityDefinitions/%s/flow': unknown OAuth 2.0 "
			    "flow", name);
			return o;
		}
		f = json_object();
		json_object_foreach((json_t *)s, k, v)
			if (strcmp(k, "authorizationUrl") == 0 ||
			    strcmp(k, "tokenUrl") == 0 || strcmp(k, "scopes") == 0 ||
			    strncmp(k, "x-", 2) == 0)
				json_object_set(f, k, v);
		if (json_object_get(f, "scopes") == NULL)
			json_object_set_new(f, "scopes", json_object());
		json_object_set_new(o, "flows", json_pack("{s:o}", names[i][1], f));
		copy_if(o, "description", s, "description");
		return o;
	} else
		json_object_update(o, (json_t *)s);
	return o;
}

static json_t *
to_oas3(struct conv *c, const json_t *doc, const char *ver)
{
	static const char *const from[] = { "#/definitions/", "#/parameters/",
	    "#/responses/", NULL };
	static const char *const to[] = { "#/components/schemas/",
	    "#/components/parameters/", "#/components/responses/", NULL };
	json_t *out = json_pack("{s:s}", "openapi", ver), *comp = json_object();
	json_t *paths = json_object(), *v, *item;
	const json_t *consumes = json_object_get(doc, "consumes");
	const json_t *produces = json_object_get(doc, "produces");
	const char *k, *path;
	size_t i;

	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "swagger") == 0 || strcmp(k, "host") == 0 ||
		    strcmp(k, "basePath") == 0 || strcmp(k, "schemes") == 0 ||
		    strcmp(k, "consumes") == 0 || strcmp(k, "produces") == 0 ||
		    strcmp(k, "paths") == 0 || strcmp(k, "definitions") == 0 ||
		    strcmp(k, "parameters") == 0 || strcmp(k, "responses") == 0 ||
		    strcmp(k, "securityDefinitions") == 0)
			continue;
		json_object_set(out, k, v);
	}
	if (json_is_string(json_object_get(doc, "host"))) {
		json_t *servers = json_array(), *sch = json_object_get(doc, "schemes");
		const char *bp = json_string_value(json_object_get(doc, "basePath"));

		if (json_array_size(sch) == 0)
			json_array_append_new(servers, json_pack("{s:s++}", "url",
			    "https://", json_string_value(json_object_get(doc, "host")),
			    bp ? bp : ""));
		json_array_foreach(sch, i, v)
			json_array_append_new(servers, json_pack("{s:s+++}", "url",
			    json_string_value(v), "://", json_string_value(
			    json_object_get(doc, "host")), bp ? bp : ""));
		json_object_set_new(out, "servers", servers);
	} else if (json_is_string(json_object_get(doc, "basePath")))
		json_object_set_new(out, "servers", json_pack("[{s:O}]", "url",
		    json_object_get(doc, "basePath")));
	if ((v = json_object_get(doc, "definitions")))
		json_object_set(comp, "schemas", v);
	if ((v = json_object_get(doc, "parameters"))) {
		json_t *ps = json_object(), *rb = json_object(), *p;

		json_object_foreach(v, k, p) {
			json_t *one = json_pack("[O]", p), *body = NULL;
			json_t *conv = params_to3(doc, one, consumes, &body);

			if (body)
				json_object_set_new(rb, k, body);
			else
				json_object_set(ps, k, json_array_get(conv, 0));
			json_decref(conv);
			json_decref(one);
		}
		json_object_set_new(comp, "parameters", ps);
		if (json_object_size(rb))
			json_object_set_new(comp, "requestBodies", rb);
		else
			json_decref(rb);
	}
	if ((v = json_object_get(doc, "responses"))) {
		json_t *rs = json_object(), *r;

		json_object_foreach(v, k, r)
			json_object_set_new(rs, k, response_to3(r, produces));
		json_object_set_new(comp, "responses", rs);
	}
	if ((v = json_object_get(doc, "securityDefinitions"))) {
		json_t *ss = json_object(), *s;

		json_object_foreach(v, k, s)
			json_object_set_new(ss, k, scheme_to3(c, k, s));
		json_object_set_new(comp, "securitySchemes", ss);
	}
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		json_t *ni = json_object(), *pv;
		const char *pk;

		if (!json_is_object(item)) {
			json_object_set(paths, path, item);
			json_decref(ni);
			continue;
		}
		json_object_foreach(item, pk, pv) {
			json_t *body = NULL;

			for (i = 0; verbs[i]; i++)
				if (strcmp(pk, verbs[i]) == 0)
					break;
			if (strcmp(pk, "parameters") == 0) {
				json_t *ps = params_to3(doc, pv, consumes, &body);

				if (body) {
					cbad(c, "'#/paths/%s/parameters': a body parameter "
					    "for the whole path item has no OpenAPI 3 "
					    "equivalent", path);
					json_decref(body);
				}
				json_object_set_new(ni, pk, ps);
			} else if (verbs[i] && json_is_object(pv)) {
				json_t *no = json_object(), *ov;
				const char *ok;
				const json_t *oc = json_object_get(pv, "consumes");
				const json_t *opr = json_object_get(pv, "produces");

				json_object_foreach(pv, ok, ov) {
					if (strcmp(ok, "parameters") == 0) {
						json_t *ps = params_to3(doc, ov, oc ? oc :
						    consumes, &body);

						if (json_array_size(ps))
							json_object_set(no, ok, ps);
						json_decref(ps);
						if (body)
							json_object_set_new(no, "requestBody",
							    body);
					} else if (strcmp(ok, "responses") == 0) {
						json_t *rs = json_object(), *r;
						const char *rk;

						json_object_foreach(ov, rk, r)
							json_object_set_new(rs, rk,
							    json_object_get(r, "$ref") ?
							    json_incref(r) : response_to3(r,
							    opr ? opr : produces));
						json_object_set_new(no, ok, rs);
					} else if (strcmp(ok, "consumes") != 0 &&
					    strcmp(ok, "produces") != 0 &&
					    strcmp(ok, "schemes") != 0)
						json_object_set(no, ok, ov);
				}
				json_object_set_new(ni, pk, no);
			} else
				json_object_set(ni, pk, pv);
		}
		json_object_set_new(paths, path, ni);
	}
	json_object_set_new(out, "paths", paths);
	if (json_object_size(comp))
		json_object_set_new(out, "components", comp);
	else
		json_decref(comp);
	refs_rewrite(out, from, to);
	if (c->failed) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* A JSON pointer for messages: "#/paths/~1a/get" from segments. */
static void
ptr_of(struct apim_buf *b, const char *a, const char *k1, const char *k2)
{
	apim_buf_reset(b);
	apim_buf_adds(b, "#/");
	apim_buf_adds(b, a);
	if (k1)
		ptr_push(b, k1);
	if (k2)
		ptr_push(b, k2);
}

/* Refuse what a Swagger 2.0 schema cannot hold: oneOf, anyOf, not, a type
 * list (3.1), nullable is dropped (2.0 has x-nullable). */
static void
schema_check2(struct conv *c, const json_t *v, struct apim_buf *p, int depth)
{
	size_t n = p->len, i;
	const char *k;
	json_t *e;

	if (c->failed || depth > 256)
		return;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			if (strcmp(k, "oneOf") == 0 || strcmp(k, "anyOf") == 0 ||
			    strcmp(k, "not") == 0 || (strcmp(k, "type") == 0 &&
			    json_is_array(e))) {
				ptr_push(p, k);
				cbad(c, "'%s': Swagger 2.0 schemas have no %s; export "
				    "as OpenAPI 3", p->data, json_is_array(e) &&
				    strcmp(k, "type") == 0 ? "type lists" : k);
				return;
			}
			if (json_is_object(e) || json_is_array(e)) {
				ptr_push(p, k);
				schema_check2(c, e, p, depth + 1);
				p->len = n;
				p->data[n] = '\0';
			}
		}
	} else if (json_is_array(v))
		json_array_foreach(v, i, e) {
			char ix[24];

			snprintf(ix, sizeof ix, "%zu", i);
			ptr_push(p, ix);
			schema_check2(c, e, p, depth + 1);
			p->len = n;
			p->data[n] = '\0';
		}
}

/* An OpenAPI 3 parameter (or header) as a 2.0 one: its schema's simple
 * keys inline; a schema with $ref or of type object cannot be. */
static json_t *
param_to2(struct conv *c, const json_t *p, const char *where)
{
	json_t *o = json_object(), *v;
	const json_t *schema = json_object_get(p, "schema");
	const char *k, *in = json_string_value(json_object_get(p, "in"));

	if (in && strcmp(in, "cookie") == 0)
		cbad(c, "'%s': Swagger 2.0 has no cookie parameters", where);
	json_object_foreach((json_t *)p, k, v)
		if (strcmp(k, "schema") != 0 && strcmp(k, "style") != 0 &&
		    strcmp(k, "explode") != 0 && strcmp(k, "example") != 0 &&
		    strcmp(k, "examples") != 0 && strcmp(k, "content") != 0)
			json_object_set(o, k, v);
	if (json_object_get(p, "content"))
		cbad(c, "'%s': a parameter with content has no Swagger 2.0 form",
		    where);
	if (schema) {
		if (json_object_get(schema, "$ref") || apim_openapi_str_is(json_object_get(
		    schema, "type"), "object"))
			cbad(c, "'%s': a parameter of an object schema has no "
			    "Swagger 2.0 form", where);
		json_object_foreach((json_t *)schema, k, v) {
			int i;

			for (i = 0; schema_keys[i]; i++)
				if (strcmp(k, schema_keys[i]) == 0)
					json_object_set(o, k, v);
		}
	}
	if (json_is_true(json_object_get(p, "explode")) &&
	    apim_openapi_str_is(json_object_get(o, "type"), "array"))
		json_object_set_new(o, "collectionFormat", json_string("multi"));
	return o;
}

/* The one schema of a content map (all media types must share it). */
static const json_t *
content_schema(struct conv *c, const json_t *content, json_t *types,
    const char *where)
{
	const json_t *schema = NULL, *mt;
	const char *k;

	json_object_foreach((json_t *)content, k, mt) {
		const json_t *s = json_object_get(mt, "schema");

		json_array_append_new(types, json_string(k));
		if (schema && s && !json_equal(schema, s))
			cbad(c, "'%s': media types with different schemas have no "
			    "Swagger 2.0 form", where);
		if (s)
			schema = s;
	}
	return schema;
}

static void
add_types(json_t *set, const json_t *types)
{
	size_t i;
	json_t *t;

	json_array_foreach(types, i, t)
		scope_add(set, json_string_value(t));
}

static json_t *
to_swagger2(struct conv *c, const json_t *doc)
{
	static const char *const from[] = { "#/components/schemas/",
	    "#/components/parameters/", "#/components/responses/", NULL };
	static const char *const to[] = { "#/definitions/", "#/parameters/",
	    "#/responses/", NULL };
	json_t *out = json_pack("{s:s}", "swagger", "2.0"), *paths = json_object();
	json_t *consumes = json_array(), *produces = json_array(), *v, *item;
	const json_t *comp = json_object_get(doc, "components");
	struct apim_buf p = APIM_BUF_INIT;
	struct mapper m = { "", 0, doc, NULL, NULL, NULL, NULL, NULL };
	const char *k, *path;
	char *surl;

	if (json_object_get(doc, "webhooks"))
		cbad(c, "'#/webhooks': Swagger 2.0 has no webhooks");
	json_object_foreach((json_t *)comp, k, v)
		if (strcmp(k, "schemas") != 0 && strcmp(k, "parameters") != 0 &&
		    strcmp(k, "responses") != 0 && strcmp(k, "securitySchemes") != 0 &&
		    strncmp(k, "x-", 2) != 0) {
			ptr_of(&p, "components", k, NULL);
			cbad(c, "'%s': Swagger 2.0 has no reusable %s", p.data, k);
		}
	apim_buf_reset(&p);
	apim_buf_adds(&p, "#");
	schema_check2(c, doc, &p, 0);
	json_object_foreach((json_t *)doc, k, v)
		if (strcmp(k, "openapi") != 0 && strcmp(k, "servers") != 0 &&
		    strcmp(k, "components") != 0 && strcmp(k, "paths") != 0 &&
		    strcmp(k, "webhooks") != 0 && strcmp(k, "jsonSchemaDialect") != 0)
			json_object_set(out, k, v);
	if ((surl = server_url(&m, doc)) != NULL) {
		const char *h = strstr(surl, "://");
		char *bp;

		if (h) {
			size_t hl = strcspn(h + 3, "/?#");

			json_object_set_new(out, "host", json_stringn(h + 3, hl));
			json_object_set_new(out, "schemes", json_pack("[s#]", surl,
			    (int)(h - surl)));
		}
		bp = url_path(surl);
		if (*bp)
			json_object_set_new(out, "basePath", json_string(bp));
		free(bp);
		free(surl);
	}
	if ((v = json_object_get(comp, "schemas")))
		json_object_set(out, "definitions", v);
	if ((v = json_object_get(comp, "parameters"))) {
		json_t *ps = json_object(), *pp;

		json_object_foreach(v, k, pp) {
			ptr_of(&p, "components/parameters", k, NULL);
			json_object_set_new(ps, k, json_object_get(pp, "$ref") ?
			    json_incref(pp) : param_to2(c, pp, p.data));
		}
		json_object_set_new(out, "parameters", ps);
	}
	if ((v = json_object_get(comp, "securitySchemes"))) {
		json_t *ss = json_object(), *s;

		json_object_foreach(v, k, s) {
			const char *t = json_string_value(json_object_get(s, "type"));
			const char *sch = json_string_value(json_object_get(s, "scheme"));

			ptr_of(&p, "components/securitySchemes", k, NULL);
			if (t && strcmp(t, "http") == 0 && sch &&
			    strcasecmp(sch, "basic") == 0)
				json_object_set_new(ss, k, json_pack("{s:s}", "type",
				    "basic"));
			else if (t && strcmp(t, "apiKey") == 0 &&
			    !apim_openapi_str_is(json_object_get(s, "in"), "cookie"))
				json_object_set(ss, k, s);
			else if (t && strcmp(t, "oauth2") == 0 &&
			    json_object_size(json_object_get(s, "flows")) == 1) {
				static const char *const names[][2] = {
				    { "implicit", "implicit" }, { "password", "password" },
				    { "clientCredentials", "application" },
				    { "authorizationCode", "accessCode" }, { NULL, NULL } };
				const char *fk;
				json_t *f, *o;
				int i;

				json_object_foreach(json_object_get(s, "flows"), fk, f) {
					for (i = 0; names[i][0]; i++)
						if (strcmp(fk, names[i][0]) == 0)
							break;
					if (names[i][0] == NULL)
						break;
					o = json_pack("{s:s, s:s}", "type", "oauth2", "flow",
					    names[i][1]);
					json_object_update(o, f);
					copy_if(o, "description", s, "description");
					json_object_set_new(ss, k, o);
				}
			} else
				cbad(c, "'%s': this security scheme has no Swagger 2.0 "
				    "form", p.data);
		}
		json_object_set_new(out, "securityDefinitions", ss);
	}
	if ((v = json_object_get(comp, "responses"))) {
		json_t *rs = json_object(), *r;

		json_object_foreach(v, k, r) {
			json_t *types = json_array(), *o = json_object(), *rv;
			const char *rk;

			ptr_of(&p, "components/responses", k, NULL);
			json_object_foreach(r, rk, rv)
				if (strcmp(rk, "content") == 0) {
					const json_t *sc = content_schema(c, rv, types,
					    p.data);

					if (sc)
						json_object_set(o, "schema", (json_t *)sc);
				} else if (strcmp(rk, "links") != 0)
					json_object_set(o, rk, rv);
			add_types(produces, types);
			json_decref(types);
			json_object_set_new(rs, k, o);
		}
		json_object_set_new(out, "responses", rs);
	}
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		json_t *ni = json_object(), *pv;
		const char *pk;
		size_t i;

		if (json_object_get(item, "$ref")) {
			ptr_of(&p, "paths", path, NULL);
			item = (json_t *)pointer_get(doc, json_string_value(
			    json_object_get(item, "$ref")));
			if (item == NULL) {
				cbad(c, "'%s': $ref points at nothing", p.data);
				break;
			}
		}
		json_object_foreach(item, pk, pv) {
			for (i = 0; verbs[i]; i++)
				if (strcmp(pk, verbs[i]) == 0)
					break;
			if (strcmp(pk, "parameters") == 0) {
				json_t *ps = json_array(), *pp;
				size_t j;

				json_array_foreach(pv, j, pp) {
					ptr_of(&p, "paths", path, "parameters");
					json_array_append_new(ps, json_object_get(pp, "$ref") ?
					    json_incref(pp) : param_to2(c, pp, p.data));
				}
				json_object_set_new(ni, pk, ps);
			} else if (strcmp(pk, "servers") == 0 || strcmp(pk, "summary") == 0 ||
			    strcmp(pk, "description") == 0)
				continue;	/* 2.0 path items have none */
			else if (verbs[i] && strcmp(pk, "trace") == 0) {
				ptr_of(&p, "paths", path, pk);
				cbad(c, "'%s': Swagger 2.0 has no trace operations", p.data);
			} else if (verbs[i]) {
				json_t *no = json_object(), *ov, *ps = NULL;
				const char *ok;

				json_object_foreach(pv, ok, ov) {
					ptr_of(&p, "paths", path, pk);
					if (strcmp(ok, "parameters") == 0) {
						json_t *pp;
						size_t j;

						if (ps == NULL)
							ps = json_array();
						json_array_foreach(ov, j, pp)
							json_array_append_new(ps,
							    json_object_get(pp, "$ref") ?
							    json_incref(pp) : param_to2(c, pp,
							    p.data));
					} else if (strcmp(ok, "requestBody") == 0) {
						json_t *types = json_array();
						const json_t *rb = json_object_get(ov, "$ref") ?
						    NULL : ov;
						const json_t *sc;

						if (rb == NULL) {
							cbad(c, "'%s/requestBody': a request body by "
							    "reference has no Swagger 2.0 form",
							    p.data);
							json_decref(types);
							continue;
						}
						sc = content_schema(c, json_object_get(rb,
						    "content"), types, p.data);
						if (ps == NULL)
							ps = json_array();
						json_array_append_new(ps, json_pack(
						    "{s:s, s:s, s:b, s:O}", "in", "body", "name",
						    "body", "required", json_is_true(
						    json_object_get(rb, "required")), "schema",
						    sc ? sc : json_object()));
						if (json_object_get(rb, "description"))
							json_object_set(json_array_get(ps,
							    json_array_size(ps) - 1), "description",
							    json_object_get(rb, "description"));
						json_object_set_new(no, "consumes", types);
					} else if (strcmp(ok, "responses") == 0) {
						json_t *rs = json_object(), *r, *ptypes = json_array();
						const char *rk;

						json_object_foreach(ov, rk, r) {
							json_t *o = json_object(), *rv;
							const char *rvk;

							if (json_object_get(r, "$ref")) {
								json_object_set(rs, rk, r);
								json_decref(o);
								continue;
							}
							json_object_foreach(r, rvk, rv)
								if (strcmp(rvk, "content") == 0) {
									json_t *types = json_array();
									const json_t *sc = content_schema(c,
									    rv, types, p.data);

									if (sc)
										json_object_set(o, "schema",
										    (json_t *)sc);
									add_types(ptypes, types);
									json_decref(types);
								} else if (strcmp(rvk, "links") != 0)
									json_object_set(o, rvk, rv);
							json_object_set_new(rs, rk, o);
						}
						json_object_set_new(no, ok, rs);
						if (json_array_size(ptypes))
							json_object_set_new(no, "produces", ptypes);
						else
							json_decref(ptypes);
					} else if (strcmp(ok, "callbacks") == 0) {
						cbad(c, "'%s/callbacks': Swagger 2.0 has no "
						    "callbacks", p.data);
					} else if (strcmp(ok, "servers") != 0)
						json_object_set(no, ok, ov);
				}
				if (ps)
					json_object_set_new(no, "parameters", ps);
				json_object_set_new(ni, pk, no);
			} else
				json_object_set(ni, pk, pv);
		}
		json_object_set_new(paths, path, ni);
	}
	json_object_set_new(out, "paths", paths);
	json_decref(consumes);
	json_decref(produces);
	apim_buf_free(&p);
	refs_rewrite(out, from, to);
	if (c->failed || m.failed) {
		if (m.failed && !c->failed)
			apim_err_set(APIM_DATAERR, "%s", apim_err_msg());
		json_decref(out);
		return NULL;
	}
	return out;
}

int
apim_openapi_str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}
