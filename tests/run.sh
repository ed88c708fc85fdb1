#!/bin/bash
# tests/run.sh: the test driver behind `make check`.
#
#   tests/run.sh --build DIR [--fuzz DIR] [--fuzz-seconds N] [--only KIND]
#                [--tsan-reports DIR] [NAME...]
#
# Runs, in order: the CUnit runner ($DIR/tests/unit-runner), every
# executable tests/integration/*.sh (or only the NAMEs given), and each
# libFuzzer target in $FUZZDIR/fuzz/ for N seconds on its seed corpus.
# KIND is unit, integration or fuzz. An integration test exits 0 (PASS),
# 77 after printing "SKIP: <reason>" (SKIP) or anything else (FAIL); its
# output goes to $DIR/logs/<name>.log and is shown when it fails.
# --tsan-reports DIR (a ThreadSanitizer build): every process writes its
# reports to DIR (emptied first); any report is a FAIL ("tsan").
# Exits 1 when anything failed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD= FUZZDIR= FUZZ_SECONDS=15 ONLY= TSAN_DIR= NAMES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--fuzz) FUZZDIR=$2; shift 2 ;;
	--fuzz-seconds) FUZZ_SECONDS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--tsan-reports) TSAN_DIR=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) NAMES+=("$1"); shift ;;
	esac
done
[ -n "$BUILD" ] || { echo "run.sh: --build DIR is required" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
LOGS=$BUILD/logs
mkdir -p "$LOGS"
export DFNIC_BIN=$BUILD/bin DFNIC_TESTBIN=$BUILD/tests DFNIC_TOP=$TOP DFNIC_LOGS=$LOGS
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -n "$TSAN_DIR" ]; then
	rm -rf "$TSAN_DIR" && mkdir -p "$TSAN_DIR" && TSAN_DIR=$(cd "$TSAN_DIR" && pwd)
	export TSAN_OPTIONS="log_path=$TSAN_DIR/report second_deadlock_stack=1"
fi

pass=0 fail=0 skip=0 failed=()
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
result() { # name status detail
	case "$2" in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed+=("$1") ;;
	esac
	printf '%-5s %-40s %s\n' "$2" "$1" "$3"
}

if want unit && [ ${#NAMES[@]} -eq 0 ]; then
	echo "=== unit tests (CUnit)"
	if "$BUILD/tests/unit-runner"; then result unit-runner PASS ""; else result unit-runner FAIL ""; fi
fi

if want integration; then
	echo "=== integration tests"
	list=()
	if [ ${#NAMES[@]} -gt 0 ]; then
		for n in "${NAMES[@]}"; do list+=("$TOP/tests/integration/${n%.sh}.sh"); done
	else
		for t in "$TOP"/tests/integration/*.sh; do [ -x "$t" ] && list+=("$t"); done
	fi
	for t in "${list[@]}"; do
		name=$(basename "$t" .sh)
		log=$LOGS/$name.log
		start=$(date +%s.%N)
		timeout --kill-after=10 "${DFNIC_TEST_TIMEOUT:-600}" "$t" >"$log" 2>&1
		rc=$?
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1fs", e - s }')
		case $rc in
		0) result "$name" PASS "$secs" ;;
		77) result "$name" SKIP "$(grep -m1 '^SKIP:' "$log" || echo 'SKIP: (no reason printed)')" ;;
		*) result "$name" FAIL "exit $rc after $secs, log $log"
		   echo "----- last lines of $log"; tail -n 40 "$log"; echo "-----" ;;
		esac
	done
fi

if want fuzz && [ -n "$FUZZDIR" ] && [ ${#NAMES[@]} -eq 0 ]; then
	echo "=== fuzz (${FUZZ_SECONDS}s per target)"
	for f in "$FUZZDIR"/fuzz/*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus=$(mktemp -d)
		[ -d "$TOP/tests/fuzz/corpus/$name" ] && cp -r "$TOP/tests/fuzz/corpus/$name/." "$corpus/"
		log=$LOGS/fuzz-$name.log
		if "$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
			result "fuzz-$name" PASS "$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2 " execs"}')"
		else
			result "fuzz-$name" FAIL "log $log"; tail -n 30 "$log"
		fi
		rm -rf "$corpus"
	done
fi

if [ -n "$TSAN_DIR" ]; then
	reports=("$TSAN_DIR"/report*)
	if [ -e "${reports[0]}" ]; then
		echo "=== ThreadSanitizer reports (${#reports[@]} file(s) in $TSAN_DIR):"
		grep -h '^SUMMARY' "${reports[@]}" | sort | uniq -c
		result tsan FAIL "see $TSAN_DIR"
	else
		result tsan PASS "no ThreadSanitizer report"
	fi
fi
echo "=== summary: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
exit 0
