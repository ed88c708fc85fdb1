/* tests/bench/gen_topo.c: the helper behind tests/bench/pipeline_e2e_run.sh
 * (built as $(O)/bench/pipeline_e2e by tests/bench/pipeline_e2e.mk, so
 * tests/bench/run.sh runs that script in its place; README.md, section
 * "pipeline_e2e", explains the figures).
 *
 *   pipeline_e2e topo [--ports N --subnets S --routers R] [--mode reactive|proactive]
 *       prints the apply document (POST /v2.0/dfnic/apply, `dfctl apply`)
 *       of the generated topology tests/bench/pipeline_bench.c uses: one
 *       chassis c1 (datapath id 1), S VXLAN networks with one /24 subnet
 *       each, N VM ports (10 per subnet, interface "p<i>"), R routers with
 *       10 subnets each.
 *   pipeline_e2e ovs-ports DB_SOCK --first A --count N [--bridge BR]
 *       adds switch ports p<A>..p<A+N-1> to BR (default br-int) in ONE
 *       OVSDB transaction sent straight to ovsdb-server's JSON-RPC socket
 *       (ovs-vsctl is quadratic in the number of ports: ~120 s for 10,000).
 *       They are patch ports peered in pairs (p<2k> <-> p<2k+1>): they get
 *       OpenFlow port numbers like any port, but never enter the userspace
 *       datapath, whose per-port reconfiguration made 10,000 dummy or
 *       internal ports take over a minute. A and N must be even.
 *   pipeline_e2e port-adds --api SOCK --log HOSTD_LOG --first I --count K --subnets S
 *           [--gap-ms G]
 *       K single-port creates through the API (POST /v2.0/ports), one at a
 *       time (each G ms after the previous one converged, default 0): port<I+j> on network n<j % S>, interface p<I+j>. For each it
 *       takes the wall clock (CLOCK_REALTIME) just before the request is
 *       written, then waits for hostd's next "converged in" log line that
 *       sent flow adds (the convergence ends with the switch's barrier /
 *       bundle-commit reply) and takes that line's timestamp (hostd logs
 *       milliseconds): latency = log time - request time. Also the
 *       POST's own round trip (validation + SQLite commit) and the
 *       "converged in N ms" hostd reports (dump + diff + send + barrier).
 *       Prints one "port ID key=K ..." line per port (the script checks
 *       the cookies on the switch) and a summary line:
 *         PORTADD n=K p50_ms=.. p99_ms=.. max_ms=.. post_p50_ms=.. conv_p50_ms=..
 * Exit status: 0 done, 1 failure (refused, timeout), 2 bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PORTS_PER_SUBNET 10   /* as tests/bench/pipeline_bench.c */
#define SUBNETS_PER_ROUTER 10 /* as tests/bench/pipeline_bench.c */
#define CONVERGE_TIMEOUT_MS 20000.0

