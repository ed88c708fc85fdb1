/* tests/bench/spsc_ring.h: a plain single-producer/single-consumer ring of
 * fixed-size slots in shared memory, the ceiling the mailbox benchmark
 * (tests/bench/mbox_bench.c) compares drivers/mbox against.
 *
 * It does what the mailbox rings do at their core and nothing more: copy a
 * message into a slot, publish it with one index store, copy it out on the
 * other side and return the slot with one index store. No doorbell, no
 * peer liveness, no region header, no flow-control waits (a full ring is
 * -EAGAIN and the caller spins). Each side keeps a private copy of the
 * other side's index and re-reads the shared one only when that copy says
 * the ring is full (producer) or empty (consumer), so a steady stream costs
 * one shared-line transfer per burst, not per message.
 *
 * Layout in the shared memory (spsc_ring_mem_size() bytes, 64-byte aligned):
 *   struct spsc_ring_shared   producer line, consumer line
 *   slot_count slots of slot_size bytes: le32 length, 4 bytes zero, data
 *
 * Used only by benchmarks; both ends are processes of the same benchmark,
 * but the consumer still bounds-checks each length it reads (-EIO). */
#ifndef DFNIC_TESTS_BENCH_SPSC_RING_H
#define DFNIC_TESTS_BENCH_SPSC_RING_H

#include <stddef.h>
#include <stdint.h>

/* Bytes in front of the data in each slot (length word + padding). */
#define SPSC_SLOT_HDR 8u

/* The shared control block: each index alone on its cache line. */
struct spsc_ring_shared {
	uint32_t prod;          /* slots published (free-running), producer writes */
	uint8_t pad_p[60];      /* keeps the consumer's line apart */
	uint32_t cons;          /* slots consumed (free-running), consumer writes */
	uint8_t pad_c[60];      /* one cache line */
};
_Static_assert(sizeof(struct spsc_ring_shared) == 128, "spsc control size");

/* One process's handle on a ring; each process uses only its side's fields. */
struct spsc_ring {
	struct spsc_ring_shared *sh; /* the shared control block */
	uint8_t *slots;              /* slot array right after it */
	uint32_t slot_size;          /* bytes per slot (power of two, >= 16) */
	uint32_t mask;               /* slot_count - 1 */
	uint32_t prod_local;         /* producer: next index to publish */
	uint32_t cons_cache;         /* producer: last cons read from sh */
	uint32_t cons_local;         /* consumer: next index to consume */
	uint32_t prod_cache;         /* consumer: last prod read from sh */
};

/* Bytes of shared memory one ring of this geometry needs. */
size_t spsc_ring_mem_size(uint32_t slot_size, uint32_t slot_count);

/* Zero the control block in `mem` (64-byte aligned, spsc_ring_mem_size()
 * bytes) and fill in *r. Call once, before the other process uses it; a
 * forked child inherits a usable copy of *r. Returns 0 or -EINVAL (sizes
 * not powers of two, slot smaller than 16 bytes, misaligned memory). */
int spsc_ring_init(struct spsc_ring *r, void *mem, uint32_t slot_size,
		   uint32_t slot_count);

/* Largest message a slot holds. */
static inline size_t spsc_ring_max_msg(const struct spsc_ring *r)
{
	return r->slot_size - SPSC_SLOT_HDR;
}

/* Producer: copy up to n messages into free slots and publish them with
 * one index store. Never blocks. Returns the number sent (>= 1), -EAGAIN
 * when the ring is full, -EMSGSIZE when msgs[0] does not fit a slot (a
 * later oversize message ends the burst before it). */
int spsc_ring_send_burst(struct spsc_ring *r, const void *const msgs[],
			 const size_t lens[], unsigned n);
int spsc_ring_send(struct spsc_ring *r, const void *msg, size_t len);

/* Consumer: copy up to n messages out (bufs[i] has room for
 * spsc_ring_max_msg() bytes), then return their slots with one index
 * store. Never blocks. Returns the count (>= 1) with lens[] filled in,
 * -EAGAIN when empty, -EIO when a slot's length is out of bounds. */
int spsc_ring_recv_burst(struct spsc_ring *r, void *const bufs[],
			 size_t lens[], unsigned n);
/* One message into buf (cap bytes): its length, -EAGAIN, -EIO, or
 * -ENOBUFS (cap too small; the slot is kept). */
int spsc_ring_recv(struct spsc_ring *r, void *buf, size_t cap);

#endif
