#!/bin/bash
# tests/hil/firmware_killed.sh: on the real DPU, the sim scenario of
# mbox_hostd_firmware B/C and fw_offload D: kill -9 the firmware under a
# running ping.
#
#   hostd notices the NIC loss within its miss window (MISS heartbeats),
#   the ping keeps going through OVS on the Arm (at most a few packets
#   lost while the hardware rules go away with the firmware), the firmware
#   restarted on the DPU gets a full resync from hostd, and the same number
#   of rules as before the kill is back in the hardware (no duplicate).
# Needs the rig (tests/hil/README.md); prints SKIP: <reason> without it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/hil_lib.sh"
hil_require
hil_install_image

hil_fw_start "$T/fw1.log"
hil_hostd_start "$T/hd.log"
LIB_SHOW_LOGS+=("$T/fw1.log" "$T/hd.log")
wait_for_log "resync done" "$T/hd.log" 20 || fail "hostd never synced with the DPU"
hil_vms_up
hil_br_int_up
hil_apply
wait_for_log "converged" "$T/hd.log" 30 || fail "the DPU's br-int did not converge"
hil_wait_total rejected 0 20 || fail "rejected: $LAST"
rules=$(hil_total rules)
hil_ping "$VM_A" 10.0.2.10 3 >/dev/null

# a ping of 20 s across the kill and the restart
ip netns exec "$VM_A" ping -n -i 0.2 -W 1 -c 100 10.0.2.10 >"$T/ping.log" 2>&1 &
PING=$!
sleep 3
t0=$(now)
hil_fw_kill9
wait_for_log "NIC lost" "$T/hd.log" 5 || fail "hostd did not notice the NIC loss"
lost_ms=$(ms_between "$t0" "$(log_time "$(log_line 'NIC lost' "$T/hd.log")")")
[ "$lost_ms" -le $((MISS * HB + 1000)) ] || fail "hostd noticed the loss after $lost_ms ms"
info "hostd noticed the NIC loss after $lost_ms ms"
n=$(grep -c "resync done" "$T/hd.log")
hil_fw_start "$T/fw2.log"
LIB_SHOW_LOGS+=("$T/fw2.log")
wait_for_log_count "resync done" "$T/hd.log" $((n + 1)) 20 || fail "no resync after the restart"
wait_for_log "rte_flow driver holds $rules\)" "$T/fw2.log" 10 ||
	fail "after the resync the driver does not hold the $rules rules of before"
wait "$PING"
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$T/ping.log")
info "ping across the kill: $loss% loss"
awk -v l="$loss" 'BEGIN { exit !(l <= 5) }' || fail "$loss% lost across the firmware kill (OVS should carry it)"

kill -TERM "$HD"
wait_exit "$HD" 15 && [ "$EXIT_STATUS" = 0 ] || fail "hostd did not exit 0 on SIGTERM"
hil_fw_stop
echo PASS
