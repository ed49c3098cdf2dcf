/* conf: configuration from /etc/apim/apim.conf ("key = value"), overridden by
 * APIM_<KEY> in the environment; programs then override with their flags. */
#ifndef APIM_CONF_H
#define APIM_CONF_H

/* Load the file named by $APIM_CONF, else /etc/apim/apim.conf.  A missing
 * default file is not an error; a missing $APIM_CONF file or a malformed line
 * is (APIM_CONFIG).  Safe to call more than once. */
int apim_conf_load(void);
/* The value for key: $APIM_<KEY> (upper case, '-' and '.' as '_'), else the
 * file's value, else def.  The string is borrowed and lives until exit. */
const char *apim_conf_get(const char *key, const char *def);
/* The store's path: flag if given, else conf "db", else the built-in default. */
const char *apim_conf_db(const char *flag);

#endif
