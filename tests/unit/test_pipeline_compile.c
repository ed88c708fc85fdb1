/* tests/unit/test_pipeline_compile.c: the pipeline compiler
 * (hostd/pipeline/compile.c) on the example topology of
 * test_pipeline_util.h: the flows of each table, by their formatted text;
 * the unicast ARP reply; the full-width VNI and network key; tunnels to a
 * second chassis; proactive /32s; and that adding or removing one port
 * changes only that port's flows (the diff the controller would send). */
#include "tests/unit/test_pipeline_util.h"
#include "tests/unit/unit.h"

#define CK_BASE "cookie=0x100000000000000"
#define CK_NET1 "cookie=0x200000012345678"
#define CK_R1 "cookie=0x400000000007001"
#define CK_PA "cookie=0x300000000000500"
#define CK_PB "cookie=0x300000000000501"

static void test_classify_and_l2(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct desired d;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d), 0);
	/* VM port: in_port -> reg6 = port key, metadata = network key (full
	 * 32 bits: 0x12345678 would be 0x5678 in a 16-bit scheme) */
	CU_ASSERT(tp_find(&d, "table=0 priority=100 " CK_PA " in_port=1 -> "
			      "apply(set_field:reg6=0x500) write_metadata:0x12345678/0xffffffffffffffff "
			      "goto_table:10") >= 0);
	/* tunnel: the 24-bit VNI in tunnel_id -> the network key */
	CU_ASSERT(tp_find(&d, "table=0 priority=100 " CK_NET1 " in_port=10,tunnel_id=0xabcdef -> "
			      "write_metadata:0x12345678/0xffffffffffffffff goto_table:25") >= 0);
	/* local delivery and flooding */
	CU_ASSERT(tp_find(&d, "table=60 priority=100 " CK_PA
			      " metadata=0x12345678,eth_dst=02:00:00:00:01:0a -> "
			      "apply(output:1)") >= 0);
	CU_ASSERT(tp_find(&d, "table=50 priority=50 " CK_NET1
			      " metadata=0x12345678,eth_dst=01:00:00:00:00:00/01:00:00:00:00:00 -> "
			      "apply(group:610839792)") >= 0);
	CU_ASSERT(tp_find(&d, "table=60 priority=50 " CK_NET1
			      " metadata=0x12345678,eth_dst=01:00:00:00:00:00/01:00:00:00:00:00 -> "
			      "apply(group:610839793)") >= 0);
	/* table misses chain the tables */
	CU_ASSERT(tp_find(&d, "table=10 priority=0 " CK_BASE " any -> goto_table:20") >= 0);
	CU_ASSERT(tp_find(&d, "table=20 priority=0 " CK_BASE " any -> goto_table:50") >= 0);
	CU_ASSERT(tp_find(&d, "table=50 priority=0 " CK_BASE " any -> goto_table:60") >= 0);
	CU_ASSERT(tp_find(&d, "table=25 priority=0 " CK_BASE " any -> goto_table:60") >= 0);
	/* flood groups: both local ports of net1? only vma is on net1 */
	{
		int gi = desired_find_group(&d, PL_GROUP_FLOOD_ALL(NET1_KEY));
		CU_ASSERT_FATAL(gi >= 0);
		TP_ASSERT_BTEXT(&d.groups[gi], "bucket(output:1)");
	}
	desired_uninit(&d);
	topo_destroy(t);
}

static void test_arp_responder_unicast(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct desired d;
	int i;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d), 0);
	/* The reply goes back to the requester only: eth_dst takes the
	 * request's eth_src (never ff:ff:ff:ff:ff:ff), out of IN_PORT. */
	i = tp_find(&d, "table=10 priority=100 " CK_R1
			" metadata=0x12345678,eth_type=0x0806,arp_op=1,arp_tpa=10.0.1.1 -> "
			"apply(move:eth_src[0..47]->eth_dst[0..47],"
			"set_field:eth_src=02:00:00:00:01:01,set_field:arp_op=2,"
			"move:arp_sha[0..47]->arp_tha[0..47],move:arp_spa[0..31]->arp_tpa[0..31],"
			"set_field:arp_sha=02:00:00:00:01:01,set_field:arp_spa=10.0.1.1,"
			"output:IN_PORT)");
	CU_ASSERT(i >= 0);
	if (i >= 0)
		CU_ASSERT(!tp_itext_has(&d.flows.v[i], "ff:ff:ff:ff:ff:ff"));
	CU_ASSERT(tp_find(&d, "table=10 priority=100 " CK_R1
			      " metadata=0x12345679,eth_type=0x0806,arp_op=1,arp_tpa=10.0.2.1 -> "
			      "apply(move:eth_src[0..47]->eth_dst[0..47],"
			      "set_field:eth_src=02:00:00:00:02:01,set_field:arp_op=2,"
			      "move:arp_sha[0..47]->arp_tha[0..47],move:arp_spa[0..31]->arp_tpa[0..31],"
			      "set_field:arp_sha=02:00:00:00:02:01,set_field:arp_spa=10.0.2.1,"
			      "output:IN_PORT)") >= 0);
	desired_uninit(&d);
	topo_destroy(t);
}

