/* openapi_fuzz: libFuzzer harness for the import path of apim-publish
 * (lib/openapi, lib/yml) without a store: a document (JSON or YAML) is
 * loaded and mapped to an API object; a mapped API that passes the store's
 * checks (apim_api_check) goes back to a document (from_api) that maps again
 * to an API passing them; a loaded value emitted as YAML must read back.
 * Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "openapi.h"
#include "yml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken contract: say which, then crash so libFuzzer keeps the input */
#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s:%d: %s " \
	"(%s)\n", __FILE__, __LINE__, #c, apim_err_msg()); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc, *api, *back, *again;
	char *buf, *y;

	if (size > 256 * 1024)
		return 0;
	/* an exact copy, so ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	doc = apim_openapi_load(buf, size, "fuzz");
	free(buf);
	if (doc == NULL)
		return 0;
	/* what apim-publish export would write reads back */
	if ((y = apim_yml_emit(doc)) != NULL) {
		again = apim_yml_parse(y, strlen(y), "emitted", 0);
		check(again != NULL);
		json_decref(again);
		free(y);
	}
	/* an API the store would keep exports to a document that imports
	 * again, as an API the store would keep (what the mapper lets through
	 * and the store refuses, import refuses: nothing to export) */
	if ((api = apim_openapi_to_api(doc, "fuzz")) != NULL) {
		if (apim_api_check(api) == 0) {
			back = apim_openapi_from_api(api);
			check(back != NULL);
			again = apim_openapi_to_api(back, "again");
			check(again != NULL);
			check(apim_api_check(again) == 0);
			json_decref(again);
			json_decref(back);
		}
		json_decref(api);
	}
	json_decref(doc);
	return 0;
}
