#!/bin/bash
# tests/integration/pipeline_north_south.sh: issue 4, integration test 3.
# North/south through a centralized network node:
#
#   c1 (compute, dpid 1)                          nn (network node, dpid 3)
#   vma 10.0.1.10 (floating IP 172.24.4.50)       br-int phy-ext ==== ext host (netns)
#   vmb 10.0.1.11 (SNAT only)                                          172.24.4.1/24 (the
#   br-int tun-vxlan -> br-phy 192.168.50.1 == ul0 ==== ul0 == br-phy     external subnet's
#                                               192.168.50.3           gateway) + 203.0.113.5
#
# net1 (vxlan) 10.0.1.0/24 and net2 (vlan 300, provider port phy-default on
# both chassis, vmv 10.0.2.12) behind router r1, whose gateway is on the
# flat external network ext 172.24.4.0/24 (provider port phy-ext on nn
# only). c1 sends what leaves r1's subnets to nn over VXLAN or VLAN; nn does SNAT to r1's
# gateway IP and the floating IP's DNAT/SNAT with OVS conntrack, and
# resolves the external next hops by ARP (hostd sends the requests).
# Asserts:
#   - SNAT: vmb reaches the external host, on its subnet (172.24.4.1) and
#     beyond it (203.0.113.5, via the subnet's gateway), and the external
#     host sees r1's gateway IP as the source (tcpdump there); the same
#     from the VLAN network, carried to nn tagged on the provider wire;
#   - floating IP, inbound: the external host pings 172.24.4.50 and vma
#     answers; vma sees the external host's address (DNAT only);
#   - floating IP, outbound: vma's pings reach the external host from
#     172.24.4.50, not from the gateway IP;
#   - nothing from outside reaches a fixed IP without a floating IP;
#   - hostd kill -9 + restart while SNAT and floating IP pings run: at most
#     1 ping lost each way, no flow deleted on the network node (the
#     learned next-hop flows are kept although the new hostd forgot them).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
command -v python3 >/dev/null || skip "python3 not installed"
need_bins hostd

N1=$((100 + $$ % 70))
N2=$((N1 + 70))
PORT=$((20000 + $$ % 20000))
CTL1=$(ovs_mgmt_ip 1 $N1)
CTL2=$(ovs_mgmt_ip 1 $N2)
UL1=192.168.50.1
UL3=192.168.50.3
FIP=172.24.4.50
EXT_NS="dfx-ext-$$"
at_exit ovs_stop_all
at_exit "ip netns del $EXT_NS 2>/dev/null"

ovs_chassis c1 $N1 0000000000000001 || fail "cannot set up OVS c1"
ovs_chassis nn $N2 0000000000000003 || fail "cannot set up OVS nn"
LIB_SHOW_LOGS+=("$(ovs_dir c1)/ovs-vswitchd.log" "$(ovs_dir nn)/ovs-vswitchd.log")
# the underlay, and the tenant VLAN network's provider wire between c1 and nn
ovs_chassis_link c1 $UL1 nn $UL3 || fail "cannot join c1 and nn"

# the external host: a netns on the network node's provider port
ip netns add "$EXT_NS" || fail "netns ext"
ip -n "$EXT_NS" link set lo up
ip link add eth0 netns "$EXT_NS" type veth peer name phy-ext netns "$(ovs_ns nn)" || fail "ext veth"
ip -n "$EXT_NS" link set eth0 address 02:00:00:ee:00:01
ip -n "$EXT_NS" addr add 172.24.4.1/24 dev eth0
ip -n "$EXT_NS" addr add 203.0.113.5/32 dev lo
ip -n "$EXT_NS" link set eth0 up
ip -n "$(ovs_ns nn)" link set phy-ext up
ip netns exec "$EXT_NS" ethtool -K eth0 tx off >/dev/null 2>&1 || true
ovs_vsctl nn add-port br-int phy-ext || fail "provider port on nn"
ext() { ip netns exec "$EXT_NS" "$@"; }

