/* tests/unit/test_flow_contract.c: the flow driver contract (flow.h). One
 * table of tests (contract_tests[]) runs against every backend of
 * drivers/flow: one CUnit suite per backend, flow_contract_<name>, whose
 * init selects it. The soft backend runs in-process; the rte_flow backend
 * runs against a REAL net_tap port (EAL initialised once per process with
 * --no-huge --no-pci --vdev=net_tap0,iface=dfntap<pid>).
 *
 * What a backend cannot do here is made visible, never passed silently:
 *  - no root or no /dev/net/tun: the rte suites print "SKIP: <reason>" and
 *    their tests are marked inactive (CUnit counts them as inactive);
 *  - net_tap validates rules but cannot create any (the kernel has no
 *    flower classifier): the tests that need an installed rule print
 *    "SKIP: <suite>/<test>: ..." with DPDK's own error and are marked
 *    inactive; the create-success path of rte_flow runs on the hardware
 *    rig (drivers/flow/README.md).
 * A second suite, flow_rte_reject, checks the rte_flow reject path against
 * what DPDK itself answers on the same port: SET_MAC_DST / DEC_TTL /
 * PORT_ID refused with DPDK's exact text, QUEUE validated but its create
 * failing with DPDK's error kept verbatim. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <CUnit/TestDB.h>
#include <CUnit/TestRun.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mbuf.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"
#ifdef CONFIG_FLOW_SOFT
#include "drivers/flow/flow_soft.h"
#endif
#include "tests/unit/unit.h"

/* ---- the backend under test --------------------------------------------------- */

struct flow_case {
	const char *suite;                  /* CUnit suite name */
	const struct flow_driver_ops *ops;  /* the backend */
	int is_soft;                        /* capacities can be configured */
};

static const struct flow_case *cur;
static int cur_can_create;         /* the backend installed a probe rule in init */
static char cur_create_why[FLOW_ERROR_MSG_MAX + 16]; /* why not */

/* The rte_flow environment: EAL + one net_tap port, set up once. */
static int rte_state;              /* 0 not tried, 1 up, -1 skipped, -2 failed */
static char rte_skip_why[256];     /* reason for -1/-2 */
static uint16_t rte_port;          /* the net_tap port */
static struct rte_mempool *rte_pool; /* its Rx mbufs */

static void rte_env_down(void)
{
	if (rte_state != 1)
		return;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eth_dev_close(rte_port);
	rte_mempool_free(rte_pool);
	rte_eal_cleanup();
	rte_state = 0;
	/* EAL leaves its runtime directory (config, fbarray files) behind */
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
		rmdir(dir);
	}
}

