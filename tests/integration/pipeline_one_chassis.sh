#!/bin/bash
# tests/integration/pipeline_one_chassis.sh: issue 4, integration test 1.
# One chassis (a private OVS in its own netns), one router, two subnets,
# two netns VMs. hostd runs the pipeline (no --flows) with the topology
# applied through its REST API. Asserts traffic, not just flows:
#   - the ARP reply for the gateway is unicast to the requester (tcpdump
#     in the VM sees eth_dst = its own MAC), and `ip neigh` learns it;
#   - ping to the gateway is answered (hostd's ICMP echo);
#   - reactive: a cross-subnet ping loses no packet (the first one is
#     packet-out'ed by hostd), the /32 flows (cookie kind 6) appear, then
#     leave after the idle timeout (--l3-idle-timeout 3);
#   - proactive: the /32 flows are installed ahead and the same ping
#     causes zero packet-ins (hostd's "pipeline: packet-in" log lines);
#   - incremental: a port created through the API, its VM plugged into
#     the switch, the port deleted: each changes only the port's own flows
#     and its network's flood groups, converged without a flow dump
#     (hostd's convergence line counts the flow_mods), and the VM pings.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/topo.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
need_bins hostd

N=$((100 + $$ % 100))
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
at_exit ovs_stop_all

ovs_chassis c1 $N 0000000000000001 || fail "cannot set up OVS c1"

API="$T/api.sock"
spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --no-nic --state-dir "$T/state" --api "unix:$API" \
	--listen "tcp:$CTL_IP:$PORT" --l3-idle-timeout 3 --echo-interval-ms 1000 -l debug
HOSTD=$SPAWNED
LIB_SHOW_LOGS+=("$T/hostd.log")
for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
[ -S "$API" ] || fail "hostd's API socket did not appear"

api() { # METHOD PATH [BODY]
	curl -sS --unix-socket "$API" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://localhost$2"
}

topology() { topo_one_chassis "$1" 11259375 1048577; } # MODE

out=$(api POST /v2.0/dfnic/apply "$(topology reactive)") || fail "apply: curl failed"
echo "$out" | grep -q '"dfnic:apply"' || fail "apply refused: $out"

vm_add c1 vma 10.0.1.10/24 02:00:00:00:01:0a 10.0.1.1 || fail "vm a"
vm_add c1 vmb 10.0.2.20/24 02:00:00:00:02:14 10.0.2.1 || fail "vm b"
ovs_vsctl c1 set-controller br-int "tcp:$CTL_IP:$PORT" || fail "set-controller"
ovs_vsctl c1 set controller br-int max_backoff=1000 || true

flows() { ovs_ofctl c1 dump-flows br-int "$@" 2>/dev/null; }
wait_flow() { # PATTERN TIMEOUT(s)
	local i
	for i in $(seq $(($2 * 10))); do
		flows | grep -qE "$1" && return 0
		sleep 0.1
	done
	return 1
}
wait_flow 'table=60,.*dl_dst=02:00:00:00:02:14 actions=output' 10 || { flows >&2; fail "pipeline flows not installed"; }
info "pipeline installed ($(flows | wc -l) flows)"

# --- ARP for the gateway: a unicast reply from the flows ---------------
vm_exec c1 vma ip neigh flush dev eth0
vm_exec c1 vma timeout 5 tcpdump -l -n -e -i eth0 -c 1 'arp[6:2] == 2' >"$T/arp.txt" 2>/dev/null &
TD=$!
sleep 0.5
vm_exec c1 vma ping -c 2 -W 1 10.0.1.1 >"$T/ping-gw.txt" || { cat "$T/ping-gw.txt" >&2; fail "ping to the gateway failed"; }
wait $TD 2>/dev/null
grep -q "Reply 10.0.1.1 is-at" "$T/arp.txt" || fail "no ARP reply for 10.0.1.1 seen: $(cat "$T/arp.txt")"
grep -qE "> 02:00:00:00:01:0a, ethertype ARP" "$T/arp.txt" ||
	fail "the ARP reply was not unicast to the requester: $(cat "$T/arp.txt")"
vm_exec c1 vma ip neigh show 10.0.1.1 | grep -q lladdr || fail "gateway not in vma's neighbour table"
info "ARP reply unicast to the requester; ping to the gateway answered"

# --- reactive routing --------------------------------------------------
pins() { grep -c "pipeline: packet-in" "$T/hostd.log"; }
p0=$(pins)
vm_exec c1 vma ping -c 3 -i 0.3 -W 1 10.0.2.20 >"$T/ping-r.txt" ||
	{ cat "$T/ping-r.txt" >&2; flows >&2; fail "reactive: cross-subnet ping failed"; }
grep -q " 3 received" "$T/ping-r.txt" || fail "reactive: packets lost: $(grep received "$T/ping-r.txt")"
p1=$(pins)
[ $((p1 - p0)) -ge 1 ] || fail "reactive: no packet-in counted"
flows table=30 | grep -E 'cookie=0x6' | grep -q 'nw_dst=10.0.2.20' || { flows >&2; fail "reactive: no /32 to 10.0.2.20"; }
flows table=30 | grep -E 'cookie=0x6' | grep -q 'nw_dst=10.0.1.10' || fail "reactive: no /32 back to 10.0.1.10"
info "reactive: 3/3 replies, $((p1 - p0)) packet-in(s), /32 flows installed"
gone=0
for _ in $(seq 80); do
	if ! flows table=30 | grep -q 'cookie=0x6'; then gone=1; break; fi
	sleep 0.1
