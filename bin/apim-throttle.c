/* apim-throttle: the Traffic Manager.  Throttling policies, deny conditions
 * and rules; the rules engine on the event stream.  Commands in lib/throttle_*.c. */
#include <stddef.h>

#include "cli.h"
#include "throttle_cmd.h"

#define QUOTA "requests=,bytes=,per=,"
#define COND_WHAT "ip=,ip-range=,header=,query=,claim=,invert,"
#define DENY_WHAT "api=,app=,user=,ip=,ip-range=,subscription=,invert"

static const struct apim_cmd cmds[] = {
	{ "policy add", apim_throttle_policy_add,
	  "kind=," QUOTA "burst=,no-stop-on-quota,description=",
	  "policy add NAME --kind application|subscription|api "
	  "(--requests N | --bytes N) --per second|minute|hour|day|week|month "
	  "[--burst N/second|N/minute] [--no-stop-on-quota] [--description TEXT]" },
	{ "policy list", apim_throttle_policy_list, "kind=",
	  "policy list [--kind KIND]" },
	{ "policy show", apim_throttle_policy_show, "kind=",
	  "policy show NAME [--kind KIND]" },
	{ "policy update", apim_throttle_policy_update,
	  "kind=," QUOTA "burst=,stop-on-quota,no-stop-on-quota,description=",
	  "policy update NAME [--kind KIND] [--requests N | --bytes N] [--per UNIT] "
	  "[--burst N/UNIT|none] [--stop-on-quota | --no-stop-on-quota] "
	  "[--description TEXT]" },
	{ "policy delete", apim_throttle_policy_delete, "kind=",
	  "policy delete NAME [--kind KIND]" },
	{ "policy condition add", apim_throttle_cond_add, COND_WHAT QUOTA,
	  "policy condition add NAME (--ip IP | --ip-range A-B | --header NAME=REGEX | "
	  "--query NAME=REGEX | --claim NAME=REGEX) [--invert] --requests N --per UNIT" },
	{ "policy condition list", apim_throttle_cond_list, "",
	  "policy condition list NAME" },
	{ "policy condition delete", apim_throttle_cond_delete, "",
	  "policy condition delete NAME ID" },
	{ "deny add", apim_throttle_deny_add, DENY_WHAT,
	  "deny add (--api CONTEXT | --app OWNER:NAME | --user NAME | --ip IP | "
	  "--ip-range A-B | --subscription ID) [--invert]" },
	{ "deny list", apim_throttle_deny_list, "", "deny list" },
	{ "deny enable", apim_throttle_deny_enable, "", "deny enable ID" },
	{ "deny disable", apim_throttle_deny_disable, "", "deny disable ID" },
	{ "deny delete", apim_throttle_deny_delete, "", "deny delete ID" },
	{ "rule add", apim_throttle_rule_add, "key=,limit=,per=,block-for=,where=",
	  "rule add NAME --key TEMPLATE --limit N --per UNIT --block-for DURATION "
	  "[--where EXPR]" },
	{ "rule list", apim_throttle_rule_list, "", "rule list" },
	{ "rule show", apim_throttle_rule_show, "", "rule show NAME" },
	{ "rule delete", apim_throttle_rule_delete, "", "rule delete NAME" },
	{ "rule enable", apim_throttle_rule_enable, "", "rule enable NAME" },
	{ "rule disable", apim_throttle_rule_disable, "", "rule disable NAME" },
	{ "run", apim_throttle_run, "", "run [FILE...]" },
	{ "status", apim_throttle_status, "", "status [KEY]" },
	{ "decisions", apim_throttle_decisions, "expire", "decisions [--expire]" },
	{ "unblock", apim_throttle_unblock, "", "unblock KEY" },
	{ "check", apim_throttle_check_cmd, "", "check" },
	{ NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return apim_cli_main("apim-throttle",
	    "the Traffic Manager: policies, deny conditions, rules and decisions",
	    cmds, argc, argv);
}
