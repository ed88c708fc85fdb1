/* tests/bench/pipeline_bench.c: the pipeline compiler benchmark behind
 * `make bench` (issue 4, Performance; tests/bench/run.sh runs it).
 *
 * A generated topology on one chassis: 10,000 VM ports, 1,000 networks
 * (VXLAN) with one /24 subnet each (10 ports per subnet), 100 routers
 * with 10 subnets each. Measured:
 *   compile     pipeline_compile() of that chassis (hostd/pipeline), median
 *               and worst of --runs runs, reactive and proactive routers
 *               (target: < 100 ms); flows and groups it emits;
 *   packet-in   pipeline_packet_in() of a reactive router's first packet
 *               (the two /32 flow_mods and the packet-out), median;
 *   memory      heap bytes per port of the in-memory topology and of one
 *               compiled desired state (glibc mallinfo2, this process);
 *   hostd       a real hostd (the one built next to this program, or
 *               --hostd PATH) started empty, the same topology applied
 *               through its REST API in one POST /v2.0/dfnic/apply: the
 *               apply time and hostd's RSS growth per port (its topology
 *               and store; it compiles a desired state only for a connected
 *               switch, which is the "memory" figure above). Target for
 *               both together: <= 1 KB per port.
 * Every compile is checked (0 returned, the same flow count each run, one
 * classify flow per port); a failure exits 1. Missing a target is printed
 * as MISS, not a failure. --quick: 1,000 ports / 100 subnets / 10 routers
 * (figures marked INFO: the targets are for the full size). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostd/pipeline/pipeline.h"
#include "hostd/topo/topo.h"

#define PORTS_PER_SUBNET 10
#define SUBNETS_PER_ROUTER 10
#define TARGET_COMPILE_MS 100.0
#define TARGET_BYTES_PER_PORT 1024.0

/* Sizes of the generated topology. */
struct shape {
	int ports;    /* VM ports */
	int subnets;  /* networks = subnets */
	int routers;  /* routers */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* "p<N>" -> switch port N + 1 (every VM port is on the switch). */
static int port_map(void *arg, const char *name, uint32_t *port)
{
	char *end;
	unsigned long n;
	(void)arg;
	if (name[0] != 'p')
		return -ENOENT;
	n = strtoul(name + 1, &end, 10);
	if (*end || n >= 0xfff00)
		return -ENOENT;
	*port = (uint32_t)n + 1;
	return 0;
}

static void subnet_prefix(int s, char *buf, size_t n)
{
	snprintf(buf, n, "10.%d.%d", s / 256, s % 256);
}

/* ---- the topology, in memory (transactions) -------------------------- */

static struct topo *build_topo(const struct shape *sh, enum topo_l3_mode mode)
{
	struct topo *t = topo_new();
	struct topo_txn *x;
	struct topo_err err;
	char pfx[32], buf[64], pid[TOPO_ID_MAX + 1];
	int i;

