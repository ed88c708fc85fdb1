/* hostd/pipeline/compile.c: topology -> desired OpenFlow state of one
 * chassis (pipeline_compile, pipeline.h). Reads the topology (caller holds
 * the read lock), resolves switch port names through the caller's port
 * map, and fills a struct desired that the controller converges the switch
 * to. Table by table, what each object contributes is in README.md; the
 * packet-in side (reactive L3, ICMP) is pipeline.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/pipeline/pipeline.h"
#include "hostd/pipeline/pl_int.h"

#define MOD "pipeline"

#define MAX_IFACES 256 /* router interfaces considered per router */

/* Priorities. */
#define PRIO_MISS 0
#define PRIO_PORT 100
#define PRIO_FLOOD 50
#define PRIO_ICMP_ROUTER 400
#define PRIO_TO_ROUTER 390
#define PRIO_HOST 300
#define PRIO_EXTRA_ROUTE 200 /* + prefix length */
#define PRIO_SUBNET 100      /* + prefix length */
#define PRIO_LEAVE 10        /* l3: what no subnet/route matched leaves the router */
/* snat (40) */
#define PRIO_FIP_IN 300      /* external -> floating IP: DNAT */
#define PRIO_UNSNAT 290      /* external -> gateway IP: un-SNAT */
#define PRIO_EXT_DROP 280    /* anything else from outside */
#define PRIO_FIP_OUT 200     /* fixed IP of a floating IP: SNAT to it */
#define PRIO_SNAT 100        /* the rest: SNAT to the gateway IP */
/* ext_nexthop (35) */
#define PRIO_NEIGH 300       /* resolved next hop */
#define PRIO_EXT_SUBNET 200  /* unresolved host of the external subnet */
#define PRIO_EXT_DEFAULT 100 /* via the external subnet's gateway (+1 resolved:
			      * a kept resolved flow shadows the punt) */

static const uint8_t MCAST_BIT[6] = { 1, 0, 0, 0, 0, 0 };

/* State of one compile run. */
struct cctx {
	const struct topo *t;         /* topology (read-locked) */
	const struct topo_chassis *ch; /* chassis compiled for */
	pl_port_fn port_fn;           /* switch port names -> numbers */
	void *port_arg;               /* its argument */
	const struct pl_cfg *cfg;     /* options */
	struct desired *out;          /* result */
	struct pl_stats *st;          /* counters */
	int err;                      /* first error (-ENOMEM) */
	struct netport *np;           /* every port, grouped by network (net_ports) */
	size_t n_np;                  /* entries in np */
};

/* One port in the per-compile index of ports by network: the topology
 * only lists a network's ports by scanning all ports, which made a compile
 * quadratic (1,000 networks x 10,000 ports). */
struct netport {
	uint32_t netkey;              /* its network's key */
	uint32_t seq;                 /* creation order (kept within a network) */
	const struct topo_port *p;    /* the port */
};

const char *pl_table_name(unsigned table)
{
	switch (table) {
#define X(E, n, s) \
	case n:    \
		return s;
		PL_TABLES(X)
#undef X
	}
	return NULL;
}

const char *pl_cookie_kind_name(unsigned kind)
{
	switch (kind) {
#define X(E, v, s) \
	case v:    \
		return s;
		PL_COOKIE_KINDS(X)
#undef X
	}
	return "unknown";
}

const char *pl_provider_port(const char *physnet, char buf[TOPO_IFNAME_MAX + 1])
{
	if (!physnet || !physnet[0])
		snprintf(buf, TOPO_IFNAME_MAX + 1, "%s", PL_PORT_PROVIDER);
	else
		snprintf(buf, TOPO_IFNAME_MAX + 1, "%s%.*s", PL_PORT_PROVIDER_PREFIX,
			 (int)(TOPO_IFNAME_MAX - strlen(PL_PORT_PROVIDER_PREFIX)), physnet);
	return buf;
}

void pipeline_keep_opts(struct diff_opts *o)
{
	memset(o, 0, sizeof(*o));
	_Static_assert((PL_CK_REACTIVE & ~1) == (PL_CK_NEIGH & ~1), "one mask keeps both kinds");
	o->keep_cookie = PL_COOKIE(PL_CK_REACTIVE & ~1, 0);
	o->keep_mask = PL_COOKIE(0xfe, 0);
}

/* ---- flow building helpers ---------------------------------------------- */

static void fl_init(struct dflow *f, unsigned table, uint16_t prio, uint64_t cookie)
{
	memset(f, 0, sizeof(*f));
	f->table = (uint8_t)table;
	f->priority = prio;
	f->cookie = cookie;
	ofp_match_init(&f->match);
	ofp_instructions_init(&f->insts);
}

static struct ofp_actions *fl_apply(struct dflow *f)
{
	f->insts.present |= OFPINST_APPLY;
	return &f->insts.apply;
}

static void fl_goto(struct dflow *f, unsigned table)
{
	f->insts.present |= OFPINST_GOTO;
	f->insts.goto_table = (uint8_t)table;
}

static void fl_write_meta(struct dflow *f, uint32_t netkey)
{
	f->insts.present |= OFPINST_WRITE_METADATA;
	f->insts.metadata = netkey;
	f->insts.metadata_mask = UINT64_MAX;
}

static void m_ip(struct ofp_match *m)
{
	ofp_match_set_uint(m, OFPF_ETH_TYPE, 0x0800);
}

static void emit(struct cctx *c, struct dflow *f)
{
	if (c->err || flowset_add(&c->out->flows, f) < 0) {
		dflow_uninit(f);
		c->err = -ENOMEM;
		return;
	}
	c->st->flows++;
}

static void emit_miss(struct cctx *c, unsigned table, int next)
{
	struct dflow f;
	fl_init(&f, table, PRIO_MISS, PL_COOKIE(PL_CK_BASE, 0));
	if (next >= 0)
		fl_goto(&f, (unsigned)next);
	emit(c, &f);
}

/* ---- topology helpers ---------------------------------------------------- */

/* A port that is a VM (or other endpoint) plugged into a br-int, as
 * opposed to the router's own ports (virtual: answered by the flows). */
static int is_vm_port(const struct topo_port *p)
{
	return strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) &&
	       strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW) &&
	       strcmp(p->device_owner, TOPO_OWNER_FLOATINGIP) && p->admin_state_up;
}

/* The port's number on this chassis' switch, or 0 when it is not local. */
static uint32_t local_ofport(struct cctx *c, const struct topo_port *p)
{
	uint32_t no;
	if (strcmp(p->chassis, c->ch->name) || !p->ifname[0])
		return 0;
	if (!c->port_fn || c->port_fn(c->port_arg, p->ifname, &no) || !no || no >= OFPP_MAX) {
		c->st->skipped_ports++;
		return 0;
	}
	return no;
}

