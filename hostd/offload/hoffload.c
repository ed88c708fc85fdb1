/* hostd/offload/hoffload.c: the state around nic_objects.c (offload.h).
 *
 * Three object sets: `acked` (what the NIC applied, with the statuses it
 * reported), `inflight` (what the last full()/delta() was built from,
 * until done()), and the messages of that push. A topology change only
 * sets `dirty` (the subscriber runs under the topology's write lock); the
 * mailbox thread's next delta() recompiles and diffs against `acked`.
 * `acked` and the statuses are read by the API thread: `lock` guards them. */
#include "hostd/offload/offload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/codec.h"
#include "hostd/nic.h"

#define MOD "offload"

struct hostd_offload {
	struct topo *topo;               /* the topology (not owned) */
	char chassis[TOPO_HOST_MAX + 1]; /* the chassis we compile for */
	pthread_mutex_t lock;            /* guards acked, connected */
	struct hoff_set acked;           /* what the NIC holds, with statuses */
	int connected;                   /* the NIC acknowledged acked and is up */
	struct hoff_set inflight;        /* what the pending push was built from */
	int inflight_full;               /* the pending push is a resync */
	struct mbox_msg *msgs;           /* messages of the pending push */
	size_t cap_msgs;                 /* allocated */
	atomic_int dirty;                /* the topology changed since the last delta */
	struct hostd_nic_source src;     /* for hostd/nic.c */
	struct hoff_stats building;      /* the statistics report being received */
	int building_ok;                 /* no record of it was refused */
	struct hoff_stats published;     /* the last complete report (under lock) */
	uint64_t ever_connected;         /* the NIC acknowledged a push once */
	uint64_t down_ms;                /* when the session last went down (0: up) */
};

static struct hostd_offload *global;

void hostd_offload_set_global(struct hostd_offload *o) { global = o; }
struct hostd_offload *hostd_offload_global(void) { return global; }
const char *hostd_offload_chassis(const struct hostd_offload *o) { return o->chassis; }

const char *hostd_offload_kind_name(uint16_t kind)
{
	switch (kind) {
#define HOFF_KIND(name, lname, code, size, desc) case code: return #lname;
	MBOX_OBJ_KIND_LIST(HOFF_KIND)
#undef HOFF_KIND
	default:
		return "unknown";
	}
}

/* Underlay MAC of a tunnel IP from the kernel's neighbour table, read over
 * rtnetlink with libnl-route (one dump per lookup: lookups happen once per
 * remote chassis per compile). Only valid (NUD_VALID) IPv4 entries count. */
static int arp_lookup(uint32_t ip, uint8_t mac[6])
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	/* What the kernel calls NUD_VALID (not part of its user API). */
	const int valid = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE |
			  NUD_DELAY;
	uint32_t want = htonl(ip);
	int r = -ENOENT;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		r = -EIO;
		goto free_sock;
	}
	if (rtnl_neigh_alloc_cache(sk, &cache) < 0) {
		r = -EIO;
		goto free_sock;
	}
	for (struct nl_object *obj = nl_cache_get_first(cache); obj;
	     obj = nl_cache_get_next(obj)) {
		struct rtnl_neigh *n = (struct rtnl_neigh *)obj;
		struct nl_addr *dst = rtnl_neigh_get_dst(n);
		struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
		if (rtnl_neigh_get_family(n) != AF_INET || !dst || !ll ||
		    nl_addr_get_len(dst) != 4 || nl_addr_get_len(ll) != 6 ||
		    !(rtnl_neigh_get_state(n) & valid) ||
		    memcmp(nl_addr_get_binary_addr(dst), &want, 4))
			continue;
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
		r = 0;
		break;
	}
	nl_cache_free(cache);
free_sock:
	nl_socket_free(sk);
	return r;
}

static void on_topo_change(const struct topo *t, const struct topo_change *ch, size_t n,
			   void *arg)
{
	struct hostd_offload *o = arg;
	atomic_store(&o->dirty, 1);
}

