/* drivers/mbox/objects.h: the objects hostd mirrors to the NIC.
 *
 * The mailbox moves objects keyed by (kind, id) in OBJ_SET / OBJ_DEL
 * messages (mbox_wire.h, struct mbox_wire_obj); this header says what the
 * kinds are and how each kind's body is laid out. hostd encodes bodies,
 * the firmware's mirror (firmware/mirror.c) checks and stores them; both
 * include this one list, so a kind added here exists on both sides. The
 * topology kinds (NIC_PORT .. TUNNEL_EP) are produced by hostd/offload from
 * the topology and compiled into flow rules by firmware/compiler.c; the
 * firmware answers each with an OBJ_STATUS (MBOX_OBJ_STATUS_LIST).
 *
 * Bodies come from the peer's shared memory: every decoder here checks the
 * length and every field, and says precisely what is wrong. */
#ifndef DFNIC_MBOX_OBJECTS_H
#define DFNIC_MBOX_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/mbox_wire.h"

#define MBOX_HOSTNAME_LEN 64 /* bytes of a hostname on the wire (HOST_NAME_MAX) */
#define MBOX_VERSION_LEN 32  /* bytes of a software version on the wire */

/* HOST_INFO body: who the host is. Strings are printable ASCII, NUL-padded
 * (a full-length string has no NUL). */
struct mbox_wire_host_info {
	char hostname[MBOX_HOSTNAME_LEN]; /* the host's name, nonempty */
	char version[MBOX_VERSION_LEN];   /* hostd's version, nonempty */
};
_Static_assert(sizeof(struct mbox_wire_host_info) == 96, "host info size");

/* ---- topology objects (issue 5: what the NIC needs to offload) -------------
 *
 * Ids are hostd's stable 32-bit keys (hostd/topo: "dfnic:*_key"), so a
 * reference between objects is a key: NIC_PORT id = port key, NETWORK id =
 * network key, SUBNET id = subnet key, ROUTER_IFACE id = the interface
 * port's key, NEIGHBOUR id = the VM port's key, TUNNEL_EP id = the remote
 * chassis' key, ROUTE id = chosen by hostd (unique per router route).
 * IPv4 addresses travel as le32 numbers (10.0.0.1 = 0x0a000001). Every
 * pad/reserved byte must be zero. */

#define MBOX_IFNAME_LEN 16 /* bytes of an interface name on the wire */
#define MBOX_NEIGH_MAX_IPS 5 /* IPv4 addresses per neighbour (Neutron's limit) */

/* NIC_PORT: a VM port bound to this chassis, plugged into the NIC. */
#define MBOX_PORT_F_UP 0x01u /* admin state up */
struct mbox_wire_nic_port {
	le32 network;                  /* network key (nonzero) */
	uint8_t mac[6];                /* the VM's MAC: unicast, nonzero */
	uint8_t flags;                 /* MBOX_PORT_F_* */
	uint8_t pad;                   /* zero */
	char ifname[MBOX_IFNAME_LEN];  /* br-int / NIC interface name, NUL-padded */
	le32 reserved;                 /* zero */
};
_Static_assert(sizeof(struct mbox_wire_nic_port) == 32, "nic port size");

/* NETWORK: a network with a port or router interface on this chassis. */
#define MBOX_NET_TYPES(X) X(FLAT, 0, "flat") X(VLAN, 1, "vlan") X(VXLAN, 2, "vxlan") X(GRE, 3, "gre")
enum mbox_net_type {
#define MBOX_NET_ENUM(n, v, s) MBOX_NET_##n = v,
	MBOX_NET_TYPES(MBOX_NET_ENUM)
#undef MBOX_NET_ENUM
};
struct mbox_wire_network {
	uint8_t type;    /* enum mbox_net_type */
	uint8_t pad[3];  /* zero */
	le32 segment;    /* VLAN id 1..4094, VNI 1..2^24-1, GRE key >= 1, 0 for flat */
	le32 mtu;        /* 68..65535 */
	le32 reserved;   /* zero */
};
_Static_assert(sizeof(struct mbox_wire_network) == 16, "network size");

/* SUBNET: an IPv4 subnet of a NETWORK. */
struct mbox_wire_subnet {
	le32 network;    /* network key (nonzero) */
	le32 cidr;       /* network address (no host bits) */
	uint8_t plen;    /* prefix length 0..32 */
	uint8_t pad[3];  /* zero */
	le32 gateway;    /* gateway IPv4 inside the subnet, 0 = none */
};
_Static_assert(sizeof(struct mbox_wire_subnet) == 16, "subnet size");

