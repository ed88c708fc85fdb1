/* tests/unit/test_fw_compiler.c: the firmware's rule compiler
 * (firmware/compiler.c) on a sample topology built as hostd would send it
 * (encoded bodies applied to a real mirror), and the offload module
 * (firmware/offload.c) driving the soft flow backend: exact item/action
 * arrays per entry, pending entries with what is missing, capacity 0 in
 * the L3 group -> every L3 entry rejected with the driver's reason, a
 * second sync installs nothing twice, flush + resync restores the count. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_flow.h>

#include "drivers/flow/flow.h"
#include "drivers/flow/flow_soft.h"
#include "drivers/mbox/objects.h"
#include "firmware/compiler.h"
#include "firmware/mirror.h"
#include "firmware/offload.h"
#include "tests/unit/unit.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const uint8_t mac_a[6] = { 0xfa, 0x16, 0x3e, 0, 1, 0x0a };
static const uint8_t mac_b[6] = { 0xfa, 0x16, 0x3e, 0, 2, 0x0b };
static const uint8_t mac_c[6] = { 0xfa, 0x16, 0x3e, 0, 2, 0x0c };
static const uint8_t mac_r1[6] = { 0xfa, 0x16, 0x3e, 0xaa, 0, 1 };
static const uint8_t mac_r2[6] = { 0xfa, 0x16, 0x3e, 0xaa, 0, 2 };
static const uint8_t mac_ul[6] = { 0x02, 0, 0, 0, 0, 0x20 };

/* Apply one OBJ_SET of `kind` to the mirror. */
static void put(struct mirror *m, uint16_t kind, uint32_t id, const union mbox_obj_body *b)
{
	uint8_t body[64];
	char err[160];
	int len = mbox_obj_encode(kind, b, body, sizeof(body));
	CU_ASSERT_FATAL(len > 0);
	struct mbox_msg msg = { .type = MBOX_MSG_OBJ_SET };
	msg.u.obj.kind = kind;
	msg.u.obj.id = id;
	msg.u.obj.body = body;
	msg.u.obj.body_len = (uint32_t)len;
	CU_ASSERT_EQUAL_FATAL(mirror_apply(m, &msg, 1, 0, err, sizeof(err)), 0);
}

/* Two VXLAN networks (keys 1, 2) routed by router 7; VMs A (port 10) and
 * B (port 11) local, C on chassis 3 over VXLAN. */
static struct mirror *sample(int tunnel_mac_known)
{
	struct mirror *m;
	CU_ASSERT_EQUAL_FATAL(mirror_create(&m), 0);
	union mbox_obj_body b;
	memset(&b, 0, sizeof(b));
	b.network = (struct mbox_network){ MBOX_NET_VXLAN, 1001, 1450 };
	put(m, MBOX_OBJ_NETWORK, 1, &b);
	b.network = (struct mbox_network){ MBOX_NET_VXLAN, 1002, 1450 };
	put(m, MBOX_OBJ_NETWORK, 2, &b);
	b.subnet = (struct mbox_subnet){ 1, IP4(10, 0, 1, 0), 24, IP4(10, 0, 1, 1) };
	put(m, MBOX_OBJ_SUBNET, 1, &b);
	b.subnet = (struct mbox_subnet){ 2, IP4(10, 0, 2, 0), 24, IP4(10, 0, 2, 1) };
	put(m, MBOX_OBJ_SUBNET, 2, &b);
	memset(&b, 0, sizeof(b));
	b.router_iface = (struct mbox_router_iface){ 7, 1, 1, IP4(10, 0, 1, 1), { 0 }, 24 };
	memcpy(b.router_iface.mac, mac_r1, 6);
	put(m, MBOX_OBJ_ROUTER_IFACE, 40, &b);
	b.router_iface = (struct mbox_router_iface){ 7, 2, 2, IP4(10, 0, 2, 1), { 0 }, 24 };
	memcpy(b.router_iface.mac, mac_r2, 6);
	put(m, MBOX_OBJ_ROUTER_IFACE, 41, &b);
	memset(&b, 0, sizeof(b));
	b.nic_port = (struct mbox_nic_port){ .network = 1, .flags = MBOX_PORT_F_UP };
	memcpy(b.nic_port.mac, mac_a, 6);
	strcpy(b.nic_port.ifname, "tap-a");
	put(m, MBOX_OBJ_NIC_PORT, 10, &b);
	b.nic_port.network = 2;
	memcpy(b.nic_port.mac, mac_b, 6);
	strcpy(b.nic_port.ifname, "tap-b");
	put(m, MBOX_OBJ_NIC_PORT, 11, &b);
	memset(&b, 0, sizeof(b));
	b.neighbour = (struct mbox_neighbour){ .network = 1, .where = MBOX_NEIGH_PORT, .n_ips = 1,
					       .target = 10, .ips = { IP4(10, 0, 1, 10) } };
	memcpy(b.neighbour.mac, mac_a, 6);
	put(m, MBOX_OBJ_NEIGHBOUR, 10, &b);
	b.neighbour = (struct mbox_neighbour){ .network = 2, .where = MBOX_NEIGH_PORT, .n_ips = 1,
					       .target = 11, .ips = { IP4(10, 0, 2, 10) } };
	memcpy(b.neighbour.mac, mac_b, 6);
	put(m, MBOX_OBJ_NEIGHBOUR, 11, &b);
	b.neighbour = (struct mbox_neighbour){ .network = 2, .where = MBOX_NEIGH_REMOTE, .n_ips = 1,
					       .target = 3, .ips = { IP4(10, 0, 2, 20) } };
	memcpy(b.neighbour.mac, mac_c, 6);
	put(m, MBOX_OBJ_NEIGHBOUR, 12, &b);
	memset(&b, 0, sizeof(b));
	b.tunnel_ep = (struct mbox_tunnel_ep){ IP4(192, 168, 0, 2), IP4(192, 168, 0, 1), { 0 } };
	if (tunnel_mac_known)
		memcpy(b.tunnel_ep.mac, mac_ul, 6);
	put(m, MBOX_OBJ_TUNNEL_EP, 3, &b);
	return m;
}

