/* tests/unit/test_flow_soft.c: what only the soft flow backend has
 * (drivers/flow/flow_soft.h): its packet engine, run on real frames built
 * here byte by byte (golden cases: ARP request trapped to a queue, a routed
 * IPv4 packet with MACs rewritten, TTL decremented and checksum fixed, a
 * VXLAN encapsulation with a correct outer header, decap + route, misses,
 * counters, priorities), its precise validation messages, its board
 * parameters, and the core's -ENOSYS for missing ops. The contract every
 * backend shares is in test_flow_contract.c. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_flow.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"
#include "drivers/flow/flow_soft.h"
#include "tests/unit/unit.h"

/* ---- topology of the golden cases --------------------------------------------------- */

/* Two VMs on two subnets of one router; a remote chassis over VXLAN. */
static const uint8_t vm1_mac[6] = { 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01 }; /* 10.0.0.5, port 1 */
static const uint8_t vm2_mac[6] = { 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02 }; /* 10.0.1.7, port 7 */
static const uint8_t rtr0_mac[6] = { 0xfa, 0x16, 0x3e, 0xaa, 0x00, 0x00 }; /* 10.0.0.1 */
static const uint8_t rtr1_mac[6] = { 0xfa, 0x16, 0x3e, 0xaa, 0x00, 0x01 }; /* 10.0.1.1 */
static const uint8_t uplink_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x10 }; /* local VTEP */
static const uint8_t remote_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x20 }; /* next hop */
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define NET_KEY 0x100u /* metadata the classify group gives network 1 */

static struct flow_dev *dev;

static int open_soft(uint32_t groups, const char *unsupported)
{
	struct flow_soft_params p;
	flow_soft_params_default(&p);
	p.n_groups = groups;
	if (unsupported && flow_soft_params_unsupported(&p, unsupported, NULL))
		return -EINVAL;
	struct flow_params fp = { .name = "soft-test", .soft = &p };
	return flow_open(&flow_soft_ops, &fp, &dev, NULL);
}

static void setup(void) { CU_ASSERT_EQUAL_FATAL(open_soft(4, NULL), 0); }

static void teardown(void)
{
	flow_close(dev);
	dev = NULL;
}

/* ---- frames ------------------------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* RFC 1071 sum of a header, computed from scratch. */
static uint16_t ip_sum(const uint8_t *h, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i += 2)
		s += get16(h + i);
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 + ICMP echo (payload_len bytes of pattern). */
static size_t make_ipv4(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t sip,
			uint32_t dip, uint8_t ttl, size_t payload_len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + payload_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = ttl;
	ip[9] = 1; /* ICMP */
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	put16(ip + 10, ip_sum(ip, 20));
	uint8_t *icmp = ip + 20;
	memset(icmp, 0, 8);
	icmp[0] = 8;
	for (size_t i = 0; i < payload_len; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 3);
	return 14 + 20 + 8 + payload_len;
}

static size_t make_arp_request(uint8_t *f, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, sha, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memset(a + 18, 0, 6);
	put32(a + 24, tpa);
	return 42;
}

/* ---- rules as the firmware's compiler will emit them -------------------------- */

static struct flow_rule *must_create(uint32_t group, uint32_t prio,
				     const struct rte_flow_item *items,
				     const struct rte_flow_action *actions)
{
	struct rte_flow_attr attr = { .group = group, .priority = prio, .ingress = 1 };
	struct flow_rule *r = NULL;
	struct flow_error err;
	int rc = flow_create(dev, &attr, items, actions, &r, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "  create: %s\n", err.message);
	return r;
}

/* group 0: packets from `port` belong to network NET_KEY; go to `next`. */
static struct flow_rule *classify_port(uint16_t port, uint32_t next)
{
	struct rte_flow_item_ethdev in = { .port_id = port };
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, .spec = &in },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_set_meta meta = { .data = NET_KEY, .mask = 0xffff };
	struct rte_flow_action_jump jump = { .group = next };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SET_META, .conf = &meta },
		{ .type = RTE_FLOW_ACTION_TYPE_JUMP, .conf = &jump },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	return must_create(0, 0, items, actions);
}

/* group 1: ARP requests for the router's IP on NET_KEY -> queue 3. */
static struct flow_rule *arp_trap(uint32_t router_ip)
{
	struct rte_flow_item_meta meta = { .data = NET_KEY };
	struct rte_flow_item_meta meta_mask = { .data = 0xffff };
	struct rte_flow_item_arp_eth_ipv4 arp = { .op = RTE_BE16(1) };
	arp.tpa = rte_cpu_to_be_32(router_ip);
	struct rte_flow_item_arp_eth_ipv4 arp_mask = { .op = RTE_BE16(0xffff),
						      .tpa = RTE_BE32(0xffffffff) };
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_META, .spec = &meta, .mask = &meta_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, .spec = &arp, .mask = &arp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_queue q = { .index = 3 };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_COUNT },
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	return must_create(1, 0, items, actions);
}

