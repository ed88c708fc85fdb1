# hostd/controller/controller.mk: the OpenFlow controller of hostd (library
# `ctl`): listeners, connections, switch registry, convergence, flows file
# parser, learning app. Linked into hostd; unit tests in
# tests/unit/controller.mk. Needs libevent (+ OpenSSL bufferevents).
libs-y += ctl
ctl-srcs-y := \
	hostd/controller/controller.c \
	hostd/controller/listener.c \
	hostd/controller/conn.c \
	hostd/controller/switch.c \
	hostd/controller/converge.c \
	hostd/controller/desired.c \
	hostd/controller/flowspec.c \
	hostd/controller/app_learn.c \
	hostd/controller/provider.c \
	hostd/controller/ctl_query.c
# periodic callbacks of the loop (hostd: systemd watchdog pings)
ctl-srcs-y += hostd/controller/ctl_tick.c

CTL_LDLIBS := $(shell pkg-config --libs libevent libevent_openssl libevent_pthreads 2>/dev/null || echo -levent_openssl -levent -levent_pthreads) -lssl -lcrypto
hostd-libs += ctl ofp
hostd-ldlibs += $(CTL_LDLIBS)

# ofp-peer: a minimal OpenFlow peer for the integration tests (sends a
# HELLO of a chosen version and prints what comes back).
tprogs-y += ofp-peer
ofp-peer-srcs-y := tests/integration/ofp_peer.c
ofp-peer-libs := ofp base

# libFuzzer target of the flows file parser (make fuzz).
fuzz-y += ctl_flowspec
ctl_flowspec-srcs-y := tests/fuzz/ctl_flowspec.c
ctl_flowspec-libs := ctl ofp base
ctl_flowspec-ldlibs := $(CTL_LDLIBS)
