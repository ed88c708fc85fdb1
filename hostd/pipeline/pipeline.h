/* hostd/pipeline/pipeline.h: the pipeline compiler (library `pipeline`).
 *
 * Turns the topology (hostd/topo/topo.h) into the OpenFlow state one
 * chassis' br-int must hold (a struct desired, hostd/controller/desired.h)
 * and handles the packet-ins that state sends to hostd (reactive L3, ICMP
 * echo to router IPs, TTL expiry). Pure: nothing here does I/O; the
 * controller (hostd/controller/) calls pipeline_compile() whenever the
 * topology or a switch's port map changes, converges the switch to the
 * result, and hands packet-ins to pipeline_packet_in(), sending the
 * messages it returns. The table graph is documented in README.md next to
 * this file; the numbers below are the ones it shows.
 *
 * Conventions of the compiled flows:
 *   metadata  network key (32 bits, the full key: a VNI above 16 bits is
 *             mapped to its own key, never truncated);
 *   reg6      key of the local port the packet came from (0: from a tunnel
 *             or provider port);
 *   reg5      key of the router routing the packet (L3 tables);
 *   cookie    (kind << 56) | object key, see enum pl_cookie_kind; a flow's
 *             cookie names the object it was compiled from, so a change of
 *             one port touches only flows with that port's cookie.
 * North/south (a router with an external gateway): compute chassis send
 * what leaves the router's subnets to the network node; the network node
 * resolves the external next hop (ARP through hostd, struct pl_neigh_tab),
 * SNATs / DNATs with conntrack in zone = router key (README.md).
 * Reactive /32 flows carry kind PL_CK_REACTIVE and learned next hops kind
 * PL_CK_NEIGH (6 and 7: one cookie/mask keeps both): the controller must
 * keep them when it reconciles (diff_opts keep_cookie/keep_mask from
 * pipeline_keep_opts()), so that neither a hostd restart (which forgets
 * them) nor an idle period deletes them; they leave by their idle
 * timeout. */
#ifndef DFNIC_HOSTD_PIPELINE_H
#define DFNIC_HOSTD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/controller/desired.h"
#include "hostd/openflow/ofp.h"
#include "hostd/topo/topo.h"

/* ---- tables (X: ENUM, number, name) ----------------------------------- */
#define PL_TABLES(X)                                   \
	X(CLASSIFY, 0, "classify")                     \
	X(ARP, 10, "arp_responder")                    \
	X(L3_DISPATCH, 20, "l3_dispatch")              \
	X(REMOTE_DISPATCH, 25, "remote_dispatch")      \
	X(L3, 30, "l3")                                \
	X(EXT_NH, 35, "ext_nexthop")                   \
	X(SNAT, 40, "snat")                            \
	X(L2_OUT, 50, "l2_out")                        \
	X(L2_LOCAL, 60, "l2_local")

enum pl_table {
#define X(E, n, s) PL_T_##E = n,
	PL_TABLES(X)
#undef X
};
/* "classify" ..., or NULL for a table the pipeline does not use. */
const char *pl_table_name(unsigned table);

/* ---- cookies (X: ENUM, value, name) ---------------------------------- */
#define PL_COOKIE_KINDS(X)                             \
	X(BASE, 0x01, "base")         /* table misses, per chassis */ \
	X(NET, 0x02, "network")       /* per network: tunnel/provider classify, floods */ \
	X(PORT, 0x03, "port")         /* per VM port: classify, L2, proactive /32 */ \
	X(ROUTER, 0x04, "router")     /* per router: dispatch, punts, extra routes */ \
	X(FIP, 0x05, "floatingip")    /* per floating IP */ \
	X(REACTIVE, 0x06, "reactive") /* /32 flows installed on packet-in */ \
	X(NEIGH, 0x07, "neighbour")   /* next hop learned by ARP (north/south) */

enum pl_cookie_kind {
#define X(E, v, s) PL_CK_##E = v,
	PL_COOKIE_KINDS(X)
#undef X
};
#define PL_COOKIE(kind, key) (((uint64_t)(kind) << 56) | (uint64_t)(key))
#define PL_COOKIE_KIND(c) ((unsigned)((c) >> 56))
#define PL_COOKIE_KEY(c) ((uint32_t)(c))
const char *pl_cookie_kind_name(unsigned kind);

/* ---- registers -------------------------------------------------------- */
#define PL_REG_ROUTER OFPF_REG5    /* router key (L3) */
#define PL_REG_INPORT OFPF_REG6    /* source port key, 0 = remote */

