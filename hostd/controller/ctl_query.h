/* hostd/controller/ctl_query.h: questions other threads ask the
 * controller's libevent loop, answered with a copy (never a pointer into
 * controller state).
 *
 * The REST API (hostd/api/api_flows.c, libmicrohttpd's thread) wants to
 * know, for one switch, the flows hostd desires, which of them the switch
 * has, with their counters, and what the switch has that hostd does not
 * want. Only the loop may touch struct ctl, struct sw and struct conn, so
 * a query is handed over: ctl_query_flows_start() queues it and wakes the
 * loop through an eventfd; the loop sends the switch a fresh flow-stats
 * request (OFPMP_FLOW, all tables), collects the reply (conn.c routes it
 * here through ctl_query_handle()), compares it with the switch's desired
 * state (desired.h) and completes the query; the asking thread waits for
 * that with a timeout (ctl_query_wait). A switch that is not connected is
 * answered at once with its desired flows and `dumped` = 0. The query
 * object is shared by the two threads and reference counted: whoever lets
 * go last frees it, so a caller that gave up waiting is safe. */
#ifndef DFNIC_CTL_QUERY_H
#define DFNIC_CTL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/openflow/ofp.h"

/* What the switch holds compared to one flow of the report. */
enum ctl_qstate {
	CTL_QS_UNKNOWN,   /* desired; the switch's flows are not known */
	CTL_QS_PRESENT,   /* desired, and on the switch as desired */
	CTL_QS_MISSING,   /* desired, not on the switch */
	CTL_QS_DIFFERENT, /* desired; the switch has its key with other
			   * instructions, cookie or timeouts */
	CTL_QS_EXTRA,     /* on the switch, not desired */
};

/* "unknown", "present", "missing", "different", "extra". */
const char *ctl_qstate_name(enum ctl_qstate s);

/* One flow of a report (strings owned by the report). */
struct ctl_qflow {
	uint8_t table;           /* table id */
	uint16_t priority;       /* priority */
	uint64_t cookie;         /* desired cookie (the switch's for EXTRA) */
	uint16_t idle_timeout;   /* s, 0 = none */
	uint16_t hard_timeout;   /* s, 0 = none */
	char *match;             /* match as text ("any" for none) */
	char *actions;           /* instructions as text: desired ones, the
				  * switch's for EXTRA */
	char *switch_actions;    /* DIFFERENT: the switch's instructions (else NULL) */
	uint64_t switch_cookie;  /* DIFFERENT: the switch's cookie */
	enum ctl_qstate state;   /* see enum ctl_qstate */
	int kept;                /* EXTRA with the keep cookie: installed by hostd
				  * itself (reactive flows), never deleted */
	int has_stats;           /* the four counters below come from the dump */
	uint64_t n_packets;      /* switch counter */
	uint64_t n_bytes;        /* switch counter */
	uint32_t duration_sec;   /* age on the switch */
	uint32_t duration_nsec;  /* sub-second part */
};

/* A switch port (number and name) from its port map. */
struct ctl_qport {
	uint32_t no;             /* OpenFlow port number */
	char name[OFP_MAX_PORT_NAME_LEN + 1]; /* its name */
};

/* The answer to a flows query. */
struct ctl_flow_report {
	uint64_t dpid;           /* switch asked about */
	int known;               /* the controller has seen this switch */
	int connected;           /* it is connected and past its handshake */
	int dumped;              /* a fresh flow dump was taken: states and
				  * counters are known */
	int converging;          /* a convergence is running on it */
	int provider;            /* desired state comes from a provider (the
				  * pipeline), not a flows file */
	const char *why;         /* static text: why dumped is 0 (or NULL) */
	char peer[64];           /* connection's "addr:port" ("" when away) */
	struct ctl_qflow *v;     /* desired flows in desired order, then the
				  * extra ones in switch order */
	size_t n;                /* used */
	size_t cap;              /* allocated */
	struct ctl_qport *ports; /* the switch's ports (last known) */
	size_t n_ports;          /* used */
	size_t n_desired;        /* counts per kind: desired flows */
	size_t n_present;        /* ... CTL_QS_PRESENT */
	size_t n_missing;        /* ... CTL_QS_MISSING */
	size_t n_different;      /* ... CTL_QS_DIFFERENT */
	size_t n_extra;          /* ... CTL_QS_EXTRA (kept ones included) */
	size_t n_kept;           /* ... of which kept */
};

/* Frees what the report holds; accepts NULL. */
void ctl_flow_report_uninit(struct ctl_flow_report *r);

struct ctl;
struct ctl_query;

/* Any thread, non-blocking: queues a flows query about switch `dpid`;
 * the loop gives up on the switch after `timeout_ms` (then the report
 * has dumped = 0 and why set). 0 and *out (to wait on and put), or
 * -ESHUTDOWN (the loop is gone), -ENOMEM. c must stay alive during the
 * call (the caller serialises it with ctl_destroy). */
int ctl_query_flows_start(struct ctl *c, uint64_t dpid, unsigned timeout_ms,
			  struct ctl_query **out);
/* Any thread, blocks up to timeout_ms: 0 with the report moved into *rep
 * (the caller uninits it), or -ETIMEDOUT (the query stays valid: wait
 * again or put it). Safe after ctl_destroy (the query is then completed
 * with why = "controller stopped"). */
int ctl_query_wait(struct ctl_query *q, unsigned timeout_ms, struct ctl_flow_report *rep);
/* Drops the caller's reference; accepts NULL. */
void ctl_query_put(struct ctl_query *q);

/* ---- internal to hostd/controller ---------------------------------------- */

struct conn;
struct ofp_msg;
/* ctl_create: eventfd + event on the loop. 0 or -errno. */
int ctl_query_init(struct ctl *c);
/* ctl_destroy: completes every queued or pending query, frees the rest;
 * accepts a controller without query state. */
void ctl_query_free(struct ctl *c);
/* conn.c, for a READY connection: 1 when msg answered a query. */
int ctl_query_handle(struct conn *cn, const struct ofp_msg *msg);

#endif
