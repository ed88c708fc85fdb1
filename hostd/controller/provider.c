/* hostd/controller/provider.c: the desired-state provider hook
 * (provider.h). Holds the installed provider and an eventfd on the
 * controller's libevent loop through which other threads ask for a
 * rebuild; switch.c, conn.c and converge.c call the ctl_provider_*
 * functions at the points where they would otherwise use the flows file
 * or the learning app. */
#include <errno.h>
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
};

static void rebuild_all(struct ctl *c)
{
	struct conn *cn;
	for (cn = c->conns; cn; cn = cn->next) {
		if (cn->st != CS_READY || !cn->sw)
			continue;
		if (cn->conv.st == CV_IDLE)
			sw_build_desired(c, cn->sw);
		conv_start(cn); /* busy: queued, rebuilt when the current one ends */
	}
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;
	(void)what;
	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
	rebuild_all(arg);
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
	free(ps);
	return -ENOMEM;
}

void ctl_provider_kick(struct ctl *c)
{
	uint64_t one = 1;
	struct ctl_prov_state *ps = c->prov;
	if (ps && write(ps->kick_fd, &one, sizeof(one)) < 0)
		LOG_WARN(CTL_MOD, "provider kick: %s", strerror(errno));
}

int ctl_provider_build(struct ctl *c, struct sw *s)
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
	if (r) {
		desired_uninit(d);
		free(d);
		return r < 0 ? r : -EINVAL;
	}
	if (s->want) {
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

void ctl_provider_keep(const struct ctl *c, uint64_t *cookie, uint64_t *mask)
{
	const struct ctl_prov_state *ps = c->prov;
	*cookie = ps ? ps->p.keep_cookie : 0;
	*mask = ps ? ps->p.keep_mask : 0;
}
