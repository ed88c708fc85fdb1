#!/bin/bash
# tests/integration/qemu_boot.sh: the qemu-virt image booted in QEMU (TCG),
# hostd on the host talking to the firmware in the guest over the ivshmem
# mailbox BAR.
#
# Builds the image first (`make BOARD=qemu-virt O=out/qemu-virt image`,
# incremental; DFNIC_QEMU_IMAGE=DIR uses an image already built there), then:
#   A  hostd starts first, on the host file behind the BAR (--mbox pci:FILE:
#      the host side polls, as the guest does; nothing rings a doorbell
#      across the BAR), and waits for the mailbox;
#   B  QEMU boots: /init finds the ivshmem device, verifies the signed
#      firmware image and starts the firmware with the options from the
#      kernel command line (dfnic.fwopts: heartbeat 200 ms, checked in the
#      negotiated session); the boot time is printed (QEMU start to
#      "waiting for hostd" on the serial console);
#   C  hostd negotiates with the firmware and pushes its state (the
#      HOST_INFO batch, full resync); then a topology applied through its
#      REST API (dfctl apply: one router, two subnets, two VMs on this
#      chassis c1, one on c2) is compiled into NIC objects, pushed over the
#      BAR and offloaded by the soft driver in the guest: `dfctl offload`
#      shows the statuses the firmware sent back (8 offloaded, 1 pending,
#      3 no-rule) and the guest's soft driver holds the rule count dfctl
#      reports;
#      both sides stay up;
#   D  `shutdown` on the serial console: the firmware gets SIGTERM, marks
#      its side closed (hostd sees it at once), exits 0, and /init ends
#      QEMU through isa-debug-exit: QEMU status 1 (= 0 * 2 + 1);
#   E  the same kernel with an initramfs whose firmware image is signed by
#      another key: /init refuses it (dfimage: KEY), the firmware never
#      starts, QEMU status (10 + 8) * 2 + 1 = 37.
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/qemu_boot.sh
# (DFNIC_KEEP_TMP=1 keeps the serial logs). Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/offload.sh"

need_bins hostd dfimage dfctl
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (build/deps.sh: qemu-system-x86)"
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
RUNQ=$TOP/board/qemu-virt/run-qemu.sh
T_START=$(now)

if [ -n "${DFNIC_QEMU_IMAGE:-}" ]; then
	IMG=$DFNIC_QEMU_IMAGE
else
	info "build the qemu-virt image"
	# A plain sub-build: none of the outer make's variables (O=,
	# CONFIG_FRAGMENT=, the jobserver) apply to it.
	(unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
	 make -C "$TOP" --no-print-directory -j2 BOARD=qemu-virt O=out/qemu-virt image) >"$T/build.log" 2>&1 ||
		{ tail -n 30 "$T/build.log"; fail "make BOARD=qemu-virt image failed"; }
	IMG=$TOP/out/qemu-virt/image
fi
for f in vmlinux initramfs.cpio.gz firmware.dfimg; do
	[ -r "$IMG/$f" ] || fail "$IMG/$f missing after the build"
done
info "image: $(stat -c %s "$IMG/initramfs.cpio.gz") byte initramfs, $("$DFNIC_BIN/dfimage" info "$IMG/firmware.dfimg" | head -n 1 | sed 's/.*: format/format/' | cut -d, -f2-3)"

MB=/dev/shm/dfnic-qemu-$$
at_exit "rm -f $MB"
HB=200

# The serial console's input: a FIFO we hold open read-write (fd 3), so
# QEMU never sees EOF and we can type commands.
mkfifo "$T/console"
exec 3<>"$T/console"

expect() { # PATTERN LOG TIMEOUT WHAT
	wait_for_log "$1" "$2" "$3" || fail "$4: no /$1/ in $(basename "$2") within $3 s"
}
boot() { # LOG IMAGE_DIR APPEND: QEMU's pid in $SPAWNED
	spawn "$1" bash -c 'exec "$@" <&3' run-qemu "$RUNQ" --accel tcg --mbox "$MB" --append "$3" "$2"
}

# ---- A: hostd first -------------------------------------------------------
info "A: hostd waits for the mailbox"
rm -f "$MB"
SOCK=$T/api.sock
spawn "$T/hostd.log" "$DFNIC_BIN/hostd" --mbox "pci:$MB" --state-dir "$T/state" --retry-ms 100 \
	--chassis c1 --api "unix:$SOCK"
