/* tests/unit/test_ctl_flowspec.c: the desired-state text parser of the
 * controller (hostd/controller/flowspec.c): what each kind of line turns
 * into, per-switch port names, and one case per error with its line and
 * column. */
#include <errno.h>
#include <string.h>

#include "hostd/controller/flowspec.h"
#include "tests/unit/unit.h"

static int ports(void *arg, const char *name, uint32_t *port)
{
	(void)arg;
	if (!strcmp(name, "vm1")) {
		*port = 7;
		return 0;
	}
	return -ENOENT;
}

/* Parses one text; returns the error count. */
static int parse(const char *text, struct desired *d, struct flowspec_errs *e)
{
	desired_init(d);
	memset(e, 0, sizeof(*e));
	return flowspec_parse(text, ports, NULL, d, e);
}

static void test_flow_line(void)
{
	struct desired d;
	struct flowspec_errs e;
	int n = parse("# comment\n\n"
		      "table=3 priority=100 cookie=0x1 idle_timeout=5 send_flow_rem "
		      "in_port=vm1,ip,ipv4_dst=10.0.0.0/24 actions=dec_ttl,output:2,goto_table:4\n",
		      &d, &e);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL_FATAL(d.flows.n, 1);
	struct dflow fl;
	const struct dflow *f = &fl;
	CU_ASSERT_EQUAL_FATAL(dflow_rec_load(&d.flows.v[0], &fl), 0);
	CU_ASSERT_STRING_EQUAL(f->text, d.flows.v[0].text);
	CU_ASSERT_EQUAL(f->table, 3);
	CU_ASSERT_EQUAL(f->priority, 100);
	CU_ASSERT_EQUAL(f->cookie, 1);
	CU_ASSERT_EQUAL(f->idle_timeout, 5);
	CU_ASSERT_EQUAL(f->flags, OFPFF_SEND_FLOW_REM);
	CU_ASSERT_EQUAL(f->line, 3);
	CU_ASSERT_EQUAL(ofp_match_get_uint(&f->match, OFPF_IN_PORT), 7);
	CU_ASSERT_EQUAL(ofp_match_get_uint(&f->match, OFPF_ETH_TYPE), 0x0800);
	CU_ASSERT_EQUAL(ofp_match_get_uint(&f->match, OFPF_IPV4_DST), 0x0a000000);
	CU_ASSERT(f->match.masked & (1ull << OFPF_IPV4_DST));
	CU_ASSERT_EQUAL(f->insts.present, OFPINST_APPLY | OFPINST_GOTO);
	CU_ASSERT_EQUAL(f->insts.goto_table, 4);
	CU_ASSERT_EQUAL_FATAL(f->insts.apply.n, 2);
	CU_ASSERT_EQUAL(f->insts.apply.a[0].type, OFPACT_DEC_NW_TTL);
	CU_ASSERT_EQUAL(f->insts.apply.a[1].type, OFPACT_OUTPUT);
	CU_ASSERT_EQUAL(f->insts.apply.a[1].u.output.port, 2);
	dflow_uninit(&fl);
	desired_uninit(&d);
	flowspec_errs_uninit(&e);
}