static uint32_t named_port(struct cctx *c, const char *name)
{
	uint32_t no;
	if (!c->port_fn || c->port_fn(c->port_arg, name, &no) || !no || no >= OFPP_MAX)
		return 0;
	return no;
}

static int is_tunnel(enum topo_net_type t)
{
	return t == TOPO_NET_VXLAN || t == TOPO_NET_GRE;
}

/* The switch port a network leaves this chassis by (tunnel or provider);
 * 0 when the switch lacks it. */
static uint32_t net_uplink(struct cctx *c, const struct topo_network *n)
{
	char buf[TOPO_IFNAME_MAX + 1];
	switch (n->type) {
	case TOPO_NET_VXLAN:
		return named_port(c, PL_PORT_VXLAN);
	case TOPO_NET_GRE:
		return named_port(c, PL_PORT_GRE);
	default:
		return named_port(c, pl_provider_port(n->physical_network, buf));
	}
}

/* Actions sending a frame of network n to chassis `rch` (tunnels) or onto
 * the provider network (VLAN, flat). -ENOENT when there is no way. */
static int remote_actions(struct cctx *c, const struct topo_network *n,
			  const struct topo_chassis *rch, struct ofp_actions *l)
{
	uint32_t up = net_uplink(c, n);
	if (!up)
		return -ENOENT;
	if (is_tunnel(n->type)) {
		if (!rch || rch->tunnel_ip.version != 4)
			return -ENOENT;
		ofp_actions_set_field(l, OFPF_TUNNEL_ID, n->segmentation_id);
		ofp_actions_set_field(l, OFPF_TUN_IPV4_DST, topo_ip_v4(&rch->tunnel_ip));
	} else if (n->type == TOPO_NET_VLAN) {
		struct ofp_action *a = ofp_actions_add(l, OFPACT_PUSH_VLAN);
		if (a)
			a->u.push_vlan_tpid = 0x8100;
		ofp_actions_set_field(l, OFPF_VLAN_VID, OFPVID_PRESENT | n->segmentation_id);
	}
	ofp_actions_output(l, up, 0);
	return 0;
}

/* ---- ports by network ----------------------------------------------------- */

