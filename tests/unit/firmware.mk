# tests/unit/firmware.mk: the firmware's rule compiler and offload module
# (firmware/compiler.c, firmware/offload.c, compiled in directly; mirror.c
# comes with tests/unit/mbox_session.mk) against the soft flow driver, and
# the topology objects' codecs (drivers/mbox/objects.c); the statistics
# report records (objects.c) and their assembly in hostd/offload (its
# library comes with tests/unit/offload.mk).
unit-srcs-y += tests/unit/test_fw_compiler.c tests/unit/test_fw_objects.c \
	firmware/compiler.c firmware/offload.c
unit-libs += flow mbox
tests/unit/test_fw_compiler-cflags := $(DPDK_CFLAGS)
unit-srcs-y += tests/unit/test_fw_stats.c
