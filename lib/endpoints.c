/* endpoints: WSO2 endpointConfig lists read, checked, normalised and built;
 * the parsed form the backend client picks endpoints from. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "endpoints.h"
#include "err.h"
#include "url.h"
#include "util.h"

struct apim_endpoints {
	int type;
	size_t n;
	size_t rr;		/* round robin position (load_balance) */
	char **urls;
};

static const char *const type_names[] = { "http", "load_balance", "failover" };

int
apim_endpoints_type_of(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(name, type_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "loadbalance") == 0)
		return APIM_ENDPOINTS_LOAD_BALANCE;
	return -1;
}

const char *
apim_endpoints_type_name(int type)
{
	return type >= 0 && type <= APIM_ENDPOINTS_FAILOVER ?
	    type_names[type] : "http";
}

/* Append the URLs of v ({"url"}, [{"url"}, ...], or null/absent) to out.
 * -1 with APIM_DATAERR if the shape is wrong. */
static int
collect(const json_t *v, const char *key, json_t *out)
{
	size_t i;
	const json_t *e;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_object(v)) {
		const json_t *u = json_object_get(v, "url");

		if (u == NULL || json_is_null(u) ||
		    (json_is_string(u) && json_string_length(u) == 0))
			return 0;	/* {"url": ""}: none */
		if (!json_is_string(u)) {
			apim_err_set(APIM_DATAERR, "%s: url must be a string", key);
			return -1;
		}
		json_array_append(out, (json_t *)u);
		return 0;
	}
	if (!json_is_array(v)) {
		apim_err_set(APIM_DATAERR, "%s must be {\"url\": ...} or a list of them",
		    key);
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (json_is_string(e)) {	/* lenient: a bare URL */
			json_array_append(out, (json_t *)e);
			continue;
		}
		if (!json_is_object(e) || collect(e, key, out) < 0) {
			if (!json_is_object(e))
				apim_err_set(APIM_DATAERR,
				    "%s must be {\"url\": ...} or a list of them", key);
			return -1;
		}
	}
	return 0;
}

/* The type of ec, -1 with APIM_DATAERR if unknown (absent: http). */
static int
type_of(const json_t *ec)
{
	const json_t *t = json_object_get(ec, "endpoint_type");
	int type;

	if (t == NULL || json_is_null(t))
		return APIM_ENDPOINTS_HTTP;
	if (!json_is_string(t) || (type = apim_endpoints_type_of(
	    json_string_value(t))) < 0) {
		apim_err_set(APIM_DATAERR, "endpoint_type must be http, load_balance "
		    "or failover");
		return -1;
	}
	return type;
}

/* The URLs of one key type, checked; NULL with the error set. */
static json_t *
urls_checked(const json_t *ec, int type, int sandbox)
{
	const char *ep = sandbox ? "sandbox_endpoints" : "production_endpoints";
	const char *fo = sandbox ? "sandbox_failovers" : "production_failovers";
	const char *what = sandbox ? "sandbox endpoint" : "endpoint";
	json_t *out = json_array(), *e;
	size_t i, j;

	if (collect(json_object_get(ec, ep), ep, out) < 0 ||
	    (type == APIM_ENDPOINTS_FAILOVER &&
	    collect(json_object_get(ec, fo), fo, out) < 0))
		goto fail;
	if (json_array_size(out) > APIM_ENDPOINTS_MAX) {
		apim_err_set(APIM_DATAERR, "too many %ss (at most %d)", what,
		    APIM_ENDPOINTS_MAX);
		goto fail;
	}
	json_array_foreach(out, i, e) {
		if (apim_url_check(what, json_string_value(e)) < 0)
			goto fail;
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(out, j)),
			    json_string_value(e)) == 0) {
				apim_err_set(APIM_DATAERR, "%s listed twice", what);
				goto fail;
			}
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *
apim_endpoints_urls(const json_t *ec, int sandbox)
{
	json_t *out = json_array();
	int type = type_of(ec);

	if (!json_is_object(ec))
		return out;
	collect(json_object_get(ec, sandbox ? "sandbox_endpoints" :
	    "production_endpoints"), "", out);
	if (type == APIM_ENDPOINTS_FAILOVER)
		collect(json_object_get(ec, sandbox ? "sandbox_failovers" :
		    "production_failovers"), "", out);
	return out;
}

