/* api: the API model on the store: APIs, their resources (operations), tiers,
 * tags, roles and documents.  JSON in is borrowed; JSON returned is a new reference. */
#ifndef APIM_API_H
#define APIM_API_H

#include <jansson.h>
#include <sqlite3.h>

/*
 * The API object (WSO2 Publisher REST field names), read by create/update and
 * returned by get:
 *   id, name, description, context, version, provider, lifeCycleStatus,
 *   isDefaultVersion, visibility ("PUBLIC"|"RESTRICTED"; input any case),
 *   visibleRoles [], tags [], policies [] (tiers; default ["Unlimited"]),
 *   apiThrottlingPolicy (string or null), securityScheme [] ("oauth2",
 *   "api_key"; default ["oauth2"]), endpointConfig {endpoint_type "http",
 *   production_endpoints {url}, sandbox_endpoints {url} (absent if none)},
 *   operations [{target, verb, authType, throttlingPolicy, scopes []}],
 *   createdTime, lastUpdatedTime (RFC 3339).
 * An operation's authType is "oauth2", "api_key", "none", "oauth2,api_key"
 * (either is accepted: the alternatives of an OpenAPI security list), or null
 * (= secured by any of the API's securityScheme); throttlingPolicy null = no
 * resource tier; endpointConfig (optional) a resource-level endpointConfig
 * that replaces the API's for that resource.
 * WSO2's runtime fields (stored as JSON in api.extensions, absent if unset):
 *   corsConfiguration {corsConfigurationEnabled, accessControlAllowOrigins [],
 *   accessControlAllowCredentials, accessControlAllowHeaders [],
 *   accessControlAllowMethods []}, transport ["http","https"],
 *   authorizationHeader (a header name), responseCachingEnabled, cacheTimeout.
 * scopes: [{scope: {name, displayName, description, bindings [role]}, shared}]
 * (lib/scope.h); always present in get, replaced by create/update if given.
 * apiDefinition (create/update input only): the definition document to keep
 * (an object, or its JSON text as a string, stored as given)
 * (apim_api_definition reads it back).
 */

/* Length limits (bytes) besides lib/text.h's: contexts, resource templates,
 * and API descriptions (OpenAPI info.description is often long Markdown). */
#define APIM_CONTEXT_MAX	256
#define APIM_TEMPLATE_MAX	1024
#define APIM_DESCRIPTION_MAX	65536

/* Resolve an API reference: a UUID id or "NAME:VERSION".  0 and id filled, or
 * -1 with APIM_NO and "no API 'REF'". */
int apim_api_resolve(sqlite3 *db, const char *ref, char id[37]);
/* "NAME:VERSION" of API id into out; -1 (APIM_NO) if absent. */
int apim_api_label(sqlite3 *db, const char *id, char *out, size_t n);

/* Create an API from the object above, in one transaction of its own;
 * validates everything first (missing name/context/version/endpoint, context
 * must start with '/', duplicate name+version or a context used by another API
 * name -> APIM_DATAERR with a clear message); records the creation in the
 * lifecycle history.  provider defaults to actor. */
int apim_api_create(sqlite3 *db, const json_t *api, const char *actor, char id[37]);
/* The API object as above; NULL with APIM_NO if absent. */
json_t *apim_api_get(sqlite3 *db, const char *id);
/* Change the fields present in changes (same keys as create; operations, if
 * present, replace every resource; endpointConfig merges per endpoint, a
 * sandbox_endpoints url of "" or null removes it).  name, version and context
 * cannot change (APIM_DATAERR).  One transaction; validates first. */
int apim_api_update(sqlite3 *db, const char *id, const json_t *changes);
/* The stored definition document of API id (a new object); NULL with APIM_NO
 * if it has none (created from flags) or no such API. */
json_t *apim_api_definition(sqlite3 *db, const char *id);
/* Delete an API.  Refused with APIM_NO while subscriptions reference it,
 * unless force (then they go too, in the same transaction). */
int apim_api_delete(sqlite3 *db, const char *id, int force);
/* Every API (objects as get), oldest first, filtered by state and/or tag when
 * not NULL.  A new array. */
json_t *apim_api_list(sqlite3 *db, const char *state, const char *tag);

/* The checks of create and update that need no store (every field's type,
 * length and form; not the tiers, which must exist, nor uniqueness): 0, or
 * -1 with APIM_DATAERR. */
int apim_api_check(const json_t *api);
/* 0 if cors is absent, null or a corsConfiguration object (WSO2's
 * corsConfigurationEnabled and accessControlAllowCredentials booleans,
 * accessControlAllow{Origins,Headers,Methods} string lists, nothing else);
 * -1 with APIM_DATAERR naming the field otherwise. */
int apim_api_cors_valid(const json_t *cors);
/* Upper-case verb into out[8] if it is GET POST PUT PATCH DELETE HEAD OPTIONS;
 * -1 with APIM_DATAERR otherwise. */
int apim_api_verb(const char *verb, char out[8]);
/* 0 if tmpl is a resource template: '/' then segments of URL path characters
 * and {param} groups, optionally ending in "/" "*", with no "." or ".."
 * segment (plain or %2e), no control characters, at most APIM_TEMPLATE_MAX
 * bytes; -1 with APIM_DATAERR. */
int apim_api_template_valid(const char *tmpl);
/* Add one operation {target, verb, authType, throttlingPolicy, scopes}; a
 * duplicate verb+template is APIM_DATAERR. */
int apim_api_resource_add(sqlite3 *db, const char *id, const json_t *op);
/* Delete a resource; APIM_NO if there is none. */
int apim_api_resource_delete(sqlite3 *db, const char *id, const char *verb,
    const char *tmpl);
/* The operations of API id, ordered by template then verb.  A new array. */
json_t *apim_api_resources(sqlite3 *db, const char *id);

/* Copy API id as version newver, state CREATED, with its resources (and
 * scopes), documents, tiers, tags, roles and policies; default makes it the
 * default version (clearing the flag on the others).  One transaction. */
int apim_api_version(sqlite3 *db, const char *id, const char *newver, int dflt,
    const char *actor, char newid[37]);

/*
 * Documents: {documentId, name, type (HOWTO SAMPLES PUBLIC_FORUM SUPPORT_FORUM
 * OTHER), sourceType (INLINE FILE URL), inlineContent, fileName, sourceUrl,
 * createdTime}.
 */
/* Add a document; content is the inline text or the file's bytes (len bytes),
 * url for URL (must be http:// or https://).  Duplicate name -> APIM_DATAERR. */
int apim_api_doc_add(sqlite3 *db, const char *id, const char *name,
    const char *type, const char *source, const char *content, size_t len,
    const char *file_name, const char *url);
/* Every document of API id (without content).  A new array. */
json_t *apim_api_docs(sqlite3 *db, const char *id);
/* One document with its content: object as above, and *content (malloc'd,
 * caller frees; NULL for URL) and *len.  NULL with APIM_NO if absent. */
json_t *apim_api_doc_get(sqlite3 *db, const char *id, const char *name,
    char **content, size_t *len);
int apim_api_doc_delete(sqlite3 *db, const char *id, const char *name);

#endif
