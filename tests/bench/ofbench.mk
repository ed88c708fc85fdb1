# tests/bench/ofbench.mk: the OpenFlow controller benchmark (included from
# tests/bench/bench.mk). tests/bench/run.sh runs it through
# tests/bench/ofbench_run.sh, which starts the controllers and OVS it needs
# and runs the helper programs below; tests/bench/README.md, section
# "ofbench", explains the figures and targets.
#
#   ofbench        cbench for OpenFlow 1.3: emulated switches -> controller
#   tcp-pingpong   plain TCP request/reply on loopback: the latency floor
#   flowmod-blast  pipelined FLOW_MOD adds into one Open vSwitch: the ceiling
#                  (also used by pipeline_e2e_run.sh: replay of the switch's flows)
#
# ofbench is the benchmark run.sh lists ($(O)/bench/); the two helpers are
# built into $(O)/bench/tools/ so that run.sh, which runs every program in
# $(O)/bench/, does not run them on their own.

bench-y += ofbench
ofbench-srcs-y := tests/bench/ofbench.c
ofbench-libs := ofp base

tcp-pingpong-srcs-y := tests/bench/tcp_pingpong.c
tcp-pingpong-libs := base

flowmod-blast-srcs-y := tests/bench/flowmod_blast.c
flowmod-blast-libs := ofp base

$(eval $(call prog_template,tcp-pingpong,bench/tools,))
$(eval $(call prog_template,flowmod-blast,bench/tools,))
bench-build: $(O)/bench/tools/tcp-pingpong $(O)/bench/tools/flowmod-blast
