/* api: APIs, resources, tiers, tags, roles and documents on the store.
 * Input JSON is borrowed; every json_t returned is a new reference. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "endpoints.h"
#include "err.h"
#include "lifecycle.h"
#include "policy.h"
#include "scope.h"
#include "store.h"
#include "text.h"
#include "url.h"
#include "util.h"

int
apim_api_resolve(sqlite3 *db, const char *ref, char id[37])
{
	sqlite3_stmt *st;
	const char *colon;
	int rc;

	if (apim_uuid_valid(ref))
		st = apim_store_prep(db, "SELECT id FROM api WHERE id = lower(?)", "s", ref);
	else if ((colon = strchr(ref, ':')) != NULL) {
		char *name = apim_strdup(ref);

		name[colon - ref] = '\0';
		st = apim_store_prep(db, "SELECT id FROM api WHERE name = ? AND version = ?",
		    "ss", name, colon + 1);
		free(name);
	} else {
		apim_err_set(APIM_NO, "no API '%s'", ref);
		return -1;
	}
	if ((rc = apim_store_one_text(db, st, id, 37)) == 0)
		apim_err_set(APIM_NO, "no API '%s'", ref);
	return rc == 1 ? 0 : -1;
}

int
apim_api_label(sqlite3 *db, const char *id, char *out, size_t n)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = apim_store_prep(db, "SELECT name, version FROM api WHERE id = ?",
	    "s", id)) == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1)
		snprintf(out, n, "%s:%s", apim_store_text(st, 0), apim_store_text(st, 1));
	sqlite3_finalize(st);
	if (rc == 0)
		apim_err_set(APIM_NO, "no API '%s'", id);
	return rc == 1 ? 0 : -1;
}

/* ---- validation ---- */

static int
bad(const char *fmt, const char *a)
{
	apim_err_set(APIM_DATAERR, fmt, a);
	return -1;
}

/* A name or version: printable, no spaces, no ':' (it separates the two). */
static int
word_valid(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return bad("missing %s", what);
	if (*s == '\0')
		return bad("invalid %s '': empty", what);
	if (apim_text_check(what, s, APIM_NAME_MAX, 0) == -1)
		return -1;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ':' || *p == '/') {
			apim_err_set(APIM_DATAERR, "%s '%s' may not contain spaces, ':' "
			    "or '/'", what, s);
			return -1;
		}
	return 0;
}

/* Characters allowed in a URL path segment (RFC 3986 pchar, '%' escapes). */
static int
pchar(int c)
{
	return isalnum(c) || strchr("-._~!$&'()+,;=:@%", c) != NULL;
}

/* RFC 3986 unreserved: the characters of a context segment. */
static int
unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* 1 if the segment s[0..n) is "." or "..", written plainly or with %2e. */
static int
dot_segment(const char *s, size_t n)
{
	size_t i = 0, dots = 0;

	while (i < n) {
		if (s[i] == '.')
			i++;
		else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' &&
		    (s[i + 2] == 'e' || s[i + 2] == 'E'))
			i += 3;
		else
			return 0;
		dots++;
	}
	return dots == 1 || dots == 2;
}

/*
 * A context: '/' then segments of unreserved characters (or the "{version}"
 * template within a segment), separated by single '/'; no empty segment, no
 * trailing '/', no "." or ".." segment; at most APIM_CONTEXT_MAX bytes.
 */
static int
context_valid(const char *s)
{
	const char *p, *seg;

	if (s == NULL)
		return bad("missing %s", "context");
	if (apim_text_check("context", s, APIM_CONTEXT_MAX, 0) == -1)
		return -1;
	if (s[0] != '/' || s[1] == '\0')
		return bad("context '%s' must start with '/' and name a path", s);
	for (seg = p = s + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == seg)
				return bad("malformed context '%s': an empty segment", s);
			if (dot_segment(seg, (size_t)(p - seg)))
				return bad("malformed context '%s': a '.' or '..' "
				    "segment", s);
			if (*p == '\0')
				break;
			seg = p + 1;
		} else if (*p == '{' && strncmp(p, "{version}", 9) == 0)
			p += 8;
		else if (!unreserved((unsigned char)*p))
			return bad("malformed context '%s'", s);
	}
	return 0;
}

int
apim_api_template_valid(const char *t)
{
	const char *p;
	int inparam = 0;

	if (t == NULL)
		return bad("missing %s", "template");
	if (apim_text_check("template", t, APIM_TEMPLATE_MAX, 0) == -1)
		return -1;
	if (t[0] != '/')
		return bad("malformed template '%s': it must start with '/'", t);
	for (p = t + 1; *p; p++) {
		if (p[-1] == '/') {	/* a segment starts: not "." or ".." */
			size_t n = strcspn(p, "/");

			if (dot_segment(p, n))
				return bad("malformed template '%s': a '.' or '..' "
				    "segment", t);
		}
		if (*p == '%' && !(isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])))
			return bad("malformed template '%s': a bad %%-escape", t);
		if (inparam) {
			if (*p == '}') {
				if (p[-1] == '{')
					return bad("malformed template '%s': empty {}", t);
				inparam = 0;
			} else if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
			    *p == '.'))
				return bad("malformed template '%s'", t);
		} else if (*p == '{')
			inparam = 1;
		else if (*p == '/') {
			if (p[-1] == '/')
				return bad("malformed template '%s': empty segment", t);
		} else if (*p == '*') {
			if (p[-1] != '/' || p[1] != '\0')
				return bad("malformed template '%s': '*' only as a final "
				    "\"/*\"", t);
		} else if (!pchar((unsigned char)*p))
			return bad("malformed template '%s'", t);
	}
	if (inparam)
		return bad("malformed template '%s': unclosed '{'", t);
	return 0;
}

int
apim_api_verb(const char *verb, char out[8])
{
	static const char *const verbs[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
		"HEAD", "OPTIONS", "TRACE", NULL };
	int i;

	for (i = 0; verbs[i]; i++)
		if (strcasecmp(verb, verbs[i]) == 0) {
			strcpy(out, verbs[i]);
			return 0;
		}
	apim_err_set(APIM_DATAERR, "bad verb '%s' (GET, POST, PUT, PATCH, DELETE, "
	    "HEAD, OPTIONS, TRACE)", verb);
	return -1;
}

static int
url_valid(const char *what, const char *u)
{
	if (u == NULL || *u == '\0') {
		apim_err_set(APIM_DATAERR, u ? "invalid %s '': empty" : "missing %s",
		    what);
		return -1;
	}
	if (apim_text_check(what, u, APIM_URL_MAX, 0) == -1)
		return -1;
	if ((strncmp(u, "http://", 7) != 0 || u[7] == '\0') &&
	    (strncmp(u, "https://", 8) != 0 || u[8] == '\0')) {
		apim_err_set(APIM_DATAERR, "%s '%s' must be an http:// or https:// URL",
		    what, u);
		return -1;
	}
	return apim_url_check(what, u);
}

