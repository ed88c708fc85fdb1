/* hostd/openflow/ofp13_wire.h: the OpenFlow 1.3 wire format hostd speaks.
 *
 * This header is the protocol as laid out on the wire: every multi-byte
 * field is big-endian (network order, the ofp_be* typedefs below), padding
 * is explicit, and each struct's size is checked against the OpenFlow 1.3.5
 * specification (plus the ONF bundle extension for 1.3 and the Nicira
 * extensions Open vSwitch defines) at compile time. Only the codec files
 * (hostd/openflow/ofp_*.c) read these structs; the rest of hostd uses the
 * in-memory forms of ofp.h. */
#ifndef DFNIC_OFP13_WIRE_H
#define DFNIC_OFP13_WIRE_H

#include <stdint.h>

typedef uint16_t ofp_be16; /* big-endian on the wire: htons/ntohs */
typedef uint32_t ofp_be32; /* big-endian on the wire: htonl/ntohl */
typedef uint64_t ofp_be64; /* big-endian on the wire: htobe64/be64toh */

#define OFP13_VERSION 0x04
#define OFP_TCP_PORT 6653
#define OFP_MAX_MSG_LEN 65535

/* ---- message types (wire codes of OpenFlow 1.3) ---------------------- */

/* X(id, code): every OFPT of OpenFlow 1.3, whether hostd supports it or not
 * (names of unsupported ones still show up in errors). */
#define OFPT13_CODES(X)                                                        \
	X(HELLO, 0) X(ERROR, 1) X(ECHO_REQUEST, 2) X(ECHO_REPLY, 3)             \
	X(EXPERIMENTER, 4) X(FEATURES_REQUEST, 5) X(FEATURES_REPLY, 6)          \
	X(GET_CONFIG_REQUEST, 7) X(GET_CONFIG_REPLY, 8) X(SET_CONFIG, 9)        \
	X(PACKET_IN, 10) X(FLOW_REMOVED, 11) X(PORT_STATUS, 12)                 \
	X(PACKET_OUT, 13) X(FLOW_MOD, 14) X(GROUP_MOD, 15) X(PORT_MOD, 16)      \
	X(TABLE_MOD, 17) X(MULTIPART_REQUEST, 18) X(MULTIPART_REPLY, 19)        \
	X(BARRIER_REQUEST, 20) X(BARRIER_REPLY, 21)                             \
	X(QUEUE_GET_CONFIG_REQUEST, 22) X(QUEUE_GET_CONFIG_REPLY, 23)           \
	X(ROLE_REQUEST, 24) X(ROLE_REPLY, 25) X(GET_ASYNC_REQUEST, 26)          \
	X(GET_ASYNC_REPLY, 27) X(SET_ASYNC, 28) X(METER_MOD, 29)

enum ofpt13 {
#define OFPT13_ENUM(id, code) OFPT_##id = code,
	OFPT13_CODES(OFPT13_ENUM)
#undef OFPT13_ENUM
};

/* ---- common header ---------------------------------------------------- */

struct ofp13_header {
	uint8_t version; /* OFP13_VERSION */
	uint8_t type;    /* enum ofpt13 */
	ofp_be16 length; /* whole message, header included */
	ofp_be32 xid;    /* transaction id */
};
_Static_assert(sizeof(struct ofp13_header) == 8, "ofp_header");

/* HELLO element (after the header, any number, each padded to 8). */
#define OFPHET_VERSIONBITMAP 1
struct ofp13_hello_elem_header {
	ofp_be16 type;   /* OFPHET_* */
	ofp_be16 length; /* of the element without trailing padding */
};
_Static_assert(sizeof(struct ofp13_hello_elem_header) == 4, "hello elem");

struct ofp13_error_msg {
	struct ofp13_header header; /* OFPT_ERROR */
	ofp_be16 type;            /* OFPET_* */
	ofp_be16 code;            /* per type */
	/* followed by data: at least 64 bytes of the failed request */
};
_Static_assert(sizeof(struct ofp13_error_msg) == 12, "ofp_error_msg");

#define OFPET_EXPERIMENTER 0xffff
struct ofp13_error_experimenter_msg {
	struct ofp13_header header; /* OFPT_ERROR */
	ofp_be16 type;            /* OFPET_EXPERIMENTER */
	ofp_be16 exp_type;        /* experimenter defined */
	ofp_be32 experimenter;    /* experimenter id */
};
_Static_assert(sizeof(struct ofp13_error_experimenter_msg) == 16, "exp error");

