/* url: the door check for URLs a gateway will call (libcurl's URL API does
 * the parsing; the rules are ours). */
#include <ctype.h>
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

int
apim_url_check(const char *what, const char *url)
{
	char safe[80];
	CURLU *h = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, *path = NULL, *port = NULL;
	const char *why = NULL;
	size_t i;

	if (url == NULL || *url == '\0') {
		apim_err_set(APIM_DATAERR, "%s: empty URL", what);
		return -1;
	}
	if (apim_text_check(what, url, APIM_URL_MAX, 0) == -1)
		return -1;
	for (i = 0; url[i]; i++)
		if (url[i] == ' ') {
			why = "contains a space";
			goto bad;
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
