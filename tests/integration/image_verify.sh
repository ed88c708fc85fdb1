#!/bin/bash
# tests/integration/image_verify.sh: dfimage (firmware/image_tool.c) on
# real files, with the repository's test key (board/keys/) and a second key
# made here with openssl.
#
# Checks: sign -> info -> verify -> extract gives back the payload; then
# each defect is refused, with the exit status 10 + its code and a message
# saying what is wrong, and nothing is written by extract:
#   tampered header (version byte)   20 SIGNATURE
#   tampered payload                 19 DIGEST
#   truncated                        15 TRUNCATED (11 SHORT in the header)
#   wrong board                      17 BOARD
#   wrong key                        18 KEY
#   not an image                     12 MAGIC
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/image_verify.sh
# Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"

need_bins dfimage firmware
command -v openssl >/dev/null || skip "openssl is not installed (build/deps.sh)"
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KEY=$TOP/board/keys/test-ed25519.pem
PUB=$TOP/board/keys/test-ed25519.pub.pem
[ -r "$KEY" ] && [ -r "$PUB" ] || fail "the test key pair is missing from board/keys/"
DFIMAGE=$DFNIC_BIN/dfimage

# Status codes (tests the table in dfimage --help too).
help=$("$DFIMAGE" --help)
for pair in 12:MAGIC 15:TRUNCATED 17:BOARD 18:KEY 19:DIGEST 20:SIGNATURE; do
	grep -q " ${pair%%:*} ${pair#*:}" <<<"$help" || fail "dfimage --help does not list ${pair%%:*} ${pair#*:}"
done

# run EXPECTED_STATUS MESSAGE_REGEX CMD...: status and stderr as expected.
run() {
	local want=$1 re=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	cat "$T/err" >>"$T/all.err"
	[ "$rc" -eq "$want" ] || { cat "$T/out" "$T/err"; fail "$*: exit $rc, expected $want"; }
	grep -qE -- "$re" "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "$*: no /$re/ in the output"; }
	info "ok ($rc): $(head -n 1 "$T/err" "$T/out" | grep -v '^==>' | grep -m1 .)"
}

PAYLOAD=$DFNIC_BIN/firmware
IMG=$T/fw.dfimg
info "sign the firmware with the test key"
run 0 "signed: format 1, board qemu-virt, version 9\.8\.7-it" \
	"$DFIMAGE" sign --key "$KEY" --board qemu-virt --version 9.8.7-it "$PAYLOAD" "$IMG"
size=$(stat -c %s "$IMG")
psize=$(stat -c %s "$PAYLOAD")
[ "$size" -eq $((128 + psize + 64)) ] || fail "image is $size bytes, expected 128 + $psize + 64"
sha=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)
run 0 "payload $psize bytes, sha256 $sha, signature ed25519 \(64 bytes\)" "$DFIMAGE" info "$IMG"
grep -q "not verified" "$T/out" || fail "info does not say it verified nothing"
run 0 "verified: .*board qemu-virt" "$DFIMAGE" verify --pubkey "$PUB" --board qemu-virt "$IMG"
run 0 "verified" "$DFIMAGE" verify --pubkey "$PUB" "$IMG"
run 0 "verified" "$DFIMAGE" verify --pubkey "$KEY" "$IMG" # public half of the private file
run 0 "payload written to" "$DFIMAGE" extract --pubkey "$PUB" --board qemu-virt "$IMG" "$T/fw.out"
cmp -s "$PAYLOAD" "$T/fw.out" || fail "extracted payload differs from the signed file"
[ -x "$T/fw.out" ] || fail "extracted payload is not executable"
"$T/fw.out" --version | grep -q '^firmware ' || fail "extracted firmware does not run"

# Defects. Each one: verify refuses with its status and message, extract
# refuses the same way and writes nothing.
refuse() { # NAME STATUS REGEX IMAGE [VERIFY ARGS...]
	local name=$1 st=$2 re=$3 img=$4
	shift 4
	info "$name"
	run "$st" "$re" "$DFIMAGE" verify --pubkey "$PUB" "$@" "$img"
	rm -f "$T/x.out"
	run "$st" "$re" "$DFIMAGE" extract --pubkey "$PUB" "$@" "$img" "$T/x.out"
	[ ! -e "$T/x.out" ] || fail "$name: extract wrote the payload of a refused image"
	ls "$T"/x.out.tmp.* >/dev/null 2>&1 && fail "$name: extract left a temporary file"
	return 0
}
# patch FILE OFFSET BYTE(octal escape): overwrite one byte in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

cp "$IMG" "$T/hdr.dfimg"
# offset 56 is version[0] = '9'; make it '8' (still a valid version string)
patch "$T/hdr.dfimg" 56 '\070'
refuse "tampered header" 20 "refused \(SIGNATURE\): signature does not verify" "$T/hdr.dfimg" --board qemu-virt

cp "$IMG" "$T/pay.dfimg"
b=$(od -A n -t u1 -j 1000 -N 1 "$T/pay.dfimg" | tr -d ' ')
patch "$T/pay.dfimg" 1000 "$(printf '\\%03o' $(((b + 1) % 256)))"
refuse "tampered payload" 19 "refused \(DIGEST\): payload does not match the header's SHA-256" "$T/pay.dfimg"

head -c $((size - 100)) "$IMG" >"$T/trunc.dfimg"
refuse "truncated" 15 "refused \(TRUNCATED\): truncated image: $((size - 100)) byte\(s\), the header announces $size" "$T/trunc.dfimg"
head -c 50 "$IMG" >"$T/short.dfimg"
refuse "truncated inside the header" 11 "refused \(SHORT\)" "$T/short.dfimg"

refuse "wrong board" 17 "refused \(BOARD\): image built for another board: image is for board 'qemu-virt', this is 'sim'" "$IMG" --board sim

openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey ed25519"
run 0 "signed" "$DFIMAGE" sign --key "$T/other.pem" --board qemu-virt --version 1 "$PAYLOAD" "$T/other.dfimg"
refuse "wrong key" 18 "refused \(KEY\): signed by an untrusted key: signed by key id [0-9a-f]{16}, the trusted key is [0-9a-f]{16}" "$T/other.dfimg"

refuse "not an image" 12 "refused \(MAGIC\): not a dfnic firmware image" "$PAYLOAD"

# Usage errors are not refusals.
info "usage errors"
run 2 "--key, --board and --version are required" "$DFIMAGE" sign --key "$KEY" "$PAYLOAD" "$T/u.dfimg"
run 2 "--board 'Bad Board'" "$DFIMAGE" sign --key "$KEY" --board 'Bad Board' --version 1 "$PAYLOAD" "$T/u.dfimg"
run 1 "no PEM private key" "$DFIMAGE" sign --key "$PUB" --board sim --version 1 "$PAYLOAD" "$T/u.dfimg"
[ ! -e "$T/u.dfimg" ] || fail "a failed sign wrote its output"
run 2 "unknown command" "$DFIMAGE" frobnicate

check_sanitizers "$T/all.err"
info "PASS"
exit 0