struct ofp13_experimenter_header {
	struct ofp13_header header; /* OFPT_EXPERIMENTER */
	ofp_be32 experimenter;    /* experimenter id */
	ofp_be32 exp_type;        /* experimenter defined */
};
_Static_assert(sizeof(struct ofp13_experimenter_header) == 16, "experimenter");

/* ---- switch ----------------------------------------------------------- */

struct ofp13_switch_features {
	struct ofp13_header header; /* OFPT_FEATURES_REPLY */
	ofp_be64 datapath_id;     /* low 48 bits: MAC; high 16: implementer */
	ofp_be32 n_buffers;       /* packets buffered at once */
	uint8_t n_tables;         /* tables supported */
	uint8_t auxiliary_id;     /* 0 for the main connection */
	uint8_t pad[2];           /* zero */
	ofp_be32 capabilities;    /* OFPC_* bitmap */
	ofp_be32 reserved;        /* zero */
};
_Static_assert(sizeof(struct ofp13_switch_features) == 32, "switch_features");

struct ofp13_switch_config {
	struct ofp13_header header; /* GET_CONFIG_REPLY / SET_CONFIG */
	ofp_be16 flags;           /* OFPC_FRAG_* */
	ofp_be16 miss_send_len;   /* bytes of a table-miss packet sent up */
};
_Static_assert(sizeof(struct ofp13_switch_config) == 12, "switch_config");

#define OFP_MAX_PORT_NAME_LEN 16
struct ofp13_port {
	ofp_be32 port_no;                  /* port number */
	uint8_t pad[4];                    /* zero */
	uint8_t hw_addr[6];                /* MAC */
	uint8_t pad2[2];                   /* zero */
	char name[OFP_MAX_PORT_NAME_LEN];  /* NUL-padded */
	ofp_be32 config;                   /* OFPPC_* */
	ofp_be32 state;                    /* OFPPS_* */
	ofp_be32 curr;                     /* OFPPF_* current features */
	ofp_be32 advertised;               /* OFPPF_* advertised */
	ofp_be32 supported;                /* OFPPF_* supported */
	ofp_be32 peer;                     /* OFPPF_* of the peer */
	ofp_be32 curr_speed;               /* kbps */
	ofp_be32 max_speed;                /* kbps */
};
_Static_assert(sizeof(struct ofp13_port) == 64, "ofp_port");

struct ofp13_port_status {
	struct ofp13_header header; /* OFPT_PORT_STATUS */
	uint8_t reason;           /* OFPPR_ADD/DELETE/MODIFY */
	uint8_t pad[7];           /* zero */
	struct ofp13_port desc;     /* the port */
};
_Static_assert(sizeof(struct ofp13_port_status) == 80, "ofp_port_status");

struct ofp13_role_request {
	struct ofp13_header header; /* ROLE_REQUEST / ROLE_REPLY */
	ofp_be32 role;            /* OFPCR_ROLE_* */
	uint8_t pad[4];           /* zero */
	ofp_be64 generation_id;   /* master election generation */
};
_Static_assert(sizeof(struct ofp13_role_request) == 24, "ofp_role_request");

/* ---- match, OXM ------------------------------------------------------- */

#define OFPMT_OXM 1
struct ofp13_match {
	ofp_be16 type;   /* OFPMT_OXM */
	ofp_be16 length; /* 4 + OXM TLV bytes, excluding trailing padding */
	uint8_t oxm_fields[4]; /* start of TLVs, then padding to 8 */
};
_Static_assert(sizeof(struct ofp13_match) == 8, "ofp_match");

/* OXM header: class(16) field(7) hasmask(1) length(8). */
#define OXM_HEADER(cls, field, len) (((uint32_t)(cls) << 16) | ((field) << 9) | (len))
#define OXM_CLASS(h) ((h) >> 16)
#define OXM_FIELD(h) (((h) >> 9) & 0x7f)
#define OXM_HASMASK(h) (((h) >> 8) & 1)
#define OXM_LENGTH(h) ((h) & 0xff)
#define OXM_CLASS_NXM0 0x0000       /* NXM_OF_* */
#define OXM_CLASS_NXM1 0x0001       /* NXM_NX_* (Nicira) */
#define OXM_CLASS_BASIC 0x8000      /* OFPXMC_OPENFLOW_BASIC */
#define OXM_CLASS_EXPERIMENTER 0xffff

