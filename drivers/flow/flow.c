/* drivers/flow/flow.c: the flow core (flow.h). Wraps the backend ops
 * (-ENOSYS for a missing one), runs the generic checks every item/action
 * array passes before any backend sees it, owns the rule handles (a slab
 * per device with a FIFO quarantine so a double destroy is detected
 * without touching freed memory), and names the rte_flow types for the
 * messages of every backend. flow_soft.c and flow_rte.c sit under it. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"

#define MOD "flow"

/* ---- type names (X-macros over DPDK 22.11's public enums) ---------------- */

#define FLOW_ITEM_TYPES(X)                                                          \
	X(END) X(VOID) X(INVERT) X(ANY) X(PORT_ID) X(RAW) X(ETH) X(VLAN) X(IPV4)    \
	X(IPV6) X(ICMP) X(UDP) X(TCP) X(SCTP) X(VXLAN) X(E_TAG) X(NVGRE) X(MPLS)    \
	X(GRE) X(FUZZY) X(GTP) X(GTPC) X(GTPU) X(ESP) X(GENEVE) X(VXLAN_GPE)        \
	X(ARP_ETH_IPV4) X(IPV6_EXT) X(ICMP6) X(ICMP6_ND_NS) X(ICMP6_ND_NA)          \
	X(ICMP6_ND_OPT) X(ICMP6_ND_OPT_SLA_ETH) X(ICMP6_ND_OPT_TLA_ETH) X(MARK)     \
	X(META) X(GRE_KEY) X(GTP_PSC) X(PPPOES) X(PPPOED) X(PPPOE_PROTO_ID) X(NSH)  \
	X(IGMP) X(AH) X(HIGIG2) X(TAG) X(L2TPV3OIP) X(PFCP) X(ECPRI)                \
	X(IPV6_FRAG_EXT) X(GENEVE_OPT) X(INTEGRITY) X(CONNTRACK)                    \
	X(PORT_REPRESENTOR) X(REPRESENTED_PORT) X(FLEX) X(L2TPV2) X(PPP)            \
	X(GRE_OPTION) X(MACSEC) X(METER_COLOR)

#define FLOW_ACTION_TYPES(X)                                                        \
	X(END) X(VOID) X(PASSTHRU) X(JUMP) X(MARK) X(FLAG) X(QUEUE) X(DROP)          \
	X(COUNT) X(RSS) X(PF) X(VF) X(PORT_ID) X(METER) X(SECURITY)                 \
	X(OF_DEC_NW_TTL) X(OF_POP_VLAN) X(OF_PUSH_VLAN) X(OF_SET_VLAN_VID)          \
	X(OF_SET_VLAN_PCP) X(OF_POP_MPLS) X(OF_PUSH_MPLS) X(VXLAN_ENCAP)            \
	X(VXLAN_DECAP) X(NVGRE_ENCAP) X(NVGRE_DECAP) X(RAW_ENCAP) X(RAW_DECAP)      \
	X(SET_IPV4_SRC) X(SET_IPV4_DST) X(SET_IPV6_SRC) X(SET_IPV6_DST)             \
	X(SET_TP_SRC) X(SET_TP_DST) X(MAC_SWAP) X(DEC_TTL) X(SET_TTL)               \
	X(SET_MAC_SRC) X(SET_MAC_DST) X(INC_TCP_SEQ) X(DEC_TCP_SEQ)                 \
	X(INC_TCP_ACK) X(DEC_TCP_ACK) X(SET_TAG) X(SET_META) X(SET_IPV4_DSCP)       \
	X(SET_IPV6_DSCP) X(AGE) X(SAMPLE) X(SHARED) X(MODIFY_FIELD) X(INDIRECT)     \
	X(CONNTRACK) X(METER_COLOR) X(PORT_REPRESENTOR) X(REPRESENTED_PORT)         \
	X(METER_MARK) X(SEND_TO_KERNEL)

