/* tests/unit/test_ctl_diff.c: the difference between a switch's state and
 * its desired state (hostd/controller/desired.c): identical flows are left
 * alone, changed instructions are a modify, changed cookie/timeouts a
 * replace, missing flows are added, extra ones deleted (except flows the
 * learning app owns), rejected flows are skipped, groups and meters
 * ordered around the flows; removing flows from a set keeps its index
 * right. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/controller/flowspec.h"
#include "tests/unit/unit.h"

static void load(struct desired *d, const char *text)
{
	desired_init(d);
	CU_ASSERT_EQUAL(flowspec_parse(text, NULL, NULL, d, NULL), 0);
}

static size_t count(const struct diff *df, enum diff_kind k, enum diff_op op)
{
	size_t i, n = 0;
	for (i = 0; i < df->n; i++)
		n += df->v[i].kind == k && df->v[i].op == op;
	return n;
}

static void test_identical_is_empty(void)
{
	const char *t = "table=0 priority=5 cookie=0x1 ip,ipv4_dst=10.0.0.0/8 actions=output:1\n"
			"table=1 priority=5 actions=normal\ngroup_id=1 bucket=output:2\n";
	struct desired cur, want;
	struct diff df;
	load(&cur, t);
	load(&want, t);
	CU_ASSERT_EQUAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n, 0);
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

static void test_add_modify_replace_delete(void)
{
	struct desired cur, want;
	struct diff df;
	load(&cur, "priority=1 actions=output:1\n"           /* modified */
		   "priority=2 cookie=0x5 actions=output:2\n" /* cookie changes */
		   "priority=3 actions=output:3\n"           /* kept */
		   "priority=4 actions=output:4\n"           /* deleted */
		   "priority=6 idle_timeout=5 actions=drop\n"); /* timeout changes */
	load(&want, "priority=1 actions=output:9\n"
		    "priority=2 cookie=0x6 actions=output:2\n"
		    "priority=3 actions=output:3\n"
		    "priority=5 actions=output:5\n"
		    "priority=6 idle_timeout=6 actions=drop\n");
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_ADD], 1);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_MODIFY], 1);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_REPLACE], 2);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE], 1);
	CU_ASSERT_EQUAL(diff_flow_count(&df), 5);
	/* deletes come first, and point into cur */
	CU_ASSERT_EQUAL(df.v[0].op, DIFF_DELETE);
	CU_ASSERT_EQUAL(cur.flows.v[df.v[0].idx].priority, 4);
	size_t i;
	for (i = 1; i < df.n; i++) {
		const struct dflow_rec *f = &want.flows.v[df.v[i].idx];
		if (df.v[i].op == DIFF_ADD)
			CU_ASSERT_EQUAL(f->priority, 5);
		if (df.v[i].op == DIFF_MODIFY)
			CU_ASSERT_EQUAL(f->priority, 1);
		if (df.v[i].op == DIFF_REPLACE)
			CU_ASSERT(f->priority == 2 || f->priority == 6);
	}
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

static void test_key_is_table_priority_match(void)
{
	struct desired cur, want;
	struct diff df;
	load(&cur, "table=0 priority=1 ip actions=drop\n");
	load(&want, "table=1 priority=1 ip actions=drop\n"      /* other table */
		    "table=0 priority=2 ip actions=drop\n"      /* other priority */
		    "table=0 priority=1 ipv6 actions=drop\n");  /* other match */
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_ADD], 3);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE], 1);
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

static void test_rejected_and_kept(void)
{
	struct desired cur, want;
	struct diff df;
	struct diff_opts o = { .keep_cookie = 0x1ea7000000000000ull,
			       .keep_mask = 0xffff000000000000ull };
	load(&cur, "priority=7 cookie=0x1ea7000000000000 eth_dst=02:00:00:00:00:01 actions=output:1\n"
		   "priority=8 actions=drop\n");
	load(&want, "priority=8 actions=drop\npriority=9 actions=group:5\n");
	want.flows.v[1].rejected = 1;
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, &o, &df), 0);
	CU_ASSERT_EQUAL(df.n, 0); /* learned flow kept, rejected flow not retried */
	diff_uninit(&df);
	/* a rejected flow that is on the switch goes away */
	want.flows.v[0].rejected = 1;
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, &o, &df), 0);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE], 1);
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

