/* drivers/flow/flow_soft.h: the "soft" flow backend's own API: its table
 * parameters (what a board sets: groups, capacities, refused types) and its
 * packet engine, which the firmware's sim data path uses to forward real
 * frames through the rules the compiler installed via flow.h.
 *
 * The backend itself is reached through flow.h (flow_soft_ops); this
 * header only adds what a software NIC has and a hardware one does not. */
#ifndef DFNIC_FLOW_SOFT_H
#define DFNIC_FLOW_SOFT_H

#include <stdint.h>

#include "drivers/flow/flow.h"

/* Table set-up of one soft device. flow_soft_params_default() fills it from
 * Kconfig (CONFIG_FLOW_SOFT_*); boards and tests then adjust it. */
struct flow_soft_params {
	uint32_t n_groups;                        /* groups 0..n_groups-1 (1..FLOW_MAX_GROUPS) */
	uint32_t capacity[FLOW_MAX_GROUPS];       /* rules per group (0: every create fails) */
	uint32_t max_rules;                       /* rules in all groups together */
	uint32_t max_priority;                    /* priorities 0..max_priority are accepted */
	uint32_t n_queues;                        /* QUEUE index must be below this */
	uint64_t no_items[FLOW_TYPE_BITS / 64];   /* item types refused (weaker NIC model) */
	uint64_t no_actions[FLOW_TYPE_BITS / 64]; /* action types refused */
};

/* Kconfig defaults (including CONFIG_FLOW_SOFT_CAPACITIES and
 * CONFIG_FLOW_SOFT_UNSUPPORTED, which must parse: a bad string is logged
 * and ignored). */
void flow_soft_params_default(struct flow_soft_params *p);

/* "G=N,G=N..." sets the capacity of group G to N; "*=N" every group.
 * 0 or -EINVAL with `err` naming the bad token. */
int flow_soft_params_capacities(struct flow_soft_params *p, const char *spec,
				struct flow_error *err);

/* "NAME,NAME..." of item and/or action types to refuse ("DEC_TTL,
 * VXLAN_ENCAP,ARP_ETH_IPV4"); a name that is both (PORT_ID) refuses both.
 * 0 or -EINVAL with `err` naming the unknown type. */
int flow_soft_params_unsupported(struct flow_soft_params *p, const char *list,
				 struct flow_error *err);

/* A frame in a buffer: the frame is buf[off .. off+len); the bytes before
 * it are headroom an encapsulation may use (it moves the frame when there
 * is not enough, as long as the buffer has room). */
struct flow_pkt {
	uint8_t *buf; /* start of the buffer */
	uint32_t cap; /* buffer size in bytes */
	uint32_t off; /* where the Ethernet frame starts */
	uint32_t len; /* frame length in bytes */
};

/* Headroom a VXLAN encapsulation needs (outer Ethernet + IPv4 + UDP + VXLAN). */
#define FLOW_SOFT_VXLAN_HDR_LEN 50u

enum flow_soft_verdict {
	FLOW_SOFT_MISS,  /* no rule took the packet: hand the original frame to the fallback */
	FLOW_SOFT_PORT,  /* forward the (modified) frame to result.port */
	FLOW_SOFT_QUEUE, /* trap the (modified) frame to slow-path queue result.queue */
	FLOW_SOFT_DROP,  /* drop it */
};

/* What flow_soft_process() decided. */
struct flow_soft_result {
	enum flow_soft_verdict verdict; /* see above */
	uint32_t port;                  /* FLOW_SOFT_PORT: output port id */
	uint16_t queue;                 /* FLOW_SOFT_QUEUE: queue index */
	uint8_t has_mark;               /* a MARK action ran */
	uint32_t mark;                  /* its id */
	uint32_t meta;                  /* metadata after SET_META actions (0 initially) */
	uint32_t group;                 /* group of the last lookup */
	uint32_t hops;                  /* groups visited (1 + JUMPs) */
	const char *punt;               /* MISS after a match: why the NIC gave up
					 * ("ttl expired", ...); NULL for a plain miss */
};

/* Run one frame through the tables: group 0 first, highest priority first
 * (lowest number), following JUMPs; apply the matched rules' modifying
 * actions in list order (MAC rewrites, TTL decrement with the IPv4
 * checksum fixed incrementally, VXLAN encap/decap, MARK, SET_META);
 * count hits/bytes on rules with COUNT. On FLOW_SOFT_MISS the frame is
 * left exactly as it came in (modifications made by earlier groups are
 * undone), so the fallback sees the original. A rule whose DEC_TTL would
 * take TTL to 0 punts (MISS with result.punt set) before any of its
 * actions run. Frames are untrusted: every header is bounds-checked.
 * Does not block; safe to call from several threads at once and
 * concurrently with the control ops (a reader lock: creates wait for
 * packets in flight). Returns 0, or -EINVAL for a NULL argument / a
 * frame outside its buffer, or -ENODEV when `dev` is not a soft device. */
int flow_soft_process(struct flow_dev *dev, struct flow_pkt *pkt, uint32_t in_port,
		      struct flow_soft_result *res);

/* Per-device engine statistics. */
struct flow_soft_stats {
	uint64_t packets;   /* frames processed */
	uint64_t misses;    /* of which missed (including punts) */
	uint64_t punts;     /* misses after a match (ttl expired, no headroom, ...) */
	uint32_t subtables; /* (group, priority, mask) classes currently in use */
};
void flow_soft_get_stats(struct flow_dev *dev, struct flow_soft_stats *out);

#endif
