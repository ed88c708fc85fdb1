/* firmware/main.c: the SmartNIC firmware's entry point (sim board: a host
 * process; qemu-virt: a process in the guest mapping the ivshmem BAR).
 *
 * Initialises DPDK's EAL (sim/qemu-virt: no hugepages, no PCI, its own
 * file prefix; extra EAL arguments after `--`), opens the flow driver the
 * board selects (soft: its table capacities from Kconfig, --soft-capacities
 * and --l3-capacity), creates the mailbox (NIC role, fresh epoch), serves
 * the session (drivers/mbox/session.c) and applies the batches hostd pushes
 * into the object mirror (mirror.c) all-or-nothing. After each batch the
 * offload module (offload.c, compiler.c) converges the flow rules to the
 * mirror and the per-object statuses go back to hostd as OBJ_STATUS. A full
 * resync (peer_up with resync: hostd started or restarted) makes the next
 * batch replace the whole mirror. Watchdog: when hostd falls silent
 * (peer_down), every rule is flushed so traffic falls back to OVS; when it
 * returns the rules are rebuilt from its state, each exactly once.
 * With --port pairs (sim board) the data path (datapath.c) forwards real
 * frames through the soft driver's tables, the slow path (slowpath.c,
 * lwIP) answers ARP/ICMP echo for router interfaces, the bypass
 * (bypass.c) keeps VMs on OVS whenever this process is gone, and
 * counters go to hostd every --stats-ms (report.c). This file stays the
 * wiring. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"
#include "drivers/mbox/objects.h"
#include "drivers/mbox/session.h"
#include "drivers/flow/flow.h"
#include "drivers/flow/flow_soft.h"
#include "firmware/bypass.h"
#include "firmware/compiler.h"
#include "firmware/datapath.h"
#include "firmware/mirror.h"
#include "firmware/offload.h"
#include "firmware/report.h"
#include "firmware/slowpath.h"
#include "firmware/update.h"

#define FIRMWARE_VERSION "0.1.0"
#define MOD "firmware"

#if defined(CONFIG_BOARD_QEMU_VIRT)
#define DEFAULT_MBOX "pci:" CONFIG_QEMU_VIRT_BAR_RESOURCE
#elif defined(CONFIG_BOARD_DPU)
#define DEFAULT_MBOX "pci:" CONFIG_DPU_MBOX_BAR_RESOURCE
#elif defined(CONFIG_SIM_MBOX_PATH)
#define DEFAULT_MBOX "shm:" CONFIG_SIM_MBOX_PATH
#else
#define DEFAULT_MBOX "shm:/dev/shm/dfnic-mbox"
#endif

#ifndef CONFIG_FIRMWARE_FLOW_DRIVER
#define CONFIG_FIRMWARE_FLOW_DRIVER "soft"
#endif
#ifndef CONFIG_FIRMWARE_EAL_ARGS
#define CONFIG_FIRMWARE_EAL_ARGS "--no-huge --no-pci -m 256"
#endif
#define MAX_EAL_ARGS (64 + 2 * FW_DP_MAX_PAIRS)

/* Command-line settings. */
struct fw_opts {
	const char *uri;         /* mailbox URI */
	uint32_t heartbeat_ms;   /* 0: Kconfig default */
	uint32_t miss_limit;     /* 0: 3 */
	uint32_t slot_size;      /* 0: Kconfig default */
	uint32_t slot_count;     /* 0: Kconfig default */
	uint16_t proto_min;      /* testing: 0 = MBOX_PROTO_MIN */
	uint16_t proto_max;      /* testing: 0 = MBOX_PROTO_MAX */
	const char *flow_driver; /* flow backend name (soft, rte_flow) */
	const char *soft_caps;   /* soft: "G=N,..." capacity overrides, or NULL */
	int64_t l3_capacity;     /* soft: capacity of the L3 group, -1 = as configured */
	uint16_t flow_port;      /* rte_flow: the ethdev port the rules go on */
	int eal_argc;            /* EAL arguments given after `--` */
	char **eal_argv;         /* (point into main's argv) */
	struct fw_dp_pair_cfg pairs[FW_DP_MAX_PAIRS]; /* --port: data-path pairs */
	unsigned n_pairs;        /* how many */
	uint32_t stats_ms;       /* statistics report period */
	const char *flash;       /* A/B firmware slots (update.h), or NULL */
	const char *pubkey;      /* trusted public key for updates */
	uint32_t trial_s;        /* deadline for a trial image's session */
};