/* group 2: IPv4 to dst/plen via the router's MAC -> rewrite, TTL-1, port. */
static struct flow_rule *route(uint32_t dst, int plen, uint32_t prio, const uint8_t *smac,
			       const uint8_t *dmac, uint16_t port)
{
	struct rte_flow_item_meta meta = { .data = NET_KEY };
	struct rte_flow_item_meta meta_mask = { .data = 0xffff };
	struct rte_flow_item_eth eth;
	memset(&eth, 0, sizeof(eth));
	memcpy(eth.hdr.dst_addr.addr_bytes, rtr0_mac, 6);
	struct rte_flow_item_eth eth_mask;
	memset(&eth_mask, 0, sizeof(eth_mask));
	memset(eth_mask.hdr.dst_addr.addr_bytes, 0xff, 6);
	struct rte_flow_item_ipv4 ip, ip_mask;
	memset(&ip, 0, sizeof(ip));
	memset(&ip_mask, 0, sizeof(ip_mask));
	ip.hdr.dst_addr = rte_cpu_to_be_32(dst);
	ip_mask.hdr.dst_addr = rte_cpu_to_be_32(plen ? ~0u << (32 - plen) : 0);
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_META, .spec = &meta, .mask = &meta_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &eth, .mask = &eth_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip, .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_set_mac s, d;
	memcpy(s.mac_addr, smac, 6);
	memcpy(d.mac_addr, dmac, 6);
	struct rte_flow_action_ethdev out = { .port_id = port };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, .conf = &s },
		{ .type = RTE_FLOW_ACTION_TYPE_SET_MAC_DST, .conf = &d },
		{ .type = RTE_FLOW_ACTION_TYPE_DEC_TTL },
		{ .type = RTE_FLOW_ACTION_TYPE_COUNT },
		{ .type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &out },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	return must_create(2, prio, items, actions);
}

static int run(uint8_t *buf, size_t cap, size_t off, size_t len, uint32_t in_port,
	       struct flow_pkt *pkt, struct flow_soft_result *res)
{
	*pkt = (struct flow_pkt){ .buf = buf, .cap = (uint32_t)cap, .off = (uint32_t)off,
				  .len = (uint32_t)len };
	return flow_soft_process(dev, pkt, in_port, res);
}

static void query(struct flow_rule *r, uint64_t *hits, uint64_t *bytes)
{
	struct flow_counters c = { 0, 0 };
	CU_ASSERT_EQUAL(flow_query(dev, r, 0, &c, NULL), 0);
	*hits = c.hits;
	*bytes = c.bytes;
}

/* ---- golden packet cases --------------------------------------------------------- */

static void test_arp_request_trapped(void)
{
	setup();
	classify_port(1, 1);
	struct flow_rule *trap = arp_trap(IP(10, 0, 0, 1));
	uint8_t buf[128], orig[128];
	size_t len = make_arp_request(buf, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 0, 1));
	memcpy(orig, buf, len);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_QUEUE);
	CU_ASSERT_EQUAL(res.queue, 3);
	CU_ASSERT_EQUAL(res.hops, 2);
	CU_ASSERT_EQUAL(res.meta, NET_KEY);
	CU_ASSERT_EQUAL(pkt.len, len);
	CU_ASSERT(!memcmp(buf, orig, len)); /* trapped as it came */
	uint64_t hits, bytes;
	query(trap, &hits, &bytes);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_EQUAL(bytes, 42);
	/* an ARP request for another IP, or from another port: not trapped */
	len = make_arp_request(buf, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 0, 9));
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_EQUAL(res.group, 1);
	len = make_arp_request(buf, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 0, 1));
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 2, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_EQUAL(res.group, 0);
	query(trap, &hits, &bytes);
	CU_ASSERT_EQUAL(hits, 1);
	teardown();
}

static void test_routed_ipv4(void)
{
	setup();
	classify_port(1, 2);
	struct flow_rule *r = route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
	uint8_t buf[256], want[256];
	size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 56);
	/* the expected frame, built independently */
	make_ipv4(want, vm2_mac, rtr1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 63, 56);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(res.port, 7);
	CU_ASSERT_EQUAL(pkt.off, 0);
	CU_ASSERT_EQUAL(pkt.len, len);
	CU_ASSERT(!memcmp(buf, want, len));
	CU_ASSERT_EQUAL(buf[14 + 8], 63);
	CU_ASSERT_EQUAL(ip_sum(buf + 14, 20), 0); /* checksum verifies */
	/* checksum carry case: TTL 1 -> punt; TTL 2 -> 1 */
	len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 2, 0);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	make_ipv4(want, vm2_mac, rtr1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 1, 0);
	CU_ASSERT(!memcmp(buf, want, len));
	uint64_t hits, bytes;
	query(r, &hits, &bytes);
	CU_ASSERT_EQUAL(hits, 2);
	CU_ASSERT_EQUAL(bytes, (14 + 20 + 8 + 56) + (14 + 20 + 8));
	teardown();
}

static void test_ttl_expiry_punts_unchanged(void)
{
	setup();
	classify_port(1, 2);
	route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
	uint8_t buf[128], orig[128];
	size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 1, 8);
	memcpy(orig, buf, len);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_PTR_NOT_NULL(res.punt);
	if (res.punt)
		CU_ASSERT_STRING_EQUAL(res.punt, "ttl expired");
	CU_ASSERT(!memcmp(buf, orig, len));
	struct flow_soft_stats st;
	flow_soft_get_stats(dev, &st);
	CU_ASSERT_EQUAL(st.packets, 1);
	CU_ASSERT_EQUAL(st.misses, 1);
	CU_ASSERT_EQUAL(st.punts, 1);
	teardown();
}

