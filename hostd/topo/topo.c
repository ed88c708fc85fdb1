/* hostd/topo/topo.c: the topology tables, indexes, lookups, transactions
 * and validation (contract in topo.h).
 *
 * How a transaction works: operations are applied to the live tables at
 * once (the write lock keeps readers out), each recording an undo entry
 * (kind, id, old object, new object). Commit validates every object the
 * transaction touched against the resulting state (and, when something was
 * updated or deleted, the other objects that may refer to it), then hands the
 * changes to the store (struct topo_persist) in one SQLite transaction.
 * Any failure replays the undo log backwards: memory ends exactly as it
 * was, and the store never saw the change. Only after both succeeded are
 * subscribers told and the replaced objects freed. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "hostd/topo/topo.h"
#include "hostd/topo/topo_map.h"

#define MOD "topo"
/* Changes in one commit from which the freed heap is trimmed after it. */
#define TRIM_CHANGES 1000

/* ---- names ------------------------------------------------------------ */

static const char *const kind_names[] = {
#define X(E, s, p) #s,
	TOPO_KINDS(X)
#undef X
};
static const char *const kind_plurals[] = {
#define X(E, s, p) #p,
	TOPO_KINDS(X)
#undef X
};
/* Neutron-style exception prefixes ("NetworkNotFound", "NetworkInUse"). */
static const char *const kind_titles[] = {
	"Network", "Subnet", "Port", "Router", "FloatingIP", "Chassis",
};
static const size_t kind_sizes[] = {
	sizeof(struct topo_network), sizeof(struct topo_subnet), sizeof(struct topo_port),
	sizeof(struct topo_router), sizeof(struct topo_floatingip), sizeof(struct topo_chassis),
};
_Static_assert(ARRAY_SIZE(kind_titles) == TOPO_KIND_COUNT, "kind titles");
_Static_assert(ARRAY_SIZE(kind_sizes) == TOPO_KIND_COUNT, "kind sizes");

const char *topo_kind_name(enum topo_kind k)
{
	return k < TOPO_KIND_COUNT ? kind_names[k] : "?";
}

const char *topo_kind_plural(enum topo_kind k)
{
	return k < TOPO_KIND_COUNT ? kind_plurals[k] : "?";
}

static const char *const net_type_names[] = {
#define X(E, n, lo, hi) #n,
	TOPO_NET_TYPES(X)
#undef X
};
static const uint32_t net_type_min[] = {
#define X(E, n, lo, hi) lo,
	TOPO_NET_TYPES(X)
#undef X
};
static const uint32_t net_type_max[] = {
#define X(E, n, lo, hi) hi,
	TOPO_NET_TYPES(X)
#undef X
};

const char *topo_net_type_name(enum topo_net_type t)
{
	return t < TOPO_NET_TYPE_COUNT ? net_type_names[t] : "?";
}

int topo_net_type_parse(const char *s, enum topo_net_type *out)
{
	for (unsigned i = 0; i < TOPO_NET_TYPE_COUNT; i++)
		if (s && !strcmp(s, net_type_names[i])) {
			*out = (enum topo_net_type)i;
			return 0;
		}
	return -EINVAL;
}

const char *topo_op_name(enum topo_op op)
{
	switch (op) {
	case TOPO_OP_CREATE: return "create";
	case TOPO_OP_UPDATE: return "update";
	case TOPO_OP_DELETE: return "delete";
	}
	return "?";
}

/* ---- interned strings ------------------------------------------------- */

/* Chassis names and device owners repeat across thousands of ports: each
 * distinct value is stored once, here, shared by every topology object
 * holding it (one reference each) and dropped with its last reference.
 * "" is the literal, never counted. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tmap intern_tab;  /* string -> its reference count (in the
				 * value pointer); the entry's key is the copy */

const char *topo_intern(const char *s)
{
	struct tmap_ent *e;
	if (!s || !*s)
		return "";
	pthread_mutex_lock(&intern_lock);
	e = tmap_next(&intern_tab, s, NULL);
	if (!e && !tmap_add(&intern_tab, s, NULL))
		e = tmap_next(&intern_tab, s, NULL);
	if (e)
		e->val = (void *)((uintptr_t)e->val + 1);
	pthread_mutex_unlock(&intern_lock);
	return e ? e->key : NULL;
}

void topo_intern_put(const char *s)
{
	struct tmap_ent *e;
	if (!s || !*s)
		return;
	pthread_mutex_lock(&intern_lock);
	e = tmap_next(&intern_tab, s, NULL);
	if (e && e->key == s) {
		e->val = (void *)((uintptr_t)e->val - 1);
		if (!e->val)
			tmap_del(&intern_tab, s, NULL);
	}
	pthread_mutex_unlock(&intern_lock);
}

/* ---- objects ---------------------------------------------------------- */

static char **obj_name(enum topo_kind k, void *obj)
{
	switch (k) {
	case TOPO_NETWORK: return &((struct topo_network *)obj)->name;
	case TOPO_SUBNET: return &((struct topo_subnet *)obj)->name;
	case TOPO_PORT: return &((struct topo_port *)obj)->name;
	case TOPO_ROUTER: return &((struct topo_router *)obj)->name;
	default: return NULL;
	}
}

const char *topo_obj_id(enum topo_kind k, const void *obj)
{
	switch (k) {
	case TOPO_NETWORK: return ((const struct topo_network *)obj)->id;
	case TOPO_SUBNET: return ((const struct topo_subnet *)obj)->id;
	case TOPO_PORT: return ((const struct topo_port *)obj)->id;
	case TOPO_ROUTER: return ((const struct topo_router *)obj)->id;
	case TOPO_FLOATINGIP: return ((const struct topo_floatingip *)obj)->id;
	case TOPO_CHASSIS: return ((const struct topo_chassis *)obj)->name;
	default: return "";
	}
}

static uint32_t obj_key(enum topo_kind k, const void *obj)
{
	switch (k) {
	case TOPO_NETWORK: return ((const struct topo_network *)obj)->key;
	case TOPO_SUBNET: return ((const struct topo_subnet *)obj)->key;
	case TOPO_PORT: return ((const struct topo_port *)obj)->key;
	case TOPO_ROUTER: return ((const struct topo_router *)obj)->key;
	case TOPO_FLOATINGIP: return ((const struct topo_floatingip *)obj)->key;
	case TOPO_CHASSIS: return ((const struct topo_chassis *)obj)->key;
	default: return 0;
	}
}

/* A port's out-of-line parts: its own fixed_ips array (exactly
 * n_fixed_ips entries, zeroed where the source has none) and interned
 * strings. 0 or -ENOMEM (then fixed_ips is NULL). */
static int port_dup_parts(struct topo_port *p)
{
	const struct topo_fixed_ip *src = p->fixed_ips;
	p->fixed_ips = NULL;
	p->chassis = topo_intern(p->chassis);
	p->device_owner = topo_intern(p->device_owner);
	if (!p->chassis || !p->device_owner)
		return -ENOMEM; /* (obj_free_parts accepts the NULL) */
	if (!p->n_fixed_ips)
		return 0;
	p->fixed_ips = calloc(p->n_fixed_ips, sizeof(*p->fixed_ips));
	if (!p->fixed_ips)
		return -ENOMEM;
	if (src)
		memcpy(p->fixed_ips, src, p->n_fixed_ips * sizeof(*p->fixed_ips));
	return 0;
}

/* A subnet's own pools array (exactly n_pools entries). 0 or -ENOMEM. */
static int subnet_dup_parts(struct topo_subnet *s)
{
	const struct topo_pool *src = s->pools;
	s->pools = NULL;
	if (!s->n_pools)
		return 0;
	s->pools = calloc(s->n_pools, sizeof(*s->pools));
	if (!s->pools)
		return -ENOMEM;
	if (src)
		memcpy(s->pools, src, s->n_pools * sizeof(*s->pools));
	return 0;
}

/* Frees what port_dup_parts / subnet_dup_parts allocated. */
static void obj_free_parts(enum topo_kind k, void *obj)
{
	if (k == TOPO_PORT) {
		struct topo_port *p = obj;
		free(p->fixed_ips);
		topo_intern_put(p->chassis);
		topo_intern_put(p->device_owner);
	} else if (k == TOPO_SUBNET)
		free(((struct topo_subnet *)obj)->pools);
}

void *topo_obj_dup(enum topo_kind k, const void *obj)
{
	void *c = malloc(kind_sizes[k]);
	if (!c)
		return NULL;
	memcpy(c, obj, kind_sizes[k]);
	if ((k == TOPO_PORT && port_dup_parts(c)) || (k == TOPO_SUBNET && subnet_dup_parts(c))) {
		obj_free_parts(k, c);
		free(c);
		return NULL;
	}
	char **name = obj_name(k, c);
	if (name) {
		*name = strdup(*name ? *name : "");
		if (!*name) {
			obj_free_parts(k, c);
			free(c);
			return NULL;
		}
	}
	return c;
}

void topo_obj_free(enum topo_kind k, void *obj)
{
	if (!obj)
		return;
	char **name = obj_name(k, obj);
	if (name)
		free(*name);
	obj_free_parts(k, obj);
	free(obj);
}

/* ---- tables and the topology ------------------------------------------ */

/* A table holds each id's entry in its id index (struct tidx, topo_map.h)
 * and in the creation-order array. The entry stays put while its object
 * is replaced (both are re-pointed to the new version), and while it is
 * deleted inside a transaction: then it points at a tombstone keeping only
 * the id (tagged pointer, low bit set; purged at commit), so an undone
 * delete gets its place in creation order back. The id index's aux word
 * is the entry's position in the order array; purged entries leave NULL
 * holes there, squeezed out when they are many. */
struct tomb {
	char id[1];                     /* the deleted object's id (sized to fit) */
};

struct table {
	struct tidx ids;                /* id -> object or tombstone (aux: position in ord) */
	struct tidx keys;               /* internal key -> object */
	const void **ord;               /* creation order: objects, tombstones, NULL holes */
	size_t n_ord;                   /* used positions of ord */
	size_t cap_ord;                 /* allocated positions of ord */
	size_t holes;                   /* NULL positions below n_ord */
	size_t n;                       /* objects */
	atomic_size_t hint;             /* position of the object an iteration last
					 * returned: the next step usually starts
					 * there without an id lookup (a guess,
					 * checked; readers race on it harmlessly) */
};

static bool is_tomb(const void *p)
{
	return (uintptr_t)p & 1;
}

static const struct tomb *tomb_of(const void *p)
{
	return (const struct tomb *)((uintptr_t)p & ~(uintptr_t)1);
}

static const void *tomb_new(const char *id)
{
	size_t len = strlen(id);
	struct tomb *tb = malloc(sizeof(*tb) + len);
	if (!tb) {
		LOG_ERR(MOD, "out of memory");
		abort();
	}
	memcpy(tb->id, id, len + 1);
	return (const void *)((uintptr_t)tb | 1);
}

static void tomb_free(const void *p)
{
	free((void *)tomb_of(p));
}

struct sub {
	topo_change_fn fn;              /* subscriber callback */
	topo_settled_fn settled;        /* store write ended (may be NULL) */
	void *arg;                      /* its argument */
};

struct topo {
	pthread_rwlock_t lock;          /* readers vs the one transaction */
	pthread_mutex_t txn_mu;         /* one transaction at a time, from begin
					 * to the end of its store write */
	pthread_mutex_t gen_mu;         /* guards the four below (any thread) */
	pthread_cond_t gen_cv;          /* broadcast when a store write ends */
	bool persisting;                /* a committed change is visible but its
					 * store write has not ended: topo_rdlock
					 * waits, topo_rdlock_early does not */
	uint64_t durable_gen;           /* newest generation written (or no store) */
	uint64_t *failed;               /* generations the store refused (rare) */
	size_t n_failed;                /* how many */
	uint64_t gen;                   /* generation of the visible state (+1 per
					 * committed change; written under the
					 * write lock, read under a read lock) */
	struct table tab[TOPO_KIND_COUNT]; /* objects per kind */
	struct tidx port_ifname;        /* (chassis, ifname) -> port (bound ports) */
	struct tidx port_mac;           /* (network, mac) -> port (duplicates counted) */
	struct tidx port_ip;            /* (network, ip) -> port, aux: which fixed IP
					 * (duplicates counted) */
	struct tidx iface_router;       /* router id -> router interface port */
	struct tidx iface_subnet;       /* subnet id -> router interface port */
	struct tidx chassis_dpid;       /* dpid -> chassis (dpid != 0) */
	struct tidx net_subnet;         /* network id -> its subnets */
	struct tidx net_segment;        /* (type, physical network, segmentation id;
					 * 0 for flat) -> networks (duplicates
					 * counted: refused at commit) */
	uint32_t next_key[TOPO_KIND_COUNT]; /* next internal key per kind (>= 1) */
	struct sub *subs;               /* subscribers */
	size_t n_subs;                  /* how many */
	struct topo_persist persist;    /* the store, if set */
	bool has_persist;               /* persist is valid */
};

/* ---- index keys: read from the objects ---------------------------------- */

static void key_id(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)aux;
	tkey_str(k, is_tomb(obj) ? tomb_of(obj)->id : topo_obj_id((enum topo_kind)m->arg, obj));
}

static void tkey_u32(struct tkey *k, uint32_t v)
{
	memcpy(k->buf, &v, sizeof(v));
	k->a = k->buf;
	k->alen = sizeof(v);
	k->b = NULL;
	k->blen = 0;
}

static void tkey_u64(struct tkey *k, uint64_t v)
{
	memcpy(k->buf, &v, sizeof(v));
	k->a = k->buf;
	k->alen = sizeof(v);
	k->b = NULL;
	k->blen = 0;
}


static void key_key(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)aux;
	tkey_u32(k, obj_key((enum topo_kind)m->arg, obj));
}

static void key_dpid(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)m;
	(void)aux;
	tkey_u64(k, ((const struct topo_chassis *)obj)->dpid);
}

