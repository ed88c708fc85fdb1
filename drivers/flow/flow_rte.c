/* drivers/flow/flow_rte.c: the "rte_flow" flow backend behind
 * flow_rte_ops (flow.h): DPDK's rte_flow on one ethdev port of a real NIC.
 *
 * The caller (the firmware) initialises the EAL and configures the port
 * (Rx queues included) before flow_open(); this backend never starts,
 * stops or closes the port. At open it probes the port: it validates one
 * representative rule per item and action type the compiler may emit
 * and records what the PMD accepts as the device's capabilities. Every
 * create is validated first, then created. Errors keep DPDK's
 * rte_flow_error verbatim: its message text and type, and the index of
 * the item/action its `cause` points at.
 *
 * On the development machines no virtual device can create a rule
 * (net_tap validates ETH/IPV4 -> QUEUE/DROP but the kernel has no flower
 * classifier), so only the validate and reject paths run in CI; the create
 * path is exercised on the hardware-in-loop rig (README.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"

#define MOD "flow-rte"

/* The backend's handle of one rule. */
struct rte_rule {
	struct rte_rule *prev, *next;   /* the device's rule list (for flush) */
	struct rte_flow *flow;          /* DPDK's handle */
	uint8_t has_count;              /* the rule has a COUNT action */
	struct rte_flow_action_count count; /* its configuration (for query) */
};

struct rte_dev {
	uint16_t port;         /* ethdev port id */
	struct rte_rule head;  /* sentinel of the circular rule list */
};

static struct rte_dev *rdev(struct flow_dev *dev) { return flow_dev_priv(dev); }

/* Index of the entry `cause` points into, or -1. */
static int cause_index(const void *cause, const void *base, size_t elem, int n)
{
	if (!cause || !base)
		return -1;
	const char *c = cause, *b = base;
	if (c < b || c >= b + elem * (size_t)n)
		return -1;
	return (int)((size_t)(c - b) / elem);
}

static int count_items(const struct rte_flow_item items[])
{
	int n = 0;
	while (n < FLOW_MAX_ITEMS && items[n].type != RTE_FLOW_ITEM_TYPE_END)
		n++;
	return n + 1;
}

static int count_actions(const struct rte_flow_action actions[])
{
	int n = 0;
	while (n < FLOW_MAX_ACTIONS && actions[n].type != RTE_FLOW_ACTION_TYPE_END)
		n++;
	return n + 1;
}

/* Copy DPDK's error into ours, verbatim. */
static int keep_rte_error(int rc, const struct rte_flow_error *re,
			  const struct rte_flow_item items[], const struct rte_flow_action actions[],
			  struct flow_error *err)
{
	if (rc >= 0)
		rc = -EIO;
	int idx = -1;
	if (re->type >= RTE_FLOW_ERROR_TYPE_ITEM_NUM && re->type <= RTE_FLOW_ERROR_TYPE_ITEM)
		idx = cause_index(re->cause, items, sizeof(*items), count_items(items));
	else if (re->type >= RTE_FLOW_ERROR_TYPE_ACTION_NUM && re->type <= RTE_FLOW_ERROR_TYPE_ACTION)
		idx = cause_index(re->cause, actions, sizeof(*actions), count_actions(actions));
	if (re->message && re->message[0])
		return flow_error_set(err, rc, re->type, idx, "%s", re->message);
	return flow_error_set(err, rc, re->type, idx, "rte_flow: %s (no message from the PMD)",
			      strerror(-rc));
}

static int rte_open(struct flow_dev *dev, const struct flow_params *p, struct flow_error *err)
{
	if (!rte_eth_dev_is_valid_port(p->port_id))
		return flow_error_set(err, -ENODEV, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "rte_flow: port %u is not a valid ethdev port (EAL not "
				      "initialised, or no such device)",
				      p->port_id);
	struct rte_dev *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "rte_flow: out of memory");
	rd->port = p->port_id;
	rd->head.next = rd->head.prev = &rd->head;
	flow_dev_set_priv(dev, rd);
	return 0;
}