/* Options of all three commands. */
struct opts {
	int ports;          /* topo: VM ports */
	int subnets;        /* topo, port-adds: networks = subnets */
	int routers;        /* topo: routers */
	const char *mode;   /* topo: routers' dfnic:l3_mode */
	int first;          /* ovs-ports, port-adds: first index */
	int count;          /* ovs-ports, port-adds: how many */
	const char *bridge; /* ovs-ports: bridge name */
	const char *api;    /* port-adds: hostd's API unix socket */
	const char *log;    /* port-adds: hostd's log file */
	int gap_ms;         /* port-adds: pause after each convergence */
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void subnet_prefix(int s, char *buf, size_t n)
{
	snprintf(buf, n, "10.%d.%d", s / 256, s % 256);
}

/* ---- topo ---------------------------------------------------------------- */

static int cmd_topo(const struct opts *o)
{
	char pfx[32];
	int i, k;
	printf("{\"chassis\": [{\"name\": \"c1\", \"datapath_id\": \"0000000000000001\", "
	       "\"tunnel_ip\": \"192.168.50.1\"}],\n\"networks\": [");
	for (i = 0; i < o->subnets; i++)
		printf("%s{\"id\": \"n%d\", \"name\": \"n%d\", \"provider:network_type\": "
		       "\"vxlan\", \"provider:segmentation_id\": %d}",
		       i ? ",\n" : "", i, i, 1000 + i);
	printf("],\n\"subnets\": [");
	for (i = 0; i < o->subnets; i++) {
		subnet_prefix(i, pfx, sizeof(pfx));
		printf("%s{\"id\": \"s%d\", \"network_id\": \"n%d\", \"cidr\": \"%s.0/24\", "
		       "\"gateway_ip\": \"%s.1\"}", i ? ",\n" : "", i, i, pfx, pfx);
	}
	printf("],\n\"routers\": [");
	for (i = 0; i < o->routers; i++) {
		printf("%s{\"id\": \"r%d\", \"name\": \"r%d\", \"dfnic:l3_mode\": \"%s\", "
		       "\"interfaces\": [", i ? ",\n" : "", i, i, o->mode);
		for (k = 0; k < SUBNETS_PER_ROUTER && i * SUBNETS_PER_ROUTER + k < o->subnets; k++)
			printf("%s{\"subnet_id\": \"s%d\"}", k ? ", " : "",
			       i * SUBNETS_PER_ROUTER + k);
		printf("]}");
	}
	printf("],\n\"ports\": [");
	for (i = 0; i < o->ports; i++) {
		int s = (i / PORTS_PER_SUBNET) % o->subnets;
		subnet_prefix(s, pfx, sizeof(pfx));
		printf("%s{\"id\": \"port%d\", \"name\": \"port%d\", \"network_id\": \"n%d\", "
		       "\"mac_address\": \"02:00:00:%02x:%02x:%02x\", \"fixed_ips\": "
		       "[{\"ip_address\": \"%s.%d\"}], \"binding:host_id\": \"c1\", "
		       "\"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"p%d\"}",
		       i ? ",\n" : "", i, i, s, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, pfx,
		       10 + i % PORTS_PER_SUBNET, i);
	}
	printf("]}\n");
	return fflush(stdout) ? 1 : 0;
}

/* ---- a unix stream socket: connect, write all, read until EOF ----------- */

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pipeline_e2e: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "pipeline_e2e: connect %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

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

/* Reads into a growing buffer until EOF, or (stop != NULL) until stop()
 * says the message is complete. */
static char *read_reply(int fd, int (*stop)(const char *, size_t))
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				goto fail_free;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail_free;
		if (r == 0)
			break;
		len += (size_t)r;
		buf[len] = 0;
		if (stop && stop(buf, len))
			break;
	}
	buf[len] = 0;
	return buf;
fail_free:
	free(buf);
	return NULL;
}

/* ---- ovs-ports ------------------------------------------------------------ */

/* A JSON-RPC reply is complete when its braces balance (strings skipped). */
static int json_complete(const char *b, size_t n)
{
	int depth = 0, in_str = 0, started = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		char c = b[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
			started = 1;
		} else if (c == '}' || c == ']') {
			depth--;
			if (started && !depth)
				return 1;
		}
	}
	return 0;
}

static int cmd_ovs_ports(const char *db, const struct opts *o)
{
	char *tx = NULL, *reply = NULL;
	size_t len = 0;
	FILE *f;
	int i, fd, rc = 1;
	double t0;

	if (o->first % 2 || o->count % 2 || o->count <= 0) {
		fprintf(stderr, "pipeline_e2e ovs-ports: --first and --count must be even, count > 0\n");
		return 2;
	}
	f = open_memstream(&tx, &len);
	if (!f)
		return 1;
	fprintf(f, "{\"id\": 1, \"method\": \"transact\", \"params\": [\"Open_vSwitch\"");
	for (i = o->first; i < o->first + o->count; i++)
		fprintf(f, ",\n{\"op\": \"insert\", \"table\": \"Interface\", \"uuid-name\": \"i%d\", "
			   "\"row\": {\"name\": \"p%d\", \"type\": \"patch\", "
			   "\"options\": [\"map\", [[\"peer\", \"p%d\"]]]}}"
			   ",\n{\"op\": \"insert\", \"table\": \"Port\", \"uuid-name\": \"q%d\", "
			   "\"row\": {\"name\": \"p%d\", \"interfaces\": [\"named-uuid\", \"i%d\"]}}",
			i, i, i ^ 1, i, i, i);
	fprintf(f, ",\n{\"op\": \"mutate\", \"table\": \"Bridge\", \"where\": [[\"name\", \"==\", "
		   "\"%s\"]], \"mutations\": [[\"ports\", \"insert\", [\"set\", [", o->bridge);
	for (i = o->first; i < o->first + o->count; i++)
		fprintf(f, "%s[\"named-uuid\", \"q%d\"]", i > o->first ? ", " : "", i);
	fprintf(f, "]]]]}]}");
	if (fclose(f))
		goto out;
	t0 = mono_ms();
	fd = unix_connect(db);
	if (fd < 0)
		goto out;
	if (write_all(fd, tx, len) == 0)
		reply = read_reply(fd, json_complete);
	close(fd);
	if (!reply) {
		fprintf(stderr, "pipeline_e2e ovs-ports: no reply from %s\n", db);
		goto out;
	}
	/* a failed operation puts an "error" member into its result */
	if (strstr(reply, "\"error\":") && !strstr(reply, "\"error\":null")) {
		fprintf(stderr, "pipeline_e2e ovs-ports: transaction failed: %.400s\n", reply);
		goto out;
	}
	printf("ovs-ports: %d patch ports written to OVSDB in %.0f ms\n", o->count, mono_ms() - t0);
	rc = 0;
out:
	free(tx);
	free(reply);
	return rc;
}

