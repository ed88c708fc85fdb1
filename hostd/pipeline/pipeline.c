/* hostd/pipeline/pipeline.c: the packet-in side of the pipeline
 * (pipeline_packet_in, pipeline.h). The flows compile.c emits punt three
 * kinds of packets to hostd, all with a router's cookie or reg5:
 *   - ICMP echo requests to a router interface IP -> echo reply;
 *   - packets whose TTL runs out at the router (TTL <= 1, or an
 *     invalid_ttl packet-in from dec_ttl) -> ICMP time exceeded;
 *   - the first packet towards a subnet of a reactive router -> the /32
 *     flows of both directions (flow_mods, idle timeout) and a packet_out
 *     of that packet through the pipeline again (output:TABLE), so it is
 *     delivered by the flow just installed and never lost;
 *   - north/south on the network node: a packet whose external next hop
 *     has no MAC yet (table ext_nexthop) -> an ARP request from the router's
 *     gateway, sent through the flows (packet-out from CONTROLLER with
 *     reg5 = router, classify sends it out of the external uplink); the
 *     reply to the gateway IP -> a learned neighbour the caller keeps and
 *     compiles (pl_reply.learned).
 * Frames are parsed by pkt.c (bounds-checked); the answer is a list of
 * messages the controller sends in order. */
#include <errno.h>
#include <string.h>

#include "hostd/pipeline/pipeline.h"
#include "hostd/pipeline/pkt.h"
#include "hostd/pipeline/pl_int.h"

#define MAX_IFACES 256
#define OFPR_INVALID_TTL 2
#define DEFAULT_IDLE 30

void pl_reply_uninit(struct pl_reply *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		ofp_msg_uninit(&r->msg[i]);
	r->n = 0;
}

int pl_flow_mod(const struct dflow *f, struct ofp_msg *msg)
{
	struct ofp_flow_mod *fm = &msg->u.flow_mod;
	ofp_msg_init(msg, OFPMSG_FLOW_MOD, 0);
	fm->cookie = f->cookie;
	fm->table_id = f->table;
	fm->command = OFPFC_ADD;
	fm->idle_timeout = f->idle_timeout;
	fm->hard_timeout = f->hard_timeout;
	fm->priority = f->priority;
	fm->flags = f->flags;
	fm->match = f->match;
	fm->insts = f->insts;
	ofp_actions_init(&fm->insts.apply);
	ofp_actions_init(&fm->insts.write);
	if (ofp_actions_clone(&fm->insts.apply, &f->insts.apply) ||
	    ofp_actions_clone(&fm->insts.write, &f->insts.write)) {
		ofp_msg_uninit(msg);
		return -ENOMEM;
	}
	return 0;
}

/* The router interface whose subnet contains ip (host order), or NULL. */
static const struct topo_router_iface *iface_of(const struct topo_router_iface *v, size_t n,
						uint32_t ip)
{
	struct topo_ip a = topo_ip_from_v4(ip);
	size_t i;
	for (i = 0; i < n; i++)
		if (topo_cidr_contains(&v[i].subnet->cidr, &a))
			return &v[i];
	return NULL;
}

/* The VM port behind the router holding ip (host order), or NULL. */
static const struct topo_port *port_of(const struct topo *t, const struct topo_router_iface *v,
				       size_t n, uint32_t ip)
{
	const struct topo_router_iface *ifc = iface_of(v, n, ip);
	struct topo_ip a = topo_ip_from_v4(ip);
	const struct topo_port *p;
	if (!ifc)
		return NULL;
	p = topo_port_by_ip(t, ifc->subnet->network_id, &a);
	if (!p || !strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) || !p->chassis[0])
		return NULL;
	return p;
}

/* Packet-out of a frame hostd built, back where the packet came from. */
static void reply_frame(struct pl_reply *r, const struct ofp_packet_in *pi, uint32_t in_port,
			size_t len)
{
	struct ofp_msg *m = &r->msg[r->n++];
	struct ofp_packet_out *po = &m->u.packet_out;
	ofp_msg_init(m, OFPMSG_PACKET_OUT, 0);
	po->buffer_id = OFP_NO_BUFFER;
	po->in_port = in_port;
	/* from a tunnel: send it back to the chassis it came from */
	if (ofp_match_has(&pi->match, OFPF_TUNNEL_ID) &&
	    ofp_match_has(&pi->match, OFPF_TUN_IPV4_SRC)) {
		ofp_actions_set_field(&po->actions, OFPF_TUNNEL_ID,
				      ofp_match_get_uint(&pi->match, OFPF_TUNNEL_ID));
		ofp_actions_set_field(&po->actions, OFPF_TUN_IPV4_DST,
				      ofp_match_get_uint(&pi->match, OFPF_TUN_IPV4_SRC));
	}
	ofp_actions_output(&po->actions, OFPP_IN_PORT, 0);
	po->data.data = r->frame;
	po->data.len = len;
}

