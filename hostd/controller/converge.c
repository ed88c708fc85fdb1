/* hostd/controller/converge.c: keeping one switch converged.
 *
 * On every (re)connect and SIGHUP, conn.c calls conv_start(): dump the
 * switch's flows, groups and meters into a struct desired, ctl_diff() it
 * against the switch's desired state (desired.c, built by switch.c), and
 * send only the difference. A switch in sync (its last convergence went
 * through with nothing refused) converges a topology change without a
 * dump, conv_start_from(): against the previous desired state, or, after
 * an incremental rebuild (switch.c sw_refresh), against just the part of it
 * that was replaced. The difference travels inside an ONF bundle when the
 * switch accepts one (meters outside it), else as plain messages with
 * barriers. Every message sent is remembered by xid (struct xidmap) so an ERROR maps back
 * to the flow/group/meter that caused it; a rejected item is logged once
 * with its source line, marked rejected, and, when it made an atomic
 * bundle fail, the rest is sent again without it. Output respects the
 * connection's watermarks: conv_pump() resumes when it drains. With a
 * provider gate (provider.h) nothing lands before the gate opens: the
 * bundle commit (or, plain, the first message) waits in CV_HOLD, and a
 * refused change discards the bundle and starts over from a dump. A held
 * bundle takes the changes that come in meanwhile (conv_extend: the stages
 * of a large apply, hostd/topo/topo.h), so the switch works on them while
 * hostd still builds the rest. Flow_mods are written straight from the
 * packed desired state (dflow_rec_put_flow_mod). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/provider.h"

#define BARRIER_EVERY 256 /* plain mode: one barrier per this many items */
/* conv_pump pushes the queued output to the socket every this many items
 * (conn_push, ~300 KB of flow_mods) instead of leaving all of it to the
 * event loop, which writes only once the pump returns (at the 4 MiB high
 * watermark: ~27,000 flows, with OVS idle while they were encoded). Saves
 * 5-15 ms of a 27,000-flow convergence (tests/bench/README.md). */
#define PUSH_EVERY 2048

/* ---- small pure helpers ------------------------------------------------ */

int ctl_wm_update(struct ctl_wm *w, size_t queued)
{
	if (!w->throttled && queued >= w->high) {
		w->throttled = 1;
		return 1;
	}
	if (w->throttled && queued <= w->low) {
		w->throttled = 0;
		return -1;
	}
	return 0;
}

int xidmap_push(struct xidmap *m, uint32_t xid, uint8_t kind, uint8_t op, int idx)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct pending_op *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].xid = xid;
	m->v[m->n].kind = kind;
	m->v[m->n].op = op;
	m->v[m->n].idx = idx;
	m->n++;
	return 0;
}

