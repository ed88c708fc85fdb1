#!/bin/bash
# tests/demo.sh: the main job on the sim board, run by `make demo`.
#
#   tests/demo.sh OUTDIR        (OUTDIR/bin holds hostd and firmware)
#
# What exists so far is the host <-> NIC mailbox, so that is what the demo
# shows, for real: the firmware (sim board: a host process) creates the
# shared-memory mailbox, hostd attaches, negotiates and pushes its state;
# then the demo kills the firmware (hostd notices within 3 heartbeats), the
# firmware restarts with a new epoch and the two resynchronise; then the
# same with hostd killed. Every step is checked, not just printed: the demo
# exits non-zero if one does not happen.
set -u
OUT=${1:-out/sim}
BIN=$OUT/bin
HB=200
for b in hostd firmware; do
	[ -x "$BIN/$b" ] || { echo "demo: $BIN/$b not built (run make)" >&2; exit 1; }
done
RUN=$(mktemp -d /tmp/dfnic-demo.XXXXXX)
MBOX=shm:/dev/shm/dfnic-demo-$$
FW_LOG=$RUN/firmware.log HD_LOG=$RUN/hostd.log
FW= HD=
cleanup() {
	[ -n "$HD" ] && kill "$HD" 2>/dev/null
	[ -n "$FW" ] && kill "$FW" 2>/dev/null
	wait 2>/dev/null
	rm -f "/dev/shm/dfnic-demo-$$"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ms_now() { date +%s%3N; }
# wait_log FILE PATTERN TIMEOUT_MS [FROM_LINE]: wait for a new matching line
wait_log() {
	local f=$1 p=$2 t=$3 from=${4:-0} end=$(( $(ms_now) + $3 ))
	while [ "$(ms_now)" -lt "$end" ]; do
		tail -n +"$((from + 1))" "$f" 2>/dev/null | grep -q -- "$p" && return 0
		sleep 0.02
	done
	echo "demo: FAILED: no '$p' in $f within $t ms" >&2
	echo "---- $f"; cat "$f" >&2
	exit 1
}
lines() { wc -l <"$1"; }
show() { tail -n +"$(( $2 + 1 ))" "$1" | sed 's/^[^ ]* /    /'; }
start_fw() { "$BIN/firmware" --mbox "$MBOX" --heartbeat-ms $HB >>"$FW_LOG" 2>&1 & FW=$!; }
start_hd() { "$BIN/hostd" --mbox "$MBOX" --heartbeat-ms $HB >>"$HD_LOG" 2>&1 & HD=$!; }

say "1. firmware creates the mailbox ($MBOX), hostd attaches and negotiates"
start_fw
wait_log "$FW_LOG" "waiting for hostd" 3000
start_hd
wait_log "$HD_LOG" "resync done" 3000
wait_log "$FW_LOG" "batch applied" 3000
show "$FW_LOG" 0; show "$HD_LOG" 0

say "2. heartbeats every $HB ms both ways; kill -9 the firmware"
sleep 1
h0=$(lines "$HD_LOG")
kill -9 "$FW"; wait "$FW" 2>/dev/null; FW=
t0=$(ms_now)
wait_log "$HD_LOG" "NIC lost" 5000 "$h0"
t1=$(ms_now)
show "$HD_LOG" "$h0"
echo "    -> hostd noticed after $((t1 - t0)) ms (limit: 3 x $HB ms + one tick)"

say "3. restart the firmware: new epoch, hostd reattaches and resyncs"
h0=$(lines "$HD_LOG"); f0=$(lines "$FW_LOG")
start_fw
wait_log "$HD_LOG" "resync done" 5000 "$h0"
show "$FW_LOG" "$f0"; show "$HD_LOG" "$h0"

say "4. kill -9 hostd; the firmware notices, keeps its mirror; restart hostd"
sleep 0.5
f0=$(lines "$FW_LOG")
kill -9 "$HD"; wait "$HD" 2>/dev/null; HD=
t0=$(ms_now)
wait_log "$FW_LOG" "host lost" 5000 "$f0"
t1=$(ms_now)
echo "    -> firmware noticed after $((t1 - t0)) ms"
start_hd
wait_log "$FW_LOG" "batch applied" 5000 "$f0"
show "$FW_LOG" "$f0"

say "5. clean shutdown (SIGTERM)"
f0=$(lines "$FW_LOG"); h0=$(lines "$HD_LOG")
kill "$HD"; wait "$HD" 2>/dev/null; HD=
wait_log "$FW_LOG" "peer closed" 3000 "$f0"
kill "$FW"; wait "$FW" 2>/dev/null; FW=
show "$HD_LOG" "$h0"; show "$FW_LOG" "$f0"

say "What this demo did"
cat <<TXT
    Real hostd and firmware binaries talked over a real shared-memory
    mailbox: version negotiation, heartbeats, an atomic state batch, loss
    detection and resync after each side was killed. Full logs: $RUN/
    Not shown yet (later issues): the OpenFlow pipeline in Open vSwitch,
    the topology API and dfctl, rte_flow offload in the firmware.
TXT
trap - EXIT
cleanup
