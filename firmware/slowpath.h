/* firmware/slowpath.h: the firmware's slow path, behind QUEUE 0.
 *
 * The rule compiler (compiler.c) traps two kinds of frames to QUEUE
 * FW_SLOW_PATH_QUEUE: ARP requests for a router interface's IP (group 1)
 * and ICMP to a router interface's IP (group 2). The data path
 * (datapath.c) hands each trapped frame here with the port it came in on.
 * Every ROUTER_IFACE of the mirror gets an lwIP netif (its IP, prefix and
 * MAC); a trapped frame is fed to the netif of the router leg it was
 * addressed to, under lwIP's core lock, and the frames lwIP emits while it
 * handles it (the ARP reply, the ICMP echo reply) go back out the port the
 * request came from through the `tx` callback. Whatever lwIP emits on its
 * own (timers) has no port and is dropped. Counters per netif.
 *
 * Threading: fw_slowpath_sync() and the foreach run on the mailbox thread,
 * fw_slowpath_input() on the data-path thread; lwIP's core lock (its
 * tcpip thread runs the timers) serialises them. */
#ifndef DFNIC_FIRMWARE_SLOWPATH_H
#define DFNIC_FIRMWARE_SLOWPATH_H

#include <stdint.h>

#include "firmware/mirror.h"
#include "firmware/ports.h"

struct fw_slowpath;

/* Send `len` bytes of `frame` out of data-path port `port`. Called from
 * inside fw_slowpath_input() (the data-path thread); must not block. The
 * frame is only valid during the call. 0 or -errno. */
typedef int (*fw_sp_tx_fn)(void *arg, uint16_t port, const uint8_t *frame, uint32_t len);

/* Starts lwIP (once per process: its tcpip thread). `ports` resolves the
 * NIC_PORTs (copied). 0 or -errno. */
int fw_slowpath_create(const struct fw_ports *ports, fw_sp_tx_fn tx, void *tx_arg,
		       struct fw_slowpath **out);
/* Removes every netif, frees. Accepts NULL. */
void fw_slowpath_destroy(struct fw_slowpath *sp);

/* Make the netifs those of the mirror's ROUTER_IFACEs (kept when
 * unchanged, with their counters) and learn which network each resolved
 * NIC_PORT is on. 0 or -ENOMEM. */
int fw_slowpath_sync(struct fw_slowpath *sp, const struct mirror *m);

/* One trapped frame from data-path port `port` (copied; never kept). */
void fw_slowpath_input(struct fw_slowpath *sp, uint16_t port, const uint8_t *frame,
		       uint32_t len);

/* Counters of one netif. */
struct fw_netif_stats {
	uint32_t id;        /* ROUTER_IFACE id */
	uint32_t router;    /* router key */
	uint32_t ip;        /* its IPv4 (host order) */
	uint8_t plen;       /* prefix length */
	uint8_t mac[6];     /* its MAC */
	uint64_t arp_in;    /* ARP requests fed to lwIP */
	uint64_t arp_out;   /* ARP replies lwIP sent */
	uint64_t echo_in;   /* ICMP echo requests fed to lwIP */
	uint64_t echo_out;  /* ICMP echo replies lwIP sent */
	uint64_t dropped;   /* frames for it not fed (not ARP request/echo) or not sent */
};
/* Frames trapped that matched no netif or no known port. */
uint64_t fw_slowpath_unmatched(const struct fw_slowpath *sp);

/* fn for every netif (in id order); returns the count. */
int fw_slowpath_foreach_netif(struct fw_slowpath *sp,
			      void (*fn)(void *arg, const struct fw_netif_stats *st), void *arg);

#endif
