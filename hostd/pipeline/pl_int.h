/* hostd/pipeline/pl_int.h: what compile.c and pipeline.c (the packet-in
 * handler) share inside the pipeline library and nobody else needs: the
 * resolution of a router's external gateway (north/south). */
#ifndef DFNIC_HOSTD_PIPELINE_INT_H
#define DFNIC_HOSTD_PIPELINE_INT_H

#include "hostd/topo/topo.h"

/* What a router's gateway needs. */
struct pl_router_ext {
	const struct topo_network *net;   /* the external network */
	const struct topo_port *gw;       /* the gateway port (its MAC) */
	struct topo_ip gw_ip;             /* the gateway IP (IPv4) */
	const struct topo_subnet *sub;    /* the external subnet holding gw_ip */
};

/* Fills x for router r: 0, or -ENOENT when r has no usable gateway (none,
 * no IPv4 on a subnet of an enabled network, or a key above 16 bits: the
 * key is its conntrack zone). Requires the topology read lock. */
int pl_router_ext(const struct topo *t, const struct topo_router *r, struct pl_router_ext *x);

/* The chassis doing centralized SNAT / floating IPs (the first with the
 * network-node role), or NULL. */
const struct topo_chassis *pl_network_node(const struct topo *t);

#endif