/* ---- collecting what the compiler emits ---------------------------------- */

#define MAX_RULES 8
struct got {
	int n;                        /* rules */
	struct rte_flow_attr attr[MAX_RULES];
	int items[MAX_RULES][FW_RULE_MAX_ITEMS];   /* types, END included */
	int actions[MAX_RULES][FW_RULE_MAX_ACTIONS];
	union fw_item_data spec[MAX_RULES][FW_RULE_MAX_ITEMS];
	union fw_item_data mask[MAX_RULES][FW_RULE_MAX_ITEMS];
	union fw_action_data conf[MAX_RULES][FW_RULE_MAX_ACTIONS];
	struct fw_encap encap[MAX_RULES];
	char what[MAX_RULES][96];
};

static int collect(void *arg, const struct fw_rule *r)
{
	struct got *g = arg;
	if (g->n == MAX_RULES)
		return -ENOSPC;
	int k = g->n++;
	g->attr[k] = r->attr;
	for (unsigned i = 0; i <= r->n_items; i++) {
		g->items[k][i] = r->items[i].type;
		if (r->items[i].spec)
			memcpy(&g->spec[k][i], r->items[i].spec, sizeof(union fw_item_data));
		if (r->items[i].mask)
			memcpy(&g->mask[k][i], r->items[i].mask, sizeof(union fw_item_data));
	}
	for (unsigned i = 0; i <= r->n_actions; i++) {
		g->actions[k][i] = r->actions[i].type;
		if (r->actions[i].conf)
			memcpy(&g->conf[k][i], r->actions[i].conf, sizeof(union fw_action_data));
	}
	if (r->actions[0].type != RTE_FLOW_ACTION_TYPE_END) {
		for (unsigned i = 0; i < r->n_actions; i++)
			if (r->actions[i].type == RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP) {
				const struct rte_flow_action_vxlan_encap *e = r->actions[i].conf;
				/* the definition must be the rule's own copy */
				CU_ASSERT_PTR_EQUAL(e->definition, r->encap.items);
				g->encap[k] = r->encap;
			}
	}
	snprintf(g->what[k], sizeof(g->what[k]), "%s", r->what);
	return 0;
}

