#!/bin/sh
# build/deps.sh: install the Debian packages dfnic needs, idempotently.
#
# Run by `make deps`, and by `make check` / `make demo` (with --if-missing)
# when something is missing. Only Debian's apt repositories are used; nothing
# is fetched from anywhere else. The list below is the one place that names
# a package: each line is "package  why" (no apostrophes: the list is one
# single-quoted string).
#
# Names ending in :arm64 are Debian arm64 packages for the dpu board's cross
# build (multiarch): the arm64 architecture is added to dpkg first when it
# is missing. UNPACK names arm64 -dev packages that cannot be installed next
# to their amd64 versions: they are unpacked, not installed, into
# $DFNIC_ARM64_DEV (see unpack_dev below and board/dpu/README.md).
#
#   build/deps.sh               install whatever is missing, say what and why
#   build/deps.sh --if-missing  same, silent when nothing is missing
#   build/deps.sh --list        print the list and exit
set -eu

PACKAGES='
make                     the build
gcc                      the default compiler
clang-14                 second compiler (warning check), libFuzzer targets
libclang-rt-14-dev       clang sanitizer and libFuzzer runtimes
pkg-config               library flags for DPDK and friends
python3-kconfiglib       Kconfig: menuconfig, defconfig, autoconf.h
libcunit1-dev            unit test framework (tests/unit)
libssl-dev               OpenFlow over TLS; image signatures
libnl-3-dev              hostd: netlink (base library of libnl-route)
libnl-route-3-dev        hostd: underlay neighbour lookup for tunnel endpoints (rtnetlink)
liblwip-dev              firmware slow path (ARP/ICMP for router IPs)
libdpdk-dev              firmware: rte_flow and ethdev
libsqlite3-dev           hostd topology store
libjansson-dev           JSON output: REST replies, store documents, dfctl
libcjson-dev             JSON input: parsing REST bodies and stored documents (6x faster than jansson)
libmicrohttpd-dev        northbound REST server
libevent-dev             hostd event loop: non-blocking TCP/TLS connections with output queues (bufferevents + OpenSSL)
libsystemd-dev           sd_notify for the hostd systemd unit
openvswitch-switch       integration tests and demo: a real br-int
openvswitch-common       ovs-ofctl ofp-print to cross-check the codec
openvswitch-testcontroller  ofbench peer (ovs-testcontroller)
iproute2                 network namespaces and veth "VMs"
iputils-ping             traffic checks in integration tests
ethtool                  checksum offload off in veth VMs
procps                   pgrep/pkill in tests
psmisc                   killall in tests
tcpdump                  integration tests: check ARP replies are unicast on the wire
curl                     integration tests: talk to the REST API on its Unix socket
graphviz                 dfctl pipeline --svg/--png and the demo: render the table graph with dot
openssl                  integration tests: make CA and certificates for TLS tests
qemu-system-x86           qemu-virt board: boot the firmware image under TCG
linux-image-amd64         qemu-virt board: the guest kernel (its vmlinux, booted through the PVH entry)
busybox-static            qemu-virt board: shell and tools of the guest initramfs
cpio                      qemu-virt board: pack the initramfs (newc)
xz-utils                  qemu-virt board: unpack the vmlinux from the XZ payload of the bzImage
gcc-aarch64-linux-gnu     dpu board: the aarch64 cross compiler (CROSS_COMPILE=aarch64-linux-gnu-)
libc6-dev-arm64-cross     dpu board: aarch64 C library, crt files and sanitizer runtimes for the cross compiler
qemu-user                 dpu board: make check runs the aarch64 unit runner under qemu-aarch64 (12 MB, not the 63 MB -static build: binfmt_misc is not used)
libc6:arm64               dpu board: the aarch64 glibc the emulated runner loads (not the cross one: see board/dpu/README.md)
libcunit1-dev:arm64       dpu board: CUnit for the aarch64 unit runner
libssl-dev:arm64          dpu board: libcrypto for image signatures, libssl for OpenFlow over TLS
libjansson-dev:arm64      dpu board: JSON (dfctl, topology) in the aarch64 build
libcjson-dev:arm64        dpu board: JSON input parsing (topology) in the aarch64 build
libsqlite3-dev:arm64      dpu board: the topology store linked into the aarch64 unit runner
libnl-3-dev:arm64         dpu board: netlink (hostd offload underlay lookup) in the aarch64 unit runner
libnl-route-3-dev:arm64   dpu board: netlink routes and neighbours, aarch64
liblwip-dev:arm64         dpu board: the firmware slow path (lwIP), aarch64
libbsd-dev:arm64          dpu board: DPDK headers include libbsd (pkg-config libdpdk requires it)
librte-ethdev23:arm64     dpu board: DPDK ethdev and rte_flow runtime (brings eal, mbuf, mempool, ring, kvargs)
librte-bus-vdev23:arm64   dpu board: virtual devices (--vdev) for the emulated rte_flow contract suites
librte-mempool-ring23:arm64  dpu board: the default mbuf pool driver those suites allocate with
librte-net-tap23:arm64    dpu board: the net_tap port of the rte_flow contract suites under qemu-aarch64
libevent-2.1-7:arm64      dpu board: libevent runtime of the controller (headers come from UNPACK)
libevent-core-2.1-7:arm64  dpu board: libevent runtime
libevent-extra-2.1-7:arm64  dpu board: libevent runtime (libevent-dev link names point at it)
libevent-openssl-2.1-7:arm64  dpu board: libevent bufferevents over OpenSSL
libevent-pthreads-2.1-7:arm64  dpu board: libevent locking with pthreads
'