#define OFPVID_PRESENT 0x1000
#define OFPVID_NONE 0x0000

/* ---- instructions and actions ---------------------------------------- */

#define OFPIT_GOTO_TABLE 1
#define OFPIT_WRITE_METADATA 2
#define OFPIT_WRITE_ACTIONS 3
#define OFPIT_APPLY_ACTIONS 4
#define OFPIT_CLEAR_ACTIONS 5
#define OFPIT_METER 6
#define OFPIT_EXPERIMENTER 0xffff

struct ofp13_instruction {
	ofp_be16 type; /* OFPIT_* */
	ofp_be16 len;  /* including this header */
};
_Static_assert(sizeof(struct ofp13_instruction) == 4, "instruction");

struct ofp13_instruction_goto_table {
	ofp_be16 type;    /* OFPIT_GOTO_TABLE */
	ofp_be16 len;     /* 8 */
	uint8_t table_id; /* next table */
	uint8_t pad[3];   /* zero */
};
_Static_assert(sizeof(struct ofp13_instruction_goto_table) == 8, "goto");

struct ofp13_instruction_write_metadata {
	ofp_be16 type;          /* OFPIT_WRITE_METADATA */
	ofp_be16 len;           /* 24 */
	uint8_t pad[4];         /* zero */
	ofp_be64 metadata;      /* value */
	ofp_be64 metadata_mask; /* bits to write */
};
_Static_assert(sizeof(struct ofp13_instruction_write_metadata) == 24, "wmeta");

struct ofp13_instruction_actions {
	ofp_be16 type;  /* OFPIT_WRITE/APPLY/CLEAR_ACTIONS */
	ofp_be16 len;   /* 8 + actions */
	uint8_t pad[4]; /* zero */
	/* followed by actions */
};
_Static_assert(sizeof(struct ofp13_instruction_actions) == 8, "inst actions");

struct ofp13_instruction_meter {
	ofp_be16 type;     /* OFPIT_METER */
	ofp_be16 len;      /* 8 */
	ofp_be32 meter_id; /* meter */
};
_Static_assert(sizeof(struct ofp13_instruction_meter) == 8, "inst meter");

#define OFPAT_OUTPUT 0
#define OFPAT_PUSH_VLAN 17
#define OFPAT_POP_VLAN 18
#define OFPAT_GROUP 22
#define OFPAT_DEC_NW_TTL 24
#define OFPAT_SET_FIELD 25
#define OFPAT_EXPERIMENTER 0xffff

struct ofp13_action_header {
	ofp_be16 type;  /* OFPAT_* */
	ofp_be16 len;   /* multiple of 8, including this header */
	uint8_t pad[4]; /* zero */
};
_Static_assert(sizeof(struct ofp13_action_header) == 8, "action header");

struct ofp13_action_output {
	ofp_be16 type;    /* OFPAT_OUTPUT */
	ofp_be16 len;     /* 16 */
	ofp_be32 port;    /* output port */
	ofp_be16 max_len; /* bytes to send to the controller */
	uint8_t pad[6];   /* zero */
};
_Static_assert(sizeof(struct ofp13_action_output) == 16, "action output");

struct ofp13_action_group {
	ofp_be16 type;     /* OFPAT_GROUP */
	ofp_be16 len;      /* 8 */
	ofp_be32 group_id; /* group */
};
_Static_assert(sizeof(struct ofp13_action_group) == 8, "action group");

struct ofp13_action_push {
	ofp_be16 type;      /* OFPAT_PUSH_VLAN */
	ofp_be16 len;       /* 8 */
	ofp_be16 ethertype; /* 0x8100 or 0x88a8 */
	uint8_t pad[2];     /* zero */
};
_Static_assert(sizeof(struct ofp13_action_push) == 8, "action push");

struct ofp13_action_set_field {
	ofp_be16 type;   /* OFPAT_SET_FIELD */
	ofp_be16 len;    /* 4 + OXM TLV, padded to 8 */
	uint8_t field[4]; /* OXM TLV starts here */
};
_Static_assert(sizeof(struct ofp13_action_set_field) == 8, "action set_field");

struct ofp13_action_experimenter_header {
	ofp_be16 type;         /* OFPAT_EXPERIMENTER */
	ofp_be16 len;          /* multiple of 8 */
	ofp_be32 experimenter; /* experimenter id */
};
_Static_assert(sizeof(struct ofp13_action_experimenter_header) == 8, "exp act");

