/* apim-publish: the Publisher.  Create, import, version, document and move
 * APIs through their lifecycle.  The commands live in lib/publish*.c. */
#include "cli.h"
#include "publish.h"
#include "publish_subs.h"

#define API_FIELDS "name=,context=,version=,endpoint=*,sandbox-endpoint=*,endpoint-type=,tiers=," \
	"policy=,tag=*,visibility=,roles=,description=,auth=,auth-header=,api-key-header="

static const struct apim_cmd cmds[] = {
	{ "create", apim_publish_create, API_FIELDS,
	  "create --name N --context /CTX --version V --endpoint URL... [--sandbox-endpoint URL]... "
	  "[--endpoint-type http|load_balance|failover] "
	  "[--tiers T,...] [--policy P] [--tag T]... [--visibility public|restricted --roles R,...] "
	  "[--description D] [--auth oauth2,api_key] [--auth-header H] [--api-key-header H]" },
	{ "import", apim_publish_import, API_FIELDS, "import FILE|- [--FIELD VALUE]..." },
	{ "export", apim_publish_export, "format=,oas=,swagger2,project=",
	  "export API [--format json|yaml] [--oas 3.0|3.1 | --swagger2] [--project DIR]" },
	{ "list", apim_publish_list, "state=,tag=", "list [--state S] [--tag T]" },
	{ "show", apim_publish_show, "", "show API" },
	{ "update", apim_publish_update, API_FIELDS, "update API --FIELD VALUE..." },
	{ "delete", apim_publish_delete, "force", "delete API [--force]" },
	{ "resource add", apim_publish_resource_add, "auth=,tier=,scope=*",
	  "resource add API VERB TEMPLATE [--auth oauth2|api_key|none] [--tier T] [--scope S]..." },
	{ "resource list", apim_publish_resource_list, "", "resource list API" },
	{ "resource delete", apim_publish_resource_delete, "", "resource delete API VERB TEMPLATE" },
	{ "lifecycle", apim_publish_lifecycle, "deprecate-old-versions,require-resubscription",
	  "lifecycle API ACTION [--deprecate-old-versions] [--require-resubscription]" },
	{ "history", apim_publish_history, "", "history API" },
	{ "version", apim_publish_version, "default", "version API NEW_VERSION [--default]" },
	{ "doc add", apim_publish_doc_add, "name=,type=,inline=,file=,url=",
	  "doc add API --name N --type HOWTO|SAMPLES|PUBLIC_FORUM|SUPPORT_FORUM|OTHER "
	  "(--inline TEXT | --file F | --url U)" },
	{ "doc list", apim_publish_doc_list, "", "doc list API" },
	{ "doc show", apim_publish_doc_show, "", "doc show API NAME" },
	{ "doc delete", apim_publish_doc_delete, "", "doc delete API NAME" },
	{ "scope add", apim_publish_scope_add, "role=*,shared,description=",
	  "scope add NAME [--role R]... [--shared] [--description T]" },
	{ "scope list", apim_publish_scope_list, "", "scope list" },
	{ "scope delete", apim_publish_scope_delete, "", "scope delete NAME" },
	{ "subscriptions", apim_publish_subscriptions, "", "subscriptions API" },
	{ "subscription block", apim_publish_subscription_block, "production-only",
	  "subscription block ID [--production-only]" },
	{ "subscription unblock", apim_publish_subscription_unblock, "", "subscription unblock ID" },
	{ NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return apim_cli_main("apim-publish",
	    "the Publisher: create, import, version, document and publish APIs",
	    cmds, argc, argv);
}
