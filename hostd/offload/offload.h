/* hostd/offload/offload.h: what hostd asks its SmartNIC to offload, and
 * what the NIC answered.
 *
 * The topology (hostd/topo) is compiled, for the chassis this hostd runs
 * on, into the NIC objects of drivers/mbox/objects.h (NIC_PORT, NETWORK,
 * SUBNET, ROUTER_IFACE, NEIGHBOUR, ROUTE, TUNNEL_EP): see
 * hostd_offload_compile(). The mailbox client (hostd/nic.c) pulls from this
 * module through struct hostd_nic_source: the whole state as one batch on
 * a resync, and after a topology change (topo_subscribe) only the objects
 * that differ from what the NIC acknowledged (OBJ_SET / OBJ_DEL): an
 * unchanged object is never sent twice. The NIC's OBJ_STATUS events are
 * kept per object for the REST API (hostd/api/api_offload.c, `dfctl
 * offload`).
 *
 * Threading: the source callbacks run on the mailbox thread; the API reads
 * with hostd_offload_snapshot() from its own thread (a mutex inside). */
#ifndef DFNIC_HOSTD_OFFLOAD_H
#define DFNIC_HOSTD_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/objects.h"
#include "hostd/topo/topo.h"

#define HOFF_BODY_MAX 48    /* bytes of the largest topology object body */
#define HOFF_REF_MAX 48     /* topology id the object comes from */
#define HOFF_DESC_MAX 64    /* short human description */
#define HOFF_REASON_MAX 232 /* the NIC's reason text (fits one mailbox slot) */
#define HOFF_UNACKED "not acknowledged by the NIC yet" /* reason before any status */

/* One NIC object, as compiled and as the NIC reported it. */
struct hoff_obj {
	uint16_t kind;                  /* enum mbox_obj_kind */
	uint32_t id;                    /* id within the kind (a topology key) */
	uint8_t len;                    /* bytes of body */
	uint8_t body[HOFF_BODY_MAX];    /* encoded body (drivers/mbox/objects.h) */
	char ref[HOFF_REF_MAX];         /* topology id it comes from (port id, ...) */
	char desc[HOFF_DESC_MAX];       /* "port tap1 10.0.0.5", "route 10.9.0.0/16" */
	uint16_t status;                /* enum mbox_obj_status (PENDING until told) */
	char reason[HOFF_REASON_MAX];   /* the NIC's reason text */
};

/* A set of objects sorted by (kind, id). */
struct hoff_set {
	struct hoff_obj *v; /* objects */
	size_t n, cap;      /* used / allocated */
};
void hoff_set_free(struct hoff_set *s);

/* Compile the topology for `chassis` into `out` (emptied first), sorted
 * by (kind, id). Caller holds the topology's read lock. Objects whose
 * topology key is 0 are skipped. 0 or -ENOMEM. `arp` (may be NULL) looks
 * up the underlay MAC of a tunnel IP (host order) for TUNNEL_EP: 0 when
 * found. */
typedef int (*hoff_arp_fn)(uint32_t ip, uint8_t mac[6]);
int hostd_offload_compile(const struct topo *t, const char *chassis, hoff_arp_fn arp,
			  struct hoff_set *out);

/* What changes `from` into `to`: the objects of `to` absent from or
 * different in `from` go to sets (pointers into to), the (kind, id) of
 * `from` absent from `to` to dels (pointers into from). Arrays sized
 * to->n and from->n. Returns nothing; counts in *nsets / *ndels. */
void hostd_offload_diff(const struct hoff_set *from, const struct hoff_set *to,
			const struct hoff_obj **sets, size_t *nsets,
			const struct hoff_obj **dels, size_t *ndels);

struct hostd_offload;

/* Start tracking `t` for `chassis` (copied): subscribes to its changes.
 * 0 or -errno. */
int hostd_offload_create(struct topo *t, const char *chassis, struct hostd_offload **out);
/* Unsubscribes and frees. Accepts NULL. */
void hostd_offload_destroy(struct hostd_offload *o);
/* The mailbox client's view of it (hostd/nic.h). */
struct hostd_nic_source;
const struct hostd_nic_source *hostd_offload_source(struct hostd_offload *o);

/* The process' instance (set by hostd/main.c; NULL when hostd drives no
 * NIC), for the API. */
void hostd_offload_set_global(struct hostd_offload *o);
struct hostd_offload *hostd_offload_global(void);
const char *hostd_offload_chassis(const struct hostd_offload *o);

/* A copy of what the NIC holds (or was sent), with statuses, sorted by
 * (kind, id); *connected: 1 when the NIC acknowledged our state and is
 * up. 0 or -ENOMEM. Free with hoff_set_free(). */
int hostd_offload_snapshot(struct hostd_offload *o, struct hoff_set *out, int *connected);

/* Record an OBJ_STATUS (also called by tests). Unknown objects are ignored;
 * returns 1 when recorded. */
int hostd_offload_status(struct hostd_offload *o, uint16_t kind, uint32_t id, uint16_t status,
			 const char *reason, size_t reason_len);

/* One statistics record of the NIC's report. */
struct hoff_stat_rec {
	uint32_t id;               /* record id (rule number, port id, router iface id) */
	struct mbox_stats_rec r;   /* kind and fields */
};
/* A complete statistics report: its records and its STATS_END. */
struct hoff_stats {
	struct hoff_stat_rec *v;   /* records in arrival order */
	size_t n_recs, cap;        /* used / allocated */
	uint16_t gen;              /* generation */
	struct mbox_stats_rec end; /* the STATS_END (records, rules, omitted, uptime) */
	uint64_t received_ms;      /* dfn_now_ms() when it completed; 0: none yet */
};

/* One OBJ_STATUS of a statistics kind (hostd/nic.c's status callback
 * lands here for those kinds; tests call it directly). Records of
 * generation `gen` accumulate; STATS_END publishes them when its record
 * count matches. Returns 1 when a report was published, 0 for a stored
 * record, -EBADMSG (refused body: the report will be dropped), -EPROTO
 * (incomplete report dropped) or -ENOMEM. Mailbox thread only. */
int hostd_offload_stats_record(struct hostd_offload *o, uint16_t kind, uint32_t id,
			       uint16_t gen, const uint8_t *body, size_t len);
/* A copy of the last published report (received_ms 0: none yet). Free
 * out->v. 0 or -ENOMEM. Any thread. */
int hostd_offload_stats_snapshot(struct hostd_offload *o, struct hoff_stats *out);
/* One sentence on the NIC's state for operators ("the NIC stopped
 * answering 3.2 s ago ...: OVS forwards all traffic"). */
void hostd_offload_why(struct hostd_offload *o, char *buf, size_t len);

/* Lower-case name of a kind for the API ("nic_port", "neighbour"). */
const char *hostd_offload_kind_name(uint16_t kind);

#endif
