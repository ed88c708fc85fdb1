#!/bin/bash
# tests/integration/fw_offload.sh: the control half of the SmartNIC offload
# with the real hostd (--mbox, --chassis c1, REST API, no OpenFlow) and the
# real firmware (soft flow driver) over a shared-memory mailbox; statuses
# read with dfctl.
#
#   A  apply a topology (2 subnets of one router, 2 VMs on c1, 1 VM on c2):
#      `dfctl offload c1` lists every entry offloaded (the remote VM
#      pending: underlay MAC unknown), totals match, the firmware's soft
#      driver holds exactly the rules the statuses count
#   B  firmware restarted with --l3-capacity 0: the L3 entries (neighbours,
#      and the router legs whose ICMP trap is in group 2)
#      are rejected and dfctl shows the driver's reason; the others stay
#      offloaded
#   C  kill -9 hostd: the firmware's watchdog flushes every rule (logged,
#      0 left in the driver)
#   D  hostd back: resync, the same number of rules as before the kill
#      (no duplicate), statuses offloaded again
#   E  incremental: deleting one VM port sends only its objects (hostd logs
#      "0 set, 2 deleted") and removes only the rules that depended on it
#   F  SIGTERM both: exit 0, no sanitizer report
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/fw_offload.sh
# (DFNIC_KEEP_TMP=1 keeps the logs). Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/offload.sh"

need_bins hostd firmware dfctl
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "/dev/shm is not a writable directory"
command -v python3 >/dev/null || skip "python3 is needed to read dfctl --json"

HB=100
MISS=3
MB=/dev/shm/dfnic-it-fwoff-$$
at_exit "rm -f $MB"
SOCK=$T/api.sock

