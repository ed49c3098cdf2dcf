/* jwt-tool: sign claims from stdin ("sign [TYP]") or verify a JWS from stdin
 * ("verify [TYP]") against the store $APIM_DB, for the bats suites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jwt.h"
#include "store.h"
#include "util.h"

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	char *in, *out;
	json_t *j;
	size_t n;

	if (argc < 2 || (in = apim_file_read("-", &n)) == NULL)
		return 64;
	in[strcspn(in, "\n")] = '\0';
	if ((db = apim_store_open(getenv("APIM_DB"), 0)) == NULL)
		goto err;
	if (strcmp(argv[1], "sign") == 0) {
		if ((j = json_loads(in, 0, NULL)) == NULL)
			return 65;
		if ((out = apim_jwt_sign(db, j, argc > 2 ? argv[2] : NULL)) == NULL)
			goto err;
		puts(out);
		free(out);
		json_decref(j);
	} else {
		if ((j = apim_jwt_verify(db, in, argc > 2 ? argv[2] : NULL)) == NULL)
			goto err;
		out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		puts(out);
		free(out);
		json_decref(j);
	}
	apim_store_close(db);
	free(in);
	return 0;
err:
	fprintf(stderr, "jwt-tool: %s\n", apim_err_msg());
	if (db)
		apim_store_close(db);
	free(in);
	return apim_err_code();
}
