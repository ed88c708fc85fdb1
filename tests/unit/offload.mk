# tests/unit/offload.mk: hostd's offload compiler and state (hostd/offload):
# NIC objects of a chassis, incremental diffs, the mailbox source.
unit-srcs-y += tests/unit/test_offload_compile.c
unit-libs += hoffload pipeline topo ctl ofp mbox
unit-ldlibs += -lcjson -ljansson $(NL_ROUTE_LIBS)
