/* hostd/openflow/ofp.h: the OpenFlow 1.3 codec API of hostd (library `ofp`).
 *
 * In-memory forms of every message hostd sends or receives, and per message:
 *   ofp_decode()  untrusted bytes -> struct ofp_msg, or an enum ofperr (the
 *                 OpenFlow error to answer with) plus a detailed reason;
 *   ofp_encode()  struct ofp_msg -> bytes appended to a struct ofpbuf;
 *   ofp_format()  struct ofp_msg -> one stable line of text (logs, tests).
 * The wire layout is in ofp13_wire.h, the errors in ofp_err.h, the buffers in
 * ofp_buf.h; each message family has its own ofp_<family>.c. The connection
 * layer of hostd frames a byte stream with ofp_frame_len() and hands whole
 * messages to ofp_decode(). Nothing here blocks or logs; all functions are
 * reentrant. */
#ifndef DFNIC_OFP_H
#define DFNIC_OFP_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/openflow/ofp_buf.h"
#include "hostd/openflow/ofp_err.h"
#include "hostd/openflow/ofp13_wire.h"

/* ---- reserved numbers ------------------------------------------------- */

#define OFPP_MAX 0xffffff00u
#define OFPP_IN_PORT 0xfffffff8u
#define OFPP_TABLE 0xfffffff9u
#define OFPP_NORMAL 0xfffffffau
#define OFPP_FLOOD 0xfffffffbu
#define OFPP_ALL 0xfffffffcu
#define OFPP_CONTROLLER 0xfffffffdu
#define OFPP_LOCAL 0xfffffffeu
#define OFPP_ANY 0xffffffffu
#define OFPG_ALL 0xfffffffcu
#define OFPG_ANY 0xffffffffu
#define OFPM_ALL 0xffffffffu
#define OFPTT_ALL 0xff
#define OFP_NO_BUFFER 0xffffffffu
#define OFPCML_NO_BUFFER 0xffff
#define OFP_NX_IN_PORT 0xfff8 /* resubmit: keep the packet's in_port */

/* flow_mod commands and flags */
#define OFPFC_ADD 0
#define OFPFC_MODIFY 1
#define OFPFC_MODIFY_STRICT 2
#define OFPFC_DELETE 3
#define OFPFC_DELETE_STRICT 4
#define OFPFF_SEND_FLOW_REM 0x01
#define OFPFF_CHECK_OVERLAP 0x02
#define OFPFF_RESET_COUNTS 0x04
#define OFPFF_NO_PKT_COUNTS 0x08
#define OFPFF_NO_BYT_COUNTS 0x10
#define OFPFF_ALL 0x1f

#define OFPGC_ADD 0
#define OFPGC_MODIFY 1
#define OFPGC_DELETE 2
#define OFPGT_ALL 0
#define OFPGT_SELECT 1
#define OFPGT_INDIRECT 2
#define OFPGT_FF 3

#define OFPMC_ADD 0
#define OFPMC_MODIFY 1
#define OFPMC_DELETE 2
#define OFPMF_KBPS 0x1
#define OFPMF_PKTPS 0x2
#define OFPMF_BURST 0x4
#define OFPMF_STATS 0x8
#define OFPMF_ALL 0xf

#define OFPCR_ROLE_NOCHANGE 0
#define OFPCR_ROLE_EQUAL 1
#define OFPCR_ROLE_MASTER 2
#define OFPCR_ROLE_SLAVE 3

#define OFPC_FRAG_NORMAL 0
#define OFPC_FRAG_DROP 1
#define OFPC_FRAG_REASM 2
#define OFPC_FRAG_MASK 3

#define OFPMPF_MORE 0x1 /* REQ_MORE / REPLY_MORE */

#define OFPR_NO_MATCH 0     /* packet_in reasons */
#define OFPR_ACTION 1
#define OFPR_INVALID_TTL 2
#define OFPRR_IDLE_TIMEOUT 0 /* flow_removed reasons */
#define OFPRR_HARD_TIMEOUT 1
#define OFPRR_DELETE 2
#define OFPRR_GROUP_DELETE 3
#define OFPPR_ADD 0          /* port_status reasons */
#define OFPPR_DELETE 1
#define OFPPR_MODIFY 2
#define OFPPS_LINK_DOWN 0x1  /* port state bits */
#define OFPPS_BLOCKED 0x2
#define OFPPS_LIVE 0x4
#define OFPPC_PORT_DOWN 0x1  /* port config bits */

#define OFPBCT_OPEN_REQUEST 0
#define OFPBCT_OPEN_REPLY 1
#define OFPBCT_CLOSE_REQUEST 2
#define OFPBCT_CLOSE_REPLY 3
#define OFPBCT_COMMIT_REQUEST 4
#define OFPBCT_COMMIT_REPLY 5
#define OFPBCT_DISCARD_REQUEST 6
#define OFPBCT_DISCARD_REPLY 7
#define OFPBF_ATOMIC 0x1
#define OFPBF_ORDERED 0x2

/* ---- match fields ----------------------------------------------------- */

