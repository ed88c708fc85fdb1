/* tests/unit/test_ofp_roundtrip.c: named encode -> decode round trips of
 * the OpenFlow codec over the sample catalogue (one sample per message
 * family and feature, hostd/openflow/tools/ofp_samples.c), plus framing,
 * the error table, encode-side validation and truncation robustness. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "hostd/openflow/ofp.h"
#include "hostd/openflow/tools/ofp_samples.h"
#include "tests/unit/unit.h"

static const struct ofp_sample *find_sample(const char *name)
{
	size_t i;
	for (i = 0; i < ofp_n_samples; i++)
		if (!strcmp(ofp_samples[i].name, name))
			return &ofp_samples[i];
	return NULL;
}

/* Encodes sample `name`, decodes it back, and checks the decoded message
 * formats like the original and re-encodes to the same bytes. Returns the
 * decoded text (caller frees) for further assertions. */
static char *roundtrip(const char *name)
{
	const struct ofp_sample *s = find_sample(name);
	struct ofpbuf b1 = OFPBUF_INIT, b2 = OFPBUF_INIT;
	struct ofp_msg m, d;
	char err[256], *t1, *t2 = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->build(&m);
	CU_ASSERT_EQUAL_FATAL(ofp_encode(&m, &b1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ofp_get_be16(b1.data + 2), b1.len);
	CU_ASSERT_EQUAL(b1.data[0], OFP13_VERSION);
	CU_ASSERT_EQUAL(b1.data[1], ofp_msg_type_code(m.type));
	t1 = ofp_to_string(&m);
	if (ofp_decode(b1.data, b1.len, &d, err, sizeof(err)) != OFPERR_OK) {
		fprintf(stderr, "\n%s: %s\n", name, err);
		CU_FAIL("decode of an encoded sample failed");
		goto out;
	}
	CU_ASSERT_EQUAL(d.type, m.type);
	CU_ASSERT_EQUAL(d.xid, m.xid);
	t2 = ofp_to_string(&d);
	CU_ASSERT_STRING_EQUAL(t1, t2);
	CU_ASSERT_EQUAL(ofp_encode(&d, &b2, NULL, 0), 0);
	CU_ASSERT(b1.len == b2.len && !memcmp(b1.data, b2.data, b1.len));
	ofp_msg_uninit(&d);
out:
	ofp_msg_uninit(&m);
	free(t1);
	ofpbuf_uninit(&b1);
	ofpbuf_uninit(&b2);
	return t2;
}

static void expect_roundtrip(const char *name, const char *const *needles)
{
	char *t = roundtrip(name);
	if (!t)
		return;
	for (; *needles; needles++) {
		if (!strstr(t, *needles))
			fprintf(stderr, "\n%s: '%s' not in %s\n", name, *needles, t);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, *needles));
	}
	free(t);
}

#define RT(name, ...) expect_roundtrip(name, (const char *const[]){ __VA_ARGS__, NULL })

static void test_rt_hello_echo_error(void)
{
	RT("hello", "HELLO xid=0x1 version=0x04 bitmap=1.3");
	RT("echo_request", "data_len=4 data=70696e67");
	RT("error", "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ req=FLOW_MOD,xid=0x5");
	RT("experimenter", "experimenter=0x2320 exp_type=12");
	RT("barrier", "BARRIER_REQUEST xid=0x1d");
}

static void test_rt_flow_mod_l3(void)
{
	RT("flow_l3", "FLOW_MOD xid=0x5 ADD table=0 cookie=0x1/0xffffffffffffffff prio=100 idle=10 hard=0 "
		      "flags=send_flow_rem match=in_port=1,eth_type=0x0800,ipv4_dst=10.0.1.0/24 "
		      "actions=apply(dec_ttl,set_field:eth_src=fa:16:3e:00:00:01,"
		      "set_field:eth_dst=fa:16:3e:00:00:02,output:2) goto_table:10");
}