static void tkey_ifname(struct tkey *k, const char *chassis, const char *ifname)
{
	tkey_str2(k, chassis, ifname, strlen(ifname));
}

static void key_ifname(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	const struct topo_port *p = obj;
	(void)m;
	(void)aux;
	tkey_ifname(k, p->chassis, p->ifname);
}

static void key_mac(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	const struct topo_port *p = obj;
	(void)m;
	(void)aux;
	tkey_str2(k, p->network_id, p->mac, sizeof(p->mac));
}

/* (network, ip): the IP encoded as its version then its 16 bytes (what
 * topo_ip_eq compares). */
static void tkey_ip(struct tkey *k, const char *network_id, const struct topo_ip *ip)
{
	k->buf[0] = ip->version;
	memcpy(&k->buf[1], ip->b, sizeof(ip->b));
	tkey_str2(k, network_id, k->buf, 1 + sizeof(ip->b));
}

static void key_ip(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	const struct topo_port *p = obj;
	(void)m;
	tkey_ip(k, p->network_id, &p->fixed_ips[aux].ip);
}

static void key_iface_router(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)m;
	(void)aux;
	tkey_str(k, ((const struct topo_port *)obj)->device_id);
}

static void key_iface_subnet(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)m;
	(void)aux;
	tkey_str(k, ((const struct topo_port *)obj)->fixed_ips[0].subnet_id);
}

static void key_net_subnet(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)m;
	(void)aux;
	tkey_str(k, ((const struct topo_subnet *)obj)->network_id);
}

/* A network's segment: the physical network, then its type and
 * segmentation id (any flat network of a physical network conflicts with
 * another, whatever its id). */
static void tkey_segment(struct tkey *k, const struct topo_network *n)
{
	uint32_t seg = n->type == TOPO_NET_FLAT ? 0 : n->segmentation_id;
	k->buf[0] = (uint8_t)n->type;
	memcpy(&k->buf[1], &seg, sizeof(seg));
	tkey_str2(k, n->physical_network, k->buf, 1 + sizeof(seg));
}

static void key_net_segment(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	(void)m;
	(void)aux;
	tkey_segment(k, obj);
}

struct topo *topo_new(void)
{
	struct topo *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pthread_rwlock_init(&t->lock, NULL);
	pthread_mutex_init(&t->txn_mu, NULL);
	pthread_mutex_init(&t->gen_mu, NULL);
	pthread_cond_init(&t->gen_cv, NULL);
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		t->next_key[k] = 1;
		tidx_init(&t->tab[k].ids, key_id, k);
		tidx_init(&t->tab[k].keys, key_key, k);
	}
	tidx_init(&t->port_ifname, key_ifname, 0);
	tidx_init(&t->port_mac, key_mac, 0);
	tidx_init(&t->port_ip, key_ip, 0);
	tidx_init(&t->iface_router, key_iface_router, 0);
	tidx_init(&t->iface_subnet, key_iface_subnet, 0);
	tidx_init(&t->chassis_dpid, key_dpid, 0);
	tidx_init(&t->net_subnet, key_net_subnet, 0);
	tidx_init(&t->net_segment, key_net_segment, 0);
	return t;
}

void topo_destroy(struct topo *t)
{
	if (!t)
		return;
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		struct table *tb = &t->tab[k];
		for (size_t i = 0; i < tb->n_ord; i++) {
			if (is_tomb(tb->ord[i]))
				tomb_free(tb->ord[i]);
			else
				topo_obj_free((enum topo_kind)k, (void *)tb->ord[i]);
		}
		free(tb->ord);
		tidx_free(&tb->ids);
		tidx_free(&tb->keys);
	}
	tidx_free(&t->port_ifname);
	tidx_free(&t->port_mac);
	tidx_free(&t->port_ip);
	tidx_free(&t->iface_router);
	tidx_free(&t->iface_subnet);
	tidx_free(&t->chassis_dpid);
	tidx_free(&t->net_subnet);
	tidx_free(&t->net_segment);
	free(t->subs);
	free(t->failed);
	pthread_cond_destroy(&t->gen_cv);
	pthread_mutex_destroy(&t->gen_mu);
	pthread_mutex_destroy(&t->txn_mu);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

/* The read lock, then (gen_mu, never held while waiting for the rwlock, so
 * no cycle with the writer, which takes gen_mu under the write lock) a look
 * at `persisting`: while a store write runs, let go and wait for its end. */
void topo_rdlock(struct topo *t)
{
	for (;;) {
		pthread_rwlock_rdlock(&t->lock);
		pthread_mutex_lock(&t->gen_mu);
		if (!t->persisting) {
			pthread_mutex_unlock(&t->gen_mu);
			return;
		}
		pthread_rwlock_unlock(&t->lock);
		while (t->persisting)
			pthread_cond_wait(&t->gen_cv, &t->gen_mu);
		pthread_mutex_unlock(&t->gen_mu);
	}
}

void topo_rdlock_early(struct topo *t)
{
	pthread_rwlock_rdlock(&t->lock);
}

uint64_t topo_gen(const struct topo *t)
{
	return t->gen;
}

int topo_gen_fate(struct topo *t, uint64_t gen)
{
	int r;
	pthread_mutex_lock(&t->gen_mu);
	r = gen <= t->durable_gen ? 1 : 0;
	for (size_t i = t->n_failed; i-- > 0;)
		if (t->failed[i] == gen)
			r = -1;
	pthread_mutex_unlock(&t->gen_mu);
	return r;
}

void topo_unlock(struct topo *t)
{
	pthread_rwlock_unlock(&t->lock);
}

void topo_set_persist(struct topo *t, const struct topo_persist *p)
{
	if (p) {
		t->persist = *p;
		t->has_persist = true;
	} else {
		t->has_persist = false;
	}
}

uint32_t topo_next_key(const struct topo *t, enum topo_kind k)
{
	return t->next_key[k];
}

void topo_set_next_key(struct topo *t, enum topo_kind k, uint32_t next)
{
	t->next_key[k] = next ? next : 1;
}

size_t topo_count(const struct topo *t, enum topo_kind k)
{
	return t->tab[k].n;
}

/* The id index entry of (k, id): its object or tombstone, or NULL. */
static struct tidx_slot *id_slot(const struct topo *t, enum topo_kind k, const char *id)
{
	struct tkey key;
	tkey_str(&key, id);
	return tidx_next(&t->tab[k].ids, &key, NULL);
}

static const void *get(const struct topo *t, enum topo_kind k, const char *id)
{
	if (!id || !*id)
		return NULL;
	struct tidx_slot *s = id_slot(t, k, id);
	return s && !is_tomb(s->obj) ? s->obj : NULL;
}

/* Live object at position i of the creation order, or NULL. */
static const void *ord_obj(const struct table *tb, size_t i)
{
	const void *o = tb->ord[i];
	return o && !is_tomb(o) ? o : NULL;
}

static const void *next_obj(const struct topo *t, enum topo_kind k, const void *prev)
{
	/* only the hint is written, by concurrent readers too (relaxed: a
	 * stale hint fails the check below and costs a lookup) */
	struct table *tb = (struct table *)&t->tab[k];
	size_t i = 0;
	if (prev) {
		size_t h = atomic_load_explicit(&tb->hint, memory_order_relaxed);
		if (h < tb->n_ord && tb->ord[h] == prev) {
			i = h + 1;
		} else {
			struct tidx_slot *s = id_slot(t, k, topo_obj_id(k, prev));
			if (!s)
				return NULL;
			i = (size_t)s->aux + 1;
		}
	}
	for (; i < tb->n_ord; i++) /* past tombstones and holes */
		if (ord_obj(tb, i)) {
			atomic_store_explicit(&tb->hint, i, memory_order_relaxed);
			return tb->ord[i];
		}
	return NULL;
}

