# tests/bench/bench.mk: the benchmarks `make bench` builds (optimised, no
# sanitizers) into $(O)/bench/ and tests/bench/run.sh runs one after the
# other. Add a benchmark with bench-y += NAME and its NAME-srcs-y /
# NAME-libs / NAME-ldlibs; run.sh picks up every program in $(O)/bench/.
# What each one measures and its targets: tests/bench/README.md.

# Mailbox (shm transport) vs a plain SPSC ring between two processes.
bench-y += mbox-bench
mbox-bench-srcs-y := tests/bench/mbox_bench.c tests/bench/spsc_ring.c
mbox-bench-libs := mbox base
include tests/bench/ofbench.mk
include tests/bench/flow.mk
include tests/bench/pipeline.mk
include tests/bench/fw_datapath_bench.mk
include tests/bench/pipeline_e2e.mk