/* PORT_ID, RAW_ENCAP, ... are deprecated in 22.11 but still valid types. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static const char *const item_names[FLOW_TYPE_BITS] = {
#define ITEM_NAME(n) [RTE_FLOW_ITEM_TYPE_##n] = #n,
	FLOW_ITEM_TYPES(ITEM_NAME)
#undef ITEM_NAME
};
static const char *const action_names[FLOW_TYPE_BITS] = {
#define ACTION_NAME(n) [RTE_FLOW_ACTION_TYPE_##n] = #n,
	FLOW_ACTION_TYPES(ACTION_NAME)
#undef ACTION_NAME
};
#pragma GCC diagnostic pop

const char *flow_item_name(int type)
{
	if (type < 0 || type >= FLOW_TYPE_BITS || !item_names[type])
		return "?";
	return item_names[type];
}

const char *flow_action_name(int type)
{
	if (type < 0 || type >= FLOW_TYPE_BITS || !action_names[type])
		return "?";
	return action_names[type];
}

static int name_lookup(const char *const *names, const char *name)
{
	if (!name)
		return -1;
	for (int t = 0; t < FLOW_TYPE_BITS; t++)
		if (names[t] && !strcasecmp(names[t], name))
			return t;
	return -1;
}

int flow_item_type_by_name(const char *name) { return name_lookup(item_names, name); }
int flow_action_type_by_name(const char *name) { return name_lookup(action_names, name); }

/* ---- errors and capabilities ------------------------------------------------ */

int flow_error_set(struct flow_error *err, int code, enum rte_flow_error_type type, int index,
		   const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->type = type;
	err->index = index;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

static void set_bit(uint64_t *words, int type, int on)
{
	if (type < 0 || type >= FLOW_TYPE_BITS)
		return;
	if (on)
		words[type / 64] |= 1ull << (type % 64);
	else
		words[type / 64] &= ~(1ull << (type % 64));
}

void flow_caps_set_item(struct flow_caps *c, int type, int on) { set_bit(c->items, type, on); }
void flow_caps_set_action(struct flow_caps *c, int type, int on) { set_bit(c->actions, type, on); }

/* ---- devices and rule handles ----------------------------------------------- */

#define RULE_CHUNK 1024u
#define RULE_LIVE 0x4c495645u /* "LIVE" */
#define RULE_DEAD 0x44454144u /* "DEAD" */

struct flow_rule {
	struct flow_dev *dev;    /* the device that created it */
	void *drv;               /* the backend's handle (NULL once dead) */
	struct flow_rule *prev;  /* live list (NULL while dead) */
	struct flow_rule *next;  /* live list, or the free FIFO while dead */
	uint32_t state;          /* RULE_LIVE or RULE_DEAD */
};

/* Handles come from chunks that stay allocated until flow_close(). */
struct rule_chunk {
	struct rule_chunk *next;             /* older chunk */
	struct flow_rule rules[RULE_CHUNK];  /* the records */
};

struct flow_dev {
	const struct flow_driver_ops *ops; /* the backend */
	void *priv;                        /* its state */
	char name[32];                     /* for logs */
	struct flow_caps caps;             /* what probe reported */
	struct flow_rule live;             /* sentinel of the circular live list */
	uint32_t n_live;                   /* rules installed */
	struct flow_rule *free_head;       /* oldest dead handle (reused first) */
	struct flow_rule *free_tail;       /* newest dead handle */
	uint32_t n_free;                   /* dead handles in the FIFO */
	struct rule_chunk *chunks;         /* newest chunk first */
	uint32_t chunk_used;               /* records handed out from chunks->rules */
};

void *flow_dev_priv(const struct flow_dev *dev) { return dev->priv; }
void flow_dev_set_priv(struct flow_dev *dev, void *priv) { dev->priv = priv; }
const struct flow_caps *flow_dev_caps(const struct flow_dev *dev) { return &dev->caps; }
const char *flow_dev_name(const struct flow_dev *dev) { return dev->name; }
const struct flow_driver_ops *flow_dev_ops(const struct flow_dev *dev) { return dev->ops; }
uint32_t flow_dev_rule_count(const struct flow_dev *dev) { return dev->n_live; }

static struct flow_rule *rule_alloc(struct flow_dev *dev)
{
	struct flow_rule *r;
	if (dev->n_free > FLOW_RULE_QUARANTINE) {
		r = dev->free_head;
		dev->free_head = r->next;
		if (!dev->free_head)
			dev->free_tail = NULL;
		dev->n_free--;
	} else {
		if (!dev->chunks || dev->chunk_used == RULE_CHUNK) {
			struct rule_chunk *c = malloc(sizeof(*c));
			if (!c)
				return NULL;
			c->next = dev->chunks;
			dev->chunks = c;
			dev->chunk_used = 0;
		}
		r = &dev->chunks->rules[dev->chunk_used++];
	}
	r->dev = dev;
	r->state = RULE_LIVE;
	/* link at the tail of the live list */
	r->next = &dev->live;
	r->prev = dev->live.prev;
	dev->live.prev->next = r;
	dev->live.prev = r;
	dev->n_live++;
	return r;
}

/* Unlink a live handle and queue it at the tail of the free FIFO. */
static void rule_kill(struct flow_dev *dev, struct flow_rule *r)
{
	r->prev->next = r->next;
	r->next->prev = r->prev;
	dev->n_live--;
	r->state = RULE_DEAD;
	r->drv = NULL;
	r->prev = NULL;
	r->next = NULL;
	if (dev->free_tail)
		dev->free_tail->next = r;
	else
		dev->free_head = r;
	dev->free_tail = r;
	dev->n_free++;
}

static void free_chunks(struct flow_dev *dev)
{
	struct rule_chunk *c = dev->chunks;
	while (c) {
		struct rule_chunk *next = c->next;
		free(c);
		c = next;
	}
	dev->chunks = NULL;
}

const struct flow_driver_ops *flow_driver_find(const char *name)
{
	if (!name)
		return NULL;
#ifdef CONFIG_FLOW_SOFT
	if (!strcmp(name, flow_soft_ops.name))
		return &flow_soft_ops;
#endif
#ifdef CONFIG_FLOW_RTE
	if (!strcmp(name, flow_rte_ops.name))
		return &flow_rte_ops;
#endif
	return NULL;
}

/* After a failing op: make sure the error is complete. */
static int finish_error(struct flow_dev *dev, const char *op, int rc, struct flow_error *err)
{
	if (rc >= 0)
		rc = -EIO; /* a backend bug: failures are negative */
	err->code = rc;
	if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "%s: %s failed: %s",
			 dev ? dev->ops->name : "flow", op, strerror(-rc));
	return rc;
}

