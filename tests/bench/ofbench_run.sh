#!/bin/bash
# tests/bench/ofbench_run.sh: the OpenFlow controller benchmarks of
# `make bench` (tests/bench/run.sh runs it in place of the bare ofbench
# program; tests/bench/README.md, section "ofbench", explains the figures).
#
#   tests/bench/ofbench_run.sh BUILD_DIR [--quick]
#
# In one run, with 16 emulated switches each (ofbench, latency mode and
# throughput mode):
#   - a plain TCP ping-pong over loopback with a packet-in's and a
#     flow_mod's sizes (tcp-pingpong): the latency floor;
#   - ovs-testcontroller -O OpenFlow13 (Debian openvswitch-testcontroller);
#   - hostd --no-nic --app learn --listen tcp:127.0.0.1:PORT, when this
#     hostd has those options (else: SKIP hostd: <reason>);
# then the ratios and RESULT lines against the targets (throughput >= 1 M
# responses/s and >= 10x ovs-testcontroller; latency-mode per-switch round
# trip <= 1.5x the ping-pong floor). Then, as root, flow_mods per second
# into one real Open vSwitch (tests/lib/ovs.sh): flowmod-blast, a minimal
# pipelined client (plain and bundle), and hostd pushing the same flows
# from its --flows file (bundle and --no-bundle) when it has those options.
# Exit status 1 only when a measurement that should work failed (invalid
# run); a missed target is MISS, an absent piece SKIP.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/bench.sh"
bench_args "$@"

OFB=$BUILD/bench/ofbench
PINGPONG=$BUILD/bench/tools/tcp-pingpong
BLAST=$BUILD/bench/tools/flowmod-blast
HOSTD=$BUILD/bin/hostd
SWITCHES=16
if [ $QUICK = 1 ]; then LOOPS=3 MS=500 WARM=1 FLOWS=20000; else LOOPS=6 MS=1000 WARM=1 FLOWS=100000; fi
COOKIE=0xdf0b1a5700000000 # flowmod-blast's cookie; the hostd flows file uses it too

TMP=$(mktemp -d /tmp/dfnic-ofbench.XXXXXX)
PIDS=()
failed=0
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	declare -F ovs_stop_all >/dev/null && ovs_stop_all
	rm -rf "$TMP"
}
trap cleanup EXIT

for f in "$OFB" "$PINGPONG" "$BLAST"; do
	[ -x "$f" ] || { echo "ofbench_run.sh: $f missing: build with 'make bench-build'"; exit 1; }
done

stop_pid() {
	local p=$1 q=()
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	for x in "${PIDS[@]}"; do [ "$x" != "$p" ] && q+=("$x"); done
	PIDS=("${q[@]+"${q[@]}"}")
}
# Fields of ofbench's / tcp-pingpong's summary lines.
avg_rate() { awk '/^RESULT: /{ split($NF == "responses/s" ? $(NF-1) : "", a, "/"); print a[3] }' "$1"; }
avg_rtt() { awk '/^RTT: /{ split($(NF-1), a, "/"); print a[3] }' "$1"; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# run_ofbench NAME MODE PORT LOG: ofbench against a controller on PORT.
run_ofbench() {
	local name=$1 mode=$2 port=$3 log=$4 t=
	[ "$mode" = throughput ] && t=-t
	echo "--- ofbench: $name, $mode mode, $SWITCHES switches"
	"$OFB" -s $SWITCHES -l $LOOPS -m $MS -w $WARM -p "$port" $t 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	[ $rc -eq 0 ] || echo "ofbench against $name ($mode) FAILED (exit $rc): run invalid"
	return $rc
}

declare -A RATE RTT
echo "ofbench: $SWITCHES switches, $LOOPS loops of $MS ms ($WARM warm-up) per run$([ $QUICK = 1 ] && echo ', --quick: noisy')"

# ---- latency floor: plain TCP ping-pong ------------------------------------
echo "--- tcp-pingpong: $SWITCHES connections, one request (packet-in size) outstanding each"
# 102 bytes: ofbench's packet-in; 104: a flow_mod matching in_port, eth_src
# and eth_dst with one output action.
"$PINGPONG" -s $SWITCHES -q 102 -r 104 -l $LOOPS -m $MS -w $WARM 2>&1 | tee "$TMP/pp.log"
if [ "${PIPESTATUS[0]}" -eq 0 ]; then
	RATE[pingpong]=$(avg_rate "$TMP/pp.log"); RTT[pingpong]=$(avg_rtt "$TMP/pp.log")
	echo "RESULT tcp_pingpong connections=$SWITCHES rtt_us=${RTT[pingpong]} round_trips_per_s=$(fmt "${RATE[pingpong]}") INFO"
else
	echo "RESULT tcp_pingpong ERROR"; failed=1
fi

# ---- the controllers ----------------------------------------------------------
# start_ctl NAME PORT: starts controller NAME listening on 127.0.0.1:PORT,
# sets CTL_PID.
start_ctl() {
	local name=$1 port=$2
	case $name in
	testcontroller)
		mkdir -p "$TMP/otc"
		OVS_RUNDIR=$TMP/otc OVS_LOGDIR=$TMP/otc ovs-testcontroller -O OpenFlow13 \
			"ptcp:$port:127.0.0.1" --no-chdir -vconsole:off -vfile:warn \
			--log-file="$TMP/otc/testcontroller.log" &
		;;
	hostd)
		"$HOSTD" --no-nic --app learn --listen "tcp:127.0.0.1:$port" --log-level warn \
			"${HOSTD_STATE[@]}" >"$TMP/hostd.log" 2>&1 &
		;;
	esac
	CTL_PID=$!
	PIDS+=("$CTL_PID")
	wait_listen "$port" "$CTL_PID" || { echo "$name did not start listening on $port"; return 1; }
}