static void test_groups_meters_order(void)
{
	struct desired cur, want;
	struct diff df;
	load(&cur, "group_id=1 bucket=output:1\ngroup_id=2 bucket=output:2\n"
		   "meter_id=3 band=drop,rate=5\npriority=1 actions=drop\n");
	load(&want, "group_id=1 bucket=output:9\ngroup_id=4 bucket=output:4\n"
		    "meter_id=5 band=drop,rate=5\npriority=2 actions=group:4\n");
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL(count(&df, DK_GROUP, DIFF_MODIFY), 1);
	CU_ASSERT_EQUAL(count(&df, DK_GROUP, DIFF_ADD), 1);
	CU_ASSERT_EQUAL(count(&df, DK_GROUP, DIFF_DELETE), 1);
	CU_ASSERT_EQUAL(count(&df, DK_METER, DIFF_ADD), 1);
	CU_ASSERT_EQUAL(count(&df, DK_METER, DIFF_DELETE), 1);
	CU_ASSERT_EQUAL_FATAL(df.n, 7);
	/* meters, groups, flow delete, flow add, group delete, meter delete */
	CU_ASSERT_EQUAL(df.v[0].kind, DK_METER);
	CU_ASSERT_EQUAL(df.v[1].kind, DK_GROUP);
	CU_ASSERT_EQUAL(df.v[2].kind, DK_GROUP);
	CU_ASSERT(df.v[3].kind == DK_FLOW && df.v[3].op == DIFF_DELETE);
	CU_ASSERT(df.v[4].kind == DK_FLOW && df.v[4].op == DIFF_ADD);
	CU_ASSERT(df.v[5].kind == DK_GROUP && df.v[5].op == DIFF_DELETE);
	CU_ASSERT(df.v[6].kind == DK_METER && df.v[6].op == DIFF_DELETE);
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

static void test_many_flows_hash(void)
{
	struct desired cur, want;
	struct diff df;
	char line[128];
	int i;
	desired_init(&cur);
	desired_init(&want);
	for (i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "priority=%d ip,ipv4_dst=10.%d.%d.0/24 actions=output:1\n",
			 i % 7, i / 256, i % 256);
		CU_ASSERT_EQUAL(flowspec_parse(line, NULL, NULL, &cur, NULL), 0);
		if (i != 1234)
			CU_ASSERT_EQUAL(flowspec_parse(line, NULL, NULL, &want, NULL), 0);
	}
	CU_ASSERT_EQUAL(cur.flows.n, 2000);
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL(df.n, 1);
	CU_ASSERT_EQUAL(df.n_flow[DIFF_DELETE], 1);
	diff_uninit(&df);
	desired_uninit(&cur);
	desired_uninit(&want);
}

/* A set keeps flows packed: what goes in comes back out (match, masks,
 * instructions), the key does not depend on the order fields were set,
 * FLOW_MODs are rebuilt from the packed form, and a set trimmed by
 * desired_shrink() still takes flows. */
