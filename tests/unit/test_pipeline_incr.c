/* tests/unit/test_pipeline_incr.c: the incremental compile
 * (pipeline_dirty_units + pipeline_compile_units, hostd/pipeline/compile.c)
 * against the full compile, the way the controller uses it
 * (hostd/controller/provider.c, switch.c sw_refresh): after every committed
 * transaction the units it touched are taken out of the previous desired
 * state (desired_take_units) and compiled again; the result must equal a
 * full compile of the new topology, flow for flow and group for group,
 * and the difference sent (ctl_diff_from against what was taken out) must
 * be the one a full diff finds. Run on the north/south example of
 * test_pipeline_util.h (two chassis, network node, floating IP, an extra
 * route) for each chassis and both router modes, over a seeded random
 * sequence of port creates / updates / deletes and floating IP changes,
 * with a router change now and then (a full rebuild); and a switch port
 * coming and going (pipeline_port_units). */
#include "tests/unit/test_pipeline_util.h"
#include "tests/unit/unit.h"

#define STEPS 60

/* The units of each committed transaction (topo_subscribe callback). */
static void collect(const struct topo *t, const struct topo_change *ch, size_t n, void *arg)
{
	if (pipeline_dirty_units(t, ch, n, arg))
		((struct unitset *)arg)->all = 1;
}

/* A full compile of chassis into d (initialised here), ports named
 * through map. */
static int compile_with(struct topo *t, const char *chassis, pl_port_fn map,
			struct desired *d)
{
	struct pl_cfg cfg = { .reactive_idle = 5 };
	int r;
	desired_init(d);
	topo_rdlock(t);
	r = pipeline_compile(t, topo_chassis_get(t, chassis), map, NULL, &cfg, d, NULL);
	topo_unlock(t);
	return r;
}

static int compile_full(struct topo *t, const char *chassis, struct desired *d)
{
	return compile_with(t, chassis, tp_port_map, d);
}

/* 1 when a and b hold the same flows (key, cookie, timeouts, instruction
 * bytes) and groups (id, type, buckets); prints the first difference. */
static int same_state(const struct desired *a, const struct desired *b, int step)
{
	size_t i;
	if (a->flows.n != b->flows.n || a->n_groups != b->n_groups) {
		fprintf(stderr, "step %d: %zu flows %zu groups incrementally, %zu / %zu in full\n",
			step, a->flows.n, a->n_groups, b->flows.n, b->n_groups);
		return 0;
	}
	for (i = 0; i < b->flows.n; i++) {
		const struct dflow_rec *f = &b->flows.v[i];
		int j = flowset_find_rec(&a->flows, f);
		if (j < 0 || a->flows.v[j].cookie != f->cookie ||
		    a->flows.v[j].idle_timeout != f->idle_timeout ||
		    a->flows.v[j].insts_len != f->insts_len ||
		    memcmp(a->flows.v[j].bytes, f->bytes, f->match_len + f->insts_len)) {
			char *txt = dflow_rec_format(f);
			fprintf(stderr, "step %d: %s incrementally: %s\n", step,
				j < 0 ? "missing" : "different", txt ? txt : "?");
			free(txt);
			return 0;
		}
	}
	for (i = 0; i < b->n_groups; i++) {
		int j = desired_find_group(a, b->groups[i].group_id);
		char *x = j >= 0 ? dgroup_btext(&a->groups[j]) : NULL, *y = dgroup_btext(&b->groups[i]);
		int same = x && y && !strcmp(x, y) && a->groups[j].unit == b->groups[i].unit;
		if (!same)
			fprintf(stderr, "step %d: group %u: %s incrementally, %s in full\n", step,
				b->groups[i].group_id, x ? x : "missing", y ? y : "?");
		free(x);
		free(y);
		if (!same)
			return 0;
	}
	return 1;
}

