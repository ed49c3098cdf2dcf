/* yml-conv: read YAML or JSON (by content) and print it as JSON or YAML,
 * to test lib/yml.c from the shell: yml-conv [-y] FILE|-. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "out.h"
#include "util.h"
#include "yml.h"

int
main(int argc, char **argv)
{
	int yaml_out = 0;
	char *buf, *s;
	size_t len, i = 0;
	json_t *v;
	json_error_t e;

	apim_prog_set("yml-conv");
	if (argc > 1 && strcmp(argv[1], "-y") == 0)
		yaml_out = 1, argc--, argv++;
	if (argc != 2) {
		fprintf(stderr, "usage: yml-conv [-y] FILE|-\n");
		return APIM_USAGE;
	}
	if ((buf = apim_file_read(argv[1], &len)) == NULL)
		return apim_err_report();
	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	if (i < len && buf[i] == '{') {
		if ((v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e)) == NULL) {
			apim_warnx("'%s' line %d column %d: %s", argv[1], e.line,
			    e.column, e.text);
			return APIM_DATAERR;
		}
	} else if ((v = apim_yml_parse(buf, len, argv[1])) == NULL)
		return apim_err_report();
	free(buf);
	if (yaml_out) {
		if ((s = apim_yml_emit(v)) == NULL)
			return apim_err_report();
		fputs(s, stdout);
		free(s);
	} else
		apim_out_json(stdout, v, 0);
	json_decref(v);
	return 0;
}
