/* conf: the key = value file and its APIM_* environment overrides.
 * Entries are kept for the life of the process; getters borrow. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "text.h"
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
	char *buf, *line, *next, *k, *v, *eq, msg[512];
	size_t len;
	int lineno = 0;
	struct entry *e;

	if (loaded)
		return 0;
	loaded = 1;
	if (!explicit)
		path = "/etc/apim/apim.conf";
	if (!explicit && access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if ((buf = apim_file_read_max(path, APIM_CONF_MAX, &len)) == NULL) {
		snprintf(msg, sizeof msg, "%s", apim_err_msg());
		apim_err_set(APIM_CONFIG, "%s", msg);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		apim_err_set(APIM_CONFIG, "%s: contains a NUL byte", path);
		free(buf);
		return -1;
	}
	for (line = buf; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if (strlen(k) > APIM_CONF_LINE_MAX) {
			apim_err_set(APIM_CONFIG, "%s:%d: line longer than %d bytes",
			    path, lineno, APIM_CONF_LINE_MAX);
			goto fail;
		}
		/* the line is not quoted back: a value may be a secret */
		if (!apim_utf8_valid(k, strlen(k))) {
			apim_err_set(APIM_CONFIG, "%s:%d: not valid UTF-8", path,
			    lineno);
			goto fail;
		}
		if (apim_text_check("line", k, 0, APIM_TEXT_MULTILINE) == -1 ||
		    strchr(k, '\r') || strchr(k, '\n')) {
			apim_err_set(APIM_CONFIG, "%s:%d: contains a control "
			    "character", path, lineno);
			goto fail;
		}
		if ((eq = strchr(k, '=')) == NULL) {
			apim_err_set(APIM_CONFIG, "%s:%d: expected 'key = value'",
			    path, lineno);
			goto fail;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (*k == '\0') {
			apim_err_set(APIM_CONFIG, "%s:%d: empty key", path, lineno);
			goto fail;
		}
		e = apim_xmalloc(sizeof *e);
		e->key = apim_strdup(k);
		e->val = apim_strdup(v);
		e->next = entries;
		entries = e;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
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

int
apim_conf_size(const char *key, size_t def, size_t *out)
{
	const char *v = apim_conf_get(key, NULL);
	unsigned long long n = 0, mul = 1;
	const char *p;
	char safe[64];

	*out = def;
	if (v == NULL)
		return 0;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		if (n > (1ULL << 50))
			goto bad;
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (p == v)
		goto bad;
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': mul = 1ULL << 10; p++; break;
	case 'm': case 'M': mul = 1ULL << 20; p++; break;
	case 'g': case 'G': mul = 1ULL << 30; p++; break;
	default: goto bad;
	}
	if (*p != '\0' || n == 0 || n > (1ULL << 50) / mul ||
	    n * mul > (unsigned long long)SIZE_MAX / 2)
		goto bad;
	*out = (size_t)(n * mul);
	return 0;
bad:
	apim_err_set(APIM_CONFIG, "bad %s '%s': a size in bytes, with an "
	    "optional K, M or G (at least 1)", key, apim_text_safe(v, safe,
	    sizeof safe));
	return -1;
}
