/* form_fuzz: libFuzzer harness for lib/form (form bodies of the OAuth
 * endpoints).  Checks the contracts, not just crashes: a parsed form has at
 * most APIM_FORM_MAX distinct non-empty names; encoding it again and parsing
 * that gives the same form back; apim_form_decode agrees with the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any over-read */
	char *buf = malloc(size ? size : 1), *d, *s;
	struct apim_form f, g;
	struct apim_buf b = APIM_BUF_INIT;
	const char *why = NULL;
	int i, j;

	memcpy(buf, data, size);
	if ((d = apim_form_decode(buf, size)) != NULL) {
		check(strlen(d) <= size);	/* never longer, never a NUL */
		free(d);
	}
	if (apim_form_parse(buf, size, &f, &why) == -1) {
		check(why != NULL && f.n == 0);
		free(buf);
		return 0;
	}
	check(f.n >= 0 && f.n <= APIM_FORM_MAX);
	for (i = 0; i < f.n; i++) {
		check(*f.name[i] != '\0');
		for (j = 0; j < i; j++)
			check(strcmp(f.name[i], f.name[j]) != 0);
		/* the first lookup finds it; empty values read as absent */
		s = (char *)apim_form_get(&f, f.name[i]);
		check(*f.val[i] ? s == f.val[i] : s == NULL);
		apim_form_add(&b, f.name[i], f.val[i]);
	}
	/* the encoding is a form again, and the same one */
	why = NULL;
	check(apim_form_parse(b.data ? b.data : "", b.len, &g, &why) == 0);
	check(g.n == f.n);
	for (i = 0; i < f.n; i++) {
		check(strcmp(f.name[i], g.name[i]) == 0);
		check(strcmp(f.val[i], g.val[i]) == 0);
	}
	/* the content-type check reads a string to its end only */
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)apim_form_is_type(s);
	free(s);
	apim_form_free(&g);
	apim_form_free(&f);
	apim_buf_free(&b);
	free(buf);
	return 0;
}

#ifdef STANDALONE
#include <stdio.h>

/* Without libFuzzer: run the files given (the seed corpus). */
int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		static uint8_t in[1 << 20];
		size_t n;

		if (fp == NULL)
			return 66;
		n = fread(in, 1, sizeof in, fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(in, n);
	}
	return 0;
}
#endif