#define GETTERS(E, s, p)                                                          \
	const struct topo_##s *topo_##s##_get(const struct topo *t, const char *id) \
	{                                                                         \
		return get(t, TOPO_##E, id);                                      \
	}                                                                         \
	const struct topo_##s *topo_##s##_next(const struct topo *t,             \
					       const struct topo_##s *prev)      \
	{                                                                         \
		return next_obj(t, TOPO_##E, prev);                               \
	}
TOPO_KINDS(GETTERS)
#undef GETTERS

const void *topo_next(const struct topo *t, enum topo_kind k, const void *prev)
{
	return (unsigned)k < TOPO_KIND_COUNT ? next_obj(t, k, prev) : NULL;
}

static const void *by_key(const struct topo *t, enum topo_kind k, uint32_t key)
{
	struct tkey b;
	tkey_u32(&b, key);
	return key ? tidx_get(&t->tab[k].keys, &b) : NULL;
}

const struct topo_network *topo_network_by_key(const struct topo *t, uint32_t key)
{
	return by_key(t, TOPO_NETWORK, key);
}

const struct topo_port *topo_port_by_key(const struct topo *t, uint32_t key)
{
	return by_key(t, TOPO_PORT, key);
}

const struct topo_router *topo_router_by_key(const struct topo *t, uint32_t key)
{
	return by_key(t, TOPO_ROUTER, key);
}

const struct topo_chassis *topo_chassis_by_dpid(const struct topo *t, uint64_t dpid)
{
	struct tkey b;
	tkey_u64(&b, dpid);
	return dpid ? tidx_get(&t->chassis_dpid, &b) : NULL;
}

const struct topo_port *topo_port_by_ifname(const struct topo *t, const char *chassis,
					    const char *ifname)
{
	struct tkey b;
	tkey_ifname(&b, chassis ? chassis : "", ifname ? ifname : "");
	return tidx_get(&t->port_ifname, &b);
}

const struct topo_port *topo_port_by_ip(const struct topo *t, const char *network_id,
					const struct topo_ip *ip)
{
	struct tkey b;
	tkey_ip(&b, network_id ? network_id : "", ip);
	return tidx_get(&t->port_ip, &b);
}

const struct topo_port *topo_network_port_next(const struct topo *t, const char *network_id,
					       const struct topo_port *prev)
{
	for (const struct topo_port *p = topo_port_next(t, prev); p; p = topo_port_next(t, p))
		if (!strcmp(p->network_id, network_id))
			return p;
	return NULL;
}

/* Position of live object obj in its table's creation order. */
static size_t ord_pos(const struct topo *t, enum topo_kind k, const void *obj)
{
	struct tidx_slot *s = id_slot(t, k, topo_obj_id(k, obj));
	return s ? s->aux : SIZE_MAX;
}

/* A network's subnets come from the net_subnet index (a network has few),
 * in creation order: the one with the lowest position after prev's. */
const struct topo_subnet *topo_network_subnet_next(const struct topo *t, const char *network_id,
						   const struct topo_subnet *prev)
{
	const struct topo_subnet *best = NULL;
	size_t after = prev ? ord_pos(t, TOPO_SUBNET, prev) : 0, best_pos = SIZE_MAX;
	struct tkey k;
	if (prev && after == SIZE_MAX)
		return NULL;
	tkey_str(&k, network_id ? network_id : "");
	for (struct tidx_slot *e = tidx_next(&t->net_subnet, &k, NULL); e;
	     e = tidx_next(&t->net_subnet, &k, e)) {
		size_t pos = ord_pos(t, TOPO_SUBNET, e->obj);
		if ((!prev || pos > after) && pos < best_pos) {
			best = e->obj;
			best_pos = pos;
		}
	}
	return best;
}

/* Is s a better match for an address than best (longer prefix; on a tie,
 * created first)? */
static bool longer_match(const struct topo *t, const struct topo_subnet *s,
			 const struct topo_subnet *best)
{
	if (!best || s->cidr.plen > best->cidr.plen)
		return true;
	return s->cidr.plen == best->cidr.plen &&
	       ord_pos(t, TOPO_SUBNET, s) < ord_pos(t, TOPO_SUBNET, best);
}

const struct topo_subnet *topo_subnet_containing(const struct topo *t, const char *network_id,
						 const struct topo_ip *ip)
{
	const struct topo_subnet *best = NULL;
	if (network_id) { /* the network's subnets only: indexed */
		struct tkey k;
		tkey_str(&k, network_id);
		for (struct tidx_slot *e = tidx_next(&t->net_subnet, &k, NULL); e;
		     e = tidx_next(&t->net_subnet, &k, e)) {
			const struct topo_subnet *s = e->obj;
			if (topo_cidr_contains(&s->cidr, ip) && longer_match(t, s, best))
				best = s;
		}
		return best;
	}
	for (const struct topo_subnet *s = topo_subnet_next(t, NULL); s; s = topo_subnet_next(t, s))
		if (topo_cidr_contains(&s->cidr, ip) && (!best || s->cidr.plen > best->cidr.plen))
			best = s;
	return best;
}

static bool is_iface(const struct topo_port *p)
{
	return !strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE);
}

static size_t ifaces_from(const struct topo *t, const struct tidx *m, const char *key,
			  struct topo_router_iface *out, size_t max)
{
	size_t n = 0;
	struct tkey k;
	tkey_str(&k, key ? key : "");
	for (struct tidx_slot *e = tidx_next(m, &k, NULL); e; e = tidx_next(m, &k, e)) {
		const struct topo_port *p = e->obj;
		if (p->n_fixed_ips < 1)
			continue;
		if (n < max) {
			out[n].router = topo_router_get(t, p->device_id);
			out[n].port = p;
			out[n].subnet = topo_subnet_get(t, p->fixed_ips[0].subnet_id);
			out[n].ip = &p->fixed_ips[0].ip;
		}
		n++;
	}
	return n;
}

size_t topo_router_ifaces(const struct topo *t, const char *router_id,
			  struct topo_router_iface *out, size_t max)
{
	return ifaces_from(t, &t->iface_router, router_id, out, max);
}

size_t topo_subnet_router_ifaces(const struct topo *t, const char *subnet_id,
				 struct topo_router_iface *out, size_t max)
{
	return ifaces_from(t, &t->iface_subnet, subnet_id, out, max);
}

struct topo_ip topo_router_gw_ip(const struct topo *t, const struct topo_router *r)
{
	struct topo_ip none = { 0 };
	const struct topo_port *gp = topo_port_get(t, r->gw_port_id);
	if (!gp)
		return none;
	for (uint32_t i = 0; i < gp->n_fixed_ips; i++)
		if (gp->fixed_ips[i].ip.version == 4)
			return gp->fixed_ips[i].ip;
	return none;
}

/* ---- indexes ---------------------------------------------------------- */

static int index_port(struct topo *t, const struct topo_port *p, bool add)
{
	int r = 0;
#define IDX(m, aux) (add ? tidx_add(m, p, aux) : tidx_del(m, p, aux))
	if (p->chassis[0] && p->ifname[0])
		r |= IDX(&t->port_ifname, 0);
	r |= IDX(&t->port_mac, 0);
	for (uint32_t i = 0; i < p->n_fixed_ips; i++)
		r |= IDX(&t->port_ip, i);
	if (is_iface(p) && p->n_fixed_ips) {
		r |= IDX(&t->iface_router, 0);
		r |= IDX(&t->iface_subnet, 0);
	}
#undef IDX
	return r;
}

static int index_obj(struct topo *t, enum topo_kind k, const void *obj, bool add)
{
	int r = 0;
	if (obj_key(k, obj))
		r |= add ? tidx_add(&t->tab[k].keys, obj, 0) : tidx_del(&t->tab[k].keys, obj, 0);
	if (k == TOPO_PORT)
		r |= index_port(t, obj, add);
	if (k == TOPO_CHASSIS && ((const struct topo_chassis *)obj)->dpid)
		r |= add ? tidx_add(&t->chassis_dpid, obj, 0) : tidx_del(&t->chassis_dpid, obj, 0);
	if (k == TOPO_SUBNET)
		r |= add ? tidx_add(&t->net_subnet, obj, 0) : tidx_del(&t->net_subnet, obj, 0);
	if (k == TOPO_NETWORK)
		r |= add ? tidx_add(&t->net_segment, obj, 0) : tidx_del(&t->net_segment, obj, 0);
	return r;
}

/* Replace the object of (k, id) by obj (NULL: remove). Returns the old
 * object (NULL if there was none). Indexes follow. Allocation failures in
 * indexes are fatal-by-design: they only happen when malloc fails. */
static void *tab_set(struct topo *t, enum topo_kind k, const char *id, void *obj)
{
	struct table *tb = &t->tab[k];
	struct tidx_slot *s = id_slot(t, k, id);
	void *old = s && !is_tomb(s->obj) ? (void *)s->obj : NULL;
	if (old)
		index_obj(t, k, old, false);
	if (obj) {
		if (s) {
			if (!old) { /* a tombstone comes back */
				tomb_free(s->obj);
				tb->n++;
			}
			s->obj = obj; /* same id: same hash, same place */
			tb->ord[s->aux] = obj;
		} else {
			if (tb->n_ord == tb->cap_ord) {
				size_t cap = tb->cap_ord ? tb->cap_ord * 2 : 16;
				const void **o = realloc(tb->ord, cap * sizeof(*o));
				if (!o) {
					LOG_ERR(MOD, "out of memory");
					abort();
				}
				tb->ord = o;
				tb->cap_ord = cap;
			}
			if (tb->n_ord > UINT32_MAX || tidx_add(&tb->ids, obj, (uint32_t)tb->n_ord)) {
				LOG_ERR(MOD, "out of memory");
				abort();
			}
			tb->ord[tb->n_ord++] = obj;
			tb->n++;
		}
		if (index_obj(t, k, obj, true)) {
			LOG_ERR(MOD, "out of memory");
			abort();
		}
	} else if (s && old) {
		s->obj = tomb_new(id); /* until tab_purge */
		tb->ord[s->aux] = s->obj;
		tb->n--;
	}
	return old;
}

/* Close the NULL holes of a table's creation order (its id entries'
 * positions follow). */
static void ord_squeeze(struct topo *t, enum topo_kind k)
{
	struct table *tb = &t->tab[k];
	size_t j = 0;
	for (size_t i = 0; i < tb->n_ord; i++) {
		const void *o = tb->ord[i];
		if (!o)
			continue;
		struct tidx_slot *s = id_slot(t, k, is_tomb(o) ? tomb_of(o)->id : topo_obj_id(k, o));
		if (s)
			s->aux = (uint32_t)j;
		tb->ord[j++] = o;
	}
	tb->n_ord = j;
	tb->holes = 0;
	if (tb->cap_ord > 64 && j < tb->cap_ord / 4) {
		const void **o = realloc(tb->ord, tb->cap_ord / 2 * sizeof(*o));
		if (o) {
			tb->ord = o;
			tb->cap_ord /= 2;
		}
	}
}

/* Drop the entry of (k, id) if it is a tombstone. */
static void tab_purge(struct topo *t, enum topo_kind k, const char *id)
{
	struct table *tb = &t->tab[k];
	struct tidx_slot *s = id_slot(t, k, id);
	if (!s || !is_tomb(s->obj))
		return;
	const void *tomb = s->obj;
	size_t pos = s->aux;
	tidx_del(&tb->ids, tomb, s->aux);
	tomb_free(tomb);
	tb->ord[pos] = NULL;
	tb->holes++;
	while (tb->n_ord && !tb->ord[tb->n_ord - 1]) { /* trailing holes */
		tb->n_ord--;
		tb->holes--;
	}
	if (tb->holes > 32 && tb->holes * 2 > tb->n_ord)
		ord_squeeze(t, k);
}

int topo_load_object(struct topo *t, enum topo_kind k, const void *obj)
{
	void *c = topo_obj_dup(k, obj);
	if (!c)
		return -ENOMEM;
	const char *id = topo_obj_id(k, c);
	if (get(t, k, id)) {
		topo_obj_free(k, c);
		return -EEXIST;
	}
	tab_set(t, k, id, c);
	uint32_t key = obj_key(k, c);
	if (key >= t->next_key[k])
		t->next_key[k] = key + 1;
	return 0;
}

/* ---- subscribers ------------------------------------------------------ */

/* (Un)subscribing takes txn_mu: no transaction is telling the
 * subscribers meanwhile, and the next one sees the list (and whatever
 * the subscriber set up before subscribing) complete. */
int topo_subscribe_settled(struct topo *t, topo_change_fn cb, topo_settled_fn settled,
			   void *arg)
{
	int r = 0;
	pthread_mutex_lock(&t->txn_mu);
	struct sub *s = realloc(t->subs, (t->n_subs + 1) * sizeof(*s));
	if (s) {
		t->subs = s;
		s[t->n_subs++] = (struct sub){ cb, settled, arg };
	} else {
		r = -ENOMEM;
	}
	pthread_mutex_unlock(&t->txn_mu);
	return r;
}

int topo_subscribe(struct topo *t, topo_change_fn cb, void *arg)
{
	return topo_subscribe_settled(t, cb, NULL, arg);
}

void topo_unsubscribe(struct topo *t, topo_change_fn cb, void *arg)
{
	pthread_mutex_lock(&t->txn_mu);
	for (size_t i = 0; i < t->n_subs; i++)
		if (t->subs[i].fn == cb && t->subs[i].arg == arg) {
			memmove(&t->subs[i], &t->subs[i + 1], (t->n_subs - i - 1) * sizeof(*t->subs));
			t->n_subs--;
			break;
		}
	pthread_mutex_unlock(&t->txn_mu);
}

/* ---- errors ----------------------------------------------------------- */

static int errno_of(int status)
{
	switch (status) {
	case 404: return -ENOENT;
	case 409: return -EEXIST;
	case 500: return -EIO;
	default: return -EINVAL;
	}
}

__attribute__((format(printf, 5, 6)))
static int fail(struct topo_err *e, int status, const char *type, const char *field,
		const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->status = status;
		snprintf(e->type, sizeof(e->type), "%s", type);
		snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return errno_of(status);
}

/* ---- transactions ----------------------------------------------------- */

struct undo {
	enum topo_kind kind;            /* table */
	topo_id_t id;                   /* object id (chassis names fit: <= 36? no: see below) */
	char cname[TOPO_HOST_MAX + 1];  /* chassis name (ids longer than topo_id_t) */
	void *old_obj;                  /* version before this step (NULL: created) */
	void *new_obj;                  /* version after this step (NULL: deleted) */
};

struct topo_txn {
	struct topo *t;                 /* the topology (write-locked) */
	struct undo *log;               /* steps in order */
	size_t n, cap;                  /* used / allocated steps */
	uint32_t saved_keys[TOPO_KIND_COUNT]; /* next_key at begin, restored on abort */
	bool internal;                  /* set while hostd itself deletes owned ports */
	size_t staged;                  /* steps already visible (topo_txn_stage) */
	uint64_t gen_first;             /* the first staged generation (0: none) */
	bool no_stage;                  /* a stage was declined: the rest waits for
					 * the commit */
	bool unlocked;                  /* a stage let the write lock go: the next
					 * step takes it again (txn_relock) */
};

static const char *undo_id(const struct undo *u)
{
	return u->kind == TOPO_CHASSIS ? u->cname : u->id;
}

struct topo_txn *topo_txn_begin(struct topo *t)
{
	struct topo_txn *x = calloc(1, sizeof(*x));
	if (!x) {
		LOG_ERR(MOD, "out of memory");
		abort();
	}
	pthread_mutex_lock(&t->txn_mu);
	pthread_rwlock_wrlock(&t->lock);
	x->t = t;
	memcpy(x->saved_keys, t->next_key, sizeof(x->saved_keys));
	return x;
}

const struct topo *topo_txn_view(const struct topo_txn *x)
{
	return x->t;
}

/* Every step of a transaction holds the write lock: after a stage let it
 * go (early readers compiling the staged change), the next step waits
 * for them and takes it again. */
static void txn_relock(struct topo_txn *x)
{
	if (x->unlocked) {
		pthread_rwlock_wrlock(&x->t->lock);
		x->unlocked = false;
	}
}

/* Apply one step (obj owned by the transaction from here on). */
static int txn_set(struct topo_txn *x, enum topo_kind k, const char *id, void *obj)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct undo *l = realloc(x->log, cap * sizeof(*l));
		if (!l) {
			topo_obj_free(k, obj);
			return -ENOMEM;
		}
		x->log = l;
		x->cap = cap;
	}
	struct undo *u = &x->log[x->n++];
	memset(u, 0, sizeof(*u));
	u->kind = k;
	if (k == TOPO_CHASSIS)
		snprintf(u->cname, sizeof(u->cname), "%s", id);
	else
		snprintf(u->id, sizeof(u->id), "%s", id);
	u->new_obj = obj;
	u->old_obj = tab_set(x->t, k, undo_id(u), obj);
	return 0;
}

/* Takes the steps after the first `keep` back (nobody saw them). */
static void txn_undo_to(struct topo_txn *x, size_t keep)
{
	while (x->n > keep) {
		struct undo *u = &x->log[--x->n];
		tab_set(x->t, u->kind, undo_id(u), u->old_obj);
		if (!u->old_obj)
			tab_purge(x->t, u->kind, undo_id(u));
		topo_obj_free(u->kind, u->new_obj);
	}
}

static void txn_undo(struct topo_txn *x)
{
	txn_undo_to(x, 0);
	memcpy(x->t->next_key, x->saved_keys, sizeof(x->saved_keys));
}

/* Ends a transaction: the write lock released (if `locked`), the
 * settled callbacks called (if `settled`: a change was told; txn_mu
 * still held, so the list cannot change under them), txn_mu released,
 * x freed. */
static void txn_end(struct topo_txn *x, bool locked, bool settled)
{
	struct topo *t = x->t;
	if (locked)
		pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; settled && i < t->n_subs; i++)
		if (t->subs[i].settled)
			t->subs[i].settled(t->subs[i].arg);
	pthread_mutex_unlock(&t->txn_mu);
	free(x->log);
	free(x);
}

static void undo_staged(struct topo_txn *x);

void topo_txn_abort(struct topo_txn *x)
{
	if (!x)
		return;
	txn_relock(x);
	if (x->staged) {
		/* staged steps were seen (by early readers): undone visibly,
		 * their generations refused; the rest silently */
		txn_undo_to(x, x->staged);
		undo_staged(x);
		txn_end(x, true, true);
		return;
	}
	txn_undo(x);
	txn_end(x, true, false);
}

static uint32_t alloc_key(struct topo_txn *x, enum topo_kind k)
{
	uint32_t key = x->t->next_key[k]++;
	if (!x->t->next_key[k]) /* 2^32 allocations: wrap past 0 */
		x->t->next_key[k] = 1;
	return key;
}

/* ---- defaults --------------------------------------------------------- */

static void gen_uuid(char *out)
{
	uint64_t a = dfn_random64(), b = dfn_random64();
	a = (a & ~0xf000ull) | 0x4000ull;                   /* version 4 */
	b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
	snprintf(out, TOPO_ID_MAX + 1, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
		 (unsigned long long)(b & 0xffffffffffffull));
}

/* Ids: 1..36 characters of [A-Za-z0-9._-] (UUIDs and readable names). */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > TOPO_ID_MAX)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return false;
	return true;
}

static int check_id(char *id, struct topo_err *err)
{
	if (!id[0]) {
		gen_uuid(id);
		return 0;
	}
	if (!id_ok(id))
		return fail(err, 400, "BadRequest", "id",
			    "id: '%s' is not a valid id (1..36 of A-Z a-z 0-9 . _ -)", id);
	return 0;
}

static int check_name(const char *name, struct topo_err *err)
{
	if (name && strlen(name) > TOPO_NAME_MAX)
		return fail(err, 400, "BadRequest", "name", "name: longer than %d characters",
			    TOPO_NAME_MAX);
	return 0;
}

static int ip_cmp(const struct topo_ip *a, const struct topo_ip *b)
{
	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	return memcmp(a->b, b->b, 16);
}

