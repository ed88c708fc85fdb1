#!/bin/bash
# tests/integration/ovs_reject.sh: a flow the switch rejects (output to a
# group that does not exist) yields exactly one error in hostd's log,
# attributed to that flow (its line and text), while every other flow
# lands. Done twice: inside a bundle (the failed atomic commit is retried
# without the bad flow) and with --no-bundle (plain flow_mods + barrier).
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
at_exit ovs_stop_all

N=$(ctl_subnet)
cat >"$T/flows" <<'FLOWS'
table=0 priority=100 cookie=0x1 in_port=1 actions=goto_table:1
table=0 priority=90 cookie=0x2 arp actions=normal
table=0 priority=80 cookie=0x3 ip,ipv4_dst=10.9.9.9 actions=group:77
table=0 priority=0 cookie=0x4 actions=drop
table=1 priority=10 cookie=0x5 ip actions=dec_ttl,output:2
table=1 priority=5 cookie=0x6 actions=normal
FLOWS

ovs_start a "$N" || fail "ovs_start"
ovs_br a || fail "br-int"
vm_add a vm1 10.0.0.1/24 02:00:00:00:00:01 "" 1 || fail "vm1"
vm_add a vm2 10.0.0.2/24 02:00:00:00:00:02 "" 2 || fail "vm2"

check_round() { # LOG MODE
	local h=$1 mode=$2 n
	n=$(grep -c ': rejected ' "$h")
	[ "$n" -eq 1 ] || { grep ': rejected ' "$h"; fail "$mode: $n rejection lines, expected exactly 1"; }
	grep ': rejected ' "$h" | grep -q 'rejected flow add (flows file line 3: table=0 priority=80 cookie=0x3 ip,ipv4_dst=10.9.9.9 actions=group:77): OFPBAC_BAD_OUT_GROUP' ||
		fail "$mode: the error is not attributed to the group:77 flow: $(grep ': rejected ' "$h")"
	grep 'converged in' "$h" | tail -n 1 | grep -q "($mode, .*rejected=1" ||
		fail "$mode: convergence summary: $(grep 'converged in' "$h" | tail -n 1)"
	flows_norm a >"$T/got"
	[ "$(wc -l <"$T/got")" -eq 5 ] || { cat "$T/got"; fail "$mode: expected the 5 good flows"; }
	for c in 0x1 0x2 0x4 0x5 0x6; do
		grep -q "^cookie=$c," "$T/got" || fail "$mode: flow with cookie $c missing"
	done
	grep -q '^cookie=0x3,' "$T/got" && fail "$mode: the bad flow is on the switch"
	return 0
}

H=$T/hostd.log
hostd_start "$H" --listen tcp:10.254.$N.1:0 --flows "$T/flows" --echo-interval-ms 1000
ovs_controller a tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller"
wait_for_log 'converged in' "$H" 20 || fail "no convergence"
check_round "$H" bundle
grep -q 'bundle refused because of 1 rejected item' "$H" || fail "no bundle retry logged"
hostd_stop

info "again with --no-bundle, on an empty switch"
H2=$T/hostd2.log
ovs_ofctl a del-flows br-int
hostd_start "$H2" --listen tcp:10.254.$N.1:$HOSTD_PORT --flows "$T/flows" --echo-interval-ms 1000 --no-bundle
wait_for_log 'converged in' "$H2" 20 || fail "no convergence (plain)"
check_round "$H2" plain

hostd_stop
check_sanitizers "$H" "$H2"
info "PASS"
