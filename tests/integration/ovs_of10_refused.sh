#!/bin/bash
# tests/integration/ovs_of10_refused.sh: a peer that offers only OpenFlow
# versions below 1.3 is refused with ERROR HELLO_FAILED/INCOMPATIBLE and
# closed, and hostd logs it. Two peers: ofp-peer (a test program sending an
# OpenFlow 1.0 HELLO and printing what comes back) and a real Open vSwitch
# br-int restricted to protocols=OpenFlow10; a second OVS bridge speaking
# 1.3 on the same hostd still converges.
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
TESTBIN=${DFNIC_TESTBIN:-$DFNIC_BIN/../tests}
[ -x "$TESTBIN/ofp-peer" ] || fail "$TESTBIN/ofp-peer is not built"
at_exit ovs_stop_all

N=$(ctl_subnet)
M=$((N + 1))
echo 'table=0 priority=1 cookie=0x7 actions=normal' >"$T/flows"
H=$T/hostd.log
hostd_start "$H" --listen tcp:0.0.0.0:0 --flows "$T/flows" --echo-interval-ms 1000

info "OpenFlow 1.0 HELLO from ofp-peer"
"$TESTBIN/ofp-peer" 127.0.0.1 "$HOSTD_PORT" 1 5 >"$T/peer.out" || fail "ofp-peer failed"
cat "$T/peer.out"
grep -q '^msg version=4 type=0 ' "$T/peer.out" || fail "no HELLO from hostd"
grep -q '^msg version=1 type=1 xid=1$' "$T/peer.out" || fail "no ERROR in the peer's version 1 answering its HELLO's xid"
grep -q "^error type=0 code=0 data='.*OpenFlow 1.3" "$T/peer.out" ||
	fail "the ERROR is not HELLO_FAILED/INCOMPATIBLE with a reason"
tail -n 1 "$T/peer.out" | grep -q '^closed$' || fail "hostd did not close the connection"
wait_for_log 'refused: HELLO_FAILED/INCOMPATIBLE: peer offers no OpenFlow 1.3 \(hello version 0x1\)' "$H" 5 ||
	fail "hostd did not log the refusal"

info "OpenFlow 1.3 HELLO from ofp-peer is accepted (FEATURES_REQUEST follows)"
"$TESTBIN/ofp-peer" 127.0.0.1 "$HOSTD_PORT" 4 1 >"$T/peer13.out" || fail "ofp-peer failed"
grep -q '^msg version=4 type=5 ' "$T/peer13.out" || fail "no FEATURES_REQUEST after a 1.3 HELLO"
grep -q '^error' "$T/peer13.out" && fail "1.3 peer got an error"

info "Open vSwitch with protocols=OpenFlow10, and one with OpenFlow13"
ovs_start a "$N" || fail "ovs_start a"
ovs_br a || fail "br-int a"
ovs_vsctl a set bridge br-int protocols=OpenFlow10 || fail "protocols"
ovs_start b "$M" || fail "ovs_start b"
ovs_br b || fail "br-int b"
before=$(grep -c 'refused: HELLO_FAILED' "$H")
ovs_controller a tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller a"
ovs_controller b tcp:10.254.$M.1:$HOSTD_PORT || fail "set-controller b"
wait_for_log_count 'refused: HELLO_FAILED' "$H" $((before + 1)) 15 || fail "the OpenFlow 1.0 switch was not refused"
wait_for_log 'converged in' "$H" 15 || fail "the OpenFlow 1.3 switch did not converge"
[ "$(grep -c 'converged in' "$H")" -eq 1 ] || fail "more than one switch converged"
ovs_ofctl b dump-flows br-int | grep -q 'cookie=0x7,.*actions=NORMAL' || fail "flow missing on b"
grep -qiE 'version negotiation failed|HELLO_FAILED|incompatible' "$(ovs_dir a)/ovs-vswitchd.log" ||
	info "(vswitchd a did not log the failed negotiation)"
ovs_check_log b || fail "vswitchd b logged errors"
hostd_stop
check_sanitizers "$H"
info "PASS"