	if (!t)
		return NULL;
	x = topo_txn_begin(t);
	{
		struct topo_chassis c;
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "c1");
		c.dpid = 1;
		c.tunnel_ip = topo_ip_from_v4(0xc0a83201u);
		if (topo_txn_put_chassis(x, &c, &err))
			goto fail;
	}
	for (i = 0; i < sh->subnets; i++) {
		struct topo_network n;
		struct topo_subnet s;
		memset(&n, 0, sizeof(n));
		snprintf(n.id, sizeof(n.id), "n%d", i);
		n.name = n.id;
		n.type = TOPO_NET_VXLAN;
		n.segmentation_id = 1000u + (uint32_t)i;
		n.admin_state_up = true;
		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "s%d", i);
		s.name = s.id;
		snprintf(s.network_id, sizeof(s.network_id), "n%d", i);
		subnet_prefix(i, pfx, sizeof(pfx));
		snprintf(buf, sizeof(buf), "%s.0/24", pfx);
		topo_cidr_parse(buf, &s.cidr);
		s.ip_version = 4;
		snprintf(buf, sizeof(buf), "%s.1", pfx);
		topo_ip_parse(buf, &s.gateway);
		if (topo_txn_put_network(x, &n, NULL, &err) || topo_txn_put_subnet(x, &s, NULL, &err))
			goto fail;
	}
	for (i = 0; i < sh->ports; i++) {
		struct topo_port p;
		struct topo_fixed_ip fi;
		int s = i / PORTS_PER_SUBNET;
		memset(&p, 0, sizeof(p));
		memset(&fi, 0, sizeof(fi));
		snprintf(p.id, sizeof(p.id), "port%d", i);
		p.name = p.id;
		snprintf(p.network_id, sizeof(p.network_id), "n%d", s);
		p.mac[0] = 2;
		p.mac[3] = (uint8_t)(i >> 16);
		p.mac[4] = (uint8_t)(i >> 8);
		p.mac[5] = (uint8_t)i;
		p.n_fixed_ips = 1;
		p.fixed_ips = &fi;
		subnet_prefix(s, pfx, sizeof(pfx));
		snprintf(buf, sizeof(buf), "%s.%d", pfx, 10 + i % PORTS_PER_SUBNET);
		topo_ip_parse(buf, &fi.ip);
		p.chassis = "c1";
		p.device_owner = "compute:nova";
		snprintf(p.ifname, sizeof(p.ifname), "p%d", i);
		p.admin_state_up = true;
		if (topo_txn_put_port(x, &p, NULL, &err))
			goto fail;
	}
	for (i = 0; i < sh->routers; i++) {
		struct topo_router r;
		int k;
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "r%d", i);
		r.name = r.id;
		r.admin_state_up = true;
		r.l3_mode = mode;
		if (topo_txn_put_router(x, &r, NULL, &err))
			goto fail;
		for (k = 0; k < SUBNETS_PER_ROUTER; k++) {
			snprintf(buf, sizeof(buf), "s%d", i * SUBNETS_PER_ROUTER + k);
			if (topo_txn_add_router_iface(x, r.id, buf, NULL, pid, &err))
				goto fail;
		}
	}
	if (topo_txn_commit(x, &err)) {
		fprintf(stderr, "pipeline-bench: commit: %s\n", err.msg);
		topo_destroy(t);
		return NULL;
	}
	return t;
fail:
	fprintf(stderr, "pipeline-bench: topology: %s\n", err.msg);
	topo_txn_abort(x);
	topo_destroy(t);
	return NULL;
}

/* ---- the same topology as JSON for hostd's API ------------------------ */

