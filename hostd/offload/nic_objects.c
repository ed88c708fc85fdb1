/* hostd/offload/nic_objects.c: topology -> NIC objects for one chassis
 * (hostd_offload_compile) and the difference of two object sets
 * (hostd_offload_diff). Pure: reads the topology under the caller's read
 * lock, encodes bodies with drivers/mbox/objects.c, no I/O except the
 * optional ARP lookup callback. hoffload.c holds the state around it.
 *
 * What goes to the NIC of chassis C (the firmware compiles it into the
 * classify/arp/l3/l2 groups, firmware/compiler.h):
 *   NIC_PORT      every VM port bound to C (not router/gateway/FIP ports)
 *   ROUTER_IFACE  every IPv4 interface of a router with a leg on a network
 *                 where C has a VM port ("local routers")
 *   NETWORK       the networks of C's ports and of the local routers' legs
 *   SUBNET        their IPv4 subnets
 *   NEIGHBOUR     every bound VM port with IPv4 on those networks: on C
 *                 (target = its NIC_PORT) or on another chassis (target =
 *                 that chassis' TUNNEL_EP)
 *   TUNNEL_EP     the other chassis those neighbours are on (with a tunnel IP)
 *   ROUTE         the local routers' IPv4 extra routes */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/offload/offload.h"

void hoff_set_free(struct hoff_set *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct hoff_obj *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Append an object (body encoded from `in`); duplicates are dropped at
 * the end. 0 or -ENOMEM / -EINVAL. */
static int add(struct hoff_set *s, uint16_t kind, uint32_t id, const union mbox_obj_body *in,
	       const char *ref, const char *desc)
{
	if (!id)
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct hoff_obj *v = realloc(s->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	struct hoff_obj *o = &s->v[s->n];
	memset(o, 0, sizeof(*o));
	int len = mbox_obj_encode(kind, in, o->body, sizeof(o->body));
	if (len < 0)
		return 0; /* not expressible (e.g. an odd MAC): the NIC never sees it */
	o->kind = kind;
	o->id = id;
	o->len = (uint8_t)len;
	snprintf(o->ref, sizeof(o->ref), "%s", ref);
	snprintf(o->desc, sizeof(o->desc), "%s", desc);
	o->status = MBOX_OBJ_ST_PENDING;
	snprintf(o->reason, sizeof(o->reason), "%s", HOFF_UNACKED);
	s->n++;
	return 0;
}

static int is_vm_port(const struct topo_port *p)
{
	return strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) &&
	       strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW) &&
	       strcmp(p->device_owner, TOPO_OWNER_FLOATINGIP);
}

/* A small set of u32 (network keys, router ids by pointer). */
struct u32set {
	uint32_t *v;   /* values */
	size_t n, cap; /* used / allocated */
};

