/* publish: the Publisher's commands (apim-publish), one function per
 * sub-command; bin/apim-publish.c is only their table. */
#ifndef APIM_PUBLISH_H
#define APIM_PUBLISH_H

#include "cli.h"

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

#endif
