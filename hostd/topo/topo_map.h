/* hostd/topo/topo_map.h: the string-keyed chained hash multimap behind the
 * topology's id tables and indexes (topo.c). Keys are copied; several
 * entries may share a key (used for duplicate detection: MAC and IP
 * indexes count their entries). Not thread-safe: the topology lock
 * protects it. */
#ifndef DFNIC_HOSTD_TOPO_MAP_H
#define DFNIC_HOSTD_TOPO_MAP_H

#include <stddef.h>
#include <stdint.h>

struct tmap_ent {
	struct tmap_ent *next;  /* bucket chain */
	uint64_t hash;          /* of key */
	void *val;              /* the value (not owned) */
	char key[];             /* copy, in the entry's own allocation */
};

struct tmap {
	struct tmap_ent **b;    /* buckets (power of two) */
	size_t nb;              /* bucket count, 0 before first add */
	size_t n;               /* entries */
};

void tmap_free(struct tmap *m);                       /* entries, not values */
int tmap_add(struct tmap *m, const char *key, void *val); /* 0 / -ENOMEM */
/* Remove the entry (key, val); val NULL: the first with key. 0 / -ENOENT. */
int tmap_del(struct tmap *m, const char *key, const void *val);
void *tmap_get(const struct tmap *m, const char *key);   /* first match */
size_t tmap_count(const struct tmap *m, const char *key);
/* Matches of key: e = tmap_next(m, key, NULL) ... tmap_next(m, key, e). */
struct tmap_ent *tmap_next(const struct tmap *m, const char *key, struct tmap_ent *prev);

#endif
