/* drivers/flow/flow_soft.c: the "soft" flow backend, a software model of a
 * NIC's flow tables behind flow_soft_ops (flow.h), plus the packet engine
 * of flow_soft.h that the sim data path forwards real frames with.
 *
 * Model. A device has n_groups tables; each holds at most capacity[g]
 * rules. A rule's pattern is compiled into one fixed-size key (struct
 * soft_key: every header field the model can match, in wire byte order)
 * and a mask of the same shape; its actions into a short op list and one
 * fate (JUMP / QUEUE / DROP / PORT). Rules of a group with the same
 * priority and the same mask share a subtable: a hash table on the masked
 * key (tuple-space search), so create/destroy are O(1) and a lookup costs
 * one hash probe per subtable, subtables visited in priority order.
 *
 * The engine parses a frame into a key (bounds-checked: frames are
 * untrusted), looks it up in group 0, applies the rule's ops to the frame
 * in list order, and follows JUMPs (re-parsing a modified frame) until a
 * rule with a terminal fate or a miss. Locking: a writer-preferring rwlock
 * (control ops write, packets read); counters are atomic. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"
#include "drivers/flow/flow_soft.h"

#define MOD "flow-soft"

#ifndef CONFIG_FLOW_SOFT_GROUPS
#define CONFIG_FLOW_SOFT_GROUPS 8
#endif
#ifndef CONFIG_FLOW_SOFT_GROUP_CAPACITY
#define CONFIG_FLOW_SOFT_GROUP_CAPACITY 262144
#endif
#ifndef CONFIG_FLOW_SOFT_CAPACITIES
#define CONFIG_FLOW_SOFT_CAPACITIES ""
#endif
#ifndef CONFIG_FLOW_SOFT_MAX_RULES
#define CONFIG_FLOW_SOFT_MAX_RULES 1048576
#endif
#ifndef CONFIG_FLOW_SOFT_MAX_PRIORITY
#define CONFIG_FLOW_SOFT_MAX_PRIORITY 255
#endif
#ifndef CONFIG_FLOW_SOFT_QUEUES
#define CONFIG_FLOW_SOFT_QUEUES 16
#endif
#ifndef CONFIG_FLOW_SOFT_UNSUPPORTED
#define CONFIG_FLOW_SOFT_UNSUPPORTED ""
#endif

/* ---- the match key ------------------------------------------------------------ */

/* Layers present in a frame (key.layers) / required by a rule (mask). */
enum {
	L_ETH = 1u << 0,
	L_VLAN = 1u << 1,
	L_IPV4 = 1u << 2,
	L_ARP = 1u << 3,
	L_UDP = 1u << 4,
	L_TCP = 1u << 5,
	L_VXLAN = 1u << 6,
	L_MARK = 1u << 7, /* a MARK action ran on the packet */
};

/* Everything the model can match. Header fields keep their wire byte
 * order (so rte_flow specs/masks copy in unchanged); in_port, mark and
 * meta are host order like their rte_flow structs. */
struct soft_fields {
	uint32_t in_port;    /* port the frame came in on */
	uint32_t mark;       /* MARK id set by an earlier group */
	uint32_t meta;       /* metadata set by SET_META */
	uint16_t layers;     /* L_* */
	uint16_t eth_type;   /* EtherType, or the TPID of a tagged frame */
	uint8_t eth_dst[6];  /* destination MAC */
	uint8_t eth_src[6];  /* source MAC */
	uint16_t vlan_tci;   /* VLAN tag control information */
	uint16_t vlan_inner; /* EtherType after the tag */
	uint32_t ip_src;     /* IPv4 source */
	uint32_t ip_dst;     /* IPv4 destination */
	uint8_t ip_proto;    /* IPv4 protocol */
	uint8_t ip_ttl;      /* IPv4 TTL */
	uint16_t arp_op;     /* ARP opcode */
	uint16_t l4_src;     /* UDP/TCP source port */
	uint16_t l4_dst;     /* UDP/TCP destination port */
	uint8_t vni[3];      /* VXLAN network identifier */
	uint8_t pad0;        /* always 0 */
	uint8_t arp_sha[6];  /* ARP sender MAC */
	uint8_t arp_tha[6];  /* ARP target MAC */
	uint32_t arp_spa;    /* ARP sender IPv4 */
	uint32_t arp_tpa;    /* ARP target IPv4 */
};

#define KEY_WORDS 9
union soft_key {
	struct soft_fields f;  /* by field */
	uint64_t w[KEY_WORDS]; /* for masked compare and hashing */
	uint8_t b[KEY_WORDS * 8]; /* by byte offset */
};
_Static_assert(sizeof(struct soft_fields) == KEY_WORDS * 8, "soft_fields must fill the key words");

#define KOFF(field) ((int)offsetof(struct soft_fields, field))

