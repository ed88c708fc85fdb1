#!/bin/bash
# tests/integration/image_slots.sh: A/B firmware slots on the qemu-virt
# board. The guest's firmware flash is a second ivshmem device backed by a
# host file (run-qemu.sh --flash); the host installs images into it with
# `dfimage slots install` while the guest is down (the mailbox streaming of
# `dfctl firmware update` is not there yet), and /init boots from it.
#
#   1  empty flash: /init installs the built-in image (slot A, active),
#      the firmware talks to hostd; clean shutdown (QEMU status 1)
#   2  refused installs (tampered payload, tampered header, wrong board,
#      wrong key, truncated file) leave the flash as it was
#   3  a new signed image (0.2.0-it) goes to slot B on trial: it boots, its
#      session with hostd comes up, /init confirms it: B is active
#   4  an image that never talks to hostd goes to slot A on trial: it
#      boots, is not confirmed within dfnic.trial_s=4, /init rolls back to
#      B (0.2.0-it), which talks to hostd again; A is dropped
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/image_slots.sh
# Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"

need_bins hostd dfimage
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (build/deps.sh: qemu-system-x86)"
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
RUNQ=$TOP/board/qemu-virt/run-qemu.sh
KEY=$TOP/board/keys/test-ed25519.pem
PUB=$TOP/board/keys/test-ed25519.pub.pem
DFIMAGE=$DFNIC_BIN/dfimage
T_START=$(now)

if [ -n "${DFNIC_QEMU_IMAGE:-}" ]; then
	IMG=$DFNIC_QEMU_IMAGE
else
	info "build the qemu-virt image"
	(unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
	 make -C "$TOP" --no-print-directory -j2 BOARD=qemu-virt O=out/qemu-virt image) >"$T/build.log" 2>&1 ||
		{ tail -n 30 "$T/build.log"; fail "make BOARD=qemu-virt image failed"; }
	IMG=$TOP/out/qemu-virt/image
fi
[ -r "$IMG/initramfs.cpio.gz" ] || fail "$IMG/initramfs.cpio.gz missing after the build"

MB=/dev/shm/dfnic-slots-$$
FLASH=$T/flash.bin
at_exit "rm -f $MB"
mkfifo "$T/console"
exec 3<>"$T/console"

expect() { # PATTERN LOG TIMEOUT WHAT
	wait_for_log "$1" "$2" "$3" || fail "$4: no /$1/ in $(basename "$2") within $3 s"
}
status() { "$DFIMAGE" slots status --store "$FLASH"; }
hostd_for() { # N: a hostd on this boot's mailbox
	spawn "$T/hostd$1.log" "$DFNIC_BIN/hostd" --mbox "pci:$MB" --state-dir "$T/state$1" --retry-ms 100
	HD=$SPAWNED
}
qemu_up() { # N APPEND
	spawn "$T/serial$1.log" bash -c 'exec "$@" <&3' run-qemu "$RUNQ" --accel tcg --mbox "$MB" \
		--flash "$FLASH" --append "$2" "$IMG"
	QEMU=$SPAWNED
}
shutdown_guest() { # N
	echo shutdown >&3
	wait_exit "$QEMU" 30 || fail "boot $1: QEMU still running 30 s after 'shutdown'"
	[ "$EXIT_STATUS" -eq 1 ] || fail "boot $1: QEMU exited with $EXIT_STATUS, expected 1 (firmware status 0)"
	kill -TERM "$HD"
	wait_exit "$HD" 5 || fail "boot $1: hostd did not stop"
}

# ---- 1: empty flash ---------------------------------------------------------
info "1: empty flash gets the built-in image"
qemu_up 1 ""
expect "dfnic-init: firmware flash /sys/bus/pci/devices/[0-9a-f:.]+:05\.0/resource2 \(16777216 bytes\)" "$T/serial1.log" 60 "the guest did not find the flash"
expect "firmware flash empty: installing the built-in image" "$T/serial1.log" 10 "factory install"
expect "slot A: installed as the active image: format 1, board qemu-virt" "$T/serial1.log" 10 "factory install into slot A"
expect "dfnic-init: boot: slot A \(active\), version 0\.1\.0" "$T/serial1.log" 10 "boot from slot A"
expect "waiting for hostd" "$T/serial1.log" 30 "the firmware from slot A"
hostd_for 1
expect "session/nic: peer up: host 'hostd" "$T/serial1.log" 10 "slot A's firmware and hostd"
shutdown_guest 1
status >"$T/st1" || fail "dfimage slots status on the host"
grep -q '^slots: .*active A, trial -$' "$T/st1" || { cat "$T/st1"; fail "1: slot A should be active"; }

