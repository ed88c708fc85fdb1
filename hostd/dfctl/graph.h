/* hostd/dfctl/graph.h: the table graph of an OpenFlow pipeline, built from
 * flows as text (library `dfgraph`, used by `dfctl pipeline`, cmd_pipeline.c;
 * unit suite dfctl_graph).
 *
 * Nodes are tables (with how many flows and packets they hold), edges go
 * from a table to the tables its flows continue in (goto_table, resubmit,
 * ct(table=N), output:TABLE) or to where packets leave the pipeline
 * (output to a port, IN_PORT, LOCAL, FLOOD, ALL, NORMAL, CONTROLLER, a
 * group, or drop when a flow sends the packet nowhere). Each edge counts
 * the flows that have it and their packets. The actions are read in the
 * text form hostd's API gives (hostd/openflow ofp_format_instructions:
 * "apply(dec_ttl,output:2) goto_table:50", "drop"); `ovs-ofctl
 * dump-flows` action text parses too. Pure: no I/O except the two
 * formatters, which write to a FILE. */
#ifndef DFNIC_DFCTL_GRAPH_H
#define DFNIC_DFCTL_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where an edge goes (X: ENUM, text). */
#define DFG_EDGE_KINDS(X)             \
	X(GOTO, "goto_table")         \
	X(RESUBMIT, "resubmit")       \
	X(CT, "ct")                   \
	X(OUTPUT_TABLE, "output:TABLE") \
	X(PORT, "output")             \
	X(IN_PORT, "IN_PORT")         \
	X(LOCAL, "LOCAL")             \
	X(FLOOD, "FLOOD")             \
	X(ALL, "ALL")                 \
	X(NORMAL, "NORMAL")           \
	X(CONTROLLER, "CONTROLLER")   \
	X(GROUP, "group")             \
	X(DROP, "drop")

enum dfg_edge_kind {
#define X(E, s) DFG_E_##E,
	DFG_EDGE_KINDS(X)
#undef X
	DFG_E__N
};

const char *dfg_edge_kind_name(enum dfg_edge_kind k);
/* The edge continues in a table (goto, resubmit, ct, output:TABLE). */
int dfg_edge_to_table(enum dfg_edge_kind k);

struct dfg_node {
	unsigned table;          /* table id */
	size_t n_flows;          /* flows in it (0: only a target) */
	uint64_t n_packets;      /* their packets */
	char *name;              /* name (owned), NULL if none */
};

struct dfg_edge {
	unsigned from;           /* table */
	enum dfg_edge_kind kind; /* what */
	uint32_t arg;            /* target table, port number or group id */
	size_t n_flows;          /* flows with this edge */
	uint64_t n_packets;      /* their packets */
};

struct dfg_port {
	uint32_t no;             /* port number */
	char *name;              /* its name (owned) */
};

struct dfg {
	struct dfg_node *nodes;  /* by increasing table id */
	size_t n_nodes;          /* used */
	size_t cap_nodes;        /* allocated */
	struct dfg_edge *edges;  /* in order of first appearance */
	size_t n_edges;          /* used */
	size_t cap_edges;        /* allocated */
	struct dfg_port *ports;  /* port names for the formatters */
	size_t n_ports;          /* used */
	size_t n_flows;          /* flows added */
	size_t n_unparsed;       /* flows whose actions had an unknown part
				  * (counted, their known edges kept) */
};

void dfg_init(struct dfg *g);
/* Frees everything; accepts NULL. */
void dfg_uninit(struct dfg *g);

/* Adds one flow of `table` with `actions` and its packet count. 0, or
 * -ENOMEM, or -EINVAL when the text is malformed (unbalanced
 * parentheses, a table or port number out of range: nothing added). */
int dfg_add_flow(struct dfg *g, unsigned table, const char *actions, uint64_t n_packets);
/* Names a table / a port for the formatters. 0 or -ENOMEM. */
int dfg_set_table_name(struct dfg *g, unsigned table, const char *name);
int dfg_set_port_name(struct dfg *g, uint32_t no, const char *name);

const struct dfg_node *dfg_node(const struct dfg *g, unsigned table);
/* The edge from `from` of that kind and arg, or NULL. */
const struct dfg_edge *dfg_edge(const struct dfg *g, unsigned from, enum dfg_edge_kind kind,
				uint32_t arg);

/* Text: one block per table, its edges indented:
 *   table 0 classify: 5 flows, 42 packets
 *       -> table 10 arp_responder   goto_table   4 flows, 40 packets */
void dfg_format_text(const struct dfg *g, FILE *f);
/* Graphviz DOT source (digraph, left to right). */
void dfg_format_dot(const struct dfg *g, const char *title, FILE *f);

#endif