static inline uint32_t key_hash(const union soft_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < KEY_WORDS; i++) {
		h = (h ^ k->w[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 31;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static inline void key_and(union soft_key *out, const union soft_key *a, const union soft_key *m)
{
	for (int i = 0; i < KEY_WORDS; i++)
		out->w[i] = a->w[i] & m->w[i];
}

static inline int key_eq(const union soft_key *a, const union soft_key *b)
{
	uint64_t d = 0;
	for (int i = 0; i < KEY_WORDS; i++)
		d |= a->w[i] ^ b->w[i];
	return d == 0;
}

/* ---- rules, subtables, groups ------------------------------------------------- */

enum soft_op_kind {
	OP_MARK,        /* a: mark id */
	OP_SET_META,    /* a: data, b: mask */
	OP_SET_MAC_SRC, /* mac */
	OP_SET_MAC_DST, /* mac */
	OP_DEC_TTL,     /* - */
	OP_ENCAP,       /* rule->encap */
	OP_DECAP,       /* - */
};

struct soft_op {
	uint8_t kind;   /* enum soft_op_kind */
	uint8_t mac[6]; /* SET_MAC_* address */
	uint32_t a;     /* MARK id / SET_META data */
	uint32_t b;     /* SET_META mask */
};

enum soft_fate { FATE_JUMP, FATE_QUEUE, FATE_DROP, FATE_PORT };

#define SOFT_MAX_OPS 12

struct soft_subtable;

struct soft_rule {
	struct soft_rule *hnext;   /* next rule in the same hash bucket */
	struct soft_subtable *st;  /* the subtable holding it */
	uint64_t hits;             /* matched packets (atomic) */
	uint64_t bytes;            /* their bytes (atomic) */
	union soft_key value;      /* masked match value */
	uint32_t hash;             /* key_hash(value) */
	uint32_t fate_arg;         /* JUMP group / QUEUE index / PORT id */
	uint8_t fate;              /* enum soft_fate */
	uint8_t n_ops;             /* ops[] in use */
	uint8_t has_count;         /* COUNT action present: query allowed */
	uint8_t has_dec_ttl;       /* DEC_TTL present: punt when TTL <= 1 */
	uint8_t has_encap;         /* VXLAN_ENCAP present: needs headroom */
	uint8_t modifies;          /* changes the frame (MAC/TTL/encap/decap) */
	uint16_t encap_sport;      /* outer UDP source port from the spec (0: hash) */
	uint8_t encap[FLOW_SOFT_VXLAN_HDR_LEN]; /* outer header template */
	struct soft_op ops[SOFT_MAX_OPS];       /* modifying/metadata actions in order */
};

/* Rules of one group sharing a priority and a mask. */
struct soft_subtable {
	union soft_key mask;        /* what these rules look at */
	uint32_t priority;          /* rte_flow priority (0 highest) */
	uint32_t group;             /* the group it belongs to */
	uint32_t n_rules;           /* rules in the table */
	uint32_t n_buckets;         /* power of two */
	struct soft_rule **buckets; /* chains by hash & (n_buckets-1) */
};

struct soft_group {
	struct soft_subtable **st; /* by priority ascending, then age */
	uint32_t n_st;             /* subtables in use */
	uint32_t cap_st;           /* st[] allocated */
	uint32_t n_rules;          /* rules in the group */
};

struct soft_dev {
	pthread_rwlock_t lock;            /* control ops write, packets read */
	struct flow_soft_params p;        /* the configuration */
	struct soft_group groups[FLOW_MAX_GROUPS]; /* the tables */
	uint32_t n_rules;                 /* rules in all groups */
	uint64_t packets;                 /* stats (atomic) */
	uint64_t misses;                  /* stats (atomic) */
	uint64_t punts;                   /* stats (atomic) */
};

/* ---- parameters --------------------------------------------------------------- */

/* What the model implements (before a board refuses some). */
static const int soft_items[] = {
	RTE_FLOW_ITEM_TYPE_VOID, RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_VLAN,
	RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_UDP, RTE_FLOW_ITEM_TYPE_TCP,
	RTE_FLOW_ITEM_TYPE_VXLAN, RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, RTE_FLOW_ITEM_TYPE_MARK,
	RTE_FLOW_ITEM_TYPE_META, RTE_FLOW_ITEM_TYPE_PORT_ID,
	RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT,
};
static const int soft_actions[] = {
	RTE_FLOW_ACTION_TYPE_VOID, RTE_FLOW_ACTION_TYPE_JUMP, RTE_FLOW_ACTION_TYPE_MARK,
	RTE_FLOW_ACTION_TYPE_SET_META, RTE_FLOW_ACTION_TYPE_SET_MAC_SRC,
	RTE_FLOW_ACTION_TYPE_SET_MAC_DST, RTE_FLOW_ACTION_TYPE_DEC_TTL,
	RTE_FLOW_ACTION_TYPE_PORT_ID, RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT,
	RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP, RTE_FLOW_ACTION_TYPE_VXLAN_DECAP,
	RTE_FLOW_ACTION_TYPE_QUEUE, RTE_FLOW_ACTION_TYPE_DROP, RTE_FLOW_ACTION_TYPE_COUNT,
};

static int bit(const uint64_t *w, int t)
{
	return t >= 0 && t < FLOW_TYPE_BITS && ((w[t / 64] >> (t % 64)) & 1);
}

static void setbit(uint64_t *w, int t)
{
	if (t >= 0 && t < FLOW_TYPE_BITS)
		w[t / 64] |= 1ull << (t % 64);
}

void flow_soft_params_default(struct flow_soft_params *p)
{
	memset(p, 0, sizeof(*p));
	p->n_groups = DFN_MIN(CONFIG_FLOW_SOFT_GROUPS, FLOW_MAX_GROUPS);
	for (int g = 0; g < FLOW_MAX_GROUPS; g++)
		p->capacity[g] = CONFIG_FLOW_SOFT_GROUP_CAPACITY;
	p->max_rules = CONFIG_FLOW_SOFT_MAX_RULES;
	p->max_priority = CONFIG_FLOW_SOFT_MAX_PRIORITY;
	p->n_queues = CONFIG_FLOW_SOFT_QUEUES;
	struct flow_error err;
	if (flow_soft_params_capacities(p, CONFIG_FLOW_SOFT_CAPACITIES, &err))
		LOG_ERR(MOD, "CONFIG_FLOW_SOFT_CAPACITIES ignored: %s", err.message);
	if (flow_soft_params_unsupported(p, CONFIG_FLOW_SOFT_UNSUPPORTED, &err))
		LOG_ERR(MOD, "CONFIG_FLOW_SOFT_UNSUPPORTED ignored: %s", err.message);
}

int flow_soft_params_capacities(struct flow_soft_params *p, const char *spec,
				struct flow_error *err)
{
	if (!p || !spec)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "capacities: NULL");
	uint32_t cap[FLOW_MAX_GROUPS];
	memcpy(cap, p->capacity, sizeof(cap));
	const char *s = spec;
	while (*s) {
		const char *tok = s;
		size_t n = strcspn(s, ",");
		char buf[48];
		if (n == 0 || n >= sizeof(buf))
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
					      "capacities: bad token at '%.20s'", tok);
		memcpy(buf, s, n);
		buf[n] = 0;
		s += n;
		if (*s == ',')
			s++;
		char *eq = strchr(buf, '=');
		unsigned long g = 0, v;
		int all = 0;
		if (!eq)
			goto bad;
		*eq = 0;
		if (!strcmp(buf, "*"))
			all = 1;
		else if (dfn_parse_uint(buf, 0, FLOW_MAX_GROUPS - 1, &g))
			goto bad;
		if (dfn_parse_uint(eq + 1, 0, UINT32_MAX, &v))
			goto bad;
		for (unsigned long i = all ? 0 : g; i <= (all ? FLOW_MAX_GROUPS - 1 : g); i++)
			cap[i] = (uint32_t)v;
		continue;
bad:
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "capacities: bad token '%.*s' (want GROUP=N or *=N, "
				      "GROUP below %d)",
				      (int)n, tok, FLOW_MAX_GROUPS);
	}
	memcpy(p->capacity, cap, sizeof(cap));
	return 0;
}

int flow_soft_params_unsupported(struct flow_soft_params *p, const char *list,
				 struct flow_error *err)
{
	if (!p || !list)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "unsupported list: NULL");
	uint64_t ni[FLOW_TYPE_BITS / 64], na[FLOW_TYPE_BITS / 64];
	memcpy(ni, p->no_items, sizeof(ni));
	memcpy(na, p->no_actions, sizeof(na));
	const char *s = list;
	while (*s) {
		size_t n = strcspn(s, ", ");
		if (n) {
			char name[40];
			if (n >= sizeof(name))
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED,
						      -1, "unsupported list: name too long at '%.20s'",
						      s);
			memcpy(name, s, n);
			name[n] = 0;
			int it = flow_item_type_by_name(name), ac = flow_action_type_by_name(name);
			if (it < 0 && ac < 0)
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED,
						      -1, "unsupported list: unknown type '%s'",
						      name);
			setbit(ni, it);
			setbit(na, ac);
		}
		s += n;
		while (*s == ',' || *s == ' ')
			s++;
	}
	memcpy(p->no_items, ni, sizeof(ni));
	memcpy(p->no_actions, na, sizeof(na));
	return 0;
}

/* ---- compiling a rule ----------------------------------------------------------- */

/* One field of an rte_flow item struct and where it lands in the key
 * (key_off < 0: the model cannot match on it). */
struct item_field {
	const char *name; /* for messages */
	uint16_t off;     /* offset in the item struct */
	uint8_t size;     /* bytes */
	int8_t key_off;   /* offset in struct soft_fields, or -1 */
};

#define IF(st, member, nm, koff)                                                     \
	{ nm, (uint16_t)offsetof(st, member), (uint8_t)sizeof(((st *)0)->member), (int8_t)(koff) }

