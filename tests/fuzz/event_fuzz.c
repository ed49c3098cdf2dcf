/* event_fuzz: libFuzzer harness for apim_event_parse (lib/event).  A line the
 * reader accepts is formatted again, and that line must parse to the same
 * event and format to the same bytes.  Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken contract: say which, then crash so libFuzzer keeps the input */
#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apim_event ev, ev2;
	char *line, *buf, *buf2, *s;
	static char out[1 << 20], out2[1 << 20];
	long n, n2;

	if (size > 256 * 1024)
		return 0;
	/* an exact copy, so ASan sees any read past the end */
	line = malloc(size ? size : 1);
	memcpy(line, data, size);
	buf = malloc(size + 1);
	if (apim_event_parse(line, size, &ev, buf, size + 1) == 0) {
		n = apim_event_format(&ev, out, sizeof(out));
		check(n > 0 && out[n - 1] == '\n');
		buf2 = malloc((size_t)n + 1);
		check(apim_event_parse(out, (size_t)n - 1, &ev2, buf2, (size_t)n + 1) == 0);
		n2 = apim_event_format(&ev2, out2, sizeof(out2));
		check(n2 == n && memcmp(out, out2, (size_t)n) == 0);
		free(buf2);
	}
	/* the time reader on the same bytes as a string */
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)apim_event_time_parse(s);
	free(s);
	free(buf);
	free(line);
	return 0;
}
