/* hostd/topo/topo_map.h: the hash tables behind the topology (topo.c).
 *
 * struct tidx is the flat index used for the per-object tables (ids,
 * internal keys, port MAC/IP/ifname, router interfaces, datapath ids):
 * an open-addressed, linearly probed array of slots, each holding only a
 * pointer to the indexed object, a small per-entry word (aux) and the
 * cached hash. The key is never copied: the index's key function reads it
 * from the object (and aux, e.g. which of a port's fixed IPs) whenever it
 * is needed. Several entries may share a key (MAC and IP duplicates are
 * counted). An entry's key must not change while it is indexed: topo.c
 * removes an object's entries before it frees or replaces it.
 *
 * struct tmap is the small string multimap that copies its keys, kept for
 * the interned strings (few entries).
 * Neither is thread-safe: the topology lock (or intern lock) protects them. */
#ifndef DFNIC_HOSTD_TOPO_MAP_H
#define DFNIC_HOSTD_TOPO_MAP_H

#include <stddef.h>
#include <stdint.h>

/* ---- flat index ------------------------------------------------------- */

/* A key: up to two byte spans (b may be empty), compared and hashed as a
 * pair, so ("ab","c") and ("a","bc") differ. */
struct tkey {
	const void *a;          /* first span */
	size_t alen;            /* its length */
	const void *b;          /* second span (may point into buf) */
	size_t blen;            /* its length (0: none) */
	uint8_t buf[24];        /* room for a key function's encoded span */
};

struct tidx;
/* Fill k with the key of entry (obj, aux). Must not fail. */
typedef void (*tidx_key_fn)(const struct tidx *m, const void *obj, uint32_t aux,
			    struct tkey *k);

struct tidx_slot {
	const void *obj;        /* the indexed object, NULL: empty slot */
	uint32_t hash;          /* of its key (cached) */
	uint32_t aux;           /* the caller's word for this entry */
};

struct tidx {
	struct tidx_slot *s;    /* slots (cap of them) */
	size_t cap;             /* slot count: 0 or a power of two */
	size_t n;               /* entries */
	tidx_key_fn key;        /* the key of an entry */
	int arg;                /* for the key function (topo.c: the kind) */
};

void tidx_init(struct tidx *m, tidx_key_fn key, int arg);
void tidx_free(struct tidx *m);                        /* slots, not objects */
int tidx_add(struct tidx *m, const void *obj, uint32_t aux); /* 0 / -ENOMEM */
/* Remove the entry (obj, aux); 0 / -ENOENT. */
int tidx_del(struct tidx *m, const void *obj, uint32_t aux);
/* Entries with key k: s = tidx_next(m, k, NULL) ... tidx_next(m, k, s).
 * The returned slot may be re-pointed (obj, aux) to an entry with the
 * same key; adds and removals invalidate it. */
struct tidx_slot *tidx_next(const struct tidx *m, const struct tkey *k,
			    const struct tidx_slot *prev);
const void *tidx_get(const struct tidx *m, const struct tkey *k); /* first match */
size_t tidx_count(const struct tidx *m, const struct tkey *k);
/* k as one string span / as a string and a byte span. */
void tkey_str(struct tkey *k, const char *a);
void tkey_str2(struct tkey *k, const char *a, const void *b, size_t blen);

/* ---- string multimap (copied keys) ------------------------------------ */

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