# hostd keeps its state (topology store, API socket) in a directory of
# this run, not in /var/lib/dfnic, when it has --state-dir.
HOSTD_STATE=()
if [ -x "$HOSTD" ] && "$HOSTD" --help 2>&1 | grep -q -- --state-dir; then
	mkdir -p "$TMP/hostd-state" && HOSTD_STATE=(--state-dir "$TMP/hostd-state")
fi
HOSTD_SKIP=
if [ ! -x "$HOSTD" ]; then
	HOSTD_SKIP="$HOSTD not built"
elif ! "$HOSTD" --help 2>&1 | grep -q -- --app; then
	HOSTD_SKIP="this hostd has no --app option yet (no packet-in handler to measure)"
fi
OTC_SKIP=
command -v ovs-testcontroller >/dev/null || OTC_SKIP="ovs-testcontroller not installed (openvswitch-testcontroller)"

for mode in latency throughput; do
	for name in hostd testcontroller; do
		skip=; [ $name = hostd ] && skip=$HOSTD_SKIP; [ $name = testcontroller ] && skip=$OTC_SKIP
		if [ -n "$skip" ]; then
			echo "--- ofbench: $name, $mode mode"
			echo "SKIP $name: $skip"
			continue
		fi
		port=$(free_port) || { echo "no free port"; failed=1; continue; }
		# a fresh controller per run: nothing learned, no stale switches
		if start_ctl $name "$port" && run_ofbench $name $mode "$port" "$TMP/$name-$mode.log"; then
			RATE[$name-$mode]=$(avg_rate "$TMP/$name-$mode.log")
			[ $mode = latency ] && RTT[$name-$mode]=$(avg_rtt "$TMP/$name-$mode.log")
		else
			failed=1
			[ $name = hostd ] && [ -s "$TMP/hostd.log" ] && { echo "hostd log (tail):"; tail -5 "$TMP/hostd.log"; }
		fi
		stop_pid "$CTL_PID"
	done
done

echo "--- ofbench figures"
for name in testcontroller hostd; do
	for mode in latency throughput; do
		r=${RATE[$name-$mode]:-}
		if [ -z "$r" ]; then
			skip=; [ $name = hostd ] && skip=$HOSTD_SKIP; [ $name = testcontroller ] && skip=$OTC_SKIP
			if [ -n "$skip" ]; then echo "RESULT ofbench controller=$name mode=$mode SKIP"
			else echo "RESULT ofbench controller=$name mode=$mode ERROR"; fi
			continue
		fi
		extra=
		[ $mode = latency ] && extra=" rtt_us=${RTT[$name-$mode]}"
		echo "RESULT ofbench controller=$name mode=$mode switches=$SWITCHES responses_per_s=$(fmt "$r")$extra INFO"
	done
done

# Targets (issue 3): hostd throughput >= 1,000,000 and >= 10x the
# testcontroller; hostd latency-mode per-switch round trip <= 1.5x floor.
h=${RATE[hostd-throughput]:-} o=${RATE[testcontroller-throughput]:-}
if [ -n "$h" ]; then
	v=MISS; ge "$h" 1000000 && v=PASS
	echo "RESULT ofbench_throughput controller=hostd responses_per_s=$(fmt "$h") target>=1000000 $v"
