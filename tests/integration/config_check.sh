#!/bin/bash
# tests/integration/config_check.sh: hostd's configuration file and
# --check-config through the real binary (the option table of
# hostd/main.c; tests/unit/test_config.c covers the machinery).
#
#   A  the shipped hostd/dist/hostd.conf is exactly --print-config-template
#      (sim board), and every key of the table is in it and in --help
#   B  --check-config on a good file: exit 0, values with their origin,
#      "configuration OK"
#   C  --check-config on bad files: exit 1 and one precise error each
#      (FILE:LINE: unknown key, bad value, duplicate, command-line-only
#      key; unreadable certificate; bad listen address; state dir not
#      creatable; ssl: listener without its files; missing --config file)
#   D  a plain start with a bad file exits 2 with the same errors; with a
#      good file hostd runs what the file says, and the command line wins
#      key by key (--state-dir and --listen replace the file's)
#
# By hand: DFNIC_BIN=out/sim/check/bin tests/integration/config_check.sh
. "$(dirname "$0")/lib.sh"

need_bins hostd
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
H=$DFNIC_BIN/hostd
BUILD=$(dirname "$DFNIC_BIN")

# ---- A: the shipped template --------------------------------------------
"$H" --print-config-template >"$T/template.conf" || fail "--print-config-template failed"
if grep -q '^CONFIG_BOARD_SIM=y' "$BUILD/.config" 2>/dev/null; then
	diff -u "$TOP/hostd/dist/hostd.conf" "$T/template.conf" ||
		fail "hostd/dist/hostd.conf is stale: regenerate it with hostd --print-config-template"
	info "A: hostd/dist/hostd.conf matches --print-config-template"
else
	info "A: NOTE: not a sim build (board defaults differ): shipped template not compared"
fi
"$H" --help >"$T/help.txt" || fail "--help failed"
keys=$(sed -n 's/^#\([a-z0-9-]*\) = .*/\1/p' "$T/template.conf")
[ "$(echo "$keys" | wc -l)" -ge 20 ] || fail "only $(echo "$keys" | wc -l) keys in the template"
for k in $keys; do
	grep -q -- "--$k\b" "$T/help.txt" || fail "key '$k' is in the template but not in --help"
done
for k in mbox listen ssl-key state-dir api-tls log-target l3-idle-timeout chassis no-nic; do
	echo "$keys" | grep -qx -- "$k" || fail "key '$k' missing from the template"
done
# the template, every line uncommented, is a valid configuration as far as
# syntax and values go (placeholders like FILE are not checked here)
sed -n 's/^#\([a-z0-9-]*\) = \([^A-Z]*\)$/\1 = \2/p' "$T/template.conf" |
	grep -v '^no-nic\|^no-bundle' >"$T/uncommented.conf"
echo "state-dir = $T/tstate" >>"$T/uncommented.conf"
sed -i '0,/^state-dir = \/var/{/^state-dir = \/var/d}' "$T/uncommented.conf"
"$H" --check-config --config "$T/uncommented.conf" >"$T/unc.out" 2>&1 ||
	{ cat "$T/unc.out"; fail "the uncommented template does not check"; }

# ---- B: a good file ------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=hostd \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a test certificate"
cat >"$T/good.conf" <<CONF
# a good configuration
state-dir = $T/state/sub      # created by hostd: must be creatable
api = unix:$T/api.sock
listen = tcp:127.0.0.1:0
listen = ssl:[::1]:0
ssl-key = $T/key.pem
ssl-cert = $T/cert.pem
ssl-ca = $T/cert.pem
no-nic = yes
heartbeat-ms = 100
log-target = syslog
CONF
"$H" --check-config --config "$T/good.conf" >"$T/good.out" 2>"$T/good.err" ||
	{ cat "$T/good.out" "$T/good.err"; fail "good configuration refused"; }
grep -q "heartbeat-ms = 100  # $T/good.conf:10" "$T/good.out" || fail "no value origin in the --check-config output"
grep -q 'miss-limit = 3  # default' "$T/good.out" || fail "defaults not shown"
grep -q 'ok  ssl-key' "$T/good.out" || fail "ssl-key not checked"
grep -q 'OpenFlow controller: tcp:127.0.0.1:0 ssl:\[::1\]:0' "$T/good.out" || fail "what would run is not shown"
grep -qx 'configuration OK' "$T/good.out" || fail "no 'configuration OK'"
[ ! -e "$T/state" ] || fail "--check-config left the state directory it tried behind"
info "B: good configuration accepted"