/* An ARP reply to router rt's gateway IP: the sender becomes a neighbour. */
static int arp_learn(const struct topo *t, const struct topo_router *rt, const struct pl_pkt *p,
		     struct pl_reply *r)
{
	struct pl_router_ext x;
	if (pl_router_ext(t, rt, &x)) {
		r->what = "ARP for a router without a gateway";
		return -EINVAL;
	}
	if (p->arp_op != PL_ARP_REPLY || p->arp_tpa != topo_ip_v4(&x.gw_ip)) {
		r->what = "ARP not a reply to the gateway";
		return -EINVAL;
	}
	{
		struct topo_ip a = topo_ip_from_v4(p->arp_spa);
		if (!topo_cidr_contains(&x.sub->cidr, &a) || (p->arp_sha[0] & 1)) {
			r->what = "ARP reply from outside the external subnet";
			return -EINVAL;
		}
	}
	r->learned = 1;
	r->neigh.netkey = x.net->key;
	r->neigh.ip = p->arp_spa;
	memcpy(r->neigh.mac, p->arp_sha, 6);
	r->what = "neighbour";
	return 0;
}

/* A packet of router rt with no MAC for its external next hop: ARP for
 * it (the packet itself is dropped; the sender's retransmission finds the
 * flow hostd compiles from the reply). */
static int ext_resolve(const struct topo *t, const struct topo_router *rt,
		       const struct pl_pkt *p, struct pl_reply *r)
{
	struct pl_router_ext x;
	struct topo_ip d = topo_ip_from_v4(p->ip_dst);
	uint32_t target;
	int len;

	if (pl_router_ext(t, rt, &x)) {
		r->what = "ext_nexthop packet of a router without a gateway";
		return -EINVAL;
	}
	if (topo_cidr_contains(&x.sub->cidr, &d))
		target = p->ip_dst;
	else if (x.sub->gateway.version == 4)
		target = topo_ip_v4(&x.sub->gateway);
	else {
		r->what = "no external next hop (the subnet has no gateway)";
		return -EINVAL;
	}
	len = pl_arp_request(x.gw->mac, topo_ip_v4(&x.gw_ip), target, r->frame, sizeof(r->frame));
	if (len < 0)
		return -EINVAL;
	{
		struct ofp_msg *m = &r->msg[r->n++];
		struct ofp_packet_out *po = &m->u.packet_out;
		ofp_msg_init(m, OFPMSG_PACKET_OUT, 0);
		po->buffer_id = OFP_NO_BUFFER;
		po->in_port = OFPP_CONTROLLER;
		ofp_actions_set_field(&po->actions, PL_REG_ROUTER, rt->key);
		ofp_actions_output(&po->actions, OFPP_TABLE, 0);
		po->data.data = r->frame;
		po->data.len = (size_t)len;
	}
	r->arp_target = target;
	r->what = "arp request";
	return 0;
}

int pl_arp_limit_allow(struct pl_arp_limit *l, uint64_t dpid, uint32_t target, uint64_t now_ms)
{
	uint64_t h = (dpid * 0x9e3779b97f4a7c15ull) ^ (target * 0xc2b2ae3d27d4eb4full);
	unsigned i = (unsigned)(h >> 58) & (PL_ARP_LIMIT_SLOTS - 1);
	_Static_assert((PL_ARP_LIMIT_SLOTS & (PL_ARP_LIMIT_SLOTS - 1)) == 0, "power of two");
	if (l->slot[i].target == target && l->slot[i].dpid == dpid &&
	    now_ms - l->slot[i].t_ms < PL_ARP_INTERVAL_MS)
		return 0;
	l->slot[i].dpid = dpid;
	l->slot[i].target = target;
	l->slot[i].t_ms = now_ms;
	return 1;
}

int pipeline_packet_in(const struct topo *t, const struct topo_chassis *ch,
		       const struct pl_cfg *cfg, const struct ofp_packet_in *pi,
		       struct pl_reply *r)
{
	struct topo_router_iface v[MAX_IFACES];
	const struct topo_router_iface *ifc;
	const struct topo_router *rt;
	const struct topo_port *dst, *src;
	unsigned kind = PL_COOKIE_KIND(pi->cookie);
	uint32_t rkey = 0, in_port;
	uint16_t idle = cfg && cfg->reactive_idle ? cfg->reactive_idle : DEFAULT_IDLE;
	struct pl_pkt p;
	struct dflow f;
	size_t n_if, i;
	char err[128];
	int len;