static int netport_cmp(const void *a, const void *b)
{
	const struct netport *x = a, *y = b;
	if (x->netkey != y->netkey)
		return x->netkey < y->netkey ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Builds c->np over every port, or only over the ports of the networks
 * whose ids are in only[0..n_only) (an incremental compile needs a few
 * networks: comparing ids is cheaper than resolving each port's network).
 * 0 or -ENOMEM. */
static int index_ports(struct cctx *c, const char *const *only, size_t n_only)
{
	size_t cap = topo_count(c->t, TOPO_PORT), n = 0, k;
	const struct topo_port *p;
	if (!cap)
		return 0;
	c->np = malloc(cap * sizeof(*c->np));
	if (!c->np)
		return -ENOMEM;
	for (p = topo_port_next(c->t, NULL); p && n < cap; p = topo_port_next(c->t, p)) {
		const struct topo_network *net;
		if (only) {
			for (k = 0; k < n_only && strcmp(only[k], p->network_id); k++)
				;
			if (k == n_only)
				continue;
		}
		net = topo_network_get(c->t, p->network_id);
		if (!net)
			continue;
		c->np[n].netkey = net->key;
		c->np[n].seq = (uint32_t)n;
		c->np[n].p = p;
		n++;
	}
	c->n_np = n;
	qsort(c->np, n, sizeof(*c->np), netport_cmp);
	return 0;
}

/* The ports of network n (creation order) and their count. */
static const struct netport *net_ports(const struct cctx *c, const struct topo_network *n,
				       size_t *count)
{
	size_t lo = 0, hi = c->n_np, end;
	while (lo < hi) { /* first entry with netkey >= n->key */
		size_t mid = lo + (hi - lo) / 2;
		if (c->np[mid].netkey < n->key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < c->n_np && c->np[end].netkey == n->key; end++)
		;
	*count = end - lo;
	return c->np + lo;
}

/* ---- classify, L2 ------------------------------------------------------- */

static void compile_host_routes(struct cctx *c, const struct topo_port *p);

/* Local port: classify and deliver; remote port: unicast to its chassis. */
static void compile_port_l2(struct cctx *c, const struct topo_port *p,
			    const struct topo_network *n)
{
	uint64_t ck = PL_COOKIE(PL_CK_PORT, p->key);
	struct dflow f;
	uint32_t no;

	no = local_ofport(c, p);
	if (no) {
		fl_init(&f, PL_T_CLASSIFY, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_IN_PORT, no);
		ofp_actions_set_field(fl_apply(&f), PL_REG_INPORT, p->key);
		fl_write_meta(&f, n->key);
		fl_goto(&f, PL_T_ARP);
		emit(c, &f);

		fl_init(&f, PL_T_L2_LOCAL, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
		ofp_match_set(&f.match, OFPF_ETH_DST, p->mac, NULL);
		ofp_actions_output(fl_apply(&f), no, 0);
		emit(c, &f);
	} else if (strcmp(p->chassis, c->ch->name)) {
		const struct topo_chassis *rch = topo_chassis_get(c->t, p->chassis);
		fl_init(&f, PL_T_L2_OUT, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
		ofp_match_set(&f.match, OFPF_ETH_DST, p->mac, NULL);
		if (remote_actions(c, n, rch, fl_apply(&f))) {
			dflow_uninit(&f);
			return;
		}
		emit(c, &f);
	}
}

/* Everything port p contributes (unit PORT): its L2 flows and its /32
 * host routes. */
static void compile_port(struct cctx *c, const struct topo_port *p)
{
	const struct topo_network *n = topo_network_get(c->t, p->network_id);
	if (!n || !is_vm_port(p) || !p->chassis[0])
		return;
	compile_port_l2(c, p, n);
	compile_host_routes(c, p);
}

static struct ofp_bucket *add_bucket(struct cctx *c, struct dgroup *g)
{
	struct ofp_bucket *b = ofp_buckets_add(&g->buckets);
	if (!b)
		c->err = -ENOMEM;
	return b;
}

/* Ingress from tunnels / the provider port, and the flood groups and flows
 * of a network that has ports on this chassis. */
static void compile_network(struct cctx *c, const struct topo_network *n)
{
	uint64_t ck = PL_COOKIE(PL_CK_NET, n->key);
	const struct topo_port *p;
	const struct topo_chassis *rch;
	struct dgroup *all, *loc;
	const struct netport *np;
	struct dflow f;
	uint32_t up = net_uplink(c, n);
	size_t n_np, k;
	int n_local = 0;

	if (!n->admin_state_up)
		return;
	/* traffic arriving from the other chassis / the provider network */
	if (up) {
		fl_init(&f, PL_T_CLASSIFY, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_IN_PORT, up);
		if (is_tunnel(n->type)) {
			ofp_match_set_uint(&f.match, OFPF_TUNNEL_ID, n->segmentation_id);
		} else if (n->type == TOPO_NET_VLAN) {
			ofp_match_set_uint(&f.match, OFPF_VLAN_VID, OFPVID_PRESENT | n->segmentation_id);
			ofp_actions_add(fl_apply(&f), OFPACT_POP_VLAN);
		} else {
			ofp_match_set_uint(&f.match, OFPF_VLAN_VID, OFPVID_NONE);
		}
		fl_write_meta(&f, n->key);
		fl_goto(&f, PL_T_REMOTE_DISPATCH);
		emit(c, &f);
	}

	np = net_ports(c, n, &n_np);
	for (k = 0; k < n_np; k++)
		if (is_vm_port(np[k].p) && !strcmp(np[k].p->chassis, c->ch->name) &&
		    np[k].p->ifname[0])
			n_local++;
	if (!n_local)
		return;

	/* flood groups: all = local ports + the other chassis (or provider);
	 * local = local ports only (for frames that came from outside). */
	all = desired_add_group(c->out);
	if (!all) {
		c->err = -ENOMEM;
		return;
	}
	all->group_id = PL_GROUP_FLOOD_ALL(n->key);
	all->type = OFPGT_ALL;
	all->unit = ck;
	loc = desired_add_group(c->out);
	if (!loc) {
		c->err = -ENOMEM;
		return;
	}
	all = loc - 1; /* the array may have moved */
	loc->group_id = PL_GROUP_FLOOD_LOCAL(n->key);
	loc->type = OFPGT_ALL;
	loc->unit = ck;
	for (k = 0; k < n_np && !c->err; k++) {
		uint32_t no;
		struct ofp_bucket *b;
		p = np[k].p;
		if (!is_vm_port(p) || !(no = local_ofport(c, p)))
			continue;
		if ((b = add_bucket(c, all)))
			ofp_actions_output(&b->actions, no, 0);
		if ((b = add_bucket(c, loc)))
			ofp_actions_output(&b->actions, no, 0);
	}
	if (is_tunnel(n->type)) {
		/* one bucket per other chassis with a port on the network */
		for (rch = topo_chassis_next(c->t, NULL); rch && !c->err;
		     rch = topo_chassis_next(c->t, rch)) {
			struct ofp_bucket *b;
			if (!strcmp(rch->name, c->ch->name))
				continue;
			for (k = 0; k < n_np; k++)
				if (is_vm_port(np[k].p) && !strcmp(np[k].p->chassis, rch->name))
					break;
			if (k == n_np || !(b = add_bucket(c, all)))
				continue;
			if (remote_actions(c, n, rch, &b->actions)) {
				ofp_actions_uninit(&b->actions);
				all->buckets.n--;
			}
		}
	} else if (up) {
		struct ofp_bucket *b = add_bucket(c, all);
		if (b)
			remote_actions(c, n, NULL, &b->actions);
	}
	if (c->err || dgroup_finish(all) || dgroup_finish(loc)) {
		c->err = -ENOMEM;
		return;
	}
	c->st->groups += 2;

	fl_init(&f, PL_T_L2_OUT, PRIO_FLOOD, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
	ofp_match_set(&f.match, OFPF_ETH_DST, MCAST_BIT, MCAST_BIT);
	{
		struct ofp_action *a = ofp_actions_add(fl_apply(&f), OFPACT_GROUP);
		if (a)
			a->u.group_id = PL_GROUP_FLOOD_ALL(n->key);
	}
	emit(c, &f);

	fl_init(&f, PL_T_L2_LOCAL, PRIO_FLOOD, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
	ofp_match_set(&f.match, OFPF_ETH_DST, MCAST_BIT, MCAST_BIT);
	{
		struct ofp_action *a = ofp_actions_add(fl_apply(&f), OFPACT_GROUP);
		if (a)
			a->u.group_id = PL_GROUP_FLOOD_LOCAL(n->key);
	}
	emit(c, &f);
}

/* ---- routers ------------------------------------------------------------- */

/* ARP responder in `table`: a request for ip on network netkey gets a
 * unicast reply from mac, out of the port it came in by (tagged with
 * vlan_vid when vid, for requests that came from a VLAN provider port). */
static void arp_reply_flow(struct cctx *c, unsigned table, uint32_t netkey, uint32_t ip,
			   const uint8_t mac[6], uint16_t vid, uint64_t ck)
{
	struct ofp_actions *l;
	struct ofp_action *a;
	struct dflow f;

	fl_init(&f, table, PRIO_PORT, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, netkey);
	ofp_match_set_uint(&f.match, OFPF_ETH_TYPE, 0x0806);
	ofp_match_set_uint(&f.match, OFPF_ARP_OP, 1);
	ofp_match_set_uint(&f.match, OFPF_ARP_TPA, ip);
	l = fl_apply(&f);
	/* unicast back to the requester: eth_dst = its eth_src */
	if ((a = ofp_actions_add(l, OFPACT_REG_MOVE))) {
		a->u.move.src = OFPF_ETH_SRC;
		a->u.move.dst = OFPF_ETH_DST;
		a->u.move.n_bits = 48;
	}
	ofp_actions_set_field_bytes(l, OFPF_ETH_SRC, mac);
	ofp_actions_set_field(l, OFPF_ARP_OP, 2);
	if ((a = ofp_actions_add(l, OFPACT_REG_MOVE))) {
		a->u.move.src = OFPF_ARP_SHA;
		a->u.move.dst = OFPF_ARP_THA;
		a->u.move.n_bits = 48;
	}
	if ((a = ofp_actions_add(l, OFPACT_REG_MOVE))) {
		a->u.move.src = OFPF_ARP_SPA;
		a->u.move.dst = OFPF_ARP_TPA;
		a->u.move.n_bits = 32;
	}
	ofp_actions_set_field_bytes(l, OFPF_ARP_SHA, mac);
	ofp_actions_set_field(l, OFPF_ARP_SPA, ip);
	if (vid) {
		if ((a = ofp_actions_add(l, OFPACT_PUSH_VLAN)))
			a->u.push_vlan_tpid = 0x8100;
		ofp_actions_set_field(l, OFPF_VLAN_VID, OFPVID_PRESENT | vid);
	}
	ofp_actions_output(l, OFPP_IN_PORT, 0);
	emit(c, &f);
}

static void arp_responder(struct cctx *c, const struct topo_router_iface *ifc, uint32_t netkey,
			  uint64_t ck)
{
	arp_reply_flow(c, PL_T_ARP, netkey, topo_ip_v4(ifc->ip), ifc->port->mac, 0, ck);
}

/* The router interface whose subnet holds the fixed IP, or NULL. */
static const struct topo_router_iface *iface_for(const struct topo_router_iface *v, size_t n,
						 const char *subnet_id)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].subnet->id, subnet_id))
			return &v[i];
	return NULL;
}

int pl_host_route(const struct topo *t, const struct topo_router *r, const struct topo_port *p,
		  const struct topo_ip *ip, uint64_t cookie, uint16_t idle_timeout,
		  struct dflow *f)
{
	struct topo_router_iface v[MAX_IFACES];
	const struct topo_router_iface *ifc = NULL;
	const struct topo_network *n = topo_network_get(t, p->network_id);
	size_t n_if = topo_router_ifaces(t, r->id, v, MAX_IFACES), i;
	struct ofp_actions *l;

	if (n_if > MAX_IFACES)
		n_if = MAX_IFACES;
	for (i = 0; i < p->n_fixed_ips && !ifc; i++)
		if (topo_ip_eq(&p->fixed_ips[i].ip, ip))
			ifc = iface_for(v, n_if, p->fixed_ips[i].subnet_id);
	if (!ifc || !n || ip->version != 4)
		return -ENOENT;
	fl_init(f, PL_T_L3, PRIO_HOST, cookie);
	f->idle_timeout = idle_timeout;
	ofp_match_set_uint(&f->match, PL_REG_ROUTER, r->key);
	m_ip(&f->match);
	ofp_match_set_ipv4(&f->match, OFPF_IPV4_DST, topo_ip_v4(ip), 32);
	l = fl_apply(f);
	ofp_actions_add(l, OFPACT_DEC_NW_TTL);
	ofp_actions_set_field_bytes(l, OFPF_ETH_SRC, ifc->port->mac);
	ofp_actions_set_field_bytes(l, OFPF_ETH_DST, p->mac);
	fl_write_meta(f, n->key);
	fl_goto(f, PL_T_L2_OUT);
	return 0;
}

/* The VM port of network n holding `ip`, or NULL. */
static const struct topo_port *port_by_ip(const struct cctx *c, const struct topo_network *n,
					  const struct topo_ip *ip)
{
	const struct netport *np;
	size_t n_np, k;
	uint32_t i;
	np = net_ports(c, n, &n_np);
	for (k = 0; k < n_np; k++)
		for (i = 0; i < np[k].p->n_fixed_ips; i++)
			if (topo_ip_eq(&np[k].p->fixed_ips[i].ip, ip))
				return np[k].p;
	return NULL;
}

static void compile_router(struct cctx *c, const struct topo_router *r)
{
	struct topo_router_iface v[MAX_IFACES];
	uint64_t ck = PL_COOKIE(PL_CK_ROUTER, r->key);
	size_t n_if = topo_router_ifaces(c->t, r->id, v, MAX_IFACES), i, j;
	struct dflow f;

	if (!r->admin_state_up)
		return;
	if (n_if > MAX_IFACES) {
		LOG_WARN(MOD, "router %s: %zu interfaces, only %d compiled", r->id, n_if, MAX_IFACES);
		n_if = MAX_IFACES;
	}
	for (i = 0; i < n_if; i++) {
		const struct topo_router_iface *ifc = &v[i];
		const struct topo_network *n = topo_network_get(c->t, ifc->port->network_id);
		const struct topo_cidr *cidr = &ifc->subnet->cidr;
		uint32_t ip = topo_ip_v4(ifc->ip);

		if (!n || ifc->ip->version != 4)
			continue;
		arp_responder(c, ifc, n->key, ck);

		fl_init(&f, PL_T_L3_DISPATCH, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
		ofp_match_set(&f.match, OFPF_ETH_DST, ifc->port->mac, NULL);
		m_ip(&f.match);
		ofp_actions_set_field(fl_apply(&f), PL_REG_ROUTER, r->key);
		fl_goto(&f, PL_T_L3);
		emit(c, &f);

		/* ICMP echo to the router's own address: hostd answers */
		fl_init(&f, PL_T_L3, PRIO_ICMP_ROUTER, ck);
		ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
		m_ip(&f.match);
		ofp_match_set_uint(&f.match, OFPF_IP_PROTO, 1);
		ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, ip, 32);
		ofp_match_set_uint(&f.match, OFPF_ICMPV4_TYPE, 8);
		ofp_actions_output(fl_apply(&f), OFPP_CONTROLLER,
				   c->cfg->miss_send_len ? c->cfg->miss_send_len : OFPCML_NO_BUFFER);
		emit(c, &f);
		/* anything else to the router itself: dropped */
		fl_init(&f, PL_T_L3, PRIO_TO_ROUTER, ck);
		ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
		m_ip(&f.match);
		ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, ip, 32);
		emit(c, &f);

		/* the subnet: reactive -> hostd installs the /32; proactive -> the
		 * /32s are below, an unknown address is dropped */
		if (cidr->addr.version == 4) {
			fl_init(&f, PL_T_L3, (uint16_t)(PRIO_SUBNET + cidr->plen), ck);
			ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
			m_ip(&f.match);
			ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, topo_ip_v4(&cidr->addr),
					   cidr->plen);
			if (r->l3_mode == TOPO_L3_REACTIVE)
				ofp_actions_output(fl_apply(&f), OFPP_CONTROLLER,
						   c->cfg->miss_send_len ? c->cfg->miss_send_len
									 : OFPCML_NO_BUFFER);
			emit(c, &f);
		}
		/* the /32s of the ports (proactive) are the ports' own flows:
		 * compile_host_routes() */
	}

	/* extra routes: via the VM holding the next hop */
	for (i = 0; i < r->n_routes; i++) {
		const struct topo_route *rt = &r->routes[i];
		const struct topo_subnet *s;
		const struct topo_port *nh;
		const struct topo_router_iface *ifc;
		const struct topo_network *n;
		struct ofp_actions *l;

		if (rt->destination.addr.version != 4 || rt->nexthop.version != 4)
			continue;
		s = NULL;
		for (j = 0; j < n_if && !s; j++)
			if (topo_cidr_contains(&v[j].subnet->cidr, &rt->nexthop))
				s = v[j].subnet;
		if (!s || !(ifc = iface_for(v, n_if, s->id)) ||
		    !(n = topo_network_get(c->t, s->network_id)) ||
		    !(nh = port_by_ip(c, n, &rt->nexthop))) {
			LOG_DBG(MOD, "router %s: route %u: next hop not resolved", r->id, (unsigned)i);
			continue;
		}
		fl_init(&f, PL_T_L3, (uint16_t)(PRIO_EXTRA_ROUTE + rt->destination.plen), ck);
		ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
		m_ip(&f.match);
		ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, topo_ip_v4(&rt->destination.addr),
				   rt->destination.plen);
		l = fl_apply(&f);
		ofp_actions_add(l, OFPACT_DEC_NW_TTL);
		ofp_actions_set_field_bytes(l, OFPF_ETH_SRC, ifc->port->mac);
		ofp_actions_set_field_bytes(l, OFPF_ETH_DST, nh->mac);
		fl_write_meta(&f, n->key);
		fl_goto(&f, PL_T_L2_OUT);
		emit(c, &f);
	}
}