API="$T/api.sock"
start_hostd() {
	spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --no-nic --state-dir "$T/state" --api "unix:$API" \
		--listen "tcp:$CTL1:$PORT" --listen "tcp:$CTL2:$PORT" --echo-interval-ms 1000 -l debug
	HOSTD=$SPAWNED
	for _ in $(seq 100); do
		curl -sf --unix-socket "$API" http://localhost/v2.0/chassis >/dev/null 2>&1 && return 0
		alive $HOSTD || fail "hostd exited at start"
		sleep 0.05
	done
	fail "hostd's API did not answer"
}
start_hostd
api() { # METHOD PATH [BODY]
	curl -sS --unix-socket "$API" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://localhost$2"
}
port() { # ID IP MAC [NET]
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"network_id\": \"${4:-net1}\", \"mac_address\": \"$3\",
	  \"fixed_ips\": [{\"ip_address\": \"$2\"}], \"binding:host_id\": \"c1\",
	  \"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"$1-c1\"}"
}
TOPO=$(cat <<EOF
{"chassis": [{"name": "c1", "datapath_id": "0000000000000001", "tunnel_ip": "$UL1"},
             {"name": "nn", "datapath_id": "0000000000000003", "tunnel_ip": "$UL3",
              "network_node": true}],
 "networks": [{"id": "net1", "name": "net1", "provider:network_type": "vxlan",
               "provider:segmentation_id": 4242},
              {"id": "net2", "name": "net2", "provider:network_type": "vlan",
               "provider:segmentation_id": 300},
              {"id": "ext", "name": "ext", "provider:network_type": "flat",
               "provider:physical_network": "ext", "router:external": true}],
 "subnets": [{"id": "sub1", "network_id": "net1", "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1"},
             {"id": "sub2", "network_id": "net2", "cidr": "10.0.2.0/24", "gateway_ip": "10.0.2.1"},
             {"id": "ext-sub", "network_id": "ext", "cidr": "172.24.4.0/24",
              "gateway_ip": "172.24.4.1",
              "allocation_pools": [{"start": "172.24.4.10", "end": "172.24.4.99"}]}],
 "routers": [{"id": "r1", "name": "r1", "external_gateway_info": {"network_id": "ext"},
              "interfaces": [{"subnet_id": "sub1"}, {"subnet_id": "sub2"}]}],
 "ports": [$(port vma 10.0.1.10 02:00:00:00:01:0a), $(port vmb 10.0.1.11 02:00:00:00:01:0b),
           $(port vmv 10.0.2.12 02:00:00:00:02:0c net2)]}
EOF
)
out=$(api POST /v2.0/dfnic/apply "$TOPO") || fail "apply: curl failed"
echo "$out" | grep -q '"dfnic:apply"' || fail "apply refused: $out"
# (the floating IP once the router joins sub1 to ext)
out=$(api POST /v2.0/floatingips "{\"floatingip\": {\"id\": \"fip1\", \"floating_network_id\": \"ext\",
	\"floating_ip_address\": \"$FIP\", \"port_id\": \"vma\"}}") || fail "floating IP: curl failed"
