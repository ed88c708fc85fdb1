/* tests/unit/test_dfctl_graph.c: suite dfctl_graph, the table graph builder
 * behind `dfctl pipeline` (hostd/dfctl/graph.h). Feeds it action text in
 * hostd's canonical form (ofp_format_instructions) and in ovs-ofctl's, and
 * checks nodes, edges, counts, refusals and both formatters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/dfctl/graph.h"
#include "tests/unit/unit.h"

/* Text written by a formatter (malloc'ed). */
static char *format(const struct dfg *g, int dot)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (dot)
		dfg_format_dot(g, "title \"q\"", f);
	else
		dfg_format_text(g, f);
	fclose(f);
	return buf;
}

static void test_table_edges(void)
{
	struct dfg g;
	const struct dfg_edge *e;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "apply(load:0x1->reg6[0..31]) "
				     "write_metadata:0x5/0xffffffff goto_table:10", 7), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "write_metadata:0x6/0xffffffff goto_table:10", 3), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 10, "apply(resubmit(,20),resubmit(5,25))", 1), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 40, "apply(ct(commit,zone=5,table=50,nat(src=1.2.3.4)))", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 60, "apply(resubmit(3))", 0), 0);
	CU_ASSERT_EQUAL(g.n_flows, 5);

	e = dfg_edge(&g, 0, DFG_E_GOTO, 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->n_flows, 2);
	CU_ASSERT_EQUAL(e->n_packets, 10);
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 10, DFG_E_RESUBMIT, 20));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 10, DFG_E_RESUBMIT, 25));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 40, DFG_E_CT, 50));
	/* resubmit without a table stays in the same table */
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 60, DFG_E_RESUBMIT, 60));
	/* a flow that only continues elsewhere is no drop */
	CU_ASSERT_PTR_NULL(dfg_edge(&g, 0, DFG_E_DROP, 0));

	/* nodes: flows and packets per table; targets appear with 0 flows */
	CU_ASSERT_EQUAL(dfg_node(&g, 0)->n_flows, 2);
	CU_ASSERT_EQUAL(dfg_node(&g, 0)->n_packets, 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dfg_node(&g, 25));
	CU_ASSERT_EQUAL(dfg_node(&g, 25)->n_flows, 0);
	CU_ASSERT_PTR_NOT_NULL(dfg_node(&g, 50));
	CU_ASSERT_PTR_NULL(dfg_node(&g, 30));
	/* sorted by table id */
	for (size_t i = 1; i < g.n_nodes; i++)
		CU_ASSERT(g.nodes[i - 1].table < g.nodes[i].table);
	dfg_uninit(&g);
}

static void test_terminals(void)
{
	struct dfg g;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 30, "apply(dec_ttl,set_field:fa:16:3e:00:00:01->eth_src,"
				     "output:3)", 4), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 30, "apply(output:CONTROLLER:65535)", 1), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 10, "apply(move:arp_sha[0..47]->arp_tha[0..47],"
				     "set_field:2->arp_op,output:IN_PORT)", 2), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 50, "apply(group:22)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 60, "drop", 9), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 60, "apply(dec_ttl)", 1), 0); /* sent nowhere */
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "apply(output:NORMAL,output:LOCAL,output:FLOOD,"
				     "output:ALL)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 5, "apply(output:TABLE)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 6, "write(output:7) goto_table:8", 0), 0);

	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 30, DFG_E_PORT, 3));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 30, DFG_E_CONTROLLER, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 10, DFG_E_IN_PORT, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 50, DFG_E_GROUP, 22));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dfg_edge(&g, 60, DFG_E_DROP, 0));
	CU_ASSERT_EQUAL(dfg_edge(&g, 60, DFG_E_DROP, 0)->n_flows, 2);
	CU_ASSERT_EQUAL(dfg_edge(&g, 60, DFG_E_DROP, 0)->n_packets, 10);
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_NORMAL, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_LOCAL, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_FLOOD, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_ALL, 0));
	/* output:TABLE re-enters at table 0 */
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 5, DFG_E_OUTPUT_TABLE, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 6, DFG_E_PORT, 7));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 6, DFG_E_GOTO, 8));
	/* nothing there is a table edge out of 30 */
	CU_ASSERT_EQUAL(dfg_node(&g, 30)->n_flows, 2);
	CU_ASSERT_EQUAL(g.n_unparsed, 0);
	dfg_uninit(&g);
}

