/* hostd/controller/switch.c: the switch registry, by datapath id.
 *
 * A struct sw outlives its connections: conn.c attaches a connection once
 * its features and port descriptions are in (a switch that reconnects
 * replaces its old connection, which is closed), and detaches it when it
 * closes. Each switch keeps its port name <-> number map (port-desc, then
 * PORT_STATUS) and its desired state, built from the controller's flows
 * text with its own port names (flowspec.c) or by the provider
 * (provider.h); converge.c sends it. sw_refresh() brings it up to date
 * after provider changes: only the changed units when the switch is in
 * sync (it holds exactly the desired state), else whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/flowspec.h"
#include "hostd/controller/provider.h"

struct sw *sw_get(struct ctl *c, uint64_t dpid)
{
	size_t i;
	struct sw *s;
	for (i = 0; i < c->n_sws; i++)
		if (c->sws[i]->dpid == dpid)
			return c->sws[i];
	if (c->n_sws == c->cap_sws) {
		size_t cap = c->cap_sws ? c->cap_sws * 2 : 8;
		struct sw **v = realloc(c->sws, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->sws = v;
		c->cap_sws = cap;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->dpid = dpid;
	c->sws[c->n_sws++] = s;
	return s;
}

void sw_free(struct sw *s)
{
	if (!s)
		return;
	if (s->want) {
		desired_uninit(s->want);
		free(s->want);
	}
	free(s->ports);
	free(s->name_idx);
	free(s->macs);
	unitset_uninit(&s->pending);
	free(s);
}

static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

/* (Re)build the name index over ports[] at a load factor <= 1/2. On
 * allocation failure the index is dropped and lookups scan linearly. */
static void name_index_build(struct sw *s)
{
	size_t cap = 16;
	while (cap < 2 * s->n_ports)
		cap *= 2;
	if (cap != s->name_cap) {
		free(s->name_idx);
		s->name_idx = calloc(cap, sizeof(*s->name_idx));
		s->name_cap = s->name_idx ? cap : 0;
	} else {
		memset(s->name_idx, 0, cap * sizeof(*s->name_idx));
	}
	s->name_stale = 0;
	if (!s->name_idx)
		return;
	for (size_t i = 0; i < s->n_ports; i++) {
		size_t j = name_hash(s->ports[i].name) & (cap - 1);
		while (s->name_idx[j])
			j = (j + 1) & (cap - 1);
		s->name_idx[j] = (uint32_t)i + 1;
	}
}

/* Port number of the port called `name` (the pipeline and the flows file
 * resolve every port this way, once per port per compile: hashed, since a
 * br-int may have thousands of ports). */
int sw_port_by_name(void *arg, const char *name, uint32_t *port)
{
	struct sw *s = arg;
	size_t i;
	if (s->name_stale || !s->name_cap)
		name_index_build(s);
	if (s->name_cap) {
		size_t j = name_hash(name) & (s->name_cap - 1);
		for (; s->name_idx[j]; j = (j + 1) & (s->name_cap - 1)) {
			const struct ctl_port *p = &s->ports[s->name_idx[j] - 1];
			if (!strcmp(p->name, name)) {
				*port = p->no;
				return 0;
			}
		}
		return -ENOENT;
	}
	for (i = 0; i < s->n_ports; i++)
		if (!strcmp(s->ports[i].name, name)) {
			*port = s->ports[i].no;
			return 0;
		}
	return -ENOENT;
}

const char *sw_port_name(const struct sw *s, uint32_t port)
{
	size_t i;
	for (i = 0; i < s->n_ports; i++)
		if (s->ports[i].no == port)
			return s->ports[i].name;
	return NULL;
}

int sw_port_update(struct sw *s, const struct ofp_port_status *ps)
{
	size_t i;
	for (i = 0; i < s->n_ports; i++)
		if (s->ports[i].no == ps->desc.port_no)
			break;
	if (ps->reason == 1) { /* OFPPR_DELETE */
		if (i == s->n_ports)
			return 0;
		LOG_INFO(CTL_MOD, "switch %#llx: port %u (%s) deleted", (unsigned long long)s->dpid,
			 s->ports[i].no, s->ports[i].name);
		s->ports[i] = s->ports[--s->n_ports];
		s->name_stale = 1;
		return 1;
	}
	if (i < s->n_ports) {
		if (!strcmp(s->ports[i].name, ps->desc.name))
			return 0;
		snprintf(s->ports[i].name, sizeof(s->ports[i].name), "%s", ps->desc.name);
		s->name_stale = 1;
		return 2;
	}
	if (s->n_ports == s->cap_ports) {
		size_t cap = s->cap_ports ? s->cap_ports * 2 : 16;
		struct ctl_port *v = realloc(s->ports, cap * sizeof(*v));
		if (!v)
			return 0;
		s->ports = v;
		s->cap_ports = cap;
	}
	s->ports[s->n_ports].no = ps->desc.port_no;
	snprintf(s->ports[s->n_ports].name, sizeof(s->ports[0].name), "%s", ps->desc.name);
	s->n_ports++;
	s->name_stale = 1;
	LOG_INFO(CTL_MOD, "switch %#llx: port %u (%s) added", (unsigned long long)s->dpid,
		 ps->desc.port_no, ps->desc.name);
	return 1;
}