static void test_packed_flows(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 1, 0x28 }, mmask[6] = { 0xff, 0xff, 0xff, 0, 0, 0 };
	struct desired d;
	struct dflow f, g, back;
	struct ofp_msg m;
	char *it, *txt;
	int i;

	desired_init(&d);
	memset(&f, 0, sizeof(f));
	f.table = 3;
	f.priority = 77;
	f.cookie = 0xabc;
	f.idle_timeout = 9;
	ofp_match_init(&f.match);
	ofp_instructions_init(&f.insts);
	ofp_match_set_uint(&f.match, OFPF_ETH_TYPE, 0x0800);
	ofp_match_set_ipv4(&f.match, OFPF_IPV4_DST, 0x0a010000, 16);
	ofp_match_set(&f.match, OFPF_ETH_SRC, mac, mmask);
	f.insts.present = OFPINST_APPLY | OFPINST_GOTO;
	f.insts.goto_table = 7;
	ofp_actions_set_field(&f.insts.apply, OFPF_IPV4_DST, 0x0a010203);
	ofp_actions_output(&f.insts.apply, 5, 0);
	/* the same key, fields set in another order, other instructions */
	memset(&g, 0, sizeof(g));
	g.table = 3;
	g.priority = 77;
	ofp_match_init(&g.match);
	ofp_instructions_init(&g.insts);
	ofp_match_set(&g.match, OFPF_ETH_SRC, mac, mmask);
	ofp_match_set_ipv4(&g.match, OFPF_IPV4_DST, 0x0a010000, 16);
	ofp_match_set_uint(&g.match, OFPF_ETH_TYPE, 0x0800);

	CU_ASSERT_EQUAL_FATAL(flowset_add(&d.flows, &f), 0);
	CU_ASSERT_PTR_NULL(d.flows.v[0].text); /* nothing formatted up front */
	CU_ASSERT_EQUAL(flowset_find(&d.flows, &g), 0);
	CU_ASSERT_EQUAL_FATAL(dflow_rec_load(&d.flows.v[0], &back), 0);
	CU_ASSERT_EQUAL(back.table, 3);
	CU_ASSERT_EQUAL(back.priority, 77);
	CU_ASSERT_EQUAL(back.cookie, 0xabc);
	CU_ASSERT_EQUAL(back.idle_timeout, 9);
	CU_ASSERT(ofp_match_equal(&back.match, &g.match));
	CU_ASSERT(back.match.masked & (1ull << OFPF_ETH_SRC));
	CU_ASSERT_EQUAL(back.insts.present, OFPINST_APPLY | OFPINST_GOTO);
	CU_ASSERT_EQUAL(back.insts.goto_table, 7);
	CU_ASSERT_EQUAL_FATAL(back.insts.apply.n, 2);
	CU_ASSERT_EQUAL(back.insts.apply.a[1].u.output.port, 5);
	dflow_uninit(&back);
	it = dflow_rec_itext(&d.flows.v[0]);
	CU_ASSERT_STRING_EQUAL(it, "apply(set_field:ipv4_dst=10.1.2.3,output:5) goto_table:7");
	txt = dflow_rec_format(&d.flows.v[0]);
	CU_ASSERT_PTR_NOT_NULL(txt);
	CU_ASSERT_PTR_NOT_NULL(txt ? strstr(txt, it ? it : "?") : NULL);
	CU_ASSERT_PTR_NOT_NULL(txt ? strstr(txt, "ipv4_dst=10.1.0.0/16") : NULL);
	free(it);
	free(txt);

	/* a FLOW_MOD from the packed flow: strict delete carries no
	 * instructions, an add all of it */
	CU_ASSERT_EQUAL(dflow_rec_to_flow_mod(&d.flows.v[0], OFPFC_DELETE_STRICT, 1, &m), 0);
	CU_ASSERT_EQUAL(m.u.flow_mod.insts.present, 0);
	CU_ASSERT(ofp_match_equal(&m.u.flow_mod.match, &g.match));
	ofp_msg_uninit(&m);
	CU_ASSERT_EQUAL(dflow_rec_to_flow_mod(&d.flows.v[0], OFPFC_ADD, 2, &m), 0);
	CU_ASSERT_EQUAL(m.u.flow_mod.cookie, 0xabc);
	CU_ASSERT_EQUAL(m.u.flow_mod.insts.apply.n, 2);
	ofp_msg_uninit(&m);
	/* written straight from the record: the same bytes as encoding that
	 * message, plain and inside a bundle add */
	static const uint8_t cmds[] = { OFPFC_ADD, OFPFC_MODIFY_STRICT, OFPFC_DELETE_STRICT };
	for (size_t c = 0; c < sizeof(cmds); c++)
		for (int bundled = 0; bundled < 2; bundled++) {
			struct ofpbuf want = OFPBUF_INIT, got = OFPBUF_INIT;
			struct ofp_msg outer;
			const struct ofp_bundle_add w = { .bundle_id = 77,
							  .flags = OFPBF_ATOMIC | OFPBF_ORDERED };
			CU_ASSERT_EQUAL(dflow_rec_to_flow_mod(&d.flows.v[0], cmds[c], 9, &m), 0);
			ofp_msg_init(&outer, OFPMSG_BUNDLE_ADD, 9);
			outer.u.bundle_add = w;
			outer.u.bundle_add.msg = &m; /* borrowed: outer is not uninit'ed */
			CU_ASSERT_EQUAL(ofp_encode(bundled ? &outer : &m, &want, NULL, 0), 0);
			ofp_msg_uninit(&m);
			ofpbuf_put_u8(&got, 0xee); /* appended after what is there */
			CU_ASSERT_EQUAL(dflow_rec_put_flow_mod(&d.flows.v[0], cmds[c], 9,
							       bundled ? &w : NULL, &got), 0);
			CU_ASSERT_EQUAL(got.len, want.len + 1);
			CU_ASSERT(got.len == want.len + 1 && !memcmp(got.data + 1, want.data, want.len));
			ofpbuf_uninit(&want);
			ofpbuf_uninit(&got);
		}

	/* same key: replaces (other instructions now) */
	g.insts.present = OFPINST_GOTO;
	g.insts.goto_table = 8;
	CU_ASSERT_EQUAL(flowset_add(&d.flows, &g), 0);
	CU_ASSERT_EQUAL(d.flows.n, 1);
	it = dflow_rec_itext(&d.flows.v[0]);
	CU_ASSERT_STRING_EQUAL(it, "goto_table:8");
	free(it);

	/* instructions the encoder refuses: not added, freed */
	memset(&f, 0, sizeof(f));
	ofp_match_init(&f.match);
	ofp_instructions_init(&f.insts);
	f.table = 4;
	f.insts.present = OFPINST_GOTO;
	f.insts.goto_table = 2; /* backwards */
	CU_ASSERT_EQUAL(flowset_add(&d.flows, &f), -EINVAL);
	CU_ASSERT_EQUAL(d.flows.n, 1);

	/* trimmed, then grown again */
	desired_shrink(&d);
	CU_ASSERT_EQUAL(d.flows.cap, 1);
	for (i = 0; i < 40; i++) {
		memset(&f, 0, sizeof(f));
		ofp_match_init(&f.match);
		ofp_instructions_init(&f.insts);
		f.priority = (uint16_t)(1000 + i);
		CU_ASSERT_EQUAL(flowset_add(&d.flows, &f), i + 1);
	}
	for (i = 0; i < 40; i++) {
		memset(&f, 0, sizeof(f));
		ofp_match_init(&f.match);
		f.priority = (uint16_t)(1000 + i);
		CU_ASSERT_EQUAL(flowset_find(&d.flows, &f), i + 1);
	}
	desired_uninit(&d);
}

