/* apim-token: the Key Manager, an OAuth 2.0 authorization server and the
 * administration of its signing keys and users.  Logic lives in lib/. */
#include <stddef.h>

#include "cli.h"
#include "tokencli.h"

static const struct apim_cmd cmds[] = {
	{ "serve", apim_tokencli_serve,
	  "listen=,inetd,tls-cert=,tls-key=,workers=,issuer=",
	  "serve [--listen ADDR:PORT | --inetd] [--tls-cert FILE --tls-key FILE] "
	  "[--workers N] [--issuer URL]" },
	{ "keys generate", apim_tokencli_keys_generate, "alg=",
	  "keys generate [--alg RS256|ES256|EdDSA]" },
	{ "keys list", apim_tokencli_keys_list, "", "keys list" },
	{ "keys rotate", apim_tokencli_keys_rotate, "alg=",
	  "keys rotate [--alg RS256|ES256|EdDSA]" },
	{ "keys retire", apim_tokencli_keys_retire, "", "keys retire KID" },
	{ "keys export-public", apim_tokencli_keys_export, "",
	  "keys export-public KID" },
	{ "jwks", apim_tokencli_jwks, "", "jwks" },
	{ "issue", apim_tokencli_issue,
	  "client-id=,client-secret-stdin,grant=,scope=,username=,password-stdin,"
	  "refresh-token-stdin",
	  "issue --client-id ID --client-secret-stdin [--grant G] [--scope S] "
	  "[--username U --password-stdin] [--refresh-token-stdin]" },
	{ "introspect", apim_tokencli_introspect, "hint=",
	  "introspect TOKEN|- [--hint access_token|refresh_token]" },
	{ "revoke", apim_tokencli_revoke, "hint=",
	  "revoke TOKEN|- [--hint access_token|refresh_token]" },
	{ "purge", apim_tokencli_purge, "grace=", "purge [--grace SECONDS]" },
	{ "user add", apim_tokencli_user_add, "password-stdin,role=*",
	  "user add NAME --password-stdin [--role R]..." },
	{ "user passwd", apim_tokencli_user_passwd, "password-stdin",
	  "user passwd NAME --password-stdin" },
	{ "user del", apim_tokencli_user_del, "", "user del NAME" },
	{ "user list", apim_tokencli_user_list, "", "user list" },
	{ NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return apim_cli_main("apim-token",
	    "the Key Manager: OAuth 2.0 tokens, signing keys and users",
	    cmds, argc, argv);
}
