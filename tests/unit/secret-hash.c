/* secret-hash: print apim_secret_hash() of the first line of stdin, for tests
 * that insert clients and users with sqlite3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

int
main(void)
{
	char buf[1024], *h;

	if (fgets(buf, sizeof buf, stdin) == NULL)
		return 66;
	buf[strcspn(buf, "\n")] = '\0';
	if ((h = apim_secret_hash(buf)) == NULL)
		return 70;
	puts(h);
	free(h);
	return 0;
}
