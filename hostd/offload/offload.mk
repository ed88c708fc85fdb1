# hostd/offload/offload.mk: what hostd offloads to its SmartNIC (library
# hoffload): the topology compiled into NIC objects for this chassis
# (nic_objects.c), the resync/incremental state and the NIC's per-object
# statuses (hoffload.c). hostd/nic.c pulls from it; hostd/api serves it.
libs-y += hoffload
hoffload-srcs-y := hostd/offload/hoffload.c hostd/offload/nic_objects.c

hostd-libs += hoffload

# The underlay neighbour lookup uses libnl-route (rtnetlink neighbour dump).
NL_ROUTE_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
NL_ROUTE_LIBS := $(or $(shell pkg-config --libs libnl-route-3.0 2>/dev/null),-lnl-route-3 -lnl-3)
hostd/offload/hoffload-cflags := $(NL_ROUTE_CFLAGS)
hostd-ldlibs += $(NL_ROUTE_LIBS)