/* ---- port-adds ------------------------------------------------------------ */

/* POST one body; *status = the HTTP status; returns the reply (malloc'd). */
static char *http_post(const char *sock, const char *path, const char *body, int *status)
{
	char hdr[512];
	char *reply;
	int fd = unix_connect(sock);
	*status = 0;
	if (fd < 0)
		return NULL;
	snprintf(hdr, sizeof(hdr),
		 "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", path, strlen(body));
	if (write_all(fd, hdr, strlen(hdr)) || write_all(fd, body, strlen(body))) {
		close(fd);
		return NULL;
	}
	reply = read_reply(fd, NULL);
	close(fd);
	if (reply && sscanf(reply, "HTTP/1.%*d %d", status) != 1)
		*status = 0;
	return reply;
}

/* "2026-11-25T22:06:11.917Z ..." -> ms since the epoch; -1 if not. */
static double log_time_ms(const char *line)
{
	struct tm tm;
	int ms;
	const char *p;
	memset(&tm, 0, sizeof(tm));
	p = strptime(line, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || sscanf(p, ".%3dZ", &ms) != 1)
		return -1;
	return (double)timegm(&tm) * 1e3 + ms;
}

/* Reads what the log gained since *off; returns the timestamp of the first
 * complete "converged in" line that sent flow adds (*conv_ms: its N), 0 if
 * none yet, -1 on error. */
