/* hostd/controller/controller.c: the controller module hostd/main.c runs.
 *
 * Owns the libevent loop: the listeners (listener.c), every connection
 * (conn.c), the switch registry (switch.c) and the flows file text that
 * each switch's desired state is built from (flowspec.c). Signals arrive
 * through a signalfd (the caller keeps them blocked): SIGTERM/SIGINT stop
 * the loop, SIGHUP re-reads the flows file and converges every switch. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/ctl_query.h"
#include "hostd/controller/flowspec.h"
#include "hostd/controller/provider.h"

uint64_t ctl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Any name resolves: a syntax check independent of the switches. */
static int any_port(void *arg, const char *name, uint32_t *port)
{
	(void)arg;
	(void)name;
	*port = 1;
	return 0;
}

/* Reads and checks the flows file; on success replaces c->spec. */
static int load_flows(struct ctl *c)
{
	struct flowspec_errs errs = { 0 };
	struct desired d;
	char *text = NULL;
	size_t i;
	int n, r;

	if (!c->cfg.flows_path) {
		if (!c->spec && !(c->spec = strdup("")))
			return -ENOMEM;
		return 0;
	}
	r = flowspec_read_file(c->cfg.flows_path, &text);
	if (r) {
		LOG_ERR(CTL_MOD, "%s: %s", c->cfg.flows_path, strerror(-r));
		return r;
	}
	desired_init(&d);
	n = flowspec_parse(text, any_port, NULL, &d, &errs);
	for (i = 0; i < errs.n; i++)
		LOG_ERR(CTL_MOD, "%s:%d:%d: %s", c->cfg.flows_path, errs.v[i].line, errs.v[i].col,
			errs.v[i].msg);
	flowspec_errs_uninit(&errs);
	if (n) {
		if (n > 0)
			LOG_ERR(CTL_MOD, "%s: %d error%s: not loaded", c->cfg.flows_path, n,
				n == 1 ? "" : "s");
		desired_uninit(&d);
		free(text);
		return n < 0 ? n : -EINVAL;
	}
	LOG_INFO(CTL_MOD, "%s: %zu flows, %zu groups, %zu meters", c->cfg.flows_path,
		 d.flows.n, d.n_groups, d.n_meters);
	desired_uninit(&d);
	free(c->spec);
	c->spec = text;
	return 0;
}

static void reload(struct ctl *c)
{
	struct conn *cn;
	LOG_INFO(CTL_MOD, "SIGHUP: re-reading %s", c->cfg.flows_path ? c->cfg.flows_path : "(no flows file)");
	if (load_flows(c)) {
		LOG_WARN(CTL_MOD, "keeping the previous desired state");
		return;
	}
	for (cn = c->conns; cn; cn = cn->next) {
		if (cn->st != CS_READY)
			continue;
		if (cn->conv.st == CV_IDLE)
			sw_build_desired(c, cn->sw);
		conv_start(cn); /* queued (again) when busy: rebuilt when done */
	}
}

static void signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *c = arg;
	struct signalfd_siginfo si;
	(void)what;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(c);
			continue;
		}
		LOG_INFO(CTL_MOD, "%s: stopping", strsignal((int)si.ssi_signo));
		c->stop_sig = (int)si.ssi_signo;
		event_base_loopbreak(c->base);
		return;
	}
}

int ctl_create(const struct ctl_cfg *cfg, struct ctl **out)
{
	struct ctl *c = calloc(1, sizeof(*c));
	sigset_t set;
	size_t i;
	int r;

	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->sig_fd = -1;
	if (!c->cfg.out_high)
		c->cfg.out_high = 4u << 20;
	if (!c->cfg.out_low)
		c->cfg.out_low = 1u << 20;
	if (c->cfg.out_low >= c->cfg.out_high)
		c->cfg.out_low = c->cfg.out_high / 2;
	c->echo_ms = cfg->echo_interval_ms ? cfg->echo_interval_ms : 5000;
	c->miss_limit = cfg->echo_miss_limit ? cfg->echo_miss_limit : 3;
	r = load_flows(c);
	if (r)
		goto destroy;
	c->base = event_base_new();
	if (!c->base) {
		r = -ENOMEM;
		goto destroy;
	}
	for (i = 0; i < cfg->n_listen; i++) {
		r = ctl_listen(c, cfg->listen[i]);
		if (r)
			goto destroy;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	c->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sig_fd < 0) {
		r = -errno;
		goto destroy;
	}
	c->sig_ev = event_new(c->base, c->sig_fd, EV_READ | EV_PERSIST, signal_cb, c);
	if (!c->sig_ev || event_add(c->sig_ev, NULL)) {
		r = -ENOMEM;
		goto destroy;
	}
	r = ctl_query_init(c); /* flows queries from the API thread */
	if (r)
		goto destroy;
	LOG_INFO(CTL_MOD, "controller up: %zu listener%s, app %s, echo every %u ms (dead after %u)",
		 c->n_lis, c->n_lis == 1 ? "" : "s", cfg->app == CTL_APP_LEARN ? "learn" : "none",
		 c->echo_ms, c->miss_limit);
	*out = c;
	return 0;
destroy:
	ctl_destroy(c);
	return r;
}

int ctl_run(struct ctl *c)
{
	if (event_base_dispatch(c->base) < 0)
		return -EIO;
	return c->stop_sig;
}

void ctl_destroy(struct ctl *c)
{
	size_t i;
	if (!c)
		return;
	ctl_query_free(c); /* first: answers waiting askers from live state */
	while (c->conns)
		conn_free(c->conns);
	ctl_listeners_close(c);
	for (i = 0; i < c->n_sws; i++)
		sw_free(c->sws[i]);
	free(c->sws);
	if (c->sig_ev)
		event_free(c->sig_ev);
	if (c->sig_fd >= 0)
		close(c->sig_fd);
	ctl_provider_free(c);
	if (c->base)
		event_base_free(c->base);
	free(c->spec);
	free(c);
}