#define SCRATCH_ERR(err)                   \
	struct flow_error scratch_err_;    \
	if (!(err))                        \
		(err) = &scratch_err_;     \
	memset((err), 0, sizeof(*(err)));  \
	(err)->index = -1

int flow_open(const struct flow_driver_ops *ops, const struct flow_params *p,
	      struct flow_dev **out, struct flow_error *err)
{
	SCRATCH_ERR(err);
	if (!out)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "flow_open: NULL out");
	*out = NULL;
	if (!ops || !ops->name)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "flow_open: no driver");
	if (!ops->open || !ops->probe || !ops->close)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s lacks a required op (open/probe/close)", ops->name);
	struct flow_params dflt = { 0 };
	if (!p)
		p = &dflt;
	struct flow_dev *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "flow_open: out of memory");
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "%s", p->name ? p->name : ops->name);
	dev->live.next = dev->live.prev = &dev->live;
	int rc = ops->open(dev, p, err);
	if (rc)
		goto free_dev;
	snprintf(dev->caps.driver, sizeof(dev->caps.driver), "%s", ops->name);
	rc = ops->probe(dev, &dev->caps, err);
	if (rc)
		goto close_backend;
	LOG_INFO(MOD, "%s: opened %s backend", dev->name, ops->name);
	*out = dev;
	return 0;

close_backend:
	ops->close(dev);
free_dev:
	rc = finish_error(dev, "open", rc, err);
	LOG_ERR(MOD, "%s: cannot open %s backend: %s", dev->name, ops->name, err->message);
	free(dev);
	return rc;
}

void flow_close(struct flow_dev *dev)
{
	if (!dev)
		return;
	if (dev->n_live) {
		struct flow_error err;
		int rc = flow_flush(dev, &err);
		if (rc)
			LOG_ERR(MOD, "%s: flush at close failed: %s", dev->name, err.message);
	}
	dev->ops->close(dev);
	free_chunks(dev);
	LOG_INFO(MOD, "%s: closed", dev->name);
	free(dev);
}

int flow_check_arrays(const struct rte_flow_attr *attr, const struct rte_flow_item items[],
		      const struct rte_flow_action actions[], struct flow_error *err)
{
	if (!attr)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ATTR, -1, "attr: NULL");
	if (attr->reserved)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ATTR, -1,
				      "attr: reserved bits set");
	if (!items)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_NUM, -1,
				      "pattern: NULL");
	if (!actions)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, -1,
				      "actions: NULL");
	int i;
	for (i = 0; i < FLOW_MAX_ITEMS; i++) {
		const struct rte_flow_item *it = &items[i];
		int t = (int)it->type;
		if (t == RTE_FLOW_ITEM_TYPE_END)
			break;
		if (t < 0 || t >= FLOW_TYPE_BITS || !item_names[t])
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, i,
					      "item %d: unknown type %d", i, t);
		if (!it->spec && it->mask)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_MASK, i,
					      "item %d (%s): mask without spec", i, item_names[t]);
		if (!it->spec && it->last)
			return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_LAST, i,
					      "item %d (%s): last without spec", i, item_names[t]);
	}
	if (i == FLOW_MAX_ITEMS)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_NUM, -1,
				      "pattern: no END within %d items", FLOW_MAX_ITEMS);
	for (i = 0; i < FLOW_MAX_ACTIONS; i++) {
		int t = (int)actions[i].type;
		if (t == RTE_FLOW_ACTION_TYPE_END)
			break;
		if (t < 0 || t >= FLOW_TYPE_BITS || !action_names[t])
			return flow_error_set(err, -ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, i,
					      "action %d: unknown type %d", i, t);
	}
	if (i == FLOW_MAX_ACTIONS)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, -1,
				      "actions: no END within %d actions", FLOW_MAX_ACTIONS);
	return 0;
}

