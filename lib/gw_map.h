/* gw_map: the gateway's string-keyed hash table (open addressing).  Keys are
 * copied; values are the caller's, freed by the map's free function if set.
 * Keys are hashed with a keyed hash (a random key per process: no hash
 * flooding) and compared in time that depends on their length only. */
#ifndef APIM_GW_MAP_H
#define APIM_GW_MAP_H

#include <stddef.h>
#include <stdint.h>

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

/* The same with a key of len bytes (any bytes) and its hash h, which must be
 * gw_map_hash(key, len): a caller that looks a key up more than once, or
 * keeps it, hashes it once. */
uint64_t gw_map_hash(const void *key, size_t len);
void *gw_map_getn(const struct gw_map *m, const void *key, size_t len, uint64_t h);
void gw_map_putn(struct gw_map *m, const void *key, size_t len, uint64_t h, void *v);
void gw_map_deln(struct gw_map *m, const void *key, size_t len, uint64_t h);

#endif
