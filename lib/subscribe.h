/* subscribe: the Developer Portal's commands (apim-subscribe), one function
 * per sub-command; bin/apim-subscribe.c is only their table. */
#ifndef APIM_SUBSCRIBE_H
#define APIM_SUBSCRIBE_H

#include "cli.h"

/* lib/subscribe.c: discovery, applications, subscriptions */
int apim_subscribe_apis(struct apim_ctx *, struct apim_args *);
int apim_subscribe_api(struct apim_ctx *, struct apim_args *);
int apim_subscribe_app_create(struct apim_ctx *, struct apim_args *);
int apim_subscribe_app_list(struct apim_ctx *, struct apim_args *);
int apim_subscribe_app_show(struct apim_ctx *, struct apim_args *);
int apim_subscribe_app_update(struct apim_ctx *, struct apim_args *);
int apim_subscribe_app_delete(struct apim_ctx *, struct apim_args *);
int apim_subscribe_subscribe(struct apim_ctx *, struct apim_args *);
int apim_subscribe_unsubscribe(struct apim_ctx *, struct apim_args *);
int apim_subscribe_subscriptions(struct apim_ctx *, struct apim_args *);

/* lib/subscribe_keys.c: OAuth clients and API keys */
int apim_subscribe_keys_generate(struct apim_ctx *, struct apim_args *);
int apim_subscribe_keys_show(struct apim_ctx *, struct apim_args *);
int apim_subscribe_keys_regenerate(struct apim_ctx *, struct apim_args *);
int apim_subscribe_keys_revoke(struct apim_ctx *, struct apim_args *);
int apim_subscribe_apikey(struct apim_ctx *, struct apim_args *);
int apim_subscribe_apikey_revoke(struct apim_ctx *, struct apim_args *);

/* Shared option checks: --type production|sandbox (NULL = production) into
 * "PRODUCTION"/"SANDBOX" (else APIM_USAGE); --validity as positive seconds
 * (else APIM_DATAERR). */
int apim_subscribe_keytype(const char *v, const char **out);
int apim_subscribe_validity(const char *v, long long *out);

#endif
