#!/bin/bash
# tests/integration/api_bad_input.sh: issue 4, integration test 5 (bad
# input). hostd with a temporary state dir; malformed JSON (and duplicate
# keys, invalid UTF-8, deep nesting), invalid CIDR,
# dangling references, unknown attributes, wrong shapes and a huge body
# each get a 4xx with a JSON NeutronError naming what is wrong, and the
# store is unchanged: the resource lists before and after (also after a
# restart, i.e. as rebuilt from SQLite) are identical.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"
need_bins hostd dfctl
command -v curl >/dev/null || skip "curl is not installed"

hostd_up "$T/state" --api-max-body 65536
dfc apply "$DFNIC_TOP/tests/data/topo-two-subnets.json" >/dev/null || fail "apply of the example failed"
# a subnet overlapping subnet-a on another network (legal until it meets router1)
dfc network create --id net-c >/dev/null || fail "network create failed"
dfc subnet create --id subnet-c --network net-c --cidr 10.0.1.128/25 >/dev/null || fail "subnet create failed"
snapshot >"$T/before.json" || fail "snapshot failed"

# expect STATUS TYPE_REGEX MESSAGE_REGEX METHOD PATH [BODY]
expect() {
	local status=$1 type=$2 msg=$3
	shift 3
	api "$@"
	[ "$API_STATUS" = "$status" ] || fail "$1 $2: HTTP $API_STATUS, wanted $status: $(cat "$T/api.out")"
	python3 - "$T/api.out" "$type" "$msg" <<'PY' || fail "$1 $2: bad error body: $(cat "$T/api.out")"
import json, re, sys
e = json.load(open(sys.argv[1]))["NeutronError"]
assert re.search(sys.argv[2], e["type"]), e
assert re.search(sys.argv[3], e["message"]), e
PY
	info "ok: $API_STATUS $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["NeutronError"]["message"])' "$T/api.out")"
}

# malformed JSON
expect 400 Malformed 'malformed JSON' POST /v2.0/networks '{"network": {"name": "x"'
expect 400 Malformed 'malformed JSON' POST /v2.0/dfnic/apply '{"networks": [}'
expect 400 Malformed 'JSON object' POST /v2.0/networks '[1, 2]'
expect 400 BadRequest 'needs a JSON body' POST /v2.0/networks
expect 400 Malformed 'malformed JSON' PUT /v2.0/routers/router1/add_router_interface '{subnet_id}'
# what cJSON lets through and hostd refuses (hostd/topo/topo_json.c)
expect 400 Malformed 'network.name: duplicate key' POST /v2.0/networks '{"network": {"name": "a", "name": "b"}}'
expect 400 Malformed 'column 23: invalid UTF-8 \(byte 0xc0\)' POST /v2.0/networks $'{"network": {"name": "\xc0\xaf"}}'
expect 400 Malformed 'lone UTF-16 surrogate' POST /v2.0/networks '{"network": {"name": "\ud800"}}'
expect 400 Malformed 'nested deeper than 32' POST /v2.0/dfnic/apply "{\"networks\": $(printf '[%.0s' $(seq 5000))"
expect 400 BadRequest 'datapath_id: .*hex string' POST /v2.0/chassis \
	'{"chassis": {"name": "cx", "datapath_id": 18446744073709551615}}'
# wrong shapes and attributes
expect 400 BadRequest 'must be \{"network"' POST /v2.0/networks '{"net": {}}'
expect 400 BadRequest 'Unrecognized attribute.*colour' POST /v2.0/networks '{"network": {"colour": "red"}}'
expect 400 BadRequest 'mtu: must be an integer' POST /v2.0/networks '{"network": {"mtu": "big"}}'
expect 400 BadRequest 'provider:segmentation_id: 4095 is out of range' POST /v2.0/networks \
	'{"network": {"provider:network_type": "vlan", "provider:segmentation_id": 4095}}'
# invalid CIDRs, addresses, MACs
expect 400 BadRequest "cidr: '10.0.1.1/24' is not a valid CIDR" POST /v2.0/subnets \
	'{"subnet": {"network_id": "net-a", "cidr": "10.0.1.1/24"}}'
expect 400 BadRequest "cidr: '300.0.0.0/8' is not a valid CIDR" POST /v2.0/subnets \
	'{"subnet": {"network_id": "net-a", "cidr": "300.0.0.0/8"}}'
expect 400 BadRequest 'cidr: 10.0.1.0/25 overlaps' POST /v2.0/subnets \
	'{"subnet": {"network_id": "net-a", "cidr": "10.0.1.0/25"}}'
expect 400 BadRequest 'gateway_ip: not inside' POST /v2.0/subnets \
	'{"subnet": {"network_id": "net-a", "cidr": "10.0.9.0/24", "gateway_ip": "10.0.8.1"}}'
expect 400 BadRequest 'mac_address: .* is not a unicast MAC' POST /v2.0/ports \
	'{"port": {"network_id": "net-a", "mac_address": "zz:16:3e:00:00:01"}}'
expect 400 InvalidIp 'fixed_ips\[0\].ip_address: 10.0.2.50 is not inside subnet subnet-a' POST /v2.0/ports \
	'{"port": {"network_id": "net-a", "fixed_ips": [{"subnet_id": "subnet-a", "ip_address": "10.0.2.50"}]}}'
# conflicts
expect 409 MacAddressInUse 'mac_address: fa:16:3e:00:01:0a is already in use' POST /v2.0/ports \
	'{"port": {"network_id": "net-a", "mac_address": "fa:16:3e:00:01:0a"}}'
