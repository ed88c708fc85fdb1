/* hostd/dfctl/graph.c: the table graph builder and its two formatters
 * (contract in graph.h). cmd_pipeline.c feeds it the live flows from
 * hostd's API; the unit suite dfctl_graph feeds it text directly. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostd/dfctl/graph.h"

#define DFG_MAX_TABLE 254      /* OpenFlow 1.3 tables 0..254 */
#define DFG_FLOW_EDGES 32      /* distinct edges one flow may have */

static const char *const kind_names[] = {
#define X(E, s) [DFG_E_##E] = s,
	DFG_EDGE_KINDS(X)
#undef X
};

const char *dfg_edge_kind_name(enum dfg_edge_kind k)
{
	return (unsigned)k < DFG_E__N ? kind_names[k] : "?";
}

int dfg_edge_to_table(enum dfg_edge_kind k)
{
	return k == DFG_E_GOTO || k == DFG_E_RESUBMIT || k == DFG_E_CT || k == DFG_E_OUTPUT_TABLE;
}

void dfg_init(struct dfg *g)
{
	memset(g, 0, sizeof(*g));
}

void dfg_uninit(struct dfg *g)
{
	size_t i;
	if (!g)
		return;
	for (i = 0; i < g->n_nodes; i++)
		free(g->nodes[i].name);
	for (i = 0; i < g->n_ports; i++)
		free(g->ports[i].name);
	free(g->nodes);
	free(g->edges);
	free(g->ports);
	memset(g, 0, sizeof(*g));
}

/* ---- building ----------------------------------------------------------- */

/* The node of `table`, created (sorted in) when absent; NULL on ENOMEM. */
static struct dfg_node *node_get(struct dfg *g, unsigned table)
{
	size_t i;
	for (i = 0; i < g->n_nodes && g->nodes[i].table < table; i++)
		;
	if (i < g->n_nodes && g->nodes[i].table == table)
		return &g->nodes[i];
	if (g->n_nodes == g->cap_nodes) {
		size_t cap = g->cap_nodes ? g->cap_nodes * 2 : 16;
		struct dfg_node *v = realloc(g->nodes, cap * sizeof(*v));
		if (!v)
			return NULL;
		g->nodes = v;
		g->cap_nodes = cap;
	}
	memmove(&g->nodes[i + 1], &g->nodes[i], (g->n_nodes - i) * sizeof(*g->nodes));
	memset(&g->nodes[i], 0, sizeof(*g->nodes));
	g->nodes[i].table = table;
	g->n_nodes++;
	return &g->nodes[i];
}

const struct dfg_node *dfg_node(const struct dfg *g, unsigned table)
{
	size_t i;
	for (i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].table == table)
			return &g->nodes[i];
	return NULL;
}

const struct dfg_edge *dfg_edge(const struct dfg *g, unsigned from, enum dfg_edge_kind kind,
				uint32_t arg)
{
	size_t i;
	for (i = 0; i < g->n_edges; i++)
		if (g->edges[i].from == from && g->edges[i].kind == kind && g->edges[i].arg == arg)
			return &g->edges[i];
	return NULL;
}

int dfg_set_table_name(struct dfg *g, unsigned table, const char *name)
{
	struct dfg_node *n = node_get(g, table);
	char *s = strdup(name);
	if (!n || !s) {
		free(s);
		return -ENOMEM;
	}
	free(n->name);
	n->name = s;
	return 0;
}

