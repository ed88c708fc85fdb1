#!/bin/bash
# tests/integration/fw_datapath.sh: the sim board's data path with real
# packets (issue 5): a private OVS br-int controlled by the real hostd
# (OpenFlow pipeline, proactive L3, --chassis c1 over the mailbox), the
# real firmware in the switch's namespace with two --port pairs, and two
# netns VMs on two subnets of one router:
#
#   VM eth0 <-> vmX-w  [firmware: af_packet]  vmX-r <-> vmX-c1 (in br-int)
#
#   A  ARP for the gateway and ping to the gateway are answered by the
#      firmware's lwIP netif: its counters (dfctl offload --stats) show the
#      ARP request/reply and the echo requests/replies
#   B  routed ping between the subnets, offload on: the NIC's L3 rule
#      counters rise by the pings, OVS's /32 flows for that route do not
#      (n_packets from ovs-ofctl dump-flows); port counters say offloaded
#   C  firmware restarted with --l3-capacity 0: dfctl offload shows the L3
#      entries rejected with the driver's reason; the same ping works, now
#      through OVS (its /32 flows count the pings; the NIC counts misses
#      to OVS on the ports)
#   D  firmware killed (-9): its bypass guardian joins each VM veth to its
#      representor with a bridge, the ping still works through OVS, and
#      `dfctl offload` says why (the NIC stopped answering)
#   E  firmware restarted: offload resumes (NIC rule counters rise, OVS's
#      do not)
#   F  SIGTERM hostd and firmware: exit 0, no sanitizer report
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/fw_datapath.sh
# (DFNIC_KEEP_TMP=1 keeps the logs). Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/topo.sh"

r=$(ovs_can_run) || skip "$r"
command -v ping >/dev/null || skip "ping not installed (iputils-ping)"
command -v python3 >/dev/null || skip "python3 is needed to read dfctl --json"
need_bins hostd firmware dfctl
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "/dev/shm is not a writable directory"

N=$((100 + $$ % 100))
PORT=$((20000 + $$ % 20000))
CTL_IP=$(ovs_mgmt_ip 1 $N)
HB=100
MB=/dev/shm/dfnic-it-fwdp-$$
SOCK=$T/api.sock
at_exit "rm -f $MB"
at_exit ovs_stop_all

ovs_chassis c1 $N 0000000000000001 || fail "cannot set up OVS c1"
NS=$(ovs_ns c1)

vm_add_rep c1 vma 10.0.1.10/24 02:00:00:00:01:0a 10.0.1.1 || fail "vm a"
vm_add_rep c1 vmb 10.0.2.20/24 02:00:00:00:02:14 10.0.2.1 || fail "vm b"

fw() { # LOG [ARGS...]
	local log=$1
	shift
	spawn "$log" ip netns exec "$NS" "$DFNIC_BIN/firmware" --mbox "shm:$MB" --heartbeat-ms $HB \
		--stats-ms 200 --port vma-c1=vma-w:vma-r --port vmb-c1=vmb-w:vmb-r "$@"
	FW=$SPAWNED
	at_exit "rm -rf /var/run/dpdk/fw$SPAWNED"
	wait_for_log "data path polling 2 port pair" "$log" 15 || fail "firmware did not start ($log)"
}
dfctl() { "$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"; }
# python over `dfctl offload --json` (the object is `o`)
offq() { dfctl offload --json | python3 -c "import json,sys; o=json.load(sys.stdin)['offload']; $1"; }
wait_py() { # PYTHON-EXPR-PRINTING-True TIMEOUT WHAT
	local end=$(($(date +%s) + $2))
	while :; do
		[ "$(offq "print($1)" 2>/dev/null)" = True ] && return 0
		[ "$(date +%s)" -ge "$end" ] && fail "$3 (waited $2 s)"
		sleep 0.2
	done
}
# hits of the NIC rule whose description starts with WHAT (-1: none)
rule_hits() {
	offq "print(sum(r['hits'] for r in o['stats']['rules'] if r['what'].startswith('$1')) if any(r['what'].startswith('$1') for r in o['stats']['rules']) else -1)"
}
port_ctr() { offq "print([p['$2'] for p in o['stats']['ports'] if p['name'] == '$1'][0])"; }
netif_ctr() { offq "print([n['$2'] for n in o['stats']['netifs'] if n['ip'] == '$1'][0])"; }
gen() { offq "print(o['stats']['generation'] if o['stats']['available'] else -1)"; }
# wait for a statistics report newer than now
fresh_stats() {
	local g0; g0=$(gen)
	wait_py "o['stats']['available'] and o['stats']['generation'] != $g0" 5 "no new statistics report"
}
# n_packets of the OVS flow in table 30 routing to DST (after a
# revalidation round: the userspace datapath pushes flow stats to the
# OpenFlow rules lazily)
ovs_route_pkts() {
	ovs_appctl c1 revalidator/wait >/dev/null 2>&1 || sleep 1
	ovs_ofctl c1 dump-flows br-int table=30 | grep -F "nw_dst=$1 " | grep -oE 'n_packets=[0-9]+' |
		head -n 1 | cut -d= -f2
}
ping_ok() { # FROM DST COUNT
	vm_exec c1 "$1" ping -c "$3" -i 0.2 -W 2 "$2" >"$T/ping.txt" 2>&1 ||
		{ cat "$T/ping.txt"; return 1; }
	grep -q " $3 received" "$T/ping.txt" || { cat "$T/ping.txt"; return 1; }
}

