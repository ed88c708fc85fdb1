/* hostd/controller/ctl_int.h: what the controller's files share.
 *
 * struct ctl (controller.c) owns the listeners (listener.c), the switch
 * registry (switch.c) and the desired-state text; struct conn (conn.c) is
 * one switch connection with its converge state (converge.c). The small
 * pure helpers at the top (watermarks, xid map, error xids) are unit
 * tested on their own. Not an API outside hostd/controller/. */
#ifndef DFNIC_CTL_INT_H
#define DFNIC_CTL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/controller/controller.h"
#include "hostd/controller/desired.h"
#include "hostd/openflow/ofp.h"

#define CTL_MOD "ctl"

/* ---- output watermarks ------------------------------------------------ */

/* Stop producing for a peer above `high` queued bytes, resume below `low`. */
struct ctl_wm {
	size_t high;   /* bytes: throttle at or above */
	size_t low;    /* bytes: release at or below */
	int throttled; /* currently throttled */
};

/* Feeds the queued byte count: +1 when it just became throttled, -1 when
 * it was just released, 0 when nothing changed. */
int ctl_wm_update(struct ctl_wm *w, size_t queued);

/* ---- xid -> what was sent -------------------------------------------- */

struct pending_op {
	uint32_t xid;  /* xid of the message */
	uint8_t kind;  /* enum diff_kind */
	uint8_t op;    /* enum diff_op */
	int idx;       /* index in want (add/modify) or cur (delete) */
};

/* Sent messages awaiting a possible error, in increasing xid order. */
struct xidmap {
	struct pending_op *v; /* entries */
	size_t n;             /* used */
	size_t cap;           /* allocated */
};

int xidmap_push(struct xidmap *m, uint32_t xid, uint8_t kind, uint8_t op, int idx);
const struct pending_op *xidmap_find(const struct xidmap *m, uint32_t xid);
void xidmap_clear(struct xidmap *m);
void xidmap_uninit(struct xidmap *m);

/* Candidate xids an ERROR refers to: its own xid, the xid in the header
 * of the failed message in its data, and, when that message is an ONF
 * bundle add, the xid of the inner message. Returns how many (1..3),
 * without duplicates. */
size_t ctl_error_xids(const struct ofp_error *e, uint32_t own_xid, uint32_t out[3]);

/* ---- per switch ------------------------------------------------------- */

struct ctl_port {
	uint32_t no;                         /* port number */
	char name[OFP_MAX_PORT_NAME_LEN + 1]; /* name */
};

struct mac_entry {
	uint8_t mac[6];  /* learned address */
	uint8_t used;    /* slot in use */
	uint32_t port;   /* where it was seen */
};

struct conn;

/* One switch, known by its datapath id; outlives its connections. */
struct sw {
	uint64_t dpid;            /* datapath id */
	struct conn *conn;        /* current connection, NULL when away */
	struct ctl_port *ports;   /* from port-desc / PORT_STATUS */
	size_t n_ports;           /* used */
	size_t cap_ports;         /* allocated */
	uint32_t *name_idx;       /* ports[] by name, open addressing: index + 1,
				   * 0 = empty; built lazily (owned) */
	size_t name_cap;          /* slots of name_idx, power of two */
	int name_stale;           /* ports[] changed since name_idx was built */
	struct desired *want;     /* desired state for this switch (owned) */
	struct mac_entry *macs;   /* learning app table (owned, lazily) */
	size_t mac_mask;          /* slots - 1 */
	int synced;               /* the switch holds exactly `want` (plus kept
				   * flows): the last convergence succeeded with
				   * nothing rejected and nothing changed since */
	uint64_t gen;             /* provider generation want was built from
				   * (its gate: ctl_provider_gate) */
	struct unitset pending;   /* provider units changed since want was built
				   * (->all: rebuild it whole) */
};

/* ---- converge --------------------------------------------------------- */

enum conv_state {
	CV_IDLE,    /* nothing in flight */
	CV_DUMP,    /* waiting for flow/group/meter dumps */
	CV_OPEN,    /* bundle open sent */
	CV_SEND,    /* sending diff items */
	CV_COMMIT,  /* bundle commit sent */
	CV_BARRIER, /* plain mode: final barrier sent */
	CV_HOLD,    /* the provider's gate is shut: bundle mode, every item
		     * sent, the commit waits; plain mode, nothing sent yet
		     * (conv_gate_check on ctl_provider_gate_kick) */
};