static int compile(struct hostd_offload *o, struct hoff_set *out)
{
	topo_rdlock(o->topo);
	int r = hostd_offload_compile(o->topo, o->chassis, arp_lookup, out);
	topo_unlock(o->topo);
	return r;
}

static int msgs_reserve(struct hostd_offload *o, size_t n)
{
	if (n <= o->cap_msgs)
		return 0;
	struct mbox_msg *m = realloc(o->msgs, n * sizeof(*m));
	if (!m)
		return -ENOMEM;
	o->msgs = m;
	o->cap_msgs = n;
	return 0;
}

static void msg_set(struct mbox_msg *m, const struct hoff_obj *ob)
{
	memset(m, 0, sizeof(*m));
	m->type = MBOX_MSG_OBJ_SET;
	m->u.obj.kind = ob->kind;
	m->u.obj.id = ob->id;
	m->u.obj.body = ob->body;
	m->u.obj.body_len = ob->len;
}

static int src_full(void *arg, const struct mbox_msg **msgs, unsigned *n)
{
	struct hostd_offload *o = arg;
	atomic_store(&o->dirty, 0); /* the full state includes every change so far */
	int r = compile(o, &o->inflight);
	if (r < 0)
		return r;
	if ((r = msgs_reserve(o, o->inflight.n ? o->inflight.n : 1)))
		return r;
	for (size_t i = 0; i < o->inflight.n; i++)
		msg_set(&o->msgs[i], &o->inflight.v[i]);
	o->inflight_full = 1;
	*msgs = o->msgs;
	*n = (unsigned)o->inflight.n;
	LOG_INFO(MOD, "resync for chassis %s: %zu object(s)", o->chassis, o->inflight.n);
	return 0;
}

static int src_delta(void *arg, const struct mbox_msg **msgs, unsigned *n)
{
	struct hostd_offload *o = arg;
	*n = 0;
	if (!atomic_exchange(&o->dirty, 0))
		return 0;
	int r = compile(o, &o->inflight);
	if (r < 0) {
		atomic_store(&o->dirty, 1);
		return r;
	}
	size_t total = o->acked.n + o->inflight.n;
	const struct hoff_obj **sets = malloc((o->inflight.n + 1) * sizeof(*sets));
	const struct hoff_obj **dels = malloc((o->acked.n + 1) * sizeof(*dels));
	if (!sets || !dels || msgs_reserve(o, total ? total : 1)) {
		free(sets);
		free(dels);
		atomic_store(&o->dirty, 1);
		return -ENOMEM;
	}
	size_t ns, nd;
	hostd_offload_diff(&o->acked, &o->inflight, sets, &ns, dels, &nd);
	size_t k = 0;
	for (size_t i = 0; i < nd; i++) {
		struct mbox_msg *m = &o->msgs[k++];
		memset(m, 0, sizeof(*m));
		m->type = MBOX_MSG_OBJ_DEL;
		m->u.obj.kind = dels[i]->kind;
		m->u.obj.id = dels[i]->id;
	}
	for (size_t i = 0; i < ns; i++)
		msg_set(&o->msgs[k++], sets[i]);
	free(sets);
	free(dels);
	o->inflight_full = 0;
	*msgs = o->msgs;
	*n = (unsigned)k;
	if (k)
		LOG_INFO(MOD, "topology change for chassis %s: %zu set, %zu deleted", o->chassis, ns,
			 nd);
	return 0;
}

/* Carry the statuses of unchanged objects from `old` into `nu`. */
static void carry_statuses(const struct hoff_set *old, struct hoff_set *nu)
{
	size_t i = 0;
	for (size_t j = 0; j < nu->n; j++) {
		struct hoff_obj *b = &nu->v[j];
		while (i < old->n && (old->v[i].kind < b->kind ||
				      (old->v[i].kind == b->kind && old->v[i].id < b->id)))
			i++;
		if (i < old->n && old->v[i].kind == b->kind && old->v[i].id == b->id &&
		    old->v[i].len == b->len && !memcmp(old->v[i].body, b->body, b->len) &&
		    b->status == MBOX_OBJ_ST_PENDING && !strcmp(b->reason, HOFF_UNACKED)) {
			b->status = old->v[i].status;
			memcpy(b->reason, old->v[i].reason, sizeof(b->reason));
		}
	}
}

