/* apim-foundation-check: shows what lib/conf and lib/store decide, for
 * tests/foundation.bats.  Nothing here is used by the programs. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "store.h"

static int
pragma(sqlite3 *db, const char *name)
{
	char sql[64];
	sqlite3_stmt *st;

	snprintf(sql, sizeof sql, "PRAGMA %s", name);
	if ((st = apim_store_prep(db, sql, "")) == NULL)
		return -1;
	if (apim_store_step(db, st) == 1)
		printf("%s=%s\n", name, apim_store_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

int
main(int argc, char **argv)
{
	sqlite3 *db;

	apim_prog_set("apim-foundation-check");
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "conf") == 0) {
		const char *v;

		if (apim_conf_load() == -1)
			return apim_err_report();
		v = apim_conf_get(argv[2], argc == 4 ? argv[3] : NULL);
		if (v == NULL)
			return APIM_NO;
		printf("%s\n", v);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "store") == 0) {
		if ((db = apim_store_open(argv[2], 0)) == NULL)
			return apim_err_report();
		printf("schema=%d\n", apim_store_schema_version());
		pragma(db, "user_version");
		pragma(db, "journal_mode");
		pragma(db, "foreign_keys");
		pragma(db, "busy_timeout");
		apim_store_close(db);
		return 0;
	}
	fprintf(stderr, "usage: apim-foundation-check conf KEY [DEFAULT]\n"
	    "       apim-foundation-check store PATH\n");
	return APIM_USAGE;
}
