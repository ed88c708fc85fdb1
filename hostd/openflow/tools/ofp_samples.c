/* hostd/openflow/tools/ofp_samples.c: the sample messages (see
 * ofp_samples.h). Payload bytes point to static storage, so a built
 * message stays valid until ofp_msg_uninit(). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/tools/ofp_samples.h"

static const uint8_t router_mac[6] = { 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01 };
static const uint8_t vm_mac[6] = { 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02 };
static const uint8_t frame[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02,
	10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
};

static struct ofp_action *act(struct ofp_actions *l, enum ofp_action_type t)
{
	struct ofp_action *a = ofp_actions_add(l, t);
	if (!a)
		abort();
	return a;
}

static void move(struct ofp_actions *l, enum ofp_field src, unsigned so, enum ofp_field dst,
		 unsigned dof, unsigned n)
{
	struct ofp_action *a = act(l, OFPACT_REG_MOVE);
	a->u.move.src = src;
	a->u.move.dst = dst;
	a->u.move.src_ofs = (uint16_t)so;
	a->u.move.dst_ofs = (uint16_t)dof;
	a->u.move.n_bits = (uint16_t)n;
}

static void s_hello(struct ofp_msg *m) { ofp_msg_init(m, OFPMSG_HELLO, 1); }

static void s_echo_request(struct ofp_msg *m)
{
	static const uint8_t data[] = { 'p', 'i', 'n', 'g' };
	ofp_msg_init(m, OFPMSG_ECHO_REQUEST, 2);
	m->u.echo.data = data;
	m->u.echo.len = sizeof(data);
}

static void s_features_request(struct ofp_msg *m) { ofp_msg_init(m, OFPMSG_FEATURES_REQUEST, 3); }

static void s_set_config(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_SET_CONFIG, 4);
	m->u.config.flags = OFPC_FRAG_NORMAL;
	m->u.config.miss_send_len = 128;
}

/* The reactive L3 flow of the pipeline. */
static void s_flow_l3(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 5);
	fm->command = OFPFC_ADD;
	fm->cookie = 1;
	fm->cookie_mask = UINT64_MAX;
	fm->priority = 100;
	fm->idle_timeout = 10;
	fm->flags = OFPFF_SEND_FLOW_REM;
	ofp_match_set_uint(&fm->match, OFPF_IN_PORT, 1);
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_ipv4(&fm->match, OFPF_IPV4_DST, 0x0a000100, 24);
	fm->insts.present = OFPINST_APPLY | OFPINST_GOTO;
	act(&fm->insts.apply, OFPACT_DEC_NW_TTL);
	ofp_actions_set_field_bytes(&fm->insts.apply, OFPF_ETH_SRC, router_mac);
	ofp_actions_set_field_bytes(&fm->insts.apply, OFPF_ETH_DST, vm_mac);
	ofp_actions_output(&fm->insts.apply, 2, 0);
	fm->insts.goto_table = 10;
}

/* The ARP responder: reply built by flow actions, sent back to IN_PORT. */
static void s_flow_arp_responder(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	struct ofp_actions *a = &fm->insts.apply;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 6);
	fm->table_id = 20;
	fm->priority = 200;
	fm->cookie = 0x2;
	ofp_match_set_uint_masked(&fm->match, OFPF_METADATA, 0x5, 0xffffff);
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0806);
	ofp_match_set_uint(&fm->match, OFPF_ARP_OP, 1);
	ofp_match_set_ipv4(&fm->match, OFPF_ARP_TPA, 0x0a000001, 32);
	fm->insts.present = OFPINST_APPLY;
	move(a, OFPF_ETH_SRC, 0, OFPF_ETH_DST, 0, 48);
	ofp_actions_set_field_bytes(a, OFPF_ETH_SRC, router_mac);
	ofp_actions_set_field(a, OFPF_ARP_OP, 2);
	move(a, OFPF_ARP_SHA, 0, OFPF_ARP_THA, 0, 48);
	move(a, OFPF_ARP_SPA, 0, OFPF_ARP_TPA, 0, 32);
	ofp_actions_set_field_bytes(a, OFPF_ARP_SHA, router_mac);
	ofp_actions_set_field(a, OFPF_ARP_SPA, 0x0a000001);
	ofp_actions_output(a, OFPP_IN_PORT, 0);
}

