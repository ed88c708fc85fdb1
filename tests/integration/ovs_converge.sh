#!/bin/bash
# tests/integration/ovs_converge.sh: hostd pushes the desired flows of a
# --flows file (20 flows over 5 tables, Nicira actions, 2 groups) into two
# real Open vSwitch br-int switches at once, and `ovs-ofctl dump-flows`
# shows exactly them with the expected meaning. A flow naming a port that
# only one switch has lands only on that switch (per-switch port names).
# Then a SIGHUP with an edited file converges incrementally: only the
# difference is sent (1 add, 1 modify, 1 delete).
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
at_exit ovs_stop_all

N=$(ctl_subnet)
M=$((N + 1))
cat >"$T/flows" <<'FLOWS'
# classification
table=0 priority=100 cookie=0x10 in_port=1 actions=write_metadata:0x1/0xff,goto_table:1
table=0 priority=100 cookie=0x10 in_port=2 actions=write_metadata:0x2/0xff,goto_table:1
table=0 priority=90 cookie=0x11 tcp,in_port=vm1-a actions=drop
table=0 priority=0 cookie=0x1 actions=drop
# ARP responder, L3, conntrack
table=1 priority=200 cookie=0x20 arp,arp_op=1,arp_tpa=10.0.0.254 actions=move:eth_src->eth_dst,set_field:02:00:00:00:00:fe->eth_src,set_field:2->arp_op,move:arp_sha->arp_tha,move:arp_spa->arp_tpa,set_field:02:00:00:00:00:fe->arp_sha,set_field:10.0.0.254->arp_spa,in_port
table=1 priority=100 cookie=0x21 ip,metadata=0x1/0xff,ipv4_dst=10.0.1.0/24 actions=dec_ttl,set_field:02:00:00:00:01:01->eth_dst,group:1
table=1 priority=100 cookie=0x21 ip,metadata=0x2/0xff,ipv4_dst=10.0.0.0/24 actions=dec_ttl,output:1
table=1 priority=50 cookie=0x22 ip actions=ct(commit,zone=5,table=3)
table=1 priority=40 cookie=0x23 ipv6,ipv6_dst=fd00::/64 actions=resubmit(,2)
table=1 priority=10 cookie=0x24 actions=normal
table=2 priority=100 cookie=0x30 reg0=0x5 actions=move:reg0[0..15]->reg1[16..31],load:0x5->reg2[0..7],set_field:0x10->reg3,resubmit(,4)
table=2 priority=90 cookie=0x31 tcp,tcp_dst=80 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2
table=2 priority=90 cookie=0x31 udp,udp_dst=53 actions=controller:128
table=2 priority=80 cookie=0x32 idle_timeout=300 icmp,icmpv4_type=8 actions=controller
table=2 priority=0 cookie=0x33 actions=drop
table=3 priority=100 cookie=0x40 ip,ct_state=0x22/0x22 actions=goto_table:4
table=3 priority=0 cookie=0x41 actions=drop
table=4 priority=100 cookie=0x50 vlan_vid=0x1064 actions=pop_vlan,output:1
table=4 priority=50 cookie=0x51 eth_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=flood
table=4 priority=10 cookie=0x52 send_flow_rem hard_timeout=3600 ip actions=clear_actions,write_actions(dec_ttl,output:2)
group_id=1 type=all bucket=output:1 bucket=output:2
group_id=2 type=select bucket=weight:10,output:1 bucket=weight:20,output:2
FLOWS

# What ovs-ofctl prints for them (its own syntax, same meaning).
cat >"$T/expect" <<'EXPECT'
cookie=0x10, table=0, priority=100,in_port=1 actions=write_metadata:0x1/0xff,goto_table:1
cookie=0x10, table=0, priority=100,in_port=2 actions=write_metadata:0x2/0xff,goto_table:1
cookie=0x11, table=0, priority=90,tcp,in_port=1 actions=drop
cookie=0x1, table=0, priority=0 actions=drop
cookie=0x20, table=1, priority=200,arp,arp_tpa=10.0.0.254,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:00:00:00:00:fe->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:02:00:00:00:00:fe->arp_sha,set_field:10.0.0.254->arp_spa,IN_PORT
cookie=0x21, table=1, priority=100,ip,metadata=0x1/0xff,nw_dst=10.0.1.0/24 actions=dec_ttl,set_field:02:00:00:00:01:01->eth_dst,group:1
cookie=0x21, table=1, priority=100,ip,metadata=0x2/0xff,nw_dst=10.0.0.0/24 actions=dec_ttl,output:1
cookie=0x22, table=1, priority=50,ip actions=ct(commit,table=3,zone=5)
cookie=0x23, table=1, priority=40,ipv6,ipv6_dst=fd00::/64 actions=resubmit(,2)
cookie=0x24, table=1, priority=10 actions=NORMAL
cookie=0x30, table=2, priority=100,reg0=0x5 actions=move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31],load:0x5->NXM_NX_REG2[0..7],set_field:0x10->reg3,resubmit(,4)
cookie=0x31, table=2, priority=90,tcp,tp_dst=80 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2
cookie=0x31, table=2, priority=90,udp,tp_dst=53 actions=CONTROLLER:128
cookie=0x32, table=2, idle_timeout=300, priority=80,icmp,icmp_type=8 actions=CONTROLLER:65535
cookie=0x33, table=2, priority=0 actions=drop
cookie=0x40, table=3, priority=100,ct_state=+est+trk,ip actions=goto_table:4
cookie=0x41, table=3, priority=0 actions=drop
cookie=0x50, table=4, priority=100,dl_vlan=100 actions=pop_vlan,output:1
cookie=0x51, table=4, priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=FLOOD
cookie=0x52, table=4, hard_timeout=3600, send_flow_rem priority=10,ip actions=clear_actions,write_actions(dec_ttl,output:2)
EXPECT
sort -o "$T/expect" "$T/expect"
grep -v 'cookie=0x11,' "$T/expect" >"$T/expect_b"   # no port vm1-a on b

