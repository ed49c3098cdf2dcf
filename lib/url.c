/* url: the door check for URLs a gateway will call (libcurl's URL API does
 * the parsing of any URL outside the plain shape; the rules are ours). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "err.h"
#include "text.h"
#include "url.h"

/* 1 if the path has a "." or ".." segment, plain or percent-encoded. */
static int
dot_segment(const char *path)
{
	const char *p = path;

	while (*p) {
		const char *s = p;
		int dots = 0, other = 0;

		while (*p && *p != '/') {
			if (*p == '.') {
				dots++;
				p++;
			} else if (p[0] == '%' && p[1] == '2' &&
			    (p[2] == 'e' || p[2] == 'E')) {
				dots++;
				p += 3;
			} else {
				other = 1;
				p++;
			}
		}
		if (!other && dots >= 1 && dots <= 2 && p > s)
			return 1;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* 1 if c may stand in a URL's path, query or fragment as it is. */
static int
plain_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-._~!$&'()*+,;=:@/?#", c));
}

/*
 * 1 if url (its scheme checked) has the plain shape that libcurl's parser
 * takes as it is: a host of letters, digits, '-' and '.'; an optional port
 * of 1 to 5 digits without a leading zero; then nothing, or '/', '?' or '#'
 * and characters of RFC 3986's sets (a '%' before two hex digits).  Such a
 * URL needs no parser (nor libcurl, which apim-proxy opens only on first
 * use: lib/lazy/curl_lazy.c); every other URL goes through libcurl's.
 */
static int
plain(const char *url, long *port)
{
	const char *p = strstr(url, "://") + 3, *h = p;

	*port = 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')
		p++;
	if (p == h)
		return 0;
	if (*p == ':') {
		const char *d = ++p;

		if (*p < '1' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9' && p - d < 6)
			*port = *port * 10 + (*p++ - '0');
		if (p - d > 5)
			return 0;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return 0;
	for (; *p; p++)
		if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return 0;
			p += 2;
		} else if (!plain_char((unsigned char)*p))
			return 0;
	return 1;
}

int
apim_url_check(const char *what, const char *url)
{
	char safe[80], bad_char[80];
	CURLU *h = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, *path = NULL, *port = NULL;
	const char *why = NULL;
	size_t i;
	long pn;

	if (url == NULL || *url == '\0') {
		apim_err_set(APIM_DATAERR, "%s: empty URL", what);
		return -1;
	}
	if (apim_text_check(what, url, APIM_URL_MAX, 0) == -1)
		return -1;
	for (i = 0; url[i]; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c == ' ') {
			why = "contains a space";
			goto bad;
		}
		/* RFC 3986: its characters only ('[' and ']' for an IPv6 host;
		 * libcurl would take more, and send them on as they are) */
		if (c == '%' && !(isxdigit((unsigned char)url[i + 1]) &&
		    isxdigit((unsigned char)url[i + 2]))) {
			why = "has a '%' not followed by two hex digits";
			goto bad;
		}
		if (c != '%' && c != '[' && c != ']' && !plain_char(c)) {
			snprintf(bad_char, sizeof bad_char, c < 0x80 ?
			    "contains '%c', which a URL may not (percent-encode "
			    "it)" : "contains a byte 0x%02x: a URL is ASCII "
			    "(percent-encode it)", c);
			why = bad_char;
			goto bad;
		}
	}
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		why = "must be an http:// or https:// URL";
		goto bad;
	}
	{
		const char *a = strstr(url, "://") + 3;

		if (strcspn(a, "/?#") == 0) {
			why = "has no host";
			goto bad;
		}
	}
	if (plain(url, &pn)) {
		if (pn > 65535) {
			why = "has a port outside 1..65535";
			goto bad;
		}
		goto path;
	}
	if ((h = curl_url()) == NULL) {
		apim_err_set(APIM_SOFTWARE, "out of memory");
		return -1;
	}
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		why = "is not a valid URL";
		goto bad;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL ||
	    *host == '\0') {
		why = "has no host";
		goto bad;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
		why = "must not carry a user name or password";
		goto bad;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK && port) {
		char *end;
		long n = strtol(port, &end, 10);

		if (*end || n < 1 || n > 65535) {
			why = "has a port outside 1..65535";
			goto bad;
		}
	}
path:
	/* The path as written: libcurl would normalise dot segments away. */
	{
		const char *p = strstr(url, "://") + 3;

		p += strcspn(p, "/?#");
		if (*p == '/') {
			size_t n = strcspn(p, "?#");

			path = strndup(p, n);
			if (path && dot_segment(path)) {
				why = "has a '.' or '..' path segment";
				goto bad;
			}
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(port);
	free(path);
	curl_url_cleanup(h);
	return 0;
bad:
	apim_err_set(APIM_DATAERR, "invalid %s '%s': %s", what,
	    apim_text_safe(url, safe, sizeof safe), why);
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(port);
	free(path);
	if (h)
		curl_url_cleanup(h);
	return -1;
}