/* What the session callbacks work on. */
struct fw {
	struct mirror *mirror;       /* the host's objects */
	struct mbox_session *sess;   /* the session (for epochs in logs) */
	int resync_pending;          /* next batch replaces the whole mirror */
	struct flow_dev *flow;       /* the flow driver instance */
	struct fw_offload *off;      /* rules + statuses of the mirror */
	int sync_pending;            /* rules must be rebuilt from the mirror */
	size_t max_reason;           /* bytes of reason an OBJ_STATUS can carry */
	struct fw_datapath *dp;      /* the sim data path (--port), or NULL */
	struct fw_slowpath *sp;      /* lwIP netifs (with the data path), or NULL */
	uint16_t report_gen;         /* generation of the next statistics report */
	uint64_t report_due_ms;      /* when it is due */
	uint64_t start_ms;           /* start time (uptime in reports) */
	struct fw_update *upd;       /* update receiver (--flash), or NULL */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *f)
{
	fprintf(f,
		"usage: firmware [OPTIONS]\n"
		"The dfnic SmartNIC firmware: creates the host<->NIC mailbox, answers\n"
		"hostd's HELLO, exchanges heartbeats and applies the state hostd pushes\n"
		"(all-or-nothing batches) into its object mirror.\n"
		"\n"
		"  -m, --mbox URI          mailbox to create (default %s);\n"
		"                          shm:PATH (file), pci:RESOURCE (BAR), loop:NAME\n"
		"  -b, --heartbeat-ms N    heartbeat interval, 10..60000 (default %d)\n"
		"  -M, --miss-limit N      silent intervals before hostd is declared\n"
		"                          gone, 1..100 (default 3)\n"
		"  -s, --slot-size N       bytes per ring slot, power of two 64..65536\n"
		"                          (default %d)\n"
		"  -c, --slot-count N      slots per ring, power of two 2..65536\n"
		"                          (default %d)\n"
		"  -l, --log-level LEVEL   error, warn, info or debug (default info)\n"
		"  -f, --flow-driver NAME  flow offload backend: soft (software NIC tables)\n"
		"                          or rte_flow (default %s, from the board)\n"
		"      --soft-capacities G=N,...  soft: rules per group (\"*=N\" all groups);\n"
		"                          groups: 0 classify, 1 arp, 2 l3, 3 l2\n"
		"      --l3-capacity N     soft: rules in the L3 group (2); 0 makes every\n"
		"                          L3 entry rejected (served by OVS)\n"
		"      --flow-port N       rte_flow: ethdev port id of the NIC the rules go\n"
		"                          on (default 0; give the device to the EAL after\n"
		"                          --, e.g. -a 0000:03:00.0)\n"
		"  -p, --port NAME=VMIF:REPRIF  sim data path: forward the VM on veth end\n"
		"                          VMIF through the NIC tables; misses go up the\n"
		"                          representor REPRIF, whose peer is NAME on OVS\n"
		"                          br-int (NAME = the port's interface name in the\n"
		"                          topology). Repeat per VM port (at most %d).\n"
		"                          While the firmware is not running, bridge\n"
		"                          fb-NAME joins VMIF and REPRIF (bypass to OVS).\n"
		"      --stats-ms N        rule/port/netif counters to hostd every N ms,\n"
		"                          100..60000 (default 1000)\n"
		"      --flash FILE        A/B firmware slots (dfimage slots init/install):\n"
		"                          boot the image they choose, supervise a trial\n"
		"                          (rolled back unless its session with hostd is\n"
		"                          up within --trial-s), accept updates over the\n"
		"                          mailbox (dfctl firmware update) into them\n"
		"      --pubkey PEM        trusted public key of the images (with --flash)\n"
		"      --trial-s N         trial deadline in seconds, 1..3600 (default 30)\n"
		"  -V, --version           print the version and exit\n"
		"  -h, --help              this text\n"
		"\n"
		"Testing:\n"
		"      --proto-min N       lowest protocol version to accept (default %d)\n"
		"      --proto-max N       highest protocol version to offer (default %d)\n"
		"\n"
		"DPDK EAL: the firmware runs rte_eal_init with \"%s\n"
		"--file-prefix=fw<pid>\" followed by any arguments given after `--`,\n"
		"e.g. firmware -m shm:/dev/shm/mb -- --vdev net_null0 --log-level=lib.eal:8\n"
		"\n"
		"Watchdog: when hostd's heartbeats stop for --miss-limit intervals, every\n"
		"flow rule is removed (traffic falls back to OVS) and it is logged; when\n"
		"hostd is back the rules are rebuilt from its state.\n"
		"\n"
		"SIGTERM or SIGINT: mark the NIC side closed and exit 0.\n",
		DEFAULT_MBOX, CONFIG_MBOX_HEARTBEAT_MS, CONFIG_MBOX_SLOT_SIZE,
		CONFIG_MBOX_SLOT_COUNT, CONFIG_FIRMWARE_FLOW_DRIVER, FW_DP_MAX_PAIRS, MBOX_PROTO_MIN,
		MBOX_PROTO_MAX,
		CONFIG_FIRMWARE_EAL_ARGS);
}