static void test_rt_flow_mod_arp_responder(void)
{
	RT("flow_arp_responder", "move:eth_src[0..47]->eth_dst[0..47]", "set_field:arp_op=2",
	   "move:arp_sha[0..47]->arp_tha[0..47]", "move:arp_spa[0..31]->arp_tpa[0..31]",
	   "set_field:arp_spa=10.0.0.1", "output:IN_PORT", "metadata=0x5/0xffffff");
}

static void test_rt_flow_mod_nicira(void)
{
	RT("flow_nicira", "reg0=0x5/0xff", "tun_ipv4_src=192.168.0.0/16", "tun_ipv4_dst=192.168.0.1",
	   "load:0x1->reg1[0..3]", "set_field:reg2=0x7", "move:reg0[0..15]->reg3[16..31]",
	   "resubmit(,20)",
	   "ct(commit,zone=5,table=30,nat(src=172.16.0.1-172.16.0.10:1024-2048),exec(set_field:ct_mark=0x1))");
}

static void test_rt_flow_mod_instructions(void)
{
	RT("flow_ct_match", "ct_state=0x22/0x23,ct_zone=5,ct_mark=0x1/0xff",
	   "actions=meter:1 clear write(group:1) write_metadata:0x1200/0xff00 goto_table:40",
	   "flags=check_overlap|reset_counts");
	RT("flow_vlan", "vlan_vid=0x1064,vlan_pcp=3", "pop_vlan,push_vlan:0x8100",
	   "output:CONTROLLER:128,output:NORMAL,output:LOCAL,output:FLOOD,output:ALL");
	RT("flow_ipv6", "ipv6_src=2001:db8:1::/64", "nd_target=2001:db8::10", "icmpv6_type=135");
	RT("flow_udp", "MODIFY_STRICT", "ip_dscp=46", "udp_dst=67", "set_field:tunnel_id=0x1234");
	RT("flow_icmp_echo", "icmpv4_type=8,icmpv4_code=0");
	RT("flow_delete", "DELETE table=all", "out_port=7 out_group=3", "actions=drop");
	RT("flow_delete_strict", "DELETE_STRICT table=5");
	RT("flow_removed", "reason=idle_timeout", "duration=12.000005000s", "packets=3 bytes=294");
}

static void test_rt_packets(void)
{
	RT("packet_in", "reason=action table=20 cookie=0x2 match=in_port=1,metadata=0x5,reg0=0x7",
	   "data_len=42");
	RT("packet_out", "buffer=none in_port=CONTROLLER actions=output:2 data_len=42");
	RT("packet_out_table", "actions=set_field:reg0=0x42,output:TABLE");
}

static void test_rt_switch(void)
{
	RT("features_request", "FEATURES_REQUEST xid=0x3");
	RT("features_reply", "dpid=0x0000fa163e000001 n_buffers=0 n_tables=254");
	RT("set_config", "flags=frag_normal miss_send_len=128");
	RT("get_config_reply", "miss_send_len=no_buffer");
	RT("port_status", "reason=modify {port=3 name=\"tap-vm2\"");
	RT("role_request", "role=master generation_id=0x5");
	RT("role_reply", "ROLE_REPLY");
}

static void test_rt_group_meter(void)
{
	RT("group_mod", "ADD type=select group=1 bucket=weight:50,actions=output:1");
	RT("group_mod_ff", "bucket=watch_port:1,actions=output:1");
	RT("group_delete", "DELETE type=all group=all");
	RT("meter_mod", "flags=kbps|burst|stats band=drop:rate=10000,burst=1000 "
			"band=dscp_remark:rate=5000,burst=500,prec_level=1");
}

