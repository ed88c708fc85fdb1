/* tests/unit/test_pipeline_packet.c: the pipeline's packet-in side
 * (hostd/pipeline/pipeline.c, pkt.c) on the example topology: the
 * reactive handler's /32 flows and packet-out for a sample packet-in, ICMP
 * echo replies and time-exceeded frames (checked field by field, with
 * their checksums verified independently), and the frame decoder's
 * precise errors on malformed input. */
#include "hostd/pipeline/pkt.h"
#include "tests/unit/test_pipeline_util.h"
#include "tests/unit/unit.h"

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 1, 0x0a };
static const uint8_t MAC_R1[6] = { 2, 0, 0, 0, 1, 1 };

/* Independent one's-complement sum (32-bit accumulate, fold at the end). */
static uint16_t sum16(const uint8_t *b, size_t n)
{
	uint64_t s = 0;
	size_t i;
	for (i = 0; i < n; i++)
		s += (i & 1) ? b[i] : (uint64_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Ethernet + IPv4 + ICMP echo request with `payload` bytes of data. */
static size_t make_echo(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint8_t ttl,
			size_t payload)
{
	uint8_t *ip = f + 14, *icmp = f + 34;
	size_t i, iplen = 20 + 8 + payload;
	uint16_t c;
	memcpy(f, dmac, 6);
	memcpy(f + 6, MAC_A, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[8] = ttl;
	ip[9] = 1;
	for (i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	c = (uint16_t)~sum16(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memset(icmp, 0, 8);
	icmp[0] = 8;
	icmp[4] = 0xbe; /* id */
	icmp[5] = 0xef;
	icmp[7] = 1; /* seq */
	for (i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)(i * 7);
	c = (uint16_t)~sum16(icmp, 8 + payload);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + iplen;
}

static void pin_init(struct ofp_packet_in *pi, uint64_t cookie, const uint8_t *f, size_t len)
{
	memset(pi, 0, sizeof(*pi));
	pi->buffer_id = OFP_NO_BUFFER;
	pi->total_len = (uint16_t)len;
	pi->reason = 1;
	pi->table_id = PL_T_L3;
	pi->cookie = cookie;
	ofp_match_init(&pi->match);
	ofp_match_set_uint(&pi->match, OFPF_IN_PORT, 1);
	ofp_match_set_uint(&pi->match, OFPF_METADATA, NET1_KEY);
	ofp_match_set_uint(&pi->match, OFPF_REG5, R1_KEY);
	pi->data.data = f;
	pi->data.len = len;
}

static char *msg_line(const struct ofp_msg *m)
{
	return ofp_to_string(m);
}

static void test_reactive_first_packet(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct ofp_packet_in pi;
	struct pl_reply r;
	struct pl_cfg cfg = { .reactive_idle = 7 };
	uint8_t f[128];
	size_t len = make_echo(f, MAC_R1, 0x0a00010a, 0x0a000214, 64, 16);
	struct dflow want;
	CU_ASSERT_FATAL(t != NULL);
	pin_init(&pi, PL_COOKIE(PL_CK_ROUTER, R1_KEY), f, len);

	topo_rdlock(t);
	CU_ASSERT_EQUAL_FATAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), &cfg, &pi, &r), 0);
	topo_unlock(t);
	CU_ASSERT_STRING_EQUAL(r.what, "reactive");
	CU_ASSERT_EQUAL_FATAL(r.n, 3);
	/* 1: towards b (the destination) */
	CU_ASSERT_EQUAL(r.msg[0].type, OFPMSG_FLOW_MOD);
	{
		const struct ofp_flow_mod *fm = &r.msg[0].u.flow_mod;
		struct ofpbuf s = OFPBUF_INIT;
		CU_ASSERT_EQUAL(fm->command, OFPFC_ADD);
		CU_ASSERT_EQUAL(fm->table_id, PL_T_L3);
		CU_ASSERT_EQUAL(fm->idle_timeout, 7);
		CU_ASSERT_EQUAL(fm->cookie, PL_COOKIE(PL_CK_REACTIVE, R1_KEY));
		ofp_format_match(&s, &fm->match);
		ofpbuf_printf(&s, " -> ");
		ofp_format_instructions(&s, &fm->insts);
		CU_ASSERT_STRING_EQUAL(ofpbuf_cstr(&s),
				       "eth_type=0x0800,ipv4_dst=10.0.2.20,reg5=0x7001 -> "
				       "apply(dec_ttl,set_field:eth_src=02:00:00:00:02:01,"
				       "set_field:eth_dst=02:00:00:00:02:14) "
				       "write_metadata:0x12345679/0xffffffffffffffff goto_table:50");
		ofpbuf_uninit(&s);
	}
	/* 2: back towards a (the source), same shape */
	CU_ASSERT_EQUAL(r.msg[1].type, OFPMSG_FLOW_MOD);
	{
		const struct ofp_flow_mod *fm = &r.msg[1].u.flow_mod;
		CU_ASSERT_EQUAL(ofp_match_get_uint(&fm->match, OFPF_IPV4_DST), 0x0a00010a);
		CU_ASSERT_EQUAL(fm->insts.metadata, NET1_KEY);
		CU_ASSERT_EQUAL(fm->idle_timeout, 7);
	}
	/* the reactive flows equal what proactive mode installs (cookie and
	 * timeout aside): one builder for both */
	topo_rdlock(t);
	{
		struct topo_ip b_ip;
		topo_ip_parse("10.0.2.20", &b_ip);
		CU_ASSERT_EQUAL(pl_host_route(t, topo_router_get(t, "r1"), topo_port_get(t, "b"),
					      &b_ip, 1, 0, &want),
				0);
	}
	topo_unlock(t);
	CU_ASSERT(ofp_match_equal(&want.match, &r.msg[0].u.flow_mod.match));
	dflow_uninit(&want);
	/* 3: the packet itself, re-injected through the tables (never lost) */
	CU_ASSERT_EQUAL(r.msg[2].type, OFPMSG_PACKET_OUT);
	{
		const struct ofp_packet_out *po = &r.msg[2].u.packet_out;
		char *l = msg_line(&r.msg[2]);
		CU_ASSERT_EQUAL(po->in_port, 1);
		CU_ASSERT_EQUAL(po->buffer_id, OFP_NO_BUFFER);
		CU_ASSERT_EQUAL_FATAL(po->actions.n, 1);
		CU_ASSERT_EQUAL(po->actions.a[0].type, OFPACT_OUTPUT);
		CU_ASSERT_EQUAL(po->actions.a[0].u.output.port, OFPP_TABLE);
		CU_ASSERT_EQUAL(po->data.len, len);
		CU_ASSERT(po->data.data && !memcmp(po->data.data, f, len));
		free(l);
	}
	/* every message encodes */
	{
		struct ofpbuf b = OFPBUF_INIT;
		size_t i;
		for (i = 0; i < r.n; i++)
			CU_ASSERT_EQUAL(ofp_encode(&r.msg[i], &b, NULL, 0), 0);
		ofpbuf_uninit(&b);
	}
	pl_reply_uninit(&r);

	/* a destination nobody holds: nothing installed */
	len = make_echo(f, MAC_R1, 0x0a00010a, 0x0a0002fe, 64, 0);
	pin_init(&pi, PL_COOKIE(PL_CK_ROUTER, R1_KEY), f, len);
	topo_rdlock(t);
	CU_ASSERT_EQUAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), &cfg, &pi, &r), -EINVAL);
	CU_ASSERT_EQUAL(r.n, 0);
	/* another app's cookie: not ours */
	pin_init(&pi, 0x1ea7000000000000ull, f, len);
	CU_ASSERT_EQUAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), &cfg, &pi, &r), -ENOENT);
	topo_unlock(t);
	topo_destroy(t);
}

