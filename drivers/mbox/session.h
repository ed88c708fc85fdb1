/* drivers/mbox/session.h: the mailbox protocol engine shared by hostd (HOST
 * role) and the firmware (NIC role), on top of a struct mbox (mbox.h) and
 * the codec (codec.h).
 *
 * It does: HELLO version/capability negotiation (the host asks, the NIC
 * answers; no common version -> ERROR EPROTONOSUPPORT, logged both sides);
 * heartbeats both ways every heartbeat_ms; peer loss after `miss_limit`
 * intervals without any message (logged, peer_down callback); epochs (a
 * peer whose epoch changed has restarted: peer_up reports resync); requests
 * matched to replies by sequence, with ERROR replies; batches
 * (BATCH_BEGIN, members with MBOX_F_BATCH, BATCH_COMMIT) handed to the
 * application whole on commit, so it can apply them all-or-nothing; a batch
 * cut short by ABORT, a peer restart or loss is dropped.
 *
 * Threading: a session is driven by one thread calling mbox_session_poll();
 * callbacks run on that thread. mbox_session_request()/send_batch() are
 * called from that same thread (they poll internally while waiting), but
 * not from inside a callback (they return -EDEADLK there): a callback that
 * wants to push state sets a flag and the driving thread pushes after
 * mbox_session_poll() returns. mbox_session_send() may be called from a
 * callback (the message is queued and leaves in order).
 *
 * Flow control: nothing is ever dropped on a full ring. Outgoing messages
 * wait in an ordered queue; while a send waits for credit the session keeps
 * receiving (and answering) so two sides that both fill their rings cannot
 * deadlock. Receiving pauses only while that queue is at its cap.
 *
 * Liveness and recovery, host side: the host also watches the region: when
 * the NIC re-created it (mbox_region_epoch() != mbox_open_epoch()), the
 * session reports peer_down, calls mbox_reattach() and says HELLO again.
 * A heartbeat answered with ERROR ENOTCONN (the NIC has no session for us)
 * makes the host say HELLO again too. */
#ifndef DFNIC_MBOX_SESSION_H
#define DFNIC_MBOX_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/codec.h"
#include "drivers/mbox/mbox.h"

struct mbox_session;

struct mbox_session_cfg {
	enum mbox_role role;   /* MBOX_HOST initiates HELLO */
	uint32_t heartbeat_ms; /* 0: CONFIG_MBOX_HEARTBEAT_MS */
	uint32_t miss_limit;   /* intervals of silence before peer loss; 0: 3 */
	uint16_t min_version;  /* 0: MBOX_PROTO_MIN */
	uint16_t max_version;  /* 0: MBOX_PROTO_MAX */
	uint64_t caps;         /* offered MBOX_CAP_*; 0: MBOX_CAP_ALL */
	const char *name;      /* software name for HELLO ("hostd 0.1"); copied */
	uint64_t epoch;        /* our epoch; 0: a random one (the firmware
				* passes mbox_open_epoch() so logs agree) */
};

/* Application callbacks; any may be NULL. `arg` is the create() argument. */
struct mbox_session_cbs {
	/* HELLO completed. `resync` is 1 on first contact and whenever the
	 * peer's epoch differs from the previous one (it restarted): all
	 * state must be sent (host) or expected anew (NIC). */
	void (*peer_up)(void *arg, const struct mbox_hello *peer, int resync);
	/* The peer went away (closed, silent for miss_limit intervals, or its
	 * region was re-created). `why` is a human-readable reason. */
	void (*peer_down)(void *arg, const char *why);
	/* A committed batch: its n members in order (pointers valid only
	 * during the call). Return 0 after applying all of them, or a
	 * negative errno with a reason in err having applied none. The
	 * session replies ACK or ERROR to the COMMIT. */
	int (*apply_batch)(void *arg, const struct mbox_msg *msgs, unsigned n,
			   char *err, size_t errlen);
	/* Any other non-protocol message (OBJ_* outside a batch,
	 * RESYNC_REQUEST, OBJ_STATUS...). Return 0 (an ACK is sent unless the
	 * message was itself a reply or an OBJ_STATUS event) or -errno (an
	 * ERROR reply with err is sent). */
	int (*message)(void *arg, const struct mbox_msg *msg, char *err,
		       size_t errlen);
};

