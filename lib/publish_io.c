/* publish_io: apim-publish import (OpenAPI 2/3 JSON or YAML, or a WSO2 apictl
 * API project directory; flags laid over) and export (the stored definition
 * with the store's state merged in, as a document or a project). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "endpoints.h"
#include "err.h"
#include "openapi.h"
#include "out.h"
#include "publish.h"
#include "util.h"
#include "yml.h"

/* Lay the flags over the document's object: each given field replaces the
 * document's; endpoints replace one by one. */
static void
overlay(json_t *api, json_t *flags)
{
	const char *k;
	json_t *v, *ec, *e;

	json_object_foreach(flags, k, v) {
		if (strcmp(k, "endpointConfig") != 0) {
			json_object_set(api, k, v);
			continue;
		}
		if (json_object_get(v, "endpoint_type") != NULL) {
			/* --endpoint-type: the flags' lists replace the
			 * document's (its sandbox ones stay if none given) */
			json_t *old = json_object_get(api, "endpointConfig");
			json_t *nec = json_deep_copy(v);

			if (old && json_object_get(nec, "sandbox_endpoints") == NULL) {
				json_t *sp = apim_endpoints_urls(old, 0);
				json_t *sb = apim_endpoints_urls(old, 1);
				json_t *pp = apim_endpoints_urls(nec, 0);

				json_decref(nec);
				nec = apim_endpoints_config(apim_endpoints_type_of(
				    json_string_value(json_object_get(v,
				    "endpoint_type"))), json_array_size(pp) ? pp : sp, sb);
				json_decref(sp);
				json_decref(sb);
				json_decref(pp);
			}
			json_object_set_new(api, "endpointConfig", nec);
			continue;
		}
		if ((ec = json_object_get(api, "endpointConfig")) == NULL) {
			ec = json_pack("{s:s}", "endpoint_type", "http");
			json_object_set_new(api, "endpointConfig", ec);
		}
		if ((e = json_object_get(v, "production_endpoints")) != NULL)
			json_object_set(ec, "production_endpoints", e);
		if ((e = json_object_get(v, "sandbox_endpoints")) != NULL)
			json_object_set(ec, "sandbox_endpoints", e);
	}
}

static const char *
field(const json_t *api, const char *k)
{
	return json_string_value(json_object_get(api, k));
}

/* Print the mapper's warnings on stderr. */
static void
print_warnings(const json_t *w)
{
	size_t i;
	json_t *v;

	json_array_foreach(w, i, v)
		fprintf(stderr, "%s: warning: %s\n", apim_prog(),
		    json_string_value(v));
}

/* Read a definition file (size-limited) and parse it: *keep gets the
 * document to store (YAML numbers as numbers), the result the one to map
 * (YAML numbers as written: "version: 1.10" is "1.10"). */
static json_t *
load_doc(const char *file, const char *name, json_t **keep)
{
	char *buf;
	size_t len, max, i = 0;
	json_t *doc;

	if (apim_conf_size("max_definition", APIM_DEFINITION_MAX, &max) == -1)
		return NULL;
	if ((buf = apim_file_read_max(file, max, &len)) == NULL) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "definition '%s' is larger than "
			    "%zu bytes (max_definition in apim.conf)", name, max);
		return NULL;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;	/* a UTF-8 byte order mark */
	while (i < len && strchr(" \t\r\n", buf[i]) != NULL && buf[i] != '\0')
		i++;
	if (i == len) {		/* empty: the loader says so */
		*keep = NULL;
		doc = apim_openapi_load(buf, len, name);
	} else if (buf[i] == '{') {	/* JSON: kept as is */
		doc = apim_openapi_load(buf, len, name);
		*keep = doc ? json_stringn(buf + i, len - i) : NULL;
	} else if ((*keep = doc = apim_openapi_load_yaml(buf, len, name)) != NULL) {
		/* YAML, read once with numbers as numbers; only when its
		 * info.version is a plain number is it read again, as written */
		json_incref(doc);
		if (json_is_number(json_object_get(json_object_get(doc, "info"),
		    "version"))) {
			json_decref(doc);
			if ((doc = apim_openapi_load(buf, len, name)) == NULL) {
				json_decref(*keep);
				*keep = NULL;
			}
		}
	}
	free(buf);
	return doc;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = apim_xmalloc(n);

	snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* WSO2's securityScheme words: oauth2 and api_key are apim's; the
 * mandatory/optional markers (oauth_basic_auth_api_key_mandatory, ...) say
 * how they combine and are implied; basic_auth and mutualssl are not
 * enforced (a warning). */
