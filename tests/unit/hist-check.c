/* hist-check: a test driver for lib/hist.  Reads integers (one a line) on
 * stdin and prints "count min max p50 p90 p95 p99 p999 bytes"; with
 * --roundtrip, through apim_hist_encode and apim_hist_decode_merge first;
 * with --split N, as N histograms merged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hist.h"

int
main(int argc, char **argv)
{
	struct apim_hist h[16], all;
	char line[64], *enc;
	long long v;
	int split = 1, roundtrip = 0, i;
	unsigned long n = 0;
	static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };

	apim_prog_set("hist-check");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--roundtrip") == 0)
			roundtrip = 1;
		else if (strcmp(argv[i], "--split") == 0 && i + 1 < argc)
			split = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: hist-check [--roundtrip] [--split N]\n");
			return APIM_USAGE;
		}
	}
	if (split < 1 || split > 16)
		return APIM_USAGE;
	for (i = 0; i < split; i++)
		apim_hist_init(&h[i]);
	apim_hist_init(&all);
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%lld", &v) != 1)
			continue;
		apim_hist_add(&h[n++ % (unsigned long)split], v);
	}
	for (i = 0; i < split; i++) {
		if (roundtrip) {
			enc = apim_hist_encode(&h[i]);
			if (apim_hist_decode_merge(&all, enc) == -1)
				return apim_err_report();
			free(enc);
		} else
			apim_hist_merge(&all, &h[i]);
		apim_hist_free(&h[i]);
	}
	printf("%" PRIu64 " %" PRId64 " %" PRId64, all.count,
	    all.count ? all.min : -1, all.count ? all.max : -1);
	for (i = 0; i < 5; i++)
		printf(" %" PRId64, apim_hist_quantile(&all, qs[i]));
	printf(" %zu\n", apim_hist_bytes(&all));
	apim_hist_free(&all);
	return 0;
}