static void test_nicira_actions(void)
{
	struct desired d;
	struct flowspec_errs e;
	int n = parse("priority=1 actions=move:reg0[0..15]->reg1[16..31],load:0x5->reg2[0..7],"
		      "load:0x10->reg3,resubmit(,2),resubmit:3\n"
		      "priority=2 ip actions=ct(commit,zone=5,table=3,nat(src=10.0.0.1-10.0.0.9:100-200))\n",
		      &d, &e);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL_FATAL(d.flows.n, 2);
	struct dflow f0, f1;
	CU_ASSERT_EQUAL_FATAL(dflow_rec_load(&d.flows.v[0], &f0), 0);
	CU_ASSERT_EQUAL_FATAL(dflow_rec_load(&d.flows.v[1], &f1), 0);
	const struct ofp_actions *a = &f0.insts.apply;
	CU_ASSERT_EQUAL_FATAL(a->n, 5);
	CU_ASSERT_EQUAL(a->a[0].type, OFPACT_REG_MOVE);
	CU_ASSERT_EQUAL(a->a[0].u.move.src_ofs, 0);
	CU_ASSERT_EQUAL(a->a[0].u.move.dst_ofs, 16);
	CU_ASSERT_EQUAL(a->a[0].u.move.n_bits, 16);
	CU_ASSERT_EQUAL(a->a[1].type, OFPACT_REG_LOAD);
	CU_ASSERT_EQUAL(a->a[1].u.load.n_bits, 8);
	CU_ASSERT_EQUAL(a->a[1].u.load.value, 5);
	/* a load of a whole field becomes the set_field switches report */
	CU_ASSERT_EQUAL(a->a[2].type, OFPACT_SET_FIELD);
	CU_ASSERT_EQUAL(a->a[3].type, OFPACT_RESUBMIT);
	CU_ASSERT_EQUAL(a->a[3].u.resubmit.table, 2);
	CU_ASSERT_EQUAL(a->a[3].u.resubmit.in_port, OFP_NX_IN_PORT);
	CU_ASSERT_EQUAL(a->a[4].u.resubmit.in_port, 3);
	CU_ASSERT_EQUAL(a->a[4].u.resubmit.table, 255);
	const struct ofp_action *ct = &f1.insts.apply.a[0];
	CU_ASSERT_EQUAL(ct->type, OFPACT_CT);
	CU_ASSERT_EQUAL(ct->u.ct.flags, NX_CT_F_COMMIT);
	CU_ASSERT_EQUAL(ct->u.ct.zone, 5);
	CU_ASSERT_EQUAL(ct->u.ct.table, 3);
	CU_ASSERT_EQUAL_FATAL(ct->u.ct.nested.n, 1);
	CU_ASSERT_EQUAL(ct->u.ct.nested.a[0].u.nat.flags, NX_NAT_F_SRC);
	CU_ASSERT_EQUAL(ct->u.ct.nested.a[0].u.nat.proto_max, 200);
	dflow_uninit(&f0);
	dflow_uninit(&f1);
	desired_uninit(&d);
	flowspec_errs_uninit(&e);
}

static void test_group_meter_lines(void)
{
	struct desired d;
	struct flowspec_errs e;
	int n = parse("group_id=4 type=select bucket=weight:3,output:1 bucket=output:2,dec_ttl\n"
		      "meter_id=2 flags=kbps,burst band=drop,rate=1000,burst=10\n", &d, &e);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL_FATAL(d.n_groups, 1);
	CU_ASSERT_EQUAL(d.groups[0].group_id, 4);
	CU_ASSERT_EQUAL(d.groups[0].type, OFPGT_SELECT);
	struct ofp_buckets bl;
	CU_ASSERT(d.groups[0].packed);
	CU_ASSERT_EQUAL_FATAL(dgroup_buckets(&d.groups[0], &bl), 0);
	CU_ASSERT_EQUAL_FATAL(bl.n, 2);
	CU_ASSERT_EQUAL(bl.b[0].weight, 3);
	CU_ASSERT_EQUAL(bl.b[1].weight, 1); /* select default */
	CU_ASSERT_EQUAL(bl.b[1].actions.n, 2);
	dgroup_buckets_uninit(&bl);
	CU_ASSERT_EQUAL_FATAL(d.n_meters, 1);
	CU_ASSERT_EQUAL(d.meters[0].flags, OFPMF_KBPS | OFPMF_BURST);
	CU_ASSERT_EQUAL(d.meters[0].n_bands, 1);
	CU_ASSERT_EQUAL(d.meters[0].bands[0].rate, 1000);
	CU_ASSERT_EQUAL(d.meters[0].bands[0].burst_size, 10);
	desired_uninit(&d);
	flowspec_errs_uninit(&e);
}