static json_t *
wso2_security(const json_t *in, json_t *warnings)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(in, i, v) {
		const char *w = json_string_value(v);

		if (w == NULL)
			continue;
		if (strcmp(w, "oauth2") == 0 || strcmp(w, "api_key") == 0)
			json_array_append(out, v);
		else if (strstr(w, "_mandatory") == NULL) {
			char msg[300];

			snprintf(msg, sizeof msg, "'api.yaml#/data/securityScheme/%zu': "
			    "'%s' is not enforced by apim", i, w);
			json_array_append_new(warnings, json_string(msg));
		}
	}
	return out;
}

/* One WSO2 authType ("Application & Application User", "None", ...). */
static const char *
wso2_auth(const char *a)
{
	if (a == NULL)
		return NULL;
	if (strcasecmp(a, "none") == 0)
		return "none";
	if (strcasecmp(a, "api_key") == 0)
		return "api_key";
	if (strcmp(a, "oauth2,api_key") == 0)
		return a;
	return "oauth2";
}

struct pdoc {
	char *name, *type, *source, *content, *url;
	size_t len;
};

static void
pdocs_free(struct pdoc *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].type);
		free(d[i].source);
		free(d[i].content);
		free(d[i].url);
	}
	free(d);
}

/* Docs/NAME/document.yaml (+ Docs/NAME/NAME for inline content). */
static int
read_docs(const char *dir, struct pdoc **out, size_t *n)
{
	char *docs = join(dir, "Docs"), *p, *q;
	DIR *d;
	struct dirent *e;
	struct pdoc *v = NULL;
	size_t k = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if ((d = opendir(docs)) == NULL) {
		free(docs);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		json_t *y, *data;
		char *buf;
		size_t len;
		const char *src, *t;

		if (e->d_name[0] == '.')
			continue;
		p = join(docs, e->d_name);
		q = join(p, "document.yaml");
		if (!is_dir(p) || (buf = apim_file_read_max(q, 1 << 20, &len)) == NULL) {
			free(p);
			free(q);
			continue;
		}
		y = apim_openapi_load(buf, len, q);
		free(buf);
		data = json_object_get(y, "data");
		if (!json_is_object(data) || !json_is_string(json_object_get(data,
		    "name"))) {
			apim_err_set(APIM_DATAERR, "'%s': not a WSO2 document (no "
			    "data.name)", q);
			json_decref(y);
			free(p);
			free(q);
			rc = -1;
			break;
		}
		v = apim_xreallocarray(v, k + 1, sizeof *v);
		memset(&v[k], 0, sizeof v[k]);
		v[k].name = apim_strdup(json_string_value(json_object_get(data, "name")));
		t = json_string_value(json_object_get(data, "type"));
		v[k].type = apim_strdup(t ? t : "OTHER");
		src = json_string_value(json_object_get(data, "sourceType"));
		if (src && strcmp(src, "URL") == 0) {
			v[k].source = apim_strdup("URL");
			t = json_string_value(json_object_get(data, "sourceUrl"));
			v[k].url = apim_strdup(t ? t : "");
		} else {
			char *cf = join(p, v[k].name);

			v[k].source = apim_strdup("INLINE");
			if ((t = json_string_value(json_object_get(data,
			    "inlineContent"))) != NULL) {
				v[k].content = apim_strdup(t);
				v[k].len = strlen(t);
			} else if ((v[k].content = apim_file_read_max(cf, 1 << 20,
			    &v[k].len)) == NULL) {
				v[k].content = apim_strdup("");
				v[k].len = 0;
			}
			free(cf);
		}
		k++;
		json_decref(y);
		free(p);
		free(q);
	}
	closedir(d);
	free(docs);
	*out = v;
	*n = k;
	return rc;
}