# ---- start ---------------------------------------------------------------
fw "$T/fw1.log"
spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --mbox "shm:$MB" --heartbeat-ms $HB --retry-ms 100 \
	--chassis c1 --state-dir "$T/state" --api "unix:$SOCK" --listen "tcp:$CTL_IP:$PORT" \
	--echo-interval-ms 1000
HD=$SPAWNED
wait_for_log "resync done" "$T/hostd.log" 10 || fail "hostd did not push to the firmware"
topo_one_chassis proactive 1001 1002 >"$T/topo.json"
dfctl apply "$T/topo.json" >"$T/apply.out" 2>&1 || { cat "$T/apply.out"; fail "dfctl apply failed"; }
ovs_vsctl c1 set-controller br-int "tcp:$CTL_IP:$PORT" || fail "set-controller"
ovs_vsctl c1 set controller br-int max_backoff=1000 || true
# per VM port: 3 rules; per router leg: ARP + ICMP trap; per neighbour: 1 /32
wait_py "o['totals']['rules'] == 12 and o['totals']['rejected'] == 0" 10 "offload: want 12 rules"
for _ in $(seq 100); do
	[ -n "$(ovs_route_pkts 10.0.2.20)" ] && [ -n "$(ovs_route_pkts 10.0.1.10)" ] && break
	sleep 0.1
done
[ -n "$(ovs_route_pkts 10.0.2.20)" ] || fail "OVS has no /32 flow to 10.0.2.20"
info "offloaded: 12 rules in the NIC, OVS holds the pipeline"

# ---- A -------------------------------------------------------------------
info "A: ARP for the gateway and ping to it answered by lwIP"
vm_exec c1 vma ip neigh flush dev eth0
ping_ok vma 10.0.1.1 3 || fail "A: ping to the gateway failed"
vm_exec c1 vma ip neigh show 10.0.1.1 | grep -q "lladdr" || fail "A: gateway MAC not learnt"
vm_exec c1 vmb ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "A: vmb's ping to its gateway failed"
fresh_stats
[ "$(netif_ctr 10.0.1.1 arp_in)" -ge 1 ] && [ "$(netif_ctr 10.0.1.1 arp_out)" -ge 1 ] ||
	fail "A: lwIP did not answer the ARP request: $(offq "print(o['stats']['netifs'])")"
[ "$(netif_ctr 10.0.1.1 echo_in)" -ge 3 ] && [ "$(netif_ctr 10.0.1.1 echo_out)" -ge 3 ] ||
	fail "A: lwIP did not answer the echo requests: $(offq "print(o['stats']['netifs'])")"
[ "$(port_ctr vma-c1 trapped)" -ge 4 ] || fail "A: vma-c1 trapped: $(port_ctr vma-c1 trapped)"
dfctl offload --stats >"$T/stats-a.txt" || fail "A: dfctl offload --stats"
cat "$T/stats-a.txt"
grep -qE '^ri[0-9]+ +10\.0\.1\.1 ' "$T/stats-a.txt" || fail "A: dfctl --stats has no netif line"

# ---- B -------------------------------------------------------------------
info "B: routed ping offloaded: NIC rule counters rise, OVS's do not"
o1=$(ovs_route_pkts 10.0.2.20) o2=$(ovs_route_pkts 10.0.1.10)
h1=$(rule_hits "l3 host 10.0.2.20/32") h2=$(rule_hits "l3 host 10.0.1.10/32")
off0=$(port_ctr vma-c1 offloaded)
ping_ok vma 10.0.2.20 5 || fail "B: routed ping failed"
fresh_stats
H1=$(rule_hits "l3 host 10.0.2.20/32") H2=$(rule_hits "l3 host 10.0.1.10/32")
[ $((H1 - h1)) -ge 5 ] && [ $((H2 - h2)) -ge 5 ] ||
	fail "B: NIC /32 rule hits: to vmb $h1 -> $H1, to vma $h2 -> $H2 (want +5 each)"
[ "$(ovs_route_pkts 10.0.2.20)" = "$o1" ] && [ "$(ovs_route_pkts 10.0.1.10)" = "$o2" ] ||
	fail "B: OVS's route flows counted: $o1 -> $(ovs_route_pkts 10.0.2.20), $o2 -> $(ovs_route_pkts 10.0.1.10)"
