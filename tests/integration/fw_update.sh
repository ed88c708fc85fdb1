#!/bin/bash
# tests/integration/fw_update.sh: `dfctl firmware update` end to end on the
# sim board: the real hostd (--chassis c1, REST API) and the real firmware
# booted from A/B slots in a flash file (firmware --flash: its own boot
# loop, firmware/update.h) over a shared-memory mailbox.
#
#   A  flash with version 1 (the firmware program signed by the test key):
#      the firmware boots it, hostd's session comes up, `dfctl firmware
#      status` shows dfnic-firmware 1
#   B  refused images, each with its own reason from dfctl (the NIC's,
#      from the image library), the running firmware untouched (same
#      process, session never lost, still heartbeating, flash unchanged):
#      a payload byte flipped (DIGEST), the image cut short (TRUNCATED),
#      signed for board qemu-virt (BOARD), signed by another key (KEY)
#   C  version 2: progress lines, the NIC installs it in slot B, restarts
#      on it, confirms it after its session with hostd is up; dfctl and
#      the flash show version 2 active
#   D  version 3 whose payload is a script that sleeps (never says HELLO),
#      under a pseudo-terminal (progress bar): installed, booted on trial,
#      not confirmed within --trial-s, stopped and rolled back; version 2
#      runs again, dfctl reports the rollback (exit 1)
#   E  SIGTERM: the boot loop stops its firmware, both exit 0, no
#      sanitizer report
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/fw_update.sh
# (DFNIC_KEEP_TMP=1 keeps the logs). Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"

need_bins hostd firmware dfctl dfimage
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "/dev/shm is not a writable directory"
command -v openssl >/dev/null || skip "openssl is needed to make a second key"

TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KEY=$TOP/board/keys/test-ed25519.pem
PUB=$TOP/board/keys/test-ed25519.pub.pem
HB=100
MISS=3
TRIAL_S=4
MB=/dev/shm/dfnic-it-fwup-$$
FLASH=$T/flash
SOCK=$T/api.sock
FWLOG=$T/fw.log
HDLOG=$T/hd.log
at_exit "rm -f $MB"
# firmwares killed at exit leave their EAL runtime directories behind
at_exit "sed -n 's/.*runtime dir \(\/var\/run\/dpdk\/fw[0-9]*\)).*/\1/p' $FWLOG 2>/dev/null | xargs -r rm -rf"