static void test_echo_reply(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_REACTIVE);
	struct ofp_packet_in pi;
	struct pl_reply r;
	uint8_t f[128];
	size_t len = make_echo(f, MAC_R1, 0x0a00010a, 0x0a000101, 64, 24);
	const struct ofp_packet_out *po;
	const uint8_t *o;
	CU_ASSERT_FATAL(t != NULL);
	pin_init(&pi, PL_COOKIE(PL_CK_ROUTER, R1_KEY), f, len);
	topo_rdlock(t);
	CU_ASSERT_EQUAL_FATAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), NULL, &pi, &r), 0);
	topo_unlock(t);
	CU_ASSERT_STRING_EQUAL(r.what, "echo");
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_EQUAL_FATAL(r.msg[0].type, OFPMSG_PACKET_OUT);
	po = &r.msg[0].u.packet_out;
	CU_ASSERT_EQUAL(po->in_port, 1);
	CU_ASSERT_EQUAL(po->actions.a[0].u.output.port, OFPP_IN_PORT);
	CU_ASSERT_EQUAL_FATAL(po->data.len, len);
	o = po->data.data;
	CU_ASSERT(!memcmp(o, MAC_A, 6));      /* to the sender */
	CU_ASSERT(!memcmp(o + 6, MAC_R1, 6)); /* from the router */
	CU_ASSERT(!memcmp(o + 14 + 12, f + 14 + 16, 4)); /* src = the router IP */
	CU_ASSERT(!memcmp(o + 14 + 16, f + 14 + 12, 4)); /* dst = the sender */
	CU_ASSERT_EQUAL(o[14 + 8], 64);
	CU_ASSERT_EQUAL(sum16(o + 14, 20), 0xffff); /* IP header checksum */
	CU_ASSERT_EQUAL(o[34], 0);                   /* echo reply */
	CU_ASSERT(!memcmp(o + 34 + 4, f + 34 + 4, 4 + 24)); /* id, seq, data kept */
	CU_ASSERT_EQUAL(sum16(o + 34, 8 + 24), 0xffff); /* ICMP checksum */
	pl_reply_uninit(&r);

	/* TCP to the router's address: dropped, nothing sent */
	f[14 + 9] = 6;
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t c = (uint16_t)~sum16(f + 14, 20);
		f[14 + 10] = (uint8_t)(c >> 8);
		f[14 + 11] = (uint8_t)c;
	}
	topo_rdlock(t);
	CU_ASSERT_EQUAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), NULL, &pi, &r), -EINVAL);
	topo_unlock(t);
	CU_ASSERT_EQUAL(r.n, 0);
	topo_destroy(t);
}

