/* drivers/mbox/mbox.h: the mailbox transport API (rings over one shared
 * region) and the backend ops every transport implements.
 *
 * Layering inside drivers/mbox/:
 *   mbox_wire.h   wire structs (region, ring control, message header)
 *   mbox.c        this API: region init/validation, SPSC rings, flow control
 *   transport_*.c one backend each (loop, shm, pci), behind mbox_transport_ops
 *   codec.c       decode_/encode_/format_ of the messages (codec.h)
 *   session.c     HELLO, heartbeats, epochs, requests, batches (session.h)
 * hostd and the firmware use session.h; tests and benchmarks may use this
 * header directly.
 *
 * Error convention: 0 / positive count on success, negative errno on error.
 * Threading: one thread may send and one (other) thread may receive on the
 * same struct mbox at a time; the caller serialises anything more. */
#ifndef DFNIC_MBOX_H
#define DFNIC_MBOX_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/mbox_wire.h"

struct mbox;

enum mbox_role {
	MBOX_NIC = MBOX_ROLE_NIC,   /* creates and initialises the region */
	MBOX_HOST = MBOX_ROLE_HOST, /* attaches to a region the NIC made */
};

/* Options for mbox_open(). Zero fields take the Kconfig defaults. */
struct mbox_params {
	uint32_t slot_size;  /* NIC only: bytes per slot (power of two, 64..65536) */
	uint32_t slot_count; /* NIC only: slots per ring (power of two, 2..65536) */
	uint32_t first_index; /* NIC only: initial value of every ring index
			       * (0 normally; tests start near UINT32_MAX to
			       * cross the 32-bit wrap) */
};

/* Backend operations. A backend provides a region of memory both ends see
 * and a doorbell; the rings themselves are common code in mbox.c.
 * Missing optional ops make the core return -ENOSYS. */
struct mbox_transport_ops {
	const char *name; /* URI scheme: "loop", "shm", "pci" */

	/* Map the region named by `path` (the URI without its scheme).
	 * NIC role: create it (or reuse an existing one) of `size` bytes.
	 * HOST role: attach; `*size` is in/out: 0 means "whatever is there".
	 * May block (file I/O). On success *base points to the mapping and
	 * mb's backend state is owned by the backend until unmap(); on failure
	 * nothing is left mapped. Returns 0 or -errno. */
	int (*map)(struct mbox *mb, const char *path, enum mbox_role role,
		   void **base, size_t *size);

	/* Undo map(). Never fails; called once. NIC role may remove the name
	 * (the shm file is left in place so a restarting NIC reuses it). */
	void (*unmap)(struct mbox *mb);

	/* Wake the consumer waiting on `word` (already incremented by the
	 * caller). Must not block. Optional: absent means the consumer polls. */
	void (*doorbell_ring)(struct mbox *mb, uint32_t *word);

	/* Wait until *word != seen, or timeout_ms passes (-1 = forever).
	 * Blocks the caller; spurious returns are allowed. Returns 0 or
	 * -ETIMEDOUT. Required. */
	int (*doorbell_wait)(struct mbox *mb, uint32_t *word, uint32_t seen,
			     int timeout_ms);
};

/* The backends (each file defines one; NULL-free designated initialisers). */
extern const struct mbox_transport_ops mbox_loop_ops;
extern const struct mbox_transport_ops mbox_shm_ops;
extern const struct mbox_transport_ops mbox_pci_ops;

/* Open a mailbox. `uri` is "<scheme>:<path>": "loop:NAME" (in-process),
 * "shm:/dev/shm/FILE" (shared-memory file), "pci:/sys/.../resourceN" (BAR).
 * A bare path means shm. The NIC role initialises the region with a fresh
 * epoch and marks itself alive; the HOST role validates the header (magic,
 * layout version, sizes, offsets, alignment: -EPROTO / -EBADMSG with a
 * logged reason), discards stale NIC->host messages and marks itself alive.
 * Returns 0 and *out, or -errno (-ENOENT: no such mailbox yet,
 * -EPROTONOSUPPORT: unknown scheme or layout version, -EPROTO: bad magic,
 * -EBADMSG: bad sizes/offsets, -EIO: corrupt ring indices, -EINVAL: bad
 * params, -ENOSPC: the PCI BAR / file is too small for the NIC's layout).
 * May block. */
int mbox_open(const char *uri, enum mbox_role role,
	      const struct mbox_params *params, struct mbox **out);

/* Mark our side closed (the peer sees -EPIPE) and unmap. Accepts NULL. */
void mbox_close(struct mbox *mb);

/* Largest message (header + payload) one slot holds. */
size_t mbox_max_msg(const struct mbox *mb);

