/* form: decoding and encoding application/x-www-form-urlencoded bodies.
 * Decoded names and values are malloc'd and belong to the struct apim_form. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "util.h"

char *
apim_form_decode(const char *s, size_t n)
{
	char *out = apim_xmalloc(n + 1), *p = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*p++ = ' ';
		else if (s[i] == '%') {
			int h, l;

			if (n - i < 3 || (h = apim_hexval(s[i + 1])) < 0 ||
			    (l = apim_hexval(s[i + 2])) < 0 || (h == 0 && l == 0))
				goto bad;
			*p++ = (char)(h << 4 | l);
			i += 2;
		} else if (s[i] == '\0')
			goto bad;
		else
			*p++ = s[i];
	}
	*p = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void
apim_form_free(struct apim_form *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->val[i]);
	}
	f->n = 0;
}

int
apim_form_parse(const char *b, size_t len, struct apim_form *f, const char **why)
{
	size_t i = 0, j, eq;
	int k;

	f->n = 0;
	while (i < len) {
		for (j = i; j < len && b[j] != '&'; j++)
			;
		if (j > i) {
			char *name, *val;

			for (eq = i; eq < j && b[eq] != '='; eq++)
				;
			name = apim_form_decode(b + i, eq - i);
			val = eq < j ? apim_form_decode(b + eq + 1, j - eq - 1) :
			    apim_strdup("");
			if (name == NULL || val == NULL || *name == '\0') {
				free(name);
				free(val);
				*why = "malformed form body";
				goto fail;
			}
			for (k = 0; k < f->n; k++)
				if (strcmp(f->name[k], name) == 0)
					break;
			if (k < f->n || f->n == APIM_FORM_MAX) {
				*why = k < f->n ? "repeated parameter" :
				    "too many parameters";
				free(name);
				free(val);
				goto fail;
			}
			f->name[f->n] = name;
			f->val[f->n++] = val;
		}
		i = j + 1;
	}
	return 0;
fail:
	apim_form_free(f);
	return -1;
}

const char *
apim_form_get(const struct apim_form *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return *f->val[i] ? f->val[i] : NULL;
	return NULL;
}

static void
escape(struct apim_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			apim_buf_addc(b, c);
		else if (c == ' ')
			apim_buf_addc(b, '+');
		else {
			apim_buf_addc(b, '%');
			apim_buf_addc(b, hex[c >> 4]);
			apim_buf_addc(b, hex[c & 15]);
		}
	}
}

void
apim_form_add(struct apim_buf *b, const char *name, const char *value)
{
	if (b->len)
		apim_buf_addc(b, '&');
	escape(b, name);
	apim_buf_addc(b, '=');
	escape(b, value);
}

int
apim_form_is_type(const char *ct)
{
	static const char type[] = "application/x-www-form-urlencoded";
	size_t n = sizeof type - 1;

	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}