static const struct item_field eth_fields[] = {
	IF(struct rte_flow_item_eth, hdr.dst_addr, "dst", KOFF(eth_dst)),
	IF(struct rte_flow_item_eth, hdr.src_addr, "src", KOFF(eth_src)),
	IF(struct rte_flow_item_eth, hdr.ether_type, "type", KOFF(eth_type)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field vlan_fields[] = {
	IF(struct rte_flow_item_vlan, hdr.vlan_tci, "tci", KOFF(vlan_tci)),
	IF(struct rte_flow_item_vlan, hdr.eth_proto, "inner_type", KOFF(vlan_inner)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field ipv4_fields[] = {
	IF(struct rte_flow_item_ipv4, hdr.version_ihl, "version_ihl", -1),
	IF(struct rte_flow_item_ipv4, hdr.type_of_service, "tos", -1),
	IF(struct rte_flow_item_ipv4, hdr.total_length, "total_length", -1),
	IF(struct rte_flow_item_ipv4, hdr.packet_id, "packet_id", -1),
	IF(struct rte_flow_item_ipv4, hdr.fragment_offset, "fragment_offset", -1),
	IF(struct rte_flow_item_ipv4, hdr.time_to_live, "ttl", KOFF(ip_ttl)),
	IF(struct rte_flow_item_ipv4, hdr.next_proto_id, "proto", KOFF(ip_proto)),
	IF(struct rte_flow_item_ipv4, hdr.hdr_checksum, "checksum", -1),
	IF(struct rte_flow_item_ipv4, hdr.src_addr, "src", KOFF(ip_src)),
	IF(struct rte_flow_item_ipv4, hdr.dst_addr, "dst", KOFF(ip_dst)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field udp_fields[] = {
	IF(struct rte_flow_item_udp, hdr.src_port, "src_port", KOFF(l4_src)),
	IF(struct rte_flow_item_udp, hdr.dst_port, "dst_port", KOFF(l4_dst)),
	IF(struct rte_flow_item_udp, hdr.dgram_len, "length", -1),
	IF(struct rte_flow_item_udp, hdr.dgram_cksum, "checksum", -1),
	{ NULL, 0, 0, 0 },
};
static const struct item_field tcp_fields[] = {
	IF(struct rte_flow_item_tcp, hdr.src_port, "src_port", KOFF(l4_src)),
	IF(struct rte_flow_item_tcp, hdr.dst_port, "dst_port", KOFF(l4_dst)),
	IF(struct rte_flow_item_tcp, hdr.sent_seq, "seq", -1),
	IF(struct rte_flow_item_tcp, hdr.recv_ack, "ack", -1),
	IF(struct rte_flow_item_tcp, hdr.data_off, "data_off", -1),
	IF(struct rte_flow_item_tcp, hdr.tcp_flags, "flags", -1),
	IF(struct rte_flow_item_tcp, hdr.rx_win, "window", -1),
	IF(struct rte_flow_item_tcp, hdr.cksum, "checksum", -1),
	IF(struct rte_flow_item_tcp, hdr.tcp_urp, "urgent", -1),
	{ NULL, 0, 0, 0 },
};
static const struct item_field vxlan_fields[] = {
	IF(struct rte_flow_item_vxlan, flags, "flags", -1),
	IF(struct rte_flow_item_vxlan, rsvd0, "rsvd0", -1),
	IF(struct rte_flow_item_vxlan, vni, "vni", KOFF(vni)),
	IF(struct rte_flow_item_vxlan, rsvd1, "rsvd1", -1),
	{ NULL, 0, 0, 0 },
};
static const struct item_field arp_fields[] = {
	IF(struct rte_flow_item_arp_eth_ipv4, hrd, "hrd", -1),
	IF(struct rte_flow_item_arp_eth_ipv4, pro, "pro", -1),
	IF(struct rte_flow_item_arp_eth_ipv4, hln, "hln", -1),
	IF(struct rte_flow_item_arp_eth_ipv4, pln, "pln", -1),
	IF(struct rte_flow_item_arp_eth_ipv4, op, "op", KOFF(arp_op)),
	IF(struct rte_flow_item_arp_eth_ipv4, sha, "sha", KOFF(arp_sha)),
	IF(struct rte_flow_item_arp_eth_ipv4, spa, "spa", KOFF(arp_spa)),
	IF(struct rte_flow_item_arp_eth_ipv4, tha, "tha", KOFF(arp_tha)),
	IF(struct rte_flow_item_arp_eth_ipv4, tpa, "tpa", KOFF(arp_tpa)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field mark_fields[] = {
	IF(struct rte_flow_item_mark, id, "id", KOFF(mark)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field meta_fields[] = {
	IF(struct rte_flow_item_meta, data, "data", KOFF(meta)),
	{ NULL, 0, 0, 0 },
};
static const struct item_field port_id_fields[] = {
	IF(struct rte_flow_item_port_id, id, "id", KOFF(in_port)),
	{ NULL, 0, 0, 0 },
};

/* Per item type: its fields, default mask, layer bit and stacking stage
 * (items must come in increasing stage; stage 0 items go anywhere). */
struct item_desc {
	const struct item_field *fields; /* NULL: handled specially */
	const void *dflt_mask;           /* rte_flow's default mask */
	uint16_t layer;                  /* L_* the item requires */
	uint8_t stage;                   /* 1 L2, 2 VLAN, 3 L3, 4 L4, 5 tunnel */
};

static const struct item_desc *item_desc(int type)
{
	static const struct item_desc eth = { eth_fields, &rte_flow_item_eth_mask, L_ETH, 1 };
	static const struct item_desc vlan = { vlan_fields, &rte_flow_item_vlan_mask, L_VLAN, 2 };
	static const struct item_desc ipv4 = { ipv4_fields, &rte_flow_item_ipv4_mask, L_IPV4, 3 };
	static const struct item_desc arp = { arp_fields, &rte_flow_item_arp_eth_ipv4_mask, L_ARP,
					      3 };
	static const struct item_desc udp = { udp_fields, &rte_flow_item_udp_mask, L_UDP, 4 };
	static const struct item_desc tcp = { tcp_fields, &rte_flow_item_tcp_mask, L_TCP, 4 };
	static const struct item_desc vxlan = { vxlan_fields, &rte_flow_item_vxlan_mask, L_VXLAN,
						5 };
	static const struct item_desc mark = { mark_fields, &rte_flow_item_mark_mask, L_MARK, 0 };
	static const struct item_desc meta = { meta_fields, &rte_flow_item_meta_mask, 0, 0 };
	static const struct item_desc port_id = { port_id_fields, &rte_flow_item_port_id_mask, 0,
						  0 };
	static const struct item_desc rport = { NULL, &rte_flow_item_ethdev_mask, 0, 0 };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	switch (type) {
	case RTE_FLOW_ITEM_TYPE_ETH: return &eth;
	case RTE_FLOW_ITEM_TYPE_VLAN: return &vlan;
	case RTE_FLOW_ITEM_TYPE_IPV4: return &ipv4;
	case RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4: return &arp;
	case RTE_FLOW_ITEM_TYPE_UDP: return &udp;
	case RTE_FLOW_ITEM_TYPE_TCP: return &tcp;
	case RTE_FLOW_ITEM_TYPE_VXLAN: return &vxlan;
	case RTE_FLOW_ITEM_TYPE_MARK: return &mark;
	case RTE_FLOW_ITEM_TYPE_META: return &meta;
	case RTE_FLOW_ITEM_TYPE_PORT_ID: return &port_id;
	case RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT: return &rport;
	default: return NULL;
	}
#pragma GCC diagnostic pop
}

static const char *const stage_names[] = { "", "ETH", "VLAN", "IPV4/ARP_ETH_IPV4", "UDP/TCP",
					    "VXLAN" };

static int any_set(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 1;
	return 0;
}

/* Copy one item's spec & mask into the rule's key. */
static int compile_item(int i, const struct rte_flow_item *it, const struct item_desc *d,
			union soft_key *val, union soft_key *mask, struct flow_error *err)
{
	const char *nm = flow_item_name((int)it->type);
	const uint8_t *spec = it->spec;
	const uint8_t *m = it->mask ? it->mask : d->dflt_mask;

	if (it->last)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_LAST, i,
				      "item %d (%s): ranges ('last') not supported", i, nm);
	mask->f.layers |= d->layer;
	val->f.layers |= d->layer;
	if (!spec)
		return 0; /* presence only */

	if (it->type == RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT) {
		const struct rte_flow_item_ethdev *s = it->spec, *mk = (const void *)m;
		mask->f.in_port = mk->port_id;
		val->f.in_port = (uint32_t)(s->port_id & mk->port_id);
		return 0;
	}
	for (const struct item_field *f = d->fields; f->name; f++) {
		if (!any_set(m + f->off, f->size))
			continue;
		if (f->key_off < 0)
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK, i,
					      "item %d (%s): mask on %s not supported", i, nm,
					      f->name);
		for (int b = 0; b < f->size; b++) {
			mask->b[f->key_off + b] = m[f->off + b];
			val->b[f->key_off + b] = spec[f->off + b] & m[f->off + b];
		}
	}
	/* Bit-fields after the header (ETH has_vlan, VLAN has_more_vlan). */
	if (it->type == RTE_FLOW_ITEM_TYPE_ETH) {
		const struct rte_flow_item_eth *s = it->spec, *mk = (const void *)m;
		if (mk->reserved)
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK, i,
					      "item %d (ETH): mask on reserved bits not supported",
					      i);
		if (mk->has_vlan) {
			mask->f.layers |= L_VLAN;
			if (s->has_vlan)
				val->f.layers |= L_VLAN;
		}
	} else if (it->type == RTE_FLOW_ITEM_TYPE_VLAN) {
		const struct rte_flow_item_vlan *mk = (const void *)m;
		if (mk->has_more_vlan || mk->reserved)
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK, i,
					      "item %d (VLAN): mask on has_more_vlan not supported "
					      "(one tag only)",
					      i);
	}
	return 0;
}

/* Parse and check a VXLAN_ENCAP definition into the rule's header template. */
static int compile_encap(int ai, const struct rte_flow_action_vxlan_encap *conf,
			 struct soft_rule *r, struct flow_error *err)
{
	static const int want[] = { RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4,
				    RTE_FLOW_ITEM_TYPE_UDP, RTE_FLOW_ITEM_TYPE_VXLAN,
				    RTE_FLOW_ITEM_TYPE_END };
	const struct rte_flow_item *def = conf->definition;
	if (!def)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
				      "action %d (VXLAN_ENCAP): no definition", ai);
	const void *spec[4] = { NULL };
	int n = 0;
	for (int k = 0; k < FLOW_MAX_ITEMS; k++) {
		if (def[k].type == RTE_FLOW_ITEM_TYPE_VOID)
			continue;
		if ((int)def[k].type != want[n])
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
					      "action %d (VXLAN_ENCAP): definition item %d is %s, "
					      "expected %s (definition must be "
					      "ETH/IPV4/UDP/VXLAN/END)",
					      ai, k, flow_item_name((int)def[k].type),
					      flow_item_name(want[n]));
		if (want[n] == RTE_FLOW_ITEM_TYPE_END)
			break;
		if (!def[k].spec)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
					      "action %d (VXLAN_ENCAP): definition item %d (%s) "
					      "has no spec",
					      ai, k, flow_item_name(want[n]));
		spec[n++] = def[k].spec;
		if (k == FLOW_MAX_ITEMS - 1)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
					      "action %d (VXLAN_ENCAP): definition has no END",
					      ai);
	}
	if (n != 4)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
				      "action %d (VXLAN_ENCAP): definition has no END", ai);
	const struct rte_flow_item_eth *eth = spec[0];
	const struct rte_flow_item_ipv4 *ip = spec[1];
	const struct rte_flow_item_udp *udp = spec[2];
	const struct rte_flow_item_vxlan *vx = spec[3];
	if (!any_set(eth->hdr.dst_addr.addr_bytes, 6) || !ip->hdr.dst_addr)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, ai,
				      "action %d (VXLAN_ENCAP): outer ETH dst and IPV4 dst "
				      "are required",
				      ai);
	uint8_t *h = r->encap;
	memset(h, 0, sizeof(r->encap));
	memcpy(h, eth->hdr.dst_addr.addr_bytes, 6);
	memcpy(h + 6, eth->hdr.src_addr.addr_bytes, 6);
	h[12] = 0x08; /* IPv4, whatever the spec's type says */
	h[13] = 0x00;
	uint8_t *iph = h + 14;
	iph[0] = 0x45;
	iph[1] = ip->hdr.type_of_service;
	memcpy(iph + 4, &ip->hdr.packet_id, 2);
	memcpy(iph + 6, &ip->hdr.fragment_offset, 2);
	iph[8] = ip->hdr.time_to_live ? ip->hdr.time_to_live : 64;
	iph[9] = 17;
	memcpy(iph + 12, &ip->hdr.src_addr, 4);
	memcpy(iph + 16, &ip->hdr.dst_addr, 4);
	uint8_t *uh = iph + 20;
	memcpy(uh + 2, &udp->hdr.dst_port, 2);
	if (!udp->hdr.dst_port) {
		uh[2] = 4789 >> 8;
		uh[3] = 4789 & 0xff;
	}
	r->encap_sport = (uint16_t)((((const uint8_t *)&udp->hdr.src_port)[0] << 8) |
				    ((const uint8_t *)&udp->hdr.src_port)[1]);
	uint8_t *vh = uh + 8;
	vh[0] = vx->flags ? vx->flags : 0x08;
	memcpy(vh + 4, vx->vni, 3);
	return 0;
}

