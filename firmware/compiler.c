/* firmware/compiler.c: mirror objects -> rte_flow rules (compiler.h).
 *
 * A pass starts with fw_compiler_begin(), which indexes what many objects
 * look up (router interfaces by network, local ports per network); then
 * fw_compile_object() builds each rule of one object in a scratch struct
 * fw_rule and hands it to the caller's emit callback (firmware/offload.c
 * fingerprints or installs it). Rules are built with the helpers below,
 * which copy every spec/mask/conf into the rule itself so the arrays stay
 * valid for as long as the rule does. */
#include "firmware/compiler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "drivers/base/util.h"
#include "drivers/mbox/objects.h"

#define IPV4_FULL RTE_BE32(0xffffffff)

/* A router interface and its id (the interface port's key). */
struct fw_rif {
	uint32_t id;                  /* ROUTER_IFACE id */
	struct mbox_router_iface ri;  /* its body */
};

struct fw_compiler {
	struct fw_ports ports;               /* port resolution */
	const struct mirror *m;              /* the mirror of this pass */
	struct fw_rif *rifs;                 /* every router interface, by id */
	size_t n_rifs, cap_rifs;             /* used / allocated */
	uint32_t *local_nets;                /* networks with an up NIC_PORT (sorted) */
	size_t n_local_nets, cap_local_nets; /* used / allocated */
	struct fw_rule rule;                 /* scratch rule handed to emit */
};

const char *fw_group_name(uint32_t group)
{
	static const char *const names[FW_N_GROUPS] = { "classify", "arp", "l3", "l2" };
	return group < FW_N_GROUPS ? names[group] : "?";
}

int fw_compiler_create(const struct fw_ports *ports, struct fw_compiler **out)
{
	struct fw_compiler *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ports = *ports;
	*out = c;
	return 0;
}

void fw_compiler_destroy(struct fw_compiler *c)
{
	if (!c)
		return;
	free(c->rifs);
	free(c->local_nets);
	free(c);
}

/* ---- indexing ----------------------------------------------------------- */

struct index_ctx {
	struct fw_compiler *c; /* being filled */
	int err;               /* first allocation failure */
};

