/* firmware/mirror.c: the keyed object store behind mirror.h.
 *
 * A chained hash table of (kind, id) -> body. mirror_apply() works in two
 * phases: prepare (check every member with drivers/mbox/objects.c, copy
 * every body into a new node, grow the bucket array) may fail and touches
 * nothing visible; commit (link the nodes in, unlink replaced/deleted ones)
 * cannot fail. That is what makes a batch all-or-nothing. */
#include "firmware/mirror.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "drivers/mbox/objects.h"

/* One stored object. */
struct mnode {
	struct mnode *next; /* bucket chain */
	uint16_t kind;      /* key: kind */
	uint32_t id;        /* key: id */
	uint32_t len;       /* bytes of body */
	uint8_t body[];     /* copy of the OBJ_SET body */
};

struct mirror {
	struct mnode **buckets;  /* nbuckets chains */
	size_t nbuckets;         /* power of two */
	size_t count;            /* objects stored */
	struct mirror_stats st;  /* counters */
};

static size_t bucket_of(uint16_t kind, uint32_t id, size_t nbuckets)
{
	uint64_t x = ((uint64_t)kind << 32 | id) * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 32) & (nbuckets - 1);
}

int mirror_create(struct mirror **out)
{
	struct mirror *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void mirror_clear(struct mirror *m)
{
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct mnode *n = m->buckets[b];
		while (n) {
			struct mnode *next = n->next;
			free(n);
			n = next;
		}
		m->buckets[b] = NULL;
	}
	m->count = 0;
	m->st.objects = 0;
}

void mirror_destroy(struct mirror *m)
{
	if (!m)
		return;
	mirror_clear(m);
	free(m->buckets);
	free(m);
}

/* Room for `want` objects at load factor <= 1. Only allocation can fail;
 * the rehash itself cannot, and the content does not change. */
static int reserve(struct mirror *m, size_t want)
{
	if (want <= m->nbuckets)
		return 0;
	size_t nb = m->nbuckets;
	while (nb < want)
		nb *= 2;
	struct mnode **nbk = calloc(nb, sizeof(*nbk));
	if (!nbk)
		return -ENOMEM;
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct mnode *n = m->buckets[b];
		while (n) {
			struct mnode *next = n->next;
			size_t i = bucket_of(n->kind, n->id, nb);
			n->next = nbk[i];
			nbk[i] = n;
			n = next;
		}
	}
	free(m->buckets);
	m->buckets = nbk;
	m->nbuckets = nb;
	return 0;
}

/* Unlink and free (kind, id); 1 if it was there. */
static int remove_node(struct mirror *m, uint16_t kind, uint32_t id)
{
	for (struct mnode **pp = &m->buckets[bucket_of(kind, id, m->nbuckets)]; *pp;
	     pp = &(*pp)->next) {
		struct mnode *n = *pp;
		if (n->kind == kind && n->id == id) {
			*pp = n->next;
			free(n);
			m->count--;
			return 1;
		}
	}
	return 0;
}

int mirror_apply(struct mirror *m, const struct mbox_msg *msgs, unsigned n, int replace_all,
		 char *err, size_t errlen)
{
	char why[160] = "";
	int r = 0;
	unsigned i, nsets = 0;
	struct mnode **prep = calloc(n ? n : 1, sizeof(*prep));
	if (!prep) {
		snprintf(err, errlen, "out of memory preparing %u object(s)", n);
		m->st.batches_refused++;
		return -ENOMEM;
	}

	/* Prepare: check everything, allocate everything. */
	for (i = 0; i < n; i++) {
		const struct mbox_msg *msg = &msgs[i];
		const struct mbox_obj *o = &msg->u.obj;
		if (msg->type != MBOX_MSG_OBJ_SET && msg->type != MBOX_MSG_OBJ_DEL) {
			r = -EINVAL;
			snprintf(err, errlen, "member %u: %s cannot be applied to the mirror", i,
				 mbox_msg_name(msg->type) ? mbox_msg_name(msg->type) : "?");
			goto free_prepared;
		}
		const char *kn = mbox_obj_kind_name(o->kind);
		if (!kn) {
			r = -EOPNOTSUPP;
			snprintf(err, errlen, "member %u: unknown object kind %u (id %u)", i, o->kind,
				 o->id);
			goto free_prepared;
		}
		if (msg->type == MBOX_MSG_OBJ_DEL)
			continue;
		r = mbox_obj_check(o->kind, o->body, o->body_len, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "member %u: %s %u: %s", i, kn, o->id, why);
			goto free_prepared;
		}
		prep[i] = malloc(sizeof(*prep[i]) + o->body_len);
		if (!prep[i]) {
			r = -ENOMEM;
			snprintf(err, errlen, "member %u: out of memory for %s %u", i, kn, o->id);
			goto free_prepared;
		}
		prep[i]->next = NULL;
		prep[i]->kind = o->kind;
		prep[i]->id = o->id;
		prep[i]->len = o->body_len;
		if (o->body_len)
			memcpy(prep[i]->body, o->body, o->body_len);
		nsets++;
	}
	r = reserve(m, (replace_all ? 0 : m->count) + nsets);
	if (r < 0) {
		snprintf(err, errlen, "out of memory growing the mirror to %zu objects",
			 m->count + nsets);
		goto free_prepared;
	}

	/* Commit: cannot fail from here on. */
	if (replace_all)
		mirror_clear(m);
	for (i = 0; i < n; i++) {
		const struct mbox_obj *o = &msgs[i].u.obj;
		if (msgs[i].type == MBOX_MSG_OBJ_DEL) {
			if (remove_node(m, o->kind, o->id))
				m->st.dels++;
			else
				m->st.dels_absent++;
			continue;
		}
		remove_node(m, o->kind, o->id);
		struct mnode *node = prep[i];
		size_t b = bucket_of(node->kind, node->id, m->nbuckets);
		node->next = m->buckets[b];
		m->buckets[b] = node;
		m->count++;
		m->st.sets++;
	}
	m->st.objects = m->count;
	m->st.batches_applied++;
	free(prep);
	return 0;

free_prepared:
	for (unsigned j = 0; j < n; j++)
		free(prep[j]);
	free(prep);
	m->st.batches_refused++;
	return r;
}

int mirror_get(const struct mirror *m, uint16_t kind, uint32_t id, struct mirror_obj *out)
{
	for (const struct mnode *n = m->buckets[bucket_of(kind, id, m->nbuckets)]; n; n = n->next) {
		if (n->kind == kind && n->id == id) {
			out->kind = n->kind;
			out->id = n->id;
			out->len = n->len;
			out->body = n->body;
			return 1;
		}
	}
	return 0;
}

size_t mirror_count(const struct mirror *m) { return m->count; }

void mirror_foreach(const struct mirror *m, void (*fn)(void *arg, const struct mirror_obj *o),
		    void *arg)
{
	for (size_t b = 0; b < m->nbuckets; b++) {
		for (const struct mnode *n = m->buckets[b]; n; n = n->next) {
			struct mirror_obj o = { n->kind, n->id, n->len, n->body };
			fn(arg, &o);
		}
	}
}

void mirror_get_stats(const struct mirror *m, struct mirror_stats *st) { *st = m->st; }