static void test_rt_multipart(void)
{
	RT("mp_desc", "type=desc");
	RT("mp_flow", "type=flow flags=0x0 table=all out_port=ANY out_group=ANY "
		      "cookie=0x100000000/0xffffffff00000000 match=in_port=1");
	RT("mp_aggregate", "type=aggregate");
	RT("mp_table", "type=table");
	RT("mp_port_stats", "port=ANY");
	RT("mp_port_desc", "type=port_desc");
	RT("mp_group_desc", "type=group_desc");
	RT("mp_meter", "meter=all");
	RT("mp_reply_desc", "mfr=\"Nicira, Inc.\"", "dp=\"br-int\"");
	RT("mp_reply_flow", "n=2 {table=0", "actions=apply(output:2) goto_table:10}", "actions=drop}");
	RT("mp_reply_aggregate", "packets=10 bytes=980 flows=2");
	RT("mp_reply_table", "{table=0 active=2 lookup=100 matched=90}");
	RT("mp_reply_port_stats", "collisions=110");
	RT("mp_reply_port_desc", "{port=LOCAL name=\"br-int\"");
	RT("mp_reply_group_desc", "{group=1 type=all bucket=actions=output:1}");
	RT("mp_reply_meter", "band0=4/256");
}

/* ofp_mp_request_init: a request for everything of its type. */
static void test_mp_request_init(void)
{
	struct ofp_msg m;
	ofp_mp_request_init(&m, 7, OFPMP_FLOW);
	CU_ASSERT_EQUAL(m.type, OFPMSG_MULTIPART_REQUEST);
	CU_ASSERT_EQUAL(m.xid, 7);
	CU_ASSERT_EQUAL(m.u.mp.mp_type, OFPMP_FLOW);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.table_id, OFPTT_ALL);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.out_port, OFPP_ANY);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.out_group, OFPG_ANY);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.cookie_mask, 0);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.match.present, 0);
	ofp_mp_request_init(&m, 8, OFPMP_AGGREGATE);
	CU_ASSERT_EQUAL(m.u.mp.u.flow_req.table_id, OFPTT_ALL);
	ofp_mp_request_init(&m, 9, OFPMP_METER);
	CU_ASSERT_EQUAL(m.u.mp.u.meter_id, OFPM_ALL);
	ofp_mp_request_init(&m, 10, OFPMP_PORT_STATS);
	CU_ASSERT_EQUAL(m.u.mp.u.port_no, OFPP_ANY);
	ofp_mp_request_init(&m, 11, OFPMP_GROUP_DESC);
	CU_ASSERT_EQUAL(m.u.mp.mp_type, OFPMP_GROUP_DESC);
	ofp_msg_uninit(&m);
}

static void test_rt_bundles(void)
{
	RT("bundle_open", "type=OPEN_REQUEST flags=atomic|ordered");
	RT("bundle_add", "bundle=0x7", "msg=(FLOW_MOD xid=0x20 ADD");
	RT("bundle_commit", "COMMIT_REQUEST");
	RT("bundle_discard", "DISCARD_REQUEST");
}

/* The sample list covers every message kind. */
static void test_samples_cover_catalogue(void)
{
	unsigned seen = 0;
	size_t i;
	int k;
	for (i = 0; i < ofp_n_samples; i++) {
		struct ofp_msg m;
		ofp_samples[i].build(&m);
		seen |= 1u << m.type;
		ofp_msg_uninit(&m);
	}
	for (k = 0; k < OFPMSG__N; k++)
		if (k != OFPMSG_ECHO_REPLY && k != OFPMSG_GET_CONFIG_REQUEST && k != OFPMSG_BARRIER_REPLY)
			CU_ASSERT(seen >> k & 1);
}

static void test_frame_len(void)
{
	uint8_t b[16] = { 4, 20, 0, 8, 0, 0, 0, 1, 4, 20, 0, 8 };
	CU_ASSERT_EQUAL(ofp_frame_len(b, 0), 0);
	CU_ASSERT_EQUAL(ofp_frame_len(b, 7), 0);
	CU_ASSERT_EQUAL(ofp_frame_len(b, 8), 8);
	CU_ASSERT_EQUAL(ofp_frame_len(b, 16), 8);
	b[3] = 12;
	CU_ASSERT_EQUAL(ofp_frame_len(b, 8), 0);
	CU_ASSERT_EQUAL(ofp_frame_len(b, 12), 12);
	b[3] = 7;
	CU_ASSERT_EQUAL(ofp_frame_len(b, 8), -EBADMSG);
}

