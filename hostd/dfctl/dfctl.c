/* hostd/dfctl/dfctl.c: the command-line client of hostd's REST API.
 *
 * Speaks plain HTTP/1.1 over hostd's Unix socket (hostd/api), one request
 * per connection. Commands map onto the Neutron-shaped resources:
 *   dfctl [--socket PATH] [--json] RESOURCE ACTION [ARGS]
 * with RESOURCE one of network, subnet, port, router, floatingip, chassis
 * and ACTION create, list, show, update, delete (+ router add-interface /
 * remove-interface), plus `dfctl apply FILE`, `dfctl flows CHASSIS`,
 * `dfctl pipeline CHASSIS`. Output: tables (list), KEY: VALUE lines (show,
 * create, update), or the API's JSON with --json.
 * Exit codes: 0 success, 1 the API refused (its message is printed), 2 bad
 * usage or feature not available yet, 3 hostd unreachable. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "drivers/base/util.h"
#include "hostd/dfctl/dfctl_int.h"

#define DEFAULT_SOCKET "/var/lib/dfnic/hostd.sock"

enum { EX_OK = 0, EX_API = 1, EX_USAGE = 2, EX_CONN = 3 };

static const char *sock_path;  /* --socket / $DFCTL_SOCKET / default */
int json_out;                  /* --json */

__attribute__((format(printf, 1, 2), noreturn))
static void die_usage(const char *fmt, ...)
{
	va_list ap;
	fputs("dfctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_USAGE);
}

/* ---- HTTP over AF_UNIX ------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Decode a chunked body in place; returns its length. */
static size_t unchunk(char *b, size_t n)
{
	size_t in = 0, out = 0;
	while (in < n) {
		char *end;
		unsigned long len = strtoul(b + in, &end, 16);
		char *crlf = strstr(b + in, "\r\n");
		if (!crlf || end > crlf)
			break;
		in = (size_t)(crlf - b) + 2;
		if (!len || in + len > n)
			break;
		memmove(b + out, b + in, len);
		out += len;
		in += len + 2;
	}
	return out;
}

struct reply http(const char *method, const char *path, const char *body)
{
	return http_body(method, path, "application/json", body, body ? strlen(body) : 0);
}

struct reply http_body(const char *method, const char *path, const char *ctype, const void *body,
		       size_t blen)
{
	struct reply rp = { 0, NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		die_usage("--socket: path too long");
	strcpy(sa.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "dfctl: cannot reach hostd at %s: %s (is hostd running? "
			"--socket PATH)\n", sock_path, strerror(errno));
		exit(EX_CONN);
	}
	char *req = NULL;
	int n = asprintf(&req,
			 "%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: dfctl\r\n"
			 "Accept: application/json\r\nConnection: close\r\n"
			 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			 method, path, ctype, blen);
	if (n < 0 || write_all(fd, req, (size_t)n) || (blen && write_all(fd, body, blen))) {
		fprintf(stderr, "dfctl: sending to hostd failed: %s\n", strerror(errno));
		exit(EX_CONN);
	}
	free(req);
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf)
			exit(EX_CONN);
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			continue;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	char *hdr_end = strstr(buf, "\r\n\r\n");
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) || !hdr_end) {
		fprintf(stderr, "dfctl: hostd sent no valid HTTP reply\n");
		exit(EX_CONN);
	}
	rp.status = atoi(buf + 9);
	*hdr_end = '\0';
	char *b = hdr_end + 4;
	size_t bn = len - (size_t)(b - buf);
	if (strcasestr(buf, "\r\ntransfer-encoding: chunked"))
		bn = unchunk(b, bn);
	if (bn) {
		json_error_t je;
		rp.body = json_loadb(b, bn, 0, &je);
	}
	free(buf);
	return rp;
}

/* Print the API's error and return the exit code. */
int api_error(struct reply *rp, const char *what)
{
	json_t *ne = json_object_get(rp->body, "NeutronError");
	const char *msg = json_string_value(json_object_get(ne, "message"));
	const char *type = json_string_value(json_object_get(ne, "type"));
	if (json_out && rp->body) {
		char *s = json_dumps(rp->body, JSON_INDENT(2));
		fprintf(stderr, "%s\n", s ? s : "");
		free(s);
	}
	fprintf(stderr, "dfctl: %s: %s (HTTP %d%s%s)\n", what, msg ? msg : "error", rp->status,
		type ? ", " : "", type ? type : "");
	json_decref(rp->body);
	rp->body = NULL;
	return rp->status == 501 ? EX_USAGE : EX_API;
}

