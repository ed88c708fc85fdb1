/* hostd/store/store.c: the SQLite topology store (contract in store.h). */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/base/log.h"
#include "hostd/store/store.h"
#include "hostd/topo/topo_json.h"

#define MOD "store"
/* SQLite page cache bound, KiB (a string: it goes into the PRAGMA). */
#define STORE_CACHE_KB "256"
/* Rows written by one transaction from which its commit gives the page
 * cache back (a bulk apply fills it; single changes need only a few pages). */
#define STORE_RELEASE_ROWS 1000

struct store {
	sqlite3 *db;                    /* the connection */
	char path[PATH_MAX];            /* STATE_DIR/topology.db */
	sqlite3_stmt *put[TOPO_KIND_COUNT]; /* upsert per kind */
	sqlite3_stmt *del[TOPO_KIND_COUNT]; /* delete per kind */
	sqlite3_stmt *meta;             /* upsert a meta value */
	char *doc;                      /* scratch for the document being written
					 * (topo_json_store_doc), reused */
	size_t doc_cap;                 /* its size */
	size_t rows;                    /* rows written by the open transaction */
};

const char *store_path(const struct store *s)
{
	return s->path;
}

/* A failed SQLite call's result code as -errno, so the API's StoreError
 * says what went wrong (a full disk, a read-only file) rather than "I/O". */
static int sql_errno(int rc)
{
	switch (rc & 0xff) { /* the primary code of an extended one */
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_PERM: return -EPERM;
	default: return -EIO;
	}
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		LOG_ERR(MOD, "%s: %s", sql, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return sql_errno(rc);
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int int_query(struct store *s, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : -EIO;
	if (!r)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int store_open(const char *state_dir, struct store **out)
{
	struct store *s = calloc(1, sizeof(*s));
	char sql[256];
	long long ver = 0;
	int r;
	if (!s)
		return -ENOMEM;
	if ((r = mkdir_p(state_dir))) {
		LOG_ERR(MOD, "cannot create %s: %s", state_dir, strerror(-r));
		goto free_store;
	}
	if (snprintf(s->path, sizeof(s->path), "%s/%s", state_dir, STORE_FILE) >=
	    (int)sizeof(s->path)) {
		r = -ENAMETOOLONG;
		goto free_store;
	}
	if (sqlite3_open_v2(s->path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		LOG_ERR(MOD, "cannot open %s: %s", s->path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		r = -EIO;
		goto close_db;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL + FULL: a COMMIT returns after the WAL is fsync'ed. The page
	 * cache is bounded well below SQLite's 2 MB default: the store is
	 * written once per transaction and read back only at start, so pages
	 * kept resident would be memory per port for nothing. */
	if ((r = exec(s, "PRAGMA journal_mode=WAL")) || (r = exec(s, "PRAGMA synchronous=FULL")) ||
	    (r = exec(s, "PRAGMA cache_size=-" STORE_CACHE_KB)))
		goto close_db;
	if ((r = int_query(s, "PRAGMA user_version", &ver)))
		goto close_db;
	if (ver > STORE_SCHEMA_VERSION) {
		LOG_ERR(MOD, "%s has schema version %lld, this hostd knows up to %d", s->path, ver,
			STORE_SCHEMA_VERSION);
		r = -EPROTO;
		goto close_db;
	}
	if (ver < 1) {
		if ((r = exec(s, "BEGIN IMMEDIATE")))
			goto close_db;
		for (int k = 0; k < TOPO_KIND_COUNT; k++) {
			snprintf(sql, sizeof(sql),
				 "CREATE TABLE IF NOT EXISTS %s (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
				 topo_kind_plural(k));
			if ((r = exec(s, sql)))
				break;
		}
		if (!r)
			r = exec(s, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER)");
		if (!r)
			r = exec(s, "PRAGMA user_version=1");
		if (r) {
			exec(s, "ROLLBACK");
			goto close_db;
		}
		if ((r = exec(s, "COMMIT")))
			goto close_db;
	}
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s (id, doc) VALUES (?1, ?2) "
			 "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
			 topo_kind_plural(k));
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->put[k], NULL) != SQLITE_OK)
			goto prep_fail;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?1", topo_kind_plural(k));
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->del[k], NULL) != SQLITE_OK)
			goto prep_fail;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO meta (key, value) VALUES (?1, ?2) "
			       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			       -1, &s->meta, NULL) != SQLITE_OK)
		goto prep_fail;
	*out = s;
	return 0;
prep_fail:
	LOG_ERR(MOD, "%s: %s", s->path, sqlite3_errmsg(s->db));
	r = -EIO;
close_db:
	store_close(s);
	return r;
free_store:
	free(s);
	return r;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		sqlite3_finalize(s->put[k]);
		sqlite3_finalize(s->del[k]);
	}
	sqlite3_finalize(s->meta);
	sqlite3_close(s->db);
	free(s->doc);
	free(s);
}

