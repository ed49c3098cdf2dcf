/* conf: configuration from /etc/apim/apim.conf ("key = value"), overridden by
 * APIM_<KEY> in the environment; programs then override with their flags. */
#ifndef APIM_CONF_H
#define APIM_CONF_H

#include <stddef.h>

/* Load the file named by $APIM_CONF, else /etc/apim/apim.conf.  A missing
 * default file is not an error; a missing $APIM_CONF file or a malformed line
 * is (APIM_CONFIG).  Safe to call more than once. */
int apim_conf_load(void);
/* The value for key: $APIM_<KEY> (upper case, '-' and '.' as '_'), else the
 * file's value, else def.  The string is borrowed and lives until exit. */
const char *apim_conf_get(const char *key, const char *def);
/* Limits of the file itself: 1 MiB, lines of 4 KiB; every line valid UTF-8
 * with no control characters (beyond the tabs trimmed around keys and values). */
#define APIM_CONF_MAX	((size_t)1 << 20)
#define APIM_CONF_LINE_MAX	4096
/* A size for key ("65536", "64K", "64M", "1G": K, M, G are powers of 1024)
 * into *out; def when the key is absent.  -1 (APIM_CONFIG) if malformed or 0. */
int apim_conf_size(const char *key, size_t def, size_t *out);
/* The store's path: flag if given, else conf "db", else the built-in default. */
const char *apim_conf_db(const char *flag);

#endif