/* ip + 1 (wraps within its width); returns false on wrap. */
static bool ip_inc(struct topo_ip *ip)
{
	int n = ip->version == 4 ? 4 : 16;
	for (int i = n - 1; i >= 0; i--)
		if (++ip->b[i])
			return true;
	return false;
}

static bool ip_dec(struct topo_ip *ip)
{
	int n = ip->version == 4 ? 4 : 16;
	for (int i = n - 1; i >= 0; i--)
		if (ip->b[i]--)
			return true;
	return false;
}

static struct topo_ip cidr_last(const struct topo_cidr *c)
{
	struct topo_ip ip = c->addr;
	unsigned bits = ip.version == 4 ? 32 : 128;
	for (unsigned i = c->plen; i < bits; i++)
		ip.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return ip;
}

/* The first and last hosts of a CIDR (v4: without network/broadcast when
 * the prefix leaves room; v6: without the subnet-router anycast address). */
static void cidr_hosts(const struct topo_cidr *c, struct topo_ip *first, struct topo_ip *last)
{
	*first = c->addr;
	*last = cidr_last(c);
	unsigned bits = c->addr.version == 4 ? 32 : 128;
	if (bits - c->plen >= 2) {
		ip_inc(first);
		if (c->addr.version == 4)
			ip_dec(last);
	}
}

static bool pool_contains(const struct topo_pool *p, const struct topo_ip *ip)
{
	return ip_cmp(&p->start, ip) <= 0 && ip_cmp(ip, &p->end) <= 0;
}

/* 0 or -ENOMEM. */
static int default_pools(struct topo_subnet *s)
{
	struct topo_pool v[2]; /* at most two: around the gateway */
	uint32_t n = 0;
	struct topo_ip f, l;
	cidr_hosts(&s->cidr, &f, &l);
	s->n_pools = 0;
	free(s->pools);
	s->pools = NULL;
	if (ip_cmp(&f, &l) > 0)
		return 0;
	const struct topo_ip *g = &s->gateway;
	if (g->version && ip_cmp(&f, g) <= 0 && ip_cmp(g, &l) <= 0) {
		struct topo_ip a = *g, b = *g;
		ip_dec(&a);
		ip_inc(&b);
		if (ip_cmp(g, &f) > 0)
			v[n++] = (struct topo_pool){ f, a };
		if (ip_cmp(g, &l) < 0)
			v[n++] = (struct topo_pool){ b, l };
	} else {
		v[n++] = (struct topo_pool){ f, l };
	}
	if (!n)
		return 0;
	s->pools = malloc(n * sizeof(*s->pools));
	if (!s->pools)
		return -ENOMEM;
	memcpy(s->pools, v, n * sizeof(*s->pools));
	s->n_pools = n;
	return 0;
}

static bool ip_used(const struct topo *t, const char *net, const struct topo_ip *ip)
{
	struct tkey b;
	tkey_ip(&b, net, ip);
	return tidx_get(&t->port_ip, &b) != NULL;
}

/* Lowest free address of a subnet's pools, not in `taken` (this port's
 * other entries). 0, or -ENOSPC. IPv6 scans at most 65536 candidates. */
static int alloc_ip(const struct topo *t, const struct topo_subnet *s,
		    const struct topo_fixed_ip *taken, uint32_t n_taken, struct topo_ip *out)
{
	for (uint32_t p = 0; p < s->n_pools; p++) {
		struct topo_ip ip = s->pools[p].start;
		for (unsigned tries = 0; tries < 65536; tries++) {
			if (ip_cmp(&ip, &s->pools[p].end) > 0)
				break;
			bool busy = ip_used(t, s->network_id, &ip) || topo_ip_eq(&ip, &s->gateway);
			for (uint32_t i = 0; i < n_taken && !busy; i++)
				busy = topo_ip_eq(&taken[i].ip, &ip);
			if (!busy) {
				*out = ip;
				return 0;
			}
			if (!ip_inc(&ip))
				break;
		}
	}
	return -ENOSPC;
}

static bool mac_used(const struct topo *t, const char *net, const uint8_t mac[6])
{
	struct tkey b;
	tkey_str2(&b, net, mac, 6);
	return tidx_get(&t->port_mac, &b) != NULL;
}

static bool mac_zero(const uint8_t m[6])
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* ---- put: networks ---------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int alloc_segid(const struct topo *t, const struct topo_network *n, uint32_t *out)
{
	size_t cnt = topo_count(t, TOPO_NETWORK), m = 0;
	uint32_t *used = malloc((cnt + 1) * sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (const struct topo_network *o = topo_network_next(t, NULL); o; o = topo_network_next(t, o))
		if (o->type == n->type && !strcmp(o->physical_network, n->physical_network) &&
		    strcmp(o->id, n->id))
			used[m++] = o->segmentation_id;
	qsort(used, m, sizeof(*used), cmp_u32);
	uint64_t want = net_type_min[n->type];
	for (size_t i = 0; i < m; i++) {
		if (used[i] == want)
			want++;
		else if (used[i] > want)
			break;
	}
	free(used);
	if (want > net_type_max[n->type])
		return -ENOSPC;
	*out = (uint32_t)want;
	return 0;
}

int topo_txn_put_network(struct topo_txn *x, const struct topo_network *in, char *created,
			 struct topo_err *err)
{
	txn_relock(x);
	struct topo_network *n = topo_obj_dup(TOPO_NETWORK, in);
	int r = -ENOMEM;
	if (!n)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	if ((r = check_id(n->id, err)) || (r = check_name(n->name, err)))
		goto free_obj;
	const struct topo_network *old = get(x->t, TOPO_NETWORK, n->id);
	if (n->type >= TOPO_NET_TYPE_COUNT) {
		r = fail(err, 400, "BadRequest", "provider:network_type",
			 "provider:network_type: unknown type");
		goto free_obj;
	}
	if (old && (old->type != n->type || old->segmentation_id != n->segmentation_id ||
		    strcmp(old->physical_network, n->physical_network))) {
		r = fail(err, 400, "BadRequest", "provider:segmentation_id",
			 "provider:network_type, provider:segmentation_id and "
			 "provider:physical_network cannot be changed on an existing network");
		goto free_obj;
	}
	if (n->type == TOPO_NET_FLAT) {
		if (n->segmentation_id) {
			r = fail(err, 400, "BadRequest", "provider:segmentation_id",
				 "provider:segmentation_id: must be absent for a flat network");
			goto free_obj;
		}
	} else if (!n->segmentation_id) {
		if (alloc_segid(x->t, n, &n->segmentation_id)) {
			r = fail(err, 409, "NoNetworkAvailable", "provider:segmentation_id",
				 "provider:segmentation_id: no free %s id left",
				 topo_net_type_name(n->type));
			goto free_obj;
		}
	} else if (n->segmentation_id < net_type_min[n->type] ||
		   n->segmentation_id > net_type_max[n->type]) {
		r = fail(err, 400, "BadRequest", "provider:segmentation_id",
			 "provider:segmentation_id: %u is out of range %u..%u for a %s network",
			 n->segmentation_id, net_type_min[n->type], net_type_max[n->type],
			 topo_net_type_name(n->type));
		goto free_obj;
	}
	if (!n->mtu)
		n->mtu = (n->type == TOPO_NET_VXLAN || n->type == TOPO_NET_GRE) ? 1450 : 1500;
	if (n->mtu < 68 || n->mtu > 65535) {
		r = fail(err, 400, "BadRequest", "mtu", "mtu: %u is out of range 68..65535", n->mtu);
		goto free_obj;
	}
	n->key = old ? old->key : alloc_key(x, TOPO_NETWORK);
	if (created)
		strcpy(created, n->id);
	return txn_set(x, TOPO_NETWORK, n->id, n);
free_obj:
	topo_obj_free(TOPO_NETWORK, n);
	return r;
}

/* ---- put: subnets ----------------------------------------------------- */

int topo_txn_put_subnet(struct topo_txn *x, const struct topo_subnet *in, char *created,
			struct topo_err *err)
{
	txn_relock(x);
	struct topo_subnet *s = topo_obj_dup(TOPO_SUBNET, in);
	char f[64];
	int r;
	if (!s)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	if ((r = check_id(s->id, err)) || (r = check_name(s->name, err)))
		goto free_obj;
	if (!s->network_id[0]) {
		r = fail(err, 400, "BadRequest", "network_id", "network_id: required");
		goto free_obj;
	}
	if (!s->cidr.addr.version) {
		r = fail(err, 400, "BadRequest", "cidr", "cidr: required");
		goto free_obj;
	}
	if (s->ip_version && s->ip_version != s->cidr.addr.version) {
		r = fail(err, 400, "BadRequest", "ip_version",
			 "ip_version: %u does not match the cidr (IPv%u)", s->ip_version,
			 s->cidr.addr.version);
		goto free_obj;
	}
	s->ip_version = s->cidr.addr.version;
	const struct topo_subnet *old = get(x->t, TOPO_SUBNET, s->id);
	if (old && strcmp(old->network_id, s->network_id)) {
		r = fail(err, 400, "BadRequest", "network_id", "network_id: cannot be changed");
		goto free_obj;
	}
	if (old && (old->cidr.plen != s->cidr.plen || !topo_ip_eq(&old->cidr.addr, &s->cidr.addr))) {
		r = fail(err, 400, "BadRequest", "cidr", "cidr: cannot be changed");
		goto free_obj;
	}
	if (s->gateway.version) {
		if (!topo_cidr_contains(&s->cidr, &s->gateway)) {
			r = fail(err, 400, "BadRequest", "gateway_ip",
				 "gateway_ip: not inside the subnet's cidr");
			goto free_obj;
		}
		struct topo_ip last = cidr_last(&s->cidr);
		if (s->ip_version == 4 && s->cidr.plen <= 30 &&
		    (topo_ip_eq(&s->gateway, &s->cidr.addr) || topo_ip_eq(&s->gateway, &last))) {
			r = fail(err, 400, "BadRequest", "gateway_ip",
				 "gateway_ip: is the network or broadcast address");
			goto free_obj;
		}
	}
	if (s->n_pools > TOPO_MAX_POOLS) {
		r = fail(err, 400, "BadRequest", "allocation_pools",
			 "allocation_pools: more than %d pools", TOPO_MAX_POOLS);
		goto free_obj;
	}
	if (!s->n_pools && default_pools(s)) {
		r = fail(err, 500, "InternalError", NULL, "out of memory");
		goto free_obj;
	}
	for (uint32_t i = 0; i < s->n_pools; i++) {
		const struct topo_pool *p = &s->pools[i];
		snprintf(f, sizeof(f), "allocation_pools[%u]", i);
		if (!topo_cidr_contains(&s->cidr, &p->start) || !topo_cidr_contains(&s->cidr, &p->end)) {
			r = fail(err, 400, "BadRequest", f, "%s: not inside the subnet's cidr", f);
			goto free_obj;
		}
		if (ip_cmp(&p->start, &p->end) > 0) {
			r = fail(err, 400, "BadRequest", f, "%s: start is after end", f);
			goto free_obj;
		}
		if (s->gateway.version && pool_contains(p, &s->gateway)) {
			r = fail(err, 400, "BadRequest", f, "%s: contains the gateway_ip", f);
			goto free_obj;
		}
		for (uint32_t j = 0; j < i; j++)
			if (pool_contains(&s->pools[j], &p->start) || pool_contains(&s->pools[j], &p->end) ||
			    pool_contains(p, &s->pools[j].start)) {
				r = fail(err, 400, "BadRequest", f, "%s: overlaps allocation_pools[%u]",
					 f, j);
				goto free_obj;
			}
	}
	s->key = old ? old->key : alloc_key(x, TOPO_SUBNET);
	if (created)
		strcpy(created, s->id);
	return txn_set(x, TOPO_SUBNET, s->id, s);
free_obj:
	topo_obj_free(TOPO_SUBNET, s);
	return r;
}

/* ---- put: ports ------------------------------------------------------- */

static int port_fill(struct topo_txn *x, struct topo_port *p, const struct topo_port *old,
		     struct topo_err *err)
{
	const struct topo *t = x->t;
	char f[64];
	if (!p->network_id[0])
		return fail(err, 400, "BadRequest", "network_id", "network_id: required");
	if (!get(t, TOPO_NETWORK, p->network_id))
		return fail(err, 404, "NetworkNotFound", "network_id",
			    "network_id: network %s could not be found", p->network_id);
	if (p->n_fixed_ips > TOPO_MAX_FIXED_IPS)
		return fail(err, 400, "BadRequest", "fixed_ips",
			    "fixed_ips: more than %d addresses", TOPO_MAX_FIXED_IPS);
	/* One entry with neither subnet nor address: "pick for me" (the JSON
	 * layer's encoding of an absent fixed_ips). */
	if (p->n_fixed_ips == 1 && !p->fixed_ips[0].subnet_id[0] && !p->fixed_ips[0].ip.version) {
		const struct topo_subnet *pick = NULL;
		for (const struct topo_subnet *s = topo_network_subnet_next(t, p->network_id, NULL);
		     s; s = topo_network_subnet_next(t, p->network_id, s))
			if (!pick || (s->ip_version == 4 && pick->ip_version != 4))
				pick = s;
		if (pick)
			strcpy(p->fixed_ips[0].subnet_id, pick->id);
		else
			p->n_fixed_ips = 0;
	}
	for (uint32_t i = 0; i < p->n_fixed_ips; i++) {
		struct topo_fixed_ip *fi = &p->fixed_ips[i];
		if (fi->subnet_id[0]) {
			snprintf(f, sizeof(f), "fixed_ips[%u].subnet_id", i);
			const struct topo_subnet *s = get(t, TOPO_SUBNET, fi->subnet_id);
			if (!s)
				return fail(err, 404, "SubnetNotFound", f,
					    "%s: subnet %s could not be found", f, fi->subnet_id);
			if (strcmp(s->network_id, p->network_id))
				return fail(err, 400, "BadRequest", f,
					    "%s: subnet %s is not on network %s", f, fi->subnet_id,
					    p->network_id);
			/* An update keeps the address it had on that subnet. */
			for (uint32_t k = 0; old && !fi->ip.version && k < old->n_fixed_ips; k++) {
				bool dup = false;
				for (uint32_t j = 0; j < p->n_fixed_ips && !dup; j++)
					dup = topo_ip_eq(&p->fixed_ips[j].ip, &old->fixed_ips[k].ip);
				if (!dup && !strcmp(old->fixed_ips[k].subnet_id, fi->subnet_id))
					fi->ip = old->fixed_ips[k].ip;
			}
			if (!fi->ip.version && alloc_ip(t, s, p->fixed_ips, p->n_fixed_ips, &fi->ip))
				return fail(err, 409, "IpAddressGenerationFailure", f,
					    "%s: no more IP addresses available on subnet %s", f,
					    fi->subnet_id);
		} else {
			snprintf(f, sizeof(f), "fixed_ips[%u].ip_address", i);
			if (!fi->ip.version)
				return fail(err, 400, "BadRequest", f,
					    "fixed_ips[%u]: needs a subnet_id or an ip_address", i);
			const struct topo_subnet *s = topo_subnet_containing(t, p->network_id, &fi->ip);
			if (!s)
				return fail(err, 400, "InvalidIpForNetwork", f,
					    "%s: not inside any subnet of network %s", f,
					    p->network_id);
			strcpy(fi->subnet_id, s->id);
		}
	}
	if (mac_zero(p->mac)) {
		int tries = 0;
		do {
			uint64_t r = dfn_random64();
			p->mac[0] = 0xfa;
			p->mac[1] = 0x16;
			p->mac[2] = 0x3e;
			p->mac[3] = (uint8_t)(r >> 16);
			p->mac[4] = (uint8_t)(r >> 8);
			p->mac[5] = (uint8_t)r;
		} while (mac_used(t, p->network_id, p->mac) && ++tries < 64);
	}
	if (!p->ifname[0])
		snprintf(p->ifname, sizeof(p->ifname), "tap%.11s", p->id);
	return 0;
}

static int put_port(struct topo_txn *x, const struct topo_port *in, char *created,
		    struct topo_err *err)
{
	struct topo_port *p = topo_obj_dup(TOPO_PORT, in);
	int r;
	if (!p)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	if ((r = check_id(p->id, err)) || (r = check_name(p->name, err)))
		goto free_obj;
	/* (The JSON layer refuses these first, with the same words.) */
	if (strlen(p->chassis) > TOPO_HOST_MAX) {
		r = fail(err, 400, "BadRequest", "binding:host_id",
			 "binding:host_id: longer than %d characters", TOPO_HOST_MAX);
		goto free_obj;
	}
	if (strlen(p->device_owner) > TOPO_OWNER_MAX) {
		r = fail(err, 400, "BadRequest", "device_owner",
			 "device_owner: longer than %d characters", TOPO_OWNER_MAX);
		goto free_obj;
	}
	const struct topo_port *old = get(x->t, TOPO_PORT, p->id);
	if (old && strcmp(old->network_id, p->network_id)) {
		r = fail(err, 400, "BadRequest", "network_id", "network_id: cannot be changed");
		goto free_obj;
	}
	if ((r = port_fill(x, p, old, err)))
		goto free_obj;
	p->key = old ? old->key : alloc_key(x, TOPO_PORT);
	if (created)
		strcpy(created, p->id);
	return txn_set(x, TOPO_PORT, p->id, p);
free_obj:
	topo_obj_free(TOPO_PORT, p);
	return r;
}

static bool owned_port(const struct topo_port *p)
{
	return !strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) ||
	       !strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW) ||
	       !strcmp(p->device_owner, TOPO_OWNER_FLOATINGIP);
}