static int rte_env_up(void)
{
	if (rte_state)
		return rte_state;
	if (geteuid() != 0) {
		snprintf(rte_skip_why, sizeof(rte_skip_why), "not root (net_tap needs CAP_NET_ADMIN)");
		return rte_state = -1;
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		snprintf(rte_skip_why, sizeof(rte_skip_why), "/dev/net/tun missing (%s)",
			 strerror(errno));
		return rte_state = -1;
	}
	char vdev[64], prefix[64];
	snprintf(vdev, sizeof(vdev), "net_tap0,iface=dfntap%d", (int)getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=dfnic-flow-%d", (int)getpid());
	char *argv[] = { "unit-flow", "--no-huge", "--no-pci", "-m", "256", prefix,
			 "--no-telemetry", "--log-level=pmd.net.tap:2", "--log-level=lib.eal:2",
			 "--vdev", vdev, NULL };
	/* rte_eal_init pins the calling thread to its main lcore; the other
	 * suites of this runner must keep every CPU. */
	cpu_set_t saved;
	int have_saved = !pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	int rc = rte_eal_init((int)ARRAY_SIZE(argv) - 1, argv);
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (rc < 0) {
		snprintf(rte_skip_why, sizeof(rte_skip_why), "rte_eal_init failed: %s",
			 rte_strerror(rte_errno));
		return rte_state = -2;
	}
	atexit(rte_env_down);
	rte_state = 1; /* from here on rte_env_down() undoes what exists */
	/* The port is configured (rte_flow checks QUEUE against its Rx queues)
	 * but never started: a started tap interface receives the kernel's
	 * own IPv6 chatter, and net_tap signals every packet with SIGIO,
	 * which would cut short the sleeps of the other suites' threads. */
	if (rte_eth_dev_count_avail() != 1) {
		snprintf(rte_skip_why, sizeof(rte_skip_why), "%u ethdev ports after EAL init, want 1",
			 rte_eth_dev_count_avail());
		return rte_state = -2;
	}
	uint16_t port;
	RTE_ETH_FOREACH_DEV(port) rte_port = port;
	rte_pool = rte_pktmbuf_pool_create("flow_contract", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   0);
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (!rte_pool || rte_eth_dev_configure(rte_port, 1, 1, &conf) ||
	    rte_eth_rx_queue_setup(rte_port, 0, 64, 0, NULL, rte_pool) ||
	    rte_eth_tx_queue_setup(rte_port, 0, 64, 0, NULL)) {
		snprintf(rte_skip_why, sizeof(rte_skip_why), "net_tap port set-up failed: %s",
			 rte_strerror(rte_errno));
		return rte_state = -2;
	}
	return rte_state;
}

/* Open the backend under test. Soft: 4 groups of `capacity` rules (group
 * 2 of capacity2 when >= 0). */
static struct flow_dev *open_dev_cap(uint32_t capacity, int capacity2)
{
	struct flow_params p = { .name = "contract", .port_id = rte_port };
#ifdef CONFIG_FLOW_SOFT
	struct flow_soft_params sp;
	if (cur->is_soft) {
		flow_soft_params_default(&sp);
		sp.n_groups = 4;
		for (int g = 0; g < FLOW_MAX_GROUPS; g++)
			sp.capacity[g] = capacity;
		if (capacity2 >= 0)
			sp.capacity[2] = (uint32_t)capacity2;
		p.soft = &sp;
	}
#endif
	struct flow_dev *dev = NULL;
	struct flow_error err;
	int rc = flow_open(cur->ops, &p, &dev, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "flow_open(%s): %s\n", cur->ops->name, err.message);
	return dev;
}

static struct flow_dev *open_dev(void) { return open_dev_cap(1000, -1); }

/* ---- rules ------------------------------------------------------------------------ */

static const struct rte_flow_attr attr_g0 = { .ingress = 1 };
static const struct rte_flow_action_queue queue0 = { .index = 0 };

/* The simplest rule every backend takes: ETH / IPV4 dst=10.0.<n> -> QUEUE 0. */
struct simple_rule {
	struct rte_flow_item_ipv4 ip;      /* the spec */
	struct rte_flow_item items[3];     /* ETH / IPV4 / END */
	struct rte_flow_action actions[3]; /* [COUNT /] QUEUE / END */
};

static void simple_rule(struct simple_rule *s, uint32_t n, int count)
{
	memset(s, 0, sizeof(*s));
	s->ip.hdr.dst_addr = rte_cpu_to_be_32(0x0a000000u | (n & 0xffffff));
	s->items[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	s->items[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
	s->items[1].spec = &s->ip;
	s->items[1].mask = &rte_flow_item_ipv4_mask;
	s->items[2].type = RTE_FLOW_ITEM_TYPE_END;
	int a = 0;
	if (count)
		s->actions[a++].type = RTE_FLOW_ACTION_TYPE_COUNT;
	s->actions[a].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	s->actions[a++].conf = &queue0;
	s->actions[a].type = RTE_FLOW_ACTION_TYPE_END;
}

/* A failure must carry its code and a message. */
#define ASSERT_FAILED(rc, err, want)                                                 \
	do {                                                                          \
		CU_ASSERT_EQUAL((rc), (want));                                        \
		CU_ASSERT_EQUAL((err).code, (rc));                                    \
		CU_ASSERT((err).message[0] != '\0');                                  \
		if ((rc) != (want))                                                   \
			fprintf(stderr, "  got %d (%s), want %d\n", (rc), (err).message, \
				(want));                                              \
	} while (0)

/* ---- contract tests --------------------------------------------------------------- */

static void test_open_reports_caps(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	const struct flow_caps *c = flow_dev_caps(dev);
	CU_ASSERT_STRING_EQUAL(c->driver, cur->ops->name);
	CU_ASSERT_STRING_EQUAL(flow_dev_ops(dev)->name, cur->ops->name);
	/* the contract's simplest rule family is supported by every backend */
	CU_ASSERT(flow_caps_item(c, RTE_FLOW_ITEM_TYPE_ETH));
	CU_ASSERT(flow_caps_item(c, RTE_FLOW_ITEM_TYPE_IPV4));
	CU_ASSERT(flow_caps_action(c, RTE_FLOW_ACTION_TYPE_QUEUE));
	CU_ASSERT(c->attrs & FLOW_ATTR_INGRESS);
	CU_ASSERT(c->n_groups >= 1);
	CU_ASSERT(!flow_caps_item(c, -1) && !flow_caps_item(c, FLOW_TYPE_BITS));
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	CU_ASSERT_PTR_EQUAL(flow_driver_find(cur->ops->name), cur->ops);
	flow_close(dev);
}

static void test_validate_installs_nothing(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct simple_rule s;
	simple_rule(&s, 1, 0);
	struct flow_error err;
	int rc = flow_validate(dev, &attr_g0, s.items, s.actions, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "  validate: %s\n", err.message);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	/* err may be NULL */
	CU_ASSERT_EQUAL(flow_validate(dev, &attr_g0, s.items, s.actions, NULL), 0);
	flow_close(dev);
}

/* Representative patterns ending in each item type the compiler may emit,
 * plus types no backend here supports. */
static void item_probe(int type, struct rte_flow_item *pat, const void *spec)
{
	static const int stack[][5] = {
		{ RTE_FLOW_ITEM_TYPE_ETH },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_VLAN },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4 },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_UDP },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_TCP },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_UDP,
		  RTE_FLOW_ITEM_TYPE_VXLAN },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4 },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV6 },
		{ RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_IPV4, RTE_FLOW_ITEM_TYPE_ICMP },
	};
	int n = 0;
	for (size_t s = 0; s < ARRAY_SIZE(stack); s++) {
		int len = 0;
		while (len < 5 && stack[s][len])
			len++;
		if (stack[s][len - 1] != type)
			continue;
		for (int i = 0; i < len; i++)
			pat[n++] = (struct rte_flow_item){ .type = stack[s][i] };
		break;
	}
	if (!n) /* MARK, META, PORT_ID, REPRESENTED_PORT: alone, with a spec */
		pat[n++] = (struct rte_flow_item){ .type = type, .spec = spec };
	pat[n] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_END };
}

