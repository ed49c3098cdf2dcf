/* publish_subs: the Publisher's side of subscriptions (apim-publish
 * subscriptions, subscription block|unblock): list and block an API's subscribers. */
#ifndef APIM_PUBLISH_SUBS_H
#define APIM_PUBLISH_SUBS_H

#include "cli.h"

int apim_publish_subscriptions(struct apim_ctx *, struct apim_args *);
int apim_publish_subscription_block(struct apim_ctx *, struct apim_args *);
int apim_publish_subscription_unblock(struct apim_ctx *, struct apim_args *);

#endif
