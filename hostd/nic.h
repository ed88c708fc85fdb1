/* hostd/nic.h: hostd's mailbox client, one per SmartNIC.
 *
 * Runs the HOST side of the mailbox session (drivers/mbox/session.h) in its
 * own thread, so hostd's main loop (later: the OpenFlow controller's event
 * loop) never blocks on the NIC. The thread attaches to the mailbox
 * (retrying while the NIC has not created it yet), negotiates, exchanges
 * heartbeats, and pushes hostd's full state to the NIC as one atomic batch
 * whenever the session comes up with a resync (first contact, NIC
 * restarted, NIC asked for it). When the NIC goes away it logs it and
 * waits for the NIC to come back (new epoch -> reattach -> resync). With a
 * source (hostd/offload), the full state includes the topology objects,
 * topology changes are pushed as incremental batches, and the NIC's
 * OBJ_STATUS events are handed to the source.
 *
 * Depends on drivers/base and drivers/mbox only. */
#ifndef DFNIC_HOSTD_NIC_H
#define DFNIC_HOSTD_NIC_H

#include <stddef.h>
#include <stdint.h>

struct mbox_msg;

/* A provider of the NIC objects beyond HOST_INFO (hostd/offload). Every
 * callback runs on the client thread. Messages returned by full()/delta()
 * (OBJ_SET / OBJ_DEL, bodies included) stay valid until done(). */
struct hostd_nic_source {
	/* The whole state for a resync: *n messages in *msgs. 0 or -errno. */
	int (*full)(void *arg, const struct mbox_msg **msgs, unsigned *n);
	/* What changed since the last acknowledged push (*n = 0: nothing).
	 * 0 or -errno. */
	int (*delta)(void *arg, const struct mbox_msg **msgs, unsigned *n);
	/* The NIC applied (ok) or did not apply (!ok) what full()/delta()
	 * returned last. */
	void (*done)(void *arg, int ok);
	/* The NIC's OBJ_STATUS for one object (reason: not NUL-terminated). */
	void (*status)(void *arg, uint16_t kind, uint32_t id, uint16_t status,
		       const char *reason, size_t reason_len);
	/* The session went down: statuses are stale. */
	void (*down)(void *arg);
	void *arg; /* passed to each callback */
};

struct hostd_nic_cfg {
	const char *uri;        /* mailbox URI (copied) */
	uint32_t heartbeat_ms;  /* 0: Kconfig default */
	uint32_t miss_limit;    /* 0: 3 */
	uint32_t retry_ms;      /* attach / failed-push retry period; 0: 500 */
	uint16_t proto_min;     /* 0: MBOX_PROTO_MIN (testing) */
	uint16_t proto_max;     /* 0: MBOX_PROTO_MAX (testing) */
	const struct hostd_nic_source *source; /* topology objects, or NULL (not
						* copied: must outlive the client) */
};

struct hostd_nic;

/* Start the client thread. Returns 0 or -errno (nothing started). */
int hostd_nic_start(const struct hostd_nic_cfg *cfg, struct hostd_nic **out);

/* ---- firmware update (dfctl firmware update, hostd/api/api_firmware.c) ----
 * The client thread streams an image to the NIC: FW_UPDATE_BEGIN (size and
 * header), FW_UPDATE_CHUNKs of one slot each, FW_UPDATE_END; each is a
 * request answered before the next is sent, so the NIC paces the transfer
 * and nothing is dropped. The NIC verifies the image, installs it into its
 * inactive slot and restarts on it; the update is "running" when the NIC
 * comes back under the new version, "rolled-back" when it comes back under
 * another one (the new image never reached its session), "failed" when the
 * NIC refused it (error: the NIC's reason) or the transfer broke. */
#define HOSTD_FW_STATES(X) \
	X(IDLE, "idle")             /* no update since hostd started */ \
	X(WAITING, "waiting")       /* queued until the NIC's session is up */ \
	X(SENDING, "sending")       /* chunks going out */ \
	X(VERIFYING, "verifying")   /* END sent, the NIC checks the image */ \
	X(RESTARTING, "restarting") /* installed; the NIC boots it */ \
	X(RUNNING, "running")       /* the NIC runs the new version */ \
	X(ROLLED_BACK, "rolled-back") /* the NIC came back with another version */ \
	X(FAILED, "failed")         /* refused or interrupted (see error) */

enum hostd_fw_state {
#define HOSTD_FW_ENUM(n, s) HOSTD_FW_##n,
	HOSTD_FW_STATES(HOSTD_FW_ENUM)
#undef HOSTD_FW_ENUM
};

/* "sending" etc. */
const char *hostd_fw_state_name(enum hostd_fw_state st);

/* A snapshot of the update state. */
struct hostd_nic_fw_status {
	enum hostd_fw_state state; /* HOSTD_FW_* */
	uint64_t sent;             /* image bytes acknowledged by the NIC */
	uint64_t total;            /* image bytes */
	char version[40];          /* version the image header names ("" unknown) */
	char error[320];           /* why it failed / rolled back ("" otherwise) */
	char running[40];          /* the NIC's software name from its last HELLO */
	int connected;             /* the session is up */
};

/* Any thread: queue img (len bytes, malloc()ed; ownership passes to the
 * client on success) for the NIC; version: the image's version (for the
 * outcome), may be NULL. -EBUSY while another update is in progress
 * (waiting, sending, verifying, restarting), -EINVAL. Never blocks on the
 * NIC. n NULL: the global client (below); -ENODEV when there is none. */
int hostd_nic_fw_update(struct hostd_nic *n, void *img, size_t len, const char *version);
/* Any thread: the current update state. 0, or -ENODEV (n NULL and no
 * global client). */
int hostd_nic_fw_status(struct hostd_nic *n, struct hostd_nic_fw_status *st);

/* The global client is the first one started (hostd runs one); stop
 * unsets it under the lock the calls above take with n NULL, so a stopped
 * client is never used. */

/* Stop the thread (within about 100 ms), close the session and the
 * mailbox (our side is marked closed, so the NIC sees it at once).
 * Accepts NULL. Blocks until the thread has exited. */
void hostd_nic_stop(struct hostd_nic *n);

#endif