/* A WSO2 apictl project: api.yaml's data laid over its definition's API. */
static json_t *
project_api(const char *dir, json_t *warnings, json_t **defp)
{
	static const char *const defs[] = { "Definitions/swagger.yaml",
	    "Definitions/swagger.json", "Definitions/openapi.yaml",
	    "Definitions/openapi.json", NULL };
	static const char *const fields[] = { "name", "context", "version",
	    "description", "policies", "apiThrottlingPolicy", "transport", "tags",
	    "visibility", "visibleRoles", "corsConfiguration",
	    "authorizationHeader", "apiKeyHeader", "responseCachingEnabled",
	    "cacheTimeout", "endpointConfig", "isDefaultVersion", "scopes", NULL };
	char *ay = join(dir, "api.yaml"), *df = NULL, *buf;
	json_t *y, *data, *doc = NULL, *keep = NULL, *api, *v, *op;
	size_t len, i;
	int k;

	if ((buf = apim_file_read_max(ay, 4 << 20, &len)) == NULL) {
		if (apim_err_code() == APIM_NOINPUT)
			apim_err_set(APIM_NOINPUT, "'%s': not an apictl API project "
			    "(no api.yaml)", dir);
		free(ay);
		return NULL;
	}
	y = apim_yml_parse(buf, len, ay, 0);	/* numbers are numbers here */
	free(buf);
	if (y == NULL) {
		free(ay);
		return NULL;
	}
	data = json_object_get(y, "data");
	if (!json_is_object(data) || (json_object_get(y, "type") &&
	    !apim_openapi_str_is(json_object_get(y, "type"), "api"))) {
		apim_err_set(APIM_DATAERR, "'%s': not a WSO2 API project file "
		    "(want type: api and a data mapping)", ay);
		json_decref(y);
		free(ay);
		return NULL;
	}
	free(ay);
	for (k = 0; defs[k]; k++) {
		df = join(dir, defs[k]);
		if (access(df, R_OK) == 0)
			break;
		free(df);
		df = NULL;
	}
	if (df == NULL) {
		apim_err_set(APIM_DATAERR, "'%s': no Definitions/swagger.yaml", dir);
		json_decref(y);
		return NULL;
	}
	doc = load_doc(df, df, &keep);
	api = doc ? apim_openapi_map(doc, df, warnings) : NULL;
	json_decref(doc);
	doc = keep;
	free(df);
	if (api == NULL) {
		json_decref(doc);
		json_decref(y);
		return NULL;
	}
	for (k = 0; fields[k]; k++)
		if ((v = json_object_get(data, fields[k])) != NULL && !json_is_null(v))
			json_object_set(api, fields[k], v);
	if ((v = json_object_get(data, "endpointConfig")) != NULL) {
		json_t *ec = apim_endpoints_normalize(v);

		if (ec)
			json_object_set_new(api, "endpointConfig", ec);
	}
	if (json_is_array(v = json_object_get(data, "securityScheme")))
		json_object_set_new(api, "securityScheme", wso2_security(v, warnings));
	if (json_is_string(json_object_get(data, "visibility")))
		json_object_set_new(api, "visibility", json_string(
		    strcasecmp(json_string_value(json_object_get(data, "visibility")),
		    "RESTRICTED") == 0 ? "RESTRICTED" : "PUBLIC"));
	/* api.yaml operations: their tiers, auth types and scopes win */
	json_array_foreach(json_object_get(data, "operations"), i, op) {
		size_t j;
		json_t *o;

		json_array_foreach(json_object_get(api, "operations"), j, o) {
			const char *a;

			if (!json_equal(json_object_get(o, "target"),
			    json_object_get(op, "target")) || strcasecmp(
			    json_string_value(json_object_get(o, "verb")),
			    json_string_value(json_object_get(op, "verb")) ?
			    json_string_value(json_object_get(op, "verb")) : "") != 0)
				continue;
			if (json_is_string(json_object_get(op, "throttlingPolicy")))
				json_object_set(o, "throttlingPolicy",
				    json_object_get(op, "throttlingPolicy"));
			a = wso2_auth(json_string_value(json_object_get(op,
			    "authType")));
			if (a && json_object_get(o, "authType") != NULL &&
			    !json_is_null(json_object_get(o, "authType")))
				json_object_set_new(o, "authType", json_string(a));
			else if (a && strcmp(a, "none") == 0)
				json_object_set_new(o, "authType", json_string(a));
			if (json_array_size(json_object_get(op, "scopes")) > 0)
				json_object_set(o, "scopes", json_object_get(op, "scopes"));
		}
	}
	json_decref(y);
	*defp = doc;
	return api;
}

