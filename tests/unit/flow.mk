# tests/unit/flow.mk: unit suites of drivers/flow: the driver contract (one
# suite per backend; the rte_flow one on a real net_tap port) and the soft
# backend's packet engine. Both include DPDK headers (DPDK_CFLAGS, from
# drivers/flow/flow.mk) and the runner links DPDK (DPDK_LIBS).
ifeq ($(CONFIG_FLOW),y)
unit-srcs-y += tests/unit/test_flow_contract.c
unit-srcs-$(CONFIG_FLOW_SOFT) += tests/unit/test_flow_soft.c
unit-libs += flow
unit-ldlibs += $(DPDK_LIBS)
tests/unit/test_flow_contract-cflags := $(DPDK_CFLAGS)
tests/unit/test_flow_soft-cflags := $(DPDK_CFLAGS)
endif
