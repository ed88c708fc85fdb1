/* firmware/offload.c: rule convergence and per-object status (offload.h).
 *
 * One entry per mirrored object, in a chained hash table keyed (kind, id):
 * the fingerprint of the rules it compiled to, the flow driver handles of
 * the rules installed for it, and its status. fw_offload_sync() compiles
 * each object twice at most: once to fingerprint (cheap, no driver call)
 * and, only when the fingerprint changed, once more to install. Status
 * changes are appended to a FIFO of keys that main.c drains into
 * OBJ_STATUS messages. */
#include "firmware/offload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/mbox/objects.h"

#define MOD "offload"

/* One tracked object. */
struct ent {
	struct ent *next;           /* bucket chain */
	uint16_t kind;              /* key: kind */
	uint32_t id;                /* key: id */
	uint64_t fp;                /* fingerprint of what was last applied */
	int has_fp;                 /* fp is meaningful (else: apply on next sync) */
	uint64_t seen;              /* pass that last saw it in the mirror */
	struct flow_rule **rules;   /* installed rules */
	struct fw_rule_info *info;  /* per installed rule: group, description */
	uint32_t n_rules, cap_rules;/* used / allocated */
	uint16_t status;            /* enum mbox_obj_status */
	int queued;                 /* its key is in the status FIFO */
	char reason[FW_REASON_MAX]; /* status reason */
};

/* What the statistics report says about one installed rule. */
struct fw_rule_info {
	uint32_t group;  /* rte_flow group */
	char what[64];   /* the compiler's description */
};

struct key {
	uint16_t kind; /* object kind */
	uint32_t id;   /* object id */
};

struct fw_offload {
	struct flow_dev *dev;         /* the flow driver instance (not owned) */
	struct fw_compiler *comp;     /* the rule compiler */
	struct ent **buckets;         /* nbuckets chains */
	size_t nbuckets;              /* power of two */
	size_t count;                 /* entries */
	uint64_t pass;                /* sync counter */
	struct key *q;                /* status FIFO (keys) */
	size_t q_head, q_len, q_cap;  /* FIFO: first, length, allocated (pow2) */
	struct fw_offload_stats st;   /* counters */
	int has_count;                /* the driver has COUNT: every rule gets one */
};

static size_t bucket_of(uint16_t kind, uint32_t id, size_t n)
{
	uint64_t x = ((uint64_t)kind << 32 | id) * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 32) & (n - 1);
}

int fw_offload_create(struct flow_dev *dev, const struct fw_ports *ports,
		      struct fw_offload **out)
{
	struct fw_offload *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->dev = dev;
	o->has_count = flow_caps_action(flow_dev_caps(dev), RTE_FLOW_ACTION_TYPE_COUNT);
	o->nbuckets = 256;
	o->buckets = calloc(o->nbuckets, sizeof(*o->buckets));
	if (!o->buckets)
		goto free_o;
	if (fw_compiler_create(ports, &o->comp))
		goto free_buckets;
	*out = o;
	return 0;

free_buckets:
	free(o->buckets);
free_o:
	free(o);
	return -ENOMEM;
}

static void remove_rules(struct fw_offload *o, struct ent *e)
{
	for (uint32_t i = 0; i < e->n_rules; i++) {
		struct flow_error err;
		if (flow_destroy(o->dev, e->rules[i], &err))
			LOG_WARN(MOD, "%s %u: destroying rule %u failed: %s",
				 mbox_obj_kind_name(e->kind), e->id, i, err.message);
		o->st.destroys++;
		o->st.rules--;
	}
	e->n_rules = 0;
}

void fw_offload_destroy(struct fw_offload *o)
{
	if (!o)
		return;
	for (size_t b = 0; b < o->nbuckets; b++) {
		struct ent *e = o->buckets[b];
		while (e) {
			struct ent *next = e->next;
			remove_rules(o, e);
			free(e->rules);
			free(e->info);
			free(e);
			e = next;
		}
	}
	free(o->buckets);
	free(o->q);
	fw_compiler_destroy(o->comp);
	free(o);
}

