#!/bin/bash
# tests/integration/service_unit.sh: hostd as a systemd service, as
# installed.
#
#   A  `make install DESTDIR=tmp` puts hostd, dfctl, the firmware (sim), the
#      unit, the configuration and the docs where build/install.mk says,
#      with the unit's @dirs@ substituted
#   B  `systemd-analyze verify` accepts the installed unit (skipped with a
#      note when systemd-analyze is missing)
#   C  the installed unit's own ExecStart= line, pointed at a test
#      configuration (temporary state dir, port 0, no NIC), runs under
#      sd-notify-recv (systemd's side of Type=notify): READY=1 from the
#      main pid, then the REST API and the OpenFlow listener answer,
#      WATCHDOG=1 at half the watchdog period, SIGTERM -> STOPPING=1 and
#      exit 0 (so no leak under ASan)
#   D  `make uninstall DESTDIR=tmp` removes every installed file
#
# By hand: DFNIC_BIN=out/sim/check/bin DFNIC_TESTBIN=out/sim/check/tests \
#   tests/integration/service_unit.sh    (exit 0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/lib.sh"

need_bins hostd dfctl
TOP=${DFNIC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TESTBIN=${DFNIC_TESTBIN:-$(dirname "$DFNIC_BIN")/tests}
RECV=$TESTBIN/sd-notify-recv
[ -x "$RECV" ] || skip "no $RECV (build the tests: make tests-build)"
command -v curl >/dev/null || skip "curl is not installed"
BUILD=$(cd "$(dirname "$DFNIC_BIN")" && pwd)
WD_MS=${DFNIC_WATCHDOG_MS:-1000}
# a make of our own, not a sub-make of `make check` (its jobserver and
# command-line variables stay out of it)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP" --no-print-directory O="$BUILD" $FRAG "$@"; }
OBSERVE_MS=${DFNIC_OBSERVE_MS:-5000}

# ---- A: install ---------------------------------------------------------
ROOT=$T/root
# the build directory keeps its configuration (sanitizers included)
FRAG=
grep -q '^CONFIG_SANITIZE=y' "$BUILD/.config" 2>/dev/null && FRAG=CONFIG_FRAGMENT=build/configs/check.fragment
info "A: make install DESTDIR=$ROOT (O=$BUILD)"
mk install DESTDIR="$ROOT" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "make install failed"; }
UNIT=$ROOT/usr/local/lib/systemd/system/dfnic-hostd.service
for f in usr/local/sbin/hostd usr/local/bin/dfctl usr/local/lib/systemd/system/dfnic-hostd.service \
	etc/dfnic/hostd.conf usr/local/share/doc/dfnic/hostd.conf.example \
	usr/local/share/doc/dfnic/README.md usr/local/share/doc/dfnic/service.md; do
	[ -f "$ROOT/$f" ] || fail "make install did not install /$f"
done
[ -x "$ROOT/usr/local/sbin/hostd" ] || fail "/usr/local/sbin/hostd is not executable"
cmp -s "$ROOT/usr/local/sbin/hostd" "$DFNIC_BIN/hostd" || fail "installed hostd is not $DFNIC_BIN/hostd"
if grep -q '^CONFIG_BOARD_SIM=y' "$BUILD/.config"; then
	[ -x "$ROOT/usr/local/libexec/dfnic/firmware" ] || fail "sim board: firmware not installed"
fi
cmp -s "$ROOT/etc/dfnic/hostd.conf" "$TOP/hostd/dist/hostd.conf" || fail "installed hostd.conf differs from hostd/dist/hostd.conf"
grep -n '@[a-z]*dir@' "$UNIT" && fail "unsubstituted @dir@ left in the installed unit"
grep -qx 'Type=notify' "$UNIT" || fail "the unit is not Type=notify"
WDSEC=$(sed -n 's/^WatchdogSec=//p' "$UNIT")
[ -n "$WDSEC" ] || fail "the unit has no WatchdogSec="
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ "$(grep -c '^ExecStart=' "$UNIT")" = 1 ] || fail "expected one ExecStart= line"
info "installed unit: ExecStart=$EXEC, WatchdogSec=$WDSEC"
case "$EXEC" in
/usr/local/sbin/hostd\ *--config\ /etc/dfnic/hostd.conf*) ;;
*) fail "ExecStart does not run /usr/local/sbin/hostd --config /etc/dfnic/hostd.conf: $EXEC" ;;
esac
# a second install keeps an edited configuration
echo "# edited" >>"$ROOT/etc/dfnic/hostd.conf"
mk install DESTDIR="$ROOT" >"$T/install2.log" 2>&1 ||
	{ cat "$T/install2.log"; fail "second make install failed"; }
