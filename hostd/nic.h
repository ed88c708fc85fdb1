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

/* Stop the thread (within about 100 ms), close the session and the
 * mailbox (our side is marked closed, so the NIC sees it at once).
 * Accepts NULL. Blocks until the thread has exited. */
void hostd_nic_stop(struct hostd_nic *n);

#endif
