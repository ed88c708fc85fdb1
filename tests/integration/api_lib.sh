# tests/integration/api_lib.sh: helpers of the topology API scripts
# (api_*.sh, dfctl_*.sh), sourced after lib.sh. Not a test itself (not
# executable).
#
#   hostd_up DIR [ARGS...]   start hostd with state dir DIR (--no-nic when
#                            this hostd has it); pid in $HOSTD_PID, log in
#                            $DIR.log, API socket $SOCK; waits for the API
#   hostd_down               SIGTERM hostd, wait for a clean exit 0
#   dfc ARGS...              dfctl on $SOCK
#   api METHOD PATH [BODY]   raw HTTP on $SOCK with curl (BODY @FILE: a file); the status in
#                            $API_STATUS, the body in $T/api.out
#   snapshot                 every resource list as JSON (to compare states)

hostd_up() {
	local dir=$1
	shift
	local extra=()
	if "$DFNIC_BIN/hostd" --help 2>/dev/null | grep -q -- '--no-nic'; then
		extra+=(--no-nic)
	else
		extra+=(--mbox "shm:$T/absent-mbox" --retry-ms 60000)
	fi
	SOCK=$dir/hostd.sock
	HOSTD_LOG=$dir.log
	spawn "$HOSTD_LOG" "$DFNIC_BIN/hostd" "${extra[@]}" --state-dir "$dir" "$@"
	HOSTD_PID=$SPAWNED
	wait_for_log_count 'REST API on unix:' "$HOSTD_LOG" "${HOSTD_STARTS:-1}" 10 ||
		fail "hostd did not start its API"
	HOSTD_STARTS=$((${HOSTD_STARTS:-1} + 1))
}

hostd_down() {
	kill -TERM "$HOSTD_PID"
	wait_exit "$HOSTD_PID" 10 || fail "hostd did not stop on SIGTERM"
	[ "$EXIT_STATUS" = 0 ] || fail "hostd exited with $EXIT_STATUS"
}

dfc() {
	"$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"
}

api() {
	local method=$1 path=$2 body=${3-}
	local args=(-s -o "$T/api.out" -w '%{http_code}' --unix-socket "$SOCK" -X "$method")
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	API_STATUS=$(curl "${args[@]}" "http://hostd$path") || API_STATUS=000
}

snapshot() {
	local r
	for r in network subnet port router floatingip chassis; do
		dfc --json "$r" list || return 1
	done
}
