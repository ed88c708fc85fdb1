/* hostd/controller/desired.c: flow/group/meter sets and their difference.
 *
 * The data side of convergence (desired.h): flowspec.c fills a set from the
 * flows file, conn.c from a switch's dumps, converge.c sends what
 * ctl_diff() finds. Flows are compared by key (table, priority, match);
 * instructions by their canonical text from the codec's formatter, so a
 * flow read back from a switch compares equal to the one we sent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/controller/desired.h"

void desired_init(struct desired *d)
{
	memset(d, 0, sizeof(*d));
}

void dflow_uninit(struct dflow *f)
{
	if (!f)
		return;
	ofp_instructions_uninit(&f->insts);
	free(f->itext);
	free(f->text);
	f->itext = f->text = NULL;
}

static void dgroup_uninit(struct dgroup *g)
{
	size_t i;
	for (i = 0; i < g->buckets.n; i++)
		ofp_actions_uninit(&g->buckets.b[i].actions);
	free(g->buckets.b);
	free(g->btext);
	free(g->text);
}

void desired_uninit(struct desired *d)
{
	size_t i;
	if (!d)
		return;
	for (i = 0; i < d->flows.n; i++)
		dflow_uninit(&d->flows.v[i]);
	free(d->flows.v);
	free(d->flows.idx);
	for (i = 0; i < d->n_groups; i++)
		dgroup_uninit(&d->groups[i]);
	free(d->groups);
	for (i = 0; i < d->n_meters; i++)
		free(d->meters[i].text);
	free(d->meters);
	memset(d, 0, sizeof(*d));
}

/* FNV-1a over the key. */
static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n--) {
		h ^= *b++;
		h *= 16777619u;
	}
	return h;
}

static uint32_t dflow_hash(const struct dflow *f)
{
	uint32_t h = 2166136261u;
	int i;
	h = fnv(h, &f->table, 1);
	h = fnv(h, &f->priority, 2);
	for (i = 0; i < OFPF__N; i++) {
		if (!ofp_match_has(&f->match, (enum ofp_field)i))
			continue;
		h = fnv(h, &i, sizeof(i));
		h = fnv(h, f->match.value[i], ofp_fields[i].len);
		if ((f->match.masked >> i) & 1)
			h = fnv(h, f->match.mask[i], ofp_fields[i].len);
	}
	return h;
}

int dflow_finish(struct dflow *f)
{
	struct ofpbuf s = OFPBUF_INIT;
	ofp_format_instructions(&s, &f->insts);
	free(f->itext);
	f->itext = strdup(ofpbuf_cstr(&s));
	ofpbuf_uninit(&s);
	f->hash = dflow_hash(f);
	return f->itext ? 0 : -ENOMEM;
}

static int same_key(const struct dflow *a, const struct dflow *b)
{
	return a->hash == b->hash && a->table == b->table && a->priority == b->priority &&
	       ofp_match_equal(&a->match, &b->match);
}

static int flowset_rehash(struct flowset *s, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		size_t j = s->v[i].hash & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(s->idx);
	s->idx = idx;
	s->idx_cap = cap;
	return 0;
}

int flowset_find(const struct flowset *s, const struct dflow *key)
{
	size_t j;
	if (!s->idx_cap)
		return -1;
	j = key->hash & (s->idx_cap - 1);
	while (s->idx[j]) {
		const struct dflow *f = &s->v[s->idx[j] - 1];
		if (same_key(f, key))
			return (int)(s->idx[j] - 1);
		j = (j + 1) & (s->idx_cap - 1);
	}
	return -1;
}

int flowset_add(struct flowset *s, struct dflow *f)
{
	int old = flowset_find(s, f);
	size_t j;
	if (old >= 0) {
		dflow_uninit(&s->v[old]);
		s->v[old] = *f;
		memset(f, 0, sizeof(*f));
		return old;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct dflow *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			goto fail;
		s->v = v;
		s->cap = cap;
	}
	if ((s->n + 1) * 2 > s->idx_cap && flowset_rehash(s, s->idx_cap ? s->idx_cap * 2 : 32))
		goto fail;
	s->v[s->n] = *f;
	memset(f, 0, sizeof(*f));
	j = s->v[s->n].hash & (s->idx_cap - 1);
	while (s->idx[j])
		j = (j + 1) & (s->idx_cap - 1);
	s->idx[j] = (uint32_t)s->n + 1;
	return (int)s->n++;
fail:
	dflow_uninit(f);
	return -ENOMEM;
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 8;
	void *nv = realloc(v, nc * size);
	if (nv)
		*cap = nc;
	return nv;
}

