#!/bin/bash
# tests/integration/ofp_print_crosscheck.sh: cross-check of hostd's
# OpenFlow 1.3 encoder (hostd/openflow/) against a real peer.
#
# ofp-encode-samples prints the hex of every sample message the codec
# builds (flows of the pipeline with OXM and Nicira match fields,
# instructions, standard and Nicira actions, packet_out, groups, meters,
# multipart requests, ONF bundles, role, config, and switch-side messages);
# each one is decoded by Open vSwitch's own `ovs-ofctl ofp-print`, which
# must accept it without a warning or decode error and print the meaning
# the sample was built with. Skips (77) only when ovs-ofctl is missing.
. "$(dirname "$0")/lib.sh"

command -v ovs-ofctl >/dev/null 2>&1 || skip "ovs-ofctl not installed (openvswitch-common)"
TB=${DFNIC_TESTBIN:-${DFNIC_BIN:+$DFNIC_BIN/../tests}}
[ -n "$TB" ] || fail "DFNIC_TESTBIN is not set"
ENC=$TB/ofp-encode-samples
[ -x "$ENC" ] || fail "$ENC not built (make tests-build)"

"$ENC" >"$T/samples.txt" 2>"$T/encode.err" || fail "ofp-encode-samples failed: $(cat "$T/encode.err")"
info "$(wc -l <"$T/samples.txt") samples encoded by hostd's codec ($(ovs-ofctl --version | head -1))"

checked=()
nfail=0
# expect NAME STRING...: ofp-print of sample NAME contains every STRING.
expect() {
	local name=$1 hex out s
	shift
	checked+=("$name")
	hex=$(awk -v n="$name" '$1 == n { print $2 }' "$T/samples.txt")
	if [ -z "$hex" ]; then
		echo "FAIL $name: no such sample"; nfail=$((nfail + 1)); return
	fi
	out=$(ovs-ofctl ofp-print "$hex" 2>&1)
	if grep -qE 'decode error|\|WARN\||\|ERR\||truncated|incorrect length' <<<"$out"; then
		echo "FAIL $name: ovs-ofctl complained:"; echo "$out" | sed 's/^/    /'
		nfail=$((nfail + 1)); return
	fi
	for s in "$@"; do
		if ! grep -qF -- "$s" <<<"$out"; then
			echo "FAIL $name: expected '$s' in:"; echo "$out" | sed 's/^/    /'
			nfail=$((nfail + 1)); return
		fi
	done
	echo "ok   $name: $(head -1 <<<"$out")"
}

expect hello 'OFPT_HELLO (OF1.3) (xid=0x1)' 'version bitmap: 0x04'
expect echo_request 'OFPT_ECHO_REQUEST (OF1.3) (xid=0x2): 4 bytes of payload' '|ping'
expect features_request 'OFPT_FEATURES_REQUEST (OF1.3) (xid=0x3)'
expect set_config 'OFPT_SET_CONFIG (OF1.3) (xid=0x4): frags=normal miss_send_len=128'
# The reactive L3 flow: dec_ttl, router MAC -> eth_src, VM MAC -> eth_dst.
expect flow_l3 'OFPT_FLOW_MOD (OF1.3) (xid=0x5): ADD priority=100,ip,in_port=1,nw_dst=10.0.1.0/24' \
	'cookie:0x1 idle:10 send_flow_rem' \
	'actions=dec_ttl,set_field:fa:16:3e:00:00:01->eth_src,set_field:fa:16:3e:00:00:02->eth_dst,output:2,goto_table:10'
# The ARP responder built from moves and set_fields, out of IN_PORT.
expect flow_arp_responder 'ADD table:20 priority=200,arp,metadata=0x5/0xffffff,arp_tpa=10.0.0.1,arp_op=1' \
	'actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:fa:16:3e:00:00:01->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:fa:16:3e:00:00:01->arp_sha,set_field:10.0.0.1->arp_spa,IN_PORT'
