/* text: the door check for every string that comes from outside (flags,
 * files, HTTP, events): UTF-8, length, control characters; and a safe form
 * of untrusted text for messages.  No allocation. */
#ifndef APIM_TEXT_H
#define APIM_TEXT_H

#include <stddef.h>

/* Length limits shared by the commands (bytes). */
#define APIM_NAME_MAX	256	/* names, owners, users, versions, tiers, tags */
#define APIM_TEXT_MAX	4096	/* descriptions, attribute values */
#define APIM_URL_MAX	2048	/* URLs: endpoints, callbacks */

/* The length of the longest valid UTF-8 prefix of s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
size_t apim_utf8_prefix(const char *s, size_t n);
/* 1 if s[0..n) is all valid UTF-8. */
int apim_utf8_valid(const char *s, size_t n);

#define APIM_TEXT_MULTILINE 1	/* allow TAB, LF and CR (descriptions, documents) */
/*
 * Check one value at the door: valid UTF-8, at most max bytes (0: no limit),
 * no control characters (C0, DEL and C1; TAB/LF/CR only with
 * APIM_TEXT_MULTILINE).  0 if it passes; else -1 with the error set to
 * APIM_DATAERR and a message naming what ("invalid application name: ...").
 * A NULL s passes (absent is the caller's business).
 */
int apim_text_check(const char *what, const char *s, size_t max, int flags);

/*
 * s made safe to print in one line of a message: control characters and
 * invalid bytes as \xNN, cut to fit out[cap] (with "..." when cut).
 * Returns out.
 */
const char *apim_text_safe(const char *s, char *out, size_t cap);

#endif
