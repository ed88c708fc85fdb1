/* hostd/pipeline/pl_ctl.c: the pipeline as the controller's desired-state
 * provider (pl_ctl.h). build(), build_units() and packet_in() run in the
 * controller's thread and read the topology under its read lock; the
 * topology subscriber runs in the committing thread, works out which
 * compile units the transaction touched (pipeline_dirty_units) and hands
 * them to the controller's loop, which recompiles only those where the
 * switch is in sync. The compile reads early (topo_rdlock_early: while the
 * store still writes the change) and names the generation it read; the
 * controller holds the bundle commit until glue_gate says that
 * generation is durable, woken by glue_settled after the store write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/base/log.h"
#include "hostd/controller/provider.h"
#include "hostd/pipeline/pl_ctl.h"

#define MOD "pipeline"

struct pl_glue {
	struct ctl *ctl;         /* the controller */
	struct topo *t;          /* the topology */
	struct pl_cfg cfg;       /* options */
	struct pl_reply reply;   /* last packet-in's answer (frames live here) */
	uint64_t n_packet_in;    /* packet-ins handled (all switches) */
	struct pl_arp_limit arp_limit; /* recent ARP requests (controller thread) */
	struct pl_neigh_tab neigh; /* learned external neighbours (north/south);
				    * read by build, written by packet_in: both
				    * in the controller thread */
	uint64_t gen;            /* topology generation the last compile read
				  * (controller thread; the gate's question) */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Compiles the state of switch dpid into out: all of it (units NULL) or
 * only `units`. The number of flows emitted, or -errno. */
static int glue_compile(struct pl_glue *g, uint64_t dpid, ctl_port_fn port_fn, void *port_arg,
			const struct unitset *units, struct desired *out)
{
	const struct topo_chassis *ch;
	struct pl_stats st = { 0 };
	int r = 0;

	/* early: a change whose store write still runs is compiled and
	 * sent now; the controller holds its commit on glue_gate */
	topo_rdlock_early(g->t);
	g->gen = topo_gen(g->t);
	ch = topo_chassis_by_dpid(g->t, dpid);
	if (ch && units)
		r = pipeline_compile_units(g->t, ch, port_fn, port_arg, &g->cfg, units, out, &st);
	else if (ch)
		r = pipeline_compile(g->t, ch, port_fn, port_arg, &g->cfg, out, &st);
	if (!r && ch && units)
		LOG_DBG(MOD, "chassis %s (dpid %#llx): %zu unit%s recompiled: %zu flows, %zu groups",
			ch->name, (unsigned long long)dpid, units->n, units->n == 1 ? "" : "s",
			st.flows, st.groups);
	else if (!r && ch)
		LOG_INFO(MOD, "chassis %s (dpid %#llx): %zu flows, %zu groups, %zu local "
			 "ports not on the switch yet", ch->name, (unsigned long long)dpid,
			 st.flows, st.groups, st.skipped_ports);
	else if (!ch)
		LOG_INFO(MOD, "dpid %#llx is no chassis of the topology: no flows for it",
			 (unsigned long long)dpid);
	topo_unlock(g->t);
	return r ? r : (int)st.flows;
}

static int glue_build(void *arg, uint64_t dpid, ctl_port_fn port_fn, void *port_arg,
		      struct desired *out)
{
	int r = glue_compile(arg, dpid, port_fn, port_arg, NULL, out);
	return r < 0 ? r : 0;
}

static int glue_build_units(void *arg, uint64_t dpid, ctl_port_fn port_fn, void *port_arg,
			    const struct unitset *units, struct desired *want)
{
	return glue_compile(arg, dpid, port_fn, port_arg, units, want);
}

static int glue_port_units(void *arg, uint64_t dpid, const char *name, struct unitset *u)
{
	struct pl_glue *g = arg;
	const struct topo_chassis *ch;
	int r = 0;
	topo_rdlock_early(g->t); /* only names units: nothing leaves hostd */
	ch = topo_chassis_by_dpid(g->t, dpid);
	if (ch)
		r = pipeline_port_units(g->t, ch, name, u);
	topo_unlock(g->t);
	return r;
}

static uint64_t glue_gen(void *arg)
{
	return ((struct pl_glue *)arg)->gen;
}

static int glue_gate(void *arg, uint64_t gen)
{
	return topo_gen_fate(((struct pl_glue *)arg)->t, gen);
}