/* ROUTER_IFACE: a router's address and MAC on one subnet. */
struct mbox_wire_router_iface {
	le32 router;     /* router key (nonzero) */
	le32 network;    /* network key (nonzero) */
	le32 subnet;     /* subnet key (nonzero) */
	le32 ip;         /* the router's IPv4 on the subnet (inside it) */
	uint8_t mac[6];  /* the router port's MAC: unicast, nonzero */
	uint8_t plen;    /* the subnet's prefix length 1..32 */
	uint8_t pad;     /* zero */
};
_Static_assert(sizeof(struct mbox_wire_router_iface) == 24, "router iface size");

/* NEIGHBOUR: IPv4 -> MAC of a VM port on a routed network, and where it
 * is: behind a NIC_PORT of this NIC, or on a remote chassis (TUNNEL_EP). */
#define MBOX_NEIGH_PORT 1   /* target = NIC_PORT id */
#define MBOX_NEIGH_REMOTE 2 /* target = TUNNEL_EP id */
struct mbox_wire_neighbour {
	le32 network;                  /* network key (nonzero) */
	uint8_t mac[6];                /* unicast, nonzero */
	uint8_t where;                 /* MBOX_NEIGH_PORT or MBOX_NEIGH_REMOTE */
	uint8_t n_ips;                 /* 1..MBOX_NEIGH_MAX_IPS */
	le32 target;                   /* NIC_PORT id or TUNNEL_EP id (nonzero) */
	le32 ips[MBOX_NEIGH_MAX_IPS];  /* n_ips nonzero addresses, the rest zero */
	le32 reserved;                 /* zero */
};
_Static_assert(sizeof(struct mbox_wire_neighbour) == 40, "neighbour size");

/* ROUTE: an extra route of a router: prefix -> next hop (a neighbour). */
struct mbox_wire_route {
	le32 router;     /* router key (nonzero) */
	le32 dest;       /* destination network (no host bits) */
	uint8_t plen;    /* prefix length 0..32 */
	uint8_t pad[3];  /* zero */
	le32 nexthop;    /* next hop IPv4 (nonzero) */
};
_Static_assert(sizeof(struct mbox_wire_route) == 16, "route size");

/* TUNNEL_EP: a remote chassis' VXLAN/GRE endpoint. */
struct mbox_wire_tunnel_ep {
	le32 remote_ip;  /* the remote chassis' tunnel IPv4 (nonzero) */
	le32 local_ip;   /* this chassis' tunnel IPv4 (nonzero) */
	uint8_t mac[6];  /* underlay next-hop MAC towards remote_ip; zero = unknown */
	uint8_t pad[2];  /* zero */
};
_Static_assert(sizeof(struct mbox_wire_tunnel_ep) == 16, "tunnel endpoint size");

/* The object catalogue:
 *   X(NAME, lname, kind code, body size, description)
 * lname names the decode_/encode_/format_ functions and the union member.
 * Every kind has a fixed-size body for now (a row with a variable body
 * will need a "minimum size" column). */
#define MBOX_OBJ_KIND_LIST(X)                                                                   \
	X(HOST_INFO, host_info, 1, sizeof(struct mbox_wire_host_info),                          \
	  "host identity (hostname, hostd version)")                                            \
	X(NIC_PORT, nic_port, 2, sizeof(struct mbox_wire_nic_port), "VM port on this NIC")      \
	X(NETWORK, network, 3, sizeof(struct mbox_wire_network), "network and its segment")     \
	X(SUBNET, subnet, 4, sizeof(struct mbox_wire_subnet), "IPv4 subnet of a network")       \
	X(ROUTER_IFACE, router_iface, 5, sizeof(struct mbox_wire_router_iface),                 \
	  "router MAC and IP on a subnet")                                                      \
	X(NEIGHBOUR, neighbour, 6, sizeof(struct mbox_wire_neighbour),                          \
	  "VM IPv4 -> MAC, local port or remote chassis")                                       \
	X(ROUTE, route, 7, sizeof(struct mbox_wire_route), "extra route prefix -> next hop")    \
	X(TUNNEL_EP, tunnel_ep, 8, sizeof(struct mbox_wire_tunnel_ep), "remote tunnel endpoint")

