/* tests/unit/test_pipeline_ns.c: north/south in the pipeline compiler and
 * packet-in handler (hostd/pipeline/compile.c, pipeline.c). The example
 * topology of test_pipeline_util.h (vm a and b on c1, router r1) gets a
 * network node "nn", a flat external network "ext" (provider port phy-ext,
 * 172.24.4.0/24, gateway .1, pool .10-.99) as r1's gateway, and floating
 * IP 172.24.4.50 -> vm a. Checked: what c1 sends to the network node; on
 * the network node the dispatch of frames to the router, the gateway's
 * ARP answers, conntrack SNAT / un-SNAT / floating IP DNAT+SNAT in zone =
 * router key, the next-hop table with and without learned neighbours; the
 * ARP request and neighbour learning of the packet-in handler; its rate
 * limit; and that a port or floating IP added changes only its own flows
 * on the network node. */
#include <stdarg.h>

#include "hostd/pipeline/pkt.h"
#include "tests/unit/test_pipeline_util.h"
#include "tests/unit/unit.h"

#define EXT_KEY (NET1_KEY + 2)
#define CK_R1 "cookie=0x400000000007001"
#define CK_NEIGH "cookie=0x700000000007001"

/* r1's gateway: its IP (must be the pool's first, 172.24.4.10) and MAC text. */
static void gw_of(struct topo *t, char mac[TOPO_MAC_STRLEN], char ip[TOPO_IP_STRLEN])
{
	const struct topo_router *r;
	struct topo_ip a;
	topo_rdlock(t);
	r = topo_router_get(t, "r1");
	topo_mac_fmt(topo_port_get(t, r->gw_port_id)->mac, mac);
	a = topo_router_gw_ip(t, r);
	topo_ip_fmt(&a, ip);
	topo_unlock(t);
}

static int ns_compile(struct topo *t, const char *chassis, const struct pl_neigh_tab *nt,
		      struct desired *d)
{
	const struct topo_chassis *ch;
	struct pl_cfg cfg = { .reactive_idle = 5, .neigh = nt };
	int r;
	desired_init(d);
	topo_rdlock(t);
	ch = topo_chassis_get(t, chassis);
	r = ch ? pipeline_compile(t, ch, tp_port_map, NULL, &cfg, d, NULL) : -ENOENT;
	topo_unlock(t);
	return r;
}

static int count_table(const struct desired *d, unsigned table)
{
	size_t i;
	int n = 0;
	for (i = 0; i < d->flows.n; i++)
		n += d->flows.v[i].table == table;
	return n;
}

__attribute__((format(printf, 3, 4))) static char *fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, n, f, ap);
	va_end(ap);
	return buf;
}

/* A compute chassis sends what leaves r1's subnets, unrouted, to the
 * network node over the source network's tunnel. */
static void test_compute_to_network_node(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	struct desired d;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "c1", NULL, &d), 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=10 " CK_R1
			      " metadata=0x12345678,eth_type=0x0800,reg5=0x7001 -> "
			      "apply(set_field:tunnel_id=0xabcdef,set_field:tun_ipv4_dst=192.168.50.3,"
			      "output:10)") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=10 " CK_R1
			      " metadata=0x12345679,eth_type=0x0800,reg5=0x7001 -> "
			      "apply(set_field:tunnel_id=0x100001,set_field:tun_ipv4_dst=192.168.50.3,"
			      "output:10)") >= 0);
	/* no conntrack and no next hops off the network node */
	CU_ASSERT_EQUAL(count_table(&d, PL_T_SNAT), 1);
	CU_ASSERT_EQUAL(count_table(&d, PL_T_EXT_NH), 1);
	desired_uninit(&d);
	topo_destroy(t);
}

/* Without a network node nothing leaves the router (the l3 miss drops). */
static void test_no_network_node(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 0);
	struct desired d;
	size_t i;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "c1", NULL, &d), 0);
	for (i = 0; i < d.flows.n; i++)
		CU_ASSERT(!(d.flows.v[i].table == PL_T_L3 && d.flows.v[i].priority == 10));
	desired_uninit(&d);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", NULL, &d), 0);
	CU_ASSERT_EQUAL(count_table(&d, PL_T_SNAT), 1);
	desired_uninit(&d);
	topo_destroy(t);
}