static struct ent *find(const struct fw_offload *o, uint16_t kind, uint32_t id)
{
	for (struct ent *e = o->buckets[bucket_of(kind, id, o->nbuckets)]; e; e = e->next)
		if (e->kind == kind && e->id == id)
			return e;
	return NULL;
}

static void rehash(struct fw_offload *o)
{
	size_t nb = o->nbuckets * 2;
	struct ent **n = calloc(nb, sizeof(*n));
	if (!n)
		return; /* keep the longer chains */
	for (size_t b = 0; b < o->nbuckets; b++) {
		struct ent *e = o->buckets[b];
		while (e) {
			struct ent *next = e->next;
			size_t i = bucket_of(e->kind, e->id, nb);
			e->next = n[i];
			n[i] = e;
			e = next;
		}
	}
	free(o->buckets);
	o->buckets = n;
	o->nbuckets = nb;
}

static struct ent *get_or_add(struct fw_offload *o, uint16_t kind, uint32_t id)
{
	struct ent *e = find(o, kind, id);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->kind = kind;
	e->id = id;
	e->status = MBOX_OBJ_ST_PENDING;
	if (o->count + 1 > o->nbuckets)
		rehash(o);
	size_t b = bucket_of(kind, id, o->nbuckets);
	e->next = o->buckets[b];
	o->buckets[b] = e;
	o->count++;
	return e;
}

static void enqueue(struct fw_offload *o, struct ent *e)
{
	if (e->queued)
		return;
	if (o->q_len == o->q_cap) {
		size_t nc = o->q_cap ? o->q_cap * 2 : 64;
		struct key *nq = malloc(nc * sizeof(*nq));
		if (!nq)
			return; /* reported on the next change or resync */
		for (size_t i = 0; i < o->q_len; i++)
			nq[i] = o->q[(o->q_head + i) & (o->q_cap - 1)];
		free(o->q);
		o->q = nq;
		o->q_cap = nc;
		o->q_head = 0;
	}
	o->q[(o->q_head + o->q_len) & (o->q_cap - 1)] = (struct key){ e->kind, e->id };
	o->q_len++;
	e->queued = 1;
}

static void set_status(struct fw_offload *o, struct ent *e, uint16_t status, const char *reason)
{
	if (e->status == status && !strncmp(e->reason, reason, sizeof(e->reason) - 1))
		return;
	e->status = status;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	enqueue(o, e);
}

/* ---- sync --------------------------------------------------------------- */

struct fp_ctx {
	uint64_t h; /* running fingerprint */
	uint32_t n; /* rules seen */
};

static int fp_emit(void *arg, const struct fw_rule *r)
{
	struct fp_ctx *f = arg;
	f->h = (f->h ^ fw_rule_hash(r)) * 0x100000001b3ull;
	f->n++;
	return 0;
}

struct install_ctx {
	struct fw_offload *o;      /* the module */
	struct ent *e;             /* the object */
	int failed;                /* a rule was refused */
	char reason[FW_REASON_MAX];/* why */
};

