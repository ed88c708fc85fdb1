# drivers/flow/flow.mk: the flow offload library (flow.h): the core and
# one source per backend. Every file that includes flow.h sees DPDK's
# headers, so it needs DPDK_CFLAGS (per-file, `<path>-cflags`, see
# build/rules.mk); programs linking the library add $(DPDK_LIBS).
#
# DPDK_CFLAGS / DPDK_LIBS are defined here once for the tree (pkg-config
# libdpdk; shared libraries: the PMDs are loaded from DPDK's plugin
# directory at EAL init). Include directories become -isystem so DPDK's
# own headers do not trip our warning flags.
ifndef DPDK_CFLAGS
DPDK_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libdpdk 2>/dev/null)) \
	-Wno-deprecated-declarations
DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)
endif

libs-$(CONFIG_FLOW) += flow
flow-srcs-y := drivers/flow/flow.c
flow-srcs-$(CONFIG_FLOW_SOFT) += drivers/flow/flow_soft.c
flow-srcs-$(CONFIG_FLOW_RTE) += drivers/flow/flow_rte.c

drivers/flow/flow-cflags := $(DPDK_CFLAGS)
drivers/flow/flow_soft-cflags := $(DPDK_CFLAGS)
drivers/flow/flow_rte-cflags := $(DPDK_CFLAGS)