int topo_txn_put_port(struct topo_txn *x, const struct topo_port *in, char *created,
		      struct topo_err *err)
{
	txn_relock(x);
	return put_port(x, in, created, err);
}

/* ---- deletes ---------------------------------------------------------- */

static int del_obj(struct topo_txn *x, enum topo_kind k, const char *id)
{
	char idc[TOPO_HOST_MAX + 1];
	snprintf(idc, sizeof(idc), "%s", id); /* id may point into the object */
	return txn_set(x, k, idc, NULL);
}

int topo_txn_delete(struct topo_txn *x, enum topo_kind k, const char *id, struct topo_err *err)
{
	txn_relock(x);
	if (k >= TOPO_KIND_COUNT)
		return fail(err, 400, "BadRequest", NULL, "unknown resource kind");
	const void *o = get(x->t, k, id);
	if (!o)
		return fail(err, 404, k == TOPO_CHASSIS ? "ChassisNotFound" : "NotFound", "id",
			    "%s %s could not be found", kind_names[k], id ? id : "");
	if (k == TOPO_PORT && !x->internal && owned_port(o)) {
		const struct topo_port *p = o;
		return fail(err, 409, "PortInUse", "device_owner",
			    "port %s is owned by %s (device_owner %s): %s", p->id, p->device_id,
			    p->device_owner,
			    is_iface(p) ? "use remove_router_interface"
					: "delete or change its owner instead");
	}
	if (k == TOPO_ROUTER) {
		const struct topo_router *rt = o;
		size_t n = topo_router_ifaces(x->t, id, NULL, 0);
		if (n)
			return fail(err, 409, "RouterInUse", "id",
				    "router %s still has %zu interface(s): remove them first", id, n);
		if (rt->gw_port_id[0] && get(x->t, TOPO_PORT, rt->gw_port_id)) {
			int r = del_obj(x, TOPO_PORT, rt->gw_port_id);
			if (r)
				return fail(err, 500, "InternalError", NULL, "out of memory");
		}
	}
	if (k == TOPO_FLOATINGIP) {
		const struct topo_floatingip *fip = o;
		if (fip->floating_port_id[0] && get(x->t, TOPO_PORT, fip->floating_port_id)) {
			int r = del_obj(x, TOPO_PORT, fip->floating_port_id);
			if (r)
				return fail(err, 500, "InternalError", NULL, "out of memory");
		}
	}
	if (del_obj(x, k, id))
		return fail(err, 500, "InternalError", NULL, "out of memory");
	return 0;
}

/* ---- put: routers ----------------------------------------------------- */

int topo_txn_put_router(struct topo_txn *x, const struct topo_router *in, char *created,
			struct topo_err *err)
{
	txn_relock(x);
	struct topo_router *rt = topo_obj_dup(TOPO_ROUTER, in);
	int r;
	if (!rt)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	if ((r = check_id(rt->id, err)) || (r = check_name(rt->name, err)))
		goto free_obj;
	if (rt->n_routes > TOPO_MAX_ROUTES) {
		r = fail(err, 400, "BadRequest", "routes", "routes: more than %d routes",
			 TOPO_MAX_ROUTES);
		goto free_obj;
	}
	for (uint32_t i = 0; i < rt->n_routes; i++)
		if (rt->routes[i].nexthop.version != rt->routes[i].destination.addr.version) {
			char f[48];
			snprintf(f, sizeof(f), "routes[%u].nexthop", i);
			r = fail(err, 400, "BadRequest", f,
				 "%s: IP version differs from the destination's", f);
			goto free_obj;
		}
	const struct topo_router *old = get(x->t, TOPO_ROUTER, rt->id);
	bool keep_gw = old && old->gw_port_id[0] && !strcmp(old->gw_network_id, rt->gw_network_id);
	rt->gw_port_id[0] = '\0';
	if (keep_gw)
		strcpy(rt->gw_port_id, old->gw_port_id);
	if (old && old->gw_port_id[0] && !keep_gw && get(x->t, TOPO_PORT, old->gw_port_id) &&
	    del_obj(x, TOPO_PORT, old->gw_port_id)) {
		r = fail(err, 500, "InternalError", NULL, "out of memory");
		goto free_obj;
	}
	if (rt->gw_network_id[0] && !keep_gw) {
		const struct topo_network *gn = get(x->t, TOPO_NETWORK, rt->gw_network_id);
		if (!gn) {
			r = fail(err, 404, "NetworkNotFound", "external_gateway_info.network_id",
				 "external_gateway_info.network_id: network %s could not be found",
				 rt->gw_network_id);
			goto free_obj;
		}
		if (!gn->external) {
			r = fail(err, 400, "BadRequest", "external_gateway_info.network_id",
				 "external_gateway_info.network_id: network %s is not "
				 "router:external", rt->gw_network_id);
			goto free_obj;
		}
		struct topo_fixed_ip gfi = { .subnet_id = "" };
		struct topo_port gp = { .n_fixed_ips = 1, .fixed_ips = &gfi, .admin_state_up = true,
					.name = "", .device_owner = TOPO_OWNER_ROUTER_GW };
		strcpy(gp.network_id, rt->gw_network_id);
		strcpy(gp.device_id, rt->id);
		if ((r = put_port(x, &gp, rt->gw_port_id, err))) {
			snprintf(err->field, sizeof(err->field), "external_gateway_info");
			goto free_obj;
		}
	}
	rt->key = old ? old->key : alloc_key(x, TOPO_ROUTER);
	if (created)
		strcpy(created, rt->id);
	return txn_set(x, TOPO_ROUTER, rt->id, rt);
free_obj:
	topo_obj_free(TOPO_ROUTER, rt);
	return r;
}

int topo_txn_add_router_iface(struct topo_txn *x, const char *router_id, const char *subnet_id,
			      const char *port_id, char *port_id_out, struct topo_err *err)
{
	txn_relock(x);
	const struct topo *t = x->t;
	if (!get(t, TOPO_ROUTER, router_id))
		return fail(err, 404, "RouterNotFound", "router_id",
			    "router %s could not be found", router_id ? router_id : "");
	bool by_subnet = subnet_id && *subnet_id, by_port = port_id && *port_id;
	if (by_subnet == by_port)
		return fail(err, 400, "BadRequest", "subnet_id",
			    "subnet_id or port_id: exactly one of them is required");
	if (by_subnet) {
		const struct topo_subnet *s = get(t, TOPO_SUBNET, subnet_id);
		if (!s)
			return fail(err, 404, "SubnetNotFound", "subnet_id",
				    "subnet_id: subnet %s could not be found", subnet_id);
		if (!s->gateway.version)
			return fail(err, 400, "BadRequest", "subnet_id",
				    "subnet_id: subnet %s has no gateway_ip", subnet_id);
		struct topo_router_iface ifs[64];
		size_t n = topo_router_ifaces(t, router_id, ifs, ARRAY_SIZE(ifs));
		for (size_t i = 0; i < n && i < ARRAY_SIZE(ifs); i++)
			if (ifs[i].subnet && !strcmp(ifs[i].subnet->id, subnet_id))
				return fail(err, 400, "BadRequest", "subnet_id",
					    "subnet_id: router %s already has a port on subnet %s",
					    router_id, subnet_id);
		struct topo_fixed_ip fi = { .ip = s->gateway };
		struct topo_port p = { .n_fixed_ips = 1, .fixed_ips = &fi, .admin_state_up = true,
				       .name = "", .device_owner = TOPO_OWNER_ROUTER_IFACE };
		strcpy(p.network_id, s->network_id);
		strcpy(fi.subnet_id, s->id);
		snprintf(p.device_id, sizeof(p.device_id), "%s", router_id);
		return put_port(x, &p, port_id_out, err);
	}
	const struct topo_port *op = get(t, TOPO_PORT, port_id);
	if (!op)
		return fail(err, 404, "PortNotFound", "port_id",
			    "port_id: port %s could not be found", port_id);
	if (op->device_id[0] || op->device_owner[0])
		return fail(err, 409, "PortInUse", "port_id",
			    "port_id: port %s is already in use by %s (device_owner %s)", port_id,
			    op->device_id[0] ? op->device_id : "?", op->device_owner);
	if (op->n_fixed_ips != 1)
		return fail(err, 400, "BadRequest", "port_id",
			    "port_id: a router interface port needs exactly one fixed IP (it has %u)",
			    op->n_fixed_ips);
	struct topo_port p = *op; /* put_port copies its fixed_ips */
	p.device_owner = TOPO_OWNER_ROUTER_IFACE;
	snprintf(p.device_id, sizeof(p.device_id), "%s", router_id);
	if (port_id_out)
		strcpy(port_id_out, op->id);
	return put_port(x, &p, NULL, err);
}

int topo_txn_remove_router_iface(struct topo_txn *x, const char *router_id,
				 const char *subnet_id, const char *port_id, char *port_id_out,
				 char *subnet_id_out, struct topo_err *err)
{
	txn_relock(x);
	const struct topo *t = x->t;
	if (!get(t, TOPO_ROUTER, router_id))
		return fail(err, 404, "RouterNotFound", "router_id",
			    "router %s could not be found", router_id ? router_id : "");
	bool by_subnet = subnet_id && *subnet_id, by_port = port_id && *port_id;
	if (!by_subnet && !by_port)
		return fail(err, 400, "BadRequest", "subnet_id",
			    "subnet_id or port_id: one of them is required");
	const struct topo_port *found = NULL;
	struct tidx_slot *e;
	struct tkey rk;
	tkey_str(&rk, router_id);
	for (e = tidx_next(&t->iface_router, &rk, NULL); e; e = tidx_next(&t->iface_router, &rk, e)) {
		const struct topo_port *p = e->obj;
		if (by_port && strcmp(p->id, port_id))
			continue;
		if (by_subnet && strcmp(p->fixed_ips[0].subnet_id, subnet_id))
			continue;
		found = p;
		break;
	}
	if (!found)
		return by_port ? fail(err, 404, "RouterInterfaceNotFound", "port_id",
				      "port_id: router %s has no interface with port %s", router_id,
				      port_id)
			       : fail(err, 404, "RouterInterfaceNotFoundForSubnet", "subnet_id",
				      "subnet_id: router %s has no interface on subnet %s",
				      router_id, subnet_id);
	if (port_id_out)
		strcpy(port_id_out, found->id);
	if (subnet_id_out)
		strcpy(subnet_id_out, found->fixed_ips[0].subnet_id);
	if (del_obj(x, TOPO_PORT, found->id))
		return fail(err, 500, "InternalError", NULL, "out of memory");
	return 0;
}