elif [ -n "$HOSTD_SKIP" ]; then
	echo "RESULT ofbench_throughput controller=hostd target>=1000000 SKIP ($HOSTD_SKIP)"
else
	echo "RESULT ofbench_throughput controller=hostd target>=1000000 ERROR (the hostd run was invalid)"
fi
if [ -n "$h" ] && [ -n "$o" ]; then
	q=$(ratio "$h" "$o"); v=MISS; ge "$q" 10 && v=PASS
	echo "hostd / ovs-testcontroller throughput: $(fmt "$h") / $(fmt "$o") = ${q}x"
	echo "RESULT ofbench_throughput_ratio hostd=$(fmt "$h") testcontroller=$(fmt "$o") ratio=$q target>=10 $v"
elif [ -n "$HOSTD_SKIP$OTC_SKIP" ]; then
	echo "RESULT ofbench_throughput_ratio target>=10 SKIP (needs both hostd and ovs-testcontroller figures)"
else
	echo "RESULT ofbench_throughput_ratio target>=10 ERROR (a throughput run was invalid)"
fi
hl=${RTT[hostd-latency]:-} fl=${RTT[pingpong]:-}
if [ -n "$hl" ] && [ -n "$fl" ]; then
	q=$(ratio "$hl" "$fl"); v=MISS; awk -v q="$q" 'BEGIN { exit !(q <= 1.5) }' && v=PASS
	echo "hostd latency-mode per-switch round trip vs TCP ping-pong floor: $hl us / $fl us = ${q}x"
	echo "RESULT ofbench_latency hostd_rtt_us=$hl floor_rtt_us=$fl ratio=$q target<=1.5 $v"
elif [ -n "$HOSTD_SKIP" ]; then
	echo "RESULT ofbench_latency target<=1.5 SKIP (needs the hostd and ping-pong figures)"
else
	echo "RESULT ofbench_latency target<=1.5 ERROR (the hostd or ping-pong run was invalid)"
fi
if [ -n "${RTT[testcontroller-latency]:-}" ] && [ -n "$fl" ]; then
	echo "ovs-testcontroller latency-mode round trip vs floor: ${RTT[testcontroller-latency]} us / $fl us = $(ratio "${RTT[testcontroller-latency]}" "$fl")x (information)"
fi

# ---- flow_mods into one real Open vSwitch ------------------------------------
echo "--- flow_mods per second into one Open vSwitch ($FLOWS distinct adds)"
source "$TOP/tests/lib/ovs.sh"
if ! why=$(ovs_can_run); then
	echo "SKIP: $why"
	echo "RESULT flowmod_blast SKIP ($why)"
	exit $failed
fi
OVS_ID=bench
CTL_IP=$(ovs_mgmt_ip 1 7)
if ! ovs_start $OVS_ID 7 >"$TMP/ovs-start.log" 2>&1 || ! ovs_br $OVS_ID >>"$TMP/ovs-start.log" 2>&1; then
	cat "$TMP/ovs-start.log"
	echo "RESULT flowmod_blast ERROR (could not start Open vSwitch)"
	exit 1
fi
declare -A FM
port=$(free_port)
"$BLAST" -l "$CTL_IP" -p "$port" -n $FLOWS -m plain,bundle >"$TMP/blast.log" 2>&1 &
bpid=$!; PIDS+=("$bpid")
if wait_listen "$port" "$bpid"; then
	# max_backoff: reconnect within 1 s should the connection drop
	ovs_vsctl $OVS_ID set-controller br-int "tcp:$CTL_IP:$port" -- \
		set controller br-int max_backoff=1000 inactivity_probe=0
