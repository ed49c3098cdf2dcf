/* user: resource owners for the OAuth password grant: name, salted slow password
 * hash (lib/secret), roles.  Returned json_t are new references. */
#ifndef APIM_USER_H
#define APIM_USER_H

#include <jansson.h>
#include <sqlite3.h>

/* 1 if name is a valid user name: 1-64 of [A-Za-z0-9._@-], not starting with '-'. */
int apim_user_name_valid(const char *name);
/* 1 if role is a valid role name: a user name's characters and '/' (WSO2's
 * domain-qualified roles such as "Internal/subscriber"), 1-64 bytes, not
 * starting with '-' or '/'. */
int apim_user_role_valid(const char *role);
/* Add a user with roles (NULL-terminated, may be NULL); one transaction.
 * Exists: APIM_DATAERR.  Bad name or empty password: APIM_USAGE. */
int apim_user_add(sqlite3 *db, const char *name, const char *password,
    char *const *roles);
/* Change the password; unknown user: APIM_NO. */
int apim_user_passwd(sqlite3 *db, const char *name, const char *password);
/* Delete the user and roles; unknown user: APIM_NO. */
int apim_user_del(sqlite3 *db, const char *name);
/* [{name, roles:[...], created}] by name. */
json_t *apim_user_list(sqlite3 *db);
/* 1 if name exists and password matches (constant-time; an unknown name costs
 * the same as a wrong password), 0 if not, -1 on a store error. */
int apim_user_verify(sqlite3 *db, const char *name, const char *password);

#endif