/* ---- Nicira extensions (Open vSwitch) --------------------------------- */

#define NX_VENDOR_ID 0x00002320u
#define NXAST_REG_MOVE 6
#define NXAST_REG_LOAD 7
#define NXAST_RESUBMIT_TABLE 14
#define NXAST_CT 35
#define NXAST_NAT 36

struct nx_action_header {
	ofp_be16 type;   /* OFPAT_EXPERIMENTER */
	ofp_be16 len;    /* multiple of 8 */
	ofp_be32 vendor; /* NX_VENDOR_ID */
	ofp_be16 subtype; /* NXAST_* */
	uint8_t pad[6];  /* subtype specific */
};
_Static_assert(sizeof(struct nx_action_header) == 16, "nx_action_header");

struct nx_action_resubmit {
	ofp_be16 type;    /* OFPAT_EXPERIMENTER */
	ofp_be16 len;     /* 16 */
	ofp_be32 vendor;  /* NX_VENDOR_ID */
	ofp_be16 subtype; /* NXAST_RESUBMIT_TABLE */
	ofp_be16 in_port; /* OpenFlow 1.0 style port, 0xfff8 = in_port */
	uint8_t table;    /* table, 255 = current */
	uint8_t pad[3];   /* zero */
};
_Static_assert(sizeof(struct nx_action_resubmit) == 16, "nx resubmit");

struct nx_action_reg_move {
	ofp_be16 type;    /* OFPAT_EXPERIMENTER */
	ofp_be16 len;     /* 24 */
	ofp_be32 vendor;  /* NX_VENDOR_ID */
	ofp_be16 subtype; /* NXAST_REG_MOVE */
	ofp_be16 n_bits;  /* bits to copy */
	ofp_be16 src_ofs; /* first bit in src */
	ofp_be16 dst_ofs; /* first bit in dst */
	ofp_be32 src;     /* NXM/OXM header of src */
	ofp_be32 dst;     /* NXM/OXM header of dst */
};
_Static_assert(sizeof(struct nx_action_reg_move) == 24, "nx reg_move");

struct nx_action_reg_load {
	ofp_be16 type;      /* OFPAT_EXPERIMENTER */
	ofp_be16 len;       /* 24 */
	ofp_be32 vendor;    /* NX_VENDOR_ID */
	ofp_be16 subtype;   /* NXAST_REG_LOAD */
	ofp_be16 ofs_nbits; /* (ofs << 6) | (n_bits - 1) */
	ofp_be32 dst;       /* NXM/OXM header of dst */
	ofp_be64 value;     /* right-aligned value */
};
_Static_assert(sizeof(struct nx_action_reg_load) == 24, "nx reg_load");

#define NX_CT_F_COMMIT 0x0001
#define NX_CT_F_FORCE 0x0002
#define NX_CT_RECIRC_NONE 0xff
struct nx_action_conntrack {
	ofp_be16 type;      /* OFPAT_EXPERIMENTER */
	ofp_be16 len;       /* 24 + nested actions */
	ofp_be32 vendor;    /* NX_VENDOR_ID */
	ofp_be16 subtype;   /* NXAST_CT */
	ofp_be16 flags;     /* NX_CT_F_* */
	ofp_be32 zone_src;  /* 0: zone_imm is the zone; else a field header */
	ofp_be16 zone_imm;  /* zone (or ofs_nbits when zone_src != 0) */
	uint8_t recirc_table; /* table to resubmit to, NX_CT_RECIRC_NONE */
	uint8_t pad[3];     /* zero */
	ofp_be16 alg;       /* L7 helper (ports), 0 = none */
	/* followed by nested actions */
};
_Static_assert(sizeof(struct nx_action_conntrack) == 24, "nx ct");