/* One bad line after a good one: the error's line, column and text. */
static void expect_err(const char *bad, int col, const char *msg_part, int unresolved)
{
	char text[512];
	struct desired d;
	struct flowspec_errs e;
	snprintf(text, sizeof(text), "priority=9 actions=drop\n%s\n", bad);
	int n = parse(text, &d, &e);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(d.flows.n, 1); /* the good line still parsed */
	if (e.n == 1) {
		CU_ASSERT_EQUAL(e.v[0].line, 2);
		CU_ASSERT_EQUAL(e.v[0].col, col);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.v[0].msg, msg_part));
		CU_ASSERT_EQUAL(e.v[0].unresolved, unresolved);
		if (e.v[0].col != col || !strstr(e.v[0].msg, msg_part))
			fprintf(stderr, "\n  '%s': got %d:%d %s\n", bad, e.v[0].line, e.v[0].col,
				e.v[0].msg);
	}
	desired_uninit(&d);
	flowspec_errs_uninit(&e);
}

static void test_errors(void)
{
	expect_err("table=0 priority=1 in_port=1", 29, "missing actions=", 0);
	expect_err("table=x actions=drop", 7, "not a number", 0);
	expect_err("table=255 actions=drop", 7, "above the maximum 254", 0);
	expect_err("priority=1 bogus=3 actions=drop", 12, "unknown match field 'bogus'", 0);
	expect_err("priority=1 frob actions=drop", 12, "unknown keyword 'frob'", 0);
	expect_err("priority=1 in_port=vm9 actions=drop", 20, "unknown port name 'vm9'", 1);
	expect_err("priority=1 ip,ipv4_dst=10.0.0.300 actions=drop", 24, "not an IPv4 address", 0);
	expect_err("priority=1 ip,ipv4_dst=10.0.0.0/40 actions=drop", 33, "above the maximum 32", 0);
	expect_err("priority=1 eth_dst=02:00:00:00:00 actions=drop", 20, "not a MAC address", 0);
	expect_err("priority=1 eth_type=0x800 eth_type=0x800 actions=drop", 36, "given twice", 0);
	expect_err("priority=1 in_port=1/1 actions=drop", 22, "cannot be masked", 0);
	expect_err("priority=1 tcp_dst=80 actions=drop", 1, "", 0); /* missing prerequisite */
	expect_err("priority=1 actions=output:1,frob:2", 29, "unknown action 'frob'", 0);
	expect_err("priority=1 actions=drop,output:1", 20, "drop must be the only action", 0);
	expect_err("priority=1 actions=goto_table:1,goto_table:2", 33, "instruction given twice", 0);
	expect_err("priority=1 actions=move:reg0[0..7]->reg1[0..15]", 37, "move of 8 bits into 16", 0);
	expect_err("priority=1 actions=load:0x100->reg0[0..7]", 25, "above the maximum 255", 0);
	expect_err("priority=1 actions=set_field:1->nope", 33, "unknown field 'nope'", 0);
	expect_err("priority=1 actions=ct(commit,zone=x)", 35, "not a number", 0);
	expect_err("priority=1 actions=write_actions(output:1", 41, "missing ')'", 0);
	expect_err("priority=9 actions=normal", 1, "same table, priority and match as line 1", 0);
	expect_err("group_id=1 type=weird bucket=output:1", 17, "unknown group type 'weird'", 0);
	expect_err("group_id=1 bucket=output:1 color=red", 28, "unknown group key 'color'", 0);
	expect_err("meter_id=1 band=rate=5", 12, "band needs a type", 0);
	expect_err("meter_id=0 band=drop,rate=5", 10, "meter 0 does not exist", 0);
}

UNIT_SUITE(ctl_flowspec, NULL, NULL, UNIT_TEST(test_flow_line), UNIT_TEST(test_nicira_actions),
	   UNIT_TEST(test_group_meter_lines), UNIT_TEST(test_errors));