/* ---- output ------------------------------------------------------------ */

void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s ? s : "null");
	free(s);
}

/* A value as table text: strings as is, null empty, lists comma-joined
 * (objects inside shown by their ip_address or compact JSON). */
static char *cell(json_t *v)
{
	if (!v || json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_array(v)) {
		char *out = strdup("");
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			json_t *ip = json_object_get(e, "ip_address");
			char *c = ip ? cell(ip) : json_is_object(e) ? json_dumps(e, JSON_COMPACT) : cell(e);
			char *n = NULL;
			if (asprintf(&n, "%s%s%s", out, i ? "," : "", c ? c : "") < 0)
				n = NULL;
			free(out);
			free(c);
			out = n;
			if (!out)
				return strdup("");
		}
		return out;
	}
	if (json_is_object(v)) {
		json_t *net = json_object_get(v, "network_id");
		if (net)
			return cell(net);
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

struct column {
	const char *title;              /* header */
	const char *attr;               /* attribute shown */
};

static void print_table(json_t *arr, const struct column *cols, size_t ncols)
{
	size_t rows = json_array_size(arr);
	size_t *w = calloc(ncols, sizeof(*w));
	char **cells = calloc((rows + 1) * ncols, sizeof(*cells));
	if (!w || !cells)
		exit(EX_API);
	for (size_t c = 0; c < ncols; c++) {
		cells[c] = strdup(cols[c].title);
		w[c] = strlen(cols[c].title);
	}
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < ncols; c++) {
			char *s = cell(json_object_get(json_array_get(arr, r), cols[c].attr));
			cells[(r + 1) * ncols + c] = s;
			if (s && strlen(s) > w[c])
				w[c] = strlen(s);
		}
	for (size_t r = 0; r <= rows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[r * ncols + c] ? cells[r * ncols + c] : "";
			if (c + 1 < ncols)
				printf("%-*s  ", (int)w[c], s);
			else
				printf("%s", s);
			free(cells[r * ncols + c]);
		}
		printf("\n");
	}
	free(cells);
	free(w);
}

static void print_object(json_t *o)
{
	const char *key;
	json_t *v;
	size_t w = 0;
	json_object_foreach(o, key, v)
		w = DFN_MAX(w, strlen(key));
	json_object_foreach(o, key, v) {
		char *s = json_is_string(v) || json_is_null(v)
				  ? cell(v)
				  : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-*s  %s\n", (int)w, key, s ? s : "");
		free(s);
	}
}

/* ---- resources ---------------------------------------------------------- */

enum opt_type {
	O_STR,          /* --opt VALUE -> "attr": "VALUE" */
	O_STR_NULL,     /* same, "none" -> null */
	O_INT,          /* --opt N -> "attr": N */
	O_TRUE,         /* --opt -> "attr": true */
	O_FALSE,        /* --opt -> "attr": false */
	O_POOL,         /* --pool START-END (repeatable) */
	O_FIXED_IP,     /* --fixed-ip subnet=S,ip=A (repeatable) */
	O_ROUTE,        /* --route DEST,NEXTHOP (repeatable) */
	O_GW_NET,       /* --external-network NET -> external_gateway_info */
	O_NO_SNAT,      /* --no-snat -> external_gateway_info.enable_snat */
	O_SET,          /* --set KEY=JSON (any attribute) */
};

struct ropt {
	const char *name;               /* long option without -- */
	const char *attr;               /* attribute it sets */
	enum opt_type type;             /* how */
	const char *help;               /* help line */
};

struct resource {
	const char *name;               /* CLI and JSON singular */
	const char *plural;             /* URL collection / JSON plural */
	const char *id_attr;            /* "id" or "name" */
	const char *required;           /* options create needs, for help */
	const struct ropt *opts;        /* create/update options */
	const struct column *cols;      /* list columns */
	size_t ncols;                   /* how many */
};

#define COMMON_OPTS { "set", NULL, O_SET, "KEY=JSON   set any attribute (repeatable)" }