tail -n1 "$ROOT/etc/dfnic/hostd.conf" | grep -qx '# edited' || fail "make install overwrote an edited hostd.conf"
cp "$TOP/hostd/dist/hostd.conf" "$ROOT/etc/dfnic/hostd.conf"

# ---- B: systemd-analyze verify -----------------------------------------
if command -v systemd-analyze >/dev/null; then
	# verify wants the ExecStart binary at its real path: point a copy of
	# the unit at the staged one
	mkdir -p "$T/verify"
	sed "s|/usr/local/sbin/hostd|$ROOT/usr/local/sbin/hostd|" "$UNIT" >"$T/verify/dfnic-hostd.service"
	if ! systemd-analyze verify "$T/verify/dfnic-hostd.service" >"$T/verify.log" 2>&1; then
		cat "$T/verify.log"
		fail "systemd-analyze verify refused the unit"
	fi
	# warnings are printed even on success: accept none about our unit
	grep -i 'dfnic-hostd' "$T/verify.log" && fail "systemd-analyze verify complained about the unit"
	info "B: systemd-analyze verify: unit accepted"
else
	info "B: NOTE: no systemd-analyze here: unit verification skipped"
fi

# ---- C: run the ExecStart line under a notify receiver ------------------
STATE=$T/state
cat >"$T/test.conf" <<CONF
# service_unit.sh test configuration
state-dir = $STATE
api = unix:$T/api.sock
listen = tcp:127.0.0.1:0
no-nic = yes
log-level = debug
CONF
"$ROOT/usr/local/sbin/hostd" --check-config --config "$T/test.conf" >"$T/check.log" 2>&1 ||
	{ cat "$T/check.log"; fail "--check-config refused the test configuration"; }
# The unit's line with the staged binary and the test configuration.
CMD=${EXEC//\/usr\/local\/sbin\/hostd/$ROOT/usr/local/sbin/hostd}
CMD=${CMD//\/etc\/dfnic\/hostd.conf/$T/test.conf}
info "C: running: $CMD (WATCHDOG_USEC=${WD_MS}000)"
LOG=$T/service.log
LIB_SHOW_LOGS+=("$LOG")
# shellcheck disable=SC2086 # the ExecStart line is split on spaces, as systemd does here
spawn "$LOG" "$RECV" --watchdog-ms "$WD_MS" --observe-ms "$OBSERVE_MS" --timeout-ms 60000 -- $CMD
RPID=$SPAWNED
wait_for_log '^READY=1 after' "$LOG" 60 || fail "no READY=1"
# READY=1 means the API and the controller are up: no waiting from here
curl -sS --max-time 5 --unix-socket "$T/api.sock" -o "$T/api.json" -w '%{http_code}\n' \
	http://hostd/v2.0/networks >"$T/api.code" 2>&1 || fail "API not answering after READY=1: $(cat "$T/api.code"; ls -la "$T")"
[ "$(cat "$T/api.code")" = 200 ] || fail "GET /v2.0/networks: HTTP $(cat "$T/api.code")"
PORT=$(sed -n 's/.*listening on tcp:127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOG" | head -n1)
[ -n "$PORT" ] || fail "no 'listening on tcp:127.0.0.1:PORT' line before READY=1"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "OpenFlow listener on port $PORT refuses connections"
exec 3<&-
if [ -S /run/systemd/journal/socket ]; then
	info "journald is running: hostd logs there"
else
	grep -q 'journald is not running; logging to stderr' "$LOG" ||
		fail "no journald and no fallback note from --log-target journal"
fi
wait_exit "$RPID" $(((OBSERVE_MS + 60000) / 1000)) || fail "sd-notify-recv did not finish"
[ "$EXIT_STATUS" = 0 ] || fail "sd-notify-recv: $(grep '^FAIL' "$LOG")"
grep -E '^(READY|[0-9]+ WATCHDOG|STOPPING|exit)' "$LOG"
grep -q 'STATUS=running: controller on 1 listener, API up, NIC client off' "$LOG" ||
	fail "no STATUS= line saying what runs"
check_sanitizers "$LOG"

# ---- D: uninstall -------------------------------------------------------
mk uninstall DESTDIR="$ROOT" >"$T/uninstall.log" 2>&1 ||
	{ cat "$T/uninstall.log"; fail "make uninstall failed"; }
left=$(find "$ROOT" -type f)
[ -z "$left" ] || fail "make uninstall left files: $left"
info "D: make uninstall removed every file"
echo "PASS"
