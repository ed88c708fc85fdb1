#!/bin/bash
# tests/integration/fw_offload_rte.sh: the firmware on the rte_flow driver
# (what a real NIC uses) against a real DPDK port, net_tap, with the real
# hostd over a shared-memory mailbox. No vdev here can create rte_flow rules
# (ENVIRONMENT.md: net_tap validates ETH/IPV4 -> QUEUE/DROP only and the
# kernel refuses the create), so this checks the reject path end to end:
#   - the firmware configures the ethdev port and probes what it accepts;
#   - the topology applied through the API reaches the firmware, every entry
#     that needs a rule comes back REJECTED with DPDK's own error text (no
#     entry is silently "offloaded": nothing is on the NIC, OVS serves it);
#   - dfctl's totals agree (0 rules in the NIC);
#   - SIGTERM: both exit 0.
# The create path is for the hardware-in-loop rig (tests/hil/).
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/fw_offload_rte.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/offload.sh"

need_bins hostd firmware dfctl
[ "$(id -u)" -eq 0 ] || skip "needs root for DPDK's net_tap (a tap device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v python3 >/dev/null || skip "python3 is needed to read dfctl --json"

MB=/dev/shm/dfnic-it-fwrte-$$
at_exit "rm -f $MB"
SOCK=$T/api.sock
TAP=dfnrt$$
dfctl() { "$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"; }
total() { dfctl offload c1 --json | python3 -c "import json,sys; print(json.load(sys.stdin)['offload']['totals']['$1'])"; }

spawn "$T/fw.log" "$DFNIC_BIN/firmware" --mbox "shm:$MB" --heartbeat-ms 100 \
	--flow-driver rte_flow --flow-port 0 -- --vdev="net_tap0,iface=${TAP:0:15}"
FW=$SPAWNED
at_exit "rm -rf /var/run/dpdk/fw$FW"
wait_for_log "rte_flow: port 0 configured" "$T/fw.log" 15 || fail "the firmware did not configure the tap port"
wait_for_log "flow driver rte_flow" "$T/fw.log" 5 || fail "the rte_flow driver did not open"
wait_for_log "mailbox shm:.* created" "$T/fw.log" 5 || fail "no mailbox"

spawn "$T/hd.log" "$DFNIC_BIN/hostd" --mbox "shm:$MB" --heartbeat-ms 100 --retry-ms 100 \
	--chassis c1 --state-dir "$T/state" --api "unix:$SOCK"
HD=$SPAWNED
wait_for_log "resync done" "$T/hd.log" 10 || fail "hostd did not resync with the firmware"

offload_topo "$T/topo.json" c1 fa:16:3e:00:01:0a tap-vm-a fa:16:3e:00:02:0b tap-vm-b
dfctl apply "$T/topo.json" >"$T/apply.out" 2>&1 || { cat "$T/apply.out"; fail "dfctl apply failed"; }

# Every entry settles: none pending.
end=$(($(date +%s) + 15))
while :; do
	p=$(total pending 2>/dev/null)
	r=$(total rejected 2>/dev/null)
	[ "$p" = 0 ] && [ -n "$r" ] && [ "$r" -gt 0 ] && break
	[ "$(date +%s)" -ge "$end" ] && fail "entries did not settle: pending '$p', rejected '$r'"
	sleep 0.2
done
dfctl offload c1 >"$T/offload.txt" || fail "dfctl offload failed"
cat "$T/offload.txt"
[ "$(total offloaded)" = 0 ] || fail "entries reported offloaded on a NIC that cannot create rules: $(total offloaded)"
[ "$(total rules)" = 0 ] || fail "rules counted in the NIC: $(total rules)"
# The reasons are DPDK's: net_tap refuses the actions the L3 entries need.
dfctl offload c1 --json | python3 -c "
import json, sys
bad = [e for e in json.load(sys.stdin)['offload']['entries']
       if e['status'] == 'rejected' and not e['reason'].strip()]
sys.exit(1 if bad else 0)" || fail "a rejected entry has no reason"
grep -qiE 'rejected +.*(not supported|unsupported|overlapping|flower|kernel)' "$T/offload.txt" ||
	fail "no rejection carries DPDK's error text"
grep -E 'rejected' "$T/offload.txt" | head -3

kill -TERM "$HD"
wait_exit "$HD" 10 || fail "hostd did not exit"
[ "$EXIT_STATUS" -eq 0 ] || fail "hostd exit status $EXIT_STATUS"
kill -TERM "$FW"
wait_exit "$FW" 10 || fail "firmware did not exit"
[ "$EXIT_STATUS" -eq 0 ] || fail "firmware exit status $EXIT_STATUS"
check_sanitizers "$T"/*.log
info "PASS"
exit 0