HD=$SPAWNED
expect "not usable yet" "$T/hostd.log" 5 "hostd waiting for the mailbox"

# ---- B: boot --------------------------------------------------------------
info "B: boot (TCG)"
t0=$(now)
boot "$T/serial.log" "$IMG" "dfnic.fwopts=--heartbeat-ms=$HB"
QEMU=$SPAWNED
expect "dfnic-init: up after" "$T/serial.log" 60 "the guest did not reach /init"
t_init=$(now)
expect "dfnic-init: mailbox BAR /sys/bus/pci/devices/[0-9a-f:.]+/resource2 \(1048576 bytes\)" "$T/serial.log" 10 "/init did not find the ivshmem device"
expect "firmware.dfimg: verified, payload written to /run/dfnic/firmware: format 1, board qemu-virt" "$T/serial.log" 10 "/init did not verify the firmware image"
expect "mailbox pci:/sys/bus/pci/devices/.*/resource2 created: epoch [0-9a-f]{16}, .*waiting for hostd" "$T/serial.log" 30 "the firmware did not create the mailbox"
t_ready=$(now)
E=$(grep -E 'created: epoch [0-9a-f]{16}' "$T/serial.log" | sed -n 's/.*created: epoch \([0-9a-f]\{16\}\),.*/\1/p' | tail -n 1)
echo "boot time: $(ms_between "$t0" "$t_ready") ms from QEMU start to 'waiting for hostd' ($(ms_between "$t0" "$t_init") ms to /init)"

# ---- C: negotiation and the first push --------------------------------------
info "C: hostd negotiates over the BAR (NIC epoch $E)"
expect "nic: attached to mailbox pci:$MB \(NIC epoch $E\)" "$T/hostd.log" 10 "hostd did not attach to the BAR file"
expect "session/host: peer up: nic 'dfnic-firmware [^']*' epoch $E, protocol v1, caps 0x[0-9a-f]+, heartbeat $HB ms \(resync\)" "$T/hostd.log" 10 "hostd did not negotiate with the firmware (or dfnic.fwopts did not reach it)"
expect "resync done: NIC epoch $E applied" "$T/hostd.log" 10 "hostd's push"
expect "session/nic: peer up: host 'hostd [^']*' epoch [0-9a-f]{16}, protocol v1" "$T/serial.log" 10 "the firmware did not see hostd"
expect "batch applied: 1 object\(s\) \(full resync\), mirror holds 1" "$T/serial.log" 10 "the firmware did not apply hostd's batch"
expect "HOST_INFO 1: hostname=[^ ]+ version=[0-9]" "$T/serial.log" 5 "HOST_INFO content in the guest"
expect "firmware: offload synced: " "$T/serial.log" 5 "the firmware's offload state"

# The topology of tests/integration/fw_offload.sh (same expected figures).
offload_topo "$T/topo.json" c1 fa:16:3e:00:01:0a tap-vm-a fa:16:3e:00:02:0b tap-vm-b c2
info "C: topology through the REST API -> NIC objects over the BAR -> statuses back"
"$DFNIC_BIN/dfctl" --socket "$SOCK" apply "$T/topo.json" >"$T/apply.out" 2>&1 ||
	{ cat "$T/apply.out"; fail "dfctl apply failed"; }
# The entry figures are fixed by the topology; the rule count depends on
# the rule compiler, so it is only checked against what the guest holds.
TOTALS='^total: 12 entries: 8 offloaded, 0 rejected, 1 pending, 3 no-rule; [0-9]+ rule\(s\) in the NIC$'
end=$(($(date +%s) + 15))
until "$DFNIC_BIN/dfctl" --socket "$SOCK" offload c1 >"$T/offload.txt" 2>&1 && grep -qE "$TOTALS" "$T/offload.txt"; do
	[ "$(date +%s)" -lt "$end" ] || { cat "$T/offload.txt"; fail "C: the offload statuses from the guest never reached the expected totals"; }
	sleep 0.2
