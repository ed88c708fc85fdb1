/* hostd/store/store.h: hostd's durable topology store (SQLite).
 *
 * One database file, STATE_DIR/topology.db, in WAL mode with
 * synchronous=FULL: topo_txn_commit() (hostd/topo) calls the store through
 * struct topo_persist, and the SQLite COMMIT has reached the disk (WAL
 * fsync) before the API acknowledges anything, so kill -9 at any moment
 * loses no acknowledged change. At start, store_load() rebuilds the whole
 * topology from it.
 *
 * Schema (PRAGMA user_version = STORE_SCHEMA_VERSION): one table per
 * resource kind named like its URL collection (networks, subnets, ports,
 * routers, floatingips, chassis) with (id TEXT PRIMARY KEY, doc TEXT), doc
 * being the object's JSON in topo_json's STORE form; rowid keeps creation
 * order. Table meta(key TEXT PRIMARY KEY, value INTEGER) holds the key
 * counters ("next_key.network", ...).
 *
 * Threading: used only by the thread holding the topology's write lock
 * (commits) or before any other thread exists (open/load). */
#ifndef DFNIC_HOSTD_STORE_H
#define DFNIC_HOSTD_STORE_H

#include "hostd/topo/topo.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_FILE "topology.db"

struct store;

/* Open (creating the directory and the database as needed) and check the
 * schema version (-EPROTO for a newer one). 0 or -errno. */
int store_open(const char *state_dir, struct store **out);
/* Load every object into t (empty), restore the key counters, check the
 * whole topology (errors logged, -EINVAL if inconsistent). May block. */
int store_load(struct store *s, struct topo *t, struct topo_err *err);
/* Make t persist its commits into s (topo_set_persist). */
void store_attach(struct store *s, struct topo *t);
/* Close (accepts NULL). Detach it from its topology first. */
void store_close(struct store *s);
/* The database file's path. */
const char *store_path(const struct store *s);

#endif
