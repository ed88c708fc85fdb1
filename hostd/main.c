/* hostd/main.c: the host daemon's entry point.
 *
 * Thin on purpose: parse the options, start the modules, wait for a
 * signal, stop them. Modules: the SmartNIC mailbox client (nic.c, its
 * own thread) and the OpenFlow controller (hostd/controller, whose libevent
 * loop runs in this thread and takes the signals through a signalfd). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox_wire.h"
#include "hostd/controller/controller.h"
#include "hostd/api/api_flows.h"
#include "hostd/api/northbound.h"
#include "hostd/nic.h"
#include "hostd/offload/offload.h"
#include "hostd/pipeline/pl_ctl.h"
#include "hostd/version.h"

#define MOD "hostd"

#if defined(CONFIG_BOARD_QEMU_VIRT)
#define DEFAULT_MBOX "shm:" CONFIG_QEMU_VIRT_HOST_MBOX_PATH
#elif defined(CONFIG_SIM_MBOX_PATH)
#define DEFAULT_MBOX "shm:" CONFIG_SIM_MBOX_PATH
#else
#define DEFAULT_MBOX "shm:/dev/shm/dfnic-mbox"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hostd [OPTIONS]\n"
		"The dfnic host daemon. For now: the SmartNIC mailbox client. It attaches\n"
		"to the NIC's mailbox (waiting for it to exist), negotiates the protocol,\n"
		"exchanges heartbeats and pushes its full state to the NIC whenever the\n"
		"NIC (re)starts.\n"
		"\n"
		"  -m, --mbox URI          NIC mailbox (default %s);\n"
		"                          shm:PATH (file), pci:RESOURCE (BAR)\n"
		"  -b, --heartbeat-ms N    heartbeat interval, 10..60000 (default %d)\n"
		"  -M, --miss-limit N      silent intervals before the NIC is declared\n"
		"                          gone, 1..100 (default 3)\n"
		"  -r, --retry-ms N        retry period while the mailbox is missing or a\n"
		"                          push failed, 10..60000 (default 500)\n"
		"  -l, --log-level LEVEL   error, warn, info or debug (default info)\n"
		"  -V, --version           print the version and exit\n"
		"  -h, --help              this text\n"
		"\n"
		"OpenFlow controller (runs when --listen or --flows is given):\n"
		"      --listen URI        tcp:ADDR:PORT or ssl:ADDR:PORT (repeatable, up to\n"
		"                          8; PORT 0 picks a free port, logged), e.g.\n"
		"                          tcp:0.0.0.0:6653, ssl:0.0.0.0:6654\n"
		"      --ssl-key FILE      PEM private key of hostd (ssl: listeners)\n"
		"      --ssl-cert FILE     PEM certificate of hostd\n"
		"      --ssl-ca FILE       PEM CA certificate switches must chain to\n"
		"      --flows FILE        desired flows/groups/meters for every switch\n"
		"                          (format: hostd/README.md); SIGHUP re-reads it\n"
		"      --app NAME          packet-in handler: learn or none (default none)\n"
		"      --echo-interval-ms N  keepalive period, 100..600000 (default 5000);\n"
		"                          a switch silent for 3 periods is dropped\n"
		"      --no-bundle         never use bundles (plain messages + barriers)\n"
		"      --no-nic            do not start the SmartNIC mailbox client\n"
		"      --chassis NAME      the chassis this hostd runs on: its ports, routers\n"
		"                          and neighbours are offloaded to the SmartNIC\n"
		"                          (default: the host name)\n"
		"      --l3-idle-timeout S idle timeout of reactive /32 routes, 1..65535 s\n"
		"                          (default 30); without --flows the switches get\n"
		"                          the pipeline compiled from the topology\n"
		"\n"
		"Testing:\n"
		"      --proto-min N       lowest protocol version to offer (default %d)\n"
		"      --proto-max N       highest protocol version to offer (default %d)\n"
		"\n"
		"SIGTERM or SIGINT: mark the host side of the mailbox closed and exit 0.\n",
		DEFAULT_MBOX, CONFIG_MBOX_HEARTBEAT_MS, MBOX_PROTO_MIN, MBOX_PROTO_MAX);
	hostd_nb_usage(f);
}

static int opt_uint(const char *name, const char *val, unsigned long min, unsigned long max,
		    uint32_t *out)
{
	unsigned long v;
	if (dfn_parse_uint(val, min, max, &v)) {
		fprintf(stderr, "hostd: --%s: '%s' is not a number in %lu..%lu\n", name, val, min,
			max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The controller's options (hostd/controller/controller.h). */
