/* hostd/main.c: the host daemon's entry point.
 *
 * Thin on purpose: read the options, start the modules, wait for a
 * signal, stop them. Modules: the SmartNIC mailbox client (nic.c, its
 * own thread) and the OpenFlow controller (hostd/controller, whose libevent
 * loop runs in this thread and takes the signals through a signalfd).
 *
 * Every option is one row of hostd_opts[] below: hostd/config.c turns the
 * table into getopt_long, --help, the configuration file parser
 * (/etc/dfnic/hostd.conf, same keys) and its template; adding an option is
 * adding a row and its setter. Under systemd (hostd/service.c) it reports
 * READY=1 once the API is up and the controller listens, and pings the
 * watchdog from the loop that runs in this thread. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox_wire.h"
#include "hostd/controller/controller.h"
#include "hostd/api/api_flows.h"
#include "hostd/api/api.h"
#include "hostd/api/northbound.h"
#include "hostd/config.h"
#include "hostd/nic.h"
#include "hostd/offload/offload.h"
#include "hostd/pipeline/pl_ctl.h"
#include "hostd/service.h"
#include "hostd/version.h"

#define MOD "hostd"

#if defined(CONFIG_BOARD_QEMU_VIRT)
/* The NIC side is a guest behind a BAR: no futex crosses it, so the host
 * side polls like the guest does (pci transport on the backing file). */
#define DEFAULT_MBOX "pci:" CONFIG_QEMU_VIRT_HOST_MBOX_PATH
#elif defined(CONFIG_SIM_MBOX_PATH)
#define DEFAULT_MBOX "shm:" CONFIG_SIM_MBOX_PATH
#else
#define DEFAULT_MBOX "shm:/dev/shm/dfnic-mbox"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)
#define DEFAULT_MAX_BODY "33554432"
_Static_assert(API_DEFAULT_MAX_BODY == 33554432u, "DEFAULT_MAX_BODY is API_DEFAULT_MAX_BODY");

/* ---- where the options land --------------------------------------------- */

static struct hostd_nic_cfg nic_opts = { .uri = DEFAULT_MBOX }; /* mailbox client */
static struct ctl_cfg ctl_opts; /* the controller's options (hostd/controller/controller.h) */
static int no_nic; /* --no-nic: no mailbox client */
static const char *chassis_name; /* --chassis: whose topology the NIC offloads */
static struct pl_cfg pl_opts; /* pipeline options (hostd/pipeline) */
enum log_target { LOG_TARGET_STDERR, LOG_TARGET_SYSLOG, LOG_TARGET_JOURNAL };
static enum log_target log_target; /* --log-target */