/* ---- put: floating IPs ------------------------------------------------ */

/* The router that can carry a floating IP of `fnet` to fixed IP `fip` on
 * subnet `sid`: gateway on fnet, interface on sid. */
static const struct topo_router *fip_router(const struct topo *t, const char *fnet,
					    const char *sid)
{
	struct tidx_slot *e;
	struct tkey sk;
	tkey_str(&sk, sid);
	for (e = tidx_next(&t->iface_subnet, &sk, NULL); e; e = tidx_next(&t->iface_subnet, &sk, e)) {
		const struct topo_port *ip = e->obj;
		const struct topo_router *r = get(t, TOPO_ROUTER, ip->device_id);
		if (r && !strcmp(r->gw_network_id, fnet))
			return r;
	}
	return NULL;
}

/* Fill fixed_ip and router_id of a floating IP; 0 or error. */
static int fip_associate(const struct topo *t, struct topo_floatingip *f, struct topo_err *err)
{
	f->router_id[0] = '\0';
	if (!f->port_id[0]) {
		memset(&f->fixed_ip, 0, sizeof(f->fixed_ip));
		return 0;
	}
	const struct topo_port *p = get(t, TOPO_PORT, f->port_id);
	if (!p)
		return fail(err, 404, "PortNotFound", "port_id",
			    "port_id: port %s could not be found", f->port_id);
	const struct topo_fixed_ip *hit = NULL;
	for (uint32_t i = 0; i < p->n_fixed_ips && !hit; i++)
		if (f->fixed_ip.version ? topo_ip_eq(&p->fixed_ips[i].ip, &f->fixed_ip)
					: p->fixed_ips[i].ip.version == 4)
			hit = &p->fixed_ips[i];
	if (!hit)
		return f->fixed_ip.version
			       ? fail(err, 400, "BadRequest", "fixed_ip_address",
				      "fixed_ip_address: not an address of port %s", f->port_id)
			       : fail(err, 400, "BadRequest", "port_id",
				      "port_id: port %s has no IPv4 address", f->port_id);
	f->fixed_ip = hit->ip;
	const struct topo_router *r = fip_router(t, f->floating_network_id, hit->subnet_id);
	if (!r)
		return fail(err, 404, "ExternalGatewayForFloatingIPNotFound", "port_id",
			    "port_id: no router connects subnet %s to external network %s",
			    hit->subnet_id, f->floating_network_id);
	strcpy(f->router_id, r->id);
	return 0;
}

int topo_txn_put_floatingip(struct topo_txn *x, const struct topo_floatingip *in,
			    char *created, struct topo_err *err)
{
	txn_relock(x);
	struct topo_floatingip *f = topo_obj_dup(TOPO_FLOATINGIP, in);
	int r;
	if (!f)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	if ((r = check_id(f->id, err)))
		goto free_obj;
	const struct topo_floatingip *old = get(x->t, TOPO_FLOATINGIP, f->id);
	if (!f->floating_network_id[0]) {
		r = fail(err, 400, "BadRequest", "floating_network_id", "floating_network_id: required");
		goto free_obj;
	}
	if (old && strcmp(old->floating_network_id, f->floating_network_id)) {
		r = fail(err, 400, "BadRequest", "floating_network_id",
			 "floating_network_id: cannot be changed");
		goto free_obj;
	}
	if (old && f->floating_ip.version && !topo_ip_eq(&old->floating_ip, &f->floating_ip)) {
		r = fail(err, 400, "BadRequest", "floating_ip_address",
			 "floating_ip_address: cannot be changed");
		goto free_obj;
	}
	const struct topo_network *fn = get(x->t, TOPO_NETWORK, f->floating_network_id);
	if (!fn) {
		r = fail(err, 404, "NetworkNotFound", "floating_network_id",
			 "floating_network_id: network %s could not be found", f->floating_network_id);
		goto free_obj;
	}
	if (!fn->external) {
		r = fail(err, 400, "BadRequest", "floating_network_id",
			 "floating_network_id: network %s is not router:external",
			 f->floating_network_id);
		goto free_obj;
	}
	if (old) {
		strcpy(f->floating_port_id, old->floating_port_id);
		f->floating_ip = old->floating_ip;
	} else {
		struct topo_fixed_ip ffi = { .ip = f->floating_ip };
		struct topo_port fp = { .n_fixed_ips = 1, .fixed_ips = &ffi, .admin_state_up = true,
					.name = "", .device_owner = TOPO_OWNER_FLOATINGIP };
		strcpy(fp.network_id, f->floating_network_id);
		strcpy(fp.device_id, f->id);
		if ((r = put_port(x, &fp, f->floating_port_id, err))) {
			if (!strncmp(err->field, "fixed_ips", 9))
				snprintf(err->field, sizeof(err->field), "floating_ip_address");
			goto free_obj;
		}
		const struct topo_port *pp = get(x->t, TOPO_PORT, f->floating_port_id);
		if (!pp->n_fixed_ips) {
			r = fail(err, 400, "BadRequest", "floating_network_id",
				 "floating_network_id: network %s has no subnet",
				 f->floating_network_id);
			goto free_obj;
		}
		f->floating_ip = pp->fixed_ips[0].ip;
	}
	if ((r = fip_associate(x->t, f, err)))
		goto free_obj;
	f->key = old ? old->key : alloc_key(x, TOPO_FLOATINGIP);
	if (created)
		strcpy(created, f->id);
	return txn_set(x, TOPO_FLOATINGIP, f->id, f);
free_obj:
	topo_obj_free(TOPO_FLOATINGIP, f);
	return r;
}

/* ---- put: chassis ----------------------------------------------------- */

int topo_txn_put_chassis(struct topo_txn *x, const struct topo_chassis *in, struct topo_err *err)
{
	txn_relock(x);
	size_t n = strnlen(in->name, sizeof(in->name));
	if (!n || n > TOPO_HOST_MAX)
		return fail(err, 400, "BadRequest", "name", "name: required (1..%d characters)",
			    TOPO_HOST_MAX);
	for (const char *c = in->name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return fail(err, 400, "BadRequest", "name",
				    "name: '%s' is not a host name (A-Z a-z 0-9 . _ -)", in->name);
	struct topo_chassis *c = topo_obj_dup(TOPO_CHASSIS, in);
	if (!c)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	const struct topo_chassis *old = get(x->t, TOPO_CHASSIS, c->name);
	c->key = old ? old->key : alloc_key(x, TOPO_CHASSIS);
	return txn_set(x, TOPO_CHASSIS, c->name, c);
}

/* ---- validation (at commit) ------------------------------------------- */

/* A reference to a missing object: the referrer was touched by this
 * transaction (404: it names an unknown id) or the referenced object was
 * deleted under it (409: still in use). */
static int ref_missing(struct topo_err *err, bool touched, enum topo_kind rk, const char *rid,
		       enum topo_kind k, const char *id, const char *field)
{
	char type[48];
	if (touched) {
		snprintf(type, sizeof(type), "%sNotFound", kind_titles[rk]);
		return fail(err, 404, type, field, "%s: %s %s could not be found", field,
			    kind_names[rk], rid);
	}
	snprintf(type, sizeof(type), "%sInUse", kind_titles[rk]);
	return fail(err, 409, type, field, "%s %s is in use by %s %s (%s)", kind_names[rk], rid,
		    kind_names[k], id, field);
}

/* Error in an untouched object after this transaction changed something
 * it depends on: a conflict, prefixed with the object. */
static int as_conflict(struct topo_err *err, bool touched, enum topo_kind k, const char *id, int r)
{
	if (!touched && err && err->status < 409) {
		char m[sizeof(err->msg)];
		snprintf(m, sizeof(m), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "the change would break %s %s: %.300s",
			 kind_names[k], id, m);
		err->status = 409;
		snprintf(err->type, sizeof(err->type), "Conflict");
		return -EEXIST;
	}
	return r;
}

static int v_network(const struct topo *t, const struct topo_network *n, bool touched,
		     struct topo_err *err)
{
	if (!touched)
		return 0;
	/* Networks of the same segment (net_segment index): the first other
	 * one in creation order is named. */
	const struct topo_network *o = NULL;
	size_t o_pos = SIZE_MAX;
	struct tkey key;
	tkey_segment(&key, n);
	for (struct tidx_slot *e = tidx_next(&t->net_segment, &key, NULL); e;
	     e = tidx_next(&t->net_segment, &key, e)) {
		size_t pos;
		if (e->obj != n && (pos = ord_pos(t, TOPO_NETWORK, e->obj)) < o_pos) {
			o = e->obj;
			o_pos = pos;
		}
	}
	if (!o)
		return 0;
	if (n->type == TOPO_NET_FLAT)
		return fail(err, 409, "FlatNetworkInUse", "provider:physical_network",
			    "provider:physical_network: '%s' already has flat network %s",
			    n->physical_network, o->id);
	return fail(err, 409, "SegmentationIdInUse", "provider:segmentation_id",
		    "provider:segmentation_id: %s id %u is used by network %s",
		    topo_net_type_name(n->type), n->segmentation_id, o->id);
}

static int v_subnet(const struct topo *t, const struct topo_subnet *s, bool touched,
		    struct topo_err *err)
{
	if (!get(t, TOPO_NETWORK, s->network_id))
		return ref_missing(err, touched, TOPO_NETWORK, s->network_id, TOPO_SUBNET, s->id,
				   "network_id");
	if (!touched)
		return 0;
	for (const struct topo_subnet *o = topo_network_subnet_next(t, s->network_id, NULL); o;
	     o = topo_network_subnet_next(t, s->network_id, o)) {
		if (o != s && topo_cidr_overlap(&o->cidr, &s->cidr)) {
			char a[TOPO_CIDR_STRLEN], b[TOPO_CIDR_STRLEN];
			return fail(err, 400, "BadRequest", "cidr",
				    "cidr: %s overlaps with cidr %s of subnet %s on network %s",
				    topo_cidr_fmt(&s->cidr, a), topo_cidr_fmt(&o->cidr, b), o->id,
				    s->network_id);
		}
	}
	return 0;
}

static int v_router_iface(const struct topo *t, const struct topo_port *p, bool touched,
			  struct topo_err *err)
{
	if (!get(t, TOPO_ROUTER, p->device_id))
		return ref_missing(err, touched, TOPO_ROUTER, p->device_id, TOPO_PORT, p->id,
				   "device_id");
	if (p->n_fixed_ips != 1)
		return fail(err, 400, "BadRequest", "fixed_ips",
			    "fixed_ips: a router interface port needs exactly one fixed IP");
	const struct topo_subnet *s = get(t, TOPO_SUBNET, p->fixed_ips[0].subnet_id);
	if (!s)
		return 0; /* reported by the fixed IP check */
	struct tidx_slot *e;
	struct tkey rk;
	tkey_str(&rk, p->device_id);
	for (e = tidx_next(&t->iface_router, &rk, NULL); e; e = tidx_next(&t->iface_router, &rk, e)) {
		const struct topo_port *o = e->obj;
		if (o == p)
			continue;
		const struct topo_subnet *os = get(t, TOPO_SUBNET, o->fixed_ips[0].subnet_id);
		if (!os)
			continue;
		char a[TOPO_CIDR_STRLEN], b[TOPO_CIDR_STRLEN];
		if (os == s)
			return fail(err, 400, "BadRequest", "subnet_id",
				    "subnet_id: router %s already has a port on subnet %s",
				    p->device_id, s->id);
		if (topo_cidr_overlap(&os->cidr, &s->cidr))
			return fail(err, 400, "BadRequest", "subnet_id",
				    "subnet_id: cidr %s of subnet %s overlaps with cidr %s of "
				    "subnet %s on router %s",
				    topo_cidr_fmt(&s->cidr, a), s->id, topo_cidr_fmt(&os->cidr, b),
				    os->id, p->device_id);
	}
	return 0;
}

static int v_port(const struct topo *t, const struct topo_port *p, bool touched,
		  struct topo_err *err)
{
	char f[64], b[TOPO_CIDR_STRLEN], ip[TOPO_IP_STRLEN], mac[TOPO_MAC_STRLEN];
	struct tkey key;
	if (!get(t, TOPO_NETWORK, p->network_id))
		return ref_missing(err, touched, TOPO_NETWORK, p->network_id, TOPO_PORT, p->id,
				   "network_id");
	for (uint32_t i = 0; i < p->n_fixed_ips; i++) {
		const struct topo_fixed_ip *fi = &p->fixed_ips[i];
		const struct topo_subnet *s = get(t, TOPO_SUBNET, fi->subnet_id);
		snprintf(f, sizeof(f), "fixed_ips[%u].subnet_id", i);
		if (!s)
			return ref_missing(err, touched, TOPO_SUBNET, fi->subnet_id, TOPO_PORT, p->id, f);
		if (!touched)
			continue;
		if (strcmp(s->network_id, p->network_id))
			return fail(err, 400, "BadRequest", f, "%s: subnet %s is not on network %s",
				    f, s->id, p->network_id);
		snprintf(f, sizeof(f), "fixed_ips[%u].ip_address", i);
		if (!topo_cidr_contains(&s->cidr, &fi->ip))
			return fail(err, 400, "InvalidIpForSubnet", f,
				    "%s: %s is not inside subnet %s (%s)", f, topo_ip_fmt(&fi->ip, ip),
				    s->id, topo_cidr_fmt(&s->cidr, b));
		tkey_ip(&key, p->network_id, &fi->ip);
		if (tidx_count(&t->port_ip, &key) > 1)
			return fail(err, 409, "IpAddressAlreadyAllocated", f,
				    "%s: %s is already allocated in network %s", f,
				    topo_ip_fmt(&fi->ip, ip), p->network_id);
		if (topo_ip_eq(&fi->ip, &s->gateway) && !is_iface(p))
			return fail(err, 409, "IpAddressAlreadyAllocated", f,
				    "%s: %s is the gateway_ip of subnet %s", f, ip, s->id);
	}
	if (!touched)
		return is_iface(p) ? v_router_iface(t, p, touched, err) : 0;
	tkey_str2(&key, p->network_id, p->mac, sizeof(p->mac));
	if (tidx_count(&t->port_mac, &key) > 1)
		return fail(err, 409, "MacAddressInUse", "mac_address",
			    "mac_address: %s is already in use on network %s",
			    topo_mac_fmt(p->mac, mac), p->network_id);
	tkey_ifname(&key, p->chassis, p->ifname);
	if (p->chassis[0] && tidx_count(&t->port_ifname, &key) > 1)
		return fail(err, 409, "Conflict", "dfnic:interface_name",
			    "dfnic:interface_name: %s is already used by another port on chassis %s",
			    p->ifname, p->chassis);
	if (is_iface(p))
		return v_router_iface(t, p, touched, err);
	if (!strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW) && !get(t, TOPO_ROUTER, p->device_id))
		return 0; /* the router is being created in this transaction or gone:
			   * the router's own check covers it */
	return 0;
}

