#!/bin/bash
# tests/bench/pipeline_e2e_run.sh: the pipeline end to end into a real Open
# vSwitch (issue 4, Performance). tests/bench/run.sh runs it in place of the
# bare helper program $(O)/bench/pipeline_e2e (tests/bench/gen_topo.c);
# tests/bench/README.md, section "pipeline_e2e", explains the figures.
#
#   tests/bench/pipeline_e2e_run.sh BUILD_DIR [--quick]
#
# In ONE run, on one private OVS (tests/lib/ovs.sh) whose br-int has the
# datapath id of chassis c1 and a switch port for every VM port:
#   1. apply: `dfctl apply` of the generated topology (10,000 ports, 1,000
#      subnets, 100 routers; --quick: 1,000/100/10) into a running hostd
#      whose switch is connected; timed from just before dfctl starts to
#      the timestamp of hostd's "converged in" log line (the convergence
#      ends on the switch's bundle-commit / barrier reply), checked with
#      ovs-ofctl dump-aggregate: flows, flow_mods/s;
#   2. ceiling: flowmod-blast (a minimal pipelined client) pushes the same
#      number of flow_mods into the same, emptied, OVS, in the mode hostd
#      used (bundle, or plain), three times (the median counts); ratio =
#      apply rate / ceiling (target >= 0.8);
#   3. port adds: hostd reconnected (its flows restored), then 200 (--quick:
#      50) single POST /v2.0/ports, one at a time, each timed from the
#      request to hostd's log line of the convergence that installed its
#      flows; every port's cookie is then checked on the switch. Twice:
#      back to back and paced (100 ms after each convergence), the added
#      ports removed in between (dfctl apply --prune). p50/p99 (target p99
#      < 5 ms, paced); the floor: flowmod-blast -m small (one bundle of 2
#      flow adds + 2 group modifies, the message mix of one port add) on
#      the same loaded switch, back to back and paced; ratio of the p99s.
# PIPELINE_E2E_PERF=FILE records hostd with perf during the paced port adds,
# PIPELINE_E2E_PERF_APPLY=FILE the whole machine during the apply;
# PIPELINE_E2E_KEEP=1 keeps the run directory (hostd's log, the topology).
# Needs root (namespaces) and Open vSwitch, else SKIP. Exit status 1 only
# for an invalid run (something that should work failed).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/bench.sh"
bench_args "$@"

HELPER=$BUILD/bench/pipeline_e2e
BLAST=$BUILD/bench/tools/flowmod-blast
HOSTD=$BUILD/bin/hostd
DFCTL=$BUILD/bin/dfctl
if [ $QUICK = 1 ]; then PORTS=1000 SUBNETS=100 ROUTERS=10 ADDS=50; else PORTS=10000 SUBNETS=1000 ROUTERS=100 ADDS=200; fi
BLAST_COOKIE=0xdf0b1a5700000000 # flowmod-blast's cookie
CEIL_RUNS=3 # the ceiling: the median of this many timed replays (OVS varies +-10 % run to run)

for f in "$HELPER" "$BLAST" "$HOSTD" "$DFCTL"; do
	[ -x "$f" ] || { echo "pipeline_e2e_run.sh: $f missing: build with 'make bench-build'"; exit 1; }
done
TMP=$(mktemp -d /tmp/dfnic-e2e.XXXXXX)
export OVS_BASE=$TMP/ovs # the OVS run directories go with $TMP
source "$TOP/tests/lib/ovs.sh"
if ! why=$(ovs_can_run); then
	echo "SKIP: $why"
	echo "RESULT pipeline_e2e SKIP ($why)"
	rm -rf "$TMP"
	exit 0
fi
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ovs_stop_all
	if [ "${PIPELINE_E2E_KEEP:-0}" = 1 ]; then echo "pipeline_e2e: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