static const struct ropt net_opts[] = {
	{ "id", "id", O_STR, "ID         id (default: a new UUID)" },
	{ "name", "name", O_STR, "NAME       name" },
	{ "type", "provider:network_type", O_STR, "TYPE       flat, vlan, vxlan (default) or gre" },
	{ "segmentation-id", "provider:segmentation_id", O_INT,
	  "N          VLAN id / VNI / GRE key (default: lowest free)" },
	{ "physical-network", "provider:physical_network", O_STR, "NAME       provider network" },
	{ "mtu", "mtu", O_INT, "N          MTU" },
	{ "external", "router:external", O_TRUE, "           router:external (floating IPs, gateways)" },
	{ "internal", "router:external", O_FALSE, "           not router:external" },
	{ "enable", "admin_state_up", O_TRUE, "           admin state up" },
	{ "disable", "admin_state_up", O_FALSE, "           admin state down" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column net_cols[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "TYPE", "provider:network_type" },
	{ "SEGMENT", "provider:segmentation_id" }, { "EXTERNAL", "router:external" },
	{ "MTU", "mtu" }, { "SUBNETS", "subnets" },
};

static const struct ropt subnet_opts[] = {
	{ "id", "id", O_STR, "ID         id (default: a new UUID)" },
	{ "name", "name", O_STR, "NAME       name" },
	{ "network", "network_id", O_STR, "NET        network id (required)" },
	{ "cidr", "cidr", O_STR, "CIDR       IPv4 or IPv6 prefix (required)" },
	{ "gateway", "gateway_ip", O_STR_NULL, "IP|none    gateway (default: first address)" },
	{ "pool", "allocation_pools", O_POOL, "START-END  allocation pool (repeatable)" },
	{ "ip-version", "ip_version", O_INT, "4|6        (default: from the CIDR)" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column subnet_cols[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "NETWORK", "network_id" }, { "CIDR", "cidr" },
	{ "GATEWAY", "gateway_ip" },
};

static const struct ropt port_opts[] = {
	{ "id", "id", O_STR, "ID         id (default: a new UUID)" },
	{ "name", "name", O_STR, "NAME       name" },
	{ "network", "network_id", O_STR, "NET        network id (required)" },
	{ "mac", "mac_address", O_STR, "MAC        MAC address (default fa:16:3e:xx:xx:xx)" },
	{ "fixed-ip", "fixed_ips", O_FIXED_IP,
	  "subnet=S,ip=A  fixed IP, either part optional (repeatable)" },
	{ "chassis", "binding:host_id", O_STR, "NAME       bound chassis (binding:host_id)" },
	{ "device-owner", "device_owner", O_STR, "OWNER      e.g. compute:nova" },
	{ "device-id", "device_id", O_STR, "ID         device id" },
	{ "ifname", "dfnic:interface_name", O_STR, "NAME       br-int interface (default tap+id)" },
	{ "enable", "admin_state_up", O_TRUE, "           admin state up" },
	{ "disable", "admin_state_up", O_FALSE, "           admin state down" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column port_cols[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "NETWORK", "network_id" },
	{ "MAC", "mac_address" }, { "FIXED IPS", "fixed_ips" }, { "CHASSIS", "binding:host_id" },
	{ "OWNER", "device_owner" },
};

static const struct ropt router_opts[] = {
	{ "id", "id", O_STR, "ID         id (default: a new UUID)" },
	{ "name", "name", O_STR, "NAME       name" },
	{ "external-network", "external_gateway_info", O_GW_NET,
	  "NET|none   gateway on this router:external network" },
	{ "no-snat", "external_gateway_info", O_NO_SNAT, "           gateway without SNAT" },
	{ "route", "routes", O_ROUTE, "DEST,NEXTHOP  extra route (repeatable)" },
	{ "mode", "dfnic:l3_mode", O_STR, "MODE       reactive (default) or proactive" },
	{ "enable", "admin_state_up", O_TRUE, "           admin state up" },
	{ "disable", "admin_state_up", O_FALSE, "           admin state down" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column router_cols[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "MODE", "dfnic:l3_mode" },
	{ "GATEWAY", "external_gateway_info" }, { "INTERFACES", "dfnic:interfaces" },
};

static const struct ropt fip_opts[] = {
	{ "id", "id", O_STR, "ID         id (default: a new UUID)" },
	{ "network", "floating_network_id", O_STR, "NET        floating (external) network (required)" },
	{ "ip", "floating_ip_address", O_STR, "IP         floating IP (default: allocated)" },
	{ "port", "port_id", O_STR_NULL, "PORT|none  associated port" },
	{ "fixed-ip", "fixed_ip_address", O_STR_NULL, "IP         the port's address (default: first IPv4)" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column fip_cols[] = {
	{ "ID", "id" }, { "FLOATING IP", "floating_ip_address" }, { "FIXED IP", "fixed_ip_address" },
	{ "PORT", "port_id" }, { "ROUTER", "router_id" },
};

static const struct ropt chassis_opts[] = {
	{ "name", "name", O_STR, "NAME       chassis (host) name (required; or first argument)" },
	{ "dpid", "datapath_id", O_STR, "HEX        br-int datapath id" },
	{ "tunnel-ip", "tunnel_ip", O_STR_NULL, "IP         VXLAN/GRE endpoint" },
	{ "network-node", "network_node", O_TRUE, "           centralized SNAT / floating IPs here" },
	{ "compute-node", "network_node", O_FALSE, "           not a network node" },
	{ "smartnic", "smartnic", O_TRUE, "           a dfnic SmartNIC is present" },
	{ "no-smartnic", "smartnic", O_FALSE, "           no SmartNIC" },
	COMMON_OPTS,
	{ NULL, NULL, 0, NULL },
};
static const struct column chassis_cols[] = {
	{ "NAME", "name" }, { "DATAPATH ID", "datapath_id" }, { "TUNNEL IP", "tunnel_ip" },
	{ "NETWORK NODE", "network_node" }, { "SMARTNIC", "smartnic" },
};

static const struct resource resources[] = {
	{ "network", "networks", "id", "", net_opts, net_cols, ARRAY_SIZE(net_cols) },
	{ "subnet", "subnets", "id", " --network NET --cidr CIDR", subnet_opts, subnet_cols,
	  ARRAY_SIZE(subnet_cols) },
	{ "port", "ports", "id", " --network NET", port_opts, port_cols, ARRAY_SIZE(port_cols) },
	{ "router", "routers", "id", "", router_opts, router_cols, ARRAY_SIZE(router_cols) },
	{ "floatingip", "floatingips", "id", " --network NET", fip_opts, fip_cols,
	  ARRAY_SIZE(fip_cols) },
	{ "chassis", "chassis", "name", " NAME", chassis_opts, chassis_cols,
	  ARRAY_SIZE(chassis_cols) },
};

/* ---- help --------------------------------------------------------------- */

static void main_help(FILE *f)
{
	fprintf(f,
		"usage: dfctl [--socket PATH] [--json] COMMAND ...\n"
		"Client of hostd's topology API (Neutron-shaped REST over a Unix socket).\n"
		"\n"
		"Commands:\n"
		"  network|subnet|port|router|floatingip|chassis ACTION ...\n"
		"          ACTION: create, list, show, update, delete\n"
		"          router add-interface ROUTER --subnet S | --port P\n"
		"          router remove-interface ROUTER --subnet S | --port P\n"
		"  apply FILE.json [--prune]  apply a whole topology in one transaction\n"
		"  flows CHASSIS              flows hostd wants on a chassis, and the switch's\n"
		"  pipeline CHASSIS [--svg F] table graph of the live flows (Graphviz)\n"
		"  offload [CHASSIS]          what the SmartNIC offloads: status per entry\n"
		"  firmware update IMAGE      stream a signed firmware image to the SmartNIC\n"
		"  firmware status            the NIC's firmware and the last update\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH   hostd's API socket (default $DFCTL_SOCKET or %s)\n"
		"  -j, --json          print the API's JSON instead of tables\n"
		"  -h, --help          this text; `dfctl COMMAND --help` for a command\n"
		"\n"
		"Exit codes: 0 done, 1 refused by hostd (its message is printed), 2 bad usage\n"
		"or not available yet, 3 hostd unreachable.\n",
		DEFAULT_SOCKET);
}

static void resource_help(FILE *f, const struct resource *r)
{
	fprintf(f,
		"usage: dfctl %s ACTION ...\n"
		"  create%s [OPTIONS]   create a %s\n"
		"  list [--filter ATTR=VALUE]...  list %s (filters on attributes)\n"
		"  show %s                show one\n"
		"  update %s [OPTIONS]     change the given attributes\n"
		"  delete %s...            delete\n",
		r->name, r->required, r->name, r->plural, r->id_attr[0] == 'i' ? "ID  " : "NAME",
		r->id_attr[0] == 'i' ? "ID  " : "NAME", r->id_attr[0] == 'i' ? "ID  " : "NAME");
	if (!strcmp(r->name, "router"))
		fprintf(f, "  add-interface ROUTER --subnet S | --port P\n"
			   "  remove-interface ROUTER --subnet S | --port P\n");
	fprintf(f, "`dfctl %s ACTION --help` for the options of an action.\n", r->name);
}

static void action_help(FILE *f, const struct resource *r, const char *action)
{
	const char *idw = r->id_attr[0] == 'i' ? "ID" : "NAME";
	if (!strcmp(action, "list")) {
		fprintf(f, "usage: dfctl %s list [--filter ATTR=VALUE]...\n"
			   "List %s; each --filter keeps those whose attribute equals VALUE.\n",
			r->name, r->plural);
		return;
	}
	if (!strcmp(action, "show") || !strcmp(action, "delete")) {
		fprintf(f, "usage: dfctl %s %s %s%s\n%s the %s%s.\n", r->name, action, idw,
			action[0] == 'd' ? "..." : "", action[0] == 'd' ? "Delete" : "Show", r->name,
			action[0] == 'd' ? "(s)" : "");
		return;
	}
	if (!strcmp(action, "add-interface") || !strcmp(action, "remove-interface")) {
		fprintf(f, "usage: dfctl router %s ROUTER --subnet SUBNET | --port PORT\n"
			   "%s a router interface (by subnet: a port with the subnet's gateway IP).\n",
			action, action[0] == 'a' ? "Add" : "Remove");
		return;
	}
	fprintf(f, "usage: dfctl %s %s%s [OPTIONS]\n", r->name, action,
		!strcmp(action, "update") ? (r->id_attr[0] == 'i' ? " ID" : " NAME") : r->required);
	for (const struct ropt *o = r->opts; o->name; o++)
		fprintf(f, "  --%-18s %s\n", o->name, o->help);
}

/* ---- building bodies ------------------------------------------------------ */

static json_t *ensure_array(json_t *obj, const char *attr)
{
	json_t *a = json_object_get(obj, attr);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(obj, attr, a);
	}
	return a;
}

static void apply_opt(json_t *obj, const struct ropt *o, const char *val)
{
	char *copy, *p;
	switch (o->type) {
	case O_STR:
		json_object_set_new(obj, o->attr, json_string(val));
		break;
	case O_STR_NULL:
		json_object_set_new(obj, o->attr, strcmp(val, "none") ? json_string(val) : json_null());
		break;
	case O_INT: {
		unsigned long v;
		if (dfn_parse_uint(val, 0, UINT32_MAX, &v))
			die_usage("--%s: '%s' is not a number", o->name, val);
		json_object_set_new(obj, o->attr, json_integer((json_int_t)v));
		break;
	}
	case O_TRUE:
		json_object_set_new(obj, o->attr, json_true());
		break;
	case O_FALSE:
		json_object_set_new(obj, o->attr, json_false());
		break;
	case O_POOL:
		copy = strdup(val);
		p = copy ? strchr(copy, '-') : NULL;
		if (!p)
			die_usage("--pool: '%s' is not START-END", val);
		*p = '\0';
		json_array_append_new(ensure_array(obj, o->attr),
				      json_pack("{s:s, s:s}", "start", copy, "end", p + 1));
		free(copy);
		break;
	case O_FIXED_IP: {
		json_t *e = json_object();
		copy = strdup(val);
		for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!strncmp(tok, "subnet=", 7))
				json_object_set_new(e, "subnet_id", json_string(tok + 7));
			else if (!strncmp(tok, "ip=", 3))
				json_object_set_new(e, "ip_address", json_string(tok + 3));
			else
				die_usage("--fixed-ip: '%s' is not subnet=S or ip=A", tok);
		}
		free(copy);
		json_array_append_new(ensure_array(obj, o->attr), e);
		break;
	}
	case O_ROUTE:
		copy = strdup(val);
		p = copy ? strchr(copy, ',') : NULL;
		if (!p)
			die_usage("--route: '%s' is not DESTINATION,NEXTHOP", val);
		*p = '\0';
		json_array_append_new(ensure_array(obj, o->attr),
				      json_pack("{s:s, s:s}", "destination", copy, "nexthop", p + 1));
		free(copy);
		break;
	case O_GW_NET:
		if (!strcmp(val, "none")) {
			json_object_set_new(obj, o->attr, json_null());
		} else {
			json_t *g = json_object_get(obj, o->attr);
			if (!json_is_object(g)) {
				g = json_object();
				json_object_set_new(obj, o->attr, g);
			}
			json_object_set_new(g, "network_id", json_string(val));
		}
		break;
	case O_NO_SNAT: {
		json_t *g = json_object_get(obj, o->attr);
		if (!json_is_object(g)) {
			g = json_object();
			json_object_set_new(obj, o->attr, g);
		}
		json_object_set_new(g, "enable_snat", json_false());
		break;
	}
	case O_SET: {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val)
			die_usage("--set: '%s' is not KEY=JSON", val);
		char *key = strndup(val, (size_t)(eq - val));
		json_error_t je;
		json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, &je);
		if (!v)
			v = json_string(eq + 1); /* a bare word: a string */
		json_object_set_new(obj, key, v);
		free(key);
		break;
	}
	}
}

/* Parse OPTIONS of create/update into a JSON object; positional words
 * (ids) are returned in pos[]. */
static json_t *parse_opts(const struct resource *r, const char *action, int argc, char **argv,
			  char **pos, int *npos, int maxpos)
{
	json_t *obj = json_object();
	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			action_help(stdout, r, action);
			exit(EX_OK);
		}
		if (strncmp(a, "--", 2)) {
			if (*npos == maxpos)
				die_usage("%s %s: unexpected argument '%s' (see --help)", r->name, action, a);
			pos[(*npos)++] = argv[i];
			continue;
		}
		const char *name = a + 2, *val = NULL;
		char nbuf[64];
		const char *eq = strchr(name, '=');
		if (eq) {
			snprintf(nbuf, sizeof(nbuf), "%.*s", (int)(eq - name), name);
			name = nbuf;
			val = eq + 1;
		}
		const struct ropt *o = r->opts;
		for (; o->name && strcmp(o->name, name); o++)
			;
		if (!o->name)
			die_usage("%s %s: unknown option --%s (see --help)", r->name, action, name);
		bool flag = o->type == O_TRUE || o->type == O_FALSE || o->type == O_NO_SNAT;
		if (!flag && !val) {
			if (i + 1 >= argc)
				die_usage("--%s needs a value", o->name);
			val = argv[++i];
		}
		apply_opt(obj, o, val ? val : "");
	}
	return obj;
}