int dfg_set_port_name(struct dfg *g, uint32_t no, const char *name)
{
	char *s = strdup(name);
	struct dfg_port *v;
	if (!s)
		return -ENOMEM;
	v = realloc(g->ports, (g->n_ports + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	g->ports = v;
	g->ports[g->n_ports].no = no;
	g->ports[g->n_ports].name = s;
	g->n_ports++;
	return 0;
}

static const char *port_name(const struct dfg *g, uint32_t no)
{
	size_t i;
	for (i = g->n_ports; i-- > 0;)
		if (g->ports[i].no == no)
			return g->ports[i].name;
	return NULL;
}

/* Edges of one flow, before they join the graph. */
struct flow_edges {
	struct {
		enum dfg_edge_kind kind; /* what */
		uint32_t arg;            /* table, port or group */
	} v[DFG_FLOW_EDGES];             /* distinct edges */
	size_t n;                        /* used */
	int unknown;                     /* something was not understood */
	int overflow;                    /* more than DFG_FLOW_EDGES */
};

static void fe_add(struct flow_edges *fe, enum dfg_edge_kind kind, uint32_t arg)
{
	size_t i;
	for (i = 0; i < fe->n; i++)
		if (fe->v[i].kind == kind && fe->v[i].arg == arg)
			return;
	if (fe->n == DFG_FLOW_EDGES) {
		fe->overflow = 1;
		return;
	}
	fe->v[fe->n].kind = kind;
	fe->v[fe->n].arg = arg;
	fe->n++;
}

/* A decimal or 0x number filling [s, s+n) exactly, at most max. */
static int parse_num(const char *s, size_t n, unsigned long max, uint32_t *out)
{
	char buf[24], *end;
	unsigned long v;
	if (!n || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

/* A reserved port name as an edge kind, or DFG_E__N. */
static enum dfg_edge_kind reserved_port(const char *s, size_t n)
{
	static const struct {
		const char *name;        /* as formatted */
		enum dfg_edge_kind kind; /* edge */
	} r[] = {
		{ "IN_PORT", DFG_E_IN_PORT }, { "LOCAL", DFG_E_LOCAL }, { "FLOOD", DFG_E_FLOOD },
		{ "ALL", DFG_E_ALL }, { "NORMAL", DFG_E_NORMAL }, { "CONTROLLER", DFG_E_CONTROLLER },
		{ "TABLE", DFG_E_OUTPUT_TABLE },
	};
	size_t i;
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (word_is(s, n, r[i].name))
			return r[i].kind;
	return DFG_E__N;
}

/* output:VALUE (VALUE up to a delimiter, e.g. "2", "CONTROLLER:65535"). */
static int take_output(struct flow_edges *fe, const char *v, size_t n)
{
	size_t w = 0;
	uint32_t port;
	enum dfg_edge_kind k;
	while (w < n && v[w] != ':')
		w++;
	k = reserved_port(v, w);
	if (k == DFG_E_OUTPUT_TABLE) {
		fe_add(fe, k, 0); /* re-enters the pipeline at table 0 */
		return 0;
	}
	if (k != DFG_E__N) {
		fe_add(fe, k, 0);
		return 0;
	}
	if (parse_num(v, n, 0xffffff00ul, &port)) {
		if (n && !isdigit((unsigned char)v[0])) {
			fe->unknown = 1; /* a port by name: no number to draw */
			return 0;
		}
		return -EINVAL;
	}
	fe_add(fe, DFG_E_PORT, port);
	return 0;
}

/* resubmit(PORT,TABLE) / resubmit(PORT): inner text between the parens. */
static int take_resubmit(struct flow_edges *fe, unsigned table, const char *s, size_t n)
{
	const char *comma = memchr(s, ',', n);
	uint32_t t = table;
	if (comma) {
		size_t tl = n - (size_t)(comma - s) - 1;
		if (tl && parse_num(comma + 1, tl, DFG_MAX_TABLE, &t))
			return -EINVAL;
	}
	fe_add(fe, DFG_E_RESUBMIT, t);
	return 0;
}

/* ct(...): a "table=N" argument at its top level continues there. */
static int take_ct(struct flow_edges *fe, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		int depth = 0;
		while (j < n && (depth || s[j] != ',')) {
			depth += s[j] == '(';
			depth -= s[j] == ')';
			j++;
		}
		if (j - i > 6 && !strncmp(s + i, "table=", 6)) {
			uint32_t t;
			if (parse_num(s + i + 6, j - i - 6, DFG_MAX_TABLE, &t))
				return -EINVAL;
			fe_add(fe, DFG_E_CT, t);
		}
		i = j + 1;
	}
	return 0;
}

static int is_delim(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Scans actions text [s, s+n) of a flow in `table`. */
static int scan(struct flow_edges *fe, unsigned table, const char *s, size_t n, int *drop)
{
	size_t i = 0;
	while (i < n) {
		size_t w0, wn;
		if (is_delim(s[i])) {
			i++;
			continue;
		}
		w0 = i;
		while (i < n && is_word(s[i]))
			i++;
		wn = i - w0;
		if (i < n && s[i] == '(') {
			/* name(inner): find the matching parenthesis */
			size_t k = i + 1;
			int depth = 1, r = 0;
			while (k < n && depth) {
				depth += s[k] == '(';
				depth -= s[k] == ')';
				k++;
			}
			if (depth)
				return -EINVAL;
			const char *in = s + i + 1;
			size_t inl = k - i - 2;
			if (word_is(s + w0, wn, "apply") || word_is(s + w0, wn, "write") ||
			    word_is(s + w0, wn, "clone") || word_is(s + w0, wn, "exec"))
				r = scan(fe, table, in, inl, drop);
			else if (word_is(s + w0, wn, "resubmit"))
				r = take_resubmit(fe, table, in, inl);
			else if (word_is(s + w0, wn, "ct"))
				r = take_ct(fe, in, inl);
			else if (!wn)
				fe->unknown = 1;
			/* others (nat, learn, ...) do not route the packet */
			if (r)
				return r;
			i = k;
			continue;
		}
		if (i < n && s[i] == ':' && wn) {
			/* name:value up to the next delimiter (brackets stay inside) */
			size_t v0 = ++i;
			int depth = 0;
			while (i < n && (depth || !is_delim(s[i]))) {
				depth += s[i] == '[' || s[i] == '(';
				depth -= s[i] == ']' || s[i] == ')';
				i++;
			}
			const char *v = s + v0;
			size_t vn = i - v0;
			uint32_t x;
			if (word_is(s + w0, wn, "goto_table")) {
				if (parse_num(v, vn, DFG_MAX_TABLE, &x))
					return -EINVAL;
				fe_add(fe, DFG_E_GOTO, x);
			} else if (word_is(s + w0, wn, "output")) {
				if (take_output(fe, v, vn))
					return -EINVAL;
			} else if (word_is(s + w0, wn, "group")) {
				if (parse_num(v, vn, 0xffffff00ul, &x))
					return -EINVAL;
				fe_add(fe, DFG_E_GROUP, x);
			} else if (word_is(s + w0, wn, "resubmit")) {
				fe_add(fe, DFG_E_RESUBMIT, table); /* resubmit:PORT, same table */
			} else if (reserved_port(s + w0, wn) == DFG_E_CONTROLLER) {
				fe_add(fe, DFG_E_CONTROLLER, 0); /* "CONTROLLER:65535" bare */
			}
			continue;
		}
		if (!wn) {
			fe->unknown = 1; /* a stray character */
			i++;
			continue;
		}
		if (word_is(s + w0, wn, "drop")) {
			*drop = 1;
		} else if (reserved_port(s + w0, wn) != DFG_E__N &&
			   reserved_port(s + w0, wn) != DFG_E_OUTPUT_TABLE) {
			fe_add(fe, reserved_port(s + w0, wn), 0); /* ovs-ofctl: bare NORMAL */
		} else if (isdigit((unsigned char)s[w0])) {
			uint32_t port; /* ovs-ofctl: a bare port number is an output */
			if (parse_num(s + w0, wn, 0xffffff00ul, &port))
				return -EINVAL;
			fe_add(fe, DFG_E_PORT, port);
		}
		/* other bare words (dec_ttl, clear, pop_vlan, ...) change the
		 * packet, not where it goes */
	}
	return 0;
}

int dfg_add_flow(struct dfg *g, unsigned table, const char *actions, uint64_t n_packets)
{
	struct flow_edges fe;
	struct dfg_node *node;
	int drop = 0, r;
	size_t i;

	if (table > DFG_MAX_TABLE || !actions)
		return -EINVAL;
	memset(&fe, 0, sizeof(fe));
	r = scan(&fe, table, actions, strlen(actions), &drop);
	if (r)
		return r;
	if (!fe.n)
		fe_add(&fe, DFG_E_DROP, 0); /* sent nowhere: dropped */
	/* make every node first, so a failure leaves no half-added flow
	 * (an empty target node on ENOMEM is harmless) */
	for (i = 0; i < fe.n; i++)
		if (dfg_edge_to_table(fe.v[i].kind) && !node_get(g, fe.v[i].arg))
			return -ENOMEM;
	node = node_get(g, table);
	if (!node)
		return -ENOMEM;
	if (g->n_edges + fe.n > g->cap_edges) {
		size_t cap = g->cap_edges ? g->cap_edges : 32;
		struct dfg_edge *v;
		while (cap < g->n_edges + fe.n)
			cap *= 2;
		v = realloc(g->edges, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->edges = v;
		g->cap_edges = cap;
	}
	node->n_flows++;
	node->n_packets += n_packets;
	for (i = 0; i < fe.n; i++) {
		struct dfg_edge *e = (struct dfg_edge *)dfg_edge(g, table, fe.v[i].kind, fe.v[i].arg);
		if (!e) {
			e = &g->edges[g->n_edges++];
			memset(e, 0, sizeof(*e));
			e->from = table;
			e->kind = fe.v[i].kind;
			e->arg = fe.v[i].arg;
		}
		e->n_flows++;
		e->n_packets += n_packets;
	}
	g->n_flows++;
	g->n_unparsed += fe.unknown || fe.overflow;
	return 0;
}

/* ---- formatting ----------------------------------------------------------- */

static int edge_cmp(const void *a, const void *b)
{
	const struct dfg_edge *x = *(const struct dfg_edge *const *)a;
	const struct dfg_edge *y = *(const struct dfg_edge *const *)b;
	int tx = dfg_edge_to_table(x->kind), ty = dfg_edge_to_table(y->kind);
	if (tx != ty)
		return ty - tx; /* tables first */
	if (tx && x->arg != y->arg)
		return x->arg < y->arg ? -1 : 1;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return x->arg < y->arg ? -1 : x->arg > y->arg;
}

/* Edges leaving `table`, sorted; the caller frees the array. */
static const struct dfg_edge **edges_of(const struct dfg *g, unsigned table, size_t *n)
{
	const struct dfg_edge **v = calloc(g->n_edges + 1, sizeof(*v));
	size_t i;
	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < g->n_edges; i++)
		if (g->edges[i].from == table)
			v[(*n)++] = &g->edges[i];
	qsort(v, *n, sizeof(*v), edge_cmp);
	return v;
}

/* Where an edge goes, as text ("table 10 arp", "port 2 (tap-a)", ...). */
static void target_text(const struct dfg *g, const struct dfg_edge *e, char *buf, size_t size)
{
	const struct dfg_node *n;
	const char *pn;
	switch (e->kind) {
	case DFG_E_GOTO:
	case DFG_E_RESUBMIT:
	case DFG_E_CT:
	case DFG_E_OUTPUT_TABLE:
		n = dfg_node(g, e->arg);
		snprintf(buf, size, "table %u%s%s", e->arg, n && n->name ? " " : "",
			 n && n->name ? n->name : "");
		break;
	case DFG_E_PORT:
		pn = port_name(g, e->arg);
		snprintf(buf, size, "port %u%s%s%s", e->arg, pn ? " (" : "", pn ? pn : "",
			 pn ? ")" : "");
		break;
	case DFG_E_GROUP:
		snprintf(buf, size, "group %u", e->arg);
		break;
	default:
		snprintf(buf, size, "%s", dfg_edge_kind_name(e->kind));
		break;
	}
}

void dfg_format_text(const struct dfg *g, FILE *f)
{
	size_t i, j, n;
	for (i = 0; i < g->n_nodes; i++) {
		const struct dfg_node *nd = &g->nodes[i];
		const struct dfg_edge **v = edges_of(g, nd->table, &n);
		fprintf(f, "table %u%s%s: %zu flow%s, %llu packet%s%s\n", nd->table,
			nd->name ? " " : "", nd->name ? nd->name : "", nd->n_flows,
			nd->n_flows == 1 ? "" : "s", (unsigned long long)nd->n_packets,
			nd->n_packets == 1 ? "" : "s",
			nd->n_flows ? "" : " (no flows: a packet sent here is dropped)");
		for (j = 0; v && j < n; j++) {
			char t[96];
			target_text(g, v[j], t, sizeof(t));
			fprintf(f, "    -> %-28s %-12s %zu flow%s, %llu packet%s\n", t,
				dfg_edge_to_table(v[j]->kind) || v[j]->kind == DFG_E_PORT ||
						v[j]->kind == DFG_E_GROUP
					? dfg_edge_kind_name(v[j]->kind) : "",
				v[j]->n_flows, v[j]->n_flows == 1 ? "" : "s",
				(unsigned long long)v[j]->n_packets, v[j]->n_packets == 1 ? "" : "s");
		}
		free(v);
	}
	if (g->n_unparsed)
		fprintf(f, "(%zu flow%s had actions not fully understood; their known edges are "
			"shown)\n", g->n_unparsed, g->n_unparsed == 1 ? "" : "s");
}

/* A DOT double-quoted string body (quotes and backslashes escaped). */
static void dot_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

/* The DOT id of an edge's terminal node ("x_port_2", "x_NORMAL", ...);
 * each table gets its own drop node (one shared one draws long edges
 * across the picture). */
static void term_id(const struct dfg_edge *e, char *buf, size_t size)
{
	if (e->kind == DFG_E_PORT || e->kind == DFG_E_GROUP)
		snprintf(buf, size, "x_%s_%u", e->kind == DFG_E_PORT ? "port" : "group", e->arg);
	else if (e->kind == DFG_E_DROP)
		snprintf(buf, size, "x_drop_%u", e->from);
	else
		snprintf(buf, size, "x_%s", dfg_edge_kind_name(e->kind));
}

void dfg_format_dot(const struct dfg *g, const char *title, FILE *f)
{
	size_t i, j;
	fprintf(f, "digraph pipeline {\n"
		   "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"");
	dot_str(f, title ? title : "pipeline");
	fprintf(f, "\"];\n"
		   "  node [fontname=\"Helvetica\", fontsize=10];\n"
		   "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (i = 0; i < g->n_nodes; i++) {
		const struct dfg_node *nd = &g->nodes[i];
		fprintf(f, "  t%u [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", "
			   "label=\"table %u", nd->table, nd->n_flows ? "#dbe7f6" : "#eeeeee",
			nd->table);
		if (nd->name) {
			fputs("\\n", f);
			dot_str(f, nd->name);
		}
		fprintf(f, "\\n%zu flow%s, %llu pkt%s\"];\n", nd->n_flows,
			nd->n_flows == 1 ? "" : "s", (unsigned long long)nd->n_packets,
			nd->n_packets == 1 ? "" : "s");
	}
	/* terminal nodes, once each */
	for (i = 0; i < g->n_edges; i++) {
		const struct dfg_edge *e = &g->edges[i];
		char id[48], t[96];
		int seen = 0;
		if (dfg_edge_to_table(e->kind))
			continue;
		for (j = 0; j < i && !seen && e->kind != DFG_E_DROP; j++)
			seen = g->edges[j].kind == e->kind &&
			       (g->edges[j].arg == e->arg ||
				(e->kind != DFG_E_PORT && e->kind != DFG_E_GROUP));
		if (seen)
			continue;
		term_id(e, id, sizeof(id));
		target_text(g, e, t, sizeof(t));
		fprintf(f, "  %s [shape=%s, label=\"", id,
			e->kind == DFG_E_DROP ? "octagon"
			: e->kind == DFG_E_CONTROLLER ? "diamond"
			: e->kind == DFG_E_GROUP ? "component"
			: "ellipse");
		dot_str(f, e->kind == DFG_E_CONTROLLER ? "CONTROLLER (hostd)" : t);
		fprintf(f, "\"];\n");
	}
	for (i = 0; i < g->n_edges; i++) {
		const struct dfg_edge *e = &g->edges[i];
		char id[48];
		if (dfg_edge_to_table(e->kind))
			snprintf(id, sizeof(id), "t%u", e->arg);
		else
			term_id(e, id, sizeof(id));
		fprintf(f, "  t%u -> %s [label=\"%s%s%zu flow%s\"%s];\n", e->from, id,
			dfg_edge_to_table(e->kind) ? dfg_edge_kind_name(e->kind) : "",
			dfg_edge_to_table(e->kind) ? ", " : "", e->n_flows,
			e->n_flows == 1 ? "" : "s", e->kind == DFG_E_DROP ? ", style=dashed" : "");
	}
	fprintf(f, "}\n");
}
