/* secret: slow salted hashes for consumer secrets and passwords (PBKDF2-SHA256
 * from OpenSSL).  Stored form: "pbkdf2-sha256$ITER$SALT_B64URL$HASH_B64URL". */
#ifndef APIM_SECRET_H
#define APIM_SECRET_H

#define APIM_SECRET_ITER 100000

/* Hash secret with a fresh 16-byte salt; malloc'd string, NULL on error. */
char *apim_secret_hash(const char *secret);
/* 1 if secret matches stored (constant-time compare), 0 if not or malformed. */
int apim_secret_verify(const char *secret, const char *stored);

#endif
