/* tests/bench/spsc_ring.c: the plain SPSC ring declared in spsc_ring.h,
 * the ceiling for the mailbox benchmark. Ordering: the producer's release
 * store of `prod` pairs with the consumer's acquire load of it (slot bytes
 * are visible before the index); the consumer's release store of `cons`
 * pairs with the producer's acquire load of it (a slot is read out before
 * the producer may overwrite it). */
#include "tests/bench/spsc_ring.h"

#include <errno.h>
#include <string.h>

#include "drivers/base/util.h"

size_t spsc_ring_mem_size(uint32_t slot_size, uint32_t slot_count)
{
	return sizeof(struct spsc_ring_shared) + (size_t)slot_size * slot_count;
}

int spsc_ring_init(struct spsc_ring *r, void *mem, uint32_t slot_size,
		   uint32_t slot_count)
{
	if (!dfn_is_pow2(slot_size) || slot_size < 16 || !dfn_is_pow2(slot_count) ||
	    ((uintptr_t)mem & (DFN_CACHE_LINE - 1)))
		return -EINVAL;
	memset(mem, 0, sizeof(struct spsc_ring_shared));
	r->sh = mem;
	r->slots = (uint8_t *)mem + sizeof(struct spsc_ring_shared);
	r->slot_size = slot_size;
	r->mask = slot_count - 1;
	r->prod_local = r->cons_cache = 0;
	r->cons_local = r->prod_cache = 0;
	return 0;
}

static inline uint8_t *slot_at(const struct spsc_ring *r, uint32_t idx)
{
	return r->slots + (size_t)(idx & r->mask) * r->slot_size;
}

int spsc_ring_send_burst(struct spsc_ring *r, const void *const msgs[],
			 const size_t lens[], unsigned n)
{
	uint32_t size = r->mask + 1;
	uint32_t free_slots = size - (r->prod_local - r->cons_cache);
	if (free_slots < n) {
		/* acquire: pairs with the consumer's release store of cons, so
		 * the slots it returned are no longer being read. */
		r->cons_cache = __atomic_load_n(&r->sh->cons, __ATOMIC_ACQUIRE);
		free_slots = size - (r->prod_local - r->cons_cache);
		if (free_slots == 0)
			return -EAGAIN;
	}
	unsigned todo = DFN_MIN(n, free_slots);
	size_t max = spsc_ring_max_msg(r);
	unsigned i;
	for (i = 0; i < todo; i++) {
		if (lens[i] > max)
			break;
		uint8_t *s = slot_at(r, r->prod_local + i);
		uint32_t len32 = (uint32_t)lens[i];
		memcpy(s, &len32, sizeof(len32));
		memcpy(s + SPSC_SLOT_HDR, msgs[i], lens[i]);
	}
	if (i == 0)
		return -EMSGSIZE;
	r->prod_local += i;
	/* release: pairs with the consumer's acquire load of prod, so the
	 * slot bytes written above are visible before the new index. */
	__atomic_store_n(&r->sh->prod, r->prod_local, __ATOMIC_RELEASE);
	return (int)i;
}

int spsc_ring_send(struct spsc_ring *r, const void *msg, size_t len)
{
	int rc = spsc_ring_send_burst(r, &msg, &len, 1);
	return rc < 0 ? rc : 0;
}

/* Messages readable without touching the producer's line, refreshing the
 * cached prod when the cache says the ring is empty. */
static inline uint32_t avail(struct spsc_ring *r)
{
	uint32_t n = r->prod_cache - r->cons_local;
	if (n == 0) {
		/* acquire: pairs with the producer's release store of prod. */
		r->prod_cache = __atomic_load_n(&r->sh->prod, __ATOMIC_ACQUIRE);
		n = r->prod_cache - r->cons_local;
	}
	return n;
}

int spsc_ring_recv_burst(struct spsc_ring *r, void *const bufs[],
			 size_t lens[], unsigned n)
{
	uint32_t ready = avail(r);
	if (ready == 0)
		return -EAGAIN;
	if (ready > r->mask + 1)
		return -EIO; /* the producer's index is out of range */
	unsigned todo = DFN_MIN(n, ready);
	size_t max = spsc_ring_max_msg(r);
	for (unsigned i = 0; i < todo; i++) {
		const uint8_t *s = slot_at(r, r->cons_local + i);
		uint32_t len32;
		memcpy(&len32, s, sizeof(len32));
		if (len32 > max)
			return -EIO;
		memcpy(bufs[i], s + SPSC_SLOT_HDR, len32);
		lens[i] = len32;
	}
	r->cons_local += todo;
	/* release: pairs with the producer's acquire load of cons, so the
	 * copies above finish before the slots can be reused. */
	__atomic_store_n(&r->sh->cons, r->cons_local, __ATOMIC_RELEASE);
	return (int)todo;
}

int spsc_ring_recv(struct spsc_ring *r, void *buf, size_t cap)
{
	uint32_t ready = avail(r);
	if (ready == 0)
		return -EAGAIN;
	if (ready > r->mask + 1)
		return -EIO;
	const uint8_t *s = slot_at(r, r->cons_local);
	uint32_t len32;
	memcpy(&len32, s, sizeof(len32));
	if (len32 > spsc_ring_max_msg(r))
		return -EIO;
	if (len32 > cap)
		return -ENOBUFS;
	memcpy(buf, s + SPSC_SLOT_HDR, len32);
	r->cons_local++;
	/* release: pairs with the producer's acquire load of cons. */
	__atomic_store_n(&r->sh->cons, r->cons_local, __ATOMIC_RELEASE);
	return (int)len32;
}
