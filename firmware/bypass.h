/* firmware/bypass.h: the sim board's fail-to-wire bypass.
 *
 * A SmartNIC whose firmware stops must not cut its VMs off: hardware
 * falls back to passing the VM ports' traffic to the host's switch. The
 * sim board models that with one Linux bridge per data-path pair
 * (datapath.h), named "fb-" + the pair's name, holding the VM-facing
 * interface and the firmware end of the representor: while the firmware
 * is away, VM <-> bridge <-> representor <-> OVS br-int, so OVS (which
 * always holds the full pipeline) serves everything.
 *
 * fw_bypass_take() (firmware start, before the EAL opens the interfaces)
 * takes the pairs out of their bridges so only the firmware forwards;
 * fw_bypass_guard() forks a guardian process that waits for the firmware
 * to end (clean exit, crash or kill -9: the pipe it holds reaches EOF),
 * then puts every pair back into its bridge (creating it when needed)
 * and exits. A per-network-namespace lock file serialises a restarting
 * firmware with the previous firmware's guardian. Uses rtnetlink only. */
#ifndef DFNIC_FIRMWARE_BYPASS_H
#define DFNIC_FIRMWARE_BYPASS_H

#include "firmware/datapath.h"

/* Wait for a previous guardian, then release every pair from its bridge
 * (interfaces set up). Returns a lock descriptor for fw_bypass_guard(),
 * or -errno (logged). */
int fw_bypass_take(const struct fw_dp_pair_cfg *pairs, unsigned n);

/* Fork the guardian (it inherits `lock_fd`, which this process then
 * closes). Call before any thread exists. 0 or -errno (logged). */
int fw_bypass_guard(const struct fw_dp_pair_cfg *pairs, unsigned n, int lock_fd);

/* Put the pairs into their bridges now (what the guardian does). 0 or
 * -errno of the first failure (logged). */
int fw_bypass_engage(const struct fw_dp_pair_cfg *pairs, unsigned n);

#endif
