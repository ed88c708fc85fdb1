#!/bin/bash
# tests/demo.sh: the main job on the sim board, run by `make demo`.
#
#   tests/demo.sh OUTDIR        (OUTDIR/bin holds hostd, firmware and dfctl)
#
# Shows the whole thing, for real, every step checked (the demo exits
# non-zero when one does not happen):
#   1. the sim board: the firmware (a host process) creates the shared-
#      memory mailbox, hostd attaches, negotiates and pushes its state; the
#      firmware is killed and comes back, hostd notices and resyncs;
#   2. a private Open vSwitch (tests/lib/ovs.sh: userspace br-int in its own
#      network namespace) whose controller is that same hostd;
#   3. the example topology tests/data/topo-two-subnets.json (two subnets,
#      one router, two VM ports on chassis c1) applied with `dfctl apply`;
#   4. one netns "VM" per VM port, MAC and IP read back from
#      `dfctl --json port list`;
#   5. hostd compiles the Dragonflow pipeline and converges br-int to it;
#   6. routed ping between the VMs across the two subnets (reactive: the
#      first packet goes through hostd and is not lost);
#   7. `dfctl flows c1`: every flow hostd wants, on the switch, with counters;
#   8. `dfctl pipeline c1`: the table graph of the live flows, as text and as
#      a picture (OUTDIR/demo/pipeline.svg);
#   9. `dfctl offload c1`: what the firmware took of the same topology.
# Parts 2-9 need root (network namespaces); without it the demo says so
# and shows part 1 only.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(cd "${1:-out/sim}" 2>/dev/null && pwd) || { echo "demo: ${1:-out/sim} does not exist (run make)" >&2; exit 1; }
BIN=$OUT/bin
DEMO_DIR=$OUT/demo
SVG=$DEMO_DIR/pipeline.svg
TOPO=$TOP/tests/data/topo-two-subnets.json
HB=200
DPID=00000000000000c1
SW=demo   # the OVS instance (tests/lib/ovs.sh id) that is chassis c1
for b in hostd firmware dfctl; do
	[ -x "$BIN/$b" ] || { echo "demo: $BIN/$b not built (run make)" >&2; exit 1; }
done
RUN=$(mktemp -d /tmp/dfnic-demo.XXXXXX)
MBOX=/dev/shm/dfnic-demo-$$
SOCK=$RUN/hostd.sock
FW_LOG=$RUN/firmware.log HD_LOG=$RUN/hostd.log
FW= HD= OVS_UP=0
T_START=$(date +%s%3N)

ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
if [ $ROOT = 1 ]; then
	export OVS_BASE=$RUN/ovs
	mkdir -p "$OVS_BASE"
	. "$TOP/tests/lib/ovs.sh"
fi

