#!/bin/bash
# tests/integration/pipeline_store_refused.sh: a topology change the store
# refuses never reaches the switch.
#
# hostd compiles and sends a change while SQLite writes it (the bundle's
# commit waits for the write: hostd/topo/topo.h, "Durability and
# generations"; hostd/controller/provider.h, the gate). Here the state
# directory is a small tmpfs, filled up after a first topology converged,
# so the next apply (thousands of ports, each a flow on the switch) fails
# in SQLite. Asserts:
#   - the apply is answered 500 StoreError and the API shows none of it;
#   - no convergence committed the refused change (hostd's log), and the
#     switch holds exactly the flows and groups it had before;
#   - hostd logs that the convergence carrying the change was undone and
#     its bundle discarded, when it had got that far (printed either way);
#   - with room again, the same apply with 4,000 more ports and a bad last
#     one (after eight stages of 1,000 ports had been compiled and sent:
#     api.c APPLY_STAGE)
#     is answered 404, and again nothing of it reaches the switch;
#   - then the same apply without the bad port goes through and reaches
#     the switch.
# Twice: with bundles (the commit is held, the bundle discarded) and with
# --no-bundle (plain messages: nothing is sent before the write ends).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/topo.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
[ "$(id -u)" = 0 ] || skip "needs root (mounts a tmpfs)"
need_bins hostd

N=$((100 + $$ % 100))
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
EXTRA=4000 # ports of the refused change (remote MACs on net1: one flow each on c1)
at_exit ovs_stop_all
ovs_chassis c1 $N 0000000000000001 || fail "cannot set up OVS c1"
# the VMs' interfaces (a patch pair: only their presence matters) and the
# tunnel ports, so c1 has local ports on net1 and gets a flow per remote
# MAC there
ovs_vsctl c1 add-port br-int vma-c1 -- set interface vma-c1 type=patch options:peer=vmb-c1 -- \
	add-port br-int vmb-c1 -- set interface vmb-c1 type=patch options:peer=vma-c1 ||
	fail "cannot add the VM ports"
ovs_tunnel_ports c1 192.168.50.1 || fail "cannot add the tunnel ports"
API="$T/api.sock"
api() { # METHOD PATH [BODY-FILE]: prints the body, then the status on its own line
	curl -sS --unix-socket "$API" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary @"$3"} -w '\n%{http_code}\n' "http://localhost$2"
}
topo_one_chassis proactive 11259375 1048577 >"$T/small.json"
# the same, plus chassis c2 and EXTRA ports of net1 bound to it
python3 - "$T/small.json" "$EXTRA" >"$T/big.json" <<'EOF' || fail "cannot write the big topology"
import json, sys
doc = json.load(open(sys.argv[1]))
doc["chassis"].append({"name": "c2", "datapath_id": "0000000000000002", "tunnel_ip": "192.168.50.2"})
for i in range(int(sys.argv[2])):
    doc["ports"].append({"id": "x%d" % i, "name": "x%d" % i, "network_id": "net1",
                         "mac_address": "02:77:00:00:%02x:%02x" % (i >> 8, i & 0xff),
                         "fixed_ips": [], "binding:host_id": "c2", "device_owner": "compute:nova",
                         "dfnic:interface_name": "x%d" % i})
json.dump(doc, sys.stdout)
EOF
python3 - "$T/big.json" >"$T/big-bad.json" <<'EOF' || fail "cannot write the bad topology"
import json, sys
doc = json.load(open(sys.argv[1]))
for i in range(4000): # more stages, so that hostd is sending when the bad one comes
    doc["ports"].append({"id": "y%d" % i, "name": "y%d" % i, "network_id": "net1",
                         "mac_address": "02:78:00:00:%02x:%02x" % (i >> 8, i & 0xff),
                         "fixed_ips": [], "binding:host_id": "c2", "device_owner": "compute:nova",
                         "dfnic:interface_name": "y%d" % i})
doc["ports"].append({"id": "bad", "network_id": "nope"})
json.dump(doc, sys.stdout)
EOF
snapshot() { # FILE: flows (no stats) and groups of br-int, sorted
	{ ovs_ofctl c1 dump-flows br-int --no-stats | sort
	  ovs_ofctl c1 dump-groups br-int | sort; } >"$1" 2>/dev/null
}

# switch_unchanged MODE FROM TAG WHAT: once hostd (log of MODE, from line
# FROM) has converged again (from a dump when it had sent some of it),
# br-int holds what it held before MODE's refused change
switch_unchanged() {
	local log="$T/hostd-$1.log"
	for _ in $(seq 50); do
		sleep 0.2
		tail -n +$(($2 + 1)) "$log" | grep -q 'converged in' && break
	done
	sleep 1
	snapshot "$T/$3-$1.txt"
	diff -u "$T/before-$1.txt" "$T/$3-$1.txt" >"$T/diff-$3-$1.txt" || {
		head -20 "$T/diff-$3-$1.txt" >&2
		fail "$1: the switch changed after $4"; }
}