/* Nicira registers, tunnels, resubmit and conntrack with NAT. */
static void s_flow_nicira(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	struct ofp_actions *a = &fm->insts.apply;
	struct ofp_action *x, *ct, *nat;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 7);
	fm->table_id = 1;
	fm->priority = 50;
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint_masked(&fm->match, OFPF_REG0, 0x5, 0xff);
	ofp_match_set_uint(&fm->match, OFPF_TUNNEL_ID, 100);
	ofp_match_set_ipv4(&fm->match, OFPF_TUN_IPV4_DST, 0xc0a80001, 32);
	ofp_match_set_ipv4(&fm->match, OFPF_TUN_IPV4_SRC, 0xc0a80000, 16);
	fm->insts.present = OFPINST_APPLY;
	x = act(a, OFPACT_REG_LOAD);
	x->u.load.dst = OFPF_REG1;
	x->u.load.ofs = 0;
	x->u.load.n_bits = 4;
	x->u.load.value = 1;
	ofp_actions_set_field(a, OFPF_REG2, 7);
	move(a, OFPF_REG0, 0, OFPF_REG3, 16, 16);
	move(a, OFPF_TUN_IPV4_SRC, 0, OFPF_REG4, 0, 32);
	x = act(a, OFPACT_RESUBMIT);
	x->u.resubmit.in_port = OFP_NX_IN_PORT;
	x->u.resubmit.table = 20;
	ct = act(a, OFPACT_CT);
	ct->u.ct.flags = NX_CT_F_COMMIT;
	ct->u.ct.zone = 5;
	ct->u.ct.table = 30;
	nat = act(&ct->u.ct.nested, OFPACT_NAT);
	nat->u.nat.flags = NX_NAT_F_SRC;
	nat->u.nat.range_present = NX_NAT_RANGE_IPV4_MIN | NX_NAT_RANGE_IPV4_MAX |
				   NX_NAT_RANGE_PROTO_MIN | NX_NAT_RANGE_PROTO_MAX;
	memcpy(nat->u.nat.ipv4_min, "\xac\x10\x00\x01", 4);
	memcpy(nat->u.nat.ipv4_max, "\xac\x10\x00\x0a", 4);
	nat->u.nat.proto_min = 1024;
	nat->u.nat.proto_max = 2048;
	ofp_actions_set_field(&ct->u.ct.nested, OFPF_CT_MARK, 0x1);
}

/* conntrack state match, meter, write/clear actions, write_metadata. */
static void s_flow_ct_match(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	struct ofp_action *x;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 8);
	fm->table_id = 30;
	fm->priority = 10;
	fm->hard_timeout = 300;
	fm->flags = OFPFF_CHECK_OVERLAP | OFPFF_RESET_COUNTS;
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint(&fm->match, OFPF_IP_PROTO, 6);
	ofp_match_set_uint(&fm->match, OFPF_TCP_DST, 80);
	ofp_match_set_uint(&fm->match, OFPF_TCP_SRC, 1234);
	ofp_match_set_uint_masked(&fm->match, OFPF_CT_STATE, 0x22, 0x23);
	ofp_match_set_uint(&fm->match, OFPF_CT_ZONE, 5);
	ofp_match_set_uint_masked(&fm->match, OFPF_CT_MARK, 0x1, 0xff);
	fm->insts.present = OFPINST_METER | OFPINST_CLEAR | OFPINST_WRITE |
			    OFPINST_WRITE_METADATA | OFPINST_GOTO;
	fm->insts.meter_id = 1;
	x = act(&fm->insts.write, OFPACT_GROUP);
	x->u.group_id = 1;
	fm->insts.metadata = 0x1200;
	fm->insts.metadata_mask = 0xff00;
	fm->insts.goto_table = 40;
}