/* ---- commands ----------------------------------------------------------- */

static int show_reply(const struct reply *rp, const char *key)
{
	if (json_out) {
		print_json(rp->body);
		return EX_OK;
	}
	json_t *o = json_object_get(rp->body, key);
	print_object(o ? o : rp->body);
	return EX_OK;
}

char *url_escape(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *p = out;
	if (!out)
		exit(EX_USAGE);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	*p = '\0';
	return out;
}

char *chassis_url(const char *chassis, const char *what)
{
	char *e = chassis ? url_escape(chassis) : NULL, *path = NULL;
	int n = chassis ? asprintf(&path, "/v2.0/chassis/%s/%s", e, what)
			: asprintf(&path, "/v2.0/dfnic/%s", what);
	free(e);
	if (n < 0)
		exit(EX_USAGE);
	return path;
}

static int cmd_resource(const struct resource *r, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		resource_help(argc < 1 ? stderr : stdout, r);
		return argc < 1 ? EX_USAGE : EX_OK;
	}
	const char *action = argv[0];
	char path[1024], what[256];
	char *pos[64] = { NULL }; /* positional arguments */
	int npos;
	argc--;
	argv++;
	if (!strcmp(action, "list")) {
		size_t plen = (size_t)snprintf(path, sizeof(path), "/v2.0/%s", r->plural);
		char sep = '?';
		for (int i = 0; i < argc; i++) {
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
				action_help(stdout, r, action);
				return EX_OK;
			}
			const char *f = NULL;
			if (!strcmp(argv[i], "--filter") && i + 1 < argc)
				f = argv[++i];
			else if (!strncmp(argv[i], "--filter=", 9))
				f = argv[i] + 9;
			else
				die_usage("%s list: unexpected argument '%s' (see --help)", r->name, argv[i]);
			const char *eq = strchr(f, '=');
			if (!eq)
				die_usage("--filter: '%s' is not ATTR=VALUE", f);
			char *k = strndup(f, (size_t)(eq - f));
			char *ke = url_escape(k), *ve = url_escape(eq + 1);
			plen += (size_t)snprintf(path + plen, sizeof(path) - DFN_MIN(plen, sizeof(path)),
						 "%c%s=%s", sep, ke, ve);
			sep = '&';
			free(k);
			free(ke);
			free(ve);
		}
		if (plen >= sizeof(path))
			die_usage("list: filters too long");
		struct reply rp = http("GET", path, NULL);
		snprintf(what, sizeof(what), "%s list", r->name);
		if (rp.status != 200)
			return api_error(&rp, what);
		if (json_out)
			print_json(rp.body);
		else
			print_table(json_object_get(rp.body, r->plural), r->cols, r->ncols);
		json_decref(rp.body);
		return EX_OK;
	}
	if (!strcmp(action, "show") || !strcmp(action, "delete")) {
		bool del = action[0] == 'd';
		for (int i = 0; i < argc; i++)
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
				action_help(stdout, r, action);
				return EX_OK;
			}
		if (argc < 1 || (!del && argc != 1))
			die_usage("%s %s: needs %s (see --help)", r->name, action,
				  del ? "one or more ids" : "exactly one id");
		int ex = EX_OK;
		for (int i = 0; i < argc; i++) {
			char *e = url_escape(argv[i]);
			snprintf(path, sizeof(path), "/v2.0/%s/%s", r->plural, e);
			free(e);
			struct reply rp = http(del ? "DELETE" : "GET", path, NULL);
			snprintf(what, sizeof(what), "%s %s %s", r->name, action, argv[i]);
			if (rp.status != (del ? 204 : 200))
				ex = api_error(&rp, what);
			else if (!del)
				show_reply(&rp, r->name);
			else if (!json_out)
				printf("deleted %s %s\n", r->name, argv[i]);
			json_decref(rp.body);
		}
		return ex;
	}
	if (!strcmp(r->name, "router") &&
	    (!strcmp(action, "add-interface") || !strcmp(action, "remove-interface"))) {
		const char *sub = NULL, *port = NULL, *router = NULL;
		for (int i = 0; i < argc; i++) {
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
				action_help(stdout, r, action);
				return EX_OK;
			} else if (!strcmp(argv[i], "--subnet") && i + 1 < argc) {
				sub = argv[++i];
			} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
				port = argv[++i];
			} else if (argv[i][0] != '-' && !router) {
				router = argv[i];
			} else {
				die_usage("router %s: unexpected argument '%s' (see --help)", action, argv[i]);
			}
		}
		if (!router || (!sub == !port))
			die_usage("router %s: needs ROUTER and one of --subnet / --port", action);
		json_t *b = json_pack("{s:s}", sub ? "subnet_id" : "port_id", sub ? sub : port);
		char *body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		char *e = url_escape(router);
		snprintf(path, sizeof(path), "/v2.0/routers/%s/%s", e,
			 action[0] == 'a' ? "add_router_interface" : "remove_router_interface");
		free(e);
		struct reply rp = http("PUT", path, body);
		free(body);
		snprintf(what, sizeof(what), "router %s %s", action, router);
		if (rp.status != 200)
			return api_error(&rp, what);
		show_reply(&rp, "");
		json_decref(rp.body);
		return EX_OK;
	}
	if (!strcmp(action, "create") || !strcmp(action, "update")) {
		bool upd = action[0] == 'u';
		json_t *obj = parse_opts(r, action, argc, argv, pos, &npos, 1);
		const char *id = NULL;
		if (upd) {
			if (npos != 1)
				die_usage("%s update: needs the %s (see --help)", r->name, r->id_attr);
			id = pos[0];
		} else if (npos == 1) {
			if (strcmp(r->name, "chassis"))
				die_usage("%s create: unexpected argument '%s' (see --help)", r->name,
					  pos[0]);
			json_object_set_new(obj, "name", json_string(pos[0]));
		}
		json_t *b = json_pack("{s:o}", r->name, obj);
		char *body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		if (upd) {
			char *e = url_escape(id);
			snprintf(path, sizeof(path), "/v2.0/%s/%s", r->plural, e);
			free(e);
		} else {
			snprintf(path, sizeof(path), "/v2.0/%s", r->plural);
		}
		struct reply rp = http(upd ? "PUT" : "POST", path, body);
		free(body);
		snprintf(what, sizeof(what), "%s %s%s%s", r->name, action, id ? " " : "", id ? id : "");
		if (rp.status != (upd ? 200 : 201))
			return api_error(&rp, what);
		show_reply(&rp, r->name);
		json_decref(rp.body);
		return EX_OK;
	}
	die_usage("%s: unknown action '%s' (see dfctl %s --help)", r->name, action, r->name);
}

