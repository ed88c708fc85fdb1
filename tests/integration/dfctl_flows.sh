#!/bin/bash
# tests/integration/dfctl_flows.sh: `dfctl flows` and `dfctl pipeline`
# against a real Open vSwitch (issue 4: "shows the flows hostd wants and
# whether the switch has them"; "prints the table graph and renders it").
# One chassis, one router, two subnets, two netns VMs (as in
# pipeline_one_chassis.sh). Asserts:
#   - unknown chassis: 404, dfctl exit 1; chassis whose switch has not
#     connected: 503, the desired flows still listed with "present": null;
#   - once converged: every desired flow present, as many as hostd's own
#     convergence log counted, and the switch holds exactly present + extra
#     flows (ovs-ofctl dump-flows);
#   - counters: after a routed ping, the VM's classify flow counts packets
#     and the reactive /32 flows show as installed by hostd (kept);
#   - a flow deleted behind hostd's back (ovs-ofctl --strict del-flows)
#     shows present=no (NO) until a reconvergence (SIGHUP) puts it back;
#   - `dfctl pipeline c1 --svg F --dot D`: F is SVG (--png: a PNG), the text graph names
#     tables 0 -> 10 -> 20 -> 30 -> 50 -> 60 with the VM ports as exits,
#     and its flow counts add up to the switch's.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"

r=$(ovs_can_run) || skip "$r"
command -v curl >/dev/null || skip "curl not installed"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
command -v dot >/dev/null || skip "Graphviz dot not installed (make deps)"
need_bins hostd dfctl

N=$((100 + $$ % 100))
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
SW=dfl # OVS instance id (its namespaces are named after it) of chassis c1
at_exit ovs_stop_all

ovs_start $SW $N || fail "cannot start OVS"
ovs_br $SW || fail "cannot create br-int"
ovs_vsctl $SW set bridge br-int other-config:datapath-id=0000000000000001 || fail "dpid"

API="$T/api.sock"
spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --no-nic --state-dir "$T/state" --api "unix:$API" \
	--listen "tcp:$CTL_IP:$PORT" --l3-idle-timeout 30 --echo-interval-ms 1000
HOSTD=$SPAWNED
for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
[ -S "$API" ] || fail "hostd's API socket did not appear"

dfctl() { "$DFNIC_BIN/dfctl" --socket "$API" "$@"; }
http_code() { curl -s -o "$T/body.json" -w '%{http_code}' --unix-socket "$API" "http://localhost$1"; }
jq_py() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$2"; }

cat >"$T/topo.json" <<'EOF'
{"chassis": [{"name": "c1", "datapath_id": "0000000000000001", "tunnel_ip": "192.168.50.1"}],
 "networks": [{"id": "net1", "provider:network_type": "vxlan", "provider:segmentation_id": 101},
              {"id": "net2", "provider:network_type": "vxlan", "provider:segmentation_id": 102}],
 "subnets": [{"id": "sub1", "network_id": "net1", "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1"},
             {"id": "sub2", "network_id": "net2", "cidr": "10.0.2.0/24", "gateway_ip": "10.0.2.1"}],
 "routers": [{"id": "r1", "interfaces": [{"subnet_id": "sub1"}, {"subnet_id": "sub2"}]}],
 "ports": [{"id": "vma", "network_id": "net1", "mac_address": "02:00:00:00:01:0a",
            "fixed_ips": [{"ip_address": "10.0.1.10"}], "binding:host_id": "c1",
            "device_owner": "compute:nova", "dfnic:interface_name": "vma-dfl"},
           {"id": "vmb", "network_id": "net2", "mac_address": "02:00:00:00:02:14",
            "fixed_ips": [{"ip_address": "10.0.2.20"}], "binding:host_id": "c1",
            "device_owner": "compute:nova", "dfnic:interface_name": "vmb-dfl"}]}
EOF
dfctl apply "$T/topo.json" >/dev/null || fail "dfctl apply failed"

# --- before the switch connects: 404 / 503 --------------------------------
code=$(http_code /v2.0/chassis/nope/flows)
[ "$code" = 404 ] || fail "unknown chassis: HTTP $code, want 404"
dfctl flows nope >"$T/out" 2>&1; rc=$?
[ $rc = 1 ] || fail "dfctl flows of an unknown chassis exited $rc, want 1"
grep -q "could not be found" "$T/out" || fail "no 'could not be found' message: $(cat "$T/out")"
code=$(http_code /v2.0/chassis/c1/flows)
[ "$code" = 503 ] || fail "switch not connected: HTTP $code, want 503"
n=$(jq_py 'f=d["flows"]; assert f and all(x["present"] is None and x["state"]=="unknown" for x in f), f; print(len(f))' "$T/body.json") ||
	fail "503 reply does not list the desired flows with present=null: $(head -c 600 "$T/body.json")"
dfctl flows c1 >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] || fail "dfctl flows without a switch exited $rc, want 1"
grep -q "NOT connected" "$T/out" || fail "dfctl flows does not say the switch is away: $(head -3 "$T/out")"
info "no switch yet: 404 for an unknown chassis, 503 with $n desired flows (present null)"