/* Check a rule and build it (r may be a scratch rule for validate). */
static int compile(struct soft_dev *sd, const struct rte_flow_attr *attr,
		   const struct rte_flow_item items[], const struct rte_flow_action actions[],
		   struct soft_rule *r, union soft_key *mask, struct flow_error *err)
{
	const struct flow_soft_params *p = &sd->p;

	if (attr->egress)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_EGRESS, -1,
				      "attr: egress not supported (ingress or transfer only)");
	if (!attr->ingress && !attr->transfer)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ATTR, -1,
				      "attr: neither ingress nor transfer set");
	if (attr->group >= p->n_groups)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_GROUP, -1,
				      "attr: group %u out of range (groups 0..%u)", attr->group,
				      p->n_groups - 1);
	if (attr->priority > p->max_priority)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY, -1,
				      "attr: priority %u out of range (0..%u)", attr->priority,
				      p->max_priority);

	memset(r, 0, offsetof(struct soft_rule, ops));
	memset(mask, 0, sizeof(*mask));
	int stage = 0, l3 = 0, l4 = 0, have_port = -1, have_mark = -1, have_meta = -1;
	for (int i = 0; items[i].type != RTE_FLOW_ITEM_TYPE_END; i++) {
		const struct rte_flow_item *it = &items[i];
		int t = (int)it->type;
		const char *nm = flow_item_name(t);
		if (t == RTE_FLOW_ITEM_TYPE_VOID)
			continue;
		const struct item_desc *d = item_desc(t);
		if (!d || bit(p->no_items, t))
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): not supported%s", i, nm,
					      d ? " (refused by this board's configuration)" : "");
		if (stage == 5 && d->stage)
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): inner headers after VXLAN not "
					      "supported (decap, then match in a later group)",
					      i, nm);
		if (d->stage && d->stage <= stage)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): out of order after %s (want ETH, "
					      "VLAN, IPV4|ARP_ETH_IPV4, UDP|TCP, VXLAN)",
					      i, nm, stage_names[stage]);
		if (d->stage == 4 && l3 == RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): cannot follow ARP_ETH_IPV4", i, nm);
		if (d->stage == 5 && l4 == RTE_FLOW_ITEM_TYPE_TCP)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (VXLAN): cannot follow TCP", i);
		int *seen = t == RTE_FLOW_ITEM_TYPE_MARK   ? &have_mark
			    : t == RTE_FLOW_ITEM_TYPE_META ? &have_meta
			    : d->stage == 0                ? &have_port
							   : NULL;
		if (seen && *seen >= 0)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): already matched by item %d", i, nm,
					      *seen);
		if (seen)
			*seen = i;
		if (d->stage) {
			stage = d->stage;
			if (stage == 3)
				l3 = t;
			if (stage == 4)
				l4 = t;
		}
		int rc = compile_item(i, it, d, &r->value, mask, err);
		if (rc)
			return rc;
	}

	int fate_at = -1, mark_at = -1, count_at = -1, decap_at = -1, encap_at = -1;
	for (int i = 0; actions[i].type != RTE_FLOW_ACTION_TYPE_END; i++) {
		const struct rte_flow_action *a = &actions[i];
		int t = (int)a->type;
		const char *nm = flow_action_name(t);
		if (t == RTE_FLOW_ACTION_TYPE_VOID)
			continue;
		int known = 0;
		for (size_t k = 0; k < ARRAY_SIZE(soft_actions); k++)
			known |= soft_actions[k] == t;
		if (!known || bit(p->no_actions, t))
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
					      "action %d (%s): not supported%s", i, nm,
					      known ? " (refused by this board's configuration)"
						    : "");
		int needs_conf = t != RTE_FLOW_ACTION_TYPE_DROP && t != RTE_FLOW_ACTION_TYPE_COUNT &&
				 t != RTE_FLOW_ACTION_TYPE_DEC_TTL &&
				 t != RTE_FLOW_ACTION_TYPE_VXLAN_DECAP;
		if (needs_conf && !a->conf)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, i,
					      "action %d (%s): missing configuration", i, nm);
		int is_fate = t == RTE_FLOW_ACTION_TYPE_JUMP || t == RTE_FLOW_ACTION_TYPE_QUEUE ||
			      t == RTE_FLOW_ACTION_TYPE_DROP || t == RTE_FLOW_ACTION_TYPE_PORT_ID ||
			      t == RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT;
		if (is_fate && fate_at >= 0)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
					      "action %d (%s): a second fate action (action %d "
					      "(%s) already decides)",
					      i, nm, fate_at, flow_action_name((int)actions[fate_at].type));
		if (is_fate)
			fate_at = i;
		struct soft_op *op = NULL;
		if (!is_fate && t != RTE_FLOW_ACTION_TYPE_COUNT) {
			if (r->n_ops == SOFT_MAX_OPS)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (%s): more than %d modifying "
						      "actions",
						      i, nm, SOFT_MAX_OPS);
			op = &r->ops[r->n_ops++];
			memset(op, 0, sizeof(*op));
		}
		switch (t) {
		case RTE_FLOW_ACTION_TYPE_JUMP: {
			const struct rte_flow_action_jump *c = a->conf;
			if (c->group >= p->n_groups)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF,
						      i, "action %d (JUMP): group %u out of range "
						      "(groups 0..%u)",
						      i, c->group, p->n_groups - 1);
			if (c->group <= attr->group)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF,
						      i, "action %d (JUMP): group %u is not above "
						      "the rule's group %u (no loops)",
						      i, c->group, attr->group);
			r->fate = FATE_JUMP;
			r->fate_arg = c->group;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_QUEUE: {
			const struct rte_flow_action_queue *c = a->conf;
			if (c->index >= p->n_queues)
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF,
						      i, "action %d (QUEUE): queue %u out of range "
						      "(%u queues)",
						      i, c->index, p->n_queues);
			r->fate = FATE_QUEUE;
			r->fate_arg = c->index;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_DROP:
			r->fate = FATE_DROP;
			break;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		case RTE_FLOW_ACTION_TYPE_PORT_ID: {
#pragma GCC diagnostic pop
			const struct rte_flow_action_port_id *c = a->conf;
			r->fate = FATE_PORT;
			r->fate_arg = c->id;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT: {
			const struct rte_flow_action_ethdev *c = a->conf;
			r->fate = FATE_PORT;
			r->fate_arg = c->port_id;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_COUNT:
			if (count_at >= 0)
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (COUNT): rule already counts "
						      "(action %d)",
						      i, count_at);
			count_at = i;
			r->has_count = 1;
			break;
		case RTE_FLOW_ACTION_TYPE_MARK: {
			const struct rte_flow_action_mark *c = a->conf;
			if (mark_at >= 0)
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (MARK): rule already marks "
						      "(action %d)",
						      i, mark_at);
			mark_at = i;
			op->kind = OP_MARK;
			op->a = c->id;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_SET_META: {
			const struct rte_flow_action_set_meta *c = a->conf;
			op->kind = OP_SET_META;
			op->a = c->data;
			op->b = c->mask;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_SET_MAC_SRC:
		case RTE_FLOW_ACTION_TYPE_SET_MAC_DST: {
			const struct rte_flow_action_set_mac *c = a->conf;
			op->kind = t == RTE_FLOW_ACTION_TYPE_SET_MAC_SRC ? OP_SET_MAC_SRC
									: OP_SET_MAC_DST;
			memcpy(op->mac, c->mac_addr, 6);
			r->modifies = 1;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_DEC_TTL:
			if (!(mask->f.layers & L_IPV4))
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (DEC_TTL): the pattern must "
						      "match IPV4",
						      i);
			if (decap_at >= 0 || encap_at >= 0)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (DEC_TTL): after a VXLAN "
						      "encap/decap in the same rule not supported "
						      "(decap, then JUMP)",
						      i);
			if (r->has_dec_ttl)
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (DEC_TTL): rule already "
						      "decrements the TTL",
						      i);
			op->kind = OP_DEC_TTL;
			r->has_dec_ttl = 1;
			r->modifies = 1;
			break;
		case RTE_FLOW_ACTION_TYPE_VXLAN_DECAP:
			if (!(mask->f.layers & L_VXLAN))
				return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (VXLAN_DECAP): the pattern "
						      "must match VXLAN",
						      i);
			if (decap_at >= 0 || encap_at >= 0)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (VXLAN_DECAP): only one decap, "
						      "before any encap",
						      i);
			decap_at = i;
			op->kind = OP_DECAP;
			r->modifies = 1;
			break;
		case RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP: {
			if (encap_at >= 0)
				return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
						      "action %d (VXLAN_ENCAP): only one encap "
						      "per rule",
						      i);
			int rc = compile_encap(i, a->conf, r, err);
			if (rc)
				return rc;
			encap_at = i;
			op->kind = OP_ENCAP;
			r->has_encap = 1;
			r->modifies = 1;
			break;
		}
		default:
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
					      "action %d (%s): not supported", i, nm);
		}
	}
	if (fate_at < 0)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, -1,
				      "actions: no fate action (need one of JUMP, QUEUE, "
				      "DROP, PORT_ID, REPRESENTED_PORT)");
	r->hash = key_hash(&r->value);
	return 0;
}

