# hostd/hostd.mk: the host daemon.
# main.c is the thin entry point, nic.c the SmartNIC mailbox client (its
# own thread, drivers/mbox session). Sub-folders (hostd/openflow, ...) bring
# their own NAME.mk fragments, included below.
progs-$(CONFIG_HOSTD) += hostd
hostd-srcs-y := hostd/main.c hostd/nic.c
hostd-libs := mbox base

include $(sort $(wildcard hostd/*/*.mk))