	(void)ch;
	memset(r, 0, sizeof(*r));
	if (kind != PL_CK_ROUTER && kind != PL_CK_PORT && kind != PL_CK_REACTIVE) {
		r->what = "not a pipeline cookie";
		return -ENOENT;
	}
	if (ofp_match_has(&pi->match, PL_REG_ROUTER))
		rkey = (uint32_t)ofp_match_get_uint(&pi->match, PL_REG_ROUTER);
	else if (kind != PL_CK_PORT)
		rkey = PL_COOKIE_KEY(pi->cookie);
	rt = topo_router_by_key(t, rkey);
	if (!rt) {
		r->what = "no router for this packet";
		return -EINVAL;
	}
	if (!ofp_match_has(&pi->match, OFPF_IN_PORT)) {
		r->what = "packet-in without in_port";
		return -EINVAL;
	}
	in_port = (uint32_t)ofp_match_get_uint(&pi->match, OFPF_IN_PORT);
	if (pl_pkt_parse(pi->data.data, pi->data.len, &p, err, sizeof(err))) {
		r->what = "malformed frame";
		return -EINVAL;
	}
	if (p.has_arp)
		return arp_learn(t, rt, &p, r);
	if (p.eth_type != PL_ETH_IPV4) {
		r->what = "not IPv4";
		return -EINVAL;
	}
	if (pi->table_id == PL_T_EXT_NH)
		return ext_resolve(t, rt, &p, r);
	n_if = topo_router_ifaces(t, rt->id, v, MAX_IFACES);
	if (n_if > MAX_IFACES)
		n_if = MAX_IFACES;

	/* echo request to one of the router's addresses */
	for (i = 0; i < n_if; i++) {
		if (topo_ip_v4(v[i].ip) != p.ip_dst || v[i].ip->version != 4)
			continue;
		if (!p.has_icmp || p.icmp_type != PL_ICMP_ECHO_REQUEST) {
			r->what = "to the router, not an echo request";
			return -EINVAL;
		}
		len = pl_icmp_echo_reply(&p, r->frame, sizeof(r->frame));
		if (len < 0) {
			r->what = "echo request too big";
			return -EINVAL;
		}
		reply_frame(r, pi, in_port, (size_t)len);
		r->what = "echo";
		return 0;
	}

	/* TTL runs out here */
	if (pi->reason == OFPR_INVALID_TTL || p.ttl <= 1) {
		ifc = iface_of(v, n_if, p.ip_src);
		if (!ifc) {
			r->what = "ttl expired, sender not behind the router";
			return -EINVAL;
		}
		len = pl_icmp_time_exceeded(&p, ifc->port->mac, topo_ip_v4(ifc->ip), r->frame,
					    sizeof(r->frame));
		if (len < 0) {
			r->what = "cannot build time exceeded";
			return -EINVAL;
		}
		reply_frame(r, pi, in_port, (size_t)len);
		r->what = "ttl";
		return 0;
	}

	/* reactive routing: /32 flows both ways, then the packet itself */
	if (kind != PL_CK_ROUTER) {
		r->what = "packet-in from a routed flow";
		return -EINVAL;
	}
	dst = port_of(t, v, n_if, p.ip_dst);
	if (!dst) {
		r->what = "no port holds the destination";
		return -EINVAL;
	}
	if (pi->data.len < pi->total_len && pi->buffer_id == OFP_NO_BUFFER) {
		r->what = "truncated packet-in without a buffer";
		return -EINVAL;
	}
	{
		struct topo_ip a = topo_ip_from_v4(p.ip_dst);
		if (pl_host_route(t, rt, dst, &a, PL_COOKIE(PL_CK_REACTIVE, rt->key), idle, &f)) {
			r->what = "destination not on a router subnet";
			return -EINVAL;
		}
		if (pl_flow_mod(&f, &r->msg[r->n])) {
			dflow_uninit(&f);
			return -ENOMEM;
		}
		r->n++;
		dflow_uninit(&f);
	}
	src = port_of(t, v, n_if, p.ip_src);
	if (src) {
		struct topo_ip a = topo_ip_from_v4(p.ip_src);
		if (!pl_host_route(t, rt, src, &a, PL_COOKIE(PL_CK_REACTIVE, rt->key), idle, &f)) {
			if (pl_flow_mod(&f, &r->msg[r->n])) {
				dflow_uninit(&f);
				pl_reply_uninit(r);
				return -ENOMEM;
			}
			r->n++;
			dflow_uninit(&f);
		}
	}
	{
		struct ofp_msg *m = &r->msg[r->n++];
		struct ofp_packet_out *po = &m->u.packet_out;
		ofp_msg_init(m, OFPMSG_PACKET_OUT, 0);
		po->in_port = in_port;
		po->buffer_id = pi->buffer_id;
		ofp_actions_output(&po->actions, OFPP_TABLE, 0);
		if (pi->buffer_id == OFP_NO_BUFFER)
			po->data = pi->data;
	}
	r->what = "reactive";
	return 0;
}