/* ---- tables ------------------------------------------------------------------------ */

static struct soft_subtable *subtable_find(struct soft_group *g, uint32_t prio,
					   const union soft_key *mask)
{
	for (uint32_t i = 0; i < g->n_st; i++) {
		struct soft_subtable *st = g->st[i];
		if (st->priority == prio && key_eq(&st->mask, mask))
			return st;
	}
	return NULL;
}

static struct soft_subtable *subtable_add(struct soft_group *g, uint32_t group, uint32_t prio,
					  const union soft_key *mask)
{
	if (g->n_st == g->cap_st) {
		uint32_t nc = g->cap_st ? g->cap_st * 2 : 8;
		struct soft_subtable **n = realloc(g->st, nc * sizeof(*n));
		if (!n)
			return NULL;
		g->st = n;
		g->cap_st = nc;
	}
	struct soft_subtable *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->n_buckets = 16;
	st->buckets = calloc(st->n_buckets, sizeof(*st->buckets));
	if (!st->buckets) {
		free(st);
		return NULL;
	}
	st->mask = *mask;
	st->priority = prio;
	st->group = group;
	/* after every subtable of the same or a higher priority */
	uint32_t pos = g->n_st;
	while (pos > 0 && g->st[pos - 1]->priority > prio)
		pos--;
	memmove(&g->st[pos + 1], &g->st[pos], (g->n_st - pos) * sizeof(*g->st));
	g->st[pos] = st;
	g->n_st++;
	return st;
}