static void test_caps_match_validate(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	const struct flow_caps *c = flow_dev_caps(dev);
	const struct rte_flow_action fate = { .type = flow_caps_action(c, RTE_FLOW_ACTION_TYPE_QUEUE)
							      ? RTE_FLOW_ACTION_TYPE_QUEUE
							      : RTE_FLOW_ACTION_TYPE_DROP,
					      .conf = &queue0 };
	const struct rte_flow_item_mark mark = { .id = 1 };
	const struct rte_flow_item_meta meta = { .data = 1 };
	const struct rte_flow_item_port_id pid = { .id = rte_port };
	const struct rte_flow_item_ethdev eport = { .port_id = rte_port };
	const struct {
		int type;          /* item type */
		const void *spec;  /* for the stand-alone ones */
	} items[] = {
		{ RTE_FLOW_ITEM_TYPE_ETH, NULL }, { RTE_FLOW_ITEM_TYPE_VLAN, NULL },
		{ RTE_FLOW_ITEM_TYPE_IPV4, NULL }, { RTE_FLOW_ITEM_TYPE_UDP, NULL },
		{ RTE_FLOW_ITEM_TYPE_TCP, NULL }, { RTE_FLOW_ITEM_TYPE_VXLAN, NULL },
		{ RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, NULL }, { RTE_FLOW_ITEM_TYPE_IPV6, NULL },
		{ RTE_FLOW_ITEM_TYPE_ICMP, NULL }, { RTE_FLOW_ITEM_TYPE_MARK, &mark },
		{ RTE_FLOW_ITEM_TYPE_META, &meta }, { RTE_FLOW_ITEM_TYPE_PORT_ID, &pid },
		{ RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, &eport },
	};
	int refused = 0;
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		struct rte_flow_item pat[8];
		item_probe(items[i].type, pat, items[i].spec);
		struct rte_flow_action acts[] = { fate, { .type = RTE_FLOW_ACTION_TYPE_END } };
		struct flow_error err;
		int rc = flow_validate(dev, &attr_g0, pat, acts, &err);
		if (!flow_caps_item(c, items[i].type)) {
			refused++;
			ASSERT_FAILED(rc, err, -ENOTSUP);
			if (rc != -ENOTSUP)
				fprintf(stderr, "  item %s\n", flow_item_name(items[i].type));
		} else if (rc) {
			/* transfer-only items (REPRESENTED_PORT on a real NIC) */
			const struct rte_flow_attr tr = { .transfer = 1 };
			if (flow_validate(dev, &tr, pat, acts, NULL)) {
				CU_FAIL("caps say supported but validate refuses");
				fprintf(stderr, "  item %s: %s\n", flow_item_name(items[i].type),
					err.message);
			}
		}
	}
	CU_ASSERT(refused > 0); /* IPV6 and ICMP at least */

	const struct rte_flow_action_jump jump = { .group = 1 };
	const struct rte_flow_action_mark amark = { .id = 1 };
	const struct rte_flow_action_set_meta ameta = { .data = 1, .mask = UINT32_MAX };
	const struct rte_flow_action_set_mac mac = { .mac_addr = { 2, 0, 0, 0, 0, 1 } };
	const struct rte_flow_action_port_id apid = { .id = rte_port };
	const struct rte_flow_action_ethdev aport = { .port_id = rte_port };
	const struct rte_flow_action_set_ttl ttl = { .ttl_value = 9 };
	const struct {
		struct rte_flow_action act; /* the action */
		int is_fate;                /* terminal by itself */
	} acts[] = {
		{ { RTE_FLOW_ACTION_TYPE_JUMP, &jump }, 1 },
		{ { RTE_FLOW_ACTION_TYPE_QUEUE, &queue0 }, 1 },
		{ { RTE_FLOW_ACTION_TYPE_DROP, NULL }, 1 },
		{ { RTE_FLOW_ACTION_TYPE_PORT_ID, &apid }, 1 },
		{ { RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &aport }, 1 },
		{ { RTE_FLOW_ACTION_TYPE_MARK, &amark }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_SET_META, &ameta }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, &mac }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_SET_MAC_DST, &mac }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_DEC_TTL, NULL }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_COUNT, NULL }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_SET_TTL, &ttl }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_MAC_SWAP, NULL }, 0 },
		{ { RTE_FLOW_ACTION_TYPE_OF_POP_VLAN, NULL }, 0 },
	};
	struct rte_flow_item pat[4];
	item_probe(RTE_FLOW_ITEM_TYPE_IPV4, pat, NULL);
	refused = 0;
	for (size_t i = 0; i < ARRAY_SIZE(acts); i++) {
		struct rte_flow_action list[3] = { acts[i].act, fate,
						   { .type = RTE_FLOW_ACTION_TYPE_END } };
		if (acts[i].is_fate)
			list[1].type = RTE_FLOW_ACTION_TYPE_END;
		struct flow_error err;
		int t = (int)acts[i].act.type;
		int rc = flow_validate(dev, &attr_g0, pat, list, &err);
		if (!flow_caps_action(c, t)) {
			refused++;
			ASSERT_FAILED(rc, err, -ENOTSUP);
			if (rc != -ENOTSUP)
				fprintf(stderr, "  action %s\n", flow_action_name(t));
		} else if (rc) {
			const struct rte_flow_attr tr = { .transfer = 1 };
			if (flow_validate(dev, &tr, pat, list, NULL)) {
				CU_FAIL("caps say supported but validate refuses");
				fprintf(stderr, "  action %s: %s\n", flow_action_name(t),
					err.message);
			}
		}
	}
	CU_ASSERT(refused > 0); /* SET_TTL, MAC_SWAP, OF_POP_VLAN at least */
	flow_close(dev);
}