const struct pending_op *xidmap_find(const struct xidmap *m, uint32_t xid)
{
	size_t lo = 0, hi = m->n;
	/* entries are pushed with increasing xids; compare relative to the
	 * first one so a wrap of the 32-bit counter keeps the order */
	if (!m->n)
		return NULL;
	uint32_t base = m->v[0].xid, key = xid - base;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k = m->v[mid].xid - base;
		if (k == key)
			return &m->v[mid];
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void xidmap_clear(struct xidmap *m)
{
	m->n = 0;
}

void xidmap_uninit(struct xidmap *m)
{
	if (!m)
		return;
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static size_t add_xid(uint32_t *out, size_t n, uint32_t x)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (out[i] == x)
			return n;
	out[n] = x;
	return n + 1;
}

size_t ctl_error_xids(const struct ofp_error *e, uint32_t own_xid, uint32_t out[3])
{
	size_t n = add_xid(out, 0, own_xid);
	const uint8_t *d = e->data.data;
	if (e->type == OFPET_HELLO_FAILED || !d || e->data.len < 8)
		return n;
	n = add_xid(out, n, ofp_get_be32(d + 4));
	/* an ONF bundle add (EXPERIMENTER, ONF id, exp_type 2301): the inner
	 * message starts after its 24-byte header */
	if (e->data.len >= 24 + 8 && d[1] == OFPT_EXPERIMENTER &&
	    ofp_get_be32(d + 8) == ONF_EXPERIMENTER_ID &&
	    ofp_get_be32(d + 12) == ONFT_BUNDLE_ADD_MESSAGE)
		n = add_xid(out, n, ofp_get_be32(d + 24 + 4));
	return n;
}

/* ---- converge machine ------------------------------------------------------ */

static const char *op_name(uint8_t op)
{
	static const char *const names[] = { "add", "modify", "replace", "delete" };
	return op < 4 ? names[op] : "?";
}

static void conv_reset_attempt(struct conv *cv)
{
	diff_uninit(&cv->diff);
	cv->next = 0;
	xidmap_clear(&cv->pend);
	cv->rejected_now = 0;
	cv->open_failed = 0;
	cv->gate_ok = 0;
	cv->extended = 0;
}

void conv_uninit(struct conv *cv)
{
	if (!cv)
		return;
	desired_uninit(&cv->cur);
	diff_uninit(&cv->diff);
	xidmap_uninit(&cv->pend);
	memset(cv, 0, sizeof(*cv));
}

static int send_dump(struct conn *cn, uint16_t mp_type, uint32_t *xid)
{
	struct ofp_msg m;
	ofp_mp_request_init(&m, *xid = conn_xid(cn), mp_type);
	return conn_send(cn, &m);
}

void conv_start(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	if (cn->st != CS_READY)
		return;
	if (cv->st != CV_IDLE) {
		cv->again = 1;
		return;
	}
	desired_uninit(&cv->cur);
	conv_reset_attempt(cv);
	cv->attempts = 0;
	cv->flow_mods = cv->other_mods = 0;
	cv->t_start_ms = ctl_now_ms();
	cv->flow_from = cv->group_from = 0;
	cv->dumped = 1;
	/* a new convergence forgets earlier rejections: the switch may have
	 * changed (a group may exist now) */
	if (cn->sw && cn->sw->want) {
		size_t i;
		for (i = 0; i < cn->sw->want->flows.n; i++)
			cn->sw->want->flows.v[i].rejected = 0;
		for (i = 0; i < cn->sw->want->n_groups; i++)
			cn->sw->want->groups[i].rejected = 0;
		for (i = 0; i < cn->sw->want->n_meters; i++)
			cn->sw->want->meters[i].rejected = 0;
	}
	cv->dump_wait = 7;
	if (send_dump(cn, OFPMP_FLOW, &cv->dump_xid[0]) ||
	    send_dump(cn, OFPMP_GROUP_DESC, &cv->dump_xid[1]) ||
	    send_dump(cn, OFPMP_METER, &cv->dump_xid[2])) {
		conn_close(cn, "cannot queue the state dump");
		return;
	}
	cv->st = CV_DUMP;
}

static void dump_complete(struct conn *cn);

void conv_start_from(struct conn *cn, struct desired *prev, int partial, size_t flow_from,
		     size_t group_from)
{
	struct conv *cv = &cn->conv;
	desired_uninit(&cv->cur);
	cv->cur = *prev; /* moved */
	desired_init(prev);
	conv_reset_attempt(cv);
	cv->attempts = 0;
	cv->flow_mods = cv->other_mods = 0;
	cv->t_start_ms = ctl_now_ms();
	cv->flow_from = flow_from;
	cv->group_from = group_from;
	cv->dumped = 0;
	cv->partial = partial;
	/* nothing of want is marked rejected: the switch was in sync */
	dump_complete(cn);
}

/* Takes the entries of one dump reply into cv->cur. */
static void take_dump(struct conn *cn, const struct ofp_msg *msg)
{
	struct conv *cv = &cn->conv;
	const struct ofp_multipart *mp = &msg->u.mp;
	size_t i;
	if (mp->mp_type == OFPMP_FLOW) {
		struct ofp_flow_stats *fs = mp->u.list.items;
		for (i = 0; i < mp->u.list.n; i++) {
			/* no text kept: formatted on demand (item_text) */
			int rc = flowset_add_stats(&cv->cur.flows, &fs[i]);
			if (rc >= 0)
				continue;
			LOG_ERR(CTL_MOD, "%s: cannot keep a dumped flow (table %u priority %u): %s",
				cn->peer, fs[i].table_id, fs[i].priority, strerror(-rc));
			return;
		}
	} else if (mp->mp_type == OFPMP_GROUP_DESC) {
		struct ofp_group_desc *gd = mp->u.list.items;
		for (i = 0; i < mp->u.list.n; i++) {
			struct dgroup *g = desired_add_group(&cv->cur);
			char buf[64];
			if (!g)
				return;
			g->group_id = gd[i].group_id;
			g->type = gd[i].type;
			g->buckets = gd[i].buckets;
			memset(&gd[i].buckets, 0, sizeof(gd[i].buckets));
			snprintf(buf, sizeof(buf), "group_id=%u", g->group_id);
			g->text = strdup(buf);
			dgroup_finish(g);
		}
	} else if (mp->mp_type == OFPMP_METER) {
		struct ofp_meter_stats *ms = mp->u.list.items;
		for (i = 0; i < mp->u.list.n; i++) {
			struct dmeter *m = desired_add_meter(&cv->cur);
			char buf[64];
			if (!m)
				return;
			m->meter_id = ms[i].meter_id;
			snprintf(buf, sizeof(buf), "meter_id=%u", m->meter_id);
			m->text = strdup(buf);
		}
	}
}

/* The item a pending op refers to, as text for the log (*tofree: what
 * the caller frees afterwards, a flow formatted on demand). */
static const char *item_text(struct conn *cn, const struct pending_op *p, int *line,
			     char **tofree)
{
	struct conv *cv = &cn->conv;
	const struct desired *d = p->op == DIFF_DELETE ? &cv->cur : cn->sw->want;
	*line = 0;
	*tofree = NULL;
	switch (p->kind) {
	case DK_FLOW:
		*line = d->flows.v[p->idx].line;
		if (d->flows.v[p->idx].text)
			return d->flows.v[p->idx].text;
		return *tofree = dflow_rec_format(&d->flows.v[p->idx]);
	case DK_GROUP:
		*line = d->groups[p->idx].line;
		return d->groups[p->idx].text;
	default:
		*line = d->meters[p->idx].line;
		return d->meters[p->idx].text;
	}
}

static void mark_rejected(struct conn *cn, const struct pending_op *p)
{
	struct desired *w = cn->sw->want;
	if (p->op == DIFF_DELETE)
		return; /* a refused delete leaves nothing to drop */
	if (p->kind == DK_FLOW)
		w->flows.v[p->idx].rejected = 1;
	else if (p->kind == DK_GROUP)
		w->groups[p->idx].rejected = 1;
	else
		w->meters[p->idx].rejected = 1;
}

static void diff_and_send(struct conn *cn);

static void conv_done(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	struct desired *w = cn->sw->want;
	size_t i, rej = 0;
	/* only the part diffed can hold rejections (conv_start_from) */
	for (i = cv->flow_from; i < w->flows.n; i++)
		rej += w->flows.v[i].rejected;
	for (i = cv->group_from; i < w->n_groups; i++)
		rej += w->groups[i].rejected;
	for (i = 0; i < w->n_meters; i++)
		rej += w->meters[i].rejected;
	LOG_INFO(CTL_MOD,
		 "switch %#llx: converged in %llu ms (%s, %u attempt%s): desired flows=%zu "
		 "groups=%zu meters=%zu; found flows=%zu; sent add=%zu modify=%zu delete=%zu "
		 "flow_mods=%llu group/meter mods=%llu; rejected=%zu; against %s",
		 (unsigned long long)cn->dpid, (unsigned long long)(ctl_now_ms() - cv->t_start_ms),
		 cv->bundle ? "bundle" : "plain", cv->attempts, cv->attempts == 1 ? "" : "s",
		 w->flows.n, w->n_groups, w->n_meters, cv->cur.flows.n, cv->n_add, cv->n_mod,
		 cv->n_del, (unsigned long long)cv->flow_mods, (unsigned long long)cv->other_mods,
		 rej, cv->dumped ? "a dump" : cv->partial ? "the replaced units" : "the previous state");
	cv->st = CV_IDLE;
	conv_reset_attempt(cv);
	desired_uninit(&cv->cur);
	/* in sync from now on unless something was refused: then the next
	 * change converges against a dump again */
	cn->sw->synced = !rej;
	if (cv->again) {
		cv->again = 0;
		sw_build_desired(cn->ctl, cn->sw);
		conv_start(cn);
	} else {
		sw_refresh(cn); /* changes that came in meanwhile */
	}
}

/* Encodes one diff item (as a bundle add when in a bundle). */
static int send_item(struct conn *cn, const struct diff_item *it)
{
	struct conv *cv = &cn->conv;
	const struct desired *src = it->op == DIFF_DELETE ? &cv->cur : cn->sw->want;
	uint32_t xid = conn_xid(cn);
	struct ofp_msg m, outer;
	int in_bundle = cv->bundle && it->kind != DK_METER;
	int owned = 0; /* m owns heap parts (decoded instructions, buckets) */
	int rc;

	switch (it->kind) {
	case DK_FLOW: {
		/* the most numerous: written straight from the packed record
		 * (no message struct, instructions copied as packed) */
		static const uint8_t cmd[] = { [DIFF_ADD] = OFPFC_ADD,
					       [DIFF_MODIFY] = OFPFC_MODIFY_STRICT,
					       [DIFF_REPLACE] = OFPFC_ADD,
					       [DIFF_DELETE] = OFPFC_DELETE_STRICT };
		const struct ofp_bundle_add wrap = { .bundle_id = cv->bundle_id,
						     .flags = OFPBF_ATOMIC | OFPBF_ORDERED };
		ofpbuf_clear(&cn->out);
		rc = dflow_rec_put_flow_mod(&src->flows.v[it->idx], cmd[it->op], xid,
					    in_bundle ? &wrap : NULL, &cn->out);
		if (rc == -ENOMEM)
			return rc;
		if (rc) { /* a bad item is skipped, not fatal (as conn_send) */
			LOG_ERR(CTL_MOD, "%s: cannot encode a flow_mod of table %u priority %u",
				cn->peer, src->flows.v[it->idx].table, src->flows.v[it->idx].priority);
			return 0;
		}
		cv->flow_mods++;
		cn->n_flow_mod++;
		if (it->op == DIFF_ADD)
			cv->n_add++;
		else if (it->op == DIFF_DELETE)
			cv->n_del++;
		else
			cv->n_mod++;
		if (xidmap_push(&cv->pend, xid, (uint8_t)it->kind, (uint8_t)it->op, it->idx))
			return -ENOMEM;
		return conn_send_raw(cn, cn->out.data, cn->out.len);
	}
	case DK_GROUP: {
		const struct dgroup *g = &src->groups[it->idx];
		uint16_t gc = it->op == DIFF_ADD ? OFPGC_ADD
			      : it->op == DIFF_DELETE ? OFPGC_DELETE : OFPGC_MODIFY;
		if (dgroup_to_group_mod(g, gc, xid, &m)) {
			ofp_msg_uninit(&m);
			return -ENOMEM;
		}
		owned = 1;
		cv->other_mods++;
		break;
	}
	default: {
		const struct dmeter *me = &src->meters[it->idx];
		ofp_msg_init(&m, OFPMSG_METER_MOD, xid);
		m.u.meter_mod.command = it->op == DIFF_ADD ? OFPMC_ADD
					: it->op == DIFF_DELETE ? OFPMC_DELETE : OFPMC_MODIFY;
		m.u.meter_mod.meter_id = me->meter_id;
		if (it->op != DIFF_DELETE) {
			m.u.meter_mod.flags = me->flags;
			m.u.meter_mod.n_bands = me->n_bands;
			memcpy(m.u.meter_mod.bands, me->bands, sizeof(me->bands));
		}
		cv->other_mods++;
		break;
	}
	}
	if (xidmap_push(&cv->pend, xid, (uint8_t)it->kind, (uint8_t)it->op, it->idx)) {
		rc = -ENOMEM;
	} else if (!in_bundle) {
		rc = conn_send(cn, &m);
	} else {
		ofp_msg_init(&outer, OFPMSG_BUNDLE_ADD, xid);
		outer.u.bundle_add.bundle_id = cv->bundle_id;
		outer.u.bundle_add.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
		outer.u.bundle_add.msg = &m; /* borrowed: outer is not uninit'ed */
		rc = conn_send(cn, &outer);
	}
	if (owned)
		ofp_msg_uninit(&m);
	return rc;
}

static int send_ctrl(struct conn *cn, uint16_t type, uint32_t *xid)
{
	struct ofp_msg m;
	ofp_msg_init(&m, OFPMSG_BUNDLE_CONTROL, *xid = conn_xid(cn));
	m.u.bundle_ctrl.bundle_id = cn->conv.bundle_id;
	m.u.bundle_ctrl.type = type;
	m.u.bundle_ctrl.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
	return conn_send(cn, &m);
}

static int send_barrier(struct conn *cn, uint32_t *xid)
{
	struct ofp_msg m;
	ofp_msg_init(&m, OFPMSG_BARRIER_REQUEST, *xid = conn_xid(cn));
	return conn_send(cn, &m);
}

/* Starts the switch over: the open bundle discarded (`discard`; the
 * switch keeps what it had), and since the desired state and the switch
 * no longer match what this convergence assumed, the switch is rebuilt
 * whole and converged from a dump. */
static void conv_over(struct conn *cn, int discard)
{
	struct conv *cv = &cn->conv;
	uint32_t x;
	if (discard && send_ctrl(cn, OFPBCT_DISCARD_REQUEST, &x)) {
		conn_close(cn, "cannot queue a bundle discard");
		return;
	}
	cv->st = CV_IDLE;
	cv->again = 0;
	conv_reset_attempt(cv);
	desired_uninit(&cv->cur);
	cn->sw->synced = 0;
	cn->sw->pending.all = 1;
	sw_refresh(cn);
}

/* A refused change (the provider's gate said -1): nothing of this
 * convergence may land (the undone change's units came through the kick
 * too). */
static void conv_refused(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	LOG_WARN(CTL_MOD, "switch %#llx: the change being converged was undone (its store write "
		 "failed, or its transaction): %s; converging again from a dump",
		 (unsigned long long)cn->dpid,
		 cv->bundle ? "bundle discarded" : "nothing of it was sent");
	conv_over(cn, cv->bundle);
}

/* The provider's gate (provider.h) before anything of this attempt can
 * land: 1 go on, 0 held (CV_HOLD), -1 refused (conv_refused). */
static int gate_open(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	int g;
	if (cv->gate_ok)
		return 1;
	g = ctl_provider_gate(cn->ctl, cn->sw);
	/* an extended bundle holds every generation since the attempt
	 * started: a failed staged transaction refuses all of its own, and
	 * an extension may have read the state after their undo (durable) */
	for (uint64_t gen = cv->gen_low; cv->extended && g >= 0 && gen < cn->sw->gen; gen++) {
		int f = ctl_provider_gate_gen(cn->ctl, gen);
		g = f < 0 ? f : f < g ? f : g;
	}
	if (g > 0) {
		cv->gate_ok = 1;
		return 1;
	}
	if (g == 0) {
		LOG_DBG(CTL_MOD, "switch %#llx: holding the %s until the change is stored",
			(unsigned long long)cn->dpid, cv->bundle ? "bundle commit" : "first message");
		cv->st = CV_HOLD;
		conn_push(cn); /* the bundle's items go out meanwhile */
		conv_extend(cn); /* and the next stage's, if any came */
	} else {
		conv_refused(cn);
	}
	return 0;
}

void conv_gate_check(struct conn *cn)
{
	if (cn->conv.st != CV_HOLD)
		return;
	cn->conv.st = CV_SEND;
	conv_pump(cn); /* asks the gate again where it stopped */
}

void conv_pump(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	uint32_t bx;
	if (cv->st != CV_SEND)
		return;
	/* without a bundle nothing can be taken back: wait before the first */
	if (!cv->bundle && !gate_open(cn))
		return;
	while (cv->next < cv->diff.n) {
		const struct diff_item *it = &cv->diff.v[cv->next];
		if (conn_throttled(cn))
			return; /* resumed from the write callback */
		cv->next++;
		/* in a bundle attempt, meters travel outside it (added before the
		 * open, deleted after the commit) */
		if (it->kind == DK_METER && (cv->bundle || (cv->meters_sent && it->op != DIFF_DELETE)))
			continue;
		if (send_item(cn, it)) {
			conn_close(cn, "cannot queue a flow table update");
			return;
		}
		if (!cv->bundle && cv->next % BARRIER_EVERY == 0 && send_barrier(cn, &bx)) {
			conn_close(cn, "cannot queue a barrier");
			return;
		}
		if (cv->next % PUSH_EVERY == 0)
			conn_push(cn);
	}
	if (cv->bundle) {
		/* the bundle's items are on their way: its commit waits for
		 * the gate */
		if (!gate_open(cn))
			return;
		/* meter deletes (at the end of the diff) go after the commit */
		if (send_ctrl(cn, OFPBCT_COMMIT_REQUEST, &cv->wait_xid)) {
			conn_close(cn, "cannot queue the bundle commit");
			return;
		}
		cv->st = CV_COMMIT;
	} else {
		if (send_barrier(cn, &cv->wait_xid)) {
			conn_close(cn, "cannot queue a barrier");
			return;
		}
		cv->st = CV_BARRIER;
	}
}

/* How the switch's difference is worked out (flows of others kept). */
static void diff_opts_of(struct conn *cn, struct diff_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->meters_opaque = 1;
	if (cn->ctl->cfg.app == CTL_APP_LEARN) {
		opts->keep_cookie = APP_LEARN_COOKIE;
		opts->keep_mask = APP_LEARN_COOKIE_MASK;
	}
	if (cn->ctl->prov)
		ctl_provider_keep(cn->ctl, &opts->keep_cookie, &opts->keep_mask);
}

static int has_meters(const struct diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].kind == DK_METER)
			return 1;
	return 0;
}

