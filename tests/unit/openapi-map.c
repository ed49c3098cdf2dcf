/* openapi-map: print the API object lib/openapi.c makes of a document, or
 * (-e) the OpenAPI document it makes of an API object: openapi-map [-e] FILE|-. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "openapi.h"
#include "out.h"
#include "util.h"

int
main(int argc, char **argv)
{
	int export = 0;
	char *buf;
	size_t len;
	json_t *doc, *out;

	apim_prog_set("openapi-map");
	if (argc > 1 && strcmp(argv[1], "-e") == 0)
		export = 1, argc--, argv++;
	if (argc != 2) {
		fprintf(stderr, "usage: openapi-map [-e] FILE|-\n");
		return APIM_USAGE;
	}
	if ((buf = apim_file_read(argv[1], &len)) == NULL)
		return apim_err_report();
	doc = apim_openapi_load(buf, len, argv[1]);
	free(buf);
	if (doc == NULL)
		return apim_err_report();
	out = export ? apim_openapi_from_api(doc) : apim_openapi_to_api(doc, argv[1]);
	json_decref(doc);
	if (out == NULL)
		return apim_err_report();
	apim_out_json(stdout, out, 0);
	json_decref(out);
	return 0;
}