struct dgroup *desired_add_group(struct desired *d)
{
	struct dgroup *v = grow(d->groups, &d->cap_groups, d->n_groups, sizeof(*v));
	if (!v)
		return NULL;
	d->groups = v;
	memset(&v[d->n_groups], 0, sizeof(*v));
	return &v[d->n_groups++];
}

struct dmeter *desired_add_meter(struct desired *d)
{
	struct dmeter *v = grow(d->meters, &d->cap_meters, d->n_meters, sizeof(*v));
	if (!v)
		return NULL;
	d->meters = v;
	memset(&v[d->n_meters], 0, sizeof(*v));
	return &v[d->n_meters++];
}

int dgroup_finish(struct dgroup *g)
{
	struct ofpbuf s = OFPBUF_INIT;
	size_t i;
	for (i = 0; i < g->buckets.n; i++) {
		const struct ofp_bucket *b = &g->buckets.b[i];
		ofpbuf_printf(&s, "%sbucket(", i ? " " : "");
		if (g->type == OFPGT_SELECT)
			ofpbuf_printf(&s, "weight=%u ", b->weight);
		if (g->type == OFPGT_FF)
			ofpbuf_printf(&s, "watch_port=%u watch_group=%u ", b->watch_port,
				      b->watch_group);
		ofp_format_actions(&s, &b->actions);
		ofpbuf_printf(&s, ")");
	}
	free(g->btext);
	g->btext = strdup(ofpbuf_cstr(&s));
	ofpbuf_uninit(&s);
	return g->btext ? 0 : -ENOMEM;
}

int desired_find_group(const struct desired *d, uint32_t id)
{
	size_t i;
	for (i = 0; i < d->n_groups; i++)
		if (d->groups[i].group_id == id)
			return (int)i;
	return -1;
}

int desired_find_meter(const struct desired *d, uint32_t id)
{
	size_t i;
	for (i = 0; i < d->n_meters; i++)
		if (d->meters[i].meter_id == id)
			return (int)i;
	return -1;
}

/* ---- difference ------------------------------------------------------ */

void diff_uninit(struct diff *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}

size_t diff_flow_count(const struct diff *d)
{
	return d->n_flow[DIFF_ADD] + d->n_flow[DIFF_MODIFY] + d->n_flow[DIFF_REPLACE] +
	       d->n_flow[DIFF_DELETE];
}