static void test_time_exceeded(void)
{
	struct topo *t = tp_build("c1", TOPO_L3_PROACTIVE);
	struct ofp_packet_in pi;
	struct pl_reply r;
	uint8_t f[128];
	size_t len = make_echo(f, MAC_R1, 0x0a00010a, 0x0a000214, 1, 32);
	const uint8_t *o;
	CU_ASSERT_FATAL(t != NULL);
	/* the invalid_ttl packet-in of dec_ttl in a proactive /32 flow */
	pin_init(&pi, PL_COOKIE(PL_CK_PORT, PB_KEY), f, len);
	pi.reason = 2;
	topo_rdlock(t);
	CU_ASSERT_EQUAL_FATAL(pipeline_packet_in(t, topo_chassis_get(t, "c1"), NULL, &pi, &r), 0);
	topo_unlock(t);
	CU_ASSERT_STRING_EQUAL(r.what, "ttl");
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	o = r.msg[0].u.packet_out.data.data;
	CU_ASSERT_EQUAL_FATAL(r.msg[0].u.packet_out.data.len, 14 + 20 + 8 + 28);
	CU_ASSERT(!memcmp(o, MAC_A, 6));
	CU_ASSERT(!memcmp(o + 6, MAC_R1, 6));
	CU_ASSERT_EQUAL(o[14 + 9], 1);
	/* from the router's address on the sender's subnet: 10.0.1.1 */
	CU_ASSERT(o[26] == 10 && o[27] == 0 && o[28] == 1 && o[29] == 1);
	CU_ASSERT(!memcmp(o + 30, f + 14 + 12, 4));
	CU_ASSERT_EQUAL(sum16(o + 14, 20), 0xffff);
	CU_ASSERT_EQUAL(o[34], 11);
	CU_ASSERT_EQUAL(o[35], 0);
	/* quotes the original IP header + 8 bytes */
	CU_ASSERT(!memcmp(o + 42, f + 14, 28));
	CU_ASSERT_EQUAL(sum16(o + 34, 8 + 28), 0xffff);
	pl_reply_uninit(&r);
	topo_destroy(t);
}

