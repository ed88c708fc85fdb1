# hostd/topo/topo.mk: the topology model (library `topo`): tables, indexes,
# transactions and validation (topo.c), addresses (topo_addr.c), the JSON
# shape shared by the store and the REST API (topo_json.c: cJSON parses the
# input, jansson builds the output).
# Unit tests: tests/unit/topo.mk.
libs-y += topo
topo-srcs-y := \
	hostd/topo/topo.c \
	hostd/topo/topo_addr.c \
	hostd/topo/topo_map.c \
	hostd/topo/topo_json.c

hostd-libs += topo
hostd-ldlibs += -lcjson -ljansson
