# firmware/firmware.mk: the SmartNIC firmware application (DPDK).
# main.c wires the EAL, the mailbox session (drivers/mbox) and the object
# mirror (mirror.c) to the rule compiler (compiler.c) and the offload
# module (offload.c), which installs the rules through the flow driver the
# board selects (drivers/flow). Files that include DPDK headers need
# DPDK_CFLAGS (defined by drivers/flow/flow.mk); the program links DPDK.
progs-$(CONFIG_FIRMWARE) += firmware
firmware-srcs-y := firmware/main.c firmware/mirror.c firmware/compiler.c firmware/offload.c
firmware-libs := flow mbox base
firmware-ldlibs := $(DPDK_LIBS)

firmware/main-cflags := $(DPDK_CFLAGS)
firmware/compiler-cflags := $(DPDK_CFLAGS)
firmware/offload-cflags := $(DPDK_CFLAGS)
