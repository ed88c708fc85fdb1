# tests/lib/ovs.sh: start private Open vSwitch instances for integration
# tests and the demo (sourced, bash). Each instance ("chassis") gets its own
# network namespace, run directory, ovsdb-server and ovs-vswitchd with a
# userspace (netdev) br-int, as ../shared/DESIGN.md describes: no systemd,
# no kernel module. A management veth joins the namespace to the root one so
# the switch can reach a controller listening there:
#   root side  $(ovs_mgmt_if ID)  10.254.<n>.1/30  (controller address)
#   ns side    mgmt0     10.254.<n>.2/30
#
#   ovs_start ID N            start instance ID (N: 1..250 picks the subnet)
#   ovs_br ID [BR]            create BR (default br-int): netdev, secure, OF1.3
#   ovs_vsctl ID ARGS...      ovs-vsctl against instance ID
#   ovs_ofctl ID ARGS...      ovs-ofctl -O OpenFlow13 inside the namespace
#   ovs_appctl ID ARGS...     ovs-appctl against instance ID's vswitchd
#   ovs_restart_vswitchd ID   kill -9 ovs-vswitchd and start it again
#   ovs_stop ID               stop the daemons, delete the namespace
#   ovs_stop_all              stop every instance started by this shell
#   ovs_chassis ID N DPID     ovs_start ID N, br-int, datapath id DPID (16 hex)
#   vm_add ID VM IP/LEN MAC [GW] [OFPORT]  a netns "VM" on a veth into br-int
#   vm_add_rep ID VM IP/LEN MAC GW   a netns "VM" behind a representor pair
#                             (the firmware's data path scenarios)
#   ovs_check_log ID          fail when vswitchd logged ERR/EMER
# Requires root (namespaces). Callers check `ovs_can_run || skip ...`.

OVS_INSTANCES=()
OVS_BASE=${OVS_BASE:-$(mktemp -d /tmp/dfnic-ovs.XXXXXX)}
OVS_SUFFIX=${OVS_SUFFIX:-$$}

ovs_can_run() {
	if [ "$(id -u)" -ne 0 ]; then echo "needs root for network namespaces"; return 1; fi
	for c in ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovsdb-tool ip; do
		command -v $c >/dev/null 2>&1 || { echo "$c not installed (make deps)"; return 1; }
	done
	[ -f /usr/share/openvswitch/vswitch.ovsschema ] || { echo "vswitch.ovsschema missing"; return 1; }
	ip netns add dfn-probe-$OVS_SUFFIX 2>/dev/null || { echo "cannot create network namespaces"; return 1; }
	ip netns del dfn-probe-$OVS_SUFFIX
	return 0
}

ovs_ns() { echo "dfn-$1-$OVS_SUFFIX"; }
# Root-side management veth: unique per instance and per run (two test
# runs on one machine must not collide), at most 15 characters.
ovs_mgmt_if() { printf 'dfm%08x' "$(printf '%s' "$1-$OVS_SUFFIX" | cksum | cut -d' ' -f1)"; }
ovs_dir() { echo "$OVS_BASE/$1"; }
_ovs_env() {
	local d; d=$(ovs_dir "$1")
	echo "OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d"
}
ovs_vsctl() { local id=$1; shift; env $(_ovs_env "$id") ovs-vsctl --db=unix:$(ovs_dir "$id")/db.sock --timeout=10 "$@"; }
ovs_appctl() { local id=$1; shift; env $(_ovs_env "$id") ovs-appctl -t "$(ovs_dir "$id")/ovs-vswitchd.$(cat "$(ovs_dir "$id")/ovs-vswitchd.pid").ctl" "$@"; }
ovs_ofctl() { local id=$1; shift; ip netns exec "$(ovs_ns "$id")" env $(_ovs_env "$id") ovs-ofctl -O OpenFlow13 "$@"; }
ovs_mgmt_ip() { echo "10.254.$2.$1"; } # ovs_mgmt_ip 1|2 N