static void s_flow_vlan(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	struct ofp_actions *a = &fm->insts.apply;
	struct ofp_action *x;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 9);
	fm->priority = 300;
	ofp_match_set_uint(&fm->match, OFPF_IN_PORT, 3);
	ofp_match_set_uint(&fm->match, OFPF_VLAN_VID, OFPVID_PRESENT | 100);
	ofp_match_set_uint(&fm->match, OFPF_VLAN_PCP, 3);
	ofp_match_set_uint_masked(&fm->match, OFPF_ETH_DST, 0x010000000000ull, 0x010000000000ull);
	fm->insts.present = OFPINST_APPLY;
	act(a, OFPACT_POP_VLAN);
	x = act(a, OFPACT_PUSH_VLAN);
	x->u.push_vlan_tpid = 0x8100;
	ofp_actions_set_field(a, OFPF_VLAN_VID, OFPVID_PRESENT | 200);
	ofp_actions_output(a, OFPP_CONTROLLER, 128);
	ofp_actions_output(a, OFPP_NORMAL, 0);
	ofp_actions_output(a, OFPP_LOCAL, 0);
	ofp_actions_output(a, OFPP_FLOOD, 0);
	ofp_actions_output(a, OFPP_ALL, 0);
}

static void s_flow_ipv6(struct ofp_msg *m)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	static const uint8_t mask64[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t dst[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t target[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 10);
	fm->table_id = 2;
	fm->priority = 60;
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x86dd);
	ofp_match_set_uint(&fm->match, OFPF_IP_PROTO, 58);
	ofp_match_set(&fm->match, OFPF_IPV6_SRC, src, mask64);
	ofp_match_set(&fm->match, OFPF_IPV6_DST, dst, NULL);
	ofp_match_set_uint(&fm->match, OFPF_ICMPV6_TYPE, 135);
	ofp_match_set_uint(&fm->match, OFPF_ICMPV6_CODE, 0);
	ofp_match_set(&fm->match, OFPF_ND_TARGET, target, NULL);
	fm->insts.present = OFPINST_APPLY;
	ofp_actions_output(&fm->insts.apply, OFPP_CONTROLLER, OFPCML_NO_BUFFER);
}

static void s_flow_udp_icmp(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 11);
	fm->table_id = 3;
	fm->command = OFPFC_MODIFY_STRICT;
	fm->priority = 70;
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint(&fm->match, OFPF_IP_PROTO, 17);
	ofp_match_set_uint(&fm->match, OFPF_IP_DSCP, 46);
	ofp_match_set_ipv4(&fm->match, OFPF_IPV4_SRC, 0x0a000005, 32);
	ofp_match_set_uint(&fm->match, OFPF_UDP_SRC, 68);
	ofp_match_set_uint(&fm->match, OFPF_UDP_DST, 67);
	fm->insts.present = OFPINST_APPLY;
	ofp_actions_set_field(&fm->insts.apply, OFPF_UDP_DST, 6767);
	ofp_actions_set_field(&fm->insts.apply, OFPF_IPV4_DST, 0x0a0000fe);
	ofp_actions_set_field(&fm->insts.apply, OFPF_TUNNEL_ID, 0x1234);
	ofp_actions_output(&fm->insts.apply, 4, 0);
}

static void s_flow_icmp_echo(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 12);
	fm->table_id = 4;
	fm->priority = 80;
	ofp_match_set_uint(&fm->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_uint(&fm->match, OFPF_IP_PROTO, 1);
	ofp_match_set_uint(&fm->match, OFPF_ICMPV4_TYPE, 8);
	ofp_match_set_uint(&fm->match, OFPF_ICMPV4_CODE, 0);
	ofp_match_set_ipv4(&fm->match, OFPF_IPV4_DST, 0x0a000001, 32);
	fm->insts.present = OFPINST_APPLY;
	ofp_actions_output(&fm->insts.apply, OFPP_CONTROLLER, 0xffff);
}

static void s_flow_delete(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 13);
	fm->command = OFPFC_DELETE;
	fm->table_id = OFPTT_ALL;
	fm->cookie = 0x100000000ull;
	fm->cookie_mask = 0xffffffff00000000ull;
	fm->out_port = 7;
	fm->out_group = 3;
}

static void s_flow_delete_strict(struct ofp_msg *m)
{
	struct ofp_flow_mod *fm = &m->u.flow_mod;
	ofp_msg_init(m, OFPMSG_FLOW_MOD, 14);
	fm->command = OFPFC_DELETE_STRICT;
	fm->table_id = 5;
	fm->priority = 100;
	ofp_match_set_uint(&fm->match, OFPF_IN_PORT, 9);
}

static void s_packet_out(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_PACKET_OUT, 15);
	m->u.packet_out.in_port = OFPP_CONTROLLER;
	ofp_actions_output(&m->u.packet_out.actions, 2, 0);
	m->u.packet_out.data.data = frame;
	m->u.packet_out.data.len = sizeof(frame);
}

