/* apikey: WSO2-style API keys: self-contained JWTs signed with the key
 * manager's keys (lib/jwt), recorded by jti in the token table. */
#ifndef APIM_APIKEY_H
#define APIM_APIKEY_H

/* 1 if s is an IPv4 or IPv6 address, optionally "/PREFIX" with the prefix
 * within 0..32 or 0..128; 0 otherwise. */
int apim_apikey_cidr_valid(const char *s);
/* 1 if s is a referer pattern: printable, no spaces or commas; 0 otherwise. */
int apim_apikey_referer_valid(const char *s);

#endif
