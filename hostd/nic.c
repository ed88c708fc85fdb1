/* hostd/nic.c: the mailbox client thread of nic.h.
 *
 * One thread owns the struct mbox and the session; everything the session
 * calls back runs here too, so no locking is needed. The callbacks only
 * set flags (a callback may not wait on the session); the loop below does
 * the pushing after mbox_session_poll() returns. hostd's state is one
 * HOST_INFO object (drivers/mbox/objects.h) plus, with a source
 * (hostd/offload), the topology objects: all of them on a resync, then
 * incremental batches whenever the source has changes. A firmware update
 * (nic.h) is handed over under fw_lock and streamed by this thread too. */
#include "hostd/nic.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"
#include "drivers/mbox/objects.h"
#include "drivers/mbox/session.h"
#include "firmware/image_wire.h"
#include "hostd/version.h"

#define MOD "nic"
#define POLL_MS 100 /* longest poll: bounds how long a stop request waits */

struct hostd_nic {
	struct hostd_nic_cfg cfg;     /* settings (uri points at uri below) */
	char *uri;                    /* owned copy of cfg.uri */
	pthread_t thread;             /* the client thread */
	atomic_int stop;              /* set by hostd_nic_stop() */
	struct mbox_session *sess;    /* current session (thread only) */
	int push_pending;             /* the NIC needs our full state */
	uint64_t push_after_ms;       /* not before this (retry backoff) */
	struct mbox *mb;              /* current mailbox (thread only) */
	pthread_mutex_t fw_lock;      /* guards fw and fw_img/fw_len */
	struct hostd_nic_fw_status fw; /* update state (under fw_lock) */
	uint8_t *fw_img;              /* image queued or being sent (owned) */
	size_t fw_len;                /* its size */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* guards g_nic */
static struct hostd_nic *g_nic;                             /* for the API */

const char *hostd_fw_state_name(enum hostd_fw_state st)
{
	static const char *const names[] = {
#define HOSTD_FW_NAME(n, s) [HOSTD_FW_##n] = s,
		HOSTD_FW_STATES(HOSTD_FW_NAME)
#undef HOSTD_FW_NAME
	};
	return (unsigned)st < ARRAY_SIZE(names) ? names[st] : "?";
}

static void nap(struct hostd_nic *n, uint32_t ms)
{
	uint64_t end = dfn_now_ms() + ms;
	while (!atomic_load(&n->stop)) {
		uint64_t now = dfn_now_ms();
		if (now >= end)
			return;
		uint64_t slice = DFN_MIN(end - now, (uint64_t)50);
		struct timespec ts = { 0, (long)slice * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* ---- session callbacks -------------------------------------------------- */

static void nic_peer_up(void *arg, const struct mbox_hello *peer, int resync)
{
	struct hostd_nic *n = arg;
	pthread_mutex_lock(&n->fw_lock);
	snprintf(n->fw.running, sizeof(n->fw.running), "%s", peer->name);
	n->fw.connected = 1;
	if (n->fw.state == HOSTD_FW_RESTARTING) {
		/* "dfnic-firmware VERSION" */
		const char *sp = strrchr(peer->name, ' ');
		if (n->fw.version[0] && sp && !strcmp(sp + 1, n->fw.version)) {
			n->fw.state = HOSTD_FW_RUNNING;
			LOG_INFO(MOD, "firmware update: the NIC runs version %s", n->fw.version);
		} else {
			n->fw.state = HOSTD_FW_ROLLED_BACK;
			snprintf(n->fw.error, sizeof(n->fw.error), "the NIC came back as '%s', not "
				 "version %s: the new image was rolled back", peer->name,
				 n->fw.version[0] ? n->fw.version : "?");
			LOG_WARN(MOD, "firmware update: %s", n->fw.error);
		}
	}
	pthread_mutex_unlock(&n->fw_lock);
	if (resync) {
		n->push_pending = 1;
		n->push_after_ms = 0;
		LOG_INFO(MOD, "resync: NIC '%s' epoch %016" PRIx64 " needs our full state",
			 peer->name, peer->epoch);
	} else if (n->push_pending) {
		LOG_INFO(MOD, "NIC '%s' epoch %016" PRIx64 " is back; finishing the pending push",
			 peer->name, peer->epoch);
	} else {
		LOG_INFO(MOD, "NIC '%s' epoch %016" PRIx64 " is back with its state; no resync needed",
			 peer->name, peer->epoch);
	}
}

static void nic_peer_down(void *arg, const char *why)
{
	struct hostd_nic *n = arg;
	LOG_WARN(MOD, "NIC lost (%s); waiting for it to come back", why);
	pthread_mutex_lock(&n->fw_lock);
	n->fw.connected = 0;
	pthread_mutex_unlock(&n->fw_lock);
	if (n->cfg.source && n->cfg.source->down)
		n->cfg.source->down(n->cfg.source->arg);
}

static int nic_message(void *arg, const struct mbox_msg *msg, char *err, size_t errlen)
{
	struct hostd_nic *n = arg;
	switch (msg->type) {
	case MBOX_MSG_RESYNC_REQUEST:
		LOG_INFO(MOD, "the NIC asked for a resync");
		n->push_pending = 1;
		n->push_after_ms = 0;
		return 0;
	case MBOX_MSG_OBJ_STATUS:
		LOG_DBG(MOD, "status of %s %u: %u",
			mbox_obj_kind_name(msg->u.obj.kind) ? mbox_obj_kind_name(msg->u.obj.kind) : "?",
			msg->u.obj.id, msg->u.obj.status);
		if (n->cfg.source && n->cfg.source->status)
			n->cfg.source->status(n->cfg.source->arg, msg->u.obj.kind, msg->u.obj.id,
					      msg->u.obj.status, (const char *)msg->u.obj.body,
					      msg->u.obj.body_len);
		return 0;
	default:
		snprintf(err, errlen, "hostd does not handle %s",
			 mbox_msg_name(msg->type) ? mbox_msg_name(msg->type) : "this message");
		return -EOPNOTSUPP;
	}
}

static const struct mbox_session_cbs nic_cbs = {
	.peer_up = nic_peer_up,
	.peer_down = nic_peer_down,
	.message = nic_message,
};

/* ---- state push --------------------------------------------------------- */

/* hostd's whole state as OBJ_SET messages; bodies go to `bodies`. */
static unsigned build_state(struct mbox_msg *msgs, uint8_t (*bodies)[sizeof(struct mbox_wire_host_info)])
{
	struct mbox_host_info hi = { .version = HOSTD_VERSION };
	if (gethostname(hi.hostname, sizeof(hi.hostname) - 1) < 0 || !hi.hostname[0])
		snprintf(hi.hostname, sizeof(hi.hostname), "unknown");
	for (char *p = hi.hostname; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	int len = mbox_encode_host_info(&hi, bodies[0], sizeof(bodies[0]));
	if (len < 0)
		return 0;
	msgs[0] = (struct mbox_msg){ .type = MBOX_MSG_OBJ_SET };
	msgs[0].u.obj.kind = MBOX_OBJ_HOST_INFO;
	msgs[0].u.obj.id = 1;
	msgs[0].u.obj.body = bodies[0];
	msgs[0].u.obj.body_len = (uint32_t)len;
	return 1;
}

static void push_state(struct hostd_nic *n)
{
	struct mbox_msg one[1], *msgs = one;
	uint8_t bodies[1][sizeof(struct mbox_wire_host_info)];
	char err[256];
	unsigned cnt = build_state(one, bodies);
	const struct hostd_nic_source *src = n->cfg.source;
	if (src) {
		const struct mbox_msg *more;
		unsigned nmore = 0;
		int rs = src->full(src->arg, &more, &nmore);
		if (rs < 0) {
			n->push_after_ms = dfn_now_ms() + n->cfg.retry_ms;
			LOG_ERR(MOD, "resync: cannot build the topology objects: %s", strerror(-rs));
			return;
		}
		msgs = malloc((cnt + nmore) * sizeof(*msgs));
		if (!msgs) {
			src->done(src->arg, 0);
			n->push_after_ms = dfn_now_ms() + n->cfg.retry_ms;
			return;
		}
		msgs[0] = one[0];
		if (nmore)
			memcpy(msgs + cnt, more, nmore * sizeof(*msgs));
		cnt += nmore;
	}
	uint64_t nic_epoch = mbox_session_peer_epoch(n->sess);
	uint32_t hb = n->cfg.heartbeat_ms ? n->cfg.heartbeat_ms : CONFIG_MBOX_HEARTBEAT_MS;
	int timeout = (int)DFN_MAX(2000u, 10u * hb);

	LOG_INFO(MOD, "resync: pushing full state to NIC epoch %016" PRIx64 ": %u object(s)",
		 nic_epoch, cnt);
	int r = mbox_session_send_batch(n->sess, msgs, cnt, timeout, err, sizeof(err));
	if (src) {
		src->done(src->arg, r == 0);
		free(msgs);
	}
	if (r == 0) {
		n->push_pending = 0;
		LOG_INFO(MOD, "resync done: NIC epoch %016" PRIx64 " applied the batch of %u object(s)",
			 nic_epoch, cnt);
	} else if (r == -ENOTCONN) {
		LOG_WARN(MOD, "resync interrupted (%s); pushing again when the NIC is back", err);
	} else {
		n->push_after_ms = dfn_now_ms() + n->cfg.retry_ms;
		LOG_ERR(MOD, "resync to NIC epoch %016" PRIx64 " failed: %s (%s); retrying in %u ms",
			nic_epoch, strerror(-r), err, n->cfg.retry_ms);
	}
}

/* Push what the source changed since the last acknowledged batch. */
static void push_delta(struct hostd_nic *n)
{
	const struct hostd_nic_source *src = n->cfg.source;
	const struct mbox_msg *msgs;
	unsigned cnt = 0;
	char err[256];
	int r = src->delta(src->arg, &msgs, &cnt);
	if (r < 0) {
		n->push_after_ms = dfn_now_ms() + n->cfg.retry_ms;
		LOG_ERR(MOD, "cannot build the topology changes: %s", strerror(-r));
		return;
	}
	if (!cnt)
		return;
	uint32_t hb = n->cfg.heartbeat_ms ? n->cfg.heartbeat_ms : CONFIG_MBOX_HEARTBEAT_MS;
	int timeout = (int)DFN_MAX(2000u, 10u * hb);
	r = mbox_session_send_batch(n->sess, msgs, cnt, timeout, err, sizeof(err));
	src->done(src->arg, r == 0);
	if (r == 0) {
		LOG_INFO(MOD, "topology change: NIC applied a batch of %u object change(s)", cnt);
	} else {
		n->push_after_ms = dfn_now_ms() + n->cfg.retry_ms;
		LOG_WARN(MOD, "topology change batch of %u refused or lost: %s (%s); retrying", cnt,
			 strerror(-r), err);
	}
}

/* ---- firmware update ---------------------------------------------------- */

static void fw_set(struct hostd_nic *n, enum hostd_fw_state st, uint64_t sent, const char *error)
{
	pthread_mutex_lock(&n->fw_lock);
	n->fw.state = st;
	n->fw.sent = sent;
	if (error)
		snprintf(n->fw.error, sizeof(n->fw.error), "%s", error);
	if (st == HOSTD_FW_FAILED || st == HOSTD_FW_RESTARTING) {
		free(n->fw_img);
		n->fw_img = NULL;
		n->fw_len = 0;
	}
	pthread_mutex_unlock(&n->fw_lock);
}

/* One request; on failure the update fails with the NIC's reason. */
static int fw_request(struct hostd_nic *n, const struct mbox_msg *m, int timeout, uint64_t sent)
{
	char err[256] = "";
	int r = mbox_session_request(n->sess, m, timeout, err, sizeof(err));
	if (r == 0)
		return 0;
	char why[320];
	if (r == -ENOTCONN || r == -ETIMEDOUT || !err[0])
		snprintf(why, sizeof(why), "%s: %s%s%s", mbox_msg_name(m->type), strerror(-r),
			 err[0] ? ": " : "", err);
	else
		snprintf(why, sizeof(why), "%s", err); /* the NIC's reason, as it gave it */
	LOG_WARN(MOD, "firmware update failed at %" PRIu64 " of %zu bytes: %s", sent, n->fw_len, why);
	fw_set(n, HOSTD_FW_FAILED, sent, why);
	return r;
}

/* Stream the queued image (this thread; the image is not touched by other
 * threads while the state is SENDING/VERIFYING). */
static void fw_send(struct hostd_nic *n)
{
	const uint8_t *img = n->fw_img;
	size_t len = n->fw_len;
	uint32_t hb = n->cfg.heartbeat_ms ? n->cfg.heartbeat_ms : CONFIG_MBOX_HEARTBEAT_MS;
	int timeout = (int)DFN_MAX(2000u, 10u * hb);
	size_t chunk = mbox_max_msg(n->mb) - sizeof(struct mbox_msg_hdr) -
		       sizeof(struct mbox_wire_fw_chunk);
	fw_set(n, HOSTD_FW_SENDING, 0, "");
	LOG_INFO(MOD, "firmware update: sending %zu bytes to the NIC in chunks of %zu", len, chunk);
	struct mbox_msg m = { .type = MBOX_MSG_FW_UPDATE_BEGIN };
	m.u.fw.total = len;
	m.u.fw.data = img;
	m.u.fw.data_len = (uint32_t)DFN_MIN(len, (size_t)sizeof(struct dfimg_hdr));
	if (fw_request(n, &m, timeout, 0) < 0)
		return;
	for (size_t off = 0; off < len;) {
		size_t k = DFN_MIN(chunk, len - off);
		m = (struct mbox_msg){ .type = MBOX_MSG_FW_UPDATE_CHUNK };
		m.u.fw.offset = off;
		m.u.fw.data = img + off;
		m.u.fw.data_len = (uint32_t)k;
		if (fw_request(n, &m, timeout, off) < 0)
			return;
		off += k;
		pthread_mutex_lock(&n->fw_lock);
		n->fw.sent = off;
		pthread_mutex_unlock(&n->fw_lock);
		if (atomic_load(&n->stop)) {
			fw_set(n, HOSTD_FW_FAILED, off, "hostd is stopping");
			return;
		}
	}
	fw_set(n, HOSTD_FW_VERIFYING, len, NULL);
	m = (struct mbox_msg){ .type = MBOX_MSG_FW_UPDATE_END };
	m.u.fw.total = len;
	/* verification of the whole image and the flash write take a while */
	if (fw_request(n, &m, DFN_MAX(timeout, 60000), len) < 0)
		return;
	LOG_INFO(MOD, "firmware update: the NIC installed the image; it restarts on it");
	fw_set(n, HOSTD_FW_RESTARTING, len, NULL);
}

int hostd_nic_fw_update(struct hostd_nic *n, void *img, size_t len, const char *version)
{
	int r = 0, global = !n;
	if (!img || !len)
		return -EINVAL;
	if (global) {
		pthread_mutex_lock(&g_lock);
		n = g_nic;
		if (!n) {
			pthread_mutex_unlock(&g_lock);
			return -ENODEV;
		}
	}
	pthread_mutex_lock(&n->fw_lock);
	switch (n->fw.state) {
	case HOSTD_FW_WAITING:
	case HOSTD_FW_SENDING:
	case HOSTD_FW_VERIFYING:
	case HOSTD_FW_RESTARTING:
		r = -EBUSY;
		break;
	default:
		n->fw_img = img;
		n->fw_len = len;
		n->fw.state = HOSTD_FW_WAITING;
		n->fw.sent = 0;
		n->fw.total = len;
		n->fw.error[0] = '\0';
		snprintf(n->fw.version, sizeof(n->fw.version), "%s", version ? version : "");
	}
	pthread_mutex_unlock(&n->fw_lock);
	if (global)
		pthread_mutex_unlock(&g_lock);
	if (!r)
		LOG_INFO(MOD, "firmware update queued: %zu bytes, version %s", len,
			 version ? version : "?");
	return r;
}

int hostd_nic_fw_status(struct hostd_nic *n, struct hostd_nic_fw_status *st)
{
	int global = !n;
	if (global) {
		pthread_mutex_lock(&g_lock);
		n = g_nic;
		if (!n) {
			pthread_mutex_unlock(&g_lock);
			return -ENODEV;
		}
	}
	pthread_mutex_lock(&n->fw_lock);
	*st = n->fw;
	pthread_mutex_unlock(&n->fw_lock);
	if (global)
		pthread_mutex_unlock(&g_lock);
	return 0;
}

/* 1 when an update waits for this thread. */
static int fw_waiting(struct hostd_nic *n)
{
	pthread_mutex_lock(&n->fw_lock);
	int w = n->fw.state == HOSTD_FW_WAITING;
	pthread_mutex_unlock(&n->fw_lock);
	return w;
}

/* ---- the thread --------------------------------------------------------- */

/* Attach, retrying while the mailbox does not exist yet. */
static int attach(struct hostd_nic *n, struct mbox **mb)
{
	int last = 0;
	while (!atomic_load(&n->stop)) {
		int r = mbox_open(n->uri, MBOX_HOST, NULL, mb);
		if (r == 0) {
			LOG_INFO(MOD, "attached to mailbox %s (NIC epoch %016" PRIx64 ")", n->uri,
				 mbox_open_epoch(*mb));
			return 0;
		}
		if (r != last) {
			last = r;
			LOG_WARN(MOD, "mailbox %s not usable yet (%s); retrying every %u ms", n->uri,
				 strerror(-r), n->cfg.retry_ms);
		}
		nap(n, n->cfg.retry_ms);
	}
	return -ECANCELED;
}

static void *nic_thread(void *arg)
{
	struct hostd_nic *n = arg;
	while (!atomic_load(&n->stop)) {
		struct mbox *mb;
		if (attach(n, &mb) < 0)
			break;
		struct mbox_session_cfg cfg = {
			.role = MBOX_HOST,
			.heartbeat_ms = n->cfg.heartbeat_ms,
			.miss_limit = n->cfg.miss_limit,
			.min_version = n->cfg.proto_min,
			.max_version = n->cfg.proto_max,
			.name = "hostd " HOSTD_VERSION,
		};
		int r = mbox_session_create(mb, &cfg, &nic_cbs, n, &n->sess);
		if (r < 0) {
			LOG_ERR(MOD, "cannot start the mailbox session: %s", strerror(-r));
			mbox_close(mb);
			nap(n, n->cfg.retry_ms);
			continue;
		}
		LOG_INFO(MOD, "session epoch %016" PRIx64 "; saying HELLO",
			 mbox_session_epoch(n->sess));
		n->push_pending = 0;
		n->mb = mb;
		while (!atomic_load(&n->stop)) {
			r = mbox_session_poll(n->sess, POLL_MS);
			if (r < 0) {
				LOG_ERR(MOD, "mailbox unusable (%s): reopening it", strerror(-r));
				break;
			}
			if (n->push_pending && mbox_session_is_up(n->sess) &&
			    dfn_now_ms() >= n->push_after_ms)
				push_state(n);
			else if (!n->push_pending && mbox_session_is_up(n->sess) && fw_waiting(n))
				fw_send(n);
			else if (!n->push_pending && n->cfg.source && mbox_session_is_up(n->sess) &&
				 dfn_now_ms() >= n->push_after_ms)
				push_delta(n);
		}
		mbox_session_destroy(n->sess);
		n->sess = NULL;
		n->mb = NULL;
		mbox_close(mb);
		if (atomic_load(&n->stop))
			LOG_INFO(MOD, "mailbox %s closed (host side marked closed)", n->uri);
		else
			nap(n, n->cfg.retry_ms);
	}
	return NULL;
}

int hostd_nic_start(const struct hostd_nic_cfg *cfg, struct hostd_nic **out)
{
	if (!cfg || !cfg->uri || !out)
		return -EINVAL;
	struct hostd_nic *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	pthread_mutex_init(&n->fw_lock, NULL);
	if (!n->cfg.retry_ms)
		n->cfg.retry_ms = 500;
	n->uri = strdup(cfg->uri);
	if (!n->uri)
		goto free_nic;
	n->cfg.uri = n->uri;
	int r = pthread_create(&n->thread, NULL, nic_thread, n);
	if (r) {
		LOG_ERR(MOD, "cannot start the mailbox thread: %s", strerror(r));
		free(n->uri);
		free(n);
		return -r;
	}
	pthread_mutex_lock(&g_lock);
	if (!g_nic)
		g_nic = n; /* the API's client */
	pthread_mutex_unlock(&g_lock);
	*out = n;
	return 0;

free_nic:
	free(n);
	return -ENOMEM;
}

void hostd_nic_stop(struct hostd_nic *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&g_lock);
	if (g_nic == n)
		g_nic = NULL;
	pthread_mutex_unlock(&g_lock);
	atomic_store(&n->stop, 1);
	pthread_join(n->thread, NULL);
	pthread_mutex_destroy(&n->fw_lock);
	free(n->fw_img);
	free(n->uri);
	free(n);
}
