/* drivers/flow/flow.h: the flow offload interface (a NIC's match/action
 * tables) and the ops every backend implements.
 *
 * Layering inside drivers/flow/:
 *   flow.h       this API: devices, rules, capabilities, errors, backend ops
 *   flow.c       the core: wrappers (-ENOSYS for a missing op), generic
 *                checks of the item/action arrays, rule handles, type names
 *   flow_rte.c   backend "rte_flow": DPDK's rte_flow on a real ethdev port
 *   flow_soft.c  backend "soft": a software model of a NIC's flow tables,
 *                with a packet engine (flow_soft.h) the sim data path uses
 * The firmware's rule compiler (firmware/) builds DPDK's own rte_flow item,
 * action and attribute arrays once and hands them to whichever backend the
 * board selected; nothing above this header knows which backend runs.
 *
 * Rules follow rte_flow semantics: attr.group selects a table (group 0 is
 * where every packet starts), attr.priority orders rules inside a group
 * (0 is the highest), the pattern is a stack of items ended by END, the
 * action list is ended by END. See drivers/flow/README.md for what each
 * backend supports.
 *
 * Error convention: 0 or a negative errno; every failure also fills the
 * struct flow_error out-parameter (when not NULL) with a non-empty message.
 * Threading: one thread at a time per struct flow_dev for the control ops
 * (open/validate/create/destroy/flush/query/close); the soft backend's
 * packet engine may run on other threads concurrently (flow_soft.h). */
#ifndef DFNIC_FLOW_H
#define DFNIC_FLOW_H

#include <stdint.h>

#include <rte_flow.h>

struct flow_dev;  /* one opened backend instance (a NIC port / soft table set) */
struct flow_rule; /* one installed rule; opaque handle owned by the core */

/* Bounds of the arrays the core accepts: a pattern or an action list with
 * no END within this many entries is rejected (-EINVAL) without reading
 * further. */
#define FLOW_MAX_ITEMS 32
#define FLOW_MAX_ACTIONS 32

/* Groups a flow_caps can describe (soft backends have at most this many). */
#define FLOW_MAX_GROUPS 64

/* A capacity or count that the backend cannot know (rte_flow PMDs do not
 * publish table sizes). */
#define FLOW_CAP_UNKNOWN UINT32_MAX

/* Item / action type bitmaps cover types 0..FLOW_TYPE_BITS-1 (every public
 * rte_flow type of DPDK 22.11; PMD-private negative types are never
 * reported as supported). */
#define FLOW_TYPE_BITS 256

/* Capacity of the message text in struct flow_error. */
#define FLOW_ERROR_MSG_MAX 200

/* Why an operation failed. The rte_flow backend copies DPDK's
 * rte_flow_error verbatim (type and message); the soft backend and the core
 * write messages of the form "item 2 (IPV4): mask on tos not supported",
 * "action 1 (JUMP): ...", "attr: ...", "group 3 full (capacity 0)". */
struct flow_error {
	int code;                         /* negative errno, equal to the return value */
	enum rte_flow_error_type type;    /* which part of the request was at fault */
	int index;                        /* index of the faulty item/action, -1 if none */
	char message[FLOW_ERROR_MSG_MAX]; /* NUL-terminated, never empty on failure */
};

/* Attribute bits in flow_caps.attrs. */
#define FLOW_ATTR_INGRESS (1u << 0)  /* attr.ingress rules accepted */
#define FLOW_ATTR_EGRESS (1u << 1)   /* attr.egress rules accepted */
#define FLOW_ATTR_TRANSFER (1u << 2) /* attr.transfer rules accepted */

/* What a backend instance can do, filled once by flow_open() (the probe op)
 * and constant afterwards. A type not set in items/actions is refused by
 * validate/create with -ENOTSUP and a message. */
struct flow_caps {
	char driver[16];                        /* backend name ("soft", "rte_flow") */
	uint64_t items[FLOW_TYPE_BITS / 64];    /* bit t: item type t may be used */
	uint64_t actions[FLOW_TYPE_BITS / 64];  /* bit t: action type t may be used */
	uint32_t attrs;                         /* FLOW_ATTR_* accepted */
	uint32_t n_groups;                      /* groups 0..n_groups-1 exist, or UNKNOWN */
	uint32_t group_capacity[FLOW_MAX_GROUPS]; /* rules per group (UNKNOWN if unknown) */
	uint32_t max_rules;                     /* rules in all groups, or UNKNOWN */
	uint32_t max_priority;                  /* lowest priority (highest value), or UNKNOWN */
};

