#!/bin/sh
# build/extract-vmlinux.sh: write the uncompressed vmlinux (an ELF) held in
# an x86 bzImage whose payload is XZ-compressed (Debian's kernels), so QEMU
# can boot it through the PVH entry (-kernel ELF) instead of the slower
# real-mode setup path. Used by build/image.mk for the qemu-virt image.
#
#   build/extract-vmlinux.sh BZIMAGE OUT
#
# How (x86 boot protocol, Documentation/arch/x86/boot.rst):
#   - byte 0x1f1 (setup_sects): real-mode setup sectors; 0 means 4. The
#     protected-mode part starts at (setup_sects + 1) * 512.
#   - 0x202 holds "HdrS" and 0x206 the protocol version (>= 2.08 has the
#     payload fields).
#   - u32 at 0x248 (payload_offset): the compressed payload, relative to the
#     start of the protected-mode part; u32 at 0x24c (payload_length).
# The payload must start with the XZ stream magic FD 37 7A 58 5A 00; it is
# decompressed with `xz --single-stream` (the bytes after the stream belong
# to the decompressor stub, not to the kernel) and the result must be ELF.
set -eu

die() { echo "extract-vmlinux: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 BZIMAGE OUT"
in=$1 out=$2
[ -r "$in" ] || die "$in: cannot read"

# Unsigned little-endian integer of SIZE bytes at OFFSET.
le() { # OFFSET SIZE
	od -A n -t u"$2" -j "$1" -N "$2" --endian=little "$in" | tr -d ' '
}
# Bytes at OFFSET as hex, no spaces.
hex() { # OFFSET COUNT
	od -A n -t x1 -j "$1" -N "$2" "$in" | tr -d ' \n'
}

[ "$(hex 0x202 4)" = 48647253 ] || die "$in: no 'HdrS' boot header: not a bzImage"
proto=$(le 0x206 2)
[ "$proto" -ge $((0x208)) ] || die "$in: boot protocol $(printf '%#x' "$proto") has no payload fields (< 2.08)"
setup_sects=$(le 0x1f1 1)
[ "$setup_sects" -ne 0 ] || setup_sects=4
pm_start=$(((setup_sects + 1) * 512))
payload_off=$((pm_start + $(le 0x248 4)))
payload_len=$(le 0x24c 4)
size=$(stat -c %s "$in")
[ $((payload_off + payload_len)) -le "$size" ] ||
	die "$in: payload $payload_off+$payload_len runs past the file ($size bytes)"

magic=$(hex "$payload_off" 6)
[ "$magic" = fd377a585a00 ] ||
	die "$in: payload at $payload_off starts with $magic, not the XZ magic fd377a585a00 (not an XZ kernel)"

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
tail -c +$((payload_off + 1)) "$in" | head -c "$payload_len" | xz -dc --single-stream >"$tmp" ||
	die "$in: xz could not decompress the payload"
[ "$(od -A n -t x1 -N 4 "$tmp" | tr -d ' \n')" = 7f454c46 ] || die "$in: the payload is not an ELF vmlinux"
mv "$tmp" "$out"
trap - EXIT
echo "extract-vmlinux: $in -> $out ($(stat -c %s "$out") bytes, payload at $payload_off)"
