#!/bin/bash
# tests/integration/mbox_hostd_firmware.sh: the real hostd and firmware
# binaries (sim board) talking over a shared-memory mailbox.
#
# Checks, with 100 ms heartbeats and a miss limit of 3:
#   A  firmware first, then hostd: negotiation and the first resync batch
#   B  kill -9 the firmware: hostd logs the loss within 3 intervals
#   C  restart the firmware: new epoch, hostd reattaches and resyncs
#   D  kill -9 hostd: the firmware logs the loss within 3 intervals
#   E  restart hostd: the firmware sees a new host epoch and resyncs
#   F  SIGTERM both: clean exits (status 0, so no leaks under ASan), the
#      peer sees the closed side at once
#   G  hostd first (waits for the mailbox, says so once), then firmware;
#      firmware shut down and restarted under a running hostd
#   H  no common protocol version (hostd --proto-min/max 2): refused and
#      logged on both sides, no session
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/mbox_hostd_firmware.sh
# (DFNIC_KEEP_TMP=1 keeps the logs). Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"

need_bins hostd firmware
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "/dev/shm is not a writable directory"

HB=100
MISS=3
# Loss must be noticed MISS intervals after the peer's last message, which
# came at most one interval before the kill: [ (MISS-1)*HB, MISS*HB ] plus
# scheduling slack (sanitizer builds on a loaded 2-core machine).
LOSS_MIN_MS=$(((MISS - 1) * HB - 50))
LOSS_MAX_MS=$((MISS * HB + ${DFNIC_LOSS_SLACK_MS:-250}))

SHM_PREFIX=/dev/shm/dfnic-it-$$
at_exit "rm -f $SHM_PREFIX-*"

