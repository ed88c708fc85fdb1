/* firmware/ports.h: how the rule compiler (compiler.h) and the slow path
 * (slowpath.h) find the NIC's ports: struct fw_ports, filled by main.c
 * (the sim data path's resolver, datapath.h, or none). No DPDK here, so
 * files that include lwIP's headers can use it. */
#ifndef DFNIC_FIRMWARE_PORTS_H
#define DFNIC_FIRMWARE_PORTS_H

#include <stdint.h>

/* Where NIC ports are. resolve(): the device port id of the NIC_PORT
 * `port_key` named `ifname`; 0, or -ENOENT when the NIC has no such port
 * (yet). NULL resolve: the port key itself is the port id (control plane
 * only, no data path). */
struct fw_ports {
	int (*resolve)(void *arg, uint32_t port_key, const char *ifname, uint32_t *port_id);
	void *arg;        /* for resolve */
	uint32_t uplink;  /* port id of the uplink (tunnels, provider networks) */
	uint8_t uplink_mac[6]; /* outer source MAC of VXLAN encapsulations */
	int no_uplink;    /* the NIC has no uplink port (the sim data path): tunnel
			   * classify and L3 towards remote chassis are left to OVS */
};

#endif