static void s_packet_out_table(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_PACKET_OUT, 16);
	m->u.packet_out.in_port = 1;
	ofp_actions_set_field(&m->u.packet_out.actions, OFPF_REG0, 0x42);
	ofp_actions_output(&m->u.packet_out.actions, OFPP_TABLE, 0);
	m->u.packet_out.data.data = frame;
	m->u.packet_out.data.len = sizeof(frame);
}

static void s_group_mod(struct ofp_msg *m)
{
	struct ofp_bucket *b;
	ofp_msg_init(m, OFPMSG_GROUP_MOD, 17);
	m->u.group_mod.command = OFPGC_ADD;
	m->u.group_mod.type = OFPGT_SELECT;
	m->u.group_mod.group_id = 1;
	b = ofp_buckets_add(&m->u.group_mod.buckets);
	b->weight = 50;
	ofp_actions_output(&b->actions, 1, 0);
	b = ofp_buckets_add(&m->u.group_mod.buckets);
	b->weight = 50;
	ofp_actions_set_field_bytes(&b->actions, OFPF_ETH_DST, vm_mac);
	ofp_actions_output(&b->actions, 2, 0);
}

static void s_group_mod_ff(struct ofp_msg *m)
{
	struct ofp_bucket *b;
	ofp_msg_init(m, OFPMSG_GROUP_MOD, 18);
	m->u.group_mod.command = OFPGC_MODIFY;
	m->u.group_mod.type = OFPGT_FF;
	m->u.group_mod.group_id = 2;
	b = ofp_buckets_add(&m->u.group_mod.buckets);
	b->watch_port = 1;
	ofp_actions_output(&b->actions, 1, 0);
	b = ofp_buckets_add(&m->u.group_mod.buckets);
	b->watch_port = 2;
	ofp_actions_output(&b->actions, 2, 0);
}

static void s_group_delete(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_GROUP_MOD, 19);
	m->u.group_mod.command = OFPGC_DELETE;
	m->u.group_mod.type = OFPGT_ALL;
	m->u.group_mod.group_id = OFPG_ALL;
}

static void s_meter_mod(struct ofp_msg *m)
{
	struct ofp_meter_mod *mm = &m->u.meter_mod;
	ofp_msg_init(m, OFPMSG_METER_MOD, 20);
	mm->command = OFPMC_ADD;
	mm->flags = OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS;
	mm->meter_id = 1;
	mm->n_bands = 2;
	mm->bands[0].type = OFPMBT_DROP;
	mm->bands[0].rate = 10000;
	mm->bands[0].burst_size = 1000;
	mm->bands[1].type = OFPMBT_DSCP_REMARK;
	mm->bands[1].rate = 5000;
	mm->bands[1].burst_size = 500;
	mm->bands[1].prec_level = 1;
}

static void mp(struct ofp_msg *m, uint32_t xid, uint16_t type)
{
	ofp_msg_init(m, OFPMSG_MULTIPART_REQUEST, xid);
	m->u.mp.mp_type = type;
}

static void s_mp_desc(struct ofp_msg *m) { mp(m, 21, OFPMP_DESC); }

static void s_mp_flow(struct ofp_msg *m)
{
	mp(m, 22, OFPMP_FLOW);
	m->u.mp.u.flow_req.table_id = OFPTT_ALL;
	m->u.mp.u.flow_req.out_port = OFPP_ANY;
	m->u.mp.u.flow_req.out_group = OFPG_ANY;
	m->u.mp.u.flow_req.cookie = 0x100000000ull;
	m->u.mp.u.flow_req.cookie_mask = 0xffffffff00000000ull;
	ofp_match_set_uint(&m->u.mp.u.flow_req.match, OFPF_IN_PORT, 1);
}

static void s_mp_aggregate(struct ofp_msg *m)
{
	mp(m, 23, OFPMP_AGGREGATE);
	m->u.mp.u.flow_req.table_id = 0;
	m->u.mp.u.flow_req.out_port = OFPP_ANY;
	m->u.mp.u.flow_req.out_group = OFPG_ANY;
}

static void s_mp_table(struct ofp_msg *m) { mp(m, 24, OFPMP_TABLE); }