static int compile(struct mirror *m, uint16_t kind, uint32_t id, struct got *g, char *why)
{
	struct fw_ports ports = { .uplink = 99 };
	memcpy(ports.uplink_mac, (uint8_t[6]){ 2, 0, 0, 0, 0, 0x10 }, 6);
	struct fw_compiler *c;
	CU_ASSERT_EQUAL_FATAL(fw_compiler_create(&ports, &c), 0);
	CU_ASSERT_EQUAL_FATAL(fw_compiler_begin(c, m), 0);
	struct mirror_obj o;
	CU_ASSERT_EQUAL_FATAL(mirror_get(m, kind, id, &o), 1);
	memset(g, 0, sizeof(*g));
	int r = fw_compile_object(c, &o, collect, g, why, 200);
	fw_compiler_destroy(c);
	return r;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void test_l3_local(void)
{
	struct mirror *m = sample(1);
	struct got g;
	char why[200];
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_NEIGHBOUR, 10, &g, why), 1);
	CU_ASSERT_EQUAL(g.attr[0].group, FW_GROUP_L3);
	CU_ASSERT_EQUAL(g.attr[0].priority, 0);
	CU_ASSERT_EQUAL(g.attr[0].transfer, 1);
	int items[] = { RTE_FLOW_ITEM_TYPE_MARK, RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4,
			RTE_FLOW_ITEM_TYPE_END };
	CU_ASSERT(!memcmp(g.items[0], items, sizeof(items)));
	CU_ASSERT_EQUAL(g.spec[0][0].mark.id, 7);
	CU_ASSERT_EQUAL(g.mask[0][0].mark.id, 0xffffffff);
	CU_ASSERT_EQUAL(g.spec[0][2].ipv4.hdr.dst_addr, rte_cpu_to_be_32(IP4(10, 0, 1, 10)));
	CU_ASSERT_EQUAL(g.mask[0][2].ipv4.hdr.dst_addr, 0xffffffff);
	CU_ASSERT_EQUAL(g.mask[0][2].ipv4.hdr.src_addr, 0);
	int acts[] = { RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, RTE_FLOW_ACTION_TYPE_SET_MAC_DST,
		       RTE_FLOW_ACTION_TYPE_DEC_TTL, RTE_FLOW_ACTION_TYPE_PORT_ID,
		       RTE_FLOW_ACTION_TYPE_END };
	CU_ASSERT(!memcmp(g.actions[0], acts, sizeof(acts)));
	CU_ASSERT(!memcmp(g.conf[0][0].set_mac.mac_addr, mac_r1, 6));
	CU_ASSERT(!memcmp(g.conf[0][1].set_mac.mac_addr, mac_a, 6));
	CU_ASSERT_EQUAL(g.conf[0][3].port_id.id, 10); /* no resolver: the port key */
	CU_ASSERT_STRING_EQUAL(g.what[0], "l3 host 10.0.1.10/32 router 7 -> port 10");
	mirror_destroy(m);
}

static void test_l3_remote_vxlan(void)
{
	struct mirror *m = sample(1);
	struct got g;
	char why[200];
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_NEIGHBOUR, 12, &g, why), 1);
	int acts[] = { RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, RTE_FLOW_ACTION_TYPE_SET_MAC_DST,
		       RTE_FLOW_ACTION_TYPE_DEC_TTL, RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP,
		       RTE_FLOW_ACTION_TYPE_PORT_ID, RTE_FLOW_ACTION_TYPE_END };
	CU_ASSERT(!memcmp(g.actions[0], acts, sizeof(acts)));
	CU_ASSERT(!memcmp(g.conf[0][0].set_mac.mac_addr, mac_r2, 6));
	CU_ASSERT(!memcmp(g.conf[0][1].set_mac.mac_addr, mac_c, 6));
	CU_ASSERT_EQUAL(g.conf[0][4].port_id.id, 99); /* the uplink */
	struct fw_encap *e = &g.encap[0];
	CU_ASSERT(!memcmp(e->eth.hdr.dst_addr.addr_bytes, mac_ul, 6));
	CU_ASSERT_EQUAL(e->ipv4.hdr.src_addr, rte_cpu_to_be_32(IP4(192, 168, 0, 1)));
	CU_ASSERT_EQUAL(e->ipv4.hdr.dst_addr, rte_cpu_to_be_32(IP4(192, 168, 0, 2)));
	CU_ASSERT_EQUAL(e->udp.hdr.dst_port, rte_cpu_to_be_16(4789));
	CU_ASSERT(e->vxlan.vni[0] == 0 && e->vxlan.vni[1] == 0x03 && e->vxlan.vni[2] == 0xea);
	mirror_destroy(m);
	/* unknown underlay MAC: pending, and why */
	m = sample(0);
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_NEIGHBOUR, 12, &g, why), -EAGAIN);
	CU_ASSERT_STRING_EQUAL(why, "underlay MAC of tunnel endpoint 192.168.0.2 unknown");
	CU_ASSERT_EQUAL(g.n, 0);
	mirror_destroy(m);
}