static void test_miss_and_counters(void)
{
	setup();
	uint8_t buf[128], orig[128];
	size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	memcpy(orig, buf, len);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	/* empty tables */
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_PTR_NULL(res.punt);
	CU_ASSERT_EQUAL(res.group, 0);
	classify_port(1, 2);
	struct flow_rule *r = route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
	/* wrong destination MAC (not the router): misses in group 2 */
	len = make_ipv4(buf, vm2_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	memcpy(orig, buf, len);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_EQUAL(res.group, 2);
	CU_ASSERT(!memcmp(buf, orig, len));
	/* counters rise by one per packet, by its length */
	uint64_t hits, bytes;
	for (int i = 1; i <= 5; i++) {
		len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64,
				(size_t)i * 10);
		CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
		CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
		query(r, &hits, &bytes);
		CU_ASSERT_EQUAL(hits, (uint64_t)i);
	}
	CU_ASSERT_EQUAL(bytes, 5 * 42 + 150);
	struct flow_counters c;
	CU_ASSERT_EQUAL(flow_query(dev, r, 1, &c, NULL), 0); /* read and reset */
	CU_ASSERT_EQUAL(c.hits, 5);
	query(r, &hits, &bytes);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(bytes, 0);
	teardown();
}

static void test_priorities_and_prefixes(void)
{
	setup();
	classify_port(1, 2);
	/* the /24 has the higher priority number (lower priority) but comes first */
	struct flow_rule *net = route(IP(10, 0, 1, 0), 24, 5, rtr1_mac, remote_mac, 9);
	struct flow_rule *host = route(IP(10, 0, 1, 7), 32, 1, rtr1_mac, vm2_mac, 7);
	uint8_t buf[128];
	struct flow_pkt pkt;
	struct flow_soft_result res;
	size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	run(buf, sizeof(buf), 0, len, 1, &pkt, &res);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(res.port, 7);
	len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 99), 64, 8);
	run(buf, sizeof(buf), 0, len, 1, &pkt, &res);
	CU_ASSERT_EQUAL(res.port, 9);
	CU_ASSERT(!memcmp(buf, remote_mac, 6));
	/* without the /32, the /24 takes it */
	CU_ASSERT_EQUAL(flow_destroy(dev, host, NULL), 0);
	len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	run(buf, sizeof(buf), 0, len, 1, &pkt, &res);
	CU_ASSERT_EQUAL(res.port, 9);
	CU_ASSERT_EQUAL(flow_destroy(dev, net, NULL), 0);
	run(buf, sizeof(buf), 0, len, 1, &pkt, &res);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	struct flow_soft_stats st;
	flow_soft_get_stats(dev, &st);
	CU_ASSERT_EQUAL(st.subtables, 1); /* only the classify rule's class is left */
	teardown();
}

/* VXLAN_ENCAP towards 192.168.0.2, VNI 5001, out of port 100. */
static struct flow_rule *encap_route(uint32_t dst)
{
	struct rte_flow_item_ipv4 ip, ip_mask;
	memset(&ip, 0, sizeof(ip));
	memset(&ip_mask, 0, sizeof(ip_mask));
	ip.hdr.dst_addr = rte_cpu_to_be_32(dst);
	ip_mask.hdr.dst_addr = RTE_BE32(0xffffffff);
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip, .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_item_eth oeth;
	memset(&oeth, 0, sizeof(oeth));
	memcpy(oeth.hdr.dst_addr.addr_bytes, remote_mac, 6);
	memcpy(oeth.hdr.src_addr.addr_bytes, uplink_mac, 6);
	struct rte_flow_item_ipv4 oip;
	memset(&oip, 0, sizeof(oip));
	oip.hdr.src_addr = rte_cpu_to_be_32(IP(192, 168, 0, 1));
	oip.hdr.dst_addr = rte_cpu_to_be_32(IP(192, 168, 0, 2));
	struct rte_flow_item_udp oudp;
	memset(&oudp, 0, sizeof(oudp));
	oudp.hdr.dst_port = RTE_BE16(4789);
	struct rte_flow_item_vxlan ovx;
	memset(&ovx, 0, sizeof(ovx));
	ovx.vni[0] = 0x00;
	ovx.vni[1] = 0x13;
	ovx.vni[2] = 0x89; /* 5001 */
	struct rte_flow_item def[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &oeth },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &oip },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &oudp },
		{ .type = RTE_FLOW_ITEM_TYPE_VXLAN, .spec = &ovx },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_vxlan_encap enc = { .definition = def };
	struct rte_flow_action_ethdev out = { .port_id = 100 };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP, .conf = &enc },
		{ .type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &out },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct flow_rule *r = must_create(0, 0, items, actions);
	/* the definition was copied: scribbling on it changes nothing */
	memset(&oeth, 0xee, sizeof(oeth));
	memset(&ovx, 0xee, sizeof(ovx));
	return r;
}