enum mbox_obj_kind {
#define MBOX_OBJ_ENUM(name, lname, code, size, desc) MBOX_OBJ_##name = code,
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_ENUM)
#undef MBOX_OBJ_ENUM
};
#define MBOX_OBJ_KIND_MAX 8 /* highest kind code */

/* What the NIC did with an object (OBJ_STATUS status field), X(NAME, code,
 * text). The reason text travels after the status (rejected: the flow
 * driver's message; pending: what is missing). */
#define MBOX_OBJ_STATUS_LIST(X)                                                      \
	X(PENDING, 1, "pending")     /* not compiled yet, or waiting for a dependency */ \
	X(OFFLOADED, 2, "offloaded") /* all its rules are installed */                  \
	X(REJECTED, 3, "rejected")   /* a rule was refused: OVS serves it */            \
	X(NO_RULE, 4, "no-rule")     /* needs no rule (kept in the mirror only) */

enum mbox_obj_status {
#define MBOX_OBJ_STATUS_ENUM(name, code, text) MBOX_OBJ_ST_##name = code,
	MBOX_OBJ_STATUS_LIST(MBOX_OBJ_STATUS_ENUM)
#undef MBOX_OBJ_STATUS_ENUM
};
/* "offloaded", ...; NULL when unknown. */
const char *mbox_obj_status_name(unsigned status);

/* Decoded HOST_INFO. */
struct mbox_host_info {
	char hostname[MBOX_HOSTNAME_LEN + 1]; /* NUL-terminated */
	char version[MBOX_VERSION_LEN + 1];   /* NUL-terminated */
};

/* Decoded topology objects (host-order numbers, NUL-terminated names). */
struct mbox_nic_port {
	uint32_t network;                 /* network key */
	uint8_t mac[6];                   /* VM MAC */
	uint8_t flags;                    /* MBOX_PORT_F_* */
	char ifname[MBOX_IFNAME_LEN + 1]; /* interface name */
};
struct mbox_network {
	uint8_t type;     /* enum mbox_net_type */
	uint32_t segment; /* VLAN id / VNI / GRE key, 0 flat */
	uint32_t mtu;     /* bytes */
};
struct mbox_subnet {
	uint32_t network; /* network key */
	uint32_t cidr;    /* network address */
	uint8_t plen;     /* prefix length */
	uint32_t gateway; /* 0 = none */
};
struct mbox_router_iface {
	uint32_t router;  /* router key */
	uint32_t network; /* network key */
	uint32_t subnet;  /* subnet key */
	uint32_t ip;      /* router IPv4 */
	uint8_t mac[6];   /* router MAC */
	uint8_t plen;     /* subnet prefix length */
};
struct mbox_neighbour {
	uint32_t network;                 /* network key */
	uint8_t mac[6];                   /* VM MAC */
	uint8_t where;                    /* MBOX_NEIGH_PORT / _REMOTE */
	uint8_t n_ips;                    /* entries used in ips */
	uint32_t target;                  /* NIC_PORT id or TUNNEL_EP id */
	uint32_t ips[MBOX_NEIGH_MAX_IPS]; /* addresses */
};
struct mbox_route {
	uint32_t router;  /* router key */
	uint32_t dest;    /* destination network */
	uint8_t plen;     /* prefix length */
	uint32_t nexthop; /* next hop IPv4 */
};
struct mbox_tunnel_ep {
	uint32_t remote_ip; /* remote tunnel IPv4 */
	uint32_t local_ip;  /* our tunnel IPv4 */
	uint8_t mac[6];     /* underlay next hop MAC, zero = unknown */
};

/* Any decoded body, by kind (the member named by the catalogue's lname). */
union mbox_obj_body {
#define MBOX_OBJ_MEMBER(name, lname, code, size, desc) struct mbox_##lname lname;
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_MEMBER)
#undef MBOX_OBJ_MEMBER
};

/* Name of a kind ("HOST_INFO"), NULL when unknown. */
const char *mbox_obj_kind_name(unsigned kind);

/* Check an OBJ_SET body of `kind` (decodes it and throws the result away).
 * Returns 0, -EOPNOTSUPP (unknown kind) or -EBADMSG (malformed), with the
 * reason in err. */
int mbox_obj_check(unsigned kind, const uint8_t *body, size_t len, char *err, size_t errlen);

