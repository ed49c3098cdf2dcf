/* secret-check: exit 0 if the first line of stdin matches the stored hash in
 * argv[1] (apim_secret_verify), 1 if not; for the bats suites. */
#include <stdio.h>
#include <string.h>

#include "secret.h"

int
main(int argc, char **argv)
{
	char buf[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: secret-check HASH < SECRET\n");
		return 64;
	}
	if (fgets(buf, sizeof buf, stdin) == NULL)
		return 66;
	buf[strcspn(buf, "\n")] = '\0';
	return apim_secret_verify(buf, argv[1]) ? 0 : 1;
}