void conv_extend(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	struct sw *s = cn->sw;
	struct diff_opts opts;
	struct desired cur;
	struct diff d = { 0 };
	size_t ff, gf;
	int partial;
	if (cv->st != CV_HOLD || !cv->bundle || !s || !s->synced ||
	    (!s->pending.all && !s->pending.n) || has_meters(&cv->diff)) /* (meters travel
									   * outside bundles) */
		return;
	diff_opts_of(cn, &opts);
	desired_init(&cur);
	/* what the switch and the bundle hold together is the previous
	 * desired state: the rebuild's difference from it goes in too */
	if (!sw_rebuild_pending(cn->ctl, s, &cur, &ff, &gf, &partial) ||
	    ctl_diff_from(&cur, s->want, ff, gf, &opts, &d) || has_meters(&d)) {
		LOG_INFO(CTL_MOD, "switch %#llx: the held bundle cannot take the next change "
			 "incrementally: discarded, converging again from a dump",
			 (unsigned long long)cn->dpid);
		desired_uninit(&cur);
		diff_uninit(&d);
		conv_over(cn, 1);
		return;
	}
	if (!d.n) { /* nothing for this switch: hold for the newer generation */
		desired_uninit(&cur);
		diff_uninit(&d);
		return;
	}
	/* the earlier items are in the bundle already; from now on a
	 * rejected item cannot be named (want was rebuilt around them) */
	cv->extended++;
	desired_uninit(&cv->cur);
	cv->cur = cur; /* moved */
	diff_uninit(&cv->diff);
	cv->diff = d; /* moved */
	cv->next = 0;
	cv->flow_from = cv->group_from = 0; /* conv_done looks at all of want */
	cv->dumped = 0;
	cv->partial = 1;
	LOG_DBG(CTL_MOD, "switch %#llx: held bundle extended (%u) with %zu items",
		(unsigned long long)cn->dpid, cv->extended, cv->diff.n);
	cv->st = CV_SEND;
	conv_pump(cn);
}