static void index_one(void *arg, const struct mirror_obj *o)
{
	struct index_ctx *x = arg;
	struct fw_compiler *c = x->c;
	if (x->err)
		return;
	if (o->kind == MBOX_OBJ_ROUTER_IFACE) {
		struct mbox_router_iface ri;
		if (mbox_decode_router_iface(o->body, o->len, &ri, NULL, 0))
			return;
		if (dfn_grow((void **)&c->rifs, &c->cap_rifs, c->n_rifs + 1, sizeof(*c->rifs))) {
			x->err = -ENOMEM;
			return;
		}
		c->rifs[c->n_rifs].id = o->id;
		c->rifs[c->n_rifs++].ri = ri;
	} else if (o->kind == MBOX_OBJ_NIC_PORT) {
		struct mbox_nic_port np;
		if (mbox_decode_nic_port(o->body, o->len, &np, NULL, 0) ||
		    !(np.flags & MBOX_PORT_F_UP))
			return;
		if (dfn_grow((void **)&c->local_nets, &c->cap_local_nets, c->n_local_nets + 1,
			 sizeof(*c->local_nets))) {
			x->err = -ENOMEM;
			return;
		}
		c->local_nets[c->n_local_nets++] = np.network;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Router interfaces in id order, so every pass emits rules in one order. */
static int cmp_rif(const void *a, const void *b)
{
	return cmp_u32(&((const struct fw_rif *)a)->id, &((const struct fw_rif *)b)->id);
}

int fw_compiler_begin(struct fw_compiler *c, const struct mirror *m)
{
	c->m = m;
	c->n_rifs = 0;
	c->n_local_nets = 0;
	struct index_ctx x = { c, 0 };
	mirror_foreach(m, index_one, &x);
	if (x.err)
		return x.err;
	if (c->n_rifs)
		qsort(c->rifs, c->n_rifs, sizeof(*c->rifs), cmp_rif);
	if (c->n_local_nets)
		qsort(c->local_nets, c->n_local_nets, sizeof(*c->local_nets), cmp_u32);
	return 0;
}

static int has_local_port(const struct fw_compiler *c, uint32_t net)
{
	return c->n_local_nets &&
	       bsearch(&net, c->local_nets, c->n_local_nets, sizeof(net), cmp_u32) != NULL;
}

/* ---- rule building ------------------------------------------------------ */

static struct fw_rule *rule_start(struct fw_compiler *c, uint32_t group, uint32_t prio)
{
	struct fw_rule *r = &c->rule;
	memset(r, 0, sizeof(*r));
	r->attr.group = group;
	r->attr.priority = prio;
	r->attr.transfer = 1; /* forwarding between ports: the e-switch */
	r->items[0].type = RTE_FLOW_ITEM_TYPE_END;
	r->actions[0].type = RTE_FLOW_ACTION_TYPE_END;
	return r;
}

/* Append an item; spec/mask (size bytes each, may be NULL) are copied. */
static void item(struct fw_rule *r, enum rte_flow_item_type t, const void *spec,
		 const void *mask, size_t size)
{
	unsigned i = r->n_items++;
	r->items[i].type = t;
	if (spec) {
		memcpy(&r->spec[i], spec, size);
		r->items[i].spec = &r->spec[i];
	}
	if (mask) {
		memcpy(&r->mask[i], mask, size);
		r->items[i].mask = &r->mask[i];
	}
	r->items[i + 1].type = RTE_FLOW_ITEM_TYPE_END;
}

static void action(struct fw_rule *r, enum rte_flow_action_type t, const void *conf,
		   size_t size)
{
	unsigned i = r->n_actions++;
	r->actions[i].type = t;
	if (conf) {
		memcpy(&r->conf[i], conf, size);
		r->actions[i].conf = &r->conf[i];
	}
	r->actions[i + 1].type = RTE_FLOW_ACTION_TYPE_END;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void item_in_port(struct fw_rule *r, uint32_t port)
{
	struct rte_flow_item_port_id s = { .id = port }, m = { .id = 0xffffffff };
	item(r, RTE_FLOW_ITEM_TYPE_PORT_ID, &s, &m, sizeof(s));
}

static void action_port(struct fw_rule *r, uint32_t port)
{
	struct rte_flow_action_port_id a = { .id = port };
	action(r, RTE_FLOW_ACTION_TYPE_PORT_ID, &a, sizeof(a));
}
#pragma GCC diagnostic pop

static void item_meta(struct fw_rule *r, uint32_t net)
{
	struct rte_flow_item_meta s = { .data = net }, m = { .data = 0xffffffff };
	item(r, RTE_FLOW_ITEM_TYPE_META, &s, &m, sizeof(s));
}

static void item_mark(struct fw_rule *r, uint32_t id)
{
	struct rte_flow_item_mark s = { .id = id }, m = { .id = 0xffffffff };
	item(r, RTE_FLOW_ITEM_TYPE_MARK, &s, &m, sizeof(s));
}

/* ETH with an optional destination MAC and EtherType (host order, 0: any). */
static void item_eth(struct fw_rule *r, const uint8_t *dst, uint16_t type)
{
	struct rte_flow_item_eth s, m;
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	if (dst) {
		memcpy(s.hdr.dst_addr.addr_bytes, dst, 6);
		memset(m.hdr.dst_addr.addr_bytes, 0xff, 6);
	}
	if (type) {
		s.hdr.ether_type = rte_cpu_to_be_16(type);
		m.hdr.ether_type = RTE_BE16(0xffff);
	}
	item(r, RTE_FLOW_ITEM_TYPE_ETH, dst || type ? &s : NULL, dst || type ? &m : NULL,
	     sizeof(s));
}

static void item_ipv4_dst(struct fw_rule *r, uint32_t dst, unsigned plen)
{
	struct rte_flow_item_ipv4 s, m;
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;
	s.hdr.dst_addr = rte_cpu_to_be_32(dst & mask);
	m.hdr.dst_addr = rte_cpu_to_be_32(mask);
	item(r, RTE_FLOW_ITEM_TYPE_IPV4, &s, &m, sizeof(s));
}

static void action_meta(struct fw_rule *r, uint32_t net)
{
	struct rte_flow_action_set_meta a = { .data = net, .mask = 0xffffffff };
	action(r, RTE_FLOW_ACTION_TYPE_SET_META, &a, sizeof(a));
}

static void action_jump(struct fw_rule *r, uint32_t group)
{
	struct rte_flow_action_jump a = { .group = group };
	action(r, RTE_FLOW_ACTION_TYPE_JUMP, &a, sizeof(a));
}

static void action_mac(struct fw_rule *r, enum rte_flow_action_type t, const uint8_t mac[6])
{
	struct rte_flow_action_set_mac a;
	memcpy(a.mac_addr, mac, 6);
	action(r, t, &a, sizeof(a));
}

static void action_vxlan_encap(struct fw_rule *r, const struct mbox_tunnel_ep *ep,
			       const uint8_t src_mac[6], uint32_t vni)
{
	struct fw_encap *e = &r->encap;
	memcpy(e->eth.hdr.dst_addr.addr_bytes, ep->mac, 6);
	memcpy(e->eth.hdr.src_addr.addr_bytes, src_mac, 6);
	e->eth.hdr.ether_type = RTE_BE16(0x0800);
	e->ipv4.hdr.version_ihl = 0x45;
	e->ipv4.hdr.time_to_live = 64;
	e->ipv4.hdr.next_proto_id = 17;
	e->ipv4.hdr.src_addr = rte_cpu_to_be_32(ep->local_ip);
	e->ipv4.hdr.dst_addr = rte_cpu_to_be_32(ep->remote_ip);
	e->udp.hdr.dst_port = RTE_BE16(FW_VXLAN_PORT);
	e->vxlan.flags = 0x08;
	e->vxlan.vni[0] = (uint8_t)(vni >> 16);
	e->vxlan.vni[1] = (uint8_t)(vni >> 8);
	e->vxlan.vni[2] = (uint8_t)vni;
	e->items[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &e->eth };
	e->items[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &e->ipv4 };
	e->items[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &e->udp };
	e->items[3] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_VXLAN, .spec = &e->vxlan };
	e->items[4] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_END };
	struct rte_flow_action_vxlan_encap a = { .definition = e->items };
	action(r, RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP, &a, sizeof(a));
}

/* FNV-1a over bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t fw_rule_hash(const struct fw_rule *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv(h, &r->attr, sizeof(r->attr));
	for (unsigned i = 0; i < r->n_items; i++) {
		uint8_t flags = (uint8_t)((r->items[i].spec != NULL) | (r->items[i].mask != NULL) << 1);
		h = fnv(h, &r->items[i].type, sizeof(r->items[i].type));
		h = fnv(h, &flags, 1);
		h = fnv(h, &r->spec[i], sizeof(r->spec[i]));
		h = fnv(h, &r->mask[i], sizeof(r->mask[i]));
	}
	for (unsigned i = 0; i < r->n_actions; i++) {
		h = fnv(h, &r->actions[i].type, sizeof(r->actions[i].type));
		if (r->actions[i].type == RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP) {
			h = fnv(h, &r->encap.eth, sizeof(r->encap.eth));
			h = fnv(h, &r->encap.ipv4, sizeof(r->encap.ipv4));
			h = fnv(h, &r->encap.udp, sizeof(r->encap.udp));
			h = fnv(h, &r->encap.vxlan, sizeof(r->encap.vxlan));
		} else {
			h = fnv(h, &r->conf[i], sizeof(r->conf[i]));
		}
	}
	return h;
}

/* ---- lookups ------------------------------------------------------------ */

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__))