static void check_outer(const uint8_t *o, size_t inner_len)
{
	CU_ASSERT(!memcmp(o, remote_mac, 6));
	CU_ASSERT(!memcmp(o + 6, uplink_mac, 6));
	CU_ASSERT_EQUAL(get16(o + 12), 0x0800);
	const uint8_t *ip = o + 14;
	CU_ASSERT_EQUAL(ip[0], 0x45);
	CU_ASSERT_EQUAL(get16(ip + 2), 20 + 8 + 8 + inner_len);
	CU_ASSERT_EQUAL(ip[8], 64);
	CU_ASSERT_EQUAL(ip[9], 17);
	CU_ASSERT_EQUAL(ip_sum(ip, 20), 0);
	CU_ASSERT_EQUAL(get16(ip + 12), 0xc0a8);
	CU_ASSERT_EQUAL(get16(ip + 14), 0x0001);
	CU_ASSERT_EQUAL(get16(ip + 18), 0x0002);
	const uint8_t *udp = ip + 20;
	CU_ASSERT(get16(udp) >= 49152);
	CU_ASSERT_EQUAL(get16(udp + 2), 4789);
	CU_ASSERT_EQUAL(get16(udp + 4), 8 + 8 + inner_len);
	CU_ASSERT_EQUAL(get16(udp + 6), 0);
	const uint8_t *vx = udp + 8;
	CU_ASSERT_EQUAL(vx[0], 0x08);
	CU_ASSERT_EQUAL(vx[4] << 16 | vx[5] << 8 | vx[6], 5001);
	CU_ASSERT_EQUAL(vx[7], 0);
}

static void test_vxlan_encap(void)
{
	setup();
	encap_route(IP(10, 0, 2, 8));
	uint8_t inner[128];
	size_t ilen = make_ipv4(inner, vm2_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 2, 8), 64, 20);
	/* with headroom: the frame stays, the header goes in front */
	uint8_t buf[256];
	memcpy(buf + 64, inner, ilen);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 64, ilen, 3, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(res.port, 100);
	CU_ASSERT_EQUAL(pkt.off, 64 - FLOW_SOFT_VXLAN_HDR_LEN);
	CU_ASSERT_EQUAL(pkt.len, ilen + FLOW_SOFT_VXLAN_HDR_LEN);
	check_outer(buf + pkt.off, ilen);
	CU_ASSERT(!memcmp(buf + pkt.off + FLOW_SOFT_VXLAN_HDR_LEN, inner, ilen));
	uint16_t sport = get16(buf + pkt.off + 34);
	/* without headroom: the frame is moved */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, inner, ilen);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, ilen, 3, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(pkt.off, 0);
	check_outer(buf, ilen);
	CU_ASSERT(!memcmp(buf + FLOW_SOFT_VXLAN_HDR_LEN, inner, ilen));
	CU_ASSERT_EQUAL(get16(buf + 34), sport); /* same flow, same entropy */
	/* no room at all: punted, unchanged */
	uint8_t tight[128];
	memcpy(tight, inner, ilen);
	CU_ASSERT_EQUAL(run(tight, ilen + 10, 0, ilen, 3, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_PTR_NOT_NULL(res.punt);
	CU_ASSERT(!memcmp(tight, inner, ilen));
	teardown();
}

/* group 0: VXLAN VNI 5001 -> decap, network key, JUMP 2; group 2 routes. */
static struct flow_rule *decap_classify(void)
{
	struct rte_flow_item_vxlan vx;
	memset(&vx, 0, sizeof(vx));
	vx.vni[1] = 0x13;
	vx.vni[2] = 0x89;
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP },
		{ .type = RTE_FLOW_ITEM_TYPE_VXLAN, .spec = &vx },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_set_meta meta = { .data = NET_KEY, .mask = 0xffff };
	struct rte_flow_action_jump jump = { .group = 2 };
	struct rte_flow_action_mark mark = { .id = 42 };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_VXLAN_DECAP },
		{ .type = RTE_FLOW_ACTION_TYPE_SET_META, .conf = &meta },
		{ .type = RTE_FLOW_ACTION_TYPE_MARK, .conf = &mark },
		{ .type = RTE_FLOW_ACTION_TYPE_JUMP, .conf = &jump },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	return must_create(0, 1, items, actions);
}

static void test_vxlan_decap_then_route(void)
{
	setup();
	/* produce an encapsulated frame with the encap rule, then swap rules */
	struct flow_rule *enc = encap_route(IP(10, 0, 1, 7));
	uint8_t inner[128], buf[256], encapped[256];
	size_t ilen = make_ipv4(inner, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 9, 16);
	memcpy(buf + 64, inner, ilen);
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 64, ilen, 3, &pkt, &res), 0);
	CU_ASSERT_EQUAL_FATAL(res.verdict, FLOW_SOFT_PORT);
	size_t elen = pkt.len;
	memcpy(encapped, buf + pkt.off, elen);
	CU_ASSERT_EQUAL(flow_destroy(dev, enc, NULL), 0);

	decap_classify();
	/* group 2 has no route yet: miss, and the frame is given back intact */
	memcpy(buf, encapped, elen);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, elen, 100, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_EQUAL(res.group, 2);
	CU_ASSERT_EQUAL(pkt.off, 0);
	CU_ASSERT_EQUAL(pkt.len, elen);
	CU_ASSERT(!memcmp(buf, encapped, elen));

	route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, elen, 100, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_PORT);
	CU_ASSERT_EQUAL(res.port, 7);
	CU_ASSERT_EQUAL(res.has_mark, 1);
	CU_ASSERT_EQUAL(res.mark, 42);
	CU_ASSERT_EQUAL(res.hops, 2);
	uint8_t want[128];
	make_ipv4(want, vm2_mac, rtr1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 8, 16);
	CU_ASSERT_EQUAL(pkt.len, ilen);
	CU_ASSERT_EQUAL(pkt.off, FLOW_SOFT_VXLAN_HDR_LEN);
	CU_ASSERT(!memcmp(buf + pkt.off, want, ilen));
	/* another VNI does not match */
	memcpy(buf, encapped, elen);
	buf[14 + 20 + 8 + 6] ^= 1;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, elen, 100, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	CU_ASSERT_EQUAL(res.group, 0);
	teardown();
}