static void diff_and_send(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	struct diff_opts opts;
	diff_opts_of(cn, &opts);
	conv_reset_attempt(cv);
	cv->gen_low = cn->sw->gen;
	cv->meters_sent = 0;
	cv->attempts++;
	cv->n_add = cv->n_mod = cv->n_del = 0;
	if (ctl_diff_from(&cv->cur, cn->sw->want, cv->flow_from, cv->group_from, &opts,
			  &cv->diff)) {
		conn_close(cn, "out of memory computing the difference");
		return;
	}
	if (!cv->diff.n) {
		conv_done(cn);
		return;
	}
	if (cv->bundle) {
		/* meters outside the bundle (switches do not bundle them) */
		size_t i;
		for (i = 0; i < cv->diff.n; i++)
			if (cv->diff.v[i].kind == DK_METER && cv->diff.v[i].op != DIFF_DELETE &&
			    send_item(cn, &cv->diff.v[i])) {
				conn_close(cn, "cannot queue a meter");
				return;
			}
		cv->meters_sent = 1;
		cv->bundle_id++;
		if (send_ctrl(cn, OFPBCT_OPEN_REQUEST, &cv->open_xid)) {
			conn_close(cn, "cannot queue a bundle open");
			return;
		}
		if (cv->bundle_ok) {
			/* the switch does bundles: no round trip for the open */
			cv->st = CV_SEND;
			conv_pump(cn);
			return;
		}
		cv->st = CV_OPEN;
		return;
	}
	cv->st = CV_SEND;
	conv_pump(cn);
}

