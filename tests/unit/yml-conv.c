/* yml-conv: read YAML or JSON (by content) and print it as JSON or YAML,
 * to test lib/yml.c from the shell: yml-conv [-y] [-n] FILE|-  (-n: numbers
 * as written). */
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
	int yaml_out = 0, numtext = 0;
	char *buf, *s;
	size_t len, i = 0;
	json_t *v;
	json_error_t e;

	apim_prog_set("yml-conv");
	for (; argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0'; argc--, argv++) {
		if (strcmp(argv[1], "-y") == 0)
			yaml_out = 1;
		else if (strcmp(argv[1], "-n") == 0)
			numtext = APIM_YML_NUMTEXT;
		else
			break;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: yml-conv [-y] [-n] FILE|-\n");
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
			free(buf);
			return APIM_DATAERR;
		}
	} else
		v = apim_yml_parse(buf, len, argv[1], numtext);
	free(buf);
	if (v == NULL)
		return apim_err_report();
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