/* ---- well-known switch port names (created by the deployment) ---------- */
#define PL_PORT_VXLAN "tun-vxlan"  /* type=vxlan options:key=flow remote_ip=flow */
#define PL_PORT_GRE "tun-gre"      /* type=gre options:key=flow remote_ip=flow */
#define PL_PORT_PROVIDER "phy-default" /* provider port of physical_network "" */
#define PL_PORT_PROVIDER_PREFIX "phy-" /* + physical_network (truncated to 15) */
/* The provider port name of physical network `physnet` into buf (16 bytes). */
const char *pl_provider_port(const char *physnet, char buf[TOPO_IFNAME_MAX + 1]);

/* Flood groups: ids per network key (keys must stay below 2^30). */
#define PL_GROUP_FLOOD_ALL(netkey) ((uint32_t)(netkey) << 1)
#define PL_GROUP_FLOOD_LOCAL(netkey) (((uint32_t)(netkey) << 1) | 1)

/* Resolves a switch port name to its number: 0 and *port, or -ENOENT.
 * (Same shape as flowspec_port_fn.) */
typedef int (*pl_port_fn)(void *arg, const char *name, uint32_t *port);

/* ---- north/south: external neighbours ---------------------------------
 * The network node resolves the next hops of external networks (hosts of
 * the external subnet, its gateway) by ARP: hostd sends the requests
 * (packet-out) when table ext_nexthop punts a packet for an unresolved next
 * hop, and learns the replies (packet-in); the compiler turns the learned
 * entries into ext_nexthop flows. The table is owned by the caller (pl_ctl). */
#define PL_MAX_NEIGH 1024
struct pl_neigh {
	uint32_t netkey;          /* external network key */
	uint32_t ip;              /* IPv4, host order */
	uint8_t mac[6];           /* its MAC */
};
struct pl_neigh_tab {
	size_t n;                 /* entries used */
	size_t next;              /* slot replaced next when full (oldest first) */
	struct pl_neigh v[PL_MAX_NEIGH]; /* entries */
};
/* The entry for (netkey, ip), or NULL. */
const struct pl_neigh *pl_neigh_find(const struct pl_neigh_tab *tab, uint32_t netkey,
				     uint32_t ip);
/* Adds or updates an entry (replacing the oldest when full). 1 when the
 * table changed, 0 when it already held exactly that (the caller rebuilds
 * anyway: the flow of a known neighbour may have idled out). */
int pl_neigh_learn(struct pl_neigh_tab *tab, const struct pl_neigh *e);

#define PL_NEIGH_IDLE 300 /* idle timeout of next-hop flows, s */

/* ARP requests for unresolved next hops are rate-limited per (switch,
 * target): every packet to an unresolved (or dead) next hop is punted,
 * but at most one request per PL_ARP_INTERVAL_MS goes out. */
#define PL_ARP_INTERVAL_MS 1000
#define PL_ARP_LIMIT_SLOTS 64
struct pl_arp_limit {
	struct {
		uint64_t dpid;        /* switch the request went out of */
		uint32_t target;      /* IPv4 asked for, host order (0: free slot) */
		uint64_t t_ms;        /* when (monotonic ms) */
	} slot[PL_ARP_LIMIT_SLOTS]; /* recent requests (direct-mapped by hash) */
};
/* 1 when a request for target from switch dpid may go out at now_ms (and
 * records it), 0 when one went out less than PL_ARP_INTERVAL_MS ago. */
int pl_arp_limit_allow(struct pl_arp_limit *l, uint64_t dpid, uint32_t target, uint64_t now_ms);

struct pl_cfg {
	uint16_t reactive_idle;   /* idle timeout of reactive /32 flows, s (0: 30) */
	uint16_t miss_send_len;   /* bytes of a punted packet (0: no buffer, all) */
	const struct pl_neigh_tab *neigh; /* learned external neighbours (NULL: none) */
};

struct pl_stats {
	size_t flows;             /* flows emitted */
	size_t groups;            /* groups emitted */
	size_t skipped_ports;     /* local ports whose interface is not on the switch */
};

/* Compiles the state of chassis `ch` (its ports, the networks and routers
 * they reach, tunnels to the other chassis) into `out` (initialised by the
 * caller, filled here). Requires the topology read lock. 0, or -ENOMEM
 * (out then holds a partial state the caller must discard). */
int pipeline_compile(const struct topo *t, const struct topo_chassis *ch,
		     pl_port_fn port_fn, void *port_arg, const struct pl_cfg *cfg,
		     struct desired *out, struct pl_stats *stats);

