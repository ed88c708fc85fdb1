#!/bin/bash
# tests/hil/routed_ping_offload.sh: on the real DPU, the routed ping of the
# sim scenarios (pipeline_one_chassis, fw_offload A) with the rules in the
# NIC's hardware tables (rte_flow, mlx5).
#
#   firmware on the DPU (rte_flow driver), hostd on the host over the BAR
#   mailbox, the DPU's br-int controlled by hostd, two VFs as VMs on two
#   subnets of one router: the topology is offloaded (no entry rejected,
#   the driver holds as many rules as hostd's totals count), a cross-subnet
#   ping loses nothing, and the ping's packets do not reach OVS on the Arm
#   (the br-int flow counters of the L3 table stay still: the NIC routed
#   them), then SIGTERM stops both cleanly.
# Needs the rig (tests/hil/README.md); prints SKIP: <reason> without it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/hil_lib.sh"
hil_require
hil_install_image

hil_fw_start "$T/fw.log"
hil_hostd_start "$T/hd.log"
LIB_SHOW_LOGS+=("$T/fw.log" "$T/hd.log")
wait_for_log "resync done" "$T/hd.log" 20 || fail "hostd never synced with the DPU"
hil_vms_up
hil_br_int_up
hil_apply
wait_for_log "converged" "$T/hd.log" 30 || fail "the DPU's br-int did not converge"
hil_wait_total rejected 0 20 || fail "entries rejected by the hardware: $LAST"
hil_wait_total pending 0 20 || fail "entries still pending: $LAST"
rules=$(hil_total rules)
[ "${rules:-0}" -gt 0 ] || fail "no rule offloaded"
wait_for_log "rte_flow driver holds $rules\)" "$T/fw.log" 10 ||
	fail "the DPU's driver does not hold the $rules rules hostd counts"
info "offloaded: $rules rules in the NIC"

# packets that OVS on the Arm sees for the router: n_packets of br-int's flows
ovs_packets() { hil_ssh "ovs-ofctl -O OpenFlow13 dump-flows br-int" |
	sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
loss=$(hil_ping "$VM_A" 10.0.2.10 3) # warm-up: ARP for the gateways
before=$(ovs_packets)
loss=$(hil_ping "$VM_A" 10.0.2.10 50)
after=$(ovs_packets)
[ "$loss" = 0 ] || fail "routed ping through the DPU lost $loss%"
info "routed ping: 50 packets, 0% loss; OVS on the Arm saw $((after - before)) packets"
[ $((after - before)) -lt 10 ] || fail "$((after - before)) packets went through OVS: not offloaded"

kill -TERM "$HD"
wait_exit "$HD" 15 && [ "$EXIT_STATUS" = 0 ] || fail "hostd did not exit 0 on SIGTERM"
hil_fw_stop
check_sanitizers "$T/hd.log"
echo PASS