done
[ $gone = 1 ] || fail "reactive: /32 flows still there after the idle timeout"
info "reactive: /32 flows expired after the idle timeout"

# --- proactive routing: zero packet-ins --------------------------------
out=$(api POST /v2.0/dfnic/apply "$(topology proactive)") || fail "apply proactive: curl failed"
echo "$out" | grep -q '"dfnic:apply"' || fail "apply proactive refused: $out"
wait_flow 'table=30,.*priority=300,ip,reg5=.*nw_dst=10.0.2.20' 10 || { flows >&2; fail "proactive /32 not installed"; }
p0=$(pins)
vm_exec c1 vma ping -c 3 -i 0.3 -W 1 10.0.2.20 >"$T/ping-p.txt" ||
	{ cat "$T/ping-p.txt" >&2; fail "proactive: cross-subnet ping failed"; }
grep -q " 3 received" "$T/ping-p.txt" || fail "proactive: packets lost"
p1=$(pins)
[ "$p1" = "$p0" ] || fail "proactive: $((p1 - p0)) packet-in(s), want 0"
info "proactive: 3/3 replies, zero packet-ins"

# --- incremental: one port added, plugged, then removed ------------------
# hostd recompiles only the units a change touches and, the switch being
# in sync, sends just that difference without dumping the switch's flows:
# its convergence line says so and counts the flow_mods. The port is
# created through the API before its interface is on the switch (nothing
# to install yet), then its VM is plugged (PORT_STATUS: its classify, L2
# delivery and proactive /32, net1's two flood groups modified), then the
# port is deleted through the API (the same, removed).
nconv() { grep -c 'converged in' "$T/hostd.log"; }
last_conv() { grep 'converged in' "$T/hostd.log" | tail -n 1; }
n1=$(nconv)
out=$(api POST /v2.0/ports '{"port": {"id": "vmc", "name": "vmc", "network_id": "net1",
	"mac_address": "02:00:00:00:01:1e", "fixed_ips": [{"ip_address": "10.0.1.30"}],
	"binding:host_id": "c1", "device_owner": "compute:nova", "dfnic:interface_name": "vmc-c1"}}') ||
	fail "port create: curl failed"
key=$(echo "$out" | sed -n 's/.*"dfnic:port_key": *\([0-9]*\).*/\1/p')
[ -n "$key" ] || fail "port create refused: $out"
ck=$(printf '0x3%014x' "$key")
wait_for_log_count 'converged in' "$T/hostd.log" $((n1 + 1)) 10 || fail "no convergence after the port create"
line=$(last_conv)
echo "$line" | grep -q 'sent add=1 modify=0 delete=0 flow_mods=1 group/meter mods=0; rejected=0; against the replaced units' ||
	fail "port create (not plugged): not its /32 alone: $line"
n1=$(nconv)
vm_add c1 vmc 10.0.1.30/24 02:00:00:00:01:1e 10.0.1.1 || fail "vm c"
wait_for_log_count 'converged in' "$T/hostd.log" $((n1 + 1)) 10 || fail "no convergence after vm c was plugged"
line=$(last_conv)
echo "$line" | grep -q 'sent add=2 modify=0 delete=0 flow_mods=2 group/meter mods=2; rejected=0; against the replaced units' ||
	fail "vm c plugged: not 2 flow adds + 2 group mods of the port's units alone: $line"
[ "$(flows | grep -c "cookie=$ck,")" = 3 ] || { flows >&2; fail "vm c: not 3 flows with the port's cookie $ck"; }
vm_exec c1 vmc ping -c 2 -i 0.3 -W 1 10.0.1.10 >/dev/null || fail "vm c: ping on its subnet failed"
vm_exec c1 vmc ping -c 2 -i 0.3 -W 1 10.0.2.20 >/dev/null || fail "vm c: routed ping failed"
n1=$(nconv)
api DELETE /v2.0/ports/vmc >/dev/null || fail "port delete: curl failed"
wait_for_log_count 'converged in' "$T/hostd.log" $((n1 + 1)) 10 || fail "no convergence after the port delete"
line=$(last_conv)
echo "$line" | grep -q 'sent add=0 modify=0 delete=3 flow_mods=3 group/meter mods=2; rejected=0; against the replaced units' ||
	fail "port delete: not the 3 flow deletes + 2 group mods of the port's units alone: $line"
[ "$(flows | grep -c "cookie=$ck,")" = 0 ] || fail "port delete: flows with the port's cookie left"
info "incremental: port create 1 flow_mod, VM plugged 2 + 2 group mods, delete 3 + 2, no flow dump"

ovs_check_log c1 || fail "ovs-vswitchd logged errors"
alive $HOSTD || fail "hostd died"
check_sanitizers "$T/hostd.log"
echo "PASS"