invalid() { # REASON: an invalid run
	echo "pipeline_e2e: $1"
	[ -s "$TMP/hostd.log" ] && { echo "hostd log (tail):"; tail -5 "$TMP/hostd.log"; }
	echo "RESULT pipeline_e2e ERROR ($1)"
	exit 1
}
now() { date +%s.%N; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
# hostd's log timestamp (UTC, milliseconds) of LINE -> seconds since the epoch
log_time() { date -u -d "$(echo "$1" | cut -d' ' -f1)" +%s.%N; }
flow_count() { ovs_ofctl $OVS_ID dump-aggregate br-int "$@" 2>/dev/null | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p'; }
# wait_converged FROM_LINE TIMEOUT_S: the first "converged in" line after
# line FROM_LINE of hostd's log that sent flow adds; sets CONV_LINE. The
# figures come from the line's own timestamp, so the poll is slow on
# purpose: a tight loop of grep processes would take CPU from hostd and
# OVS (2 cores) while they work, which the ceiling run does not have.
wait_converged() {
	local deadline=$((EPOCHSECONDS + $2))
	CONV_LINE=
	while [ $EPOCHSECONDS -lt $deadline ]; do
		CONV_LINE=$(awk -v from="$1" 'NR > from && /converged in/ && !/sent add=0 / { print; exit }' "$TMP/hostd.log")
		[ -n "$CONV_LINE" ] && return 0
		kill -0 "$HPID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
field() { echo "$2" | sed -n "s/.*$1\([0-9]*\).*/\1/p"; } # PREFIX LINE -> the number after PREFIX
# blast LOG ARGS...: flowmod-blast ARGS on a free port, the switch's
# controller pointed at it (in one set-controller: OVS flushes every flow
# when a bridge goes from some controller to none), waited for; its output
# indented; sets BLAST_RC (its exit status)
blast() {
	local log=$1 port pid
	shift
	port=$(free_port) || invalid "no free port"
	"$BLAST" -l "$CTL_IP" -p "$port" "$@" >"$log" 2>&1 &
	pid=$!; PIDS+=("$pid")
	wait_listen "$port" "$pid" && ovs_vsctl $OVS_ID set-controller br-int "tcp:$CTL_IP:$port" -- \
		set controller br-int max_backoff=1000 inactivity_probe=0
	wait "$pid"; BLAST_RC=$?
	sed 's/^/  /' "$log"
}

echo "pipeline_e2e: $PORTS ports, $SUBNETS subnets, $ROUTERS routers on chassis c1; $ADDS single port adds$([ $QUICK = 1 ] && echo ' (--quick: targets are for the full size)')"

# ---- one OVS with br-int = chassis c1 and a switch port per VM port -------
OVS_ID=e2e
NET=9
CTL_IP=$(ovs_mgmt_ip 1 $NET)
if ! { ovs_start $OVS_ID $NET && ovs_br $OVS_ID &&
	ovs_vsctl $OVS_ID set bridge br-int other-config:datapath-id=0000000000000001; } >"$TMP/ovs-start.log" 2>&1; then
	cat "$TMP/ovs-start.log"
	invalid "could not start Open vSwitch"
fi
# The pipeline skips a port whose interface is not on the switch, so every
# VM port (and every port added later) gets one: patch ports in pairs, in
# one OVSDB transaction (see gen_topo.c for why not ovs-vsctl / dummy ports).
NPORTS=$((PORTS + ADDS))
t0=$(now)
"$HELPER" ovs-ports "$(ovs_dir $OVS_ID)/db.sock" --first 0 --count $NPORTS || invalid "could not add the switch ports"
n=0
for _ in $(seq 1200); do
	n=$(ovs_ofctl $OVS_ID dump-ports-desc br-int 2>/dev/null | grep -c '^ *[0-9]*(p[0-9]*)')
	[ "$n" -ge $NPORTS ] && break
	sleep 0.05
done
[ "$n" -ge $NPORTS ] || invalid "only $n of $NPORTS switch ports appeared in 60 s"
echo "switch: $NPORTS patch ports on br-int in $(ms_between "$t0" "$(now)") ms"

# ---- hostd, connected to the switch, empty topology ------------------------
API=$TMP/api.sock
CPORT=$(free_port) || invalid "no free port"
"$HOSTD" --no-nic --state-dir "$TMP/state" --api "unix:$API" --listen "tcp:$CTL_IP:$CPORT" \
	--echo-interval-ms 5000 --log-level info >"$TMP/hostd.log" 2>&1 &
HPID=$!; PIDS+=("$HPID")
wait_listen "$CPORT" "$HPID" || invalid "hostd did not listen on $CTL_IP:$CPORT"
for _ in $(seq 100); do [ -S "$API" ] && break; sleep 0.05; done
[ -S "$API" ] || invalid "hostd's API socket did not appear"
ovs_vsctl $OVS_ID set-controller br-int "tcp:$CTL_IP:$CPORT" -- \
	set controller br-int max_backoff=1000 inactivity_probe=0
for _ in $(seq 500); do grep -q 'converged in' "$TMP/hostd.log" && break; sleep 0.01; done
grep -q 'converged in' "$TMP/hostd.log" || invalid "the switch did not connect to hostd"
sleep 0.2

# ---- 1. apply -> every flow confirmed -------------------------------------
"$HELPER" topo --ports $PORTS --subnets $SUBNETS --routers $ROUTERS >"$TMP/topo.json" || invalid "topology generation failed"
from=$(wc -l <"$TMP/hostd.log")
# PIPELINE_E2E_PERF_APPLY=FILE: perf record the whole machine (hostd, dfctl
# and ovs-vswitchd) during the apply (perf report -i FILE --sort comm,dso)
if [ -n "${PIPELINE_E2E_PERF_APPLY:-}" ]; then
	perf record -q -a -e cpu-clock -g -o "$PIPELINE_E2E_PERF_APPLY" >/dev/null 2>&1 &
	APERF=$!; PIDS+=("$APERF"); sleep 0.3
fi
t0=$(now)
DFCTL_SOCKET=$API "$DFCTL" apply "$TMP/topo.json" >"$TMP/apply.out" 2>&1 || { cat "$TMP/apply.out"; invalid "dfctl apply failed"; }
t_apply=$(now)
wait_converged "$from" 60 || invalid "no convergence logged within 60 s of the apply"
APPLY_LINE=$CONV_LINE
[ -n "${APERF:-}" ] && { kill -INT "$APERF"; wait "$APERF"; }
t_conv=$(log_time "$APPLY_LINE")
t_seen=$(now)
compile_line=$(tail -n +$((from + 1)) "$TMP/hostd.log" | grep -m1 'chassis c1 (dpid')
D=$(field 'desired flows=' "$APPLY_LINE"); G=$(field 'groups=' "$APPLY_LINE")
F=$(field 'flow_mods=' "$APPLY_LINE"); CMS=$(field 'converged in ' "$APPLY_LINE")
HOW=$(echo "$APPLY_LINE" | sed -n 's/.*converged in [0-9]* ms (\([a-z]*\).*/\1/p')
REJ=$(field 'rejected=' "$APPLY_LINE")
got=$(flow_count)
E2E_MS=$(ms_between "$t0" "$t_conv")
[ "$E2E_MS" -gt 0 ] || E2E_MS=1
echo "apply: dfctl apply returned after $(ms_between "$t0" "$t_apply") ms (parse, validate, SQLite commit);" \
	"compile logged at +$(ms_between "$t0" "$(log_time "${compile_line:-$APPLY_LINE}")") ms;" \
	"converged (barrier) at +$E2E_MS ms; hostd's own convergence (diff against its previous desired state, no dump; send; commit): $CMS ms ($HOW)"
echo "apply: desired flows=$D groups=$G; flow_mods sent=$F; rejected=$REJ; ovs-ofctl counts ${got:-?} flows" \
	"(seen by this script at +$(ms_between "$t0" "$t_seen") ms)"
[ "${got:-0}" = "$D" ] && [ "${REJ:-1}" = 0 ] || invalid "the switch holds ${got:-?} flows, hostd wants $D (rejected ${REJ:-?})"
E2E_RATE=$(awk -v n="$F" -v ms="$E2E_MS" 'BEGIN { printf "%.0f", n * 1000 / ms }')
CONV_RATE=$(awk -v n="$F" -v ms="$CMS" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }')

# ---- 2. the ceiling: the same flow_mods from a minimal client -------------
# hostd's flows and groups stay on the switch; flowmod-blast takes the
# switch over from hostd: it dumps them, deletes them (untimed) and times
# adding them all again in one bundle + barrier (replay-plain when hostd
# used plain messages). Its flow_mods/s counts the FLOW_MODs only, like F;
# the group_mods travel in the same timed stream, as in hostd's. The
# controller is replaced in one set-controller, not removed first: OVS
# flushes every flow when a bridge goes from some controller to none.
BMODE=bundle BLMODE=replay; [ "$HOW" = plain ] && BMODE=plain BLMODE=replay-plain
blast "$TMP/blast.log" -m $BLMODE -R $CEIL_RUNS
BLINE=$(grep "^RESULT: mode=$BLMODE " "$TMP/blast.log")
CEIL=$(echo "$BLINE" | sed -n 's/.* flow_mods\/s=\([0-9]*\).*/\1/p')
[ $BLAST_RC -eq 0 ] && [ -n "$CEIL" ] || invalid "flowmod-blast failed (exit $BLAST_RC)"
[ "$(field ' flows=' "$BLINE")" = "$D" ] && [ "$(field ' groups=' "$BLINE")" = "$G" ] ||
	invalid "flowmod-blast replayed $(field ' flows=' "$BLINE") flows and $(field ' groups=' "$BLINE") groups, hostd installed $D and $G"
# emptied again: section 3 measures hostd re-installing everything
ovs_vsctl $OVS_ID del-controller br-int
ovs_ofctl $OVS_ID del-flows br-int
ovs_ofctl $OVS_ID del-groups br-int
RATIO=$(awk -v a="$E2E_RATE" -v b="$CEIL" 'BEGIN { printf "%.2f", a / b }')
CEIL_MS=$(echo "$BLINE" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	END { printf "%.0f [%.0f..%.0f]", v["seconds"] * 1000, v["min_s"] * 1000, v["max_s"] * 1000 }')
echo "apply end to end: $F flow_mods in $E2E_MS ms = $E2E_RATE/s; hostd's convergence alone $CONV_RATE/s;" \
	"minimal client, same flow_mods (replay, $BMODE) into the same OVS: $CEIL/s" \
	"(median of $CEIL_RUNS runs: $CEIL_MS ms); ratio $RATIO"

# ---- 3. single port adds ----------------------------------------------------
# hostd back on the (now empty) switch: it re-installs everything.
from=$(wc -l <"$TMP/hostd.log")
t0=$(now)
ovs_vsctl $OVS_ID set-controller br-int "tcp:$CTL_IP:$CPORT" -- \
	set controller br-int max_backoff=1000 inactivity_probe=0
wait_converged "$from" 60 || invalid "hostd did not re-converge the switch"
RE_MS=$(field 'converged in ' "$CONV_LINE")
echo "reconnect: hostd restored $(field 'flow_mods=' "$CONV_LINE") flow_mods in $RE_MS ms (its own figure;" \
	"+$(ms_between "$t0" "$(log_time "$CONV_LINE")") ms from set-controller)"
[ "$(flow_count)" = "$D" ] || invalid "after the reconnect the switch holds $(flow_count) flows, want $D"
sleep 0.5
# port_adds NAME GAP_MS: $ADDS single port adds (port<PORTS>.., interfaces
# p<PORTS>.. on the switch), each GAP_MS ms after the previous one
# converged; then every added port's flows (cookie kind 3 = port, key from
# the API) are looked up on the switch. Sets SUMMARY (the PORTADD line).
port_adds() {
	local key c missing=0 pflows=0
	"$HELPER" port-adds --api "$API" --log "$TMP/hostd.log" --first $PORTS --count $ADDS \
		--subnets $SUBNETS --gap-ms "$2" >"$TMP/adds-$1.log" 2>&1 || { tail -3 "$TMP/adds-$1.log"; invalid "port adds ($1) failed"; }
	SUMMARY=$(grep '^PORTADD ' "$TMP/adds-$1.log")
	ovs_ofctl $OVS_ID dump-flows br-int >"$TMP/flows-$1.txt" 2>/dev/null
	while read -r key; do
		c=$(grep -c "cookie=$(printf '0x3%014x' "$key")," "$TMP/flows-$1.txt")
		[ "$c" -gt 0 ] || missing=$((missing + 1))
		pflows=$((pflows + c))
	done < <(sed -n 's/^port port[0-9]* key=\([0-9]*\) .*/\1/p' "$TMP/adds-$1.log")
	[ $missing = 0 ] || invalid "$missing of $ADDS added ports ($1) have no flow with their cookie on the switch"
	echo "port adds, $1 (gap $2 ms): $ADDS ports, each POST -> hostd's barrier-confirmed convergence log" \
		"line (milliseconds; +0.5 ms for the truncation); $pflows flows with their cookies on the switch"
	echo "  $SUMMARY"
}
num() { echo "$2" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; } # KEY LINE -> the number after " KEY="
port_adds back-to-back 0
B2B=$SUMMARY
# the same ports again, paced: `dfctl apply --prune` of the generated
# topology removes the added ones (one transaction), so the second run
# adds the same ports (interfaces, MACs, addresses) to the same switch
DFCTL_SOCKET=$API "$DFCTL" apply "$TMP/topo.json" --prune >"$TMP/prune.out" 2>&1 || { cat "$TMP/prune.out"; invalid "dfctl apply --prune failed"; }
for _ in $(seq 600); do [ "$(flow_count)" = "$D" ] && break; sleep 0.05; done
[ "$(flow_count)" = "$D" ] || invalid "after removing the added ports the switch holds $(flow_count) flows, want $D"
sleep 0.5
# PIPELINE_E2E_PERF=FILE: perf record hostd during the paced port adds (perf report -i FILE)
if [ -n "${PIPELINE_E2E_PERF:-}" ]; then
	perf record -q -e cpu-clock -g -p "$HPID" -o "$PIPELINE_E2E_PERF" >/dev/null 2>&1 &
	PERFPID=$!; PIDS+=("$PERFPID"); sleep 0.3
fi
port_adds paced 100
[ -n "${PERFPID:-}" ] && { kill -INT "$PERFPID"; wait "$PERFPID"; }
summary=$SUMMARY
echo "  (post = the API round trip incl. the SQLite commit; conv = hostd's 'converged in' figure:" \
	"diff of the rebuilt units + send + bundle commit, no flow dump (the switch is in sync);" \
	"the rest of the total is the incremental compile and wake-ups)"
p50=$(num p50_ms "$summary"); p99=$(num p99_ms "$summary")

# the floor: what the same change costs the switch alone. flowmod-blast
# (small mode) takes the switch over from hostd as in section 2, with
# hostd's flows and groups on it, and times $ADDS rounds of one bundle
# {open, 2 flow adds, 2 modifies of flood groups (+1 bucket), commit}, the
# message mix of one port add, back to back and 100 ms apart; it then puts
# the switch back (its flows deleted, the groups as dumped). hostd stays
# disconnected: nothing after this needs it.
FLOWS3=$(flow_count)
floor() { # NAME GAP_MS: sets FLINE (flowmod-blast's RESULT line)
	blast "$TMP/floor-$1.log" -m small -r $ADDS -k 2 -g 2 --gap-ms "$2"
	FLINE=$(grep '^RESULT: mode=small ' "$TMP/floor-$1.log")
	[ $BLAST_RC -eq 0 ] && [ -n "$FLINE" ] || invalid "flowmod-blast -m small ($1) failed (exit $BLAST_RC)"
}
floor back-to-back 0
FB2B=$FLINE
floor paced 100
FPACED=$FLINE
[ "$(flow_count)" = "$FLOWS3" ] || invalid "after flowmod-blast the switch holds $(flow_count) flows, want $FLOWS3"
f50=$(num p50_ms "$FPACED"); f99=$(num p99_ms "$FPACED")
RATIO3=$(awk -v a="$p99" -v b="$f99" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "port add vs the floor (ms): back to back: hostd p50 $(num p50_ms "$B2B") p99 $(num p99_ms "$B2B")," \
	"floor p50 $(num p50_ms "$FB2B") p99 $(num p99_ms "$FB2B");" \
	"paced (100 ms): hostd p50 $p50 p99 $p99, floor p50 $f50 p99 $f99; ratio p99 $RATIO3"

# ---- RESULT lines ---------------------------------------------------------------
info=; [ $QUICK = 1 ] && info=" (quick: INFO)"
v=MISS; awk -v r="$RATIO" 'BEGIN { exit !(r >= 0.8) }' && v=PASS
echo "RESULT pipeline_e2e ports=$PORTS flows=$D groups=$G flow_mods=$F apply_to_converged_ms=$E2E_MS" \
	"flow_mods_per_s=$E2E_RATE hostd_converge_ms=$CMS mode=$HOW ceiling_$BMODE=$CEIL" \
	"ratio=$RATIO target>=0.8 $v$info"
v=MISS; awk -v p="$p99" 'BEGIN { exit !(p < 5) }' && v=PASS
echo "RESULT port_add n=$ADDS gap_ms=100 p50_ms=$p50 p99_ms=$p99 floor_p50_ms=$f50 floor_p99_ms=$f99" \
	"ratio_p99=$RATIO3 back_to_back_p50_ms=$(num p50_ms "$B2B") back_to_back_p99_ms=$(num p99_ms "$B2B")" \
	"floor_back_to_back_p50_ms=$(num p50_ms "$FB2B") floor_back_to_back_p99_ms=$(num p99_ms "$FB2B")" \
	"post_p50_ms=$(num post_p50_ms "$summary") conv_p50_ms=$(num conv_p50_ms "$summary") target<5 $v$info"
exit 0
