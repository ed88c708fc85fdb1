/* hostd/controller/desired.c: flow/group/meter sets and their difference.
 *
 * The data side of convergence (desired.h): flowspec.c fills a set from the
 * flows file, conn.c from a switch's dumps, converge.c sends what
 * ctl_diff() finds. A set keeps each flow packed (struct dflow_rec): the
 * match in a compact canonical form, the instructions in their wire form
 * (the codec's encoder, through a FLOW_MOD with an empty match), both
 * decoded on demand. Flows are compared by key (table, priority, match
 * bytes); instructions by their bytes, falling back to their canonical
 * text from the codec's formatter, so a flow read back from a switch
 * compares equal to the one we sent. */
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
	free(f->text);
	f->text = NULL;
}

static void dflow_rec_uninit(struct dflow_rec *r)
{
	free(r->bytes);
	free(r->text);
	r->bytes = NULL;
	r->text = NULL;
}

void dgroup_buckets_uninit(struct ofp_buckets *bl)
{
	size_t i;
	if (!bl)
		return;
	for (i = 0; i < bl->n; i++)
		ofp_actions_uninit(&bl->b[i].actions);
	free(bl->b);
	memset(bl, 0, sizeof(*bl));
}

static void dgroup_uninit(struct dgroup *g)
{
	dgroup_buckets_uninit(&g->buckets);
	free(g->bbytes);
	free(g->text);
}