/* An optional array of non-empty strings; -1 if present and not that. */
static int
strings_valid(const json_t *o, const char *key)
{
	const json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return bad("'%s' must be an array of strings", key);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return bad("'%s' must be an array of non-empty strings", key);
		if (json_string_length(v) != strlen(json_string_value(v)))
			return bad("'%s' may not contain NUL", key);
		if (apim_text_check(key, json_string_value(v), APIM_NAME_MAX, 0) == -1)
			return -1;
	}
	return 0;
}

/* An optional string member checked at the door: -1 if present and not a
 * string, not UTF-8, over max bytes or with control characters. */
static int
text_valid(const json_t *o, const char *key, const char *what, size_t max,
    int flags)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad("'%s' must be a string", key);
	if (json_string_length(v) != strlen(json_string_value(v)))
		return bad("'%s' may not contain NUL", key);
	return apim_text_check(what, json_string_value(v), max, flags);
}

/* An optional string member; "" if absent or null, NULL if of another type. */
static const char *
str_member(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return "";
	return json_string_value(v);
}

static const char *
endpoint_url(const json_t *api, const char *which)
{
	const json_t *ec = json_object_get(api, "endpointConfig");
	const json_t *ep = ec ? json_object_get(ec, which) : NULL;

	/* WSO2 writes one endpoint as {url} and several as [{url}...]: take the first. */
	if (json_is_array(ep))
		ep = json_array_get(ep, 0);
	return ep ? json_string_value(json_object_get(ep, "url")) : NULL;
}

/* Every URL of endpointConfig's lists (lib/endpoints); the primary ones are
 * checked above. */
static int
endpoints_valid(const json_t *api)
{
	json_t *ec = apim_endpoints_normalize(json_object_get(api, "endpointConfig"));

	json_decref(ec);
	return ec ? 0 : -1;
}

/* Store API id's endpointConfig normalised (after its row is written). */
static int
endpoints_store(sqlite3 *db, const char *id, const json_t *api)
{
	json_t *ec = apim_endpoints_normalize(json_object_get(api, "endpointConfig"));
	char *s;
	int rc;

	if (ec == NULL)
		return -1;
	s = json_dumps(ec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ec);
	rc = apim_store_exec(db, "UPDATE api SET endpoint_config = ? WHERE id = ?",
	    "ss", s, id);
	free(s);
	return rc == -1 ? -1 : 0;
}

/* API id's stored endpointConfig, or NULL if it has none (older rows). */
static json_t *
endpoints_load(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = apim_store_prep(db, "SELECT endpoint_config FROM api "
	    "WHERE id = ? AND endpoint_config IS NOT NULL", "s", id);
	json_t *ec = NULL;

	if (st != NULL && apim_store_step(db, st) == 1)
		ec = json_loads(apim_store_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	return ec;
}

/* An operation's authType: "none", or one or more of oauth2 and api_key as
 * a comma list (the alternatives of its security requirements). */
static int
auth_list_valid(const char *auth)
{
	char **w;
	size_t i, n;
	int rc = 0;

	if (strcmp(auth, "none") == 0)
		return 0;
	w = apim_split_csv(auth);
	n = apim_strv_len(w);
	for (i = 0; i < n; i++)
		if ((strcmp(w[i], "oauth2") != 0 && strcmp(w[i], "api_key") != 0) ||
		    (i == 1 && strcmp(w[0], w[1]) == 0))
			rc = -1;
	apim_strv_free(w);
	return n == 0 || n > 2 ? -1 : rc;
}

static int
op_valid(const json_t *op, char verb[8])
{
	const char *t, *auth, *tier;
	const json_t *v;

	if (!json_is_object(op))
		return bad("%s", "each operation must be an object");
	if ((v = json_object_get(op, "verb")) == NULL)
		return bad("%s", "an operation has no verb");
	if (text_valid(op, "verb", "verb", 16, 0) == -1)
		return -1;
	if (apim_api_verb(json_string_value(v), verb) == -1)
		return -1;
	if (text_valid(op, "target", "template", APIM_TEMPLATE_MAX, 0) == -1 ||
	    text_valid(op, "authType", "auth type", APIM_NAME_MAX, 0) == -1 ||
	    text_valid(op, "throttlingPolicy", "tier", APIM_NAME_MAX, 0) == -1)
		return -1;
	if ((t = json_string_value(json_object_get(op, "target"))) == NULL)
		return bad("%s", "an operation has no target");
	if (apim_api_template_valid(t) == -1)
		return -1;
	if ((auth = str_member(op, "authType")) == NULL)
		return bad("%s", "an operation's 'authType' must be a string");
	if (*auth && auth_list_valid(auth) == -1)
		return bad("bad auth type '%s' (oauth2, api_key, none)", auth);
	if ((v = json_object_get(op, "endpointConfig")) != NULL && !json_is_null(v)) {
		json_t *ec = apim_endpoints_normalize(v);

		if (ec == NULL)
			return -1;
		json_decref(ec);
	}
	if ((tier = str_member(op, "throttlingPolicy")) == NULL)
		return bad("%s", "an operation's 'throttlingPolicy' must be a string");
	return strings_valid(op, "scopes");
}

static int docs_store(sqlite3 *db, const char *id, const json_t *api);

/* WSO2's runtime fields kept in api.extensions (APIDTO names). */
static const char *const ext_keys[] = { "corsConfiguration", "transport",
	"authorizationHeader", "apiKeyHeader", "responseCachingEnabled",
	"cacheTimeout", NULL };

#define HEADER_NAME_MAX 128

/* 1 if s is an HTTP field name (RFC 9110 token) of at most HEADER_NAME_MAX
 * bytes; query: that is also a query parameter name needing no escapes
 * (none of '#', '%', '&', '+'). */
static int
header_name_ok(const char *s, int query)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (n >= HEADER_NAME_MAX || !(isalnum((unsigned char)s[n]) ||
		    (strchr("!#$%&'*+-.^_`|~", s[n]) &&
		    !(query && strchr("#%&+", s[n])))))
			return 0;
	return n > 0;
}

int
apim_api_cors_valid(const json_t *cors)
{
	const json_t *e;
	const char *k;

	if (cors == NULL || json_is_null(cors))
		return 0;
	if (!json_is_object(cors))
		return bad("%s", "'corsConfiguration' must be an object");
	json_object_foreach((json_t *)cors, k, e) {
		if (strcmp(k, "corsConfigurationEnabled") == 0 ||
		    strcmp(k, "accessControlAllowCredentials") == 0) {
			if (!json_is_boolean(e))
				return bad("corsConfiguration.%s must be true or "
				    "false", k);
		} else if (strcmp(k, "accessControlAllowOrigins") == 0 ||
		    strcmp(k, "accessControlAllowHeaders") == 0 ||
		    strcmp(k, "accessControlAllowMethods") == 0) {
			if (strings_valid(cors, k) == -1)
				return -1;
		} else
			return bad("unknown corsConfiguration field '%s'", k);
	}
	return 0;
}