static int v_router(const struct topo *t, const struct topo_router *r, bool touched,
		    struct topo_err *err)
{
	char f[48];
	if (r->gw_network_id[0]) {
		const struct topo_network *n = get(t, TOPO_NETWORK, r->gw_network_id);
		if (!n)
			return ref_missing(err, touched, TOPO_NETWORK, r->gw_network_id, TOPO_ROUTER,
					   r->id, "external_gateway_info.network_id");
		if (!n->external)
			return fail(err, 400, "BadRequest", "external_gateway_info.network_id",
				    "external_gateway_info.network_id: network %s is not "
				    "router:external", n->id);
		if (!get(t, TOPO_PORT, r->gw_port_id))
			return ref_missing(err, touched, TOPO_PORT, r->gw_port_id, TOPO_ROUTER, r->id,
					   "gw_port_id");
	}
	struct topo_router_iface ifs[256];
	size_t n = topo_router_ifaces(t, r->id, ifs, ARRAY_SIZE(ifs));
	n = DFN_MIN(n, ARRAY_SIZE(ifs));
	for (uint32_t i = 0; i < r->n_routes; i++) {
		const struct topo_route *rt = &r->routes[i];
		bool ok = false;
		for (size_t j = 0; j < n && !ok; j++)
			ok = ifs[j].subnet && topo_cidr_contains(&ifs[j].subnet->cidr, &rt->nexthop) &&
			     !topo_ip_eq(ifs[j].ip, &rt->nexthop);
		snprintf(f, sizeof(f), "routes[%u].nexthop", i);
		if (!ok) {
			char ip[TOPO_IP_STRLEN];
			return fail(err, touched ? 400 : 409,
				    touched ? "InvalidRoutes" : "RouterInterfaceInUseByRoute", f,
				    "%s: %s is not on a subnet connected to router %s", f,
				    topo_ip_fmt(&rt->nexthop, ip), r->id);
		}
		for (uint32_t k = 0; k < i; k++)
			if (r->routes[k].destination.plen == rt->destination.plen &&
			    topo_ip_eq(&r->routes[k].destination.addr, &rt->destination.addr) &&
			    topo_ip_eq(&r->routes[k].nexthop, &rt->nexthop)) {
				snprintf(f, sizeof(f), "routes[%u]", i);
				return fail(err, 400, "InvalidRoutes", f, "%s: duplicate of routes[%u]",
					    f, k);
			}
	}
	return 0;
}

static int v_fip(const struct topo *t, const struct topo_floatingip *f, bool touched,
		 struct topo_err *err)
{
	if (!get(t, TOPO_NETWORK, f->floating_network_id))
		return ref_missing(err, touched, TOPO_NETWORK, f->floating_network_id,
				   TOPO_FLOATINGIP, f->id, "floating_network_id");
	if (!get(t, TOPO_PORT, f->floating_port_id))
		return ref_missing(err, touched, TOPO_PORT, f->floating_port_id, TOPO_FLOATINGIP,
				   f->id, "floating_port_id");
	if (!f->port_id[0])
		return 0;
	if (!get(t, TOPO_PORT, f->port_id))
		return ref_missing(err, touched, TOPO_PORT, f->port_id, TOPO_FLOATINGIP, f->id,
				   "port_id");
	struct topo_floatingip c = *f;
	int r = fip_associate(t, &c, err);
	if (r)
		return r;
	if (strcmp(c.router_id, f->router_id) && !get(t, TOPO_ROUTER, f->router_id))
		return ref_missing(err, touched, TOPO_ROUTER, f->router_id, TOPO_FLOATINGIP, f->id,
				   "router_id");
	if (!touched)
		return 0;
	for (const struct topo_floatingip *o = topo_floatingip_next(t, NULL); o;
	     o = topo_floatingip_next(t, o))
		if (o != f && !strcmp(o->port_id, f->port_id) && topo_ip_eq(&o->fixed_ip, &f->fixed_ip))
			return fail(err, 409, "FloatingIPPortAlreadyAssociated", "port_id",
				    "port_id: fixed IP of port %s already has floating IP %s",
				    f->port_id, o->id);
	return 0;
}

static int v_chassis(const struct topo *t, const struct topo_chassis *c, bool touched,
		     struct topo_err *err)
{
	if (!touched)
		return 0;
	for (const struct topo_chassis *o = topo_chassis_next(t, NULL); o; o = topo_chassis_next(t, o)) {
		if (o == c)
			continue;
		if (c->dpid && o->dpid == c->dpid)
			return fail(err, 409, "Conflict", "datapath_id",
				    "datapath_id: %016llx is already chassis %s's",
				    (unsigned long long)c->dpid, o->name);
		if (c->tunnel_ip.version && topo_ip_eq(&o->tunnel_ip, &c->tunnel_ip))
			return fail(err, 409, "Conflict", "tunnel_ip",
				    "tunnel_ip: already chassis %s's", o->name);
	}
	return 0;
}

static int validate(const struct topo *t, enum topo_kind k, const void *o, bool touched,
		    struct topo_err *err)
{
	int r = 0;
	switch (k) {
	case TOPO_NETWORK: r = v_network(t, o, touched, err); break;
	case TOPO_SUBNET: r = v_subnet(t, o, touched, err); break;
	case TOPO_PORT: r = v_port(t, o, touched, err); break;
	case TOPO_ROUTER: r = v_router(t, o, touched, err); break;
	case TOPO_FLOATINGIP: r = v_fip(t, o, touched, err); break;
	case TOPO_CHASSIS: r = v_chassis(t, o, touched, err); break;
	default: break;
	}
	return r ? as_conflict(err, touched, k, topo_obj_id(k, o), r) : 0;
}

int topo_check_all(struct topo *t, struct topo_err *err)
{
	for (int k = 0; k < TOPO_KIND_COUNT; k++)
		for (size_t i = 0; i < t->tab[k].n_ord; i++) {
			const void *o = ord_obj(&t->tab[k], i);
			if (!o)
				continue;
			int r = validate(t, (enum topo_kind)k, o, true, err);
			if (r)
				return r;
		}
	return 0;
}

/* ---- commit ----------------------------------------------------------- */

struct net_change {
	struct topo_change c;           /* coalesced change */
	size_t first, last;             /* log steps */
};

/* (kind, id) as an index key: the kind's byte, then the id. */
static void tkey_obj(struct tkey *k, enum topo_kind kind, const char *id)
{
	k->buf[0] = (uint8_t)kind;
	tkey_str2(k, id, k->buf, 1);
}

/* A commit's index of the objects its steps touched: entries are undo
 * steps (the first of each object), aux the object's net_change. */
static void key_step(const struct tidx *m, const void *obj, uint32_t aux, struct tkey *k)
{
	const struct undo *u = obj;
	(void)m;
	(void)aux;
	tkey_obj(k, u->kind, undo_id(u));
}

/* Did the transaction touch (kind, id)? */
static bool touched_obj(const struct tidx *seen, enum topo_kind kind, const char *id)
{
	struct tkey k;
	tkey_obj(&k, kind, id);
	return tidx_next(seen, &k, NULL) != NULL;
}

static int persist_all(struct topo_txn *x, struct net_change *ch, size_t n)
{
	struct topo *t = x->t;
	if (!t->has_persist)
		return 0;
	const struct topo_persist *p = &t->persist;
	int r = p->begin(p->arg);
	if (r)
		return r;
	for (size_t i = 0; i < n && !r; i++)
		r = ch[i].c.new_obj ? p->put(p->arg, ch[i].c.kind, ch[i].c.id, ch[i].c.new_obj)
				    : p->del(p->arg, ch[i].c.kind, ch[i].c.id);
	for (int k = 0; k < TOPO_KIND_COUNT && !r; k++)
		if (t->next_key[k] != x->saved_keys[k] && p->set_meta) {
			char key[48];
			snprintf(key, sizeof(key), "next_key.%s", kind_names[k]);
			r = p->set_meta(p->arg, key, t->next_key[k]);
		}
	if (!r)
		r = p->commit(p->arg);
	if (r)
		p->rollback(p->arg);
	return r;
}

/* The out-of-line array of an object (a port's fixed IPs, a subnet's
 * pools) and its size in bytes; NULL with 0 bytes if the kind has none. */
static const void *obj_array(enum topo_kind k, const void *obj, size_t *bytes)
{
	*bytes = 0;
	if (k == TOPO_PORT) {
		const struct topo_port *p = obj;
		*bytes = p->n_fixed_ips * sizeof(*p->fixed_ips);
		return p->fixed_ips;
	}
	if (k == TOPO_SUBNET) {
		const struct topo_subnet *s = obj;
		*bytes = s->n_pools * sizeof(*s->pools);
		return s->pools;
	}
	return NULL;
}

/* Same content (names compared as strings, arrays (fixed IPs, pools) by
 * content, a port's interned strings by pointer, the rest bytewise: a
 * false "different" only costs a redundant update). */
static bool obj_equal(enum topo_kind k, const void *a, const void *b)
{
	size_t la, lb;
	const void *aa = obj_array(k, a, &la), *ab = obj_array(k, b, &lb);
	if (la != lb || (la && memcmp(aa, ab, la)))
		return false;
	void *ca = topo_obj_dup(k, a), *cb = topo_obj_dup(k, b);
	bool eq = false;
	if (ca && cb) {
		/* Arrays compared above: the copies drop theirs (NULL pointers
		 * compare equal below; topo_obj_free accepts them). */
		if (k == TOPO_PORT) {
			struct topo_port *pa = ca, *pb = cb;
			free(pa->fixed_ips);
			free(pb->fixed_ips);
			pa->fixed_ips = pb->fixed_ips = NULL;
		} else if (k == TOPO_SUBNET) {
			struct topo_subnet *sa = ca, *sb = cb;
			free(sa->pools);
			free(sb->pools);
			sa->pools = sb->pools = NULL;
		}
		char **na = obj_name(k, ca), **nb = obj_name(k, cb);
		if (!na || !strcmp(*na, *nb)) {
			char *keep = na ? *nb : NULL;
			if (na)
				*nb = *na;
			eq = !memcmp(ca, cb, kind_sizes[k]);
			if (na)
				*nb = keep;
		}
	}
	topo_obj_free(k, ca);
	topo_obj_free(k, cb);
	return eq;
}

/* A port to check and its place in creation order. */
struct port_at {
	size_t pos;                     /* position in the ports' creation order */
	const struct topo_port *p;      /* the port */
};

static int cmp_port_at(const void *a, const void *b)
{
	size_t x = ((const struct port_at *)a)->pos, y = ((const struct port_at *)b)->pos;
	return x < y ? -1 : x > y;
}

/* The untouched objects a commit's replaced or removed ports, routers,
 * floating IPs and chassis can break (networks and subnets unchanged),
 * in the order the check of everything would meet them: the interface
 * ports of changed routers (router exists, interfaces do not overlap),
 * then every router (gateway port, next hops on interface subnets) and
 * every floating IP (ports, association) - both few next to ports.
 * Nothing else refers to a port, router, floating IP or chassis. */
static int validate_dependents(const struct topo *t, const struct tidx *seen,
			       const struct net_change *ch, size_t n, struct topo_err *err)
{
	struct port_at *ps = NULL;
	size_t nps = 0, cap = 0;
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		if (ch[i].c.kind != TOPO_ROUTER)
			continue;
		struct tkey k;
		tkey_str(&k, ch[i].c.id);
		for (struct tidx_slot *e = tidx_next(&t->iface_router, &k, NULL); e;
		     e = tidx_next(&t->iface_router, &k, e)) {
			if (nps == cap) {
				struct port_at *g = realloc(ps, (cap = cap ? cap * 2 : 16) * sizeof(*g));
				if (!g) {
					r = fail(err, 500, "InternalError", NULL, "out of memory");
					break;
				}
				ps = g;
			}
			ps[nps].p = e->obj;
			ps[nps++].pos = ord_pos(t, TOPO_PORT, e->obj);
		}
	}
	if (nps) /* (qsort must not get NULL, even for 0 elements) */
		qsort(ps, nps, sizeof(*ps), cmp_port_at);
	for (size_t i = 0; i < nps && !r; i++)
		if (!touched_obj(seen, TOPO_PORT, ps[i].p->id))
			r = validate(t, TOPO_PORT, ps[i].p, false, err);
	free(ps);
	for (const struct topo_router *o = topo_router_next(t, NULL); o && !r;
	     o = topo_router_next(t, o))
		if (!touched_obj(seen, TOPO_ROUTER, o->id))
			r = validate(t, TOPO_ROUTER, o, false, err);
	for (const struct topo_floatingip *o = topo_floatingip_next(t, NULL); o && !r;
	     o = topo_floatingip_next(t, o))
		if (!touched_obj(seen, TOPO_FLOATINGIP, o->id))
			r = validate(t, TOPO_FLOATINGIP, o, false, err);
	return r;
}

