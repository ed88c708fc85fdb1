#!/bin/bash
# tests/hil/offload_refused.sh: on the real DPU, the fallback of the sim
# scenario fw_offload B: L3 entries the NIC refuses are served by OVS.
#
#   The firmware runs with DFNIC_HIL_REFUSE_ARGS (default: the soft driver
#   with an L3 capacity of 0, so every L3 entry is refused on purpose; a
#   rig whose hardware refuses something by itself can pass other
#   arguments). dfctl shows the L3 entries rejected with the driver's
#   reason, the rest offloaded, and the routed ping still loses nothing:
#   OVS on the Arm forwards it (its flow counters grow).
# Needs the rig (tests/hil/README.md); prints SKIP: <reason> without it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/hil_lib.sh"
hil_require
hil_install_image

REFUSE=${DFNIC_HIL_REFUSE_ARGS:---flow-driver soft --l3-capacity 0}
# shellcheck disable=SC2086
hil_fw_start "$T/fw.log" $REFUSE
hil_hostd_start "$T/hd.log"
LIB_SHOW_LOGS+=("$T/fw.log" "$T/hd.log")
wait_for_log "resync done" "$T/hd.log" 20 || fail "hostd never synced with the DPU"
hil_vms_up
hil_br_int_up
hil_apply
wait_for_log "converged" "$T/hd.log" 30 || fail "the DPU's br-int did not converge"
hil_wait_total rejected 2 20 || fail "rejected entries: want the 2 neighbours, got '$LAST'"
hil_dfctl offload "$CHASSIS" >"$T/offload.txt" || fail "dfctl offload failed"
cat "$T/offload.txt"
grep -qE '^neighbour .* rejected +.+' "$T/offload.txt" || fail "no rejection reason shown"
[ "$(hil_total offloaded)" -gt 0 ] || fail "nothing offloaded besides the refused entries"

ovs_packets() { hil_ssh "ovs-ofctl -O OpenFlow13 dump-flows br-int" |
	sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
hil_ping "$VM_A" 10.0.2.10 3 >/dev/null
before=$(ovs_packets)
loss=$(hil_ping "$VM_A" 10.0.2.10 50)
after=$(ovs_packets)
[ "$loss" = 0 ] || fail "fallback: the routed ping lost $loss%"
[ $((after - before)) -ge 100 ] || fail "fallback: OVS saw only $((after - before)) packets for 50 round trips"
info "fallback: 0% loss, OVS forwarded $((after - before)) packets"

kill -TERM "$HD"
wait_exit "$HD" 15 && [ "$EXIT_STATUS" = 0 ] || fail "hostd did not exit 0 on SIGTERM"
hil_fw_stop
echo PASS