int sw_build_desired(struct ctl *c, struct sw *s)
{
	struct desired *d = calloc(1, sizeof(*d));
	struct flowspec_errs errs = { 0 };
	size_t i;
	int n = ctl_provider_build(c, s, NULL); /* a provider replaces the flows file */
	if (n) {
		free(d);
		return n < 0 ? n : 0;
	}
	if (!d)
		return -ENOMEM;
	desired_init(d);
	n = flowspec_parse(c->spec, sw_port_by_name, s, d, &errs);
	if (n < 0) {
		desired_uninit(d);
		free(d);
		return n;
	}
	for (i = 0; i < errs.n; i++)
		LOG_WARN(CTL_MOD, "switch %#llx: flows line %d:%d: %s%s", (unsigned long long)s->dpid,
			 errs.v[i].line, errs.v[i].col, errs.v[i].msg,
			 errs.v[i].unresolved ? " (skipped until the port exists)" : "");
	flowspec_errs_uninit(&errs);
	if (s->want) {
		desired_uninit(s->want);
		free(s->want);
	}
	s->want = d;
	return 0;
}

void sw_attach(struct ctl *c, struct conn *cn)
{
	struct sw *s = sw_get(c, cn->dpid);
	if (!s) {
		conn_close(cn, "out of memory");
		return;
	}
	if (s->conn && s->conn != cn) {
		struct conn *old = s->conn;
		LOG_INFO(CTL_MOD, "switch %#llx: new connection from %s replaces the one from %s",
			 (unsigned long long)s->dpid, cn->peer, old->peer);
		sw_detach(old);
		conn_close(old, "replaced by a new connection of the same switch");
	}
	free(s->ports);
	s->ports = cn->ports;
	s->n_ports = cn->n_ports;
	s->cap_ports = cn->cap_ports;
	s->name_stale = 1;
	cn->ports = NULL;
	cn->n_ports = cn->cap_ports = 0;
	s->conn = cn;
	cn->sw = s;
	cn->st = CS_READY;
	s->synced = 0; /* converged from a dump first */
	unitset_clear(&s->pending); /* built whole below */
	if (sw_build_desired(c, s)) {
		conn_close(cn, "cannot build the desired state");
		return;
	}
	LOG_INFO(CTL_MOD, "switch %#llx: ready (%zu ports, %zu desired flows, %zu groups, "
		 "%zu meters)", (unsigned long long)s->dpid, s->n_ports, s->want->flows.n,
		 s->want->n_groups, s->want->n_meters);
}

void sw_detach(struct conn *cn)
{
	if (cn->sw && cn->sw->conn == cn) {
		cn->sw->conn = NULL;
		cn->sw->synced = 0; /* whatever happens while away */
	}
	cn->sw = NULL;
}

int sw_rebuild_pending(struct ctl *c, struct sw *s, struct desired *cur, size_t *ff,
		       size_t *gf, int *partial)
{
	struct desired *prev = NULL;
	int r = 0;
	*ff = *gf = 0;
	if (s->synced)
		r = ctl_provider_build_units(c, s, cur, ff, gf);
	unitset_clear(&s->pending);
	if (r == 1) { /* only the changed units: cur has what they were */
		*partial = 1;
		return 1;
	}
	/* whole, against the previous desired state (the switch holds it) */
	if (s->synced && r == 0 && ctl_provider_build(c, s, &prev) == 1 && prev) {
		desired_uninit(cur);
		*cur = *prev; /* moved */
		free(prev);
		*ff = *gf = 0;
		*partial = 0;
		return 1;
	}
	if (prev) {
		desired_uninit(prev);
		free(prev);
	}
	return 0;
}

void sw_refresh(struct conn *cn)
{
	struct ctl *c = cn->ctl;
	struct sw *s = cn->sw;
	struct desired cur;
	size_t ff, gf;
	int partial;

	if (!s || cn->st != CS_READY || cn->conv.st != CV_IDLE ||
	    (!s->pending.n && !s->pending.all))
		return;
	desired_init(&cur);
	if (sw_rebuild_pending(c, s, &cur, &ff, &gf, &partial)) {
		conv_start_from(cn, &cur, partial, ff, gf);
		return;
	}
	desired_uninit(&cur);
	/* else against a dump */
	if (sw_build_desired(c, s)) {
		LOG_WARN(CTL_MOD, "switch %#llx: cannot rebuild the desired state: keeping the "
			 "previous one", (unsigned long long)s->dpid);
	}
	conv_start(cn);
}
