/* firmware/datapath.h: the sim board's packet data path.
 *
 * Each VM port of the NIC is a pair of DPDK ports (net_af_packet vdevs):
 * the VM-facing one, on the host end of the VM's veth, and its
 * representor, on a veth whose peer is plugged into OVS br-int under the
 * port's topology interface name (NIC_PORT ifname), so OVS's pipeline
 * keeps its ofport names. `--port NAME=VMIF:REPRIF` declares one pair.
 *
 * One thread polls every port: a frame from a VM runs through the soft
 * flow driver's tables (flow_soft_process, the rules the compiler
 * installed): a PORT verdict is forwarded by the firmware itself to that
 * VM port (the hardware path), QUEUE goes to the slow path (slowpath.c),
 * a miss goes up the port's representor to OVS (the fallback), unchanged.
 * What OVS sends down a representor is delivered to its VM. NIC_PORT
 * ifnames resolve to the VM-facing port ids (fw_dp_resolve, the compiler's
 * resolver). Counters per port.
 *
 * Bypass (bypass.c): while the firmware is not running, each pair is
 * joined by a Linux bridge, so the VM still reaches OVS through the
 * representor; the firmware takes the pairs out of their bridges at start
 * and a guardian process puts them back when it exits or dies. */
#ifndef DFNIC_FIRMWARE_DATAPATH_H
#define DFNIC_FIRMWARE_DATAPATH_H

#include <net/if.h>
#include <stdint.h>

#include "drivers/flow/flow.h"
#include "firmware/slowpath.h"

#define FW_DP_MAX_PAIRS 64

/* One --port NAME=VMIF:REPRIF. */
struct fw_dp_pair_cfg {
	char name[IF_NAMESIZE];    /* NIC_PORT ifname (= the OVS-side representor name) */
	char vm_if[IF_NAMESIZE];   /* host end of the VM's veth */
	char repr_if[IF_NAMESIZE]; /* firmware end of the representor veth */
};

/* Parse "NAME=VMIF:REPRIF". 0 or -EINVAL with the reason in err. */
int fw_dp_parse_pair(const char *spec, struct fw_dp_pair_cfg *out, char *err, size_t errlen);

/* The EAL --vdev arguments for the pairs (two per pair), written into
 * `store` (at least n * 2 * 64 bytes) and appended to argv (up to max
 * entries in all). Returns the new argc or -E2BIG. */
int fw_dp_eal_args(const struct fw_dp_pair_cfg *pairs, unsigned n, char **argv, int argc,
		   int max, char *store);

struct fw_datapath;

/* After rte_eal_init: find the pairs' ethdev ports, configure and start
 * them (1 Rx / 1 Tx queue, promiscuous), the mbuf pool. 0 or -errno
 * (logged). */
int fw_dp_create(const struct fw_dp_pair_cfg *pairs, unsigned n, struct fw_datapath **out);
/* Stops the thread and the ports. Accepts NULL. */
void fw_dp_destroy(struct fw_datapath *dp);

/* The compiler's resolver (struct fw_ports.resolve): the VM-facing port
 * of the pair named `ifname`; -ENOENT when there is none. */
int fw_dp_resolve(void *dp, uint32_t port_key, const char *ifname, uint32_t *port_id);

/* The slow path's transmit (fw_sp_tx_fn), for frames lwIP answers with;
 * only from the data-path thread (inside fw_slowpath_input). */
int fw_dp_slow_tx(void *dp, uint16_t port, const uint8_t *frame, uint32_t len);

/* Start polling with the soft flow device `flow` (not owned) and slow
 * path `sp` (not owned). 0 or -errno. */
int fw_dp_start(struct fw_datapath *dp, struct flow_dev *flow, struct fw_slowpath *sp);

/* Counters of one pair (read from another thread: relaxed loads). */
struct fw_dp_port_stats {
	uint16_t port;       /* VM-facing port id */
	uint16_t repr;       /* representor port id */
	const char *name;    /* NIC_PORT ifname */
	uint64_t rx;         /* frames from the VM */
	uint64_t tx;         /* frames sent to the VM (offloaded, from OVS, slow path) */
	uint64_t offloaded;  /* frames from the VM the NIC's rules forwarded */
	uint64_t trapped;    /* frames from the VM trapped to the slow path */
	uint64_t to_ovs;     /* frames from the VM that missed: up the representor */
	uint64_t from_ovs;   /* frames from OVS (representor) to the VM */
	uint64_t dropped;    /* DROP verdicts, unknown output ports, full Tx queues */
};
/* fn for every pair; returns the count. */
int fw_dp_foreach_port(struct fw_datapath *dp,
		       void (*fn)(void *arg, const struct fw_dp_port_stats *st), void *arg);

#endif