# ---- 2: refused installs ------------------------------------------------------
info "2: bad images are refused and change nothing"
"$DFIMAGE" extract --pubkey "$PUB" "$IMG/firmware.dfimg" "$T/fw" >/dev/null || fail "unpack the built firmware"
"$DFIMAGE" sign --key "$KEY" --board qemu-virt --version 0.2.0-it "$T/fw" "$T/v2.dfimg" >/dev/null || fail "sign v2"
"$DFIMAGE" sign --key "$KEY" --board sim --version 0.2.0-it "$T/fw" "$T/sim.dfimg" >/dev/null || fail "sign for sim"
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
"$DFIMAGE" sign --key "$T/other.pem" --board qemu-virt --version 0.2.0-it "$T/fw" "$T/other.dfimg" >/dev/null || fail "sign with the other key"
cp "$T/v2.dfimg" "$T/pay.dfimg"
printf '\377' | dd of="$T/pay.dfimg" bs=1 seek=4000 conv=notrunc status=none
cp "$T/v2.dfimg" "$T/hdr.dfimg"
printf '9' | dd of="$T/hdr.dfimg" bs=1 seek=56 conv=notrunc status=none # version 0.2.0 -> 9.2.0
head -c 5000 "$T/v2.dfimg" >"$T/trunc.dfimg"
before=$(status)
for c in "pay:19:DIGEST" "hdr:20:SIGNATURE" "sim:17:BOARD" "other:18:KEY" "trunc:15:TRUNCATED"; do
	f=${c%%:*} rest=${c#*:}
	want=${rest%%:*} code=${rest#*:}
	"$DFIMAGE" slots install --store "$FLASH" --pubkey "$PUB" --board qemu-virt "$T/$f.dfimg" >"$T/inst.out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || { cat "$T/inst.out"; fail "2: install of $f.dfimg: exit $rc, expected $want ($code)"; }
	grep -q "refused ($code)" "$T/inst.out" || { cat "$T/inst.out"; fail "2: $f.dfimg: no 'refused ($code)'"; }
	info "2: $f.dfimg refused: $(head -n 1 "$T/inst.out" | sed 's/.*refused/refused/')"
done
# The slot the refused images went to was emptied, the active one untouched.
after=$(status)
[ "$(grep '^slot A' <<<"$before")" = "$(grep '^slot A' <<<"$after")" ] || fail "2: slot A changed"
grep -q '^slots: .*active A, trial -$' <<<"$after" || fail "2: the state changed: $after"

# ---- 3: a good update, confirmed ----------------------------------------------
info "3: update to 0.2.0-it: trial boot, confirmed by its session with hostd"
"$DFIMAGE" slots install --store "$FLASH" --pubkey "$PUB" --board qemu-virt "$T/v2.dfimg" >"$T/inst.out" 2>&1 ||
	{ cat "$T/inst.out"; fail "3: install of v2"; }
grep -q "slot B: installed for a trial boot" "$T/inst.out" || fail "3: v2 not installed for a trial in slot B"
qemu_up 3 ""
expect "dfnic-init: boot: slot B \(trial\), version 0\.2\.0-it" "$T/serial3.log" 60 "trial boot of B"
expect "waiting for hostd" "$T/serial3.log" 30 "the trial firmware"
hostd_for 3
expect "session/nic: peer up: host 'hostd" "$T/serial3.log" 10 "the trial firmware and hostd"
expect "trial image confirmed: its session with hostd is up" "$T/serial3.log" 5 "confirmation"
shutdown_guest 3
status >"$T/st3"
grep -q '^slots: .*active B, trial -$' "$T/st3" || { cat "$T/st3"; fail "3: slot B should be active"; }

# ---- 4: an update that never heartbeats is rolled back --------------------------
info "4: an image that never talks to hostd: rolled back after the deadline"
printf '#!/bin/sh\necho "hanging firmware: no session"\nexec sleep 1000\n' >"$T/hang.sh"
"$DFIMAGE" sign --key "$KEY" --board qemu-virt --version 0.3.0-hangs "$T/hang.sh" "$T/hang.dfimg" >/dev/null || fail "sign the hanging image"
"$DFIMAGE" slots install --store "$FLASH" --pubkey "$PUB" --board qemu-virt "$T/hang.dfimg" >"$T/inst.out" 2>&1 ||
	{ cat "$T/inst.out"; fail "4: install of the hanging image"; }
grep -q "slot A: installed for a trial boot" "$T/inst.out" || fail "4: not installed for a trial in slot A"
qemu_up 4 "dfnic.trial_s=4"
hostd_for 4
expect "dfnic-init: boot: slot A \(trial\), version 0\.3\.0-hangs" "$T/serial4.log" 60 "trial boot of A"
expect "hanging firmware: no session" "$T/serial4.log" 10 "the hanging image ran"
expect "trial image not confirmed within 4 s \(no session with hostd\): rolling back" "$T/serial4.log" 15 "rollback"
expect "dfnic-init: boot: slot B \(rollback\), version 0\.2\.0-it" "$T/serial4.log" 10 "boot of B after the rollback"
expect "session/nic: peer up: host 'hostd" "$T/serial4.log" 15 "the rolled-back firmware and hostd"
shutdown_guest 4
status >"$T/st4"
grep -q '^slots: .*active B, trial -$' "$T/st4" || { cat "$T/st4"; fail "4: slot B should still be active"; }
grep -q '^slot A: empty$' "$T/st4" || { cat "$T/st4"; fail "4: the rolled-back image should be dropped"; }

check_sanitizers "$T"/hostd*.log
info "PASS in $(ms_between "$T_START" "$(now)") ms"
exit 0