# arm64 -dev packages unpacked into $DFNIC_ARM64_DEV instead of installed,
# because apt would remove their amd64 twin (which the host build needs).
# Only headers, pkg-config files and link names are kept: the libraries
# themselves are the runtime packages above.
UNPACK='
libdpdk-dev:arm64         dpu board: DPDK headers and libdpdk.pc (depends on libfdt-dev and rdma-core, which are not Multi-Arch same)
libevent-dev:arm64        dpu board: libevent link names and .pc files (libevent-dev is not Multi-Arch same)
'
# Must match DPU_DEV_OVERLAY in board/dpu/board.mk.
DFNIC_ARM64_DEV=${DFNIC_ARM64_DEV:-/opt/dfnic/arm64-dev}

list_names() { printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }'; }
unpack_names() { printf '%s\n' "$UNPACK" | awk 'NF { print $1 }'; }
stamp_of() { echo "$DFNIC_ARM64_DEV/.unpacked-$(echo "$1" | tr ':' '_')"; }

missing() {
	for p in $(list_names); do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$st" in *"ok installed"*) ;; *) echo "$p" ;; esac
	done
}

unpack_missing() {
	for p in $(unpack_names); do
		[ -e "$(stamp_of "$p")" ] || echo "$p"
	done
}

# Unpack one -dev package into $DFNIC_ARM64_DEV: drop static archives (so
# a missing runtime library fails the link instead of linking statically),
# point the link names at the installed runtime libraries, and point the
# .pc files at the unpacked headers. libdpdk.pc loses Requires.private and
# Libs.private: they name the -dev packages of DPDK's static dependencies
# (rdma-core, libxdp, ...), which a shared link does not need.
unpack_dev() {
	pkg=$1
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
	mkdir -p "$DFNIC_ARM64_DEV"
	dpkg-deb -x "$tmp"/*.deb "$DFNIC_ARM64_DEV"
	ver=$(dpkg-deb -f "$tmp"/*.deb Version)
	rm -rf "$tmp"
	find "$DFNIC_ARM64_DEV/usr/lib" -name '*.a' -delete
	find "$DFNIC_ARM64_DEV/usr/lib" -type l -name '*.so' | while read -r l; do
		t=$(readlink "$l")
		case "$t" in /*) continue ;; esac
		# a link to another link name of the overlay stays as it is
		[ -L "$(dirname "$l")/$t" ] && continue
		rel=${l#"$DFNIC_ARM64_DEV"}
		ln -sfn "$(dirname "$rel")/$t" "$l"
	done
	for pc in "$DFNIC_ARM64_DEV"/usr/lib/*/pkgconfig/*.pc; do
		[ -e "$pc" ] || continue
		sed -i -e "s|^prefix=/usr\$|prefix=$DFNIC_ARM64_DEV/usr|" "$pc"
		case "$pc" in */libdpdk.pc) sed -i -e '/^Requires.private:/d' -e '/^Libs.private:/d' "$pc" ;; esac
	done
	echo "$ver" > "$(stamp_of "$pkg")"
	echo "  unpacked $pkg $ver into $DFNIC_ARM64_DEV"
}

quiet=0
case "${1:-}" in
--list) printf '%s\n' "$PACKAGES$UNPACK" | awk 'NF'; exit 0 ;;
--if-missing) quiet=1 ;;
--unpack) unpack_dev "$2"; exit 0 ;;
'') ;;
-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

need=$(missing)
unpack=$(unpack_missing)
if [ -z "$need$unpack" ]; then
	[ $quiet -eq 1 ] || echo "deps: all $(list_names | wc -l) packages installed, $(unpack_names | wc -l) unpacked"
	exit 0
fi

echo "deps: installing missing packages:"
for p in $need $unpack; do
	printf '%s\n' "$PACKAGES$UNPACK" | awk -v p="$p" '$1 == p { $1 = ""; printf "  %-28s%s\n", p, $0 }'
done

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps: not root and no sudo; install the packages above as root" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# arm64 names need the architecture in dpkg (once; apt-get update follows).
case "$need $unpack" in *:arm64*)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: adding the arm64 architecture to dpkg (multiarch, dpu board)"
		$SUDO dpkg --add-architecture arm64
	fi ;;
esac
$SUDO apt-get update -q
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $need
fi
for p in $unpack; do
	if [ -n "$SUDO" ]; then
		$SUDO env DFNIC_ARM64_DEV="$DFNIC_ARM64_DEV" sh "$0" --unpack "$p"
	else
		unpack_dev "$p"
	fi
done
left="$(missing) $(unpack_missing)"
if [ -n "${left# }" ]; then
	echo "deps: still missing after install: $left" >&2
	exit 1
fi
echo "deps: done"
