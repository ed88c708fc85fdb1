/* tests/unit/test_ofp_match.c: the in-memory match of the OpenFlow codec
 * (hostd/openflow/ofp_match.c): setters, masks, equality, the field table,
 * canonical TLV order and the text form. */
#include <errno.h>
#include <string.h>

#include "hostd/openflow/ofp.h"
#include "tests/unit/unit.h"

/* Encodes a FLOW_MOD carrying m and returns its text (static buffer). */
static const char *flow_text(const struct ofp_match *m, struct ofpbuf *wire)
{
	static char text[1024];
	struct ofp_msg msg, d;
	struct ofpbuf s = OFPBUF_INIT;

	ofp_msg_init(&msg, OFPMSG_FLOW_MOD, 1);
	msg.u.flow_mod.match = *m;
	text[0] = 0;
	if (ofp_encode(&msg, wire, NULL, 0))
		return "encode failed";
	if (ofp_decode(wire->data, wire->len, &d, NULL, 0))
		return "decode failed";
	CU_ASSERT(ofp_match_equal(&d.u.flow_mod.match, m));
	ofp_format_match(&s, &d.u.flow_mod.match);
	snprintf(text, sizeof(text), "%s", ofpbuf_cstr(&s));
	ofp_msg_uninit(&d);
	ofpbuf_uninit(&s);
	return text;
}

static void test_field_table(void)
{
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_IN_PORT), 0x80000004u);
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_IPV4_DST), 0x80001804u);
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_REG0), 0x00010004u);
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_REG15), 0x00011e04u);
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_TUN_IPV4_DST), 0x00014004u);
	CU_ASSERT_EQUAL(ofp_field_header(OFPF_TUNNEL_ID), 0x80004c08u);
	CU_ASSERT_EQUAL(ofp_field_from_header(0x80001908u), OFPF_IPV4_DST); /* masked form */
	CU_ASSERT_EQUAL(ofp_field_from_header(0x00000406u), OFPF_ETH_SRC);  /* NXM_OF_ETH_SRC */
	CU_ASSERT_EQUAL(ofp_field_from_header(0x00012008u), OFPF_TUNNEL_ID); /* NXM_NX_TUN_ID */
	CU_ASSERT_EQUAL(ofp_field_from_header(0x80005004u), -1);
	CU_ASSERT_EQUAL(ofp_field_from_name("ct_state"), OFPF_CT_STATE);
	CU_ASSERT_EQUAL(ofp_field_from_name("nope"), -1);
}

static void test_setters_and_masks(void)
{
	struct ofp_match m;
	uint8_t v[4] = { 10, 0, 1, 77 }, mk[4] = { 255, 255, 255, 0 };

	ofp_match_init(&m);
	CU_ASSERT_FALSE(ofp_match_has(&m, OFPF_IPV4_DST));
	ofp_match_set(&m, OFPF_IPV4_DST, v, mk);
	CU_ASSERT_TRUE(ofp_match_has(&m, OFPF_IPV4_DST));
	/* value ANDed with the mask: the wire invariant holds by construction */
	CU_ASSERT_EQUAL(ofp_match_get_uint(&m, OFPF_IPV4_DST), 0x0a000100u);
	CU_ASSERT(m.masked >> OFPF_IPV4_DST & 1);
	/* an all-ones mask is an exact match */
	ofp_match_set_uint_masked(&m, OFPF_METADATA, 5, UINT64_MAX);
	CU_ASSERT_FALSE(m.masked >> OFPF_METADATA & 1);
	ofp_match_set_ipv4(&m, OFPF_IPV4_SRC, 0x0a0000ff, 0);
	CU_ASSERT_EQUAL(ofp_match_get_uint(&m, OFPF_IPV4_SRC), 0);
	ofp_match_unset(&m, OFPF_IPV4_SRC);
	CU_ASSERT_FALSE(ofp_match_has(&m, OFPF_IPV4_SRC));
	CU_ASSERT_EQUAL(ofp_match_get_uint(&m, OFPF_IPV4_SRC), 0);
}

static void test_equal(void)
{
	struct ofp_match a, b;
	ofp_match_init(&a);
	ofp_match_init(&b);
	CU_ASSERT(ofp_match_equal(&a, &b));
	ofp_match_set_uint(&a, OFPF_IN_PORT, 1);
	CU_ASSERT_FALSE(ofp_match_equal(&a, &b));
	ofp_match_set_uint(&b, OFPF_IN_PORT, 2);
	CU_ASSERT_FALSE(ofp_match_equal(&a, &b));
	ofp_match_set_uint(&b, OFPF_IN_PORT, 1);
	CU_ASSERT(ofp_match_equal(&a, &b));
	ofp_match_set_uint_masked(&a, OFPF_REG0, 1, 0xff);
	ofp_match_set_uint_masked(&b, OFPF_REG0, 1, 0xfff);
	CU_ASSERT_FALSE(ofp_match_equal(&a, &b));
}