int
apim_publish_import(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *file, *name;
	json_t *doc = NULL, *api, *flags, *ec, *warnings = json_array();
	struct pdoc *docs = NULL;
	size_t ndocs = 0, i;
	sqlite3 *db;
	char id[37];

	if (apim_args_npos(a, 1, 1) == -1) {
		json_decref(warnings);
		return -1;
	}
	file = a->pos[0];
	name = strcmp(file, "-") == 0 ? "stdin" : file;
	if (strcmp(file, "-") != 0 && is_dir(file)) {
		if ((api = project_api(file, warnings, &doc)) == NULL ||
		    read_docs(file, &docs, &ndocs) == -1) {
			json_decref(api);
			json_decref(doc);
			json_decref(warnings);
			return -1;
		}
	} else {
		json_t *keep = NULL;

		if ((doc = load_doc(file, name, &keep)) == NULL) {
			json_decref(warnings);
			return -1;
		}
		api = apim_openapi_map(doc, name, warnings);
		json_decref(doc);
		doc = keep;
		if (api != NULL && json_is_object(doc)) {
			/* YAML: kept as JSON text, and the tree freed before the
			 * store copies that text, so that the two are never alive
			 * at once with the store's copies (peak memory); sized
			 * first, as json_dumps would hold its growing buffer and a
			 * copy of it beside the tree */
			size_t n = json_dumpb(doc, NULL, 0, JSON_COMPACT);
			char *s = n > 0 ? apim_xreallocarray(NULL, n, 1) : NULL;

			if (s != NULL && json_dumpb(doc, s, n, JSON_COMPACT) != n) {
				free(s);
				s = NULL;
			}
			json_decref(doc);
			doc = s ? json_stringn_nocheck(s, n) : NULL;
			free(s);
			if (doc == NULL) {
				apim_err_set(APIM_SOFTWARE, "'%s': cannot keep the "
				    "definition", name);
				json_decref(api);
				json_decref(warnings);
				return -1;
			}
		}
	}
	if (api == NULL) {
		json_decref(doc);
		json_decref(warnings);
		return -1;
	}
	json_object_set_new(api, "apiDefinition", doc);
	flags = apim_publish_fields(a);
	overlay(api, flags);
	json_decref(flags);
	if (field(api, "name") == NULL || field(api, "version") == NULL) {
		apim_err_set(APIM_DATAERR, "'%s': no %s: the document has no "
		    "info.%s; give --%s", name, field(api, "name") ? "version" :
		    "name", field(api, "name") ? "version" : "title",
		    field(api, "name") ? "version" : "name");
		goto fail;
	}
	if (json_array_size(ec = apim_endpoints_urls(json_object_get(api,
	    "endpointConfig"), 0)) == 0) {
		json_decref(ec);
		apim_err_set(APIM_DATAERR, "'%s': no endpoint: the document has no "
		    "x-wso2-production-endpoints, absolute server URL or host; "
		    "give --endpoint URL", name);
		goto fail;
	}
	json_decref(ec);
	if (ndocs > 0) {
		json_t *dl = json_array();

		for (i = 0; i < ndocs; i++) {
			json_t *d = json_pack("{s:s, s:s, s:s}", "name", docs[i].name,
			    "type", docs[i].type, "sourceType", docs[i].source);

			if (docs[i].content)
				json_object_set_new(d, "inlineContent",
				    json_stringn(docs[i].content, docs[i].len));
			if (docs[i].url)
				json_object_set_new(d, "sourceUrl", json_string(docs[i].url));
			json_array_append_new(dl, d);
		}
		json_object_set_new(api, "documents", dl);
	}
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_publish_scopes_defined(db, api) == -1 ||
	    apim_api_create(db, api, ctx->actor, id) == -1) {
		if (ndocs > 0 && strncmp(apim_err_msg(), "document '", 10) == 0) {
			char msg[700];

			snprintf(msg, sizeof msg, "%s", apim_err_msg());
			apim_err_set(apim_err_code(), "'%s': %s", name, msg);
		}
		goto fail;
	}
	print_warnings(warnings);
	json_decref(warnings);
	json_decref(api);
	pdocs_free(docs, ndocs);
	return apim_publish_print_api(ctx, id);