static int
ext_valid(const json_t *api)
{
	const json_t *v, *e;
	const char *k;
	size_t i;

	if (apim_api_cors_valid(json_object_get(api, "corsConfiguration")) == -1)
		return -1;
	if (strings_valid(api, "transport") == -1)
		return -1;
	json_array_foreach(json_object_get(api, "transport"), i, e)
		if (strcmp(json_string_value(e), "http") != 0 &&
		    strcmp(json_string_value(e), "https") != 0)
			return bad("bad transport '%s' (http, https)",
			    json_string_value(e));
	if (text_valid(api, "authorizationHeader", "authorization header",
	    APIM_NAME_MAX, 0) == -1)
		return -1;
	if ((k = json_string_value(json_object_get(api, "authorizationHeader"))) &&
	    !header_name_ok(k, 0))
		return bad("bad authorization header '%s' (a header name: letters, "
		    "digits and !#$%%&'*+-.^_`|~)", k);
	if (text_valid(api, "apiKeyHeader", "API key header", APIM_NAME_MAX, 0) == -1)
		return -1;
	if ((k = json_string_value(json_object_get(api, "apiKeyHeader"))) &&
	    !header_name_ok(k, 1))
		return bad("bad API key header '%s' (a header or query parameter "
		    "name: letters, digits and !$'*-.^_`|~)", k);
	if ((v = json_object_get(api, "responseCachingEnabled")) && !json_is_null(v) &&
	    !json_is_boolean(v))
		return bad("%s", "'responseCachingEnabled' must be true or false");
	if ((v = json_object_get(api, "cacheTimeout")) && !json_is_null(v) &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 86400 * 365))
		return bad("%s", "'cacheTimeout' must be a number of seconds");
	if ((v = json_object_get(api, "scopes")) && !json_is_null(v)) {
		if (!json_is_array(v))
			return bad("%s", "'scopes' must be a list");
		json_array_foreach(v, i, e)
			if (apim_scope_valid(e) == -1)
				return -1;
	}
	if ((v = json_object_get(api, "apiDefinition")) && !json_is_null(v) &&
	    !json_is_object(v) && !json_is_string(v))
		return bad("%s", "'apiDefinition' must be a document object");
	return 0;
}

/* api.extensions from the API object: the ext_keys present. */
static char *
ext_dump(const json_t *api)
{
	json_t *o = json_object(), *v;
	char *s;
	int i;

	for (i = 0; ext_keys[i]; i++)
		if ((v = json_object_get(api, ext_keys[i])) && !json_is_null(v))
			json_object_set(o, ext_keys[i], v);
	s = json_object_size(o) ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(o);
	return s;
}

/* Write the definition (if the object carries one), the extensions and the
 * scopes (if present) of API id. */
static int
ext_store(sqlite3 *db, const char *id, const json_t *api)
{
	const json_t *d = json_object_get(api, "apiDefinition");
	char *s = ext_dump(api);
	int rc;

	rc = apim_store_exec(db, "UPDATE api SET extensions = ? WHERE id = ?", "ss",
	    s, id);
	free(s);
	if (rc == -1)
		return -1;
	if (json_is_string(d)) {	/* JSON text, already parsed by the caller */
		rc = apim_store_exec(db, "UPDATE api SET definition = ? WHERE id = ?",
		    "ss", json_string_value(d), id);
		if (rc == -1)
			return -1;
	} else if (json_is_object(d)) {
		s = json_dumps(d, JSON_COMPACT);
		rc = apim_store_exec(db, "UPDATE api SET definition = ? WHERE id = ?",
		    "ss", s, id);
		free(s);
		if (rc == -1)
			return -1;
	}
	if (json_object_get(api, "scopes") != NULL &&
	    apim_scope_api_set(db, id, json_object_get(api, "scopes")) == -1)
		return -1;
	return 0;
}

json_t *
apim_api_definition(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = apim_store_prep(db, "SELECT definition FROM api WHERE "
	    "id = ?", "s", id);
	json_t *d = NULL;
	json_error_t e;
	int rc;

	if (st == NULL)
		return NULL;
	if ((rc = apim_store_step(db, st)) == 1 &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    (d = json_loadb((const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), 0, &e)) == NULL)
		apim_err_set(APIM_SOFTWARE, "API '%s': stored definition unreadable: "
		    "%s", id, e.text);
	else if (rc == 1 && d == NULL)
		apim_err_set(APIM_NO, "API '%s' has no stored definition", id);
	else if (rc == 0)
		apim_err_set(APIM_NO, "no API '%s'", id);
	sqlite3_finalize(st);
	return d;
}

