/* hostd/main.c: the host daemon's entry point.
 *
 * Thin on purpose: parse the options, start the modules, wait for a
 * signal, stop them. For now the only module is the SmartNIC mailbox
 * client (nic.c, its own thread); the OpenFlow controller (hostd/openflow)
 * and its event loop will take over this thread later. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox_wire.h"
#include "hostd/api/northbound.h"
#include "hostd/nic.h"
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

static int parse_args(int argc, char **argv, struct hostd_nic_cfg *c)
{
	enum { OPT_PROTO_MIN = 0x100, OPT_PROTO_MAX };
	static const struct option longopts[] = {
		{ "mbox", required_argument, NULL, 'm' },
		{ "heartbeat-ms", required_argument, NULL, 'b' },
		{ "miss-limit", required_argument, NULL, 'M' },
		{ "retry-ms", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "proto-min", required_argument, NULL, OPT_PROTO_MIN },
		{ "proto-max", required_argument, NULL, OPT_PROTO_MAX },
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
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	LOG_INFO(MOD, "dfnic hostd %s starting", HOSTD_VERSION);
	if (hostd_nb_start() < 0) /* topology store + REST API (own thread) */
		return 1;
	struct hostd_nic *nic;
	r = hostd_nic_start(&cfg, &nic);
	if (r < 0) {
		LOG_ERR(MOD, "cannot start the NIC client: %s", strerror(-r));
		return 1;
	}
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	LOG_INFO(MOD, "%s: shutting down", strsignal(sig));
	hostd_nic_stop(nic);
	hostd_nb_stop();
	LOG_INFO(MOD, "stopped");
	return 0;
}
