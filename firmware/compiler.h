/* firmware/compiler.h: the rule compiler, mirror -> rte_flow rules.
 *
 * Reads the topology objects hostd pushed (firmware/mirror.h, bodies from
 * drivers/mbox/objects.h) and turns each into the rte_flow attribute, item
 * and action arrays that any flow driver (drivers/flow/flow.h) installs:
 * the soft driver's packet engine executes exactly these rules on the sim
 * data path; the rte_flow driver hands them to a real NIC. Pure: no I/O,
 * no driver calls (firmware/offload.c installs what it emits).
 *
 * The groups mirror hostd's OpenFlow pipeline (hostd/pipeline/README.md);
 * whatever misses goes to OVS, which always holds the full pipeline:
 *
 *   0 classify   in port (a NIC_PORT) + EtherType ARP    -> META=net, JUMP 1
 *                in port + IPv4 to a router MAC          -> META=net, MARK=router, JUMP 2
 *                uplink + VXLAN VNI / VLAN id / GRE key  -> decap, META=net, JUMP 3
 *   1 arp        META=net + ARP request for a router IP  -> QUEUE (slow path)
 *   2 l3         MARK=router + IPv4 ICMP to a router IP  -> QUEUE (slow path:
 *                lwIP answers echo requests)
 *                MARK=router + IPv4 dst /32 (neighbour) or prefix (extra
 *                route) -> SET_MAC_SRC router MAC, SET_MAC_DST VM MAC,
 *                DEC_TTL, PORT_ID VM port | VXLAN_ENCAP + PORT_ID uplink
 *   3 l2         META=net + ETH dst VM MAC (after decap) -> PORT_ID VM port
 *
 * Entries are owned by objects: NIC_PORT (its classify rules and its l2
 * delivery), NETWORK (uplink classify), ROUTER_IFACE (ARP and ICMP traps), NEIGHBOUR
 * (its /32 routes, one per router with a leg on its network and address),
 * ROUTE (its prefix). SUBNET, TUNNEL_EP and HOST_INFO compile to nothing
 * (they are read by the others). Single-threaded, like the mirror. */
#ifndef DFNIC_FIRMWARE_COMPILER_H
#define DFNIC_FIRMWARE_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include <rte_flow.h>

#include "firmware/mirror.h"
#include "firmware/ports.h"

/* Groups (rte_flow attr.group), as in the table above. */
#define FW_GROUP_CLASSIFY 0
#define FW_GROUP_ARP 1
#define FW_GROUP_L3 2
#define FW_GROUP_L2 3
#define FW_N_GROUPS 4

#define FW_SLOW_PATH_QUEUE 0 /* QUEUE index of the slow path (lwIP) */
#define FW_VXLAN_PORT 4789   /* IANA VXLAN UDP port */

/* Items / actions of one rule, END included. */
#define FW_RULE_MAX_ITEMS 8
#define FW_RULE_MAX_ACTIONS 8

/* Storage for one item's spec or mask. */
union fw_item_data {
	struct rte_flow_item_port_id port_id;   /* PORT_ID */
	struct rte_flow_item_eth eth;           /* ETH */
	struct rte_flow_item_vlan vlan;         /* VLAN */
	struct rte_flow_item_ipv4 ipv4;         /* IPV4 */
	struct rte_flow_item_udp udp;           /* UDP */
	struct rte_flow_item_vxlan vxlan;       /* VXLAN */
	struct rte_flow_item_gre gre;           /* GRE */
	rte_be32_t gre_key;                     /* GRE_KEY */
	struct rte_flow_item_arp_eth_ipv4 arp;  /* ARP_ETH_IPV4 */
	struct rte_flow_item_mark mark;         /* MARK */
	struct rte_flow_item_meta meta;         /* META */
};

/* Storage for one action's configuration. */
union fw_action_data {
	struct rte_flow_action_jump jump;             /* JUMP */
	struct rte_flow_action_queue queue;           /* QUEUE */
	struct rte_flow_action_mark mark;             /* MARK */
	struct rte_flow_action_set_meta set_meta;     /* SET_META */
	struct rte_flow_action_set_mac set_mac;       /* SET_MAC_SRC / SET_MAC_DST */
	struct rte_flow_action_port_id port_id;       /* PORT_ID */
	struct rte_flow_action_vxlan_encap encap;     /* VXLAN_ENCAP (definition below) */
};

/* The outer headers of a VXLAN_ENCAP (its definition points here). */
struct fw_encap {
	struct rte_flow_item items[5];       /* ETH, IPV4, UDP, VXLAN, END */
	struct rte_flow_item_eth eth;        /* outer Ethernet */
	struct rte_flow_item_ipv4 ipv4;      /* outer IPv4 */
	struct rte_flow_item_udp udp;        /* outer UDP */
	struct rte_flow_item_vxlan vxlan;    /* VNI */
};

/* One compiled rule. Self-referential (items/actions point into the
 * struct): never copy one, use it where the compiler hands it over. */
struct fw_rule {
	struct rte_flow_attr attr;                          /* group, priority, transfer */
	struct rte_flow_item items[FW_RULE_MAX_ITEMS];      /* pattern, END-terminated */
	struct rte_flow_action actions[FW_RULE_MAX_ACTIONS];/* actions, END-terminated */
	union fw_item_data spec[FW_RULE_MAX_ITEMS];         /* items[i].spec storage */
	union fw_item_data mask[FW_RULE_MAX_ITEMS];         /* items[i].mask storage */
	union fw_action_data conf[FW_RULE_MAX_ACTIONS];     /* actions[i].conf storage */
	struct fw_encap encap;                              /* VXLAN_ENCAP definition */
	unsigned n_items;                                   /* items before END */
	unsigned n_actions;                                 /* actions before END */
	char what[96];                                      /* "l3 10.0.1.7/32 router 3" */
};

/* 64-bit fingerprint of a rule's content (attr, items, actions, confs;
 * never the pointers): equal rules hash equal. */
uint64_t fw_rule_hash(const struct fw_rule *r);

/* Called for each rule of an object, in order. Return 0 to go on, a
 * negative errno to stop (fw_compile_object returns it). */
typedef int (*fw_emit_fn)(void *arg, const struct fw_rule *r);

struct fw_compiler;

/* 0 or -ENOMEM. `ports` is copied. */
int fw_compiler_create(const struct fw_ports *ports, struct fw_compiler **out);
/* Accepts NULL. */
void fw_compiler_destroy(struct fw_compiler *c);

/* Index the mirror for a compile pass (router interfaces, local ports per
 * network). Call after every change of the mirror, before compiling.
 * 0 or -ENOMEM. The mirror must outlive the pass. */
int fw_compiler_begin(struct fw_compiler *c, const struct mirror *m);

/* Compile one mirrored object, calling emit for each rule. Returns the
 * number of rules (0: the object needs none; `why` says why when useful),
 * -EAGAIN (pending: something it refers to is missing; `why` says what),
 * -ENOTSUP (the compiler cannot express it; `why` says why), -EBADMSG
 * (the body does not decode: cannot happen for mirrored objects), or
 * emit's negative return. */
int fw_compile_object(struct fw_compiler *c, const struct mirror_obj *o, fw_emit_fn emit,
		      void *arg, char *why, size_t whylen);

/* "classify", "arp", "l3", "l2" for a group; "?" otherwise. */
const char *fw_group_name(uint32_t group);

#endif
