/* publish: the Publisher's commands (apim-publish), one function per
 * sub-command; bin/apim-publish.c is only their table. */
#ifndef APIM_PUBLISH_H
#define APIM_PUBLISH_H

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"

/* Default input limits (bytes), raised or lowered by apim.conf's
 * max_definition (import) and max_document (doc add --file/--inline). */
#define APIM_DEFINITION_MAX	((size_t)64 << 20)
#define APIM_DOCUMENT_MAX	((size_t)64 << 20)

/* The API fields given as flags (--name, --context, --version, --endpoint,
 * --sandbox-endpoint, --tiers, --policy, --tag, --visibility, --roles,
 * --description, --auth) as a partial API object (lib/api.h); a new reference.
 * import lays it over the document, update passes it to apim_api_update. */
json_t *apim_publish_fields(const struct apim_args *a);
/* Create the API object api in the store (api is released here) and print
 * its id, or with --json the API object: what create and import end with.
 * Every scope its operations name must be defined (in the store or by the
 * API's own scopes). */
int apim_publish_add(struct apim_ctx *ctx, json_t *api);
/* What create, import and version print for the new API id: its id, or with
 * --json the API object (operations with their ids). */
int apim_publish_print_api(struct apim_ctx *ctx, const char *id);
/* 0 if every scope the operations of the API object api name is defined,
 * in the store (db) or by api's own scopes; -1 with APIM_DATAERR naming the
 * resource, the scope and the defined ones.  The store's scopes used are
 * added to api's "scopes" (as stored), so the API lists them. */
int apim_publish_scopes_defined(sqlite3 *db, json_t *api);

int apim_publish_create(struct apim_ctx *, struct apim_args *);
int apim_publish_import(struct apim_ctx *, struct apim_args *);
int apim_publish_export(struct apim_ctx *, struct apim_args *);
int apim_publish_list(struct apim_ctx *, struct apim_args *);
int apim_publish_show(struct apim_ctx *, struct apim_args *);
int apim_publish_update(struct apim_ctx *, struct apim_args *);
int apim_publish_delete(struct apim_ctx *, struct apim_args *);
int apim_publish_resource_add(struct apim_ctx *, struct apim_args *);
int apim_publish_resource_list(struct apim_ctx *, struct apim_args *);
int apim_publish_resource_delete(struct apim_ctx *, struct apim_args *);
int apim_publish_lifecycle(struct apim_ctx *, struct apim_args *);
int apim_publish_history(struct apim_ctx *, struct apim_args *);
int apim_publish_version(struct apim_ctx *, struct apim_args *);
int apim_publish_doc_add(struct apim_ctx *, struct apim_args *);
int apim_publish_doc_list(struct apim_ctx *, struct apim_args *);
int apim_publish_doc_show(struct apim_ctx *, struct apim_args *);
int apim_publish_doc_delete(struct apim_ctx *, struct apim_args *);
int apim_publish_scope_add(struct apim_ctx *, struct apim_args *);
int apim_publish_scope_list(struct apim_ctx *, struct apim_args *);
int apim_publish_scope_delete(struct apim_ctx *, struct apim_args *);

#endif