static inline int flow_caps_item(const struct flow_caps *c, int type)
{
	return type >= 0 && type < FLOW_TYPE_BITS && ((c->items[type / 64] >> (type % 64)) & 1);
}

static inline int flow_caps_action(const struct flow_caps *c, int type)
{
	return type >= 0 && type < FLOW_TYPE_BITS &&
	       ((c->actions[type / 64] >> (type % 64)) & 1);
}

void flow_caps_set_item(struct flow_caps *c, int type, int on);
void flow_caps_set_action(struct flow_caps *c, int type, int on);

/* Per-rule counters (COUNT action). */
struct flow_counters {
	uint64_t hits;  /* packets that matched the rule */
	uint64_t bytes; /* their bytes (frame length when matched) */
};

struct flow_soft_params; /* drivers/flow/flow_soft.h */

/* What flow_open() needs; fields a backend does not use are ignored. */
struct flow_params {
	const char *name;    /* for logs ("nic0"); NULL: the driver name. Not kept. */
	uint16_t port_id;    /* rte_flow: the ethdev port, configured by the caller
			      * (its Rx queues set up: QUEUE actions are checked
			      * against them) before flow_open() */
	const struct flow_soft_params *soft; /* soft: tables and capabilities; NULL:
					      * the Kconfig defaults. Copied. */
};

/* Backend operations. Every op receives the device it was opened on; the
 * driver's own state is flow_dev_priv(dev). Item, action and attribute
 * arrays passed to validate/create belong to the caller and are only
 * valid during the call: a driver copies whatever it keeps (specs, masks,
 * confs, encap definitions). `err` is never NULL inside an op (the core
 * substitutes a scratch one) and is pre-cleared; a failing op must return
 * a negative errno and should fill it (flow_error_set()); the core fills a
 * generic message when it does not. The core has already checked the
 * arrays (flow_check_arrays()) before validate/create.
 * Missing optional ops make the core return -ENOSYS. */
struct flow_driver_ops {
	const char *name; /* "soft", "rte_flow": what flow_driver_find() matches */

	/* Set up the backend state for `p` (flow_dev_set_priv()). May block
	 * (allocation, PMD queries). On failure nothing is left allocated.
	 * Required. */
	int (*open)(struct flow_dev *dev, const struct flow_params *p, struct flow_error *err);

	/* Fill `caps` (pre-zeroed). Called once by flow_open() after open.
	 * May block (rte_flow: validates representative rules on the port).
	 * Required. */
	int (*probe)(struct flow_dev *dev, struct flow_caps *caps, struct flow_error *err);

	/* Would create() accept this rule? Checks capabilities, not resources:
	 * a rule that validates may still fail to create with -ENOSPC. Does
	 * not change any state. May block on a real NIC. */
	int (*validate)(struct flow_dev *dev, const struct rte_flow_attr *attr,
			const struct rte_flow_item items[], const struct rte_flow_action actions[],
			struct flow_error *err);

	/* Install the rule; on success *drv_rule is the driver's handle for it,
	 * passed back to destroy/query. On failure nothing is installed. May
	 * block on a real NIC. */
	int (*create)(struct flow_dev *dev, const struct rte_flow_attr *attr,
		      const struct rte_flow_item items[], const struct rte_flow_action actions[],
		      void **drv_rule, struct flow_error *err);

	/* Remove one rule created by this device and free the driver's handle
	 * (even when the NIC reports an error: the handle is gone). */
	int (*destroy)(struct flow_dev *dev, void *drv_rule, struct flow_error *err);

	/* Remove every rule of this device and free all driver handles
	 * (rte_flow: every rule on the port). */
	int (*flush)(struct flow_dev *dev, struct flow_error *err);