#define NX_NAT_F_SRC 0x0001
#define NX_NAT_F_DST 0x0002
#define NX_NAT_F_PERSISTENT 0x0004
#define NX_NAT_F_PROTO_HASH 0x0008
#define NX_NAT_F_PROTO_RANDOM 0x0010
#define NX_NAT_RANGE_IPV4_MIN 0x0001
#define NX_NAT_RANGE_IPV4_MAX 0x0002
#define NX_NAT_RANGE_IPV6_MIN 0x0004
#define NX_NAT_RANGE_IPV6_MAX 0x0008
#define NX_NAT_RANGE_PROTO_MIN 0x0010
#define NX_NAT_RANGE_PROTO_MAX 0x0020
struct nx_action_nat {
	ofp_be16 type;          /* OFPAT_EXPERIMENTER */
	ofp_be16 len;           /* 16 + ranges, padded to 8 */
	ofp_be32 vendor;        /* NX_VENDOR_ID */
	ofp_be16 subtype;       /* NXAST_NAT */
	uint8_t pad[2];         /* zero */
	ofp_be16 flags;         /* NX_NAT_F_* */
	ofp_be16 range_present; /* NX_NAT_RANGE_*: which ranges follow, in bit order */
};
_Static_assert(sizeof(struct nx_action_nat) == 16, "nx nat");

/* ---- flows ------------------------------------------------------------ */

struct ofp13_flow_mod {
	struct ofp13_header header; /* OFPT_FLOW_MOD */
	ofp_be64 cookie;          /* opaque */
	ofp_be64 cookie_mask;     /* for modify/delete */
	uint8_t table_id;         /* table, OFPTT_ALL for delete */
	uint8_t command;          /* OFPFC_* */
	ofp_be16 idle_timeout;    /* seconds, 0 = none */
	ofp_be16 hard_timeout;    /* seconds, 0 = none */
	ofp_be16 priority;        /* priority */
	ofp_be32 buffer_id;       /* OFP_NO_BUFFER or a buffered packet */
	ofp_be32 out_port;        /* delete filter */
	ofp_be32 out_group;       /* delete filter */
	ofp_be16 flags;           /* OFPFF_* */
	uint8_t pad[2];           /* zero */
	struct ofp13_match match;   /* then instructions */
};
_Static_assert(sizeof(struct ofp13_flow_mod) == 56, "ofp_flow_mod");

struct ofp13_flow_removed {
	struct ofp13_header header; /* OFPT_FLOW_REMOVED */
	ofp_be64 cookie;          /* of the flow */
	ofp_be16 priority;        /* of the flow */
	uint8_t reason;           /* OFPRR_* */
	uint8_t table_id;         /* table */
	ofp_be32 duration_sec;    /* flow age */
	ofp_be32 duration_nsec;   /* beyond duration_sec */
	ofp_be16 idle_timeout;    /* of the flow */
	ofp_be16 hard_timeout;    /* of the flow */
	ofp_be64 packet_count;    /* counters */
	ofp_be64 byte_count;      /* counters */
	struct ofp13_match match;   /* of the flow */
};
_Static_assert(sizeof(struct ofp13_flow_removed) == 56, "ofp_flow_removed");

/* ---- packets ---------------------------------------------------------- */

struct ofp13_packet_in {
	struct ofp13_header header; /* OFPT_PACKET_IN */
	ofp_be32 buffer_id;       /* OFP_NO_BUFFER or id */
	ofp_be16 total_len;       /* full frame length */
	uint8_t reason;           /* OFPR_* */
	uint8_t table_id;         /* table that looked it up */
	ofp_be64 cookie;          /* of the flow that sent it */
	struct ofp13_match match;   /* pipeline fields; then 2 pad bytes, data */
};
_Static_assert(sizeof(struct ofp13_packet_in) == 32, "ofp_packet_in");

struct ofp13_packet_out {
	struct ofp13_header header; /* OFPT_PACKET_OUT */
	ofp_be32 buffer_id;       /* OFP_NO_BUFFER or id */
	ofp_be32 in_port;         /* ingress port for the actions */
	ofp_be16 actions_len;     /* bytes of actions */
	uint8_t pad[6];           /* zero */
	/* actions, then data when buffer_id is OFP_NO_BUFFER */
};
_Static_assert(sizeof(struct ofp13_packet_out) == 24, "ofp_packet_out");

/* ---- groups and meters ------------------------------------------------ */

struct ofp13_group_mod {
	struct ofp13_header header; /* OFPT_GROUP_MOD */
	ofp_be16 command;         /* OFPGC_* */
	uint8_t type;             /* OFPGT_* */
	uint8_t pad;              /* zero */
	ofp_be32 group_id;        /* group */
	/* buckets */
};
_Static_assert(sizeof(struct ofp13_group_mod) == 16, "ofp_group_mod");

