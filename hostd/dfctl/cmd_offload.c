/* hostd/dfctl/cmd_offload.c: `dfctl offload [CHASSIS]`, the SmartNIC's
 * offload status per entry, from GET /v2.0/dfnic/offload or
 * /v2.0/chassis/CHASSIS/offload (hostd/api/api_offload.h). dfctl.c
 * dispatches here and lends its HTTP and output helpers (dfctl_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/dfctl/dfctl_int.h"

enum { EX_OK = 0, EX_USAGE = 2 };

static void help(FILE *f)
{
	fprintf(f,
		"usage: dfctl offload [CHASSIS] [--json] [--stats]\n"
		"What this hostd's SmartNIC offloads, one line per entry (an object hostd\n"
		"sent to the NIC: port, network, router interface, neighbour, route...):\n"
		"  offloaded  its flow rules are installed in the NIC\n"
		"  rejected   the NIC refused a rule (the driver's reason is shown); OVS\n"
		"             forwards that traffic, which is slower, not lost\n"
		"  pending    not applied yet, or waiting for something it refers to\n"
		"  no-rule    needs no rule of its own\n"
		"then the totals. CHASSIS defaults to the chassis hostd runs as\n"
		"(hostd --chassis). --json prints the API's JSON. --stats (rule and port\n"
		"counters) needs the sim data path and is not available yet.\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

int cmd_offload(int argc, char **argv)
{
	const char *chassis = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help(stdout);
			return EX_OK;
		}
		if (!strcmp(argv[i], "--stats")) {
			fprintf(stderr, "dfctl: offload --stats: not available yet (needs the sim "
					"data path's counters)\n");
			return EX_USAGE;
		}
		if (argv[i][0] == '-' || chassis) {
			fprintf(stderr, "dfctl: offload: unexpected '%s' (see dfctl offload --help)\n",
				argv[i]);
			return EX_USAGE;
		}
		chassis = argv[i];
	}
	char path[512];
	if (chassis) {
		char *e = url_escape(chassis);
		snprintf(path, sizeof(path), "/v2.0/chassis/%s/offload", e ? e : "");
		free(e);
	} else {
		snprintf(path, sizeof(path), "/v2.0/dfnic/offload");
	}
	struct reply rp = http("GET", path, NULL);
	if (rp.status != 200)
		return api_error(&rp, "offload");
	if (json_out) {
		print_json(rp.body);
		json_decref(rp.body);
		return EX_OK;
	}
	json_t *off = json_object_get(rp.body, "offload");
	json_t *entries = json_object_get(off, "entries");
	size_t i, wk = 4, wd = 11, ws = 6;
	json_t *e;
	json_array_foreach(entries, i, e) {
		size_t l = strlen(str(e, "kind"));
		wk = l > wk ? l : wk;
		l = strlen(str(e, "description"));
		wd = l > wd ? l : wd;
		l = strlen(str(e, "status"));
		ws = l > ws ? l : ws;
	}
	printf("chassis %s: NIC %s\n", str(off, "chassis"),
	       json_is_true(json_object_get(off, "connected")) ? "connected" : "not connected");
	printf("%-*s  %-10s  %-*s  %-*s  %s\n", (int)wk, "KIND", "ID", (int)wd, "DESCRIPTION",
	       (int)ws, "STATUS", "REASON");
	json_array_foreach(entries, i, e) {
		printf("%-*s  %-10lld  %-*s  %-*s  %s\n", (int)wk, str(e, "kind"),
		       (long long)json_integer_value(json_object_get(e, "id")), (int)wd,
		       str(e, "description"), (int)ws, str(e, "status"), str(e, "reason"));
	}
	json_t *t = json_object_get(off, "totals");
#define TOT(k) ((long long)json_integer_value(json_object_get(t, k)))
	printf("total: %lld entries: %lld offloaded, %lld rejected, %lld pending, %lld no-rule; "
	       "%lld rule(s) in the NIC\n",
	       TOT("objects"), TOT("offloaded"), TOT("rejected"), TOT("pending"), TOT("no_rule"),
	       TOT("rules"));
#undef TOT
	json_decref(rp.body);
	return EX_OK;
}