fw() { # LOG [ARGS...]
	local log=$1
	shift
	spawn "$log" "$DFNIC_BIN/firmware" --mbox "shm:$MB" --heartbeat-ms $HB --miss-limit $MISS "$@"
	# a firmware killed at exit leaves its EAL runtime directory behind
	at_exit "rm -rf /var/run/dpdk/fw$SPAWNED"
}
hd() { # LOG
	spawn "$1" "$DFNIC_BIN/hostd" --mbox "shm:$MB" --heartbeat-ms $HB --miss-limit $MISS \
		--retry-ms 100 --chassis c1 --state-dir "$T/state" --api "unix:$SOCK"
}
expect() { # PATTERN LOG TIMEOUT WHAT
	wait_for_log "$1" "$2" "$3" || fail "$4: no /$1/ in $(basename "$2") within $3 s"
}
stop_clean() { # NAME PID
	kill -TERM "$2"
	wait_exit "$2" 10 || fail "$1 did not exit within 10 s of SIGTERM"
	[ "$EXIT_STATUS" -eq 0 ] || fail "$1 exited with status $EXIT_STATUS after SIGTERM"
}
dfctl() { "$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"; }
# totals.KEY of `dfctl offload c1 --json`
total() { dfctl offload c1 --json | python3 -c "import json,sys; print(json.load(sys.stdin)['offload']['totals']['$1'])"; }
# "status|reason" of the entry of KIND whose ref is REF
entry() {
	dfctl offload c1 --json | python3 -c "
import json, sys
for e in json.load(sys.stdin)['offload']['entries']:
    if e['kind'] == '$1' and e['ref'] == '$2':
        print(e['status'] + '|' + e['reason'])"
}
# wait until `total KEY` prints VALUE
wait_total() { # KEY VALUE TIMEOUT
	local end=$(($(date +%s) + $3)) v
	while :; do
		v=$(total "$1" 2>/dev/null)
		[ "$v" = "$2" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && { LAST=$v; return 1; }
		sleep 0.1
	done
}
# the soft driver's rule count in the firmware's last "offload ..." line
driver_rules() {
	log_line 'soft driver holds [0-9]+' "$1" | sed -n 's/.*soft driver holds \([0-9]*\).*/\1/p'
}

offload_topo "$T/topo.json" c1 fa:16:3e:00:01:0a tap-vm-a fa:16:3e:00:02:0b tap-vm-b c2
# Expected on c1: 2 NIC ports (3 rules each: ARP classify, IPv4-to-router
# classify, l2 delivery), 2 VXLAN networks (1 decap classify each), 2 router
# legs (2 each: ARP trap in group 1, ICMP-to-router trap in group 2), 2
# local neighbours (1 L3 /32 each) = 14 rules in 8 offloaded entries; 2
# subnets + 1 tunnel endpoint need no rule; vm-c on c2 is pending (no
# underlay MAC for 192.168.100.2).
RULES=14
# With no room in group 2, the entries with a rule there are rejected: the
# 2 neighbours (1 rule each) and the 2 router legs (their ARP trap goes
# with their ICMP trap: all of an entry's rules or none).
L3=4
L3_RULES=6

# ---- A -------------------------------------------------------------------
info "A: topology applied through the API is offloaded"
fw "$T/fw1.log"
FW=$SPAWNED
expect "mailbox shm:.* created" "$T/fw1.log" 10 "firmware start"
hd "$T/hd1.log"
HD=$SPAWNED
expect "resync done" "$T/hd1.log" 10 "hostd's first resync"
dfctl apply "$T/topo.json" >"$T/apply.out" 2>&1 || { cat "$T/apply.out"; fail "dfctl apply failed"; }
wait_total offloaded 8 10 || fail "A: offloaded entries: want 8, got '$LAST'"
wait_total rules $RULES 5 || fail "A: rules in the totals: want $RULES, got '$LAST'"
[ "$(total pending)" = 1 ] || fail "A: pending: want 1 (vm-c), got $(total pending)"
[ "$(total no_rule)" = 3 ] || fail "A: no-rule: want 3, got $(total no_rule)"
[ "$(total rejected)" = 0 ] || fail "A: rejected: want 0, got $(total rejected)"
e=$(entry neighbour vm-c)
[[ "$e" == "pending|underlay MAC of tunnel endpoint 192.168.100.2 unknown" ]] ||
	fail "A: vm-c: '$e'"
dfctl offload c1 >"$T/offload-a.txt" || fail "A: dfctl offload failed"
cat "$T/offload-a.txt"
grep -qE '^total: 12 entries: 8 offloaded, 0 rejected, 1 pending, 3 no-rule; 14 rule\(s\) in the NIC$' \
	"$T/offload-a.txt" || fail "A: dfctl's totals line"
grep -qE '^neighbour +[0-9]+ +vm 10\.0\.1\.10 on c1 +offloaded +1 rule\(s\)$' "$T/offload-a.txt" ||
	fail "A: dfctl's line for vm-a's neighbour entry"
dfctl offload >"$T/offload-a2.txt" || fail "A: dfctl offload (no chassis) failed"
cmp -s "$T/offload-a.txt" "$T/offload-a2.txt" || fail "A: dfctl offload without CHASSIS differs"
dfctl offload c2 >/dev/null 2>"$T/offload-c2.err" && fail "A: dfctl offload c2 succeeded"
grep -q "chassis c2 is not driven by this hostd" "$T/offload-c2.err" || fail "A: c2 error message"
wait_for_log "soft driver holds $RULES\)" "$T/fw1.log" 5 || fail "A: the soft driver does not hold $RULES rules"

# ---- B -------------------------------------------------------------------
info "B: firmware restarted with --l3-capacity 0: L3 entries rejected with the reason"
stop_clean firmware "$FW"
fw "$T/fw2.log" --l3-capacity 0
FW=$SPAWNED
expect "capacities classify=[0-9]+ arp=[0-9]+ l3=0 " "$T/fw2.log" 10 "the L3 capacity override"
wait_total rejected $L3 10 || fail "B: rejected: want $L3, got '$LAST'"
wait_total rules $((RULES - L3_RULES)) 5 || fail "B: rules: want $((RULES - L3_RULES)), got '$LAST'"
[ "$(total offloaded)" = $((8 - L3)) ] || fail "B: offloaded: got $(total offloaded)"
e=$(entry neighbour vm-a)
[[ "$e" == "rejected|l3 host 10.0.1.10/32 router "*" -> port "*": group 2 full (capacity 0)" ]] ||
	fail "B: vm-a's reason: '$e'"
dfctl offload c1 >"$T/offload-b.txt" || fail "B: dfctl offload failed"
cat "$T/offload-b.txt"
grep -qE '^neighbour +[0-9]+ +vm 10\.0\.2\.10 on c1 +rejected +l3 host 10\.0\.2\.10/32 .*: group 2 full \(capacity 0\)$' \
	"$T/offload-b.txt" || fail "B: dfctl does not show vm-b's rejection reason"
wait_for_log "soft driver holds $((RULES - L3_RULES))\)" "$T/fw2.log" 5 || fail "B: driver rule count"
BEFORE=$(driver_rules "$T/fw2.log")

# ---- C -------------------------------------------------------------------
info "C: kill -9 hostd: the watchdog flushes every rule"
kill9 "$HD"
expect "host lost \(.*\): watchdog flushed $BEFORE rule\(s\), 0 left in the driver; traffic falls back to OVS" \
	"$T/fw2.log" 5 "the watchdog flush"

# ---- D -------------------------------------------------------------------
info "D: hostd back: resync without duplicates"
n_sync=$(grep -c "offload synced" "$T/fw2.log")
hd "$T/hd2.log"
HD=$SPAWNED
expect "resync done" "$T/hd2.log" 10 "hostd's resync"
wait_for_log_count "offload synced" "$T/fw2.log" $((n_sync + 1)) 5 || fail "D: no sync after the resync"
AFTER=$(driver_rules "$T/fw2.log")
[ "$AFTER" = "$BEFORE" ] || fail "D: the driver holds $AFTER rules after the resync, $BEFORE before the kill"
line=$(log_line "offload synced" "$T/fw2.log")
[[ "$line" == *"$AFTER rule(s) installed (soft driver holds $AFTER)"* ]] ||
	fail "D: module and driver disagree: $line"
wait_total rules "$BEFORE" 5 || fail "D: dfctl's rule total: want $BEFORE, got '$LAST'"
wait_total rejected $L3 5 || fail "D: rejected after the resync: '$LAST'"

# ---- E -------------------------------------------------------------------
info "E: incremental: one port deleted -> only its objects"
dfctl port delete vm-b >/dev/null || fail "E: dfctl port delete vm-b"
expect "topology change for chassis c1: 0 set, 2 deleted" "$T/hd2.log" 5 "the incremental batch"
# vm-b's 3 port rules go, and net-b's VXLAN classify (no port of c1 left on
# net-b); its NEIGHBOUR's /32 was rejected (capacity 0), so held nothing
wait_for_log "soft driver holds $((BEFORE - 4))\)" "$T/fw2.log" 5 ||
	fail "E: the driver should hold $((BEFORE - 4)) rules"
[ "$(grep -c 'offload synced' "$T/fw2.log")" -ge 1 ] || fail "E: no sync"
wait_total objects 10 5 || fail "E: entries after the delete: '$LAST'"

# ---- F -------------------------------------------------------------------
info "F: clean shutdown"
stop_clean hostd "$HD"
stop_clean firmware "$FW"
check_sanitizers "$T"/*.log
info "PASS"
exit 0
