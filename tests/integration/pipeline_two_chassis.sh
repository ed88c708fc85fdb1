#!/bin/bash
# tests/integration/pipeline_two_chassis.sh: issue 4, integration test 2.
# Two chassis (two private OVS instances, each in its own netns) joined by
# an underlay veth and, for the VLAN network, by a provider veth; one
# hostd controls both br-ints (centralized controller) with the topology
# applied through its REST API. Three routers, one per network type, each
# with one subnet on each chassis:
#
#   c1 (dpid 1)                                        c2 (dpid 2)
#   avx 10.1.1.10 (vxlan 5001)      r-vx          bvx 10.1.2.20 (vxlan 5002)
#   agr 10.2.1.10 (gre 7001)        r-gre         bgr 10.2.2.20 (gre 0x1000010)
#   avl 10.3.1.10 (vlan 101)        r-vl          bvl 10.3.2.20 (vlan 102)
#   br-int tun-vxlan/tun-gre -> br-phy 192.168.50.1 == ul0 ====== ul0 == br-phy 192.168.50.2
#   br-int phy-default ================ provider veth ============ phy-default
#
# OVS runs the userspace datapath: the tunnel ports resolve the remote
# endpoint through OVS's cached routes (br-phy's address) and its tunnel
# neighbour table. Asserts, per network type: a routed ping from c1's VM to
# c2's VM loses nothing, and the packets really crossed in that
# encapsulation (tcpdump on the underlay / provider wire: VXLAN with the
# destination network's VNI, GRE with its 32-bit key, 802.1Q with its VLAN
# id); routers stay isolated from each other.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
need_bins hostd

N1=$((100 + $$ % 70))
N2=$((N1 + 70))
PORT=$((20000 + $$ % 20000))
CTL1=$(ovs_mgmt_ip 1 $N1)
CTL2=$(ovs_mgmt_ip 1 $N2)
UL1=192.168.50.1
UL2=192.168.50.2
at_exit ovs_stop_all

ovs_chassis c1 $N1 0000000000000001 || fail "cannot set up OVS c1"
ovs_chassis c2 $N2 0000000000000002 || fail "cannot set up OVS c2"
LIB_SHOW_LOGS+=("$(ovs_dir c1)/ovs-vswitchd.log" "$(ovs_dir c2)/ovs-vswitchd.log")

# underlay: c1 ul0 <-> c2 ul0, each in br-phy with the tunnel address,
# routes via br-phy and tunnel neighbours; provider network: a veth
# straight between the two br-ints
ovs_chassis_link c1 $UL1 c2 $UL2 || fail "cannot join c1 and c2"
for c in c1 c2; do # the userspace tunnel receive ports of tun-vxlan, tun-gre
	ovs_appctl $c tnl/ports/show | grep -q vxlan_sys_4789 || fail "$c: no userspace VXLAN port"
	ovs_appctl $c tnl/ports/show | grep -q gre_sys || fail "$c: no userspace GRE port"
done
info "underlay up: routes via br-phy, tunnel neighbours set"

API="$T/api.sock"
spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --no-nic --state-dir "$T/state" --api "unix:$API" \
	--listen "tcp:$CTL1:$PORT" --listen "tcp:$CTL2:$PORT" --echo-interval-ms 1000 -l debug
HOSTD=$SPAWNED
for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
[ -S "$API" ] || fail "hostd's API socket did not appear"

api() { # METHOD PATH [BODY]
	curl -sS --unix-socket "$API" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://localhost$2"
}

