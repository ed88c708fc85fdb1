# tests/fuzz/pipeline.mk: libFuzzer target of the pipeline's punted frame
# decoder and the frames hostd builds from it (hostd/pipeline/pkt.c).
# Seeds in tests/fuzz/corpus/pipeline_pkt/: ICMP echo request (plain,
# 802.1Q-tagged, with IP options), TTL-1 UDP, a non-first fragment, ARP
# request and reply, an LLDP frame, and malformed ones (cut IPv4 header,
# bad checksum, cut ICMP, ARP for another protocol).
fuzz-y += pipeline_pkt
pipeline_pkt-srcs-y := tests/fuzz/pipeline_pkt.c
pipeline_pkt-libs := pipeline