/* Create a session on an open mailbox (not owned: close it after destroy).
 * The HOST role sends HELLO on the first poll. Returns 0 or -errno. */
int mbox_session_create(struct mbox *mb, const struct mbox_session_cfg *cfg,
			const struct mbox_session_cbs *cbs, void *arg,
			struct mbox_session **out);
/* Accepts NULL. Does not close the mailbox. */
void mbox_session_destroy(struct mbox_session *s);

/* Handle everything pending, send a heartbeat when due, check the peer's
 * liveness; waits on the doorbell up to timeout_ms (bounded by the next
 * heartbeat deadline) when there is nothing to do. Returns 0, or a
 * negative errno on a fatal mailbox error (-EIO: the region is corrupt). */
int mbox_session_poll(struct mbox_session *s, int timeout_ms);

/* 1 when HELLO has completed and the peer is considered alive. */
int mbox_session_is_up(const struct mbox_session *s);
/* The negotiated protocol version and capabilities (valid when up). */
uint16_t mbox_session_version(const struct mbox_session *s);
uint64_t mbox_session_caps(const struct mbox_session *s);
/* Our epoch (fixed for the life of the session). */
uint64_t mbox_session_epoch(const struct mbox_session *s);
/* Peer's last known epoch (0 before first contact). */
uint64_t mbox_session_peer_epoch(const struct mbox_session *s);
/* The peer's last HELLO (valid once it has been up; NULL before). */
const struct mbox_hello *mbox_session_peer(const struct mbox_session *s);

/* Send one message (type, payload fields in msg) as a request and wait up
 * to timeout_ms for its reply, handling other traffic meanwhile. Returns 0
 * on ACK (or the expected reply type), the negative errno carried by an
 * ERROR reply (its text copied to err), -ETIMEDOUT, -ENOTCONN (peer not up)
 * or another -errno. */
int mbox_session_request(struct mbox_session *s, const struct mbox_msg *msg,
			 int timeout_ms, char *err, size_t errlen);

/* Send one message without waiting for a reply (events such as
 * OBJ_STATUS). Returns 0 (sent, or queued behind earlier messages when
 * called from a callback), -ENOTCONN (peer not up), -EAGAIN (the ring stayed
 * full for timeout_ms: the message was withdrawn, not sent) or -errno. */
int mbox_session_send(struct mbox_session *s, const struct mbox_msg *msg,
		      int timeout_ms);

/* Send msgs[0..n) as one atomic batch and wait for the COMMIT's reply.
 * Returns 0 when the peer applied all of it, the peer's -errno (reason in
 * err) when it applied none, or -ETIMEDOUT / -ENOTCONN / -errno. */
int mbox_session_send_batch(struct mbox_session *s, const struct mbox_msg *msgs,
			    unsigned n, int timeout_ms, char *err, size_t errlen);

/* Counters for logs and tests. */
struct mbox_session_stats {
	uint64_t hb_sent;       /* heartbeats sent */
	uint64_t hb_received;   /* heartbeats received */
	uint64_t peer_ups;      /* HELLO completions */
	uint64_t peer_downs;    /* peer losses */
	uint64_t resyncs;       /* peer_up with resync */
	uint64_t batches_ok;    /* batches applied */
	uint64_t batches_failed;/* COMMITs answered with ERROR (refused,
				 * count mismatch, malformed member...) */
	uint64_t batches_dropped;/* open batches discarded (ABORT, new BEGIN,
				  * peer restart or loss) */
	uint64_t errors_rx;     /* ERROR replies received */
	uint64_t bad_msgs;      /* undecodable messages (skipped) */
	uint64_t nego_failures; /* HELLOs refused / refusals received */
};
void mbox_session_get_stats(const struct mbox_session *s,
			    struct mbox_session_stats *st);

#endif