static void test_classify_and_arp(void)
{
	struct mirror *m = sample(1);
	struct got g;
	char why[200];
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_NIC_PORT, 10, &g, why), 3);
	/* 0: ARP from the port -> network 1, ARP group */
	CU_ASSERT_EQUAL(g.attr[0].group, FW_GROUP_CLASSIFY);
	int i0[] = { RTE_FLOW_ITEM_TYPE_PORT_ID, RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_END };
	CU_ASSERT(!memcmp(g.items[0], i0, sizeof(i0)));
	CU_ASSERT_EQUAL(g.spec[0][0].port_id.id, 10);
	CU_ASSERT_EQUAL(g.spec[0][1].eth.hdr.ether_type, rte_cpu_to_be_16(0x0806));
	int a0[] = { RTE_FLOW_ACTION_TYPE_SET_META, RTE_FLOW_ACTION_TYPE_JUMP,
		     RTE_FLOW_ACTION_TYPE_END };
	CU_ASSERT(!memcmp(g.actions[0], a0, sizeof(a0)));
	CU_ASSERT_EQUAL(g.conf[0][0].set_meta.data, 1);
	CU_ASSERT_EQUAL(g.conf[0][1].jump.group, FW_GROUP_ARP);
	/* 1: IPv4 to router 7's MAC -> MARK 7, L3 group */
	CU_ASSERT(!memcmp(g.spec[1][1].eth.hdr.dst_addr.addr_bytes, mac_r1, 6));
	CU_ASSERT_EQUAL(g.spec[1][1].eth.hdr.ether_type, rte_cpu_to_be_16(0x0800));
	int a1[] = { RTE_FLOW_ACTION_TYPE_SET_META, RTE_FLOW_ACTION_TYPE_MARK,
		     RTE_FLOW_ACTION_TYPE_JUMP, RTE_FLOW_ACTION_TYPE_END };
	CU_ASSERT(!memcmp(g.actions[1], a1, sizeof(a1)));
	CU_ASSERT_EQUAL(g.conf[1][1].mark.id, 7);
	CU_ASSERT_EQUAL(g.conf[1][2].jump.group, FW_GROUP_L3);
	/* 2: l2 delivery after decap */
	CU_ASSERT_EQUAL(g.attr[2].group, FW_GROUP_L2);
	CU_ASSERT_EQUAL(g.spec[2][0].meta.data, 1);
	CU_ASSERT(!memcmp(g.spec[2][1].eth.hdr.dst_addr.addr_bytes, mac_a, 6));
	/* the router leg: ARP request for 10.0.1.1 on network 1 -> slow path */
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_ROUTER_IFACE, 40, &g, why), 2);
	CU_ASSERT_EQUAL(g.attr[0].group, FW_GROUP_ARP);
	int ia[] = { RTE_FLOW_ITEM_TYPE_META, RTE_FLOW_ITEM_TYPE_ETH,
		     RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, RTE_FLOW_ITEM_TYPE_END };
	CU_ASSERT(!memcmp(g.items[0], ia, sizeof(ia)));
	CU_ASSERT_EQUAL(g.spec[0][2].arp.op, rte_cpu_to_be_16(1));
	CU_ASSERT_EQUAL(g.spec[0][2].arp.tpa, rte_cpu_to_be_32(IP4(10, 0, 1, 1)));
	CU_ASSERT_EQUAL(g.actions[0][0], RTE_FLOW_ACTION_TYPE_QUEUE);
	CU_ASSERT_EQUAL(g.conf[0][0].queue.index, FW_SLOW_PATH_QUEUE);
	/* and ICMP to 10.0.1.1 marked for router 7 (group 2) -> slow path */
	CU_ASSERT_EQUAL(g.attr[1].group, FW_GROUP_L3);
	int ii[] = { RTE_FLOW_ITEM_TYPE_MARK, RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4,
		     RTE_FLOW_ITEM_TYPE_END };
	CU_ASSERT(!memcmp(g.items[1], ii, sizeof(ii)));
	CU_ASSERT_EQUAL(g.spec[1][0].mark.id, 7);
	CU_ASSERT_EQUAL(g.spec[1][2].ipv4.hdr.dst_addr, rte_cpu_to_be_32(IP4(10, 0, 1, 1)));
	CU_ASSERT_EQUAL(g.spec[1][2].ipv4.hdr.next_proto_id, 1);
	CU_ASSERT_EQUAL(g.mask[1][2].ipv4.hdr.next_proto_id, 0xff);
	CU_ASSERT_EQUAL(g.actions[1][0], RTE_FLOW_ACTION_TYPE_QUEUE);
	/* the VXLAN network: uplink + VNI 1001 -> decap, network 1, l2 */
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_NETWORK, 1, &g, why), 1);
	CU_ASSERT_EQUAL(g.spec[0][0].port_id.id, 99);
	CU_ASSERT(g.spec[0][4].vxlan.vni[1] == 0x03 && g.spec[0][4].vxlan.vni[2] == 0xe9);
	CU_ASSERT_EQUAL(g.actions[0][0], RTE_FLOW_ACTION_TYPE_VXLAN_DECAP);
	/* subnets need nothing */
	CU_ASSERT_EQUAL(compile(m, MBOX_OBJ_SUBNET, 1, &g, why), 0);
	mirror_destroy(m);
}
#pragma GCC diagnostic pop