	/* Read (and with `reset`, zero) the counters of a rule that has a COUNT
	 * action; -ENOTSUP for a rule without one. Must not block on the soft
	 * backend. */
	int (*query)(struct flow_dev *dev, void *drv_rule, int reset, struct flow_counters *out,
		     struct flow_error *err);

	/* Free the backend state. The core has already flushed the rules.
	 * Never fails. Required. */
	void (*close)(struct flow_dev *dev);
};

/* The backends (each compiled in when its Kconfig option is set). */
extern const struct flow_driver_ops flow_soft_ops;
extern const struct flow_driver_ops flow_rte_ops;

/* The backend called `name` ("soft", "rte_flow") among those compiled in,
 * or NULL. */
const struct flow_driver_ops *flow_driver_find(const char *name);

/* Open a backend instance: ops->open then ops->probe. May block. */
int flow_open(const struct flow_driver_ops *ops, const struct flow_params *p,
	      struct flow_dev **out, struct flow_error *err);

/* Flush every rule (errors are logged) and free everything. NULL is
 * accepted. Invalidates all rule handles of the device. */
void flow_close(struct flow_dev *dev);

/* The capabilities recorded at open. */
const struct flow_caps *flow_dev_caps(const struct flow_dev *dev);
const char *flow_dev_name(const struct flow_dev *dev);
const struct flow_driver_ops *flow_dev_ops(const struct flow_dev *dev);
/* Rules currently installed through this device. */
uint32_t flow_dev_rule_count(const struct flow_dev *dev);

/* Validate / create: the core checks the arrays first (see
 * flow_check_arrays()), then calls the backend. On success *rule is a
 * handle valid until flow_destroy(), flow_flush() or flow_close(). */
int flow_validate(struct flow_dev *dev, const struct rte_flow_attr *attr,
		  const struct rte_flow_item items[], const struct rte_flow_action actions[],
		  struct flow_error *err);
int flow_create(struct flow_dev *dev, const struct rte_flow_attr *attr,
		const struct rte_flow_item items[], const struct rte_flow_action actions[],
		struct flow_rule **rule, struct flow_error *err);

/* Remove a rule. A handle that was already destroyed (or flushed) is
 * refused with -ENOENT: handle memory is recycled only after the last
 * FLOW_RULE_QUARANTINE destroyed handles of the device, and never freed
 * before flow_close(), so a stale handle is detected within that window
 * and never dereferences freed memory. A handle of another device:
 * -EXDEV. NULL: -EINVAL. */
#define FLOW_RULE_QUARANTINE 1024
int flow_destroy(struct flow_dev *dev, struct flow_rule *rule, struct flow_error *err);

/* Remove every rule of the device; all its handles become stale. */
int flow_flush(struct flow_dev *dev, struct flow_error *err);

/* Counters of a rule with a COUNT action (-ENOTSUP without one). */
int flow_query(struct flow_dev *dev, struct flow_rule *rule, int reset,
	       struct flow_counters *out, struct flow_error *err);

/* Generic checks every request passes before a backend sees it: attr,
 * items and actions not NULL; attr reserved bits zero; END within
 * FLOW_MAX_ITEMS / FLOW_MAX_ACTIONS; every type a known public rte_flow
 * type (-ENOTSUP otherwise); no item with `mask` or `last` but no `spec`
 * (-EINVAL). Returns 0 or a negative errno with `err` filled. */
int flow_check_arrays(const struct rte_flow_attr *attr, const struct rte_flow_item items[],
		      const struct rte_flow_action actions[], struct flow_error *err);

/* Names of the rte_flow types as in the enums without their prefix
 * ("IPV4", "SET_MAC_DST"); "?" for an unknown type. */
const char *flow_item_name(int type);
const char *flow_action_name(int type);
/* Reverse lookups (case-insensitive); -1 when unknown. */
int flow_item_type_by_name(const char *name);
int flow_action_type_by_name(const char *name);

/* Fill `err` (may be NULL) and return `code` (a negative errno). */
int flow_error_set(struct flow_error *err, int code, enum rte_flow_error_type type, int index,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* For backends: their private state. */
void *flow_dev_priv(const struct flow_dev *dev);
void flow_dev_set_priv(struct flow_dev *dev, void *priv);

#endif
