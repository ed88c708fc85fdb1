/* tests/fuzz/dfctl_graph.c: libFuzzer target of dfctl's table graph builder
 * (hostd/dfctl/graph.c), which parses action text received from hostd's
 * API: any bytes as the actions of a flow (first byte: its table), then
 * both formatters. A refused text must add nothing; an accepted one must
 * add exactly one flow and leave every edge's table in range. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/dfctl/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfg g;
	char *text;
	size_t i;
	int r;
	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0; /* stops at the first NUL, as the JSON string would */
	dfg_init(&g);
	dfg_set_port_name(&g, 1, "p\"1");
	r = dfg_add_flow(&g, data[0], text, size);
	if (r == 0 && g.n_flows != 1)
		abort();
	if (r == -EINVAL && (g.n_flows || g.n_edges))
		abort();
	for (i = 0; i < g.n_edges; i++)
		if (dfg_edge_to_table(g.edges[i].kind) && g.edges[i].arg > 254)
			abort();
	FILE *f = fopen("/dev/null", "w");
	if (f) {
		dfg_format_text(&g, f);
		dfg_format_dot(&g, text, f);
		fclose(f);
	}
	dfg_uninit(&g);
	free(text);
	return 0;
}