static void rte_close(struct flow_dev *dev)
{
	struct rte_dev *rd = rdev(dev);
	if (!rd)
		return;
	/* flow_close() flushed already; free whatever a failed flush left. */
	while (rd->head.next != &rd->head) {
		struct rte_rule *r = rd->head.next;
		r->prev->next = r->next;
		r->next->prev = r->prev;
		free(r);
	}
	free(rd);
	flow_dev_set_priv(dev, NULL);
}

/* ---- capability probe ----------------------------------------------------------- */

/* Does the PMD accept this pattern/action list with any of a few
 * attribute sets (ingress or transfer, group 0 or 1)? */
static int accepts(uint16_t port, const struct rte_flow_item *pat,
		   const struct rte_flow_action *acts)
{
	static const struct rte_flow_attr attrs[] = {
		{ .ingress = 1 },
		{ .ingress = 1, .group = 1 },
		{ .transfer = 1 },
		{ .transfer = 1, .group = 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		struct rte_flow_error re;
		memset(&re, 0, sizeof(re));
		if (rte_flow_validate(port, &attrs[i], pat, acts, &re) == 0)
			return 1;
	}
	return 0;
}

/* With a terminal fate appended (QUEUE 0, else DROP) unless `act` is one. */
static int accepts_action(uint16_t port, const struct rte_flow_item *pat,
			  const struct rte_flow_action *act, int is_fate)
{
	static const struct rte_flow_action_queue q0 = { .index = 0 };
	struct rte_flow_action acts[3] = { *act, { .type = RTE_FLOW_ACTION_TYPE_END },
					   { .type = RTE_FLOW_ACTION_TYPE_END } };
	if (is_fate)
		return accepts(port, pat, acts);
	acts[1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q0 };
	if (accepts(port, pat, acts))
		return 1;
	acts[1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_DROP };
	return accepts(port, pat, acts);
}

#define PI(t, s) { .type = RTE_FLOW_ITEM_TYPE_##t, .spec = (s) }
#define PEND { .type = RTE_FLOW_ITEM_TYPE_END }

static int rte_probe(struct flow_dev *dev, struct flow_caps *caps, struct flow_error *err)
{
	uint16_t port = rdev(dev)->port;
	const struct rte_flow_item_mark mark = { .id = 1 };
	const struct rte_flow_item_meta meta = { .data = 1 };
	const struct rte_flow_item_port_id pid = { .id = port };
	const struct rte_flow_item_ethdev eport = { .port_id = port };

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	/* One representative pattern ending in each item type. */
	const struct {
		int type;                          /* the item probed */
		struct rte_flow_item pat[5];       /* a pattern ending in it */
	} item_probes[] = {
		{ RTE_FLOW_ITEM_TYPE_ETH, { PI(ETH, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_VLAN, { PI(ETH, NULL), PI(VLAN, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_IPV4, { PI(ETH, NULL), PI(IPV4, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_UDP, { PI(ETH, NULL), PI(IPV4, NULL), PI(UDP, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_TCP, { PI(ETH, NULL), PI(IPV4, NULL), PI(TCP, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_VXLAN,
		  { PI(ETH, NULL), PI(IPV4, NULL), PI(UDP, NULL), PI(VXLAN, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4, { PI(ETH, NULL), PI(ARP_ETH_IPV4, NULL), PEND } },
		{ RTE_FLOW_ITEM_TYPE_MARK, { PI(MARK, &mark), PEND } },
		{ RTE_FLOW_ITEM_TYPE_META, { PI(META, &meta), PEND } },
		{ RTE_FLOW_ITEM_TYPE_PORT_ID, { PI(PORT_ID, &pid), PEND } },
		{ RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, { PI(REPRESENTED_PORT, &eport), PEND } },
	};
	static const struct rte_flow_action_queue q0 = { .index = 0 };
	const struct rte_flow_action drop = { .type = RTE_FLOW_ACTION_TYPE_DROP };
	const struct rte_flow_action qact = { .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q0 };
	for (size_t i = 0; i < ARRAY_SIZE(item_probes); i++)
		if (accepts_action(port, item_probes[i].pat, &qact, 1) ||
		    accepts_action(port, item_probes[i].pat, &drop, 1))
			flow_caps_set_item(caps, item_probes[i].type, 1);

	/* One representative action of each type on ETH / IPV4 (VXLAN_DECAP
	 * on ETH / IPV4 / UDP / VXLAN). */
	const struct rte_flow_action_jump jump = { .group = 1 };
	const struct rte_flow_action_mark amark = { .id = 1 };
	const struct rte_flow_action_set_meta ameta = { .data = 1, .mask = UINT32_MAX };
	const struct rte_flow_action_set_mac mac = { .mac_addr = { 0x02, 0, 0, 0, 0, 1 } };
	const struct rte_flow_action_port_id apid = { .id = port };
	const struct rte_flow_action_ethdev aport = { .port_id = port };
	const struct rte_flow_action_count cnt = { .id = 0 };
	const struct rte_flow_item_eth e_eth = {
		.hdr.dst_addr.addr_bytes = { 0x02, 0, 0, 0, 0, 2 },
		.hdr.src_addr.addr_bytes = { 0x02, 0, 0, 0, 0, 1 },
		.hdr.ether_type = RTE_BE16(0x0800),
	};
	const struct rte_flow_item_ipv4 e_ip = { .hdr = { .version_ihl = 0x45, .time_to_live = 64,
							  .next_proto_id = 17,
							  .src_addr = RTE_BE32(0x0a000001),
							  .dst_addr = RTE_BE32(0x0a000002) } };
	const struct rte_flow_item_udp e_udp = { .hdr = { .dst_port = RTE_BE16(4789) } };
	const struct rte_flow_item_vxlan e_vx = { .flags = 0x08, .vni = { 0, 0, 1 } };
	struct rte_flow_item e_def[] = { PI(ETH, &e_eth), PI(IPV4, &e_ip), PI(UDP, &e_udp),
					 PI(VXLAN, &e_vx), PEND };
	const struct rte_flow_action_vxlan_encap encap = { .definition = e_def };
	const struct rte_flow_item l3[] = { PI(ETH, NULL), PI(IPV4, NULL), PEND };
	const struct rte_flow_item vx[] = { PI(ETH, NULL), PI(IPV4, NULL), PI(UDP, NULL),
					    PI(VXLAN, NULL), PEND };
	const struct {
		struct rte_flow_action act;      /* the action probed */
		int is_fate;                     /* terminal by itself */
		const struct rte_flow_item *pat; /* pattern to probe it on */
	} action_probes[] = {
		{ { RTE_FLOW_ACTION_TYPE_JUMP, &jump }, 1, l3 },
		{ { RTE_FLOW_ACTION_TYPE_QUEUE, &q0 }, 1, l3 },
		{ { RTE_FLOW_ACTION_TYPE_DROP, NULL }, 1, l3 },
		{ { RTE_FLOW_ACTION_TYPE_PORT_ID, &apid }, 1, l3 },
		{ { RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &aport }, 1, l3 },
		{ { RTE_FLOW_ACTION_TYPE_MARK, &amark }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_SET_META, &ameta }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, &mac }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_SET_MAC_DST, &mac }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_DEC_TTL, NULL }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_COUNT, &cnt }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_VXLAN_ENCAP, &encap }, 0, l3 },
		{ { RTE_FLOW_ACTION_TYPE_VXLAN_DECAP, NULL }, 0, vx },
	};
#pragma GCC diagnostic pop
	for (size_t i = 0; i < ARRAY_SIZE(action_probes); i++)
		if (accepts_action(port, action_probes[i].pat, &action_probes[i].act,
				   action_probes[i].is_fate))
			flow_caps_set_action(caps, (int)action_probes[i].act.type, 1);
	/* VOID is always understood (the core skips nothing: PMDs handle it). */
	flow_caps_set_item(caps, RTE_FLOW_ITEM_TYPE_VOID, 1);
	flow_caps_set_action(caps, RTE_FLOW_ACTION_TYPE_VOID, 1);

	/* Attributes and groups, on the simplest rule the PMD takes. */
	const struct rte_flow_action *fate = flow_caps_action(caps, RTE_FLOW_ACTION_TYPE_QUEUE)
						     ? &qact
						     : &drop;
	const struct rte_flow_action acts[] = { *fate, { .type = RTE_FLOW_ACTION_TYPE_END } };
	struct rte_flow_error re;
	const struct rte_flow_attr a_in = { .ingress = 1 }, a_eg = { .egress = 1 },
				   a_tr = { .transfer = 1 };
	if (!rte_flow_validate(port, &a_in, l3, acts, &re))
		caps->attrs |= FLOW_ATTR_INGRESS;
	if (!rte_flow_validate(port, &a_eg, l3, acts, &re))
		caps->attrs |= FLOW_ATTR_EGRESS;
	if (!rte_flow_validate(port, &a_tr, l3, acts, &re))
		caps->attrs |= FLOW_ATTR_TRANSFER;
	uint32_t g = 0;
	while (g < FLOW_MAX_GROUPS) {
		const struct rte_flow_attr ag = { .ingress = 1, .group = g };
		if (rte_flow_validate(port, &ag, l3, acts, &re))
			break;
		g++;
	}
	/* A PMD that takes every group number we try does not tell its size. */
	caps->n_groups = g == FLOW_MAX_GROUPS ? FLOW_CAP_UNKNOWN : g;
	for (int i = 0; i < FLOW_MAX_GROUPS; i++)
		caps->group_capacity[i] = FLOW_CAP_UNKNOWN;
	caps->max_rules = FLOW_CAP_UNKNOWN;
	caps->max_priority = FLOW_CAP_UNKNOWN;

	char list[512];
	size_t n = 0;
	list[0] = 0;
	for (int t = 1; t < FLOW_TYPE_BITS && n < sizeof(list); t++)
		if (flow_caps_item(caps, t) && t != RTE_FLOW_ITEM_TYPE_VOID)
			n += (size_t)snprintf(list + n, sizeof(list) - n, " %s", flow_item_name(t));
	if (n < sizeof(list))
		n += (size_t)snprintf(list + n, sizeof(list) - n, " |");
	for (int t = 1; t < FLOW_TYPE_BITS && n < sizeof(list); t++)
		if (flow_caps_action(caps, t) && t != RTE_FLOW_ACTION_TYPE_VOID)
			n += (size_t)snprintf(list + n, sizeof(list) - n, " %s",
					      flow_action_name(t));
	LOG_INFO(MOD, "port %u accepts (items | actions):%s", port, list);
	return 0;
}

/* ---- rule ops ------------------------------------------------------------------- */

static int rte_validate(struct flow_dev *dev, const struct rte_flow_attr *attr,
			const struct rte_flow_item items[], const struct rte_flow_action actions[],
			struct flow_error *err)
{
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	int rc = rte_flow_validate(rdev(dev)->port, attr, items, actions, &re);
	if (rc)
		return keep_rte_error(rc, &re, items, actions, err);
	/* The PMD took it; the capabilities are still the contract: a type
	 * that was not probed at open is not offered (README.md). */
	const struct flow_caps *c = flow_dev_caps(dev);
	for (int i = 0; items[i].type != RTE_FLOW_ITEM_TYPE_END; i++)
		if (!flow_caps_item(c, (int)items[i].type))
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d (%s): not in the capabilities probed at open",
					      i, flow_item_name((int)items[i].type));
	for (int i = 0; actions[i].type != RTE_FLOW_ACTION_TYPE_END; i++)
		if (!flow_caps_action(c, (int)actions[i].type))
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
					      "action %d (%s): not in the capabilities probed at "
					      "open",
					      i, flow_action_name((int)actions[i].type));
	return 0;
}

static int rte_create(struct flow_dev *dev, const struct rte_flow_attr *attr,
		      const struct rte_flow_item items[], const struct rte_flow_action actions[],
		      void **drv_rule, struct flow_error *err)
{
	struct rte_dev *rd = rdev(dev);
	int rc = rte_validate(dev, attr, items, actions, err);
	if (rc)
		return rc;
	struct rte_rule *r = calloc(1, sizeof(*r));
	if (!r)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "rte_flow: out of memory");
	for (int i = 0; actions[i].type != RTE_FLOW_ACTION_TYPE_END; i++) {
		if (actions[i].type != RTE_FLOW_ACTION_TYPE_COUNT)
			continue;
		r->has_count = 1;
		if (actions[i].conf)
			r->count = *(const struct rte_flow_action_count *)actions[i].conf;
	}
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	rte_errno = 0;
	r->flow = rte_flow_create(rd->port, attr, items, actions, &re);
	if (!r->flow) {
		rc = keep_rte_error(-(rte_errno ? rte_errno : EIO), &re, items, actions, err);
		free(r);
		return rc;
	}
	r->next = &rd->head;
	r->prev = rd->head.prev;
	rd->head.prev->next = r;
	rd->head.prev = r;
	*drv_rule = r;
	return 0;
}

static int rte_destroy(struct flow_dev *dev, void *drv_rule, struct flow_error *err)
{
	struct rte_dev *rd = rdev(dev);
	struct rte_rule *r = drv_rule;
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	int rc = rte_flow_destroy(rd->port, r->flow, &re);
	r->prev->next = r->next;
	r->next->prev = r->prev;
	free(r);
	if (rc)
		return keep_rte_error(rc, &re, NULL, NULL, err);
	return 0;
}

static int rte_flush(struct flow_dev *dev, struct flow_error *err)
{
	struct rte_dev *rd = rdev(dev);
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	int rc = rte_flow_flush(rd->port, &re);
	while (rd->head.next != &rd->head) {
		struct rte_rule *r = rd->head.next;
		r->prev->next = r->next;
		r->next->prev = r->prev;
		free(r);
	}
	if (rc)
		return keep_rte_error(rc, &re, NULL, NULL, err);
	return 0;
}

static int rte_query(struct flow_dev *dev, void *drv_rule, int reset, struct flow_counters *out,
		     struct flow_error *err)
{
	struct rte_rule *r = drv_rule;
	if (!r->has_count)
		return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, -1,
				      "query: the rule has no COUNT action");
	const struct rte_flow_action act[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_COUNT, .conf = &r->count },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_query_count qc;
	memset(&qc, 0, sizeof(qc));
	qc.reset = reset ? 1 : 0;
	struct rte_flow_error re;
	memset(&re, 0, sizeof(re));
	int rc = rte_flow_query(rdev(dev)->port, r->flow, act, &qc, &re);
	if (rc)
		return keep_rte_error(rc, &re, NULL, act, err);
	out->hits = qc.hits_set ? qc.hits : 0;
	out->bytes = qc.bytes_set ? qc.bytes : 0;
	return 0;
}

const struct flow_driver_ops flow_rte_ops = {
	.name = "rte_flow",
	.open = rte_open,
	.probe = rte_probe,
	.validate = rte_validate,
	.create = rte_create,
	.destroy = rte_destroy,
	.flush = rte_flush,
	.query = rte_query,
	.close = rte_close,
};
