#!/bin/bash
# tests/integration/pipeline_kill_hostd.sh: issue 4, integration test 4.
# hostd is killed with SIGKILL and started again while VMs ping each other
# (ping -i 0.2) across two routers of one chassis:
#   r-pro (proactive): va 10.4.1.10 <-> vb 10.4.2.20, /32 flows installed ahead;
#   r-re  (reactive):  vc 10.5.1.10 <-> vd 10.5.2.20, /32 flows (cookie kind 6)
#         installed on the first packet-in, idle timeout 120 s (longer than
#         the test: they must survive the restart because hostd keeps them,
#         not be re-created).
# A network is created through the API right before the kill: its
# acknowledgement means it is durable.
# Asserts:
#   - no acknowledged topology lost: every API listing (networks, subnets,
#     ports, routers, floating IPs, chassis) is the same after the restart,
#     including the network created last;
#   - flows reconciled without a wipe: hostd's convergence after the
#     restart sends add=0 modify=0 delete=0 and no group mods, the flow
#     table (without counters) is identical, and every flow's duration kept
#     growing through the outage (a re-created flow restarts at 0);
#   - at most 1 ping lost on each pair, and traffic still flows afterwards.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/common.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
command -v python3 >/dev/null || skip "python3 not installed"
need_bins hostd

N=$(ctl_subnet)
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
at_exit ovs_stop_all

ovs_start c1 $N || fail "cannot start OVS"
ovs_br c1 || fail "cannot create br-int"
ovs_vsctl c1 set bridge br-int other-config:datapath-id=0000000000000001 || fail "dpid"
LIB_SHOW_LOGS+=("$(ovs_dir c1)/ovs-vswitchd.log")

API="$T/api.sock"
H="$T/hostd.log"
start_hostd() {
	spawn "$H" "$DFNIC_BIN/hostd" --no-nic --state-dir "$T/state" --api "unix:$API" \
		--listen "tcp:$CTL_IP:$PORT" --l3-idle-timeout 120 --echo-interval-ms 1000 -l debug
	HOSTD=$SPAWNED
	local i
	for i in $(seq 100); do
		curl -sf --unix-socket "$API" http://localhost/v2.0/chassis >/dev/null 2>&1 && return 0
		alive $HOSTD || fail "hostd exited at start"
		sleep 0.05
	done
	fail "hostd's API did not answer"
}
api() { # METHOD PATH [BODY]
	curl -sS --unix-socket "$API" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://localhost$2"
}
# every listing, normalised (keys sorted, objects sorted by id)
snapshot() {
	local k
	for k in networks subnets ports routers floatingips chassis; do
		echo "== $k"
		api GET /v2.0/$k | python3 -c '
import json, sys
d = json.load(sys.stdin)
(k, v), = d.items()
v.sort(key=lambda o: o.get("id", o.get("name", "")))
print(json.dumps({k: v}, sort_keys=True, indent=1))'
	done
}

start_hostd
port() { # ID NET IP MAC
	echo "{\"id\": \"$1\", \"name\": \"$1\", \"network_id\": \"$2\", \"mac_address\": \"$4\",
	  \"fixed_ips\": [{\"ip_address\": \"$3\"}], \"binding:host_id\": \"c1\",
	  \"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"$1-c1\"}"
}
TOPO=$(cat <<EOF
{"chassis": [{"name": "c1", "datapath_id": "0000000000000001", "tunnel_ip": "192.168.50.1"}],
 "networks": [{"id": "n1", "name": "n1"}, {"id": "n2", "name": "n2"},
              {"id": "n3", "name": "n3"}, {"id": "n4", "name": "n4"}],
 "subnets": [{"id": "s1", "network_id": "n1", "cidr": "10.4.1.0/24"},
             {"id": "s2", "network_id": "n2", "cidr": "10.4.2.0/24"},
             {"id": "s3", "network_id": "n3", "cidr": "10.5.1.0/24"},
             {"id": "s4", "network_id": "n4", "cidr": "10.5.2.0/24"}],
 "routers": [{"id": "r-pro", "name": "r-pro", "dfnic:l3_mode": "proactive",
              "interfaces": [{"subnet_id": "s1"}, {"subnet_id": "s2"}]},
             {"id": "r-re", "name": "r-re", "dfnic:l3_mode": "reactive",
              "interfaces": [{"subnet_id": "s3"}, {"subnet_id": "s4"}]}],
 "ports": [$(port va n1 10.4.1.10 02:00:00:04:01:0a), $(port vb n2 10.4.2.20 02:00:00:04:02:14),
           $(port vc n3 10.5.1.10 02:00:00:05:01:0a), $(port vd n4 10.5.2.20 02:00:00:05:02:14)]}
EOF
)
out=$(api POST /v2.0/dfnic/apply "$TOPO") || fail "apply: curl failed"
echo "$out" | grep -q '"dfnic:apply"' || fail "apply refused: $out"

vm_add c1 va 10.4.1.10/24 02:00:00:04:01:0a 10.4.1.1 || fail "vm va"
vm_add c1 vb 10.4.2.20/24 02:00:00:04:02:14 10.4.2.1 || fail "vm vb"
vm_add c1 vc 10.5.1.10/24 02:00:00:05:01:0a 10.5.1.1 || fail "vm vc"
vm_add c1 vd 10.5.2.20/24 02:00:00:05:02:14 10.5.2.1 || fail "vm vd"
ovs_controller c1 "tcp:$CTL_IP:$PORT" || fail "set-controller"