static char *topo_json(const struct shape *sh, size_t *len)
{
	char *txt = NULL, pfx[32];
	FILE *f = open_memstream(&txt, len);
	int i, k;
	if (!f)
		return NULL;
	fprintf(f, "{\"chassis\": [{\"name\": \"c1\", \"datapath_id\": \"0000000000000001\", "
		   "\"tunnel_ip\": \"192.168.50.1\"}],\n\"networks\": [");
	for (i = 0; i < sh->subnets; i++)
		fprintf(f, "%s{\"id\": \"n%d\", \"name\": \"n%d\", \"provider:network_type\": "
			   "\"vxlan\", \"provider:segmentation_id\": %d}",
			i ? ",\n" : "", i, i, 1000 + i);
	fprintf(f, "],\n\"subnets\": [");
	for (i = 0; i < sh->subnets; i++) {
		subnet_prefix(i, pfx, sizeof(pfx));
		fprintf(f, "%s{\"id\": \"s%d\", \"network_id\": \"n%d\", \"cidr\": \"%s.0/24\", "
			   "\"gateway_ip\": \"%s.1\"}", i ? ",\n" : "", i, i, pfx, pfx);
	}
	fprintf(f, "],\n\"routers\": [");
	for (i = 0; i < sh->routers; i++) {
		fprintf(f, "%s{\"id\": \"r%d\", \"name\": \"r%d\", \"interfaces\": [", i ? ",\n" : "",
			i, i);
		for (k = 0; k < SUBNETS_PER_ROUTER; k++)
			fprintf(f, "%s{\"subnet_id\": \"s%d\"}", k ? ", " : "",
				i * SUBNETS_PER_ROUTER + k);
		fprintf(f, "]}");
	}
	fprintf(f, "],\n\"ports\": [");
	for (i = 0; i < sh->ports; i++) {
		int s = i / PORTS_PER_SUBNET;
		subnet_prefix(s, pfx, sizeof(pfx));
		fprintf(f, "%s{\"id\": \"port%d\", \"name\": \"port%d\", \"network_id\": \"n%d\", "
			   "\"mac_address\": \"02:00:00:%02x:%02x:%02x\", \"fixed_ips\": "
			   "[{\"ip_address\": \"%s.%d\"}], \"binding:host_id\": \"c1\", "
			   "\"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"p%d\"}",
			i ? ",\n" : "", i, i, s, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, pfx,
			10 + i % PORTS_PER_SUBNET, i);
	}
	fprintf(f, "]}\n");
	if (fclose(f)) {
		free(txt);
		return NULL;
	}
	return txt;
}

/* ---- compile runs ------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Compiles `runs` times; fills median/worst ms and the counts of the last
 * run; *heap = bytes of one compiled desired state. 0 or -1 (reported). */
static int bench_compile(struct topo *t, const struct shape *sh, int runs, double *median,
			 double *worst, struct pl_stats *st, size_t *heap)
{
	const struct topo_chassis *ch;
	struct pl_cfg cfg = { .reactive_idle = 30 };
	double *ms = calloc((size_t)runs, sizeof(*ms));
	size_t flows0 = 0;
	int i, rc = 0;

	if (!ms)
		return -1;
	topo_rdlock(t);
	ch = topo_chassis_get(t, "c1");
	for (i = 0; i < runs && !rc; i++) {
		struct desired d;
		size_t h0, j, classify = 0;
		double t0;
		int r;
		desired_init(&d);
		h0 = heap_used();
		t0 = now_ms();
		r = pipeline_compile(t, ch, port_map, NULL, &cfg, &d, st);
		ms[i] = now_ms() - t0;
		*heap = heap_used() - h0;
		for (j = 0; j < d.flows.n; j++)
			classify += d.flows.v[j].table == PL_T_CLASSIFY &&
				    PL_COOKIE_KIND(d.flows.v[j].cookie) == PL_CK_PORT;
		if (r || (i && st->flows != flows0) || classify != (size_t)sh->ports ||
		    st->skipped_ports) {
			fprintf(stderr, "pipeline-bench: compile run %d: rc %d, %zu flows (first run "
					"%zu), %zu port classify flows for %d ports, %zu skipped\n",
				i, r, st->flows, flows0, classify, sh->ports, st->skipped_ports);
			rc = -1;
		}
		flows0 = st->flows;
		desired_uninit(&d);
	}
	topo_unlock(t);
	qsort(ms, (size_t)i, sizeof(*ms), cmp_double);
	*median = ms[i / 2];
	*worst = ms[i - 1];
	free(ms);
	return rc;
}

/* ---- packet-in ------------------------------------------------------------ */

/* Times pipeline_packet_in() for the first packet between the last two
 * subnets (same router, the last; reactive, and the ports created last:
 * the worst case of any scan in creation order): the /32 flows of both
 * ways and the packet-out. Median of `runs` in microseconds, or -1. */
