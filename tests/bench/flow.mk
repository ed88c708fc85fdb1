# tests/bench/flow.mk: the soft flow backend's benchmark (rule installs per
# second for the 10,000-port topology; packets/s through the tables).
ifeq ($(CONFIG_FLOW)$(CONFIG_FLOW_SOFT),yy)
bench-y += flow-soft-bench
flow-soft-bench-srcs-y := tests/bench/flow_soft_bench.c
flow-soft-bench-libs := flow base
flow-soft-bench-ldlibs := $(DPDK_LIBS)
tests/bench/flow_soft_bench-cflags := $(DPDK_CFLAGS)
endif
