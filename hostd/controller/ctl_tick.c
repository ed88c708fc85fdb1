/* hostd/controller/ctl_tick.c: periodic callbacks run by the controller's
 * event loop (controller.h: ctl_tick_new). hostd/main.c uses one to ping
 * the systemd watchdog from the loop itself, so a loop that stops turning
 * stops the pings and systemd restarts hostd. */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "hostd/controller/controller.h"
#include "hostd/controller/ctl_int.h"

struct ctl_tick {
	struct event *ev;       /* persistent timer on the controller's base */
	void (*fn)(void *arg);  /* the callback */
	void *arg;              /* its argument */
};

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_tick *t = arg;
	(void)fd;
	(void)what;
	t->fn(t->arg);
}

int ctl_tick_new(struct ctl *c, uint32_t period_ms, void (*fn)(void *arg), void *arg,
		 struct ctl_tick **out)
{
	struct timeval tv = { .tv_sec = period_ms / 1000, .tv_usec = (period_ms % 1000) * 1000 };
	struct ctl_tick *t;
	if (!period_ms || !fn)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	t->ev = event_new(c->base, -1, EV_PERSIST, tick_cb, t);
	if (!t->ev || event_add(t->ev, &tv)) {
		ctl_tick_free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void ctl_tick_free(struct ctl_tick *t)
{
	if (!t)
		return;
	if (t->ev)
		event_free(t->ev);
	free(t);
}
