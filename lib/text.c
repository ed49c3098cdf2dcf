/* text: UTF-8 and control-character checks at the door, and a printable form
 * of untrusted text for messages. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "text.h"

/* Bytes of the valid UTF-8 character at s (n bytes left), or 0 if invalid. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t
apim_utf8_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_char(p + i, n - i)) == 0)
			break;
		i += k;
	}
	return i;
}

int
apim_utf8_valid(const char *s, size_t n)
{
	return apim_utf8_prefix(s, n) == n;
}

int
apim_text_check(const char *what, const char *s, size_t max, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;
	char safe[80];

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (!apim_utf8_valid(s, n)) {
		apim_err_set(APIM_DATAERR, "invalid %s '%s': not valid UTF-8",
		    what, apim_text_safe(s, safe, sizeof safe));
		return -1;
	}
	if (max && n > max) {
		apim_err_set(APIM_DATAERR, "invalid %s '%s': longer than %zu bytes",
		    what, apim_text_safe(s, safe, sizeof safe), max);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned c = p[i];
		int ctl = c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f);

		if (ctl && (flags & APIM_TEXT_MULTILINE) &&
		    (c == '\t' || c == '\n' || c == '\r'))
			ctl = 0;
		if (ctl) {
			apim_err_set(APIM_DATAERR,
			    "invalid %s '%s': contains a control character",
			    what, apim_text_safe(s, safe, sizeof safe));
			return -1;
		}
	}
	return 0;
}

const char *
apim_text_safe(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n = strlen(s), i = 0, k;

	if (cap == 0)
		return out;
	while (i < n) {
		char tmp[8];
		size_t tl;

		if (p[i] >= 0x20 && p[i] != 0x7f && p[i] < 0x80) {
			tmp[0] = (char)p[i];
			tl = 1;
			k = 1;
		} else if (p[i] >= 0x80 && (k = utf8_char(p + i, n - i)) > 0 &&
		    !(p[i] == 0xc2 && p[i + 1] <= 0x9f)) {
			memcpy(tmp, p + i, k);
			tl = k;
		} else {
			snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
			tl = 4;
			k = 1;
		}
		if (o + tl + 4 > cap) {	/* room for "..." and the NUL */
			if (o + 4 <= cap) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
		i += k;
	}
	out[o < cap ? o : cap - 1] = '\0';
	return out;
}