struct ofp13_bucket {
	ofp_be16 len;         /* including actions */
	ofp_be16 weight;      /* select groups */
	ofp_be32 watch_port;  /* fast failover */
	ofp_be32 watch_group; /* fast failover */
	uint8_t pad[4];       /* zero */
	/* actions */
};
_Static_assert(sizeof(struct ofp13_bucket) == 16, "ofp_bucket");

struct ofp13_meter_mod {
	struct ofp13_header header; /* OFPT_METER_MOD */
	ofp_be16 command;         /* OFPMC_* */
	ofp_be16 flags;           /* OFPMF_* */
	ofp_be32 meter_id;        /* meter */
	/* bands */
};
_Static_assert(sizeof(struct ofp13_meter_mod) == 16, "ofp_meter_mod");

#define OFPMBT_DROP 1
#define OFPMBT_DSCP_REMARK 2
struct ofp13_meter_band {
	ofp_be16 type;       /* OFPMBT_* */
	ofp_be16 len;        /* 16 */
	ofp_be32 rate;       /* kbps or pktps */
	ofp_be32 burst_size; /* burst */
	uint8_t prec_level;  /* DSCP_REMARK: precedence increase; else pad */
	uint8_t pad[3];      /* zero */
};
_Static_assert(sizeof(struct ofp13_meter_band) == 16, "ofp_meter_band");

/* ---- multipart -------------------------------------------------------- */

#define OFPMP_DESC 0
#define OFPMP_FLOW 1
#define OFPMP_AGGREGATE 2
#define OFPMP_TABLE 3
#define OFPMP_PORT_STATS 4
#define OFPMP_GROUP_DESC 7
#define OFPMP_METER 9
#define OFPMP_PORT_DESC 13

struct ofp13_multipart_request {
	struct ofp13_header header; /* MULTIPART_REQUEST / _REPLY */
	ofp_be16 type;            /* OFPMP_* */
	ofp_be16 flags;           /* OFPMPF_REQ_MORE / REPLY_MORE */
	uint8_t pad[4];           /* zero */
	/* body */
};
_Static_assert(sizeof(struct ofp13_multipart_request) == 16, "multipart");

struct ofp13_flow_stats_request {
	uint8_t table_id;     /* OFPTT_ALL for all */
	uint8_t pad[3];       /* zero */
	ofp_be32 out_port;    /* filter, OFPP_ANY */
	ofp_be32 out_group;   /* filter, OFPG_ANY */
	uint8_t pad2[4];      /* zero */
	ofp_be64 cookie;      /* filter */
	ofp_be64 cookie_mask; /* filter */
	struct ofp13_match match; /* filter */
};
_Static_assert(sizeof(struct ofp13_flow_stats_request) == 40, "flow stats req");

#define DESC_STR_LEN 256
#define SERIAL_NUM_LEN 32
struct ofp13_desc {
	char mfr_desc[DESC_STR_LEN];      /* manufacturer */
	char hw_desc[DESC_STR_LEN];       /* hardware */
	char sw_desc[DESC_STR_LEN];       /* software */
	char serial_num[SERIAL_NUM_LEN];  /* serial */
	char dp_desc[DESC_STR_LEN];       /* datapath */
};
_Static_assert(sizeof(struct ofp13_desc) == 1056, "ofp_desc");

struct ofp13_flow_stats {
	ofp_be16 length;        /* this entry with instructions */
	uint8_t table_id;       /* table */
	uint8_t pad;            /* zero */
	ofp_be32 duration_sec;  /* age */
	ofp_be32 duration_nsec; /* age, ns part */
	ofp_be16 priority;      /* priority */
	ofp_be16 idle_timeout;  /* seconds */
	ofp_be16 hard_timeout;  /* seconds */
	ofp_be16 flags;         /* OFPFF_* */
	uint8_t pad2[4];        /* zero */
	ofp_be64 cookie;        /* cookie */
	ofp_be64 packet_count;  /* counters */
	ofp_be64 byte_count;    /* counters */
	struct ofp13_match match; /* then instructions */
};
_Static_assert(sizeof(struct ofp13_flow_stats) == 56, "ofp_flow_stats");

struct ofp13_aggregate_stats_reply {
	ofp_be64 packet_count; /* sum */
	ofp_be64 byte_count;   /* sum */
	ofp_be32 flow_count;   /* flows */
	uint8_t pad[4];        /* zero */
};
_Static_assert(sizeof(struct ofp13_aggregate_stats_reply) == 24, "aggregate");

