# tests/unit/pipeline.mk: unit suites of the pipeline compiler
# (hostd/pipeline): compiled flows of example topologies, incremental
# changes, the packet-in handler, punted frame parsing and ICMP frames,
# north/south (network node SNAT/floating IPs, next-hop ARP), the
# incremental compile against the full one.
unit-srcs-y += tests/unit/test_pipeline_compile.c tests/unit/test_pipeline_packet.c \
	tests/unit/test_pipeline_ns.c tests/unit/test_pipeline_incr.c
unit-libs += pipeline topo ctl ofp
unit-ldlibs += -lcjson -ljansson
