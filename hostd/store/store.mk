# hostd/store/store.mk: the SQLite topology store (library `store`).
libs-y += store
store-srcs-y := hostd/store/store.c

hostd-libs += store
hostd-ldlibs += -lsqlite3
