/* apikey: WSO2-style API keys (self-contained JWTs signed with the key
 * manager's keys, recorded by jti in the token table): their domain checks. */
#ifndef APIM_APIKEY_H
#define APIM_APIKEY_H

/* 1 if s is an IPv4 or IPv6 address, optionally "/PREFIX" with the prefix
 * within 0..32 or 0..128; 0 otherwise. */
int apim_apikey_cidr_valid(const char *s);
/* 1 if s is a referer pattern: printable, no spaces or commas; 0 otherwise. */
int apim_apikey_referer_valid(const char *s);

/* 1 if ip (the client's address) is within one of the comma list's
 * addresses or CIDR ranges, or the list is empty or NULL; 0 otherwise. */
int apim_apikey_ip_permitted(const char *list, const char *ip);
/* 1 if referer (a Referer header value; "http://" or "https://" is ignored)
 * matches one of the comma list's patterns ('*' any run of characters), or
 * the list is empty or NULL; 0 otherwise (also when referer is missing). */
int apim_apikey_referer_permitted(const char *list, const char *referer);

#endif
