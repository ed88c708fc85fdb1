#!/bin/sh
# board/qemu-virt/mkinitramfs.sh: assemble the qemu-virt guest's initramfs
# (cpio newc, gzip). Called by board/qemu-virt/board.mk (`make image`).
#
#   mkinitramfs.sh OUT STAGE INIT IMAGE PUBKEY DFIMAGE DEBUG_EXIT FIRMWARE
#
#   OUT         the .cpio.gz to write
#   STAGE       scratch directory for the tree (emptied first)
#   INIT        board/qemu-virt/init, installed as /init
#   IMAGE       the signed firmware image, installed as
#               /lib/dfnic/firmware.dfimg (the only copy of the firmware:
#               /init verifies and unpacks it at boot)
#   PUBKEY      the public key /init trusts (/etc/dfnic/image-pub.pem)
#   DFIMAGE     the dfimage tool (/bin/dfimage)
#   DEBUG_EXIT  the static isa-debug-exit helper (/bin/debug-exit)
#   FIRMWARE    the unsigned firmware program: not installed, only read for
#               the shared libraries it needs
#
# Tools: busybox-static (/bin/busybox and one symlink per applet), and the
# shared libraries of dfimage and the firmware with the dynamic loader, at
# the paths `ldd` reports, so no program needs to be linked statically.
set -eu

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ $# -eq 8 ] || die "usage: $0 OUT STAGE INIT IMAGE PUBKEY DFIMAGE DEBUG_EXIT FIRMWARE"
out=$1 stage=$2 init=$3 image=$4 pubkey=$5 dfimage=$6 debug_exit=$7 firmware=$8

BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (Debian package busybox-static: build/deps.sh)"
"$BUSYBOX" --list >/dev/null 2>&1 || die "$BUSYBOX cannot list its applets"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; the initramfs needs busybox-static"
fi
for f in "$init" "$image" "$pubkey" "$dfimage" "$debug_exit" "$firmware"; do
	[ -r "$f" ] || die "$f: missing"
done

abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
out=$(abs "$out") init=$(abs "$init") image=$(abs "$image") pubkey=$(abs "$pubkey")
dfimage=$(abs "$dfimage") debug_exit=$(abs "$debug_exit") firmware=$(abs "$firmware")
rm -rf "$stage"
mkdir -p "$stage"
cd "$stage"
mkdir -p bin dev etc/dfnic lib/dfnic proc run sys tmp var
ln -s ../run var/run # DPDK's EAL keeps its runtime files under /var/run/dpdk
cp "$BUSYBOX" bin/busybox
for a in $(bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "bin/$a"
done
install -m 0755 "$init" init
install -m 0755 "$dfimage" bin/dfimage
install -m 0755 "$debug_exit" bin/debug-exit
install -m 0644 "$image" lib/dfnic/firmware.dfimg
install -m 0644 "$pubkey" etc/dfnic/image-pub.pem

# Shared libraries (and the loader) of the dynamic programs, at the paths
# the guest's loader will look for them.
for prog in "$dfimage" "$firmware"; do ldd "$prog" 2>/dev/null || true; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u |
	while read -r lib; do
		mkdir -p ".$(dirname "$lib")"
		cp -L "$lib" ".$lib"
	done
# glibc dlopen()s libgcc_s for pthread_cancel and unwinding (ldd cannot
# see it): the firmware's EAL threads need it at shutdown.
libc=$(find lib lib64 usr -name 'libc.so.6' 2>/dev/null | head -n 1)
[ -n "$libc" ] || die "ldd found no libc.so.6"
gcc_s=$(dirname "/$libc")/libgcc_s.so.1
[ -r "$gcc_s" ] || die "$gcc_s missing (Debian package libgcc-s1)"
cp -L "$gcc_s" ".$gcc_s"
# Without the loader no dynamic program would start in the guest.
ls ./lib64/ld-linux-x86-64.so.2 >/dev/null 2>&1 || ls ./lib/ld-linux-x86-64.so.2 >/dev/null 2>&1 ||
	die "no dynamic loader found by ldd (is $dfimage a host x86_64 program?)"

# The kernel opens /dev/console for /init before anything is mounted; its
# built-in initramfs usually has the node, ours adds it when we may mknod.
[ "$(id -u)" -ne 0 ] || mknod -m 0600 dev/console c 5 1
# Fixed owners and times: unchanged inputs give the same archive.
find . -mindepth 1 -exec touch -h -d @0 {} +
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes, $(find . -mindepth 1 | wc -l) entries)"