static void test_network_node_gateway(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	char mac[TOPO_MAC_STRLEN], ip[TOPO_IP_STRLEN], l[1024];
	struct desired d;
	CU_ASSERT_FATAL(t != NULL);
	gw_of(t, mac, ip);
	CU_ASSERT_STRING_EQUAL(ip, "172.24.4.10");
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", NULL, &d), 0);

	/* from c1: frames to the router's MAC are routed here */
	CU_ASSERT(tp_find(&d, "table=25 priority=100 " CK_R1
			      " metadata=0x12345678,eth_dst=02:00:00:00:01:01,eth_type=0x0800 -> "
			      "apply(set_field:reg5=0x7001) goto_table:30") >= 0);
	/* leaving the subnets -> next hop; the gateway IP is not routed */
	CU_ASSERT(tp_find(&d, "table=30 priority=10 " CK_R1 " eth_type=0x0800,reg5=0x7001 -> "
			      "goto_table:35") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=390 " CK_R1
			      " eth_type=0x0800,ipv4_dst=172.24.4.10,reg5=0x7001 -> drop") >= 0);
	/* the way back needs the /32s here even for a reactive router */
	CU_ASSERT(tp_find(&d, "table=30 priority=300 cookie=0x300000000000500"
			      " eth_type=0x0800,ipv4_dst=10.0.1.10,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=02:00:00:00:01:01,"
			      "set_field:eth_dst=02:00:00:00:01:0a) "
			      "write_metadata:0x12345678/0xffffffffffffffff goto_table:50") >= 0);
	/* the external side: unicast ARP answer for the gateway IP and the
	 * floating IP, replies to hostd's requests punted, IP to the gateway
	 * MAC -> snat, hostd's ARP requests out of phy-ext */
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=25 priority=100 " CK_R1
			      " metadata=0x1234567a,eth_type=0x0806,arp_op=1,arp_tpa=172.24.4.10 -> "
			      "apply(move:eth_src[0..47]->eth_dst[0..47],set_field:eth_src=%s,"
			      "set_field:arp_op=2,move:arp_sha[0..47]->arp_tha[0..47],"
			      "move:arp_spa[0..31]->arp_tpa[0..31],set_field:arp_sha=%s,"
			      "set_field:arp_spa=172.24.4.10,output:IN_PORT)", mac, mac)) >= 0);
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=25 priority=100 cookie=0x500000000000001"
			      " metadata=0x1234567a,eth_type=0x0806,arp_op=1,arp_tpa=172.24.4.50 -> "
			      "apply(move:eth_src[0..47]->eth_dst[0..47],set_field:eth_src=%s,"
			      "set_field:arp_op=2,move:arp_sha[0..47]->arp_tha[0..47],"
			      "move:arp_spa[0..31]->arp_tpa[0..31],set_field:arp_sha=%s,"
			      "set_field:arp_spa=172.24.4.50,output:IN_PORT)", mac, mac)) >= 0);
	CU_ASSERT(tp_find(&d, "table=25 priority=100 " CK_R1
			      " metadata=0x1234567a,eth_type=0x0806,arp_op=2,arp_tpa=172.24.4.10 -> "
			      "apply(output:CONTROLLER:65535)") >= 0);
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=25 priority=100 " CK_R1
			      " metadata=0x1234567a,eth_dst=%s,eth_type=0x0800 -> "
			      "apply(set_field:reg5=0x7001) goto_table:40", mac)) >= 0);
	CU_ASSERT(tp_find(&d, "table=0 priority=100 " CK_R1
			      " in_port=CONTROLLER,reg5=0x7001 -> apply(output:13)") >= 0);

	/* conntrack, zone = router key 0x7001 = 28673 */
	CU_ASSERT(tp_find(&d, "table=40 priority=300 cookie=0x500000000000001"
			      " metadata=0x1234567a,eth_type=0x0800,ipv4_dst=172.24.4.50,reg5=0x7001 -> "
			      "apply(ct(commit,zone=28673,table=30,nat(dst=10.0.1.10-10.0.1.10)))") >= 0);
	CU_ASSERT(tp_find(&d, "table=40 priority=290 " CK_R1
			      " metadata=0x1234567a,eth_type=0x0800,ipv4_dst=172.24.4.10,reg5=0x7001 -> "
			      "apply(ct(zone=28673,table=30,nat))") >= 0);
	CU_ASSERT(tp_find(&d, "table=40 priority=280 " CK_R1
			      " metadata=0x1234567a,reg5=0x7001 -> drop") >= 0);
	CU_ASSERT(tp_find(&d, "table=40 priority=200 cookie=0x500000000000001"
			      " eth_type=0x0800,ipv4_src=10.0.1.10,reg5=0x7001 -> "
			      "apply(ct(commit,zone=28673,nat(src=172.24.4.50-172.24.4.50)),output:13)") >= 0);
	CU_ASSERT(tp_find(&d, "table=40 priority=100 " CK_R1 " eth_type=0x0800,reg5=0x7001 -> "
			      "apply(ct(commit,zone=28673,nat(src=172.24.4.10-172.24.4.10)),output:13)") >= 0);

	/* next hops unknown: the external subnet and the default route go to
	 * hostd (ARP) */
	CU_ASSERT(tp_find(&d, "table=35 priority=224 " CK_R1
			      " eth_type=0x0800,ipv4_dst=172.24.4.0/24,reg5=0x7001 -> "
			      "apply(output:CONTROLLER:65535)") >= 0);
	CU_ASSERT(tp_find(&d, "table=35 priority=100 " CK_R1 " eth_type=0x0800,reg5=0x7001 -> "
			      "apply(output:CONTROLLER:65535)") >= 0);
	desired_uninit(&d);
	topo_destroy(t);
}