struct ofp13_table_stats {
	uint8_t table_id;       /* table */
	uint8_t pad[3];         /* zero */
	ofp_be32 active_count;  /* flows */
	ofp_be64 lookup_count;  /* lookups */
	ofp_be64 matched_count; /* hits */
};
_Static_assert(sizeof(struct ofp13_table_stats) == 24, "table stats");

struct ofp13_port_stats_request {
	ofp_be32 port_no; /* OFPP_ANY for all */
	uint8_t pad[4];   /* zero */
};
_Static_assert(sizeof(struct ofp13_port_stats_request) == 8, "port stats req");

struct ofp13_port_stats {
	ofp_be32 port_no;      /* port */
	uint8_t pad[4];        /* zero */
	ofp_be64 rx_packets;   /* packets received */
	ofp_be64 tx_packets;   /* packets sent */
	ofp_be64 rx_bytes;     /* bytes received */
	ofp_be64 tx_bytes;     /* bytes sent */
	ofp_be64 rx_dropped;   /* receive drops */
	ofp_be64 tx_dropped;   /* transmit drops */
	ofp_be64 rx_errors;    /* receive errors (all kinds) */
	ofp_be64 tx_errors;    /* transmit errors */
	ofp_be64 rx_frame_err; /* frame alignment errors */
	ofp_be64 rx_over_err;  /* overruns */
	ofp_be64 rx_crc_err;   /* CRC errors */
	ofp_be64 collisions;   /* collisions */
	ofp_be32 duration_sec; /* port age */
	ofp_be32 duration_nsec; /* port age, ns part */
};
_Static_assert(sizeof(struct ofp13_port_stats) == 112, "port stats");

struct ofp13_group_desc {
	ofp_be16 length;   /* including buckets */
	uint8_t type;      /* OFPGT_* */
	uint8_t pad;       /* zero */
	ofp_be32 group_id; /* group */
	/* buckets */
};
_Static_assert(sizeof(struct ofp13_group_desc) == 8, "group desc");

struct ofp13_meter_multipart_request {
	ofp_be32 meter_id; /* OFPM_ALL for all */
	uint8_t pad[4];    /* zero */
};
_Static_assert(sizeof(struct ofp13_meter_multipart_request) == 8, "meter req");

struct ofp13_meter_stats {
	ofp_be32 meter_id;        /* meter */
	ofp_be16 len;             /* including band stats */
	uint8_t pad[6];           /* zero */
	ofp_be32 flow_count;      /* flows using it */
	ofp_be64 packet_in_count; /* packets in */
	ofp_be64 byte_in_count;   /* bytes in */
	ofp_be32 duration_sec;    /* age */
	ofp_be32 duration_nsec;   /* age, ns part */
	/* band stats */
};
_Static_assert(sizeof(struct ofp13_meter_stats) == 40, "meter stats");

struct ofp13_meter_band_stats {
	ofp_be64 packet_band_count; /* packets over the band */
	ofp_be64 byte_band_count;   /* bytes over the band */
};
_Static_assert(sizeof(struct ofp13_meter_band_stats) == 16, "band stats");

/* ---- bundles: ONF extension 1.3 form (as Open vSwitch 3.1 takes it) ---- */

#define ONF_EXPERIMENTER_ID 0x4f4e4600u
#define ONFT_BUNDLE_CONTROL 2300
#define ONFT_BUNDLE_ADD_MESSAGE 2301

struct onf_bundle_ctrl_msg {
	struct ofp13_experimenter_header eh; /* ONF_EXPERIMENTER_ID, ONFT_BUNDLE_CONTROL */
	ofp_be32 bundle_id;                /* chosen by the controller */
	ofp_be16 type;                     /* OFPBCT_* */
	ofp_be16 flags;                    /* OFPBF_* */
	/* properties (none used) */
};
_Static_assert(sizeof(struct onf_bundle_ctrl_msg) == 24, "bundle ctrl");

struct onf_bundle_add_msg {
	struct ofp13_experimenter_header eh; /* ONF_EXPERIMENTER_ID, ONFT_BUNDLE_ADD_MESSAGE */
	ofp_be32 bundle_id;                /* bundle */
	uint8_t pad[2];                    /* zero */
	ofp_be16 flags;                    /* OFPBF_* as in the OPEN_REQUEST */
	/* the inner message (with its own ofp_header), padded to 8 */
};
_Static_assert(sizeof(struct onf_bundle_add_msg) == 24, "bundle add");

#endif