static int set_uint(const char *val, unsigned long min, unsigned long max, uint32_t *out,
		    char *err, size_t errlen)
{
	unsigned long v;
	if (dfn_parse_uint(val, min, max, &v)) {
		snprintf(err, errlen, "'%s' is not a number in %lu..%lu", val, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int set_mbox(const char *a, char *err, size_t n)
{
	if (!*a) {
		snprintf(err, n, "empty URI");
		return -EINVAL;
	}
	nic_opts.uri = a;
	return 0;
}
static int set_heartbeat(const char *a, char *err, size_t n)
{
	return set_uint(a, 10, 60000, &nic_opts.heartbeat_ms, err, n);
}
static int set_miss_limit(const char *a, char *err, size_t n)
{
	return set_uint(a, 1, 100, &nic_opts.miss_limit, err, n);
}
static int set_retry(const char *a, char *err, size_t n)
{
	return set_uint(a, 10, 60000, &nic_opts.retry_ms, err, n);
}
static int set_no_nic(const char *a, char *err, size_t n)
{
	no_nic = 1;
	return 0;
}
static int set_chassis(const char *a, char *err, size_t n)
{
	if (!*a || strlen(a) > TOPO_HOST_MAX) {
		snprintf(err, n, "'%s' is not a name of 1..%d characters", a, TOPO_HOST_MAX);
		return -EINVAL;
	}
	chassis_name = a;
	return 0;
}
static int set_listen(const char *a, char *err, size_t n)
{
	if (ctl_opts.n_listen == CTL_MAX_LISTEN) {
		snprintf(err, n, "at most %d listeners", CTL_MAX_LISTEN);
		return -EINVAL;
	}
	ctl_opts.listen[ctl_opts.n_listen++] = a;
	return 0;
}
static int set_ssl_key(const char *a, char *err, size_t n)
{
	ctl_opts.ssl_key = a;
	return 0;
}
static int set_ssl_cert(const char *a, char *err, size_t n)
{
	ctl_opts.ssl_cert = a;
	return 0;
}
static int set_ssl_ca(const char *a, char *err, size_t n)
{
	ctl_opts.ssl_ca = a;
	return 0;
}
static int set_flows(const char *a, char *err, size_t n)
{
	ctl_opts.flows_path = a;
	return 0;
}
static int set_app(const char *a, char *err, size_t n)
{
	if (!strcmp(a, "learn"))
		ctl_opts.app = CTL_APP_LEARN;
	else if (!strcmp(a, "none"))
		ctl_opts.app = CTL_APP_NONE;
	else {
		snprintf(err, n, "'%s' is not learn or none", a);
		return -EINVAL;
	}
	return 0;
}
static int set_echo(const char *a, char *err, size_t n)
{
	return set_uint(a, 100, 600000, &ctl_opts.echo_interval_ms, err, n);
}
static int set_no_bundle(const char *a, char *err, size_t n)
{
	ctl_opts.no_bundle = 1;
	return 0;
}
static int set_l3_idle(const char *a, char *err, size_t n)
{
	uint32_t idle;
	if (set_uint(a, 1, 65535, &idle, err, n))
		return -EINVAL;
	pl_opts.reactive_idle = (uint16_t)idle;
	return 0;
}

/* The northbound module (hostd/api/northbound.h) stores its own options;
 * the values are checked here first so errors carry the file and line. */
static int nb_set(int code, const char *a, char *err, size_t n)
{
	if (hostd_nb_option(code, a)) {
		snprintf(err, n, "'%s' refused (see above)", a);
		return -EINVAL;
	}
	return 0;
}
static int set_state_dir(const char *a, char *err, size_t n)
{
	if (!*a) {
		snprintf(err, n, "empty path");
		return -EINVAL;
	}
	return nb_set(HOSTD_NB_OPT_STATE_DIR, a, err, n);
}
static int set_api(const char *a, char *err, size_t n)
{
	if (strncmp(a, "unix:", 5) || !a[5]) {
		snprintf(err, n, "'%s' is not unix:PATH", a);
		return -EINVAL;
	}
	return nb_set(HOSTD_NB_OPT_API, a, err, n);
}
static int set_api_tls(const char *a, char *err, size_t n)
{
	if (strncmp(a, "tcp:", 4) || !strchr(a + 4, ':')) {
		snprintf(err, n, "'%s' is not tcp:ADDR:PORT", a);
		return -EINVAL;
	}
	return nb_set(HOSTD_NB_OPT_API_TLS, a, err, n);
}
static int set_api_cert(const char *a, char *err, size_t n)
{
	return nb_set(HOSTD_NB_OPT_API_CERT, a, err, n);
}
static int set_api_key(const char *a, char *err, size_t n)
{
	return nb_set(HOSTD_NB_OPT_API_KEY, a, err, n);
}
static int set_api_max_body(const char *a, char *err, size_t n)
{
	unsigned long v;
	if (dfn_parse_uint(a, 1024, 1ul << 31, &v)) {
		snprintf(err, n, "'%s' is not a number in 1024..%lu", a, 1ul << 31);
		return -EINVAL;
	}
	return nb_set(HOSTD_NB_OPT_API_MAX_BODY, a, err, n);
}
static int set_api_nice(const char *a, char *err, size_t n)
{
	unsigned long v;
	if (dfn_parse_uint(a, 0, 19, &v)) {
		snprintf(err, n, "'%s' is not a number in 0..19", a);
		return -EINVAL;
	}
	return nb_set(HOSTD_NB_OPT_API_NICE, a, err, n);
}
static int set_log_level(const char *a, char *err, size_t n)
{
	enum dfn_log_level lvl;
	if (dfn_log_parse_level(a, &lvl)) {
		snprintf(err, n, "'%s' is not one of error, warn, info, debug", a);
		return -EINVAL;
	}
	dfn_log_set_level(lvl);
	return 0;
}
static int set_log_target(const char *a, char *err, size_t n)
{
	if (!strcmp(a, "stderr"))
		log_target = LOG_TARGET_STDERR;
	else if (!strcmp(a, "syslog"))
		log_target = LOG_TARGET_SYSLOG;
	else if (!strcmp(a, "journal"))
		log_target = LOG_TARGET_JOURNAL;
	else {
		snprintf(err, n, "'%s' is not stderr, syslog or journal", a);
		return -EINVAL;
	}
	return 0;
}
static int set_proto_min(const char *a, char *err, size_t n)
{
	uint32_t v;
	if (set_uint(a, 1, 65535, &v, err, n))
		return -EINVAL;
	nic_opts.proto_min = (uint16_t)v;
	return 0;
}
static int set_proto_max(const char *a, char *err, size_t n)
{
	uint32_t v;
	if (set_uint(a, 1, 65535, &v, err, n))
		return -EINVAL;
	nic_opts.proto_max = (uint16_t)v;
	return 0;
}

/* ---- the one option table ----------------------------------------------- */

#define S_NIC "SmartNIC mailbox client"
#define S_CTL "OpenFlow controller (runs when listen or flows is set)"
#define S_PL "Pipeline"
#define S_NB "Topology store and northbound API"
#define S_LOG "Logging"
#define S_TEST "Testing"
#define S_CLI "Command line only"

static const struct hcfg_opt hostd_opts[] = {
	{ .name = "mbox", .short_name = 'm', .metavar = "URI", .def = DEFAULT_MBOX, .section = S_NIC,
	  .help = "NIC mailbox: shm:PATH (a file, the sim and QEMU boards) or pci:RESOURCE "
		  "(the sysfs resource file of the mailbox BAR).",
	  .check = HCFG_CHECK_MBOX, .set = set_mbox },
	{ .name = "heartbeat-ms", .short_name = 'b', .metavar = "N",
	  .def = STR(CONFIG_MBOX_HEARTBEAT_MS), .section = S_NIC,
	  .help = "Heartbeat interval, 10..60000 ms.", .set = set_heartbeat },
	{ .name = "miss-limit", .short_name = 'M', .metavar = "N", .def = "3", .section = S_NIC,
	  .help = "Silent intervals before the NIC is declared gone, 1..100.",
	  .set = set_miss_limit },
	{ .name = "retry-ms", .short_name = 'r', .metavar = "N", .def = "500", .section = S_NIC,
	  .help = "Retry period while the mailbox is missing or a push failed, 10..60000 ms.",
	  .set = set_retry },
	{ .name = "no-nic", .section = S_NIC,
	  .help = "Do not start the SmartNIC mailbox client (no offload).", .set = set_no_nic },
	{ .name = "chassis", .metavar = "NAME", .section = S_NIC,
	  .help = "The chassis this hostd runs on: its ports, routers and neighbours are "
		  "offloaded to the SmartNIC (default: the host name).",
	  .set = set_chassis },
	{ .name = "listen", .metavar = "URI", .section = S_CTL, .repeatable = 1,
	  .help = "Listen for switches on tcp:ADDR:PORT or ssl:ADDR:PORT (ADDR numeric, [IPv6] "
		  "or empty for any; up to 8; PORT 0 picks a free port, logged), e.g. "
		  "tcp:0.0.0.0:6653, ssl:0.0.0.0:6654.",
	  .check = HCFG_CHECK_LISTEN, .set = set_listen },
	{ .name = "ssl-key", .metavar = "FILE", .section = S_CTL,
	  .help = "PEM private key of hostd (ssl: listeners).", .check = HCFG_CHECK_FILE,
	  .set = set_ssl_key },
	{ .name = "ssl-cert", .metavar = "FILE", .section = S_CTL,
	  .help = "PEM certificate of hostd (ssl: listeners).", .check = HCFG_CHECK_FILE,
	  .set = set_ssl_cert },
	{ .name = "ssl-ca", .metavar = "FILE", .section = S_CTL,
	  .help = "PEM CA certificate the switches' certificates must chain to.",
	  .check = HCFG_CHECK_FILE, .set = set_ssl_ca },
	{ .name = "flows", .metavar = "FILE", .section = S_CTL,
	  .help = "Desired flows, groups and meters for every switch (format: hostd/README.md); "
		  "SIGHUP re-reads it. Without it the switches get the pipeline compiled from "
		  "the topology.",
	  .check = HCFG_CHECK_FILE, .set = set_flows },
	{ .name = "app", .metavar = "NAME", .def = "none", .section = S_CTL,
	  .help = "Packet-in handler: learn or none.", .set = set_app },
	{ .name = "echo-interval-ms", .metavar = "N", .def = "5000", .section = S_CTL,
	  .help = "Keepalive period, 100..600000 ms; a switch silent for 3 periods is dropped.",
	  .set = set_echo },
	{ .name = "no-bundle", .section = S_CTL,
	  .help = "Never use bundles (plain messages and barriers).", .set = set_no_bundle },
	{ .name = "l3-idle-timeout", .metavar = "S", .def = "30", .section = S_PL,
	  .help = "Idle timeout of reactive /32 routes, 1..65535 s.", .set = set_l3_idle },
	{ .name = "state-dir", .metavar = "DIR", .def = HOSTD_NB_DEFAULT_STATE_DIR, .section = S_NB,
	  .help = "State directory: the SQLite store topology.db and the default API socket; "
		  "created if missing.",
	  .check = HCFG_CHECK_DIR, .check_default = 1, .set = set_state_dir },
	{ .name = "api", .metavar = "unix:PATH", .section = S_NB,
	  .help = "REST API Unix socket (default unix:STATE-DIR/hostd.sock).",
	  .check = HCFG_CHECK_UNIX, .set = set_api },
	{ .name = "api-tls", .metavar = "tcp:ADDR:PORT", .section = S_NB,
	  .help = "Also serve the API over TLS on TCP (needs api-cert and api-key).",
	  .check = HCFG_CHECK_TCP, .set = set_api_tls },
	{ .name = "api-cert", .metavar = "FILE", .section = S_NB,
	  .help = "PEM certificate for api-tls.", .check = HCFG_CHECK_FILE, .set = set_api_cert },
	{ .name = "api-key", .metavar = "FILE", .section = S_NB,
	  .help = "PEM private key for api-tls.", .check = HCFG_CHECK_FILE, .set = set_api_key },
	{ .name = "api-max-body", .metavar = "N", .def = DEFAULT_MAX_BODY, .section = S_NB,
	  .help = "Largest request body in bytes, 1024..2147483648.", .set = set_api_max_body },
	{ .name = "api-nice", .metavar = "N", .def = STR(API_DEFAULT_NICE), .section = S_NB,
	  .help = "The API's threads run N nicer than the rest of hostd, 0..19: bulk requests "
		  "(parsing, SQLite) yield the CPU to the controller and to a switch on the same "
		  "host.", .set = set_api_nice },
	{ .name = "log-level", .short_name = 'l', .metavar = "LEVEL", .def = "info", .section = S_LOG,
	  .help = "error, warn, info or debug.", .set = set_log_level },
	{ .name = "log-target", .metavar = "TARGET", .def = "stderr", .section = S_LOG,
	  .help = "stderr (timestamped lines), syslog (syslog(3), facility daemon) or journal "
		  "(journald, with the level as PRIORITY and the module as DFNIC_MODULE); "
		  "journal falls back to stderr when journald is not running.",
	  .set = set_log_target },
	{ .name = "proto-min", .metavar = "N", .def = STR(MBOX_PROTO_MIN), .section = S_TEST,
	  .help = "Lowest mailbox protocol version to offer.", .set = set_proto_min },
	{ .name = "proto-max", .metavar = "N", .def = STR(MBOX_PROTO_MAX), .section = S_TEST,
	  .help = "Highest mailbox protocol version to offer.", .set = set_proto_max },
	{ .name = "config", .metavar = "FILE", .section = S_CLI, .scope = HCFG_CLI_ONLY,
	  .help = "Configuration file (default " HCFG_DEFAULT_PATH "; a missing default file is "
		  "fine, a missing FILE given here is an error). The command line wins, key by "
		  "key." },
	{ .name = "check-config", .section = S_CLI, .scope = HCFG_CLI_ONLY,
	  .help = "Parse and validate the configuration (files readable, addresses, state "
		  "directory writable), print what would run, exit 0 or 1." },
	{ .name = "print-config-template", .section = S_CLI, .scope = HCFG_CLI_ONLY,
	  .help = "Print the documented configuration file (every key, commented out) and exit." },
	{ .name = "version", .short_name = 'V', .section = S_CLI, .scope = HCFG_CLI_ONLY,
	  .help = "Print the version and exit." },
	{ .name = "help", .short_name = 'h', .section = S_CLI, .scope = HCFG_CLI_ONLY,
	  .help = "This text." },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hostd [OPTIONS]\n"
		"The dfnic host daemon: the SmartNIC mailbox client (attaches to the NIC's\n"
		"mailbox, negotiates, exchanges heartbeats and pushes its state whenever the\n"
		"NIC (re)starts), the OpenFlow 1.3 controller of the br-int switches, and the\n"
		"topology store with its REST API. Every option can also be set in the\n"
		"configuration file as `key = value` (see --print-config-template).\n");
	hcfg_usage(hostd_opts, ARRAY_SIZE(hostd_opts), f);
	fprintf(f,
		"\n"
		"SIGTERM or SIGINT: mark the host side of the mailbox closed and exit 0.\n"
		"SIGHUP: the controller re-reads --flows (the configuration file is read at\n"
		"start only).\n");
}

/* Cross-option checks of --check-config (hostd itself finds these at
 * start-up, in the module concerned). Returns the number of problems. */
static int check_combinations(const struct hcfg *h, FILE *err)
{
	int problems = 0, ssl = 0;
	for (size_t i = 0; i < ctl_opts.n_listen; i++)
		ssl |= !strncmp(ctl_opts.listen[i], "ssl:", 4);
	if (ssl && (!ctl_opts.ssl_key || !ctl_opts.ssl_cert || !ctl_opts.ssl_ca)) {
		fprintf(err, "listen: ssl: listeners need ssl-key, ssl-cert and ssl-ca\n");
		problems++;
	}
	if (hcfg_value(h, "api-tls") && (!hcfg_value(h, "api-cert") || !hcfg_value(h, "api-key"))) {
		fprintf(err, "api-tls: needs api-cert and api-key\n");
		problems++;
	}
	return problems;
}

/* hostd --check-config: everything but starting. 0 or 1. */
static int check_config(const struct hcfg *h)
{
	int problems;
	printf("hostd %s: configuration %s\n", HOSTD_VERSION,
	       h->config_path ? h->config_path : "(no file)");
	hcfg_dump(h, stdout);
	printf("checks:\n");
	problems = hcfg_check(h, stdout, stderr);
	problems += check_combinations(h, stderr);
	printf("would run:\n");
	if (no_nic)
		printf("  SmartNIC mailbox client: off (no-nic)\n");
	else
		printf("  SmartNIC mailbox client on %s, offloading chassis %s\n", nic_opts.uri,
		       chassis_name ? chassis_name : "(the host name)");
	if (ctl_opts.n_listen || ctl_opts.flows_path) {
		printf("  OpenFlow controller:");
		for (size_t i = 0; i < ctl_opts.n_listen; i++)
			printf(" %s", ctl_opts.listen[i]);
		printf("%s; desired state from %s\n", ctl_opts.n_listen ? "" : " (no listener)",
		       ctl_opts.flows_path ? ctl_opts.flows_path : "the topology (pipeline)");
	} else {
		printf("  OpenFlow controller: off (no listen, no flows)\n");
	}
	printf("  topology store and REST API (state-dir, api)\n");
	printf("  logs to %s\n", log_target == LOG_TARGET_JOURNAL ? "the journal"
			      : log_target == LOG_TARGET_SYSLOG ? "syslog" : "stderr");
	if (problems) {
		fprintf(stderr, "hostd: configuration has %d problem%s\n", problems,
			problems == 1 ? "" : "s");
		return 1;
	}
	printf("configuration OK\n");
	return 0;
}

/* Read the command line and the configuration file. Returns -1 to go on,
 * or the exit status (0 after --help, --version, a template or a good
 * --check-config). */
static int parse_args(int argc, char **argv, struct hcfg *h)
{
	const char *path;
	int check, r;

	if (hcfg_collect_args(h, hostd_opts, ARRAY_SIZE(hostd_opts), argc, argv))
		return 2;
	if (hcfg_cli_value(h, "help")) {
		usage(stdout);
		return 0;
	}
	if (hcfg_cli_value(h, "version")) {
		printf("hostd %s\n", HOSTD_VERSION);
		return 0;
	}
	if (hcfg_cli_value(h, "print-config-template")) {
		hcfg_template(hostd_opts, ARRAY_SIZE(hostd_opts), stdout);
		return 0;
	}
	check = hcfg_cli_value(h, "check-config") != NULL;
	path = hcfg_cli_value(h, "config");
	h->config_explicit = path != NULL;
	r = hcfg_apply(h, path ? path : HCFG_DEFAULT_PATH, !path, stderr);
	if (r) {
		if (!check)
			fprintf(stderr, "Try 'hostd --help'.\n");
		return check ? 1 : 2;
	}
	unsigned lo = nic_opts.proto_min ? nic_opts.proto_min : MBOX_PROTO_MIN;
	unsigned hi = nic_opts.proto_max ? nic_opts.proto_max : MBOX_PROTO_MAX;
	if (lo > hi) {
		fprintf(stderr, "hostd: --proto-min %u is above --proto-max %u\n", lo, hi);
		return check ? 1 : 2;
	}
	if (check)
		return check_config(h);
	return -1;
}

static void apply_log_target(void)
{
	int r;
	switch (log_target) {
	case LOG_TARGET_STDERR:
		break;
	case LOG_TARGET_SYSLOG:
		dfn_log_set_sink(DFN_LOG_SINK_SYSLOG, NULL, NULL);
		break;
	case LOG_TARGET_JOURNAL:
		r = hostd_service_log_to_journal();
		if (r < 0)
			LOG_WARN(MOD, "--log-target journal: %s; logging to stderr",
				 r == -ENOTSUP ? "built without libsystemd" : "journald is not running");
		break;
	}
}

/* The main thread's wait when no controller runs: signals, and the
 * watchdog pings every wd_ms (0 = none). Returns the stopping signal. */
static int wait_for_signal(const sigset_t *set, uint32_t wd_ms)
{
	struct timespec ts = { .tv_sec = wd_ms / 1000, .tv_nsec = (long)(wd_ms % 1000) * 1000000 };
	for (;;) {
		int sig = wd_ms ? sigtimedwait(set, NULL, &ts) : sigwaitinfo(set, NULL);
		if (sig < 0) {
			if (errno == EAGAIN)
				hostd_service_watchdog(NULL);
			continue; /* EAGAIN (the period) or EINTR */
		}
		if (sig != SIGHUP)
			return sig;
		LOG_INFO(MOD, "SIGHUP: nothing to re-read (no controller)");
	}
}

int main(int argc, char **argv)
{
	struct hcfg h;
	dfn_log_init("hostd", DFN_LOG_INFO);
	int r = parse_args(argc, argv, &h);
	if (r >= 0) {
		hcfg_free(&h);
		return r;
	}
	apply_log_target();
	uint32_t wd_ms = hostd_service_init(); /* 0 unless systemd's watchdog is on */

	/* Signals are taken synchronously by this thread only: block them
	 * before any other thread exists so they inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP); /* the controller re-reads --flows */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	LOG_INFO(MOD, "dfnic hostd %s starting (configuration %s)", HOSTD_VERSION,
		 h.config_path ? h.config_path : "none");
	if (wd_ms)
		LOG_INFO(MOD, "systemd watchdog: pinging every %u ms", wd_ms);
	hostd_service_status("starting: topology store and API");
	if (hostd_nb_start() < 0) { /* topology store + REST API (own thread) */
		hcfg_free(&h);
		return 1;
	}
	struct hostd_nic_cfg cfg = nic_opts;
	struct hostd_nic *nic = NULL;
	struct hostd_offload *off = NULL;
	char host[TOPO_HOST_MAX + 1] = "";
	if (!no_nic && hostd_nb_topo()) {
		if (!chassis_name && gethostname(host, sizeof(host) - 1) == 0)
			chassis_name = host;
		r = chassis_name ? hostd_offload_create(hostd_nb_topo(), chassis_name, &off) : -EINVAL;
		if (r < 0)
			LOG_ERR(MOD, "offload disabled: cannot track chassis '%s': %s",
				chassis_name ? chassis_name : "?", strerror(-r));
		else {
			hostd_offload_set_global(off);
			cfg.source = hostd_offload_source(off);
			LOG_INFO(MOD, "offloading chassis '%s' to the SmartNIC", chassis_name);
		}
	}
	if (!no_nic) {
		r = hostd_nic_start(&cfg, &nic);
		if (r < 0) {
			LOG_ERR(MOD, "cannot start the NIC client: %s", strerror(-r));
			hcfg_free(&h);
			return 1;
		}
	}
	int sig = 0;
	if (ctl_opts.n_listen || ctl_opts.flows_path) {
		/* the controller's event loop owns this thread until a signal */
		struct ctl *ctl;
		r = ctl_create(&ctl_opts, &ctl);
		if (r < 0) {
			LOG_ERR(MOD, "cannot start the OpenFlow controller: %s", strerror(-r));
			if (nic)
				hostd_nic_stop(nic);
			hcfg_free(&h);
			return 1;
		}
		/* without a flows file, the pipeline compiles the topology */
		struct pl_glue *pl = NULL;
		if (!ctl_opts.flows_path && hostd_nb_topo() &&
		    (r = pipeline_attach(ctl, hostd_nb_topo(), &pl_opts, &pl)) < 0)
			LOG_ERR(MOD, "cannot attach the pipeline: %s", strerror(-r));
		api_flows_set_ctl(ctl); /* GET .../chassis/NAME/flows asks it */
		/* the watchdog is pinged by this loop: if it stops turning,
		 * systemd notices */
		struct ctl_tick *wd = NULL;
		if (wd_ms && (r = ctl_tick_new(ctl, wd_ms, hostd_service_watchdog, NULL, &wd)) < 0)
			LOG_ERR(MOD, "cannot arm the watchdog pings: %s", strerror(-r));
		hostd_service_ready("running: controller on %zu listener%s, API up, NIC client %s",
				    ctl_opts.n_listen, ctl_opts.n_listen == 1 ? "" : "s",
				    nic ? "on" : "off");
		sig = ctl_run(ctl);
		hostd_service_stopping("stopping");
		hostd_nb_quiesce(); /* no request runs while the rest goes */
		ctl_tick_free(wd);
		api_flows_set_ctl(NULL);
		pipeline_detach(pl);
		ctl_destroy(ctl);
	} else {
		hostd_service_ready("running: API up, no controller, NIC client %s",
				    nic ? "on" : "off");
		sig = wait_for_signal(&set, wd_ms);
		hostd_service_stopping("stopping");
		hostd_nb_quiesce();
	}
	LOG_INFO(MOD, "%s: shutting down", sig > 0 ? strsignal(sig) : "error");
	if (nic)
		hostd_nic_stop(nic);
	hostd_offload_destroy(off);
	hostd_nb_stop();
	LOG_INFO(MOD, "stopped");
	hcfg_free(&h); /* last: the modules kept pointers into it */
	return 0;
}