/* Send one encoded message (struct mbox_msg_hdr + payload, `len` bytes).
 * Flow control: a slot is a credit; with no free slot the call waits up to
 * timeout_ms (0: return -EAGAIN at once; -1: forever) and never overwrites
 * an unread slot. Returns 0, -EMSGSIZE (len > mbox_max_msg or header length
 * disagreeing with len), -EAGAIN (no credit in time), -EPIPE (peer closed),
 * -EIO (ring corrupt). The message is copied; the caller keeps `msg`. */
int mbox_send(struct mbox *mb, const void *msg, size_t len, int timeout_ms);

/* Send up to n messages with one index update and one doorbell. Returns
 * the number sent (>= 1; fewer than n when credits ran out after waiting),
 * or a negative errno as mbox_send() when none could be sent. All n are
 * checked first: one malformed message fails the call with nothing sent. */
int mbox_send_burst(struct mbox *mb, const void *const msgs[],
		    const size_t lens[], unsigned n, int timeout_ms);

/* Receive one message into buf (cap >= mbox_max_msg() is always enough).
 * Waits up to timeout_ms for one (0: poll, -1: forever). Returns the
 * message length (header + payload), or -EAGAIN (nothing in time), -EPIPE
 * (peer closed and ring drained), -EBADMSG (the slot held a malformed
 * header: it is consumed and logged, the next call continues), -EIO (the
 * peer's indices are corrupt: logged, the ring is unusable until the
 * mailbox is reopened), -ENOBUFS (cap too small; the slot is kept).
 * Only the framing (header length, reserved bits) is checked here; the
 * payload is validated by the codec. */
int mbox_recv(struct mbox *mb, void *buf, size_t cap, int timeout_ms);

/* Receive up to n messages; bufs[i] has room for mbox_max_msg() bytes and
 * lens[i] gets each length. Returns the count (>= 1) or a negative errno
 * as mbox_recv() when nothing was received. */
int mbox_recv_burst(struct mbox *mb, void *const bufs[], size_t lens[],
		    unsigned n, int timeout_ms);

/* Peer liveness as the region says: MBOX_SIDE_ABSENT/ALIVE/CLOSED. A
 * killed peer still reads ALIVE: heartbeats (session.h) catch that. */
uint32_t mbox_peer_state(const struct mbox *mb);

/* The NIC's epoch currently written in the region (changes when the NIC
 * re-creates it), and the one this handle saw at open. */
uint64_t mbox_region_epoch(const struct mbox *mb);
uint64_t mbox_open_epoch(const struct mbox *mb);

/* HOST role: re-read the region after the NIC re-created it (new epoch):
 * validates it again and resets this side's view of both rings.
 * Returns 0 or -errno as mbox_open(). */
int mbox_reattach(struct mbox *mb);

/* Counters for logs and benchmarks. */
struct mbox_stats {
	uint64_t sent;        /* messages published */
	uint64_t received;    /* messages consumed */
	uint64_t full_waits;  /* sends that found the ring full */
	uint64_t doorbells;   /* doorbells rung */
	uint64_t bad_msgs;    /* malformed slots skipped */
};
void mbox_get_stats(const struct mbox *mb, struct mbox_stats *st);

/* Longest a blocked send/recv sleeps before re-checking the peer's state
 * word and the region epoch (a transport without a doorbell, or a peer
 * that vanished without ringing it, is noticed this late at worst). */
#define MBOX_WAIT_SLICE_MS 200

/* Tests, fuzzers and debugging tools: the mapped region itself (untrusted
 * shared memory, the layout of mbox_wire.h) and its mapped size. */
void *mbox_region(const struct mbox *mb, size_t *size);

/* Backend helpers (for transport_*.c only). */
void *mbox_backend_priv(struct mbox *mb);
void mbox_set_backend_priv(struct mbox *mb, void *priv);
/* File-backed regions (shm, pci): map `len` bytes of the open file `fd`
 * shared read-write and keep the mapping as mb's backend state. Takes `fd`
 * (closed in every case: the mapping keeps the file). On success *base and
 * *size are the mapping. May block. Returns 0, -ENOMEM, or mmap's -errno
 * (logged under `mod` with `path`). */
int mbox_file_map(struct mbox *mb, int fd, size_t len, const char *mod, const char *path,
		  void **base, size_t *size);
/* The unmap op of a region mapped with mbox_file_map(); nothing to do when
 * mb holds no mapping. */
void mbox_file_unmap(struct mbox *mb);
/* Futex doorbell on a 32-bit word of the region: wait while *word == seen
 * (0, or -ETIMEDOUT; spurious returns happen) / wake every waiter.
 * `shared` selects a cross-process futex (MAP_SHARED memory); 0 is the
 * cheaper process-private kind (loop). */
int mbox_futex_wait(uint32_t *word, uint32_t seen, int timeout_ms, int shared);
void mbox_futex_wake(uint32_t *word, int shared);

#endif