/* ---- north/south ---------------------------------------------------------
 * A router with an external gateway: on the network node it is the
 * centralized gateway (SNAT to its gateway IP, floating IPs 1:1 with
 * conntrack in zone = router key); every other chassis sends what leaves
 * the router's subnets there, unrouted (eth_dst still the router's MAC on
 * the source network), over that network's tunnel or provider port. */

int pl_router_ext(const struct topo *t, const struct topo_router *r, struct pl_router_ext *x)
{
	memset(x, 0, sizeof(*x));
	if (!r->gw_network_id[0] || !r->gw_port_id[0] || r->key > UINT16_MAX)
		return -ENOENT; /* conntrack zones are 16 bits */
	x->net = topo_network_get(t, r->gw_network_id);
	x->gw = topo_port_get(t, r->gw_port_id);
	x->gw_ip = topo_router_gw_ip(t, r);
	if (!x->net || !x->gw || x->gw_ip.version != 4 || !x->net->admin_state_up)
		return -ENOENT;
	x->sub = topo_subnet_containing(t, x->net->id, &x->gw_ip);
	return x->sub ? 0 : -ENOENT;
}

const struct topo_chassis *pl_network_node(const struct topo *t)
{
	const struct topo_chassis *ch;
	for (ch = topo_chassis_next(t, NULL); ch; ch = topo_chassis_next(t, ch))
		if (ch->network_node)
			return ch;
	return NULL;
}