_ovs_start_vswitchd() {
	local id=$1 d; d=$(ovs_dir "$id")
	ip netns exec "$(ovs_ns "$id")" env $(_ovs_env "$id") ovs-vswitchd "unix:$d/db.sock" \
		--pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" \
		--unixctl="$d/ovs-vswitchd.$$.ctl" --detach --no-chdir -vconsole:off -vfile:info \
		|| return 1
	# ovs-appctl finds the control socket by pid: link the name it expects.
	local pid; pid=$(cat "$d/ovs-vswitchd.pid")
	ln -sf "$d/ovs-vswitchd.$$.ctl" "$d/ovs-vswitchd.$pid.ctl"
}

ovs_start() {
	local id=$1 n=$2 d ns
	d=$(ovs_dir "$id"); ns=$(ovs_ns "$id")
	mkdir -p "$d"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip link add "$(ovs_mgmt_if "$id")" type veth peer name mgmt0 netns "$ns" || return 1
	ip addr add "$(ovs_mgmt_ip 1 "$n")/30" dev "$(ovs_mgmt_if "$id")"
	ip link set "$(ovs_mgmt_if "$id")" up
	ip -n "$ns" addr add "$(ovs_mgmt_ip 2 "$n")/30" dev mgmt0
	ip -n "$ns" link set mgmt0 up
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ip netns exec "$ns" env $(_ovs_env "$id") ovsdb-server "$d/conf.db" \
		--remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
		--log-file="$d/ovsdb-server.log" --unixctl="$d/ovsdb-server.ctl" \
		--detach --no-chdir -vconsole:off || return 1
	ovs_vsctl "$id" --no-wait init || return 1
	ovs_vsctl "$id" --no-wait set Open_vSwitch . external_ids:system-id="$id" || return 1
	_ovs_start_vswitchd "$id" || return 1
	OVS_INSTANCES+=("$id")
}

ovs_br() {
	local id=$1 br=${2:-br-int}
	ovs_vsctl "$id" -- --may-exist add-br "$br" -- set bridge "$br" datapath_type=netdev \
		fail_mode=secure protocols=OpenFlow13 || return 1
	ovs_check_log "$id"
}

ovs_check_log() {
	local f; f="$(ovs_dir "$1")/ovs-vswitchd.log"
	if grep -E '\|(ERR|EMER)\|' "$f" >/dev/null 2>&1; then
		echo "ovs-vswitchd of $1 logged errors:" >&2
		grep -E '\|(ERR|EMER)\|' "$f" >&2
		return 1
	fi
}

