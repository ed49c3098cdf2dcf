/* apim-subscribe: the Developer Portal.  Find APIs, create applications,
 * subscribe them and get their credentials.  The commands live in lib/subscribe*.c. */
#include <stddef.h>

#include "cli.h"
#include "subscribe.h"

#define APP_FIELDS "tier=,token-type=,description=,attr=*,callback-url="

static const struct apim_cmd cmds[] = {
	{ "apis", apim_subscribe_apis, "search=,tag=", "apis [--search TEXT] [--tag T]" },
	{ "api", apim_subscribe_api, "", "api API" },
	{ "app create", apim_subscribe_app_create, APP_FIELDS,
	  "app create NAME [--tier POLICY] "
	  "[--token-type jwt|oauth] [--description D] [--attr KEY=VALUE]... "
	  "[--callback-url URL]" },
	{ "app list", apim_subscribe_app_list, "all", "app list [--all]" },
	{ "app show", apim_subscribe_app_show, "", "app show APP" },
	{ "app update", apim_subscribe_app_update, "name=," APP_FIELDS,
	  "app update APP [--name N] [--tier T] [--token-type jwt|oauth] "
	  "[--description D] [--attr KEY=VALUE]... [--callback-url URL]" },
	{ "app delete", apim_subscribe_app_delete, "", "app delete APP" },
	{ "subscribe", apim_subscribe_subscribe, "tier=", "subscribe APP API [--tier T]" },
	{ "unsubscribe", apim_subscribe_unsubscribe, "", "unsubscribe APP API" },
	{ "subscriptions", apim_subscribe_subscriptions, "app=,api=",
	  "subscriptions [--app APP] [--api API]" },
	{ "keys generate", apim_subscribe_keys_generate,
	  "type=,grant-types=,validity=,scopes=",
	  "keys generate APP [--type production|sandbox] "
	  "[--grant-types client_credentials,password,refresh_token] "
	  "[--validity SECONDS] [--scopes S,...]" },
	{ "keys show", apim_subscribe_keys_show, "", "keys show APP" },
	{ "keys regenerate", apim_subscribe_keys_regenerate, "type=",
	  "keys regenerate APP [--type production|sandbox]" },
	{ "keys revoke", apim_subscribe_keys_revoke, "type=",
	  "keys revoke APP [--type production|sandbox]" },
	{ "apikey", apim_subscribe_apikey,
	  "type=,validity=,permitted-ip=,permitted-referer=",
	  "apikey APP [--type production|sandbox] [--validity SECONDS] "
	  "[--permitted-ip CIDR,...] [--permitted-referer PATTERN,...]" },
	{ "apikey revoke", apim_subscribe_apikey_revoke, "", "apikey revoke APP KEY" },
	{ NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return apim_cli_main("apim-subscribe",
	    "the Developer Portal: applications, subscriptions and keys",
	    cmds, argc, argv);
}
