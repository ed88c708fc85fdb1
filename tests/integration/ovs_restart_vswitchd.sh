#!/bin/bash
# tests/integration/ovs_restart_vswitchd.sh: ovs-vswitchd killed (-9) and
# started again comes back with an empty flow table; hostd sees the switch
# reconnect and restores every flow and group (same dump as before).
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
at_exit ovs_stop_all

N=$(ctl_subnet)
{
	for i in $(seq 1 40); do
		echo "table=0 priority=$((100 + i)) cookie=0x$i ip,ipv4_dst=10.1.$i.0/24 actions=dec_ttl,set_field:02:00:00:00:00:$(printf %02x $i)->eth_dst,goto_table:1"
	done
	echo "table=0 priority=1 cookie=0x99 arp actions=normal"
	echo "table=1 priority=10 cookie=0x98 actions=group:3"
	echo "group_id=3 type=indirect bucket=output:1"
} >"$T/flows"

ovs_start a "$N" || fail "ovs_start"
ovs_br a || fail "br-int"
vm_add a vm1 10.0.0.1/24 02:00:00:00:00:01 "" 1 || fail "vm1"

H=$T/hostd.log
hostd_start "$H" --listen tcp:10.254.$N.1:0 --flows "$T/flows" --echo-interval-ms 1000
ovs_controller a tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller"
wait_for_log 'converged in' "$H" 20 || fail "no convergence"
flows_norm a >"$T/before"
[ "$(wc -l <"$T/before")" -eq 42 ] || fail "expected 42 flows, got $(wc -l <"$T/before")"

info "killing and restarting ovs-vswitchd"
ovs_restart_vswitchd a || fail "restart vswitchd"
wait_for_log_count 'converged in' "$H" 2 30 || fail "no convergence after vswitchd restarted"
line=$(grep 'converged in' "$H" | tail -n 1)
info "${line#*ctl: }"
echo "$line" | grep -q 'found flows=0; sent add=42 modify=0 delete=0' ||
	fail "the restarted switch was not refilled with 42 adds: $line"
flows_norm a >"$T/after"
diff -u "$T/before" "$T/after" || fail "flows after the restart differ"
ovs_ofctl a dump-groups br-int | grep -q 'group_id=3,type=indirect,bucket=actions=output:1' ||
	fail "group 3 not restored"

ovs_check_log a || fail "vswitchd logged errors"
hostd_stop
check_sanitizers "$H"
info "PASS"