static void s_mp_port_stats(struct ofp_msg *m)
{
	mp(m, 25, OFPMP_PORT_STATS);
	m->u.mp.u.port_no = OFPP_ANY;
}

static void s_mp_port_desc(struct ofp_msg *m) { mp(m, 26, OFPMP_PORT_DESC); }
static void s_mp_group_desc(struct ofp_msg *m) { mp(m, 27, OFPMP_GROUP_DESC); }

static void s_mp_meter(struct ofp_msg *m)
{
	mp(m, 28, OFPMP_METER);
	m->u.mp.u.meter_id = OFPM_ALL;
}

static void s_barrier(struct ofp_msg *m) { ofp_msg_init(m, OFPMSG_BARRIER_REQUEST, 29); }

static void s_role(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_ROLE_REQUEST, 30);
	m->u.role.role = OFPCR_ROLE_MASTER;
	m->u.role.generation_id = 5;
}

static void bundle_ctrl(struct ofp_msg *m, uint32_t xid, uint16_t type)
{
	ofp_msg_init(m, OFPMSG_BUNDLE_CONTROL, xid);
	m->u.bundle_ctrl.bundle_id = 7;
	m->u.bundle_ctrl.type = type;
	m->u.bundle_ctrl.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
}

static void s_bundle_open(struct ofp_msg *m) { bundle_ctrl(m, 31, OFPBCT_OPEN_REQUEST); }
static void s_bundle_commit(struct ofp_msg *m) { bundle_ctrl(m, 33, OFPBCT_COMMIT_REQUEST); }
static void s_bundle_discard(struct ofp_msg *m) { bundle_ctrl(m, 34, OFPBCT_DISCARD_REQUEST); }

static void s_bundle_add(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_BUNDLE_ADD, 32);
	m->u.bundle_add.bundle_id = 7;
	m->u.bundle_add.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
	m->u.bundle_add.msg = malloc(sizeof(struct ofp_msg));
	if (!m->u.bundle_add.msg)
		abort();
	s_flow_l3(m->u.bundle_add.msg);
	m->u.bundle_add.msg->xid = 32;
}

/* ---- switch-side messages (hostd decodes these) ---- */

static void s_features_reply(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_FEATURES_REPLY, 3);
	m->u.features.datapath_id = 0x0000fa163e000001ull;
	m->u.features.n_buffers = 0;
	m->u.features.n_tables = 254;
	m->u.features.capabilities = 0x4f;
}

static void s_packet_in(struct ofp_msg *m)
{
	struct ofp_packet_in *pi = &m->u.packet_in;
	ofp_msg_init(m, OFPMSG_PACKET_IN, 0);
	pi->total_len = sizeof(frame);
	pi->reason = 1;
	pi->table_id = 20;
	pi->cookie = 0x2;
	ofp_match_set_uint(&pi->match, OFPF_IN_PORT, 1);
	ofp_match_set_uint(&pi->match, OFPF_METADATA, 0x5);
	ofp_match_set_uint(&pi->match, OFPF_REG0, 0x7);
	pi->data.data = frame;
	pi->data.len = sizeof(frame);
}

static void s_flow_removed(struct ofp_msg *m)
{
	struct ofp_flow_removed *fr = &m->u.flow_removed;
	ofp_msg_init(m, OFPMSG_FLOW_REMOVED, 0);
	fr->cookie = 1;
	fr->priority = 100;
	fr->reason = 0;
	fr->duration_sec = 12;
	fr->duration_nsec = 5000;
	fr->idle_timeout = 10;
	fr->packet_count = 3;
	fr->byte_count = 294;
	ofp_match_set_uint(&fr->match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_ipv4(&fr->match, OFPF_IPV4_DST, 0x0a000105, 32);
}

static void s_port_status(struct ofp_msg *m)
{
	struct ofp_port_desc *d = &m->u.port_status.desc;
	ofp_msg_init(m, OFPMSG_PORT_STATUS, 0);
	m->u.port_status.reason = 2;
	d->port_no = 3;
	memcpy(d->hw_addr, vm_mac, 6);
	strcpy(d->name, "tap-vm2");
	d->config = 0;
	d->state = 4;
	d->curr = 0x802;
	d->curr_speed = 10000000;
	d->max_speed = 10000000;
}

/* An error carrying the whole failed request (the L3 flow_mod). */
static void s_error(struct ofp_msg *m)
{
	static uint8_t failed[512];
	struct ofpbuf b = OFPBUF_INIT;
	struct ofp_msg req;

	s_flow_l3(&req);
	if (ofp_encode(&req, &b, NULL, 0) || b.len > sizeof(failed))
		abort();
	memcpy(failed, b.data, b.len);
	ofp_msg_init(m, OFPMSG_ERROR, 5);
	m->u.error.type = OFPET_BAD_MATCH;
	m->u.error.code = 9; /* BAD_PREREQ */
	m->u.error.data.data = failed;
	m->u.error.data.len = b.len;
	ofp_msg_uninit(&req);
	ofpbuf_uninit(&b);
}

static void s_role_reply(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_ROLE_REPLY, 30);
	m->u.role.role = OFPCR_ROLE_MASTER;
	m->u.role.generation_id = 5;
}