static void test_error_table(void)
{
	CU_ASSERT_STRING_EQUAL(ofperr_name(OFPERR_OFPBMC_DUP_FIELD), "OFPBMC_DUP_FIELD");
	CU_ASSERT_EQUAL(ofperr_type(OFPERR_OFPBMC_DUP_FIELD), 4);
	CU_ASSERT_EQUAL(ofperr_code(OFPERR_OFPBMC_DUP_FIELD), 10);
	CU_ASSERT_EQUAL(ofperr_from_wire(4, 10), OFPERR_OFPBMC_DUP_FIELD);
	CU_ASSERT_EQUAL(ofperr_from_wire(0, 0), OFPERR_OFPHFC_INCOMPATIBLE);
	CU_ASSERT_EQUAL(ofperr_from_wire(12, 11), OFPERR_OFPMMFC_OUT_OF_BANDS);
	CU_ASSERT_EQUAL(ofperr_from_wire(13, 5), OFPERR_OFPTFFC_EPERM);
	CU_ASSERT_EQUAL(ofperr_from_wire(4, 12), OFPERR_OK);
	CU_ASSERT_EQUAL(ofperr_from_wire(99, 0), OFPERR_OK);
	CU_ASSERT_STRING_EQUAL(ofp_error_type_name(5), "OFPET_FLOW_MOD_FAILED");
	CU_ASSERT_PTR_NULL(ofp_error_type_name(14));
	/* every error round-trips through its wire pair */
	for (int e = 1; e < OFPERR__N; e++)
		CU_ASSERT_EQUAL((int)ofperr_from_wire(ofperr_type((enum ofperr)e), ofperr_code((enum ofperr)e)), e);
}

/* Encoding refuses what cannot be put on the wire, and leaves the output
 * buffer as it was. */