/* ct(commit?, zone, table, nat(flags: ip)) -- nat_flags 0: nat without a
 * range (reverse an existing connection's translation). */
static void ct_nat(struct ofp_actions *l, uint16_t zone, int commit, unsigned table,
		   uint16_t nat_flags, uint32_t ip)
{
	struct ofp_action *a = ofp_actions_add(l, OFPACT_CT), *n;
	uint8_t be[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
			  (uint8_t)ip };
	if (!a)
		return;
	a->u.ct.flags = commit ? NX_CT_F_COMMIT : 0;
	a->u.ct.zone = zone;
	a->u.ct.table = (uint8_t)table;
	n = ofp_actions_add(&a->u.ct.nested, OFPACT_NAT);
	if (!n)
		return;
	n->u.nat.flags = nat_flags;
	if (nat_flags & (NX_NAT_F_SRC | NX_NAT_F_DST)) {
		n->u.nat.range_present = NX_NAT_RANGE_IPV4_MIN | NX_NAT_RANGE_IPV4_MAX;
		memcpy(n->u.nat.ipv4_min, be, 4);
		memcpy(n->u.nat.ipv4_max, be, 4);
	}
}

/* The external network's ARP requests for an address of the gateway
 * (gateway IP, floating IPs), answered right in remote_dispatch. */
static void ext_arp_answer(struct cctx *c, const struct pl_router_ext *x, uint32_t ip, uint64_t ck)
{
	uint16_t vid = x->net->type == TOPO_NET_VLAN ? (uint16_t)x->net->segmentation_id : 0;
	arp_reply_flow(c, PL_T_REMOTE_DISPATCH, x->net->key, ip, x->gw->mac, vid, ck);
}

/* ext_nexthop: the routed packet gets the next hop (`mac`; NULL: unresolved, to hostd), then snat. */
static void ext_nh_flow(struct cctx *c, const struct topo_router *r, const struct pl_router_ext *x,
			 uint16_t prio, uint32_t dst, uint8_t plen, const uint8_t *mac)
{
	uint64_t ck = PL_COOKIE(PL_CK_ROUTER, r->key);
	struct ofp_actions *l;
	struct dflow f;

	fl_init(&f, PL_T_EXT_NH, prio, ck);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	if (plen)
		ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, dst, plen);
	l = fl_apply(&f);
	if (!mac) { /* unresolved: hostd sends an ARP request */
		ofp_actions_output(l, OFPP_CONTROLLER,
				   c->cfg->miss_send_len ? c->cfg->miss_send_len : OFPCML_NO_BUFFER);
		emit(c, &f);
		return;
	}
	/* resolved: kept by the controller and idling out instead of being
	 * deleted when hostd forgets the neighbour (restart) */
	f.cookie = PL_COOKIE(PL_CK_NEIGH, r->key);
	f.idle_timeout = PL_NEIGH_IDLE;
	if (!plen)
		f.priority++;
	ofp_actions_add(l, OFPACT_DEC_NW_TTL);
	ofp_actions_set_field_bytes(l, OFPF_ETH_SRC, x->gw->mac);
	ofp_actions_set_field_bytes(l, OFPF_ETH_DST, mac);
	fl_goto(&f, PL_T_SNAT);
	emit(c, &f);
}

/* Completes a snat flow: out of the external network's uplink. */
static void emit_out(struct cctx *c, const struct pl_router_ext *x, struct dflow *f)
{
	if (remote_actions(c, x->net, NULL, fl_apply(f))) {
		dflow_uninit(f);
		return;
	}
	emit(c, f);
}

