/* tests/unit/test_base.c: unit tests of drivers/base (log levels, option
 * parsing, IS_ENABLED). */
#include <errno.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "tests/unit/unit.h"

static void test_parse_uint(void)
{
	unsigned long v = 0;
	CU_ASSERT_EQUAL(dfn_parse_uint("42", 1, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(dfn_parse_uint("0", 1, 100, &v), -EINVAL);
	CU_ASSERT_EQUAL(dfn_parse_uint("101", 1, 100, &v), -EINVAL);
	CU_ASSERT_EQUAL(dfn_parse_uint("-1", 0, 100, &v), -EINVAL);
	CU_ASSERT_EQUAL(dfn_parse_uint("12x", 0, 100, &v), -EINVAL);
	CU_ASSERT_EQUAL(dfn_parse_uint("", 0, 100, &v), -EINVAL);
}

static void test_log_levels(void)
{
	enum dfn_log_level l;
	CU_ASSERT_EQUAL(dfn_log_parse_level("debug", &l), 0);
	CU_ASSERT_EQUAL(l, DFN_LOG_DBG);
	CU_ASSERT_EQUAL(dfn_log_parse_level("error", &l), 0);
	CU_ASSERT_EQUAL(l, DFN_LOG_ERR);
	CU_ASSERT_EQUAL(dfn_log_parse_level("loud", &l), -EINVAL);
}

struct captured {
	int n;
	char last[256];
};
static void capture(enum dfn_log_level lvl, const char *line, void *arg)
{
	struct captured *c = arg;
	c->n++;
	snprintf(c->last, sizeof(c->last), "%d:%s", (int)lvl, line);
}

static void test_log_hook(void)
{
	struct captured c = { 0 };
	dfn_log_set_hook(capture, &c);
	dfn_log_set_quiet(1);
	LOG_ERR("test", "value %d", 7);
	dfn_log_set_quiet(0);
	dfn_log_set_hook(NULL, NULL);
	CU_ASSERT_EQUAL(c.n, 1);
	CU_ASSERT_STRING_EQUAL(c.last, "0:value 7");
}

static void test_is_enabled(void)
{
	CU_ASSERT_EQUAL(IS_ENABLED(CONFIG_MBOX), 1);
	CU_ASSERT_EQUAL(IS_ENABLED(CONFIG_DFNIC_NO_SUCH_OPTION), 0);
	CU_ASSERT_TRUE(dfn_is_pow2(64));
	CU_ASSERT_FALSE(dfn_is_pow2(96));
	CU_ASSERT_FALSE(dfn_is_pow2(0));
}

UNIT_SUITE(base, NULL, NULL,
	   UNIT_TEST(test_parse_uint),
	   UNIT_TEST(test_log_levels),
	   UNIT_TEST(test_log_hook),
	   UNIT_TEST(test_is_enabled));