static void test_encode_rejects(void)
{
	struct ofpbuf b = OFPBUF_INIT;
	struct ofp_msg m;
	struct ofp_action *a;
	char err[128];
	static uint8_t big[70000];

	ofpbuf_put(&b, "x", 1);

	ofp_samples[4].build(&m); /* flow_l3 */
	m.u.flow_mod.command = 7;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "flow_mod command 7");
	CU_ASSERT_EQUAL(b.len, 1);
	m.u.flow_mod.command = OFPFC_ADD;
	ofp_match_unset(&m.u.flow_mod.match, OFPF_ETH_TYPE);
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "match: ipv4_dst requires eth_type=0x0800");
	CU_ASSERT_EQUAL(b.len, 1);
	ofp_match_set_uint(&m.u.flow_mod.match, OFPF_ETH_TYPE, 0x0800);
	m.u.flow_mod.insts.goto_table = 0;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	m.u.flow_mod.insts.goto_table = 1;
	a = ofp_actions_add(&m.u.flow_mod.insts.apply, OFPACT_NAT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "nat is only valid inside ct");
	m.u.flow_mod.insts.apply.n--;
	a = ofp_actions_add(&m.u.flow_mod.insts.apply, OFPACT_REG_LOAD);
	a->u.load.dst = OFPF_REG0;
	a->u.load.n_bits = 4;
	a->u.load.value = 0x10;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	a->u.load.value = 0xf;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), 0);
	CU_ASSERT(b.len > 1);
	ofp_msg_uninit(&m);

	ofpbuf_clear(&b);
	ofp_msg_init(&m, OFPMSG_PACKET_OUT, 1);
	m.u.packet_out.data.data = big;
	m.u.packet_out.data.len = sizeof(big);
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EMSGSIZE);
	CU_ASSERT_EQUAL(b.len, 0);
	m.u.packet_out.data.len = OFP_MAX_MSG_LEN - 24;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.len, OFP_MAX_MSG_LEN);
	ofp_msg_uninit(&m);

	ofpbuf_clear(&b);
	ofp_msg_init(&m, OFPMSG_BUNDLE_ADD, 1); /* no inner message */
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	ofp_msg_init(&m, OFPMSG_ROLE_REQUEST, 1);
	m.u.role.role = 9;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	ofp_msg_init(&m, OFPMSG_MULTIPART_REQUEST, 1);
	m.u.mp.mp_type = 5;
	CU_ASSERT_EQUAL(ofp_encode(&m, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(b.len, 0);
	ofpbuf_uninit(&b);
}

/* Every prefix of every sample (with the header length patched to match)
 * either decodes or fails with a reason; nothing reads past the end (ASan). */
static void test_truncations(void)
{
	size_t i, cut;
	for (i = 0; i < ofp_n_samples; i++) {
		struct ofpbuf b = OFPBUF_INIT;
		struct ofp_msg m;
		ofp_samples[i].build(&m);
		CU_ASSERT_EQUAL_FATAL(ofp_encode(&m, &b, NULL, 0), 0);
		ofp_msg_uninit(&m);
		for (cut = 8; cut < b.len; cut++) {
			uint8_t *p = malloc(cut);
			struct ofp_msg d;
			char err[256];
			enum ofperr e;
			CU_ASSERT_PTR_NOT_NULL_FATAL(p);
			memcpy(p, b.data, cut);
			ofp_put_be16_at(p + 2, (uint16_t)cut);
			err[0] = 0;
			e = ofp_decode(p, cut, &d, err, sizeof(err));
			if (e)
				CU_ASSERT(err[0] != 0);
			ofp_msg_uninit(&d);
			free(p);
		}
		ofpbuf_uninit(&b);
	}
}

static void test_actions_clone(void)
{
	struct ofp_msg m;
	struct ofp_actions copy;
	struct ofpbuf s1 = OFPBUF_INIT, s2 = OFPBUF_INIT;
	const struct ofp_sample *s = find_sample("flow_nicira");

	s->build(&m);
	CU_ASSERT_EQUAL_FATAL(ofp_actions_clone(&copy, &m.u.flow_mod.insts.apply), 0);
	ofp_format_actions(&s1, &m.u.flow_mod.insts.apply);
	ofp_msg_uninit(&m); /* the copy must not share the nested ct list */
	ofp_format_actions(&s2, &copy);
	CU_ASSERT_STRING_EQUAL(ofpbuf_cstr(&s1), ofpbuf_cstr(&s2));
	CU_ASSERT_PTR_NOT_NULL(strstr(ofpbuf_cstr(&s2), "nat(src=172.16.0.1"));
	ofp_actions_uninit(&copy);
	ofp_actions_uninit(NULL);
	ofp_msg_uninit(NULL);
	ofpbuf_uninit(&s1);
	ofpbuf_uninit(&s2);
}

UNIT_SUITE(ofp_roundtrip, NULL, NULL, UNIT_TEST(test_rt_hello_echo_error),
	   UNIT_TEST(test_rt_flow_mod_l3), UNIT_TEST(test_rt_flow_mod_arp_responder),
	   UNIT_TEST(test_rt_flow_mod_nicira), UNIT_TEST(test_rt_flow_mod_instructions),
	   UNIT_TEST(test_rt_packets), UNIT_TEST(test_rt_switch), UNIT_TEST(test_rt_group_meter),
	   UNIT_TEST(test_rt_multipart), UNIT_TEST(test_mp_request_init), UNIT_TEST(test_rt_bundles),
	   UNIT_TEST(test_samples_cover_catalogue), UNIT_TEST(test_frame_len),
	   UNIT_TEST(test_error_table), UNIT_TEST(test_encode_rejects), UNIT_TEST(test_truncations),
	   UNIT_TEST(test_actions_clone));