echo "$out" | grep -q '"router_id": "r1"' || fail "floating IP refused: $out"
GW_IP=$(api GET /v2.0/routers/r1 | python3 -c '
import json, sys
print(json.load(sys.stdin)["router"]["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])') ||
	fail "no gateway IP for r1"
info "r1's gateway IP on ext: $GW_IP, floating IP $FIP -> 10.0.1.10"

vm_add c1 vma 10.0.1.10/24 02:00:00:00:01:0a 10.0.1.1 || fail "vm vma"
vm_add c1 vmb 10.0.1.11/24 02:00:00:00:01:0b 10.0.1.1 || fail "vm vmb"
vm_add c1 vmv 10.0.2.12/24 02:00:00:00:02:0c 10.0.2.1 || fail "vm vmv"
ovs_vsctl c1 set-controller br-int "tcp:$CTL1:$PORT" -- set controller br-int max_backoff=1000 ||
	fail "set-controller c1"
ovs_vsctl nn set-controller br-int "tcp:$CTL2:$PORT" -- set controller br-int max_backoff=1000 ||
	fail "set-controller nn"

flows() { ovs_ofctl "$1" dump-flows br-int 2>/dev/null; }
wait_flow() { # CHASSIS PATTERN TIMEOUT(s)
	for _ in $(seq $(($3 * 10))); do flows "$1" | grep -qE "$2" && return 0; sleep 0.1; done
	return 1
}
wait_flow nn 'table=40,.*nat\(src=' 10 || { flows nn >&2; fail "nn: no SNAT flows"; }
wait_flow c1 'table=30,.*priority=10,.*tun_id' 10 || { flows c1 >&2; fail "c1: no flow to the network node"; }
info "pipelines installed (c1 $(flows c1 | wc -l) flows, nn $(flows nn | wc -l) flows)"

# capture_ext FILTER: tcpdump on the external host in the background
capture_ext() {
	ext timeout 10 tcpdump -l -n -i eth0 -c "$2" "$1" >"$T/ext-cap.txt" 2>/dev/null &
	CAP=$!
	sleep 0.5
}

# --- SNAT, the external subnet (the first packet waits for ARP) --------
vm_exec c1 vmb ping -c 3 -i 0.3 -W 1 172.24.4.1 >/dev/null 2>&1 # resolves the next hop
grep -q 'external neighbour 172.24.4.1 is-at 02:00:00:ee:00:01' "$T/hostd.log" ||
	{ flows nn >&2; fail "hostd did not learn the external host by ARP"; }
capture_ext 'icmp' 6
vm_exec c1 vmb ping -c 3 -i 0.3 -W 1 172.24.4.1 >"$T/ping-snat.txt" 2>&1 ||
	{ cat "$T/ping-snat.txt" >&2; flows nn >&2; fail "SNAT: vmb cannot ping the external host"; }
grep -q " 3 received" "$T/ping-snat.txt" || fail "SNAT: lost: $(grep received "$T/ping-snat.txt")"
wait $CAP
grep -q "IP $GW_IP > 172.24.4.1: ICMP echo request" "$T/ext-cap.txt" ||
	{ cat "$T/ext-cap.txt" >&2; fail "SNAT: the external host did not see $GW_IP as the source"; }
grep -q "10\.0\.1\." "$T/ext-cap.txt" && fail "SNAT: a fixed IP leaked outside: $(cat "$T/ext-cap.txt")"
info "SNAT: vmb -> 172.24.4.1 3/3, seen outside from $GW_IP"

# --- SNAT beyond the external subnet: via its gateway -------------------
vm_exec c1 vmb ping -c 3 -i 0.3 -W 1 203.0.113.5 >"$T/ping-snat2.txt" 2>&1 ||
	{ cat "$T/ping-snat2.txt" >&2; flows nn >&2; fail "SNAT: vmb cannot reach 203.0.113.5"; }
grep -q " 3 received" "$T/ping-snat2.txt" || fail "SNAT default route: lost packets"
info "SNAT: vmb -> 203.0.113.5 (default route via 172.24.4.1) 3/3"

# --- SNAT from a VLAN network: c1 -> nn over the provider wire ---------
ip netns exec "$(ovs_ns c1)" timeout 8 tcpdump -l -n -e -i phy-default -c 4 'vlan 300 and icmp' \
	>"$T/vlan-cap.txt" 2>/dev/null &
CAPW=$!
capture_ext 'icmp' 6
sleep 0.3
vm_exec c1 vmv ping -c 3 -i 0.3 -W 1 172.24.4.1 >"$T/ping-snat-vlan.txt" 2>&1 ||
	{ cat "$T/ping-snat-vlan.txt" >&2; flows c1 >&2; fail "SNAT: vmv (VLAN network) cannot ping the external host"; }
grep -q " 3 received" "$T/ping-snat-vlan.txt" || fail "SNAT from VLAN: lost packets"
wait $CAP
wait $CAPW
grep -q "IP $GW_IP > 172.24.4.1: ICMP echo request" "$T/ext-cap.txt" ||
	{ cat "$T/ext-cap.txt" >&2; fail "SNAT from VLAN: the external host did not see $GW_IP"; }
grep -q "vlan 300.*10.0.2.12 > 172.24.4.1: ICMP echo request" "$T/vlan-cap.txt" ||
	{ cat "$T/vlan-cap.txt" >&2; fail "SNAT from VLAN: not carried to nn tagged 300"; }
info "SNAT: vmv (VLAN 300) -> 172.24.4.1 3/3 via the provider wire, seen outside from $GW_IP"

# --- floating IP inbound: the external host reaches vma ---------------
vm_exec c1 vma timeout 10 tcpdump -l -n -i eth0 -c 2 'icmp' >"$T/vma-cap.txt" 2>/dev/null &
CAPV=$!
sleep 0.5
ext ping -c 3 -i 0.3 -W 1 $FIP >"$T/ping-fip-in.txt" 2>&1 ||
	{ cat "$T/ping-fip-in.txt" >&2; flows nn >&2; fail "FIP: the external host cannot ping $FIP"; }
grep -q " 3 received" "$T/ping-fip-in.txt" || fail "FIP inbound: lost packets"
wait $CAPV
grep -q "IP 172.24.4.1 > 10.0.1.10: ICMP echo request" "$T/vma-cap.txt" ||
	{ cat "$T/vma-cap.txt" >&2; fail "FIP: vma did not see the external host's pings (DNAT)"; }
ext ip neigh show $FIP | grep -q lladdr || fail "FIP: the external host has no ARP entry for $FIP"
info "FIP inbound: 172.24.4.1 -> $FIP 3/3, vma sees them to 10.0.1.10"

# --- floating IP outbound: vma leaves as its floating IP ----------------
capture_ext 'icmp' 6
vm_exec c1 vma ping -c 3 -i 0.3 -W 1 172.24.4.1 >"$T/ping-fip-out.txt" 2>&1 ||
	{ cat "$T/ping-fip-out.txt" >&2; fail "FIP: vma cannot ping the external host"; }
grep -q " 3 received" "$T/ping-fip-out.txt" || fail "FIP outbound: lost packets"
wait $CAP
grep -q "IP $FIP > 172.24.4.1: ICMP echo request" "$T/ext-cap.txt" ||
	{ cat "$T/ext-cap.txt" >&2; fail "FIP: vma's pings did not leave from $FIP"; }
info "FIP outbound: vma -> 172.24.4.1 seen from $FIP"

# --- no way in without a floating IP ------------------------------------
ext ip route add 10.0.1.0/24 via $GW_IP
if ext ping -c 2 -i 0.3 -W 1 10.0.1.11 >/dev/null 2>&1; then
	fail "the external host reached vmb's fixed IP without a floating IP"
fi
if ext ping -c 2 -i 0.3 -W 1 $GW_IP >/dev/null 2>&1; then
	fail "the gateway IP answered a ping from outside (no connection to un-SNAT)"
fi
info "no inbound path to fixed IPs without a floating IP"

# --- hostd kill -9 and restart under north/south traffic ---------------
# The restarted hostd has forgotten the external neighbours; the next-hop
# flows it learned stay on the switch (kept, cookie kind 7) and carry the
# traffic on: at most 1 ping lost each way, nothing deleted.
ext ip route del 10.0.1.0/24
flows nn | grep -q 'cookie=0x7.*table=35' || { flows nn >&2; fail "no learned next-hop flow on nn"; }
vm_exec c1 vmb ping -i 0.2 -c 40 -W 1 203.0.113.5 >"$T/ping-kill-snat.txt" 2>&1 &
P1=$!
ext ping -i 0.2 -c 40 -W 1 $FIP >"$T/ping-kill-fip.txt" 2>&1 &
P2=$!
sleep 2
n_conv=$(grep -c 'converged in' "$T/hostd.log")
kill9 $HOSTD
info "hostd killed (SIGKILL) under SNAT and floating IP pings"
sleep 1
start_hostd
wait_for_log_count 'converged in' "$T/hostd.log" $((n_conv + 2)) 20 || fail "no reconvergence after the restart"
line=$(grep 'switch 0x3: converged in' "$T/hostd.log" | tail -n 1)
info "nn after restart: ${line#*ctl: }"
echo "$line" | grep -q ' delete=0 ' || fail "the restart deleted flows on the network node: $line"
flows nn | grep -q 'cookie=0x7.*table=35' || fail "the learned next-hop flows were deleted"
wait $P1
wait $P2
for f in snat fip; do
	line=$(grep 'packets transmitted' "$T/ping-kill-$f.txt")
	tx=$(echo "$line" | awk '{print $1}')
	rx=$(echo "$line" | awk '{print $4}')
	[ -n "$tx" ] && [ "$tx" -ge 35 ] || fail "$f: ping did not run: $(cat "$T/ping-kill-$f.txt")"
	[ $((tx - rx)) -le 1 ] || fail "$f: $((tx - rx)) of $tx pings lost across the hostd restart"
	info "$f: $rx/$tx pings answered across the kill -9 and restart"
done

for c in c1 nn; do ovs_check_log $c || fail "ovs-vswitchd of $c logged errors"; done
alive $HOSTD || fail "hostd died"
check_sanitizers "$T/hostd.log"
echo "PASS"
