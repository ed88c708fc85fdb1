/* tests/unit/test_topo_durable.c: a commit's change is visible to early
 * readers (topo_rdlock_early) while its store write runs, never to
 * ordinary readers (topo_rdlock), and a refused store write undoes it with
 * the reverse told to the subscribers and the generation's fate -1 (topo.h,
 * "Durability and generations"). The store here is a struct topo_persist
 * of test hooks; the pipeline's use of the gate is covered end to end by
 * tests/integration/pipeline_store_refused.sh. A stress test runs both
 * kinds of readers against commits a third of which the store refuses. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostd/topo/topo.h"
#include "hostd/topo/topo_json.h"
#include "tests/unit/unit.h"

/* What the hooks and the subscriber saw. */
struct probe {
	struct topo *t;             /* the topology */
	int fail_commit;            /* the store's commit answers -EIO */
	/* seen inside the store write (the commit hook): */
	int in_commit;              /* times the commit hook ran */
	int fate_during;            /* topo_gen_fate(gen) then */
	int early_saw_port;         /* an early reader found the port */
	uint64_t gen_during;        /* topo_gen() seen by the early reader */
	pthread_t reader;           /* ordinary reader started in the hook */
	atomic_int reader_started;  /* it is about to take its lock */
	atomic_int reader_done;     /* it got its lock */
	int reader_saw_port;        /* ... and found the port */
	int reader_done_in_commit;  /* it was done before the write ended */
	/* the subscriber: */
	int changes;                /* change callbacks */
	enum topo_op ops[4];        /* op of each call's first change */
	int settled;                /* settled callbacks */
};

static int h_ok(void *arg) { (void)arg; return 0; }
static int h_put(void *arg, enum topo_kind k, const char *id, const void *o)
{
	(void)arg; (void)k; (void)id; (void)o;
	return 0;
}
static int h_del(void *arg, enum topo_kind k, const char *id)
{
	(void)arg; (void)k; (void)id;
	return 0;
}
static void h_rollback(void *arg) { (void)arg; }