# round MODE [HOSTD OPTION]: one hostd (bundle, or plain with --no-bundle)
# on an empty store in a fresh 4 MiB tmpfs, through the whole scenario
round() {
	local mode=$1 state="$T/state-$1" log="$T/hostd-$1.log" out code got n from big want
	shift
	mkdir -p "$state"
	mount -t tmpfs -o size=4m dfnic-test "$state" || skip "cannot mount a tmpfs"
	at_exit umount -l "$state"
	ovs_ofctl c1 del-flows br-int && ovs_ofctl c1 del-groups br-int || fail "cannot empty br-int"
	rm -f "$API"
	spawn "$log" "$DFNIC_BIN/hostd" --no-nic --state-dir "$state" --api "unix:$API" \
		--listen "tcp:$CTL_IP:$PORT" --echo-interval-ms 1000 -l debug "$@"
	HOSTD=$SPAWNED
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
	[ -S "$API" ] || fail "$mode: hostd's API socket did not appear"
	out=$(api POST /v2.0/dfnic/apply "$T/small.json")
	[ "$(echo "$out" | tail -1)" = 200 ] || fail "$mode: small apply refused: $out"
	ovs_vsctl c1 set-controller br-int "tcp:$CTL_IP:$PORT" -- \
		set controller br-int max_backoff=1000 || fail "set-controller"
	for _ in $(seq 100); do grep -q 'converged in' "$log" && break; sleep 0.1; done
	sleep 0.5
	snapshot "$T/before-$mode.txt"
	n=$(grep -c 'cookie=' "$T/before-$mode.txt")
	[ "$n" -gt 10 ] || fail "$mode: the small topology did not reach the switch ($n flows)"
	info "$mode: small topology on the switch: $n flows"

	# ---- fill the store's file system, then the big apply ------------
	dd if=/dev/zero of="$state/filler" bs=16k 2>/dev/null # until ENOSPC
	from=$(wc -l <"$log")
	out=$(api POST /v2.0/dfnic/apply "$T/big.json")
	code=$(echo "$out" | tail -1)
	[ "$code" = 500 ] ||
		fail "$mode: the big apply on a full disk answered $code, want 500: $(echo "$out" | head -c 300)"
	echo "$out" | grep -q StoreError && echo "$out" | grep -q "No space left on device" ||
		fail "$mode: no StoreError naming the full disk in the answer: $(echo "$out" | head -c 300)"
	info "$mode: big apply refused by the store: $(echo "$out" | grep -o '"message": *"[^"]*"')"
	got=$(api GET /v2.0/ports/x0 | tail -1)
	[ "$got" = 404 ] || fail "$mode: a port of the refused apply is visible (GET answered $got)"
	switch_unchanged "$mode" "$from" after "a refused apply"
	# no convergence may have committed the refused change, not even for
	# a moment (hostd would take it back afterwards: the snapshot alone
	# cannot tell)
	big=$(tail -n +$((from + 1)) "$log" | grep 'converged in' |
		sed -n 's/.* sent add=\([0-9]*\) .*/\1/p' | awk -v n=$EXTRA '$1 >= n' | head -1)
	[ -z "$big" ] || fail "$mode: a convergence committed $big flow adds of the refused change"
	want="bundle discarded"
	[ "$mode" = plain ] && want="nothing of it was sent"
	if tail -n +$((from + 1)) "$log" | grep -q "was undone (.*): $want"; then
		tail -n +$((from + 1)) "$log" | grep -q 'converged in .*against a dump' ||
			fail "$mode: hostd dropped the convergence but did not converge again from a dump"
		info "$mode: hostd had the change in flight ($want), then reconverged from a dump"
	else
		info "$mode: hostd had not started sending the change when the store refused it (timing)"
	fi
	info "$mode: the switch is unchanged ($n flows)"

	# ---- room again: first with a bad last port, then without -------
	rm -f "$state/filler"
	from=$(wc -l <"$log")
	out=$(api POST /v2.0/dfnic/apply "$T/big-bad.json")
	code=$(echo "$out" | tail -1)
	[ "$code" = 404 ] && echo "$out" | grep -q 'ports\[[0-9]*\]: network_id: network nope' ||
		fail "$mode: the apply with a bad last port answered $code: $(echo "$out" | head -c 300)"
	[ "$(api GET /v2.0/ports/x0 | tail -1)" = 404 ] ||
		fail "$mode: a port of the apply refused at its end is visible"
	tail -n +$((from + 1)) "$log" | grep -q 'changes staged as generation' ||
		fail "$mode: the apply was not staged (nothing compiled before its end)"
	switch_unchanged "$mode" "$from" after-bad "an apply refused at its end"
	big=$(tail -n +$((from + 1)) "$log" | grep 'converged in' |
		sed -n 's/.* sent add=\([0-9]*\) .*/\1/p' | awk -v n=$EXTRA '$1 >= n' | head -1)
	[ -z "$big" ] || fail "$mode: a convergence committed $big flow adds of the refused apply"
	if tail -n +$((from + 1)) "$log" | grep -q "was undone (.*): $want"; then
		info "$mode: apply refused at its end: its stages were in flight ($want), switch unchanged"
	else
		info "$mode: apply refused at its end before hostd sent its stages (timing); switch unchanged"
	fi
	out=$(api POST /v2.0/dfnic/apply "$T/big.json")
	[ "$(echo "$out" | tail -1)" = 200 ] ||
		fail "$mode: the big apply with room answered: $(echo "$out" | tail -c 300)"
	for _ in $(seq 100); do
		n=$(ovs_ofctl c1 dump-flows br-int 2>/dev/null | grep -c 'dl_dst=02:77:00:00')
		[ "$n" -ge $EXTRA ] && break
		sleep 0.1
	done
	[ "$n" -ge $EXTRA ] ||
		fail "$mode: after the accepted apply the switch has $n flows for the $EXTRA remote MACs"
	info "$mode: with room, the apply went through: $n flows for its remote MACs"
	alive $HOSTD || fail "$mode: hostd died"
	check_sanitizers "$log"
	kill $HOSTD
	wait_exit $HOSTD 10 || fail "$mode: hostd did not stop"
}

round bundle
round plain --no-bundle
ovs_check_log c1 || fail "ovs-vswitchd logged errors"
echo "PASS"