static double bench_packet_in(struct topo *t, const struct shape *sh, int runs)
{
	const struct topo_chassis *ch;
	const struct topo_port *src, *dst;
	const struct topo_router *r;
	struct topo_router_iface ifc[4];
	struct pl_cfg cfg = { .reactive_idle = 30 };
	struct ofp_packet_in pi;
	static struct pl_reply rep;
	uint8_t f[64] = { 0 }, *ip = f + 14;
	uint32_t sum = 0, a, b;
	double *us = calloc((size_t)runs, sizeof(*us)), med = -1;
	int i, ok = 1;

	if (!us)
		return -1;
	topo_rdlock(t);
	ch = topo_chassis_get(t, "c1");
	{
		char id[32];
		snprintf(id, sizeof(id), "port%d", (sh->subnets - 2) * PORTS_PER_SUBNET);
		src = topo_port_get(t, id);
		snprintf(id, sizeof(id), "port%d", (sh->subnets - 1) * PORTS_PER_SUBNET);
		dst = topo_port_get(t, id);
		snprintf(id, sizeof(id), "r%d", sh->routers - 1);
		r = topo_router_get(t, id);
	}
	if (!ch || !src || !dst || !r ||
	    topo_subnet_router_ifaces(t, src->fixed_ips[0].subnet_id, ifc, 4) < 1)
		goto out;
	a = topo_ip_v4(&src->fixed_ips[0].ip);
	b = topo_ip_v4(&dst->fixed_ips[0].ip);
	memcpy(f, ifc[0].port->mac, 6);
	memcpy(f + 6, src->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 1;
	for (i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(a >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(b >> (24 - 8 * i));
	}
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	ip[20] = 8; /* ICMP echo request, checksum not checked by hostd */
	memset(&pi, 0, sizeof(pi));
	pi.buffer_id = OFP_NO_BUFFER;
	pi.reason = 1;
	pi.table_id = PL_T_L3;
	pi.cookie = PL_COOKIE(PL_CK_ROUTER, r->key);
	ofp_match_init(&pi.match);
	ofp_match_set_uint(&pi.match, OFPF_IN_PORT, 1);
	ofp_match_set_uint(&pi.match, PL_REG_ROUTER, r->key);
	pi.data.data = f;
	pi.data.len = 14 + 28;
	pi.total_len = 14 + 28;
	for (i = 0; i < runs && ok; i++) {
		double t0 = now_ms();
		ok = pipeline_packet_in(t, ch, &cfg, &pi, &rep) == 0 && rep.n == 3;
		us[i] = (now_ms() - t0) * 1e3;
		pl_reply_uninit(&rep);
	}
	if (ok) {
		qsort(us, (size_t)runs, sizeof(*us), cmp_double);
		med = us[runs / 2];
	} else {
		fprintf(stderr, "pipeline-bench: packet-in not handled: %s\n", rep.what ? rep.what : "?");
	}
out:
	topo_unlock(t);
	free(us);
	return med;
}

/* ---- hostd through its API -------------------------------------------- */

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* POST body to path over the Unix socket; 0 when the status is 2xx and the
 * answer contains `expect`. */
static int http_post(const char *sock, const char *path, const char *body, size_t len,
		     const char *expect)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char hdr[256], *resp = NULL;
	size_t rlen = 0, cap = 0;
	int fd = -1, ok = -1;
	ssize_t n;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	snprintf(hdr, sizeof(hdr),
		 "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", path, len);
	if (write(fd, hdr, strlen(hdr)) != (ssize_t)strlen(hdr))
		goto out;
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = write(fd, body + off, len - off);
		if (n <= 0)
			goto out;
	}
	for (;;) {
		if (rlen + 4096 + 1 > cap) {
			char *nr = realloc(resp, cap = cap * 2 + 8192);
			if (!nr)
				goto out;
			resp = nr;
		}
		n = read(fd, resp + rlen, cap - rlen - 1);
		if (n <= 0)
			break;
		rlen += (size_t)n;
	}
	if (!resp)
		goto out;
	resp[rlen] = '\0';
	if (!strncmp(resp, "HTTP/1.1 2", 10) && strstr(resp, expect))
		ok = 0;
	else
		fprintf(stderr, "pipeline-bench: hostd answered: %.300s\n", resp);
out:
	if (fd >= 0)
		close(fd);
	free(resp);
	return ok;
}