static double scan_log(FILE *lf, long *off, double *conv_ms)
{
	char line[4096];
	if (fseek(lf, *off, SEEK_SET))
		return -1;
	while (fgets(line, sizeof(line), lf)) {
		const char *c;
		unsigned long long n, adds;
		size_t l = strlen(line);
		if (!l || line[l - 1] != '\n')
			break; /* partial line: read it again next time */
		*off += (long)l;
		c = strstr(line, "converged in ");
		if (!c || sscanf(c, "converged in %llu ms", &n) != 1)
			continue;
		c = strstr(c, "sent add=");
		if (!c || sscanf(c, "sent add=%llu", &adds) != 1 || !adds)
			continue;
		*conv_ms = (double)n;
		return log_time_ms(line);
	}
	clearerr(lf);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p)
{
	int i = (int)(p * n + 0.999999) - 1; /* nearest rank */
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static int cmd_port_adds(const struct opts *o)
{
	double *lat = calloc((size_t)o->count, sizeof(double));
	double *post = calloc((size_t)o->count, sizeof(double));
	double *conv = calloc((size_t)o->count, sizeof(double));
	FILE *lf = NULL;
	long off;
	int j, ino = -1, rc = 1;

	if (!lat || !post || !conv)
		goto out;
	lf = fopen(o->log, "r");
	if (!lf || fseek(lf, 0, SEEK_END) || (off = ftell(lf)) < 0) {
		fprintf(stderr, "pipeline_e2e: cannot read %s\n", o->log);
		goto out;
	}
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino < 0 || inotify_add_watch(ino, o->log, IN_MODIFY) < 0) {
		fprintf(stderr, "pipeline_e2e: cannot watch %s: %s\n", o->log, strerror(errno));
		goto out;
	}
	for (j = 0; j < o->count; j++) {
		int i = o->first + j, s = j % o->subnets, status;
		unsigned long key = 0;
		char body[1024], pfx[32];
		double t0, t1, ts = 0, cms = 0, deadline;
		char *reply, *k;

		subnet_prefix(s, pfx, sizeof(pfx));
		snprintf(body, sizeof(body),
			 "{\"port\": {\"id\": \"port%d\", \"name\": \"port%d\", \"network_id\": \"n%d\", "
			 "\"mac_address\": \"02:01:00:%02x:%02x:%02x\", \"fixed_ips\": [{\"ip_address\": "
			 "\"%s.%d\"}], \"binding:host_id\": \"c1\", \"device_owner\": \"compute:nova\", "
			 "\"dfnic:interface_name\": \"p%d\"}}",
			 i, i, s, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, pfx,
			 100 + j / o->subnets, i);
		t0 = real_ms();
		reply = http_post(o->api, "/v2.0/ports", body, &status);
		t1 = real_ms();
		if (!reply || status != 201) {
			fprintf(stderr, "pipeline_e2e: POST port%d: status %d: %.300s\n", i, status,
				reply ? reply : "(no reply)");
			free(reply);
			goto out;
		}
		k = strstr(reply, "\"dfnic:port_key\":");
		if (k)
			key = strtoul(k + strlen("\"dfnic:port_key\":"), NULL, 10);
		free(reply);
		/* wait for the log to grow (inotify) rather than poll it: a
		 * tight poll would take CPU from hostd and OVS, which the floor
		 * (flowmod-blast, blocked on its socket) does not */
		deadline = mono_ms() + CONVERGE_TIMEOUT_MS;
		while (!(ts = scan_log(lf, &off, &cms))) {
			double left = deadline - mono_ms();
			struct pollfd pfd = { .fd = ino, .events = POLLIN };
			char ev[4096];
			if (left <= 0)
				break;
			if (poll(&pfd, 1, left > 100 ? 100 : (int)left + 1) > 0)
				while (read(ino, ev, sizeof(ev)) > 0)
					; /* drained: the scan reads what was written */
		}
		if (ts <= 0) {
			fprintf(stderr, "pipeline_e2e: port%d: no convergence with flow adds logged "
				"within %.0f s\n", i, CONVERGE_TIMEOUT_MS / 1e3);
			goto out;
		}
		/* the log's milliseconds are truncated: the true end is in
		 * [ts, ts + 1), so half a millisecond is added */
		lat[j] = ts + 0.5 - t0;
		post[j] = t1 - t0;
		conv[j] = cms;
		printf("port port%d key=%lu post_ms=%.2f converged_log_ms=%.0f total_ms=%.1f\n", i, key,
		       post[j], cms, lat[j]);
		if (o->gap_ms)
			usleep((useconds_t)o->gap_ms * 1000u);
	}
	qsort(lat, (size_t)o->count, sizeof(double), cmp_double);
	qsort(post, (size_t)o->count, sizeof(double), cmp_double);
	qsort(conv, (size_t)o->count, sizeof(double), cmp_double);
	printf("PORTADD n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f post_p50_ms=%.2f post_p99_ms=%.2f "
	       "conv_p50_ms=%.0f conv_p99_ms=%.0f\n",
	       o->count, pct(lat, o->count, 0.5), pct(lat, o->count, 0.99), lat[o->count - 1],
	       pct(post, o->count, 0.5), pct(post, o->count, 0.99), pct(conv, o->count, 0.5),
	       pct(conv, o->count, 0.99));
	rc = 0;
out:
	if (ino >= 0)
		close(ino);
	if (lf)
		fclose(lf);
	free(lat);
	free(post);
	free(conv);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pipeline_e2e topo [--ports N --subnets S --routers R --mode reactive|proactive]\n"
		"       pipeline_e2e ovs-ports DB_SOCK --first A --count N [--bridge BR]\n"
		"       pipeline_e2e port-adds --api SOCK --log HOSTD_LOG --first I --count K "
		"--subnets S [--gap-ms G]\n"
		"The helper of tests/bench/pipeline_e2e_run.sh (run that for the benchmark).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ports", required_argument, NULL, 'P' },  { "subnets", required_argument, NULL, 'S' },
		{ "routers", required_argument, NULL, 'R' }, { "mode", required_argument, NULL, 'M' },
		{ "first", required_argument, NULL, 'f' },  { "count", required_argument, NULL, 'n' },
		{ "bridge", required_argument, NULL, 'b' }, { "api", required_argument, NULL, 'a' },
		{ "log", required_argument, NULL, 'L' },    { "gap-ms", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .ports = 10000, .subnets = 1000, .routers = 100, .mode = "reactive",
			  .first = 0, .count = 0, .bridge = "br-int" };
	const char *cmd;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'P': o.ports = atoi(optarg); break;
		case 'S': o.subnets = atoi(optarg); break;
		case 'R': o.routers = atoi(optarg); break;
		case 'M': o.mode = optarg; break;
		case 'f': o.first = atoi(optarg); break;
		case 'n': o.count = atoi(optarg); break;
		case 'b': o.bridge = optarg; break;
		case 'a': o.api = optarg; break;
		case 'L': o.log = optarg; break;
		case 'g': o.gap_ms = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.ports < 0 || o.subnets <= 0 || o.routers < 0 || o.first < 0 || o.count < 0 ||
	    o.gap_ms < 0 ||
	    o.subnets > 65536) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "topo"))
		return cmd_topo(&o);
	if (!strcmp(cmd, "ovs-ports") && optind < argc)
		return cmd_ovs_ports(argv[optind], &o);
	if (!strcmp(cmd, "port-adds") && o.api && o.log && o.count > 0)
		return cmd_port_adds(&o);
	usage(stderr);
	return 2;
}
