/* throttle_cmd: apim-throttle's commands, one function per sub-command;
 * bin/apim-throttle.c is only their table. */
#ifndef APIM_THROTTLE_CMD_H
#define APIM_THROTTLE_CMD_H

#include "cli.h"

/* lib/throttle_cmd.c: the catalogue: policies, conditional groups, deny
 * conditions, rules, check */
int apim_throttle_policy_add(struct apim_ctx *, struct apim_args *);
int apim_throttle_policy_list(struct apim_ctx *, struct apim_args *);
int apim_throttle_policy_show(struct apim_ctx *, struct apim_args *);
int apim_throttle_policy_update(struct apim_ctx *, struct apim_args *);
int apim_throttle_policy_delete(struct apim_ctx *, struct apim_args *);
int apim_throttle_cond_add(struct apim_ctx *, struct apim_args *);
int apim_throttle_cond_list(struct apim_ctx *, struct apim_args *);
int apim_throttle_cond_delete(struct apim_ctx *, struct apim_args *);
int apim_throttle_deny_add(struct apim_ctx *, struct apim_args *);
int apim_throttle_deny_list(struct apim_ctx *, struct apim_args *);
int apim_throttle_deny_enable(struct apim_ctx *, struct apim_args *);
int apim_throttle_deny_disable(struct apim_ctx *, struct apim_args *);
int apim_throttle_deny_delete(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_add(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_list(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_show(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_delete(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_enable(struct apim_ctx *, struct apim_args *);
int apim_throttle_rule_disable(struct apim_ctx *, struct apim_args *);
int apim_throttle_check_cmd(struct apim_ctx *, struct apim_args *);

/* lib/throttle_run.c: the rules engine and live state */
int apim_throttle_run(struct apim_ctx *, struct apim_args *);
int apim_throttle_status(struct apim_ctx *, struct apim_args *);
int apim_throttle_decisions(struct apim_ctx *, struct apim_args *);
int apim_throttle_unblock(struct apim_ctx *, struct apim_args *);

#endif