net() { # ID TYPE SEG
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"provider:network_type\": \"$2\", \"provider:segmentation_id\": $3}"
}
sub() { # ID NET PREFIX(a.b.c)
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"network_id\": \"$2\", \"cidr\": \"$3.0/24\", \"gateway_ip\": \"$3.1\"}"
}
port() { # ID NET IP MAC CHASSIS
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"network_id\": \"$2\", \"mac_address\": \"$4\",
	  \"fixed_ips\": [{\"ip_address\": \"$3\"}], \"binding:host_id\": \"$5\",
	  \"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"$1-$5\"}"
}
router() { # ID SUB1 SUB2
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"interfaces\": [{\"subnet_id\": \"$2\"}, {\"subnet_id\": \"$3\"}]}"
}
GRE_KEY2=16777232 # 0x1000010: wider than a VNI, needs the GRE key's full 32 bits
TOPO=$(cat <<EOF
{"chassis": [{"name": "c1", "datapath_id": "0000000000000001", "tunnel_ip": "$UL1"},
             {"name": "c2", "datapath_id": "0000000000000002", "tunnel_ip": "$UL2"}],
 "networks": [$(net vx1 vxlan 5001), $(net vx2 vxlan 5002), $(net gr1 gre 7001),
              $(net gr2 gre $GRE_KEY2), $(net vl1 vlan 101), $(net vl2 vlan 102)],
 "subnets": [$(sub svx1 vx1 10.1.1), $(sub svx2 vx2 10.1.2), $(sub sgr1 gr1 10.2.1),
             $(sub sgr2 gr2 10.2.2), $(sub svl1 vl1 10.3.1), $(sub svl2 vl2 10.3.2)],
 "routers": [$(router r-vx svx1 svx2), $(router r-gre sgr1 sgr2), $(router r-vl svl1 svl2)],
 "ports": [$(port avx vx1 10.1.1.10 02:00:00:01:01:0a c1), $(port bvx vx2 10.1.2.20 02:00:00:01:02:14 c2),
           $(port agr gr1 10.2.1.10 02:00:00:02:01:0a c1), $(port bgr gr2 10.2.2.20 02:00:00:02:02:14 c2),
           $(port avl vl1 10.3.1.10 02:00:00:03:01:0a c1), $(port bvl vl2 10.3.2.20 02:00:00:03:02:14 c2)]}
EOF
)
out=$(api POST /v2.0/dfnic/apply "$TOPO") || fail "apply: curl failed"
echo "$out" | grep -q '"dfnic:apply"' || fail "apply refused: $out"

vm_add c1 avx 10.1.1.10/24 02:00:00:01:01:0a 10.1.1.1 || fail "vm avx"
vm_add c2 bvx 10.1.2.20/24 02:00:00:01:02:14 10.1.2.1 || fail "vm bvx"
vm_add c1 agr 10.2.1.10/24 02:00:00:02:01:0a 10.2.1.1 || fail "vm agr"
vm_add c2 bgr 10.2.2.20/24 02:00:00:02:02:14 10.2.2.1 || fail "vm bgr"
vm_add c1 avl 10.3.1.10/24 02:00:00:03:01:0a 10.3.1.1 || fail "vm avl"
vm_add c2 bvl 10.3.2.20/24 02:00:00:03:02:14 10.3.2.1 || fail "vm bvl"
ovs_vsctl c1 set-controller br-int "tcp:$CTL1:$PORT" -- set controller br-int max_backoff=1000 ||
	fail "set-controller c1"
ovs_vsctl c2 set-controller br-int "tcp:$CTL2:$PORT" -- set controller br-int max_backoff=1000 ||
	fail "set-controller c2"

flows() { ovs_ofctl "$1" dump-flows br-int 2>/dev/null; }
wait_flow() { # CHASSIS PATTERN TIMEOUT(s)
	local i
	for i in $(seq $(($3 * 10))); do
		flows "$1" | grep -qE "$2" && return 0
		sleep 0.1
	done
	return 1
}
# every remote VM's MAC has its way out on the other chassis
wait_flow c1 'table=50,.*dl_dst=02:00:00:03:02:14 actions=push_vlan' 10 ||
	{ flows c1 >&2; fail "c1: pipeline flows to c2's VMs not installed"; }
wait_flow c2 'table=50,.*dl_dst=02:00:00:01:01:0a actions=set_field:.*->tun_id' 10 ||
	{ flows c2 >&2; fail "c2: pipeline flows to c1's VMs not installed"; }
info "pipelines installed (c1 $(flows c1 | wc -l) flows, c2 $(flows c2 | wc -l) flows)"

