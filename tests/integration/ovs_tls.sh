#!/bin/bash
# tests/integration/ovs_tls.sh: OpenFlow over TLS with mutual
# authentication. The test makes a CA, a hostd certificate and switch
# certificates with openssl; a switch whose certificate the CA signed
# connects over ssl: and gets its flows; a switch whose certificate comes
# from an unknown CA, and one whose certificate has expired, are refused
# at the handshake and hostd logs why, naming the certificate.
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$TOP/tests/integration/lib.sh"
source "$TOP/tests/lib/ovs.sh"
source "$TOP/tests/lib/common.sh"
why=$(ovs_can_run) || skip "$why"
command -v openssl >/dev/null || skip "openssl not installed"
need_bins hostd
at_exit ovs_stop_all

P=$T/pki
mkdir -p "$P"
mkcert() { # NAME CN CA_NAME
	openssl req -new -newkey rsa:2048 -nodes -keyout "$P/$1.key" -subj "/CN=$2" \
		-out "$P/$1.csr" 2>/dev/null || return 1
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$3.crt" -CAkey "$P/$3.key" -CAcreateserial \
		-days 2 -out "$P/$1.crt" 2>/dev/null
}
mkca() { # NAME CN
	openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$P/$1.key" -subj "/CN=$2" \
		-days 2 -out "$P/$1.crt" 2>/dev/null
}
mkca ca "dfnic test CA" || fail "CA"
mkca rogue "rogue CA" || fail "rogue CA"
mkcert hostd "hostd" ca || fail "hostd cert"
mkcert sw-good "switch good" ca || fail "good switch cert"
mkcert sw-rogue "switch rogue" rogue || fail "rogue switch cert"
# An expired certificate from the right CA: `openssl ca` takes explicit dates.
mkdir -p "$P/ca-db"
: >"$P/ca-db/index.txt"
echo 1000 >"$P/ca-db/serial"
cat >"$P/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $P/ca-db
database = $P/ca-db/index.txt
serial = $P/ca-db/serial
new_certs_dir = $P/ca-db
certificate = $P/ca.crt
private_key = $P/ca.key
default_md = sha256
policy = any
[any]
commonName = supplied
CNF
openssl req -new -newkey rsa:2048 -nodes -keyout "$P/sw-old.key" -subj "/CN=switch expired" \
	-out "$P/sw-old.csr" 2>/dev/null || fail "expired csr"
openssl ca -batch -config "$P/ca.cnf" -startdate 20200101000000Z -enddate 20200201000000Z \
	-in "$P/sw-old.csr" -out "$P/sw-old.crt" >/dev/null 2>&1 || fail "openssl ca (expired cert)"

N=$(ctl_subnet)
cat >"$T/flows" <<'FLOWS'
table=0 priority=10 cookie=0x71 arp actions=normal
table=0 priority=5 cookie=0x72 ip actions=dec_ttl,normal
FLOWS
H=$T/hostd.log
hostd_start "$H" --listen "ssl:0.0.0.0:0" --ssl-key "$P/hostd.key" --ssl-cert "$P/hostd.crt" \
	--ssl-ca "$P/ca.crt" --flows "$T/flows" --echo-interval-ms 1000
[ -n "$HOSTD_SSL_PORT" ] || fail "no ssl listener"
info "hostd listens for TLS on $HOSTD_SSL_PORT"

i=0
for sw in good rogue old; do
	i=$((i + 1))
	ovs_start $sw $((N + i - 1)) || fail "ovs_start $sw"
	ovs_br $sw || fail "br-int $sw"
	ovs_vsctl $sw set-ssl "$P/sw-$sw.key" "$P/sw-$sw.crt" "$P/ca.crt" || fail "set-ssl $sw"
done

ovs_controller good ssl:10.254.$N.1:$HOSTD_SSL_PORT || fail "set-controller good"
wait_for_log 'converged in' "$H" 20 || fail "the switch with a good certificate did not converge over TLS"
grep -q 'connected (tls)' "$H" || fail "connection not marked tls"
ovs_ofctl good dump-flows br-int | grep -q 'cookie=0x72,.*priority=5,ip actions=dec_ttl,NORMAL' ||
	fail "flows missing on the TLS switch"
for _ in $(seq 1 50); do # vswitchd updates the status column lazily
	ovs_vsctl good get controller br-int is_connected | grep -q true && break
	sleep 0.1
done
ovs_vsctl good get controller br-int is_connected | grep -q true || fail "OVS says not connected"

ovs_controller rogue ssl:10.254.$((N + 1)).1:$HOSTD_SSL_PORT || fail "set-controller rogue"
wait_for_log "certificate refused: subject '/CN=switch rogue'.*unable to get local issuer certificate" "$H" 15 ||
	fail "the certificate of an unknown CA was not refused and logged"
ovs_controller old ssl:10.254.$((N + 2)).1:$HOSTD_SSL_PORT || fail "set-controller old"
wait_for_log "certificate refused: subject '/CN=switch expired'.*certificate has expired" "$H" 15 ||
	fail "the expired certificate was not refused and logged"
sleep 1
[ "$(grep -c 'converged in' "$H")" -eq 1 ] || fail "a refused switch was served"
for sw in rogue old; do
	n=$(ovs_ofctl $sw dump-flows br-int | grep -c cookie=)
	[ "$n" -eq 0 ] || fail "switch $sw got $n flows"
done
ovs_check_log good || fail "vswitchd good logged errors"
hostd_stop
check_sanitizers "$H"
info "PASS"
