/* tests/unit/test_ctl_conn.c: the connection helpers of the controller
 * (hostd/controller/converge.c): output watermark transitions, the xid map
 * that attributes errors, and which xids an ERROR refers to (own xid, the
 * failed message's header, the inner message of a bundle add). */
#include <string.h>

#include "hostd/controller/ctl_int.h"
#include "tests/unit/unit.h"

static void test_watermarks(void)
{
	struct ctl_wm w = { .high = 1000, .low = 200 };
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 0), 0);
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 999), 0);
	CU_ASSERT_FALSE(w.throttled);
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 1000), 1);   /* crosses high */
	CU_ASSERT_TRUE(w.throttled);
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 5000), 0);   /* stays throttled */
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 500), 0);    /* between: hysteresis */
	CU_ASSERT_TRUE(w.throttled);
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 200), -1);   /* at low: released */
	CU_ASSERT_FALSE(w.throttled);
	CU_ASSERT_EQUAL(ctl_wm_update(&w, 500), 0);    /* between: still open */
	CU_ASSERT_FALSE(w.throttled);
}

static void test_xidmap(void)
{
	struct xidmap m = { 0 };
	uint32_t x;
	/* crosses the 32-bit wrap on purpose */
	for (x = 0xfffffff0u; x != 0x20; x += 2)
		CU_ASSERT_EQUAL(xidmap_push(&m, x, DK_FLOW, DIFF_ADD, (int)(x & 0xff)), 0);
	const struct pending_op *p = xidmap_find(&m, 0xfffffff4u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->idx, 0xf4);
	p = xidmap_find(&m, 0x10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->idx, 0x10);
	CU_ASSERT_PTR_NULL(xidmap_find(&m, 0x11));       /* odd: never sent */
	CU_ASSERT_PTR_NULL(xidmap_find(&m, 0x40));       /* after the last */
	CU_ASSERT_PTR_NULL(xidmap_find(&m, 0xffffff00u)); /* before the first */
	xidmap_clear(&m);
	CU_ASSERT_PTR_NULL(xidmap_find(&m, 0x10));
	xidmap_uninit(&m);
}

static void test_error_xids(void)
{
	struct ofp_error e;
	uint32_t x[3];
	uint8_t fm[16] = { 4, OFPT_FLOW_MOD, 0, 16, 0, 0, 0x12, 0x34 };
	/* ERROR for a plain flow_mod: own xid and the data's header agree */
	memset(&e, 0, sizeof(e));
	e.type = OFPET_BAD_ACTION;
	e.data.data = fm;
	e.data.len = sizeof(fm);
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x1234, x), 1);
	CU_ASSERT_EQUAL(x[0], 0x1234);
	/* a switch that answers with another xid: the data still tells */
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x99, x), 2);
	CU_ASSERT_EQUAL(x[1], 0x1234);
	/* bundle add carrying the flow_mod: the inner xid is found too */
	uint8_t ba[40] = { 4, OFPT_EXPERIMENTER, 0, 40, 0, 0, 0, 0x50 };
	ofp_put_be32_at(ba + 8, ONF_EXPERIMENTER_ID);
	ofp_put_be32_at(ba + 12, ONFT_BUNDLE_ADD_MESSAGE);
	memcpy(ba + 24, fm, 16);
	ofp_put_be32_at(ba + 28, 0x77);
	e.data.data = ba;
	e.data.len = sizeof(ba);
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x60, x), 3);
	CU_ASSERT_EQUAL(x[0], 0x60);
	CU_ASSERT_EQUAL(x[1], 0x50);
	CU_ASSERT_EQUAL(x[2], 0x77);
	/* truncated data: only what is there */
	e.data.len = 20;
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x60, x), 2);
	e.data.len = 4;
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x60, x), 1);
	/* HELLO_FAILED data is text, not a message */
	e.type = OFPET_HELLO_FAILED;
	e.data.len = sizeof(ba);
	CU_ASSERT_EQUAL(ctl_error_xids(&e, 0x60, x), 1);
}

UNIT_SUITE(ctl_conn, NULL, NULL, UNIT_TEST(test_watermarks), UNIT_TEST(test_xidmap),
	   UNIT_TEST(test_error_xids));