static void s_mp_reply_desc(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 21);
	m->u.mp.mp_type = OFPMP_DESC;
	m->u.mp.u.desc = calloc(1, sizeof(*m->u.mp.u.desc));
	if (!m->u.mp.u.desc)
		abort();
	strcpy(m->u.mp.u.desc->mfr, "Nicira, Inc.");
	strcpy(m->u.mp.u.desc->hw, "Open vSwitch");
	strcpy(m->u.mp.u.desc->sw, "3.1.0");
	strcpy(m->u.mp.u.desc->serial, "None");
	strcpy(m->u.mp.u.desc->dp, "br-int");
}

static void s_mp_reply_flow(struct ofp_msg *m)
{
	struct ofp_flow_stats *fs;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 22);
	m->u.mp.mp_type = OFPMP_FLOW;
	fs = ofp_mp_add(m);
	fs->table_id = 0;
	fs->priority = 100;
	fs->cookie = 1;
	fs->duration_sec = 3;
	fs->packet_count = 10;
	fs->byte_count = 980;
	ofp_match_set_uint(&fs->match, OFPF_IN_PORT, 1);
	fs->insts.present = OFPINST_APPLY | OFPINST_GOTO;
	ofp_actions_output(&fs->insts.apply, 2, 0);
	fs->insts.goto_table = 10;
	fs = ofp_mp_add(m);
	fs->table_id = 10;
	fs->priority = 0;
	fs->insts.present = 0;
}

static void s_mp_reply_aggregate(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 23);
	m->u.mp.mp_type = OFPMP_AGGREGATE;
	m->u.mp.u.aggregate.packet_count = 10;
	m->u.mp.u.aggregate.byte_count = 980;
	m->u.mp.u.aggregate.flow_count = 2;
}

static void s_mp_reply_table(struct ofp_msg *m)
{
	struct ofp_table_stats *ts;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 24);
	m->u.mp.mp_type = OFPMP_TABLE;
	ts = ofp_mp_add(m);
	ts->table_id = 0;
	ts->active_count = 2;
	ts->lookup_count = 100;
	ts->matched_count = 90;
}

static void s_mp_reply_port_stats(struct ofp_msg *m)
{
	struct ofp_port_stats *ps;
	unsigned i;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 25);
	m->u.mp.mp_type = OFPMP_PORT_STATS;
	ps = ofp_mp_add(m);
	ps->port_no = 1;
	for (i = 0; i < 12; i++)
		ps->c[i] = i * 10;
	ps->duration_sec = 60;
}

static void s_mp_reply_port_desc(struct ofp_msg *m)
{
	struct ofp_port_desc *d;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 26);
	m->u.mp.mp_type = OFPMP_PORT_DESC;
	d = ofp_mp_add(m);
	d->port_no = 1;
	memcpy(d->hw_addr, vm_mac, 6);
	strcpy(d->name, "tap-vm1");
	d->state = 4;
	d = ofp_mp_add(m);
	d->port_no = OFPP_LOCAL;
	memcpy(d->hw_addr, router_mac, 6);
	strcpy(d->name, "br-int");
	d->config = 1;
	d->state = 1;
}

static void s_mp_reply_group_desc(struct ofp_msg *m)
{
	struct ofp_group_desc *gd;
	struct ofp_bucket *b;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 27);
	m->u.mp.mp_type = OFPMP_GROUP_DESC;
	gd = ofp_mp_add(m);
	gd->type = OFPGT_ALL;
	gd->group_id = 1;
	b = ofp_buckets_add(&gd->buckets);
	ofp_actions_output(&b->actions, 1, 0);
}