/* ---- incremental compile ------------------------------------------------
 * The compile is made of units, each named by a cookie value: BASE (the
 * table misses), NET/key (a network's ingress flows, flood groups and
 * flows), PORT/key (a port's classify and L2 flows and its /32 host
 * routes), ROUTER/key (a router's dispatch, ARP, ICMP, subnet and extra
 * routes, its north/south gateway and learned next hops), FIP/key (a
 * floating IP's ARP, DNAT and SNAT). Every flow a unit emits carries a
 * cookie whose pipeline_unit_of() is that unit, every group it emits has
 * .unit set to it: so the controller can take out what some units built
 * and compile only those again (desired_take_units). */

/* The unit that compiles flows with this cookie. */
uint64_t pipeline_unit_of(uint64_t cookie);
/* Compiles only `units` (not ->all) of chassis ch, appending to out (which
 * may hold the rest of the state). Same locking and errors as
 * pipeline_compile; -EINVAL for a set with ->all. A unit whose object is
 * gone compiles to nothing. */
int pipeline_compile_units(const struct topo *t, const struct topo_chassis *ch,
			   pl_port_fn port_fn, void *port_arg, const struct pl_cfg *cfg,
			   const struct unitset *units, struct desired *out,
			   struct pl_stats *stats);
/* The units that use switch port `name` of chassis ch (the topology port
 * bound there with that interface: its own, its network's, the routers
 * with extra routes on that network), added to u. 0; 1 when that is
 * "everything" (a tunnel or provider port, a router's port); -ENOMEM.
 * For a port appearing on, leaving or being renamed on the switch. */
int pipeline_port_units(const struct topo *t, const struct topo_chassis *ch, const char *name,
			struct unitset *u);
/* The units a committed transaction's changes touch on any chassis, added
 * to u (u->all set when they touch more than ports and floating IPs can
 * say: networks, subnets, routers, router ports, chassis). Reads t (the
 * topology after the changes, as topo_change_fn sees it). 0 or -ENOMEM. */
int pipeline_dirty_units(const struct topo *t, const struct topo_change *ch, size_t n,
			 struct unitset *u);

/* The reconciliation exemption for reactive flows (see above). */
void pipeline_keep_opts(struct diff_opts *o);

/* ---- packet-in -------------------------------------------------------- */

/* What a packet-in turns into: messages to send to the switch in order
 * (flow_mods first, then the packet_out that delivers the packet). */
#define PL_MAX_REPLIES 4
struct pl_reply {
	size_t n;                         /* messages used */
	struct ofp_msg msg[PL_MAX_REPLIES]; /* FLOW_MOD / PACKET_OUT (owned) */
	uint8_t frame[1600];              /* a frame built by hostd (echo reply,
					   * time exceeded); packet_out data points here
					   * or into the packet-in */
	const char *what;                 /* "reactive", "echo", "ttl", "arp request",
					   * "neighbour", or why it was dropped
					   * (static text) */
	uint32_t arp_target;              /* "arp request": the IPv4 asked for (host
					   * order), for pl_arp_limit_allow() */
	int learned;                      /* an ARP reply taught `neigh` (the caller
					   * adds it to its table and rebuilds) */
	struct pl_neigh neigh;            /* what was learned */
};
void pl_reply_uninit(struct pl_reply *r);

/* Handles a packet-in from chassis `ch`. Fills r (0), or returns -ENOENT
 * when the packet is not for the pipeline (another app's cookie), or
 * -EINVAL when it cannot be handled (r->what says why; nothing to send).
 * Requires the topology read lock. r->msg's packet_out data may point
 * into pi->data: send before releasing the packet-in. */
int pipeline_packet_in(const struct topo *t, const struct topo_chassis *ch,
		       const struct pl_cfg *cfg, const struct ofp_packet_in *pi,
		       struct pl_reply *r);

/* Host route of one port behind router `r` (the /32 flow of table L3):
 * match reg5=router key, ip, ipv4_dst=ip; dec_ttl, eth_src = router MAC
 * on that subnet, eth_dst = port MAC, metadata = the port's network,
 * goto l2_out. Built into f (initialised here); 0 or -ENOENT when the
 * router has no interface on the port's subnet. Shared by the compiler
 * (proactive) and the packet-in handler (reactive). */
int pl_host_route(const struct topo *t, const struct topo_router *r,
		  const struct topo_port *p, const struct topo_ip *ip, uint64_t cookie,
		  uint16_t idle_timeout, struct dflow *f);

/* Builds the flow_mod for f into msg (msg owns a copy of the instructions). */
int pl_flow_mod(const struct dflow *f, struct ofp_msg *msg);

#endif