/* The device port of NIC_PORT `key`: 0, or -EAGAIN with why. */
static int port_of(struct fw_compiler *c, uint32_t key, uint32_t *port, char *why, size_t whylen)
{
	struct mirror_obj o;
	struct mbox_nic_port np;
	if (!mirror_get(c->m, MBOX_OBJ_NIC_PORT, key, &o) ||
	    mbox_decode_nic_port(o.body, o.len, &np, NULL, 0)) {
		WHY("NIC_PORT %u is not mirrored", key);
		return -EAGAIN;
	}
	if (!(np.flags & MBOX_PORT_F_UP)) {
		WHY("NIC_PORT %u (%s) is down", key, np.ifname);
		return -EAGAIN;
	}
	if (!c->ports.resolve) {
		*port = key;
		return 0;
	}
	if (c->ports.resolve(c->ports.arg, key, np.ifname, port)) {
		WHY("the NIC has no port %s (NIC_PORT %u)", np.ifname, key);
		return -EAGAIN;
	}
	return 0;
}

static int network_of(struct fw_compiler *c, uint32_t key, struct mbox_network *n, char *why,
		      size_t whylen)
{
	struct mirror_obj o;
	if (!mirror_get(c->m, MBOX_OBJ_NETWORK, key, &o) ||
	    mbox_decode_network(o.body, o.len, n, NULL, 0)) {
		WHY("NETWORK %u is not mirrored", key);
		return -EAGAIN;
	}
	return 0;
}

