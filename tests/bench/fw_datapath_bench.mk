# tests/bench/fw_datapath_bench.mk: the sim data path's packets/s for one
# routed flow, offload path vs OVS fallback path in one run (included from
# tests/bench/bench.mk). tests/bench/run.sh runs it through
# tests/bench/fw_datapath_bench_run.sh, which starts OVS, hostd, the
# firmware and the netns VMs; the program is the traffic source and sink.
bench-y += fw_datapath_bench
fw_datapath_bench-srcs-y := tests/bench/fw_datapath_bench.c
fw_datapath_bench-ldlibs := -lpthread
