#!/bin/sh
# board/qemu-virt/run-qemu.sh: boot the qemu-virt image (`make image`) in
# QEMU. Used by `make qemu` (board/qemu-virt/board.mk) and by
# tests/integration/qemu_boot.sh.
#
#   run-qemu.sh [--mbox FILE] [--flash FILE] [--append ARGS]
#               [--accel tcg|kvm|auto] [--mem MB] IMAGE_DIR
#
# IMAGE_DIR holds vmlinux (booted through its PVH entry: no real-mode
# setup, ~2 s to /init under TCG) and initramfs.cpio.gz. The mailbox is an
# ivshmem-plain device whose BAR2 is FILE on the host (memory-backend-file,
# share=on, 1 MiB; hostd maps FILE with --mbox pci:FILE, which polls like
# the guest side). FILE is removed first so no stale mailbox from an
# earlier run is seen; QEMU creates it zero-filled. The mailbox device sits
# at PCI slot 04. --flash FILE adds a second ivshmem device at slot 05, the
# NIC's firmware flash (16 MiB, kept across runs: A/B slots, see
# board/qemu-virt/init); the host can install an image into FILE with
# `dfimage slots install --store FILE` while the guest is down. The guest ends QEMU
# through isa-debug-exit (port 0xf4): the exit status is the firmware's
# status * 2 + 1 (1 = the firmware exited 0); 0 means the guest powered
# off or panicked without reporting.
#
# Console: on a terminal, -nographic (serial and monitor on stdio, Ctrl-A x
# quits, type `shutdown` to stop the firmware cleanly); otherwise the serial
# port is stdin/stdout, so a script can write `shutdown` to it.
#
# --accel auto (the default) uses KVM only when /dev/kvm exists AND a probe
# boot with KVM reached /init (result cached in IMAGE_DIR/.kvm-probe):
# on some machines /dev/kvm exists but cannot run a stock kernel.
set -eu

die() { echo "run-qemu: $*" >&2; exit 2; }

MBOX=${QEMU_VIRT_MBOX:-/dev/shm/dfnic-ivshmem}
FLASH=
APPEND=
ACCEL=${QEMU_ACCEL:-auto}
MEM=512
while [ $# -gt 1 ]; do
	case "$1" in
	--mbox) MBOX=$2; shift 2 ;;
	--flash) FLASH=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--accel) ACCEL=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
[ $# -eq 1 ] || die "usage: $0 [--mbox FILE] [--flash FILE] [--append ARGS] [--accel tcg|kvm|auto] [--mem MB] IMAGE_DIR"
DIR=$1
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (Debian package qemu-system-x86: build/deps.sh)"
for f in vmlinux initramfs.cpio.gz; do
	[ -r "$DIR/$f" ] || die "$DIR/$f missing: run 'make qemu-virt_defconfig image' first"
done

# common QEMU arguments; $1: accelerator
qemu_args() {
	echo "-machine q35,accel=$1 -cpu $([ "$1" = kvm ] && echo host || echo max) -smp 1 -m $MEM"
	echo "-no-reboot -nic none -kernel $DIR/vmlinux -initrd $DIR/initramfs.cpio.gz"
	echo "-device isa-debug-exit,iobase=0xf4,iosize=0x04"
}

kvm_works() {
	[ -w /dev/kvm ] || return 1
	probe=$DIR/.kvm-probe
	if [ ! -f "$probe" ] || [ -n "$(find "$DIR/vmlinux" -newer "$probe")" ]; then
		# /init answers dfnic.probe at once with status 42 (QEMU 85).
		# shellcheck disable=SC2046
		timeout 20 "$QEMU" $(qemu_args kvm) -display none -monitor none -serial null \
			-append "console=ttyS0 quiet panic=-1 dfnic.probe" </dev/null >/dev/null 2>&1
		echo $? >"$probe"
	fi
	[ "$(cat "$probe")" = 85 ]
}

case "$ACCEL" in
tcg | kvm) ;;
auto) if kvm_works; then ACCEL=kvm; else ACCEL=tcg; fi ;;
*) die "--accel: '$ACCEL' is not tcg, kvm or auto" ;;
esac

rm -f "$MBOX"
FLASH_ARGS=
if [ -n "$FLASH" ]; then
	FLASH_ARGS="-object memory-backend-file,id=flash,share=on,mem-path=$FLASH,size=16M
		-device ivshmem-plain,memdev=flash,addr=05.0"
fi
if [ -t 0 ]; then
	CONSOLE="-nographic"
else
	CONSOLE="-display none -monitor none -serial stdio"
fi
echo "run-qemu: $ACCEL, mailbox BAR file $MBOX; QEMU exit status = firmware status * 2 + 1" >&2
# shellcheck disable=SC2046,SC2086
exec "$QEMU" $(qemu_args "$ACCEL") $CONSOLE \
	-object memory-backend-file,id=mbox,share=on,mem-path="$MBOX",size=1M \
	-device ivshmem-plain,memdev=mbox,addr=04.0 $FLASH_ARGS \
	-append "console=ttyS0 quiet panic=-1 $APPEND"