static void test_one_flow_counts_once(void)
{
	struct dfg g;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 1, "apply(output:2,output:2,resubmit(,3)) goto_table:3", 5), 0);
	CU_ASSERT_EQUAL(dfg_edge(&g, 1, DFG_E_PORT, 2)->n_flows, 1);
	CU_ASSERT_EQUAL(dfg_edge(&g, 1, DFG_E_PORT, 2)->n_packets, 5);
	/* resubmit and goto to the same table are different edges */
	CU_ASSERT_EQUAL(dfg_edge(&g, 1, DFG_E_RESUBMIT, 3)->n_flows, 1);
	CU_ASSERT_EQUAL(dfg_edge(&g, 1, DFG_E_GOTO, 3)->n_flows, 1);
	CU_ASSERT_EQUAL(g.n_edges, 3);
	dfg_uninit(&g);
}

static void test_ovs_ofctl_text(void)
{
	struct dfg g;
	dfg_init(&g);
	/* what `ovs-ofctl dump-flows` prints after "actions=" */
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "load:0x1->NXM_NX_REG6[],resubmit(,10)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "NORMAL", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "CONTROLLER:65535", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "mod_dl_src:fa:16:3e:00:00:01,2", 0), 0);
	/* learn()'s own table= is where it installs flows, not where the packet goes */
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 1, "learn(table=40,NXM_OF_ETH_DST[]),output:4", 0), 0);
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_RESUBMIT, 10));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_NORMAL, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_CONTROLLER, 0));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_PORT, 2));
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 1, DFG_E_PORT, 4));
	CU_ASSERT_PTR_NULL(dfg_node(&g, 40));
	dfg_uninit(&g);
}

static void test_refused(void)
{
	struct dfg g;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "apply(output:1", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "goto_table:255", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "goto_table:", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "goto_table:1x", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "apply(resubmit(,999))", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "apply(group:-1)", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 255, "drop", 0), -EINVAL);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, NULL, 0), -EINVAL);
	/* refusals add nothing, not even the flow's table */
	CU_ASSERT_EQUAL(g.n_nodes, 0);
	CU_ASSERT_EQUAL(g.n_edges, 0);
	CU_ASSERT_EQUAL(g.n_flows, 0);
	/* a port by name cannot be drawn: counted, the rest kept */
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "output:tap-a,goto_table:3", 0), 0);
	CU_ASSERT_EQUAL(g.n_unparsed, 1);
	CU_ASSERT_PTR_NOT_NULL(dfg_edge(&g, 0, DFG_E_GOTO, 3));
	dfg_uninit(&g);
}

static void test_text_format(void)
{
	struct dfg g;
	char *t;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_set_table_name(&g, 0, "classify"), 0);
	CU_ASSERT_EQUAL(dfg_set_table_name(&g, 10, "arp_responder"), 0);
	CU_ASSERT_EQUAL(dfg_set_port_name(&g, 3, "tap-vm-a"), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "goto_table:10", 4), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "drop", 1), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 10, "apply(output:3)", 1), 0);
	t = format(&g, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "table 0 classify: 2 flows, 5 packets\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "-> table 10 arp_responder"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "goto_table   1 flow, 4 packets"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "-> port 3 (tap-vm-a)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "-> drop"));
	/* table edges come before terminals */
	CU_ASSERT(strstr(t, "-> table 10") < strstr(t, "-> drop"));
	/* table 10 is a block of its own, after table 0 */
	CU_ASSERT(strstr(t, "table 10 arp_responder: 1 flow") > strstr(t, "table 0 classify"));
	free(t);
	dfg_uninit(&g);
}

static void test_dot_format(void)
{
	struct dfg g;
	char *t;
	dfg_init(&g);
	CU_ASSERT_EQUAL(dfg_set_table_name(&g, 0, "cl\"ass\\ify"), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 0, "goto_table:10", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 10, "apply(output:3,output:CONTROLLER:65535)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 20, "apply(output:3)", 0), 0);
	CU_ASSERT_EQUAL(dfg_add_flow(&g, 20, "drop", 0), 0);
	t = format(&g, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(strncmp(t, "digraph pipeline {", 18), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "label=\"title \\\"q\\\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "cl\\\"ass\\\\ify"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t0 -> t10 [label=\"goto_table, 1 flow\"]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t10 -> x_port_3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t20 -> x_port_3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t10 -> x_CONTROLLER"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t20 -> x_drop_20"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "  x_drop_20 [shape=octagon"));
	/* the shared port node is declared once */
	char *first = strstr(t, "  x_port_3 [shape");
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_PTR_NULL(strstr(first + 1, "  x_port_3 [shape"));
	CU_ASSERT_EQUAL(t[strlen(t) - 2], '}');
	free(t);
	dfg_uninit(&g);
}

UNIT_SUITE(dfctl_graph, NULL, NULL,
	   UNIT_TEST(test_table_edges),
	   UNIT_TEST(test_terminals),
	   UNIT_TEST(test_one_flow_counts_once),
	   UNIT_TEST(test_ovs_ofctl_text),
	   UNIT_TEST(test_refused),
	   UNIT_TEST(test_text_format),
	   UNIT_TEST(test_dot_format));
