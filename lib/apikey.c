/* apikey: the domain of WSO2-style API keys: the checks of their permitted IP
 * and referer lists, at issue time and at call time.  Never prints. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "util.h"

int
apim_apikey_cidr_valid(const char *s)
{
	char addr[64], *slash, *end;
	unsigned char buf[16];
	long prefix = -1;
	int v6;

	if (strlen(s) >= sizeof addr)
		return 0;
	strcpy(addr, s);
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		if (slash[1] < '0' || slash[1] > '9')
			return 0;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end - (slash + 1) > 3)
			return 0;
	}
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
		return 0;
	return prefix <= (v6 ? 128 : 32);
}

int
apim_apikey_referer_valid(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ',')
			return 0;
	return 1;
}

/* Parse "ADDR[/PREFIX]" into its family, bytes and prefix; 0 or -1. */
static int
cidr_parse(const char *s, int *v6, unsigned char buf[16], int *prefix)
{
	char addr[64], *slash;

	if (!apim_apikey_cidr_valid(s))
		return -1;
	strcpy(addr, s);
	*v6 = strchr(addr, ':') != NULL;
	*prefix = *v6 ? 128 : 32;
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		*prefix = atoi(slash + 1);
	}
	return inet_pton(*v6 ? AF_INET6 : AF_INET, addr, buf) == 1 ? 0 : -1;
}

int
apim_apikey_ip_permitted(const char *list, const char *ip)
{
	unsigned char want[16], net[16], mapped[16];
	const char *p, *e;
	int v6, nv6, prefix, i, bits;
	char item[64];

	if (list == NULL || *list == '\0')
		return 1;
	if (ip == NULL)
		return 0;
	v6 = strchr(ip, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, want) != 1)
		return 0;
	/* an IPv4 client seen as ::ffff:a.b.c.d matches IPv4 entries */
	if (v6 && memcmp(want, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memcpy(mapped, want + 12, 4);
		memcpy(want, mapped, 4);
		v6 = 0;
	}
	for (p = list; *p; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		while (p < e && *p == ' ')
			p++;
		if ((size_t)(e - p) >= sizeof item)
			continue;
		memcpy(item, p, (size_t)(e - p));
		item[e - p] = '\0';
		while (e - p > 0 && item[strlen(item) - 1] == ' ')
			item[strlen(item) - 1] = '\0';
		if (cidr_parse(item, &nv6, net, &prefix) == -1 || nv6 != v6)
			continue;
		for (i = 0, bits = prefix; bits > 0; i++, bits -= 8) {
			unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));

			if ((want[i] & mask) != (net[i] & mask))
				break;
		}
		if (bits <= 0)
			return 1;
	}
	return 0;
}

/* 1 if s matches the glob pat, where '*' stands for any run of characters. */
static int
glob(const char *pat, const char *s)
{
	const char *star = NULL, *ss = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			ss = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++ss;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int
apim_apikey_referer_permitted(const char *list, const char *referer)
{
	char **l;
	size_t i;
	int ok = 0;

	if (list == NULL || *list == '\0')
		return 1;
	if (referer == NULL || *referer == '\0')
		return 0;
	/* patterns are written without the scheme (www.example.com/...) */
	if (strncmp(referer, "https://", 8) == 0)
		referer += 8;
	else if (strncmp(referer, "http://", 7) == 0)
		referer += 7;
	l = apim_split_csv(list);
	for (i = 0; l[i] && !ok; i++)
		ok = glob(l[i], referer);
	apim_strv_free(l);
	return ok;
}