struct conv {
	enum conv_state st;      /* state */
	struct desired cur;      /* what the switch reported */
	unsigned dump_wait;      /* bits: 1 flows, 2 groups, 4 meters */
	uint32_t dump_xid[3];    /* their xids */
	struct diff diff;        /* what to send this attempt */
	size_t next;             /* next item of diff to send */
	int bundle;              /* this attempt uses a bundle */
	int bundle_refused;      /* the switch refused a bundle open */
	int bundle_ok;           /* a bundle committed on this connection: later
				  * ones send their messages right behind the
				  * open instead of waiting for its reply */
	int gate_ok;             /* this attempt passed the provider's gate */
	int open_failed;         /* this attempt's (unwaited) open was refused:
				  * its items' errors are not theirs */
	uint32_t open_xid;       /* this attempt's bundle open xid */
	int meters_sent;         /* meter adds/modifies of this attempt sent */
	uint32_t bundle_id;      /* its id */
	uint32_t wait_xid;       /* commit / final barrier xid */
	struct xidmap pend;      /* sent items by xid */
	unsigned rejected_now;   /* items rejected during this attempt */
	unsigned attempts;       /* attempts of this convergence */
	int again;               /* converge again when this one is done */
	size_t flow_from;        /* diff only want's flows from here on (an */
	size_t group_from;       /* incremental rebuild: cur holds what it replaced) */
	int dumped;              /* cur is the switch's dump (else the previous
				  * desired state, or the part of it replaced) */
	int partial;             /* not dumped: cur is only the part replaced by
				  * an incremental rebuild */
	uint64_t flow_mods;      /* flow_mods sent by this convergence */
	uint64_t other_mods;     /* group/meter mods sent */
	uint64_t t_start_ms;     /* monotonic start */
	size_t n_add, n_mod, n_del; /* flow items sent (last attempt) */
	unsigned extended;       /* later changes this attempt's bundle took
				  * (conv_extend): its earlier items' xids no
				  * longer name their flows */
	uint64_t gen_low;        /* the generation the attempt started from: an
				  * extended bundle holds every one from there
				  * to sw->gen, and is refused if any was */
};

/* ---- connection ------------------------------------------------------- */

enum conn_state {
	CS_HELLO,    /* waiting for the peer's HELLO */
	CS_FEATURES, /* FEATURES_REQUEST sent */
	CS_PORTS,    /* port-desc requested */
	CS_READY,    /* registered as its switch */
	CS_CLOSING,  /* flushing, then freed */
};

struct bufferevent;
struct event;
struct ctl;

struct conn {
	struct ctl *ctl;         /* owner */
	struct conn *next;       /* in ctl's list */
	struct bufferevent *bev; /* socket (maybe TLS) */
	char peer[64];           /* "addr:port" */
	int tls;                 /* ssl: listener */
	enum conn_state st;      /* protocol state */
	uint32_t next_xid;       /* next xid we use */
	uint32_t ports_xid;      /* port-desc request */
	uint64_t dpid;           /* after FEATURES */
	struct sw *sw;           /* after registration */
	struct ctl_port *ports;  /* collected port-desc (before registration) */
	size_t n_ports;          /* used */
	size_t cap_ports;        /* allocated */
	struct event *echo_ev;   /* keepalive timer */
	unsigned missed;         /* echo periods without any message */
	uint64_t rx_msgs;        /* messages received */
	uint64_t rx_at_tick;     /* rx_msgs at the last timer tick */
	struct ctl_wm wm;        /* output watermarks */
	int read_paused;         /* input disabled because output is full */
	size_t out_peak;         /* largest output queue seen (bytes) */
	int batching;            /* inside the read callback: stage output */
	struct ofpbuf stage;     /* answers of one read batch, sent at its end */
	uint64_t n_throttled;    /* times the high watermark was crossed */
	struct ofpbuf out;       /* encode scratch (reused) */
	struct conv conv;        /* convergence */
	uint64_t n_packet_in;    /* counters */
	uint64_t n_flow_mod;     /* flow_mods sent in total */
	uint64_t n_packet_out;   /* packet_outs sent */
	uint64_t n_errors;       /* ERRORs received */
};

/* ---- the controller ----------------------------------------------------- */

struct event_base;
struct evconnlistener;
struct ssl_ctx_st;

struct ctl {
	struct ctl_cfg cfg;              /* copy of the configuration */
	struct event_base *base;         /* the loop */
	struct evconnlistener *lis[CTL_MAX_LISTEN]; /* listeners */
	int lis_tls[CTL_MAX_LISTEN];     /* per listener: TLS */
	size_t n_lis;                    /* used */
	struct ssl_ctx_st *ssl_ctx;      /* for ssl: listeners */
	struct event *sig_ev;            /* signalfd event */
	int sig_fd;                      /* signalfd */
	int stop_sig;                    /* signal that stopped the loop */
	char *spec;                      /* flows file text ("" if none) */
	struct conn *conns;              /* every connection */
	struct sw **sws;                 /* switch registry */
	size_t n_sws;                    /* used */
	size_t cap_sws;                  /* allocated */
	uint32_t echo_ms;                /* effective echo interval */
	uint32_t miss_limit;             /* effective miss limit */
	struct ctl_prov_state *prov;     /* desired-state provider (provider.c), NULL = flows file */
	struct ctl_query_state *query;   /* flows queries from other threads (ctl_query.c) */
};

