# tests/fuzz/fuzz.mk: libFuzzer targets, built only with FUZZ=1 (clang;
# see build/rules.mk) into $(O)/fuzz/. tests/run.sh runs each one on its
# seed corpus tests/fuzz/corpus/<name>/; tests/fuzz/README.md tells how to
# run them longer.

# Mailbox codec: decode untrusted bytes; what decodes must format and
# re-encode to the same bytes.
fuzz-$(CONFIG_MBOX) += mbox_decode
mbox_decode-srcs-y := tests/fuzz/mbox_decode.c
mbox_decode-libs := mbox base

# Mailbox region: fuzz bytes as the shared region (header, ring control,
# slots) under a host attach and receive/send loops on both ends.
fuzz-$(CONFIG_MBOX_LOOPBACK) += mbox_region
mbox_region-srcs-y := tests/fuzz/mbox_region.c
mbox_region-libs := mbox base

# Object bodies (drivers/mbox/objects.c) and the firmware's all-or-nothing
# mirror (firmware/mirror.c) on hostd-written bytes.
fuzz-$(CONFIG_MBOX) += mbox_objects
mbox_objects-srcs-y := tests/fuzz/mbox_objects.c firmware/mirror.c
mbox_objects-libs := mbox base
include tests/fuzz/openflow.mk
include tests/fuzz/pipeline.mk
include tests/fuzz/mbox_stats.mk
include tests/fuzz/topo_json.mk
