/* hostd/controller/provider.c: the desired-state provider hook
 * (provider.h). Holds the installed provider and an eventfd on the
 * controller's libevent loop through which other threads ask for a
 * rebuild; switch.c, conn.c and converge.c call the ctl_provider_*
 * functions at the points where they would otherwise use the flows file
 * or the learning app. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/provider.h"

/* What struct ctl's `prov` points at. */
struct ctl_prov_state {
	struct ctl_provider p;  /* the provider (copy) */
	int kick_fd;            /* eventfd written by ctl_provider_kick */
	struct event *kick_ev;  /* its read event on the loop */
	pthread_mutex_t mu;     /* guards `dirty` (any thread) */
	struct unitset dirty;   /* units changed since the loop last looked */
};

/* The loop's side of a kick: every ready switch gets the changed units
 * and, when idle, rebuilds and converges (a busy one does when its
 * current convergence ends, converge.c). */
static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *c = arg;
	struct ctl_prov_state *ps = c->prov;
	struct unitset u = { 0 };
	struct conn *cn;
	uint64_t v;
	(void)what;
	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
	pthread_mutex_lock(&ps->mu);
	u = ps->dirty; /* taken whole: the next change starts a new set */
	memset(&ps->dirty, 0, sizeof(ps->dirty));
	pthread_mutex_unlock(&ps->mu);
	for (cn = c->conns; cn; cn = cn->next) {
		if (cn->st != CS_READY || !cn->sw)
			continue;
		if (unitset_merge(&cn->sw->pending, &u))
			cn->sw->pending.all = 1;
		if (cn->conv.st == CV_HOLD)
			conv_gate_check(cn); /* its change may be durable (or refused) now */
		if (cn->conv.st == CV_IDLE)
			sw_refresh(cn);
	}
	unitset_uninit(&u);
}

/* The generation s->want was just built from (build or build_units). */
static void note_gen(struct ctl_prov_state *ps, struct sw *s)
{
	s->gen = ps->p.gen ? ps->p.gen(ps->p.arg) : 0;
}

int ctl_provider_gate_gen(struct ctl *c, uint64_t gen)
{
	const struct ctl_prov_state *ps = c->prov;
	if (!ps || !ps->p.gate)
		return 1;
	return ps->p.gate(ps->p.arg, gen);
}

int ctl_provider_gate(struct ctl *c, const struct sw *s)
{
	return ctl_provider_gate_gen(c, s->gen);
}

void ctl_provider_free(struct ctl *c)
{
	struct ctl_prov_state *ps = c ? c->prov : NULL;
	if (!ps)
		return;
	if (ps->kick_ev)
		event_free(ps->kick_ev);
	if (ps->kick_fd >= 0)
		close(ps->kick_fd);
	pthread_mutex_destroy(&ps->mu);
	unitset_uninit(&ps->dirty);
	free(ps);
	c->prov = NULL;
}

int ctl_set_provider(struct ctl *c, const struct ctl_provider *p)
{
	struct ctl_prov_state *ps;
	ctl_provider_free(c);
	if (!p)
		return 0;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->p = *p;
	pthread_mutex_init(&ps->mu, NULL);
	ps->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ps->kick_fd < 0)
		goto fail_free;
	ps->kick_ev = event_new(c->base, ps->kick_fd, EV_READ | EV_PERSIST, kick_cb, c);
	if (!ps->kick_ev || event_add(ps->kick_ev, NULL))
		goto fail_close;
	c->prov = ps;
	return 0;

fail_close:
	if (ps->kick_ev)
		event_free(ps->kick_ev);
	close(ps->kick_fd);
fail_free:
	pthread_mutex_destroy(&ps->mu);
	free(ps);
	return -ENOMEM;
}

static void kick(struct ctl_prov_state *ps)
{
	uint64_t one = 1;
	if (write(ps->kick_fd, &one, sizeof(one)) < 0)
		LOG_WARN(CTL_MOD, "provider kick: %s", strerror(errno));
}

void ctl_provider_gate_kick(struct ctl *c)
{
	struct ctl_prov_state *ps = c->prov;
	if (ps)
		kick(ps); /* kick_cb looks at every held convergence */
}

