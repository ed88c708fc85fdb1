#!/bin/bash
# tests/integration/ovs_restart_hostd.sh: restarting hostd with the same
# desired state changes nothing on the switch. Traffic between two VMs
# through a NORMAL flow gives it nonzero counters; after hostd restarts and
# the switch reconnects, hostd reports 0 flow_mods sent, and every flow
# keeps its duration (it kept running) and its packet count.
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
at_exit ovs_stop_all

N=$(ctl_subnet)
cat >"$T/flows" <<'FLOWS'
table=0 priority=100 cookie=0xa1 arp actions=normal
table=0 priority=100 cookie=0xa2 ip,ipv4_dst=10.0.0.0/24 actions=goto_table:1
table=0 priority=0 cookie=0xa3 actions=drop
table=1 priority=50 cookie=0xb1 icmp actions=normal
table=1 priority=40 cookie=0xb2 tcp,tcp_dst=22 actions=drop
table=1 priority=30 cookie=0xb3 ip actions=move:reg0[0..7]->reg1[0..7],load:0x3->reg2[0..3],resubmit(,2)
table=2 priority=10 cookie=0xc1 ip actions=set_field:0x7->reg4,normal
group_id=5 type=all bucket=output:1 bucket=output:2
FLOWS

ovs_start a "$N" || fail "ovs_start"
ovs_br a || fail "br-int"
vm_add a vm1 10.0.0.1/24 02:00:00:00:00:01 "" 1 || fail "vm1"
vm_add a vm2 10.0.0.2/24 02:00:00:00:00:02 "" 2 || fail "vm2"

H=$T/hostd.log
hostd_start "$H" --listen tcp:10.254.$N.1:0 --flows "$T/flows" --echo-interval-ms 1000
ovs_controller a tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller"
wait_for_log 'converged in' "$H" 20 || fail "no convergence"
grep 'converged in' "$H" | grep -q 'sent add=7 ' || fail "first convergence did not add the 7 flows"

vm_exec a vm1 ping -c 5 -i 0.2 -W 1 10.0.0.2 >/dev/null || fail "vm1 cannot ping vm2 through the NORMAL flows"
sleep 1.5 # the userspace datapath pushes flow stats about once a second
pk1=$(flow_field a 'priority=50,icmp' n_packets)
du1=$(flow_field a 'priority=50,icmp' duration)
[ "${pk1:-0}" -ge 4 ] || fail "icmp flow counted ${pk1:-nothing} packets, expected >= 4"
flows_norm a >"$T/before"
info "before restart: icmp flow n_packets=$pk1 duration=${du1}s"

hostd_stop
t_down=$(now)
sleep 1.5
hostd_start "$H" --listen tcp:10.254.$N.1:$HOSTD_PORT --flows "$T/flows" --echo-interval-ms 1000
wait_for_log_count 'converged in' "$H" 2 20 || fail "no convergence after the restart"
line=$(grep 'converged in' "$H" | tail -n 1)
info "second convergence: ${line#*ctl: }"
echo "$line" | grep -q 'found flows=7; sent add=0 modify=0 delete=0 flow_mods=0 group/meter mods=0' ||
	fail "the restart sent something to the switch: $line"

pk2=$(flow_field a 'priority=50,icmp' n_packets)
du2=$(flow_field a 'priority=50,icmp' duration)
info "after restart: icmp flow n_packets=$pk2 duration=${du2}s"
[ "$pk2" -ge "$pk1" ] || fail "packet counter went from $pk1 to $pk2"
waited=$(awk -v a="$t_down" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
awk -v a="$du1" -v b="$du2" -v w="$waited" 'BEGIN { exit !(b >= a + w - 0.2) }' ||
	fail "duration went from ${du1}s to ${du2}s over ${waited}s: the flow was re-created"
flows_norm a >"$T/after"
diff -u "$T/before" "$T/after" || fail "the flow table changed"
vm_exec a vm1 ping -c 2 -i 0.2 -W 1 10.0.0.2 >/dev/null || fail "no traffic after the restart"
sleep 1.5
pk3=$(flow_field a 'priority=50,icmp' n_packets)
[ "$pk3" -gt "$pk2" ] || fail "counter did not keep counting ($pk2 -> $pk3)"

ovs_check_log a || fail "vswitchd logged errors"
hostd_stop
check_sanitizers "$H"
info "PASS"