int
apim_api_check(const json_t *api)
{
	const char *name, *version, *context, *s, *vis;
	const json_t *v;
	size_t i;

	if (!json_is_object(api))
		return bad("%s", "an API must be a JSON object");
	if (text_valid(api, "name", "name", APIM_NAME_MAX, 0) == -1 ||
	    text_valid(api, "version", "version", APIM_NAME_MAX, 0) == -1 ||
	    text_valid(api, "context", "context", APIM_CONTEXT_MAX, 0) == -1 ||
	    text_valid(api, "provider", "provider", APIM_NAME_MAX, 0) == -1 ||
	    text_valid(api, "description", "description", APIM_DESCRIPTION_MAX,
	    APIM_TEXT_MULTILINE) == -1 ||
	    text_valid(api, "apiThrottlingPolicy", "policy", APIM_NAME_MAX, 0) == -1 ||
	    text_valid(api, "visibility", "visibility", APIM_NAME_MAX, 0) == -1)
		return -1;
	name = json_string_value(json_object_get(api, "name"));
	version = json_string_value(json_object_get(api, "version"));
	context = json_string_value(json_object_get(api, "context"));
	if (word_valid("name", name) == -1 || word_valid("version", version) == -1 ||
	    context_valid(context) == -1)
		return -1;
	if (url_valid("endpoint", endpoint_url(api, "production_endpoints")) == -1)
		return -1;
	if ((s = endpoint_url(api, "sandbox_endpoints")) && *s &&
	    url_valid("sandbox endpoint", s) == -1)
		return -1;
	if (endpoints_valid(api) == -1)
		return -1;
	if (str_member(api, "description") == NULL || str_member(api, "provider") == NULL)
		return bad("%s", "'description' and 'provider' must be strings");
	if (str_member(api, "apiThrottlingPolicy") == NULL)
		return bad("%s", "'apiThrottlingPolicy' must be a string");
	if (strings_valid(api, "policies") == -1 || strings_valid(api, "tags") == -1 ||
	    strings_valid(api, "visibleRoles") == -1 ||
	    strings_valid(api, "securityScheme") == -1)
		return -1;
	if ((v = json_object_get(api, "policies")) && json_is_array(v) &&
	    json_array_size(v) == 0)
		return bad("%s", "an API needs at least one tier");
	if ((v = json_object_get(api, "securityScheme")) && json_is_array(v)) {
		const json_t *e;

		if (json_array_size(v) == 0)
			return bad("%s", "an API needs at least one auth scheme");
		json_array_foreach(v, i, e) {
			s = json_string_value(e);
			if (strcmp(s, "oauth2") != 0 && strcmp(s, "api_key") != 0)
				return bad("bad auth scheme '%s' (oauth2, api_key)", s);
		}
	}
	if ((vis = str_member(api, "visibility")) == NULL)
		return bad("%s", "'visibility' must be a string");
	v = json_object_get(api, "visibleRoles");
	if (strcasecmp(vis, "restricted") == 0) {
		if (json_array_size(v) == 0)
			return bad("%s", "visibility restricted needs roles");
	} else if (*vis == '\0' || strcasecmp(vis, "public") == 0) {
		if (json_array_size(v) > 0)
			return bad("%s", "roles need visibility restricted");
	} else
		return bad("bad visibility '%s' (public, restricted)", vis);
	if ((v = json_object_get(api, "operations")) && !json_is_null(v)) {
		const json_t *op;
		char verb[8];

		if (!json_is_array(v))
			return bad("%s", "'operations' must be an array");
		json_array_foreach(v, i, op)
			if (op_valid(op, verb) == -1)
				return -1;
	}
	return ext_valid(api);
}

/* Check an API object (after any merge); self is the API being updated, or
 * NULL for a new one. */
