/* hostd/dfctl/cmd_flows.c: `dfctl flows CHASSIS`, the flows hostd wants on
 * a chassis' br-int and whether the switch has them, from GET
 * /v2.0/chassis/CHASSIS/flows (hostd/api/api_flows.h). dfctl.c dispatches
 * here and lends its HTTP and output helpers (dfctl_int.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/dfctl/dfctl_int.h"

enum { EX_OK = 0, EX_API = 1, EX_USAGE = 2 };

static void help(FILE *f)
{
	fprintf(f,
		"usage: dfctl flows CHASSIS [--table N] [--json]\n"
		"The flows hostd wants on CHASSIS's br-int and whether the switch has them,\n"
		"from a fresh flow dump of the switch, one line per flow:\n"
		"  TABLE  PRIO  PRESENT  PACKETS  MATCH  ACTIONS\n"
		"PRESENT: yes (on the switch as desired), NO (missing), DIFF (the switch\n"
		"has the flow with other actions, cookie or timeouts: its actions are shown\n"
		"on the next line), ? (switch not connected), extra (on the switch, not\n"
		"desired: the next convergence deletes it), hostd (installed by hostd on\n"
		"its own, e.g. reactive /32 routes: kept). Convergence runs when the switch\n"
		"connects, the topology changes, or hostd gets SIGHUP.\n"
		"  --table N   only table N\n"
		"  --json      the API's JSON (GET /v2.0/chassis/CHASSIS/flows)\n"
		"Exit codes: 0 done (the switch answered), 1 hostd refused or the switch\n"
		"is not connected (the desired flows are still listed), 2 bad usage,\n"
		"3 hostd unreachable.\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* PRESENT column of a flow. */
static const char *present_cell(json_t *f)
{
	const char *st = str(f, "state");
	if (!strcmp(st, "present"))
		return "yes";
	if (!strcmp(st, "missing"))
		return "NO";
	if (!strcmp(st, "different"))
		return "DIFF";
	if (!strcmp(st, "extra"))
		return json_is_true(json_object_get(f, "kept")) ? "hostd" : "extra";
	return "?";
}

struct row {
	json_t *f;       /* the flow (borrowed) */
	size_t order;    /* position in the reply */
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	long long tx = num(x->f, "table"), ty = num(y->f, "table");
	long long px = num(x->f, "priority"), py = num(y->f, "priority");
	if (tx != ty)
		return tx < ty ? -1 : 1;
	if (px != py)
		return px > py ? -1 : 1; /* highest priority first, as matched */
	return x->order < y->order ? -1 : x->order > y->order;
}

static void print_flows(json_t *body, long table)
{
	json_t *flows = json_object_get(body, "flows");
	json_t *sw = json_object_get(body, "switch");
	json_t *sum = json_object_get(body, "summary");
	size_t n = json_array_size(flows), i, m = 0;
	size_t wt = 5, wm = 5;
	struct row *rows = calloc(n + 1, sizeof(*rows));
	char tcol[64];

	if (!rows)
		exit(EX_API);
	for (i = 0; i < n; i++) {
		json_t *f = json_array_get(flows, i);
		if (table >= 0 && num(f, "table") != table)
			continue;
		rows[m].f = f;
		rows[m].order = i;
		m++;
	}
	qsort(rows, m, sizeof(*rows), row_cmp);
	printf("chassis %s, datapath %s: ", str(body, "chassis"), str(body, "datapath_id"));
	if (json_is_true(json_object_get(sw, "connected")))
		printf("switch connected from %s%s\n", str(sw, "peer"),
		       json_is_true(json_object_get(sw, "converging")) ? " (converging now)" : "");
	else
		printf("switch NOT connected (%s)\n", str(sw, "why"));
	printf("desired %lld: present %lld, missing %lld, different %lld; on the switch only: "
	       "%lld (%lld installed by hostd)\n\n",
	       num(sum, "desired"), num(sum, "present"), num(sum, "missing"),
	       num(sum, "different"), num(sum, "extra"), num(sum, "kept"));
	for (i = 0; i < m; i++) {
		json_t *f = rows[i].f;
		size_t l;
		snprintf(tcol, sizeof(tcol), "%lld%s%s", num(f, "table"),
			 json_is_string(json_object_get(f, "table_name")) ? " " : "",
			 str(f, "table_name"));
		if ((l = strlen(tcol)) > wt)
			wt = l;
		if ((l = strlen(str(f, "match"))) > wm)
			wm = l;
	}
	if (wm > 70)
		wm = 70; /* a longer match pushes its actions right, still whole */
	printf("%-*s  %5s  %-7s  %8s  %-*s  %s\n", (int)wt, "TABLE", "PRIO", "PRESENT", "PACKETS",
	       (int)wm, "MATCH", "ACTIONS");
	for (i = 0; i < m; i++) {
		json_t *f = rows[i].f, *np = json_object_get(f, "n_packets");
		char pk[32];
		snprintf(tcol, sizeof(tcol), "%lld%s%s", num(f, "table"),
			 json_is_string(json_object_get(f, "table_name")) ? " " : "",
			 str(f, "table_name"));
		if (json_is_integer(np))
			snprintf(pk, sizeof(pk), "%lld", (long long)json_integer_value(np));
		else
			snprintf(pk, sizeof(pk), "-");
		printf("%-*s  %5lld  %-7s  %8s  %-*s  %s\n", (int)wt, tcol, num(f, "priority"),
		       present_cell(f), pk, (int)wm, str(f, "match"), str(f, "actions"));
		if (json_is_string(json_object_get(f, "switch_actions")))
			printf("%-*s  %5s  %-7s  %8s  %-*s  %s (the switch's, cookie %s)\n", (int)wt,
			       "", "", "", "", (int)wm, "", str(f, "switch_actions"),
			       str(f, "switch_cookie"));
	}
	if (!m)
		printf("(no flows%s)\n", table >= 0 ? " in this table" : "");
	free(rows);
}

int cmd_flows(int argc, char **argv)
{
	const char *chassis = NULL;
	long table = -1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help(stdout);
			return EX_OK;
		}
		if (!strcmp(argv[i], "--table") || !strncmp(argv[i], "--table=", 8)) {
			const char *v = argv[i][7] == '=' ? argv[i] + 8 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			errno = 0;
			table = v ? strtol(v, &end, 0) : -1;
			if (!v || !*v || *end || errno || table < 0 || table > 254) {
				fprintf(stderr, "dfctl: flows: --table needs a table number 0..254\n");
				return EX_USAGE;
			}
			continue;
		}
		if (argv[i][0] == '-' || chassis) {
			fprintf(stderr, "dfctl: flows: unexpected '%s' (see dfctl flows --help)\n",
				argv[i]);
			return EX_USAGE;
		}
		chassis = argv[i];
	}
	if (!chassis) {
		fprintf(stderr, "dfctl: flows: needs CHASSIS (see dfctl flows --help)\n");
		return EX_USAGE;
	}
	char *path = chassis_url(chassis, "flows");
	struct reply rp = http("GET", path, NULL);
	free(path);
	int listed = json_is_array(json_object_get(rp.body, "flows"));
	if (rp.status != 200 && !listed)
		return api_error(&rp, "flows");
	if (json_out)
		print_json(rp.body);
	else
		print_flows(rp.body, table);
	if (rp.status != 200) /* desired flows listed, the switch's state unknown */
		return api_error(&rp, "flows");
	json_decref(rp.body);
	return EX_OK;
}
