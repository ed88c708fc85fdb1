# tests/unit/topo.mk: unit suites of hostd's topology (validation,
# transactions, notifications) and its SQLite store (round trip, crash).
unit-srcs-y += tests/unit/test_topo_validate.c tests/unit/test_store_roundtrip.c \
	tests/unit/test_topo_durable.c
unit-libs += topo store
unit-ldlibs += -lcjson -ljansson -lsqlite3