/* Learned neighbours become next-hop flows; the subnet's gateway serves
 * the default route. */
static void test_next_hops_learned(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_PROACTIVE, 1);
	static struct pl_neigh_tab nt; /* big: not on the stack */
	struct pl_neigh gw = { EXT_KEY, 0xac180401, { 2, 0, 0, 0xee, 0, 1 } };
	struct pl_neigh host = { EXT_KEY, 0xac180464, { 2, 0, 0, 0xee, 0, 0x64 } };
	struct pl_neigh other = { NET1_KEY, 0xac180465, { 2, 0, 0, 0xee, 0, 0x65 } };
	char mac[TOPO_MAC_STRLEN], ip[TOPO_IP_STRLEN], l[1024];
	struct desired d;

	CU_ASSERT_FATAL(t != NULL);
	gw_of(t, mac, ip);
	memset(&nt, 0, sizeof(nt));
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &gw), 1);
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &gw), 0); /* unchanged */
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &host), 1);
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &other), 1); /* another network: ignored */
	CU_ASSERT_EQUAL(nt.n, 3);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", &nt, &d), 0);
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=35 priority=300 " CK_NEIGH
			      " idle_timeout=300 eth_type=0x0800,ipv4_dst=172.24.4.100,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=%s,set_field:eth_dst=02:00:00:ee:00:64) "
			      "goto_table:40", mac)) >= 0);
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=35 priority=300 " CK_NEIGH
			      " idle_timeout=300 eth_type=0x0800,ipv4_dst=172.24.4.1,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=%s,set_field:eth_dst=02:00:00:ee:00:01) "
			      "goto_table:40", mac)) >= 0);
	CU_ASSERT(tp_find(&d, fmt(l, sizeof(l), "table=35 priority=101 " CK_NEIGH
			      " idle_timeout=300 eth_type=0x0800,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=%s,set_field:eth_dst=02:00:00:ee:00:01) "
			      "goto_table:40", mac)) >= 0);
	/* 2 neighbours + unresolved subnet + default + miss */
	CU_ASSERT_EQUAL(count_table(&d, PL_T_EXT_NH), 5);
	/* the controller keeps both learned kinds (reactive 6, neighbour 7)
	 * and nothing else */
	{
		struct diff_opts o;
		pipeline_keep_opts(&o);
		CU_ASSERT_EQUAL(PL_COOKIE(PL_CK_REACTIVE, 5) & o.keep_mask, o.keep_cookie);
		CU_ASSERT_EQUAL(PL_COOKIE(PL_CK_NEIGH, 5) & o.keep_mask, o.keep_cookie);
		CU_ASSERT_NOT_EQUAL(PL_COOKIE(PL_CK_ROUTER, 5) & o.keep_mask, o.keep_cookie);
		CU_ASSERT_NOT_EQUAL(PL_COOKIE(PL_CK_FIP, 5) & o.keep_mask, o.keep_cookie);
		CU_ASSERT_NOT_EQUAL(PL_COOKIE(PL_CK_PORT, 5) & o.keep_mask, o.keep_cookie);
	}
	/* a MAC change updates in place */
	host.mac[5] = 0x99;
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &host), 1);
	CU_ASSERT_EQUAL(nt.n, 3);
	CU_ASSERT_EQUAL(pl_neigh_find(&nt, EXT_KEY, 0xac180464)->mac[5], 0x99);
	CU_ASSERT(pl_neigh_find(&nt, EXT_KEY, 0xac180465) == NULL);
	desired_uninit(&d);
	topo_destroy(t);
}

