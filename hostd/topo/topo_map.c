/* hostd/topo/topo_map.c: string multimap for the topology (topo_map.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/topo/topo_map.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

void tmap_free(struct tmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nb; i++) {
		struct tmap_ent *e = m->b[i];
		while (e) {
			struct tmap_ent *n = e->next;
			free(e);
			e = n;
		}
	}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

static int grow(struct tmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 16;
	struct tmap_ent **b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->nb; i++) {
		struct tmap_ent *e = m->b[i];
		while (e) {
			struct tmap_ent *n = e->next;
			size_t j = e->hash & (nb - 1);
			e->next = b[j];
			b[j] = e;
			e = n;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

int tmap_add(struct tmap *m, const char *key, void *val)
{
	if (m->n >= m->nb && grow(m))
		return -ENOMEM;
	size_t len = strlen(key) + 1;
	struct tmap_ent *e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len);
	e->hash = hash_str(key);
	e->val = val;
	size_t j = e->hash & (m->nb - 1);
	e->next = m->b[j];
	m->b[j] = e;
	m->n++;
	return 0;
}

int tmap_del(struct tmap *m, const char *key, const void *val)
{
	if (!m->nb)
		return -ENOENT;
	uint64_t h = hash_str(key);
	struct tmap_ent **pp = &m->b[h & (m->nb - 1)];
	for (; *pp; pp = &(*pp)->next) {
		struct tmap_ent *e = *pp;
		if (e->hash == h && !strcmp(e->key, key) && (!val || e->val == val)) {
			*pp = e->next;
			free(e);
			m->n--;
			return 0;
		}
	}
	return -ENOENT;
}

struct tmap_ent *tmap_next(const struct tmap *m, const char *key, struct tmap_ent *prev)
{
	if (!m->nb)
		return NULL;
	uint64_t h = prev ? prev->hash : hash_str(key);
	struct tmap_ent *e = prev ? prev->next : m->b[h & (m->nb - 1)];
	for (; e; e = e->next)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

void *tmap_get(const struct tmap *m, const char *key)
{
	struct tmap_ent *e = tmap_next(m, key, NULL);
	return e ? e->val : NULL;
}

size_t tmap_count(const struct tmap *m, const char *key)
{
	size_t n = 0;
	for (struct tmap_ent *e = tmap_next(m, key, NULL); e; e = tmap_next(m, key, e))
		n++;
	return n;
}