static void dump_complete(struct conn *cn)
{
	struct conv *cv = &cn->conv;
	cv->bundle = !cn->ctl->cfg.no_bundle && !cv->bundle_refused;
	diff_and_send(cn);
}

/* Finishes a bundle attempt: meter deletes, then done or retry. */
static void bundle_finished(struct conn *cn, int ok)
{
	struct conv *cv = &cn->conv;
	size_t i;
	if (ok) {
		for (i = 0; i < cv->diff.n; i++)
			if (cv->diff.v[i].kind == DK_METER && cv->diff.v[i].op == DIFF_DELETE &&
			    send_item(cn, &cv->diff.v[i])) {
				conn_close(cn, "cannot queue a meter delete");
				return;
			}
		conv_done(cn);
		return;
	}
	/* the bundle was atomic: nothing of it landed, the dump still holds */
	if (cv->extended) {
		/* it held several changes, whose rejected items cannot be
		 * told apart: over from a dump (that attempt names them) */
		LOG_WARN(CTL_MOD, "switch %#llx: a bundle extended with later changes failed: "
			 "converging again from a dump", (unsigned long long)cn->dpid);
		conv_over(cn, 0);
		return;
	}
	if (cv->rejected_now && cv->attempts < 64) {
		LOG_INFO(CTL_MOD, "switch %#llx: bundle refused because of %u rejected item%s: "
			 "sending the rest again", (unsigned long long)cn->dpid, cv->rejected_now,
			 cv->rejected_now == 1 ? "" : "s");
		diff_and_send(cn);
		return;
	}
	LOG_WARN(CTL_MOD, "switch %#llx: bundle commit failed without an attributable error: "
		 "falling back to plain messages", (unsigned long long)cn->dpid);
	cv->bundle = 0;
	diff_and_send(cn);
}