static uint32_t pmask(unsigned plen) { return plen ? ~0u << (32 - plen) : 0; }

/* ---- per kind ----------------------------------------------------------- */

static int compile_nic_port(struct fw_compiler *c, uint32_t key, const struct mbox_nic_port *np,
			    fw_emit_fn emit, void *arg, char *why, size_t whylen)
{
	if (!(np->flags & MBOX_PORT_F_UP)) {
		WHY("admin down: OVS handles it");
		return 0;
	}
	uint32_t port;
	struct mbox_network net;
	int r = port_of(c, key, &port, why, whylen);
	if (r)
		return r;
	if ((r = network_of(c, np->network, &net, why, whylen)))
		return r;
	int n = 0;
	int routed = 0;
	for (size_t i = 0; i < c->n_rifs; i++)
		routed |= c->rifs[i].ri.network == np->network;
	if (routed) {
		struct fw_rule *ru = rule_start(c, FW_GROUP_CLASSIFY, 1);
		item_in_port(ru, port);
		item_eth(ru, NULL, 0x0806);
		action_meta(ru, np->network);
		action_jump(ru, FW_GROUP_ARP);
		snprintf(ru->what, sizeof(ru->what), "classify ARP from %s -> net %u", np->ifname,
			 np->network);
		if ((r = emit(arg, ru)))
			return r;
		n++;
	}
	for (size_t i = 0; i < c->n_rifs; i++) {
		const struct mbox_router_iface *ri = &c->rifs[i].ri;
		if (ri->network != np->network)
			continue;
		int dup = 0; /* one rule per router MAC (a router may have 2 subnets here) */
		for (size_t j = 0; j < i; j++)
			dup |= c->rifs[j].ri.network == ri->network &&
			       !memcmp(c->rifs[j].ri.mac, ri->mac, 6);
		if (dup)
			continue;
		struct fw_rule *ru = rule_start(c, FW_GROUP_CLASSIFY, 1);
		item_in_port(ru, port);
		item_eth(ru, ri->mac, 0x0800);
		struct rte_flow_action_mark mk = { .id = ri->router };
		action_meta(ru, np->network);
		action(ru, RTE_FLOW_ACTION_TYPE_MARK, &mk, sizeof(mk));
		action_jump(ru, FW_GROUP_L3);
		snprintf(ru->what, sizeof(ru->what), "classify IPv4 from %s to router %u", np->ifname,
			 ri->router);
		if ((r = emit(arg, ru)))
			return r;
		n++;
	}
	if (net.type == MBOX_NET_VXLAN) {
		struct fw_rule *ru = rule_start(c, FW_GROUP_L2, 0);
		item_meta(ru, np->network);
		item_eth(ru, np->mac, 0);
		action_port(ru, port);
		snprintf(ru->what, sizeof(ru->what), "l2 deliver net %u to %s", np->network,
			 np->ifname);
		if ((r = emit(arg, ru)))
			return r;
		n++;
	}
	if (!n)
		WHY("network %u has no router and is not VXLAN: OVS switches it", np->network);
	return n;
}

