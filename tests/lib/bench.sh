# tests/lib/bench.sh: helpers shared by the benchmark drivers that
# tests/bench/run.sh runs in place of a bare bench program
# (tests/bench/*_run.sh BUILD_DIR [--quick]). Sourced, bash.
#
#   bench_args "$@"      parse BUILD_DIR [--quick]: sets BUILD (absolute)
#                        and QUICK (0/1); prints the usage and exits 2
#                        without an existing BUILD_DIR
#   free_port            a TCP port nobody listens on (random in
#                        20000..59999); returns 1 after 50 tries
#   wait_listen PORT PID until PORT is listened on (5 s), or PID died
#                        (returns 1)

bench_args() {
	local a
	BUILD=${1:-}
	[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: $0 BUILD_DIR [--quick]" >&2; exit 2; }
	BUILD=$(cd "$BUILD" && pwd)
	shift
	QUICK=0
	for a in "$@"; do [ "$a" = --quick ] && QUICK=1; done
	return 0
}

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return 0; }
	done
	return 1
}

wait_listen() {
	for _ in $(seq 500); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
