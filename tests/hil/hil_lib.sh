# tests/hil/hil_lib.sh: helpers of the hardware-in-loop scenarios (sourced,
# bash), on top of tests/integration/lib.sh (skip, fail, info, spawn,
# wait_for_log, kill9, wait_exit, check_sanitizers, $T) — the helpers the
# sim scenarios use. The rig is described by environment variables
# (tests/hil/README.md); without them hil_require prints "SKIP: <reason>"
# and exits 77.
#
#   hil_require                 the rig variables are set and usable, or SKIP
#   hil_ssh CMD...              run CMD on the DPU's Arm (ssh, batch mode)
#   hil_fw_start LOG [ARGS...]  start the firmware on the DPU, its output
#                               streamed into the local LOG (spawned ssh);
#                               waits until its mailbox exists
#   hil_fw_kill9 / hil_fw_stop  kill -9 / SIGTERM (exit 0 checked) on the DPU
#   hil_hostd_start LOG         hostd on this host: the BAR mailbox, the
#                               controller, the API; sets HD (pid) and SOCK
#   hil_vms_up                  the two host VF netdevs into VM namespaces
#                               with their addresses (VM_A, VM_B)
#   hil_br_int_up               point the DPU's br-int at hostd
#   hil_apply                   push the scenario topology (offload_topo of
#                               tests/lib/offload.sh) through dfctl
#   hil_total KEY               totals.KEY of `dfctl offload CHASSIS --json`
#   hil_wait_total KEY VALUE TIMEOUT
#   hil_ping FROM_NS DST COUNT  ping -i 0.2 between the VMs; prints loss %
# Tunables: DFNIC_HIL_HB (heartbeat ms, 100), DFNIC_HIL_MISS (3).