# Nicira: registers, tunnel fields, load, move, resubmit, ct + nat.
expect flow_nicira 'ADD table:1 priority=50,ip,reg0=0x5/0xff,tun_id=0x64,tun_src=192.168.0.0/16,tun_dst=192.168.0.1' \
	'load:0x1->NXM_NX_REG1[0..3]' 'set_field:0x7->reg2' 'move:NXM_NX_REG0[0..15]->NXM_NX_REG3[16..31]' \
	'move:NXM_NX_TUN_IPV4_SRC[]->NXM_NX_REG4[]' 'resubmit(,20)' \
	'ct(commit,table=30,zone=5,nat(src=172.16.0.1-172.16.0.10:1024-2048),exec(set_field:0x1->ct_mark))'
expect flow_ct_match 'ADD table:30 priority=10,ct_state=-new+est+trk,ct_zone=5,ct_mark=0x1/0xff,tcp,tp_src=1234,tp_dst=80' \
	'hard:300 check_overlap reset_counts' \
	'actions=meter:1,clear_actions,write_actions(group:1),write_metadata:0x1200/0xff00,goto_table:40'
expect flow_vlan 'priority=300,in_port=3,dl_vlan=100,dl_vlan_pcp=3,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00' \
	'actions=pop_vlan,push_vlan:0x8100,set_field:4296->vlan_vid,CONTROLLER:128,NORMAL,LOCAL,FLOOD,ALL'
expect flow_ipv6 'ADD table:2 priority=60,icmp6,ipv6_src=2001:db8:1::/64,ipv6_dst=fe80::1,icmp_type=135,icmp_code=0,nd_target=2001:db8::10' \
	'actions=CONTROLLER:65535'
expect flow_udp 'MOD_STRICT table:3 priority=70,udp,nw_src=10.0.0.5,nw_tos=184,tp_src=68,tp_dst=67' \
	'actions=set_field:6767->udp_dst,set_field:10.0.0.254->ip_dst,set_field:0x1234->tun_id,output:4'
expect flow_icmp_echo 'ADD table:4 priority=80,icmp,nw_dst=10.0.0.1,icmp_type=8,icmp_code=0 actions=CONTROLLER:65535'
expect flow_delete 'DEL table:255 priority=0 cookie:0x100000000/0xffffffff00000000 out_port:7 actions=drop'
expect flow_delete_strict 'DEL_STRICT table:5 priority=100,in_port=9 actions=drop'
expect packet_out 'OFPT_PACKET_OUT (OF1.3) (xid=0xf): in_port=CONTROLLER actions=output:2 data_len=42' \
	'arp,vlan_tci=0x0000,dl_src=fa:16:3e:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.0.0.5,arp_tpa=10.0.0.1,arp_op=1'
expect packet_out_table 'in_port=1 actions=set_field:0x42->reg0,TABLE data_len=42'
expect group_mod 'ADD group_id=1,type=select,bucket=weight:50,actions=output:1,bucket=weight:50,actions=set_field:fa:16:3e:00:00:02->eth_dst,output:2'
expect group_mod_ff 'MOD group_id=2,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2'
expect group_delete 'DEL group_id=4294967292,type=all'
expect meter_mod 'OFPT_METER_MOD (OF1.3) (xid=0x14): ADD meter=1 kbps burst stats bands=' \
	'type=drop rate=10000 burst_size=1000' 'type=dscp_remark rate=5000 burst_size=500 prec_level=1'
expect mp_desc 'OFPST_DESC request (OF1.3) (xid=0x15)'
expect mp_flow 'OFPST_FLOW request (OF1.3) (xid=0x16): in_port=1'
expect mp_aggregate 'OFPST_AGGREGATE request (OF1.3) (xid=0x17): table=0'
expect mp_table 'OFPST_TABLE request (OF1.3) (xid=0x18)'
expect mp_port_stats 'OFPST_PORT request (OF1.3) (xid=0x19): port_no=ANY'
expect mp_port_desc 'OFPST_PORT_DESC request (OF1.3) (xid=0x1a)'
expect mp_group_desc 'OFPST_GROUP_DESC request (OF1.3) (xid=0x1b): group_id=ALL'
expect mp_meter 'OFPST_METER request (OF1.3) (xid=0x1c): meter=all'
expect barrier 'OFPT_BARRIER_REQUEST (OF1.3) (xid=0x1d)'
expect role_request 'OFPT_ROLE_REQUEST (OF1.3) (xid=0x1e): role=primary generation_id=5'
expect bundle_open 'ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x1f)' 'bundle_id=0x7 type=OPEN_REQUEST flags=atomic ordered'
expect bundle_add 'ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x20)' 'bundle_id=0x7 flags=atomic ordered' \
	'OFPT_FLOW_MOD (OF1.3) (xid=0x20): ADD priority=100,ip,in_port=1,nw_dst=10.0.1.0/24'