static void test_vlan_and_mark_match(void)
{
	setup();
	/* group 0: VLAN 100 -> MARK 7, JUMP 1; group 1: MARK 7 -> DROP */
	struct rte_flow_item_vlan vlan;
	memset(&vlan, 0, sizeof(vlan));
	vlan.hdr.vlan_tci = RTE_BE16(100);
	struct rte_flow_item items[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_VLAN, .spec = &vlan },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_mark mark = { .id = 7 };
	struct rte_flow_action_jump jump = { .group = 1 };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_MARK, .conf = &mark },
		{ .type = RTE_FLOW_ACTION_TYPE_JUMP, .conf = &jump },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	must_create(0, 0, items, actions);
	struct rte_flow_item_mark m = { .id = 7 };
	struct rte_flow_item items2[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_MARK, .spec = &m },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action actions2[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_DROP },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	must_create(1, 0, items2, actions2);
	uint8_t buf[128];
	size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	/* insert a tag: TPID 0x8100, PCP 3, VID 100 */
	memmove(buf + 16, buf + 12, len - 12);
	put16(buf + 12, 0x8100);
	put16(buf + 14, 0x6000 | 100);
	len += 4;
	struct flow_pkt pkt;
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_DROP);
	put16(buf + 14, 0x6000 | 101);
	CU_ASSERT_EQUAL(run(buf, sizeof(buf), 0, len, 1, &pkt, &res), 0);
	CU_ASSERT_EQUAL(res.verdict, FLOW_SOFT_MISS);
	teardown();
}

/* Garbage in: truncated, random and hostile frames never crash or read
 * outside the frame (ASan), and never match more than the rules allow. */
static void test_garbage_frames(void)
{
	setup();
	classify_port(1, 2);
	route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
	decap_classify();
	arp_trap(IP(10, 0, 0, 1));
	uint8_t good[128];
	size_t glen = make_ipv4(good, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t len = x % 120;
		uint8_t *f = malloc(len ? len : 1); /* exact size: ASan sees overreads */
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		if (i % 2) { /* a truncated/corrupted good frame */
			memcpy(f, good, DFN_MIN(len, glen));
			if (len > glen)
				memset(f + glen, 0, len - glen);
			if (len)
				f[(x >> 20) % len] ^= (uint8_t)(x >> 40);
		} else {
			for (size_t b = 0; b < len; b++)
				f[b] = (uint8_t)(x >> (b % 56));
		}
		struct flow_pkt pkt = { .buf = f, .cap = (uint32_t)len, .off = 0, .len = (uint32_t)len };
		struct flow_soft_result res;
		CU_ASSERT_EQUAL(flow_soft_process(dev, &pkt, (uint32_t)(x & 1), &res), 0);
		CU_ASSERT(res.verdict != FLOW_SOFT_PORT || len >= 34);
		free(f);
	}
	/* bad arguments */
	struct flow_pkt pkt = { .buf = good, .cap = 10, .off = 0, .len = 20 };
	struct flow_soft_result res;
	CU_ASSERT_EQUAL(flow_soft_process(dev, &pkt, 0, &res), -EINVAL);
	pkt = (struct flow_pkt){ .buf = good, .cap = 10, .off = 11, .len = 0 };
	CU_ASSERT_EQUAL(flow_soft_process(dev, &pkt, 0, &res), -EINVAL);
	CU_ASSERT_EQUAL(flow_soft_process(NULL, &pkt, 0, &res), -EINVAL);
	teardown();
}

/* ---- validation messages and board parameters ------------------------------------ */

static int validate_msg(const struct rte_flow_attr *attr, const struct rte_flow_item *items,
			const struct rte_flow_action *actions, const char *want, int want_rc)
{
	struct flow_error err;
	int rc = flow_validate(dev, attr, items, actions, &err);
	CU_ASSERT_EQUAL(rc, want_rc);
	CU_ASSERT_STRING_EQUAL(err.message, want);
	if (rc != want_rc || strcmp(err.message, want))
		fprintf(stderr, "  got %d \"%s\"\n  want %d \"%s\"\n", rc, err.message, want_rc,
			want);
	return rc;
}