static int
api_valid(sqlite3 *db, const json_t *api, const char *self)
{
	const char *name, *version, *context;
	sqlite3_stmt *st;
	int rc;

	if (apim_api_check(api) == -1 || apim_policy_check_api(db, api) == -1)
		return -1;
	name = json_string_value(json_object_get(api, "name"));
	version = json_string_value(json_object_get(api, "version"));
	context = json_string_value(json_object_get(api, "context"));
	/* Uniqueness: name+version, and a context belongs to one API name. */
	st = apim_store_prep(db, "SELECT name, version FROM api WHERE id IS NOT ? AND "
	    "((name = ? AND version = ?) OR (context = ? AND name <> ?)) LIMIT 1",
	    "sssss", self, name, version, context, name);
	if (st == NULL)
		return -1;
	if ((rc = apim_store_step(db, st)) == 1) {
		if (strcmp(apim_store_text(st, 0), name) == 0)
			apim_err_set(APIM_DATAERR, "API '%s:%s' already exists", name,
			    version);
		else
			apim_err_set(APIM_DATAERR, "context '%s' is used by API '%s:%s'",
			    context, apim_store_text(st, 0), apim_store_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == 0 ? 0 : -1;
}

/* ---- writing ---- */

static int
write_list(sqlite3 *db, const char *id, const json_t *a, const char *del,
    const char *ins, int pos)
{
	const json_t *v;
	size_t i;

	if (apim_store_exec(db, del, "s", id) == -1)
		return -1;
	json_array_foreach(a, i, v) {
		int rc = pos ? apim_store_exec(db, ins, "ssi", id, json_string_value(v),
		    (int)i) : apim_store_exec(db, ins, "ss", id, json_string_value(v));
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
add_op(sqlite3 *db, const char *id, const json_t *op)
{
	const char *t = json_string_value(json_object_get(op, "target"));
	const char *auth = str_member(op, "authType");
	const char *tier = str_member(op, "throttlingPolicy");
	const json_t *v;
	sqlite3_int64 rid;
	char verb[8], *ecs;
	size_t i;
	int rc;

	if (op_valid(op, verb) == -1 ||
	    apim_policy_check(db, "resource", tier, "resource tier") == -1)
		return -1;
	ecs = NULL;
	if ((v = json_object_get(op, "endpointConfig")) && !json_is_null(v)) {
		json_t *ec = apim_endpoints_normalize(v);

		if (ec == NULL)
			return -1;
		ecs = json_dumps(ec, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(ec);
	}
	rc = apim_store_exec(db, "INSERT INTO resource (api_id, verb, template, auth, "
	    "tier, endpoint_config) VALUES (?, ?, ?, ?, ?, ?)", "ssssss", id, verb, t,
	    *auth ? auth : NULL, *tier ? tier : NULL, ecs);
	free(ecs);
	if (rc == -1) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "duplicate resource '%s %s'", verb, t);
		return -1;
	}
	rid = sqlite3_last_insert_rowid(db);
	json_array_foreach(json_object_get(op, "scopes"), i, v)
		if (apim_store_exec(db, "INSERT OR IGNORE INTO resource_scope "
		    "(resource_id, scope) VALUES (?, ?)", "Is", (int64_t)rid,
		    json_string_value(v)) == -1)
			return -1;
	return 0;
}

/* Write the API row's children from api (which has passed api_valid). */
static int
write_children(sqlite3 *db, const char *id, const json_t *api)
{
	const json_t *pol = json_object_get(api, "policies"), *ops, *op;
	json_t *dflt = NULL;
	size_t i;
	int rc;

	if (pol == NULL || json_is_null(pol))
		pol = dflt = json_pack("[s]", "Unlimited");
	rc = write_list(db, id, pol, "DELETE FROM api_tier WHERE api_id = ?",
	    "INSERT OR IGNORE INTO api_tier (api_id, tier, pos) VALUES (?, ?, ?)", 1);
	json_decref(dflt);
	if (rc == -1 ||
	    write_list(db, id, json_object_get(api, "tags"),
	    "DELETE FROM api_tag WHERE api_id = ?",
	    "INSERT OR IGNORE INTO api_tag (api_id, tag) VALUES (?, ?)", 0) == -1 ||
	    write_list(db, id, json_object_get(api, "visibleRoles"),
	    "DELETE FROM api_role WHERE api_id = ?",
	    "INSERT OR IGNORE INTO api_role (api_id, role) VALUES (?, ?)", 0) == -1)
		return -1;
	if ((ops = json_object_get(api, "operations")) == NULL || json_is_null(ops))
		return 0;
	if (apim_store_exec(db, "DELETE FROM resource WHERE api_id = ?", "s", id) == -1)
		return -1;
	json_array_foreach(ops, i, op)
		if (add_op(db, id, op) == -1)
			return -1;
	return 0;
}

/* The comma list stored in api.auth. */
static char *
auth_csv(const json_t *api)
{
	const json_t *a = json_object_get(api, "securityScheme"), *v;
	char buf[64] = "";
	size_t i;

	if (a == NULL || json_is_null(a))
		return apim_strdup("oauth2");
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		if (strstr(buf, s))
			continue;
		if (*buf)
			strcat(buf, ",");
		strcat(buf, s);
	}
	return apim_strdup(buf);
}

static const char *
or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *
vis_lower(const json_t *api)
{
	return strcasecmp(str_member(api, "visibility"), "restricted") == 0 ?
	    "restricted" : "public";
}

int
apim_api_create(sqlite3 *db, const json_t *api, const char *actor, char id[37])
{
	const char *provider;
	char *auth;
	int64_t now = apim_now_ms();
	int rc;

	if (apim_uuid_new(id) == -1) {
		apim_err_set(APIM_SOFTWARE, "cannot make an id");
		return -1;
	}
	/* Validate inside the write transaction so no other writer slips a
	 * clashing name or context in between. */
	if (apim_store_begin(db) == -1)
		return -1;
	if (api_valid(db, api, NULL) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	provider = or_null(str_member(api, "provider"));
	auth = auth_csv(api);
	rc = apim_store_exec(db, "INSERT INTO api (id, name, version, context, provider, "
	    "description, endpoint, sandbox_endpoint, api_policy, visibility, auth, "
	    "is_default, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)", "sssssssssssiII", id,
	    json_string_value(json_object_get(api, "name")),
	    json_string_value(json_object_get(api, "version")),
	    json_string_value(json_object_get(api, "context")),
	    provider ? provider : actor, or_null(str_member(api, "description")),
	    endpoint_url(api, "production_endpoints"),
	    or_null(endpoint_url(api, "sandbox_endpoints")),
	    or_null(str_member(api, "apiThrottlingPolicy")), vis_lower(api), auth,
	    json_is_true(json_object_get(api, "isDefaultVersion")), now, now);
	free(auth);
	if (rc == -1 || endpoints_store(db, id, api) == -1 ||
	    write_children(db, id, api) == -1 || ext_store(db, id, api) == -1 ||
	    docs_store(db, id, api) == -1 ||
	    apim_lifecycle_record(db, id, "create", NULL, "CREATED", actor) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	if (json_is_true(json_object_get(api, "isDefaultVersion")) &&
	    apim_store_exec(db, "UPDATE api SET is_default = 0 WHERE name = ? AND id <> ?",
	    "ss", json_string_value(json_object_get(api, "name")), id) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}

/* ---- reading ---- */

/* An operation from a resource row (id, template, verb, auth, tier). */
static json_t *
op_object(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *scopes = apim_store_column_json(db, apim_store_prep(db,
	    "SELECT scope FROM resource_scope WHERE resource_id = ? ORDER BY scope",
	    "I", (int64_t)sqlite3_column_int64(st, 0)));

	json_t *o;

	if (scopes == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:o}",
	    "target", apim_store_text(st, 1), "verb", apim_store_text(st, 2),
	    "authType", (const char *)sqlite3_column_text(st, 3),
	    "throttlingPolicy", (const char *)sqlite3_column_text(st, 4),
	    "scopes", scopes);
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		json_object_set_new(o, "endpointConfig",
		    json_loads(apim_store_text(st, 5), 0, NULL));
	return o;
}

json_t *
apim_api_resources(sqlite3 *db, const char *id)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT id, template, "
	    "verb, auth, tier, endpoint_config FROM resource WHERE api_id = ? ORDER BY template, "
	    "CASE verb WHEN 'GET' THEN 1 WHEN 'POST' THEN 2 WHEN 'PUT' THEN 3 "
	    "WHEN 'PATCH' THEN 4 WHEN 'DELETE' THEN 5 WHEN 'HEAD' THEN 6 ELSE 7 END",
	    "s", id), op_object);
}

json_t *
apim_api_get(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	json_t *o, *ec, *sec, *roles, *tags, *tiers, *ops;
	char ct[32], ut[32];
	char **auth;
	size_t i;
	int rc;

	st = apim_store_prep(db, "SELECT id, name, description, context, version, "
	    "provider, state, is_default, visibility, api_policy, auth, endpoint, "
	    "sandbox_endpoint, created_ms, updated_ms, extensions FROM api WHERE "
	    "id = ?", "s", id);
	if (st == NULL)
		return NULL;
	if ((rc = apim_store_step(db, st)) != 1) {
		sqlite3_finalize(st);
		if (rc == 0)
			apim_err_set(APIM_NO, "no API '%s'", id);
		return NULL;
	}
	roles = apim_store_column_json(db, apim_store_prep(db, "SELECT role FROM "
	    "api_role WHERE api_id = ? ORDER BY role", "s", id));
	tags = apim_store_column_json(db, apim_store_prep(db, "SELECT tag FROM "
	    "api_tag WHERE api_id = ? ORDER BY tag", "s", id));
	tiers = apim_store_column_json(db, apim_store_prep(db, "SELECT tier FROM "
	    "api_tier WHERE api_id = ? ORDER BY pos", "s", id));
	ops = apim_api_resources(db, id);
	if (roles == NULL || tags == NULL || tiers == NULL || ops == NULL) {
		sqlite3_finalize(st);
		json_decref(roles);
		json_decref(tags);
		json_decref(tiers);
		json_decref(ops);
		return NULL;
	}
	apim_time_iso(sqlite3_column_int64(st, 13), ct);
	apim_time_iso(sqlite3_column_int64(st, 14), ut);
	ec = json_pack("{s:s, s:{s:s}}", "endpoint_type", "http",
	    "production_endpoints", "url", apim_store_text(st, 11));
	if (sqlite3_column_type(st, 12) != SQLITE_NULL)
		json_object_set_new(ec, "sandbox_endpoints",
		    json_pack("{s:s}", "url", apim_store_text(st, 12)));
	{
		json_t *lists = endpoints_load(db, id);

		if (lists != NULL) {
			json_decref(ec);
			ec = lists;
		}
	}
	sec = json_array();
	auth = apim_split_csv(apim_store_text(st, 10));
	for (i = 0; auth[i]; i++)
		json_array_append_new(sec, json_string(auth[i]));
	apim_strv_free(auth);
	o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:b, s:s}",
	    "id", apim_store_text(st, 0), "name", apim_store_text(st, 1),
	    "description", (const char *)sqlite3_column_text(st, 2),
	    "context", apim_store_text(st, 3), "version", apim_store_text(st, 4),
	    "provider", apim_store_text(st, 5), "lifeCycleStatus", apim_store_text(st, 6),
	    "isDefaultVersion", sqlite3_column_int(st, 7),
	    "visibility", strcmp(apim_store_text(st, 8), "restricted") == 0 ?
	    "RESTRICTED" : "PUBLIC");
	json_object_set_new(o, "visibleRoles", roles);
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "policies", tiers);
	json_object_set_new(o, "apiThrottlingPolicy", apim_store_text_json(st, 9));
	json_object_set_new(o, "securityScheme", sec);
	json_object_set_new(o, "endpointConfig", ec);
	json_object_set_new(o, "operations", ops);
	if (sqlite3_column_type(st, 15) != SQLITE_NULL) {
		json_t *x = json_loads(apim_store_text(st, 15), 0, NULL);

		if (x)
			json_object_update(o, x);
		json_decref(x);
	}
	{
		json_t *sc = apim_scope_api_list(db, id);

		if (sc == NULL) {
			sqlite3_finalize(st);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "scopes", sc);
	}
	json_object_set_new(o, "createdTime", json_string(ct));
	json_object_set_new(o, "lastUpdatedTime", json_string(ut));
	sqlite3_finalize(st);
	return o;
}

