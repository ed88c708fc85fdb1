# hostd/openflow/openflow.mk: the OpenFlow 1.3 codec of hostd (library
# `ofp`) and its test helper program. Self-contained: hostd/hostd.mk only
# includes it. Unit tests are in tests/unit/openflow.mk, the fuzz target in
# tests/fuzz/openflow.mk.
libs-y += ofp
ofp-srcs-y := \
	hostd/openflow/ofp_buf.c \
	hostd/openflow/ofp_msg.c \
	hostd/openflow/ofp_match.c \
	hostd/openflow/ofp_actions.c \
	hostd/openflow/ofp_flow.c \
	hostd/openflow/ofp_packet.c \
	hostd/openflow/ofp_switch.c \
	hostd/openflow/ofp_multipart.c \
	hostd/openflow/ofp_group_meter.c \
	hostd/openflow/ofp_bundle.c

# ofp-encode-samples: prints the hex of a set of messages hostd encodes
# (for tests/integration/ofp_print_crosscheck.sh) and decodes hex given on
# the command line (`ofp-encode-samples decode HEX`).
tprogs-y += ofp-encode-samples
ofp-encode-samples-srcs-y := hostd/openflow/tools/ofp_encode_samples.c \
	hostd/openflow/tools/ofp_samples.c
ofp-encode-samples-libs := ofp base
