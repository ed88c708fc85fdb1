/* hostd/controller/controller.h: the OpenFlow 1.3 controller of hostd, as
 * hostd/main.c sees it.
 *
 * The controller listens for br-int switches (tcp: and ssl:), keeps each
 * one converged to the desired state read from a flows file (flowspec.h)
 * and optionally answers packet-ins with a learning-switch app. It runs a
 * libevent loop in the calling thread (ctl_run) until SIGTERM or SIGINT;
 * SIGHUP re-reads the flows file and converges every switch. Inside:
 * listener.c (sockets, TLS), conn.c (one switch connection), switch.c
 * (registry by datapath id), converge.c (dump, diff, send), desired.c,
 * flowspec.c, app_learn.c. */
#ifndef DFNIC_CTL_CONTROLLER_H
#define DFNIC_CTL_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#define CTL_MAX_LISTEN 8

enum ctl_app {
	CTL_APP_NONE,  /* packet-ins are counted and dropped */
	CTL_APP_LEARN, /* learning switch (app_learn.c) */
};

struct ctl_cfg {
	const char *listen[CTL_MAX_LISTEN]; /* "tcp:ADDR:PORT" / "ssl:ADDR:PORT" */
	size_t n_listen;                    /* used entries */
	const char *ssl_key;                /* PEM private key (ssl: listeners) */
	const char *ssl_cert;               /* PEM certificate */
	const char *ssl_ca;                 /* PEM CA the switches' certs chain to */
	const char *flows_path;             /* desired state file, NULL = none */
	enum ctl_app app;                   /* packet-in handler */
	uint32_t echo_interval_ms;          /* keepalive period (0 = 5000) */
	uint32_t echo_miss_limit;           /* dead after this many (0 = 3) */
	size_t out_high;                    /* output watermark (0 = 4 MiB) */
	size_t out_low;                     /* resume below (0 = 1 MiB) */
	int no_bundle;                      /* never use bundles (testing) */
};

struct ctl;

/* Validates cfg, reads the flows file, opens the listeners. 0 or -errno
 * (reasons are logged). Must be called with SIGTERM, SIGINT and SIGHUP
 * blocked in every thread of the process: ctl_run takes them through a
 * signalfd. */
int ctl_create(const struct ctl_cfg *cfg, struct ctl **out);
/* Runs the event loop in this thread until SIGTERM/SIGINT; returns the
 * signal number that stopped it (or a negative errno). */
int ctl_run(struct ctl *c);
/* Closes every connection and listener; accepts NULL. */
void ctl_destroy(struct ctl *c);

/* A periodic callback run by ctl_run's loop, in its thread (ctl_tick.c):
 * fn(arg) every period_ms (> 0) while the loop runs; fn must not block.
 * 0 or -errno. Free it with ctl_tick_free (accepts NULL) before
 * ctl_destroy. */
struct ctl_tick;
int ctl_tick_new(struct ctl *c, uint32_t period_ms, void (*fn)(void *arg), void *arg,
		 struct ctl_tick **out);
void ctl_tick_free(struct ctl_tick *t);

#endif