static void test_validation_messages(void)
{
	setup();
	const struct rte_flow_attr in = { .ingress = 1 };
	struct rte_flow_action_queue q = { .index = 0 };
	struct rte_flow_action fate[] = { { .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	struct rte_flow_item_ipv4 ip, ipm;
	memset(&ip, 0, sizeof(ip));
	memset(&ipm, 0, sizeof(ipm));
	ipm.hdr.type_of_service = 0xfc;
	struct rte_flow_item pat[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_VOID },
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip, .mask = &ipm },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	validate_msg(&in, pat, fate, "item 2 (IPV4): mask on tos not supported", -ENOTSUP);
	ipm.hdr.type_of_service = 0;
	ipm.hdr.time_to_live = 0xff; /* TTL can be matched */
	CU_ASSERT_EQUAL(flow_validate(dev, &in, pat, fate, NULL), 0);
	pat[2].last = &ip;
	validate_msg(&in, pat, fate, "item 2 (IPV4): ranges ('last') not supported", -ENOTSUP);
	pat[2].last = NULL;
	pat[0].type = RTE_FLOW_ITEM_TYPE_IPV6;
	validate_msg(&in, pat, fate, "item 0 (IPV6): not supported", -ENOTSUP);
	pat[0].type = RTE_FLOW_ITEM_TYPE_UDP;
	validate_msg(&in, pat, fate,
		     "item 1 (ETH): out of order after UDP/TCP (want ETH, VLAN, IPV4|ARP_ETH_IPV4, "
		     "UDP|TCP, VXLAN)",
		     -EINVAL);
	pat[0].type = RTE_FLOW_ITEM_TYPE_VOID;

	const struct rte_flow_attr g9 = { .ingress = 1, .group = 9 };
	validate_msg(&g9, pat, fate, "attr: group 9 out of range (groups 0..3)", -ENOTSUP);
	const struct rte_flow_attr eg = { .egress = 1 };
	validate_msg(&eg, pat, fate, "attr: egress not supported (ingress or transfer only)",
		     -ENOTSUP);
	const struct rte_flow_attr none = { 0 };
	validate_msg(&none, pat, fate, "attr: neither ingress nor transfer set", -EINVAL);

	struct rte_flow_action nofate[] = { { .type = RTE_FLOW_ACTION_TYPE_COUNT },
					    { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, nofate,
		     "actions: no fate action (need one of JUMP, QUEUE, DROP, PORT_ID, "
		     "REPRESENTED_PORT)",
		     -EINVAL);
	struct rte_flow_action two[] = { fate[0], { .type = RTE_FLOW_ACTION_TYPE_DROP },
					 { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, two,
		     "action 1 (DROP): a second fate action (action 0 (QUEUE) already decides)",
		     -EINVAL);
	struct rte_flow_action_jump back = { .group = 0 };
	struct rte_flow_action loop[] = { { .type = RTE_FLOW_ACTION_TYPE_JUMP, .conf = &back },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, loop,
		     "action 0 (JUMP): group 0 is not above the rule's group 0 (no loops)",
		     -ENOTSUP);
	struct rte_flow_action_queue q99 = { .index = 99 };
	struct rte_flow_action bigq[] = { { .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q99 },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, bigq, "action 0 (QUEUE): queue 99 out of range (16 queues)", -EINVAL);
	struct rte_flow_action noconf[] = { { .type = RTE_FLOW_ACTION_TYPE_SET_MAC_DST },
					    fate[0], { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, noconf, "action 0 (SET_MAC_DST): missing configuration", -EINVAL);
	struct rte_flow_item l2[] = { { .type = RTE_FLOW_ITEM_TYPE_ETH },
				      { .type = RTE_FLOW_ITEM_TYPE_END } };
	struct rte_flow_action ttl[] = { { .type = RTE_FLOW_ACTION_TYPE_DEC_TTL }, fate[0],
					 { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, l2, ttl, "action 0 (DEC_TTL): the pattern must match IPV4", -EINVAL);
	struct rte_flow_action decap[] = { { .type = RTE_FLOW_ACTION_TYPE_VXLAN_DECAP }, fate[0],
					   { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, l2, decap, "action 0 (VXLAN_DECAP): the pattern must match VXLAN",
		     -EINVAL);
	/* inner headers after VXLAN */
	struct rte_flow_item inner[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH }, { .type = RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP }, { .type = RTE_FLOW_ITEM_TYPE_VXLAN },
		{ .type = RTE_FLOW_ITEM_TYPE_ETH }, { .type = RTE_FLOW_ITEM_TYPE_END },
	};
	validate_msg(&in, inner, fate,
		     "item 4 (ETH): inner headers after VXLAN not supported (decap, then match "
		     "in a later group)",
		     -ENOTSUP);
	/* duplicate rule */
	struct flow_rule *r;
	CU_ASSERT_EQUAL(flow_create(dev, &in, pat, fate, &r, NULL), 0);
	struct flow_error err;
	CU_ASSERT_EQUAL(flow_create(dev, &in, pat, fate, &r, &err), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err.message,
			       "group 0: a rule with the same match and priority 0 exists");
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 1);
	teardown();
}

static void test_board_refuses_types(void)
{
	CU_ASSERT_EQUAL_FATAL(open_soft(4, "DEC_TTL, VXLAN_ENCAP,ARP_ETH_IPV4"), 0);
	const struct flow_caps *c = flow_dev_caps(dev);
	CU_ASSERT(!flow_caps_action(c, RTE_FLOW_ACTION_TYPE_DEC_TTL));
	CU_ASSERT(!flow_caps_action(c, RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP));
	CU_ASSERT(!flow_caps_item(c, RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4));
	CU_ASSERT(flow_caps_action(c, RTE_FLOW_ACTION_TYPE_SET_MAC_DST));
	CU_ASSERT(flow_caps_item(c, RTE_FLOW_ITEM_TYPE_IPV4));
	const struct rte_flow_attr in = { .ingress = 1 };
	struct rte_flow_item pat[] = { { .type = RTE_FLOW_ITEM_TYPE_ETH },
				       { .type = RTE_FLOW_ITEM_TYPE_IPV4 },
				       { .type = RTE_FLOW_ITEM_TYPE_END } };
	struct rte_flow_action_queue q = { .index = 0 };
	struct rte_flow_action acts[] = { { .type = RTE_FLOW_ACTION_TYPE_DEC_TTL },
					  { .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	validate_msg(&in, pat, acts,
		     "action 0 (DEC_TTL): not supported (refused by this board's configuration)",
		     -ENOTSUP);
	teardown();
	/* parameter parsing */
	struct flow_soft_params p;
	flow_soft_params_default(&p);
	struct flow_error err;
	CU_ASSERT_EQUAL(flow_soft_params_unsupported(&p, "NOT_A_TYPE", &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.message, "unsupported list: unknown type 'NOT_A_TYPE'");
	CU_ASSERT_EQUAL(flow_soft_params_capacities(&p, "*=10,2=0", &err), 0);
	CU_ASSERT_EQUAL(p.capacity[0], 10);
	CU_ASSERT_EQUAL(p.capacity[2], 0);
	CU_ASSERT_EQUAL(p.capacity[63], 10);
	CU_ASSERT_EQUAL(flow_soft_params_capacities(&p, "2=5,x=1", &err), -EINVAL);
	CU_ASSERT_EQUAL(p.capacity[2], 0); /* all or nothing */
	CU_ASSERT(strstr(err.message, "'x=1'") != NULL);
	CU_ASSERT_EQUAL(flow_soft_params_capacities(&p, "64=1", &err), -EINVAL);
	CU_ASSERT_EQUAL(flow_soft_params_capacities(&p, "1=", &err), -EINVAL);
	p.n_groups = 0;
	struct flow_params fp = { .soft = &p };
	dfn_log_set_quiet(1); /* logs the refusal on purpose */
	CU_ASSERT_EQUAL(flow_open(&flow_soft_ops, &fp, &dev, &err), -EINVAL);
	dfn_log_set_quiet(0);
	CU_ASSERT_PTR_NULL(dev);
}

/* ---- the core: missing ops, lookups --------------------------------------------- */

static int min_open(struct flow_dev *d, const struct flow_params *p, struct flow_error *e)
{
	return 0;
}
static int min_probe(struct flow_dev *d, struct flow_caps *c, struct flow_error *e) { return 0; }
static void min_close(struct flow_dev *d) {}
static const struct flow_driver_ops min_ops = {
	.name = "minimal", .open = min_open, .probe = min_probe, .close = min_close,
};
static int fail_probe(struct flow_dev *d, struct flow_caps *c, struct flow_error *e)
{
	return -EIO; /* no message: the core must supply one */
}
static const struct flow_driver_ops fail_ops = {
	.name = "failing", .open = min_open, .probe = fail_probe, .close = min_close,
};

static void test_core_missing_ops(void)
{
	struct flow_dev *d = NULL;
	struct flow_error err;
	CU_ASSERT_EQUAL_FATAL(flow_open(&min_ops, NULL, &d, &err), 0);
	const struct rte_flow_attr in = { .ingress = 1 };
	struct rte_flow_item pat[] = { { .type = RTE_FLOW_ITEM_TYPE_END } };
	struct rte_flow_action acts[] = { { .type = RTE_FLOW_ACTION_TYPE_DROP },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	struct flow_rule *r = NULL;
	CU_ASSERT_EQUAL(flow_validate(d, &in, pat, acts, &err), -ENOSYS);
	CU_ASSERT_STRING_EQUAL(err.message, "driver minimal has no validate op");
	CU_ASSERT_EQUAL(flow_create(d, &in, pat, acts, &r, &err), -ENOSYS);
	CU_ASSERT(err.message[0]);
	CU_ASSERT_EQUAL(flow_flush(d, &err), -ENOSYS);
	CU_ASSERT(err.message[0]);
	CU_ASSERT_EQUAL(flow_dev_rule_count(d), 0);
	flow_close(d);
	dfn_log_set_quiet(1); /* the failing open logs an error on purpose */
	CU_ASSERT_EQUAL(flow_open(&fail_ops, NULL, &d, &err), -EIO);
	dfn_log_set_quiet(0);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_STRING_EQUAL(err.message, "failing: open failed: Input/output error");
	CU_ASSERT_EQUAL(flow_open(NULL, NULL, &d, &err), -EINVAL);
	CU_ASSERT_PTR_NULL(flow_driver_find("nope"));
	CU_ASSERT_PTR_EQUAL(flow_driver_find("soft"), &flow_soft_ops);
	CU_ASSERT_STRING_EQUAL(flow_item_name(RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4), "ARP_ETH_IPV4");
	CU_ASSERT_STRING_EQUAL(flow_action_name(RTE_FLOW_ACTION_TYPE_SET_MAC_DST), "SET_MAC_DST");
	CU_ASSERT_STRING_EQUAL(flow_action_name(-3), "?");
	CU_ASSERT_EQUAL(flow_action_type_by_name("dec_ttl"), RTE_FLOW_ACTION_TYPE_DEC_TTL);
	CU_ASSERT_EQUAL(flow_item_type_by_name("nope"), -1);
}

/* Handles are recycled only after FLOW_RULE_QUARANTINE others were freed. */
static void test_handle_quarantine(void)
{
	setup();
	const struct rte_flow_attr in = { .ingress = 1 };
	struct rte_flow_item_ipv4 ip;
	memset(&ip, 0, sizeof(ip));
	struct rte_flow_item pat[] = { { .type = RTE_FLOW_ITEM_TYPE_ETH },
				       { .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip },
				       { .type = RTE_FLOW_ITEM_TYPE_END } };
	struct rte_flow_action acts[] = { { .type = RTE_FLOW_ACTION_TYPE_DROP },
					  { .type = RTE_FLOW_ACTION_TYPE_END } };
	struct flow_rule *first = NULL, *r;
	for (uint32_t i = 0; i < FLOW_RULE_QUARANTINE + 10; i++) {
		ip.hdr.dst_addr = rte_cpu_to_be_32(i + 1);
		CU_ASSERT_EQUAL_FATAL(flow_create(dev, &in, pat, acts, &r, NULL), 0);
		if (!first)
			first = r;
		CU_ASSERT_EQUAL(flow_destroy(dev, r, NULL), 0);
		if (i < FLOW_RULE_QUARANTINE)
			CU_ASSERT_EQUAL(flow_destroy(dev, first, NULL), -ENOENT);
	}
	teardown();
}

/* Packets on two threads while rules come and go. */
struct churn {
	int stop;               /* ask the packet threads to end (atomic access) */
	uint64_t hits;          /* routed packets seen */
};

static void *packet_thread(void *arg)
{
	struct churn *c = arg;
	uint8_t buf[128];
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) { /* pairs with the release below */
		size_t len = make_ipv4(buf, rtr0_mac, vm1_mac, IP(10, 0, 0, 5), IP(10, 0, 1, 7), 64, 8);
		struct flow_pkt pkt = { .buf = buf, .cap = sizeof(buf), .off = 0, .len = (uint32_t)len };
		struct flow_soft_result res;
		if (flow_soft_process(dev, &pkt, 1, &res) == 0 && res.verdict == FLOW_SOFT_PORT)
			__atomic_fetch_add(&c->hits, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent_packets_and_updates(void)
{
	setup();
	classify_port(1, 2);
	struct churn c = { 0, 0 };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, packet_thread, &c), 0);
	for (int i = 0; i < 2000; i++) {
		struct flow_rule *r = route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
		struct flow_rule *o = route(IP(10, 0, 2, (uint32_t)(i & 0xff)), 32, 0, rtr1_mac,
					    vm2_mac, 8);
		CU_ASSERT_EQUAL(flow_destroy(dev, r, NULL), 0);
		CU_ASSERT_EQUAL(flow_destroy(dev, o, NULL), 0);
	}
	/* The churn can end before the packet threads were ever scheduled:
	 * keep the rules coming until they have run packets (bounded wait). */
	struct flow_soft_stats st;
	uint64_t deadline = dfn_now_ms() + 5000;
	for (int i = 0;; i++) {
		flow_soft_get_stats(dev, &st);
		if (st.packets >= 1000 || dfn_now_ms() > deadline)
			break;
		struct flow_rule *r = route(IP(10, 0, 1, 7), 32, 0, rtr1_mac, vm2_mac, 7);
		CU_ASSERT_EQUAL(flow_destroy(dev, r, NULL), 0);
		if (i % 64 == 0)
			sched_yield();
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	flow_soft_get_stats(dev, &st);
	CU_ASSERT(st.packets > 0);
	CU_ASSERT(st.misses + c.hits == st.packets);
	teardown();
}

UNIT_SUITE(flow_soft, NULL, NULL, UNIT_TEST(test_arp_request_trapped), UNIT_TEST(test_routed_ipv4),
	   UNIT_TEST(test_ttl_expiry_punts_unchanged), UNIT_TEST(test_miss_and_counters),
	   UNIT_TEST(test_priorities_and_prefixes), UNIT_TEST(test_vxlan_encap),
	   UNIT_TEST(test_vxlan_decap_then_route), UNIT_TEST(test_vlan_and_mark_match),
	   UNIT_TEST(test_garbage_frames), UNIT_TEST(test_validation_messages),
	   UNIT_TEST(test_board_refuses_types), UNIT_TEST(test_core_missing_ops),
	   UNIT_TEST(test_handle_quarantine), UNIT_TEST(test_concurrent_packets_and_updates));