static void *ordinary_reader(void *arg)
{
	struct probe *p = arg;
	atomic_store(&p->reader_started, 1);
	topo_rdlock(p->t);
	p->reader_saw_port = topo_port_get(p->t, "p1") != NULL;
	topo_unlock(p->t);
	atomic_store(&p->reader_done, 1);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The store's commit: runs with the write lock released. */
static int h_commit(void *arg)
{
	struct probe *p = arg;
	p->in_commit++;
	topo_rdlock_early(p->t);
	p->early_saw_port = topo_port_get(p->t, "p1") != NULL;
	p->gen_during = topo_gen(p->t);
	topo_unlock(p->t);
	p->fate_during = topo_gen_fate(p->t, p->gen_during);
	/* an ordinary reader must wait until the write has ended: once the
	 * thread runs, it gets 50 ms to (wrongly) take its lock */
	atomic_store(&p->reader_started, 0);
	atomic_store(&p->reader_done, 0);
	if (pthread_create(&p->reader, NULL, ordinary_reader, p) == 0) {
		while (!atomic_load(&p->reader_started))
			sleep_ms(1);
		sleep_ms(50);
		p->reader_done_in_commit = atomic_load(&p->reader_done);
	}
	return p->fail_commit ? -EIO : 0;
}

static void on_change(const struct topo *t, const struct topo_change *ch, size_t n, void *arg)
{
	struct probe *p = arg;
	(void)t;
	if (n && p->changes < 4)
		p->ops[p->changes] = ch[0].op;
	p->changes++;
}

static void on_settled(void *arg)
{
	((struct probe *)arg)->settled++;
}

/* A topology with network net1 (no store yet), the probe subscribed. */
static struct topo *setup(struct probe *p)
{
	struct topo *t = topo_new();
	struct topo_err e;
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(p, 0, sizeof(*p));
	p->t = t;
	struct topo_network *n = topo_json_new_obj(TOPO_NETWORK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	strcpy(n->id, "net1");
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_network(x, n, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	topo_obj_free(TOPO_NETWORK, n);
	CU_ASSERT_EQUAL(topo_subscribe_settled(t, on_change, on_settled, p), 0);
	const struct topo_persist st = { .begin = h_ok, .put = h_put, .del = h_del,
					 .commit = h_commit, .rollback = h_rollback, .arg = p };
	topo_set_persist(t, &st);
	return t;
}

/* Commits port p1 on net1; the commit's result. */
static int add_port(struct topo *t, struct topo_err *e)
{
	struct topo_port *o = topo_json_new_obj(TOPO_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	strcpy(o->id, "p1");
	strcpy(o->network_id, "net1");
	o->n_fixed_ips = 0;
	struct topo_txn *x = topo_txn_begin(t);
	int r = topo_txn_put_port(x, o, NULL, e);
	topo_obj_free(TOPO_PORT, o);
	if (r) {
		topo_txn_abort(x);
		return r;
	}
	return topo_txn_commit(x, e);
}

static void test_early_reader_overlaps_store_write(void)
{
	struct probe p;
	struct topo *t = setup(&p);
	struct topo_err e = { 0 };
	uint64_t g0 = topo_gen(t);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0), 1);
	CU_ASSERT_EQUAL(add_port(t, &e), 0);
	CU_ASSERT_EQUAL(p.in_commit, 1);
	/* during the write: the early reader sees the change, undecided */
	CU_ASSERT_EQUAL(p.early_saw_port, 1);
	CU_ASSERT_EQUAL(p.gen_during, g0 + 1);
	CU_ASSERT_EQUAL(p.fate_during, 0);
	/* the ordinary reader got in only after the write ended, and then
	 * saw the port */
	CU_ASSERT_EQUAL(p.reader_done_in_commit, 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(atomic_load(&p.reader_done), 1);
	CU_ASSERT_EQUAL(p.reader_saw_port, 1);
	/* afterwards: durable, one change call, one settled call */
	CU_ASSERT_EQUAL(topo_gen(t), g0 + 1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 1), 1);
	CU_ASSERT_EQUAL(p.changes, 1);
	CU_ASSERT_EQUAL(p.ops[0], TOPO_OP_CREATE);
	CU_ASSERT_EQUAL(p.settled, 1);
	topo_set_persist(t, NULL);
	topo_unsubscribe(t, on_change, &p);
	topo_destroy(t);
}

static void test_refused_store_write_is_undone(void)
{
	struct probe p;
	struct topo *t = setup(&p);
	struct topo_err e = { 0 };
	uint64_t g0 = topo_gen(t);
	p.fail_commit = 1;
	CU_ASSERT_NOT_EQUAL(add_port(t, &e), 0);
	CU_ASSERT_EQUAL(e.status, 500);
	CU_ASSERT_STRING_EQUAL(e.type, "StoreError");
	CU_ASSERT_EQUAL(p.early_saw_port, 1); /* it was visible to early readers */
	CU_ASSERT_EQUAL(p.fate_during, 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(p.reader_done_in_commit, 0);
	/* the ordinary reader never saw the refused port */
	CU_ASSERT_EQUAL(p.reader_saw_port, 0);
	CU_ASSERT_PTR_NULL(topo_port_get(t, "p1"));
	/* the refused generation is -1 for ever; its undo is the next one,
	 * durable; subscribers told the creation, then its reverse */
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 1), -1);
	CU_ASSERT_EQUAL(topo_gen(t), g0 + 2);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 2), 1);
	CU_ASSERT_EQUAL(p.changes, 2);
	CU_ASSERT_EQUAL(p.ops[0], TOPO_OP_CREATE);
	CU_ASSERT_EQUAL(p.ops[1], TOPO_OP_DELETE);
	CU_ASSERT_EQUAL(p.settled, 1);
	/* a later refusal and a later success leave it -1 */
	p.in_commit = 0;
	CU_ASSERT_NOT_EQUAL(add_port(t, &e), 0);
	pthread_join(p.reader, NULL);
	p.fail_commit = 0;
	CU_ASSERT_EQUAL(add_port(t, &e), 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 1), -1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 3), -1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, topo_gen(t)), 1);
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "p1"));
	topo_set_persist(t, NULL);
	topo_unsubscribe(t, on_change, &p);
	topo_destroy(t);
}

/* ---- staged transactions (topo_txn_stage) ------------------------------ */

