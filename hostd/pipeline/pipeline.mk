# hostd/pipeline/pipeline.mk: the pipeline compiler (library `pipeline`):
# topology -> desired OpenFlow state per chassis (compile.c), the
# packet-in handler for reactive L3 and router ICMP (pipeline.c), punted
# frame decoding and ICMP construction (pkt.c). Depends on topo, ctl
# (struct desired) and ofp. Unit tests: tests/unit/pipeline.mk.
libs-y += pipeline
pipeline-srcs-y := \
	hostd/pipeline/compile.c \
	hostd/pipeline/pipeline.c \
	hostd/pipeline/pkt.c \
	hostd/pipeline/pl_ctl.c

hostd-libs += pipeline
