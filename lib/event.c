/* event: the apim-events(5) schema: its field table, a fresh event, fields
 * by name.  The writer, the reader and time are in event_write.c,
 * event_read.c and event_time.c; event_impl.h is what they share. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "event_impl.h"
#include "util.h"

#define F(n, k, m) { n, sizeof n - 1, k, offsetof(struct apim_event, m) }
const struct apim_event_field apim_event_schema[] = {
	F("schemaVersion", K_INT, schema_version),
	F("eventType", K_TYPE, event_type),
	F("requestTimestamp", K_TS, request_ms),
	F("correlationId", K_STR, correlation_id),
	F("gatewayNode", K_STR, gateway_node),
	F("apiId", K_STR, api_id),
	F("apiName", K_STR, api_name),
	F("apiVersion", K_STR, api_version),
	F("apiContext", K_STR, api_context),
	F("apiMethod", K_STR, api_method),
	F("apiResourceTemplate", K_STR, api_resource_template),
	F("apiCreator", K_STR, api_creator),
	F("destination", K_STR, destination),
	F("applicationId", K_STR, application_id),
	F("applicationName", K_STR, application_name),
	F("applicationOwner", K_STR, application_owner),
	F("keyType", K_KEYTYPE, key_type),
	F("subscriptionTier", K_STR, subscription_tier),
	F("throttleKey", K_STR, throttle_key),
	F("userName", K_STR, user_name),
	F("userIp", K_STR, user_ip),
	F("userAgent", K_STR, user_agent),
	F("proxyResponseCode", K_CODE, proxy_response_code),
	F("targetResponseCode", K_CODE, target_response_code),
	F("responseLatency", K_INT, response_latency),
	F("backendLatency", K_INT, backend_latency),
	F("requestMediationLatency", K_INT, request_mediation_latency),
	F("responseMediationLatency", K_INT, response_mediation_latency),
	F("requestBytes", K_INT, request_bytes),
	F("responseBytes", K_INT, response_bytes),
	F("errorType", K_STR, error_type),
	F("errorCode", K_INT, error_code),
	F("errorMessage", K_STR, error_message),
};
#undef F
#define NFIELDS (sizeof apim_event_schema / sizeof apim_event_schema[0])
const size_t apim_event_nschema = NFIELDS;

static const char *const type_names[] = { "response", "fault" };

static const char *field_names[NFIELDS + 1];
static pthread_once_t field_names_once = PTHREAD_ONCE_INIT;

static void
field_names_init(void)
{
	size_t i;

	for (i = 0; i < apim_event_nschema; i++)
		field_names[i] = apim_event_schema[i].name;
}

const char *const *
apim_event_fields(void)
{
	pthread_once(&field_names_once, field_names_init);
	return field_names;
}

static const struct apim_event_field *
field_find(const char *name)
{
	size_t i;

	for (i = 0; i < apim_event_nschema; i++)
		if (strcmp(apim_event_schema[i].name, name) == 0)
			return &apim_event_schema[i];
	return NULL;
}

void
apim_event_init(struct apim_event *ev)
{
	size_t i;

	memset(ev, 0, sizeof *ev);
	for (i = 0; i < apim_event_nschema; i++)
		if (apim_event_schema[i].kind == K_INT || apim_event_schema[i].kind == K_CODE)
			*I64_AT(ev, &apim_event_schema[i]) = APIM_EVENT_NONE;
	ev->schema_version = APIM_EVENT_SCHEMA;
	ev->event_type = APIM_EVENT_RESPONSE;
	ev->request_ms = apim_now_ms();
}

const struct apim_event_field *
apim_event_field_findn(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < apim_event_nschema; i++)
		if (strncmp(apim_event_schema[i].name, name, n) == 0 && apim_event_schema[i].name[n] == '\0')
			return &apim_event_schema[i];
	return NULL;
}

/* ---- fields by name ---- */

int
apim_event_field_index(const char *name)
{
	const struct apim_event_field *f = field_find(name);

	return f ? (int)(f - apim_event_schema) : -1;
}

const char *
apim_event_get(const struct apim_event *ev, const char *name, char *buf,
    size_t cap)
{
	return apim_event_get_at(ev, apim_event_field_index(name), buf, cap);
}

const char *
apim_event_get_at(const struct apim_event *ev, int index, char *buf,
    size_t cap)
{
	const struct apim_event_field *f;
	int64_t v;

	if (index < 0 || (size_t)index >= NFIELDS || cap < 32)
		return NULL;
	f = &apim_event_schema[index];
	switch (f->kind) {
	case K_STR:
	case K_KEYTYPE:
		return *STR_AT(ev, f);
	case K_TYPE:
		return type_names[ev->event_type == APIM_EVENT_FAULT];
	case K_TS:
		apim_event_time_format(ev->request_ms, buf);
		return buf;
	case K_INT:
	case K_CODE:
		if ((v = *I64_AT(ev, f)) < 0)
			return NULL;
		snprintf(buf, cap, "%" PRId64, v);
		return buf;
	}
	return NULL;
}

int
apim_event_set(struct apim_event *ev, const char *name, const char *value)
{
	const struct apim_event_field *f = field_find(name);
	char *end;
	long long n;

	if (f == NULL) {
		apim_err_set(APIM_USAGE, "unknown event field '%s'", name);
		return -1;
	}
	switch (f->kind) {
	case K_STR:
	case K_KEYTYPE:
		*STR_AT(ev, f) = value;
		return 0;
	case K_TYPE:
		if (strcmp(value, "response") == 0)
			ev->event_type = APIM_EVENT_RESPONSE;
		else if (strcmp(value, "fault") == 0)
			ev->event_type = APIM_EVENT_FAULT;
		else
			break;
		return 0;
	case K_TS:
		if ((ev->request_ms = apim_event_time_parse(value)) < 0)
			break;
		return 0;
	case K_INT:
	case K_CODE:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n < 0)
			break;
		*I64_AT(ev, f) = n;
		return 0;
	}
	apim_err_set(APIM_DATAERR, "bad value for '%s': '%s'", name, value);
	return -1;
}
