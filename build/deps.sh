#!/bin/sh
# build/deps.sh: install the Debian packages dfnic needs, idempotently.
#
# Run by `make deps`, and by `make check` / `make demo` (with --if-missing)
# when something is missing. Only Debian's apt repositories are used; nothing
# is fetched from anywhere else. The list below is the one place that names
# a package: each line is "package  why" (no apostrophes: the list is one
# single-quoted string).
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
libnl-3-dev              netlink access (hostd, firmware)
libnl-route-3-dev        netlink routes and links
liblwip-dev              firmware slow path (ARP/ICMP for router IPs)
libdpdk-dev              firmware: rte_flow and ethdev
libsqlite3-dev           hostd topology store
libjansson-dev           JSON for the northbound API and dfctl
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
'

list_names() { printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }'; }

missing() {
	for p in $(list_names); do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$st" in *"ok installed"*) ;; *) echo "$p" ;; esac
	done
}

quiet=0
case "${1:-}" in
--list) printf '%s\n' "$PACKAGES" | awk 'NF'; exit 0 ;;
--if-missing) quiet=1 ;;
'') ;;
-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

need=$(missing)
if [ -z "$need" ]; then
	[ $quiet -eq 1 ] || echo "deps: all $(list_names | wc -l) packages already installed"
	exit 0
fi

echo "deps: installing missing packages:"
for p in $need; do
	printf '%s\n' "$PACKAGES" | awk -v p="$p" '$1 == p { $1 = ""; printf "  %-28s%s\n", p, $0 }'
done

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps: not root and no sudo; install the packages above as root" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $need
left=$(missing)
if [ -n "$left" ]; then
	echo "deps: still missing after install: $left" >&2
	exit 1
fi
echo "deps: done"