# --- the switch connects and converges ---------------------------------------
vm_add $SW vma 10.0.1.10/24 02:00:00:00:01:0a 10.0.1.1 || fail "vm a"
vm_add $SW vmb 10.0.2.20/24 02:00:00:00:02:14 10.0.2.1 || fail "vm b"
ovs_vsctl $SW set-controller br-int "tcp:$CTL_IP:$PORT" || fail "set-controller"
ovs_vsctl $SW set controller br-int max_backoff=1000 || true
ofl() { ovs_ofctl $SW dump-flows br-int "$@" 2>/dev/null | grep -v 'FLOW reply'; }
# converged with both VM ports known (their table 60 flows)
for _ in $(seq 100); do
	ofl table=60 | grep -q 'dl_dst=02:00:00:00:02:14' && ofl table=60 | grep -q 'dl_dst=02:00:00:00:01:0a' && break
	sleep 0.1
done
ofl table=60 | grep -q 'dl_dst=02:00:00:00:02:14' || fail "pipeline flows not installed"
wait_for_log "switch 0x1: converged" "$T/hostd.log" 5 || fail "no convergence logged"
sleep 0.5 # let a convergence started by the last port's PORT_STATUS finish

# summary: desired == present, nothing missing or different
settled=0
for _ in $(seq 30); do
	code=$(http_code /v2.0/chassis/c1/flows)
	if [ "$code" = 200 ] && jq_py 's=d["summary"]; assert s["missing"]==0 and s["different"]==0 and s["present"]==s["desired"]>0' "$T/body.json" 2>/dev/null; then
		settled=1; break
	fi
	sleep 0.2
done
[ $settled = 1 ] || fail "desired flows not all present (HTTP $code): $(jq_py 'print(d.get("summary"))' "$T/body.json")"
desired=$(jq_py 'print(d["summary"]["desired"])' "$T/body.json")
extra=$(jq_py 'print(d["summary"]["extra"])' "$T/body.json")
want=$(grep -oE 'switch 0x1: converged .* desired flows=[0-9]+' "$T/hostd.log" | tail -1 | grep -oE '[0-9]+$')
[ "$desired" = "$want" ] || fail "API lists $desired desired flows, the convergence log says $want"
on_switch=$(ofl | grep -c 'priority=')
[ "$on_switch" = $((desired + extra)) ] ||
	fail "the switch holds $on_switch flows, the API says $desired present + $extra extra"

dfctl flows c1 >"$T/flows.txt" || fail "dfctl flows c1 failed"
rows=$(awk 'NR > 4' "$T/flows.txt" | grep -cE '^[0-9]+ [a-z_0-9]+ +[0-9]+  yes +[0-9]+  ')
[ "$rows" = "$desired" ] || { cat "$T/flows.txt"; fail "dfctl flows shows $rows 'yes' rows, want $desired"; }
grep -qE '^TABLE +PRIO +PRESENT +PACKETS +MATCH +ACTIONS$' "$T/flows.txt" || fail "no table header"
info "converged: dfctl flows lists $desired desired flows, all present; switch holds $on_switch"

# --table filter
dfctl flows c1 --table 60 >"$T/t60.txt" || fail "dfctl flows --table 60 failed"
awk 'NR > 4' "$T/t60.txt" | grep -vE '^60 l2_local ' | grep -q . && fail "--table 60 shows other tables: $(cat "$T/t60.txt")"
grep -qE '^60 l2_local .*02:00:00:00:02:14' "$T/t60.txt" || fail "--table 60 lacks vmb's flow"