/* The network node's part of router r: its gateway. */
static void compile_gateway(struct cctx *c, const struct topo_router *r,
			    const struct topo_router_iface *v, size_t n_if,
			    const struct pl_router_ext *x)
{
	uint64_t ck = PL_COOKIE(PL_CK_ROUTER, r->key);
	const struct pl_neigh_tab *nt = c->cfg->neigh;
	uint32_t ext = x->net->key, gwip = topo_ip_v4(&x->gw_ip);
	uint16_t zone = (uint16_t)r->key;
	struct dflow f;
	size_t i;

	/* l3: what leaves the router's subnets -> snat; the gateway IP
	 * itself is not routed (no loop through un-SNAT) */
	fl_init(&f, PL_T_L3, PRIO_LEAVE, ck);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	fl_goto(&f, PL_T_EXT_NH);
	emit(c, &f);
	fl_init(&f, PL_T_L3, PRIO_TO_ROUTER, ck);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, gwip, 32);
	emit(c, &f);

	for (i = 0; i < n_if; i++) {
		const struct topo_network *n = topo_network_get(c->t, v[i].port->network_id);
		if (!n || v[i].ip->version != 4)
			continue;
		/* from the other chassis: frames to the router's MAC are routed here */
		fl_init(&f, PL_T_REMOTE_DISPATCH, PRIO_PORT, ck);
		ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
		ofp_match_set(&f.match, OFPF_ETH_DST, v[i].port->mac, NULL);
		m_ip(&f.match);
		ofp_actions_set_field(fl_apply(&f), PL_REG_ROUTER, r->key);
		fl_goto(&f, PL_T_L3);
		emit(c, &f);
		/* the way back in (un-SNAT, DNAT) needs every /32 whatever the
		 * router's mode: compile_host_routes() */
	}

	/* the external side: ARP for the gateway IP, replies to hostd's ARP
	 * requests, IP to the gateway MAC -> snat */
	ext_arp_answer(c, x, gwip, ck);
	fl_init(&f, PL_T_REMOTE_DISPATCH, PRIO_PORT, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, ext);
	ofp_match_set_uint(&f.match, OFPF_ETH_TYPE, 0x0806);
	ofp_match_set_uint(&f.match, OFPF_ARP_OP, 2);
	ofp_match_set_uint(&f.match, OFPF_ARP_TPA, gwip);
	ofp_actions_output(fl_apply(&f), OFPP_CONTROLLER, OFPCML_NO_BUFFER);
	emit(c, &f);
	fl_init(&f, PL_T_REMOTE_DISPATCH, PRIO_PORT, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, ext);
	ofp_match_set(&f.match, OFPF_ETH_DST, x->gw->mac, NULL);
	m_ip(&f.match);
	ofp_actions_set_field(fl_apply(&f), PL_REG_ROUTER, r->key);
	fl_goto(&f, PL_T_SNAT);
	emit(c, &f);
	/* hostd's ARP requests (packet-out from CONTROLLER with reg5 = router)
	 * leave by the external uplink */
	fl_init(&f, PL_T_CLASSIFY, PRIO_PORT, ck);
	ofp_match_set_uint(&f.match, OFPF_IN_PORT, OFPP_CONTROLLER);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	if (remote_actions(c, x->net, NULL, fl_apply(&f)))
		dflow_uninit(&f);
	else
		emit(c, &f);

	/* snat: floating IPs (compile_fip), un-SNAT, SNAT */
	fl_init(&f, PL_T_SNAT, PRIO_UNSNAT, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, ext);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, gwip, 32);
	ct_nat(fl_apply(&f), zone, 0, PL_T_L3, 0, 0);
	emit(c, &f);
	fl_init(&f, PL_T_SNAT, PRIO_EXT_DROP, ck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, ext);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	emit(c, &f);
	if (r->enable_snat) {
		fl_init(&f, PL_T_SNAT, PRIO_SNAT, ck);
		ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
		m_ip(&f.match);
		ct_nat(fl_apply(&f), zone, 1, NX_CT_RECIRC_NONE, NX_NAT_F_SRC, gwip);
		emit_out(c, x, &f);
	}

	/* ext_nexthop: the next hop's MAC, learned by ARP (hostd asks when a
	 * packet finds none) */
	{
		uint32_t snet = topo_ip_v4(&x->sub->cidr.addr);
		uint8_t plen = x->sub->cidr.plen;
		uint32_t mask = plen ? ~0u << (32 - plen) : 0;
		const struct pl_neigh *gwn = NULL;
		uint32_t nh = x->sub->gateway.version == 4 ? topo_ip_v4(&x->sub->gateway) : 0;
		for (i = 0; nt && i < nt->n; i++)
			if (nt->v[i].netkey == ext && (nt->v[i].ip & mask) == snet &&
			    nt->v[i].ip != gwip)
				ext_nh_flow(c, r, x, PRIO_NEIGH, nt->v[i].ip, 32, nt->v[i].mac);
		ext_nh_flow(c, r, x, (uint16_t)(PRIO_EXT_SUBNET + plen), snet, plen, NULL);
		if (nh && nt)
			gwn = pl_neigh_find(nt, ext, nh);
		if (nh)
			ext_nh_flow(c, r, x, PRIO_EXT_DEFAULT, 0, 0, gwn ? gwn->mac : NULL);
	}
}

/* A chassis other than the network node: what leaves router r's subnets
 * goes to the network node over the source network's uplink. */
static void compile_to_gateway(struct cctx *c, const struct topo_router *r,
			       const struct topo_router_iface *v, size_t n_if,
			       const struct topo_chassis *nn)
{
	uint64_t ck = PL_COOKIE(PL_CK_ROUTER, r->key);
	struct dflow f;
	size_t i;
	for (i = 0; i < n_if; i++) {
		const struct topo_network *n = topo_network_get(c->t, v[i].port->network_id);
		if (!n || v[i].ip->version != 4)
			continue;
		fl_init(&f, PL_T_L3, PRIO_LEAVE, ck);
		ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
		ofp_match_set_uint(&f.match, OFPF_METADATA, n->key);
		m_ip(&f.match);
		if (remote_actions(c, n, nn, fl_apply(&f))) {
			dflow_uninit(&f);
			continue;
		}
		emit(c, &f);
	}
}

static void compile_north_south(struct cctx *c, const struct topo_router *r)
{
	struct topo_router_iface v[MAX_IFACES];
	const struct topo_chassis *nn = pl_network_node(c->t);
	struct pl_router_ext x;
	size_t n_if;

	if (!r->admin_state_up || !nn || pl_router_ext(c->t, r, &x))
		return;
	n_if = topo_router_ifaces(c->t, r->id, v, MAX_IFACES);
	if (n_if > MAX_IFACES)
		n_if = MAX_IFACES;
	if (!strcmp(nn->name, c->ch->name))
		compile_gateway(c, r, v, n_if, &x);
	else
		compile_to_gateway(c, r, v, n_if, nn);
}

/* Floating IP fip (unit FIP), on the network node of its router's
 * gateway: ARP for the address, DNAT in, SNAT out. */