/* Same number of each kind of item in two differences. */
static int same_diff(const struct diff *a, const struct diff *b)
{
	int k;
	for (k = 0; k < 4; k++)
		if (a->n_flow[k] != b->n_flow[k])
			return 0;
	return a->n_group == b->n_group;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One random change; 0 committed, -1 refused (fine: nothing changed). */
static int mutate(struct topo *t, uint32_t *seed, int step)
{
	static const char *const chassis[] = { "c1", "c2", "nn", "" };
	static const char *const ifnames[] = { "vmc", "vmd", "vme" };
	struct topo_txn *x = topo_txn_begin(t);
	const struct topo *v = topo_txn_view(x);
	struct topo_err err;
	char id[32], ip[32], mac[32];
	uint32_t what = rnd(seed) % 10, net = 1 + rnd(seed) % 2;
	const struct topo_port *p;
	int r = -1;

	/* p0..p5, or vm a */
	{
		uint32_t k = rnd(seed) % 7;
		snprintf(id, sizeof(id), k == 6 ? "a" : "p%u", k);
	}
	p = topo_port_get(v, id);
	if (what < 4 && !p) { /* a new VM port */
		/* few addresses: the extra route's next hop (10.0.1.101) comes
		 * and goes, a duplicate is refused */
		snprintf(ip, sizeof(ip), "10.0.%u.%u", net, 100 + rnd(seed) % 4);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", net, 100 + step);
		r = tp_put_port(x, id, net == 1 ? "net1" : "net2", ip, mac,
				chassis[rnd(seed) % 4], ifnames[rnd(seed) % 3]);
	} else if (what < 6 && p) { /* rebind, toggle admin state, move the interface */
		struct topo_port np = *p;
		np.chassis = chassis[rnd(seed) % 4];
		np.admin_state_up = rnd(seed) % 4 != 0;
		snprintf(np.ifname, sizeof(np.ifname), "%s", ifnames[rnd(seed) % 3]);
		r = topo_txn_put_port(x, &np, NULL, &err);
	} else if (what < 7 && p) {
		r = topo_txn_delete(x, TOPO_PORT, id, &err);
	} else if (what < 9) { /* a floating IP for a port, or gone */
		const struct topo_floatingip *f = topo_floatingip_get(v, "fipx");
		if (f) {
			r = topo_txn_delete(x, TOPO_FLOATINGIP, "fipx", &err);
		} else if (p) {
			struct topo_floatingip nf;
			memset(&nf, 0, sizeof(nf));
			snprintf(nf.id, sizeof(nf.id), "fipx");
			topo_ip_parse("172.24.4.60", &nf.floating_ip);
			snprintf(nf.floating_network_id, sizeof(nf.floating_network_id), "ext");
			snprintf(nf.port_id, sizeof(nf.port_id), "%s", id);
			r = topo_txn_put_floatingip(x, &nf, NULL, &err);
		}
	} else { /* the router: proactive <-> reactive (a full rebuild) */
		struct topo_router nr = *topo_router_get(v, "r1");
		nr.l3_mode = nr.l3_mode == TOPO_L3_PROACTIVE ? TOPO_L3_REACTIVE : TOPO_L3_PROACTIVE;
		r = topo_txn_put_router(x, &nr, NULL, &err);
	}
	if (r) {
		topo_txn_abort(x);
		return -1;
	}
	return topo_txn_commit(x, &err) ? -1 : 0;
}

/* An extra route on r1 via 10.0.1.101 (a port mutate() creates now and
 * then): r1's flows depend on ports. */
static int add_route(struct topo *t)
{
	struct topo_txn *x = topo_txn_begin(t);
	struct topo_router r = *topo_router_get(topo_txn_view(x), "r1");
	struct topo_err err;
	r.n_routes = 1;
	topo_cidr_parse("192.168.77.0/24", &r.routes[0].destination);
	topo_ip_parse("10.0.1.101", &r.routes[0].nexthop);
	if (topo_txn_put_router(x, &r, NULL, &err)) {
		topo_txn_abort(x);
		return -1;
	}
	return topo_txn_commit(x, &err);
}

static void run(const char *chassis, enum topo_l3_mode mode, uint32_t seed)
{
	struct topo *t = tp_build_ns(mode, 1);
	struct pl_cfg cfg = { .reactive_idle = 5 };
	struct unitset u = { 0 };
	struct desired want, full;
	int step, incremental = 0, committed = 0;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(add_route(t) == 0);
	CU_ASSERT_FATAL(topo_subscribe(t, collect, &u) == 0);
	CU_ASSERT_FATAL(compile_full(t, chassis, &want) == 0);
	for (step = 0; step < STEPS; step++) {
		struct desired old, prev_full;
		struct diff d_incr, d_full;
		struct pl_stats st;
		size_t ff, gf;
		int r;

		unitset_clear(&u);
		if (mutate(t, &seed, step))
			continue;
		committed++;
		CU_ASSERT_FATAL(compile_full(t, chassis, &full) == 0);
		if (u.all) { /* the controller rebuilds whole */
			desired_uninit(&want);
			want = full;
			continue;
		}
		incremental++;
		/* the previous state, for the full diff */
		desired_init(&prev_full);
		for (size_t i = 0; i < want.flows.n; i++) {
			struct dflow f;
			CU_ASSERT_FATAL(dflow_rec_load(&want.flows.v[i], &f) == 0);
			CU_ASSERT_FATAL(flowset_add(&prev_full.flows, &f) >= 0);
		}
		for (size_t i = 0; i < want.n_groups; i++) {
			struct dgroup *g = desired_add_group(&prev_full);
			CU_ASSERT_FATAL(g != NULL);
			g->group_id = want.groups[i].group_id;
			g->type = want.groups[i].type;
			CU_ASSERT_FATAL(dgroup_buckets(&want.groups[i], &g->buckets) == 0);
			CU_ASSERT_FATAL(dgroup_finish(g) == 0);
		}

		desired_init(&old);
		CU_ASSERT_FATAL(desired_take_units(&want, &u, pipeline_unit_of, &old) == 0);
		ff = want.flows.n;
		gf = want.n_groups;
		topo_rdlock(t);
		r = pipeline_compile_units(t, topo_chassis_get(t, chassis), tp_port_map, NULL, &cfg,
					   &u, &want, &st);
		topo_unlock(t);
		CU_ASSERT_FATAL(r == 0);
		/* no flow of another unit replaced (the controller checks this) */
		CU_ASSERT_EQUAL(want.flows.n - ff, st.flows);
		if (!same_state(&want, &full, step)) {
			CU_FAIL("incremental compile differs from the full compile");
			desired_uninit(&old);
			desired_uninit(&prev_full);
			desired_uninit(&full);
			break;
		}
		CU_ASSERT_FATAL(ctl_diff_from(&old, &want, ff, gf, NULL, &d_incr) == 0);
		CU_ASSERT_FATAL(ctl_diff(&prev_full, &full, NULL, &d_full) == 0);
		if (!same_diff(&d_incr, &d_full))
			fprintf(stderr, "step %d: delta add/mod/repl/del %zu/%zu/%zu/%zu groups %zu, "
				"full %zu/%zu/%zu/%zu groups %zu\n", step, d_incr.n_flow[0],
				d_incr.n_flow[1], d_incr.n_flow[2], d_incr.n_flow[3], d_incr.n_group,
				d_full.n_flow[0], d_full.n_flow[1], d_full.n_flow[2], d_full.n_flow[3],
				d_full.n_group);
		CU_ASSERT(same_diff(&d_incr, &d_full));
		diff_uninit(&d_incr);
		diff_uninit(&d_full);
		desired_uninit(&old);
		desired_uninit(&prev_full);
		desired_uninit(&full);
	}
	/* the sequence exercised both paths */
	CU_ASSERT(incremental >= STEPS / 4);
	CU_ASSERT(committed > incremental);
	desired_uninit(&want);
	topo_unsubscribe(t, collect, &u);
	unitset_uninit(&u);
	topo_destroy(t);
}

static void test_incremental_equals_full_compute_reactive(void)
{
	run("c1", TOPO_L3_REACTIVE, 0x1234567u);
}

static void test_incremental_equals_full_compute_proactive(void)
{
	run("c1", TOPO_L3_PROACTIVE, 0x89abcdeu);
}

static void test_incremental_equals_full_remote_chassis(void)
{
	run("c2", TOPO_L3_REACTIVE, 0x2468aceu);
}

static void test_incremental_equals_full_network_node(void)
{
	run("nn", TOPO_L3_REACTIVE, 0x13579bdu);
	run("nn", TOPO_L3_PROACTIVE, 0xfedcba9u);
}

/* A port create touches its own unit, its network's, and r1's (r1 has an
 * extra route whose next hop is a port of that network); a router port
 * or a router change touches everything. */
static void test_dirty_units_of_a_port(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_REACTIVE, 1);
	struct unitset u = { 0 };
	struct topo_txn *x;
	struct topo_err err;
	uint32_t key;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(add_route(t) == 0);
	CU_ASSERT_FATAL(topo_subscribe(t, collect, &u) == 0);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(tp_put_port(x, "c", "net2", "10.0.2.30", "02:00:00:00:02:1e", "c1", "vmc") ==
			0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	topo_rdlock(t);
	key = topo_port_get(t, "c")->key;
	topo_unlock(t);
	CU_ASSERT(!u.all);
	CU_ASSERT_EQUAL(u.n, 3);
	CU_ASSERT(unitset_has(&u, PL_COOKIE(PL_CK_PORT, key)));
	CU_ASSERT(unitset_has(&u, PL_COOKIE(PL_CK_NET, NET2_KEY)));
	CU_ASSERT(unitset_has(&u, PL_COOKIE(PL_CK_ROUTER, R1_KEY)));
	CU_ASSERT(!unitset_has(&u, PL_COOKIE(PL_CK_NET, NET1_KEY)));
	/* learned next hops belong to their router's unit */
	CU_ASSERT_EQUAL(pipeline_unit_of(PL_COOKIE(PL_CK_NEIGH, R1_KEY)),
			PL_COOKIE(PL_CK_ROUTER, R1_KEY));
	unitset_clear(&u);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(topo_txn_delete(x, TOPO_PORT, "c", &err) == 0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	CU_ASSERT(!u.all && unitset_has(&u, PL_COOKIE(PL_CK_PORT, key)));
	unitset_clear(&u);
	x = topo_txn_begin(t);
	{
		struct topo_router r = *topo_router_get(topo_txn_view(x), "r1");
		r.admin_state_up = false;
		CU_ASSERT_FATAL(topo_txn_put_router(x, &r, NULL, &err) == 0);
	}
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	CU_ASSERT(u.all);
	topo_unsubscribe(t, collect, &u);
	unitset_uninit(&u);
	topo_destroy(t);
}

/* A switch port map where "vmd" comes and goes. */
static int vmd_present;
static int map_vmd(void *arg, const char *name, uint32_t *port)
{
	if (!strcmp(name, "vmd")) {
		*port = 4;
		return vmd_present ? 0 : -1;
	}
	return tp_port_map(arg, name, port);
}

/* A switch port appearing / leaving: only the units that use it are
 * recompiled (pipeline_port_units) and the result equals a full compile;
 * tunnel and provider ports mean everything. */
static void test_switch_port_units(void)
{
	struct topo *t = tp_build_ns(TOPO_L3_PROACTIVE, 1);
	struct pl_cfg cfg = { .reactive_idle = 5 };
	struct unitset u = { 0 };
	struct desired want, full, old;
	struct topo_txn *x;
	struct topo_err err;
	int round;

	CU_ASSERT_FATAL(t != NULL);
	x = topo_txn_begin(t);
	CU_ASSERT_FATAL(tp_put_port(x, "d", "net1", "10.0.1.40", "02:00:00:00:01:28", "c1", "vmd") ==
			0);
	CU_ASSERT_FATAL(topo_txn_commit(x, &err) == 0);
	vmd_present = 0;
	CU_ASSERT_FATAL(compile_with(t, "c1", map_vmd, &want) == 0);
	for (round = 0; round < 4; round++) {
		size_t ff;
		struct pl_stats st;
		int r;
		vmd_present = !vmd_present; /* appears, leaves, appears, leaves */
		unitset_clear(&u);
		topo_rdlock(t);
		r = pipeline_port_units(t, topo_chassis_get(t, "c1"), "vmd", &u);
		topo_unlock(t);
		CU_ASSERT_EQUAL_FATAL(r, 0);
		CU_ASSERT(unitset_has(&u, PL_COOKIE(PL_CK_NET, NET1_KEY)));
		CU_ASSERT(!unitset_has(&u, PL_COOKIE(PL_CK_NET, NET2_KEY)));
		desired_init(&old);
		CU_ASSERT_FATAL(desired_take_units(&want, &u, pipeline_unit_of, &old) == 0);
		ff = want.flows.n;
		topo_rdlock(t);
		r = pipeline_compile_units(t, topo_chassis_get(t, "c1"), map_vmd, NULL, &cfg, &u,
					   &want, &st);
		topo_unlock(t);
		CU_ASSERT_FATAL(r == 0);
		CU_ASSERT_EQUAL(want.flows.n - ff, st.flows);
		CU_ASSERT_FATAL(compile_with(t, "c1", map_vmd, &full) == 0);
		CU_ASSERT(same_state(&want, &full, round));
		/* the port's unit: its proactive /32, plus classify and L2 delivery
		 * when present; net1's: the tunnel ingress and two flood flows */
		CU_ASSERT_EQUAL(st.flows, (size_t)(vmd_present ? 3 + 3 : 1 + 3));
		desired_uninit(&old);
		desired_uninit(&full);
	}
	/* a port nobody uses: nothing; a tunnel or provider port: everything */
	unitset_clear(&u);
	topo_rdlock(t);
	CU_ASSERT_EQUAL(pipeline_port_units(t, topo_chassis_get(t, "c1"), "nobody", &u), 0);
	CU_ASSERT_EQUAL(u.n, 0);
	CU_ASSERT_EQUAL(pipeline_port_units(t, topo_chassis_get(t, "c1"), PL_PORT_VXLAN, &u), 1);
	CU_ASSERT_EQUAL(pipeline_port_units(t, topo_chassis_get(t, "c1"), "phy-ext", &u), 1);
	topo_unlock(t);
	desired_uninit(&want);
	unitset_uninit(&u);
	topo_destroy(t);
}

UNIT_SUITE(pipeline_incremental, NULL, NULL, UNIT_TEST(test_dirty_units_of_a_port),
	   UNIT_TEST(test_incremental_equals_full_compute_reactive),
	   UNIT_TEST(test_incremental_equals_full_compute_proactive),
	   UNIT_TEST(test_incremental_equals_full_remote_chassis),
	   UNIT_TEST(test_incremental_equals_full_network_node),
	   UNIT_TEST(test_switch_port_units));