static struct ctl_cfg ctl_opts;
static int no_nic; /* --no-nic: no mailbox client */
static const char *chassis_name; /* --chassis: whose topology the NIC offloads */
static struct pl_cfg pl_opts; /* pipeline options (hostd/pipeline) */

static int parse_args(int argc, char **argv, struct hostd_nic_cfg *c)
{
	enum { OPT_PROTO_MIN = 0x100, OPT_PROTO_MAX, OPT_LISTEN, OPT_SSL_KEY, OPT_SSL_CERT,
	       OPT_SSL_CA, OPT_FLOWS, OPT_APP, OPT_ECHO, OPT_NO_NIC, OPT_NO_BUNDLE,
	       OPT_L3_IDLE, OPT_CHASSIS };
	static const struct option longopts[] = {
		{ "mbox", required_argument, NULL, 'm' },
		{ "heartbeat-ms", required_argument, NULL, 'b' },
		{ "miss-limit", required_argument, NULL, 'M' },
		{ "retry-ms", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "proto-min", required_argument, NULL, OPT_PROTO_MIN },
		{ "proto-max", required_argument, NULL, OPT_PROTO_MAX },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "ssl-key", required_argument, NULL, OPT_SSL_KEY },
		{ "ssl-cert", required_argument, NULL, OPT_SSL_CERT },
		{ "ssl-ca", required_argument, NULL, OPT_SSL_CA },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "app", required_argument, NULL, OPT_APP },
		{ "echo-interval-ms", required_argument, NULL, OPT_ECHO },
		{ "no-nic", no_argument, NULL, OPT_NO_NIC },
		{ "no-bundle", no_argument, NULL, OPT_NO_BUNDLE },
		{ "l3-idle-timeout", required_argument, NULL, OPT_L3_IDLE },
		{ "chassis", required_argument, NULL, OPT_CHASSIS },
		HOSTD_NB_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum dfn_log_level lvl;
	uint32_t v;
	int opt;
	while ((opt = getopt_long(argc, argv, "m:b:M:r:l:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!*optarg) {
				fprintf(stderr, "hostd: --mbox: empty URI\n");
				return 2;
			}
			c->uri = optarg;
			break;
		case 'b':
			if (opt_uint("heartbeat-ms", optarg, 10, 60000, &c->heartbeat_ms))
				return 2;
			break;
		case 'M':
			if (opt_uint("miss-limit", optarg, 1, 100, &c->miss_limit))
				return 2;
			break;
		case 'r':
			if (opt_uint("retry-ms", optarg, 10, 60000, &c->retry_ms))
				return 2;
			break;
		case 'l':
			if (dfn_log_parse_level(optarg, &lvl)) {
				fprintf(stderr, "hostd: --log-level: '%s' is not one of error, warn, "
					"info, debug\n", optarg);
				return 2;
			}
			dfn_log_set_level(lvl);
			break;
		case OPT_PROTO_MIN:
		case OPT_PROTO_MAX:
			if (opt_uint(opt == OPT_PROTO_MIN ? "proto-min" : "proto-max", optarg, 1,
				     65535, &v))
				return 2;
			if (opt == OPT_PROTO_MIN)
				c->proto_min = (uint16_t)v;
			else
				c->proto_max = (uint16_t)v;
			break;
		case OPT_LISTEN:
			if (ctl_opts.n_listen == CTL_MAX_LISTEN) {
				fprintf(stderr, "hostd: at most %d --listen\n", CTL_MAX_LISTEN);
				return 2;
			}
			ctl_opts.listen[ctl_opts.n_listen++] = optarg;
			break;
		case OPT_SSL_KEY:
			ctl_opts.ssl_key = optarg;
			break;
		case OPT_SSL_CERT:
			ctl_opts.ssl_cert = optarg;
			break;
		case OPT_SSL_CA:
			ctl_opts.ssl_ca = optarg;
			break;
		case OPT_FLOWS:
			ctl_opts.flows_path = optarg;
			break;
		case OPT_APP:
			if (!strcmp(optarg, "learn"))
				ctl_opts.app = CTL_APP_LEARN;
			else if (!strcmp(optarg, "none"))
				ctl_opts.app = CTL_APP_NONE;
			else {
				fprintf(stderr, "hostd: --app: '%s' is not learn or none\n", optarg);
				return 2;
			}
			break;
		case OPT_ECHO:
			if (opt_uint("echo-interval-ms", optarg, 100, 600000, &ctl_opts.echo_interval_ms))
				return 2;
			break;
		case OPT_NO_NIC:
			no_nic = 1;
			break;
		case OPT_CHASSIS:
			if (!*optarg || strlen(optarg) > TOPO_HOST_MAX) {
				fprintf(stderr, "hostd: --chassis: '%s' is not a name of 1..%d "
					"characters\n", optarg, TOPO_HOST_MAX);
				return 2;
			}
			chassis_name = optarg;
			break;
		case OPT_NO_BUNDLE:
			ctl_opts.no_bundle = 1;
			break;
		case OPT_L3_IDLE: {
			uint32_t idle;
			if (opt_uint("l3-idle-timeout", optarg, 1, 65535, &idle))
				return 2;
			pl_opts.reactive_idle = (uint16_t)idle;
			break;
		}
		case HOSTD_NB_OPT_STATE_DIR ... HOSTD_NB_OPT_END - 1: /* topology/store/API */
			if (hostd_nb_option(opt, optarg))
				return 2;
			break;
		case 'V':
			printf("hostd %s\n", HOSTD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'hostd --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hostd: unexpected argument '%s'\nTry 'hostd --help'.\n",
			argv[optind]);
		return 2;
	}
	unsigned lo = c->proto_min ? c->proto_min : MBOX_PROTO_MIN;
	unsigned hi = c->proto_max ? c->proto_max : MBOX_PROTO_MAX;
	if (lo > hi) {
		fprintf(stderr, "hostd: --proto-min %u is above --proto-max %u\n", lo, hi);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hostd_nic_cfg cfg = { .uri = DEFAULT_MBOX };
	dfn_log_init("hostd", DFN_LOG_INFO);
	int r = parse_args(argc, argv, &cfg);
	if (r)
		return r;

	/* Signals are taken synchronously by this thread only: block them
	 * before any other thread exists so they inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP); /* the controller re-reads --flows */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	LOG_INFO(MOD, "dfnic hostd %s starting", HOSTD_VERSION);
	if (hostd_nb_start() < 0) /* topology store + REST API (own thread) */
		return 1;
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
			return 1;
		}
		/* without a flows file, the pipeline compiles the topology */
		struct pl_glue *pl = NULL;
		if (!ctl_opts.flows_path && hostd_nb_topo() &&
		    (r = pipeline_attach(ctl, hostd_nb_topo(), &pl_opts, &pl)) < 0)
			LOG_ERR(MOD, "cannot attach the pipeline: %s", strerror(-r));
		api_flows_set_ctl(ctl); /* GET .../chassis/NAME/flows asks it */
		sig = ctl_run(ctl);
		api_flows_set_ctl(NULL);
		pipeline_detach(pl);
		ctl_destroy(ctl);
	} else {
		while (sigwait(&set, &sig) != 0 || sig == SIGHUP)
			;
	}
	LOG_INFO(MOD, "%s: shutting down", sig > 0 ? strsignal(sig) : "error");
	if (nic)
		hostd_nic_stop(nic);
	hostd_offload_destroy(off);
	hostd_nb_stop();
	LOG_INFO(MOD, "stopped");
	return 0;
}
