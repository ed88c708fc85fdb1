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
	/* Incremental rebuild (NULL: every change runs build): appends to
	 * `want` the state of only `units` (never ->all) for switch dpid; want
	 * holds the rest (the controller took those units' flows and groups,
	 * by unit_of and dgroup.unit, out of it first). Controller thread.
	 * Returns the number of flows emitted (the controller checks that
	 * none replaced a flow of another unit), or -errno: the controller
	 * then runs build. */
	int (*build_units)(void *arg, uint64_t dpid, ctl_port_fn port_fn, void *port_arg,
			   const struct unitset *units, struct desired *want);
	/* The unit that builds flows with this cookie (with build_units). */
	uint64_t (*unit_of)(uint64_t cookie);
	/* The units that use port `name` of switch dpid, added to u, when the
	 * port appears, leaves or is renamed (may be NULL: everything is
	 * rebuilt). Controller thread. 0, 1 (everything), or -errno. */
	int (*port_units)(void *arg, uint64_t dpid, const char *name, struct unitset *u);
	/* A PACKET_IN from switch `dpid`: fills up to CTL_PROVIDER_MAX_MSGS
	 * messages of out (the controller sends them in order, then
	 * ofp_msg_uninit()s them; data they point at must stay valid until
	 * release is called). Returns how many, or <0 when not handled.
	 * NULL: packet-ins are counted and dropped. */
	int (*packet_in)(void *arg, uint64_t dpid, const struct ofp_packet_in *pi,
			 struct ofp_msg *out);
	/* Called after the messages of packet_in were sent (may be NULL). */
	void (*release)(void *arg);
	/* The commit gate (both NULL: none). build and build_units may read
	 * a change the provider's source has not made durable yet; gen()
	 * (controller thread, right after them) names the state they read,
	 * and gate(gen) says whether it may reach the switch: 1 yes, 0 not
	 * yet (the controller holds the convergence, before its bundle
	 * commit or, without a bundle, before its first message, until
	 * ctl_provider_gate_kick), -1 never (the change was undone and comes
	 * back through ctl_provider_dirty: the bundle is discarded and the
	 * switch converged again from a dump). Changes that come in while a
	 * bundle is held go into it (conv_extend), and the gate is then
	 * asked about every generation the bundle holds: generations are
	 * numbered in order, and a refused one is never followed by a
	 * durable answer for itself. Neither may block. */
	uint64_t (*gen)(void *arg);
	int (*gate)(void *arg, uint64_t gen);
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
/* The same for only the units in u (merged; the provider's build_units
 * rebuilds them where it can). 0 or -ENOMEM (then everything is rebuilt). */
int ctl_provider_dirty(struct ctl *c, const struct unitset *u);
/* Thread-safe: the answer of the provider's gate may have changed; held
 * convergences look again. */
void ctl_provider_gate_kick(struct ctl *c);

/* Internal to hostd/controller (provider.c): */
struct sw;
struct conn;
/* Desired state of s from the provider: 1 done (s->want replaced; the
 * previous one goes to *prev when prev is not NULL, else it is freed), 0
 * no provider installed, -errno on failure (s->want kept). */
int ctl_provider_build(struct ctl *c, struct sw *s, struct desired **prev);
/* Incremental rebuild of s->want for s->pending: 1 done, cur filled with
 * what was replaced, *flow_from / *group_from where want's rebuilt part
 * starts; 0 not possible (no build_units, ->all): s->want untouched;
 * -1 failed (a unit collision, an error): s->want is damaged. Either way
 * the caller then rebuilds it whole. */
int ctl_provider_build_units(struct ctl *c, struct sw *s, struct desired *cur, size_t *flow_from,
			     size_t *group_from);
/* A PACKET_IN for the provider: 1 handled, 0 no provider. */
int ctl_provider_packet_in(struct conn *cn, const struct ofp_msg *msg);
/* Notes in s->pending what a change of switch port `name` touches (all
 * of it when the provider cannot tell). */
void ctl_provider_port_changed(struct ctl *c, struct sw *s, const char *name);
/* The provider's keep cookie/mask (both 0 without one). */
void ctl_provider_keep(const struct ctl *c, uint64_t *cookie, uint64_t *mask);
/* The provider's gate for what s->want was last built from: 1, 0 or -1
 * (see struct ctl_provider's gate; 1 without a gate). */
int ctl_provider_gate(struct ctl *c, const struct sw *s);
/* The same for generation gen. */
int ctl_provider_gate_gen(struct ctl *c, uint64_t gen);
/* Frees the provider state of c (ctl_destroy). */
void ctl_provider_free(struct ctl *c);

#endif