/* How a field's value is printed. */
enum ofp_field_kind {
	OFPFK_DEC,   /* decimal */
	OFPFK_HEX,   /* 0x... */
	OFPFK_PORT,  /* port number or reserved name */
	OFPFK_MAC,   /* xx:xx:xx:xx:xx:xx */
	OFPFK_IPV4,  /* a.b.c.d */
	OFPFK_IPV6,  /* RFC 5952 text */
};

/* What a field needs matched before it may be matched. */
enum ofp_prereq {
	OFPPRQ_NONE, OFPPRQ_VLAN, OFPPRQ_IP_ANY, OFPPRQ_IPV4, OFPPRQ_IPV6, OFPPRQ_ARP,
	OFPPRQ_TCP, OFPPRQ_UDP, OFPPRQ_ICMPV4, OFPPRQ_ICMPV6, OFPPRQ_ND,
};

/* X(id, name, oxm class, field number, bytes, maskable, kind, prereq).
 * The order is the canonical encoding order (prerequisites first). */
#define OFP_FIELDS(X)                                                           \
	X(IN_PORT, "in_port", OXM_CLASS_BASIC, 0, 4, 0, OFPFK_PORT, OFPPRQ_NONE)   \
	X(METADATA, "metadata", OXM_CLASS_BASIC, 2, 8, 1, OFPFK_HEX, OFPPRQ_NONE)  \
	X(ETH_DST, "eth_dst", OXM_CLASS_BASIC, 3, 6, 1, OFPFK_MAC, OFPPRQ_NONE)    \
	X(ETH_SRC, "eth_src", OXM_CLASS_BASIC, 4, 6, 1, OFPFK_MAC, OFPPRQ_NONE)    \
	X(ETH_TYPE, "eth_type", OXM_CLASS_BASIC, 5, 2, 0, OFPFK_HEX, OFPPRQ_NONE)  \
	X(VLAN_VID, "vlan_vid", OXM_CLASS_BASIC, 6, 2, 1, OFPFK_HEX, OFPPRQ_NONE)  \
	X(VLAN_PCP, "vlan_pcp", OXM_CLASS_BASIC, 7, 1, 0, OFPFK_DEC, OFPPRQ_VLAN)  \
	X(IP_DSCP, "ip_dscp", OXM_CLASS_BASIC, 8, 1, 0, OFPFK_DEC, OFPPRQ_IP_ANY)  \
	X(IP_PROTO, "ip_proto", OXM_CLASS_BASIC, 10, 1, 0, OFPFK_DEC, OFPPRQ_IP_ANY) \
	X(IPV4_SRC, "ipv4_src", OXM_CLASS_BASIC, 11, 4, 1, OFPFK_IPV4, OFPPRQ_IPV4) \
	X(IPV4_DST, "ipv4_dst", OXM_CLASS_BASIC, 12, 4, 1, OFPFK_IPV4, OFPPRQ_IPV4) \
	X(TCP_SRC, "tcp_src", OXM_CLASS_BASIC, 13, 2, 0, OFPFK_DEC, OFPPRQ_TCP)    \
	X(TCP_DST, "tcp_dst", OXM_CLASS_BASIC, 14, 2, 0, OFPFK_DEC, OFPPRQ_TCP)    \
	X(UDP_SRC, "udp_src", OXM_CLASS_BASIC, 15, 2, 0, OFPFK_DEC, OFPPRQ_UDP)    \
	X(UDP_DST, "udp_dst", OXM_CLASS_BASIC, 16, 2, 0, OFPFK_DEC, OFPPRQ_UDP)    \
	X(ICMPV4_TYPE, "icmpv4_type", OXM_CLASS_BASIC, 19, 1, 0, OFPFK_DEC, OFPPRQ_ICMPV4) \
	X(ICMPV4_CODE, "icmpv4_code", OXM_CLASS_BASIC, 20, 1, 0, OFPFK_DEC, OFPPRQ_ICMPV4) \
	X(ARP_OP, "arp_op", OXM_CLASS_BASIC, 21, 2, 0, OFPFK_DEC, OFPPRQ_ARP)      \
	X(ARP_SPA, "arp_spa", OXM_CLASS_BASIC, 22, 4, 1, OFPFK_IPV4, OFPPRQ_ARP)   \
	X(ARP_TPA, "arp_tpa", OXM_CLASS_BASIC, 23, 4, 1, OFPFK_IPV4, OFPPRQ_ARP)   \
	X(ARP_SHA, "arp_sha", OXM_CLASS_BASIC, 24, 6, 1, OFPFK_MAC, OFPPRQ_ARP)    \
	X(ARP_THA, "arp_tha", OXM_CLASS_BASIC, 25, 6, 1, OFPFK_MAC, OFPPRQ_ARP)    \
	X(IPV6_SRC, "ipv6_src", OXM_CLASS_BASIC, 26, 16, 1, OFPFK_IPV6, OFPPRQ_IPV6) \
	X(IPV6_DST, "ipv6_dst", OXM_CLASS_BASIC, 27, 16, 1, OFPFK_IPV6, OFPPRQ_IPV6) \
	X(ICMPV6_TYPE, "icmpv6_type", OXM_CLASS_BASIC, 29, 1, 0, OFPFK_DEC, OFPPRQ_ICMPV6) \
	X(ICMPV6_CODE, "icmpv6_code", OXM_CLASS_BASIC, 30, 1, 0, OFPFK_DEC, OFPPRQ_ICMPV6) \
	X(ND_TARGET, "nd_target", OXM_CLASS_BASIC, 31, 16, 0, OFPFK_IPV6, OFPPRQ_ND) \
	X(TUNNEL_ID, "tunnel_id", OXM_CLASS_BASIC, 38, 8, 1, OFPFK_HEX, OFPPRQ_NONE) \
	X(REG0, "reg0", OXM_CLASS_NXM1, 0, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG1, "reg1", OXM_CLASS_NXM1, 1, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG2, "reg2", OXM_CLASS_NXM1, 2, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG3, "reg3", OXM_CLASS_NXM1, 3, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG4, "reg4", OXM_CLASS_NXM1, 4, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG5, "reg5", OXM_CLASS_NXM1, 5, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG6, "reg6", OXM_CLASS_NXM1, 6, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG7, "reg7", OXM_CLASS_NXM1, 7, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG8, "reg8", OXM_CLASS_NXM1, 8, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG9, "reg9", OXM_CLASS_NXM1, 9, 4, 1, OFPFK_HEX, OFPPRQ_NONE)           \
	X(REG10, "reg10", OXM_CLASS_NXM1, 10, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(REG11, "reg11", OXM_CLASS_NXM1, 11, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(REG12, "reg12", OXM_CLASS_NXM1, 12, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(REG13, "reg13", OXM_CLASS_NXM1, 13, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(REG14, "reg14", OXM_CLASS_NXM1, 14, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(REG15, "reg15", OXM_CLASS_NXM1, 15, 4, 1, OFPFK_HEX, OFPPRQ_NONE)        \
	X(TUN_IPV4_SRC, "tun_ipv4_src", OXM_CLASS_NXM1, 31, 4, 1, OFPFK_IPV4, OFPPRQ_NONE) \
	X(TUN_IPV4_DST, "tun_ipv4_dst", OXM_CLASS_NXM1, 32, 4, 1, OFPFK_IPV4, OFPPRQ_NONE) \
	X(CT_STATE, "ct_state", OXM_CLASS_NXM1, 105, 4, 1, OFPFK_HEX, OFPPRQ_NONE) \
	X(CT_ZONE, "ct_zone", OXM_CLASS_NXM1, 106, 2, 0, OFPFK_DEC, OFPPRQ_NONE)   \
	X(CT_MARK, "ct_mark", OXM_CLASS_NXM1, 107, 4, 1, OFPFK_HEX, OFPPRQ_NONE)

enum ofp_field {
#define OFPF_ENUM(id, name, cls, fld, len, maskable, kind, prereq) OFPF_##id,
	OFP_FIELDS(OFPF_ENUM)
#undef OFPF_ENUM
	OFPF__N
};
_Static_assert(OFPF__N <= 64, "fields fit the 64-bit present mask");

#define OFP_FIELD_MAX_LEN 16

struct ofp_field_info {
	const char *name;          /* "ipv4_dst" */
	uint16_t oxm_class;        /* OXM_CLASS_* */
	uint8_t oxm_field;         /* field number in its class */
	uint8_t len;               /* value bytes */
	uint8_t maskable;          /* may carry a mask */
	enum ofp_field_kind kind;  /* how it prints */
	enum ofp_prereq prereq;    /* what it needs */
};

extern const struct ofp_field_info ofp_fields[OFPF__N];
/* OXM/NXM header (without mask) of a field. */
uint32_t ofp_field_header(enum ofp_field f);
/* Field for an OXM/NXM header (mask bit and length ignored), or -1.
 * NXM_OF_* (class 0) and NXM_NX_* aliases of basic fields (eth, arp,
 * ipv4, tun_id) map to the basic field. */
int ofp_field_from_header(uint32_t header);
/* Field whose name is `name`, or -1. */
int ofp_field_from_name(const char *name);

/* A match: which fields are present, and their values and masks, all kept
 * in network byte order exactly as on the wire. A present field without
 * its bit in `masked` is matched exactly (its mask is all-ones). Only the
 * first ofp_fields[f].len bytes of value/mask are used. Invariant kept by
 * the setters and enforced by decode: value & ~mask == 0. */
struct ofp_match {
	uint64_t present; /* bit (1 << f) per present field */
	uint64_t masked;  /* bit per field with a partial mask */
	uint8_t value[OFPF__N][OFP_FIELD_MAX_LEN]; /* network order */
	uint8_t mask[OFPF__N][OFP_FIELD_MAX_LEN];  /* network order */
};

void ofp_match_init(struct ofp_match *m);
/* Sets field f from network-order bytes; mask NULL (or all-ones) means
 * exact. The value is ANDed with the mask. */
void ofp_match_set(struct ofp_match *m, enum ofp_field f, const void *value,
		   const void *mask);
/* Host-order convenience setters for fields of 1, 2, 4 or 8 bytes. */
void ofp_match_set_uint(struct ofp_match *m, enum ofp_field f, uint64_t v);
void ofp_match_set_uint_masked(struct ofp_match *m, enum ofp_field f,
			       uint64_t v, uint64_t mask);
/* IPv4 value with a prefix length (0..32), host order address. */
void ofp_match_set_ipv4(struct ofp_match *m, enum ofp_field f, uint32_t addr,
			unsigned prefix);
void ofp_match_unset(struct ofp_match *m, enum ofp_field f);
static inline int ofp_match_has(const struct ofp_match *m, enum ofp_field f)
{
	return (int)((m->present >> f) & 1);
}
/* Host-order value of a field of <= 8 bytes. */
uint64_t ofp_match_get_uint(const struct ofp_match *m, enum ofp_field f);
int ofp_match_equal(const struct ofp_match *a, const struct ofp_match *b);

/* ---- actions and instructions ---------------------------------------- */

#define OFP_ACTION_TYPES(X)                                                     \
	X(OUTPUT, "output") X(GROUP, "group") X(PUSH_VLAN, "push_vlan")          \
	X(POP_VLAN, "pop_vlan") X(DEC_NW_TTL, "dec_ttl")                        \
	X(SET_FIELD, "set_field") X(REG_MOVE, "move") X(REG_LOAD, "load")        \
	X(RESUBMIT, "resubmit") X(CT, "ct") X(NAT, "nat")

enum ofp_action_type {
#define OFPACT_ENUM(id, name) OFPACT_##id,
	OFP_ACTION_TYPES(OFPACT_ENUM)
#undef OFPACT_ENUM
	OFPACT__N
};

struct ofp_action;

/* A list of actions, heap-allocated (ofp_actions_uninit frees it). */
struct ofp_actions {
	struct ofp_action *a; /* array of n */
	size_t n;             /* actions */
	size_t cap;           /* allocated */
};

/* NXAST_NAT: only valid nested inside a ct action. Addresses in network
 * order, ports in host order. */
struct ofp_nat {
	uint16_t flags;          /* NX_NAT_F_* */
	uint16_t range_present;  /* NX_NAT_RANGE_* */
	uint8_t ipv4_min[4];     /* IPV4_MIN */
	uint8_t ipv4_max[4];     /* IPV4_MAX */
	uint8_t ipv6_min[16];    /* IPV6_MIN */
	uint8_t ipv6_max[16];    /* IPV6_MAX */
	uint16_t proto_min;      /* PROTO_MIN */
	uint16_t proto_max;      /* PROTO_MAX */
};

struct ofp_action {
	enum ofp_action_type type; /* selects the union member */
	union {
		struct {
			uint32_t port;    /* port or OFPP_* */
			uint16_t max_len; /* for OFPP_CONTROLLER */
		} output;
		uint32_t group_id;       /* GROUP */
		uint16_t push_vlan_tpid; /* PUSH_VLAN: 0x8100 or 0x88a8 */
		struct {
			enum ofp_field field;             /* field to set */
			uint8_t value[OFP_FIELD_MAX_LEN]; /* network order */
		} set_field;
		struct {
			enum ofp_field src;  /* source field */
			enum ofp_field dst;  /* destination field */
			uint16_t src_ofs;    /* first source bit */
			uint16_t dst_ofs;    /* first destination bit */
			uint16_t n_bits;     /* bits copied, >= 1 */
		} move;
		struct {
			enum ofp_field dst; /* destination field (<= 64 bits) */
			uint16_t ofs;       /* first bit */
			uint16_t n_bits;    /* bits, 1..64 */
			uint64_t value;     /* right-aligned, fits n_bits */
		} load;
		struct {
			uint16_t in_port; /* OFP_NX_IN_PORT = unchanged */
			uint8_t table;    /* 255 = the current table */
		} resubmit;
		struct {
			uint16_t flags;      /* NX_CT_F_* */
			uint16_t zone;       /* immediate zone */
			uint8_t table;       /* NX_CT_RECIRC_NONE or a table */
			uint16_t alg;        /* helper, 0 = none */
			struct ofp_actions nested; /* NAT and set_field of ct_mark */
		} ct;
		struct ofp_nat nat; /* NAT */
	} u;
};

void ofp_actions_init(struct ofp_actions *l);
/* Frees the list and nested lists; accepts NULL. */
void ofp_actions_uninit(struct ofp_actions *l);
/* Appends a zeroed action of `type`; NULL on allocation failure. */
struct ofp_action *ofp_actions_add(struct ofp_actions *l, enum ofp_action_type type);
/* Deep copy; 0 or -ENOMEM. */
int ofp_actions_clone(struct ofp_actions *dst, const struct ofp_actions *src);
/* Convenience appenders (ignore allocation failure: check with encode). */
void ofp_actions_output(struct ofp_actions *l, uint32_t port, uint16_t max_len);
void ofp_actions_set_field(struct ofp_actions *l, enum ofp_field f, uint64_t host_v);
void ofp_actions_set_field_bytes(struct ofp_actions *l, enum ofp_field f, const void *v);

#define OFPINST_METER 0x01
#define OFPINST_APPLY 0x02
#define OFPINST_CLEAR 0x04
#define OFPINST_WRITE 0x08
#define OFPINST_WRITE_METADATA 0x10
#define OFPINST_GOTO 0x20

/* The instructions of a flow: each type at most once (OpenFlow forbids
 * duplicates); encoded in execution order meter, apply, clear, write,
 * write_metadata, goto_table. */
struct ofp_instructions {
	uint32_t present;          /* OFPINST_* */
	uint32_t meter_id;         /* METER */
	struct ofp_actions apply;  /* APPLY */
	struct ofp_actions write;  /* WRITE */
	uint64_t metadata;         /* WRITE_METADATA value */
	uint64_t metadata_mask;    /* WRITE_METADATA mask */
	uint8_t goto_table;        /* GOTO */
};

void ofp_instructions_init(struct ofp_instructions *in);
void ofp_instructions_uninit(struct ofp_instructions *in);

/* ---- messages --------------------------------------------------------- */

struct ofp_bytes {
	const uint8_t *data; /* borrowed: points into the decoded buffer, or
			      * caller memory when encoding */
	size_t len;          /* bytes */
};

struct ofp_hello {
	uint32_t bitmap;   /* first version bitmap word, bit n = version n */
	int has_bitmap;    /* a VERSIONBITMAP element is (to be) present */
};

struct ofp_error {
	uint16_t type;         /* OFPET_* or OFPET_EXPERIMENTER */
	uint16_t code;         /* code, or exp_type for experimenter errors */
	uint32_t experimenter; /* experimenter errors only */
	struct ofp_bytes data; /* failed request (prefix) or HELLO_FAILED text */
};

struct ofp_experimenter {
	uint32_t experimenter; /* id */
	uint32_t exp_type;     /* type */
	struct ofp_bytes data; /* payload after the 16-byte header */
};

struct ofp_features {
	uint64_t datapath_id;  /* switch id */
	uint32_t n_buffers;    /* buffers */
	uint8_t n_tables;      /* tables */
	uint8_t auxiliary_id;  /* connection id */
	uint32_t capabilities; /* OFPC_* */
};

struct ofp_config {
	uint16_t flags;         /* OFPC_FRAG_* */
	uint16_t miss_send_len; /* bytes */
};

struct ofp_packet_in {
	uint32_t buffer_id;     /* OFP_NO_BUFFER or id */
	uint16_t total_len;     /* frame length */
	uint8_t reason;         /* OFPR_* (0 no_match, 1 action, 2 invalid_ttl) */
	uint8_t table_id;       /* table */
	uint64_t cookie;        /* flow cookie */
	struct ofp_match match; /* pipeline fields */
	unsigned n_unknown;     /* match TLVs of unknown fields skipped on decode
				 * (not re-encoded; 0 when built locally) */
	struct ofp_bytes data;  /* the frame (maybe truncated) */
};

struct ofp_packet_out {
	uint32_t buffer_id;          /* OFP_NO_BUFFER or id */
	uint32_t in_port;            /* port or OFPP_CONTROLLER */
	struct ofp_actions actions;  /* to apply */
	struct ofp_bytes data;       /* frame (only without buffer) */
};

struct ofp_flow_mod {
	uint64_t cookie;        /* cookie */
	uint64_t cookie_mask;   /* for modify/delete filtering */
	uint8_t table_id;       /* table */
	uint8_t command;        /* OFPFC_* */
	uint16_t idle_timeout;  /* s */
	uint16_t hard_timeout;  /* s */
	uint16_t priority;      /* priority */
	uint32_t buffer_id;     /* OFP_NO_BUFFER */
	uint32_t out_port;      /* OFPP_ANY */
	uint32_t out_group;     /* OFPG_ANY */
	uint16_t flags;         /* OFPFF_* */
	struct ofp_match match; /* match */
	struct ofp_instructions insts; /* instructions */
};

struct ofp_flow_removed {
	uint64_t cookie;        /* cookie */
	uint16_t priority;      /* priority */
	uint8_t reason;         /* OFPRR_* */
	uint8_t table_id;       /* table */
	uint32_t duration_sec;  /* age */
	uint32_t duration_nsec; /* age ns */
	uint16_t idle_timeout;  /* s */
	uint16_t hard_timeout;  /* s */
	uint64_t packet_count;  /* counter */
	uint64_t byte_count;    /* counter */
	struct ofp_match match; /* match */
};

struct ofp_port_desc {
	uint32_t port_no;     /* number */
	uint8_t hw_addr[6];   /* MAC */
	char name[OFP_MAX_PORT_NAME_LEN + 1]; /* NUL-terminated */
	uint32_t config;      /* OFPPC_* */
	uint32_t state;       /* OFPPS_* */
	uint32_t curr;        /* OFPPF_* */
	uint32_t advertised;  /* OFPPF_* */
	uint32_t supported;   /* OFPPF_* */
	uint32_t peer;        /* OFPPF_* */
	uint32_t curr_speed;  /* kbps */
	uint32_t max_speed;   /* kbps */
};

struct ofp_port_status {
	uint8_t reason;            /* 0 add, 1 delete, 2 modify */
	struct ofp_port_desc desc; /* port */
};

struct ofp_role {
	uint32_t role;          /* OFPCR_ROLE_* */
	uint64_t generation_id; /* generation */
};

struct ofp_bucket {
	uint16_t weight;            /* select */
	uint32_t watch_port;        /* ff */
	uint32_t watch_group;       /* ff */
	struct ofp_actions actions; /* actions */
};

struct ofp_buckets {
	struct ofp_bucket *b; /* array of n */
	size_t n;             /* buckets */
	size_t cap;           /* allocated */
};

struct ofp_group_mod {
	uint16_t command;           /* OFPGC_* */
	uint8_t type;               /* OFPGT_* */
	uint32_t group_id;          /* group */
	struct ofp_buckets buckets; /* buckets */
};

struct ofp_band {
	uint16_t type;       /* OFPMBT_DROP / DSCP_REMARK */
	uint32_t rate;       /* rate */
	uint32_t burst_size; /* burst */
	uint8_t prec_level;  /* DSCP_REMARK only */
};

#define OFP_MAX_BANDS 8
struct ofp_meter_mod {
	uint16_t command;                     /* OFPMC_* */
	uint16_t flags;                       /* OFPMF_* */
	uint32_t meter_id;                    /* meter */
	size_t n_bands;                       /* used bands */
	struct ofp_band bands[OFP_MAX_BANDS]; /* bands */
};

struct ofp_bundle_ctrl {
	uint32_t bundle_id; /* id */
	uint16_t type;      /* OFPBCT_* */
	uint16_t flags;     /* OFPBF_* */
};

struct ofp_msg;
struct ofp_bundle_add {
	uint32_t bundle_id;  /* id */
	uint16_t flags;      /* OFPBF_* */
	struct ofp_msg *msg; /* inner message, heap (freed with the outer) */
};

/* multipart */
struct ofp_flow_stats_request {
	uint8_t table_id;       /* OFPTT_ALL */
	uint32_t out_port;      /* OFPP_ANY */
	uint32_t out_group;     /* OFPG_ANY */
	uint64_t cookie;        /* filter */
	uint64_t cookie_mask;   /* filter */
	struct ofp_match match; /* filter */
};

struct ofp_desc_stats {
	char mfr[DESC_STR_LEN + 1];        /* manufacturer */
	char hw[DESC_STR_LEN + 1];         /* hardware */
	char sw[DESC_STR_LEN + 1];         /* software */
	char serial[SERIAL_NUM_LEN + 1];   /* serial */
	char dp[DESC_STR_LEN + 1];         /* datapath */
};

struct ofp_flow_stats {
	uint8_t table_id;       /* table */
	uint32_t duration_sec;  /* age */
	uint32_t duration_nsec; /* age ns */
	uint16_t priority;      /* priority */
	uint16_t idle_timeout;  /* s */
	uint16_t hard_timeout;  /* s */
	uint16_t flags;         /* OFPFF_* */
	uint64_t cookie;        /* cookie */
	uint64_t packet_count;  /* counter */
	uint64_t byte_count;    /* counter */
	struct ofp_match match; /* match */
	struct ofp_instructions insts; /* instructions */
};

struct ofp_aggregate_stats {
	uint64_t packet_count; /* sum */
	uint64_t byte_count;   /* sum */
	uint32_t flow_count;   /* flows */
};

struct ofp_table_stats {
	uint8_t table_id;       /* table */
	uint32_t active_count;  /* flows */
	uint64_t lookup_count;  /* lookups */
	uint64_t matched_count; /* hits */
};

struct ofp_port_stats {
	uint32_t port_no;          /* port */
	uint64_t c[12];            /* rx_packets .. collisions, wire order */
	uint32_t duration_sec;     /* age */
	uint32_t duration_nsec;    /* age ns */
};

struct ofp_group_desc {
	uint8_t type;               /* OFPGT_* */
	uint32_t group_id;          /* group */
	struct ofp_buckets buckets; /* buckets */
};

struct ofp_meter_stats {
	uint32_t meter_id;          /* meter */
	uint32_t flow_count;        /* flows */
	uint64_t packet_in_count;   /* packets */
	uint64_t byte_in_count;     /* bytes */
	uint32_t duration_sec;      /* age */
	uint32_t duration_nsec;     /* age ns */
	size_t n_bands;             /* bands used */
	uint64_t band_packets[OFP_MAX_BANDS]; /* per band */
	uint64_t band_bytes[OFP_MAX_BANDS];   /* per band */
};

struct ofp_multipart {
	uint16_t mp_type; /* OFPMP_* */
	uint16_t flags;   /* OFPMPF_MORE */
	union {
		/* requests */
		struct ofp_flow_stats_request flow_req; /* FLOW, AGGREGATE */
		uint32_t port_no;                       /* PORT_STATS */
		uint32_t meter_id;                      /* METER */
		/* replies */
		struct ofp_desc_stats *desc;            /* DESC (heap) */
		struct ofp_aggregate_stats aggregate;   /* AGGREGATE */
		struct {
			void *items;  /* array of the type's stats struct */
			size_t n;     /* entries */
			size_t cap;   /* allocated */
		} list; /* FLOW, TABLE, PORT_STATS, PORT_DESC, GROUP_DESC, METER */
	} u;
};

/* X(id, wire OFPT code, minimum wire size, family).
 * The message kinds of the codec: wire type codes are from OpenFlow 1.3;
 * the bundle kinds are EXPERIMENTER messages of the ONF extension. */
#define OFP_MSG_TYPES(X)                                                        \
	X(HELLO, OFPT_HELLO, sizeof(struct ofp13_header), hello)                   \
	X(ERROR, OFPT_ERROR, sizeof(struct ofp13_error_msg), error)                \
	X(ECHO_REQUEST, OFPT_ECHO_REQUEST, sizeof(struct ofp13_header), echo)      \
	X(ECHO_REPLY, OFPT_ECHO_REPLY, sizeof(struct ofp13_header), echo)          \
	X(EXPERIMENTER, OFPT_EXPERIMENTER, sizeof(struct ofp13_experimenter_header), experimenter) \
	X(FEATURES_REQUEST, OFPT_FEATURES_REQUEST, sizeof(struct ofp13_header), empty) \
	X(FEATURES_REPLY, OFPT_FEATURES_REPLY, sizeof(struct ofp13_switch_features), features) \
	X(GET_CONFIG_REQUEST, OFPT_GET_CONFIG_REQUEST, sizeof(struct ofp13_header), empty) \
	X(GET_CONFIG_REPLY, OFPT_GET_CONFIG_REPLY, sizeof(struct ofp13_switch_config), config) \
	X(SET_CONFIG, OFPT_SET_CONFIG, sizeof(struct ofp13_switch_config), config) \
	X(PACKET_IN, OFPT_PACKET_IN, sizeof(struct ofp13_packet_in), packet_in)    \
	X(FLOW_REMOVED, OFPT_FLOW_REMOVED, sizeof(struct ofp13_flow_removed), flow_removed) \
	X(PORT_STATUS, OFPT_PORT_STATUS, sizeof(struct ofp13_port_status), port_status) \
	X(PACKET_OUT, OFPT_PACKET_OUT, sizeof(struct ofp13_packet_out), packet_out) \
	X(FLOW_MOD, OFPT_FLOW_MOD, sizeof(struct ofp13_flow_mod), flow_mod)        \
	X(GROUP_MOD, OFPT_GROUP_MOD, sizeof(struct ofp13_group_mod), group_mod)    \
	X(MULTIPART_REQUEST, OFPT_MULTIPART_REQUEST, sizeof(struct ofp13_multipart_request), mp_request) \
	X(MULTIPART_REPLY, OFPT_MULTIPART_REPLY, sizeof(struct ofp13_multipart_request), mp_reply) \
	X(BARRIER_REQUEST, OFPT_BARRIER_REQUEST, sizeof(struct ofp13_header), empty) \
	X(BARRIER_REPLY, OFPT_BARRIER_REPLY, sizeof(struct ofp13_header), empty)   \
	X(ROLE_REQUEST, OFPT_ROLE_REQUEST, sizeof(struct ofp13_role_request), role) \
	X(ROLE_REPLY, OFPT_ROLE_REPLY, sizeof(struct ofp13_role_request), role)    \
	X(METER_MOD, OFPT_METER_MOD, sizeof(struct ofp13_meter_mod), meter_mod)    \
	X(BUNDLE_CONTROL, OFPT_EXPERIMENTER, sizeof(struct onf_bundle_ctrl_msg), bundle_ctrl) \
	X(BUNDLE_ADD, OFPT_EXPERIMENTER, sizeof(struct onf_bundle_add_msg), bundle_add)

enum ofp_msg_type {
#define OFPMSG_ENUM(id, code, size, fam) OFPMSG_##id,
	OFP_MSG_TYPES(OFPMSG_ENUM)
#undef OFPMSG_ENUM
	OFPMSG__N
};

/* "FLOW_MOD" */
const char *ofp_msg_type_name(enum ofp_msg_type t);
/* Wire OFPT code and minimum wire size of a kind. */
uint8_t ofp_msg_type_code(enum ofp_msg_type t);
size_t ofp_msg_type_min_size(enum ofp_msg_type t);

/* One message. Fields of the union member for `type` only; decode leaves
 * ofp_bytes pointing into the decoded buffer (keep it alive while using
 * the message). Heap parts (action lists, buckets, multipart lists, the
 * inner bundle message) belong to the message: ofp_msg_uninit() frees. */
struct ofp_msg {
	enum ofp_msg_type type; /* kind */
	uint8_t version;        /* header version (HELLO may differ from 4) */
	uint32_t xid;           /* transaction id */
	union {
		struct ofp_hello hello;               /* HELLO */
		struct ofp_error error;               /* ERROR */
		struct ofp_bytes echo;                /* ECHO_* payload */
		struct ofp_experimenter experimenter; /* EXPERIMENTER */
		struct ofp_features features;         /* FEATURES_REPLY */
		struct ofp_config config;             /* *_CONFIG */
		struct ofp_packet_in packet_in;       /* PACKET_IN */
		struct ofp_packet_out packet_out;     /* PACKET_OUT */
		struct ofp_flow_mod flow_mod;         /* FLOW_MOD */
		struct ofp_flow_removed flow_removed; /* FLOW_REMOVED */
		struct ofp_port_status port_status;   /* PORT_STATUS */
		struct ofp_role role;                 /* ROLE_* */
		struct ofp_group_mod group_mod;       /* GROUP_MOD */
		struct ofp_meter_mod meter_mod;       /* METER_MOD */
		struct ofp_multipart mp;              /* MULTIPART_* */
		struct ofp_bundle_ctrl bundle_ctrl;   /* BUNDLE_CONTROL */
		struct ofp_bundle_add bundle_add;     /* BUNDLE_ADD */
	} u;
};

/* Zeroes msg and sets type, version 4 and xid, with the defaults of the
 * type (OFP_NO_BUFFER, OFPP_ANY, OFPG_ANY, OFPTT_ALL where they apply). */
void ofp_msg_init(struct ofp_msg *msg, enum ofp_msg_type type, uint32_t xid);
/* ofp_msg_init of a MULTIPART_REQUEST of mp_type that asks for everything:
 * FLOW / AGGREGATE of every table (OFPTT_ALL), any out port and group,
 * no cookie mask, an empty match; METER of every meter (OFPM_ALL);
 * PORT_STATS of every port (OFPP_ANY). The caller narrows it after. */
void ofp_mp_request_init(struct ofp_msg *msg, uint32_t xid, uint16_t mp_type);
/* Frees what the message owns; accepts NULL. Leaves it re-initialisable. */
void ofp_msg_uninit(struct ofp_msg *msg);
/* Multipart reply/request list helpers: appends a zeroed entry of the
 * stats struct the mp_type uses; NULL on allocation failure. */
void *ofp_mp_add(struct ofp_msg *msg);
/* Bucket helper for GROUP_MOD / group desc. */
struct ofp_bucket *ofp_buckets_add(struct ofp_buckets *bl);

/* Length of the first message in a byte stream: >0 when a whole message
 * of that size is available, 0 when more bytes are needed, -EBADMSG when
 * the header's length is below 8. */
int ofp_frame_len(const void *buf, size_t avail);

/* Decodes exactly one message of `len` bytes (the header's length must be
 * len). Returns OFPERR_OK, or the OpenFlow error for the peer with a
 * detailed reason in err (if errlen > 0). On error msg is left
 * uninitialised-safe (ofp_msg_uninit may be called, nothing to free). */
enum ofperr ofp_decode(const void *buf, size_t len, struct ofp_msg *msg,
		       char *err, size_t errlen);

/* Appends the wire form of msg to out. Returns 0, -EINVAL when msg holds a
 * value that cannot be encoded (reason in err if given), -EMSGSIZE above
 * 65535 bytes, -ENOMEM. On error out is restored to its previous length. */
int ofp_encode(const struct ofp_msg *msg, struct ofpbuf *out, char *err, size_t errlen);
/* Appends one FLOW_MOD (xid) whose instructions are already encoded:
 * `insts` is what an encoded FLOW_MOD carries after its match (fm->insts
 * is not read). The same bytes as ofp_encode of the message with those
 * instructions decoded, and the same checks but goto_table's; wrapped in
 * an ONF bundle add of in_bundle's id and flags (its msg not read, the
 * same xid outside and in) unless in_bundle is NULL. For senders that keep
 * flows encoded (hostd/controller's desired state): no struct ofp_msg, no
 * decoding. 0, or -EINVAL (err says why), -EMSGSIZE, -ENOMEM; out is as
 * before on failure. */
int ofp_put_flow_mod(struct ofpbuf *out, uint32_t xid, const struct ofp_flow_mod *fm,
		     const uint8_t *insts, size_t insts_len, const struct ofp_bundle_add *in_bundle,
		     char *err, size_t errlen);

/* Appends one line (no newline) describing msg to s. */
void ofp_format(const struct ofp_msg *msg, struct ofpbuf *s);
/* Formats into a malloc'ed string (caller frees); NULL on ENOMEM. */
char *ofp_to_string(const struct ofp_msg *msg);
/* Formatters the other families share (append to s). */
void ofp_format_match(struct ofpbuf *s, const struct ofp_match *m);
void ofp_format_actions(struct ofpbuf *s, const struct ofp_actions *l);
void ofp_format_instructions(struct ofpbuf *s, const struct ofp_instructions *in);
void ofp_format_port(struct ofpbuf *s, uint32_t port);

#endif