/* Parse one numeric option or explain what is wrong. */
static int opt_uint(const char *name, const char *val, unsigned long min, unsigned long max,
		    int pow2, uint32_t *out)
{
	unsigned long v;
	if (dfn_parse_uint(val, min, max, &v) || (pow2 && !dfn_is_pow2(v))) {
		fprintf(stderr, "firmware: --%s: '%s' is not %s in %lu..%lu\n", name, val,
			pow2 ? "a power of two" : "a number", min, max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct fw_opts *o)
{
	enum { OPT_PROTO_MIN = 0x100, OPT_PROTO_MAX, OPT_SOFT_CAPS, OPT_L3_CAP, OPT_STATS_MS,
	       OPT_FLASH, OPT_PUBKEY, OPT_TRIAL_S, OPT_FLOW_PORT };
	static const struct option longopts[] = {
		{ "mbox", required_argument, NULL, 'm' },
		{ "heartbeat-ms", required_argument, NULL, 'b' },
		{ "miss-limit", required_argument, NULL, 'M' },
		{ "slot-size", required_argument, NULL, 's' },
		{ "slot-count", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "proto-min", required_argument, NULL, OPT_PROTO_MIN },
		{ "proto-max", required_argument, NULL, OPT_PROTO_MAX },
		{ "flow-driver", required_argument, NULL, 'f' },
		{ "soft-capacities", required_argument, NULL, OPT_SOFT_CAPS },
		{ "l3-capacity", required_argument, NULL, OPT_L3_CAP },
		{ "flow-port", required_argument, NULL, OPT_FLOW_PORT },
		{ "port", required_argument, NULL, 'p' },
		{ "stats-ms", required_argument, NULL, OPT_STATS_MS },
		{ "flash", required_argument, NULL, OPT_FLASH },
		{ "pubkey", required_argument, NULL, OPT_PUBKEY },
		{ "trial-s", required_argument, NULL, OPT_TRIAL_S },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;
	enum dfn_log_level lvl;
	/* Everything after `--` is for the EAL. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			o->eal_argc = argc - i - 1;
			o->eal_argv = argv + i + 1;
			argc = i;
			break;
		}
	char perr[160];
	while ((c = getopt_long(argc, argv, "m:b:M:s:c:l:f:p:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!*optarg) {
				fprintf(stderr, "firmware: --mbox: empty URI\n");
				return 2;
			}
			o->uri = optarg;
			break;
		case 'b':
			if (opt_uint("heartbeat-ms", optarg, 10, 60000, 0, &o->heartbeat_ms))
				return 2;
			break;
		case 'M':
			if (opt_uint("miss-limit", optarg, 1, 100, 0, &o->miss_limit))
				return 2;
			break;
		case 's':
			if (opt_uint("slot-size", optarg, 64, 65536, 1, &o->slot_size))
				return 2;
			break;
		case 'c':
			if (opt_uint("slot-count", optarg, 2, 65536, 1, &o->slot_count))
				return 2;
			break;
		case 'l':
			if (dfn_log_parse_level(optarg, &lvl)) {
				fprintf(stderr, "firmware: --log-level: '%s' is not one of error, "
					"warn, info, debug\n", optarg);
				return 2;
			}
			dfn_log_set_level(lvl);
			break;
		case 'f':
			if (!flow_driver_find(optarg)) {
				fprintf(stderr, "firmware: --flow-driver: '%s' is not compiled in "
					"(soft, rte_flow)\n", optarg);
				return 2;
			}
			o->flow_driver = optarg;
			break;
		case OPT_SOFT_CAPS:
			o->soft_caps = optarg;
			break;
		case OPT_L3_CAP:
			if (opt_uint("l3-capacity", optarg, 0, 16777216, 0, &v))
				return 2;
			o->l3_capacity = v;
			break;
		case OPT_FLOW_PORT:
			if (opt_uint("flow-port", optarg, 0, RTE_MAX_ETHPORTS - 1, 0, &v))
				return 2;
			o->flow_port = (uint16_t)v;
			break;
		case 'p':
			if (o->n_pairs == FW_DP_MAX_PAIRS) {
				fprintf(stderr, "firmware: --port: at most %d\n", FW_DP_MAX_PAIRS);
				return 2;
			}
			if (fw_dp_parse_pair(optarg, &o->pairs[o->n_pairs], perr, sizeof(perr))) {
				fprintf(stderr, "firmware: --port: %s\n", perr);
				return 2;
			}
			for (unsigned i = 0; i < o->n_pairs; i++)
				if (!strcmp(o->pairs[i].name, o->pairs[o->n_pairs].name)) {
					fprintf(stderr, "firmware: --port: %s given twice\n",
						o->pairs[i].name);
					return 2;
				}
			o->n_pairs++;
			break;
		case OPT_STATS_MS:
			if (opt_uint("stats-ms", optarg, 100, 60000, 0, &o->stats_ms))
				return 2;
			break;
		case OPT_FLASH:
			o->flash = optarg;
			break;
		case OPT_PUBKEY:
			o->pubkey = optarg;
			break;
		case OPT_TRIAL_S:
			if (opt_uint("trial-s", optarg, 1, 3600, 0, &o->trial_s))
				return 2;
			break;
		case OPT_PROTO_MIN:
		case OPT_PROTO_MAX:
			if (opt_uint(c == OPT_PROTO_MIN ? "proto-min" : "proto-max", optarg, 1, 65535,
				     0, &v))
				return 2;
			if (c == OPT_PROTO_MIN)
				o->proto_min = (uint16_t)v;
			else
				o->proto_max = (uint16_t)v;
			break;
		case 'V':
			printf("firmware %s\n", FIRMWARE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'firmware --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "firmware: unexpected argument '%s'\nTry 'firmware --help'.\n",
			argv[optind]);
		return 2;
	}
	if (o->flash && !o->pubkey) {
		fprintf(stderr, "firmware: --flash needs --pubkey (the images' trusted key)\n");
		return 2;
	}
	uint16_t lo = o->proto_min ? o->proto_min : MBOX_PROTO_MIN;
	uint16_t hi = o->proto_max ? o->proto_max : MBOX_PROTO_MAX;
	if (lo > hi) {
		fprintf(stderr, "firmware: --proto-min %u is above --proto-max %u\n", lo, hi);
		return 2;
	}
	return 0;
}

/* ---- session callbacks -------------------------------------------------- */

static void fw_peer_up(void *arg, const struct mbox_hello *peer, int resync)
{
	struct fw *fw = arg;
	fw_update_peer_up(fw->upd); /* a trial image confirms itself */
	if (resync) {
		fw->resync_pending = 1;
		fw_offload_retry_rejected(fw->off);
		LOG_INFO(MOD, "resync: host '%s' epoch %016" PRIx64 " is new; its next batch "
			 "replaces the mirror (%zu object(s) now)", peer->name, peer->epoch,
			 mirror_count(fw->mirror));
	} else {
		LOG_INFO(MOD, "host '%s' epoch %016" PRIx64 " is back; mirror kept (%zu object(s)), "
			 "rebuilding its rules", peer->name, peer->epoch, mirror_count(fw->mirror));
		fw->sync_pending = 1;
		fw_offload_report_all(fw->off);
	}
}

/* Log what the driver holds. */
static void log_rules(struct fw *fw, const char *when)
{
	struct fw_offload_stats st;
	fw_offload_get_stats(fw->off, &st);
	LOG_INFO(MOD, "offload %s: %u rule(s) installed (%s driver holds %u); objects: %u "
		 "offloaded, %u rejected, %u pending, %u no-rule", when, st.rules,
		 flow_dev_caps(fw->flow)->driver, flow_dev_rule_count(fw->flow), st.offloaded,
		 st.rejected, st.pending, st.no_rule);
}

/* Converge the rules to the mirror. */
static void fw_sync(struct fw *fw)
{
	int r = fw_offload_sync(fw->off, fw->mirror);
	if (r < 0)
		LOG_ERR(MOD, "offload sync incomplete: %s; retrying", strerror(-r));
	if (fw->sp && fw_slowpath_sync(fw->sp, fw->mirror) < 0) {
		LOG_ERR(MOD, "slow path sync incomplete: out of memory; retrying");
		r = -ENOMEM;
	}
	fw->sync_pending = r < 0;
	log_rules(fw, "synced");
}

/* The watchdog: a silent host may have changed the topology without us;
 * stale rules could blackhole traffic, so they all go and OVS (which always
 * holds the full pipeline) forwards everything until hostd is back. */
static void fw_peer_down(void *arg, const char *why)
{
	struct fw *fw = arg;
	char reason[160];
	snprintf(reason, sizeof(reason), "flushed by the watchdog: host lost (%s)", why);
	int n = fw_offload_flush(fw->off, reason);
	if (n < 0)
		LOG_ERR(MOD, "host lost (%s): watchdog flush failed: %s", why, strerror(-n));
	else
		LOG_WARN(MOD, "host lost (%s): watchdog flushed %d rule(s), %u left in the driver; "
			 "traffic falls back to OVS; keeping %zu mirrored object(s) until it is back",
			 why, n, flow_dev_rule_count(fw->flow), mirror_count(fw->mirror));
	fw->sync_pending = 0; /* nothing is rebuilt until the host is back */
	fw_update_peer_down(fw->upd);
}

static void log_object(void *arg, const struct mirror_obj *o)
{
	char line[200];
	mbox_obj_format(o->kind, o->body, o->len, line, sizeof(line));
	LOG_INFO(MOD, "  %s %u: %s", mbox_obj_kind_name(o->kind), o->id, line);
}

static int fw_apply(void *arg, const struct mbox_msg *msgs, unsigned n, char *err, size_t errlen)
{
	struct fw *fw = arg;
	int replace = fw->resync_pending;
	int r = mirror_apply(fw->mirror, msgs, n, replace, err, errlen);
	if (r < 0) {
		LOG_WARN(MOD, "batch of %u refused, mirror unchanged: %s", n, err);
		return r;
	}
	fw->resync_pending = 0;
	fw_sync(fw);
	if (replace)
		fw_offload_report_all(fw->off); /* hostd forgot every status */
	LOG_INFO(MOD, "batch applied: %u object(s)%s, mirror holds %zu; host epoch %016" PRIx64
		 ", NIC epoch %016" PRIx64, n, replace ? " (full resync)" : "",
		 mirror_count(fw->mirror), mbox_session_peer_epoch(fw->sess),
		 mbox_session_epoch(fw->sess));
	if (dfn_log_get_level() >= DFN_LOG_INFO)
		mirror_foreach(fw->mirror, log_object, NULL);
	return 0;
}

static int fw_message(void *arg, const struct mbox_msg *msg, char *err, size_t errlen)
{
	struct fw *fw = arg;
	if (msg->type == MBOX_MSG_OBJ_SET || msg->type == MBOX_MSG_OBJ_DEL)
		return fw_apply(fw, msg, 1, err, errlen); /* a batch of one */
	if (msg->type == MBOX_MSG_FW_UPDATE_BEGIN || msg->type == MBOX_MSG_FW_UPDATE_CHUNK ||
	    msg->type == MBOX_MSG_FW_UPDATE_END) {
		int r = fw_update_message(fw->upd, msg, err, errlen);
		if (r < 0)
			LOG_WARN(MOD, "%s refused: %s", mbox_msg_name(msg->type), err);
		return r;
	}
	snprintf(err, errlen, "%s is not handled by the firmware",
		 mbox_msg_name(msg->type) ? mbox_msg_name(msg->type) : "message");
	return -EOPNOTSUPP;
}

static const struct mbox_session_cbs fw_cbs = {
	.peer_up = fw_peer_up,
	.peer_down = fw_peer_down,
	.apply_batch = fw_apply,
	.message = fw_message,
};

/* ---- main loop ---------------------------------------------------------- */

/* Send queued statuses while the ring has room. */
static void send_statuses(struct fw *fw)
{
	struct fw_status st;
	while (mbox_session_is_up(fw->sess) && fw_offload_peek_status(fw->off, &st)) {
		struct mbox_msg m = { .type = MBOX_MSG_OBJ_STATUS };
		m.u.obj.kind = st.kind;
		m.u.obj.id = st.id;
		m.u.obj.status = st.status;
		size_t len = strlen(st.reason);
		m.u.obj.body = (const uint8_t *)st.reason;
		m.u.obj.body_len = (uint32_t)DFN_MIN(len, fw->max_reason);
		int r = mbox_session_send(fw->sess, &m, 0);
		if (r == -EAGAIN)
			return; /* ring full: the rest goes on the next loop */
		if (r < 0) {
			LOG_WARN(MOD, "OBJ_STATUS %s %u not sent: %s", mbox_obj_kind_name(st.kind), st.id,
				 strerror(-r));
			return;
		}
		fw_offload_status_sent(fw->off);
	}
}

/* Remove one EAL runtime directory and its files. */
static void rm_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* A firmware killed with SIGKILL leaves /var/run/dpdk/fw<pid> behind:
 * remove those whose process is gone (ours only: "fw" + digits). */
static void eal_reap_stale(void)
{
	static const char base[] = "/var/run/dpdk";
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *p = e->d_name;
		if (strncmp(p, "fw", 2) || !p[2] || strspn(p + 2, "0123456789") != strlen(p + 2))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "/proc/%s", p + 2);
		if (!access(path, F_OK))
			continue; /* still running */
		snprintf(path, sizeof(path), "%s/%s", base, p);
		rm_runtime_dir(path);
		LOG_INFO(MOD, "EAL: removed the stale runtime directory %s", path);
	}
	closedir(d);
}

/* Remove the EAL's runtime directory (config, fbarray files): a new one
 * per process id would otherwise pile up. */
static void eal_cleanup(void)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	int r = rte_eal_cleanup();
	if (r < 0)
		LOG_WARN(MOD, "EAL cleanup failed: %s", rte_strerror(-r));
	rm_runtime_dir(dir);
	LOG_INFO(MOD, "EAL stopped");
}

/* rte_eal_init with the board's arguments, our file prefix and the user's
 * extras. 0 or -1 (logged). */
static int eal_start(const struct fw_opts *o)
{
	static char board_args[] = CONFIG_FIRMWARE_EAL_ARGS;
	static char prefix[64];
	static char vdevs[FW_DP_MAX_PAIRS * 2 * 64];
	char *argv[MAX_EAL_ARGS + 1];
	int argc = 0;
	argv[argc++] = "firmware";
	for (char *save, *t = strtok_r(board_args, " ", &save); t && argc < MAX_EAL_ARGS;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	snprintf(prefix, sizeof(prefix), "--file-prefix=fw%d", (int)getpid());
	argv[argc++] = prefix;
	for (int i = 0; i < o->eal_argc; i++) {
		if (argc == MAX_EAL_ARGS) {
			LOG_ERR(MOD, "EAL: more than %d arguments", MAX_EAL_ARGS);
			return -1;
		}
		argv[argc++] = o->eal_argv[i];
	}
	argc = fw_dp_eal_args(o->pairs, o->n_pairs, argv, argc, MAX_EAL_ARGS, vdevs);
	if (argc < 0) {
		LOG_ERR(MOD, "EAL: more than %d arguments with the --port vdevs", MAX_EAL_ARGS);
		return -1;
	}
	argv[argc] = NULL;
	eal_reap_stale();
	char line[512] = "";
	size_t at = 0;
	for (int i = 1; i < argc && at < sizeof(line); i++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s", i > 1 ? " " : "", argv[i]);
	LOG_INFO(MOD, "EAL: rte_eal_init %s", line);
	int r = rte_eal_init(argc, argv);
	if (r < 0) {
		LOG_ERR(MOD, "EAL: rte_eal_init failed: %s", rte_strerror(rte_errno));
		return -1;
	}
	LOG_INFO(MOD, "EAL: up (%u lcore(s), %u ethdev port(s), runtime dir %s)", rte_lcore_count(),
		 rte_eth_dev_count_avail(), rte_eal_get_runtime_dir());
	return 0;
}

/* rte_flow needs its ethdev port configured with the queues QUEUE actions
 * (the slow-path trap) name, before flow_open(); the port is not started
 * here (no packet I/O on it yet). 0 or -errno (logged). */
static int rte_port_setup(uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_mempool *mp;
	int sock, r;

	if (!rte_eth_dev_is_valid_port(port)) {
		LOG_ERR(MOD, "rte_flow: no ethdev port %u (%u port(s) probed): give the NIC to "
			"the EAL after --, e.g. -a PCI_ADDRESS or --vdev", port,
			rte_eth_dev_count_avail());
		return -ENODEV;
	}
	sock = rte_eth_dev_socket_id(port);
	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_configure(port, 1, 1, &conf);
	if (r < 0) {
		LOG_ERR(MOD, "rte_flow: configure port %u: %s", port, rte_strerror(-r));
		return r;
	}
	mp = rte_pktmbuf_pool_create("fw_flow", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     sock < 0 ? SOCKET_ID_ANY : sock);
	if (!mp) {
		LOG_ERR(MOD, "rte_flow: mbuf pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	r = rte_eth_rx_queue_setup(port, 0, 256, (unsigned)(sock < 0 ? SOCKET_ID_ANY : sock),
				   NULL, mp);
	if (r == 0)
		r = rte_eth_tx_queue_setup(port, 0, 256,
					   (unsigned)(sock < 0 ? SOCKET_ID_ANY : sock), NULL);
	if (r < 0) {
		LOG_ERR(MOD, "rte_flow: queues of port %u: %s", port, rte_strerror(-r));
		return r;
	}
	LOG_INFO(MOD, "rte_flow: port %u configured (1 rx, 1 tx queue)", port);
	return 0;
}

/* The flow driver the board chose, with the soft tables sized from Kconfig
 * and the command line. 0 or -errno (logged). */
static int flow_start(const struct fw_opts *o, struct fw *fw)
{
	const struct flow_driver_ops *ops = flow_driver_find(o->flow_driver);
	struct flow_soft_params sp;
	struct flow_error err = { 0 };
	if (!ops) {
		LOG_ERR(MOD, "flow driver '%s' is not compiled in", o->flow_driver);
		return -ENOENT;
	}
	struct flow_params fp = { .name = "nic0" };
	if (!strcmp(ops->name, "soft")) {
		flow_soft_params_default(&sp);
		if (sp.n_groups < FW_N_GROUPS)
			sp.n_groups = FW_N_GROUPS;
		if (o->soft_caps && flow_soft_params_capacities(&sp, o->soft_caps, &err)) {
			LOG_ERR(MOD, "--soft-capacities '%s': %s", o->soft_caps, err.message);
			return -EINVAL;
		}
		if (o->l3_capacity >= 0)
			sp.capacity[FW_GROUP_L3] = (uint32_t)o->l3_capacity;
		fp.soft = &sp;
	} else {
		int r = rte_port_setup(o->flow_port);
		if (r < 0)
			return r;
		fp.port_id = o->flow_port;
	}
	int r = flow_open(ops, &fp, &fw->flow, &err);
	if (r < 0) {
		LOG_ERR(MOD, "cannot open the %s flow driver: %s", ops->name, err.message);
		return r;
	}
	const struct flow_caps *c = flow_dev_caps(fw->flow);
	char caps[160] = "";
	size_t at = 0;
	for (uint32_t g = 0; g < FW_N_GROUPS && g < c->n_groups && at < sizeof(caps); g++)
		at += (size_t)snprintf(caps + at, sizeof(caps) - at, "%s%s=%u", g ? " " : "",
				       fw_group_name(g), c->group_capacity[g]);
	LOG_INFO(MOD, "flow driver %s: %u group(s), capacities %s, max %u rules", c->driver,
		 c->n_groups, caps, c->max_rules);
	/* Without a data path a NIC_PORT's key is its port id and the uplink
	 * is 0; the sim data path resolves interface names and has no uplink. */
	struct fw_ports ports = { .resolve = NULL, .uplink = 0 };
	if (fw->dp) {
		ports.resolve = fw_dp_resolve;
		ports.arg = fw->dp;
		ports.no_uplink = 1;
	}
	r = fw_offload_create(fw->flow, &ports, &fw->off);
	if (!r && fw->dp) {
		if ((r = fw_slowpath_create(&ports, fw_dp_slow_tx, fw->dp, &fw->sp)) < 0)
			LOG_ERR(MOD, "cannot start the slow path: %s", strerror(-r));
		else if ((r = fw_dp_start(fw->dp, fw->flow, fw->sp)) < 0)
			LOG_ERR(MOD, "cannot start the data path: %s", strerror(-r));
		if (r < 0) {
			fw_offload_destroy(fw->off);
			fw->off = NULL;
			fw_slowpath_destroy(fw->sp);
			fw->sp = NULL;
			flow_close(fw->flow);
			fw->flow = NULL;
			return r;
		}
	}
	if (r < 0) {
		LOG_ERR(MOD, "out of memory");
		flow_close(fw->flow);
		fw->flow = NULL;
	}
	return r;
}

/* Serve one incarnation of the mailbox. Returns 0 on a stop signal, -EIO
 * when the region must be re-created, another -errno on setup failure. */
static int serve(const struct fw_opts *o, struct fw *fw)
{
	struct mbox_params p = { .slot_size = o->slot_size, .slot_count = o->slot_count };
	struct mbox *mb;
	int r = mbox_open(o->uri, MBOX_NIC, &p, &mb);
	if (r < 0) {
		LOG_ERR(MOD, "cannot create the mailbox %s: %s", o->uri, strerror(-r));
		return r;
	}
	LOG_INFO(MOD, "mailbox %s created: epoch %016" PRIx64 ", %zu-byte slots; waiting for hostd",
		 o->uri, mbox_open_epoch(mb), mbox_max_msg(mb));
	fw->max_reason = mbox_max_msg(mb) - sizeof(struct mbox_msg_hdr) -
			 sizeof(struct mbox_wire_obj_status);
	char name[MBOX_NAME_LEN + 1];
	snprintf(name, sizeof(name), "dfnic-firmware %s",
		 fw_update_version(fw->upd) ? fw_update_version(fw->upd) : FIRMWARE_VERSION);
	struct mbox_session_cfg cfg = {
		.role = MBOX_NIC,
		.heartbeat_ms = o->heartbeat_ms,
		.miss_limit = o->miss_limit,
		.min_version = o->proto_min,
		.max_version = o->proto_max,
		.name = name,
		.epoch = mbox_open_epoch(mb),
	};
	r = mbox_session_create(mb, &cfg, &fw_cbs, fw, &fw->sess);
	if (r < 0) {
		LOG_ERR(MOD, "cannot start the mailbox session: %s", strerror(-r));
		goto close_mbox;
	}
	while (!stop_signal) {
		r = mbox_session_poll(fw->sess, (int)DFN_MIN(100u, o->stats_ms));
		if (r < 0) {
			LOG_ERR(MOD, "mailbox failed (%s): re-creating it", strerror(-r));
			break;
		}
		if (fw_update_installed(fw->upd)) {
			/* let the END's ACK leave, then boot the new image */
			for (int i = 0; i < 3; i++)
				mbox_session_poll(fw->sess, 20);
			r = FW_EXIT_BOOT_TRIAL;
			break;
		}
		if (fw->sync_pending && mbox_session_is_up(fw->sess))
			fw_sync(fw);
		send_statuses(fw);
		uint64_t now = dfn_now_ms();
		if (mbox_session_is_up(fw->sess) && now >= fw->report_due_ms) {
			fw->report_due_ms = now + o->stats_ms;
			fw_report_send(fw->sess, fw->max_reason, fw->report_gen++, fw->off, fw->dp,
				       fw->sp, now - fw->start_ms);
		}
	}
	if (stop_signal && r != FW_EXIT_BOOT_TRIAL)
		r = 0;
	mbox_session_destroy(fw->sess);
	fw->sess = NULL;
close_mbox:
	mbox_close(mb);
	return r;
}

int main(int argc, char **argv)
{
	struct fw_opts o = { .uri = DEFAULT_MBOX, .flow_driver = CONFIG_FIRMWARE_FLOW_DRIVER,
			     .l3_capacity = -1, .stats_ms = 1000 };
	dfn_log_init("firmware", DFN_LOG_INFO);
	int r = parse_args(argc, argv, &o);
	if (r)
		return r;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* --flash: this process is the boot loop; the booted image (same
	 * arguments, FW_BOOTED_ENV set) is the firmware proper. */
	if (o.flash && !getenv(FW_BOOTED_ENV))
		return fw_boot_supervise(o.flash, o.pubkey, CONFIG_BOARD, o.trial_s ? o.trial_s : 30,
					 argv, &stop_signal);

	struct fw fw = { .start_ms = dfn_now_ms() };
	LOG_INFO(MOD, "dfnic firmware %s starting (protocol v%u..v%u)", FIRMWARE_VERSION,
		 o.proto_min ? o.proto_min : MBOX_PROTO_MIN, o.proto_max ? o.proto_max : MBOX_PROTO_MAX);
	if (o.n_pairs) {
		/* before the EAL (its threads) and before the interfaces are opened */
		int lock = fw_bypass_take(o.pairs, o.n_pairs);
		if (lock < 0 || fw_bypass_guard(o.pairs, o.n_pairs, lock) < 0) {
			if (lock >= 0)
				close(lock);
			fw_bypass_engage(o.pairs, o.n_pairs);
			return 1;
		}
	}
	if (o.flash && fw_update_create(o.flash, o.pubkey, CONFIG_BOARD, &fw.upd) < 0)
		return 1;
	if (eal_start(&o) < 0) {
		fw_update_destroy(fw.upd);
		return 1;
	}
	int rc = 1;
	if (mirror_create(&fw.mirror) < 0) {
		LOG_ERR(MOD, "out of memory");
		goto stop_eal;
	}
	if (o.n_pairs && fw_dp_create(o.pairs, o.n_pairs, &fw.dp) < 0)
		goto free_mirror;
	if (flow_start(&o, &fw) < 0)
		goto free_dp;
	rc = 0;
	while (!stop_signal) {
		r = serve(&o, &fw);
		if (r == -EIO) {
			/* A new region means a new epoch: hostd resyncs. */
			fw.resync_pending = 1;
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		if (r == FW_EXIT_BOOT_TRIAL)
			rc = FW_EXIT_BOOT_TRIAL;
		else if (r < 0)
			rc = 1;
		break;
	}
	if (stop_signal)
		LOG_INFO(MOD, "%s: shutting down; NIC side of the mailbox marked closed",
			 strsignal(stop_signal));
	log_rules(&fw, "at shutdown");
	fw_dp_destroy(fw.dp); /* the thread stops before the tables go */
	fw.dp = NULL;
	fw_slowpath_destroy(fw.sp);
	fw_offload_destroy(fw.off);
	flow_close(fw.flow);
	LOG_INFO(MOD, "flow rules removed, driver closed");
free_dp:
	fw_dp_destroy(fw.dp);
free_mirror:
	mirror_destroy(fw.mirror);
stop_eal:
	eal_cleanup();
	fw_update_destroy(fw.upd);
	LOG_INFO(MOD, "stopped (exit %d)", rc);
	return rc;
}