flows() { ovs_ofctl c1 dump-flows br-int 2>/dev/null; }
# each flow with its duration, without the counters
flows_dur() {
	flows | grep 'cookie=' | sed -E 's/ n_packets=[0-9]+,//; s/ n_bytes=[0-9]+,//;
		s/ idle_age=[0-9]+,//; s/ hard_age=[0-9]+,//; s/^ +//'
}
for _ in $(seq 100); do
	flows | grep -q 'table=30,.*priority=300,ip,reg5=.*nw_dst=10.4.2.20' && break
	sleep 0.1
done
flows | grep -q 'table=30,.*priority=300,ip,reg5=.*nw_dst=10.4.2.20' ||
	{ flows >&2; fail "proactive /32 not installed"; }
# the reactive router's /32 flows: one packet-in, then kept
vm_exec c1 vc ping -c 2 -i 0.2 -W 1 10.5.2.20 >/dev/null || fail "reactive ping vc -> vd failed"
flows | grep 'cookie=0x6' | grep -q 'nw_dst=10.5.2.20' || { flows >&2; fail "no reactive /32 to vd"; }
flows | grep 'cookie=0x6' | grep -q 'nw_dst=10.5.1.10' || { flows >&2; fail "no reactive /32 to vc"; }
info "pipeline installed ($(flows | grep -c cookie=) flows, reactive /32s of r-re present)"

# a write acknowledged right before the kill
out=$(api POST /v2.0/networks '{"network": {"id": "n-last", "name": "acked-before-kill"}}') ||
	fail "create network: curl failed"
echo "$out" | grep -q '"n-last"' || fail "create network refused: $out"
snapshot >"$T/topo-before"
grep -q '"acked-before-kill"' "$T/topo-before" || fail "the new network is not listed"

# pings across the outage: 14 s at 5/s
vm_exec c1 va ping -i 0.2 -c 70 -W 1 10.4.2.20 >"$T/ping-pro.txt" 2>&1 &
PING_PRO=$!
vm_exec c1 vc ping -i 0.2 -c 70 -W 1 10.5.2.20 >"$T/ping-re.txt" 2>&1 &
PING_RE=$!
sleep 2
flows_norm c1 >"$T/flows-before"
flows_dur >"$T/dur-before"
n_conv=$(converged_count "$H")
kill9 $HOSTD
t_kill=$(now)
info "hostd killed (SIGKILL) with $(wc -l <"$T/flows-before") flows on the switch"
sleep 1
start_hostd
wait_for_log_count 'converged in' "$H" $((n_conv + 1)) 20 || fail "no convergence after the restart"
line=$(grep 'converged in' "$H" | tail -n 1)
info "after restart: ${line#*ctl: }"
echo "$line" | grep -q 'sent add=0 modify=0 delete=0 flow_mods=0 group/meter mods=0' ||
	fail "the restart changed the switch: $line"

# same topology, nothing lost
snapshot >"$T/topo-after"
diff -u "$T/topo-before" "$T/topo-after" || fail "the topology changed across kill -9"
info "topology identical after kill -9 (incl. the network acknowledged just before)"

# same flows, none re-created: every duration grew by about the outage
flows_norm c1 >"$T/flows-after"
diff -u "$T/flows-before" "$T/flows-after" || fail "the flow table changed"
waited=$(awk -v a="$t_kill" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
flows_dur >"$T/dur-after"
python3 - "$T/dur-before" "$T/dur-after" "$waited" <<'PY' || fail "flows were re-created (durations reset)"
import re, sys
def load(p):
    d = {}
    for l in open(p):
        m = re.search(r' duration=([0-9.]+)s,', l)
        d[l.strip().replace(m.group(0), '')] = float(m.group(1))
    return d
a, b, w = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
bad = [k for k in a if k not in b or b[k] < a[k] + w - 0.5]
for k in bad:
    print("re-created or lost:", k, a[k], b.get(k), file=sys.stderr)
print(f"{len(a)} flows, every duration grew by >= {w - 0.5:.1f}s", file=sys.stderr)
sys.exit(1 if bad or not a else 0)
PY
flows | grep 'cookie=0x6' | grep -q 'nw_dst=10.5.2.20' || fail "reactive /32 to vd gone after the restart"

wait $PING_PRO
wait $PING_RE
for f in pro re; do
	line=$(grep 'packets transmitted' "$T/ping-$f.txt")
	tx=$(echo "$line" | awk '{print $1}')
	rx=$(echo "$line" | awk '{print $4}')
	[ -n "$tx" ] && [ "$tx" -ge 60 ] || fail "$f: ping did not run: $(cat "$T/ping-$f.txt")"
	[ $((tx - rx)) -le 1 ] || fail "$f: $((tx - rx)) of $tx pings lost across the restart"
	info "$f: $rx/$tx pings answered across the kill -9 and restart"
done
vm_exec c1 va ping -c 2 -i 0.2 -W 1 10.4.2.20 >/dev/null || fail "no traffic after the restart"
# hostd is in charge again: a new topology change reaches the switch
out=$(api POST /v2.0/ports "{\"port\": $(port ve n1 10.4.1.30 02:00:00:04:01:1e)}") || fail "create port: curl"
echo "$out" | grep -q '"ve"' || fail "create port refused: $out"
for _ in $(seq 50); do flows | grep -q 'nw_dst=10.4.1.30' && break; sleep 0.1; done
flows | grep -q 'nw_dst=10.4.1.30' || fail "the restarted hostd did not program a new port"

ovs_check_log c1 || fail "ovs-vswitchd logged errors"
alive $HOSTD || fail "hostd died"
check_sanitizers "$H"
echo "PASS"
