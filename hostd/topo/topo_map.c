/* hostd/topo/topo_map.c: the topology's hash tables (topo_map.h): the flat
 * index (keys read from the objects) and the key-copying string multimap. */
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

/* ---- flat index ------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint32_t hash_key(const struct tkey *k)
{
	uint64_t h = fnv(1469598103934665603ull, k->a, k->alen);
	h = fnv(h, &k->alen, sizeof(k->alen)); /* separates the spans */
	h = fnv(h, k->b, k->blen);
	h ^= h >> 33; /* spread into the low bits, which pick the slot */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static int key_eq(const struct tkey *x, const struct tkey *y)
{
	return x->alen == y->alen && x->blen == y->blen && !memcmp(x->a, y->a, x->alen) &&
	       (!x->blen || !memcmp(x->b, y->b, x->blen));
}

void tkey_str(struct tkey *k, const char *a)
{
	k->a = a;
	k->alen = strlen(a);
	k->b = NULL;
	k->blen = 0;
}

void tkey_str2(struct tkey *k, const char *a, const void *b, size_t blen)
{
	k->a = a;
	k->alen = strlen(a);
	k->b = b;
	k->blen = blen;
}

void tidx_init(struct tidx *m, tidx_key_fn key, int arg)
{
	memset(m, 0, sizeof(*m));
	m->key = key;
	m->arg = arg;
}

void tidx_free(struct tidx *m)
{
	if (!m)
		return;
	free(m->s);
	m->s = NULL;
	m->cap = m->n = 0;
}

static void place(struct tidx_slot *s, size_t cap, const struct tidx_slot *e)
{
	size_t i = e->hash & (cap - 1);
	while (s[i].obj)
		i = (i + 1) & (cap - 1);
	s[i] = *e;
}

static int tidx_grow(struct tidx *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct tidx_slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].obj)
			place(s, cap, &m->s[i]);
	free(m->s);
	m->s = s;
	m->cap = cap;
	return 0;
}

int tidx_add(struct tidx *m, const void *obj, uint32_t aux)
{
	struct tkey k;
	/* at most 3/4 full: linear probing stays short */
	if ((m->n + 1) * 4 > m->cap * 3 && tidx_grow(m))
		return -ENOMEM;
	m->key(m, obj, aux, &k);
	struct tidx_slot e = { .obj = obj, .hash = hash_key(&k), .aux = aux };
	place(m->s, m->cap, &e);
	m->n++;
	return 0;
}

int tidx_del(struct tidx *m, const void *obj, uint32_t aux)
{
	struct tkey k;
	if (!m->cap)
		return -ENOENT;
	size_t mask = m->cap - 1;
	m->key(m, obj, aux, &k);
	uint32_t h = hash_key(&k);
	size_t i = h & mask;
	for (; m->s[i].obj; i = (i + 1) & mask)
		if (m->s[i].obj == obj && m->s[i].aux == aux)
			break;
	if (!m->s[i].obj)
		return -ENOENT;
	/* backward shift: pull later entries of the run into the hole unless
	 * the hole lies before their home slot */
	for (size_t j = (i + 1) & mask; m->s[j].obj; j = (j + 1) & mask) {
		size_t home = m->s[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->s[i] = m->s[j];
			i = j;
		}
	}
	memset(&m->s[i], 0, sizeof(m->s[i]));
	m->n--;
	return 0;
}

struct tidx_slot *tidx_next(const struct tidx *m, const struct tkey *k,
			    const struct tidx_slot *prev)
{
	struct tkey ek;
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	uint32_t h = prev ? prev->hash : hash_key(k); /* prev matched k */
	size_t i = prev ? (((size_t)(prev - m->s) + 1) & mask) : (h & mask);
	for (; m->s[i].obj; i = (i + 1) & mask) {
		if (m->s[i].hash != h)
			continue;
		m->key(m, m->s[i].obj, m->s[i].aux, &ek);
		if (key_eq(&ek, k))
			return &m->s[i];
	}
	return NULL;
}

const void *tidx_get(const struct tidx *m, const struct tkey *k)
{
	struct tidx_slot *s = tidx_next(m, k, NULL);
	return s ? s->obj : NULL;
}

size_t tidx_count(const struct tidx *m, const struct tkey *k)
{
	size_t n = 0;
	for (struct tidx_slot *s = tidx_next(m, k, NULL); s; s = tidx_next(m, k, s))
		n++;
	return n;
}

/* ---- string multimap -------------------------------------------------- */

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
