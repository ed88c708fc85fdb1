#!/bin/bash
# tests/hil/run.sh: run the hardware-in-loop scenarios (`make hil`).
#
#   tests/hil/run.sh --build DIR [NAME...]
#
# Runs tests/hil/*.sh (or the NAMEs) through tests/run.sh's reporting: each
# prints SKIP: <reason> and exits 77 when the rig is not described by the
# DFNIC_HIL_* variables (tests/hil/README.md). Not part of `make check`.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=
NAMES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "hil/run.sh: unknown option $1" >&2; exit 2 ;;
	*) NAMES+=("$1"); shift ;;
	esac
done
[ -n "$BUILD" ] || { echo "hil/run.sh: --build DIR is required" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
export DFNIC_BIN=$BUILD/bin DFNIC_TESTBIN=$BUILD/tests DFNIC_TOP=$TOP
mkdir -p "$BUILD/logs/hil"
pass=0 fail=0 skip=0
list=()
if [ ${#NAMES[@]} -gt 0 ]; then
	for n in "${NAMES[@]}"; do list+=("$TOP/tests/hil/${n%.sh}.sh"); done
else
	for t in "$TOP"/tests/hil/*.sh; do
		case "$(basename "$t")" in run.sh|hil_lib.sh) continue ;; esac
		list+=("$t")
	done
fi
echo "=== hardware-in-loop scenarios"
for t in "${list[@]}"; do
	name=$(basename "$t" .sh)
	log=$BUILD/logs/hil/$name.log
	timeout --kill-after=10 "${DFNIC_HIL_TIMEOUT:-600}" bash "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %s\n' "$name" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-28s %s\n' "$name" "$(grep -m1 '^SKIP:' "$log")" ;;
	*) fail=$((fail + 1)); printf 'FAIL  %-28s exit %d, log %s\n' "$name" $rc "$log"; tail -n 30 "$log" ;;
	esac
done
echo "=== hil summary: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