/* listener.c */
int ctl_listen(struct ctl *c, const char *spec);
int ctl_tls_init(struct ctl *c);
void ctl_listeners_close(struct ctl *c);
/* Why a bufferevent failed (socket errno and TLS errors), for the log. */
void ctl_tls_error(struct bufferevent *bev, char *buf, size_t size);

/* conn.c */
struct conn *conn_new(struct ctl *c, struct bufferevent *bev, const char *peer, int tls);
void conn_close(struct conn *cn, const char *why);
/* Encodes msg and queues it (msg is not freed). 0 or -errno. */
int conn_send(struct conn *cn, const struct ofp_msg *msg);
/* Queues raw bytes of whole messages. */
int conn_send_raw(struct conn *cn, const void *p, size_t n);
uint32_t conn_xid(struct conn *cn);
/* Output above the high watermark: stop producing for it. */
int conn_throttled(const struct conn *cn);
/* Plain TCP: writes now what the socket takes of the queued output,
 * without waiting for the event loop (so a long producer such as
 * conv_pump has the peer start on the first part); no-op for TLS. */
void conn_push(struct conn *cn);
void conn_free(struct conn *cn);

/* switch.c */
struct sw *sw_get(struct ctl *c, uint64_t dpid);
/* Makes cn the connection of its datapath (closing an older one) and
 * rebuilds its desired state. */
void sw_attach(struct ctl *c, struct conn *cn);
void sw_detach(struct conn *cn);
int sw_port_by_name(void *arg, const char *name, uint32_t *port);
const char *sw_port_name(const struct sw *s, uint32_t port);
/* PORT_STATUS: 1 when a port appeared or left (the message names it), 2
 * when a port was renamed, 0 when no name<->number binding changed. */
int sw_port_update(struct sw *s, const struct ofp_port_status *ps);
/* Rebuilds s->want from the controller's flows text. */
int sw_build_desired(struct ctl *c, struct sw *s);
void sw_free(struct sw *s);

/* converge.c */
/* Starts (or queues) a convergence of cn's switch. */
void conv_start(struct conn *cn);
/* A held convergence (CV_HOLD) asks the gate again: goes on, keeps
 * waiting, or (refused) discards its bundle and starts over from a dump. */
void conv_gate_check(struct conn *cn);
/* Converges without a dump, when the switch is known to hold what `prev`
 * (moved in: cv->cur takes it) and want's flows before flow_from / groups
 * before group_from describe: only want's items from those indices on are
 * added or modified, prev's items want lacks are deleted. partial: prev
 * is only what an incremental rebuild replaced (for the log). The
 * convergence must be idle. */
void conv_start_from(struct conn *cn, struct desired *prev, int partial, size_t flow_from,
		     size_t group_from);
/* Rebuilds the switch's desired state after provider changes (s->pending)
 * and converges: incrementally when the switch is in sync, else whole. */
void sw_refresh(struct conn *cn);
/* Rebuilds s->want for its pending units (the set is cleared), s being
 * in sync: 1 with cur (initialised, empty) holding what the rebuild
 * replaced, either the changed units' previous flows (*partial 1: want's
 * rebuilt ones from *ff / *gf on) or, when the units could not be rebuilt
 * alone, the whole previous desired state (*partial 0, *ff = *gf = 0).
 * 0 when only a dump can tell (not in sync, or a rebuild failed). */
int sw_rebuild_pending(struct ctl *c, struct sw *s, struct desired *cur, size_t *ff,
		       size_t *gf, int *partial);
/* A message for the converge machinery: 1 if consumed. */
int conv_handle(struct conn *cn, const struct ofp_msg *msg);
/* Output drained below the low watermark: send more. */
void conv_pump(struct conn *cn);
/* A bundle held at the gate (CV_HOLD: its change is not durable yet, a
 * staged transaction still building) takes the switch's pending units
 * too: rebuilt, their difference sent into the same bundle, the gate then
 * asked about the newer generation. No-op unless held, bundled, in sync
 * and with pending units; a rebuild that cannot be incremental starts the
 * switch over from a dump. */
void conv_extend(struct conn *cn);
void conv_uninit(struct conv *cv);

/* app_learn.c */
void app_learn_packet_in(struct conn *cn, const struct ofp_msg *msg);
#define APP_LEARN_COOKIE 0x1ea7000000000000ull
#define APP_LEARN_COOKIE_MASK 0xffff000000000000ull

uint64_t ctl_now_ms(void);

#endif
