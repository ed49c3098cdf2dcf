/* gw_map: the gateway's string-keyed hash table (open addressing).  Keys are
 * copied; values are the caller's, freed by the map's free function if set. */
#ifndef APIM_GW_MAP_H
#define APIM_GW_MAP_H

#include <stddef.h>

struct gw_map;

/* A new empty map; vfree (may be NULL) frees a value when it is replaced,
 * removed or cleared. */
struct gw_map *gw_map_new(void (*vfree)(void *));
void gw_map_free(struct gw_map *m);
/* The value for key, or NULL. */
void *gw_map_get(const struct gw_map *m, const char *key);
/* Set key to v (replacing and freeing an older value). */
void gw_map_put(struct gw_map *m, const char *key, void *v);
/* Remove key (freeing its value); nothing if absent. */
void gw_map_del(struct gw_map *m, const char *key);
/* Remove everything. */
void gw_map_clear(struct gw_map *m);
size_t gw_map_count(const struct gw_map *m);

#endif