expect 409 IpAddressAlreadyAllocated 'fixed_ips\[0\].ip_address: 10.0.1.10' POST /v2.0/ports \
	'{"port": {"network_id": "net-a", "fixed_ips": [{"ip_address": "10.0.1.10"}]}}'
expect 409 Conflict 'network net-a already exists' POST /v2.0/networks '{"network": {"id": "net-a"}}'
expect 409 NetworkInUse 'network net-a is in use' DELETE /v2.0/networks/net-a
expect 409 RouterInUse 'still has 2 interface' DELETE /v2.0/routers/router1
expect 400 BadRequest 'subnet_id: cidr 10.0.1.128/25 of subnet subnet-c overlaps' \
	PUT /v2.0/routers/router1/add_router_interface '{"subnet_id": "subnet-c"}'
expect 400 BadRequest 'subnet_id: router router1 already has a port on subnet subnet-a' \
	PUT /v2.0/routers/router1/add_router_interface '{"subnet_id": "subnet-a"}'
# dangling references
expect 404 NetworkNotFound 'network_id: network nope could not be found' POST /v2.0/subnets \
	'{"subnet": {"network_id": "nope", "cidr": "10.5.0.0/24"}}'
expect 404 NetworkNotFound 'network_id: network nope' POST /v2.0/ports '{"port": {"network_id": "nope"}}'
expect 404 SubnetNotFound 'fixed_ips\[0\].subnet_id: subnet nope' POST /v2.0/ports \
	'{"port": {"network_id": "net-a", "fixed_ips": [{"subnet_id": "nope"}]}}'
expect 404 SubnetNotFound 'subnet_id: subnet nope' PUT /v2.0/routers/router1/add_router_interface \
	'{"subnet_id": "nope"}'
expect 404 RouterNotFound 'router nope could not be found' PUT /v2.0/routers/nope/add_router_interface \
	'{"subnet_id": "subnet-a"}'
expect 404 PortNotFound 'port vm-zz could not be found' GET /v2.0/ports/vm-zz
expect 404 HTTPNotFound 'no resource collection' GET /v2.0/widgets
# an apply whose last object is bad changes nothing at all
expect 404 NetworkNotFound 'ports\[1\]: network_id: network nope' POST /v2.0/dfnic/apply \
	'{"networks": [{"id": "net-new"}], "subnets": [{"id": "sub-new", "network_id": "net-new", "cidr": "10.9.0.0/24"}],
	  "ports": [{"id": "p-new", "network_id": "net-new"}, {"id": "p-bad", "network_id": "nope"}]}'
expect 409 IpAddressAlreadyAllocated '10.0.1.1 is already allocated in network net-a' POST /v2.0/dfnic/apply \
	'{"routers": [{"id": "router2", "interfaces": [{"subnet_id": "subnet-a"}]}]}'
# apply documents are read one element at a time: malformed text after
# objects already taken (a later list, a later element) undoes them too
expect 400 Malformed 'line 3 column 9: not valid JSON at' POST /v2.0/dfnic/apply \
	$'{"networks": [{"id": "net-new"}],\n "ports": [{"id": "p-new", "network_id": "net-new"},\n\t{"id": x}]}'
expect 400 Malformed 'ports\[1\].name: duplicate key' POST /v2.0/dfnic/apply \
	'{"networks": [{"id": "net-new"}], "ports": [{"id": "p-new", "network_id": "net-new"}, {"id": "p2", "name": "a", "name": "b"}]}'
expect 400 Malformed 'malformed JSON' POST /v2.0/dfnic/apply '{"networks": [{"id": "net-new"}}, "ports": []}'
expect 400 Malformed 'networks: duplicate key' POST /v2.0/dfnic/apply '{"networks": [], "networks": [{"id": "net-new"}]}'
# a body over --api-max-body
python3 -c 'import json; print(json.dumps({"networks": [{"id": "n%d" % i, "name": "x" * 100} for i in range(2000)]}))' >"$T/huge.json"
api POST /v2.0/dfnic/apply "@$T/huge.json"
[ "$API_STATUS" = 413 ] || fail "huge body: HTTP $API_STATUS, wanted 413"
grep -q 'larger than 65536 bytes' "$T/api.out" || fail "huge body: $(cat "$T/api.out")"
info "ok: 413 for a $(stat -c %s "$T/huge.json")-byte body"

# dfctl reports the API's message and exits 1
printf '{"networks": [' >"$T/broken.json"
rc=0
out=$(dfc apply "$T/broken.json" 2>&1) || rc=$?
[ $rc = 1 ] || fail "dfctl apply of broken JSON exited $rc, wanted 1"
echo "$out" | grep -q 'malformed JSON' || fail "dfctl apply: unexpected message: $out"
dfc subnet create --network net-a --cidr 10.0.1.1/24 >"$T/o" 2>&1
rc=$?
[ $rc = 1 ] || fail "dfctl subnet create with a bad CIDR exited $rc"
grep -q "cidr: '10.0.1.1/24' is not a valid CIDR" "$T/o" || fail "dfctl: $(cat "$T/o")"

# nothing changed, in memory and in the store
snapshot >"$T/after.json" || fail "snapshot failed"
cmp -s "$T/before.json" "$T/after.json" || { diff "$T/before.json" "$T/after.json" | head -40; fail "state changed"; }
hostd_down
check_sanitizers "$HOSTD_LOG"
hostd_up "$T/state"
snapshot >"$T/restarted.json" || fail "snapshot failed"
cmp -s "$T/before.json" "$T/restarted.json" || { diff "$T/before.json" "$T/restarted.json" | head -40; fail "store changed"; }
hostd_down
check_sanitizers "$HOSTD_LOG"
info "PASS: every bad input refused with a 4xx JSON error, state and store unchanged"
