/* hostd/dfctl/cmd_pipeline.c: `dfctl pipeline CHASSIS`, the table graph of
 * the flows live on a chassis' br-int. Gets them from GET
 * /v2.0/chassis/CHASSIS/flows (the switch's own dump: desired flows it
 * has, with its version when it differs, and the extra ones), builds the
 * graph with graph.c, prints it as text (or JSON) and renders it with
 * Graphviz `dot` (--svg / --png; --dot writes the source). dfctl.c
 * dispatches here and lends its HTTP helpers (dfctl_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostd/dfctl/dfctl_int.h"
#include "hostd/dfctl/graph.h"

enum { EX_OK = 0, EX_API = 1, EX_USAGE = 2 };

static void help(FILE *f)
{
	fprintf(f,
		"usage: dfctl pipeline CHASSIS [--svg FILE | --png FILE] [--dot FILE] [--json]\n"
		"The table graph of the flows live on CHASSIS's br-int (a fresh dump of the\n"
		"switch): one node per table with its flow and packet counts, one edge per\n"
		"way out of it (goto_table, resubmit, ct(table=N), output:TABLE) with how\n"
		"many flows take it, and where packets leave: ports, IN_PORT, NORMAL,\n"
		"CONTROLLER (hostd), groups, drop. Printed as text; --svg/--png also\n"
		"render it with Graphviz (`dot`), --dot writes the DOT source, --json\n"
		"prints nodes and edges as JSON. When the switch is not connected the\n"
		"graph is drawn from the desired flows and dfctl exits 1.\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The graph of the reply's flows: those on the switch when it answered,
 * else the desired ones. 0 or the exit code. */
static int build(json_t *body, int live, struct dfg *g)
{
	json_t *flows = json_object_get(body, "flows"), *f, *v;
	const char *key;
	size_t i;
	json_object_foreach(json_object_get(body, "tables"), key, v)
		if (json_is_string(v) && dfg_set_table_name(g, (unsigned)atoi(key), json_string_value(v)))
			return EX_API;
	json_array_foreach(json_object_get(body, "ports"), i, f)
		if (dfg_set_port_name(g, (uint32_t)json_integer_value(json_object_get(f, "port_no")),
				      str(f, "name")))
			return EX_API;
	json_array_foreach(flows, i, f) {
		const char *st = str(f, "state");
		const char *act = json_is_string(json_object_get(f, "switch_actions"))
					  ? str(f, "switch_actions") : str(f, "actions");
		json_int_t tab = json_integer_value(json_object_get(f, "table"));
		int r;
		if (live && !strcmp(st, "missing"))
			continue; /* not on the switch */
		if (!live && !strcmp(st, "extra"))
			continue;
		r = dfg_add_flow(g, (unsigned)tab, act,
				 (uint64_t)json_integer_value(json_object_get(f, "n_packets")));
		if (r == -EINVAL)
			fprintf(stderr, "dfctl: pipeline: table %lld: actions not understood, flow "
				"left out: %s\n", (long long)tab, act);
		else if (r)
			return EX_API;
	}
	return 0;
}

static json_t *graph_json(const struct dfg *g)
{
	json_t *o = json_object(), *nodes = json_array(), *edges = json_array();
	size_t i;
	for (i = 0; i < g->n_nodes; i++)
		json_array_append_new(nodes, json_pack("{s:i, s:o, s:I, s:I}", "table",
						       (int)g->nodes[i].table, "name",
						       g->nodes[i].name ? json_string(g->nodes[i].name)
									: json_null(),
						       "n_flows", (json_int_t)g->nodes[i].n_flows,
						       "n_packets", (json_int_t)g->nodes[i].n_packets));
	for (i = 0; i < g->n_edges; i++) {
		const struct dfg_edge *e = &g->edges[i];
		json_t *je = json_pack("{s:i, s:s, s:I, s:I}", "from", (int)e->from, "kind",
				       dfg_edge_kind_name(e->kind), "n_flows", (json_int_t)e->n_flows,
				       "n_packets", (json_int_t)e->n_packets);
		if (dfg_edge_to_table(e->kind))
			json_object_set_new(je, "to_table", json_integer(e->arg));
		else if (e->kind == DFG_E_PORT)
			json_object_set_new(je, "port", json_integer(e->arg));
		else if (e->kind == DFG_E_GROUP)
			json_object_set_new(je, "group", json_integer(e->arg));
		json_array_append_new(edges, je);
	}
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "edges", edges);
	return o;
}

