#!/bin/bash
# tests/integration/api_durability.sh: every acknowledged change survives
# kill -9 of hostd. A client POSTs ports one by one and records each id
# once hostd answered 201; hostd is SIGKILLed at random moments of that
# stream (and, in a second phase, right after single acknowledged
# responses); after each restart every recorded id must be there. Last, a
# clean restart must rebuild an identical state (all lists compared).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"
need_bins hostd dfctl
command -v curl >/dev/null || skip "curl is not installed"

ROUNDS=${DURABILITY_ROUNDS:-6}
STATE=$T/state
hostd_up "$STATE"
dfc network create --id net1 >/dev/null || fail "network create"
dfc subnet create --id sub1 --network net1 --cidr 10.0.0.0/16 >/dev/null || fail "subnet create"
: >"$T/acked"

# The client: POST ports until told to stop, append acknowledged ids.
client() {
	local round=$1 i=0 code
	while :; do
		i=$((i + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
			-H 'Content-Type: application/json' \
			--data-binary "{\"port\": {\"id\": \"p$round-$i\", \"network_id\": \"net1\"}}" \
			http://hostd/v2.0/ports) || code=000
		if [ "$code" = 201 ]; then
			echo "p$round-$i" >>"$T/acked"
		elif [ "$code" = 000 ]; then
			return 0 # hostd is gone
		else
			echo "unexpected HTTP $code for p$round-$i" >>"$T/client-errors"
		fi
	done
}

check_acked() {
	dfc --json port list >"$T/ports.json" || fail "port list after restart"
	python3 - "$T/ports.json" "$T/acked" <<'PY' || fail "acknowledged ports lost after kill -9"
import json, sys
have = {p["id"] for p in json.load(open(sys.argv[1]))["ports"]}
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
lost = [a for a in acked if a not in have]
if lost:
    print("lost:", lost)
    sys.exit(1)
ips = [p["fixed_ips"][0]["ip_address"] for p in json.load(open(sys.argv[1]))["ports"]]
if len(ips) != len(set(ips)):
    print("duplicate addresses after restart")
    sys.exit(1)
print(f"{len(acked)} acknowledged, all present ({len(have)} ports)")
PY
}

for round in $(seq 1 "$ROUNDS"); do
	client "$round" &
	CLIENT=$!
	LIB_PIDS+=("$CLIENT")
	# a random moment between 50 and 450 ms into the stream
	sleep "0.$(printf '%03d' $((50 + RANDOM % 400)))"
	kill9 "$HOSTD_PID"
	wait "$CLIENT" 2>/dev/null || true
	n=$(wc -l <"$T/acked")
	info "round $round: hostd killed with $n acknowledged ports so far"
	hostd_up "$STATE"
	check_acked
done
[ -s "$T/acked" ] || fail "no POST was ever acknowledged"
[ ! -s "$T/client-errors" ] || fail "client: $(head -3 "$T/client-errors")"

# kill -9 right after single acknowledged responses
for i in 1 2 3; do
	dfc port create --id "q$i" --network net1 >/dev/null || fail "port create q$i"
	echo "q$i" >>"$T/acked"
	kill9 "$HOSTD_PID"
	hostd_up "$STATE"
	check_acked
done

# restart rebuilds an identical state (order, keys, addresses, MACs)
dfc router create --id r1 --mode proactive >/dev/null || fail "router create"
dfc router add-interface r1 --subnet sub1 >/dev/null || fail "add-interface"
snapshot >"$T/before.json" || fail "snapshot"
kill9 "$HOSTD_PID"
hostd_up "$STATE"
snapshot >"$T/after-kill.json" || fail "snapshot"
cmp -s "$T/before.json" "$T/after-kill.json" || { diff "$T/before.json" "$T/after-kill.json" | head; fail "state differs after kill -9"; }
hostd_down
check_sanitizers "$HOSTD_LOG"
hostd_up "$STATE"
snapshot >"$T/after-term.json" || fail "snapshot"
cmp -s "$T/before.json" "$T/after-term.json" || { diff "$T/before.json" "$T/after-term.json" | head; fail "state differs after restart"; }
hostd_down
check_sanitizers "$HOSTD_LOG"
info "PASS: $(wc -l <"$T/acked") acknowledged writes survived $((ROUNDS + 4)) kill -9; restarts rebuild identical state"
