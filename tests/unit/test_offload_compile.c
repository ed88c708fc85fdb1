/* tests/unit/test_offload_compile.c: hostd's offload compiler
 * (hostd/offload/nic_objects.c) and state (hoffload.c) on the pipeline
 * suites' example topology (tests/unit/test_pipeline_util.h: vm a on c1,
 * vm b on c2, router r1 between their subnets): which NIC objects chassis
 * c1 gets and what is in them; incremental: one port change -> only that
 * port's objects; a deleted port -> only its objects deleted; the
 * mailbox source: resync, no duplicate push, statuses recorded. */
#include <errno.h>
#include <string.h>

#include "drivers/mbox/codec.h"
#include "hostd/nic.h"
#include "hostd/offload/offload.h"
#include "tests/unit/test_pipeline_util.h"
#include "tests/unit/unit.h"

static const struct hoff_obj *find(const struct hoff_set *s, uint16_t kind, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == kind && s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

static size_t count_kind(const struct hoff_set *s, uint16_t kind)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].kind == kind;
	return n;
}

static int compile(struct topo *t, const char *chassis, struct hoff_set *out)
{
	topo_rdlock(t);
	int r = hostd_offload_compile(t, chassis, NULL, out);
	topo_unlock(t);
	return r;
}

static void test_objects_of_c1(void)
{
	struct topo *t = tp_build("c2", TOPO_L3_PROACTIVE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct hoff_set s = { 0 };
	CU_ASSERT_EQUAL_FATAL(compile(t, "c1", &s), 0);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_NIC_PORT), 1);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_NETWORK), 2);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_SUBNET), 2);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_ROUTER_IFACE), 2);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_NEIGHBOUR), 2);
	CU_ASSERT_EQUAL(count_kind(&s, MBOX_OBJ_TUNNEL_EP), 1);
	char err[160];
	union mbox_obj_body b;
	const struct hoff_obj *o = find(&s, MBOX_OBJ_NIC_PORT, PA_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(mbox_obj_decode(o->kind, o->body, o->len, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.nic_port.network, NET1_KEY);
	CU_ASSERT_STRING_EQUAL(b.nic_port.ifname, "vma");
	CU_ASSERT_STRING_EQUAL(o->ref, "a");
	o = find(&s, MBOX_OBJ_NEIGHBOUR, PB_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(mbox_obj_decode(o->kind, o->body, o->len, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.neighbour.where, MBOX_NEIGH_REMOTE);
	CU_ASSERT_EQUAL(b.neighbour.ips[0], 0x0a000214);
	CU_ASSERT_EQUAL(b.neighbour.network, NET2_KEY);
	uint32_t c2_key = b.neighbour.target;
	o = find(&s, MBOX_OBJ_TUNNEL_EP, c2_key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(mbox_obj_decode(o->kind, o->body, o->len, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.tunnel_ep.remote_ip, 0xc0a83202); /* 192.168.50.2 */
	CU_ASSERT_EQUAL(b.tunnel_ep.local_ip, 0xc0a83201);
	o = find(&s, MBOX_OBJ_NEIGHBOUR, PA_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	mbox_obj_decode(o->kind, o->body, o->len, &b, err, sizeof(err));
	CU_ASSERT_EQUAL(b.neighbour.where, MBOX_NEIGH_PORT);
	CU_ASSERT_EQUAL(b.neighbour.target, PA_KEY);
	/* sorted, every status pending until the NIC speaks */
	for (size_t i = 1; i < s.n; i++)
		CU_ASSERT(s.v[i - 1].kind < s.v[i].kind ||
			  (s.v[i - 1].kind == s.v[i].kind && s.v[i - 1].id < s.v[i].id));
	CU_ASSERT_EQUAL(s.v[0].status, MBOX_OBJ_ST_PENDING);
	/* c2 sees b as its NIC port and a as remote */
	struct hoff_set s2 = { 0 };
	CU_ASSERT_EQUAL(compile(t, "c2", &s2), 0);
	CU_ASSERT_PTR_NOT_NULL(find(&s2, MBOX_OBJ_NIC_PORT, PB_KEY));
	CU_ASSERT_PTR_NULL(find(&s2, MBOX_OBJ_NIC_PORT, PA_KEY));
	/* a chassis with no port gets nothing */
	CU_ASSERT_EQUAL(compile(t, "nowhere", &s2), 0);
	CU_ASSERT_EQUAL(s2.n, 0);
	hoff_set_free(&s);
	hoff_set_free(&s2);
	topo_destroy(t);
}

/* Replace port a's MAC through a transaction. */
static void change_port_a(struct topo *t)
{
	struct topo_txn *x = topo_txn_begin(t);
	struct topo_err e;
	struct topo_port *p = topo_obj_dup(TOPO_PORT, topo_port_get(topo_txn_view(x), "a"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p->mac[5] = 0x77;
	CU_ASSERT_EQUAL(topo_txn_put_port(x, p, NULL, &e), 0);
	topo_obj_free(TOPO_PORT, p);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
}

static void test_incremental(void)
{
	struct topo *t = tp_build("c2", TOPO_L3_PROACTIVE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct hoff_set before = { 0 }, after = { 0 };
	CU_ASSERT_EQUAL_FATAL(compile(t, "c1", &before), 0);
	change_port_a(t);
	CU_ASSERT_EQUAL_FATAL(compile(t, "c1", &after), 0);
	const struct hoff_obj *sets[64], *dels[64];
	size_t ns, nd;
	hostd_offload_diff(&before, &after, sets, &ns, dels, &nd);
	CU_ASSERT_EQUAL(nd, 0);
	CU_ASSERT_EQUAL_FATAL(ns, 2); /* only port a's NIC_PORT and NEIGHBOUR */
	CU_ASSERT(sets[0]->kind == MBOX_OBJ_NIC_PORT && sets[0]->id == PA_KEY);
	CU_ASSERT(sets[1]->kind == MBOX_OBJ_NEIGHBOUR && sets[1]->id == PA_KEY);
	/* no change -> nothing */
	hostd_offload_diff(&after, &after, sets, &ns, dels, &nd);
	CU_ASSERT_EQUAL(ns + nd, 0);
	/* port b (on c2) deleted: its neighbour and c2's tunnel endpoint go */
	struct topo_txn *x = topo_txn_begin(t);
	struct topo_err e;
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, "b", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL_FATAL(compile(t, "c1", &before), 0);
	hostd_offload_diff(&after, &before, sets, &ns, dels, &nd);
	CU_ASSERT_EQUAL(ns, 0);
	CU_ASSERT_EQUAL_FATAL(nd, 2);
	CU_ASSERT(dels[0]->kind == MBOX_OBJ_NEIGHBOUR && dels[0]->id == PB_KEY);
	CU_ASSERT_EQUAL(dels[1]->kind, MBOX_OBJ_TUNNEL_EP);
	hoff_set_free(&before);
	hoff_set_free(&after);
	topo_destroy(t);
}

static void test_source(void)
{
	struct topo *t = tp_build("c2", TOPO_L3_PROACTIVE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct hostd_offload *o;
	CU_ASSERT_EQUAL_FATAL(hostd_offload_create(t, "c1", &o), 0);
	const struct hostd_nic_source *src = hostd_offload_source(o);
	const struct mbox_msg *msgs;
	unsigned n;
	CU_ASSERT_EQUAL(src->full(src->arg, &msgs, &n), 0);
	CU_ASSERT_EQUAL(n, 10);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(msgs[i].type, MBOX_MSG_OBJ_SET);
	src->done(src->arg, 1);
	/* nothing changed: no delta */
	CU_ASSERT_EQUAL(src->delta(src->arg, &msgs, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	/* the NIC reports one object */
	static const char why[] = "group 2 full (capacity 0)";
	src->status(src->arg, MBOX_OBJ_NEIGHBOUR, PA_KEY, MBOX_OBJ_ST_REJECTED, why,
		    sizeof(why) - 1);
	struct hoff_set s = { 0 };
	int up;
	CU_ASSERT_EQUAL(hostd_offload_snapshot(o, &s, &up), 0);
	CU_ASSERT_EQUAL(up, 1);
	const struct hoff_obj *ob = find(&s, MBOX_OBJ_NEIGHBOUR, PA_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(ob->status, MBOX_OBJ_ST_REJECTED);
	CU_ASSERT_STRING_EQUAL(ob->reason, why);
	hoff_set_free(&s);
	CU_ASSERT_EQUAL(hostd_offload_status(o, MBOX_OBJ_NEIGHBOUR, 0xdead, 2, "", 0), 0);
	/* one port change: a batch of exactly its two objects */
	change_port_a(t);
	CU_ASSERT_EQUAL(src->delta(src->arg, &msgs, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT(msgs[0].u.obj.kind == MBOX_OBJ_NIC_PORT && msgs[1].u.obj.kind == MBOX_OBJ_NEIGHBOUR);
	src->done(src->arg, 0); /* lost: the same changes again next time */
	CU_ASSERT_EQUAL(src->delta(src->arg, &msgs, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	src->done(src->arg, 1);
	CU_ASSERT_EQUAL(src->delta(src->arg, &msgs, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	/* the changed neighbour is pending again; the others kept their status */
	CU_ASSERT_EQUAL(hostd_offload_snapshot(o, &s, &up), 0);
	ob = find(&s, MBOX_OBJ_NEIGHBOUR, PA_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(ob->status, MBOX_OBJ_ST_PENDING);
	hoff_set_free(&s);
	hostd_offload_destroy(o);
	topo_destroy(t);
}

UNIT_SUITE(offload_compile, NULL, NULL, UNIT_TEST(test_objects_of_c1),
	   UNIT_TEST(test_incremental), UNIT_TEST(test_source));