json_t *
apim_api_list(sqlite3 *db, const char *state, const char *tag)
{
	json_t *ids, *a, *v;
	size_t i;

	ids = apim_store_column_json(db, apim_store_prep(db, "SELECT id FROM api "
	    "WHERE (?1 IS NULL OR state = upper(?1)) AND (?2 IS NULL OR id IN "
	    "(SELECT api_id FROM api_tag WHERE tag = ?2)) "
	    "ORDER BY name, created_ms, version", "ss", state, tag));
	if (ids == NULL)
		return NULL;
	a = json_array();
	json_array_foreach(ids, i, v) {
		json_t *o = apim_api_get(db, json_string_value(v));

		if (o == NULL) {
			json_decref(a);
			a = NULL;
			break;
		}
		json_array_append_new(a, o);
	}
	json_decref(ids);
	return a;
}

/* ---- changing ---- */

/* Mark API id as changed now (lastUpdatedTime). */
static int
touch(sqlite3 *db, const char *id)
{
	return apim_store_exec(db, "UPDATE api SET updated_ms = ? WHERE id = ?", "Is",
	    apim_now_ms(), id) == -1 ? -1 : 0;
}

int
apim_api_update(sqlite3 *db, const char *id, const json_t *changes)
{
	static const char *const fixed[] = { "name", "version", "context", NULL };
	json_t *cur, *ec;
	const char *key;
	json_t *val;
	char *auth;
	int i, rc = -1;

	if (!json_is_object(changes) || json_object_size(changes) == 0) {
		apim_err_set(APIM_USAGE, "nothing to change");
		return -1;
	}
	/* Read, merge and write in one transaction, so that a concurrent
	 * update is not silently overwritten with what was read before it. */
	if (apim_store_begin(db) == -1)
		return -1;
	if ((cur = apim_api_get(db, id)) == NULL) {
		apim_store_rollback(db);
		return -1;
	}
	for (i = 0; fixed[i]; i++) {
		const json_t *nv = json_object_get(changes, fixed[i]);

		if (nv && !json_equal(nv, json_object_get(cur, fixed[i]))) {
			apim_err_set(APIM_DATAERR, "the %s of API '%s:%s' cannot change; "
			    "use 'version' for a new version", fixed[i],
			    json_string_value(json_object_get(cur, "name")),
			    json_string_value(json_object_get(cur, "version")));
			goto out;
		}
	}
	ec = json_object_get(cur, "endpointConfig");
	if ((val = json_object_get(changes, "endpointConfig")) != NULL &&
	    apim_endpoints_type_of(json_string_value(json_object_get(val,
	    "endpoint_type"))) >= 0) {
		/* a new type: the current URLs, primary first, in its shape */
		json_t *p = apim_endpoints_urls(ec, 0), *sb = apim_endpoints_urls(ec, 1);

		ec = apim_endpoints_config(apim_endpoints_type_of(json_string_value(
		    json_object_get(val, "endpoint_type"))), p, sb);
		json_object_set_new(cur, "endpointConfig", ec);
		json_decref(p);
		json_decref(sb);
	}
	json_object_foreach((json_t *)changes, key, val) {
		if (strcmp(key, "endpointConfig") == 0 && json_is_object(val)) {
			json_object_update(ec, val);
			continue;
		}
		json_object_set(cur, key, val);
	}
	if ((val = json_object_get(ec, "sandbox_endpoints")) &&
	    (json_is_null(val) || (json_is_object(val) &&
	    (endpoint_url(cur, "sandbox_endpoints") == NULL ||
	    *endpoint_url(cur, "sandbox_endpoints") == '\0'))))
		json_object_del(ec, "sandbox_endpoints");
	if (json_object_get(ec, "sandbox_endpoints") == NULL)
		json_object_del(ec, "sandbox_failovers");	/* all of them go */
	/* Going public drops the roles unless new ones were given (and refused). */
	if (json_object_get(changes, "visibility") &&
	    json_object_get(changes, "visibleRoles") == NULL &&
	    strcasecmp(str_member(cur, "visibility") ? str_member(cur, "visibility") : "",
	    "public") == 0)
		json_object_set_new(cur, "visibleRoles", json_array());
	if (json_object_get(changes, "operations") == NULL)
		json_object_del(cur, "operations");	/* leave resources alone */
	if (api_valid(db, cur, id) == -1)
		goto out;
	auth = auth_csv(cur);
	rc = apim_store_exec(db, "UPDATE api SET description = ?, provider = ?, "
	    "endpoint = ?, sandbox_endpoint = ?, api_policy = ?, visibility = ?, "
	    "auth = ?, updated_ms = ? WHERE id = ?", "sssssssIs",
	    or_null(str_member(cur, "description")), str_member(cur, "provider"),
	    endpoint_url(cur, "production_endpoints"),
	    or_null(endpoint_url(cur, "sandbox_endpoints")),
	    or_null(str_member(cur, "apiThrottlingPolicy")), vis_lower(cur), auth,
	    apim_now_ms(), id);
	free(auth);
	if (json_object_get(changes, "scopes") == NULL)
		json_object_del(cur, "scopes");	/* leave scopes alone */
	if (rc == -1 || endpoints_store(db, id, cur) == -1 ||
	    write_children(db, id, cur) == -1 || ext_store(db, id, cur) == -1) {
		rc = -1;
		goto out;
	}
	rc = apim_store_commit(db);
out:
	apim_store_rollback(db);	/* if still open */
	json_decref(cur);
	return rc;
}

