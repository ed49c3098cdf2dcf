/* scope-check: drive lib/scope on a store: scope-check DB, then one command
 * per line on stdin, each printing its JSON result or "error: MESSAGE":
 *   define JSON | list | get NAME | roles NAME | delete NAME */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "out.h"
#include "scope.h"
#include "store.h"

static void
result(json_t *v, int rc)
{
	if (v == NULL && rc == -1)
		printf("error: %s\n", apim_err_msg());
	else if (v != NULL) {
		apim_out_json(stdout, v, 0);
		json_decref(v);
	} else
		printf("ok\n");
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	char line[4096];

	apim_prog_set("scope-check");
	if (argc != 2) {
		fprintf(stderr, "usage: scope-check DB\n");
		return APIM_USAGE;
	}
	if ((db = apim_store_open(argv[1], 0)) == NULL)
		return apim_err_report();
	while (fgets(line, sizeof line, stdin) != NULL) {
		char *arg;

		line[strcspn(line, "\n")] = '\0';
		arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		if (strcmp(line, "define") == 0) {
			json_t *s = json_loads(arg ? arg : "", 0, NULL);
			int rc = apim_scope_define(db, s);

			json_decref(s);
			result(NULL, rc);
		} else if (strcmp(line, "list") == 0)
			result(apim_scope_list(db), -1);
		else if (strcmp(line, "get") == 0 && arg)
			result(apim_scope_get(db, arg), -1);
		else if (strcmp(line, "roles") == 0 && arg)
			result(apim_scope_roles(db, arg), -1);
		else if (strcmp(line, "delete") == 0 && arg)
			result(NULL, apim_scope_delete(db, arg));
		else
			printf("error: bad command\n");
		fflush(stdout);
	}
	apim_store_close(db);
	return 0;
}