# --- counters and hostd's own flows -------------------------------------------
vm_exec $SW vma ping -c 3 -i 0.2 -W 1 10.0.2.20 >"$T/ping.txt" || { cat "$T/ping.txt"; fail "routed ping failed"; }
dfctl --json flows c1 >"$T/flows.json" || fail "dfctl --json flows failed"
pk=$(jq_py 'no=[p["port_no"] for p in d["ports"] if p["name"]=="vma-dfl"][0]
print([f["n_packets"] for f in d["flows"] if f["table"]==0 and f["match"]=="in_port=%d" % no][0])' "$T/flows.json")
[ "$pk" -gt 0 ] 2>/dev/null || fail "no packets counted on vma's classify flow after a ping (got '$pk')"
kept=$(jq_py 'print(sum(1 for f in d["flows"] if f["state"]=="extra" and f["kept"] and f["cookie_kind"]=="reactive"))' "$T/flows.json")
[ "$kept" -ge 2 ] || fail "reactive /32 flows not listed as hostd's (kept): $kept"
dfctl flows c1 >"$T/flows2.txt"
grep -qE '^30 l3 +300  hostd +[0-9]+  .*ipv4_dst=10.0.2.20' "$T/flows2.txt" || fail "no 'hostd' row for the reactive flows: $(grep '^30' "$T/flows2.txt")"
info "counters: classify flow of vma saw $pk packets; $kept reactive /32 flows shown as hostd's"

# --- a flow deleted behind hostd's back -----------------------------------------
line=$(ofl table=60 | grep 'dl_dst=02:00:00:00:02:14' | head -1)
spec=$(echo "$line" | grep -oE 'table=60, .*priority=[^ ]*' | sed -E 's/ //g; s/(n_packets|n_bytes|idle_age|hard_age|duration)=[^,]*,//g')
[ -n "$spec" ] || fail "cannot read vmb's table 60 flow: $line"
ovs_ofctl $SW --strict del-flows br-int "$spec" || fail "ovs-ofctl del-flows --strict $spec failed"
ofl table=60 | grep -q 'dl_dst=02:00:00:00:02:14' && fail "del-flows did not delete $spec"
dfctl --json flows c1 >"$T/flows3.json" || fail "dfctl flows after the delete failed"
jq_py 's=d["summary"]; assert s["missing"]==1 and s["present"]==s["desired"]-1, s
m=[f for f in d["flows"] if f["present"] is False]
assert len(m)==1 and m[0]["table"]==60 and "02:00:00:00:02:14" in m[0]["match"] and m[0]["state"]=="missing", m' "$T/flows3.json" ||
	fail "the deleted flow is not the one missing"
dfctl flows c1 --table 60 | grep -E '02:00:00:00:02:14' | grep -qE '^60 l2_local +100  NO +-  ' ||
	fail "dfctl flows does not show the deleted flow as NO: $(dfctl flows c1 --table 60)"
sleep 1
dfctl --json flows c1 | jq_py 'assert d["summary"]["missing"]==1' /dev/stdin ||
	fail "the deleted flow came back without a reconvergence"
info "deleted behind hostd's back: shown missing (NO), stays missing"

n0=$(grep -c "switch 0x1: converged" "$T/hostd.log")
kill -HUP $HOSTD
wait_for_log_count "switch 0x1: converged" "$T/hostd.log" $((n0 + 1)) 5 || fail "no reconvergence after SIGHUP"
grep "switch 0x1: converged" "$T/hostd.log" | tail -1 | grep -q "sent add=1 " ||
	fail "reconvergence did not add exactly the deleted flow: $(grep 'converged' "$T/hostd.log" | tail -1)"
dfctl --json flows c1 | jq_py 's=d["summary"]; assert s["missing"]==0 and s["present"]==s["desired"], s' /dev/stdin ||
	fail "not all present again after the reconvergence"
info "SIGHUP reconverged: the flow is present again"

# --- dfctl pipeline --------------------------------------------------------------
dfctl pipeline c1 --svg "$T/p.svg" --dot "$T/p.dot" >"$T/graph.txt" 2>"$T/graph.err" ||
	{ cat "$T/graph.err"; fail "dfctl pipeline failed"; }
head -c 2000 "$T/p.svg" | grep -q '<svg' || fail "--svg did not write an SVG"
grep -q 'digraph pipeline' "$T/p.dot" || fail "--dot did not write DOT"
for e in "table 0 classify:" "-> table 10 arp_responder" "table 10 arp_responder:" \
	 "-> table 20 l3_dispatch" "table 20 l3_dispatch:" "-> table 30 l3" "table 30 l3:" \
	 "-> table 50 l2_out" "table 50 l2_out:" "-> table 60 l2_local" "table 60 l2_local:" \
	 "(vma-dfl)" "(vmb-dfl)" "-> CONTROLLER" "-> drop"; do
	grep -qF -- "$e" "$T/graph.txt" || { cat "$T/graph.txt"; fail "text graph lacks '$e'"; }
done
# every table block's flows add up to what the switch holds
sum=$(grep -E '^table [0-9]+.*: [0-9]+ flows?,' "$T/graph.txt" | sed -E 's/.*: ([0-9]+) flows?,.*/\1/' | awk '{ s += $1 } END { print s + 0 }')
on_switch=$(ofl | grep -c 'priority=')
[ "$sum" = "$on_switch" ] || fail "graph counts $sum flows, the switch holds $on_switch"
grep -q "picture written to $T/p.svg" "$T/graph.txt" || fail "dfctl pipeline does not say where the picture is"
dfctl pipeline c1 --png "$T/p.png" >/dev/null || fail "dfctl pipeline --png failed"
[ "$(head -c 4 "$T/p.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] || fail "--png did not write a PNG"
rc=0; dfctl pipeline c1 --svg "$T/a.svg" --png "$T/a.png" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--svg with --png: exit $rc, want 2 (usage)"
dfctl --json pipeline c1 | jq_py 'assert any(e["from"]==0 and e.get("to_table")==10 for e in d["edges"])' /dev/stdin ||
	fail "--json graph lacks the 0 -> 10 edge"
info "dfctl pipeline: SVG written, text graph 0 -> 10 -> 20 -> 30 -> 50 -> 60, $sum flows"

alive $HOSTD || fail "hostd died"
ovs_check_log $SW || fail "ovs-vswitchd logged errors"
check_sanitizers "$T/hostd.log"
echo "PASS"