static void src_done(void *arg, int ok)
{
	struct hostd_offload *o = arg;
	if (!ok) {
		if (!o->inflight_full)
			atomic_store(&o->dirty, 1); /* diff again next time */
		return;
	}
	pthread_mutex_lock(&o->lock);
	if (!o->inflight_full)
		carry_statuses(&o->acked, &o->inflight);
	/* swap: acked <- inflight (the old acked array is reused next time) */
	struct hoff_set t = o->acked;
	o->acked = o->inflight;
	o->inflight = t;
	o->connected = 1;
	o->ever_connected = 1;
	o->down_ms = 0;
	pthread_mutex_unlock(&o->lock);
}

static void src_status(void *arg, uint16_t kind, uint32_t id, uint16_t status,
		       const char *reason, size_t len)
{
	if (mbox_stats_kind_name(kind))
		hostd_offload_stats_record(arg, kind, id, status, (const uint8_t *)reason, len);
	else
		hostd_offload_status(arg, kind, id, status, reason, len);
}

static void src_down(void *arg)
{
	struct hostd_offload *o = arg;
	pthread_mutex_lock(&o->lock);
	o->connected = 0;
	o->down_ms = dfn_now_ms();
	pthread_mutex_unlock(&o->lock);
}

/* Record a status in one set; 1 when the object is there. */
static int set_status_in(struct hoff_set *set, uint16_t kind, uint32_t id, uint16_t status,
			 const char *reason, size_t len)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct hoff_obj *b = &set->v[mid];
		if (b->kind < kind || (b->kind == kind && b->id < id)) {
			lo = mid + 1;
		} else if (b->kind == kind && b->id == id) {
			b->status = status;
			if (len >= sizeof(b->reason))
				len = sizeof(b->reason) - 1;
			for (size_t i = 0; i < len; i++) /* printable only: it reaches terminals */
				b->reason[i] = reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '?';
			b->reason[len] = '\0';
			return 1;
		} else {
			hi = mid;
		}
	}
	return 0;
}

int hostd_offload_status(struct hostd_offload *o, uint16_t kind, uint32_t id, uint16_t status,
			 const char *reason, size_t len)
{
	pthread_mutex_lock(&o->lock);
	int found = set_status_in(&o->acked, kind, id, status, reason, len);
	/* The NIC reports right after applying a batch, possibly before the
	 * batch's acknowledgement reached done(): keep it for `inflight` too. */
	found |= set_status_in(&o->inflight, kind, id, status, reason, len);
	pthread_mutex_unlock(&o->lock);
	if (!found)
		LOG_DBG(MOD, "status for unknown %s %u ignored", hostd_offload_kind_name(kind), id);
	return found;
}

int hostd_offload_snapshot(struct hostd_offload *o, struct hoff_set *out, int *connected)
{
	pthread_mutex_lock(&o->lock);
	out->v = malloc((o->acked.n ? o->acked.n : 1) * sizeof(*out->v));
	if (!out->v) {
		pthread_mutex_unlock(&o->lock);
		return -ENOMEM;
	}
	if (o->acked.n)
		memcpy(out->v, o->acked.v, o->acked.n * sizeof(*out->v));
	out->n = out->cap = o->acked.n;
	*connected = o->connected;
	pthread_mutex_unlock(&o->lock);
	return 0;
}

int hostd_offload_create(struct topo *t, const char *chassis, struct hostd_offload **out)
{
	if (!t || !chassis || !*chassis || strlen(chassis) > TOPO_HOST_MAX)
		return -EINVAL;
	struct hostd_offload *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->topo = t;
	snprintf(o->chassis, sizeof(o->chassis), "%s", chassis);
	pthread_mutex_init(&o->lock, NULL);
	o->src = (struct hostd_nic_source){
		.full = src_full,
		.delta = src_delta,
		.done = src_done,
		.status = src_status,
		.down = src_down,
		.arg = o,
	};
	int r = topo_subscribe(t, on_topo_change, o);
	if (r < 0) {
		pthread_mutex_destroy(&o->lock);
		free(o);
		return r;
	}
	*out = o;
	return 0;
}

