#!/bin/bash
# tests/integration/dfctl_cli.sh: dfctl against a real hostd: create /
# list / show / update / delete of every resource (tables and --json),
# router interfaces, apply of tests/data/topo-two-subnets.json (idempotent,
# --prune), exit codes, and --help on every command and subcommand.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"
need_bins hostd dfctl

# --help everywhere: exit 0, a usage line, no hostd needed
SOCK=$T/nowhere.sock
for c in "" network subnet port router floatingip chassis apply flows pipeline; do
	out=$(dfc $c --help) || fail "dfctl $c --help exited $?"
	echo "$out" | grep -q '^usage: dfctl' || fail "dfctl $c --help: no usage line"
done
for r in network subnet port router floatingip chassis; do
	for a in create list show update delete; do
		out=$(dfc $r $a --help) || fail "dfctl $r $a --help exited $?"
		echo "$out" | grep -q "^usage: dfctl $r $a" || fail "dfctl $r $a --help: $out"
	done
done
for a in add-interface remove-interface; do
	dfc router $a --help | grep -q "^usage: dfctl router $a" || fail "router $a --help"
done
dfc network create --help | grep -q -- '--segmentation-id' || fail "network create --help lacks options"
# usage errors: exit 2; hostd absent: exit 3
rc=0; dfc network frobnicate 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "unknown action exited $rc, wanted 2"
rc=0; dfc widget list 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "unknown command exited $rc, wanted 2"
rc=0; dfc network list 2>"$T/err" || rc=$?
[ $rc = 3 ] || fail "unreachable hostd: exit $rc, wanted 3"
grep -q 'cannot reach hostd' "$T/err" || fail "unreachable hostd: $(cat "$T/err")"

hostd_up "$T/state"

# jq-less JSON field reader: jget FILE PYTHON-EXPR (d is the document)
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --- every resource: create, list, show, update, delete -----------------
dfc chassis create c9 --dpid 0xa9 --tunnel-ip 192.0.2.9 --smartnic >"$T/o" || fail "chassis create"
grep -q '^smartnic *true' "$T/o" || fail "chassis create output: $(cat "$T/o")"
dfc network create --id ext --external --type flat --physical-network public >/dev/null || fail "network create ext"
dfc network create --id n1 --name blue --type vlan --segmentation-id 100 >/dev/null || fail "network create n1"
dfc subnet create --id es --network ext --cidr 198.51.100.0/24 >/dev/null || fail "subnet create es"
dfc subnet create --id s1 --network n1 --cidr 10.1.0.0/24 --pool 10.1.0.100-10.1.0.200 >/dev/null || fail "subnet create s1"
dfc port create --id vm1 --network n1 --chassis c9 --device-owner compute:nova >/dev/null || fail "port create"
dfc --json port show vm1 >"$T/p.json" || fail "port show --json"
[ "$(jget "$T/p.json" 'd["port"]["fixed_ips"][0]["ip_address"]')" = 10.1.0.100 ] || fail "port IP not from the pool"
[ "$(jget "$T/p.json" 'd["port"]["dfnic:interface_name"]')" = tapvm1 ] || fail "interface name"
jget "$T/p.json" 'd["port"]["mac_address"]' | grep -q '^fa:16:3e:' || fail "MAC not fa:16:3e:..."
dfc router create --id r1 --external-network ext >/dev/null || fail "router create"
dfc router add-interface r1 --subnet s1 >/dev/null || fail "router add-interface"
dfc floatingip create --id f1 --network ext --port vm1 >/dev/null || fail "floatingip create"
dfc --json floatingip show f1 >"$T/f.json" || fail "floatingip show"
[ "$(jget "$T/f.json" 'd["floatingip"]["router_id"]')" = r1 ] || fail "floating IP router"
[ "$(jget "$T/f.json" 'd["floatingip"]["fixed_ip_address"]')" = 10.1.0.100 ] || fail "floating IP fixed IP"

for r in network subnet port router floatingip chassis; do
	dfc $r list >"$T/table" || fail "$r list"
	head -1 "$T/table" | grep -qE '^(ID|NAME) ' || fail "$r list: no header: $(head -1 "$T/table")"
	dfc --json $r list >"$T/list.json" || fail "$r list --json"
done
dfc port list | grep -E '^vm1 ' | grep -q '10.1.0.100' || fail "port table lacks vm1's IP"
dfc router list | grep -E '^r1 ' | grep -q '10.1.0.1' || fail "router table lacks the interface IP"
dfc network list --filter router:external=true | grep -q '^ext ' || fail "filter: ext missing"
dfc network list --filter router:external=true | grep -q '^n1 ' && fail "filter: n1 not filtered out"
dfc network show n1 | grep -q '^provider:segmentation_id *100$' || fail "network show"
dfc subnet show s1 --json | grep -q '"cidr": "10.1.0.0/24"' || fail "subnet show --json"

