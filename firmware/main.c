/* firmware/main.c: the SmartNIC firmware's entry point (sim board: a host
 * process; qemu-virt: a process in the guest mapping the ivshmem BAR).
 *
 * Creates the mailbox (NIC role, fresh epoch), serves the session
 * (drivers/mbox/session.c) and applies the batches hostd pushes into the
 * object mirror (mirror.c) all-or-nothing. A full resync (peer_up with
 * resync: hostd started or restarted) makes the next batch replace the
 * whole mirror. Later issues hang the rule compiler and the flow driver off
 * the mirror; this file stays the wiring. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"
#include "drivers/mbox/objects.h"
#include "drivers/mbox/session.h"
#include "firmware/mirror.h"

#define FIRMWARE_VERSION "0.1.0"
#define MOD "firmware"

#if defined(CONFIG_BOARD_QEMU_VIRT)
#define DEFAULT_MBOX "pci:" CONFIG_QEMU_VIRT_BAR_RESOURCE
#elif defined(CONFIG_SIM_MBOX_PATH)
#define DEFAULT_MBOX "shm:" CONFIG_SIM_MBOX_PATH
#else
#define DEFAULT_MBOX "shm:/dev/shm/dfnic-mbox"
#endif

/* Command-line settings. */
struct fw_opts {
	const char *uri;         /* mailbox URI */
	uint32_t heartbeat_ms;   /* 0: Kconfig default */
	uint32_t miss_limit;     /* 0: 3 */
	uint32_t slot_size;      /* 0: Kconfig default */
	uint32_t slot_count;     /* 0: Kconfig default */
	uint16_t proto_min;      /* testing: 0 = MBOX_PROTO_MIN */
	uint16_t proto_max;      /* testing: 0 = MBOX_PROTO_MAX */
};

/* What the session callbacks work on. */
struct fw {
	struct mirror *mirror;       /* the host's objects */
	struct mbox_session *sess;   /* the session (for epochs in logs) */
	int resync_pending;          /* next batch replaces the whole mirror */
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
		"  -V, --version           print the version and exit\n"
		"  -h, --help              this text\n"
		"\n"
		"Testing:\n"
		"      --proto-min N       lowest protocol version to accept (default %d)\n"
		"      --proto-max N       highest protocol version to offer (default %d)\n"
		"\n"
		"SIGTERM or SIGINT: mark the NIC side closed and exit 0.\n",
		DEFAULT_MBOX, CONFIG_MBOX_HEARTBEAT_MS, CONFIG_MBOX_SLOT_SIZE,
		CONFIG_MBOX_SLOT_COUNT, MBOX_PROTO_MIN, MBOX_PROTO_MAX);
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
	enum { OPT_PROTO_MIN = 0x100, OPT_PROTO_MAX };
	static const struct option longopts[] = {
		{ "mbox", required_argument, NULL, 'm' },
		{ "heartbeat-ms", required_argument, NULL, 'b' },
		{ "miss-limit", required_argument, NULL, 'M' },
		{ "slot-size", required_argument, NULL, 's' },
		{ "slot-count", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "proto-min", required_argument, NULL, OPT_PROTO_MIN },
		{ "proto-max", required_argument, NULL, OPT_PROTO_MAX },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;
	enum dfn_log_level lvl;
	while ((c = getopt_long(argc, argv, "m:b:M:s:c:l:Vh", longopts, NULL)) != -1) {
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
	if (resync) {
		fw->resync_pending = 1;
		LOG_INFO(MOD, "resync: host '%s' epoch %016" PRIx64 " is new; its next batch "
			 "replaces the mirror (%zu object(s) now)", peer->name, peer->epoch,
			 mirror_count(fw->mirror));
	} else {
		LOG_INFO(MOD, "host '%s' epoch %016" PRIx64 " is back; mirror kept (%zu object(s))",
			 peer->name, peer->epoch, mirror_count(fw->mirror));
	}
}

static void fw_peer_down(void *arg, const char *why)
{
	struct fw *fw = arg;
	LOG_WARN(MOD, "host lost (%s); keeping %zu mirrored object(s) until it is back",
		 why, mirror_count(fw->mirror));
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
	struct mbox_session_cfg cfg = {
		.role = MBOX_NIC,
		.heartbeat_ms = o->heartbeat_ms,
		.miss_limit = o->miss_limit,
		.min_version = o->proto_min,
		.max_version = o->proto_max,
		.name = "dfnic-firmware " FIRMWARE_VERSION,
		.epoch = mbox_open_epoch(mb),
	};
	r = mbox_session_create(mb, &cfg, &fw_cbs, fw, &fw->sess);
	if (r < 0) {
		LOG_ERR(MOD, "cannot start the mailbox session: %s", strerror(-r));
		goto close_mbox;
	}
	while (!stop_signal) {
		r = mbox_session_poll(fw->sess, 100);
		if (r < 0) {
			LOG_ERR(MOD, "mailbox failed (%s): re-creating it", strerror(-r));
			break;
		}
	}
	if (stop_signal)
		r = 0;
	mbox_session_destroy(fw->sess);
	fw->sess = NULL;
close_mbox:
	mbox_close(mb);
	return r;
}

int main(int argc, char **argv)
{
	struct fw_opts o = { .uri = DEFAULT_MBOX };
	dfn_log_init("firmware", DFN_LOG_INFO);
	int r = parse_args(argc, argv, &o);
	if (r)
		return r;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct fw fw = { 0 };
	if (mirror_create(&fw.mirror) < 0) {
		LOG_ERR(MOD, "out of memory");
		return 1;
	}
	LOG_INFO(MOD, "dfnic firmware %s starting (protocol v%u..v%u)", FIRMWARE_VERSION,
		 o.proto_min ? o.proto_min : MBOX_PROTO_MIN, o.proto_max ? o.proto_max : MBOX_PROTO_MAX);
	int rc = 0;
	while (!stop_signal) {
		r = serve(&o, &fw);
		if (r == -EIO) {
			/* A new region means a new epoch: hostd resyncs. */
			fw.resync_pending = 1;
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		if (r < 0)
			rc = 1;
		break;
	}
	if (stop_signal)
		LOG_INFO(MOD, "%s: shutting down; NIC side of the mailbox marked closed",
			 strsignal(stop_signal));
	mirror_destroy(fw.mirror);
	return rc;
}