static int u32_add(struct u32set *s, uint32_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		uint32_t *v = realloc(s->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	s->v[s->n++] = x;
	return 0;
}

static int u32_has(const struct u32set *s, uint32_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return 1;
	return 0;
}

#define TRY(x)                     \
	do {                       \
		if ((r = (x)) < 0) \
			goto out;  \
	} while (0)

int hostd_offload_compile(const struct topo *t, const char *chassis, hoff_arp_fn arp,
			  struct hoff_set *out)
{
	struct u32set nets = { 0 }, routers = { 0 }, chassis_used = { 0 };
	char a[TOPO_IP_STRLEN], c[TOPO_CIDR_STRLEN], d[HOFF_DESC_MAX];
	union mbox_obj_body b;
	int r = 0;
	out->n = 0;
	const struct topo_chassis *self = topo_chassis_get(t, chassis);

	/* NIC ports, and the networks they are on. */
	for (const struct topo_port *p = topo_port_next(t, NULL); p; p = topo_port_next(t, p)) {
		if (strcmp(p->chassis, chassis) || !is_vm_port(p))
			continue;
		const struct topo_network *n = topo_network_get(t, p->network_id);
		if (!n || !n->key)
			continue;
		memset(&b, 0, sizeof(b));
		b.nic_port.network = n->key;
		memcpy(b.nic_port.mac, p->mac, 6);
		b.nic_port.flags = p->admin_state_up ? MBOX_PORT_F_UP : 0;
		snprintf(b.nic_port.ifname, sizeof(b.nic_port.ifname), "%s", p->ifname);
		snprintf(d, sizeof(d), "port %s", p->ifname);
		TRY(add(out, MBOX_OBJ_NIC_PORT, p->key, &b, p->id, d));
		TRY(u32_add(&nets, n->key));
	}
	/* Local routers: those with a leg on one of those networks. */
	for (const struct topo_router *rt = topo_router_next(t, NULL); rt;
	     rt = topo_router_next(t, rt)) {
		struct topo_router_iface ifs[64];
		size_t ni = topo_router_ifaces(t, rt->id, ifs, 64);
		int local = 0;
		for (size_t i = 0; i < ni && i < 64; i++) {
			const struct topo_network *n = topo_network_get(t, ifs[i].port->network_id);
			local |= n && u32_has(&nets, n->key);
		}
		if (!local || !rt->key)
			continue;
		TRY(u32_add(&routers, rt->key));
		for (size_t i = 0; i < ni && i < 64; i++) {
			const struct topo_router_iface *ri = &ifs[i];
			const struct topo_network *n = topo_network_get(t, ri->port->network_id);
			if (!n || !n->key || ri->subnet->ip_version != 4 || ri->ip->version != 4)
				continue;
			memset(&b, 0, sizeof(b));
			b.router_iface.router = rt->key;
			b.router_iface.network = n->key;
			b.router_iface.subnet = ri->subnet->key;
			b.router_iface.ip = topo_ip_v4(ri->ip);
			memcpy(b.router_iface.mac, ri->port->mac, 6);
			b.router_iface.plen = ri->subnet->cidr.plen;
			snprintf(d, sizeof(d), "router %.20s leg %s", rt->name && *rt->name ? rt->name : rt->id,
				 topo_ip_fmt(ri->ip, a));
			TRY(add(out, MBOX_OBJ_ROUTER_IFACE, ri->port->key, &b, ri->port->id, d));
			TRY(u32_add(&nets, n->key));
		}
		for (uint32_t k = 0; k < rt->n_routes && k < 32; k++) {
			const struct topo_route *ro = &rt->routes[k];
			if (ro->destination.addr.version != 4 || ro->nexthop.version != 4 ||
			    rt->key >= (1u << 27))
				continue;
			memset(&b, 0, sizeof(b));
			b.route.router = rt->key;
			b.route.dest = topo_ip_v4(&ro->destination.addr);
			b.route.plen = ro->destination.plen;
			b.route.nexthop = topo_ip_v4(&ro->nexthop);
			snprintf(d, sizeof(d), "route %s via %s", topo_cidr_fmt(&ro->destination, c),
				 topo_ip_fmt(&ro->nexthop, a));
			TRY(add(out, MBOX_OBJ_ROUTE, rt->key << 5 | k, &b, rt->id, d));
		}
	}
	/* Networks and their IPv4 subnets. */
	for (const struct topo_network *n = topo_network_next(t, NULL); n;
	     n = topo_network_next(t, n)) {
		if (!n->key || !u32_has(&nets, n->key))
			continue;
		memset(&b, 0, sizeof(b));
		b.network.type = n->type == TOPO_NET_VLAN    ? MBOX_NET_VLAN
				 : n->type == TOPO_NET_VXLAN ? MBOX_NET_VXLAN
				 : n->type == TOPO_NET_GRE   ? MBOX_NET_GRE
							     : MBOX_NET_FLAT;
		b.network.segment = n->type == TOPO_NET_FLAT ? 0 : n->segmentation_id;
		b.network.mtu = n->mtu;
		snprintf(d, sizeof(d), "network %.40s %s %u", n->name && *n->name ? n->name : n->id,
			 topo_net_type_name(n->type), n->segmentation_id);
		TRY(add(out, MBOX_OBJ_NETWORK, n->key, &b, n->id, d));
		for (const struct topo_subnet *s = topo_network_subnet_next(t, n->id, NULL); s;
		     s = topo_network_subnet_next(t, n->id, s)) {
			if (s->ip_version != 4)
				continue;
			memset(&b, 0, sizeof(b));
			b.subnet.network = n->key;
			b.subnet.cidr = topo_ip_v4(&s->cidr.addr);
			b.subnet.plen = s->cidr.plen;
			b.subnet.gateway = s->gateway.version == 4 ? topo_ip_v4(&s->gateway) : 0;
			snprintf(d, sizeof(d), "subnet %s", topo_cidr_fmt(&s->cidr, c));
			TRY(add(out, MBOX_OBJ_SUBNET, s->key, &b, s->id, d));
		}
	}
	/* Neighbours: bound VM ports with IPv4 on those networks. */
	for (const struct topo_port *p = topo_port_next(t, NULL); p; p = topo_port_next(t, p)) {
		if (!p->chassis[0] || !is_vm_port(p))
			continue;
		const struct topo_network *n = topo_network_get(t, p->network_id);
		if (!n || !n->key || !u32_has(&nets, n->key))
			continue;
		memset(&b, 0, sizeof(b));
		for (uint32_t i = 0; i < p->n_fixed_ips && b.neighbour.n_ips < MBOX_NEIGH_MAX_IPS; i++)
			if (p->fixed_ips[i].ip.version == 4)
				b.neighbour.ips[b.neighbour.n_ips++] = topo_ip_v4(&p->fixed_ips[i].ip);
		if (!b.neighbour.n_ips)
			continue;
		b.neighbour.network = n->key;
		memcpy(b.neighbour.mac, p->mac, 6);
		if (!strcmp(p->chassis, chassis)) {
			b.neighbour.where = MBOX_NEIGH_PORT;
			b.neighbour.target = p->key;
		} else {
			const struct topo_chassis *ch = topo_chassis_get(t, p->chassis);
			if (!ch || !ch->key)
				continue;
			b.neighbour.where = MBOX_NEIGH_REMOTE;
			b.neighbour.target = ch->key;
			TRY(u32_add(&chassis_used, ch->key));
		}
		snprintf(d, sizeof(d), "vm %s on %.30s", topo_ip_fmt(&p->fixed_ips[0].ip, a),
			 p->chassis);
		TRY(add(out, MBOX_OBJ_NEIGHBOUR, p->key, &b, p->id, d));
	}
	/* Tunnel endpoints of the chassis those neighbours are on. */
	for (const struct topo_chassis *ch = topo_chassis_next(t, NULL); ch;
	     ch = topo_chassis_next(t, ch)) {
		if (!u32_has(&chassis_used, ch->key) || ch->tunnel_ip.version != 4 || !self ||
		    self->tunnel_ip.version != 4)
			continue;
		memset(&b, 0, sizeof(b));
		b.tunnel_ep.remote_ip = topo_ip_v4(&ch->tunnel_ip);
		b.tunnel_ep.local_ip = topo_ip_v4(&self->tunnel_ip);
		if (arp && arp(b.tunnel_ep.remote_ip, b.tunnel_ep.mac))
			memset(b.tunnel_ep.mac, 0, 6);
		snprintf(d, sizeof(d), "chassis %.30s %s", ch->name, topo_ip_fmt(&ch->tunnel_ip, a));
		TRY(add(out, MBOX_OBJ_TUNNEL_EP, ch->key, &b, ch->name, d));
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_obj);
	/* keys are unique per kind; drop accidental repeats all the same */
	size_t w = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!w || cmp_obj(&out->v[w - 1], &out->v[i]))
			out->v[w++] = out->v[i];
	out->n = w;
out:
	free(nets.v);
	free(routers.v);
	free(chassis_used.v);
	return r;
}

static int same_body(const struct hoff_obj *a, const struct hoff_obj *b)
{
	return a->len == b->len && !memcmp(a->body, b->body, a->len);
}

void hostd_offload_diff(const struct hoff_set *from, const struct hoff_set *to,
			const struct hoff_obj **sets, size_t *nsets,
			const struct hoff_obj **dels, size_t *ndels)
{
	size_t i = 0, j = 0;
	*nsets = *ndels = 0;
	while (i < from->n || j < to->n) {
		int c = i == from->n ? 1 : j == to->n ? -1 : cmp_obj(&from->v[i], &to->v[j]);
		if (c < 0) {
			dels[(*ndels)++] = &from->v[i++];
		} else if (c > 0) {
			sets[(*nsets)++] = &to->v[j++];
		} else {
			if (!same_body(&from->v[i], &to->v[j]))
				sets[(*nsets)++] = &to->v[j];
			i++;
			j++;
		}
	}
}