static void subtable_remove(struct soft_group *g, struct soft_subtable *st)
{
	for (uint32_t i = 0; i < g->n_st; i++) {
		if (g->st[i] != st)
			continue;
		memmove(&g->st[i], &g->st[i + 1], (g->n_st - i - 1) * sizeof(*g->st));
		g->n_st--;
		break;
	}
	free(st->buckets);
	free(st);
}

static int subtable_grow(struct soft_subtable *st)
{
	uint32_t nb = st->n_buckets * 2;
	struct soft_rule **b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < st->n_buckets; i++) {
		struct soft_rule *r = st->buckets[i];
		while (r) {
			struct soft_rule *next = r->hnext;
			uint32_t h = r->hash & (nb - 1);
			r->hnext = b[h];
			b[h] = r;
			r = next;
		}
	}
	free(st->buckets);
	st->buckets = b;
	st->n_buckets = nb;
	return 0;
}

static void group_free(struct soft_group *g)
{
	for (uint32_t i = 0; i < g->n_st; i++) {
		struct soft_subtable *st = g->st[i];
		for (uint32_t b = 0; b < st->n_buckets; b++) {
			struct soft_rule *r = st->buckets[b];
			while (r) {
				struct soft_rule *next = r->hnext;
				free(r);
				r = next;
			}
		}
		free(st->buckets);
		free(st);
	}
	free(g->st);
	memset(g, 0, sizeof(*g));
}

/* ---- backend ops ----------------------------------------------------------------- */

static struct soft_dev *sdev(struct flow_dev *dev) { return flow_dev_priv(dev); }

static int soft_open(struct flow_dev *dev, const struct flow_params *fp, struct flow_error *err)
{
	struct soft_dev *sd = calloc(1, sizeof(*sd));
	if (!sd)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "soft: out of memory");
	if (fp->soft)
		sd->p = *fp->soft;
	else
		flow_soft_params_default(&sd->p);
	if (sd->p.n_groups == 0 || sd->p.n_groups > FLOW_MAX_GROUPS) {
		int n = (int)sd->p.n_groups;
		free(sd);
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "soft: %d groups (want 1..%d)", n, FLOW_MAX_GROUPS);
	}
	pthread_rwlockattr_t la;
	pthread_rwlockattr_init(&la);
	pthread_rwlockattr_setkind_np(&la, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sd->lock, &la);
	pthread_rwlockattr_destroy(&la);
	flow_dev_set_priv(dev, sd);
	return 0;
}

static void soft_close(struct flow_dev *dev)
{
	struct soft_dev *sd = sdev(dev);
	if (!sd)
		return;
	for (uint32_t g = 0; g < FLOW_MAX_GROUPS; g++)
		group_free(&sd->groups[g]);
	pthread_rwlock_destroy(&sd->lock);
	free(sd);
	flow_dev_set_priv(dev, NULL);
}

static int soft_probe(struct flow_dev *dev, struct flow_caps *caps, struct flow_error *err)
{
	struct soft_dev *sd = sdev(dev);
	for (size_t i = 0; i < ARRAY_SIZE(soft_items); i++)
		if (!bit(sd->p.no_items, soft_items[i]))
			flow_caps_set_item(caps, soft_items[i], 1);
	for (size_t i = 0; i < ARRAY_SIZE(soft_actions); i++)
		if (!bit(sd->p.no_actions, soft_actions[i]))
			flow_caps_set_action(caps, soft_actions[i], 1);
	caps->attrs = FLOW_ATTR_INGRESS | FLOW_ATTR_TRANSFER;
	caps->n_groups = sd->p.n_groups;
	for (uint32_t g = 0; g < FLOW_MAX_GROUPS; g++)
		caps->group_capacity[g] = g < sd->p.n_groups ? sd->p.capacity[g] : 0;
	caps->max_rules = sd->p.max_rules;
	caps->max_priority = sd->p.max_priority;
	return 0;
}

static int soft_validate(struct flow_dev *dev, const struct rte_flow_attr *attr,
			 const struct rte_flow_item items[], const struct rte_flow_action actions[],
			 struct flow_error *err)
{
	struct soft_rule tmp;
	union soft_key mask;
	/* The configuration is immutable after open: no lock needed. */
	return compile(sdev(dev), attr, items, actions, &tmp, &mask, err);
}