static void handle_error(struct conn *cn, const struct ofp_msg *msg)
{
	struct conv *cv = &cn->conv;
	const struct ofp_error *e = &msg->u.error;
	uint32_t xids[3];
	size_t n = ctl_error_xids(e, msg->xid, xids), i;
	const struct pending_op *p = NULL;
	char ename[64];
	enum ofperr oe = ofperr_from_wire(e->type, e->code);

	if (oe)
		snprintf(ename, sizeof(ename), "%s", ofperr_name(oe));
	else if (e->type == OFPET_EXPERIMENTER)
		snprintf(ename, sizeof(ename), "experimenter %#x error %u", e->experimenter, e->code);
	else
		snprintf(ename, sizeof(ename), "type %u code %u", e->type, e->code);

	if (cv->st == CV_OPEN && msg->xid == cv->open_xid) {
		LOG_INFO(CTL_MOD, "switch %#llx: bundles refused (%s): using plain messages "
			 "and barriers", (unsigned long long)cn->dpid, ename);
		cv->bundle_refused = 1; /* never again on this connection */
		cv->bundle = 0;
		cv->st = CV_SEND;
		conv_pump(cn);
		return;
	}
	if (cv->bundle && msg->xid == cv->open_xid) {
		/* an open not waited for: its items and commit fail after it, the
		 * commit's failure sends the difference again as plain messages */
		LOG_WARN(CTL_MOD, "switch %#llx: bundle open refused (%s) after earlier bundles "
			 "worked: using plain messages and barriers", (unsigned long long)cn->dpid,
			 ename);
		cv->bundle_refused = 1;
		cv->open_failed = 1;
		return;
	}
	for (i = 0; i < n && !p; i++)
		p = xidmap_find(&cv->pend, xids[i]);
	if (p && cv->open_failed)
		return; /* the item was never in an open bundle */
	if (p && cv->extended) {
		LOG_ERR(CTL_MOD, "switch %#llx: rejected %s %s in a bundle extended with later "
			"changes: %s (the commit fails; the convergence from a dump that follows "
			"names it)", (unsigned long long)cn->dpid,
			p->kind == DK_FLOW ? "flow" : p->kind == DK_GROUP ? "group" : "meter",
			op_name(p->op), ename);
		cv->rejected_now++;
		return;
	}
	if (p) {
		int line;
		char *tofree;
		const char *text = item_text(cn, p, &line, &tofree);
		static const char *const kinds[] = { "flow", "group", "meter" };
		if (line)
			LOG_ERR(CTL_MOD, "switch %#llx: rejected %s %s (flows file line %d: %s): %s",
				(unsigned long long)cn->dpid, kinds[p->kind], op_name(p->op), line,
				text ? text : "?", ename);
		else
			LOG_ERR(CTL_MOD, "switch %#llx: rejected %s %s (%s): %s",
				(unsigned long long)cn->dpid, kinds[p->kind], op_name(p->op),
				text ? text : "?", ename);
		free(tofree);
		mark_rejected(cn, p);
		cv->rejected_now++;
		return;
	}
	if (cv->st == CV_COMMIT && msg->xid == cv->wait_xid) {
		bundle_finished(cn, 0);
		return;
	}
	for (i = 0; i < 3; i++)
		if (cv->st == CV_DUMP && msg->xid == cv->dump_xid[i] && (cv->dump_wait & (1u << i))) {
			LOG_INFO(CTL_MOD, "switch %#llx: dump %zu refused (%s): taken as empty",
				 (unsigned long long)cn->dpid, i, ename);
			cv->dump_wait &= ~(1u << i);
			if (!cv->dump_wait)
				dump_complete(cn);
			return;
		}
	LOG_WARN(CTL_MOD, "switch %#llx: error xid=%#x not matched to a request: %s",
		 (unsigned long long)cn->dpid, msg->xid, ename);
}