[ $(($(port_ctr vma-c1 offloaded) - off0)) -ge 5 ] || fail "B: vma-c1's offloaded counter"
dfctl offload --stats >"$T/stats-b.txt" || fail "B: dfctl offload --stats"
grep -E '^neighbour .* l3 +[0-9]+ ' "$T/stats-b.txt" || fail "B: no L3 rule lines in dfctl --stats"
info "B: NIC +$((H1 - h1))/+$((H2 - h2)) hits, OVS route flows unchanged ($o1/$o2)"

# ---- C -------------------------------------------------------------------
info "C: --l3-capacity 0: L3 rejected, the ping goes through OVS"
kill -TERM "$FW"
wait_exit "$FW" 10 || fail "C: firmware did not stop"
[ "$EXIT_STATUS" -eq 0 ] || fail "C: firmware exited $EXIT_STATUS"
fw "$T/fw2.log" --l3-capacity 0
wait_py "o['connected'] and o['totals']['rejected'] == 4" 15 "C: want 2 neighbours + 2 legs rejected"
offq "print([e['reason'] for e in o['entries'] if e['kind'] == 'neighbour'])" | grep -q "group 2 full (capacity 0)" ||
	fail "C: the reason is not the driver's"
o1=$(ovs_route_pkts 10.0.2.20) o2=$(ovs_route_pkts 10.0.1.10)
ping_ok vma 10.0.2.20 5 || fail "C: routed ping through OVS failed"
fresh_stats
[ $(($(ovs_route_pkts 10.0.2.20) - o1)) -ge 5 ] && [ $(($(ovs_route_pkts 10.0.1.10) - o2)) -ge 5 ] ||
	fail "C: OVS's route flows did not count the pings"
[ "$(port_ctr vma-c1 to_ovs)" -ge 5 ] && [ "$(port_ctr vmb-c1 from_ovs)" -ge 5 ] ||
	fail "C: port counters: $(offq "print(o['stats']['ports'])")"
[ "$(rule_hits "l3 host")" = -1 ] || fail "C: L3 rules present with capacity 0"
info "C: through OVS (+$(($(ovs_route_pkts 10.0.2.20) - o1)) on its /32 flow)"

# ---- D -------------------------------------------------------------------
info "D: firmware killed: the bypass keeps the VMs on OVS"
kill9 "$FW"
wait_py "not o['connected']" 5 "D: hostd did not notice the NIC's loss"
for _ in $(seq 50); do
	ip -n "$NS" link show vma-w | grep -q "master fb-vma-c1" &&
		ip -n "$NS" link show vmb-r | grep -q "master fb-vmb-c1" && break
	sleep 0.1
done
ip -n "$NS" link show vma-w | grep -q "master fb-vma-c1" || fail "D: no bypass bridge for vma"
o1=$(ovs_route_pkts 10.0.2.20)
ping_ok vma 10.0.2.20 5 || fail "D: routed ping with the firmware dead failed"
[ $(($(ovs_route_pkts 10.0.2.20) - o1)) -ge 5 ] || fail "D: not through OVS"
dfctl offload >"$T/offload-d.txt" || fail "D: dfctl offload"
cat "$T/offload-d.txt"
grep -q "NIC not connected" "$T/offload-d.txt" &&
	grep -q "stopped answering .* OVS forwards all traffic" "$T/offload-d.txt" ||
	fail "D: dfctl offload does not say why"

# ---- E -------------------------------------------------------------------
info "E: firmware back: offload resumes"
fw "$T/fw3.log"
ip -n "$NS" link show vma-w | grep -q "master" && fail "E: vma-w still in its bypass bridge"
wait_py "o['connected'] and o['totals']['rules'] == 12 and o['totals']['rejected'] == 0" 15 \
	"E: offload did not resume"
fresh_stats
o1=$(ovs_route_pkts 10.0.2.20) o2=$(ovs_route_pkts 10.0.1.10)
h1=$(rule_hits "l3 host 10.0.2.20/32")
ping_ok vma 10.0.2.20 5 || fail "E: routed ping failed"
fresh_stats
[ $(($(rule_hits "l3 host 10.0.2.20/32") - h1)) -ge 5 ] || fail "E: NIC rule hits did not rise"
[ "$(ovs_route_pkts 10.0.2.20)" = "$o1" ] && [ "$(ovs_route_pkts 10.0.1.10)" = "$o2" ] ||
	fail "E: OVS's route flows counted"

# ---- F -------------------------------------------------------------------
info "F: clean shutdown"
kill -TERM "$HD"
wait_exit "$HD" 10 || fail "hostd did not stop"
[ "$EXIT_STATUS" -eq 0 ] || fail "hostd exited $EXIT_STATUS"
kill -TERM "$FW"
wait_exit "$FW" 10 || fail "firmware did not stop"
[ "$EXIT_STATUS" -eq 0 ] || fail "firmware exited $EXIT_STATUS"
ovs_check_log c1 || fail "ovs-vswitchd logged errors"
check_sanitizers "$T"/*.log
info "PASS"
exit 0