/* A full table replaces its oldest entry. */
static void test_neigh_table_full(void)
{
	static struct pl_neigh_tab nt;
	struct pl_neigh e = { 7, 0, { 2, 0, 0, 0, 0, 1 } };
	uint32_t i;
	memset(&nt, 0, sizeof(nt));
	for (i = 0; i < PL_MAX_NEIGH; i++) {
		e.ip = 0x0a000000 + i;
		CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &e), 1);
	}
	e.ip = 0x0b000000;
	CU_ASSERT_EQUAL(pl_neigh_learn(&nt, &e), 1);
	CU_ASSERT_EQUAL(nt.n, PL_MAX_NEIGH);
	CU_ASSERT(pl_neigh_find(&nt, 7, 0x0a000000) == NULL);
	CU_ASSERT(pl_neigh_find(&nt, 7, 0x0a000001) != NULL);
	CU_ASSERT(pl_neigh_find(&nt, 7, 0x0b000000) != NULL);
}

/* Adding a VM port behind a router with a gateway changes, on the network
 * node, only that port's flows: its /32 (the way back in) and its remote
 * L2 entry; a floating IP only the floating IP's. */
static void test_incremental_on_network_node(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	struct desired before, after, with_fip;
	struct topo_floatingip fip;
	struct topo_txn *x;
	struct topo_err err;
	struct diff df;
	uint64_t ck;
	size_t i;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", NULL, &before), 0);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(tp_put_port(x, "c", "net1", "10.0.1.30", "02:00:00:00:01:1e", "c1", "vmc") ==
			0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	topo_rdlock(t);
	ck = PL_COOKIE(PL_CK_PORT, topo_port_get(t, "c")->key);
	topo_unlock(t);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", NULL, &after), 0);
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&before, &after, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_ADD], 2);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE] + df.n_flow[DIFF_MODIFY] + df.n_flow[DIFF_REPLACE],
			0);
	CU_ASSERT_EQUAL(df.n_group, 0);
	for (i = 0; i < df.n; i++)
		if (df.v[i].kind == DK_FLOW)
			CU_ASSERT_EQUAL(after.flows.v[df.v[i].idx].cookie, ck);
	diff_uninit(&df);

	/* a second floating IP, for c: its four flows (ARP answer, l3 drop,
	 * DNAT in, SNAT out), all with its cookie */
	x = topo_txn_begin(t);
	memset(&fip, 0, sizeof(fip));
	snprintf(fip.id, sizeof(fip.id), "fip2");
	topo_ip_parse("172.24.4.51", &fip.floating_ip);
	snprintf(fip.floating_network_id, sizeof(fip.floating_network_id), "ext");
	snprintf(fip.port_id, sizeof(fip.port_id), "c");
	CU_ASSERT_FATAL(topo_txn_put_floatingip(x, &fip, NULL, &err) == 0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	topo_rdlock(t);
	ck = PL_COOKIE(PL_CK_FIP, topo_floatingip_get(t, "fip2")->key);
	topo_unlock(t);
	CU_ASSERT_EQUAL_FATAL(ns_compile(t, "nn", NULL, &with_fip), 0);
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&after, &with_fip, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_ADD], 4);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE] + df.n_flow[DIFF_MODIFY] + df.n_flow[DIFF_REPLACE],
			0);
	for (i = 0; i < df.n; i++)
		if (df.v[i].kind == DK_FLOW)
			CU_ASSERT_EQUAL(with_fip.flows.v[df.v[i].idx].cookie, ck);
	diff_uninit(&df);
	desired_uninit(&before);
	desired_uninit(&after);
	desired_uninit(&with_fip);
	topo_destroy(t);
}

