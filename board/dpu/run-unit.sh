#!/bin/sh
# board/dpu/run-unit.sh: run the dpu board's (aarch64) unit runner under
# qemu-aarch64 user emulation, one process per suite, and print a summary.
# `make check-dpu` (build/targets.mk) builds BUILD and calls this.
#
#   board/dpu/run-unit.sh BUILD [SUITE...]
#       BUILD   the O= directory of `make BOARD=dpu ... tests-build`
#       SUITE   run only these suites (default: every suite the runner lists)
#
# Each suite runs in its own emulated process (a hang costs one suite and
# its timeout, DPU_SUITE_TIMEOUT seconds, not the whole run). A suite that
# cannot run under emulation is listed in EXCLUDE with its reason and
# printed as SKIP; none needs it today (net_tap, futexes, shared memory and
# threads all work under qemu-aarch64 7.2 here). Exit status: 0 when every
# suite that ran passed, 1 otherwise, 2 on usage or set-up errors.
#
# No -L/QEMU_LD_PREFIX: the runner is loaded with the multiarch arm64 glibc
# (libc6:arm64, /lib/ld-linux-aarch64.so.1), the one the arm64 libraries in
# /usr/lib/aarch64-linux-gnu come with. `-L /usr/aarch64-linux-gnu` would
# pair the cross toolchain's ld.so with that libc.so.6, two different glibc
# builds: measured here, pthread_create then never returns.
set -u

# "suite  reason" lines (no apostrophes: one single-quoted string).
EXCLUDE='
'

QEMU=${QEMU_AARCH64:-qemu-aarch64}
# LeakSanitizer stops the world with ptrace, which qemu-user does not
# emulate ("LeakSanitizer has encountered a fatal error" at every exit);
# the rest of ASan works. Leaks are checked by the host boards' ASan run.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS
TIMEOUT=${DPU_SUITE_TIMEOUT:-300}

[ $# -ge 1 ] || { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=$1
shift
runner=$build/tests/unit-runner
[ -x "$runner" ] || { echo "run-unit: no $runner (make BOARD=dpu O=$build tests-build)" >&2; exit 2; }
command -v "$QEMU" >/dev/null 2>&1 || { echo "run-unit: $QEMU missing (build/deps.sh)" >&2; exit 2; }
[ -e /lib/ld-linux-aarch64.so.1 ] || { echo "run-unit: no arm64 glibc (libc6:arm64, build/deps.sh)" >&2; exit 2; }

if [ $# -gt 0 ]; then
	suites=$*
else
	suites=$("$QEMU" "$runner" -l | grep -v '^ ') || { echo "run-unit: the runner does not start under $QEMU" >&2; exit 2; }
fi

log=$build/tests/dpu-unit.log
: > "$log"
start=$(date +%s)
n_run=0 n_skip=0 n_fail=0 tests=0 tests_failed=0 asserts_failed=0
failed=
for s in $suites; do
	why=$(printf '%s\n' "$EXCLUDE" | awk -v s="$s" '$1 == s { $1 = ""; sub(/^ /, ""); print }')
	if [ -n "$why" ]; then
		echo "SKIP: $s: $why"
		n_skip=$((n_skip + 1))
		continue
	fi
	out=$(timeout "$TIMEOUT" "$QEMU" "$runner" -s "$s" 2>&1)
	rc=$?
	printf '=== %s (exit %d)\n%s\n' "$s" "$rc" "$out" >> "$log"
	n_run=$((n_run + 1))
	# the runner's own last line: "unit-runner: 1 suites, T tests; F failed tests, A failed assertions, ..."
	line=$(printf '%s\n' "$out" | grep '^unit-runner: ' | tail -n 1)
	t=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9]*\) tests;.*/\1/p')
	ft=$(printf '%s\n' "$line" | sed -n 's/.*; \([0-9]*\) failed tests.*/\1/p')
	fa=$(printf '%s\n' "$line" | sed -n 's/.*, \([0-9]*\) failed assertions.*/\1/p')
	tests=$((tests + ${t:-0}))
	tests_failed=$((tests_failed + ${ft:-0}))
	asserts_failed=$((asserts_failed + ${fa:-0}))
	# suites that skip themselves (not root, no TUN) say so: pass it on
	printf '%s\n' "$out" | grep '^SKIP: ' | sort -u
	if [ "$rc" -eq 0 ]; then
		printf '  %-28s ok    %s tests\n' "$s" "${t:-?}"
	else
		case $rc in 124) what="timed out after ${TIMEOUT}s" ;; *) what="exit $rc" ;; esac
		printf '  %-28s FAIL  %s\n' "$s" "$what"
		printf '%s\n' "$out" | grep -E '^ +[0-9]+\. |^unit-runner: |WARNING|runtime error' | sed 's/^/      /'
		n_fail=$((n_fail + 1))
		failed="$failed $s"
	fi
done
echo "dpu unit tests (aarch64 under $QEMU): $n_run suites run, $n_skip excluded, $n_fail failed;" \
	"$tests tests, $tests_failed failed tests, $asserts_failed failed assertions; $(( $(date +%s) - start ))s" \
	"(full output: $log)"
if [ $n_fail -ne 0 ]; then
	echo "dpu unit tests: failed suites:$failed" >&2
	exit 1
fi
exit 0
