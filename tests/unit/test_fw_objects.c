/* tests/unit/test_fw_objects.c: the topology object bodies of
 * drivers/mbox/objects.h: golden byte vectors written out by hand from the
 * wire structs (little-endian, explicit padding), round trips, one case
 * per decode error with its exact message, and the generic dispatch. */
#include <errno.h>
#include <string.h>

#include "drivers/mbox/objects.h"
#include "tests/unit/unit.h"

static char err[160];

static void test_golden_nic_port(void)
{
	static const uint8_t want[32] = {
		0x07, 0x00, 0x00, 0x00,             /* network 7 */
		0xfa, 0x16, 0x3e, 0x00, 0x01, 0x0a, /* mac */
		0x01, 0x00,                         /* flags up, pad */
		't', 'a', 'p', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ifname */
		0, 0, 0, 0,                         /* reserved */
	};
	struct mbox_nic_port in = { .network = 7, .mac = { 0xfa, 0x16, 0x3e, 0, 1, 0x0a },
				    .flags = MBOX_PORT_F_UP, .ifname = "tap1" }, out;
	uint8_t buf[64];
	CU_ASSERT_EQUAL(mbox_encode_nic_port(&in, buf, sizeof(buf)), 32);
	CU_ASSERT(!memcmp(buf, want, 32));
	CU_ASSERT_EQUAL(mbox_encode_nic_port(&in, buf, 31), -EMSGSIZE);
	CU_ASSERT_EQUAL(mbox_decode_nic_port(want, 32, &out, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out.ifname, "tap1");
	char line[128];
	mbox_format_nic_port(&out, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "network=7 mac=fa:16:3e:00:01:0a ifname=tap1");
	/* errors */
	uint8_t b[32];
	CU_ASSERT_EQUAL(mbox_decode_nic_port(want, 31, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT body is 31 bytes, expected 32");
	memcpy(b, want, 32);
	b[4] = 0x01; /* multicast */
	CU_ASSERT_EQUAL(mbox_decode_nic_port(b, 32, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT mac 01:16:3e:00:01:0a is multicast");
	memcpy(b, want, 32);
	b[10] = 0x80;
	CU_ASSERT_EQUAL(mbox_decode_nic_port(b, 32, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT flags 0x80 has unknown bits");
	memcpy(b, want, 32);
	b[0] = 0;
	CU_ASSERT_EQUAL(mbox_decode_nic_port(b, 32, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT network is 0 (no such key)");
	memcpy(b, want, 32);
	b[18] = 'x'; /* junk after the NUL */
	CU_ASSERT_EQUAL(mbox_decode_nic_port(b, 32, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT ifname has nonzero padding at 6");
	memcpy(b, want, 32);
	b[31] = 1;
	CU_ASSERT_EQUAL(mbox_decode_nic_port(b, 32, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NIC_PORT reserved byte 3 is 0x1, must be zero");
	struct mbox_nic_port bad = in;
	bad.ifname[0] = '\0';
	CU_ASSERT_EQUAL(mbox_encode_nic_port(&bad, buf, sizeof(buf)), -EINVAL);
}

static void test_golden_neighbour_route_tunnel(void)
{
	static const uint8_t nb[40] = {
		0x02, 0, 0, 0,                      /* network 2 */
		0xfa, 0x16, 0x3e, 0, 2, 0x0b,       /* mac */
		0x02, 0x02,                         /* remote, 2 ips */
		0x03, 0, 0, 0,                      /* target 3 */
		0x0a, 0x02, 0x00, 0x0a,             /* 10.0.2.10 as le32 */
		0x0b, 0x02, 0x00, 0x0a,             /* 10.0.2.11 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* unused ips */
		0, 0, 0, 0,                         /* reserved */
	};
	struct mbox_neighbour n;
	CU_ASSERT_EQUAL(mbox_decode_neighbour(nb, 40, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n.ips[0], 0x0a00020a);
	CU_ASSERT_EQUAL(n.ips[1], 0x0a00020b);
	CU_ASSERT_EQUAL(n.where, MBOX_NEIGH_REMOTE);
	uint8_t buf[40];
	CU_ASSERT_EQUAL(mbox_encode_neighbour(&n, buf, sizeof(buf)), 40);
	CU_ASSERT(!memcmp(buf, nb, 40));
	char line[160];
	mbox_format_neighbour(&n, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line,
			       "network=2 mac=fa:16:3e:00:02:0b tunnel=3 ips=10.0.2.10,10.0.2.11");
	uint8_t b[40];
	memcpy(b, nb, 40);
	b[28] = 9; /* ips[3] set beyond n_ips */
	CU_ASSERT_EQUAL(mbox_decode_neighbour(b, 40, &n, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NEIGHBOUR ips[3] is set beyond n_ips 2");
	memcpy(b, nb, 40);
	b[10] = 5;
	CU_ASSERT_EQUAL(mbox_decode_neighbour(b, 40, &n, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NEIGHBOUR where 5 is neither 1 (port) nor 2 (remote)");
	memcpy(b, nb, 40);
	b[11] = 6;
	CU_ASSERT_EQUAL(mbox_decode_neighbour(b, 40, &n, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NEIGHBOUR n_ips 6 is outside 1..5");

	static const uint8_t rt[16] = { 7, 0, 0, 0, 0x00, 0x00, 0x09, 0x0a, 16, 0, 0, 0,
					0x05, 0x01, 0x00, 0x0a };
	struct mbox_route r;
	CU_ASSERT_EQUAL(mbox_decode_route(rt, 16, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.dest, 0x0a090000);
	CU_ASSERT_EQUAL(r.plen, 16);
	CU_ASSERT_EQUAL(r.nexthop, 0x0a000105);
	memcpy(b, rt, 16);
	b[5] = 1; /* 10.9.1.0/16: host bits */
	CU_ASSERT_EQUAL(mbox_decode_route(b, 16, &r, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "ROUTE destination 10.9.1.0/16 has host bits set");
	memcpy(b, rt, 16);
	b[8] = 33;
	CU_ASSERT_EQUAL(mbox_decode_route(b, 16, &r, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "ROUTE destination prefix length 33 is above 32");

	struct mbox_tunnel_ep ep = { 0xc0a80002, 0xc0a80001, { 0 } }, ep2;
	CU_ASSERT_EQUAL(mbox_encode_tunnel_ep(&ep, buf, sizeof(buf)), 16);
	CU_ASSERT_EQUAL(mbox_decode_tunnel_ep(buf, 16, &ep2, err, sizeof(err)), 0);
	mbox_format_tunnel_ep(&ep2, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "remote=192.168.0.2 local=192.168.0.1 mac=unknown");
	buf[0] = buf[1] = buf[2] = buf[3] = 0;
	CU_ASSERT_EQUAL(mbox_decode_tunnel_ep(buf, 16, &ep2, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "TUNNEL_EP remote_ip is 0.0.0.0");
}

static void test_network_subnet_iface(void)
{
	uint8_t buf[32];
	struct mbox_network n = { MBOX_NET_VLAN, 4095, 1500 }, no;
	CU_ASSERT_EQUAL(mbox_encode_network(&n, buf, sizeof(buf)), -EINVAL);
	n.segment = 100;
	CU_ASSERT_EQUAL(mbox_encode_network(&n, buf, sizeof(buf)), 16);
	static const uint8_t want[16] = { 1, 0, 0, 0, 100, 0, 0, 0, 0xdc, 0x05, 0, 0, 0, 0, 0, 0 };
	CU_ASSERT(!memcmp(buf, want, 16));
	buf[0] = 9;
	CU_ASSERT_EQUAL(mbox_decode_network(buf, 16, &no, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NETWORK type 9 is unknown (0 flat, 1 vlan, 2 vxlan, 3 gre)");
	buf[0] = MBOX_NET_VXLAN;
	buf[4] = buf[5] = buf[6] = buf[7] = 0xff;
	CU_ASSERT_EQUAL(mbox_decode_network(buf, 16, &no, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "NETWORK segment 4294967295 is not a VNI 1..16777215");

	struct mbox_subnet s = { 1, 0x0a000100, 24, 0x0a000201 }, so;
	CU_ASSERT_EQUAL(mbox_encode_subnet(&s, buf, sizeof(buf)), -EINVAL);
	s.gateway = 0x0a000101;
	CU_ASSERT_EQUAL(mbox_encode_subnet(&s, buf, sizeof(buf)), 16);
	CU_ASSERT_EQUAL(mbox_decode_subnet(buf, 16, &so, err, sizeof(err)), 0);
	buf[12] = 0x01; /* gateway 10.0.2.1 */
	buf[13] = 0x02;
	CU_ASSERT_EQUAL(mbox_decode_subnet(buf, 16, &so, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "SUBNET gateway 10.0.2.1 is outside 10.0.1.0/24");

	struct mbox_router_iface ri = { 7, 1, 1, 0x0a000101, { 0xfa, 0x16, 0x3e, 0, 0, 1 }, 24 }, ro;
	CU_ASSERT_EQUAL(mbox_encode_router_iface(&ri, buf, sizeof(buf)), 24);
	CU_ASSERT_EQUAL(mbox_decode_router_iface(buf, 24, &ro, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ro.ip, 0x0a000101);
	buf[22] = 0;
	CU_ASSERT_EQUAL(mbox_decode_router_iface(buf, 24, &ro, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "ROUTER_IFACE prefix length 0 is outside 1..32");
}

static void test_dispatch(void)
{
	union mbox_obj_body b;
	uint8_t buf[8] = { 0 };
	CU_ASSERT_EQUAL(mbox_obj_decode(99, buf, 8, &b, err, sizeof(err)), -EOPNOTSUPP);
	CU_ASSERT_STRING_EQUAL(err, "unknown object kind 99");
	CU_ASSERT_EQUAL(mbox_obj_check(MBOX_OBJ_ROUTE, buf, 8, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "ROUTE body is 8 bytes, expected 16");
	CU_ASSERT_EQUAL(mbox_obj_body_size(MBOX_OBJ_NEIGHBOUR), 40);
	CU_ASSERT_EQUAL(mbox_obj_body_size(0), 0);
	CU_ASSERT_STRING_EQUAL(mbox_obj_kind_name(MBOX_OBJ_TUNNEL_EP), "TUNNEL_EP");
	CU_ASSERT_STRING_EQUAL(mbox_obj_status_name(MBOX_OBJ_ST_REJECTED), "rejected");
	CU_ASSERT_PTR_NULL(mbox_obj_status_name(0));
	char line[64];
	mbox_obj_format(MBOX_OBJ_ROUTE, buf, 8, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "<ROUTE body is 8 bytes, expected 16>");
}

UNIT_SUITE(fw_objects, NULL, NULL, UNIT_TEST(test_golden_nic_port),
	   UNIT_TEST(test_golden_neighbour_route_tunnel), UNIT_TEST(test_network_subnet_iface),
	   UNIT_TEST(test_dispatch));