/* One-line form of a body for logs ("hostname=h1 version=0.1.0"), or of
 * why it cannot be decoded. Returns the snprintf-style length. */
int mbox_obj_format(unsigned kind, const uint8_t *body, size_t len, char *buf, size_t cap);

/* decode_/encode_/format_ of every kind. HOST_INFO: decode 0 or -EBADMSG
 * (length, empty or non-printable string, junk after the NUL); encode:
 * bytes written, -EMSGSIZE (cap too small) or -EINVAL (a string too long,
 * empty or non-printable). The topology kinds: decode returns 0 or
 * -EBADMSG (wrong length, nonzero padding, a field out of range: the field
 * is named in err); encode returns the body size, -EMSGSIZE (cap too
 * small) or -EINVAL (the in-memory object would not decode). */
#define MBOX_OBJ_PROTOS(name, lname, code, size, desc)                                     \
	int mbox_decode_##lname(const uint8_t *body, size_t len, struct mbox_##lname *out,  \
				char *err, size_t errlen);                                  \
	int mbox_encode_##lname(const struct mbox_##lname *in, void *buf, size_t cap);      \
	int mbox_format_##lname(const struct mbox_##lname *in, char *buf, size_t cap);
MBOX_OBJ_KIND_LIST(MBOX_OBJ_PROTOS)
#undef MBOX_OBJ_PROTOS

/* Generic forms dispatching on kind: decode (0, -EOPNOTSUPP unknown kind,
 * -EBADMSG), encode (size, -EOPNOTSUPP, -EMSGSIZE, -EINVAL). */
int mbox_obj_decode(unsigned kind, const uint8_t *body, size_t len, union mbox_obj_body *out,
		    char *err, size_t errlen);
int mbox_obj_encode(unsigned kind, const union mbox_obj_body *in, void *buf, size_t cap);
/* Body size of a kind (0 when unknown). */
size_t mbox_obj_body_size(unsigned kind);
/* "10.0.0.1" into buf (16 bytes). */
const char *mbox_ipv4_fmt(uint32_t ip, char *buf);

/* ---- statistics reports (NIC -> host; issue 5: `dfctl offload --stats`) ----
 *
 * The firmware reports its data-path counters every --stats-ms as a burst
 * of OBJ_STATUS events whose kind is a statistics kind (below): a report is
 * its records, then one STATS_END. The status field of every message of a
 * report carries the report's generation (+1 per report, wrapping), so the
 * host publishes a report only when its STATS_END arrives with the same
 * generation and the announced record count (a report cut short by a full
 * ring is dropped whole). OBJ_STATUS bodies must be UTF-8, so a record's
 * body is text: "name=value" fields separated by one space, in the fixed
 * order of its kind's field list, values in decimal without sign or
 * leading zeros, each within its field's maximum; a kind may end with a
 * text field (printable ASCII, at most MBOX_STATS_TEXT_MAX bytes) that runs
 * to the end of the body. These kinds are not in MBOX_OBJ_KIND_LIST: they
 * never travel in OBJ_SET (the mirror refuses them as unknown kinds).
 *
 *   X(NAME, lname, kind code, description) */
#define MBOX_STATS_KIND_LIST(X)                                                         \
	X(RULE_STATS, rule_stats, 0x101, "counters of one flow rule (id: record number)") \
	X(PORT_STATS, port_stats, 0x102, "counters of one data-path port (id: port id)")  \
	X(NETIF_STATS, netif_stats, 0x103, "counters of one slow-path interface (id: "   \
					   "router interface id)")                       \
	X(STATS_END, stats_end, 0x1ff, "end of one report (id: 0)")

enum mbox_stats_kind {
#define MBOX_STATS_ENUM(name, lname, code, desc) MBOX_##name = code,
	MBOX_STATS_KIND_LIST(MBOX_STATS_ENUM)
#undef MBOX_STATS_ENUM
};

/* Fields of each statistics kind, in wire order: X(kind, field, maximum).
 * The text field of a kind (if any) is named by MBOX_STATS_TEXT_FIELDS. */
