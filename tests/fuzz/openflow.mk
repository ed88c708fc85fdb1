# tests/fuzz/openflow.mk: libFuzzer target of the OpenFlow 1.3 codec
# (hostd/openflow/). Seeds: tests/fuzz/corpus/ofp_decode/, every golden
# vector (tests/unit/vectors/ofp/make_vectors.py writes both).
fuzz-y += ofp_decode
ofp_decode-srcs-y := tests/fuzz/ofp_decode.c
ofp_decode-libs := ofp base