/* Port id on net1 with the given IP (NULL: none) into x. */
static int put_port_ip(struct topo_txn *x, const char *id, const char *ip, struct topo_err *e)
{
	struct topo_port *o = topo_json_new_obj(TOPO_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	snprintf(o->id, sizeof(o->id), "%s", id);
	strcpy(o->network_id, "net1");
	o->n_fixed_ips = 0;
	if (ip) { /* the default's one "allocate" entry, given */
		snprintf(o->fixed_ips[0].subnet_id, sizeof(o->fixed_ips[0].subnet_id), "sub1");
		CU_ASSERT_EQUAL_FATAL(topo_ip_parse(ip, &o->fixed_ips[0].ip), 0);
		o->n_fixed_ips = 1;
	}
	int r = topo_txn_put_port(x, o, NULL, e);
	topo_obj_free(TOPO_PORT, o);
	return r;
}

/* An early reader in another thread: does it find port id? */
struct peek {
	struct topo *t;             /* the topology */
	const char *id;             /* the port looked for */
	int early;                  /* topo_rdlock_early, else topo_rdlock */
	atomic_int done;            /* it got its lock and looked */
	int found;                  /* what it found */
	uint64_t gen;               /* topo_gen() then */
};

static void *peek_thread(void *arg)
{
	struct peek *k = arg;
	if (k->early)
		topo_rdlock_early(k->t);
	else
		topo_rdlock(k->t);
	k->found = topo_port_get(k->t, k->id) != NULL;
	k->gen = topo_gen(k->t);
	topo_unlock(k->t);
	atomic_store(&k->done, 1);
	return NULL;
}

static void test_staged_commit(void)
{
	struct probe p;
	struct topo *t = setup(&p);
	struct topo_err e = { 0 };
	struct topo_commit_stats cs;
	uint64_t g0 = topo_gen(t);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put_port_ip(x, "s1", NULL, &e), 0);
	CU_ASSERT_EQUAL(put_port_ip(x, "s2", NULL, &e), 0);
	topo_txn_stage(x);
	/* staged: told, a generation of its own, undecided; the write lock is
	 * free for an early reader in another thread, which sees it */
	CU_ASSERT_EQUAL(p.changes, 1);
	CU_ASSERT_EQUAL(p.ops[0], TOPO_OP_CREATE);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 1), 0);
	struct peek early = { .t = t, .id = "s2", .early = 1 };
	pthread_t th;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, peek_thread, &early), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(early.found, 1);
	CU_ASSERT_EQUAL(early.gen, g0 + 1);
	/* an ordinary reader waits for the whole transaction */
	struct peek late = { .t = t, .id = "s2" };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, peek_thread, &late), 0);
	sleep_ms(30);
	CU_ASSERT_EQUAL(atomic_load(&late.done), 0);
	/* a second stage, then a tail the commit tells */
	CU_ASSERT_EQUAL(put_port_ip(x, "s3", NULL, &e), 0);
	topo_txn_stage(x);
	CU_ASSERT_EQUAL(p.changes, 2);
	CU_ASSERT_EQUAL(put_port_ip(x, "s4", NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit_stats(x, &cs, &e), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(late.found, 1);
	CU_ASSERT_EQUAL(late.gen, g0 + 3); /* only the committed whole */
	/* the store got all of it; every staged generation is durable */
	CU_ASSERT_EQUAL(p.in_commit, 1);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(cs.created, 4);
	CU_ASSERT_EQUAL(p.changes, 3);
	CU_ASSERT_EQUAL(p.settled, 1);
	for (uint64_t g = g0 + 1; g <= g0 + 3; g++)
		CU_ASSERT_EQUAL(topo_gen_fate(t, g), 1);
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "s1"));
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "s4"));
	topo_set_persist(t, NULL);
	topo_unsubscribe(t, on_change, &p);
	topo_destroy(t);
}

/* A staged transaction that fails (the caller's abort, the commit's own
 * validation, the store): everything staged is taken back visibly. */
