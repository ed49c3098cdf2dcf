/* publish_io: apim-publish import and export (OpenAPI 2/3, JSON or YAML).
 * Placeholder while lib/yaml.c and lib/openapi.c land: both refuse cleanly. */
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"
#include "err.h"
#include "publish.h"
#include "util.h"

int
apim_publish_import(struct apim_ctx *ctx, struct apim_args *a)
{
	char *buf;
	size_t len;

	(void)ctx;
	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	if ((buf = apim_file_read(a->pos[0], &len)) == NULL)
		return -1;
	free(buf);
	apim_err_set(APIM_SOFTWARE, "import: not implemented yet");
	return -1;
}

int
apim_publish_export(struct apim_ctx *ctx, struct apim_args *a)
{
	(void)ctx;
	if (apim_args_npos(a, 1, 1) == -1)
		return -1;
	apim_err_set(APIM_SOFTWARE, "export: not implemented yet");
	return -1;
}