void desired_uninit(struct desired *d)
{
	size_t i;
	if (!d)
		return;
	for (i = 0; i < d->flows.n; i++)
		dflow_rec_uninit(&d->flows.v[i]);
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

/* ---- packed flows ------------------------------------------------------- */

/* Largest compact match: every field with value and mask. */
#define MATCH_MAX (OFPF__N * (1 + 2 * OFP_FIELD_MAX_LEN))
/* Offset of the instructions in a FLOW_MOD with an empty match: header 8,
 * fixed part 40, empty ofp_match 8 (4 bytes padded). */
#define FM_INSTS_OFS 56

/* Compact canonical match (see struct dflow_rec) into buf[MATCH_MAX]. */
static size_t match_pack(const struct ofp_match *m, uint8_t *buf)
{
	size_t n = 0;
	int i;
	for (i = 0; i < OFPF__N; i++) {
		size_t len = ofp_fields[i].len;
		int masked = (m->masked >> i) & 1;
		if (!ofp_match_has(m, (enum ofp_field)i))
			continue;
		buf[n++] = (uint8_t)(i | (masked ? 0x80 : 0));
		memcpy(buf + n, m->value[i], len);
		n += len;
		if (masked) {
			memcpy(buf + n, m->mask[i], len);
			n += len;
		}
	}
	return n;
}

static int match_unpack(const uint8_t *p, size_t n, struct ofp_match *m)
{
	size_t o = 0;
	ofp_match_init(m);
	while (o < n) {
		int f = p[o] & 0x7f, masked = p[o] & 0x80;
		size_t len;
		if (f >= OFPF__N)
			return -EINVAL;
		len = ofp_fields[f].len;
		o++;
		if (o + len * (masked ? 2 : 1) > n)
			return -EINVAL;
		ofp_match_set(m, (enum ofp_field)f, p + o, masked ? p + o + len : NULL);
		o += len * (masked ? 2 : 1);
	}
	return 0;
}

/* FNV-1a over the key. */
static uint32_t key_hash(uint8_t table, uint16_t priority, const uint8_t *match, size_t n)
{
	uint32_t h = 2166136261u;
	h = fnv(h, &table, 1);
	h = fnv(h, &priority, 2);
	return fnv(h, match, n);
}

/* Appends a FLOW_MOD (table `table`, empty match, instructions `in`) to b:
 * its bytes from FM_INSTS_OFS on are the instructions' wire form. */
static int fm_encode(uint8_t table, const struct ofp_instructions *in, struct ofpbuf *b)
{
	struct ofp_msg m;
	struct ofp_flow_mod *fm = &m.u.flow_mod;
	int rc;
	/* only what the encoder reads (no memset of the whole union) */
	m.type = OFPMSG_FLOW_MOD;
	m.version = OFP13_VERSION;
	m.xid = 0;
	fm->cookie = fm->cookie_mask = 0;
	fm->table_id = table;
	fm->command = OFPFC_ADD;
	fm->idle_timeout = fm->hard_timeout = fm->priority = 0;
	fm->buffer_id = OFP_NO_BUFFER;
	fm->out_port = OFPP_ANY;
	fm->out_group = OFPG_ANY;
	fm->flags = 0;
	ofp_match_init(&fm->match);
	fm->insts = *in; /* shallow: only read */
	rc = ofp_encode(&m, b, NULL, 0);
	if (rc)
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	if (b->len < FM_INSTS_OFS || b->data[FM_INSTS_OFS - 8] != 0 ||
	    b->data[FM_INSTS_OFS - 7] != 1 || b->data[FM_INSTS_OFS - 5] != 4)
		return -EINVAL; /* not the layout assumed here */
	return 0;
}

/* b holds an encoded message with an empty variable part (a FLOW_MOD
 * without instructions, a GROUP_MOD without buckets): appends that part's
 * packed bytes, fixes the length and decodes the whole into m (the
 * caller moves the part out of m). 0, -ENOMEM, or -EINVAL (bytes that do
 * not decode: a bug; m is then uninit'ed). */
static int wrap_decode(struct ofpbuf *b, const uint8_t *part, size_t len, struct ofp_msg *m)
{
	ofpbuf_put(b, part, len);
	if (b->failed)
		return -ENOMEM;
	if (b->len > UINT16_MAX)
		return -EINVAL;
	ofpbuf_set_be16(b, 2, (uint16_t)b->len);
	if (ofp_decode(b->data, b->len, m, NULL, 0) != OFPERR_OK) {
		ofp_msg_uninit(m);
		return -EINVAL;
	}
	return 0;
}

int dflow_rec_insts(const struct dflow_rec *r, struct ofp_instructions *in)
{
	struct ofpbuf b = OFPBUF_INIT;
	struct ofp_instructions none;
	struct ofp_msg m;
	int rc;

	ofp_instructions_init(in);
	ofp_instructions_init(&none);
	rc = fm_encode(r->table, &none, &b);
	if (!rc)
		rc = wrap_decode(&b, r->bytes + r->match_len, r->insts_len, &m);
	if (!rc)
		*in = m.u.flow_mod.insts; /* moved out of m */
	ofpbuf_uninit(&b);
	return rc;
}

int dflow_rec_match(const struct dflow_rec *r, struct ofp_match *m)
{
	return match_unpack(r->bytes, r->match_len, m);
}

int dflow_rec_load(const struct dflow_rec *r, struct dflow *f)
{
	int rc;
	memset(f, 0, sizeof(*f));
	f->table = r->table;
	f->priority = r->priority;
	f->cookie = r->cookie;
	f->idle_timeout = r->idle_timeout;
	f->hard_timeout = r->hard_timeout;
	f->flags = r->flags;
	f->line = r->line;
	ofp_instructions_init(&f->insts);
	rc = dflow_rec_match(r, &f->match);
	if (!rc)
		rc = dflow_rec_insts(r, &f->insts);
	if (!rc && r->text && !(f->text = strdup(r->text)))
		rc = -ENOMEM;
	if (rc)
		dflow_uninit(f);
	return rc;
}

static char *buf_take(struct ofpbuf *s)
{
	char *t = s->failed ? NULL : strdup(ofpbuf_cstr(s));
	ofpbuf_uninit(s);
	return t;
}

char *dflow_rec_itext(const struct dflow_rec *r)
{
	struct ofpbuf s = OFPBUF_INIT;
	struct ofp_instructions in;
	if (dflow_rec_insts(r, &in))
		return NULL;
	ofp_format_instructions(&s, &in);
	ofp_instructions_uninit(&in);
	return buf_take(&s);
}

char *dflow_rec_match_text(const struct dflow_rec *r)
{
	struct ofpbuf s = OFPBUF_INIT;
	struct ofp_match *m = malloc(sizeof(*m));
	if (!m || dflow_rec_match(r, m)) {
		free(m);
		return NULL;
	}
	ofp_format_match(&s, m);
	free(m);
	return buf_take(&s);
}

char *dflow_rec_format(const struct dflow_rec *r)
{
	struct ofpbuf s = OFPBUF_INIT;
	char *mt, *it;
	if (r->text)
		return strdup(r->text);
	mt = dflow_rec_match_text(r);
	it = dflow_rec_itext(r);
	if (mt && it)
		ofpbuf_printf(&s, "table=%u priority=%u cookie=%#llx %s %s", r->table, r->priority,
			      (unsigned long long)r->cookie, mt, it);
	free(mt);
	free(it);
	if (!mt || !it) {
		ofpbuf_uninit(&s);
		return NULL;
	}
	return buf_take(&s);
}

int dflow_rec_same_insts(const struct dflow_rec *a, const struct dflow_rec *b)
{
	char *ta, *tb;
	int same;
	if (a->insts_len == b->insts_len &&
	    !memcmp(a->bytes + a->match_len, b->bytes + b->match_len, a->insts_len))
		return 1;
	/* different bytes may still format alike (the old comparison) */
	ta = dflow_rec_itext(a);
	tb = dflow_rec_itext(b);
	same = ta && tb && !strcmp(ta, tb);
	free(ta);
	free(tb);
	return same;
}

static int same_key(const struct dflow_rec *f, uint32_t hash, uint8_t table, uint16_t priority,
		    const uint8_t *match, size_t match_len)
{
	return f->hash == hash && f->table == table && f->priority == priority &&
	       f->match_len == match_len && !memcmp(f->bytes, match, match_len);
}

static int flowset_rehash(struct flowset *s, size_t cap);

int flowset_add_stats(struct flowset *s, struct ofp_flow_stats *fs)
{
	struct dflow f;
	memset(&f, 0, sizeof(f));
	f.table = fs->table_id;
	f.priority = fs->priority;
	f.match = fs->match;
	f.cookie = fs->cookie;
	f.idle_timeout = fs->idle_timeout;
	f.hard_timeout = fs->hard_timeout;
	f.flags = fs->flags;
	f.insts = fs->insts; /* moved out of the reply */
	ofp_instructions_init(&fs->insts);
	return flowset_add(s, &f);
}

/* The index slot holding flow i (its entry is i + 1); the slot must exist. */
static size_t idx_slot(const struct flowset *s, size_t i)
{
	size_t j = s->v[i].hash & (s->idx_cap - 1);
	while (s->idx[j] != i + 1)
		j = (j + 1) & (s->idx_cap - 1);
	return j;
}

/* Empties slot j of the linear-probing index, moving later entries of the
 * same probe run back so that every lookup still finds them. */
static void idx_delete(struct flowset *s, size_t j)
{
	size_t mask = s->idx_cap - 1, k = j;
	s->idx[j] = 0;
	for (;;) {
		k = (k + 1) & mask;
		if (!s->idx[k])
			return;
		size_t home = s->v[s->idx[k] - 1].hash & mask;
		/* the entry at k may fill the hole at j unless its home slot lies
		 * cyclically in (j, k] */
		if (j <= k ? (home <= j || home > k) : (home <= j && home > k)) {
			s->idx[j] = s->idx[k];
			s->idx[k] = 0;
			j = k;
		}
	}
}

void flowset_remove(struct flowset *s, size_t i, struct dflow_rec *out)
{
	size_t last = s->n - 1;
	idx_delete(s, idx_slot(s, i));
	*out = s->v[i];
	if (i != last) {
		/* the last record moves into the hole */
		s->idx[idx_slot(s, last)] = (uint32_t)i + 1;
		s->v[i] = s->v[last];
	}
	s->n--;
}

/* Appends a packed record to s (no flow with its key may be in s). */
static int flowset_put_rec(struct flowset *s, const struct dflow_rec *r)
{
	size_t j;
	if (s->n == s->cap) {
		/* doubling, but by an eighth once large: a trimmed set
		 * (desired_shrink) that an incremental update adds a few flows
		 * to must not double its memory */
		size_t cap = !s->cap ? 16 : s->cap < 4096 ? s->cap * 2 : s->cap + s->cap / 8;
		struct dflow_rec *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if ((s->n + 1) * 2 > s->idx_cap && flowset_rehash(s, s->idx_cap ? s->idx_cap * 2 : 32))
		return -ENOMEM;
	s->v[s->n] = *r;
	j = r->hash & (s->idx_cap - 1);
	while (s->idx[j])
		j = (j + 1) & (s->idx_cap - 1);
	s->idx[j] = (uint32_t)s->n + 1;
	s->n++;
	return 0;
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

static int find_key(const struct flowset *s, uint32_t hash, uint8_t table, uint16_t priority,
		    const uint8_t *match, size_t match_len)
{
	size_t j;
	if (!s->idx_cap)
		return -1;
	j = hash & (s->idx_cap - 1);
	while (s->idx[j]) {
		const struct dflow_rec *f = &s->v[s->idx[j] - 1];
		if (same_key(f, hash, table, priority, match, match_len))
			return (int)(s->idx[j] - 1);
		j = (j + 1) & (s->idx_cap - 1);
	}
	return -1;
}

int flowset_find_rec(const struct flowset *s, const struct dflow_rec *r)
{
	return find_key(s, r->hash, r->table, r->priority, r->bytes, r->match_len);
}

int flowset_find(const struct flowset *s, const struct dflow *key)
{
	uint8_t m[MATCH_MAX];
	size_t n = match_pack(&key->match, m);
	return find_key(s, key_hash(key->table, key->priority, m, n), key->table, key->priority,
			m, n);
}

int flowset_add(struct flowset *s, struct dflow *f)
{
	uint8_t m[MATCH_MAX];
	struct ofpbuf b = OFPBUF_INIT;
	struct dflow_rec r;
	size_t n = match_pack(&f->match, m), ilen;
	int old, rc;

	rc = fm_encode(f->table, &f->insts, &b);
	if (rc)
		goto fail;
	ilen = b.len - FM_INSTS_OFS;
	if (ilen > UINT16_MAX || n > UINT16_MAX) {
		rc = -EINVAL;
		goto fail;
	}
	memset(&r, 0, sizeof(r));
	r.bytes = malloc(n + ilen ? n + ilen : 1);
	if (!r.bytes) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(r.bytes, m, n);
	memcpy(r.bytes + n, b.data + FM_INSTS_OFS, ilen);
	ofpbuf_uninit(&b);
	r.match_len = (uint16_t)n;
	r.insts_len = (uint16_t)ilen;
	r.hash = key_hash(f->table, f->priority, m, n);
	r.table = f->table;
	r.priority = f->priority;
	r.cookie = f->cookie;
	r.idle_timeout = f->idle_timeout;
	r.hard_timeout = f->hard_timeout;
	r.flags = f->flags;
	r.line = f->line;
	r.text = f->text;
	f->text = NULL;
	dflow_uninit(f);
	memset(f, 0, sizeof(*f));

	old = flowset_find_rec(s, &r);
	if (old >= 0) {
		dflow_rec_uninit(&s->v[old]);
		s->v[old] = r;
		return old;
	}
	if (flowset_put_rec(s, &r))
		goto fail_rec;
	return (int)s->n - 1;
fail_rec:
	dflow_rec_uninit(&r);
	return -ENOMEM;
fail:
	ofpbuf_uninit(&b);
	dflow_uninit(f);
	memset(f, 0, sizeof(*f));
	return rc;
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

/* Offset of the buckets in a GROUP_MOD: header 8, command, type, pad,
 * group id. */
#define GM_BUCKETS_OFS 16

/* A GROUP_MOD (ADD, g's type, group 0) with buckets bl, appended to b. */
static int gm_encode(uint8_t type, const struct ofp_buckets *bl, struct ofpbuf *b)
{
	struct ofp_msg m;
	struct ofp_group_mod *gm = &m.u.group_mod;
	int rc;
	/* only what the encoder reads (no memset of the whole union) */
	m.type = OFPMSG_GROUP_MOD;
	m.version = OFP13_VERSION;
	m.xid = 0;
	gm->command = OFPGC_ADD;
	gm->type = type;
	gm->group_id = 0;
	gm->buckets = *bl; /* shallow: only read */
	rc = ofp_encode(&m, b, NULL, 0);
	if (rc)
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	return b->len < GM_BUCKETS_OFS ? -EINVAL : 0;
}

int dgroup_finish(struct dgroup *g)
{
	struct ofpbuf b = OFPBUF_INIT;
	size_t n;
	int rc;

	if (g->packed)
		return 0;
	rc = gm_encode(g->type, &g->buckets, &b);
	if (rc)
		goto out;
	n = b.len - GM_BUCKETS_OFS;
	if (n > UINT32_MAX) {
		rc = -EINVAL;
		goto out;
	}
	free(g->bbytes);
	g->bbytes = malloc(n ? n : 1);
	if (!g->bbytes) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(g->bbytes, b.data + GM_BUCKETS_OFS, n);
	g->blen = (uint32_t)n;
	g->packed = 1;
	dgroup_buckets_uninit(&g->buckets);
out:
	ofpbuf_uninit(&b);
	return rc;
}

int dgroup_buckets(const struct dgroup *g, struct ofp_buckets *bl)
{
	struct ofpbuf b = OFPBUF_INIT;
	struct ofp_buckets none = { NULL, 0, 0 };
	struct ofp_msg m;
	size_t i;
	int rc;

	memset(bl, 0, sizeof(*bl));
	if (!g->packed) {
		for (i = 0; i < g->buckets.n; i++) {
			struct ofp_bucket *d = ofp_buckets_add(bl);
			if (!d) {
				dgroup_buckets_uninit(bl);
				return -ENOMEM;
			}
			*d = g->buckets.b[i];
			if (ofp_actions_clone(&d->actions, &g->buckets.b[i].actions)) {
				ofp_actions_init(&d->actions);
				dgroup_buckets_uninit(bl);
				return -ENOMEM;
			}
		}
		return 0;
	}
	rc = gm_encode(g->type, &none, &b);
	if (!rc)
		rc = wrap_decode(&b, g->bbytes, g->blen, &m);
	if (!rc)
		*bl = m.u.group_mod.buckets; /* moved out of m */
	ofpbuf_uninit(&b);
	return rc;
}

char *dgroup_btext(const struct dgroup *g)
{
	struct ofpbuf s = OFPBUF_INIT;
	struct ofp_buckets bl;
	size_t i;
	if (dgroup_buckets(g, &bl))
		return NULL;
	for (i = 0; i < bl.n; i++) {
		const struct ofp_bucket *b = &bl.b[i];
		ofpbuf_printf(&s, "%sbucket(", i ? " " : "");
		if (g->type == OFPGT_SELECT)
			ofpbuf_printf(&s, "weight=%u ", b->weight);
		if (g->type == OFPGT_FF)
			ofpbuf_printf(&s, "watch_port=%u watch_group=%u ", b->watch_port,
				      b->watch_group);
		ofp_format_actions(&s, &b->actions);
		ofpbuf_printf(&s, ")");
	}
	dgroup_buckets_uninit(&bl);
	return buf_take(&s);
}

/* 1 when a and b (same type) have the same buckets: equal bytes, or else
 * the same canonical text (what a switch reports may differ in fields
 * the type ignores, e.g. watch ports of an "all" group). */
static int same_buckets(const struct dgroup *a, const struct dgroup *b)
{
	char *ta, *tb;
	int same;
	if (a->packed && b->packed && a->blen == b->blen && !memcmp(a->bbytes, b->bbytes, a->blen))
		return 1;
	ta = dgroup_btext(a);
	tb = dgroup_btext(b);
	same = ta && tb && !strcmp(ta, tb);
	free(ta);
	free(tb);
	return same;
}

int dgroup_to_group_mod(const struct dgroup *g, uint16_t command, uint32_t xid,
			struct ofp_msg *msg)
{
	ofp_msg_init(msg, OFPMSG_GROUP_MOD, xid);
	msg->u.group_mod.command = command;
	msg->u.group_mod.type = g->type;
	msg->u.group_mod.group_id = g->group_id;
	if (command == OFPGC_DELETE)
		return 0;
	return dgroup_buckets(g, &msg->u.group_mod.buckets);
}

/* Reallocates *v (cap elements of size) down to n elements, n > 0. */
static void shrink(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	if (!n || n >= *cap)
		return;
	nv = realloc(*v, n * size);
	if (nv) {
		*v = nv;
		*cap = n;
	}
}

void desired_shrink(struct desired *d)
{
	shrink((void **)&d->flows.v, &d->flows.cap, d->flows.n, sizeof(*d->flows.v));
	shrink((void **)&d->groups, &d->cap_groups, d->n_groups, sizeof(*d->groups));
	shrink((void **)&d->meters, &d->cap_meters, d->n_meters, sizeof(*d->meters));
}

/* ---- units ------------------------------------------------------------- */

static size_t unit_pos(const struct unitset *u, uint64_t unit)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->v[mid] < unit)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int unitset_has(const struct unitset *u, uint64_t unit)
{
	size_t i = unit_pos(u, unit);
	return u->all || (i < u->n && u->v[i] == unit);
}

int unitset_add(struct unitset *u, uint64_t unit)
{
	size_t i = unit_pos(u, unit);
	uint64_t *v;
	if (i < u->n && u->v[i] == unit)
		return 0;
	v = grow(u->v, &u->cap, u->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	u->v = v;
	memmove(v + i + 1, v + i, (u->n - i) * sizeof(*v));
	v[i] = unit;
	u->n++;
	return 0;
}

int unitset_merge(struct unitset *dst, const struct unitset *src)
{
	size_t i;
	dst->all |= src->all;
	for (i = 0; i < src->n; i++)
		if (unitset_add(dst, src->v[i]))
			return -ENOMEM;
	return 0;
}

void unitset_clear(struct unitset *u)
{
	u->n = 0;
	u->all = 0;
}

void unitset_uninit(struct unitset *u)
{
	if (!u)
		return;
	free(u->v);
	memset(u, 0, sizeof(*u));
}

int desired_take_units(struct desired *d, const struct unitset *u, uint64_t (*unit_of)(uint64_t),
		       struct desired *out)
{
	size_t i;
	/* downwards: flowset_remove() moves the last record into the hole,
	 * and that one has been looked at already */
	for (i = d->flows.n; i-- > 0;) {
		struct dflow_rec r;
		if (!unitset_has(u, unit_of(d->flows.v[i].cookie)))
			continue;
		flowset_remove(&d->flows, i, &r);
		if (flowset_put_rec(&out->flows, &r)) {
			dflow_rec_uninit(&r);
			return -ENOMEM;
		}
	}
	for (i = d->n_groups; i-- > 0;) {
		struct dgroup *g;
		if (!d->groups[i].unit || !unitset_has(u, d->groups[i].unit))
			continue;
		g = desired_add_group(out);
		if (!g)
			return -ENOMEM;
		*g = d->groups[i];
		d->groups[i] = d->groups[--d->n_groups];
	}
	return 0;
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
	return ctl_diff_from(cur, want, 0, 0, opts, out);
}

int ctl_diff_from(const struct desired *cur, const struct desired *want, size_t flow_from,
		  size_t group_from, const struct diff_opts *opts, struct diff *out)
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
	for (i = group_from; i < want->n_groups; i++) {
		const struct dgroup *g = &want->groups[i];
		if (g->rejected)
			continue;
		j = desired_find_group(cur, g->group_id);
		if (j < 0) {
			if (diff_push(out, DIFF_ADD, DK_GROUP, i))
				goto nomem;
		} else if (cur->groups[j].type != g->type || !same_buckets(&cur->groups[j], g)) {
			if (diff_push(out, DIFF_MODIFY, DK_GROUP, i))
				goto nomem;
		}
	}
	/* flow deletes before adds: an add may need the room */
	for (i = 0; i < cur->flows.n; i++) {
		const struct dflow_rec *f = &cur->flows.v[i];
		if (opts->keep_mask && (f->cookie & opts->keep_mask) == opts->keep_cookie)
			continue;
		j = flowset_find_rec(&want->flows, f);
		if (j < 0 || want->flows.v[j].rejected)
			if (diff_push(out, DIFF_DELETE, DK_FLOW, i))
				goto nomem;
	}
	for (i = flow_from; i < want->flows.n; i++) {
		const struct dflow_rec *f = &want->flows.v[i];
		if (f->rejected)
			continue;
		j = flowset_find_rec(&cur->flows, f);
		if (j < 0) {
			if (diff_push(out, DIFF_ADD, DK_FLOW, i))
				goto nomem;
			continue;
		}
		const struct dflow_rec *c = &cur->flows.v[j];
		if (c->cookie != f->cookie || c->idle_timeout != f->idle_timeout ||
		    c->hard_timeout != f->hard_timeout ||
		    (c->flags & KEPT_FLAGS) != (f->flags & KEPT_FLAGS)) {
			if (diff_push(out, DIFF_REPLACE, DK_FLOW, i))
				goto nomem;
		} else if (!dflow_rec_same_insts(c, f)) {
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

int dflow_rec_put_flow_mod(const struct dflow_rec *r, uint8_t command, uint32_t xid,
			   const struct ofp_bundle_add *in_bundle, struct ofpbuf *out)
{
	struct ofp_flow_mod fm; /* (its instructions are not read) */
	int del = command == OFPFC_DELETE_STRICT, rc;
	fm.command = command;
	fm.table_id = r->table;
	fm.priority = r->priority;
	fm.buffer_id = OFP_NO_BUFFER;
	fm.out_port = OFPP_ANY;
	fm.out_group = OFPG_ANY;
	fm.cookie = del ? 0 : r->cookie;
	fm.cookie_mask = 0;
	fm.idle_timeout = del ? 0 : r->idle_timeout;
	fm.hard_timeout = del ? 0 : r->hard_timeout;
	fm.flags = del ? 0 : r->flags;
	rc = match_unpack(r->bytes, r->match_len, &fm.match);
	if (rc)
		return rc;
	rc = ofp_put_flow_mod(out, xid, &fm, r->bytes + r->match_len, del ? 0 : r->insts_len,
			      in_bundle, NULL, 0);
	return rc == -ENOMEM ? -ENOMEM : rc ? -EINVAL : 0;
}

int dflow_rec_to_flow_mod(const struct dflow_rec *r, uint8_t command, uint32_t xid,
			  struct ofp_msg *msg)
{
	struct ofp_flow_mod *fm = &msg->u.flow_mod;
	int rc;
	ofp_msg_init(msg, OFPMSG_FLOW_MOD, xid);
	fm->command = command;
	fm->table_id = r->table;
	fm->priority = r->priority;
	fm->buffer_id = OFP_NO_BUFFER;
	fm->out_port = OFPP_ANY;
	fm->out_group = OFPG_ANY;
	rc = dflow_rec_match(r, &fm->match);
	if (rc || command == OFPFC_DELETE_STRICT)
		return rc;
	fm->cookie = r->cookie;
	fm->idle_timeout = r->idle_timeout;
	fm->hard_timeout = r->hard_timeout;
	fm->flags = r->flags;
	return dflow_rec_insts(r, &fm->insts);
}