/* Tells every subscriber about the n changes (reverse: their undo, old and
 * new swapped, creations become deletions and back). Write lock held. */
static void notify(struct topo *t, const struct net_change *ch, size_t n, bool reverse)
{
	struct topo_change *cs = malloc(n * sizeof(*cs));
	if (!cs) {
		LOG_ERR(MOD, "out of memory telling the subscribers about %zu changes", n);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		cs[j] = ch[j].c;
		if (reverse) {
			cs[j].old_obj = ch[j].c.new_obj;
			cs[j].new_obj = ch[j].c.old_obj;
			cs[j].op = ch[j].c.op == TOPO_OP_CREATE   ? TOPO_OP_DELETE
				   : ch[j].c.op == TOPO_OP_DELETE ? TOPO_OP_CREATE
								  : TOPO_OP_UPDATE;
		}
	}
	for (size_t i = 0; i < t->n_subs; i++)
		t->subs[i].fn(t, cs, n, t->subs[i].arg);
	free(cs);
}

/* Marks the start of a store write, or of a staged transaction: readers
 * that do not read early wait (topo_rdlock) until persist_end_locked. */
static void persist_begin(struct topo *t)
{
	pthread_mutex_lock(&t->gen_mu);
	t->persisting = true;
	pthread_mutex_unlock(&t->gen_mu);
}

/* Its end, gen_mu held: what is visible is what the store holds, the
 * waiting readers go on. */
static void persist_end_locked(struct topo *t)
{
	t->durable_gen = t->gen;
	t->persisting = false;
	pthread_cond_broadcast(&t->gen_cv);
}

/* A change that was already visible (its generations told to the
 * subscribers and perhaps read by early readers) is taken back: the store
 * refused it, or a staged transaction failed. The old objects go back,
 * the subscribers are told the reverse of the n net changes while the
 * refused objects still exist, then those are freed. The undone state is a
 * new generation, durable at once (it is what the store holds); the
 * refused ones (from the first staged, or the last) are recorded for
 * topo_gen_fate. Write lock held. */
static void undo_visible(struct topo_txn *x, const struct net_change *ch, size_t n)
{
	struct topo *t = x->t;
	uint64_t refused = t->gen, from = x->gen_first ? x->gen_first : refused;
	for (size_t i = x->n; i-- > 0;)
		tab_set(t, x->log[i].kind, undo_id(&x->log[i]), x->log[i].old_obj);
	t->gen++;
	memcpy(t->next_key, x->saved_keys, sizeof(t->next_key));
	/* the fate first: a reader woken by the reverse changes must find
	 * the refused generations refused (a held bundle is discarded, not
	 * extended with the undo) */
	pthread_mutex_lock(&t->gen_mu);
	uint64_t *f = realloc(t->failed, (t->n_failed + (size_t)(refused - from + 1)) * sizeof(*f));
	if (!f) { /* forgetting it could let a refused change reach a switch */
		LOG_ERR(MOD, "out of memory recording refused generation %llu",
			 (unsigned long long)refused);
		abort();
	}
	t->failed = f;
	for (uint64_t g = from; g <= refused; g++)
		t->failed[t->n_failed++] = g;
	persist_end_locked(t);
	pthread_mutex_unlock(&t->gen_mu);
	notify(t, ch, n, true);
	for (size_t i = x->n; i-- > 0;) {
		if (!x->log[i].old_obj)
			tab_purge(t, x->log[i].kind, undo_id(&x->log[i]));
		topo_obj_free(x->log[i].kind, x->log[i].new_obj);
	}
	x->n = 0;
}

/* The net changes of steps [from, x->n): one per object (its first old
 * and last new version), no-ops dropped (created then deleted, updates
 * that change nothing), ops named. `seen` (initialised, caller frees)
 * indexes the objects; *global: something was replaced or removed;
 * *everything: a network or subnet was. st (may be NULL) counts them.
 * 0, or a 500 in err (out of memory). */
static int net_changes(struct topo_txn *x, size_t from, struct net_change **out, size_t *nout,
		       struct tidx *seen, bool *global, bool *everything,
		       struct topo_commit_stats *st, struct topo_err *err)
{
	size_t steps = x->n - from, n = 0;
	struct net_change *ch = malloc((steps ? steps : 1) * sizeof(*ch));
	*out = ch;
	*nout = 0;
	*global = *everything = false;
	if (!ch)
		return fail(err, 500, "InternalError", NULL, "out of memory");
	/* Coalesce the steps per object: first old, last new. */
	for (size_t i = from; i < x->n; i++) {
		struct undo *u = &x->log[i];
		struct tkey key;
		tkey_obj(&key, u->kind, undo_id(u));
		struct tidx_slot *e = tidx_next(seen, &key, NULL);
		struct net_change *c;
		if (e) {
			c = &ch[e->aux];
		} else {
			if (tidx_add(seen, u, (uint32_t)n))
				return fail(err, 500, "InternalError", NULL, "out of memory");
			c = &ch[n++];
			memset(c, 0, sizeof(*c));
			c->c.kind = u->kind;
			c->c.old_obj = u->old_obj;
			c->first = i;
		}
		c->c.new_obj = u->new_obj;
		c->c.id = undo_id(u);
		c->last = i;
	}
	/* Drop no-ops (created then deleted), name the ops. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		struct topo_change *c = &ch[i].c;
		if (!c->old_obj && !c->new_obj)
			continue;
		c->op = !c->old_obj ? TOPO_OP_CREATE : !c->new_obj ? TOPO_OP_DELETE : TOPO_OP_UPDATE;
		if (c->op == TOPO_OP_UPDATE && obj_equal(c->kind, c->old_obj, c->new_obj))
			continue;
		if (c->op != TOPO_OP_CREATE) {
			*global = true;
			*everything |= c->kind == TOPO_NETWORK || c->kind == TOPO_SUBNET;
		}
		if (st)
			(*(c->op == TOPO_OP_CREATE ? &st->created
			   : c->op == TOPO_OP_DELETE ? &st->deleted : &st->updated))++;
		ch[m++] = ch[i];
	}
	*nout = m;
	return 0;
}

/* Validates net changes against the state they made (the previous state
 * was valid): what was touched, precisely; routers whose interfaces
 * changed (routes' next hops); and, when something was replaced or
 * removed, the references to it (pure creations cannot affect the rest):
 * a network or subnet is referred to by thousands of objects, so then
 * everybody is checked, else only what can refer to the changed objects.
 * 0 or -errno with err filled. */
static int validate_changes(struct topo *t, const struct net_change *ch, size_t n,
			    const struct tidx *seen, bool global, bool everything,
			    struct topo_err *err)
{
	int r;
	for (size_t i = 0; i < n; i++)
		if (ch[i].c.new_obj && (r = validate(t, ch[i].c.kind, ch[i].c.new_obj, true, err)))
			return r;
	for (size_t i = 0; i < n; i++) {
		if (ch[i].c.kind != TOPO_PORT)
			continue;
		const struct topo_port *ps[2] = { ch[i].c.old_obj, ch[i].c.new_obj };
		for (int j = 0; j < 2; j++) {
			if (!ps[j] || !is_iface(ps[j]))
				continue;
			const struct topo_router *rt = get(t, TOPO_ROUTER, ps[j]->device_id);
			if (rt && (r = validate(t, TOPO_ROUTER, rt,
						touched_obj(seen, TOPO_ROUTER, ps[j]->device_id), err)))
				return r;
		}
	}
	if (global && !everything && (r = validate_dependents(t, seen, ch, n, err)))
		return r;
	if (everything) {
		for (int k = 0; k < TOPO_KIND_COUNT; k++)
			for (size_t i = 0; i < t->tab[k].n_ord; i++) {
				const void *o = ord_obj(&t->tab[k], i);
				if (!o)
					continue;
				if (touched_obj(seen, (enum topo_kind)k, topo_obj_id((enum topo_kind)k, o)))
					continue;
				if ((r = validate(t, (enum topo_kind)k, o, false, err)))
					return r;
			}
	}
	return 0;
}

void topo_txn_stage(struct topo_txn *x)
{
	struct topo *t = x->t;
	struct net_change *ch = NULL;
	struct tidx seen;
	struct topo_err e;
	size_t n = 0;
	bool global, everything;
	txn_relock(x);
	if (x->no_stage || x->staged == x->n)
		return;
	tidx_init(&seen, key_step, 0);
	/* only creations, which no later step of the transaction can make
	 * valid (a commit validates its tail against the staged state) */
	memset(&e, 0, sizeof(e));
	if (net_changes(x, x->staged, &ch, &n, &seen, &global, &everything, NULL, &e) || global ||
	    validate_changes(t, ch, n, &seen, false, false, &e)) {
		LOG_DBG(MOD, "transaction not staged after %zu steps: %s", x->n,
			global ? "it replaces or removes objects" : e.msg);
		x->no_stage = true; /* the commit does the rest (and says why) */
		goto out;
	}
	LOG_DBG(MOD, "%zu changes staged as generation %llu", n, (unsigned long long)t->gen + !!n);
	if (n) {
		t->gen++;
		if (!x->gen_first)
			x->gen_first = t->gen;
		persist_begin(t); /* ordinary readers wait for the commit */
		notify(t, ch, n, false);
	}
	x->staged = x->n;
	/* early readers (the pipeline) compile it now; the next step of the
	 * transaction takes the lock again */
	pthread_rwlock_unlock(&t->lock);
	x->unlocked = true;
out:
	tidx_free(&seen);
	free(ch);
}

/* A failed staged transaction, its unstaged steps already undone: the
 * staged ones are taken back visibly (undo_visible). Write lock held. */
static void undo_staged(struct topo_txn *x)
{
	struct net_change *ch = NULL;
	struct tidx seen;
	size_t n = 0;
	bool global, everything;
	tidx_init(&seen, key_step, 0);
	if (net_changes(x, 0, &ch, &n, &seen, &global, &everything, NULL, NULL)) {
		/* the subscribers cannot be told what to forget */
		LOG_ERR(MOD, "out of memory undoing a staged transaction");
		abort();
	}
	undo_visible(x, ch, n);
	tidx_free(&seen);
	free(ch);
}

int topo_txn_commit(struct topo_txn *x, struct topo_err *err)
{
	return topo_txn_commit_stats(x, NULL, err);
}

int topo_txn_commit_stats(struct topo_txn *x, struct topo_commit_stats *st,
			  struct topo_err *err)
{
	struct topo *t = x->t;
	struct tidx seen, seen_all;
	struct net_change *ch = NULL, *all = NULL;
	size_t n = 0, n_all = 0;
	bool global = false, everything = false, g2, e2;
	int r = 0;
	txn_relock(x);
	tidx_init(&seen, key_step, 0);
	tidx_init(&seen_all, key_step, 0);
	if (st)
		memset(st, 0, sizeof(*st));
	/* what is left to validate and tell: the steps after the stages */
	if ((r = net_changes(x, x->staged, &ch, &n, &seen, &global, &everything,
			     x->staged ? NULL : st, err)) ||
	    (r = validate_changes(t, ch, n, &seen, global, everything, err)))
		goto undo;
	/* what the store gets and the caller is told: all of it */
	if (x->staged) {
		if ((r = net_changes(x, 0, &all, &n_all, &seen_all, &g2, &e2, st, err)))
			goto undo;
	} else {
		all = ch;
		n_all = n;
	}
	bool told = n || x->staged, locked = true; /* (txn_end releases the lock) */
	if (n) {
		/* Visible: a new generation, the subscribers told (write lock
		 * held)... */
		t->gen++;
		notify(t, ch, n, false);
	}
	if (told && t->has_persist) {
		/* ...then the store write runs with the write lock released:
		 * early readers (the pipeline compiling and sending this change;
		 * its bundle is committed only once topo_gen_fate says durable)
		 * overlap it, topo_rdlock readers wait (`persisting`), the next
		 * transaction waits on txn_mu. */
		persist_begin(t);
		pthread_rwlock_unlock(&t->lock);
		locked = false;
		r = persist_all(x, all, n_all);
		if (r) {
			LOG_ERR(MOD, "store: cannot persist the change: %s", strerror(-r));
			r = fail(err, 500, "StoreError", NULL, "the store refused the change: %s",
				 strerror(-r));
			pthread_rwlock_wrlock(&t->lock); /* waits for early readers */
			locked = true;
			undo_visible(x, all, n_all);
			goto settle;
		}
	}
	if (told) {
		pthread_mutex_lock(&t->gen_mu);
		persist_end_locked(t);
		pthread_mutex_unlock(&t->gen_mu);
	}
	/* Free what was replaced: nobody can reach it any more (it left the
	 * tables under the write lock). Deleted objects' tombstones are
	 * purged from the tables: that needs the write lock again (after a
	 * store write, it waits for the early readers; creations and updates,
	 * such as a port add, do not wait). */
	for (size_t i = 0; i < x->n; i++) {
		topo_obj_free(x->log[i].kind, x->log[i].old_obj);
		x->log[i].old_obj = NULL;
		if (!x->log[i].new_obj) {
			if (!locked) {
				pthread_rwlock_wrlock(&t->lock);
				locked = true;
			}
			tab_purge(t, x->log[i].kind, undo_id(&x->log[i]));
		}
	}
settle:
	tidx_free(&seen);
	tidx_free(&seen_all);
	if (all != ch)
		free(all);
	free(ch);
	txn_end(x, locked, told);
	/* a large transaction leaves much freed heap behind (replaced
	 * copies, the undo log, index rehashes, the store's work): give the
	 * free pages back to the system rather than keep them resident */
	if (!r && n_all >= TRIM_CHANGES)
		malloc_trim(0);
	return r;
undo:
	tidx_free(&seen);
	tidx_free(&seen_all);
	if (all != ch)
		free(all);
	free(ch);
	topo_txn_abort(x);
	return r;
}