static int soft_create(struct flow_dev *dev, const struct rte_flow_attr *attr,
		       const struct rte_flow_item items[], const struct rte_flow_action actions[],
		       void **drv_rule, struct flow_error *err)
{
	struct soft_dev *sd = sdev(dev);
	union soft_key mask;
	struct soft_rule *r = malloc(sizeof(*r));
	if (!r)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "soft: out of memory");
	int rc = compile(sd, attr, items, actions, r, &mask, err);
	if (rc)
		goto free_rule;
	pthread_rwlock_wrlock(&sd->lock);
	struct soft_group *g = &sd->groups[attr->group];
	if (g->n_rules >= sd->p.capacity[attr->group]) {
		rc = flow_error_set(err, -ENOSPC, RTE_FLOW_ERROR_TYPE_ATTR_GROUP, -1,
				    "group %u full (capacity %u)", attr->group,
				    sd->p.capacity[attr->group]);
		goto unlock;
	}
	if (sd->n_rules >= sd->p.max_rules) {
		rc = flow_error_set(err, -ENOSPC, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				    "soft tables full (max_rules %u)", sd->p.max_rules);
		goto unlock;
	}
	struct soft_subtable *st = subtable_find(g, attr->priority, &mask);
	if (!st) {
		st = subtable_add(g, attr->group, attr->priority, &mask);
		if (!st) {
			rc = flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
					    "soft: out of memory for a subtable");
			goto unlock;
		}
	}
	for (struct soft_rule *o = st->buckets[r->hash & (st->n_buckets - 1)]; o; o = o->hnext) {
		if (o->hash == r->hash && key_eq(&o->value, &r->value)) {
			rc = flow_error_set(err, -EEXIST, RTE_FLOW_ERROR_TYPE_ITEM, -1,
					    "group %u: a rule with the same match and priority "
					    "%u exists",
					    attr->group, attr->priority);
			goto drop_empty;
		}
	}
	if (st->n_rules >= st->n_buckets)
		(void)subtable_grow(st); /* on failure: longer chains, still correct */
	uint32_t h = r->hash & (st->n_buckets - 1);
	r->st = st;
	r->hnext = st->buckets[h];
	st->buckets[h] = r;
	st->n_rules++;
	g->n_rules++;
	sd->n_rules++;
	pthread_rwlock_unlock(&sd->lock);
	*drv_rule = r;
	return 0;

drop_empty:
	if (!st->n_rules)
		subtable_remove(g, st);
unlock:
	pthread_rwlock_unlock(&sd->lock);
free_rule:
	free(r);
	return rc;
}

static int soft_destroy(struct flow_dev *dev, void *drv_rule, struct flow_error *err)
{
	struct soft_dev *sd = sdev(dev);
	struct soft_rule *r = drv_rule;
	pthread_rwlock_wrlock(&sd->lock);
	struct soft_subtable *st = r->st;
	struct soft_rule **pp = &st->buckets[r->hash & (st->n_buckets - 1)];
	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	int rc = 0;
	if (*pp) {
		*pp = r->hnext;
		struct soft_group *grp = &sd->groups[st->group];
		st->n_rules--;
		grp->n_rules--;
		sd->n_rules--;
		if (!st->n_rules)
			subtable_remove(grp, st);
	} else {
		rc = flow_error_set(err, -ENOENT, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				    "soft: rule not in its table");
	}
	pthread_rwlock_unlock(&sd->lock);
	free(r);
	return rc;
}

static int soft_flush(struct flow_dev *dev, struct flow_error *err)
{
	struct soft_dev *sd = sdev(dev);
	pthread_rwlock_wrlock(&sd->lock);
	for (uint32_t g = 0; g < FLOW_MAX_GROUPS; g++)
		group_free(&sd->groups[g]);
	sd->n_rules = 0;
	pthread_rwlock_unlock(&sd->lock);
	return 0;
}

static int soft_query(struct flow_dev *dev, void *drv_rule, int reset, struct flow_counters *out,
		      struct flow_error *err)
{
	struct soft_rule *r = drv_rule;
	if (!r->has_count)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, -1,
				      "query: the rule has no COUNT action");
	if (reset) {
		out->hits = __atomic_exchange_n(&r->hits, 0, __ATOMIC_RELAXED);
		out->bytes = __atomic_exchange_n(&r->bytes, 0, __ATOMIC_RELAXED);
	} else {
		out->hits = __atomic_load_n(&r->hits, __ATOMIC_RELAXED);
		out->bytes = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
	}
	return 0;
}

const struct flow_driver_ops flow_soft_ops = {
	.name = "soft",
	.open = soft_open,
	.probe = soft_probe,
	.validate = soft_validate,
	.create = soft_create,
	.destroy = soft_destroy,
	.flush = soft_flush,
	.query = soft_query,
	.close = soft_close,
};

/* ---- the packet engine ------------------------------------------------------------- */

