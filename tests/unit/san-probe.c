/* san-probe: a program that misbehaves on request, to show that make
 * check-sanitize catches sanitizer reports from background processes.
 * APIM_SAN_PROBE=leak loses memory, =ubsan overflows a signed int; unset, it
 * does nothing and exits 0 (tests/build.bats). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile keep;

int
main(void)
{
	const char *what = getenv("APIM_SAN_PROBE");
	volatile int big = INT_MAX;
	char *p;

	if (what == NULL || *what == '\0')
		return 0;
	if (strcmp(what, "leak") == 0) {
		p = malloc(4242);
		if (p == NULL)
			return 70;
		memset(p, 'x', 4242);
		keep = p;
		keep = NULL;	/* lost: LeakSanitizer reports 4242 bytes at exit */
		return 0;
	}
	if (strcmp(what, "ubsan") == 0) {
		big = big + 1;	/* signed overflow: UBSan reports it */
		return big == 0;
	}
	fprintf(stderr, "san-probe: unknown APIM_SAN_PROBE '%s' (leak, ubsan)\n", what);
	return 64;
}
