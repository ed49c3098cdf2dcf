/* url: backend and callback URLs checked at the door with libcurl's URL
 * parser: http or https, a host, no credentials, no control characters, no
 * dot segments.  Nothing is allocated for the caller. */
#ifndef APIM_URL_H
#define APIM_URL_H

#include <stddef.h>

/*
 * 0 if url is an absolute http:// or https:// URL that a gateway may send
 * requests to: at most APIM_URL_MAX bytes of valid UTF-8 with no control
 * characters or spaces, a non-empty host, no user:password@, a port within
 * 1..65535 if given, and no "." or ".." path segments (plain or %2e-encoded).
 * Else -1 with the error set to APIM_DATAERR, naming what ("endpoint") and
 * the reason.
 */
int apim_url_check(const char *what, const char *url);

#endif
