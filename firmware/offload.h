/* firmware/offload.h: keeps the flow driver's rules converged to the
 * mirror, and tracks each object's offload status for hostd.
 *
 * After every applied batch, main.c calls fw_offload_sync(): each mirrored
 * object is compiled (firmware/compiler.c) and its rules fingerprinted; an
 * object whose rules are unchanged keeps them, a changed one has its old
 * rules destroyed and the new ones validated then created through the
 * flow driver (drivers/flow/flow.h), a deleted one loses its rules. An
 * object's rules are all installed or none (the first refusal removes the
 * ones already created): its status is then OFFLOADED, REJECTED with the
 * driver's exact message, PENDING (a dependency is missing) or NO_RULE.
 * Status changes are queued for main.c to send as OBJ_STATUS. Because
 * every rule belongs to exactly one object entry, a resync never installs
 * a rule twice. fw_offload_flush() is the watchdog's: every rule goes.
 * Single-threaded (the mailbox thread). */
#ifndef DFNIC_FIRMWARE_OFFLOAD_H
#define DFNIC_FIRMWARE_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/flow/flow.h"
#include "firmware/compiler.h"
#include "firmware/mirror.h"

struct fw_offload;

#define FW_REASON_MAX 200 /* bytes of a status reason (fits an OBJ_STATUS) */

/* One object's status, as reported to hostd. */
struct fw_status {
	uint16_t kind;               /* object kind */
	uint32_t id;                 /* object id */
	uint16_t status;             /* enum mbox_obj_status */
	uint32_t rules;              /* rules installed for it */
	char reason[FW_REASON_MAX];  /* driver message / what is missing / "" */
};

struct fw_offload_stats {
	uint32_t rules;            /* rules installed now (as this module counts them) */
	uint32_t objects;          /* objects tracked */
	uint32_t offloaded;        /* objects OFFLOADED */
	uint32_t rejected;         /* objects REJECTED */
	uint32_t pending;          /* objects PENDING */
	uint32_t no_rule;          /* objects NO_RULE */
	uint64_t creates;          /* rules created since start */
	uint64_t destroys;         /* rules destroyed one by one */
	uint64_t create_failures;  /* validate/create refusals */
	uint64_t flushes;          /* flushes (watchdog) */
	uint64_t flushed_rules;    /* rules removed by flushes */
	uint64_t syncs;            /* fw_offload_sync() calls */
};

/* `dev` is not owned (close it after destroy); `ports` is copied.
 * 0 or -ENOMEM. */
int fw_offload_create(struct flow_dev *dev, const struct fw_ports *ports,
		      struct fw_offload **out);
/* Destroys every rule it installed, frees everything. Accepts NULL. */
void fw_offload_destroy(struct fw_offload *o);

/* Converge the rules to mirror `m` (see above). Returns 0, or -ENOMEM
 * (some objects were left as they were; call again). Never fails because
 * of a refused rule: that is a REJECTED status. */
int fw_offload_sync(struct fw_offload *o, const struct mirror *m);

/* Give rejected objects another chance at the next sync (after a resync:
 * capacity may have been freed). */
void fw_offload_retry_rejected(struct fw_offload *o);

/* Remove every rule of the device (flow_flush) and mark every object
 * PENDING with `why`. Returns the number of rules removed or -errno. */
int fw_offload_flush(struct fw_offload *o, const char *why);

/* Queue every object's status for sending again (hostd resynced). */
void fw_offload_report_all(struct fw_offload *o);
/* The oldest queued status: 1 and *st, or 0 when none. It stays queued
 * until fw_offload_status_sent(). */
int fw_offload_peek_status(struct fw_offload *o, struct fw_status *st);
void fw_offload_status_sent(struct fw_offload *o);

/* Current status of (kind, id): 0 and *st, -ENOENT when not tracked. */
int fw_offload_get_status(const struct fw_offload *o, uint16_t kind, uint32_t id,
			  struct fw_status *st);
void fw_offload_get_stats(const struct fw_offload *o, struct fw_offload_stats *st);

/* One installed rule and its counters (statistics report). */
struct fw_rule_stat {
	uint16_t kind;            /* owner object kind */
	uint32_t id;              /* owner object id */
	uint32_t rule;            /* number within the object */
	uint32_t group;           /* rte_flow group */
	const char *what;         /* the compiler's description */
	int counted;              /* c is valid (the rule has COUNT) */
	struct flow_counters c;   /* hits / bytes */
};
/* Return nonzero to stop. */
typedef int (*fw_rule_stat_fn)(void *arg, const struct fw_rule_stat *rs);
/* Calls fn for every installed rule with its counters (rules carry a
 * COUNT action whenever the driver has one). Returns the rules visited.
 * Same thread as the other calls; does not block on the soft driver. */
int fw_offload_foreach_rule(struct fw_offload *o, fw_rule_stat_fn fn, void *arg);

#endif
