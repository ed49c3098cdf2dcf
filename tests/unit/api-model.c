/* api-model: drive lib/api.c's JSON contract directly, as import does:
 *   api-model create FILE|-      create from an API object, print the id
 *   api-model update API FILE|-  apply a partial object
 *   api-model get API            print apim_api_get's object
 * The store is $APIM_DB; exit codes as apim-publish's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "err.h"
#include "out.h"
#include "store.h"
#include "util.h"

static json_t *
load(const char *path)
{
	json_error_t je;
	json_t *v;
	char *buf;
	size_t len;

	if ((buf = apim_file_read(path, &len)) == NULL)
		return NULL;
	v = json_loadb(buf, len, 0, &je);
	free(buf);
	if (v == NULL)
		apim_err_set(APIM_DATAERR, "'%s' line %d: %s", path, je.line, je.text);
	return v;
}

int
main(int argc, char **argv)
{
	const char *dbp = getenv("APIM_DB");
	sqlite3 *db;
	json_t *v = NULL, *o;
	char id[37];
	int rc = -1;

	apim_prog_set("api-model");
	if (argc < 3 || dbp == NULL) {
		fprintf(stderr, "usage: api-model create FILE | update API FILE | get API\n");
		return APIM_USAGE;
	}
	if ((db = apim_store_open(dbp, 0)) == NULL)
		return apim_err_report();
	if (strcmp(argv[1], "create") == 0) {
		if ((v = load(argv[2])) != NULL &&
		    (rc = apim_api_create(db, v, apim_actor(NULL), id)) == 0)
			printf("%s\n", id);
	} else if (strcmp(argv[1], "update") == 0 && argc == 4) {
		if (apim_api_resolve(db, argv[2], id) == 0 && (v = load(argv[3])) != NULL)
			rc = apim_api_update(db, id, v);
	} else if (strcmp(argv[1], "get") == 0) {
		if (apim_api_resolve(db, argv[2], id) == 0 &&
		    (o = apim_api_get(db, id)) != NULL) {
			apim_out_json(stdout, o, 0);
			json_decref(o);
			rc = 0;
		}
	} else {
		apim_err_set(APIM_USAGE, "unknown mode '%s'", argv[1]);
	}
	json_decref(v);
	apim_store_close(db);
	return rc == 0 ? 0 : apim_err_report();
}
