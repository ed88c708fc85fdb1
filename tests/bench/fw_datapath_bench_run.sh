#!/bin/bash
# tests/bench/fw_datapath_bench_run.sh: the sim data path benchmark of
# `make bench` (tests/bench/run.sh runs it in place of the bare
# fw_datapath_bench program; tests/bench/README.md explains the figures).
#
#   tests/bench/fw_datapath_bench_run.sh BUILD_DIR [--quick]
#
# Set-up as tests/integration/fw_datapath.sh: a private OVS br-int under
# hostd (proactive L3 pipeline, --chassis c1 over the mailbox), the
# firmware in the switch's namespace with one --port pair per VM, two
# netns VMs on two subnets of one router. In one run, one routed UDP flow
# VM A -> VM B for a few seconds (fw_datapath_bench sends as fast as it can
# and counts what reaches VM B):
#   offload   the firmware forwards (NIC /32 rule hit)
#   fallback  the same firmware restarted with --l3-capacity 0: every frame
#             misses, goes up VM A's representor to OVS, is routed there
#             and comes down VM B's representor
# then RESULT lines with both rates and the ratio (target >= 2x). Needs
# root and Open vSwitch (else RESULT ... SKIP). Exit 1 when a measurement
# that should work failed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/bench.sh"
bench_args "$@"
SECS=4
[ $QUICK = 1 ] && SECS=2
BIN=$BUILD/bin
PROG=$BUILD/bench/fw_datapath_bench
TMP=$(mktemp -d /tmp/dfnic-fwdpbench.XXXXXX)
PIDS=()
OVS_BASE=$TMP/ovs
. "$TOP/tests/lib/ovs.sh"
. "$TOP/tests/lib/topo.sh"

cleanup() {
	for p in "${PIDS[@]}"; do { kill -9 "$p" && wait "$p"; } 2>/dev/null; done
	ovs_stop_all >/dev/null 2>&1
	rm -f "$MB"
	for p in "${PIDS[@]}"; do rm -rf "/var/run/dpdk/fw$p"; done
	rm -rf "$TMP"
}
MB=/dev/shm/dfnic-bench-fwdp-$$
trap cleanup EXIT

if ! why=$(ovs_can_run); then
	echo "RESULT fw_datapath SKIP ($why)"
	exit 0
fi
for b in firmware hostd dfctl; do
	[ -x "$BIN/$b" ] || { echo "RESULT fw_datapath ERROR ($BIN/$b missing)"; exit 1; }
done
err() { echo "fw_datapath_bench_run: $*" >&2; echo "RESULT fw_datapath ERROR"; exit 1; }
waitlog() { # PATTERN FILE SECONDS
	for _ in $(seq $(($3 * 10))); do grep -qE "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

N=$((100 + $$ % 100))
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
ovs_chassis c1 $N 0000000000000001 2>/dev/null || err "cannot set up OVS c1"
NS=$(ovs_ns c1)
vm_add_rep c1 vma 10.0.1.10/24 02:00:00:00:01:0a 10.0.1.1 || err "vm a"
vm_add_rep c1 vmb 10.0.2.20/24 02:00:00:00:02:14 10.0.2.1 || err "vm b"

FWN=0
fw() { # [ARGS...]
	FWN=$((FWN + 1))
	ip netns exec "$NS" "$BIN/firmware" --mbox "shm:$MB" --heartbeat-ms 100 --stats-ms 500 \
		--port vma-c1=vma-w:vma-r --port vmb-c1=vmb-w:vmb-r "$@" >>"$TMP/fw$FWN.log" 2>&1 &
	FW=$!
	PIDS+=("$FW")
	waitlog "data path polling" "$TMP/fw$FWN.log" 15 || err "firmware did not start"
}
fw
"$BIN/hostd" --mbox "shm:$MB" --heartbeat-ms 100 --retry-ms 100 --chassis c1 \
	--state-dir "$TMP/state" --api "unix:$TMP/api.sock" --listen "tcp:$CTL_IP:$PORT" \
	>>"$TMP/hostd.log" 2>&1 &
PIDS+=("$!")
waitlog "resync done" "$TMP/hostd.log" 10 || err "hostd did not reach the firmware"
topo_one_chassis proactive 1001 1002 >"$TMP/topo.json"
"$BIN/dfctl" --socket "$TMP/api.sock" apply "$TMP/topo.json" >/dev/null || err "dfctl apply"
ovs_vsctl c1 set-controller br-int "tcp:$CTL_IP:$PORT" || err "set-controller"
ovs_vsctl c1 set controller br-int max_backoff=1000 || true
totals() { "$BIN/dfctl" --socket "$TMP/api.sock" offload --json 2>/dev/null |
	python3 -c "import json,sys; t=json.load(sys.stdin)['offload']; print(t['connected'], t['totals']['$1'])"; }
wait_totals() { # KEY VALUE
	for _ in $(seq 150); do [ "$(totals "$1")" = "True $2" ] && return 0; sleep 0.1; done
	return 1
}
wait_totals rules 12 || err "offload did not reach 12 rules"
for _ in $(seq 100); do
	ovs_ofctl c1 dump-flows br-int table=30 | grep -q "nw_dst=10.0.2.20 " && break
	sleep 0.1
done
ip netns exec "$(vm_ns c1 vma)" ping -c 2 -W 2 10.0.2.20 >/dev/null || err "no connectivity"
ip netns exec "$(vm_ns c1 vmb)" ping -c 1 -W 2 10.0.1.10 >/dev/null || err "no connectivity back"
RMAC=$(ip -n "$(vm_ns c1 vma)" neigh show 10.0.1.1 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2)
[ -n "$RMAC" ] || err "router MAC not learnt by VM A"

run() { # MODE
	"$PROG" --from "$(vm_ns c1 vma)" --to "$(vm_ns c1 vmb)" --src-mac 02:00:00:00:01:0a \
		--dst-mac "$RMAC" --src-ip 10.0.1.10 --dst-ip 10.0.2.20 --seconds "$SECS" \
		--mode "$1" >"$TMP/$1.out" || return 1
	sed -n 's/.* pps=\([0-9]*\).*/\1/p' "$TMP/$1.out"
}
echo "one routed UDP flow 10.0.1.10 -> 10.0.2.20 (60-byte frames), ${SECS} s per path"
OFF=$(run offload | tail -n 1)
# the same firmware without room for L3 rules: every frame misses to OVS
kill -TERM "$FW"
wait "$FW" 2>/dev/null
fw --l3-capacity 0
wait_totals rejected 4 || err "firmware with --l3-capacity 0 did not resync"
ip netns exec "$(vm_ns c1 vma)" ping -c 2 -W 2 10.0.2.20 >/dev/null || err "no connectivity through OVS"
FB=$(run fallback | tail -n 1)
[ -n "$OFF" ] && [ -n "$FB" ] && [ "$OFF" -gt 0 ] && [ "$FB" -gt 0 ] || err "no rate measured (offload '$OFF', fallback '$FB')"
RATIO=$(awk -v a="$OFF" -v b="$FB" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$RATIO" 'BEGIN { print (r >= 2 ? "OK" : "MISS") }')
cat "$TMP/offload.out" "$TMP/fallback.out"
printf "%-10s %12s\n" "path" "packets/s" "offload" "$OFF" "fallback" "$FB"
echo "offload / fallback = ${RATIO}x (target >= 2x)"
echo "RESULT fw_datapath offload_pps=$OFF INFO"
echo "RESULT fw_datapath fallback_pps=$FB INFO"
echo "RESULT fw_datapath ratio=$RATIO target=2 $verdict"
exit 0
