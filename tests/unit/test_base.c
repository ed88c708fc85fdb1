/* tests/unit/test_base.c: unit tests of drivers/base (log levels, option
 * parsing, IS_ENABLED, the UTF-8 check). */
#include <errno.h>
#include <stdio.h>
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

/* dfn_utf8_len: RFC 3629 well-formed sequences only. */
static void test_utf8_len(void)
{
	static const struct {
		const char *bytes; /* the sequence (then padding) */
		size_t avail;      /* bytes that may be read */
		size_t want;       /* dfn_utf8_len */
	} v[] = {
		{ "A", 1, 1 },
		{ "\xc3\xa9", 2, 2 },              /* U+00E9 */
		{ "\xe2\x82\xac", 3, 3 },          /* U+20AC */
		{ "\xf0\x9f\x98\x80", 4, 4 },      /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 4, 4 },      /* U+10FFFF */
		{ "\xc3\xa9", 1, 0 },              /* cut short */
		{ "\xe2\x82\xac", 2, 0 },
		{ "\x80", 1, 0 },                  /* a continuation byte */
		{ "\xc0\xaf", 2, 0 },              /* overlong (C0) */
		{ "\xc1\xbf", 2, 0 },              /* overlong (C1) */
		{ "\xe0\x80\xaf", 3, 0 },          /* overlong 3-byte */
		{ "\xf0\x8f\xbf\xbf", 4, 0 },      /* overlong 4-byte */
		{ "\xed\xa0\x80", 3, 0 },          /* U+D800, a surrogate */
		{ "\xed\xbf\xbf", 3, 0 },          /* U+DFFF */
		{ "\xf4\x90\x80\x80", 4, 0 },      /* U+110000 */
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xff", 1, 0 },
		{ "\xe2\x28\xac", 3, 0 },          /* a bad second byte */
		{ "\xe2\x82\x28", 3, 0 },          /* a bad third byte */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t got = dfn_utf8_len((const unsigned char *)v[i].bytes, v[i].avail);
		if (got != v[i].want)
			fprintf(stderr, "utf8 vector %zu: got %zu, want %zu\n", i, got, v[i].want);
		CU_ASSERT_EQUAL(got, v[i].want);
	}
}

UNIT_SUITE(base, NULL, NULL,
	   UNIT_TEST(test_parse_uint),
	   UNIT_TEST(test_log_levels),
	   UNIT_TEST(test_log_hook),
	   UNIT_TEST(test_is_enabled),
	   UNIT_TEST(test_utf8_len));
