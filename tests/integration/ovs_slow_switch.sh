#!/bin/bash
# tests/integration/ovs_slow_switch.sh: one stalled switch never stalls
# the others, its output queue stays bounded, and it is declared dead.
# hostd has 60000 desired flows. A fake switch (ofp-peer --stall) goes
# through the handshake, accepts a bundle and then stops reading; while it
# hangs, a real Open vSwitch connects and gets all 60000 flows. hostd stops
# producing for the hung one at its high watermark (4 MiB: the queue peak
# stays near it), drops it after 3 silent echo intervals, and a real switch
# frozen with SIGSTOP is likewise dropped and converged once it thaws.
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
need_bins hostd
TESTBIN=${DFNIC_TESTBIN:-$DFNIC_BIN/../tests}
[ -x "$TESTBIN/ofp-peer" ] || fail "$TESTBIN/ofp-peer is not built"
at_exit ovs_stop_all
at_exit 'kill -CONT $(cat "$(ovs_dir fast)/ovs-vswitchd.pid" 2>/dev/null) 2>/dev/null'

N=$(ctl_subnet)
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "table=0 priority=10 cookie=0x2 ip,ipv4_dst=10.%d.%d.%d actions=dec_ttl,output:%d\n",
		int(i / 65536), int(i / 256) % 256, i % 256, i % 4 + 1 }' >"$T/flows"
ovs_start fast "$N" || fail "ovs_start"
ovs_br fast || fail "br-int"

H=$T/hostd.log
ECHO_MS=3000
hostd_start "$H" --listen tcp:0.0.0.0:0 --flows "$T/flows" --echo-interval-ms $ECHO_MS

info "a switch that hangs after opening a bundle"
"$TESTBIN/ofp-peer" --stall 127.0.0.1 "$HOSTD_PORT" 0xbad 30 >"$T/stall.out" 2>&1 &
STALL=$!
LIB_PIDS+=("$STALL")
wait_for_log '^stalled' "$T/stall.out" 15 || fail "the fake switch did not reach its stall"
t0=$(now)
ovs_controller fast tcp:10.254.$N.1:$HOSTD_PORT || fail "set-controller"
fast_ok=0
wait_for_log "converged in .*sent add=60000 " "$H" 60 && fast_ok=1
t1=$(now)
[ $fast_ok = 1 ] || fail "the healthy switch did not get the 60000 flows"
info "healthy switch converged $(ms_between "$t0" "$t1") ms after connecting"
grep -q 'switch 0xbad: closing' "$H" &&
	[ "$(log_time "$(log_line 'switch 0xbad: closing' "$H")")" \< "$(log_time "$(log_line 'sent add=60000' "$H")")" ] &&
	info "(the hung switch had already been dropped)"
n=$(ovs_ofctl fast dump-flows br-int | grep -c 'cookie=0x2,')
[ "$n" -eq 60000 ] || fail "healthy switch has $n of the 60000 flows"

wait_for_log "switch 0xbad: closing: dead peer" "$H" $((4 * ECHO_MS / 1000 + 5)) ||
	fail "the hung switch was not declared dead"
line=$(log_line "switch 0xbad: closing: dead peer" "$H")
info "${line#*ctl: }"
peak=$(echo "$line" | grep -o 'peak [0-9]*' | cut -d' ' -f2)
thr=$(echo "$line" | grep -o 'throttled [0-9]*' | cut -d' ' -f2)
[ "${thr:-0}" -ge 1 ] || fail "output to the hung switch never reached the high watermark"
[ "$peak" -le $((4 * 1024 * 1024 + 128 * 1024)) ] || fail "output queue grew to $peak bytes"

info "freezing the real switch (SIGSTOP)"
dpid=$(log_line 'converged in .*sent add=60000' "$H" | grep -o 'switch 0x[0-9a-f]*' | cut -d' ' -f2)
kill -STOP "$(cat "$(ovs_dir fast)/ovs-vswitchd.pid")" || fail "SIGSTOP"
wait_for_log "switch $dpid: closing: dead peer" "$H" $((4 * ECHO_MS / 1000 + 5)) ||
	fail "the frozen switch was not declared dead"
kill -CONT "$(cat "$(ovs_dir fast)/ovs-vswitchd.pid")"
wait_for_log_count "switch $dpid: converged in .*found flows=60000; sent add=0 modify=0 delete=0" "$H" 1 30 ||
	fail "the thawed switch did not reconverge with nothing to send"
hostd_stop
check_sanitizers "$H"
info "PASS"