static int glue_packet_in(void *arg, uint64_t dpid, const struct ofp_packet_in *pi,
			  struct ofp_msg *out)
{
	struct pl_glue *g = arg;
	const struct topo_chassis *ch;
	size_t i;
	int r;

	pl_reply_uninit(&g->reply);
	topo_rdlock(g->t);
	ch = topo_chassis_by_dpid(g->t, dpid);
	r = ch ? pipeline_packet_in(g->t, ch, &g->cfg, pi, &g->reply) : -ENOENT;
	topo_unlock(g->t);
	if (r == -ENOENT)
		return -1;
	g->n_packet_in++;
	LOG_INFO(MOD, "packet-in #%llu from dpid %#llx cookie %#llx: %s%s",
		 (unsigned long long)g->n_packet_in, (unsigned long long)dpid,
		 (unsigned long long)pi->cookie, r ? "dropped: " : "",
		 g->reply.what ? g->reply.what : "?");
	if (r)
		return 0;
	if (g->reply.arp_target &&
	    !pl_arp_limit_allow(&g->arp_limit, dpid, g->reply.arp_target, now_ms())) {
		pl_reply_uninit(&g->reply); /* asked less than a second ago */
		return 0;
	}
	if (g->reply.learned) {
		char ip[TOPO_IP_STRLEN], mac[TOPO_MAC_STRLEN];
		struct topo_ip a = topo_ip_from_v4(g->reply.neigh.ip);
		int changed = pl_neigh_learn(&g->neigh, &g->reply.neigh);
		LOG_INFO(MOD, "external neighbour %s is-at %s (network key %u)%s",
			 topo_ip_fmt(&a, ip), topo_mac_fmt(g->reply.neigh.mac, mac),
			 g->reply.neigh.netkey, changed ? "" : ", known");
		/* rebuild even when known: hostd only asked because its flow is
		 * missing (idled out) */
		ctl_provider_kick(g->ctl);
	}
	for (i = 0; i < g->reply.n && i < CTL_PROVIDER_MAX_MSGS; i++)
		out[i] = g->reply.msg[i]; /* moved: the controller frees them */
	r = (int)i;
	g->reply.n = 0;
	return r;
}

/* The committing thread, write lock held: which units the changes touch
 * (cheap lookups), handed to the controller's loop. */
static void glue_changed(const struct topo *t, const struct topo_change *ch, size_t n, void *arg)
{
	struct pl_glue *g = arg;
	struct unitset u = { 0 };
	if (pipeline_dirty_units(t, ch, n, &u))
		u.all = 1;
	if (ctl_provider_dirty(g->ctl, &u))
		LOG_WARN(MOD, "out of memory noting the changed units: rebuilding everything");
	unitset_uninit(&u);
}

/* The committing thread, after the store write: held commits look again. */
static void glue_settled(void *arg)
{
	ctl_provider_gate_kick(((struct pl_glue *)arg)->ctl);
}

int pipeline_attach(struct ctl *c, struct topo *t, const struct pl_cfg *cfg,
		    struct pl_glue **out)
{
	struct pl_glue *g = calloc(1, sizeof(*g));
	struct ctl_provider p;
	struct diff_opts keep;
	int r;

	if (!g)
		return -ENOMEM;
	g->ctl = c;
	g->t = t;
	if (cfg)
		g->cfg = *cfg;
	g->cfg.neigh = &g->neigh;
	pipeline_keep_opts(&keep);
	memset(&p, 0, sizeof(p));
	p.build = glue_build;
	p.build_units = glue_build_units;
	p.unit_of = pipeline_unit_of;
	p.port_units = glue_port_units;
	p.packet_in = glue_packet_in;
	p.gen = glue_gen;
	p.gate = glue_gate;
	p.keep_cookie = keep.keep_cookie;
	p.keep_mask = keep.keep_mask;
	p.arg = g;
	r = ctl_set_provider(c, &p);
	if (r)
		goto fail_free;
	r = topo_subscribe_settled(t, glue_changed, glue_settled, g);
	if (r)
		goto fail_unset;
	*out = g;
	return 0;

fail_unset:
	ctl_set_provider(c, NULL);
fail_free:
	free(g);
	return r;
}

void pipeline_detach(struct pl_glue *g)
{
	if (!g)
		return;
	topo_unsubscribe(g->t, glue_changed, g);
	ctl_set_provider(g->ctl, NULL);
	pl_reply_uninit(&g->reply);
	free(g);
}