/* One ARP request per (switch, target) per interval. */
static void test_arp_rate_limit(void)
{
	static struct pl_arp_limit l;
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 3, 0xac180401, 10000), 1);
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 3, 0xac180401, 10000 + PL_ARP_INTERVAL_MS - 1), 0);
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 3, 0xac180402, 10001), 1);  /* other target */
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 4, 0xac180401, 10001), 1);  /* other switch */
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 3, 0xac180401, 10000 + PL_ARP_INTERVAL_MS), 1);
	CU_ASSERT_EQUAL(pl_arp_limit_allow(&l, 3, 0xac180401, 10000 + PL_ARP_INTERVAL_MS + 1), 0);
}

/* A frame punted by table ext_nexthop -> an ARP request for the next hop,
 * packet-out from CONTROLLER with reg5 = router back into the pipeline. */
static void test_packet_in_arp_request(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	static const uint32_t dsts[2] = { 0xac180464 /* on ext-sub */, 0xcb007105 /* beyond */ };
	static const uint32_t want[2] = { 0xac180464, 0xac180401 /* ext-sub's gateway */ };
	const struct topo_chassis *nn;
	uint8_t frame[64] = { 0 };
	struct pl_reply r;
	struct pl_pkt p;
	char err[128];
	int k;

	CU_ASSERT_FATAL(t != NULL);
	for (k = 0; k < 2; k++) {
		struct ofp_packet_in pi;
		uint8_t *ip = frame + 14;
		const struct ofp_packet_out *po;
		size_t i;
		uint32_t sum = 0;
		memset(frame, 0, sizeof(frame));
		frame[12] = 0x08;
		ip[0] = 0x45;
		ip[3] = 28;
		ip[8] = 63;
		ip[9] = 1;
		ip[12] = 172, ip[13] = 24, ip[14] = 4, ip[15] = 10;
		for (i = 0; i < 4; i++)
			ip[16 + i] = (uint8_t)(dsts[k] >> (24 - 8 * i));
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
		memset(&pi, 0, sizeof(pi));
		pi.buffer_id = OFP_NO_BUFFER;
		pi.reason = 1;
		pi.table_id = PL_T_EXT_NH;
		pi.cookie = PL_COOKIE(PL_CK_ROUTER, R1_KEY);
		ofp_match_init(&pi.match);
		ofp_match_set_uint(&pi.match, OFPF_IN_PORT, 10);
		ofp_match_set_uint(&pi.match, PL_REG_ROUTER, R1_KEY);
		pi.data.data = frame;
		pi.data.len = 14 + 28;
		pi.total_len = 14 + 28;
		topo_rdlock(t);
		nn = topo_chassis_get(t, "nn");
		CU_ASSERT_EQUAL_FATAL(pipeline_packet_in(t, nn, NULL, &pi, &r), 0);
		topo_unlock(t);
		CU_ASSERT_STRING_EQUAL(r.what, "arp request");
		CU_ASSERT_FATAL(r.n == 1 && r.msg[0].type == OFPMSG_PACKET_OUT);
		po = &r.msg[0].u.packet_out;
		CU_ASSERT_EQUAL(po->in_port, OFPP_CONTROLLER);
		CU_ASSERT_EQUAL(po->actions.n, 2);
		CU_ASSERT(po->actions.a[0].type == OFPACT_SET_FIELD &&
			  po->actions.a[0].u.set_field.field == PL_REG_ROUTER);
		CU_ASSERT(po->actions.a[1].type == OFPACT_OUTPUT &&
			  po->actions.a[1].u.output.port == OFPP_TABLE);
		CU_ASSERT_EQUAL_FATAL(pl_pkt_parse(po->data.data, po->data.len, &p, err, sizeof(err)), 0);
		CU_ASSERT(p.has_arp && p.arp_op == PL_ARP_REQUEST);
		CU_ASSERT_EQUAL(p.arp_spa, 0xac18040a);
		CU_ASSERT_EQUAL(p.arp_tpa, want[k]);
		CU_ASSERT_EQUAL(r.arp_target, want[k]);
		pl_reply_uninit(&r);
	}
	topo_destroy(t);
}