static int compile_network(struct fw_compiler *c, uint32_t key, const struct mbox_network *net,
			   fw_emit_fn emit, void *arg, char *why, size_t whylen)
{
	if (!has_local_port(c, key)) {
		WHY("no port of this NIC on it");
		return 0;
	}
	if (c->ports.no_uplink && net->type != MBOX_NET_FLAT) {
		WHY("the NIC has no uplink port: OVS terminates its tunnels");
		return 0;
	}
	struct fw_rule *ru = rule_start(c, FW_GROUP_CLASSIFY, 0);
	item_in_port(ru, c->ports.uplink);
	switch (net->type) {
	case MBOX_NET_VXLAN: {
		item_eth(ru, NULL, 0);
		item(ru, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, 0);
		struct rte_flow_item_udp us, um;
		memset(&us, 0, sizeof(us));
		memset(&um, 0, sizeof(um));
		us.hdr.dst_port = RTE_BE16(FW_VXLAN_PORT);
		um.hdr.dst_port = RTE_BE16(0xffff);
		item(ru, RTE_FLOW_ITEM_TYPE_UDP, &us, &um, sizeof(us));
		struct rte_flow_item_vxlan vs, vm;
		memset(&vs, 0, sizeof(vs));
		memset(&vm, 0, sizeof(vm));
		vs.vni[0] = (uint8_t)(net->segment >> 16);
		vs.vni[1] = (uint8_t)(net->segment >> 8);
		vs.vni[2] = (uint8_t)net->segment;
		memset(vm.vni, 0xff, 3);
		item(ru, RTE_FLOW_ITEM_TYPE_VXLAN, &vs, &vm, sizeof(vs));
		action(ru, RTE_FLOW_ACTION_TYPE_VXLAN_DECAP, NULL, 0);
		snprintf(ru->what, sizeof(ru->what), "classify VNI %u -> net %u", net->segment, key);
		break;
	}
	case MBOX_NET_VLAN: {
		item_eth(ru, NULL, 0);
		struct rte_flow_item_vlan vs, vm;
		memset(&vs, 0, sizeof(vs));
		memset(&vm, 0, sizeof(vm));
		vs.tci = rte_cpu_to_be_16((uint16_t)net->segment);
		vm.tci = RTE_BE16(0x0fff);
		item(ru, RTE_FLOW_ITEM_TYPE_VLAN, &vs, &vm, sizeof(vs));
		action(ru, RTE_FLOW_ACTION_TYPE_OF_POP_VLAN, NULL, 0);
		snprintf(ru->what, sizeof(ru->what), "classify VLAN %u -> net %u", net->segment, key);
		break;
	}
	case MBOX_NET_GRE: {
		item_eth(ru, NULL, 0);
		item(ru, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, 0);
		item(ru, RTE_FLOW_ITEM_TYPE_GRE, NULL, NULL, 0);
		rte_be32_t ks = rte_cpu_to_be_32(net->segment), km = IPV4_FULL;
		item(ru, RTE_FLOW_ITEM_TYPE_GRE_KEY, &ks, &km, sizeof(ks));
		action(ru, RTE_FLOW_ACTION_TYPE_RAW_DECAP, NULL, 0);
		snprintf(ru->what, sizeof(ru->what), "classify GRE key %u -> net %u", net->segment,
			 key);
		break;
	}
	default:
		WHY("flat network: OVS classifies the provider port");
		return 0;
	}
	action_meta(ru, key);
	action_jump(ru, FW_GROUP_L2);
	int r = emit(arg, ru);
	return r ? r : 1;
}