/* Adds an "all" group with one bucket: output to `port`, watch_port
 * `watch` (ignored by the type: a switch may report another value). */
static void add_all_group(struct desired *d, uint32_t id, uint32_t port, uint32_t watch)
{
	struct dgroup *g = desired_add_group(d);
	struct ofp_bucket *b;
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	g->group_id = id;
	g->type = OFPGT_ALL;
	b = ofp_buckets_add(&g->buckets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	b->watch_port = watch;
	ofp_actions_output(&b->actions, port, 0);
	CU_ASSERT_EQUAL(dgroup_finish(g), 0);
	CU_ASSERT(g->packed);
	CU_ASSERT_EQUAL(g->buckets.n, 0); /* decoded form freed */
}

/* Groups keep their buckets packed: compared by bytes, or by canonical
 * text when the bytes differ in what the type ignores; GROUP_MODs are
 * rebuilt from the packed form. */
static void test_packed_groups(void)
{
	struct desired cur, want;
	struct diff df;
	struct ofp_msg m;
	char *bt;

	desired_init(&cur);
	desired_init(&want);
	add_all_group(&cur, 1, 5, OFPP_ANY);
	add_all_group(&want, 1, 5, 0);  /* same but for the watch port */
	add_all_group(&cur, 2, 6, 0);
	add_all_group(&want, 2, 7, 0);  /* other output: modify */
	bt = dgroup_btext(&want.groups[0]);
	CU_ASSERT_STRING_EQUAL(bt, "bucket(output:5)");
	free(bt);
	CU_ASSERT_EQUAL_FATAL(ctl_diff(&cur, &want, NULL, &df), 0);
	CU_ASSERT_EQUAL_FATAL(df.n, 1);
	CU_ASSERT_EQUAL(df.v[0].kind, DK_GROUP);
	CU_ASSERT_EQUAL(df.v[0].op, DIFF_MODIFY);
	CU_ASSERT_EQUAL(df.v[0].idx, 1);
	diff_uninit(&df);

	CU_ASSERT_EQUAL(dgroup_to_group_mod(&want.groups[1], OFPGC_MODIFY, 3, &m), 0);
	CU_ASSERT_EQUAL(m.u.group_mod.group_id, 2);
	CU_ASSERT_EQUAL(m.u.group_mod.type, OFPGT_ALL);
	CU_ASSERT_EQUAL_FATAL(m.u.group_mod.buckets.n, 1);
	CU_ASSERT_EQUAL_FATAL(m.u.group_mod.buckets.b[0].actions.n, 1);
	CU_ASSERT_EQUAL(m.u.group_mod.buckets.b[0].actions.a[0].u.output.port, 7);
	ofp_msg_uninit(&m);
	CU_ASSERT_EQUAL(dgroup_to_group_mod(&want.groups[1], OFPGC_DELETE, 4, &m), 0);
	CU_ASSERT_EQUAL(m.u.group_mod.buckets.n, 0);
	ofp_msg_uninit(&m);
	desired_uninit(&cur);
	desired_uninit(&want);
}

/* flowset_remove (backward-shift deletion in the linear-probing index)
 * against a reference: random removes and re-adds of 600 flows, every
 * present flow found at its index, every removed one not found. */
static void test_flowset_remove_random(void)
{
	enum { N = 600 };
	struct flowset s = { 0 };
	int present[N], at[N]; /* reference: is flow i in s, and where */
	uint32_t seed = 0x9e3779b9u;
	int i, step;

	/* flow i: table 0, priority i % 7 (keys collide in the index's low
	 * bits often enough), match reg0 = i */
	for (i = 0; i < N; i++)
		present[i] = 0;
	for (step = 0; step < 6000; step++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		i = (int)(seed % N);
		if (!present[i]) {
			struct dflow f;
			memset(&f, 0, sizeof(f));
			f.priority = (uint16_t)(i % 7);
			ofp_match_init(&f.match);
			ofp_match_set_uint(&f.match, OFPF_REG0, (uint64_t)i);
			ofp_instructions_init(&f.insts);
			f.cookie = (uint64_t)i;
			at[i] = flowset_add(&s, &f);
			CU_ASSERT_FATAL(at[i] == (int)s.n - 1);
			present[i] = 1;
		} else {
			struct dflow_rec r;
			size_t last = s.n - 1;
			int moved = -1, k;
			for (k = 0; k < N; k++)
				if (present[k] && at[k] == (int)last)
					moved = k;
			flowset_remove(&s, (size_t)at[i], &r);
			CU_ASSERT_EQUAL_FATAL(r.cookie, (uint64_t)i);
			free(r.bytes);
			free(r.text);
			if (moved != i)
				at[moved] = at[i];
			present[i] = 0;
		}
		if (step % 97)
			continue;
		for (int k = 0; k < N; k++) { /* the whole set, now and then */
			struct dflow key;
			memset(&key, 0, sizeof(key));
			key.priority = (uint16_t)(k % 7);
			ofp_match_init(&key.match);
			ofp_match_set_uint(&key.match, OFPF_REG0, (uint64_t)k);
			CU_ASSERT_EQUAL_FATAL(flowset_find(&s, &key), present[k] ? at[k] : -1);
		}
	}
	for (i = 0; i < (int)s.n; i++) {
		free(s.v[i].bytes);
		free(s.v[i].text);
	}
	free(s.v);
	free(s.idx);
}

UNIT_SUITE(ctl_diff, NULL, NULL, UNIT_TEST(test_packed_flows), UNIT_TEST(test_packed_groups), UNIT_TEST(test_identical_is_empty),
	   UNIT_TEST(test_add_modify_replace_delete), UNIT_TEST(test_key_is_table_priority_match),
	   UNIT_TEST(test_rejected_and_kept), UNIT_TEST(test_groups_meters_order),
	   UNIT_TEST(test_many_flows_hash), UNIT_TEST(test_flowset_remove_random));