TOP=${DFNIC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$(dirname "${BASH_SOURCE[0]}")/../lib/offload.sh"
HB=${DFNIC_HIL_HB:-100}
MISS=${DFNIC_HIL_MISS:-3}
SSH_OPTS=(-o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=2 -o ServerAliveCountMax=3)
FW_PIDFILE=/run/dfnic-hil-fw.pid
VM_A=dfhil-a-$$
VM_B=dfhil-b-$$

hil_ssh() { ssh "${SSH_OPTS[@]}" "$DFNIC_HIL_SSH" "$@"; }

hil_require() {
	local missing=() v
	for v in DFNIC_HIL_PCI DFNIC_HIL_PORTS DFNIC_HIL_SSH; do
		[ -n "${!v:-}" ] || missing+=("$v")
	done
	[ ${#missing[@]} -eq 0 ] ||
		skip "no hardware-in-loop rig described (${missing[*]} unset; see tests/hil/README.md)"
	need_bins hostd dfctl
	command -v ssh >/dev/null || skip "ssh is not installed"
	command -v python3 >/dev/null || skip "python3 is needed to read dfctl --json"
	command -v ping >/dev/null || skip "ping is not installed (iputils-ping)"
	BAR=/sys/bus/pci/devices/$DFNIC_HIL_PCI/resource${DFNIC_HIL_BAR:-2}
	[ -e "$BAR" ] || fail "DFNIC_HIL_PCI=$DFNIC_HIL_PCI: no $BAR (wrong address, or the device is not enabled: echo 1 > .../enable)"
	MBOX=pci:$BAR
	IFS=, read -r PAIR_A PAIR_B <<<"$DFNIC_HIL_PORTS"
	IF_A=${PAIR_A%%=*} REP_A=${PAIR_A#*=}
	IF_B=${PAIR_B%%=*} REP_B=${PAIR_B#*=}
	[ -n "$IF_A" ] && [ -n "$IF_B" ] && [ "$IF_A" != "$REP_A" ] && [ "$IF_B" != "$REP_B" ] ||
		fail "DFNIC_HIL_PORTS='$DFNIC_HIL_PORTS': expected HOSTIF_A=REP_A,HOSTIF_B=REP_B"
	ip link show "$IF_A" >/dev/null 2>&1 || fail "host netdev $IF_A (DFNIC_HIL_PORTS) does not exist"
	ip link show "$IF_B" >/dev/null 2>&1 || fail "host netdev $IF_B (DFNIC_HIL_PORTS) does not exist"
	hil_ssh true || fail "cannot ssh to the DPU: $DFNIC_HIL_SSH (key-based login needed)"
	CHASSIS=${DFNIC_HIL_CHASSIS:-$(hil_ssh hostname)}
	# the address the DPU reaches this host on: where its ssh session comes from
	HOST_IP=${DFNIC_HIL_HOST_IP:-$(hil_ssh 'echo ${SSH_CLIENT%% *}')}
	[ -n "$HOST_IP" ] || fail "cannot tell the host address seen from the DPU (set DFNIC_HIL_HOST_IP)"
	FW=${DFNIC_HIL_FW:-/usr/local/libexec/dfnic/firmware}
	FW_MBOX=${DFNIC_HIL_FW_MBOX:-}
	[ -n "$FW_MBOX" ] || FW_MBOX=$(hil_ssh 'for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)$(cat $d/device)" = 0x1af40x1110 ] && { echo pci:$d/resource2; break; }; done')
	[ -n "$FW_MBOX" ] || fail "no mailbox BAR found on the DPU (set DFNIC_HIL_FW_MBOX=pci:/sys/.../resourceN)"
	hil_ssh "test -x $FW" || fail "no firmware $FW on the DPU (install it, or set DFNIC_HIL_FW / DFNIC_HIL_FW_IMAGE)"
	at_exit hil_cleanup
}

# DFNIC_HIL_FW_IMAGE: verify the signed image here, extract its payload and
# install it on the DPU as the firmware under test.
hil_install_image() {
	[ -n "${DFNIC_HIL_FW_IMAGE:-}" ] || return 0
	need_bins dfimage
	local key=${DFNIC_HIL_PUBKEY:-$TOP/board/keys/test-ed25519.pub.pem}
	"$DFNIC_BIN/dfimage" extract --pubkey "$key" --board "${DFNIC_HIL_BOARD:-dpu}" \
		"$DFNIC_HIL_FW_IMAGE" "$T/firmware" || fail "DFNIC_HIL_FW_IMAGE refused by dfimage"
	FW=/tmp/dfnic-hil-firmware
	scp "${SSH_OPTS[@]}" -q "$T/firmware" "$DFNIC_HIL_SSH:$FW" || fail "cannot copy the firmware to the DPU"
	info "firmware from $DFNIC_HIL_FW_IMAGE installed on the DPU as $FW"
}

hil_fw_start() { # LOG [ARGS...]
	local log=$1
	shift
	: >>"$log"
	local before
	before=$(grep -c 'mailbox .* created' "$log")
	# the remote shell records its pid then becomes the firmware: kill and
	# wait work on the DPU; the ssh session carries its output here
	spawn "$log" ssh "${SSH_OPTS[@]}" "$DFNIC_HIL_SSH" \
		"echo \$\$ > $FW_PIDFILE; exec $FW --mbox $FW_MBOX --heartbeat-ms $HB --miss-limit $MISS" \
		"--flow-driver ${DFNIC_HIL_FLOW_DRIVER:-rte_flow} $* -- ${DFNIC_HIL_FW_EAL:-}"
	FW_SSH=$SPAWNED
	wait_for_log_count 'mailbox .* created' "$log" $((before + 1)) 20 ||
		fail "the firmware did not create its mailbox on the DPU (log $log)"
}
hil_fw_kill9() { hil_ssh "kill -9 \$(cat $FW_PIDFILE)" || fail "cannot kill the firmware on the DPU"; wait_exit "$FW_SSH" 10 || true; }
hil_fw_stop() {
	hil_ssh "kill -TERM \$(cat $FW_PIDFILE)" || fail "cannot signal the firmware on the DPU"
	wait_exit "$FW_SSH" 15 || fail "the firmware did not exit within 15 s of SIGTERM"
	[ "$EXIT_STATUS" = 0 ] || fail "the firmware exited with status $EXIT_STATUS after SIGTERM"
}

hil_hostd_start() { # LOG
	SOCK=$T/api.sock
	CTL_PORT=${DFNIC_HIL_CTL_PORT:-6653}
	spawn "$1" "$DFNIC_BIN/hostd" --mbox "$MBOX" --heartbeat-ms "$HB" --miss-limit "$MISS" \
		--retry-ms 100 --chassis "$CHASSIS" --state-dir "$T/state" --api "unix:$SOCK" \
		--listen "tcp:0.0.0.0:$CTL_PORT"
	HD=$SPAWNED
	wait_for_log 'controller up' "$1" 20 || fail "hostd did not start (log $1)"
}

hil_vms_up() {
	local ns
	for ns in "$VM_A" "$VM_B"; do ip netns add "$ns" || fail "ip netns add $ns"; done
	ip link set "$IF_A" netns "$VM_A" && ip link set "$IF_B" netns "$VM_B" || fail "cannot move the VF netdevs"
	ip -n "$VM_A" addr add 10.0.1.10/24 dev "$IF_A"
	ip -n "$VM_B" addr add 10.0.2.10/24 dev "$IF_B"
	for ns in "$VM_A" "$VM_B"; do ip -n "$ns" link set lo up; done
	ip -n "$VM_A" link set "$IF_A" up && ip -n "$VM_B" link set "$IF_B" up || fail "VF link up"
	ip -n "$VM_A" route add default via 10.0.1.1
	ip -n "$VM_B" route add default via 10.0.2.1
	MAC_A=$(ip -n "$VM_A" -o link show "$IF_A" | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2)
	MAC_B=$(ip -n "$VM_B" -o link show "$IF_B" | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2)
}

hil_br_int_up() {
	hil_ssh "ovs-vsctl br-exists br-int" || fail "no br-int on the DPU (tests/hil/README.md: rig set-up)"
	hil_ssh "ovs-vsctl set bridge br-int fail_mode=secure protocols=OpenFlow13 --
		set-controller br-int tcp:$HOST_IP:$CTL_PORT --
		set controller br-int max_backoff=1000 inactivity_probe=0" ||
		fail "cannot point br-int at hostd"
}

hil_cleanup() {
	hil_ssh "ovs-vsctl del-controller br-int; kill -TERM \$(cat $FW_PIDFILE) 2>/dev/null; rm -f $FW_PIDFILE" 2>/dev/null || true
	# the VFs go back to the host namespace when their namespaces go
	ip netns del "$VM_A" 2>/dev/null || true
	ip netns del "$VM_B" 2>/dev/null || true
}

hil_dfctl() { "$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"; }

hil_apply() {
	offload_topo "$T/topo.json" "$CHASSIS" "$MAC_A" "$REP_A" "$MAC_B" "$REP_B"
	hil_dfctl apply "$T/topo.json" >"$T/apply.out" 2>&1 || { cat "$T/apply.out"; fail "dfctl apply failed"; }
}

hil_total() {
	hil_dfctl offload "$CHASSIS" --json |
		python3 -c "import json,sys; print(json.load(sys.stdin)['offload']['totals']['$1'])"
}
hil_wait_total() { # KEY VALUE TIMEOUT
	local end=$(($(date +%s) + $3)) v
	while :; do
		v=$(hil_total "$1" 2>/dev/null)
		[ "$v" = "$2" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && { LAST=$v; return 1; }
		sleep 0.2
	done
}
hil_ping() { # FROM_NS DST COUNT -> loss percentage on stdout
	ip netns exec "$1" ping -n -q -i 0.2 -W 1 -c "$3" "$2" 2>&1 |
		sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}