int
apim_api_delete(sqlite3 *db, const char *id, int force)
{
	sqlite3_stmt *st;
	char label[600];
	int n = 0, rc;

	if (apim_api_label(db, id, label, sizeof label) == -1)
		return -1;
	if (apim_store_begin(db) == -1)
		return -1;
	if ((st = apim_store_prep(db, "SELECT count(*) FROM subscription WHERE "
	    "api_id = ?", "s", id)) == NULL)
		goto fail;
	if ((rc = apim_store_step(db, st)) == 1)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	if (n > 0 && !force) {
		apim_err_set(APIM_NO, "API '%s' has %d subscription%s; use --force",
		    label, n, n == 1 ? "" : "s");
		goto fail;
	}
	if (apim_store_exec(db, "DELETE FROM subscription WHERE api_id = ?", "s", id) == -1 ||
	    (rc = apim_store_exec(db, "DELETE FROM api WHERE id = ?", "s", id)) == -1)
		goto fail;
	if (rc == 0) {	/* another process deleted it since we resolved it */
		apim_err_set(APIM_NO, "no API '%s'", label);
		goto fail;
	}
	return apim_store_commit(db);
fail:
	apim_store_rollback(db);
	return -1;
}

int
apim_api_resource_add(sqlite3 *db, const char *id, const json_t *op)
{
	if (apim_store_begin(db) == -1)
		return -1;
	if (add_op(db, id, op) == -1 || touch(db, id) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}

int
apim_api_resource_delete(sqlite3 *db, const char *id, const char *verb,
    const char *tmpl)
{
	char v[8];
	int n;

	if (apim_api_verb(verb, v) == -1)
		return -1;
	if (apim_store_begin(db) == -1)
		return -1;
	n = apim_store_exec(db, "DELETE FROM resource WHERE api_id = ? AND verb = ? "
	    "AND template = ?", "sss", id, v, tmpl);
	if (n == 0)
		apim_err_set(APIM_NO, "no resource '%s %s'", v, tmpl);
	if (n <= 0 || touch(db, id) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}

/* ---- versions ---- */

static int
copy_rows(sqlite3 *db, const char *from, const char *to)
{
	json_t *rows;
	size_t i;
	int rc = 0;

	if (apim_store_exec(db, "INSERT INTO api_tier (api_id, tier, pos) SELECT ?, "
	    "tier, pos FROM api_tier WHERE api_id = ?", "ss", to, from) == -1 ||
	    apim_store_exec(db, "INSERT INTO api_tag (api_id, tag) SELECT ?, tag FROM "
	    "api_tag WHERE api_id = ?", "ss", to, from) == -1 ||
	    apim_store_exec(db, "INSERT INTO api_role (api_id, role) SELECT ?, role FROM "
	    "api_role WHERE api_id = ?", "ss", to, from) == -1 ||
	    apim_store_exec(db, "INSERT INTO api_scope (api_id, scope) SELECT ?, scope "
	    "FROM api_scope WHERE api_id = ?", "ss", to, from) == -1 ||
	    apim_store_exec(db, "UPDATE api SET (definition, extensions) = (SELECT "
	    "definition, extensions FROM api WHERE id = ?) WHERE id = ?", "ss", from,
	    to) == -1)
		return -1;
	/* Resources get new ids, so copy them one by one with their scopes. */
	if ((rows = apim_store_column_json(db, apim_store_prep(db, "SELECT id FROM "
	    "resource WHERE api_id = ? ORDER BY id", "s", from))) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < json_array_size(rows); i++) {
		int64_t old = json_integer_value(json_array_get(rows, i));

		if (apim_store_exec(db, "INSERT INTO resource (api_id, verb, template, "
		    "auth, tier, endpoint_config) SELECT ?, verb, template, auth, tier, "
		    "endpoint_config FROM resource "
		    "WHERE id = ?", "sI", to, old) == -1 ||
		    apim_store_exec(db, "INSERT INTO resource_scope (resource_id, scope) "
		    "SELECT ?, scope FROM resource_scope WHERE resource_id = ?", "II",
		    (int64_t)sqlite3_last_insert_rowid(db), old) == -1)
			rc = -1;
	}
	json_decref(rows);
	if (rc == -1)
		return -1;
	if ((rows = apim_store_column_json(db, apim_store_prep(db, "SELECT id FROM "
	    "doc WHERE api_id = ? ORDER BY created_ms", "s", from))) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < json_array_size(rows); i++) {
		char did[37];

		if (apim_uuid_new(did) == -1 || apim_store_exec(db, "INSERT INTO doc (id, "
		    "api_id, name, type, source, content, file_name, url, created_ms) "
		    "SELECT ?, ?, name, type, source, content, file_name, url, ? FROM doc "
		    "WHERE id = ?", "ssIs", did, to, apim_now_ms(),
		    json_string_value(json_array_get(rows, i))) == -1)
			rc = -1;
	}
	json_decref(rows);
	return rc;
}

int
apim_api_version(sqlite3 *db, const char *id, const char *newver, int dflt,
    const char *actor, char newid[37])
{
	sqlite3_stmt *st;
	char name[256];
	int64_t now = apim_now_ms();
	int rc;

	if (word_valid("version", newver) == -1)
		return -1;
	if (apim_store_begin(db) == -1)
		return -1;
	if ((st = apim_store_prep(db, "SELECT name, (SELECT count(*) FROM api b WHERE "
	    "b.name = a.name AND b.version = ?) FROM api a WHERE id = ?", "ss",
	    newver, id)) == NULL)
		goto fail;
	if ((rc = apim_store_step(db, st)) == 1) {
		snprintf(name, sizeof name, "%s", apim_store_text(st, 0));
		if (sqlite3_column_int(st, 1) > 0) {
			apim_err_set(APIM_DATAERR, "API '%s:%s' already exists", name, newver);
			rc = -1;
		}
	} else if (rc == 0) {
		apim_err_set(APIM_NO, "no API '%s'", id);
		rc = -1;
	}
	sqlite3_finalize(st);
	if (rc == -1)
		goto fail;
	if (apim_uuid_new(newid) == -1) {
		apim_err_set(APIM_SOFTWARE, "cannot make an id");
		goto fail;
	}
	if (dflt && apim_store_exec(db, "UPDATE api SET is_default = 0, updated_ms = ? "
	    "WHERE name = ? AND is_default = 1", "Is", now, name) == -1)
		goto fail;
	if (apim_store_exec(db, "INSERT INTO api (id, name, version, context, provider, "
	    "description, state, endpoint, sandbox_endpoint, api_policy, visibility, "
	    "auth, is_default, created_ms, updated_ms) SELECT ?, name, ?, context, "
	    "provider, description, 'CREATED', endpoint, sandbox_endpoint, api_policy, "
	    "visibility, auth, ?, ?, ? FROM api WHERE id = ?", "ssiIIs", newid, newver,
	    dflt ? 1 : 0, now, now, id) == -1 ||
	    apim_store_exec(db, "UPDATE api SET endpoint_config = (SELECT "
	    "endpoint_config FROM api WHERE id = ?) WHERE id = ?", "ss", id,
	    newid) == -1 ||
	    copy_rows(db, id, newid) == -1 ||
	    apim_lifecycle_record(db, newid, "create", NULL, "CREATED", actor) == -1)
		goto fail;
	return apim_store_commit(db);
fail:
	apim_store_rollback(db);
	return -1;
}

/* ---- documents ---- */

static const char *const doc_types[] = { "HOWTO", "SAMPLES", "PUBLIC_FORUM",
	"SUPPORT_FORUM", "OTHER", NULL };

static int
doc_add(sqlite3 *db, const char *id, const char *name, const char *type,
    const char *source, const char *content, size_t len, const char *file_name,
    const char *url, int in_tx)
{
	char did[37];
	int i, ok = 0, rc;

	if (name == NULL)
		return bad("missing %s", "document name");
	if (*name == '\0')
		return bad("invalid %s '': empty", "document name");
	if (apim_text_check("document name", name, APIM_NAME_MAX, 0) == -1 ||
	    apim_text_check("document type", type, APIM_NAME_MAX, 0) == -1 ||
	    apim_text_check("file name", file_name, APIM_NAME_MAX, 0) == -1)
		return -1;
	if (content && strcmp(source, "INLINE") == 0 &&
	    (strlen(content) != len || apim_text_check("document content",
	    content, 0, APIM_TEXT_MULTILINE) == -1)) {
		if (strlen(content) != len)
			apim_err_set(APIM_DATAERR, "invalid document content: "
			    "contains a NUL byte");
		return -1;
	}
	for (i = 0; doc_types[i]; i++)
		if (type && strcmp(type, doc_types[i]) == 0)
			ok = 1;
	if (!ok)
		return bad("bad document type '%s' (HOWTO, SAMPLES, PUBLIC_FORUM, "
		    "SUPPORT_FORUM, OTHER)", type ? type : "");
	if (strcmp(source, "URL") == 0 && url_valid("document URL", url) == -1)
		return -1;
	if (apim_uuid_new(did) == -1) {
		apim_err_set(APIM_SOFTWARE, "cannot make an id");
		return -1;
	}
	if (in_tx)
		goto insert;
	if (apim_store_begin(db) == -1)
		return -1;
insert:
	if (content && strcmp(source, "FILE") == 0)
		rc = apim_store_exec(db, "INSERT INTO doc (id, api_id, name, type, source, "
		    "content, file_name, url, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "sssssbssI", did, id, name, type, source, content, (int)len,
		    file_name, url, apim_now_ms());
	else
		rc = apim_store_exec(db, "INSERT INTO doc (id, api_id, name, type, source, "
		    "content, file_name, url, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "ssssssssI", did, id, name, type, source, content, file_name, url,
		    apim_now_ms());
	if (rc == -1) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "document '%s' already exists", name);
		if (!in_tx)
			apim_store_rollback(db);
		return -1;
	}
	if (in_tx)
		return 0;
	if (touch(db, id) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}

int
apim_api_doc_add(sqlite3 *db, const char *id, const char *name,
    const char *type, const char *source, const char *content, size_t len,
    const char *file_name, const char *url)
{
	return doc_add(db, id, name, type, source, content, len, file_name, url, 0);
}

/* The "documents" of a new API ({name, type, sourceType INLINE|URL,
 * inlineContent, sourceUrl}), in create's transaction. */
static int
docs_store(sqlite3 *db, const char *id, const json_t *api)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(api, "documents"), i, d) {
		const char *c = json_string_value(json_object_get(d, "inlineContent"));
		const char *src = json_string_value(json_object_get(d, "sourceType"));

		if (doc_add(db, id, json_string_value(json_object_get(d, "name")),
		    json_string_value(json_object_get(d, "type")), src ? src : "INLINE",
		    c, c ? strlen(c) : 0, NULL, json_string_value(json_object_get(d,
		    "sourceUrl")), 1) == -1) {
			char msg[600];

			snprintf(msg, sizeof msg, "%s", apim_err_msg());
			apim_err_set(apim_err_code(), "document '%s': %s",
			    json_string_value(json_object_get(d, "name")), msg);
			return -1;
		}
	}
	return 0;
}