static int compile_router_iface(struct fw_compiler *c, const struct mbox_router_iface *ri,
				fw_emit_fn emit, void *arg, char *why, size_t whylen)
{
	struct fw_rule *ru = rule_start(c, FW_GROUP_ARP, 0);
	item_meta(ru, ri->network);
	item_eth(ru, NULL, 0);
	struct rte_flow_item_arp_eth_ipv4 as, am;
	memset(&as, 0, sizeof(as));
	memset(&am, 0, sizeof(am));
	as.op = RTE_BE16(1);
	am.op = RTE_BE16(0xffff);
	as.tpa = rte_cpu_to_be_32(ri->ip);
	am.tpa = IPV4_FULL;
	item(ru, RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, &as, &am, sizeof(as));
	struct rte_flow_action_queue q = { .index = FW_SLOW_PATH_QUEUE };
	action(ru, RTE_FLOW_ACTION_TYPE_QUEUE, &q, sizeof(q));
	char a[16];
	snprintf(ru->what, sizeof(ru->what), "arp who-has %s net %u -> slow path",
		 mbox_ipv4_fmt(ri->ip, a), ri->network);
	int r = emit(arg, ru);
	if (r)
		return r;
	/* ICMP to the router's address (classify marked it with the router):
	 * the slow path's lwIP netif answers echo requests. */
	ru = rule_start(c, FW_GROUP_L3, 0);
	item_mark(ru, ri->router);
	item_eth(ru, NULL, 0);
	struct rte_flow_item_ipv4 is, im;
	memset(&is, 0, sizeof(is));
	memset(&im, 0, sizeof(im));
	is.hdr.dst_addr = rte_cpu_to_be_32(ri->ip);
	im.hdr.dst_addr = IPV4_FULL;
	is.hdr.next_proto_id = 1; /* ICMP */
	im.hdr.next_proto_id = 0xff;
	item(ru, RTE_FLOW_ITEM_TYPE_IPV4, &is, &im, sizeof(is));
	action(ru, RTE_FLOW_ACTION_TYPE_QUEUE, &q, sizeof(q));
	snprintf(ru->what, sizeof(ru->what), "icmp to %s router %u -> slow path",
		 mbox_ipv4_fmt(ri->ip, a), ri->router);
	r = emit(arg, ru);
	return r ? r : 2;
}

/* The L3 rule towards neighbour `nb` (already resolved) for router iface
 * `ri`: dst/plen matched on router `ri->router`. */
static int l3_rule(struct fw_compiler *c, const struct mbox_router_iface *ri,
		   const struct mbox_neighbour *nb, uint32_t dst, unsigned plen, const char *label,
		   fw_emit_fn emit, void *arg, char *why, size_t whylen)
{
	uint32_t out_port = 0;
	struct mbox_tunnel_ep ep;
	struct mbox_network net;
	int r;
	if (nb->where == MBOX_NEIGH_PORT) {
		if ((r = port_of(c, nb->target, &out_port, why, whylen)))
			return r;
	} else {
		struct mirror_obj o;
		if (c->ports.no_uplink) {
			WHY("the NIC has no uplink port: OVS tunnels traffic to remote chassis");
			return -ENOTSUP;
		}
		if ((r = network_of(c, nb->network, &net, why, whylen)))
			return r;
		if (net.type != MBOX_NET_VXLAN) {
			WHY("network %u is %s: only VXLAN towards a remote chassis is offloaded",
			    nb->network, net.type == MBOX_NET_VLAN ? "vlan" :
					 net.type == MBOX_NET_GRE  ? "gre" : "flat");
			return -ENOTSUP;
		}
		if (!mirror_get(c->m, MBOX_OBJ_TUNNEL_EP, nb->target, &o) ||
		    mbox_decode_tunnel_ep(o.body, o.len, &ep, NULL, 0)) {
			WHY("TUNNEL_EP %u is not mirrored", nb->target);
			return -EAGAIN;
		}
		static const uint8_t zero[6];
		if (!memcmp(ep.mac, zero, 6)) {
			char a[16];
			WHY("underlay MAC of tunnel endpoint %s unknown", mbox_ipv4_fmt(ep.remote_ip, a));
			return -EAGAIN;
		}
		out_port = c->ports.uplink;
	}
	struct fw_rule *ru = rule_start(c, FW_GROUP_L3, plen == 32 ? 0 : 33 - plen);
	item_mark(ru, ri->router);
	item_eth(ru, NULL, 0);
	item_ipv4_dst(ru, dst, plen);
	action_mac(ru, RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, ri->mac);
	action_mac(ru, RTE_FLOW_ACTION_TYPE_SET_MAC_DST, nb->mac);
	action(ru, RTE_FLOW_ACTION_TYPE_DEC_TTL, NULL, 0);
	if (nb->where == MBOX_NEIGH_REMOTE)
		action_vxlan_encap(ru, &ep, c->ports.uplink_mac, net.segment);
	action_port(ru, out_port);
	char a[16];
	snprintf(ru->what, sizeof(ru->what), "l3 %s %s/%u router %u -> %s %u", label,
		 mbox_ipv4_fmt(dst, a), plen, ri->router,
		 nb->where == MBOX_NEIGH_PORT ? "port" : "tunnel", nb->target);
	return emit(arg, ru);
}