static void staged_then_fails(int how)
{
	struct probe p;
	struct topo *t = setup(&p);
	struct topo_err e = { 0 };
	uint64_t g0 = topo_gen(t);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put_port_ip(x, "s1", NULL, &e), 0);
	topo_txn_stage(x);
	CU_ASSERT_EQUAL(put_port_ip(x, "s2", NULL, &e), 0);
	topo_txn_stage(x);
	CU_ASSERT_EQUAL(p.changes, 2);
	CU_ASSERT_EQUAL(put_port_ip(x, "s3", NULL, &e), 0);
	if (how == 0) {
		topo_txn_abort(x);
	} else if (how == 1) {
		/* its network still has ports: refused at commit */
		CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_NETWORK, "net1", &e), 0);
		CU_ASSERT_NOT_EQUAL(topo_txn_commit(x, &e), 0);
		CU_ASSERT(e.status >= 400 && e.status < 500);
	} else {
		p.fail_commit = 1;
		CU_ASSERT_NOT_EQUAL(topo_txn_commit(x, &e), 0);
		CU_ASSERT_EQUAL(e.status, 500);
		pthread_join(p.reader, NULL);
	}
	/* nothing of it remains; subscribers told the reverse of the
	 * staged part (s3 was never told); both staged generations refused,
	 * the undo a durable generation */
	CU_ASSERT_PTR_NULL(topo_port_get(t, "s1"));
	CU_ASSERT_PTR_NULL(topo_port_get(t, "s2"));
	CU_ASSERT_PTR_NULL(topo_port_get(t, "s3"));
	int told = how == 2 ? 4 : 3; /* the store case told the tail too */
	CU_ASSERT_EQUAL(p.changes, told);
	CU_ASSERT_EQUAL(p.ops[told - 1], TOPO_OP_DELETE);
	CU_ASSERT_EQUAL(p.settled, 1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 1), -1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, g0 + 2), -1);
	CU_ASSERT_EQUAL(topo_gen_fate(t, topo_gen(t)), 1);
	/* ordinary readers are let in again, and the next transaction works */
	p.fail_commit = 0;
	topo_rdlock(t);
	topo_unlock(t);
	CU_ASSERT_EQUAL(add_port(t, &e), 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "p1"));
	topo_set_persist(t, NULL);
	topo_unsubscribe(t, on_change, &p);
	topo_destroy(t);
}

static void test_staged_abort(void) { staged_then_fails(0); }
static void test_staged_commit_refused(void) { staged_then_fails(1); }
static void test_staged_store_refused(void) { staged_then_fails(2); }

/* Only creations that validate alone are staged; anything else waits for
 * the commit, as does the rest of that transaction. */
static void test_stage_declined(void)
{
	struct probe p;
	struct topo *t = setup(&p);
	struct topo_err e = { 0 };
	struct topo_subnet *sn = topo_json_new_obj(TOPO_SUBNET);
	strcpy(sn->id, "sub1");
	strcpy(sn->network_id, "net1");
	CU_ASSERT_EQUAL(topo_cidr_parse("10.0.0.0/24", &sn->cidr), 0);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_subnet(x, sn, NULL, &e), 0);
	topo_obj_free(TOPO_SUBNET, sn);
	CU_ASSERT_EQUAL(put_port_ip(x, "a", "10.0.0.5", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	pthread_join(p.reader, NULL);
	int told = p.changes;
	uint64_t g = topo_gen(t);
	/* b takes a's address before a moves away: invalid at the stage,
	 * valid at the commit */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put_port_ip(x, "b", "10.0.0.5", &e), 0);
	topo_txn_stage(x);
	CU_ASSERT_EQUAL(p.changes, told);
	CU_ASSERT_EQUAL(topo_gen(t), g);
	CU_ASSERT_EQUAL(put_port_ip(x, "a", "10.0.0.6", &e), 0);
	CU_ASSERT_EQUAL(put_port_ip(x, "c", NULL, &e), 0);
	topo_txn_stage(x); /* declined for good in this transaction */
	CU_ASSERT_EQUAL(p.changes, told);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(p.changes, told + 1);
	CU_ASSERT_EQUAL(topo_gen(t), g + 1);
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "b"));
	/* an update is not staged either */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put_port_ip(x, "c", "10.0.0.7", &e), 0);
	topo_txn_stage(x);
	CU_ASSERT_EQUAL(p.changes, told + 1);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	pthread_join(p.reader, NULL);
	CU_ASSERT_EQUAL(p.changes, told + 2);
	topo_set_persist(t, NULL);
	topo_unsubscribe(t, on_change, &p);
	topo_destroy(t);
}

/* ---- concurrency: readers of both kinds against committing writers ---- */

/* Shared by the stress threads. */
struct stress {
	struct topo *t;             /* the topology */
	atomic_int stop;            /* readers: finish */
	atomic_int bad;             /* violations seen by readers */
	atomic_int early_saw_undecided; /* early reads of a change still being written */
	unsigned commits;           /* writer: store commits so far */
};

