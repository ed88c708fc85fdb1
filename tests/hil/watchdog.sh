#!/bin/bash
# tests/hil/watchdog.sh: on the real DPU, the sim scenario fw_offload C/D:
# kill -9 hostd and the firmware's watchdog flushes the hardware rules.
#
#   The firmware logs "host lost ... watchdog flushed N rule(s), 0 left in
#   the driver" within its miss window, the ping keeps going through OVS
#   (its flows stay: fail_mode=secure), hostd restarted resyncs and the
#   driver holds the same N rules again (no duplicate).
# Needs the rig (tests/hil/README.md); prints SKIP: <reason> without it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/hil_lib.sh"
hil_require
hil_install_image

hil_fw_start "$T/fw.log"
hil_hostd_start "$T/hd1.log"
LIB_SHOW_LOGS+=("$T/fw.log" "$T/hd1.log")
wait_for_log "resync done" "$T/hd1.log" 20 || fail "hostd never synced with the DPU"
hil_vms_up
hil_br_int_up
hil_apply
wait_for_log "converged" "$T/hd1.log" 30 || fail "the DPU's br-int did not converge"
hil_wait_total rejected 0 20 || fail "rejected: $LAST"
rules=$(hil_total rules)
wait_for_log "rte_flow driver holds $rules\)" "$T/fw.log" 10 || fail "driver rule count"
hil_ping "$VM_A" 10.0.2.10 3 >/dev/null

ip netns exec "$VM_A" ping -n -i 0.2 -W 1 -c 75 10.0.2.10 >"$T/ping.log" 2>&1 &
PING=$!
sleep 2
kill9 "$HD"
wait_for_log "host lost \(.*\): watchdog flushed $rules rule\(s\), 0 left in the driver" "$T/fw.log" \
	$(((MISS * HB + 2000) / 1000)) || fail "the DPU's watchdog did not flush the $rules rules"
info "watchdog flush on the DPU: $rules rules"
n=$(grep -c "offload synced" "$T/fw.log")
hil_hostd_start "$T/hd2.log"
LIB_SHOW_LOGS+=("$T/hd2.log")
wait_for_log "resync done" "$T/hd2.log" 20 || fail "restarted hostd did not resync"
wait_for_log_count "offload synced" "$T/fw.log" $((n + 1)) 10 || fail "no offload sync after the resync"
line=$(log_line "offload synced" "$T/fw.log")
[[ "$line" == *"rte_flow driver holds $rules)"* ]] || fail "after the resync: $line (want $rules rules)"
wait "$PING"
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$T/ping.log")
awk -v l="$loss" 'BEGIN { exit !(l <= 5) }' || fail "$loss% lost while hostd was down"
info "ping while hostd was down and back: $loss% loss"

kill -TERM "$HD"
wait_exit "$HD" 15 && [ "$EXIT_STATUS" = 0 ] || fail "hostd did not exit 0 on SIGTERM"
hil_fw_stop
echo PASS