expect bundle_commit 'bundle_id=0x7 type=COMMIT_REQUEST flags=atomic ordered'
expect bundle_discard 'bundle_id=0x7 type=DISCARD_REQUEST flags=atomic ordered'
# Switch-side messages hostd decodes: encoded here, read by OVS the same.
expect features_reply 'OFPT_FEATURES_REPLY (OF1.3) (xid=0x3): dpid:0000fa163e000001' 'n_tables:254, n_buffers:0' \
	'capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS'
expect get_config_reply 'frags=normal miss_send_len=65535'
expect packet_in 'OFPT_PACKET_IN (OF1.3) (xid=0x0): table_id=20 cookie=0x2 total_len=42 reg0=0x7,metadata=0x5,in_port=1 (via action) data_len=42 (unbuffered)'
expect flow_removed 'priority=100,ip,nw_dst=10.0.1.5 reason=idle table_id=0 cookie:0x1 duration12.000005s idle10 pkts3 bytes294'
expect port_status 'MOD: 3(tap-vm2): addr:fa:16:3e:00:00:02' 'state:      LIVE' 'speed: 10000 Mbps now, 10000 Mbps max'
expect error 'OFPT_ERROR (OF1.3) (xid=0x5): OFPBMC_BAD_PREREQ' \
	'OFPT_FLOW_MOD (OF1.3) (xid=0x5): ADD priority=100,ip,in_port=1,nw_dst=10.0.1.0/24'
expect role_reply 'OFPT_ROLE_REPLY (OF1.3) (xid=0x1e): role=primary generation_id=5'
expect mp_reply_desc 'Manufacturer: Nicira, Inc.' 'Hardware: Open vSwitch' 'Software: 3.1.0' 'DP Description: br-int'
expect mp_reply_flow 'cookie=0x1, duration=3s, table=0, n_packets=10, n_bytes=980, priority=100,in_port=1 actions=output:2,goto_table:10' \
	'cookie=0x0, duration=0s, table=10, n_packets=0, n_bytes=0, priority=0 actions=drop'
expect mp_reply_aggregate 'packet_count=10 byte_count=980 flow_count=2'
expect mp_reply_table 'table 0:' 'active=2, lookup=100, matched=90'
expect mp_reply_port_stats 'port  1: rx pkts=0, bytes=20, drop=40, errs=60, frame=80, over=90, crc=100' \
	'tx pkts=10, bytes=30, drop=50, errs=70, coll=110'
expect mp_reply_port_desc '1(tap-vm1): addr:fa:16:3e:00:00:02' 'LOCAL(br-int): addr:fa:16:3e:00:00:01'
expect mp_reply_group_desc 'group_id=1,type=all,bucket=actions=output:1'
expect mp_reply_meter 'meter:1 flow_count:1 packet_in_count:100 byte_in_count:6400 duration:9s bands:' \
	'0: packet_count:4 byte_count:256'

# Every sample must have been checked, except the opaque experimenter one
# (OVS has no decoder for an arbitrary Nicira subtype, by design).
while read -r name _; do
	[ "$name" = experimenter ] && continue
	printf '%s\n' "${checked[@]}" | grep -qx -- "$name" || { echo "FAIL $name: sample not cross-checked"; nfail=$((nfail + 1)); }
done <"$T/samples.txt"

[ $nfail -eq 0 ] || fail "$nfail samples disagree with ovs-ofctl ofp-print"
info "all ${#checked[@]} samples decoded by ovs-ofctl with the expected meaning"
