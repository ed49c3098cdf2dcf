/* time-check: a test driver for the one RFC 3339 formatter.  For each
 * argument (ms since the epoch) prints apim_time_iso and
 * apim_event_time_format, which must agree; with --parse, each argument
 * (RFC 3339) through apim_event_time_parse. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "util.h"

int
main(int argc, char **argv)
{
	char a[32], b[32];
	int i, parse = argc > 1 && strcmp(argv[1], "--parse") == 0;

	for (i = 1 + parse; i < argc; i++) {
		if (parse) {
			printf("%" PRId64 "\n", apim_event_time_parse(argv[i]));
			continue;
		}
		apim_time_iso(strtoll(argv[i], NULL, 10), a);
		apim_event_time_format(strtoll(argv[i], NULL, 10), b);
		printf("%s %s\n", a, strcmp(a, b) == 0 ? "same" : b);
	}
	return 0;
}