int conv_handle(struct conn *cn, const struct ofp_msg *msg)
{
	struct conv *cv = &cn->conv;
	size_t i;
	switch (msg->type) {
	case OFPMSG_ERROR:
		handle_error(cn, msg);
		return 1;
	case OFPMSG_MULTIPART_REPLY:
		if (cv->st != CV_DUMP)
			return 0;
		for (i = 0; i < 3; i++)
			if (msg->xid == cv->dump_xid[i] && (cv->dump_wait & (1u << i)))
				break;
		if (i == 3)
			return 0;
		take_dump(cn, msg);
		if (!(msg->u.mp.flags & OFPMPF_MORE)) {
			cv->dump_wait &= ~(1u << i);
			if (!cv->dump_wait)
				dump_complete(cn);
		}
		return 1;
	case OFPMSG_BUNDLE_CONTROL:
		if (msg->xid == cv->open_xid && msg->u.bundle_ctrl.type == OFPBCT_OPEN_REPLY) {
			if (cv->st == CV_OPEN) {
				cv->st = CV_SEND;
				conv_pump(cn);
			}
			return 1; /* else: items already follow it */
		}
		if (msg->xid != cv->wait_xid)
			return 0;
		if (cv->st == CV_COMMIT && msg->u.bundle_ctrl.type == OFPBCT_COMMIT_REPLY) {
			cv->bundle_ok = 1;
			bundle_finished(cn, 1);
		}
		return 1;
	case OFPMSG_BARRIER_REPLY:
		if (cv->st == CV_BARRIER && msg->xid == cv->wait_xid)
			conv_done(cn);
		return 1;
	default:
		return 0;
	}
}