ovs_restart_vswitchd() {
	local id=$1 d pid; d=$(ovs_dir "$id")
	pid=$(cat "$d/ovs-vswitchd.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
	sleep 0.2
	rm -f "$d/ovs-vswitchd.pid"
	_ovs_start_vswitchd "$id"
}

ovs_stop() {
	local id=$1 d ns p; d=$(ovs_dir "$id"); ns=$(ovs_ns "$id")
	for p in ovs-vswitchd ovsdb-server; do
		[ -f "$d/$p.pid" ] && kill "$(cat "$d/$p.pid")" 2>/dev/null
	done
	sleep 0.2
	for p in ovs-vswitchd ovsdb-server; do
		[ -f "$d/$p.pid" ] && kill -9 "$(cat "$d/$p.pid")" 2>/dev/null
	done
	for vm in $(ip netns list | awk '{print $1}' | grep "^dfv-$id-.*-$OVS_SUFFIX\$"); do
		ip netns del "$vm" 2>/dev/null
	done
	ip link del "$(ovs_mgmt_if "$id")" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	return 0
}

ovs_stop_all() {
	local id
	for id in "${OVS_INSTANCES[@]}"; do ovs_stop "$id"; done
	OVS_INSTANCES=()
}

# vm_add ID VM IP/LEN MAC [GW] [OFPORT]: namespace dfv-ID-VM-SUFFIX with eth0;
# the other end, named <VM>-<ID> (truncated to 15 chars), is plugged into
# br-int with ofport_request=OFPORT when given.
vm_add() {
	local id=$1 vm=$2 ip=$3 mac=$4 gw=${5:-} ofport=${6:-}
	local vns="dfv-$id-$vm-$OVS_SUFFIX" ns; ns=$(ovs_ns "$id")
	local peer; peer=$(echo "$vm-$id" | cut -c1-15)
	ip netns add "$vns" || return 1
	ip -n "$vns" link set lo up
	ip link add eth0 netns "$vns" type veth peer name "$peer" netns "$ns" || return 1
	ip -n "$vns" link set eth0 address "$mac"
	ip -n "$vns" addr add "$ip" dev eth0
	ip -n "$vns" link set eth0 up
	ip -n "$ns" link set "$peer" up
	ip netns exec "$vns" ethtool -K eth0 tx off >/dev/null 2>&1 || true
	[ -n "$gw" ] && ip -n "$vns" route add default via "$gw"
	if [ -n "$ofport" ]; then
		ovs_vsctl "$id" add-port br-int "$peer" -- set interface "$peer" ofport_request="$ofport"
	else
		ovs_vsctl "$id" add-port br-int "$peer"
	fi
}
vm_ns() { echo "dfv-$1-$2-$OVS_SUFFIX"; }

# ovs_chassis ID N DPID: ovs_start ID N, then br-int with datapath id DPID;
# returns 1 with the step that failed on stderr.
ovs_chassis() {
	local id=$1 n=$2 dpid=$3
	ovs_start "$id" "$n" || { echo "ovs_chassis $id: cannot start OVS" >&2; return 1; }
	ovs_br "$id" || { echo "ovs_chassis $id: cannot create br-int" >&2; return 1; }
	ovs_vsctl "$id" set bridge br-int other-config:datapath-id="$dpid" ||
		{ echo "ovs_chassis $id: cannot set the datapath id" >&2; return 1; }
}

# vm_add_rep ID VM IP/LEN MAC GW: netns VM (vm_ns) with eth0, whose veth's
# other end VM-w stays in instance ID's namespace (the firmware's wire side),
# and a representor veth pair VM-r <-> VM-ID with VM-ID in br-int (the
# topology's interface name): the firmware bridges VM-w and VM-r.
vm_add_rep() {
	local id=$1 vm=$2 ip=$3 mac=$4 gw=$5 vns ns i
	vns=$(vm_ns "$id" "$vm")
	ns=$(ovs_ns "$id")
	ip netns add "$vns" || return 1
	ip -n "$vns" link set lo up
	ip link add eth0 netns "$vns" type veth peer name "$vm-w" netns "$ns" || return 1
	ip link add "$vm-r" netns "$ns" type veth peer name "$vm-$id" netns "$ns" || return 1
	ip -n "$vns" link set eth0 address "$mac"
	ip -n "$vns" addr add "$ip" dev eth0
	ip -n "$vns" link set eth0 up
	ip -n "$vns" route add default via "$gw"
	ip netns exec "$vns" ethtool -K eth0 tx off >/dev/null 2>&1 || true
	for i in "$vm-w" "$vm-r" "$vm-$id"; do
		# these ends carry the VM's frames only: no addresses, no IPv6 of their own
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
		ip netns exec "$ns" ethtool -K "$i" tx off >/dev/null 2>&1 || true
		ip -n "$ns" link set "$i" up
	done
	ovs_vsctl "$id" add-port br-int "$vm-$id"
}
vm_exec() { local id=$1 vm=$2; shift 2; ip netns exec "$(vm_ns "$id" "$vm")" "$@"; }

# ---- multi-chassis helpers (pipeline integration tests) ----------------
#   ovs_link ID1 IF1 ID2 IF2       a veth between two instances' namespaces
#                                  (IF1 in ID1's, IF2 in ID2's), both up
#   ovs_underlay ID IFACE IP/LEN   userspace tunnelling underlay: bridge br-phy
#                                  (netdev, NORMAL) holding IFACE, IP/LEN on
#                                  br-phy's internal interface (so the
#                                  namespace's routing table, which OVS
#                                  caches, routes the tunnel endpoints there)
#   ovs_tunnel_ports ID LOCAL_IP   tun-vxlan and tun-gre on br-int (flow-based
#                                  key and remote_ip, local_ip LOCAL_IP)
#   ovs_tnl_neigh ID IP MAC        pin the tunnel neighbour IP -> MAC on br-phy
#   ovs_ns_mac ID IFACE            MAC of IFACE in instance ID's namespace
#   ovs_chassis_link ID1 IP1 ID2 IP2
#                                  join two instances: underlay veth ul0 <->
#                                  ul0 in br-phy (IP1/24, IP2/24), tunnel ports
#                                  on both br-ints, a provider veth
#                                  phy-default <-> phy-default in both br-ints;
#                                  waits for OVS's route via br-phy, pings
#                                  across, pins the tunnel neighbours; returns
#                                  1 with the step that failed on stderr
ovs_link() {
	local id1=$1 if1=$2 id2=$3 if2=$4
	ip link add "$if1" netns "$(ovs_ns "$id1")" type veth peer name "$if2" \
		netns "$(ovs_ns "$id2")" || return 1
	ip -n "$(ovs_ns "$id1")" link set "$if1" up
	ip -n "$(ovs_ns "$id2")" link set "$if2" up
	ip netns exec "$(ovs_ns "$id1")" ethtool -K "$if1" tx off >/dev/null 2>&1 || true
	ip netns exec "$(ovs_ns "$id2")" ethtool -K "$if2" tx off >/dev/null 2>&1 || true
}

ovs_underlay() {
	local id=$1 ifc=$2 addr=$3 ns; ns=$(ovs_ns "$id")
	ovs_vsctl "$id" -- --may-exist add-br br-phy -- set bridge br-phy datapath_type=netdev \
		-- --may-exist add-port br-phy "$ifc" || return 1
	for _ in $(seq 50); do ip -n "$ns" link show br-phy >/dev/null 2>&1 && break; sleep 0.1; done
	ip -n "$ns" addr add "$addr" dev br-phy || return 1
	ip -n "$ns" link set br-phy up || return 1
	ovs_check_log "$id"
}

ovs_tunnel_ports() {
	local id=$1 lip=$2
	ovs_vsctl "$id" -- --may-exist add-port br-int tun-vxlan -- set interface tun-vxlan \
		type=vxlan options:remote_ip=flow options:key=flow options:local_ip="$lip" \
		-- --may-exist add-port br-int tun-gre -- set interface tun-gre \
		type=gre options:remote_ip=flow options:key=flow options:local_ip="$lip" || return 1
	ovs_check_log "$id"
}

ovs_tnl_neigh() { ovs_appctl "$1" tnl/neigh/set br-phy "$2" "$3" >/dev/null; }
ovs_ns_mac() { ip -n "$(ovs_ns "$1")" -o link show "$2" | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2; }

_ocl_err() { echo "ovs_chassis_link: $*" >&2; return 1; }
ovs_chassis_link() {
	local a=$1 ipa=$2 b=$3 ipb=$4 c ok
	ovs_link "$a" ul0 "$b" ul0 || _ocl_err "underlay veth" || return 1
	ovs_underlay "$a" ul0 "$ipa/24" || _ocl_err "underlay $a" || return 1
	ovs_underlay "$b" ul0 "$ipb/24" || _ocl_err "underlay $b" || return 1
	ovs_tunnel_ports "$a" "$ipa" || _ocl_err "tunnel ports $a" || return 1
	ovs_tunnel_ports "$b" "$ipb" || _ocl_err "tunnel ports $b" || return 1
	ovs_link "$a" phy-default "$b" phy-default || _ocl_err "provider veth" || return 1
	ovs_vsctl "$a" add-port br-int phy-default || _ocl_err "provider port $a" || return 1
	ovs_vsctl "$b" add-port br-int phy-default || _ocl_err "provider port $b" || return 1
	# OVS must route each tunnel endpoint through br-phy (cached from the
	# namespace's routing table) before the neighbours mean anything
	for c in "$a" "$b"; do
		ok=0
		for _ in $(seq 50); do
			ovs_appctl "$c" ovs/route/show | grep -q "${ipa%.*}.0/24 dev br-phy" && { ok=1; break; }
			sleep 0.1
		done
		[ $ok = 1 ] || { ovs_appctl "$c" ovs/route/show >&2; _ocl_err "$c: OVS has no route to the underlay via br-phy"; return 1; }
	done
	ip netns exec "$(ovs_ns "$a")" ping -c 1 -W 2 "$ipb" >/dev/null || _ocl_err "underlay ping $a -> $b failed" || return 1
	ovs_tnl_neigh "$a" "$ipb" "$(ovs_ns_mac "$b" br-phy)" || _ocl_err "tnl/neigh/set $a" || return 1
	ovs_tnl_neigh "$b" "$ipa" "$(ovs_ns_mac "$a" br-phy)" || _ocl_err "tnl/neigh/set $b" || return 1
}
