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
		"(hostd --chassis). When the NIC is not connected, a line says why and\n"
		"that OVS forwards the traffic. --json prints the API's JSON.\n"
		"--stats: the NIC's last counters report instead (the firmware sends one\n"
		"every --stats-ms): hits/bytes per rule, per data-path port (frames from\n"
		"the VM forwarded by the NIC, trapped to the slow path, missed to OVS,\n"
		"and from OVS to the VM) and per slow-path netif (ARP and ICMP echo\n"
		"answered by lwIP).\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* `dfctl offload --stats`: the tables of the last report. */
static int print_stats(json_t *off)
{
	json_t *st = json_object_get(off, "stats"), *e;
	size_t i;
	printf("chassis %s: NIC %s\n", str(off, "chassis"),
	       json_is_true(json_object_get(off, "connected")) ? "connected" : "not connected");
	if (!json_is_true(json_object_get(off, "connected")))
		printf("%s\n", str(off, "why"));
	if (!json_is_true(json_object_get(st, "available"))) {
		printf("no statistics report received from the NIC yet\n");
		return EX_OK;
	}
	printf("report %lld, %.1f s old; firmware up %.1f s\n", num(st, "generation"),
	       (double)num(st, "age_ms") / 1000.0, (double)num(st, "uptime_ms") / 1000.0);
	printf("\nRULES (%lld installed%s)\n", num(st, "rules_total"),
	       num(st, "rules_omitted") ? ", those without hits omitted" : "");
	printf("%-12s  %-10s  %4s  %-8s  %12s  %14s  %s\n", "KIND", "ID", "RULE", "GROUP", "HITS",
	       "BYTES", "WHAT");
	static const char *const groups[] = { "classify", "arp", "l3", "l2" };
	json_array_foreach(json_object_get(st, "rules"), i, e) {
		long long g = num(e, "group");
		printf("%-12s  %-10lld  %4lld  %-8s  %12lld  %14lld  %s\n", str(e, "kind"),
		       num(e, "id"), num(e, "rule"), g >= 0 && g < 4 ? groups[g] : "?",
		       num(e, "hits"), num(e, "bytes"), str(e, "what"));
	}
	printf("\nPORTS\n%-5s  %-15s  %10s  %10s  %10s  %10s  %10s  %10s  %10s\n", "PORT",
	       "NAME", "RX", "OFFLOADED", "TRAPPED", "TO-OVS", "FROM-OVS", "TX", "DROPPED");
	json_array_foreach(json_object_get(st, "ports"), i, e)
		printf("%-5lld  %-15s  %10lld  %10lld  %10lld  %10lld  %10lld  %10lld  %10lld\n",
		       num(e, "port"), str(e, "name"), num(e, "rx"), num(e, "offloaded"),
		       num(e, "trapped"), num(e, "to_ovs"), num(e, "from_ovs"), num(e, "tx"),
		       num(e, "dropped"));
	printf("\nSLOW PATH (lwIP)\n%-8s  %-15s  %-6s  %8s  %8s  %8s  %8s  %8s\n", "NETIF",
	       "IP", "ROUTER", "ARP-IN", "ARP-OUT", "ECHO-IN", "ECHO-OUT", "DROPPED");
	json_array_foreach(json_object_get(st, "netifs"), i, e)
		printf("%-8s  %-15s  %-6lld  %8lld  %8lld  %8lld  %8lld  %8lld\n", str(e, "name"),
		       str(e, "ip"), num(e, "router"), num(e, "arp_in"), num(e, "arp_out"),
		       num(e, "echo_in"), num(e, "echo_out"), num(e, "dropped"));
	return EX_OK;
}

int cmd_offload(int argc, char **argv)
{
	const char *chassis = NULL;
	int stats = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help(stdout);
			return EX_OK;
		}
		if (!strcmp(argv[i], "--stats")) {
			stats = 1;
			continue;
		}
		if (argv[i][0] == '-' || chassis) {
			fprintf(stderr, "dfctl: offload: unexpected '%s' (see dfctl offload --help)\n",
				argv[i]);
			return EX_USAGE;
		}
		chassis = argv[i];
	}
	char *path = chassis_url(chassis, "offload");
	struct reply rp = http("GET", path, NULL);
	free(path);
	if (rp.status != 200)
		return api_error(&rp, "offload");
	if (json_out) {
		print_json(rp.body);
		json_decref(rp.body);
		return EX_OK;
	}
	json_t *off = json_object_get(rp.body, "offload");
	if (stats) {
		int r = print_stats(off);
		json_decref(rp.body);
		return r;
	}
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
	if (!json_is_true(json_object_get(off, "connected")))
		printf("%s\n", str(off, "why"));
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
