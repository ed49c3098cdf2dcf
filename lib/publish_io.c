/* publish_io: apim-publish import (OpenAPI 2/3, JSON or YAML, flags laid over
 * the document) and export (OpenAPI 3.0.3, JSON or YAML).  See lib/openapi.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
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

int
apim_publish_import(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *file, *name;
	char *buf;
	size_t len, max;
	json_t *doc, *api, *flags, *ec;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	file = a->pos[0];
	name = strcmp(file, "-") == 0 ? "stdin" : file;
	if (apim_conf_size("max_definition", APIM_DEFINITION_MAX, &max) == -1)
		return -1;
	if ((buf = apim_file_read_max(file, max, &len)) == NULL) {
		if (apim_err_code() == APIM_DATAERR)
			apim_err_set(APIM_DATAERR, "definition '%s' is larger than "
			    "%zu bytes (max_definition in apim.conf)", name, max);
		return -1;
	}
	doc = apim_openapi_load(buf, len, name);
	free(buf);
	if (doc == NULL)
		return -1;
	api = apim_openapi_to_api(doc, name);
	json_decref(doc);
	if (api == NULL)
		return -1;
	flags = apim_publish_fields(a);
	overlay(api, flags);
	json_decref(flags);
	if (field(api, "name") == NULL || field(api, "version") == NULL) {
		apim_err_set(APIM_DATAERR, "'%s': no %s: the document has no "
		    "info.%s; give --%s", name, field(api, "name") ? "version" :
		    "name", field(api, "name") ? "version" : "title",
		    field(api, "name") ? "version" : "name");
		json_decref(api);
		return -1;
	}
	if (json_array_size(ec = apim_endpoints_urls(json_object_get(api,
	    "endpointConfig"), 0)) == 0) {
		json_decref(ec);
		apim_err_set(APIM_DATAERR, "'%s': no endpoint: the document has no "
		    "x-wso2-production-endpoints, absolute server URL or host; "
		    "give --endpoint URL", name);
		json_decref(api);
		return -1;
	}
	json_decref(ec);
	return apim_publish_add(ctx, api);
}

int
apim_publish_export(struct apim_ctx *ctx, struct apim_args *a)
{
	const char *fmt = apim_args_get(a, "format");
	sqlite3 *db;
	char id[37], *s;
	json_t *api, *doc;
	int rc = 0;

	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if (fmt == NULL)
		fmt = "json";
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "yaml") != 0) {
		apim_err_set(APIM_USAGE, "bad format '%s' (json, yaml)", fmt);
		return -1;
	}
	if ((db = apim_ctx_db(ctx)) == NULL ||
	    apim_api_resolve(db, a->pos[0], id) == -1 ||
	    (api = apim_api_get(db, id)) == NULL)
		return -1;
	doc = apim_openapi_from_api(api);
	json_decref(api);
	if (strcmp(fmt, "json") == 0) {
		if (apim_out_json(stdout, doc, 1) == -1) {
			apim_err_set(APIM_IOERR, "cannot write the document");
			rc = -1;
		}
	} else if ((s = apim_yml_emit(doc)) == NULL)
		rc = -1;
	else {
		fputs(s, stdout);
		free(s);
	}
	json_decref(doc);
	if (rc == 0 && fflush(stdout) == EOF) {
		apim_err_set(APIM_IOERR, "cannot write the document");
		rc = -1;
	}
	return rc;
}