info "starting two OVS instances (10.254.$N.0/30, 10.254.$M.0/30)"
for id in a b; do
	n=$N; [ $id = b ] && n=$M
	ovs_start $id $n || fail "ovs_start $id"
	ovs_br $id || fail "br-int on $id"
	vm_add $id vm1 10.0.0.1/24 02:00:00:00:00:01 "" 1 || fail "vm1 on $id"
	vm_add $id vm2 10.0.0.2/24 02:00:00:00:00:02 "" 2 || fail "vm2 on $id"
done

H=$T/hostd.log
hostd_start "$H" --listen tcp:0.0.0.0:0 --flows "$T/flows" --echo-interval-ms 1000
info "hostd listens on port $HOSTD_PORT"
ovs_controller a tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller a"
ovs_controller b tcp:10.254.$M.1:$HOSTD_PORT || fail "set-controller b"
wait_for_log_count 'converged in' "$H" 2 20 || fail "both switches did not converge"

flows_norm a >"$T/got_a"
flows_norm b >"$T/got_b"
diff -u "$T/expect" "$T/got_a" || fail "flows of switch a differ from the expected ones"
diff -u "$T/expect_b" "$T/got_b" || fail "flows of switch b differ from the expected ones"
for id in a b; do
	g=$(ovs_ofctl $id dump-groups br-int | grep -c 'group_id=')
	[ "$g" -eq 2 ] || fail "switch $id has $g groups, expected 2"
	ovs_ofctl $id dump-groups br-int | grep -q 'group_id=2,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2' ||
		fail "group 2 of $id is not the select group of the file"
done
grep -q "unknown port name 'vm1-a' (skipped until the port exists)" "$H" ||
	fail "switch b did not report the unresolved port name"
grep 'converged in' "$H" | grep -q 'sent add=20 modify=0 delete=0' || fail "switch a: not 20 adds"
grep 'converged in' "$H" | grep -q 'sent add=19 modify=0 delete=0' || fail "switch b: not 19 adds"

info "SIGHUP with one flow changed, one removed, one added"
sed -i -e 's/^table=2 priority=0 cookie=0x33 actions=drop$/table=2 priority=0 cookie=0x33 actions=normal/' \
	-e '/^table=3 priority=0 cookie=0x41/d' "$T/flows"
echo 'table=3 priority=5 cookie=0x42 ipv6 actions=drop' >>"$T/flows"
kill -HUP "$HOSTD_PID"
wait_for_log_count 'converged in' "$H" 4 20 || fail "no convergence after SIGHUP"
[ "$(grep 'converged in' "$H" | tail -n 2 | grep -c 'sent add=1 modify=1 delete=1 flow_mods=3 ')" -eq 2 ] ||
	fail "SIGHUP did not send exactly the difference (1 add, 1 modify, 1 delete) to each switch"
ovs_ofctl a dump-flows br-int | grep -q 'cookie=0x33,.*priority=0 actions=NORMAL' || fail "modified flow missing"
ovs_ofctl a dump-flows br-int | grep -q 'cookie=0x41,' && fail "deleted flow still there"
ovs_ofctl b dump-flows br-int | grep -q 'cookie=0x42,.*priority=5,ipv6 actions=drop' || fail "added flow missing"

ovs_check_log a || fail "vswitchd a logged errors"
ovs_check_log b || fail "vswitchd b logged errors"
hostd_stop
check_sanitizers "$H"
grep -q ': rejected ' "$H" && fail "unexpected rejection"
info "PASS"
