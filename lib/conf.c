/* conf: the key = value file and its APIM_* environment overrides.
 * Entries are kept for the life of the process; getters borrow. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "util.h"

#ifndef APIM_DEFAULT_DB
#define APIM_DEFAULT_DB "/var/lib/apim/apim.db"
#endif

struct entry {
	char *key, *val;
	struct entry *next;
};
static struct entry *entries;
static int loaded;

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
apim_conf_load(void)
{
	const char *path = getenv("APIM_CONF");
	int explicit = path != NULL && *path;
	char line[4096], *k, *v, *eq;
	FILE *f;
	int lineno = 0;
	struct entry *e;

	if (loaded)
		return 0;
	loaded = 1;
	if (!explicit)
		path = "/etc/apim/apim.conf";
	if ((f = fopen(path, "r")) == NULL) {
		if (!explicit && errno == ENOENT)
			return 0;
		apim_err_set(APIM_CONFIG, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			apim_err_set(APIM_CONFIG, "%s:%d: expected 'key = value'",
			    path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (*k == '\0') {
			apim_err_set(APIM_CONFIG, "%s:%d: empty key", path, lineno);
			fclose(f);
			return -1;
		}
		e = apim_xmalloc(sizeof *e);
		e->key = apim_strdup(k);
		e->val = apim_strdup(v);
		e->next = entries;
		entries = e;
	}
	fclose(f);
	return 0;
}

const char *
apim_conf_get(const char *key, const char *def)
{
	char env[256];
	const char *v;
	size_t i;
	struct entry *e;

	snprintf(env, sizeof env, "APIM_%s", key);
	for (i = 5; env[i]; i++)
		env[i] = (env[i] == '-' || env[i] == '.') ? '_' :
		    (char)toupper((unsigned char)env[i]);
	if ((v = getenv(env)) != NULL && *v)
		return v;
	for (e = entries; e; e = e->next)	/* last one in the file wins */
		if (strcmp(e->key, key) == 0)
			return e->val;
	return def;
}

const char *
apim_conf_db(const char *flag)
{
	if (flag && *flag)
		return flag;
	return apim_conf_get("db", APIM_DEFAULT_DB);
}
