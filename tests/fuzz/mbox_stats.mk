# tests/fuzz/mbox_stats.mk: libFuzzer target of the statistics report
# records the firmware sends hostd (drivers/mbox/objects.c, "statistics
# reports"): what decodes re-encodes to the same bytes. Seeds in
# tests/fuzz/corpus/mbox_stats/ (one record of each kind, a few broken).
fuzz-$(CONFIG_MBOX) += mbox_stats
mbox_stats-srcs-y := tests/fuzz/mbox_stats.c
mbox_stats-libs := mbox base