/* A document from a doc row (id, name, type, source, file_name, url,
 * created_ms). */
static json_t *
doc_object(sqlite3 *db, sqlite3_stmt *st)
{
	char t[32];

	(void)db;
	apim_time_iso(sqlite3_column_int64(st, 6), t);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s}",
	    "documentId", apim_store_text(st, 0), "name", apim_store_text(st, 1),
	    "type", apim_store_text(st, 2), "sourceType", apim_store_text(st, 3),
	    "fileName", (const char *)sqlite3_column_text(st, 4),
	    "sourceUrl", (const char *)sqlite3_column_text(st, 5), "createdTime", t);
}

json_t *
apim_api_docs(sqlite3 *db, const char *id)
{
	return apim_store_rows_json(db, apim_store_prep(db, "SELECT id, name, type, "
	    "source, file_name, url, created_ms FROM doc WHERE api_id = ? ORDER BY "
	    "name", "s", id), doc_object);
}

json_t *
apim_api_doc_get(sqlite3 *db, const char *id, const char *name,
    char **content, size_t *len)
{
	sqlite3_stmt *st;
	json_t *o = NULL;
	int rc;

	*content = NULL;
	*len = 0;
	if ((st = apim_store_prep(db, "SELECT id, name, type, source, file_name, url, "
	    "created_ms, content FROM doc WHERE api_id = ? AND name = ?", "ss", id,
	    name)) == NULL)
		return NULL;
	if ((rc = apim_store_step(db, st)) == 1) {
		o = doc_object(db, st);
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			const void *b = sqlite3_column_blob(st, 7);

			*len = (size_t)sqlite3_column_bytes(st, 7);
			*content = apim_xmalloc(*len + 1);
			if (*len)
				memcpy(*content, b, *len);
			(*content)[*len] = '\0';
			if (strcmp(apim_store_text(st, 3), "INLINE") == 0)
				json_object_set_new(o, "inlineContent", json_string(*content));
		}
	} else if (rc == 0)
		apim_err_set(APIM_NO, "no document '%s'", name);
	sqlite3_finalize(st);
	return o;
}

int
apim_api_doc_delete(sqlite3 *db, const char *id, const char *name)
{
	int n;

	if (apim_store_begin(db) == -1)
		return -1;
	n = apim_store_exec(db, "DELETE FROM doc WHERE api_id = ? AND name = ?",
	    "ss", id, name);
	if (n == 0)
		apim_err_set(APIM_NO, "no document '%s'", name);
	if (n <= 0 || touch(db, id) == -1) {
		apim_store_rollback(db);
		return -1;
	}
	return apim_store_commit(db);
}