struct apim_endpoints *
apim_endpoints_new(const json_t *ec, int sandbox)
{
	struct apim_endpoints *e;
	json_t *urls, *u;
	int type;
	size_t i;

	if (!json_is_object(ec)) {
		apim_err_set(APIM_NO, "no %sendpoint", sandbox ? "sandbox " : "");
		return NULL;
	}
	if ((type = type_of(ec)) < 0 || (urls = urls_checked(ec, type, sandbox)) == NULL)
		return NULL;
	if (json_array_size(urls) == 0) {
		json_decref(urls);
		apim_err_set(APIM_NO, "no %sendpoint", sandbox ? "sandbox " : "");
		return NULL;
	}
	e = apim_xcalloc(1, sizeof(*e));
	e->type = json_array_size(urls) == 1 ? APIM_ENDPOINTS_HTTP : type;
	e->n = json_array_size(urls);
	e->urls = apim_xcalloc(e->n, sizeof(*e->urls));
	json_array_foreach(urls, i, u)
		e->urls[i] = apim_strdup(json_string_value(u));
	json_decref(urls);
	return e;
}

void
apim_endpoints_free(struct apim_endpoints *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		free(e->urls[i]);
	free(e->urls);
	free(e);
}

int
apim_endpoints_type(const struct apim_endpoints *e)
{
	return e->type;
}

size_t
apim_endpoints_count(const struct apim_endpoints *e)
{
	return e->n;
}

const char *
apim_endpoints_url(const struct apim_endpoints *e, size_t i)
{
	return i < e->n ? e->urls[i] : NULL;
}

size_t
apim_endpoints_next(struct apim_endpoints *e)
{
	return e->rr++ % e->n;
}

static json_t *
url_obj(const json_t *u)
{
	return json_pack("{s:O}", "url", u);
}

/* One key type's members in WSO2's shape for type. */
static void
put(json_t *ec, int type, const json_t *urls, int sandbox)
{
	const char *ep = sandbox ? "sandbox_endpoints" : "production_endpoints";
	const char *fo = sandbox ? "sandbox_failovers" : "production_failovers";
	size_t i, n = urls ? json_array_size(urls) : 0;
	json_t *l;

	if (n == 0)
		return;
	if (type == APIM_ENDPOINTS_LOAD_BALANCE ||
	    (type == APIM_ENDPOINTS_HTTP && n > 1)) {
		l = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(l, url_obj(json_array_get(urls, i)));
		json_object_set_new(ec, ep, l);
		return;
	}
	json_object_set_new(ec, ep, url_obj(json_array_get(urls, 0)));
	if (type == APIM_ENDPOINTS_FAILOVER) {
		l = json_array();
		for (i = 1; i < n; i++)
			json_array_append_new(l, url_obj(json_array_get(urls, i)));
		json_object_set_new(ec, fo, l);
	}
}

json_t *
apim_endpoints_config(int type, const json_t *prod, const json_t *sand)
{
	json_t *ec;

	if (type < 0 || type > APIM_ENDPOINTS_FAILOVER)
		type = APIM_ENDPOINTS_HTTP;
	ec = json_pack("{s:s}", "endpoint_type", apim_endpoints_type_name(type));
	if (type == APIM_ENDPOINTS_LOAD_BALANCE) {
		json_object_set_new(ec, "algoCombo",
		    json_string("org.apache.synapse.endpoints.algorithms.RoundRobin"));
		json_object_set_new(ec, "sessionManagement", json_string(""));
		json_object_set_new(ec, "sessionTimeOut", json_string(""));
	}
	put(ec, type, prod, 0);
	put(ec, type, sand, 1);
	return ec;
}

json_t *
apim_endpoints_normalize(const json_t *ec)
{
	json_t *prod, *sand, *out;
	int type;

	if (!json_is_object(ec)) {
		apim_err_set(APIM_DATAERR, "endpointConfig must be an object");
		return NULL;
	}
	if ((type = type_of(ec)) < 0)
		return NULL;
	if ((prod = urls_checked(ec, type, 0)) == NULL)
		return NULL;
	if ((sand = urls_checked(ec, type, 1)) == NULL) {
		json_decref(prod);
		return NULL;
	}
	if (json_array_size(prod) == 0 && json_array_size(sand) > 0) {
		apim_err_set(APIM_DATAERR, "missing endpoint");
		goto fail;
	}
	if (type == APIM_ENDPOINTS_HTTP && (json_array_size(prod) > 1 ||
	    json_array_size(sand) > 1)) {
		apim_err_set(APIM_DATAERR, "several endpoints need endpoint type "
		    "load_balance or failover");
		goto fail;
	}
	out = apim_endpoints_config(type, prod, sand);
	json_decref(prod);
	json_decref(sand);
	return out;
fail:
	json_decref(prod);
	json_decref(sand);
	return NULL;
}
