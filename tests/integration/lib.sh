# tests/integration/lib.sh: helpers shared by the integration scripts
# (sourced, bash). tests/run.sh runs each script with DFNIC_BIN (the
# programs), DFNIC_TESTBIN, DFNIC_TOP and DFNIC_LOGS set; a script run by
# hand needs at least DFNIC_BIN (e.g. DFNIC_BIN=out/sim/check/bin).
#
#   skip REASON                 print "SKIP: REASON" and exit 77
#   fail MESSAGE                print "FAIL: MESSAGE", show the logs of this
#                               run (LIB_SHOW_LOGS), exit 1
#   info MESSAGE                a progress line with a timestamp
#   need_bins NAME...           $DFNIC_BIN/NAME must be executable
#   at_exit COMMAND             run COMMAND when the script exits (any way)
#   spawn LOG CMD ARGS...       start CMD in the background, output to LOG;
#                               its pid is in $SPAWNED and it is killed
#                               (SIGKILL) at exit if still running
#   alive PID                   0 when PID still runs
#   kill9 PID                   SIGKILL PID and reap it (quietly)
#   wait_exit PID TIMEOUT       wait for PID to exit; its status in $EXIT_STATUS
#                               (returns 1 on timeout)
#   wait_for_log PATTERN FILE TIMEOUT          grep -E PATTERN appears in FILE
#   wait_for_log_count PATTERN FILE N TIMEOUT  ... at least N times
#                               (TIMEOUT in seconds, may be fractional;
#                               both return 1 on timeout, print nothing)
#   log_line PATTERN FILE [N]   the Nth (default last) matching line
#   log_time LINE               seconds since the epoch of a dfnic log line
#                               ("2026-01-01T00:00:00.123Z prog[lvl] ...")
#   now                         seconds since the epoch, millisecond precision
#   ms_between T0 T1            (T1 - T0) in whole milliseconds
#   check_sanitizers FILE...    fail when a log holds an ASan/UBSan report
#
# $T is a private temporary directory, removed at exit (kept when
# DFNIC_KEEP_TMP=1, to look at the logs).
set -u

LIB_PIDS=()
LIB_EXIT_CMDS=()
LIB_SHOW_LOGS=()

_lib_cleanup() {
	local rc=$?
	local i
	for ((i = ${#LIB_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${LIB_EXIT_CMDS[$i]}" || true
	done
	for p in "${LIB_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${LIB_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${DFNIC_KEEP_TMP:-0}" = 1 ]; then
		echo "temporary files kept in $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}

T=$(mktemp -d "${TMPDIR:-/tmp}/dfnic-it.XXXXXX")
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip() {
	echo "SKIP: $*"
	exit 77
}

info() {
	echo "$(date -u +%H:%M:%S.%3N) $*"
}

fail() {
	echo "FAIL: $*"
	local f
	for f in "${LIB_SHOW_LOGS[@]}"; do
		[ -f "$f" ] || continue
		echo "----- $f"
		tail -n 60 "$f"
	done
	exit 1
}

at_exit() {
	LIB_EXIT_CMDS+=("$*")
}

need_bins() {
	[ -n "${DFNIC_BIN:-}" ] || skip "DFNIC_BIN is not set (run via tests/run.sh, or DFNIC_BIN=out/<board>/<dir>/bin $0)"
	local b
	for b in "$@"; do
		[ -x "$DFNIC_BIN/$b" ] || fail "$DFNIC_BIN/$b is not built"
	done
}

spawn() {
	local log=$1
	shift
	LIB_SHOW_LOGS+=("$log")
	"$@" >>"$log" 2>&1 &
	SPAWNED=$!
	LIB_PIDS+=("$SPAWNED")
}

alive() {
	kill -0 "$1" 2>/dev/null
}

kill9() {
	kill -9 "$1" 2>/dev/null
	{ wait "$1"; } 2>/dev/null
	return 0
}

wait_exit() {
	local pid=$1 timeout=$2
	local end
	end=$(awk -v n="$(now)" -v t="$timeout" 'BEGIN { printf "%.3f", n + t }')
	while alive "$pid"; do
		if awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n > e) }'; then
			return 1
		fi
		sleep 0.02
	done
	wait "$pid" 2>/dev/null
	EXIT_STATUS=$?
	return 0
}

now() {
	date +%s.%3N
}

ms_between() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 + 0.5 }'
}

wait_for_log_count() {
	local pattern=$1 file=$2 n=$3 timeout=$4
	local end
	end=$(awk -v n="$(now)" -v t="$timeout" 'BEGIN { printf "%.3f", n + t }')
	while :; do
		if [ -f "$file" ] && [ "$(grep -cE -- "$pattern" "$file")" -ge "$n" ]; then
			return 0
		fi
		if awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n > e) }'; then
			return 1
		fi
		sleep 0.02
	done
}

wait_for_log() {
	wait_for_log_count "$1" "$2" 1 "$3"
}

log_line() {
	local pattern=$1 file=$2 n=${3:-}
	if [ -n "$n" ]; then
		grep -E -- "$pattern" "$file" | sed -n "${n}p"
	else
		grep -E -- "$pattern" "$file" | tail -n 1
	fi
}

log_time() {
	date -u -d "${1%% *}" +%s.%3N
}

check_sanitizers() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			LIB_SHOW_LOGS=("$f")
			fail "sanitizer report in $f"
		fi
	done
}