/* ---- through the soft driver ---------------------------------------------- */

static struct flow_dev *open_soft(int64_t l3_capacity)
{
	struct flow_soft_params p;
	flow_soft_params_default(&p);
	if (p.n_groups < FW_N_GROUPS)
		p.n_groups = FW_N_GROUPS;
	if (l3_capacity >= 0)
		p.capacity[FW_GROUP_L3] = (uint32_t)l3_capacity;
	struct flow_params fp = { .name = "fwtest", .soft = &p };
	struct flow_dev *d = NULL;
	CU_ASSERT_EQUAL(flow_open(&flow_soft_ops, &fp, &d, NULL), 0);
	return d;
}

static void test_offload_soft(void)
{
	struct mirror *m = sample(1);
	struct flow_dev *d = open_soft(-1);
	struct fw_ports ports = { .uplink = 99 };
	struct fw_offload *o;
	CU_ASSERT_EQUAL_FATAL(fw_offload_create(d, &ports, &o), 0);
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	/* 2 ports x 3 + 2 networks + 2 legs x 2 + 3 neighbours = 15 */
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 15);
	struct fw_status st;
	CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_NEIGHBOUR, 12, &st), 0);
	CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_OFFLOADED);
	CU_ASSERT_STRING_EQUAL(st.reason, "1 rule(s)");
	CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_SUBNET, 1, &st), 0);
	CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_NO_RULE);
	/* every object queued once for hostd */
	int queued = 0;
	while (fw_offload_peek_status(o, &st)) {
		queued++;
		fw_offload_status_sent(o);
	}
	CU_ASSERT_EQUAL(queued, (int)mirror_count(m));
	/* a second sync changes nothing and reports nothing */
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 15);
	CU_ASSERT_EQUAL(fw_offload_peek_status(o, &st), 0);
	struct fw_offload_stats s;
	fw_offload_get_stats(o, &s);
	CU_ASSERT_EQUAL(s.creates, 15);
	/* watchdog flush, then the same state: the same rules, once each */
	CU_ASSERT_EQUAL(fw_offload_flush(o, "host lost"), 15);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 0);
	CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_NIC_PORT, 10, &st), 0);
	CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_PENDING);
	CU_ASSERT_STRING_EQUAL(st.reason, "host lost");
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 15);
	/* deleting a port removes its rules and what depended on it */
	struct mbox_msg del = { .type = MBOX_MSG_OBJ_DEL };
	del.u.obj.kind = MBOX_OBJ_NIC_PORT;
	del.u.obj.id = 11;
	char err[160];
	CU_ASSERT_EQUAL(mirror_apply(m, &del, 1, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	/* -3 port rules, -1 network 2 decap (no local port), -1 /32 of B */
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 10);
	CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_NEIGHBOUR, 11, &st), 0);
	CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_PENDING);
	CU_ASSERT_STRING_EQUAL(st.reason, "NIC_PORT 11 is not mirrored");
	fw_offload_destroy(o);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 0);
	flow_close(d);
	mirror_destroy(m);
}