cleanup() {
	[ -n "$HD" ] && kill "$HD" 2>/dev/null
	[ -n "$FW" ] && kill "$FW" 2>/dev/null
	wait 2>/dev/null
	[ $OVS_UP = 1 ] && ovs_stop "$SW" >/dev/null 2>&1
	rm -f "$MBOX"
	# a killed firmware leaves its EAL runtime directory (file prefix fw<pid>)
	for p in "${FW_PIDS[@]}"; do rm -rf "/var/run/dpdk/fw$p" 2>/dev/null; done
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ms_now() { date +%s%3N; }
die() {
	echo "demo: FAILED: $*" >&2
	for f in "$HD_LOG" "$FW_LOG"; do
		[ -f "$f" ] && { echo "---- last lines of $f" >&2; tail -n 25 "$f" >&2; }
	done
	echo "demo: logs in $RUN/" >&2
	exit 1
}
# wait_log FILE PATTERN TIMEOUT_MS [FROM_LINE]: wait for a new matching line
wait_log() {
	local f=$1 p=$2 end=$(( $(ms_now) + $3 )) from=${4:-0}
	while [ "$(ms_now)" -lt "$end" ]; do
		tail -n +"$((from + 1))" "$f" 2>/dev/null | grep -q -- "$p" && return 0
		sleep 0.02
	done
	die "no '$p' in $(basename "$f") within $3 ms"
}
lines() { wc -l <"$1"; }
show() { tail -n +"$(( $2 + 1 ))" "$1" | sed 's/^[^ ]* /    /'; }
indent() { sed 's/^/    /'; }
dfctl() { "$BIN/dfctl" --socket "$SOCK" "$@"; }
# json EXPR: evaluate a Python expression over the JSON on stdin (as d)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
FW_PIDS=()
start_fw() {
	"$BIN/firmware" --mbox "shm:$MBOX" --heartbeat-ms $HB >>"$FW_LOG" 2>&1 & FW=$!
	FW_PIDS+=("$FW")
}

# ---- 1. the sim board ---------------------------------------------------------
N=$((200 + $$ % 50))
LISTEN=()
if [ $ROOT = 1 ]; then
	why=$(ovs_can_run) || die "cannot run Open vSwitch here: $why"
	# the switch's namespace reaches hostd over a management veth
	OVS_UP=1 # from here on cleanup stops it, even half started
	ovs_start "$SW" $N >"$RUN/ovs-start.log" 2>&1 ||
		die "cannot start Open vSwitch: $(cat "$RUN/ovs-start.log")"
	CTL_IP=$(ovs_mgmt_ip 1 $N)
	LISTEN=(--listen "tcp:$CTL_IP:0" --echo-interval-ms 1000 --l3-idle-timeout 30)
fi

say "1. the sim board: firmware creates the mailbox, hostd attaches over it"
start_fw
wait_log "$FW_LOG" "waiting for hostd" 5000
"$BIN/hostd" --mbox "shm:$MBOX" --heartbeat-ms $HB --chassis c1 --state-dir "$RUN/state" \
	--api "unix:$SOCK" "${LISTEN[@]}" >>"$HD_LOG" 2>&1 & HD=$!
wait_log "$HD_LOG" "resync done" 5000
wait_log "$FW_LOG" "batch applied" 5000
show "$FW_LOG" 0 | grep -E "mailbox .* created|peer up|batch applied" | head -3
show "$HD_LOG" 0 | grep -E "peer up|resync done" | head -2
h0=$(lines "$HD_LOG")
kill -9 "$FW"; wait "$FW" 2>/dev/null; FW=
t0=$(ms_now)
wait_log "$HD_LOG" "NIC lost" 5000 "$h0"
echo "    kill -9 firmware -> hostd noticed after $(( $(ms_now) - t0 )) ms (3 heartbeats of $HB ms)"
h0=$(lines "$HD_LOG")
start_fw
wait_log "$HD_LOG" "resync done" 5000 "$h0"
echo "    firmware restarted (new epoch) -> hostd reattached and pushed its state again"
show "$HD_LOG" "$h0" | grep "resync done" | head -1

if [ $ROOT = 0 ]; then
	say "2-9. Open vSwitch, topology, VMs, routed ping, flows, pipeline picture: SKIPPED"
	cat <<TXT
    These parts need root: the private Open vSwitch and the netns "VMs" live
    in network namespaces. Run \`sudo make demo\` to see them.

    What this run showed: real hostd and firmware binaries over a real
    shared-memory mailbox (negotiation, state push, loss detection after
    kill -9, resync). Logs: $RUN/
TXT
	exit 0
fi

# ---- 2. Open vSwitch --------------------------------------------------------------
say "2. a private Open vSwitch: br-int (userspace datapath, fail_mode=secure)"
ovs_br "$SW" >/dev/null || die "cannot create br-int"
ovs_vsctl "$SW" set bridge br-int other-config:datapath-id=$DPID || die "cannot set the datapath id"
wait_log "$HD_LOG" "listening on tcp:" 3000
CTL_ADDR=$(grep -oE 'listening on tcp:[0-9.]+:[0-9]+' "$HD_LOG" | tail -1 | sed 's/listening on //')
echo "    namespace $(ovs_ns "$SW"), datapath id $DPID; hostd's OpenFlow listener: $CTL_ADDR"

# ---- 3. topology ---------------------------------------------------------------------
say "3. the example topology: dfctl apply $(basename "$TOPO")"
dfctl apply "$TOPO" | indent || die "dfctl apply failed"
# the file names the chassis, not its switch: bind c1 to this br-int
dfctl chassis update c1 --dpid $DPID >/dev/null || die "dfctl chassis update c1 --dpid failed"
echo "    dfctl chassis update c1 --dpid $DPID   (binds chassis c1 to this br-int)"
echo
dfctl subnet list | indent
dfctl router list | indent
[ "$(dfctl --json router list | json 'print(len(d["routers"][0]["dfnic:interfaces"]))')" = 2 ] ||
	die "the router does not have its two interfaces"

# ---- 4. VMs --------------------------------------------------------------------------
say "4. one netns VM per VM port (from dfctl --json port list), plugged into br-int"
dfctl --json subnet list >"$RUN/subnets.json" || die "dfctl subnet list failed"
dfctl --json port list | python3 -c '
import json, sys, ipaddress
subs = {s["id"]: s for s in json.load(open(sys.argv[1]))["subnets"]}
for p in json.load(sys.stdin)["ports"]:
    if not p.get("device_owner", "").startswith("compute:") or p.get("binding:host_id") != "c1":
        continue
    ip = p["fixed_ips"][0]
    s = subs[ip["subnet_id"]]
    plen = ipaddress.ip_network(s["cidr"]).prefixlen
    print(p["name"] or p["id"], p["dfnic:interface_name"], p["mac_address"],
          "%s/%d" % (ip["ip_address"], plen), s["gateway_ip"])
' "$RUN/subnets.json" >"$RUN/vms.txt" || die "cannot read the ports"
[ "$(wc -l <"$RUN/vms.txt")" -ge 2 ] || die "the topology has fewer than two VM ports on c1"
VMS=()
while read -r name ifname mac ipl gw; do
	vns="dfv-$SW-$name-$OVS_SUFFIX"
	ip netns add "$vns" || die "netns $vns"
	ip -n "$vns" link set lo up
	ip link add eth0 netns "$vns" type veth peer name "$ifname" netns "$(ovs_ns "$SW")" || die "veth for $name"
	ip -n "$vns" link set eth0 address "$mac"
	ip -n "$vns" addr add "$ipl" dev eth0
	ip -n "$vns" link set eth0 up
	ip -n "$(ovs_ns "$SW")" link set "$ifname" up
	ip netns exec "$vns" ethtool -K eth0 tx off >/dev/null 2>&1 || true
	ip -n "$vns" route add default via "$gw"
	ovs_vsctl "$SW" add-port br-int "$ifname" || die "add-port $ifname"
	VMS+=("$name:$vns:${ipl%/*}:$gw")
	printf '    VM %-6s netns %-22s eth0 %-15s %s  gw %-10s  br-int port %s\n' \
		"$name" "$vns" "$ipl" "$mac" "$gw" "$ifname"
done <"$RUN/vms.txt"
ovs_check_log "$SW" || die "ovs-vswitchd logged errors"

# ---- 5. convergence ----------------------------------------------------------------
say "5. hostd becomes br-int's controller and programs the pipeline"
h0=$(lines "$HD_LOG")
t0=$(ms_now)
ovs_vsctl "$SW" set-controller br-int "$CTL_ADDR" || die "set-controller"
ovs_vsctl "$SW" set controller br-int max_backoff=1000 || true
ok=0
for _ in $(seq 100); do
	if dfctl --json flows c1 >"$RUN/flows.json" 2>/dev/null &&
	   json 's=d["summary"]; sys.exit(0 if s["desired"] > 0 and s["present"] == s["desired"] else 1)' <"$RUN/flows.json"; then
		ok=1; break
	fi
	sleep 0.1
done
[ $ok = 1 ] || die "br-int did not get every desired flow within 10 s"
show "$HD_LOG" "$h0" | grep -E "switch .*: ready|converged in" | tail -2 | cut -c1-200
echo "    -> br-int holds every desired flow $(( $(ms_now) - t0 )) ms after set-controller"

# ---- 6. routed ping ----------------------------------------------------------------
IFS=: read -r A_NAME A_NS A_IP A_GW <<<"${VMS[0]}"
IFS=: read -r B_NAME B_NS B_IP B_GW <<<"${VMS[1]}"
say "6. routed ping: $A_NAME ($A_IP) -> $B_NAME ($B_IP), across the router"
ip netns exec "$A_NS" ping -c 1 -W 2 "$A_GW" >"$RUN/ping-gw.txt" ||
	die "$A_NAME cannot ping its gateway $A_GW: $(cat "$RUN/ping-gw.txt")"
echo "    $A_NAME -> its gateway $A_GW: answered ($(grep -oE 'time=[0-9.]+ ms' "$RUN/ping-gw.txt"); ARP and echo by the pipeline and hostd)"
p0=$(grep -c "pipeline: packet-in" "$HD_LOG")
ip netns exec "$A_NS" ping -c 3 -i 0.2 -W 2 "$B_IP" >"$RUN/ping.txt" ||
	die "routed ping $A_IP -> $B_IP failed: $(cat "$RUN/ping.txt")"
grep -q " 3 received" "$RUN/ping.txt" || die "routed ping lost packets: $(grep received "$RUN/ping.txt")"
indent <"$RUN/ping.txt" | grep -E "bytes from|packets transmitted"
ip netns exec "$B_NS" ping -c 2 -i 0.2 -W 2 "$A_IP" >"$RUN/ping-back.txt" ||
	die "routed ping back $B_IP -> $A_IP failed"
echo "    and back, $B_NAME -> $A_NAME: $(grep -oE '[0-9]+ received' "$RUN/ping-back.txt")"
p1=$(grep -c "pipeline: packet-in" "$HD_LOG")
echo "    -> $((p1 - p0)) packet-in(s) at hostd: the first packet installed the /32 routes (both ways)"
echo "       and was sent on by hostd (no loss); the rest went straight through br-int"

# ---- 7. dfctl flows ----------------------------------------------------------------
say "7. dfctl flows c1: what hostd wants on br-int, and what br-int has"
dfctl flows c1 >"$RUN/flows.txt" || die "dfctl flows c1 failed"
cut -c1-160 "$RUN/flows.txt" | indent
echo "    (long actions cut at 160 columns here; the full table: $RUN/flows.txt)"
dfctl --json flows c1 >"$RUN/flows.json" || die "dfctl --json flows c1 failed"
read -r F_DES F_PRE F_KEPT < <(json 's=d["summary"]; print(s["desired"], s["present"], s["kept"])' <"$RUN/flows.json")
[ "$F_DES" = "$F_PRE" ] || die "only $F_PRE of $F_DES desired flows present"
[ "$F_KEPT" -ge 2 ] || die "no reactive /32 flows on the switch after the ping"

# ---- 8. pipeline picture ------------------------------------------------------------
say "8. dfctl pipeline c1: the table graph of the live flows"
mkdir -p "$DEMO_DIR"
rm -f "$SVG"
dfctl pipeline c1 --svg "$SVG" >"$RUN/pipeline.txt" 2>"$RUN/pipeline.err" ||
	die "dfctl pipeline failed: $(cat "$RUN/pipeline.err")"
indent <"$RUN/pipeline.txt"
head -c 4000 "$SVG" 2>/dev/null | grep -q "<svg" || die "$SVG is not an SVG picture"
grep -q -- "-> table 10 arp_responder" "$RUN/pipeline.txt" || die "the graph lacks classify -> arp_responder"

# ---- 9. the SmartNIC's view -------------------------------------------------------
say "9. dfctl offload c1: the same topology as the firmware took it"
OFFLOAD="not shown"
if dfctl offload c1 >"$RUN/offload.txt" 2>&1; then
	indent <"$RUN/offload.txt" | tail -n 12
	OFFLOAD=$(dfctl offload c1 --json 2>/dev/null | json 't=d["offload"]["totals"]; print(", ".join("%s %s" % (k, v) for k, v in t.items()))' 2>/dev/null || echo "see $RUN/offload.txt")
else
	indent <"$RUN/offload.txt"
	die "dfctl offload c1 failed"
fi

ovs_check_log "$SW" || die "ovs-vswitchd logged errors"
kill -0 "$HD" 2>/dev/null || die "hostd died"

T_TOTAL=$(( $(ms_now) - T_START ))
say "What this demo did ($((T_TOTAL / 1000)).$(( (T_TOTAL % 1000) / 100 )) s)"
cat <<TXT
    - firmware and hostd (real binaries, sim board) over a shared-memory
      mailbox: negotiation, state push, kill -9 of the firmware noticed and
      resynced;
    - a private Open vSwitch br-int whose OpenFlow 1.3 controller is hostd;
    - $(basename "$TOPO") applied with dfctl: 2 subnets, 1 router
      (reactive), ${#VMS[@]} VM ports on chassis c1; one netns VM per port;
    - hostd compiled the Dragonflow pipeline and converged br-int: $F_DES flows,
      all present (dfctl flows), plus $F_KEPT reactive /32 routes it installed
      on the first routed packet;
    - routed ping $A_NAME -> $B_NAME across the router: 3/3, and back;
    - the pipeline picture: $SVG
    - the firmware's offload status (dfctl offload c1): $OFFLOAD
    Logs: $RUN/
TXT
trap - EXIT
cleanup
