# tests/unit/openflow.mk: unit suites of the OpenFlow codec (hostd/openflow):
# golden vectors (tests/unit/vectors/ofp/*.txt) and named round trips. The
# sample catalogue is shared with ofp-encode-samples.
unit-srcs-y += tests/unit/test_ofp_vectors.c tests/unit/test_ofp_roundtrip.c \
	tests/unit/test_ofp_match.c hostd/openflow/tools/ofp_samples.c
unit-libs += ofp
