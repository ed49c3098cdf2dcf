/* util: small shared helpers: ids, time, strings, files.
 * Returned strings are malloc'd and owned by the caller unless noted. */
#ifndef APIM_UTIL_H
#define APIM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* A random (version 4) UUID from OpenSSL's RAND_bytes into out[37]; -1 on failure. */
int apim_uuid_new(char out[37]);
int apim_uuid_valid(const char *s);
/* Random bytes, hex- or base64url-encoded into a new string; NULL on failure. */
char *apim_random_hex(size_t nbytes);
char *apim_random_b64url(size_t nbytes);
/* base64url without padding; out must hold 4*((n+2)/3)+1 bytes. Returns length. */
size_t apim_b64url_encode(const unsigned char *in, size_t n, char *out);
/* Decode base64url (padding optional); returns bytes written or -1. out holds 3*n/4+3. */
long apim_b64url_decode(const char *in, size_t n, unsigned char *out);
/* 16 bytes as a UUID's text (RFC 9562: 8-4-4-4-12 lowercase hex) into out[37]. */
void apim_uuid_text(const unsigned char b[16], char out[37]);
/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int apim_hexval(int c);
/* SHA-256 of s as 64 lowercase hex characters into out[65] (lib/sha256:
 * no OpenSSL call). */
void apim_sha256_hex(const void *s, size_t n, char out[65]);
/* Constant-time comparison of two byte strings; 1 if equal. */
int apim_ct_equal(const void *a, size_t an, const void *b, size_t bn);

/* The civil date (proleptic Gregorian, UTC) of day z since 1970-01-01. */
void apim_civil_from_days(int64_t z, int *y, int *m, int *d);
/* The decimal digits of v into out (room for 20, no NUL); their count. */
size_t apim_fmt_u64(char *out, uint64_t v);
/* Wall-clock time in milliseconds since the epoch. */
int64_t apim_now_ms(void);
/* RFC 3339 UTC with milliseconds ("2026-11-27T19:26:53.123Z", 24 bytes and
 * a NUL) into out[32]; the one formatter.  Negative ms are times before 1970
 * (floored); ms is clamped to the years 0000..9999. */
void apim_time_iso(int64_t ms, char out[32]);

#define APIM_FILE_MAX ((size_t)64 << 20)	/* apim_file_read's limit: 64 MiB */
/* Read a whole file ("-" is stdin) into a NUL-terminated buffer (free it); NULL
 * on error: APIM_NOINPUT cannot open, APIM_IOERR cannot read, APIM_DATAERR
 * larger than max bytes (found after reading max + 1, never the whole file). */
char *apim_file_read_max(const char *path, size_t max, size_t *len);
/* apim_file_read_max with APIM_FILE_MAX. */
char *apim_file_read(const char *path, size_t *len);
/* Write data to path atomically (temp file, fsync, rename) with the given mode. */
int apim_file_write_atomic(const char *path, const void *data, size_t n, int mode);
/* A new file of size bytes (zeros after head[0..hlen)) with mode, made under
 * a temporary name and moved to path whole: replacing what is there if
 * replace, else only if nothing is (another process's file then wins, and
 * that is success).  0, or -1 with the error set. */
int apim_file_create(const char *path, int mode, off_t size, const void *head,
    size_t hlen, int replace);

/* The acting user: --as if given, else $USER, else the login name, else "unknown". */
const char *apim_actor(const char *as);

/* Split a comma list into a NULL-terminated array of trimmed, non-empty strings.
 * Free with apim_strv_free(). */
char **apim_split_csv(const char *s);
void apim_strv_free(char **v);
size_t apim_strv_len(char *const *v);
/* The strings of v joined with sep, as a new string. */
char *apim_strv_join(char *const *v, const char *sep);
char *apim_strdup(const char *s);	/* aborts on out-of-memory */
void *apim_xmalloc(size_t n);

#endif
