/* tests/unit/test_topo_durable.c: a commit's change is visible to early
 * readers (topo_rdlock_early) while its store write runs, never to
 * ordinary readers (topo_rdlock), and a refused store write undoes it with
 * the reverse told to the subscribers and the generation's fate -1 (topo.h,
 * "Durability and generations"). The store here is a struct topo_persist
 * of test hooks; the pipeline's use of the gate is covered end to end by
 * tests/integration/pipeline_store_refused.sh. */
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

UNIT_SUITE(topo_durable, NULL, NULL,
	   UNIT_TEST(test_early_reader_overlaps_store_write),
	   UNIT_TEST(test_refused_store_write_is_undone));