static void compile_fip(struct cctx *c, const struct topo_floatingip *fip)
{
	const struct topo_router *r = topo_router_get(c->t, fip->router_id);
	const struct topo_chassis *nn = pl_network_node(c->t);
	struct pl_router_ext xs, *x = &xs;
	uint64_t fck = PL_COOKIE(PL_CK_FIP, fip->key);
	uint32_t fl = topo_ip_v4(&fip->floating_ip), fx = topo_ip_v4(&fip->fixed_ip);
	uint32_t ext;
	uint16_t zone;
	struct dflow f;

	if (!r || !r->admin_state_up || !nn || strcmp(nn->name, c->ch->name) ||
	    pl_router_ext(c->t, r, x) || !fip->port_id[0] || fip->floating_ip.version != 4 ||
	    fip->fixed_ip.version != 4 || strcmp(fip->floating_network_id, x->net->id))
		return;
	ext = x->net->key;
	zone = (uint16_t)r->key;
	ext_arp_answer(c, x, fl, fck);
	fl_init(&f, PL_T_L3, PRIO_TO_ROUTER, fck);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, fl, 32);
	emit(c, &f);

	fl_init(&f, PL_T_SNAT, PRIO_FIP_IN, fck);
	ofp_match_set_uint(&f.match, OFPF_METADATA, ext);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, fl, 32);
	ct_nat(fl_apply(&f), zone, 1, PL_T_L3, NX_NAT_F_DST, fx);
	emit(c, &f);

	fl_init(&f, PL_T_SNAT, PRIO_FIP_OUT, fck);
	ofp_match_set_uint(&f.match, PL_REG_ROUTER, r->key);
	m_ip(&f.match);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_SRC, fx, 32);
	ct_nat(fl_apply(&f), zone, 1, NX_CT_RECIRC_NONE, NX_NAT_F_SRC, fl);
	emit_out(c, x, &f);
}

/* The /32 host routes of port p in table l3 (the port's own flows, unit
 * PORT): one per router interface on the subnet of each of its fixed IPs,
 * when the router is proactive, or when this chassis is the router's
 * north/south gateway (the way back in after un-SNAT/DNAT needs every /32
 * whatever the mode: a reactive punt could not re-inject the translated
 * packet). */
static void compile_host_routes(struct cctx *c, const struct topo_port *p)
{
	struct topo_router_iface v[MAX_IFACES];
	const struct topo_chassis *nn = pl_network_node(c->t);
	int gateway_here = nn && !strcmp(nn->name, c->ch->name);
	struct pl_router_ext x;
	struct dflow f;
	size_t n_if, i, j;

	for (j = 0; j < p->n_fixed_ips && !c->err; j++) {
		if (!p->fixed_ips[j].subnet_id[0])
			continue;
		n_if = topo_subnet_router_ifaces(c->t, p->fixed_ips[j].subnet_id, v, MAX_IFACES);
		if (n_if > MAX_IFACES)
			n_if = MAX_IFACES;
		for (i = 0; i < n_if; i++) {
			const struct topo_router *r = v[i].router;
			if (!r->admin_state_up || v[i].ip->version != 4 ||
			    !topo_network_get(c->t, v[i].port->network_id))
				continue;
			if (r->l3_mode != TOPO_L3_PROACTIVE &&
			    (!gateway_here || pl_router_ext(c->t, r, &x)))
				continue;
			if (pl_host_route(c->t, r, p, &p->fixed_ips[j].ip,
					  PL_COOKIE(PL_CK_PORT, p->key), 0, &f) == 0)
				emit(c, &f);
		}
	}
}

const struct pl_neigh *pl_neigh_find(const struct pl_neigh_tab *tab, uint32_t netkey, uint32_t ip)
{
	size_t i;
	for (i = 0; tab && i < tab->n; i++)
		if (tab->v[i].netkey == netkey && tab->v[i].ip == ip)
			return &tab->v[i];
	return NULL;
}

int pl_neigh_learn(struct pl_neigh_tab *tab, const struct pl_neigh *e)
{
	struct pl_neigh *cur = (struct pl_neigh *)pl_neigh_find(tab, e->netkey, e->ip);
	if (cur) {
		if (!memcmp(cur->mac, e->mac, 6))
			return 0;
		memcpy(cur->mac, e->mac, 6);
		return 1;
	}
	if (tab->n < PL_MAX_NEIGH) {
		tab->v[tab->n++] = *e;
		return 1;
	}
	tab->v[tab->next] = *e; /* full: replace the oldest */
	tab->next = (tab->next + 1) % PL_MAX_NEIGH;
	return 1;
}

static void compile_base(struct cctx *c)
{
	emit_miss(c, PL_T_CLASSIFY, -1);
	emit_miss(c, PL_T_ARP, PL_T_L3_DISPATCH);
	emit_miss(c, PL_T_L3_DISPATCH, PL_T_L2_OUT);
	emit_miss(c, PL_T_REMOTE_DISPATCH, PL_T_L2_LOCAL);
	emit_miss(c, PL_T_L3, -1);
	emit_miss(c, PL_T_SNAT, -1);
	emit_miss(c, PL_T_EXT_NH, -1);
	emit_miss(c, PL_T_L2_OUT, PL_T_L2_LOCAL);
	emit_miss(c, PL_T_L2_LOCAL, -1);
}

static void cctx_init(struct cctx *c, const struct topo *t, const struct topo_chassis *ch,
		      pl_port_fn port_fn, void *port_arg, const struct pl_cfg *cfg,
		      struct desired *out, struct pl_stats *stats)
{
	static const struct pl_cfg defcfg;
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->ch = ch;
	c->port_fn = port_fn;
	c->port_arg = port_arg;
	c->cfg = cfg ? cfg : &defcfg;
	c->out = out;
	c->st = stats;
	memset(c->st, 0, sizeof(*c->st));
}

int pipeline_compile(const struct topo *t, const struct topo_chassis *ch, pl_port_fn port_fn,
		     void *port_arg, const struct pl_cfg *cfg, struct desired *out,
		     struct pl_stats *stats)
{
	struct pl_stats st_local;
	const struct topo_network *n;
	const struct topo_router *r;
	const struct topo_floatingip *fip;
	struct cctx c;
	size_t i;

	cctx_init(&c, t, ch, port_fn, port_arg, cfg, out, stats ? stats : &st_local);
	if (index_ports(&c, NULL, 0))
		return -ENOMEM;
	compile_base(&c);
	for (n = topo_network_next(t, NULL); n && !c.err; n = topo_network_next(t, n))
		compile_network(&c, n);
	for (i = 0; i < c.n_np && !c.err; i++) /* ports of unknown networks compile to nothing */
		compile_port(&c, c.np[i].p);
	for (r = topo_router_next(t, NULL); r && !c.err; r = topo_router_next(t, r)) {
		compile_router(&c, r);
		compile_north_south(&c, r);
	}
	for (fip = topo_floatingip_next(t, NULL); fip && !c.err; fip = topo_floatingip_next(t, fip))
		compile_fip(&c, fip);
	free(c.np);
	if (!c.err)
		desired_shrink(out);
	return c.err;
}