fi
wait "$bpid"; brc=$?
stop_pid "$bpid"
cat "$TMP/blast.log"
n=$(ovs_ofctl $OVS_ID dump-aggregate br-int "cookie=$COOKIE/-1" 2>/dev/null | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p')
echo "ovs-ofctl dump-aggregate after the runs: ${n:-?} flows with the benchmark's cookie"
for mode in plain bundle; do
	r=$(sed -n "s/^RESULT: mode=$mode .*flow_mods\/s=\([0-9]*\).*/\1/p" "$TMP/blast.log")
	if [ $brc -eq 0 ] && [ -n "$r" ] && [ "${n:-}" = "$FLOWS" ]; then
		FM[blast-$mode]=$r
		echo "RESULT flowmod_blast mode=$mode flows=$FLOWS flow_mods_per_s=$r INFO"
	else
		echo "RESULT flowmod_blast mode=$mode ERROR"; failed=1
	fi
done

# hostd pushing the same flows from its --flows file.
HFLOW_SKIP=
if [ ! -x "$HOSTD" ]; then
	HFLOW_SKIP="$HOSTD not built"
elif ! "$HOSTD" --help 2>&1 | grep -q -- --flows; then
	HFLOW_SKIP="this hostd has no --flows option yet"
elif ! "$HOSTD" --help 2>&1 | grep -q -- --listen; then
	HFLOW_SKIP="this hostd has no --listen option yet"
fi
if [ -z "$HFLOW_SKIP" ]; then
	awk -v n=$FLOWS -v c=$COOKIE 'BEGIN { for (i = 0; i < n; i++)
		printf "table=0 priority=100 cookie=%s eth_dst=02:bb:%02x:%02x:%02x:%02x actions=local\n",
			c, int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' \
		>"$TMP/flows.txt"
fi
for mode in bundle plain; do
	if [ -n "$HFLOW_SKIP" ]; then
		echo "SKIP hostd: $HFLOW_SKIP"
		echo "RESULT hostd_flowmods mode=$mode SKIP ($HFLOW_SKIP)"
		continue
	fi
	extra=()
	if [ $mode = plain ]; then
		if ! "$HOSTD" --help 2>&1 | grep -q -- --no-bundle; then
			echo "SKIP hostd: no --no-bundle option"
			echo "RESULT hostd_flowmods mode=$mode SKIP (no --no-bundle option)"
			continue
		fi
		extra=(--no-bundle)
	fi
	ovs_vsctl $OVS_ID del-controller br-int
	ovs_ofctl $OVS_ID del-flows br-int "cookie=$COOKIE/-1"
	port=$(free_port)
	"$HOSTD" --no-nic --listen "tcp:$CTL_IP:$port" --flows "$TMP/flows.txt" "${extra[@]}" \
		--log-level info "${HOSTD_STATE[@]}" >"$TMP/hostd-flows.log" 2>&1 &
	hpid=$!; PIDS+=("$hpid")
	if ! wait_listen "$port" "$hpid"; then
		echo "hostd did not listen on $CTL_IP:$port:"; tail -5 "$TMP/hostd-flows.log"
		echo "RESULT hostd_flowmods mode=$mode ERROR"; failed=1; stop_pid "$hpid"; continue
	fi
	# hostd times its own convergence and logs it ("converged in N ms
	# (bundle|plain ...)"); the wall time from set-controller to that log
	# line, which adds the connection and the handshake, is printed next to
	# it. ovs-ofctl then checks that every flow is on the switch.
	t0=$(date +%s.%N)
	ovs_vsctl $OVS_ID set-controller br-int "tcp:$CTL_IP:$port" -- \
		set controller br-int max_backoff=1000 inactivity_probe=0
	line= deadline=$(( $(date +%s) + 60 ))
	while [ "$(date +%s)" -lt $deadline ]; do
		line=$(grep -m1 'converged in' "$TMP/hostd-flows.log")
		[ -n "$line" ] && break
		kill -0 "$hpid" 2>/dev/null || break
		sleep 0.01
	done
	t1=$(date +%s.%N)
	got=$(ovs_ofctl $OVS_ID dump-aggregate br-int "cookie=$COOKIE/-1" 2>/dev/null | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p')
	stop_pid "$hpid"
	ms=$(echo "$line" | sed -n 's/.*converged in \([0-9]*\) ms.*/\1/p')
	how=$(echo "$line" | sed -n 's/.*converged in [0-9]* ms (\([a-z]*\).*/\1/p')
	if [ -n "$ms" ] && [ "${got:-0}" = "$FLOWS" ]; then
		[ "$ms" -gt 0 ] || ms=1
		r=$(awk -v n=$FLOWS -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
		wall=$(awk -v n=$FLOWS -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
		raw=${FM[blast-$mode]:-}
		echo "hostd ($mode asked, $how used): $FLOWS flows converged in $ms ms = $r flow_mods/s;" \
			"wall time from set-controller: $wall/s; raw client: ${raw:-?}/s; ovs-ofctl counts $got flows"
		echo "RESULT hostd_flowmods mode=$mode used=$how flows=$FLOWS flow_mods_per_s=$r wall_flow_mods_per_s=$wall raw_client=${raw:-?} ratio=$( [ -n "$raw" ] && ratio "$r" "$raw" || echo '?') INFO"
	else
		echo "hostd ($mode): ${got:-0} of $FLOWS flows on the switch, convergence line: '${line:-none}'; hostd log (tail):"
		tail -5 "$TMP/hostd-flows.log"
		echo "RESULT hostd_flowmods mode=$mode ERROR"; failed=1
	fi
done
exit $failed