int store_load(struct store *s, struct topo *t, struct topo_err *err)
{
	char sql[128];
	int r = 0;
	for (int k = 0; k < TOPO_KIND_COUNT && !r; k++) {
		sqlite3_stmt *st;
		snprintf(sql, sizeof(sql), "SELECT id, doc FROM %s ORDER BY rowid", topo_kind_plural(k));
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			return -EIO;
		int rc;
		while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *doc = (const char *)sqlite3_column_text(st, 1);
			int n = sqlite3_column_bytes(st, 1);
			cJSON *j = topo_json_parse(doc ? doc : "", doc ? (size_t)n : 0,
						   "the stored document", err);
			void *obj = topo_json_new_obj(k);
			if (!j || !obj) {
				LOG_ERR(MOD, "%s %s: unreadable document: %s", topo_kind_name(k),
					id ? id : "?", j ? "out of memory" : err->msg);
				r = -EINVAL;
			} else if (topo_json_decode(k, j, obj, false, TOPO_JSON_STORE, err)) {
				LOG_ERR(MOD, "%s %s: %s", topo_kind_name(k), id ? id : "?", err->msg);
				r = -EINVAL;
			} else if ((r = topo_load_object(t, k, obj))) {
				LOG_ERR(MOD, "%s %s: cannot load: %s", topo_kind_name(k), id ? id : "?",
					strerror(-r));
			}
			cJSON_Delete(j);
			topo_obj_free(k, obj);
		}
		if (!r && rc != SQLITE_DONE)
			r = -EIO;
		sqlite3_finalize(st);
	}
	if (r)
		return r;
	/* Key counters: never below what the loaded objects use. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		long long v = sqlite3_column_int64(st, 1);
		for (int k = 0; k < TOPO_KIND_COUNT; k++) {
			char want[48];
			snprintf(want, sizeof(want), "next_key.%s", topo_kind_name(k));
			if (key && !strcmp(key, want) && v > topo_next_key(t, k) && v <= UINT32_MAX)
				topo_set_next_key(t, k, (uint32_t)v);
		}
	}
	sqlite3_finalize(st);
	if ((r = topo_check_all(t, err))) {
		LOG_ERR(MOD, "%s: inconsistent topology: %s", s->path, err->msg);
		return r;
	}
	size_t total = 0;
	for (int k = 0; k < TOPO_KIND_COUNT; k++)
		total += topo_count(t, k);
	LOG_INFO(MOD, "loaded %zu objects from %s", total, s->path);
	return 0;
}

/* ---- persist hook ----------------------------------------------------- */

static int p_begin(void *arg)
{
	struct store *s = arg;
	s->rows = 0;
	return exec(s, "BEGIN IMMEDIATE");
}

static int step_reset(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		LOG_ERR(MOD, "%s", sqlite3_errmsg(s->db));
		return sql_errno(rc);
	}
	return 0;
}

static int p_put(void *arg, enum topo_kind k, const char *id, const void *obj)
{
	struct store *s = arg;
	size_t len = topo_json_store_doc(k, obj, &s->doc, &s->doc_cap);
	if (!len || len > INT_MAX)
		return -ENOMEM;
	/* both stay put until step_reset() has run the statement and
	 * cleared the bindings */
	sqlite3_bind_text(s->put[k], 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put[k], 2, s->doc, (int)len, SQLITE_STATIC);
	s->rows++;
	return step_reset(s, s->put[k]);
}

static int p_del(void *arg, enum topo_kind k, const char *id)
{
	struct store *s = arg;
	s->rows++;
	sqlite3_bind_text(s->del[k], 1, id, -1, SQLITE_TRANSIENT);
	return step_reset(s, s->del[k]);
}

static int p_meta(void *arg, const char *key, uint64_t value)
{
	struct store *s = arg;
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->meta, 2, (sqlite3_int64)value);
	return step_reset(s, s->meta);
}

static int p_commit(void *arg)
{
	struct store *s = arg;
	int r = exec(s, "COMMIT");
	/* the pages a big transaction cached would stay resident for nothing
	 * (the store is read back only at start) */
	if (!r && s->rows >= STORE_RELEASE_ROWS)
		sqlite3_db_release_memory(s->db);
	return r;
}

static void p_rollback(void *arg)
{
	struct store *s = arg;
	if (!sqlite3_get_autocommit(s->db))
		exec(s, "ROLLBACK");
	if (s->rows >= STORE_RELEASE_ROWS)
		sqlite3_db_release_memory(s->db);
}

void store_attach(struct store *s, struct topo *t)
{
	const struct topo_persist p = {
		.begin = p_begin,
		.put = p_put,
		.del = p_del,
		.set_meta = p_meta,
		.commit = p_commit,
		.rollback = p_rollback,
		.arg = s,
	};
	topo_set_persist(t, s ? &p : NULL);
}