done
cat "$T/offload.txt"
grep -qE '^neighbour +[0-9]+ +vm 10\.0\.1\.10 on c1 +offloaded +1 rule\(s\)$' "$T/offload.txt" ||
	fail "C: vm-a's neighbour entry is not offloaded"
RULES=$(grep -E "$TOTALS" "$T/offload.txt" | sed -n 's/.*; \([0-9]*\) rule(s) in the NIC$/\1/p')
[ "${RULES:-0}" -gt 0 ] || fail "C: no rule in the NIC"
expect "soft driver holds $RULES\)" "$T/serial.log" 5 "C: the guest's soft driver holding the $RULES rules dfctl reports"
sleep 1.5 # several heartbeats of steady state across the BAR
alive "$QEMU" || fail "QEMU died"
alive "$HD" || fail "hostd died"
! grep -q "peer down" "$T/hostd.log" "$T/serial.log" || fail "a side lost its peer in steady state"
info "C: up, $(grep -c . "$T/serial.log") serial lines"

# ---- D: clean shutdown ------------------------------------------------------
info "D: shutdown from the console"
echo shutdown >&3
wait_exit "$QEMU" 30 || fail "QEMU still running 30 s after 'shutdown'"
expect "dfnic-init: shutdown: SIGTERM to the firmware" "$T/serial.log" 1 "/init's shutdown"
expect "NIC side of the mailbox marked closed" "$T/serial.log" 1 "the firmware's clean stop"
expect "dfnic-init: firmware exited with status 0" "$T/serial.log" 1 "the firmware's exit status"
[ "$EXIT_STATUS" -eq 1 ] || fail "QEMU exited with $EXIT_STATUS, expected 1 (firmware status 0 through isa-debug-exit)"
expect "session/host: peer down: the peer closed the mailbox" "$T/hostd.log" 2 "hostd did not see the firmware close"
alive "$HD" || fail "hostd died with the guest"
kill -TERM "$HD"
wait_exit "$HD" 5 || fail "hostd did not exit within 5 s of SIGTERM"
[ "$EXIT_STATUS" -eq 0 ] || fail "hostd exited with $EXIT_STATUS"
info "D: QEMU exit status 1 (firmware 0), hostd exit 0"

# ---- E: an image signed by another key is refused at boot ---------------------
info "E: firmware image signed by an untrusted key"
command -v openssl >/dev/null || fail "openssl missing (build/deps.sh)"
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
"$DFNIC_BIN/dfimage" extract --pubkey "$IMG/image-pub.pem" --board qemu-virt "$IMG/firmware.dfimg" "$T/fw" >/dev/null ||
	fail "cannot unpack the built firmware"
"$DFNIC_BIN/dfimage" sign --key "$T/other.pem" --board qemu-virt --version 0.0.0-evil "$T/fw" "$T/evil.dfimg" >/dev/null ||
	fail "cannot sign with the other key"
mkdir -p "$T/evil"
ln -s "$IMG/vmlinux" "$T/evil/vmlinux"
BUSYBOX=${BUSYBOX:-/bin/busybox} "$TOP/board/qemu-virt/mkinitramfs.sh" "$T/evil/initramfs.cpio.gz" "$T/evil-root" \
	"$TOP/board/qemu-virt/init" "$T/evil.dfimg" "$IMG/image-pub.pem" "$IMG/root/bin/dfimage" \
	"$IMG/root/bin/debug-exit" "$T/fw" >/dev/null || fail "mkinitramfs for the untrusted image"
boot "$T/serial-evil.log" "$T/evil" ""
QEMU=$SPAWNED
wait_exit "$QEMU" 60 || fail "QEMU with the untrusted image still running after 60 s"
expect "refused \(KEY\): signed by an untrusted key" "$T/serial-evil.log" 1 "/init did not refuse the untrusted image"
expect "dfnic-init: firmware image refused \(dfimage status 18\); not starting it" "$T/serial-evil.log" 1 "/init's refusal"
! grep -q "firmware started" "$T/serial-evil.log" || fail "the untrusted firmware was started"
[ "$EXIT_STATUS" -eq 37 ] || fail "QEMU exited with $EXIT_STATUS, expected 37 (dfimage KEY status 18 * 2 + 1)"

check_sanitizers "$T/hostd.log"
info "PASS in $(ms_between "$T_START" "$(now)") ms"
exit 0
