# hostd/offload/offload.mk: what hostd offloads to its SmartNIC (library
# hoffload): the topology compiled into NIC objects for this chassis
# (nic_objects.c), the resync/incremental state and the NIC's per-object
# statuses (hoffload.c). hostd/nic.c pulls from it; hostd/api serves it.
libs-y += hoffload
hoffload-srcs-y := hostd/offload/hoffload.c hostd/offload/nic_objects.c

hostd-libs += hoffload