/* Writes the DOT source to path. 0 or -errno. */
static int write_dot(const struct dfg *g, const char *title, const char *path)
{
	FILE *f = fopen(path, "we");
	int r;
	if (!f)
		return -errno;
	dfg_format_dot(g, title, f);
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/* Runs `dot -TFMT -o OUT SRC`. 0, or an exit code after saying why. */
static int render(const char *fmt, const char *src, const char *out)
{
	char tflag[16];
	int st;
	pid_t pid;
	snprintf(tflag, sizeof(tflag), "-T%s", fmt);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "dfctl: pipeline: fork: %s\n", strerror(errno));
		return EX_API;
	}
	if (pid == 0) {
		execlp("dot", "dot", tflag, "-o", out, src, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EX_API;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		fprintf(stderr, "dfctl: pipeline: Graphviz `dot` not found (install the graphviz "
				"package; make deps)\n");
		return EX_USAGE;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "dfctl: pipeline: dot -T%s failed (status %d)\n", fmt,
			WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return EX_API;
	}
	return 0;
}

int cmd_pipeline(int argc, char **argv)
{
	const char *chassis = NULL, *svg = NULL, *png = NULL, *dot = NULL;
	for (int i = 0; i < argc; i++) {
		const char **slot = NULL;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help(stdout);
			return EX_OK;
		}
		if (!strcmp(argv[i], "--svg"))
			slot = &svg;
		else if (!strcmp(argv[i], "--png"))
			slot = &png;
		else if (!strcmp(argv[i], "--dot"))
			slot = &dot;
		if (slot) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "dfctl: pipeline: %s needs FILE\n", argv[i]);
				return EX_USAGE;
			}
			*slot = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' || chassis) {
			fprintf(stderr, "dfctl: pipeline: unexpected '%s' (see dfctl pipeline --help)\n",
				argv[i]);
			return EX_USAGE;
		}
		chassis = argv[i];
	}
	if (!chassis) {
		fprintf(stderr, "dfctl: pipeline: needs CHASSIS (see dfctl pipeline --help)\n");
		return EX_USAGE;
	}
	if (svg && png) {
		fprintf(stderr, "dfctl: pipeline: --svg or --png, not both\n");
		return EX_USAGE;
	}

	char *path = chassis_url(chassis, "flows");
	struct reply rp = http("GET", path, NULL);
	free(path);
	if (!json_is_array(json_object_get(rp.body, "flows")))
		return api_error(&rp, "pipeline");
	int live = rp.status == 200;

	struct dfg g;
	char title[256];
	int r;
	dfg_init(&g);
	r = build(rp.body, live, &g);
	if (r) {
		fprintf(stderr, "dfctl: pipeline: out of memory\n");
		goto out;
	}
	snprintf(title, sizeof(title), "dfnic pipeline of chassis %s (datapath %s): %zu %s flows",
		 chassis, str(rp.body, "datapath_id"), g.n_flows, live ? "live" : "desired");
	if (json_out) {
		json_t *j = graph_json(&g);
		print_json(j);
		json_decref(j);
	} else {
		printf("%s\n", title);
		dfg_format_text(&g, stdout);
	}
	if (dot && (r = write_dot(&g, title, dot))) {
		fprintf(stderr, "dfctl: pipeline: cannot write %s: %s\n", dot, strerror(-r));
		r = EX_API;
		goto out;
	}
	if (svg || png) {
		char tmp[] = "/tmp/dfctl-pipeline.XXXXXX";
		int fd = mkstemp(tmp);
		if (fd < 0) {
			fprintf(stderr, "dfctl: pipeline: temporary file: %s\n", strerror(errno));
			r = EX_API;
			goto out;
		}
		close(fd);
		r = write_dot(&g, title, tmp);
		if (r) {
			fprintf(stderr, "dfctl: pipeline: cannot write %s: %s\n", tmp, strerror(-r));
			r = EX_API;
		} else {
			r = render(svg ? "svg" : "png", tmp, svg ? svg : png);
		}
		unlink(tmp);
		if (r)
			goto out;
		if (!json_out)
			printf("picture written to %s\n", svg ? svg : png);
	}
	r = EX_OK;
out:
	dfg_uninit(&g);
	if (!r && !live) {
		fprintf(stderr, "dfctl: pipeline: the switch did not report its flows: this is the "
				"graph of the DESIRED flows\n");
		return api_error(&rp, "pipeline");
	}
	json_decref(rp.body);
	return r;
}