static void test_invalid_arrays(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct simple_rule s;
	simple_rule(&s, 2, 0);
	struct flow_error err;
	struct flow_rule *rule = (struct flow_rule *)&s; /* must be cleared on failure */
	int rc;

	rc = flow_validate(dev, NULL, s.items, s.actions, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	rc = flow_validate(dev, &attr_g0, NULL, s.actions, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	rc = flow_validate(dev, &attr_g0, s.items, NULL, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	rc = flow_create(dev, NULL, s.items, s.actions, &rule, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_PTR_NULL(rule);

	/* no END within the bound: 40 VOIDs, never read past FLOW_MAX_ITEMS */
	struct rte_flow_item voids[40];
	for (size_t i = 0; i < ARRAY_SIZE(voids); i++)
		voids[i] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_VOID };
	rc = flow_validate(dev, &attr_g0, voids, s.actions, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_EQUAL(err.type, RTE_FLOW_ERROR_TYPE_ITEM_NUM);
	struct rte_flow_action avoids[40];
	for (size_t i = 0; i < ARRAY_SIZE(avoids); i++)
		avoids[i] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_VOID };
	rc = flow_create(dev, &attr_g0, s.items, avoids, &rule, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_EQUAL(err.type, RTE_FLOW_ERROR_TYPE_ACTION_NUM);

	/* mask (or last) without spec */
	struct rte_flow_item bad[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .mask = &rte_flow_item_ipv4_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	rc = flow_validate(dev, &attr_g0, bad, s.actions, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_EQUAL(err.index, 1);
	CU_ASSERT_EQUAL(err.type, RTE_FLOW_ERROR_TYPE_ITEM_MASK);
	bad[1].mask = NULL;
	bad[1].last = &s.ip;
	rc = flow_create(dev, &attr_g0, bad, s.actions, &rule, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_EQUAL(err.index, 1);

	/* unknown types */
	bad[1] = (struct rte_flow_item){ .type = (enum rte_flow_item_type)9999 };
	rc = flow_validate(dev, &attr_g0, bad, s.actions, &err);
	ASSERT_FAILED(rc, err, -ENOTSUP);
	CU_ASSERT_EQUAL(err.index, 1);
	struct rte_flow_action badact[] = {
		{ .type = (enum rte_flow_action_type)-5 },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	rc = flow_validate(dev, &attr_g0, s.items, badact, &err);
	ASSERT_FAILED(rc, err, -ENOTSUP);
	CU_ASSERT_EQUAL(err.index, 0);

	/* reserved attribute bits */
	struct rte_flow_attr ra = { .ingress = 1, .reserved = 1 };
	rc = flow_validate(dev, &ra, s.items, s.actions, &err);
	ASSERT_FAILED(rc, err, -EINVAL);

	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	flow_close(dev);
}

static void test_failed_create_leaves_nothing(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	const struct flow_caps *c = flow_dev_caps(dev);
	/* an action this backend says it cannot do */
	static const int candidates[] = { RTE_FLOW_ACTION_TYPE_MAC_SWAP,
					  RTE_FLOW_ACTION_TYPE_OF_POP_VLAN,
					  RTE_FLOW_ACTION_TYPE_DEC_TTL };
	int t = -1;
	for (size_t i = 0; i < ARRAY_SIZE(candidates) && t < 0; i++)
		if (!flow_caps_action(c, candidates[i]))
			t = candidates[i];
	CU_ASSERT_FATAL(t >= 0);
	struct simple_rule s;
	simple_rule(&s, 3, 0);
	s.actions[1] = s.actions[0];
	s.actions[0] = (struct rte_flow_action){ .type = t };
	s.actions[2].type = RTE_FLOW_ACTION_TYPE_END;
	struct flow_rule *rule = NULL;
	struct flow_error err;
	int rc = flow_create(dev, &attr_g0, s.items, s.actions, &rule, &err);
	ASSERT_FAILED(rc, err, -ENOTSUP);
	CU_ASSERT_PTR_NULL(rule);
	CU_ASSERT_EQUAL(err.type, RTE_FLOW_ERROR_TYPE_ACTION);
	CU_ASSERT_EQUAL(err.index, 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	flow_close(dev);
}

static void test_bad_handles(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct flow_error err;
	struct flow_counters ctr;
	int rc = flow_destroy(dev, NULL, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	rc = flow_query(dev, NULL, 0, &ctr, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	rc = flow_destroy(NULL, NULL, NULL);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	/* flush of an empty device succeeds */
	CU_ASSERT_EQUAL(flow_flush(dev, &err), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	flow_close(dev);
	flow_close(NULL);
}

/* ---- tests that need an installed rule ----------------------------------------- */

static void test_create_destroy_double_destroy(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct simple_rule s;
	simple_rule(&s, 4, 0);
	struct flow_rule *rule = NULL;
	struct flow_error err;
	CU_ASSERT_EQUAL_FATAL(flow_create(dev, &attr_g0, s.items, s.actions, &rule, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(rule);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 1);
	CU_ASSERT_EQUAL(flow_destroy(dev, rule, &err), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	int rc = flow_destroy(dev, rule, &err);
	ASSERT_FAILED(rc, err, -ENOENT);
	/* the same rule can be installed again */
	CU_ASSERT_EQUAL(flow_create(dev, &attr_g0, s.items, s.actions, &rule, &err), 0);
	/* a handle is only good on its own device */
	struct flow_dev *other = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	rc = flow_destroy(other, rule, &err);
	ASSERT_FAILED(rc, err, -EXDEV);
	CU_ASSERT_EQUAL(flow_destroy(dev, rule, &err), 0);
	flow_close(other);
	flow_close(dev);
}

static void test_flush_empties(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct flow_rule *rules[20];
	struct flow_error err;
	for (uint32_t i = 0; i < ARRAY_SIZE(rules); i++) {
		struct simple_rule s;
		simple_rule(&s, 100 + i, 0);
		CU_ASSERT_EQUAL_FATAL(flow_create(dev, &attr_g0, s.items, s.actions, &rules[i], &err), 0);
	}
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), ARRAY_SIZE(rules));
	CU_ASSERT_EQUAL(flow_flush(dev, &err), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(rules); i++) {
		int rc = flow_destroy(dev, rules[i], &err);
		ASSERT_FAILED(rc, err, -ENOENT);
	}
	/* the device is usable after a flush, with the same rules */
	struct simple_rule s;
	simple_rule(&s, 100, 0);
	struct flow_rule *r;
	CU_ASSERT_EQUAL(flow_create(dev, &attr_g0, s.items, s.actions, &r, &err), 0);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 1);
	flow_close(dev); /* closes with a rule installed: flushed, no leak */
}

static void test_query(void)
{
	struct flow_dev *dev = open_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct flow_error err;
	struct simple_rule s1, s2;
	simple_rule(&s1, 5, 1);
	simple_rule(&s2, 6, 0);
	struct flow_rule *counted, *plain;
	CU_ASSERT_EQUAL_FATAL(flow_create(dev, &attr_g0, s1.items, s1.actions, &counted, &err), 0);
	CU_ASSERT_EQUAL_FATAL(flow_create(dev, &attr_g0, s2.items, s2.actions, &plain, &err), 0);
	struct flow_counters ctr = { 77, 77 };
	CU_ASSERT_EQUAL(flow_query(dev, counted, 0, &ctr, &err), 0);
	CU_ASSERT_EQUAL(ctr.hits, 0); /* nothing was sent */
	CU_ASSERT_EQUAL(ctr.bytes, 0);
	int rc = flow_query(dev, plain, 0, &ctr, &err);
	ASSERT_FAILED(rc, err, -ENOTSUP);
	rc = flow_query(dev, counted, 0, NULL, &err);
	ASSERT_FAILED(rc, err, -EINVAL);
	CU_ASSERT_EQUAL(flow_destroy(dev, counted, &err), 0);
	rc = flow_query(dev, counted, 0, &ctr, &err);
	ASSERT_FAILED(rc, err, -ENOENT);
	flow_close(dev);
}

static void test_capacity_exhaustion(void)
{
	/* groups of 3 rules, group 2 of none */
	struct flow_dev *dev = open_dev_cap(3, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_EQUAL(flow_dev_caps(dev)->group_capacity[1], 3);
	CU_ASSERT_EQUAL(flow_dev_caps(dev)->group_capacity[2], 0);
	struct flow_error err;
	struct flow_rule *r[4];
	const struct rte_flow_attr g1 = { .ingress = 1, .group = 1 };
	for (uint32_t i = 0; i < 3; i++) {
		struct simple_rule s;
		simple_rule(&s, 200 + i, 0);
		CU_ASSERT_EQUAL_FATAL(flow_create(dev, &g1, s.items, s.actions, &r[i], &err), 0);
	}
	struct simple_rule s;
	simple_rule(&s, 203, 0);
	/* validate checks capabilities, not room */
	CU_ASSERT_EQUAL(flow_validate(dev, &g1, s.items, s.actions, &err), 0);
	int rc = flow_create(dev, &g1, s.items, s.actions, &r[3], &err);
	ASSERT_FAILED(rc, err, -ENOSPC);
	CU_ASSERT_STRING_EQUAL(err.message, "group 1 full (capacity 3)");
	CU_ASSERT_PTR_NULL(r[3]);
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 3);
	/* room again after a destroy */
	CU_ASSERT_EQUAL(flow_destroy(dev, r[0], &err), 0);
	CU_ASSERT_EQUAL(flow_create(dev, &g1, s.items, s.actions, &r[3], &err), 0);
	/* a group of capacity 0 refuses every create */
	const struct rte_flow_attr g2 = { .ingress = 1, .group = 2 };
	struct flow_rule *x;
	rc = flow_create(dev, &g2, s.items, s.actions, &x, &err);
	ASSERT_FAILED(rc, err, -ENOSPC);
	CU_ASSERT_STRING_EQUAL(err.message, "group 2 full (capacity 0)");
	/* other groups are unaffected */
	CU_ASSERT_EQUAL(flow_create(dev, &attr_g0, s.items, s.actions, &x, &err), 0);
	flow_close(dev);
}

/* ---- suites -------------------------------------------------------------------------- */

/* Tests that need the backend to install a rule, and those that need a
 * configurable capacity. */
static const char *const needs_create[] = { "test_create_destroy_double_destroy",
					    "test_flush_empties", "test_query",
					    "test_capacity_exhaustion" };

static const struct unit_test contract_tests[] = {
	UNIT_TEST(test_open_reports_caps),
	UNIT_TEST(test_validate_installs_nothing),
	UNIT_TEST(test_caps_match_validate),
	UNIT_TEST(test_invalid_arrays),
	UNIT_TEST(test_failed_create_leaves_nothing),
	UNIT_TEST(test_bad_handles),
	UNIT_TEST(test_create_destroy_double_destroy),
	UNIT_TEST(test_flush_empties),
	UNIT_TEST(test_query),
	UNIT_TEST(test_capacity_exhaustion),
	{ NULL, NULL },
};

/* Mark tests of the running suite inactive, visibly. */
static void deactivate(const char *suite, const char *test, const char *why)
{
	CU_pSuite s = CU_get_suite(suite);
	CU_pTest t = s ? CU_get_test(s, test) : NULL;
	printf("\nSKIP: %s/%s: %s\n", suite, test, why);
	if (t) {
		/* an inactive test is reported as such, not as a failure */
		CU_set_fail_on_inactive(CU_FALSE);
		CU_set_test_active(t, CU_FALSE);
	}
}

static void deactivate_all(const char *suite, const struct unit_test *tests, const char *why)
{
	for (const struct unit_test *t = tests; t->name; t++)
		deactivate(suite, t->name, why);
}

/* Can this backend install the simplest rule? Answers cur_can_create. */
static void probe_create(void)
{
	struct flow_dev *dev = NULL;
	struct flow_params p = { .name = "contract-probe", .port_id = rte_port };
	struct flow_error err;
	cur_can_create = 0;
	if (flow_open(cur->ops, &p, &dev, &err)) {
		snprintf(cur_create_why, sizeof(cur_create_why), "open failed: %s", err.message);
		return;
	}
	struct simple_rule s;
	simple_rule(&s, 9, 0);
	struct flow_rule *r;
	if (flow_create(dev, &attr_g0, s.items, s.actions, &r, &err) == 0) {
		cur_can_create = 1;
		flow_destroy(dev, r, NULL);
	} else {
		snprintf(cur_create_why, sizeof(cur_create_why), "%s", err.message);
	}
	flow_close(dev);
}

#ifdef CONFIG_FLOW_SOFT
static const struct flow_case case_soft = { "flow_contract_soft", &flow_soft_ops, 1 };

static int init_soft(void)
{
	cur = &case_soft;
	probe_create();
	return cur_can_create ? 0 : -1; /* the soft backend must always create */
}

static const struct unit_suite suite_soft = { "flow_contract_soft", init_soft, NULL,
					      contract_tests };
UNIT_SUITE_REGISTER(flow_contract_soft, suite_soft);
#endif

#ifdef CONFIG_FLOW_RTE
static const struct flow_case case_rte = { "flow_contract_rte_flow", &flow_rte_ops, 0 };

static int init_rte(void)
{
	cur = &case_rte;
	int st = rte_env_up();
	if (st == -1) {
		printf("\nSKIP: %s: %s\n", case_rte.suite, rte_skip_why);
		deactivate_all(case_rte.suite, contract_tests, rte_skip_why);
		return 0;
	}
	if (st != 1) {
		fprintf(stderr, "%s: %s\n", case_rte.suite, rte_skip_why);
		return -1;
	}
	probe_create();
	char why[FLOW_ERROR_MSG_MAX + 180];
	if (!cur_can_create) {
		snprintf(why, sizeof(why),
			 "rte_flow cannot create rules on this port (DPDK: \"%s\"); the create "
			 "path runs on the hardware rig",
			 cur_create_why);
		for (size_t i = 0; i < ARRAY_SIZE(needs_create); i++)
			deactivate(case_rte.suite, needs_create[i], why);
	} else {
		deactivate(case_rte.suite, "test_capacity_exhaustion",
			   "rte_flow table capacities are the NIC's, not configurable");
	}
	return 0;
}

static const struct unit_suite suite_rte = { "flow_contract_rte_flow", init_rte, NULL,
					     contract_tests };
UNIT_SUITE_REGISTER(flow_contract_rte_flow, suite_rte);

/* ---- the rte_flow reject path, against DPDK's own answers ------------------------ */

static struct flow_dev *rte_dev_open(void)
{
	struct flow_params p = { .name = "reject", .port_id = rte_port };
	struct flow_dev *dev = NULL;
	CU_ASSERT_EQUAL(flow_open(&flow_rte_ops, &p, &dev, NULL), 0);
	return dev;
}

static void test_rte_refused_with_dpdk_text(void)
{
	struct flow_dev *dev = rte_dev_open();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	const struct rte_flow_action_set_mac mac = { .mac_addr = { 2, 0, 0, 0, 0, 9 } };
	const struct rte_flow_action_port_id pid = { .id = rte_port };
	const struct rte_flow_action refused[] = {
		{ RTE_FLOW_ACTION_TYPE_SET_MAC_DST, &mac },
		{ RTE_FLOW_ACTION_TYPE_DEC_TTL, NULL },
		{ RTE_FLOW_ACTION_TYPE_PORT_ID, &pid },
	};
	struct simple_rule s;
	simple_rule(&s, 10, 0);
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		struct rte_flow_action acts[3] = { refused[i], s.actions[0],
						   { .type = RTE_FLOW_ACTION_TYPE_END } };
		if (refused[i].type == RTE_FLOW_ACTION_TYPE_PORT_ID)
			acts[1].type = RTE_FLOW_ACTION_TYPE_END; /* a fate by itself */
		CU_ASSERT(!flow_caps_action(flow_dev_caps(dev), (int)refused[i].type));
		/* what DPDK says about it on the same port */
		struct rte_flow_error re;
		memset(&re, 0, sizeof(re));
		int drc = rte_flow_validate(rte_port, &attr_g0, s.items, acts, &re);
		CU_ASSERT_EQUAL(drc, -ENOTSUP);
		CU_ASSERT_PTR_NOT_NULL_FATAL(re.message);
		/* what the driver reports, through validate and through create */
		struct flow_error err;
		int rc = flow_validate(dev, &attr_g0, s.items, acts, &err);
		ASSERT_FAILED(rc, err, drc);
		CU_ASSERT_STRING_EQUAL(err.message, re.message);
		CU_ASSERT_EQUAL(err.type, re.type);
		CU_ASSERT_EQUAL(err.index, re.cause == &acts[0] ? 0 : -1);
		struct flow_rule *r = NULL;
		rc = flow_create(dev, &attr_g0, s.items, acts, &r, &err);
		ASSERT_FAILED(rc, err, drc);
		CU_ASSERT_STRING_EQUAL(err.message, re.message);
		CU_ASSERT_PTR_NULL(r);
	}
	CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	flow_close(dev);
}

static void test_rte_queue_validates_create_keeps_dpdk_error(void)
{
	struct flow_dev *dev = rte_dev_open();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	struct simple_rule s;
	simple_rule(&s, 11, 0);
	struct flow_error err;
	CU_ASSERT_EQUAL(flow_validate(dev, &attr_g0, s.items, s.actions, &err), 0);
	struct flow_rule *r = NULL;
	int rc = flow_create(dev, &attr_g0, s.items, s.actions, &r, &err);
	/* DPDK's own create of the same rule on the same port */
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	rte_errno = 0;
	struct rte_flow *f = rte_flow_create(rte_port, &attr_g0, s.items, s.actions, &re);
	if (f) { /* a NIC that can create (hardware rig): both must succeed */
		CU_ASSERT_EQUAL(rc, 0);
		rte_flow_destroy(rte_port, f, NULL);
		if (!rc)
			CU_ASSERT_EQUAL(flow_destroy(dev, r, &err), 0);
	} else {
		printf("\n  net_tap create refused as expected here: %d \"%s\"\n", -rte_errno,
		       re.message ? re.message : "");
		ASSERT_FAILED(rc, err, -rte_errno);
		CU_ASSERT_PTR_NOT_NULL_FATAL(re.message);
		CU_ASSERT_STRING_EQUAL(err.message, re.message);
		CU_ASSERT_EQUAL(err.type, re.type);
		CU_ASSERT_PTR_NULL(r);
		CU_ASSERT_EQUAL(flow_dev_rule_count(dev), 0);
	}
	flow_close(dev);
}

static void test_rte_bad_port(void)
{
	struct flow_params p = { .name = "nope", .port_id = 4000 };
	struct flow_dev *dev = (struct flow_dev *)&p;
	struct flow_error err;
	dfn_log_set_quiet(1); /* logs the refusal on purpose */
	int rc = flow_open(&flow_rte_ops, &p, &dev, &err);
	dfn_log_set_quiet(0);
	ASSERT_FAILED(rc, err, -ENODEV);
	CU_ASSERT_PTR_NULL(dev);
}

static const struct unit_test rte_reject_tests[] = {
	UNIT_TEST(test_rte_refused_with_dpdk_text),
	UNIT_TEST(test_rte_queue_validates_create_keeps_dpdk_error),
	UNIT_TEST(test_rte_bad_port),
	{ NULL, NULL },
};

static int init_rte_reject(void)
{
	int st = rte_env_up();
	if (st == -1) {
		printf("\nSKIP: flow_rte_reject: %s\n", rte_skip_why);
		deactivate_all("flow_rte_reject", rte_reject_tests, rte_skip_why);
		return 0;
	}
	if (st != 1) {
		fprintf(stderr, "flow_rte_reject: %s\n", rte_skip_why);
		return -1;
	}
	return 0;
}

static const struct unit_suite suite_rte_reject = { "flow_rte_reject", init_rte_reject, NULL,
						    rte_reject_tests };
UNIT_SUITE_REGISTER(flow_rte_reject, suite_rte_reject);
#endif