#define MBOX_STATS_FIELD_LIST(X)                                                      \
	X(RULE_STATS, kind, 0xffff)          /* owner object kind */                 \
	X(RULE_STATS, obj, 0xffffffff)       /* owner object id */                   \
	X(RULE_STATS, rule, 0xffffffff)      /* rule number within the object */     \
	X(RULE_STATS, group, 0xffffffff)     /* rte_flow group */                    \
	X(RULE_STATS, hits, UINT64_MAX)      /* packets matched */                   \
	X(RULE_STATS, bytes, UINT64_MAX)     /* their bytes */                        \
	X(PORT_STATS, rx, UINT64_MAX)        /* frames received from the VM */       \
	X(PORT_STATS, tx, UINT64_MAX)        /* frames sent to the VM */             \
	X(PORT_STATS, offloaded, UINT64_MAX) /* rx forwarded by the NIC's rules */   \
	X(PORT_STATS, trapped, UINT64_MAX)   /* rx trapped to the slow path */       \
	X(PORT_STATS, to_ovs, UINT64_MAX)    /* rx missed: sent up the representor */\
	X(PORT_STATS, from_ovs, UINT64_MAX)  /* from the representor to the VM */    \
	X(PORT_STATS, dropped, UINT64_MAX)   /* dropped (rule, no room, no port) */   \
	X(NETIF_STATS, router, 0xffffffff)   /* router key */                        \
	X(NETIF_STATS, ip, 0xffffffff)       /* its IPv4 (host order number) */      \
	X(NETIF_STATS, arp_in, UINT64_MAX)   /* ARP requests fed to lwIP */          \
	X(NETIF_STATS, arp_out, UINT64_MAX)  /* ARP replies lwIP sent */             \
	X(NETIF_STATS, echo_in, UINT64_MAX)  /* ICMP echo requests fed to lwIP */    \
	X(NETIF_STATS, echo_out, UINT64_MAX) /* ICMP echo replies lwIP sent */       \
	X(NETIF_STATS, dropped, UINT64_MAX)  /* trapped frames not fed / not sent */ \
	X(STATS_END, records, 0xffffffff)    /* records before this one */           \
	X(STATS_END, rules, 0xffffffff)      /* rules installed */                   \
	X(STATS_END, omitted, 0xffffffff)    /* rules without hits left out */       \
	X(STATS_END, uptime_ms, UINT64_MAX)  /* since the firmware started */

/* X(kind, text field name): the kinds that end with a text field. */
#define MBOX_STATS_TEXT_FIELDS(X) X(RULE_STATS, what) X(PORT_STATS, name) X(NETIF_STATS, name)

#define MBOX_STATS_MAX_FIELDS 8 /* numeric fields of the largest kind */
#define MBOX_STATS_TEXT_MAX 80  /* bytes of the text field */

/* One decoded statistics record. */
struct mbox_stats_rec {
	uint16_t kind;                       /* enum mbox_stats_kind */
	uint64_t v[MBOX_STATS_MAX_FIELDS];   /* numeric fields in the kind's order */
	char text[MBOX_STATS_TEXT_MAX + 1];  /* the text field ("" when the kind has none) */
};

/* Name of a statistics kind ("RULE_STATS"), NULL when it is not one. */
const char *mbox_stats_kind_name(unsigned kind);
/* Numeric fields of a kind (0 when unknown); name of field i (NULL past
 * the end); name of its text field (NULL: none). */
unsigned mbox_stats_nfields(unsigned kind);
const char *mbox_stats_field_name(unsigned kind, unsigned i);
const char *mbox_stats_text_name(unsigned kind);
/* Copy `s` into rec->text: non-printable bytes become '?', cut at
 * MBOX_STATS_TEXT_MAX bytes. */
void mbox_stats_set_text(struct mbox_stats_rec *rec, const char *s);

/* Encode `in` (its kind's fields; text printable and short enough).
 * Returns the body length, -EOPNOTSUPP (not a statistics kind), -EINVAL
 * (a value above its field's maximum, a bad text) or -EMSGSIZE. No NUL is
 * written after the body. */
int mbox_encode_stats(const struct mbox_stats_rec *in, char *buf, size_t cap);
/* Decode an OBJ_STATUS body of statistics kind `kind`: 0, -EOPNOTSUPP (not
 * a statistics kind) or -EBADMSG with the reason in err (missing or
 * misnamed field, not a number, out of range, leading zero, bad text,
 * trailing bytes). */
int mbox_decode_stats(unsigned kind, const uint8_t *body, size_t len, struct mbox_stats_rec *out,
		      char *err, size_t errlen);

#endif