static int diff_push(struct diff *d, enum diff_op op, enum diff_kind kind, size_t idx)
{
	struct diff_item *v = grow(d->v, &d->cap, d->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->v = v;
	v[d->n].op = op;
	v[d->n].kind = kind;
	v[d->n].idx = (int)idx;
	d->n++;
	if (kind == DK_FLOW)
		d->n_flow[op]++;
	else if (kind == DK_GROUP)
		d->n_group++;
	else
		d->n_meter++;
	return 0;
}

/* Flags a switch keeps and reports (the others only act at add time). */
#define KEPT_FLAGS (OFPFF_SEND_FLOW_REM | OFPFF_NO_PKT_COUNTS | OFPFF_NO_BYT_COUNTS)

static int meters_equal(const struct dmeter *a, const struct dmeter *b)
{
	size_t i;
	if (a->flags != b->flags || a->n_bands != b->n_bands)
		return 0;
	for (i = 0; i < a->n_bands; i++)
		if (a->bands[i].type != b->bands[i].type || a->bands[i].rate != b->bands[i].rate ||
		    a->bands[i].burst_size != b->bands[i].burst_size ||
		    a->bands[i].prec_level != b->bands[i].prec_level)
			return 0;
	return 1;
}

int ctl_diff(const struct desired *cur, const struct desired *want,
	     const struct diff_opts *opts, struct diff *out)
{
	static const struct diff_opts none;
	size_t i;
	int j;

	if (!opts)
		opts = &none;
	memset(out, 0, sizeof(*out));
	/* meters and groups first: flows may refer to them */
	for (i = 0; i < want->n_meters; i++) {
		const struct dmeter *m = &want->meters[i];
		if (m->rejected)
			continue;
		j = desired_find_meter(cur, m->meter_id);
		if (j < 0) {
			if (diff_push(out, DIFF_ADD, DK_METER, i))
				goto nomem;
		} else if (opts->meters_opaque || !meters_equal(m, &cur->meters[j])) {
			if (diff_push(out, DIFF_MODIFY, DK_METER, i))
				goto nomem;
		}
	}
	for (i = 0; i < want->n_groups; i++) {
		const struct dgroup *g = &want->groups[i];
		if (g->rejected)
			continue;
		j = desired_find_group(cur, g->group_id);
		if (j < 0) {
			if (diff_push(out, DIFF_ADD, DK_GROUP, i))
				goto nomem;
		} else if (cur->groups[j].type != g->type ||
			   strcmp(cur->groups[j].btext ? cur->groups[j].btext : "",
				  g->btext ? g->btext : "")) {
			if (diff_push(out, DIFF_MODIFY, DK_GROUP, i))
				goto nomem;
		}
	}
	/* flow deletes before adds: an add may need the room */
	for (i = 0; i < cur->flows.n; i++) {
		const struct dflow *f = &cur->flows.v[i];
		if (opts->keep_mask && (f->cookie & opts->keep_mask) == opts->keep_cookie)
			continue;
		j = flowset_find(&want->flows, f);
		if (j < 0 || want->flows.v[j].rejected)
			if (diff_push(out, DIFF_DELETE, DK_FLOW, i))
				goto nomem;
	}
	for (i = 0; i < want->flows.n; i++) {
		const struct dflow *f = &want->flows.v[i];
		if (f->rejected)
			continue;
		j = flowset_find(&cur->flows, f);
		if (j < 0) {
			if (diff_push(out, DIFF_ADD, DK_FLOW, i))
				goto nomem;
			continue;
		}
		const struct dflow *c = &cur->flows.v[j];
		if (c->cookie != f->cookie || c->idle_timeout != f->idle_timeout ||
		    c->hard_timeout != f->hard_timeout ||
		    (c->flags & KEPT_FLAGS) != (f->flags & KEPT_FLAGS)) {
			if (diff_push(out, DIFF_REPLACE, DK_FLOW, i))
				goto nomem;
		} else if (strcmp(c->itext ? c->itext : "", f->itext ? f->itext : "")) {
			if (diff_push(out, DIFF_MODIFY, DK_FLOW, i))
				goto nomem;
		}
	}
	for (i = 0; i < cur->n_groups; i++) {
		j = desired_find_group(want, cur->groups[i].group_id);
		if (j < 0 || want->groups[j].rejected)
			if (diff_push(out, DIFF_DELETE, DK_GROUP, i))
				goto nomem;
	}
	for (i = 0; i < cur->n_meters; i++) {
		j = desired_find_meter(want, cur->meters[i].meter_id);
		if (j < 0 || want->meters[j].rejected)
			if (diff_push(out, DIFF_DELETE, DK_METER, i))
				goto nomem;
	}
	return 0;
nomem:
	diff_uninit(out);
	return -ENOMEM;
}

void dflow_to_flow_mod(const struct dflow *f, uint8_t command, uint32_t xid, struct ofp_msg *msg)
{
	ofp_msg_init(msg, OFPMSG_FLOW_MOD, xid);
	struct ofp_flow_mod *fm = &msg->u.flow_mod;
	fm->command = command;
	fm->table_id = f->table;
	fm->priority = f->priority;
	fm->match = f->match;
	fm->buffer_id = OFP_NO_BUFFER;
	fm->out_port = OFPP_ANY;
	fm->out_group = OFPG_ANY;
	if (command == OFPFC_DELETE_STRICT)
		return;
	fm->cookie = f->cookie;
	fm->idle_timeout = f->idle_timeout;
	fm->hard_timeout = f->hard_timeout;
	fm->flags = f->flags;
	fm->insts = f->insts; /* shallow: msg must not be uninit'ed */
}