/* Starts hostd, applies the topology, measures. 0, or -1 (reported). */
static int bench_hostd(const char *hostd, const struct shape *sh, double *apply_ms,
		       double *per_port)
{
	char dir[] = "/tmp/dfnic-plbench.XXXXXX", sock[PATH_MAX], state[PATH_MAX];
	char *json = NULL;
	size_t len = 0;
	long rss0, rss1;
	pid_t pid;
	int i, rc = -1;
	double t0;

	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	pid = fork();
	if (pid < 0)
		goto out_dir;
	if (pid == 0) {
		char api[PATH_MAX + 8];
		snprintf(api, sizeof(api), "unix:%s", sock);
		execl(hostd, hostd, "--no-nic", "--state-dir", state, "--api", api, "-l", "warn",
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && access(sock, F_OK); i++)
		usleep(50000);
	if (access(sock, F_OK)) {
		fprintf(stderr, "pipeline-bench: %s did not open its API socket\n", hostd);
		goto out_kill;
	}
	usleep(200000);
	rss0 = rss_kb(pid);
	json = topo_json(sh, &len);
	if (!json)
		goto out_kill;
	t0 = now_ms();
	if (http_post(sock, "/v2.0/dfnic/apply", json, len, "\"dfnic:apply\""))
		goto out_kill;
	*apply_ms = now_ms() - t0;
	rss1 = rss_kb(pid);
	if (rss0 < 0 || rss1 < 0)
		goto out_kill;
	*per_port = (double)(rss1 - rss0) * 1024.0 / sh->ports;
	printf("  hostd: RSS %ld kB empty, %ld kB with the topology (%zu bytes of JSON)\n", rss0,
	       rss1, len);
	rc = 0;
out_kill:
	free(json);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
out_dir:
	{
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "pipeline-bench: could not remove %s\n", dir);
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pipeline-bench [--quick] [--runs N] [--hostd PATH | --no-hostd]\n"
		   "Compile time, flow count and memory per port of the pipeline for a\n"
		   "generated topology (10,000 ports, 1,000 subnets, 100 routers; --quick:\n"
		   "a tenth), and hostd's RSS per port with it applied through its API.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "runs", required_argument, NULL, 'n' },
		{ "hostd", required_argument, NULL, 'H' },
		{ "no-hostd", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shape sh = { 10000, 1000, 100 };
	char hostd[PATH_MAX] = "";
	int runs = 15, no_hostd = 0, quick = 0, c, m, failed = 0;
	double topo_pp = 0, desired_pp = 0, desired_reactive_pp = 0, hostd_pp = -1;

	while ((c = getopt_long(argc, argv, "qn:H:Nh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			sh = (struct shape){ 1000, 100, 10 };
			runs = 5;
			quick = 1;
			break;
		case 'n':
			runs = atoi(optarg);
			if (runs < 1 || runs > 1000) {
				usage(stderr);
				return 2;
			}
			break;
		case 'H':
			snprintf(hostd, sizeof(hostd), "%s", optarg);
			break;
		case 'N':
			no_hostd = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!hostd[0]) { /* $(O)/bench/pipeline-bench -> $(O)/bin/hostd */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			char *slash;
			self[n] = '\0';
			if ((slash = strrchr(self, '/')))
				*slash = '\0';
			snprintf(hostd, sizeof(hostd), "%.*s/../bin/hostd", PATH_MAX - 16, self);
		}
	}

	printf("topology: 1 chassis, %d ports, %d networks/subnets, %d routers (%d subnets each)\n",
	       sh.ports, sh.subnets, sh.routers, SUBNETS_PER_ROUTER);
	for (m = 0; m < 2; m++) {
		enum topo_l3_mode mode = m ? TOPO_L3_PROACTIVE : TOPO_L3_REACTIVE;
		const char *name = m ? "proactive" : "reactive";
		struct pl_stats st = { 0 };
		double med = 0, worst = 0, t0;
		size_t h0 = heap_used(), heap = 0;
		struct topo *t;

		t0 = now_ms();
		t = build_topo(&sh, mode);
		if (!t)
			return 1;
		topo_pp = (double)(heap_used() - h0) / sh.ports;
		printf("  %s: topology built in %.0f ms, %.0f bytes/port in memory\n", name,
		       now_ms() - t0, topo_pp);
		if (bench_compile(t, &sh, runs, &med, &worst, &st, &heap)) {
			topo_destroy(t);
			return 1;
		}
		desired_pp = (double)heap / sh.ports;
		if (mode == TOPO_L3_REACTIVE)
			desired_reactive_pp = desired_pp;
		printf("  %s: compile median %.2f ms, worst %.2f ms over %d runs: %zu flows, %zu "
		       "groups, %.0f bytes/port of desired state\n",
		       name, med, worst, runs, st.flows, st.groups, desired_pp);
		printf("RESULT pipeline_compile mode=%s ports=%d subnets=%d routers=%d median_ms=%.2f "
		       "worst_ms=%.2f target<%.0f %s\n",
		       name, sh.ports, sh.subnets, sh.routers, med, worst, TARGET_COMPILE_MS,
		       quick ? "INFO" : med < TARGET_COMPILE_MS ? "PASS" : "MISS");
		printf("RESULT pipeline_flows mode=%s flows=%zu groups=%zu flows_per_port=%.2f INFO\n",
		       name, st.flows, st.groups, (double)st.flows / sh.ports);
		printf("RESULT pipeline_memory mode=%s topology_bytes_per_port=%.0f "
		       "desired_bytes_per_port=%.0f INFO\n", name, topo_pp, desired_pp);
		if (mode == TOPO_L3_REACTIVE) {
			double us = bench_packet_in(t, &sh, 101);
			if (us < 0) {
				topo_destroy(t);
				return 1;
			}
			printf("  reactive: first-packet packet-in handled in %.1f us (median)\n", us);
			printf("RESULT pipeline_packet_in mode=reactive ports=%d median_us=%.1f INFO\n",
			       sh.ports, us);
		}
		topo_destroy(t);
	}

	if (no_hostd) {
		printf("RESULT pipeline_hostd_rss skipped (--no-hostd) INFO\n");
	} else if (access(hostd, X_OK)) {
		printf("  hostd: %s not found (build it, or --hostd PATH)\n", hostd);
		printf("RESULT pipeline_hostd_rss hostd=missing ERROR\n");
		failed = 1;
	} else {
		double apply_ms = 0;
		if (bench_hostd(hostd, &sh, &apply_ms, &hostd_pp)) {
			printf("RESULT pipeline_hostd_rss ports=%d ERROR\n", sh.ports);
			failed = 1;
		} else {
			double total = hostd_pp + desired_reactive_pp;
			printf("  hostd: apply of the whole topology in %.0f ms; RSS +%.0f bytes/port; "
			       "with one chassis' desired state (reactive, above) %.0f bytes/port\n",
			       apply_ms, hostd_pp, total);
			printf("RESULT pipeline_apply ports=%d ms=%.0f INFO\n", sh.ports, apply_ms);
			printf("RESULT pipeline_hostd_rss ports=%d rss_bytes_per_port=%.0f "
			       "with_desired_bytes_per_port=%.0f target<=%.0f %s\n",
			       sh.ports, hostd_pp, total, TARGET_BYTES_PER_PORT,
			       quick ? "INFO" : total <= TARGET_BYTES_PER_PORT ? "PASS" : "MISS");
		}
	}
	return failed;
}