void hostd_offload_destroy(struct hostd_offload *o)
{
	if (!o)
		return;
	if (global == o)
		global = NULL;
	topo_unsubscribe(o->topo, on_topo_change, o);
	hoff_set_free(&o->acked);
	hoff_set_free(&o->inflight);
	free(o->building.v);
	free(o->published.v);
	free(o->msgs);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

const struct hostd_nic_source *hostd_offload_source(struct hostd_offload *o)
{
	return &o->src;
}

/* ---- statistics reports (objects.h "statistics reports") ---------------- */

int hostd_offload_stats_record(struct hostd_offload *o, uint16_t kind, uint32_t id,
			       uint16_t gen, const uint8_t *body, size_t len)
{
	struct hoff_stats *b = &o->building;
	if (!b->n_recs || b->gen != gen) { /* a new report (a cut one is dropped) */
		b->n_recs = 0;
		b->gen = gen;
		o->building_ok = 1;
	}
	struct mbox_stats_rec rec;
	char err[160];
	if (mbox_decode_stats(kind, body, len, &rec, err, sizeof(err))) {
		LOG_WARN(MOD, "statistics record %s %u refused: %s", mbox_stats_kind_name(kind), id,
			 err);
		o->building_ok = 0;
		return -EBADMSG;
	}
	if (kind != MBOX_STATS_END) {
		if (b->n_recs == b->cap) {
			size_t nc = b->cap ? b->cap * 2 : 64;
			struct hoff_stat_rec *n = realloc(b->v, nc * sizeof(*n));
			if (!n) {
				o->building_ok = 0;
				return -ENOMEM;
			}
			b->v = n;
			b->cap = nc;
		}
		b->v[b->n_recs].id = id;
		b->v[b->n_recs++].r = rec;
		return 0;
	}
	/* STATS_END: publish when every announced record arrived intact */
	int ok = o->building_ok && rec.v[0] == b->n_recs;
	if (ok) {
		b->end = rec;
		b->received_ms = dfn_now_ms();
		pthread_mutex_lock(&o->lock);
		struct hoff_stats t = o->published;
		o->published = *b;
		*b = t;
		pthread_mutex_unlock(&o->lock);
	} else {
		LOG_DBG(MOD, "statistics report %u incomplete (%zu of %llu records): dropped", gen,
			b->n_recs, (unsigned long long)rec.v[0]);
	}
	b->n_recs = 0;
	return ok ? 1 : -EPROTO;
}

int hostd_offload_stats_snapshot(struct hostd_offload *o, struct hoff_stats *out)
{
	pthread_mutex_lock(&o->lock);
	*out = o->published;
	out->v = malloc((o->published.n_recs ? o->published.n_recs : 1) * sizeof(*out->v));
	if (!out->v) {
		pthread_mutex_unlock(&o->lock);
		return -ENOMEM;
	}
	if (o->published.n_recs)
		memcpy(out->v, o->published.v, o->published.n_recs * sizeof(*out->v));
	out->cap = out->n_recs;
	pthread_mutex_unlock(&o->lock);
	return 0;
}

void hostd_offload_why(struct hostd_offload *o, char *buf, size_t len)
{
	pthread_mutex_lock(&o->lock);
	int connected = o->connected, ever = (int)o->ever_connected;
	uint64_t down = o->down_ms;
	pthread_mutex_unlock(&o->lock);
	if (connected)
		snprintf(buf, len, "the NIC holds the state below");
	else if (down)
		snprintf(buf, len, "the NIC stopped answering %.1f s ago (firmware down or "
			 "restarting): nothing is offloaded, OVS forwards all traffic",
			 (double)(dfn_now_ms() - down) / 1000.0);
	else if (!ever)
		snprintf(buf, len, "no NIC has answered yet: nothing is offloaded, OVS forwards "
			 "all traffic");
	else
		snprintf(buf, len, "waiting for the NIC to apply the state: OVS forwards what "
			 "it does not hold");
}
