/* expr-check: a test driver for lib/expr.  Parses EXPR and prints, for each
 * event line on stdin, "1" or "0" (bad lines "bad N"); --fields checks that
 * expr knows every field of apim_event_fields(); bench COUNT times eval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "event.h"
#include "expr.h"

int
main(int argc, char **argv)
{
	struct apim_expr *e;
	char line[APIM_EVENT_LINE_MAX + 2], buf[APIM_EVENT_LINE_MAX + 2];
	struct apim_event ev;
	long n = 0;
	int col;

	apim_prog_set("expr-check");
	if (argc == 2 && strcmp(argv[1], "--fields") == 0) {
		const char *const *f = apim_event_fields();
		int bad = 0;

		for (; *f != NULL; f++)
			if (apim_expr_field(*f) < 0) {
				printf("missing %s\n", *f);
				bad = 1;
			}
		return bad;
	}
	if (argc == 4 && strcmp(argv[1], "bench") == 0) {
		long count = atol(argv[3]), i, hits = 0;
		struct timespec t0, t1;
		double s;

		if ((e = apim_expr_parse(argv[2], &col)) == NULL)
			return apim_err_report();
		if (fgets(line, sizeof line, stdin) == NULL ||
		    apim_event_parse(line, strcspn(line, "\n"), &ev, buf, sizeof buf) < 0)
			return 65;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < count; i++)
			hits += apim_expr_eval(e, &ev);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("%ld evals, %ld true, %.1f ns each\n", count, hits, s * 1e9 / (double)count);
		apim_expr_free(e);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: expr-check EXPR < events | --fields | bench EXPR COUNT < event\n");
		return 64;
	}
	if ((e = apim_expr_parse(argv[1], &col)) == NULL) {
		int code = apim_err_report();

		printf("col %d\n", col);
		return code;
	}
	while (fgets(line, sizeof line, stdin) != NULL) {
		n++;
		if (apim_event_parse(line, strcspn(line, "\n"), &ev, buf, sizeof buf) < 0) {
			printf("bad %ld\n", n);
			continue;
		}
		printf("%d\n", apim_expr_eval(e, &ev));
	}
	apim_expr_free(e);
	return 0;
}