static int cmd_apply(int argc, char **argv)
{
	const char *file = NULL;
	bool prune = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: dfctl apply FILE.json [--prune]\n"
			       "Apply a topology document in ONE transaction: every object listed is\n"
			       "created or updated (ids required: \"id\", chassis \"name\"); routers may\n"
			       "list \"interfaces\": [{\"subnet_id\": S} | {\"port_id\": P}]. With --prune\n"
			       "(or \"prune\": true in the file) what the file does not list is deleted.\n"
			       "Document: {\"chassis\": [...], \"networks\": [...], \"subnets\": [...],\n"
			       "\"routers\": [...], \"ports\": [...], \"floatingips\": [...]}; FILE - reads\n"
			       "stdin. Nothing is applied if anything is refused.\n");
			return EX_OK;
		}
		if (!strcmp(argv[i], "--prune"))
			prune = true;
		else if (!file)
			file = argv[i];
		else
			die_usage("apply: unexpected argument '%s'", argv[i]);
	}
	if (!file)
		die_usage("apply: needs FILE.json (see dfctl apply --help)");
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		fprintf(stderr, "dfctl: apply: cannot read %s: %s\n", file, strerror(errno));
		return EX_USAGE;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f != stdin)
		fclose(f);
	if (m)
		fclose(m);
	struct reply rp = http("POST", prune ? "/v2.0/dfnic/apply?prune=1" : "/v2.0/dfnic/apply",
			       buf ? buf : "");
	free(buf);
	if (rp.status != 200)
		return api_error(&rp, "apply");
	if (json_out) {
		print_json(rp.body);
	} else {
		json_t *s = json_object_get(rp.body, "dfnic:apply");
		printf("applied: %lld created, %lld updated, %lld deleted\n",
		       (long long)json_integer_value(json_object_get(s, "created")),
		       (long long)json_integer_value(json_object_get(s, "updated")),
		       (long long)json_integer_value(json_object_get(s, "deleted")));
	}
	json_decref(rp.body);
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	sock_path = getenv("DFCTL_SOCKET") ? getenv("DFCTL_SOCKET") : DEFAULT_SOCKET;
	/* Global options stop at the command ("+": no permutation). */
	while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json_out = 1;
			break;
		case 'h':
			main_help(stdout);
			return EX_OK;
		default:
			fprintf(stderr, "Try 'dfctl --help'.\n");
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return EX_USAGE;
	}
	const char *cmd = argv[optind];
	int sub_argc = argc - optind - 1;
	char **sub_argv = argv + optind + 1;
	/* --json may also follow the command. */
	for (int i = 0; i < sub_argc; i++)
		if (!strcmp(sub_argv[i], "--json") || !strcmp(sub_argv[i], "-j")) {
			json_out = 1;
			memmove(&sub_argv[i], &sub_argv[i + 1], (size_t)(sub_argc - i - 1) * sizeof(char *));
			sub_argc--;
			i--;
		}
	if (!strcmp(cmd, "apply"))
		return cmd_apply(sub_argc, sub_argv);
	if (!strcmp(cmd, "flows"))
		return cmd_flows(sub_argc, sub_argv);
	if (!strcmp(cmd, "pipeline"))
		return cmd_pipeline(sub_argc, sub_argv);
	if (!strcmp(cmd, "offload"))
		return cmd_offload(sub_argc, sub_argv);
	if (!strcmp(cmd, "firmware"))
		return cmd_firmware(sub_argc, sub_argv);
	if (!strcmp(cmd, "help")) {
		main_help(stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(resources); i++)
		if (!strcmp(cmd, resources[i].name) || !strcmp(cmd, resources[i].plural))
			return cmd_resource(&resources[i], sub_argc, sub_argv);
	fprintf(stderr, "dfctl: unknown command '%s'\nTry 'dfctl --help'.\n", cmd);
	return EX_USAGE;
}