/* Header offsets found by parse() (0: absent). */
struct soft_parsed {
	uint32_t l3;    /* IPv4 header */
	uint32_t vxlan; /* VXLAN header (inner frame at vxlan + 8) */
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Fill the header part of the key from a frame (in_port/mark/meta and the
 * L_MARK bit are kept). Every read is bounds-checked against len. */
static void parse(const uint8_t *f, uint32_t len, union soft_key *k, struct soft_parsed *o)
{
	struct soft_fields *x = &k->f;
	uint16_t keep = x->layers & L_MARK;
	memset(&x->eth_type, 0, sizeof(*x) - offsetof(struct soft_fields, eth_type));
	x->layers = keep;
	o->l3 = o->vxlan = 0;
	if (len < 14)
		return;
	x->layers |= L_ETH;
	memcpy(x->eth_dst, f, 6);
	memcpy(x->eth_src, f + 6, 6);
	memcpy(&x->eth_type, f + 12, 2);
	uint16_t type = rd16(f + 12);
	uint32_t off = 14;
	if (type == 0x8100 || type == 0x88a8) {
		if (len < off + 4)
			return;
		x->layers |= L_VLAN;
		memcpy(&x->vlan_tci, f + off, 2);
		memcpy(&x->vlan_inner, f + off + 2, 2);
		type = rd16(f + off + 2);
		off += 4;
	}
	if (type == 0x0806) {
		const uint8_t *a = f + off;
		if (len < off + 28 || rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
			return;
		x->layers |= L_ARP;
		memcpy(&x->arp_op, a + 6, 2);
		memcpy(x->arp_sha, a + 8, 6);
		memcpy(&x->arp_spa, a + 14, 4);
		memcpy(x->arp_tha, a + 18, 6);
		memcpy(&x->arp_tpa, a + 24, 4);
		return;
	}
	if (type != 0x0800 || len < off + 20)
		return;
	const uint8_t *ip = f + off;
	uint32_t ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < off + ihl)
		return;
	x->layers |= L_IPV4;
	o->l3 = off;
	x->ip_ttl = ip[8];
	x->ip_proto = ip[9];
	memcpy(&x->ip_src, ip + 12, 4);
	memcpy(&x->ip_dst, ip + 16, 4);
	if (rd16(ip + 6) & 0x3fff)
		return; /* a fragment: no L4 header to look at */
	off += ihl;
	if (x->ip_proto == 17 && len >= off + 8) {
		x->layers |= L_UDP;
		memcpy(&x->l4_src, f + off, 2);
		memcpy(&x->l4_dst, f + off + 2, 2);
		if (rd16(f + off + 2) == 4789 && len >= off + 16 && (f[off + 8] & 0x08)) {
			x->layers |= L_VXLAN;
			memcpy(x->vni, f + off + 12, 3);
			o->vxlan = off + 8;
		}
	} else if (x->ip_proto == 6 && len >= off + 20) {
		x->layers |= L_TCP;
		memcpy(&x->l4_src, f + off, 2);
		memcpy(&x->l4_dst, f + off + 2, 2);
	}
}

static struct soft_rule *lookup(const struct soft_group *g, const union soft_key *k)
{
	union soft_key m;
	for (uint32_t i = 0; i < g->n_st; i++) {
		const struct soft_subtable *st = g->st[i];
		key_and(&m, k, &st->mask);
		uint32_t h = key_hash(&m);
		for (struct soft_rule *r = st->buckets[h & (st->n_buckets - 1)]; r; r = r->hnext)
			if (r->hash == h && key_eq(&r->value, &m))
				return r;
	}
	return NULL;
}

static uint16_t csum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TTL - 1 with the header checksum updated incrementally (RFC 1624 eqn 3). */
static void dec_ttl(uint8_t *ip)
{
	uint16_t old = (uint16_t)(ip[8] << 8 | ip[9]);
	ip[8]--;
	uint16_t new = (uint16_t)(ip[8] << 8 | ip[9]);
	uint32_t s = (uint16_t)~rd16(ip + 10);
	s += (uint16_t)~old;
	s += new;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t c = (uint16_t)~s;
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

/* Put the outer headers in front of the frame (room checked by the caller). */
static void encap(const struct soft_rule *r, struct flow_pkt *pkt, const union soft_key *inner)
{
	if (pkt->off < FLOW_SOFT_VXLAN_HDR_LEN) { /* not enough headroom: make some */
		memmove(pkt->buf + FLOW_SOFT_VXLAN_HDR_LEN, pkt->buf + pkt->off, pkt->len);
		pkt->off = FLOW_SOFT_VXLAN_HDR_LEN;
	}
	uint32_t inner_len = pkt->len;
	pkt->off -= FLOW_SOFT_VXLAN_HDR_LEN;
	pkt->len += FLOW_SOFT_VXLAN_HDR_LEN;
	uint8_t *h = pkt->buf + pkt->off;
	memcpy(h, r->encap, FLOW_SOFT_VXLAN_HDR_LEN);
	uint8_t *ip = h + 14, *udp = ip + 20;
	uint32_t tot = 20 + 8 + 8 + inner_len;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	uint16_t c = csum16(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint16_t sport = r->encap_sport;
	if (!sport) /* entropy from the inner flow, in the dynamic range */
		sport = (uint16_t)(49152u | (key_hash(inner) & 0x3fffu));
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	uint32_t ulen = 8 + 8 + inner_len;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
}

#define SNAP_MAX 9216u /* largest frame whose changes can be undone */

int flow_soft_process(struct flow_dev *dev, struct flow_pkt *pkt, uint32_t in_port,
		      struct flow_soft_result *res)
{
	if (!dev || !pkt || !res || !pkt->buf || pkt->off > pkt->cap ||
	    pkt->len > pkt->cap - pkt->off)
		return -EINVAL;
	if (flow_dev_ops(dev) != &flow_soft_ops)
		return -ENODEV;
	struct soft_dev *sd = sdev(dev);
	memset(res, 0, sizeof(*res));
	union soft_key k;
	struct soft_parsed po;
	memset(&k, 0, sizeof(k));
	k.f.in_port = in_port;
	parse(pkt->buf + pkt->off, pkt->len, &k, &po);

	uint8_t snap[SNAP_MAX];
	uint32_t snap_off = pkt->off, snap_len = 0;
	int saved = 0, changed = 0;
	__atomic_fetch_add(&sd->packets, 1, __ATOMIC_RELAXED);

	pthread_rwlock_rdlock(&sd->lock);
	uint32_t group = 0;
	for (;;) {
		res->group = group;
		res->hops++;
		struct soft_rule *r = lookup(&sd->groups[group], &k);
		if (!r)
			goto miss;
		if (r->has_count) {
			__atomic_fetch_add(&r->hits, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&r->bytes, pkt->len, __ATOMIC_RELAXED);
		}
		/* Checks that could stop the rule, before it changes anything. */
		if (r->has_dec_ttl && k.f.ip_ttl <= 1) {
			res->punt = "ttl expired";
			goto miss;
		}
		if (r->has_encap && pkt->off < FLOW_SOFT_VXLAN_HDR_LEN &&
		    pkt->cap - pkt->len < FLOW_SOFT_VXLAN_HDR_LEN) {
			res->punt = "no room for the VXLAN header";
			goto miss;
		}
		if (r->modifies && r->fate == FATE_JUMP && !saved) {
			/* a later group may miss: keep the original to give back */
			if (pkt->len > SNAP_MAX) {
				res->punt = "frame too large to offload through a JUMP";
				goto miss;
			}
			memcpy(snap, pkt->buf + pkt->off, pkt->len);
			snap_len = pkt->len;
			saved = 1;
		}
		for (uint32_t i = 0; i < r->n_ops; i++) {
			const struct soft_op *op = &r->ops[i];
			uint8_t *f = pkt->buf + pkt->off;
			switch (op->kind) {
			case OP_MARK:
				k.f.mark = op->a;
				k.f.layers |= L_MARK;
				res->has_mark = 1;
				res->mark = op->a;
				break;
			case OP_SET_META:
				k.f.meta = (k.f.meta & ~op->b) | (op->a & op->b);
				break;
			case OP_SET_MAC_DST:
				memcpy(f, op->mac, 6);
				break;
			case OP_SET_MAC_SRC:
				memcpy(f + 6, op->mac, 6);
				break;
			case OP_DEC_TTL:
				dec_ttl(f + po.l3);
				break;
			case OP_DECAP: {
				uint32_t inner = po.vxlan + 8;
				pkt->off += inner;
				pkt->len -= inner;
				break;
			}
			case OP_ENCAP:
				encap(r, pkt, &k);
				break;
			}
		}
		res->meta = k.f.meta;
		if (r->modifies)
			changed = 1;
		switch (r->fate) {
		case FATE_JUMP:
			group = r->fate_arg;
			if (r->modifies)
				parse(pkt->buf + pkt->off, pkt->len, &k, &po);
			continue;
		case FATE_QUEUE:
			res->verdict = FLOW_SOFT_QUEUE;
			res->queue = (uint16_t)r->fate_arg;
			break;
		case FATE_DROP:
			res->verdict = FLOW_SOFT_DROP;
			break;
		case FATE_PORT:
			res->verdict = FLOW_SOFT_PORT;
			res->port = r->fate_arg;
			break;
		}
		pthread_rwlock_unlock(&sd->lock);
		return 0;
	}

miss:
	pthread_rwlock_unlock(&sd->lock);
	if (changed && saved) {
		pkt->off = snap_off;
		pkt->len = snap_len;
		memcpy(pkt->buf + pkt->off, snap, snap_len);
	}
	res->verdict = FLOW_SOFT_MISS;
	res->has_mark = 0;
	__atomic_fetch_add(&sd->misses, 1, __ATOMIC_RELAXED);
	if (res->punt)
		__atomic_fetch_add(&sd->punts, 1, __ATOMIC_RELAXED);
	return 0;
}

void flow_soft_get_stats(struct flow_dev *dev, struct flow_soft_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!dev || flow_dev_ops(dev) != &flow_soft_ops)
		return;
	struct soft_dev *sd = sdev(dev);
	out->packets = __atomic_load_n(&sd->packets, __ATOMIC_RELAXED);
	out->misses = __atomic_load_n(&sd->misses, __ATOMIC_RELAXED);
	out->punts = __atomic_load_n(&sd->punts, __ATOMIC_RELAXED);
	pthread_rwlock_rdlock(&sd->lock);
	for (uint32_t g = 0; g < sd->p.n_groups; g++)
		out->subtables += sd->groups[g].n_st;
	pthread_rwlock_unlock(&sd->lock);
}