static void test_parse_errors(void)
{
	uint8_t f[128];
	struct pl_pkt p;
	char err[128];
	size_t len = make_echo(f, MAC_R1, 0x0a00010a, 0x0a000214, 64, 8);

	CU_ASSERT_EQUAL(pl_pkt_parse(f, len, &p, err, sizeof(err)), 0);
	CU_ASSERT(p.has_icmp && p.icmp_type == 8 && p.ttl == 64 && p.ip_dst == 0x0a000214);
	CU_ASSERT_EQUAL(pl_pkt_parse(f, 13, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "shorter than an Ethernet header") != NULL);
	CU_ASSERT_EQUAL(pl_pkt_parse(f, 14 + 19, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "IPv4 header cut") != NULL);
	CU_ASSERT_EQUAL(pl_pkt_parse(f, len - 1, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "exceeds") != NULL);
	f[14 + 8] = 63; /* checksum no longer matches */
	CU_ASSERT_EQUAL(pl_pkt_parse(f, len, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "checksum") != NULL);
	f[14 + 8] = 64;
	f[14] = 0x44; /* IHL 16 */
	CU_ASSERT_EQUAL(pl_pkt_parse(f, len, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "IHL") != NULL);
	f[14] = 0x65;
	CU_ASSERT_EQUAL(pl_pkt_parse(f, len, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "version") != NULL);
	/* other ethertypes decode (eth only) */
	f[12] = 0x88;
	f[13] = 0xcc;
	CU_ASSERT_EQUAL(pl_pkt_parse(f, 42, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.eth_type, 0x88cc);
	CU_ASSERT(!p.has_arp && !p.has_icmp);
}

/* ARP: hostd's request round-trips through the parser; short and
 * non-Ethernet/IPv4 ARP are refused with a reason. */
static void test_arp_parse_and_request(void)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0x99, 1 };
	uint8_t f[64];
	struct pl_pkt p;
	char err[128];
	int len = pl_arp_request(smac, 0xac18040a, 0xac180401, f, sizeof(f));

	CU_ASSERT_EQUAL_FATAL(len, 42);
	CU_ASSERT_EQUAL(pl_arp_request(smac, 1, 2, f, 41), -ENOSPC);
	CU_ASSERT_EQUAL(pl_pkt_parse(f, (size_t)len, &p, err, sizeof(err)), 0);
	CU_ASSERT(p.has_arp);
	CU_ASSERT_EQUAL(p.eth_type, PL_ETH_ARP);
	CU_ASSERT_EQUAL(p.arp_op, PL_ARP_REQUEST);
	CU_ASSERT_EQUAL(p.arp_spa, 0xac18040a);
	CU_ASSERT_EQUAL(p.arp_tpa, 0xac180401);
	CU_ASSERT(!memcmp(p.arp_sha, smac, 6) && !memcmp(p.eth_src, smac, 6));
	CU_ASSERT(p.eth_dst[0] == 0xff && p.eth_dst[5] == 0xff);
	CU_ASSERT_EQUAL(pl_pkt_parse(f, 14 + 27, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "ARP cut") != NULL);
	f[14 + 5] = 16; /* plen 16: not IPv4 */
	CU_ASSERT_EQUAL(pl_pkt_parse(f, (size_t)len, &p, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "not Ethernet/IPv4") != NULL);
}

UNIT_SUITE(pipeline_packet, NULL, NULL, UNIT_TEST(test_reactive_first_packet),
	   UNIT_TEST(test_echo_reply), UNIT_TEST(test_time_exceeded),
	   UNIT_TEST(test_parse_errors), UNIT_TEST(test_arp_parse_and_request));