expect() { # PATTERN LOG TIMEOUT WHAT
	wait_for_log "$1" "$2" "$3" || fail "$4: no /$1/ in $(basename "$2") within $3 s"
}
dfctl() { "$DFNIC_BIN/dfctl" --socket "$SOCK" "$@"; }
dfimage() { "$DFNIC_BIN/dfimage" "$@"; }
sign() { # BOARD VERSION IN OUT [KEY]
	dfimage sign --key "${5:-$KEY}" --board "$1" --version "$2" "$3" "$4" >/dev/null ||
		fail "dfimage sign $4"
}
# the firmware's line in `dfctl firmware status`
fw_running() { dfctl firmware status | sed -n 's/^chassis c1: NIC connected, firmware //p'; }
wait_running() { # NAME TIMEOUT
	local end=$(($(date +%s) + $2)) v
	while :; do
		v=$(fw_running)
		[ "$v" = "$1" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && { LAST=$v; return 1; }
		sleep 0.1
	done
}
boots() { grep -c 'boot: booting slot' "$FWLOG"; }
slots() { dfimage slots status --store "$FLASH" | head -n 1 | sed 's/^slots: generation [0-9]*, //'; }

# ---- images -------------------------------------------------------------
sign sim 1 "$DFNIC_BIN/firmware" "$T/v1.img"
sign sim 2 "$DFNIC_BIN/firmware" "$T/v2.img"
SIZE=$(stat -c %s "$T/v2.img")
cp "$T/v2.img" "$T/tampered.img"
# one payload byte (the header is 128 bytes) inverted
b=$(od -An -tu1 -j 5000 -N 1 "$T/tampered.img" | tr -d ' ')
printf "$(printf '\\%03o' $((255 - b)))" | dd of="$T/tampered.img" bs=1 seek=5000 conv=notrunc status=none
cmp -s "$T/v2.img" "$T/tampered.img" && fail "the tampered image is not different"
head -c $((SIZE - 1000)) "$T/v2.img" >"$T/truncated.img"
sign qemu-virt 2 "$DFNIC_BIN/firmware" "$T/board.img"
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
sign sim 2 "$DFNIC_BIN/firmware" "$T/otherkey.img" "$T/other.pem"
printf '#!/bin/sh\n# a firmware that never talks to hostd\nexec sleep 600\n' >"$T/sleeper.sh"
sign sim 3 "$T/sleeper.sh" "$T/sleeper.img"

# ---- A: boot version 1 from the flash -----------------------------------
info "A: flash with version 1, firmware and hostd"
dfimage slots init --store "$FLASH" --size $((2 * SIZE + 65536)) >/dev/null || fail "slots init"
dfimage slots install --store "$FLASH" --pubkey "$PUB" --board sim "$T/v1.img" >/dev/null ||
	fail "slots install v1"
spawn "$FWLOG" "$DFNIC_BIN/firmware" --mbox "shm:$MB" --heartbeat-ms $HB --miss-limit $MISS \
	--flash "$FLASH" --pubkey "$PUB" --trial-s $TRIAL_S
FW=$SPAWNED
spawn "$HDLOG" "$DFNIC_BIN/hostd" --mbox "shm:$MB" --heartbeat-ms $HB --miss-limit $MISS \
	--retry-ms 100 --chassis c1 --state-dir "$T/state" --api "unix:$SOCK"
HD=$SPAWNED
expect "boot: booting slot A: version 1 \(active\)" "$FWLOG" 5 "boot of version 1"
expect "session/host: peer up: nic 'dfnic-firmware 1'" "$HDLOG" 10 "hostd's session with version 1"
wait_running "dfnic-firmware 1" 5 || fail "A: dfctl firmware status shows '$LAST', not version 1"
[ "$(slots)" = "$(slots)" ] && S0=$(slots)
info "A: running version 1; flash: $S0"

# ---- B: refused images ----------------------------------------------------
refused() { # IMAGE CODE WHAT
	local hb0 downs0 out rc
	downs0=$(grep -c 'peer down' "$HDLOG")
	hb0=$(grep -c . "$FWLOG")
	out=$(dfctl firmware update "$1" --timeout 30 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /'
	[ $rc = 1 ] || fail "B $3: dfctl exited $rc, expected 1"
	echo "$out" | grep -q "dfctl: firmware update refused: $2: " ||
		fail "B $3: dfctl did not report the $2 refusal"
	grep -q "FW_UPDATE_[A-Z]* refused: $2: " "$FWLOG" || fail "B $3: the firmware did not log the $2 refusal"
	alive "$FW" || fail "B $3: the firmware stopped"
	[ "$(boots)" = 1 ] || fail "B $3: the firmware was restarted"
	[ "$(grep -c 'peer down' "$HDLOG")" = "$downs0" ] || fail "B $3: hostd lost the NIC"
	[ "$(slots)" = "$S0" ] || fail "B $3: flash state changed: $(slots)"
	# still heartbeating: hostd keeps the session through a few miss limits
	sleep $(awk -v hb=$HB -v m=$MISS 'BEGIN { print 2 * hb * m / 1000 }')
	[ "$(grep -c 'peer down' "$HDLOG")" = "$downs0" ] || fail "B $3: hostd lost the NIC afterwards"
	[ "$(fw_running)" = "dfnic-firmware 1" ] || fail "B $3: the NIC does not run version 1 any more"
	info "B $3: refused with $2, version 1 still running"
}
refused "$T/tampered.img" DIGEST "payload byte flipped"
refused "$T/truncated.img" TRUNCATED "truncated image"
refused "$T/board.img" BOARD "image for another board"
refused "$T/otherkey.img" KEY "image signed by another key"

# ---- C: version 2 ---------------------------------------------------------
info "C: update to version 2"
out=$(dfctl firmware update "$T/v2.img" --timeout 60 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc = 0 ] || fail "C: dfctl exited $rc"
# (the MiB figures depend on the build: a sanitizer build's image is bigger)
echo "$out" | grep -q "^sent 100% [0-9]*\.[0-9]/[0-9]*\.[0-9] MiB ($SIZE/$SIZE bytes)" || fail "C: no progress to 100 %"
echo "$out" | grep -q "the NIC runs version 2 (dfnic-firmware 2)" || fail "C: dfctl did not see version 2"
expect "update: installed version 2 in slot B, trial; restarting on it" "$FWLOG" 1 "C: install"
expect "boot: booting slot B: version 2 \(trial\)" "$FWLOG" 5 "C: trial boot"
expect "update: image version 2 in slot B confirmed" "$FWLOG" 5 "C: confirmation"
expect "boot: version 2 confirmed by the firmware" "$FWLOG" 5 "C: the boot loop saw the confirmation"
[ "$(fw_running)" = "dfnic-firmware 2" ] || fail "C: status shows '$(fw_running)'"
[ "$(slots)" = "$(echo "$S0" | sed 's/active A/active B/')" ] || fail "C: flash state: $(slots)"
dfctl firmware status | grep -q "^last update: running (version 2, $SIZE/$SIZE bytes sent)" ||
	fail "C: dfctl firmware status: $(dfctl firmware status)"
info "C: version 2 runs from slot B and is confirmed"

# ---- D: an image that never heartbeats is rolled back ----------------------
info "D: update to version 3 (never says HELLO): rollback after $TRIAL_S s"
t0=$(now)
if script -qfec true /dev/null >/dev/null 2>&1; then
	script -qfec "$DFNIC_BIN/dfctl --socket $SOCK firmware update $T/sleeper.img --timeout 60" \
		"$T/tty.out" >/dev/null 2>&1
	rc=$?
	out=$(cat "$T/tty.out")
	grep -q $'\r\\[####################\\] 100% 0\\.0/0\\.0 MiB' "$T/tty.out" ||
		fail "D: no progress bar on the terminal: $(od -c "$T/tty.out" | head -5)"
else
	info "D: no script(1) pseudo-terminal; progress lines only"
	out=$(dfctl firmware update "$T/sleeper.img" --timeout 60 2>&1)
	rc=$?
fi
echo "$out" | tr '\r' '\n' | sed 's/^/    /'
[ $rc = 1 ] || fail "D: dfctl exited $rc, expected 1 (rolled back)"
echo "$out" | grep -q "dfctl: firmware update rolled back: the NIC came back as 'dfnic-firmware 2', not version 3" ||
	fail "D: dfctl did not report the rollback"
expect "boot: booting slot A: version 3 \(trial\)" "$FWLOG" 1 "D: trial boot of version 3"
expect "boot: trial of version 3 not confirmed within $TRIAL_S s .*rolling back" "$FWLOG" 1 "D: deadline"
expect "boot: booting slot B: version 2 \(rollback\)" "$FWLOG" 1 "D: rollback boot"
t=$(log_time "$(log_line 'not confirmed within' "$FWLOG")")
ms=$(ms_between "$t0" "$t")
[ "$ms" -ge $((TRIAL_S * 1000)) ] || fail "D: rolled back after $ms ms, before the $TRIAL_S s deadline"
wait_running "dfnic-firmware 2" 10 || fail "D: status shows '$LAST' after the rollback"
[ "$(slots)" = "$(echo "$S0" | sed 's/active A/active B/')" ] || fail "D: flash state: $(slots)"
SLEEPER=$(log_line 'boot: version 3 started \(pid [0-9]+\)' "$FWLOG" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
[ -n "$SLEEPER" ] || fail "D: no pid logged for version 3"
alive "$SLEEPER" && fail "D: the trial of version 3 (pid $SLEEPER) still runs"
info "D: rolled back to version 2 after $ms ms"

# ---- E: clean stop ---------------------------------------------------------
kill -TERM "$FW"
wait_exit "$FW" 10 || fail "E: the firmware's boot loop did not exit within 10 s of SIGTERM"
[ "$EXIT_STATUS" = 0 ] || fail "E: the firmware exited with $EXIT_STATUS"
expect "boot: stop signal: firmware version 2 stopped \(status 0\)" "$FWLOG" 1 "E: stop"
kill -TERM "$HD"
wait_exit "$HD" 10 || fail "E: hostd did not exit"
[ "$EXIT_STATUS" = 0 ] || fail "E: hostd exited with $EXIT_STATUS"
check_sanitizers "$FWLOG" "$HDLOG"
info "PASS"