dfc network update n1 --name green >/dev/null || fail "network update"
dfc network show n1 | grep -q '^name *green$' || fail "update not visible"
dfc router update r1 --mode proactive --route 172.16.0.0/12,10.1.0.254 >/dev/null || fail "router update"
dfc --json router show r1 | grep -q '"nexthop": "10.1.0.254"' || fail "route missing"
dfc chassis update c9 --network-node >/dev/null || fail "chassis update"
dfc chassis show c9 | grep -q '^network_node *true$' || fail "chassis update not visible"

# refused change: exit 1 with the API's message, nothing changed
rc=0; dfc router remove-interface r1 --subnet s1 2>"$T/err" || rc=$?
[ $rc = 1 ] || fail "remove-interface under a route/floating IP exited $rc, wanted 1"
grep -q 'HTTP 409' "$T/err" || fail "remove-interface: $(cat "$T/err")"

# delete everything, dependents first
dfc floatingip delete f1 >/dev/null || fail "floatingip delete"
dfc router update r1 --set routes=[] >/dev/null || fail "routes cleared"
dfc router remove-interface r1 --subnet s1 >/dev/null || fail "remove-interface"
dfc router delete r1 >/dev/null || fail "router delete"
dfc port delete vm1 >/dev/null || fail "port delete"
dfc subnet delete s1 es >/dev/null || fail "subnet delete"
dfc network delete n1 ext >/dev/null || fail "network delete"
dfc chassis delete c9 >/dev/null || fail "chassis delete"
for r in network subnet port router floatingip chassis; do
	n=$(dfc --json $r list | python3 -c "import json,sys; print(len(json.load(sys.stdin)['${r}s' if '$r' != 'chassis' else 'chassis']))")
	[ "$n" = 0 ] || fail "$r list not empty after deletes ($n)"
done
rc=0; dfc network show n1 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q 'HTTP 404' "$T/err" || fail "show of a deleted network: exit $rc $(cat "$T/err")"

# --- apply -----------------------------------------------------------------
EX=$DFNIC_TOP/tests/data/topo-two-subnets.json
dfc apply "$EX" | grep -q '^applied: 10 created, 0 updated, 0 deleted$' || fail "apply of the example"
dfc apply "$EX" | grep -q '^applied: 0 created, 0 updated, 0 deleted$' || fail "second apply not a no-op"
dfc --json router show router1 >"$T/r.json" || fail "router1 missing"
[ "$(jget "$T/r.json" 'len(d["router"]["dfnic:interfaces"])')" = 2 ] || fail "router1 has not 2 interfaces"
[ "$(jget "$T/r.json" 'sorted(i["ip_address"] for i in d["router"]["dfnic:interfaces"])')" = "['10.0.1.1', '10.0.2.1']" ] ||
	fail "router1 interface IPs"
dfc port show vm-a | grep -q '^binding:host_id *c1$' || fail "vm-a not on c1"
# a changed document: vm-b dropped, vm-a renamed; --prune deletes vm-b
python3 - "$EX" "$T/changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["ports"] = [p for p in d["ports"] if p["id"] != "vm-b"]
d["ports"][0]["name"] = "renamed"
json.dump(d, open(sys.argv[2], "w"))
PY
dfc apply "$T/changed.json" | grep -q '^applied: 0 created, 1 updated, 0 deleted$' || fail "apply without prune"
dfc port show vm-b >/dev/null || fail "vm-b deleted without --prune"
dfc apply --prune "$T/changed.json" | grep -q '^applied: 0 created, 0 updated, 1 deleted$' || fail "apply --prune"
rc=0; dfc port show vm-b 2>/dev/null || rc=$?
[ $rc = 1 ] || fail "vm-b still there after --prune"
dfc --json apply "$EX" | grep -q '"created": 1' || fail "apply --json"

# --- flows / pipeline with no switch (dfctl_flows.sh has one): 503 / 404, exit 1
for c in flows pipeline; do
	rc=0; dfc $c c1 >/dev/null 2>"$T/err" || rc=$?
	[ $rc = 1 ] && grep -q 'HTTP 503' "$T/err" || fail "$c c1 without a switch: exit $rc $(cat "$T/err")"
	rc=0; dfc $c nope >/dev/null 2>"$T/err" || rc=$?
	[ $rc = 1 ] && grep -q 'HTTP 404' "$T/err" || fail "$c of an unknown chassis: exit $rc $(cat "$T/err")"
done

hostd_down
check_sanitizers "$HOSTD_LOG"
info "PASS: dfctl create/list/show/update/delete of every resource, apply, --help"
