/* tokencli: the sub-commands of apim-token(8) (serve is in lib/tokend.c).
 * Each takes the shared context and parsed arguments and returns an exit code. */
#ifndef APIM_TOKENCLI_H
#define APIM_TOKENCLI_H

#include "cli.h"

/* lib/tokend.c */
int apim_tokencli_serve(struct apim_ctx *, struct apim_args *);

int apim_tokencli_keys_generate(struct apim_ctx *, struct apim_args *);
int apim_tokencli_keys_list(struct apim_ctx *, struct apim_args *);
int apim_tokencli_keys_rotate(struct apim_ctx *, struct apim_args *);
int apim_tokencli_keys_retire(struct apim_ctx *, struct apim_args *);
int apim_tokencli_keys_export(struct apim_ctx *, struct apim_args *);
int apim_tokencli_jwks(struct apim_ctx *, struct apim_args *);
int apim_tokencli_issue(struct apim_ctx *, struct apim_args *);
int apim_tokencli_introspect(struct apim_ctx *, struct apim_args *);
int apim_tokencli_revoke(struct apim_ctx *, struct apim_args *);
int apim_tokencli_purge(struct apim_ctx *, struct apim_args *);
int apim_tokencli_user_add(struct apim_ctx *, struct apim_args *);
int apim_tokencli_user_passwd(struct apim_ctx *, struct apim_args *);
int apim_tokencli_user_del(struct apim_ctx *, struct apim_args *);
int apim_tokencli_user_list(struct apim_ctx *, struct apim_args *);

#endif