void ctl_provider_kick(struct ctl *c)
{
	struct ctl_prov_state *ps = c->prov;
	if (!ps)
		return;
	pthread_mutex_lock(&ps->mu);
	ps->dirty.all = 1;
	pthread_mutex_unlock(&ps->mu);
	kick(ps);
}

int ctl_provider_dirty(struct ctl *c, const struct unitset *u)
{
	struct ctl_prov_state *ps = c->prov;
	int r;
	if (!ps)
		return 0;
	pthread_mutex_lock(&ps->mu);
	r = unitset_merge(&ps->dirty, u);
	if (r)
		ps->dirty.all = 1;
	pthread_mutex_unlock(&ps->mu);
	kick(ps);
	return r;
}

int ctl_provider_build_units(struct ctl *c, struct sw *s, struct desired *cur, size_t *flow_from,
			     size_t *group_from)
{
	struct ctl_prov_state *ps = c->prov;
	struct desired *w = s->want;
	size_t i;
	int n;

	if (!ps || !ps->p.build_units || !ps->p.unit_of || !w || s->pending.all)
		return 0;
	if (desired_take_units(w, &s->pending, ps->p.unit_of, cur))
		return -1;
	*flow_from = w->flows.n;
	*group_from = w->n_groups;
	n = ps->p.build_units(ps->p.arg, s->dpid, sw_port_by_name, s, &s->pending, w);
	note_gen(ps, s);
	if (n < 0 || w->flows.n - *flow_from != (size_t)n) {
		LOG_INFO(CTL_MOD, "switch %#llx: incremental rebuild %s: rebuilding whole",
			 (unsigned long long)s->dpid, n < 0 ? strerror(-n) : "replaced a flow of another unit");
		return -1;
	}
	for (i = *group_from; i < w->n_groups; i++)
		if (desired_find_group(w, w->groups[i].group_id) != (int)i) {
			LOG_INFO(CTL_MOD, "switch %#llx: incremental rebuild duplicated group %u: "
				 "rebuilding whole", (unsigned long long)s->dpid, w->groups[i].group_id);
			return -1;
		}
	return 1;
}

int ctl_provider_build(struct ctl *c, struct sw *s, struct desired **prev)
{
	struct ctl_prov_state *ps = c->prov;
	struct desired *d;
	int r;
	if (!ps || !ps->p.build)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	desired_init(d);
	r = ps->p.build(ps->p.arg, s->dpid, sw_port_by_name, s, d);
	note_gen(ps, s);
	if (r) {
		desired_uninit(d);
		free(d);
		return r < 0 ? r : -EINVAL;
	}
	if (prev) {
		*prev = s->want;
	} else if (s->want) {
		desired_uninit(s->want);
		free(s->want);
	}
	s->want = d;
	return 1;
}

int ctl_provider_packet_in(struct conn *cn, const struct ofp_msg *msg)
{
	struct ctl_prov_state *ps = cn->ctl->prov;
	struct ofp_msg out[CTL_PROVIDER_MAX_MSGS];
	int n, i;
	if (!ps || !ps->p.packet_in || !cn->sw)
		return 0;
	n = ps->p.packet_in(ps->p.arg, cn->dpid, &msg->u.packet_in, out);
	for (i = 0; i < n && i < CTL_PROVIDER_MAX_MSGS; i++) {
		out[i].xid = conn_xid(cn);
		if (conn_send(cn, &out[i]) == 0) {
			if (out[i].type == OFPMSG_FLOW_MOD)
				cn->n_flow_mod++;
			else if (out[i].type == OFPMSG_PACKET_OUT)
				cn->n_packet_out++;
		}
		ofp_msg_uninit(&out[i]);
	}
	if (ps->p.release)
		ps->p.release(ps->p.arg);
	return n > 0; /* nothing produced: let another app (learn) try */
}

void ctl_provider_port_changed(struct ctl *c, struct sw *s, const char *name)
{
	struct ctl_prov_state *ps = c->prov;
	if (!ps || !ps->p.port_units || !name ||
	    ps->p.port_units(ps->p.arg, s->dpid, name, &s->pending))
		s->pending.all = 1;
}

void ctl_provider_keep(const struct ctl *c, uint64_t *cookie, uint64_t *mask)
{
	const struct ctl_prov_state *ps = c->prov;
	*cookie = ps ? ps->p.keep_cookie : 0;
	*mask = ps ? ps->p.keep_mask : 0;
}
