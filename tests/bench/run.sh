#!/bin/bash
# tests/bench/run.sh: the benchmark driver behind `make bench`.
#
#   tests/bench/run.sh BUILD_DIR [NAME...] [-- ARGS...]
#
# Runs every benchmark program in BUILD_DIR/bench/ (the ones
# tests/bench/bench.mk lists in bench-y), or only the NAMEs given, one after
# the other, each under a header with its name, what it measures and how
# long it took; ARGS after `--` go to every benchmark (e.g. `-- --quick`).
# Each benchmark prints its own table and machine-greppable `RESULT ...`
# lines; at the end this script repeats all RESULT lines as a summary.
# A missed target is reported (MISS) but is not a failure: the exit status
# is non-zero only when a benchmark could not run or its results were
# invalid (it exited non-zero, crashed, or printed no RESULT line).
# tests/bench/README.md explains each benchmark and its targets.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD= NAMES=() ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; ARGS=("$@"); break ;;
	*) if [ -z "$BUILD" ]; then BUILD=$1; else NAMES+=("$1"); fi; shift ;;
	esac
done
[ -n "$BUILD" ] || { echo "run.sh: BUILD_DIR is required (e.g. out/sim/bench)" >&2; exit 2; }
[ -d "$BUILD/bench" ] || { echo "run.sh: no $BUILD/bench/: build with 'make bench' first" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)

# One line per benchmark for the header; a benchmark missing here is still
# run, with a generic description.
describe() {
	case "$1" in
	mbox-bench) echo "mailbox vs plain SPSC ring over shared memory: throughput (batch 1/32), round-trip latency (polled/doorbell)" ;;
	ofbench) echo "OpenFlow 1.3 controllers, cbench method, 16 switches: hostd vs ovs-testcontroller vs a TCP ping-pong floor; flow_mods/s into one OVS" ;;
	flow-soft-bench) echo "soft flow backend: rule installs/s for the 10,000-port topology (target >= 1,000,000/s); packets/s of one routed flow through its tables" ;;
	fw_datapath_bench) echo "sim data path (firmware + OVS + netns VMs): packets/s of one routed flow on the offload path vs the OVS fallback path, same run (target ratio >= 2x)" ;;
	pipeline-bench) echo "pipeline compiler, 10,000 ports / 1,000 subnets / 100 routers on one chassis: compile time (target < 100 ms), flow count, bytes per port (target <= 1 KB) in hostd and its desired state" ;;
	pipeline_e2e) echo "end to end, 10,000 ports in a real OVS: dfctl apply to every flow confirmed (target >= 0.8x a minimal pipelined client into the same OVS), one port add to its flows confirmed (target p99 < 5 ms)" ;;
	*) echo "(no description in tests/bench/run.sh)" ;;
	esac
}

list=()
if [ ${#NAMES[@]} -gt 0 ]; then
	for n in "${NAMES[@]}"; do list+=("$BUILD/bench/$n"); done
else
	for b in "$BUILD"/bench/*; do [ -f "$b" ] && [ -x "$b" ] && list+=("$b"); done
fi
[ ${#list[@]} -gt 0 ] || { echo "run.sh: no benchmarks in $BUILD/bench/" >&2; exit 2; }

echo "dfnic benchmarks: $(uname -srm), $(nproc) CPU(s), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"

results=$(mktemp) log=$(mktemp)
trap 'rm -f "$results" "$log"' EXIT
failed=()
for b in "${list[@]}"; do
	name=$(basename "$b")
	echo
	echo "==================================================================="
	echo "=== $name: $(describe "$name")"
	echo "==================================================================="
	if [ ! -x "$b" ]; then
		echo "run.sh: $b does not exist or is not executable"
		failed+=("$name")
		continue
	fi
	start=$(date +%s.%N)
	# tests/bench/NAME_run.sh, when there is one, runs NAME with what it needs (peers, OVS)
	if [ -x "$TOP/tests/bench/${name}_run.sh" ]; then "$TOP/tests/bench/${name}_run.sh" "$BUILD" "${ARGS[@]}"; else "$b" "${ARGS[@]}"; fi 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	grep '^RESULT ' "$log" | sed "s/^RESULT /RESULT [$name] /" >>"$results"
	if [ $rc -ne 0 ]; then
		echo "=== $name: FAILED (exit $rc) after ${secs}s"
		failed+=("$name")
	elif ! grep -q '^RESULT ' "$log"; then
		echo "=== $name: FAILED (printed no RESULT line) after ${secs}s"
		failed+=("$name")
	else
		echo "=== $name: done in ${secs}s"
	fi
done

echo
echo "=== summary of all benchmarks (MISS = target not met; not a build failure)"
cat "$results"
if [ ${#failed[@]} -gt 0 ]; then
	echo "=== benchmarks that could not run or gave invalid results: ${failed[*]}"
	exit 1
fi
exit 0
