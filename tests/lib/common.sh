# tests/lib/common.sh: helpers for the controller's OVS integration tests
# (tests/integration/ovs_*.sh), on top of tests/integration/lib.sh (skip,
# fail, spawn, wait_for_log, ...) and tests/lib/ovs.sh (private OVS
# instances). Sourced, bash.
#
#   ctl_subnet                  a free management subnet number N (10.254.N.0)
#   hostd_start LOG ARGS...     start hostd --no-nic ARGS in the background
#                               (with a private --state-dir when supported),
#                               wait until it listens; sets HOSTD_PID and
#                               HOSTD_PORT (first tcp: listener) /
#                               HOSTD_SSL_PORT (first ssl: listener)
#   hostd_stop                  SIGTERM, wait, fail unless it exits 0
#   ovs_controller ID URI       point br-int of ID at URI, quick reconnects
#   flows_norm ID               dump-flows without counters/durations, sorted
#   flow_field ID MATCH FIELD   FIELD (duration, n_packets) of the flow whose
#                               dump line contains MATCH
#   converged_count LOG         "converged" lines in a hostd log

ctl_subnet() {
	local n
	for _ in $(seq 1 50); do
		n=$((100 + RANDOM % 150))
		ip -4 addr show | grep -q "10\.254\.$n\." || { echo "$n"; return 0; }
	done
	echo 99
}

hostd_start() {
	local log=$1
	shift
	: >>"$log"
	local before
	before=$(grep -c 'listening on' "$log")
	local extra=()
	# a private topology store / API socket when this hostd has them
	if "$DFNIC_BIN/hostd" --help 2>/dev/null | grep -q -- '--state-dir'; then
		mkdir -p "$T/hostd-state"
		extra=(--state-dir "$T/hostd-state")
	fi
	spawn "$log" "$DFNIC_BIN/hostd" --no-nic "${extra[@]}" "$@"
	HOSTD_PID=$SPAWNED
	wait_for_log_count 'listening on|cannot start' "$log" $((before + 1)) 10 ||
		fail "hostd did not start listening"
	alive "$HOSTD_PID" || fail "hostd exited at start"
	HOSTD_PORT=$(grep -o 'listening on tcp:[^ ]*' "$log" | tail -n 1 | sed 's/.*://')
	HOSTD_SSL_PORT=$(grep -o 'listening on ssl:[^ ]*' "$log" | tail -n 1 | sed 's/.*://')
}

hostd_stop() {
	kill -TERM "$HOSTD_PID" 2>/dev/null || fail "hostd died before the end"
	wait_exit "$HOSTD_PID" 15 || fail "hostd did not stop on SIGTERM"
	[ "$EXIT_STATUS" -eq 0 ] || fail "hostd exited with status $EXIT_STATUS"
}

ovs_controller() {
	local id=$1 uri=$2
	ovs_vsctl "$id" set-controller br-int "$uri" || return 1
	ovs_vsctl "$id" set controller br-int max_backoff=1000 inactivity_probe=30000
}

flows_norm() {
	ovs_ofctl "$1" dump-flows br-int | grep -v '^OFPST_FLOW' |
		sed -E 's/ duration=[0-9.]+s,//; s/ n_packets=[0-9]+,//; s/ n_bytes=[0-9]+,//;
			s/ idle_age=[0-9]+,//; s/ hard_age=[0-9]+,//; s/^ +//' | sort
}

flow_field() {
	local id=$1 match=$2 field=$3
	ovs_ofctl "$id" dump-flows br-int | grep -F -- "$match" | head -n 1 |
		grep -oE "$field=[0-9.]+" | head -n 1 | sed -E "s/$field=//; s/s$//"
}

converged_count() {
	grep -c 'converged in' "$1"
}