fail:
	json_decref(api);
	json_decref(warnings);
	pdocs_free(docs, ndocs);
	return -1;
}

/* ---- export ---- */

static int
write_file(const char *dir, const char *rel, const char *data, size_t n)
{
	char *p = join(dir, rel);
	int rc = apim_file_write_atomic(p, data, n, 0644);

	free(p);
	return rc;
}

static int
mkdirs(const char *dir, const char *rel)
{
	char *p = join(dir, rel);
	int rc = mkdir(p, 0755) == -1 && errno != EEXIST ? -1 : 0;

	if (rc == -1)
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", p,
		    strerror(errno));
	free(p);
	return rc;
}

static int
write_yaml(const char *dir, const char *rel, const json_t *v)
{
	char *s = apim_yml_emit(v);
	int rc;

	if (s == NULL)
		return -1;
	rc = write_file(dir, rel, s, strlen(s));
	free(s);
	return rc;
}

/* WSO2 4.x apictl project: api.yaml (type api, data = the APIDTO),
 * Definitions/swagger.yaml, deployment_environments.yaml, Docs/NAME/. */
static int
write_project(sqlite3 *db, const char *id, const char *dir, json_t *api,
    const json_t *doc)
{
	json_t *data = json_deep_copy(api), *docs, *d, *ops, *op, *y;
	size_t i;
	int rc;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", dir,
		    strerror(errno));
		json_decref(data);
		return -1;
	}
	if (mkdirs(dir, "Definitions") == -1 || mkdirs(dir, "Docs") == -1) {
		json_decref(data);
		return -1;
	}
	json_object_set_new(data, "type", json_string("HTTP"));
	if (json_object_get(data, "transport") == NULL)
		json_object_set_new(data, "transport", json_pack("[s, s]", "http",
		    "https"));
	ops = json_object_get(data, "operations");
	json_array_foreach(ops, i, op) {
		const char *at = json_string_value(json_object_get(op, "authType"));

		json_object_set_new(op, "id", json_string(""));
		json_object_set_new(op, "authType", json_string(at == NULL ?
		    "Application & Application User" : strcmp(at, "none") == 0 ?
		    "None" : at));
		if (json_is_null(json_object_get(op, "throttlingPolicy")))
			json_object_set_new(op, "throttlingPolicy",
			    json_string("Unlimited"));
	}
	y = json_pack("{s:s, s:s, s:o}", "type", "api", "version", "v4.2.0",
	    "data", data);
	rc = write_yaml(dir, "api.yaml", y);
	json_decref(y);
	if (rc == -1 || write_yaml(dir, "Definitions/swagger.yaml", doc) == -1)
		return -1;
	y = json_pack("{s:s, s:s, s:[{s:b, s:s}]}", "type", "deployment_environments",
	    "version", "v4.2.0", "data", "displayOnDevportal", 1,
	    "deploymentEnvironment", "Default");
	rc = write_yaml(dir, "deployment_environments.yaml", y);
	json_decref(y);
	if (rc == -1 || (docs = apim_api_docs(db, id)) == NULL)
		return -1;
	json_array_foreach(docs, i, d) {
		const char *dn = json_string_value(json_object_get(d, "name"));
		char *content = NULL, rel[700];
		size_t len = 0;
		json_t *full = apim_api_doc_get(db, id, dn, &content, &len), *dd;

		if (full == NULL || strchr(dn, '/') || dn[0] == '.') {
			json_decref(full);
			free(content);
			continue;	/* a name that is no file name */
		}
		snprintf(rel, sizeof rel, "Docs/%s", dn);
		rc = mkdirs(dir, rel);
		dd = json_pack("{s:s, s:s, s:{s:O, s:O, s:O, s:s, s:s}}", "type",
		    "document", "version", "v4.2.0", "data", "name",
		    json_object_get(full, "name"), "type", json_object_get(full, "type"),
		    "sourceType", json_object_get(full, "sourceType"), "summary", "",
		    "visibility", "API_LEVEL");
		if (json_object_get(full, "sourceUrl"))
			json_object_set(json_object_get(dd, "data"), "sourceUrl",
			    json_object_get(full, "sourceUrl"));
		snprintf(rel, sizeof rel, "Docs/%s/document.yaml", dn);
		if (rc == 0)
			rc = write_yaml(dir, rel, dd);
		snprintf(rel, sizeof rel, "Docs/%s/%s", dn, dn);
		if (rc == 0 && content)
			rc = write_file(dir, rel, content, len);
		json_decref(dd);
		json_decref(full);
		free(content);
		if (rc == -1) {
			json_decref(docs);
			return -1;
		}
	}
	json_decref(docs);
	return 0;
}