/* ---- incremental -------------------------------------------------------- */

uint64_t pipeline_unit_of(uint64_t cookie)
{
	/* learned next hops are compiled with their router */
	if (PL_COOKIE_KIND(cookie) == PL_CK_NEIGH)
		return PL_COOKIE(PL_CK_ROUTER, PL_COOKIE_KEY(cookie));
	return cookie;
}

static const struct topo_floatingip *fip_by_key(const struct topo *t, uint32_t key)
{
	const struct topo_floatingip *f;
	for (f = topo_floatingip_next(t, NULL); f; f = topo_floatingip_next(t, f))
		if (f->key == key)
			return f;
	return NULL;
}

/* Adds id to the list of network ids an incremental compile indexes. */
static int need_net(const char **v, size_t *n, size_t max, const char *id)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (!strcmp(v[i], id))
			return 0;
	if (*n == max)
		return -1;
	v[(*n)++] = id;
	return 0;
}

#define MAX_UNIT_NETS 32 /* more networks than this: index every port */

int pipeline_compile_units(const struct topo *t, const struct topo_chassis *ch,
			   pl_port_fn port_fn, void *port_arg, const struct pl_cfg *cfg,
			   const struct unitset *units, struct desired *out,
			   struct pl_stats *stats)
{
	const char *nets[MAX_UNIT_NETS];
	struct topo_router_iface v[MAX_IFACES];
	struct pl_stats st_local;
	size_t n_nets = 0, i, k, n_if;
	int all = 0;
	struct cctx c;

	if (units->all)
		return -EINVAL;
	cctx_init(&c, t, ch, port_fn, port_arg, cfg, out, stats ? stats : &st_local);
	/* the ports a network's flood groups and a router's extra routes look at */
	for (i = 0; i < units->n && !all; i++) {
		uint32_t key = PL_COOKIE_KEY(units->v[i]);
		const struct topo_network *n;
		const struct topo_router *r;
		switch (PL_COOKIE_KIND(units->v[i])) {
		case PL_CK_NET:
			if ((n = topo_network_by_key(t, key)))
				all = need_net(nets, &n_nets, MAX_UNIT_NETS, n->id);
			break;
		case PL_CK_ROUTER:
			if (!(r = topo_router_by_key(t, key)) || !r->n_routes)
				break;
			n_if = topo_router_ifaces(t, r->id, v, MAX_IFACES);
			for (k = 0; k < n_if && k < MAX_IFACES && !all; k++)
				all = need_net(nets, &n_nets, MAX_UNIT_NETS, v[k].port->network_id);
			break;
		default:
			break;
		}
	}
	if (n_nets || all) {
		if (index_ports(&c, all ? NULL : nets, n_nets))
			return -ENOMEM;
	}
	for (i = 0; i < units->n && !c.err; i++) {
		uint32_t key = PL_COOKIE_KEY(units->v[i]);
		const void *o;
		switch (PL_COOKIE_KIND(units->v[i])) {
		case PL_CK_BASE:
			compile_base(&c);
			break;
		case PL_CK_NET:
			if ((o = topo_network_by_key(t, key)))
				compile_network(&c, o);
			break;
		case PL_CK_PORT:
			if ((o = topo_port_by_key(t, key)))
				compile_port(&c, o);
			break;
		case PL_CK_ROUTER:
			if ((o = topo_router_by_key(t, key))) {
				compile_router(&c, o);
				compile_north_south(&c, o);
			}
			break;
		case PL_CK_FIP:
			if ((o = fip_by_key(t, key)))
				compile_fip(&c, o);
			break;
		default: /* reactive flows, neighbours: not units */
			break;
		}
	}
	free(c.np);
	return c.err;
}

/* ---- what a change touches ------------------------------------------------ */

/* The units one version of a port touches: itself, its network (flood
 * groups list the local ports and the chassis with ports), and the
 * routers with extra routes on its network (a next hop resolves to a
 * port). 0, 1 (rebuild everything: the port is a router's), -ENOMEM. */
static int port_units(const struct topo *t, const struct topo_port *p, struct unitset *u)
{
	struct topo_router_iface v[MAX_IFACES];
	const struct topo_network *n;
	const struct topo_subnet *s;
	size_t n_if, i;

	if (!strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) ||
	    !strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW))
		return 1;
	if (unitset_add(u, PL_COOKIE(PL_CK_PORT, p->key)))
		return -ENOMEM;
	n = topo_network_get(t, p->network_id);
	if (!n)
		return 0;
	if (unitset_add(u, PL_COOKIE(PL_CK_NET, n->key)))
		return -ENOMEM;
	for (s = topo_network_subnet_next(t, n->id, NULL); s;
	     s = topo_network_subnet_next(t, n->id, s)) {
		n_if = topo_subnet_router_ifaces(t, s->id, v, MAX_IFACES);
		for (i = 0; i < n_if && i < MAX_IFACES; i++)
			if (v[i].router->n_routes &&
			    unitset_add(u, PL_COOKIE(PL_CK_ROUTER, v[i].router->key)))
				return -ENOMEM;
	}
	return 0;
}

int pipeline_port_units(const struct topo *t, const struct topo_chassis *ch, const char *name,
			struct unitset *u)
{
	const struct topo_port *p;
	/* tunnel and provider ports carry whole networks */
	if (!strcmp(name, PL_PORT_VXLAN) || !strcmp(name, PL_PORT_GRE) ||
	    !strncmp(name, PL_PORT_PROVIDER_PREFIX, strlen(PL_PORT_PROVIDER_PREFIX)))
		return 1;
	p = topo_port_by_ifname(t, ch->name, name);
	return p ? port_units(t, p, u) : 0; /* else nothing compiles from it */
}

int pipeline_dirty_units(const struct topo *t, const struct topo_change *ch, size_t n,
			 struct unitset *u)
{
	size_t i;
	int r = 0;
	for (i = 0; i < n && !u->all && r >= 0; i++) {
		switch (ch[i].kind) {
		case TOPO_PORT:
			if (ch[i].old_obj && (r = port_units(t, ch[i].old_obj, u)) > 0)
				u->all = 1;
			if (r >= 0 && ch[i].new_obj && (r = port_units(t, ch[i].new_obj, u)) > 0)
				u->all = 1;
			break;
		case TOPO_FLOATINGIP: {
			const struct topo_floatingip *f = ch[i].new_obj ? ch[i].new_obj : ch[i].old_obj;
			r = unitset_add(u, PL_COOKIE(PL_CK_FIP, f->key));
			break;
		}
		default: /* networks, subnets, routers, chassis: everything */
			u->all = 1;
			break;
		}
	}
	return r < 0 ? r : 0;
}
