/* openapi: OpenAPI 3.0/3.1 and Swagger 2.0 documents to and from the API
 * object of lib/api.h.  Arguments are borrowed; returned values are new. */
#ifndef APIM_OPENAPI_H
#define APIM_OPENAPI_H

#include <stddef.h>

#include <jansson.h>

/* Parse buf[0..len) as JSON when its first non-space character is '{', else
 * as YAML.  NULL with APIM_DATAERR and "'NAME' line L column C: ..." on a
 * syntax error, or "'NAME': empty document". */
json_t *apim_openapi_load(const char *buf, size_t len, const char *name);
/* The same for YAML with plain numbers as numbers (the document as kept). */
json_t *apim_openapi_load_yaml(const char *buf, size_t len, const char *name);

/*
 * Map a document to an API object.  It must say "openapi: 3.0.x|3.1.x" or
 * "swagger: 2.0" (else APIM_DATAERR).
 *   name, version, description  info.title, info.version, info.description
 *   context    x-wso2-basePath, else the path of servers[0].url (3.x) or
 *              basePath (2.0), else "/" and the title in lower case, dashed
 *   endpoints  x-wso2-production-endpoints / x-wso2-sandbox-endpoints
 *              ({urls: [...]} or a string), else servers[0].url (absolute,
 *              3.x) or schemes[0]://host basePath (2.0); may be absent
 *   securityScheme  x-wso2-application-security.security-types, else the
 *              top-level x-auth-type (oauth2, api_key, a comma list, or the
 *              WSO2 names "Application & Application User" etc. for oauth2)
 *   apiThrottlingPolicy  top-level x-throttling-tier
 *   tags       top-level tags[].name;  x-apim-policies, x-apim-visibility,
 *              x-apim-roles carry policies, visibility and visibleRoles
 *   operations every path x get put post delete options head patch:
 *              authType from x-auth-type (or "none" under a top-level
 *              x-auth-type of None, or an empty security list), else null;
 *              throttlingPolicy from x-throttling-tier; scopes from x-scope
 *              (a string or a list) and the scopes of its security
 *              requirements (the operation's, else the document's).
 * NULL with APIM_DATAERR and "'NAME': ..." when a field has the wrong type.
 */
json_t *apim_openapi_to_api(const json_t *doc, const char *name);
/* The same, appending to warnings (if not NULL) one string per construct
 * apim keeps in the definition but cannot enforce, each naming its JSON
 * pointer.  Besides the above it maps: every verb including trace; path items
 * and security schemes given by local $ref (an external $ref is refused,
 * naming its pointer); the security requirements of an operation as its
 * authType ("oauth2", "api_key", "oauth2,api_key" for alternatives, "none"
 * for an empty requirement; null when it is the API's whole securityScheme),
 * and their schemes' kinds as the API's securityScheme; OAuth 2.0 scopes
 * with x-scopes-bindings roles and x-wso2-security scopes as scopes;
 * x-wso2-throttling-tier, x-wso2-cors, x-wso2-transports, x-wso2-auth-header,
 * x-wso2-response-cache; endpoints by "#/x-wso2-endpoints/NAME" and
 * resource-level x-wso2-*-endpoints. */
json_t *apim_openapi_map(const json_t *doc, const char *name, json_t *warnings);

/* An OpenAPI 3.0.3 document for an API object (as apim_api_get returns),
 * carrying the extensions above so that to_api(from_api(api)) gives api back
 * (less id, provider, state and times). */
json_t *apim_openapi_from_api(const json_t *api);

/*
 * The document to export for an API object: def (the stored definition,
 * consumed and changed in place; NULL for an API created from flags, which gets
 * apim_openapi_from_api) with the API's current state merged in.  Only what
 * differs from what def itself maps to is written: info title/version/
 * description, x-wso2-basePath, x-wso2-*-endpoints, x-wso2-throttling-tier,
 * x-wso2-application-security, tags, x-apim-policies/-visibility/-roles,
 * x-wso2-cors/-transports/-auth-header/-response-cache, x-wso2-security
 * scopes; operations removed since are deleted (their path item too once it
 * has none), added ones a minimal operation (a 200 response and their path
 * parameters), changed ones their x-auth-type,
 * x-throttling-tier, x-scope and x-wso2-*-endpoints.  Everything else of def
 * is kept as it was.
 */
json_t *apim_openapi_export(const json_t *api, json_t *def);

/* Convert a document to "3.0", "3.1" or "2.0" (a new document); NULL with
 * APIM_DATAERR naming the JSON pointer of what the target cannot hold. */
json_t *apim_openapi_convert(const json_t *doc, const char *to);

/* 1 if v is the JSON string s (json_equal against a new json_string would
 * leak it). */
int apim_openapi_str_is(const json_t *v, const char *s);

#endif
