/* schema: the store's migrations.  Step i (0-based) takes user_version i to i+1. */
#ifndef APIM_SCHEMA_H
#define APIM_SCHEMA_H
int apim_schema_count(void);
const char *apim_schema_step(int i);
#endif