/* ARP replies to the gateway IP teach a neighbour; anything else does not. */
static void test_packet_in_arp_learn(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	static const uint8_t host[6] = { 2, 0, 0, 0xee, 0, 1 };
	const struct topo_chassis *nn;
	struct ofp_packet_in pi;
	uint8_t f[64];
	struct pl_reply r;
	int len;

	CU_ASSERT_FATAL(t != NULL);
	/* a reply is a request with op 2 for this purpose */
	len = pl_arp_request(host, 0xac180401, 0xac18040a, f, sizeof(f));
	CU_ASSERT_FATAL(len == 42);
	f[14 + 7] = PL_ARP_REPLY;
	memset(&pi, 0, sizeof(pi));
	pi.buffer_id = OFP_NO_BUFFER;
	pi.reason = 1;
	pi.table_id = PL_T_REMOTE_DISPATCH;
	pi.cookie = PL_COOKIE(PL_CK_ROUTER, R1_KEY);
	ofp_match_init(&pi.match);
	ofp_match_set_uint(&pi.match, OFPF_IN_PORT, 13);
	pi.data.data = f;
	pi.data.len = (size_t)len;
	pi.total_len = (uint16_t)len;
	topo_rdlock(t);
	nn = topo_chassis_get(t, "nn");
	CU_ASSERT_EQUAL(pipeline_packet_in(t, nn, NULL, &pi, &r), 0);
	CU_ASSERT(r.learned && r.n == 0);
	CU_ASSERT_EQUAL(r.neigh.netkey, EXT_KEY);
	CU_ASSERT_EQUAL(r.neigh.ip, 0xac180401);
	CU_ASSERT(!memcmp(r.neigh.mac, host, 6));
	/* a request is not learned here */
	f[14 + 7] = PL_ARP_REQUEST;
	CU_ASSERT_EQUAL(pipeline_packet_in(t, nn, NULL, &pi, &r), -EINVAL);
	CU_ASSERT(!r.learned);
	/* a reply to another address is not either */
	f[14 + 7] = PL_ARP_REPLY;
	f[14 + 27] = 11; /* tpa 172.24.4.11 */
	CU_ASSERT_EQUAL(pipeline_packet_in(t, nn, NULL, &pi, &r), -EINVAL);
	CU_ASSERT(!r.learned);
	/* nor from outside the external subnet */
	f[14 + 27] = 10;
	f[14 + 14] = 10; /* spa 10.24.4.1 */
	CU_ASSERT_EQUAL(pipeline_packet_in(t, nn, NULL, &pi, &r), -EINVAL);
	CU_ASSERT(!r.learned);
	topo_unlock(t);
	topo_destroy(t);
}

UNIT_SUITE(pipeline_north_south, NULL, NULL, UNIT_TEST(test_compute_to_network_node),
	   UNIT_TEST(test_no_network_node), UNIT_TEST(test_network_node_gateway),
	   UNIT_TEST(test_next_hops_learned), UNIT_TEST(test_neigh_table_full),
	   UNIT_TEST(test_arp_rate_limit), UNIT_TEST(test_incremental_on_network_node),
	   UNIT_TEST(test_packet_in_arp_request), UNIT_TEST(test_packet_in_arp_learn));