int flow_validate(struct flow_dev *dev, const struct rte_flow_attr *attr,
		  const struct rte_flow_item items[], const struct rte_flow_action actions[],
		  struct flow_error *err)
{
	SCRATCH_ERR(err);
	if (!dev)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "no device");
	if (!dev->ops->validate)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s has no validate op", dev->ops->name);
	int rc = flow_check_arrays(attr, items, actions, err);
	if (rc)
		return rc;
	rc = dev->ops->validate(dev, attr, items, actions, err);
	return rc ? finish_error(dev, "validate", rc, err) : 0;
}

int flow_create(struct flow_dev *dev, const struct rte_flow_attr *attr,
		const struct rte_flow_item items[], const struct rte_flow_action actions[],
		struct flow_rule **rule, struct flow_error *err)
{
	SCRATCH_ERR(err);
	if (rule)
		*rule = NULL;
	if (!dev || !rule)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "no device or no rule out-parameter");
	if (!dev->ops->create)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s has no create op", dev->ops->name);
	int rc = flow_check_arrays(attr, items, actions, err);
	if (rc)
		return rc;
	/* Take the handle first: a backend rule without a handle could not be
	 * destroyed. */
	struct flow_rule *r = rule_alloc(dev);
	if (!r)
		return flow_error_set(err, -ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "out of memory for a rule handle");
	void *drv = NULL;
	rc = dev->ops->create(dev, attr, items, actions, &drv, err);
	if (rc) {
		rule_kill(dev, r);
		return finish_error(dev, "create", rc, err);
	}
	r->drv = drv;
	*rule = r;
	return 0;
}

/* Common checks of a handle passed back by the caller. */
static int check_rule(struct flow_dev *dev, struct flow_rule *rule, struct flow_error *err)
{
	if (!dev || !rule)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "no device or no rule");
	if (rule->dev != dev)
		return flow_error_set(err, -EXDEV, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "rule belongs to another device");
	if (rule->state != RULE_LIVE)
		return flow_error_set(err, -ENOENT, RTE_FLOW_ERROR_TYPE_HANDLE, -1,
				      "rule already destroyed");
	return 0;
}

int flow_destroy(struct flow_dev *dev, struct flow_rule *rule, struct flow_error *err)
{
	SCRATCH_ERR(err);
	int rc = check_rule(dev, rule, err);
	if (rc)
		return rc;
	if (!dev->ops->destroy)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s has no destroy op", dev->ops->name);
	rc = dev->ops->destroy(dev, rule->drv, err);
	/* The backend freed its handle either way (ops contract). */
	rule_kill(dev, rule);
	return rc ? finish_error(dev, "destroy", rc, err) : 0;
}

int flow_flush(struct flow_dev *dev, struct flow_error *err)
{
	SCRATCH_ERR(err);
	if (!dev)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "no device");
	if (!dev->ops->flush)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s has no flush op", dev->ops->name);
	int rc = dev->ops->flush(dev, err);
	/* The backend freed all its handles either way (ops contract). */
	while (dev->live.next != &dev->live)
		rule_kill(dev, dev->live.next);
	return rc ? finish_error(dev, "flush", rc, err) : 0;
}

int flow_query(struct flow_dev *dev, struct flow_rule *rule, int reset,
	       struct flow_counters *out, struct flow_error *err)
{
	SCRATCH_ERR(err);
	int rc = check_rule(dev, rule, err);
	if (rc)
		return rc;
	if (!out)
		return flow_error_set(err, -EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "query: NULL counters");
	if (!dev->ops->query)
		return flow_error_set(err, -ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, -1,
				      "driver %s has no query op", dev->ops->name);
	memset(out, 0, sizeof(*out));
	rc = dev->ops->query(dev, rule->drv, reset, out, err);
	return rc ? finish_error(dev, "query", rc, err) : 0;
}