static int install_emit(void *arg, const struct fw_rule *r)
{
	struct install_ctx *x = arg;
	struct fw_offload *o = x->o;
	struct ent *e = x->e;
	struct flow_error err;
	struct flow_rule *h = NULL;
	if (e->n_rules == e->cap_rules) {
		uint32_t nc = e->cap_rules ? e->cap_rules * 2 : 4;
		struct flow_rule **n = realloc(e->rules, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		e->rules = n;
		struct fw_rule_info *ni = realloc(e->info, nc * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		e->info = ni;
		e->cap_rules = nc;
	}
	/* The compiler's actions, plus COUNT when the NIC counts per rule
	 * (the statistics report reads it with flow_query). */
	struct rte_flow_action acts[FW_RULE_MAX_ACTIONS + 1];
	const struct rte_flow_action *a = r->actions;
	if (o->has_count) {
		memcpy(acts, r->actions, r->n_actions * sizeof(acts[0]));
		acts[r->n_actions] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_COUNT };
		acts[r->n_actions + 1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_END };
		a = acts;
	}
	int rc = flow_validate(o->dev, &r->attr, r->items, a, &err);
	if (!rc)
		rc = flow_create(o->dev, &r->attr, r->items, a, &h, &err);
	if (rc) {
		x->failed = 1;
		/* the rule's description, then the driver's exact message */
		snprintf(x->reason, sizeof(x->reason), "%.60s: %.*s", r->what,
			 (int)(sizeof(x->reason) - 64), err.message);
		o->st.create_failures++;
		return rc;
	}
	e->info[e->n_rules].group = r->attr.group;
	snprintf(e->info[e->n_rules].what, sizeof(e->info[0].what), "%.*s",
		 (int)sizeof(e->info[0].what) - 1, r->what);
	e->rules[e->n_rules++] = h;
	o->st.creates++;
	o->st.rules++;
	return 0;
}

struct sync_ctx {
	struct fw_offload *o; /* the module */
	int err;              /* first -ENOMEM */
};

static void sync_one(void *arg, const struct mirror_obj *mo)
{
	struct sync_ctx *s = arg;
	struct fw_offload *o = s->o;
	struct ent *e = get_or_add(o, mo->kind, mo->id);
	if (!e) {
		s->err = -ENOMEM;
		return;
	}
	e->seen = o->pass;
	char why[FW_REASON_MAX];
	struct fp_ctx f = { 0xcbf29ce484222325ull, 0 };
	int r = fw_compile_object(o->comp, mo, fp_emit, &f, why, sizeof(why));
	uint64_t fp = f.h ^ f.n;
	if (r < 0) /* the outcome is the status: fingerprint it */
		fp = fp ^ (uint64_t)(-r) * 0x9e3779b97f4a7c15ull ^ (uint64_t)strlen(why);
	if (e->has_fp && e->fp == fp)
		return;
	remove_rules(o, e);
	e->fp = fp;
	e->has_fp = 1;
	if (r == -EAGAIN) {
		set_status(o, e, MBOX_OBJ_ST_PENDING, why);
		return;
	}
	if (r < 0) {
		char reason[FW_REASON_MAX];
		snprintf(reason, sizeof(reason), "not offloadable: %.*s", (int)sizeof(reason) - 20,
			 why);
		set_status(o, e, MBOX_OBJ_ST_REJECTED, reason);
		return;
	}
	if (r == 0) {
		set_status(o, e, MBOX_OBJ_ST_NO_RULE, why);
		return;
	}
	struct install_ctx x = { .o = o, .e = e };
	r = fw_compile_object(o->comp, mo, install_emit, &x, why, sizeof(why));
	if (r < 0) {
		remove_rules(o, e); /* all of its rules or none */
		if (!x.failed) {
			e->has_fp = 0;
			s->err = r;
			snprintf(x.reason, sizeof(x.reason), "%s", strerror(-r));
		} else {
			LOG_INFO(MOD, "%s %u rejected: %s", mbox_obj_kind_name(e->kind), e->id,
				 x.reason);
		}
		set_status(o, e, MBOX_OBJ_ST_REJECTED, x.reason);
		return;
	}
	snprintf(why, sizeof(why), "%u rule(s)", e->n_rules);
	set_status(o, e, MBOX_OBJ_ST_OFFLOADED, why);
}

int fw_offload_sync(struct fw_offload *o, const struct mirror *m)
{
	o->pass++;
	o->st.syncs++;
	int r = fw_compiler_begin(o->comp, m);
	if (r)
		return r;
	struct sync_ctx s = { o, 0 };
	mirror_foreach(m, sync_one, &s);
	/* objects gone from the mirror lose their rules */
	for (size_t b = 0; b < o->nbuckets; b++) {
		struct ent **pp = &o->buckets[b];
		while (*pp) {
			struct ent *e = *pp;
			if (e->seen == o->pass) {
				pp = &e->next;
				continue;
			}
			remove_rules(o, e);
			*pp = e->next;
			free(e->rules);
			free(e->info);
			free(e);
			o->count--;
		}
	}
	return s.err;
}

void fw_offload_retry_rejected(struct fw_offload *o)
{
	for (size_t b = 0; b < o->nbuckets; b++)
		for (struct ent *e = o->buckets[b]; e; e = e->next)
			if (e->status == MBOX_OBJ_ST_REJECTED)
				e->has_fp = 0;
}

int fw_offload_flush(struct fw_offload *o, const char *why)
{
	uint32_t before = flow_dev_rule_count(o->dev);
	struct flow_error err;
	int r = flow_flush(o->dev, &err);
	if (r) {
		LOG_ERR(MOD, "flush failed: %s", err.message);
		return r;
	}
	for (size_t b = 0; b < o->nbuckets; b++)
		for (struct ent *e = o->buckets[b]; e; e = e->next) {
			e->n_rules = 0; /* the handles died with the flush */
			e->has_fp = 0;
			set_status(o, e, MBOX_OBJ_ST_PENDING, why);
		}
	o->st.rules = 0;
	o->st.flushes++;
	o->st.flushed_rules += before;
	return (int)before;
}

void fw_offload_report_all(struct fw_offload *o)
{
	for (size_t b = 0; b < o->nbuckets; b++)
		for (struct ent *e = o->buckets[b]; e; e = e->next)
			enqueue(o, e);
}

static void fill(const struct ent *e, struct fw_status *st)
{
	st->kind = e->kind;
	st->id = e->id;
	st->status = e->status;
	st->rules = e->n_rules;
	snprintf(st->reason, sizeof(st->reason), "%s", e->reason);
}

int fw_offload_peek_status(struct fw_offload *o, struct fw_status *st)
{
	while (o->q_len) {
		struct key k = o->q[o->q_head];
		struct ent *e = find(o, k.kind, k.id);
		if (e) {
			fill(e, st);
			return 1;
		}
		o->q_head = (o->q_head + 1) & (o->q_cap - 1); /* deleted meanwhile */
		o->q_len--;
	}
	return 0;
}

void fw_offload_status_sent(struct fw_offload *o)
{
	if (!o->q_len)
		return;
	struct key k = o->q[o->q_head];
	struct ent *e = find(o, k.kind, k.id);
	if (e)
		e->queued = 0;
	o->q_head = (o->q_head + 1) & (o->q_cap - 1);
	o->q_len--;
}

int fw_offload_get_status(const struct fw_offload *o, uint16_t kind, uint32_t id,
			  struct fw_status *st)
{
	const struct ent *e = find(o, kind, id);
	if (!e)
		return -ENOENT;
	fill(e, st);
	return 0;
}

void fw_offload_get_stats(const struct fw_offload *o, struct fw_offload_stats *st)
{
	*st = o->st;
	st->objects = (uint32_t)o->count;
	st->offloaded = st->rejected = st->pending = st->no_rule = 0;
	for (size_t b = 0; b < o->nbuckets; b++)
		for (const struct ent *e = o->buckets[b]; e; e = e->next) {
			switch (e->status) {
			case MBOX_OBJ_ST_OFFLOADED: st->offloaded++; break;
			case MBOX_OBJ_ST_REJECTED: st->rejected++; break;
			case MBOX_OBJ_ST_PENDING: st->pending++; break;
			default: st->no_rule++; break;
			}
		}
}

int fw_offload_foreach_rule(struct fw_offload *o, fw_rule_stat_fn fn, void *arg)
{
	int n = 0;
	for (size_t b = 0; b < o->nbuckets; b++)
		for (struct ent *e = o->buckets[b]; e; e = e->next)
			for (uint32_t i = 0; i < e->n_rules; i++) {
				struct fw_rule_stat rs = { .kind = e->kind, .id = e->id, .rule = i,
							   .group = e->info[i].group,
							   .what = e->info[i].what };
				struct flow_error err;
				if (o->has_count && flow_query(o->dev, e->rules[i], 0, &rs.c, &err) == 0)
					rs.counted = 1;
				n++;
				if (fn(arg, &rs))
					return n;
			}
	return n;
}