static void test_l3_capacity_zero(void)
{
	struct mirror *m = sample(1);
	struct flow_dev *d = open_soft(0);
	struct fw_ports ports = { .uplink = 99 };
	struct fw_offload *o;
	CU_ASSERT_EQUAL_FATAL(fw_offload_create(d, &ports, &o), 0);
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	static const uint32_t l3[] = { 10, 11, 12 };
	static const char *const want[] = {
		"l3 host 10.0.1.10/32 router 7 -> port 10: group 2 full (capacity 0)",
		"l3 host 10.0.2.10/32 router 7 -> port 11: group 2 full (capacity 0)",
		"l3 host 10.0.2.20/32 router 7 -> tunnel 3: group 2 full (capacity 0)",
	};
	for (int i = 0; i < 3; i++) {
		struct fw_status st;
		CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_NEIGHBOUR, l3[i], &st), 0);
		CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_REJECTED);
		CU_ASSERT_STRING_EQUAL(st.reason, want[i]);
		CU_ASSERT_EQUAL(st.rules, 0);
	}
	struct fw_offload_stats s;
	fw_offload_get_stats(o, &s);
	/* the router legs too: their ICMP trap is in group 2 (all of an
	 * object's rules or none, so their ARP traps go as well) */
	struct fw_status st;
	CU_ASSERT_EQUAL(fw_offload_get_status(o, MBOX_OBJ_ROUTER_IFACE, 40, &st), 0);
	CU_ASSERT_EQUAL(st.status, MBOX_OBJ_ST_REJECTED);
	CU_ASSERT_STRING_EQUAL(st.reason,
			       "icmp to 10.0.1.1 router 7 -> slow path: group 2 full (capacity 0)");
	CU_ASSERT_EQUAL(s.rejected, 5);
	CU_ASSERT_EQUAL(s.create_failures, 5);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 8); /* ports and networks */
	CU_ASSERT_EQUAL(s.rules, 8);
	fw_offload_destroy(o);
	flow_close(d);
	mirror_destroy(m);
}

/* The rules the compiler emits are what the soft engine executes: a
 * routed frame from A to B leaves on B's port with MACs rewritten. */
static void test_soft_engine_routes(void)
{
	struct mirror *m = sample(1);
	struct flow_dev *d = open_soft(-1);
	struct fw_ports ports = { .uplink = 99 };
	struct fw_offload *o;
	CU_ASSERT_EQUAL_FATAL(fw_offload_create(d, &ports, &o), 0);
	CU_ASSERT_EQUAL(fw_offload_sync(o, m), 0);
	uint8_t buf[256] = { 0 }, *f = buf + 64;
	memcpy(f, mac_r1, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 17;
	uint32_t s = rte_cpu_to_be_32(IP4(10, 0, 1, 10)), t = rte_cpu_to_be_32(IP4(10, 0, 2, 10));
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &t, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	struct flow_pkt pkt = { .buf = buf, .cap = sizeof(buf), .off = 64, .len = 14 + 28 };
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(flow_soft_process(d, &pkt, 10, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(res.port, 11);
	uint8_t *out = buf + pkt.off;
	CU_ASSERT(!memcmp(out, mac_b, 6));
	CU_ASSERT(!memcmp(out + 6, mac_r2, 6));
	CU_ASSERT_EQUAL(out[14 + 8], 63);
	/* from a port that is not A's, the same frame misses (OVS gets it) */
	memcpy(f, mac_r1, 6);
	memcpy(f + 6, mac_a, 6);
	f[14 + 8] = 64;
	pkt = (struct flow_pkt){ .buf = buf, .cap = sizeof(buf), .off = 64, .len = 14 + 28 };
	CU_ASSERT_EQUAL(flow_soft_process(d, &pkt, 55, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	fw_offload_destroy(o);
	flow_close(d);
	mirror_destroy(m);
}

UNIT_SUITE(fw_compiler, NULL, NULL, UNIT_TEST(test_l3_local), UNIT_TEST(test_l3_remote_vxlan),
	   UNIT_TEST(test_classify_and_arp), UNIT_TEST(test_offload_soft),
	   UNIT_TEST(test_l3_capacity_zero), UNIT_TEST(test_soft_engine_routes));
