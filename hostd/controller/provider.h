/* hostd/controller/provider.h: lets another hostd module (the pipeline
 * compiler, hostd/pipeline/) supply each switch's desired state and handle
 * its packet-ins, instead of the --flows file and the learning app.
 *
 * With a provider installed, switch.c asks it for a switch's desired state
 * whenever that switch (re)connects or its port map changes, conn.c hands
 * it every PACKET_IN and sends the messages it returns, and converge.c
 * keeps the flows whose cookie matches keep_cookie/keep_mask (flows the
 * provider installs on its own, e.g. reactive routes with idle timeouts).
 * ctl_provider_kick() may be called from any thread (e.g. a topology
 * subscriber): the controller's loop then rebuilds every connected
 * switch's desired state and converges it. */
#ifndef DFNIC_CTL_PROVIDER_H
#define DFNIC_CTL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/controller/desired.h"
#include "hostd/openflow/ofp.h"

/* Resolves a switch port name: 0 and *port set, or -ENOENT. */
typedef int (*ctl_port_fn)(void *arg, const char *name, uint32_t *port);

#define CTL_PROVIDER_MAX_MSGS 8

struct ctl_provider {
	/* Fills `out` (initialised, empty) with the desired state of switch
	 * `dpid`; its port names resolve through port_fn(port_arg, ...).
	 * Runs in the controller thread, may not block for long. 0 or
	 * -errno (the switch keeps its previous desired state). */
	int (*build)(void *arg, uint64_t dpid, ctl_port_fn port_fn, void *port_arg,
		     struct desired *out);
	/* A PACKET_IN from switch `dpid`: fills up to CTL_PROVIDER_MAX_MSGS
	 * messages of out (the controller sends them in order, then
	 * ofp_msg_uninit()s them; data they point at must stay valid until
	 * release is called). Returns how many, or <0 when not handled.
	 * NULL: packet-ins are counted and dropped. */
	int (*packet_in)(void *arg, uint64_t dpid, const struct ofp_packet_in *pi,
			 struct ofp_msg *out);
	/* Called after the messages of packet_in were sent (may be NULL). */
	void (*release)(void *arg);
	uint64_t keep_cookie; /* flows of the switch never deleted by convergence: */
	uint64_t keep_mask;   /* cookie & keep_mask == keep_cookie (mask 0: none) */
	void *arg;            /* the provider's state */
};

struct ctl;

/* Installs p (copied; NULL removes it). Call after ctl_create(), before
 * ctl_run(). 0 or -errno (the wakeup eventfd could not be made). */
int ctl_set_provider(struct ctl *c, const struct ctl_provider *p);
/* Thread-safe, async-signal-unsafe: request a rebuild + convergence of
 * every connected switch. Cheap; several kicks before the loop runs
 * coalesce into one rebuild. */
void ctl_provider_kick(struct ctl *c);

/* Internal to hostd/controller (provider.c): */
struct sw;
struct conn;
/* Desired state of s from the provider: 1 done (s->want replaced), 0 no
 * provider installed, -errno on failure (s->want kept). */
int ctl_provider_build(struct ctl *c, struct sw *s);
/* A PACKET_IN for the provider: 1 handled, 0 no provider. */
int ctl_provider_packet_in(struct conn *cn, const struct ofp_msg *msg);
/* The provider's keep cookie/mask (both 0 without one). */
void ctl_provider_keep(const struct ctl *c, uint64_t *cookie, uint64_t *mask);
/* Frees the provider state of c (ctl_destroy). */
void ctl_provider_free(struct ctl *c);

#endif