/* Fields set in any order are emitted in one canonical order. */
static void test_canonical_order(void)
{
	struct ofp_match a, b;
	struct ofpbuf wa = OFPBUF_INIT, wb = OFPBUF_INIT;
	char ta[1024];

	ofp_match_init(&a);
	ofp_match_init(&b);
	ofp_match_set_uint(&a, OFPF_TCP_DST, 80);
	ofp_match_set_uint(&a, OFPF_IP_PROTO, 6);
	ofp_match_set_uint(&a, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint(&a, OFPF_REG3, 9);
	ofp_match_set_uint(&b, OFPF_REG3, 9);
	ofp_match_set_uint(&b, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint(&b, OFPF_IP_PROTO, 6);
	ofp_match_set_uint(&b, OFPF_TCP_DST, 80);
	snprintf(ta, sizeof(ta), "%s", flow_text(&a, &wa));
	CU_ASSERT_STRING_EQUAL(ta, "eth_type=0x0800,ip_proto=6,tcp_dst=80,reg3=0x9");
	CU_ASSERT_STRING_EQUAL(flow_text(&b, &wb), ta);
	CU_ASSERT(wa.len == wb.len && !memcmp(wa.data, wb.data, wa.len));
	/* eth_type's TLV precedes ip_proto's, which precedes tcp_dst's */
	CU_ASSERT_EQUAL(ofp_get_be32(wa.data + 52), 0x80000a02u);
	CU_ASSERT_EQUAL(ofp_get_be32(wa.data + 58), 0x80001401u);
	ofpbuf_uninit(&wa);
	ofpbuf_uninit(&wb);
}

static void test_text_forms(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t m6[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xf0 };
	static const uint8_t mac[6] = { 0xfa, 0x16, 0x3e, 0, 0, 1 };
	static const uint8_t macm[6] = { 0xff, 0xff, 0xff, 0, 0, 0 };
	struct ofpbuf w = OFPBUF_INIT;
	struct ofp_match m;

	ofp_match_init(&m);
	ofp_match_set_uint(&m, OFPF_ETH_TYPE, 0x86dd);
	ofp_match_set(&m, OFPF_IPV6_SRC, v6, m6);
	ofp_match_set(&m, OFPF_ETH_SRC, mac, macm);
	ofp_match_set_uint(&m, OFPF_IN_PORT, OFPP_LOCAL);
	CU_ASSERT_STRING_EQUAL(flow_text(&m, &w),
			       "in_port=LOCAL,eth_src=fa:16:3e:00:00:00/ff:ff:ff:00:00:00,"
			       "eth_type=0x86dd,ipv6_src=2001:db8::/124");
	ofpbuf_clear(&w);
	ofp_match_init(&m);
	ofp_match_set_uint(&m, OFPF_ETH_TYPE, 0x0806);
	ofp_match_set_uint_masked(&m, OFPF_ARP_SPA, 0x0a000001, 0xff0000ff);
	ofp_match_set_uint_masked(&m, OFPF_CT_STATE, 0x2, 0x6);
	CU_ASSERT_STRING_EQUAL(flow_text(&m, &w),
			       "eth_type=0x0806,arp_spa=10.0.0.1/255.0.0.255,ct_state=0x2/0x6");
	ofpbuf_uninit(&w);
}

/* What decode would refuse, encode refuses too. */
static void test_encode_checks(void)
{
	struct ofpbuf w = OFPBUF_INIT;
	struct ofp_msg msg;
	char err[128];

	ofp_msg_init(&msg, OFPMSG_FLOW_MOD, 1);
	ofp_match_set_uint_masked(&msg.u.flow_mod.match, OFPF_ETH_TYPE, 0x0800, 0xff00);
	CU_ASSERT_EQUAL(ofp_encode(&msg, &w, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "match: eth_type cannot be masked");
	ofp_match_init(&msg.u.flow_mod.match);
	ofp_match_set_uint(&msg.u.flow_mod.match, OFPF_VLAN_VID, 0x2000);
	CU_ASSERT_EQUAL(ofp_encode(&msg, &w, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "match: vlan_vid value 0x2000 exceeds 0x1fff");
	ofp_match_set_uint(&msg.u.flow_mod.match, OFPF_VLAN_VID, 0x1fff);
	CU_ASSERT_EQUAL(ofp_encode(&msg, &w, err, sizeof(err)), 0);
	ofp_msg_uninit(&msg);
	ofpbuf_uninit(&w);
}

UNIT_SUITE(ofp_match, NULL, NULL, UNIT_TEST(test_field_table), UNIT_TEST(test_setters_and_masks),
	   UNIT_TEST(test_equal), UNIT_TEST(test_canonical_order), UNIT_TEST(test_text_forms),
	   UNIT_TEST(test_encode_checks));