static void s_mp_reply_meter(struct ofp_msg *m)
{
	struct ofp_meter_stats *ms;
	ofp_msg_init(m, OFPMSG_MULTIPART_REPLY, 28);
	m->u.mp.mp_type = OFPMP_METER;
	ms = ofp_mp_add(m);
	ms->meter_id = 1;
	ms->flow_count = 1;
	ms->packet_in_count = 100;
	ms->byte_in_count = 6400;
	ms->duration_sec = 9;
	ms->n_bands = 1;
	ms->band_packets[0] = 4;
	ms->band_bytes[0] = 256;
}

static void s_get_config_reply(struct ofp_msg *m)
{
	ofp_msg_init(m, OFPMSG_GET_CONFIG_REPLY, 4);
	m->u.config.flags = OFPC_FRAG_NORMAL;
	m->u.config.miss_send_len = OFPCML_NO_BUFFER;
}

static void s_experimenter(struct ofp_msg *m)
{
	static const uint8_t data[] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	ofp_msg_init(m, OFPMSG_EXPERIMENTER, 35);
	m->u.experimenter.experimenter = NX_VENDOR_ID;
	m->u.experimenter.exp_type = 12; /* NXT_SET_FLOW_FORMAT-like, opaque here */
	m->u.experimenter.data.data = data;
	m->u.experimenter.data.len = sizeof(data);
}

const struct ofp_sample ofp_samples[] = {
	{ "hello", s_hello },
	{ "echo_request", s_echo_request },
	{ "features_request", s_features_request },
	{ "set_config", s_set_config },
	{ "flow_l3", s_flow_l3 },
	{ "flow_arp_responder", s_flow_arp_responder },
	{ "flow_nicira", s_flow_nicira },
	{ "flow_ct_match", s_flow_ct_match },
	{ "flow_vlan", s_flow_vlan },
	{ "flow_ipv6", s_flow_ipv6 },
	{ "flow_udp", s_flow_udp_icmp },
	{ "flow_icmp_echo", s_flow_icmp_echo },
	{ "flow_delete", s_flow_delete },
	{ "flow_delete_strict", s_flow_delete_strict },
	{ "packet_out", s_packet_out },
	{ "packet_out_table", s_packet_out_table },
	{ "group_mod", s_group_mod },
	{ "group_mod_ff", s_group_mod_ff },
	{ "group_delete", s_group_delete },
	{ "meter_mod", s_meter_mod },
	{ "mp_desc", s_mp_desc },
	{ "mp_flow", s_mp_flow },
	{ "mp_aggregate", s_mp_aggregate },
	{ "mp_table", s_mp_table },
	{ "mp_port_stats", s_mp_port_stats },
	{ "mp_port_desc", s_mp_port_desc },
	{ "mp_group_desc", s_mp_group_desc },
	{ "mp_meter", s_mp_meter },
	{ "barrier", s_barrier },
	{ "role_request", s_role },
	{ "bundle_open", s_bundle_open },
	{ "bundle_add", s_bundle_add },
	{ "bundle_commit", s_bundle_commit },
	{ "bundle_discard", s_bundle_discard },
	{ "features_reply", s_features_reply },
	{ "get_config_reply", s_get_config_reply },
	{ "packet_in", s_packet_in },
	{ "flow_removed", s_flow_removed },
	{ "port_status", s_port_status },
	{ "error", s_error },
	{ "role_reply", s_role_reply },
	{ "experimenter", s_experimenter },
	{ "mp_reply_desc", s_mp_reply_desc },
	{ "mp_reply_flow", s_mp_reply_flow },
	{ "mp_reply_aggregate", s_mp_reply_aggregate },
	{ "mp_reply_table", s_mp_reply_table },
	{ "mp_reply_port_stats", s_mp_reply_port_stats },
	{ "mp_reply_port_desc", s_mp_reply_port_desc },
	{ "mp_reply_group_desc", s_mp_reply_group_desc },
	{ "mp_reply_meter", s_mp_reply_meter },
};
const size_t ofp_n_samples = sizeof(ofp_samples) / sizeof(ofp_samples[0]);
