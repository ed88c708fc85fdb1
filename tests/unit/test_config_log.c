/* tests/unit/test_config_log.c: the log sink selector of drivers/base/log.c
 * that hostd's --log-target uses: a program sink receives level, module and
 * message and only what passes the level filter; priorities are syslog's;
 * switching sinks stops the calls to the previous one. */
#include <errno.h>
#include <string.h>

#include "drivers/base/log.h"
#include "tests/unit/unit.h"

struct sunk {
	int n;                   /* calls */
	enum dfn_log_level lvl;  /* last level */
	char module[32];         /* last module */
	char msg[128];           /* last message */
};

static void sink(enum dfn_log_level lvl, const char *module, const char *msg, void *arg)
{
	struct sunk *s = arg;
	s->n++;
	s->lvl = lvl;
	snprintf(s->module, sizeof(s->module), "%s", module);
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void test_log_sink_fn(void)
{
	struct sunk s = { 0 };
	enum dfn_log_level saved = dfn_log_get_level();
	CU_ASSERT_EQUAL(dfn_log_set_sink(DFN_LOG_SINK_FN, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(dfn_log_set_sink(DFN_LOG_SINK_FN, sink, &s), 0);
	dfn_log_set_level(DFN_LOG_WARN);
	LOG_WARN("mod1", "disk %d%% full", 91);
	LOG_INFO("mod2", "filtered out");
	dfn_log_set_level(saved);
	struct sunk other = { 0 };
	CU_ASSERT_EQUAL_FATAL(dfn_log_set_sink(DFN_LOG_SINK_FN, sink, &other), 0);
	LOG_ERR("mod3", "to the other sink");
	CU_ASSERT_EQUAL_FATAL(dfn_log_set_sink(DFN_LOG_SINK_STDERR, NULL, NULL), 0);
	CU_ASSERT_EQUAL(other.n, 1);
	CU_ASSERT_STRING_EQUAL(other.module, "mod3");
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(s.lvl, DFN_LOG_WARN);
	CU_ASSERT_STRING_EQUAL(s.module, "mod1");
	CU_ASSERT_STRING_EQUAL(s.msg, "disk 91% full");
}

static void test_log_priorities(void)
{
	/* syslog.h's LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG (that header
	 * cannot be included next to log.h: both define LOG_ERR) */
	CU_ASSERT_EQUAL(dfn_log_priority(DFN_LOG_ERR), 3);
	CU_ASSERT_EQUAL(dfn_log_priority(DFN_LOG_WARN), 4);
	CU_ASSERT_EQUAL(dfn_log_priority(DFN_LOG_INFO), 6);
	CU_ASSERT_EQUAL(dfn_log_priority(DFN_LOG_DBG), 7);
}

UNIT_SUITE(log_sink, NULL, NULL,
	   UNIT_TEST(test_log_sink_fn),
	   UNIT_TEST(test_log_priorities));