int
apim_publish_export(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *fmt = apim_args_get(a, "format");
	const char *oas = apim_args_get(a, "oas");
	const char *proj = apim_args_get(a, "project");
	int sw2 = apim_args_get(a, "swagger2") != NULL;
	sqlite3 *db;
	char id[37];
	json_t *api, *doc, *def;
	int rc = 0;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (fmt == NULL)
		fmt = "json";
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "yaml") != 0) {
		apim_err_set(APIM_USAGE, "bad format '%s' (json, yaml)", fmt);
		return -1;
	}
	if (oas && strcmp(oas, "3.0") != 0 && strcmp(oas, "3.1") != 0) {
		apim_err_set(APIM_USAGE, "bad --oas '%s' (3.0, 3.1)", oas);
		return -1;
	}
	if (oas && sw2) {
		apim_err_set(APIM_USAGE, "--oas and --swagger2 exclude each other");
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_api_resolve(db, a->pos[0], id) == -1 ||
	    (api = apim_api_get(db, id)) == NULL)
		return -1;
	if ((def = apim_api_definition(db, id)) == NULL &&
	    apim_err_code() != APIM_NO) {
		json_decref(api);
		return -1;
	}
	doc = apim_openapi_export(api, def);	/* consumes def */
	if (oas || sw2) {
		json_t *c = apim_openapi_convert(doc, sw2 ? "2.0" : oas);

		json_decref(doc);
		if ((doc = c) == NULL) {
			json_decref(api);
			return -1;
		}
	}
	if (proj) {
		rc = write_project(db, id, proj, api, doc);
		json_decref(api);
		json_decref(doc);
		return rc;
	}
	json_decref(api);
	if (strcmp(fmt, "json") == 0) {
		if (apim_out_json(stdout, doc, 1) == -1) {
			apim_err_set(APIM_IOERR, "cannot write the document");
			rc = -1;
		}
	} else if (apim_yml_emit_file(stdout, doc) == -1) {
		if (apim_err_code() == APIM_IOERR)
			apim_err_set(APIM_IOERR, "cannot write the document");
		rc = -1;
	}
	json_decref(doc);
	if (rc == 0 && fflush(stdout) == EOF) {
		apim_err_set(APIM_IOERR, "cannot write the document");
		rc = -1;
	}
	return rc;
}