static int compile_neighbour(struct fw_compiler *c, const struct mbox_neighbour *nb,
			     fw_emit_fn emit, void *arg, char *why, size_t whylen)
{
	int n = 0, r;
	for (size_t i = 0; i < c->n_rifs; i++) {
		const struct mbox_router_iface *ri = &c->rifs[i].ri;
		if (ri->network != nb->network)
			continue;
		for (unsigned k = 0; k < nb->n_ips; k++) {
			uint32_t ip = nb->ips[k];
			if ((ip & pmask(ri->plen)) != (ri->ip & pmask(ri->plen)) || ip == ri->ip)
				continue;
			if ((r = l3_rule(c, ri, nb, ip, 32, "host", emit, arg, why, whylen)))
				return r;
			n++;
		}
	}
	if (!n)
		WHY("no router interface on its subnet: OVS switches it");
	return n;
}

struct nh_find {
	uint32_t network;          /* look on this network */
	uint32_t ip;               /* for this address */
	struct mbox_neighbour nb;  /* found */
	int found;                 /* 1 when found */
};

static void find_nh(void *arg, const struct mirror_obj *o)
{
	struct nh_find *f = arg;
	struct mbox_neighbour nb;
	if (f->found || o->kind != MBOX_OBJ_NEIGHBOUR ||
	    mbox_decode_neighbour(o->body, o->len, &nb, NULL, 0) || nb.network != f->network)
		return;
	for (unsigned k = 0; k < nb.n_ips; k++)
		if (nb.ips[k] == f->ip) {
			f->nb = nb;
			f->found = 1;
		}
}

static int compile_route(struct fw_compiler *c, const struct mbox_route *rt, fw_emit_fn emit,
			 void *arg, char *why, size_t whylen)
{
	char a[16];
	for (size_t i = 0; i < c->n_rifs; i++) {
		const struct mbox_router_iface *ri = &c->rifs[i].ri;
		if (ri->router != rt->router ||
		    (rt->nexthop & pmask(ri->plen)) != (ri->ip & pmask(ri->plen)))
			continue;
		struct nh_find f = { .network = ri->network, .ip = rt->nexthop };
		mirror_foreach(c->m, find_nh, &f);
		if (!f.found) {
			WHY("next hop %s has no NEIGHBOUR", mbox_ipv4_fmt(rt->nexthop, a));
			return -EAGAIN;
		}
		int r = l3_rule(c, ri, &f.nb, rt->dest, rt->plen, "route", emit, arg, why, whylen);
		return r ? r : 1;
	}
	WHY("router %u has no interface on the subnet of next hop %s", rt->router,
	    mbox_ipv4_fmt(rt->nexthop, a));
	return -EAGAIN;
}

int fw_compile_object(struct fw_compiler *c, const struct mirror_obj *o, fw_emit_fn emit,
		      void *arg, char *why, size_t whylen)
{
	union mbox_obj_body b;
	char dummy[4];
	if (!why || !whylen) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	int r = mbox_obj_decode(o->kind, o->body, o->len, &b, why, whylen);
	if (r)
		return r == -EOPNOTSUPP ? -ENOTSUP : r;
	switch (o->kind) {
	case MBOX_OBJ_NIC_PORT:
		return compile_nic_port(c, o->id, &b.nic_port, emit, arg, why, whylen);
	case MBOX_OBJ_NETWORK:
		return compile_network(c, o->id, &b.network, emit, arg, why, whylen);
	case MBOX_OBJ_ROUTER_IFACE:
		return compile_router_iface(c, &b.router_iface, emit, arg, why, whylen);
	case MBOX_OBJ_NEIGHBOUR:
		return compile_neighbour(c, &b.neighbour, emit, arg, why, whylen);
	case MBOX_OBJ_ROUTE:
		return compile_route(c, &b.route, emit, arg, why, whylen);
	default:
		return 0; /* HOST_INFO, SUBNET, TUNNEL_EP: read by the others */
	}
}