# Regex-quote a literal string for grep -E.
re() { printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'; }
HOSTNAME_RE=$(re "$(hostname)")

fw() { # LOG MBOXPATH [ARGS...]
	local log=$1 mb=$2
	shift 2
	spawn "$log" "$DFNIC_BIN/firmware" --mbox "shm:$mb" --heartbeat-ms $HB --miss-limit $MISS "$@"
}
hd() { # LOG MBOXPATH [ARGS...]
	local log=$1 mb=$2
	shift 2
	spawn "$log" "$DFNIC_BIN/hostd" --mbox "shm:$mb" --heartbeat-ms $HB --miss-limit $MISS \
		--retry-ms 100 "$@"
}
expect() { # PATTERN LOG TIMEOUT WHAT
	wait_for_log "$1" "$2" "$3" || fail "$4: no /$1/ in $(basename "$2") within $3 s"
}
fw_epoch() {
	log_line 'mailbox .* created: epoch' "$1" | sed -n 's/.*created: epoch \([0-9a-f]\{16\}\),.*/\1/p'
}
hd_epoch() {
	log_line 'session epoch [0-9a-f]{16}' "$1" | sed -n 's/.*session epoch \([0-9a-f]\{16\}\);.*/\1/p'
}
# LOSS WHAT T0 PATTERN LOG: the loss line's timestamp is within bounds of T0.
check_loss() {
	local what=$1 t0=$2 pattern=$3 log=$4
	expect "$pattern" "$log" 3 "$what"
	local t ms
	t=$(log_time "$(log_line "$pattern" "$log")")
	ms=$(ms_between "$t0" "$t")
	info "$what: noticed $ms ms after the kill (allowed $LOSS_MIN_MS..$LOSS_MAX_MS)"
	[ "$ms" -ge "$LOSS_MIN_MS" ] && [ "$ms" -le "$LOSS_MAX_MS" ] ||
		fail "$what: noticed after $ms ms, expected $LOSS_MIN_MS..$LOSS_MAX_MS"
}
stop_clean() { # NAME PID
	kill -TERM "$2"
	wait_exit "$2" 5 || fail "$1 did not exit within 5 s of SIGTERM"
	[ "$EXIT_STATUS" -eq 0 ] || fail "$1 exited with status $EXIT_STATUS after SIGTERM"
}

# ---- A: firmware first, then hostd --------------------------------------
info "A: firmware first, then hostd"
MB=$SHM_PREFIX-a
fw "$T/fw1.log" "$MB"
FW=$SPAWNED
expect "mailbox shm:$(re "$MB") created: epoch [0-9a-f]{16}" "$T/fw1.log" 5 "firmware did not create the mailbox"
E1=$(fw_epoch "$T/fw1.log")
hd "$T/hd1.log" "$MB"
HD=$SPAWNED
expect "session/host: peer up: nic '[^']*' epoch $E1, protocol v1, caps 0x3.*\(resync\)" "$T/hd1.log" 5 "hostd did not negotiate with the firmware"
H1=$(hd_epoch "$T/hd1.log")
[ -n "$H1" ] || fail "hostd did not log its session epoch"
expect "session/nic: peer up: host 'hostd [^']*' epoch $H1, protocol v1, caps 0x3.*\(resync\)" "$T/fw1.log" 5 "the firmware did not see hostd"
expect "resync done: NIC epoch $E1 applied" "$T/hd1.log" 5 "hostd's first push"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1; host epoch $H1, NIC epoch $E1" "$T/fw1.log" 5 "the firmware's first batch"
expect "HOST_INFO 1: hostname=$HOSTNAME_RE version=[0-9]" "$T/fw1.log" 5 "HOST_INFO content"
info "A: up, NIC epoch $E1, host epoch $H1"

# ---- B: the firmware dies -----------------------------------------------
sleep 0.35 # a few heartbeats of steady state
info "B: kill -9 firmware"
t0=$(now)
kill9 "$FW"
check_loss "hostd" "$t0" "session/host: peer down: no message for" "$T/hd1.log"
expect "nic: NIC lost \(no message for" "$T/hd1.log" 1 "hostd's NIC-lost log"
alive "$HD" || fail "hostd died with the firmware"

# ---- C: the firmware comes back -----------------------------------------
info "C: restart firmware"
fw "$T/fw2.log" "$MB"
FW=$SPAWNED
expect "mailbox shm:$(re "$MB") created: epoch [0-9a-f]{16}" "$T/fw2.log" 5 "restarted firmware"
E2=$(fw_epoch "$T/fw2.log")
[ "$E2" != "$E1" ] || fail "the restarted firmware kept epoch $E1"
expect "re-created the mailbox \(epoch $E1 -> $E2\): reattached" "$T/hd1.log" 5 "hostd did not reattach"
expect "session/host: peer up: nic '[^']*' epoch $E2, .*\(resync\)" "$T/hd1.log" 5 "hostd did not renegotiate"
expect "resync done: NIC epoch $E2 applied" "$T/hd1.log" 5 "hostd's resync push"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1; host epoch $H1, NIC epoch $E2" "$T/fw2.log" 5 "the restarted firmware's batch"
info "C: resynced to NIC epoch $E2"

# ---- D: hostd dies ------------------------------------------------------
sleep 0.35
info "D: kill -9 hostd"
t0=$(now)
kill9 "$HD"
check_loss "firmware" "$t0" "session/nic: peer down: no message for" "$T/fw2.log"
expect "firmware: host lost \(no message for" "$T/fw2.log" 1 "the firmware's host-lost log"
alive "$FW" || fail "the firmware died with hostd"

# ---- E: hostd comes back ------------------------------------------------
info "E: restart hostd"
hd "$T/hd2.log" "$MB"
HD=$SPAWNED
expect "session epoch [0-9a-f]{16}" "$T/hd2.log" 5 "restarted hostd"
H2=$(hd_epoch "$T/hd2.log")
[ "$H2" != "$H1" ] || fail "the restarted hostd kept epoch $H1"
expect "session/nic: peer up: host '[^']*' epoch $H2, .*\(resync\)" "$T/fw2.log" 5 "the firmware did not see the new host"
expect "resync: host '[^']*' epoch $H2 is new" "$T/fw2.log" 5 "the firmware's resync log"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1; host epoch $H2, NIC epoch $E2" "$T/fw2.log" 5 "the new host's batch"
expect "resync done: NIC epoch $E2 applied" "$T/hd2.log" 5 "the new hostd's push"
info "E: resynced from host epoch $H2"

# ---- F: clean shutdowns -------------------------------------------------
info "F: SIGTERM hostd, then the firmware"
stop_clean hostd "$HD"
expect "mailbox shm:$(re "$MB") closed \(host side marked closed\)" "$T/hd2.log" 1 "hostd's shutdown"
expect "session/nic: peer down: the peer closed the mailbox" "$T/fw2.log" 1 "the firmware did not see hostd close"
stop_clean firmware "$FW"
expect "NIC side of the mailbox marked closed" "$T/fw2.log" 1 "the firmware's shutdown"

# ---- G: hostd first -----------------------------------------------------
info "G: hostd first, then firmware"
MB=$SHM_PREFIX-g
hd "$T/hd3.log" "$MB"
HD=$SPAWNED
expect "mailbox shm:$(re "$MB") not usable yet \(No such file or directory\); retrying every 100 ms" "$T/hd3.log" 5 "hostd waiting for the mailbox"
sleep 0.5
n=$(grep -c "not usable yet" "$T/hd3.log")
[ "$n" -eq 1 ] || fail "hostd logged the missing mailbox $n times (expected once)"
fw "$T/fw3.log" "$MB"
FW=$SPAWNED
expect "mailbox shm:$(re "$MB") created: epoch [0-9a-f]{16}" "$T/fw3.log" 5 "firmware after hostd"
E3=$(fw_epoch "$T/fw3.log")
expect "nic: attached to mailbox shm:$(re "$MB") \(NIC epoch $E3\)" "$T/hd3.log" 5 "hostd did not attach"
expect "session/host: peer up: nic '[^']*' epoch $E3, .*\(resync\)" "$T/hd3.log" 5 "hostd did not negotiate"
expect "resync done: NIC epoch $E3 applied" "$T/hd3.log" 5 "hostd's push"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1; host epoch [0-9a-f]{16}, NIC epoch $E3" "$T/fw3.log" 5 "the firmware's batch"
info "G: firmware shut down and restarted under a running hostd"
t0=$(now)
stop_clean firmware "$FW"
expect "session/host: peer down: the peer closed the mailbox" "$T/hd3.log" 2 "hostd did not see the NIC close"
expect "nic: NIC lost \(the peer closed the mailbox\)" "$T/hd3.log" 1 "hostd's NIC-lost log"
fw "$T/fw4.log" "$MB"
FW=$SPAWNED
expect "mailbox shm:$(re "$MB") created: epoch [0-9a-f]{16}" "$T/fw4.log" 5 "firmware restart"
E4=$(fw_epoch "$T/fw4.log")
expect "re-created the mailbox \(epoch $E3 -> $E4\): reattached" "$T/hd3.log" 5 "hostd did not reattach"
expect "resync done: NIC epoch $E4 applied" "$T/hd3.log" 5 "hostd's resync after the NIC restart"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1; host epoch [0-9a-f]{16}, NIC epoch $E4" "$T/fw4.log" 5 "the firmware's batch"
stop_clean hostd "$HD"
stop_clean firmware "$FW"

# ---- H: no common version -----------------------------------------------
info "H: version mismatch"
MB=$SHM_PREFIX-h
fw "$T/fw5.log" "$MB"
FW=$SPAWNED
expect "mailbox shm:$(re "$MB") created" "$T/fw5.log" 5 "firmware"
hd "$T/hd5.log" "$MB" --proto-min 2 --proto-max 2
HD=$SPAWNED
expect "NIC refused our HELLO \(v2\.\.2\): Protocol not supported: no common protocol version: host speaks 2\.\.2, NIC speaks 1\.\.1; no session" "$T/hd5.log" 5 "hostd's refusal log"
expect "HELLO from 'hostd [^']*' \(epoch [0-9a-f]{16}\) refused: no common protocol version: host speaks 2\.\.2, NIC speaks 1\.\.1; no session" "$T/fw5.log" 5 "the firmware's refusal log"
sleep 0.5
! grep -q "peer up" "$T/hd5.log" "$T/fw5.log" || fail "a session came up without a common version"
alive "$HD" && alive "$FW" || fail "a side died on the version mismatch"
stop_clean hostd "$HD"
stop_clean firmware "$FW"

check_sanitizers "$T"/*.log
info "PASS"
exit 0
