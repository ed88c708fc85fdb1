/* hostd/controller/ctl_query.c: flows queries from other threads into the
 * controller's loop (contract in ctl_query.h).
 *
 * Two halves. The asking thread (the REST API's) only touches the query
 * object (its mutex, condition and report) and the submit queue of struct
 * ctl_query_state under that state's mutex, then writes the eventfd. The
 * loop half (query_wake_cb and below) runs in the controller's thread: it
 * finds the switch in the registry (switch.c), sends a flow-stats request
 * on its connection (conn.c), takes the replies routed here by
 * ctl_query_handle(), compares them with the switch's desired state
 * (desired.c: same keys and text the convergence in converge.c uses) and
 * completes the query. A per-query timer bounds the wait for a switch that
 * does not answer; ctl_query_free() completes whatever is left when the
 * controller stops. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/ctl_query.h"
#include "hostd/controller/provider.h"

/* Counters of one dumped flow, parallel to the dump's flowset. */
struct qstats {
	uint64_t n_packets;      /* packet_count */
	uint64_t n_bytes;        /* byte_count */
	uint32_t duration_sec;   /* age */
	uint32_t duration_nsec;  /* sub-second */
	int matched;             /* a desired flow has this key */
};

struct ctl_query {
	/* shared by both threads, under mu */
	pthread_mutex_t mu;          /* guards refs, done, rep hand-over */
	pthread_cond_t cond;         /* signalled when done (CLOCK_MONOTONIC) */
	int refs;                    /* asking thread + loop */
	int done;                    /* rep is complete */
	struct ctl_flow_report rep;  /* the answer (moved out by ctl_query_wait) */
	/* set by the asking thread before queueing, read-only afterwards */
	uint64_t dpid;               /* switch asked about */
	unsigned timeout_ms;         /* loop-side limit on the dump */
	/* loop side only */
	struct ctl_query *next;      /* submit queue, then pending list */
	struct ctl *ctl;             /* owner */
	const struct conn *cn;       /* connection the dump was asked on
				      * (compared, never dereferenced) */
	uint32_t xid;                /* xid of the flow-stats request */
	struct desired dump;         /* flows the switch reported */
	struct qstats *st;           /* counters, by dump index */
	size_t st_cap;               /* allocated entries of st */
	struct event *timer;         /* gives up on the switch */
};

/* What struct ctl's `query` points at. */
struct ctl_query_state {
	pthread_mutex_t mu;          /* guards queue and closed */
	struct ctl_query *queue;     /* submitted, not yet seen by the loop */
	int closed;                  /* the controller is going away */
	int fd;                      /* eventfd the submitters write */
	struct event *ev;            /* its read event on the loop */
	struct ctl_query *pending;   /* loop only: dumps in flight */
};

static const char *const qstate_names[] = {
	[CTL_QS_UNKNOWN] = "unknown", [CTL_QS_PRESENT] = "present", [CTL_QS_MISSING] = "missing",
	[CTL_QS_DIFFERENT] = "different", [CTL_QS_EXTRA] = "extra",
};

const char *ctl_qstate_name(enum ctl_qstate s)
{
	return (unsigned)s < sizeof(qstate_names) / sizeof(qstate_names[0]) ? qstate_names[s] : "?";
}

void ctl_flow_report_uninit(struct ctl_flow_report *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].match);
		free(r->v[i].actions);
		free(r->v[i].switch_actions);
	}
	free(r->v);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

/* ---- the asking thread's half ---------------------------------------------- */