static void test_l3_reactive(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct desired d;
	size_t i;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d), 0);
	CU_ASSERT(tp_find(&d, "table=20 priority=100 " CK_R1
			      " metadata=0x12345678,eth_dst=02:00:00:00:01:01,eth_type=0x0800 -> "
			      "apply(set_field:reg5=0x7001) goto_table:30") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=124 " CK_R1
			      " eth_type=0x0800,ipv4_dst=10.0.2.0/24,reg5=0x7001 -> "
			      "apply(output:CONTROLLER:65535)") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=400 " CK_R1
			      " eth_type=0x0800,ip_proto=1,ipv4_dst=10.0.1.1,icmpv4_type=8,reg5=0x7001 -> "
			      "apply(output:CONTROLLER:65535)") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=390 " CK_R1
			      " eth_type=0x0800,ipv4_dst=10.0.1.1,reg5=0x7001 -> drop") >= 0);
	/* reactive: no /32 ahead of time */
	for (i = 0; i < d.flows.n; i++)
		CU_ASSERT(d.flows.v[i].priority != 300);
	desired_uninit(&d);
	topo_destroy(t);
}

static void test_l3_proactive(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_PROACTIVE);
	struct desired d;
	size_t i, n_ctl = 0;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d), 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=300 " CK_PB
			      " eth_type=0x0800,ipv4_dst=10.0.2.20,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=02:00:00:00:02:01,"
			      "set_field:eth_dst=02:00:00:00:02:14) write_metadata:0x12345679/0xffffffffffffffff "
			      "goto_table:50") >= 0);
	CU_ASSERT(tp_find(&d, "table=30 priority=300 " CK_PA
			      " eth_type=0x0800,ipv4_dst=10.0.1.10,reg5=0x7001 -> "
			      "apply(dec_ttl,set_field:eth_src=02:00:00:00:01:01,"
			      "set_field:eth_dst=02:00:00:00:01:0a) write_metadata:0x12345678/0xffffffffffffffff "
			      "goto_table:50") >= 0);
	/* an unknown address of the subnet is dropped, not punted */
	CU_ASSERT(tp_find(&d, "table=30 priority=124 " CK_R1
			      " eth_type=0x0800,ipv4_dst=10.0.2.0/24,reg5=0x7001 -> drop") >= 0);
	/* the only punts left are ICMP echo to the router's own addresses */
	for (i = 0; i < d.flows.n; i++)
		if (tp_itext_has(&d.flows.v[i], "CONTROLLER")) {
			n_ctl++;
			CU_ASSERT(d.flows.v[i].priority == 400);
		}
	CU_ASSERT_EQUAL(n_ctl, 2);
	desired_uninit(&d);
	topo_destroy(t);
}

static void test_tunnel_to_other_chassis(void)
{
	struct topo *t = tp_build("c2", TOPO_L3_PROACTIVE);
	struct desired d1, d2;
	int gi;
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d1), 0);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c2", &d2), 0);
	/* c1: b is remote, reached over VXLAN with its full VNI */
	CU_ASSERT(tp_find(&d1, "table=50 priority=100 " CK_PB
			       " metadata=0x12345679,eth_dst=02:00:00:00:02:14 -> "
			       "apply(set_field:tunnel_id=0x100001,"
			       "set_field:tun_ipv4_dst=192.168.50.2,output:10)") >= 0);
	/* c1 has no local port on net2: no classify or flood for it there */
	CU_ASSERT(desired_find_group(&d1, PL_GROUP_FLOOD_ALL(NET2_KEY)) < 0);
	/* c2: a is remote; flooding on net2 stays local (nobody else has net2) */
	CU_ASSERT(tp_find(&d2, "table=50 priority=100 " CK_PA
			       " metadata=0x12345678,eth_dst=02:00:00:00:01:0a -> "
			       "apply(set_field:tunnel_id=0xabcdef,"
			       "set_field:tun_ipv4_dst=192.168.50.1,output:10)") >= 0);
	CU_ASSERT(tp_find(&d2, "table=0 priority=100 " CK_PB " in_port=2 -> "
			       "apply(set_field:reg6=0x501) write_metadata:0x12345679/0xffffffffffffffff "
			       "goto_table:10") >= 0);
	gi = desired_find_group(&d2, PL_GROUP_FLOOD_ALL(NET2_KEY));
	CU_ASSERT_FATAL(gi >= 0);
	TP_ASSERT_BTEXT(&d2.groups[gi], "bucket(output:2)");
	desired_uninit(&d1);
	desired_uninit(&d2);

	/* a second port of net1 on c2: c1's flood group of net1 now reaches c2 */
	{
		struct topo_txn *x = topo_txn_begin(t);
		struct topo_err err;
		CU_ASSERT_FATAL(tp_put_port(x, "c", "net1", "10.0.1.30", "02:00:00:00:01:1e", "c2",
					    "vmc") == 0);
		CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	}
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &d1), 0);
	gi = desired_find_group(&d1, PL_GROUP_FLOOD_ALL(NET1_KEY));
	CU_ASSERT_FATAL(gi >= 0);
	TP_ASSERT_BTEXT(&d1.groups[gi],
			       "bucket(output:1) bucket(set_field:tunnel_id=0xabcdef,"
			       "set_field:tun_ipv4_dst=192.168.50.2,output:10)");
	gi = desired_find_group(&d1, PL_GROUP_FLOOD_LOCAL(NET1_KEY));
	CU_ASSERT_FATAL(gi >= 0);
	TP_ASSERT_BTEXT(&d1.groups[gi], "bucket(output:1)");
	desired_uninit(&d1);
	topo_destroy(t);
}