# tcpdump -vv prints a frame over several lines: one line per frame
join_frames() {
	awk '/^[0-9][0-9]:[0-9][0-9]:/ { if (l != "") print l; l = $0; next }
	     { l = l " " $0 } END { if (l != "") print l }'
}

# routed_ping TYPE SRC DST_IP WIRE_IF FILTER EXPECT: ping from c1's VM SRC to
# DST_IP on c2 while capturing on c1's WIRE_IF with FILTER; EXPECT is a
# regex tcpdump's lines must show (the encapsulation).
routed_ping() {
	local type=$1 src=$2 dst=$3 wire=$4 filter=$5 expect=$6 td
	ip netns exec "$(ovs_ns c1)" timeout 8 tcpdump -l -n -e -vv -i "$wire" -c 6 "$filter" \
		2>/dev/null | join_frames >"$T/wire-$type.txt" &
	td=$!
	sleep 0.5
	vm_exec c1 "$src" ping -c 5 -i 0.2 -W 2 "$dst" >"$T/ping-$type.txt" 2>&1 ||
		{ cat "$T/ping-$type.txt" >&2; flows c1 >&2; flows c2 >&2; fail "$type: routed ping $src -> $dst failed"; }
	grep -q " 5 received" "$T/ping-$type.txt" ||
		fail "$type: packets lost: $(grep received "$T/ping-$type.txt")"
	wait $td 2>/dev/null
	grep -qE "$expect" "$T/wire-$type.txt" ||
		{ cat "$T/wire-$type.txt" >&2; fail "$type: the ping did not cross as $type ($expect)"; }
	info "$type: 5/5 replies from $dst on c2, $(grep -cE "$expect" "$T/wire-$type.txt") $type frames seen on $wire"
}

# VXLAN: both directions on the underlay, each with its destination
# network's VNI (c1 -> c2: vx2 = 5002, c2 -> c1: vx1 = 5001)
routed_ping vxlan avx 10.1.2.20 ul0 'udp port 4789' \
	'VXLAN.*vni 5002.*10\.1\.1\.10 > 10\.1\.2\.20: ICMP echo request'
grep -qE 'vni 5001.*10\.1\.2\.20 > 10\.1\.1\.10: ICMP echo reply' "$T/wire-vxlan.txt" ||
	{ cat "$T/wire-vxlan.txt" >&2; fail "vxlan: no reply in VNI 5001 on the underlay"; }

# GRE: key 7001 one way, the 32-bit key the other
routed_ping gre agr 10.2.2.20 ul0 'ip proto 47' \
	"key=0x0*$(printf %x $GRE_KEY2).*10\.2\.1\.10 > 10\.2\.2\.20: ICMP echo request"
grep -qE "key=0x0*$(printf %x 7001).*10\.2\.2\.20 > 10\.2\.1\.10: ICMP echo reply" "$T/wire-gre.txt" ||
	{ cat "$T/wire-gre.txt" >&2; fail "gre: no reply with key 7001 on the underlay"; }

# VLAN: 802.1Q on the provider wire, vlan 102 there and 101 back
routed_ping vlan avl 10.3.2.20 phy-default 'vlan' \
	'vlan 102.*10\.3\.1\.10 > 10\.3\.2\.20: ICMP echo request'
grep -qE 'vlan 101.*10\.3\.2\.20 > 10\.3\.1\.10: ICMP echo reply' "$T/wire-vlan.txt" ||
	{ cat "$T/wire-vlan.txt" >&2; fail "vlan: no reply tagged 101 on the provider wire"; }

# Isolation: the routers are separate, so a VM of one router cannot reach
# another router's subnets (no route: its own router drops it).
if vm_exec c1 avx ping -c 2 -i 0.2 -W 1 10.2.2.20 >/dev/null 2>&1; then
	fail "isolation: avx (router r-vx) reached bgr (router r-gre)"
fi
info "isolation: r-vx's VM cannot reach r-gre's subnet"

for c in c1 c2; do ovs_check_log $c || fail "ovs-vswitchd of $c logged errors"; done
alive $HOSTD || fail "hostd died"
check_sanitizers "$T/hostd.log"
echo "PASS"