void ctl_query_put(struct ctl_query *q)
{
	int left;
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	left = --q->refs;
	pthread_mutex_unlock(&q->mu);
	if (left)
		return;
	ctl_flow_report_uninit(&q->rep);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int ctl_query_flows_start(struct ctl *c, uint64_t dpid, unsigned timeout_ms,
			  struct ctl_query **out)
{
	struct ctl_query_state *qs = c->query;
	struct ctl_query *q;
	pthread_condattr_t ca;
	uint64_t one = 1;

	if (!qs)
		return -ESHUTDOWN;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	q->refs = 2; /* ours and the loop's */
	q->dpid = dpid;
	q->timeout_ms = timeout_ms ? timeout_ms : 1;
	q->ctl = c;

	pthread_mutex_lock(&qs->mu);
	if (qs->closed) {
		pthread_mutex_unlock(&qs->mu);
		q->refs = 1;
		ctl_query_put(q);
		return -ESHUTDOWN;
	}
	q->next = qs->queue;
	qs->queue = q;
	pthread_mutex_unlock(&qs->mu);
	/* pairs with the read in query_wake_cb; a full counter still wakes */
	if (write(qs->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG_WARN(CTL_MOD, "flows query: cannot wake the loop: %s", strerror(errno));
	*out = q;
	return 0;
}

int ctl_query_wait(struct ctl_query *q, unsigned timeout_ms, struct ctl_flow_report *rep)
{
	struct timespec dl;
	int r = 0;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	while (!q->done && r == 0)
		r = pthread_cond_timedwait(&q->cond, &q->mu, &dl);
	if (q->done) {
		*rep = q->rep;
		memset(&q->rep, 0, sizeof(q->rep));
		r = 0;
	} else {
		r = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&q->mu);
	return r;
}

/* ---- the loop's half ---------------------------------------------------------- */

static struct sw *find_sw(struct ctl *c, uint64_t dpid)
{
	size_t i;
	for (i = 0; i < c->n_sws; i++)
		if (c->sws[i]->dpid == dpid)
			return c->sws[i];
	return NULL;
}

static struct ctl_qflow *rep_push(struct ctl_flow_report *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ctl_qflow *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

/* One report entry from a flow (desired or dumped). */
static int rep_add_flow(struct ctl_flow_report *r, const struct dflow_rec *f,
			enum ctl_qstate st)
{
	struct ctl_qflow *e = rep_push(r);
	if (!e)
		return -ENOMEM;
	e->table = f->table;
	e->priority = f->priority;
	e->cookie = f->cookie;
	e->idle_timeout = f->idle_timeout;
	e->hard_timeout = f->hard_timeout;
	e->state = st;
	e->match = dflow_rec_match_text(f);
	e->actions = dflow_rec_itext(f);
	return e->match && e->actions ? 0 : -ENOMEM;
}

static void take_stats(struct ctl_qflow *e, const struct qstats *s)
{
	e->has_stats = 1;
	e->n_packets = s->n_packets;
	e->n_bytes = s->n_bytes;
	e->duration_sec = s->duration_sec;
	e->duration_nsec = s->duration_nsec;
}

/* Fills q->rep from the switch's state (and q->dump when dumped). */
static int build_report(struct ctl_query *q, int dumped)
{
	struct ctl *c = q->ctl;
	struct ctl_flow_report *r = &q->rep;
	struct sw *s = find_sw(c, q->dpid);
	const struct desired *want = s ? s->want : NULL;
	struct sw tmp;
	uint64_t keep_cookie, keep_mask;
	size_t i;
	int rc = 0;

	r->dpid = q->dpid;
	r->known = s != NULL;
	r->connected = s && s->conn && s->conn->st == CS_READY;
	r->converging = r->connected && s->conn->conv.st != CV_IDLE;
	r->provider = c->prov != NULL;
	r->dumped = dumped;
	if (r->connected)
		snprintf(r->peer, sizeof(r->peer), "%s", s->conn->peer);
	if (s && s->n_ports) {
		r->ports = calloc(s->n_ports, sizeof(*r->ports));
		if (!r->ports)
			return -ENOMEM;
		for (i = 0; i < s->n_ports; i++) {
			r->ports[i].no = s->ports[i].no;
			snprintf(r->ports[i].name, sizeof(r->ports[i].name), "%.*s",
				 (int)sizeof(r->ports[i].name) - 1, s->ports[i].name);
		}
		r->n_ports = s->n_ports;
	}
	/* a switch never seen has no desired state yet: build one as it would
	 * be with no ports (port-bound flows are left out until it connects) */
	memset(&tmp, 0, sizeof(tmp));
	if (!want) {
		tmp.dpid = q->dpid;
		if (sw_build_desired(c, &tmp) == 0)
			want = tmp.want;
	}
	ctl_provider_keep(c, &keep_cookie, &keep_mask);
	for (i = 0; want && i < want->flows.n && !rc; i++) {
		const struct dflow_rec *f = &want->flows.v[i];
		struct ctl_qflow *e;
		int j = dumped ? flowset_find_rec(&q->dump.flows, f) : -1;
		enum ctl_qstate st = !dumped ? CTL_QS_UNKNOWN : j < 0 ? CTL_QS_MISSING : CTL_QS_PRESENT;
		if ((rc = rep_add_flow(r, f, st)))
			break;
		e = &r->v[r->n - 1];
		r->n_desired++;
		if (j >= 0) {
			const struct dflow_rec *d = &q->dump.flows.v[j];
			q->st[j].matched = 1;
			take_stats(e, &q->st[j]);
			if (d->cookie != f->cookie || d->idle_timeout != f->idle_timeout ||
			    d->hard_timeout != f->hard_timeout ||
			    !dflow_rec_same_insts(d, f)) {
				e->state = CTL_QS_DIFFERENT;
				e->switch_cookie = d->cookie;
				e->switch_actions = dflow_rec_itext(d);
				if (!e->switch_actions)
					rc = -ENOMEM;
			}
		}
		r->n_present += e->state == CTL_QS_PRESENT;
		r->n_missing += e->state == CTL_QS_MISSING;
		r->n_different += e->state == CTL_QS_DIFFERENT;
	}
	for (i = 0; dumped && i < q->dump.flows.n && !rc; i++) {
		const struct dflow_rec *d = &q->dump.flows.v[i];
		struct ctl_qflow *e;
		if (q->st[i].matched)
			continue;
		if ((rc = rep_add_flow(r, d, CTL_QS_EXTRA)))
			break;
		e = &r->v[r->n - 1];
		take_stats(e, &q->st[i]);
		e->kept = keep_mask && (d->cookie & keep_mask) == keep_cookie;
		r->n_extra++;
		r->n_kept += e->kept;
	}
	if (tmp.want) {
		desired_uninit(tmp.want);
		free(tmp.want);
	}
	return rc;
}

static void unlink_pending(struct ctl_query_state *qs, struct ctl_query *q)
{
	struct ctl_query **pp;
	for (pp = &qs->pending; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	q->next = NULL;
}

/* Finishes q: report (desired flows at least), wake the asker, drop the
 * loop's reference. `why` explains a missing dump. */
static void complete(struct ctl_query *q, int dumped, const char *why)
{
	if (build_report(q, dumped)) {
		ctl_flow_report_uninit(&q->rep);
		why = "out of memory building the report";
		q->rep.dpid = q->dpid;
	}
	if (!q->rep.dumped)
		q->rep.why = why;
	if (q->timer) {
		event_free(q->timer);
		q->timer = NULL;
	}
	desired_uninit(&q->dump);
	free(q->st);
	q->st = NULL;
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	pthread_cond_broadcast(&q->cond); /* pairs with the wait in ctl_query_wait */
	pthread_mutex_unlock(&q->mu);
	ctl_query_put(q);
}

static void query_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_query *q = arg;
	(void)fd;
	(void)what;
	unlink_pending(q->ctl->query, q);
	LOG_WARN(CTL_MOD, "switch %#llx: flow dump for a query not answered within %u ms",
		 (unsigned long long)q->dpid, q->timeout_ms);
	complete(q, 0, "the switch did not answer the flow dump in time");
}

/* Starts one query in the loop: a dump request, or an answer at once. */
static void query_begin(struct ctl *c, struct ctl_query *q)
{
	struct ctl_query_state *qs = c->query;
	struct sw *s = find_sw(c, q->dpid);
	struct conn *cn = s ? s->conn : NULL;
	struct ofp_msg m;
	struct timeval tv;

	if (!s) {
		complete(q, 0, "no switch with this datapath id has connected");
		return;
	}
	if (!cn || cn->st != CS_READY) {
		complete(q, 0, "the switch is not connected");
		return;
	}
	desired_init(&q->dump);
	q->timer = evtimer_new(c->base, query_timeout_cb, q);
	if (!q->timer) {
		complete(q, 0, "out of memory");
		return;
	}
	ofp_mp_request_init(&m, q->xid = conn_xid(cn), OFPMP_FLOW);
	if (conn_send(cn, &m)) {
		complete(q, 0, "cannot queue the flow dump request");
		return;
	}
	q->cn = cn;
	tv.tv_sec = q->timeout_ms / 1000;
	tv.tv_usec = (long)(q->timeout_ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
	q->next = qs->pending;
	qs->pending = q;
}

static void query_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *c = arg;
	struct ctl_query_state *qs = c->query;
	struct ctl_query *list, *q, *rev = NULL;
	uint64_t v;
	(void)what;
	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
	pthread_mutex_lock(&qs->mu);
	list = qs->queue;
	qs->queue = NULL;
	pthread_mutex_unlock(&qs->mu);
	/* the queue is LIFO: serve in submission order */
	while (list) {
		q = list;
		list = q->next;
		q->next = rev;
		rev = q;
	}
	while (rev) {
		q = rev;
		rev = q->next;
		q->next = NULL;
		query_begin(c, q);
	}
}

/* Appends the flows of one reply to q's dump. */
static int take_flows(struct ctl_query *q, const struct ofp_multipart *mp)
{
	struct ofp_flow_stats *fs = mp->u.list.items;
	size_t i;
	for (i = 0; i < mp->u.list.n; i++) {
		int idx = flowset_add_stats(&q->dump.flows, &fs[i]);
		if (idx < 0)
			return idx;
		if ((size_t)idx >= q->st_cap) {
			size_t cap = q->st_cap ? q->st_cap * 2 : 64;
			struct qstats *st;
			while (cap <= (size_t)idx)
				cap *= 2;
			st = realloc(q->st, cap * sizeof(*st));
			if (!st)
				return -ENOMEM;
			q->st = st;
			q->st_cap = cap;
		}
		q->st[idx].n_packets = fs[i].packet_count;
		q->st[idx].n_bytes = fs[i].byte_count;
		q->st[idx].duration_sec = fs[i].duration_sec;
		q->st[idx].duration_nsec = fs[i].duration_nsec;
		q->st[idx].matched = 0;
	}
	return 0;
}

int ctl_query_handle(struct conn *cn, const struct ofp_msg *msg)
{
	struct ctl_query_state *qs = cn->ctl->query;
	struct ctl_query *q;
	uint32_t xids[3];
	size_t n = 1, i;

	if (!qs || !qs->pending)
		return 0;
	if (msg->type == OFPMSG_ERROR)
		n = ctl_error_xids(&msg->u.error, msg->xid, xids);
	else if (msg->type == OFPMSG_MULTIPART_REPLY && msg->u.mp.mp_type == OFPMP_FLOW)
		xids[0] = msg->xid;
	else
		return 0;
	for (q = qs->pending; q; q = q->next) {
		if (q->cn != cn)
			continue;
		for (i = 0; i < n; i++)
			if (xids[i] == q->xid)
				break;
		if (i < n)
			break;
	}
	if (!q)
		return 0;
	if (msg->type == OFPMSG_ERROR) {
		unlink_pending(qs, q);
		LOG_WARN(CTL_MOD, "switch %#llx: flow dump for a query refused",
			 (unsigned long long)cn->dpid);
		complete(q, 0, "the switch refused the flow dump");
		return 1;
	}
	if (take_flows(q, &msg->u.mp)) {
		unlink_pending(qs, q);
		complete(q, 0, "out of memory reading the flow dump");
		return 1;
	}
	if (!(msg->u.mp.flags & OFPMPF_MORE)) {
		unlink_pending(qs, q);
		complete(q, 1, NULL);
	}
	return 1;
}

int ctl_query_init(struct ctl *c)
{
	struct ctl_query_state *qs = calloc(1, sizeof(*qs));
	if (!qs)
		return -ENOMEM;
	pthread_mutex_init(&qs->mu, NULL);
	qs->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (qs->fd < 0)
		goto fail_free;
	qs->ev = event_new(c->base, qs->fd, EV_READ | EV_PERSIST, query_wake_cb, c);
	if (!qs->ev || event_add(qs->ev, NULL))
		goto fail_close;
	c->query = qs;
	return 0;

fail_close:
	if (qs->ev)
		event_free(qs->ev);
	close(qs->fd);
fail_free:
	pthread_mutex_destroy(&qs->mu);
	free(qs);
	return -ENOMEM;
}

void ctl_query_free(struct ctl *c)
{
	struct ctl_query_state *qs = c ? c->query : NULL;
	struct ctl_query *list, *q;
	if (!qs)
		return;
	pthread_mutex_lock(&qs->mu);
	qs->closed = 1;
	list = qs->queue;
	qs->queue = NULL;
	pthread_mutex_unlock(&qs->mu);
	while ((q = qs->pending)) {
		qs->pending = q->next;
		q->next = NULL;
		complete(q, 0, "the controller stopped");
	}
	while ((q = list)) {
		list = q->next;
		q->next = NULL;
		complete(q, 0, "the controller stopped");
	}
	if (qs->ev)
		event_free(qs->ev);
	close(qs->fd);
	pthread_mutex_destroy(&qs->mu);
	free(qs);
	c->query = NULL;
}