/* Every flow item of the diff carries `cookie`; returns the item count. */
static size_t diff_all_cookie(const struct desired *cur, const struct desired *want,
			      const struct diff *df, uint64_t cookie)
{
	size_t i, n = 0;
	for (i = 0; i < df->n; i++) {
		const struct dflow_rec *f;
		if (df->v[i].kind != DK_FLOW)
			continue;
		f = df->v[i].op == DIFF_DELETE ? &cur->flows.v[df->v[i].idx]
					       : &want->flows.v[df->v[i].idx];
		CU_ASSERT_EQUAL(f->cookie, cookie);
		if (f->cookie != cookie) {
			char *l = tp_flow_line(f);
			fprintf(stderr, "\nunexpected change: %s\n", l);
			free(l);
		}
		n++;
	}
	return n;
}

static void test_incremental_port(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_PROACTIVE);
	struct desired before, after, again;
	struct diff df;
	struct topo_txn *x;
	struct topo_err err;
	const struct topo_port *pc;
	uint64_t ck;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &before), 0);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(tp_put_port(x, "c", "net1", "10.0.1.30", "02:00:00:00:01:1e", "c1", "vmc") ==
			0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	topo_rdlock(t);
	pc = topo_port_get(t, "c");
	CU_ASSERT_FATAL(pc != NULL);
	ck = PL_COOKIE(PL_CK_PORT, pc->key);
	topo_unlock(t);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &after), 0);

	/* add: classify, local delivery, the proactive /32 -- all of c's */
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&before, &after, NULL, &df), 0);
	CU_ASSERT_EQUAL(diff_all_cookie(&before, &after, &df, ck), 3);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_ADD], 3);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE] + df.n_flow[DIFF_MODIFY] + df.n_flow[DIFF_REPLACE],
			0);
	/* and the two flood groups of net1 gain its bucket */
	CU_ASSERT_EQUAL(df.n_group, 2);
	diff_uninit(&df);

	/* remove: exactly those three go */
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(topo_txn_delete(x, TOPO_PORT, "c", &err) == 0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	CU_ASSERT_EQUAL_FATAL(tp_compile(t, "c1", &again), 0);
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&after, &again, NULL, &df), 0);
	CU_ASSERT_EQUAL(diff_all_cookie(&after, &again, &df, ck), 3);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE], 3);
	diff_uninit(&df);
	/* back to where it started */
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&before, &again, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n, 0);
	diff_uninit(&df);

	desired_uninit(&before);
	desired_uninit(&after);
	desired_uninit(&again);
	topo_destroy(t);
}

static void test_port_not_on_switch(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct desired d;
	struct pl_stats st;
	const struct topo_chassis *ch;
	struct topo_txn *x;
	struct topo_err err;
	size_t i;
	CU_ASSERT_FATAL(t != NULL);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(tp_put_port(x, "d", "net1", "10.0.1.40", "02:00:00:00:01:28", "c1",
				    "notplugged") == 0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	desired_init(&d);
	topo_rdlock(t);
	ch = topo_chassis_get(t, "c1");
	CU_ASSERT_EQUAL(pipeline_compile(t, ch, tp_port_map, NULL, NULL, &d, &st), 0);
	topo_unlock(t);
	/* counted as skipped (classify, delivery, flood buckets), no flow for it */
	CU_ASSERT(st.skipped_ports >= 1);
	CU_ASSERT_EQUAL(st.flows, d.flows.n);
	for (i = 0; i < d.flows.n; i++)
		CU_ASSERT(!tp_itext_has(&d.flows.v[i], "02:00:00:00:01:28") &&
			  d.flows.v[i].cookie != PL_COOKIE(PL_CK_PORT, PB_KEY + 3));
	desired_uninit(&d);
	topo_destroy(t);
}

UNIT_SUITE(pipeline_compile, NULL, NULL, UNIT_TEST(test_classify_and_l2),
	   UNIT_TEST(test_arp_responder_unicast), UNIT_TEST(test_l3_reactive),
	   UNIT_TEST(test_l3_proactive), UNIT_TEST(test_tunnel_to_other_chassis),
	   UNIT_TEST(test_incremental_port), UNIT_TEST(test_port_not_on_switch));