# ---- C: bad files, one precise error each --------------------------------
bad() { # NAME EXPECTED-STDERR-REGEX BODY [EXTRA ARGS...] (BODY: printf format, no args)
	local name=$1 re=$2 rc
	# shellcheck disable=SC2059
	printf "$3" >"$T/$name.conf"
	shift 3
	rc=0
	"$H" --check-config --config "$T/$name.conf" "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	[ $rc = 1 ] || { cat "$T/$name.err"; fail "$name: exit $rc, expected 1"; }
	grep -qE "$re" "$T/$name.err" || { cat "$T/$name.err"; fail "$name: no /$re/ on stderr"; }
	info "C: $name: $(grep -m1 -E "$re" "$T/$name.err")"
}
F=$T
bad unknown "^$F/unknown.conf:2: unknown key 'listn'\$" 'no-nic = yes\nlistn = tcp:127.0.0.1:6653\n'
bad value "^$F/value.conf:3: heartbeat-ms: '5' is not a number in 10..60000\$" '\n\nheartbeat-ms = 5\n'
bad dup "^$F/dup.conf:2: 'mbox' is already set on line 1\$" 'mbox = shm:/dev/shm/a\nmbox = shm:/dev/shm/b\n'
bad clionly "^$F/clionly.conf:1: 'check-config' is only valid on the command line\$" 'check-config = yes\n'
bad flag "^$F/flag.conf:1: no-nic: 'maybe' is not yes or no\$" 'no-nic = maybe\n'
bad nolport "^$F/nolport.conf:1: listen: 'tcp:127.0.0.1': missing :PORT\$" 'listen = tcp:127.0.0.1\n'
bad scheme "^$F/scheme.conf:2: listen: 'udp:1.2.3.4:5' is not tcp:ADDR:PORT or ssl:ADDR:PORT\$" "state-dir = $T/s\nlisten = udp:1.2.3.4:5\n"
bad addr "^$F/addr.conf:2: listen: 'tcp:1.2.3:5': '1.2.3' is not a numeric IPv4 or \[IPv6\] address\$" "state-dir = $T/s\nlisten = tcp:1.2.3:5\n"
bad nokey "^$F/nokey.conf:2: ssl-key: cannot open $T/none.pem: No such file or directory\$" "state-dir = $T/s\nssl-key = $T/none.pem\n"
bad statedir "^$F/statedir.conf:1: state-dir: $T/key.pem/sub: Not a directory\$" "state-dir = $T/key.pem/sub\n"
bad sslfiles '^listen: ssl: listeners need ssl-key, ssl-cert and ssl-ca$' "state-dir = $T/s\nlisten = ssl:127.0.0.1:0\n"
bad apitls '^api-tls: needs api-cert and api-key$' "state-dir = $T/s\napi-tls = tcp:127.0.0.1:8443\n"
bad cliarg "^command line: api: socket $T/nodir/a.sock: directory $T/nodir does not exist\$" "state-dir = $T/s\n" --api "unix:$T/nodir/a.sock"
rc=0; "$H" --check-config --config "$T/nonexistent.conf" >/dev/null 2>"$T/missing.err" || rc=$?
[ $rc = 1 ] && grep -q "cannot read the configuration file $T/nonexistent.conf: No such file or directory" "$T/missing.err" ||
	fail "missing --config file: exit $rc, $(cat "$T/missing.err")"
# several errors in one file: all reported
bad several "^$F/several.conf:3: retry-ms: 'x' is not" 'a = 1\nb = 2\nretry-ms = x\n'
[ "$(grep -c "^$F/several.conf:" "$T/several.err")" = 3 ] || fail "not every bad line reported"

# ---- D: plain start -----------------------------------------------------
rc=0; "$H" --config "$T/value.conf" >"$T/start.out" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "value.conf:3: heartbeat-ms: '5' is not a number in 10..60000" "$T/start.out" ||
	fail "start with a bad file: exit $rc, $(cat "$T/start.out")"
rc=0; "$H" --config "$T/nonexistent.conf" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "start with a missing --config file: exit $rc, expected 2"
cat >"$T/run.conf" <<CONF
state-dir = $T/file-state
listen = tcp:127.0.0.1:1
no-nic = yes
log-level = info
CONF
LOG=$T/run.log
LIB_SHOW_LOGS+=("$LOG")
spawn "$LOG" "$H" --config "$T/run.conf" --state-dir "$T/cli-state" --listen tcp:127.0.0.1:0
PID=$SPAWNED
wait_for_log 'controller up' "$LOG" 20 || fail "hostd did not start the controller"
grep -q "configuration $T/run.conf" "$LOG" || fail "hostd does not say which configuration it read"
grep -q "store: loaded 0 objects from $T/cli-state/topology.db" "$LOG" || fail "--state-dir did not win over the file"
[ ! -e "$T/file-state" ] || fail "the file's state-dir was used too"
grep -q 'listening on tcp:127.0.0.1:1$' "$LOG" && fail "the file's listen was used too"
grep -qE 'listening on tcp:127\.0\.0\.1:[0-9]+$' "$LOG" || fail "the command line listen is not open"
kill -TERM "$PID"
wait_exit "$PID" 20 || fail "hostd did not stop on SIGTERM"
[ "$EXIT_STATUS" = 0 ] || fail "hostd exit $EXIT_STATUS after SIGTERM"
check_sanitizers "$LOG"
info "D: file read, command line wins key by key, clean exit"
echo PASS
