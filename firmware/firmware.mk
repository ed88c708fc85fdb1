# firmware/firmware.mk: the SmartNIC firmware application (DPDK).
# main.c wires the EAL, the mailbox session (drivers/mbox) and the object
# mirror (mirror.c) to the rule compiler (compiler.c) and the offload
# module (offload.c), which installs the rules through the flow driver the
# board selects (drivers/flow). The sim data path (datapath.c: af_packet
# port pairs through the soft tables, bypass.c: bridges while the firmware
# is away), the lwIP slow path (slowpath.c) and the statistics report
# (report.c) come with --port. update.c receives firmware updates over the
# mailbox into the A/B flash (libfwimage, build/image.mk) and is the sim
# board's boot loop (--flash). Files that include DPDK headers need
# DPDK_CFLAGS (defined by drivers/flow/flow.mk); the program links DPDK
# and Debian's liblwip (pkg-config lwip: the unix port's headers).
LWIP_CFLAGS := $(shell pkg-config --cflags lwip 2>/dev/null || echo -I/usr/include/lwip)
LWIP_LIBS := $(shell pkg-config --libs lwip 2>/dev/null || echo -llwip)

progs-$(CONFIG_FIRMWARE) += firmware
firmware-srcs-y := firmware/main.c firmware/mirror.c firmware/compiler.c firmware/offload.c \
	firmware/datapath.c firmware/slowpath.c firmware/bypass.c firmware/report.c \
	firmware/update.c
firmware-libs := flow mbox fwimage base
firmware-ldlibs := $(DPDK_LIBS) $(LWIP_LIBS) -lcrypto -lpthread

firmware/main-cflags := $(DPDK_CFLAGS)
firmware/compiler-cflags := $(DPDK_CFLAGS)
firmware/offload-cflags := $(DPDK_CFLAGS)
firmware/datapath-cflags := $(DPDK_CFLAGS)
firmware/report-cflags := $(DPDK_CFLAGS)
firmware/bypass-cflags := $(DPDK_CFLAGS)
firmware/slowpath-cflags := $(LWIP_CFLAGS)