/* The store: every third commit refused, each takes a little while. */
static int s_commit(void *arg)
{
	struct stress *st = arg;
	sleep_ms(1);
	return ++st->commits % 3 == 0 ? -EIO : 0;
}

/* Ordinary reader: never a generation that is not durable, and never a
 * port whose generation was refused (ports named "r<gen>"). */
static void *s_reader(void *arg)
{
	struct stress *st = arg;
	while (!atomic_load(&st->stop)) {
		topo_rdlock(st->t);
		uint64_t g = topo_gen(st->t);
		if (topo_gen_fate(st->t, g) != 1)
			atomic_fetch_add(&st->bad, 1);
		for (const struct topo_port *p = topo_port_next(st->t, NULL); p;
		     p = topo_port_next(st->t, p)) {
			uint64_t pg = strtoull(p->id + 1, NULL, 10);
			if (topo_gen_fate(st->t, pg) == -1)
				atomic_fetch_add(&st->bad, 1);
		}
		topo_unlock(st->t);
	}
	return NULL;
}

/* Early reader: may see an undecided generation, never a refused one it
 * read as the current state before it was refused (the undo takes the
 * write lock, so it cannot happen under an early read lock). */
static void *s_early(void *arg)
{
	struct stress *st = arg;
	while (!atomic_load(&st->stop)) {
		topo_rdlock_early(st->t);
		uint64_t g = topo_gen(st->t);
		int f = topo_gen_fate(st->t, g);
		if (f == 0)
			atomic_fetch_add(&st->early_saw_undecided, 1);
		if (f < 0)
			atomic_fetch_add(&st->bad, 1);
		topo_unlock(st->t);
	}
	return NULL;
}

static void test_stress_readers_and_refusals(void)
{
	struct stress st = { 0 };
	struct topo *t = topo_new();
	struct topo_err e;
	pthread_t th[3];
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	st.t = t;
	struct topo_network *n = topo_json_new_obj(TOPO_NETWORK);
	strcpy(n->id, "net1");
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_network(x, n, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	topo_obj_free(TOPO_NETWORK, n);
	const struct topo_persist ps = { .begin = h_ok, .put = h_put, .del = h_del,
					 .commit = s_commit, .rollback = h_rollback, .arg = &st };
	topo_set_persist(t, &ps);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th[0], NULL, s_reader, &st), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th[1], NULL, s_reader, &st), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th[2], NULL, s_early, &st), 0);
	int ok = 0, refused = 0;
	for (int i = 0; i < 60; i++) {
		/* a port named after the generation its commit will have */
		struct topo_port *o = topo_json_new_obj(TOPO_PORT);
		topo_rdlock(t);
		uint64_t next = topo_gen(t) + 1;
		topo_unlock(t);
		snprintf(o->id, sizeof(o->id), "r%llu", (unsigned long long)next);
		strcpy(o->network_id, "net1");
		o->n_fixed_ips = 0;
		x = topo_txn_begin(t);
		int r = topo_txn_put_port(x, o, NULL, &e);
		topo_obj_free(TOPO_PORT, o);
		if (r) {
			topo_txn_abort(x);
			CU_FAIL("cannot stage a port");
			break;
		}
		if (topo_txn_commit(x, &e) == 0)
			ok++;
		else
			refused++;
	}
	atomic_store(&st.stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(ok, 40);
	CU_ASSERT_EQUAL(refused, 20);
	CU_ASSERT_EQUAL(atomic_load(&st.bad), 0);
	/* the early reader did look during the writes (60 of 1 ms each) */
	CU_ASSERT(atomic_load(&st.early_saw_undecided) > 0);
	size_t ports = 0;
	for (const struct topo_port *p = topo_port_next(t, NULL); p; p = topo_port_next(t, p))
		ports++;
	CU_ASSERT_EQUAL(ports, 40);
	topo_set_persist(t, NULL);
	topo_destroy(t);
}

UNIT_SUITE(topo_durable, NULL, NULL,
	   UNIT_TEST(test_early_reader_overlaps_store_write),
	   UNIT_TEST(test_refused_store_write_is_undone),
	   UNIT_TEST(test_staged_commit),
	   UNIT_TEST(test_staged_abort),
	   UNIT_TEST(test_staged_commit_refused),
	   UNIT_TEST(test_staged_store_refused),
	   UNIT_TEST(test_stage_declined),
	   UNIT_TEST(test_stress_readers_and_refusals));
