/* drivers/mbox/mbox.c: the mailbox core (mbox.h). One implementation of the
 * region layout, its validation and the two SPSC rings with credit-based
 * flow control, shared by every transport. A transport (transport_*.c)
 * only maps the region and provides the doorbell; the codec (codec.c) and
 * the session engine (session.c) sit on top of the send/recv calls here.
 *
 * Trust model: the peer owns half of every ring control block and may write
 * anything anywhere in the region. So the geometry is validated once (on a
 * private copy of the header) and only the private copy is used afterwards;
 * our own indices are kept privately (we are their only writer) and only the
 * peer's index is read back, then checked (prod - cons <= slot_count); each
 * slot header is fetched once into a local before it is validated; every
 * length is bounded by the slot size. Garbage yields a logged error, never
 * an access outside the region.
 *
 * The consumer keeps the producer index it last read (and checked) and
 * reads the shared one again only when that copy shows fewer messages than
 * asked for; the producer reads cons on every call (it shares its line
 * with `sleeping`, which it reads anyway).
 *
 * Fast path cost: per call one full fence on each side (the Dekker pairing
 * with a sleeping peer; nothing cheaper is correct) and no locked
 * read-modify-write: statistics are single-writer counters, and the
 * doorbell word is bumped and the transport's doorbell rung only for a
 * consumer that announced it sleeps, once per sleep.
 *
 * Memory ordering: the rings use C11 atomics on the 32-bit words of
 * struct mbox_ring_ctrl; each acquire/release below names its pair. */
#include "drivers/mbox/mbox.h"

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"

#define MOD "mbox"

#define MBOX_HDR_SIZE ((uint32_t)sizeof(struct mbox_region_hdr))
#define MBOX_SLOT_SIZE_MIN 64u
#define MBOX_SLOT_SIZE_MAX 65536u
#define MBOX_SLOT_COUNT_MIN 2u
#define MBOX_SLOT_COUNT_MAX 65536u
#define MBOX_MSG_HDR_SIZE sizeof(struct mbox_msg_hdr)

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the ring words are accessed with native atomics: little-endian hosts only");

/* One direction as this side sees it. */
struct mbox_ring {
	struct mbox_ring_ctrl *ctrl; /* shared control block (inside the region) */
	uint8_t *slots;              /* shared slot array (inside the region) */
};

/* State of the sending side: written only by the thread that sends (and
 * by open/reattach, which the caller serialises with it). Its own cache
 * line, so a sender and a receiver thread on one struct mbox do not
 * bounce each other's lines. The counters are single-writer: bumped with
 * a relaxed load and store (no locked read-modify-write on the fast path);
 * being atomic lets mbox_get_stats() read them from any thread. */
struct mbox_snd {
	uint32_t prod;             /* our producer index (we are its only writer) */
	uint32_t bell_at;          /* our prod when we last rang the doorbell
				    * (the bell is pending while cons is
				    * behind it), else the last cons read */
	bool broken;               /* -EIO latched on the tx ring */
	_Atomic uint64_t sent;       /* messages published */
	_Atomic uint64_t full_waits; /* sends that found the ring full */
	_Atomic uint64_t doorbells;  /* doorbells rung for the consumer */
};

/* State of the receiving side: written only by the thread that receives. */
struct mbox_rcv {
	uint32_t cons;             /* our consumer index (we are its only writer) */
	uint32_t prod_cache;       /* the producer index last read back and
				    * validated; re-read only when it says empty */
	bool broken;               /* -EIO latched on the rx ring */
	_Atomic uint64_t received;   /* messages consumed */
	_Atomic uint64_t bad_msgs;   /* malformed slots skipped */
	_Atomic uint64_t doorbells;  /* credit wake-ups rung for the producer */
};

struct mbox {
	const struct mbox_transport_ops *ops; /* the transport */
	void *priv;                 /* the transport's state (map..unmap) */
	enum mbox_role role;        /* NIC creates, HOST attaches */
	char *path;                 /* URI without scheme (logs, remap) */
	uint8_t *base;              /* the mapping */
	size_t map_size;            /* bytes mapped */
	struct mbox_region_hdr *hdr; /* == base */
	/* Geometry: private copies, validated once; never re-read. */
	uint32_t slot_size;         /* bytes per slot */
	uint32_t slot_count;        /* slots per ring */
	uint32_t mask;              /* slot_count - 1 */
	uint32_t region_size;       /* bytes of the region in use */
	struct mbox_ring tx;        /* the ring we produce into */
	struct mbox_ring rx;        /* the ring we consume from */
	bool stale_logged;          /* the "region re-created" warning was given */
	uint64_t open_epoch;        /* nic_epoch seen at open/reattach */
	le32 *my_state;             /* our liveness word in the header */
	le32 *peer_state;           /* the peer's liveness word */
	_Alignas(DFN_CACHE_LINE) struct mbox_snd snd; /* sending side (own line) */
	_Alignas(DFN_CACHE_LINE) struct mbox_rcv rcv; /* receiving side (own line) */
};

/* ---- atomics on shared words ------------------------------------------- */

static inline uint32_t ld_acquire(const le32 *p)
{
	return le32toh(atomic_load_explicit((const _Atomic uint32_t *)p, memory_order_acquire));
}

static inline uint32_t ld_relaxed(const le32 *p)
{
	return le32toh(atomic_load_explicit((const _Atomic uint32_t *)p, memory_order_relaxed));
}

static inline void st_release(le32 *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, htole32(v), memory_order_release);
}

static inline void st_relaxed(le32 *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, htole32(v), memory_order_relaxed);
}

static inline uint64_t ld64_relaxed(const le64 *p)
{
	return le64toh(atomic_load_explicit((const _Atomic uint64_t *)p, memory_order_relaxed));
}

/* Bump a single-writer counter: a plain load and store, no locked RMW (only
 * its own side's thread writes it; relaxed atomics keep readers race-free). */
static inline void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t counter(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* ---- backend helpers ----------------------------------------------------- */

void *mbox_backend_priv(struct mbox *mb) { return mb->priv; }
void mbox_set_backend_priv(struct mbox *mb, void *priv) { mb->priv = priv; }

/* What mbox_file_map() leaves for mbox_file_unmap(). */
struct mbox_file_map {
	void *base;  /* the shared mapping of the file */
	size_t size; /* its length */
};

int mbox_file_map(struct mbox *mb, int fd, size_t len, const char *mod, const char *path,
		  void **base, size_t *size)
{
	int err;
	struct mbox_file_map *m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto close_fd;
	}
	m->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED) {
		err = -errno;
		LOG_ERR(mod, "%s: mmap %zu bytes: %s", path, len, strerror(-err));
		goto free_map;
	}
	close(fd); /* the mapping keeps the file */
	m->size = len;
	mbox_set_backend_priv(mb, m);
	*base = m->base;
	*size = len;
	return 0;

free_map:
	free(m);
close_fd:
	close(fd);
	return err;
}

void mbox_file_unmap(struct mbox *mb)
{
	struct mbox_file_map *m = mbox_backend_priv(mb);
	if (!m)
		return;
	munmap(m->base, m->size);
	free(m);
	mbox_set_backend_priv(mb, NULL);
}

int mbox_futex_wait(uint32_t *word, uint32_t seen, int timeout_ms, int shared)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	if (syscall(SYS_futex, word, shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, seen, tsp,
		    NULL, 0) == 0)
		return 0;
	/* EAGAIN: the word already differs; EINTR: a signal. Both are wake-ups. */
	return errno == ETIMEDOUT ? -ETIMEDOUT : 0;
}

void mbox_futex_wake(uint32_t *word, int shared)
{
	syscall(SYS_futex, word, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void ring_bell(struct mbox *mb, le32 *word)
{
	if (mb->ops->doorbell_ring)
		mb->ops->doorbell_ring(mb, word);
}

/* ---- region layout and validation --------------------------------------- */

/* Layout the NIC writes: header, both control blocks, both slot arrays,
 * each on a cache line boundary. */
static uint64_t layout(uint32_t slot_size, uint32_t slot_count, struct mbox_region_hdr *h)
{
	uint64_t ring_bytes = (uint64_t)slot_size * slot_count;
	uint32_t ctrl0 = MBOX_HDR_SIZE;
	uint32_t ctrl1 = ctrl0 + (uint32_t)sizeof(struct mbox_ring_ctrl);
	uint64_t slots0 = ctrl1 + sizeof(struct mbox_ring_ctrl);
	uint64_t slots1 = slots0 + ring_bytes;
	uint64_t total = slots1 + ring_bytes;
	if (h && total <= UINT32_MAX) {
		h->ring_ctrl_off[0] = htole32(ctrl0);
		h->ring_ctrl_off[1] = htole32(ctrl1);
		h->ring_slots_off[0] = htole32((uint32_t)slots0);
		h->ring_slots_off[1] = htole32((uint32_t)slots1);
	}
	return total;
}

struct range {
	uint64_t off, len; /* bytes [off, off+len) of the region */
	const char *what;  /* for the log */
};

/* Check a private copy of the region header against the mapping.
 * Returns 0 or -errno with the reason in why. */
static int region_check(const struct mbox_region_hdr *h, size_t mapped, char *why, size_t n)
{
	uint32_t magic = le32toh(h->magic);
	uint32_t ver = le16toh(h->layout_version);
	uint32_t hsz = le16toh(h->hdr_size);
	uint32_t rsz = le32toh(h->region_size);
	uint32_t ssz = le32toh(h->slot_size);
	uint32_t cnt = le32toh(h->slot_count);

	if (magic == 0) {
		/* The NIC has not initialised the region yet (e.g. a guest still
		 * booting behind an ivshmem BAR): no mailbox yet, not an error. */
		snprintf(why, n, "region not initialised yet (magic 0)");
		return -ENOENT;
	}
	if (magic != MBOX_MAGIC) {
		snprintf(why, n, "bad magic 0x%08x (expected 0x%08x)", magic, MBOX_MAGIC);
		return -EPROTO;
	}
	if (ver != MBOX_LAYOUT_VERSION) {
		snprintf(why, n, "layout version %u not supported (this build speaks %u)", ver,
			 MBOX_LAYOUT_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (hsz != MBOX_HDR_SIZE) {
		snprintf(why, n, "header size %u, expected %u", hsz, MBOX_HDR_SIZE);
		return -EBADMSG;
	}
	if (rsz < MBOX_HDR_SIZE || rsz > mapped) {
		snprintf(why, n, "region size %u outside %u..%zu (mapped)", rsz, MBOX_HDR_SIZE,
			 mapped);
		return -EBADMSG;
	}
	if (!dfn_is_pow2(ssz) || ssz < MBOX_SLOT_SIZE_MIN || ssz > MBOX_SLOT_SIZE_MAX) {
		snprintf(why, n, "slot size %u is not a power of two in %u..%u", ssz,
			 MBOX_SLOT_SIZE_MIN, MBOX_SLOT_SIZE_MAX);
		return -EBADMSG;
	}
	if (!dfn_is_pow2(cnt) || cnt < MBOX_SLOT_COUNT_MIN || cnt > MBOX_SLOT_COUNT_MAX) {
		snprintf(why, n, "slot count %u is not a power of two in %u..%u", cnt,
			 MBOX_SLOT_COUNT_MIN, MBOX_SLOT_COUNT_MAX);
		return -EBADMSG;
	}
	struct range rg[1 + 2 * MBOX_NUM_RINGS] = {
		{ 0, MBOX_HDR_SIZE, "header" },
	};
	static const char *const names[] = { "ring 0 control", "ring 1 control",
					     "ring 0 slots", "ring 1 slots" };
	for (int r = 0; r < MBOX_NUM_RINGS; r++) {
		rg[1 + r] = (struct range){ le32toh(h->ring_ctrl_off[r]),
					    sizeof(struct mbox_ring_ctrl), names[r] };
		rg[3 + r] = (struct range){ le32toh(h->ring_slots_off[r]), (uint64_t)ssz * cnt,
					    names[2 + r] };
	}
	for (unsigned i = 1; i < ARRAY_SIZE(rg); i++) {
		if (rg[i].off % DFN_CACHE_LINE) {
			snprintf(why, n, "%s offset %llu not %u-byte aligned", rg[i].what,
				 (unsigned long long)rg[i].off, DFN_CACHE_LINE);
			return -EBADMSG;
		}
		if (rg[i].off + rg[i].len > rsz) {
			snprintf(why, n, "%s [%llu, +%llu) beyond region size %u", rg[i].what,
				 (unsigned long long)rg[i].off, (unsigned long long)rg[i].len, rsz);
			return -EBADMSG;
		}
		for (unsigned j = 0; j < i; j++) {
			if (rg[i].off < rg[j].off + rg[j].len && rg[j].off < rg[i].off + rg[i].len) {
				snprintf(why, n, "%s overlaps %s", rg[i].what, rg[j].what);
				return -EBADMSG;
			}
		}
	}
	return 0;
}

/* Point the rings at the region from the (validated) private geometry. */
static void set_rings(struct mbox *mb, const struct mbox_region_hdr *h)
{
	int txr = mb->role == MBOX_NIC ? MBOX_RING_N2H : MBOX_RING_H2N;
	int rxr = txr ^ 1;
	mb->slot_size = le32toh(h->slot_size);
	mb->slot_count = le32toh(h->slot_count);
	mb->mask = mb->slot_count - 1;
	mb->region_size = le32toh(h->region_size);
	mb->tx.ctrl = (struct mbox_ring_ctrl *)(mb->base + le32toh(h->ring_ctrl_off[txr]));
	mb->tx.slots = mb->base + le32toh(h->ring_slots_off[txr]);
	mb->rx.ctrl = (struct mbox_ring_ctrl *)(mb->base + le32toh(h->ring_ctrl_off[rxr]));
	mb->rx.slots = mb->base + le32toh(h->ring_slots_off[rxr]);
	mb->hdr = (struct mbox_region_hdr *)mb->base;
	mb->my_state = mb->role == MBOX_NIC ? &mb->hdr->nic_state : &mb->hdr->host_state;
	mb->peer_state = mb->role == MBOX_NIC ? &mb->hdr->host_state : &mb->hdr->nic_state;
	mb->snd.broken = mb->rcv.broken = false;
	mb->stale_logged = false;
}

/* Wake anybody sleeping on any word of the rings (re-creation, close). */
static void wake_all(struct mbox *mb)
{
	struct mbox_ring *rings[2] = { &mb->tx, &mb->rx };
	for (int i = 0; i < 2; i++) {
		atomic_fetch_add_explicit((_Atomic uint32_t *)&rings[i]->ctrl->p.doorbell, 1,
					  memory_order_release);
		ring_bell(mb, &rings[i]->ctrl->p.doorbell);
		ring_bell(mb, &rings[i]->ctrl->c.cons);
	}
}

/* NIC: (re)initialise the region. A host that still has it mapped sees the
 * magic drop, then a new epoch with its own state reset to ABSENT. */
static void region_init(struct mbox *mb, uint32_t slot_size, uint32_t slot_count,
			uint32_t first)
{
	struct mbox_region_hdr *hdr = (struct mbox_region_hdr *)mb->base;
	struct mbox_region_hdr h = { 0 };
	uint32_t total = (uint32_t)layout(slot_size, slot_count, &h);

	/* Hide the old region first; the release fence keeps the writes below
	 * from becoming visible before the magic is cleared (pairs with the
	 * host's acquire load of magic in host_attach()). */
	st_relaxed(&hdr->magic, 0);
	atomic_thread_fence(memory_order_release);

	h.layout_version = htole16(MBOX_LAYOUT_VERSION);
	h.hdr_size = htole16(MBOX_HDR_SIZE);
	h.region_size = htole32(total);
	h.slot_size = htole32(slot_size);
	h.slot_count = htole32(slot_count);
	h.nic_state = htole32(MBOX_SIDE_ALIVE);
	h.host_state = htole32(MBOX_SIDE_ABSENT);
	uint64_t epoch;
	do
		epoch = dfn_random64();
	while (!epoch || epoch == le64toh(hdr->nic_epoch));
	h.nic_epoch = htole64(epoch);
	/* Everything but the magic; the header is then ours again. */
	memcpy((uint8_t *)hdr + sizeof(hdr->magic), (uint8_t *)&h + sizeof(h.magic),
	       sizeof(h) - sizeof(h.magic));

	set_rings(mb, &h);
	for (int r = 0; r < MBOX_NUM_RINGS; r++) {
		struct mbox_ring_ctrl *c =
			(struct mbox_ring_ctrl *)(mb->base + le32toh(h.ring_ctrl_off[r]));
		st_relaxed(&c->p.prod, first);
		st_relaxed(&c->p.credit_wait, 0);
		memset(c->p.pad, 0, sizeof(c->p.pad));
		st_relaxed(&c->c.cons, first);
		st_relaxed(&c->c.sleeping, 0);
		memset(c->c.pad, 0, sizeof(c->c.pad));
		/* The doorbell keeps counting: a host asleep on it wakes below. */
	}
	mb->snd.prod = mb->snd.bell_at = first;
	mb->rcv.cons = mb->rcv.prod_cache = first;
	mb->open_epoch = epoch;

	/* release: publishes the whole region; pairs with the acquire load of
	 * magic in host_attach(). */
	st_release(&hdr->magic, MBOX_MAGIC);
	wake_all(mb);
}

/* HOST: validate the region as it is now and take our place in it. */
static int host_attach(struct mbox *mb)
{
	struct mbox_region_hdr h;
	char why[160];

	if (mb->map_size < MBOX_HDR_SIZE) {
		LOG_ERR(MOD, "%s: mapping of %zu bytes cannot hold the region header", mb->path,
			mb->map_size);
		return -EBADMSG;
	}
	/* acquire: pairs with the NIC's release store of magic at the end of
	 * region_init(): a valid magic means the header and the ring control
	 * blocks are initialised. */
	uint32_t magic = ld_acquire(&((struct mbox_region_hdr *)mb->base)->magic);
	/* One fetch of the header into a private copy; only the copy is
	 * validated and used (the NIC could change the shared one meanwhile). */
	memcpy(&h, mb->base, sizeof(h));
	atomic_signal_fence(memory_order_seq_cst);
	h.magic = htole32(magic);
	int err = region_check(&h, mb->map_size, why, sizeof(why));
	if (err) {
		if (err == -ENOENT)
			LOG_DBG(MOD, "%s: cannot attach: %s", mb->path, why);
		else
			LOG_ERR(MOD, "%s: cannot attach: %s", mb->path, why);
		return err;
	}
	set_rings(mb, &h);

	/* Our producer index is whatever the ring holds; the NIC's consumer
	 * index must be within one ring of it. acquire: pairs with the NIC's
	 * release store of cons in rx_publish(). */
	uint32_t prod = ld_relaxed(&mb->tx.ctrl->p.prod);
	uint32_t cons = ld_acquire(&mb->tx.ctrl->c.cons);
	if (prod - cons > mb->slot_count) {
		LOG_ERR(MOD, "%s: cannot attach: host->NIC ring indices corrupt (prod %u, cons %u, %u slots)",
			mb->path, prod, cons, mb->slot_count);
		return -EIO;
	}
	mb->snd.prod = prod;
	/* Rings at least once: whatever the NIC's consumer is doing, it has
	 * not consumed beyond cons. */
	mb->snd.bell_at = cons;
	/* Discard what the NIC sent before we came: it was meant for a
	 * previous host. release: pairs with the NIC's acquire load of cons in
	 * tx_credits() (the slots are free again). */
	mb->rcv.cons = mb->rcv.prod_cache = ld_acquire(&mb->rx.ctrl->p.prod);
	st_release(&mb->rx.ctrl->c.cons, mb->rcv.cons);
	st_relaxed(&mb->rx.ctrl->c.sleeping, 0);
	st_relaxed(&mb->tx.ctrl->p.credit_wait, 0);
	mb->open_epoch = le64toh(h.nic_epoch);
	/* release: pairs with the NIC's acquire load of host_state in
	 * peer_closed(). */
	st_release(mb->my_state, MBOX_SIDE_ALIVE);
	LOG_DBG(MOD, "%s: attached (epoch %016llx, %u slots of %u bytes)", mb->path,
		(unsigned long long)mb->open_epoch, mb->slot_count, mb->slot_size);
	return 0;
}

/* ---- open / close -------------------------------------------------------- */

static const struct {
	const char *scheme;                    /* URI scheme */
	const struct mbox_transport_ops *ops;  /* NULL: compiled out */
} transports[] = {
	{ "loop",
#ifdef CONFIG_MBOX_LOOPBACK
	  &mbox_loop_ops
#else
	  NULL
#endif
	},
	{ "shm",
#ifdef CONFIG_MBOX_SHM
	  &mbox_shm_ops
#else
	  NULL
#endif
	},
	{ "pci",
#ifdef CONFIG_MBOX_PCI
	  &mbox_pci_ops
#else
	  NULL
#endif
	},
};

/* "<scheme>:<path>" or a bare path (shm). */
static int parse_uri(const char *uri, const struct mbox_transport_ops **ops, const char **path)
{
	const char *colon = strchr(uri, ':');
	const char *scheme = "shm";
	size_t slen = 3;
	*path = uri;
	if (colon && uri[0] != '/' && uri[0] != '.') {
		scheme = uri;
		slen = (size_t)(colon - uri);
		*path = colon + 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		if (strlen(transports[i].scheme) == slen && !strncmp(transports[i].scheme, scheme, slen)) {
			if (!transports[i].ops) {
				LOG_ERR(MOD, "%s: transport '%s' is not built in", uri,
					transports[i].scheme);
				return -EPROTONOSUPPORT;
			}
			*ops = transports[i].ops;
			return **path ? 0 : -EINVAL;
		}
	}
	LOG_ERR(MOD, "%s: unknown transport '%.*s'", uri, (int)slen, scheme);
	return -EPROTONOSUPPORT;
}

int mbox_open(const char *uri, enum mbox_role role, const struct mbox_params *params,
	      struct mbox **out)
{
	const struct mbox_transport_ops *ops;
	const char *path;
	void *base = NULL;
	size_t size = 0;
	int err;

	if (!uri || !out || (role != MBOX_NIC && role != MBOX_HOST))
		return -EINVAL;
	err = parse_uri(uri, &ops, &path);
	if (err)
		return err;
	if (!ops->map || !ops->unmap || !ops->doorbell_wait)
		return -ENOSYS;

	uint32_t ssz = params && params->slot_size ? params->slot_size : CONFIG_MBOX_SLOT_SIZE;
	uint32_t cnt = params && params->slot_count ? params->slot_count : CONFIG_MBOX_SLOT_COUNT;
	uint32_t first = params ? params->first_index : 0;
	if (role == MBOX_NIC) {
		if (!dfn_is_pow2(ssz) || ssz < MBOX_SLOT_SIZE_MIN || ssz > MBOX_SLOT_SIZE_MAX ||
		    !dfn_is_pow2(cnt) || cnt < MBOX_SLOT_COUNT_MIN || cnt > MBOX_SLOT_COUNT_MAX ||
		    layout(ssz, cnt, NULL) > UINT32_MAX) {
			LOG_ERR(MOD, "%s: bad geometry: %u slots of %u bytes", uri, cnt, ssz);
			return -EINVAL;
		}
		size = (size_t)layout(ssz, cnt, NULL);
	}

	/* Aligned for the per-side cache lines of struct mbox (its size is a
	 * multiple of its alignment, as aligned_alloc() wants). */
	struct mbox *mb = aligned_alloc(_Alignof(struct mbox), sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	memset(mb, 0, sizeof(*mb));
	mb->ops = ops;
	mb->role = role;
	mb->path = strdup(path);
	if (!mb->path) {
		err = -ENOMEM;
		goto free_mb;
	}
	err = ops->map(mb, mb->path, role, &base, &size);
	if (err)
		goto free_path;
	mb->base = base;
	mb->map_size = size;

	if (role == MBOX_NIC) {
		if (size < layout(ssz, cnt, NULL)) {
			LOG_ERR(MOD, "%s: %zu bytes cannot hold %u slots of %u bytes per ring", uri,
				size, cnt, ssz);
			err = -ENOSPC;
			goto unmap;
		}
		region_init(mb, ssz, cnt, first);
		LOG_DBG(MOD, "%s: created (epoch %016llx, %u slots of %u bytes)", uri,
			(unsigned long long)mb->open_epoch, cnt, ssz);
	} else {
		err = host_attach(mb);
		if (err)
			goto unmap;
	}
	*out = mb;
	return 0;

unmap:
	ops->unmap(mb);
free_path:
	free(mb->path);
free_mb:
	free(mb);
	return err;
}

void mbox_close(struct mbox *mb)
{
	if (!mb)
		return;
	if (mb->hdr) {
		/* release: orders our last prod/cons store before CLOSED; pairs
		 * with the peer's acquire load in peer_closed(). */
		st_release(mb->my_state, MBOX_SIDE_CLOSED);
		atomic_thread_fence(memory_order_seq_cst);
		wake_all(mb);
	}
	if (mb->base)
		mb->ops->unmap(mb);
	free(mb->path);
	free(mb);
}

int mbox_reattach(struct mbox *mb)
{
	if (!mb)
		return -EINVAL;
	if (mb->role != MBOX_HOST)
		return -EINVAL;
	/* The NIC may have grown the region beyond our mapping: map again. */
	uint32_t rsz = mb->base ? ld_relaxed(&((struct mbox_region_hdr *)mb->base)->region_size)
				: UINT32_MAX;
	if (rsz > mb->map_size) {
		void *base = NULL;
		size_t size = 0;
		if (mb->base)
			mb->ops->unmap(mb);
		mb->base = NULL;
		mb->hdr = NULL;
		mb->map_size = 0;
		int err = mb->ops->map(mb, mb->path, MBOX_HOST, &base, &size);
		if (err) {
			/* Left unmapped: send/recv report -EPIPE from now on. */
			LOG_ERR(MOD, "%s: remap for reattach failed: %s", mb->path, strerror(-err));
			return err;
		}
		mb->base = base;
		mb->map_size = size;
	}
	int err = host_attach(mb);
	if (err)
		mb->snd.broken = mb->rcv.broken = true;
	return err;
}

size_t mbox_max_msg(const struct mbox *mb) { return mb->slot_size; }

void *mbox_region(const struct mbox *mb, size_t *size)
{
	if (size)
		*size = mb->map_size;
	return mb->base;
}

uint32_t mbox_peer_state(const struct mbox *mb)
{
	if (!mb->hdr)
		return MBOX_SIDE_ABSENT;
	/* acquire: pairs with the peer's release store in mbox_close() or
	 * host_attach() / region_init(). */
	return ld_acquire(mb->peer_state);
}

uint64_t mbox_region_epoch(const struct mbox *mb)
{
	if (!mb->base)
		return 0;
	return ld64_relaxed(&((const struct mbox_region_hdr *)mb->base)->nic_epoch);
}

uint64_t mbox_open_epoch(const struct mbox *mb) { return mb->open_epoch; }

void mbox_get_stats(const struct mbox *mb, struct mbox_stats *st)
{
	st->sent = counter(&mb->snd.sent);
	st->received = counter(&mb->rcv.received);
	st->full_waits = counter(&mb->snd.full_waits);
	/* Rung from both directions: to wake our consumer, and credits for
	 * the peer's producer; each side counts its own. */
	st->doorbells = counter(&mb->snd.doorbells) + counter(&mb->rcv.doorbells);
	st->bad_msgs = counter(&mb->rcv.bad_msgs);
}

/* ---- common checks ------------------------------------------------------- */

static bool peer_closed(const struct mbox *mb)
{
	return mbox_peer_state(mb) == MBOX_SIDE_CLOSED;
}

/* HOST: has the NIC re-created (or is it re-creating) the region? */
static bool region_changed(struct mbox *mb)
{
	if (mb->role != MBOX_HOST)
		return false;
	uint32_t magic = ld_relaxed(&mb->hdr->magic);
	uint64_t epoch = mbox_region_epoch(mb);
	if (magic == MBOX_MAGIC && epoch == mb->open_epoch)
		return false;
	if (!mb->stale_logged) {
		mb->stale_logged = true;
		LOG_WARN(MOD, "%s: the NIC re-created the region (epoch %016llx -> %016llx): reattach",
			 mb->path, (unsigned long long)mb->open_epoch, (unsigned long long)epoch);
	}
	return true;
}

/* Milliseconds left before deadline (timeout -1: forever -> slice). */
static int wait_slice(int timeout_ms, uint64_t deadline)
{
	if (timeout_ms < 0)
		return MBOX_WAIT_SLICE_MS;
	uint64_t now = dfn_now_ms();
	if (now >= deadline)
		return 0;
	return (int)DFN_MIN(deadline - now, (uint64_t)MBOX_WAIT_SLICE_MS);
}

/* ---- send ---------------------------------------------------------------- */

/* Free slots in the tx ring, or -EIO when the consumer index is corrupt.
 * Unlike the consumer's view of prod (rx_avail()), cons is read back on
 * every call: a consumer index rewritten since the last call must be seen
 * (and refused) before a slot is written (the contract tests insist). The
 * read costs little: cons shares its line with `sleeping`, which
 * tx_publish() reads on every call anyway. */
static int tx_credits(struct mbox *mb, uint32_t *cons_out)
{
	/* acquire: pairs with the consumer's release store of cons in
	 * rx_publish(): it has finished copying those slots out, so we may
	 * overwrite them. */
	uint32_t cons = ld_acquire(&mb->tx.ctrl->c.cons);
	uint32_t used = mb->snd.prod - cons;
	if (used > mb->slot_count) {
		if (region_changed(mb))
			return -EPIPE;
		LOG_ERR(MOD, "%s: tx ring corrupt: consumer index %u is %u behind our %u (%u slots)",
			mb->path, cons, used, mb->snd.prod, mb->slot_count);
		mb->snd.broken = true;
		return -EIO;
	}
	/* No bell pending (the consumer has taken everything our last bell
	 * covered): pin bell_at to cons, so it stays within one ring of prod
	 * and tx_ring()'s test never suffers from index wrap-around. */
	if (mb->snd.bell_at - cons - 1 >= mb->slot_count)
		mb->snd.bell_at = cons;
	*cons_out = cons;
	return (int)(mb->slot_count - used);
}

/* The consumer announced it sleeps: bump the doorbell word and wake it,
 * unless the bell we rang last is still pending. */
static void tx_ring(struct mbox *mb)
{
	struct mbox_ring_ctrl *c = mb->tx.ctrl;
	/* Ordered after the acquire load of sleeping in tx_publish(). When the
	 * consumer has not yet consumed up to what our last bell covered, the
	 * `sleeping` we saw was stored before it took those messages (its
	 * cons store precedes its sleeping store, release/acquire), so that
	 * sleep either read the doorbell before our last bump (its wait ends
	 * at once) or after it (then it sees that prod and does not wait);
	 * any later sleep starts after our fence and sees our new prod. So a
	 * second FUTEX_WAKE would wake nobody: skip it. A peer writing
	 * garbage here only delays its own wake-ups (to a wait slice). */
	uint32_t cons = ld_relaxed(&c->c.cons);
	if (mb->snd.bell_at - cons - 1 < mb->slot_count)
		return; /* cons < bell_at: that bell is still pending */
	mb->snd.bell_at = mb->snd.prod;
	/* release RMW: pairs with the acquire load of the doorbell in
	 * rx_wait() (a consumer that reads the new value also sees our prod).
	 * An RMW because mbox_close()/region_init() of the other side bump
	 * this word too (wake_all()). */
	atomic_fetch_add_explicit((_Atomic uint32_t *)&c->p.doorbell, 1, memory_order_release);
	count(&mb->snd.doorbells, 1);
	ring_bell(mb, &c->p.doorbell);
}

static void tx_publish(struct mbox *mb, unsigned k)
{
	struct mbox_ring_ctrl *c = mb->tx.ctrl;
	mb->snd.prod += k;
	/* release: pairs with the consumer's acquire load of prod in
	 * rx_avail(): the slot bytes written above are visible before the
	 * index that covers them. */
	st_release(&c->p.prod, mb->snd.prod);
	/* Full fence: pairs with the one in rx_wait() between its store of
	 * sleeping=1 and its load of prod (Dekker). Either it sees our prod,
	 * or we see its sleeping flag and wake it: no lost wake-up. */
	atomic_thread_fence(memory_order_seq_cst);
	/* acquire: pairs with the release store of sleeping=1 in rx_wait()
	 * (makes the cons stored before it visible to tx_ring()). Nothing is
	 * written on the fast path beyond prod: the doorbell word is only
	 * bumped for a consumer that announced it sleeps. */
	if (ld_acquire(&c->c.sleeping))
		tx_ring(mb);
	count(&mb->snd.sent, k);
}

static int check_msg(const struct mbox *mb, const void *msg, size_t len)
{
	struct mbox_msg_hdr h;
	if (!msg || len < MBOX_MSG_HDR_SIZE || len > mb->slot_size)
		return -EMSGSIZE;
	memcpy(&h, msg, sizeof(h));
	if (le32toh(h.length) != len - MBOX_MSG_HDR_SIZE)
		return -EMSGSIZE;
	if (h.reserved)
		return -EINVAL;
	return 0;
}

int mbox_send_burst(struct mbox *mb, const void *const msgs[], const size_t lens[], unsigned n,
		    int timeout_ms)
{
	if (!mb || !msgs || !lens || !n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int err = check_msg(mb, msgs[i], lens[i]);
		if (err)
			return err;
	}
	if (!mb->hdr)
		return -EPIPE;
	if (mb->snd.broken)
		return -EIO;

	uint64_t deadline = timeout_ms > 0 ? dfn_now_ms() + (uint64_t)timeout_ms : 0;
	bool counted_full = false;
	for (;;) {
		uint32_t cons;
		if (region_changed(mb) || peer_closed(mb))
			return -EPIPE;
		int credits = tx_credits(mb, &cons);
		if (credits < 0)
			return credits;
		if (credits > 0) {
			unsigned k = DFN_MIN((unsigned)credits, n);
			for (unsigned i = 0; i < k; i++) {
				uint32_t idx = (mb->snd.prod + i) & mb->mask;
				memcpy(mb->tx.slots + (size_t)idx * mb->slot_size, msgs[i], lens[i]);
			}
			tx_publish(mb, k);
			return (int)k;
		}
		if (!counted_full) {
			counted_full = true;
			count(&mb->snd.full_waits, 1);
		}
		int slice = timeout_ms == 0 ? 0 : wait_slice(timeout_ms, deadline);
		if (slice == 0)
			return -EAGAIN;
		/* Announce that we wait for credits, then look again. The full
		 * fence pairs with the one in rx_publish() between its cons
		 * store and its credit_wait load. */
		st_relaxed(&mb->tx.ctrl->p.credit_wait, 1);
		atomic_thread_fence(memory_order_seq_cst);
		/* relaxed: only decides whether to sleep; tx_credits() re-reads
		 * cons with acquire before any slot is reused. */
		if (ld_relaxed(&mb->tx.ctrl->c.cons) == cons)
			mb->ops->doorbell_wait(mb, &mb->tx.ctrl->c.cons, htole32(cons), slice);
		st_relaxed(&mb->tx.ctrl->p.credit_wait, 0);
	}
}

int mbox_send(struct mbox *mb, const void *msg, size_t len, int timeout_ms)
{
	const void *msgs[1] = { msg };
	size_t lens[1] = { len };
	int r = mbox_send_burst(mb, msgs, lens, 1, timeout_ms);
	return r < 0 ? r : 0;
}

/* ---- receive ------------------------------------------------------------- */

/* Unread slots in the rx ring, or -EIO when the producer index is corrupt.
 * The cached producer index is used while it shows at least `want`
 * unread slots (the producer only ever adds more); otherwise the shared
 * one is read back, checked, and cached. */
static int rx_avail(struct mbox *mb, unsigned want)
{
	uint32_t n = mb->rcv.prod_cache - mb->rcv.cons;
	if (n >= want)
		return (int)n;
	/* acquire: pairs with the producer's release store of prod in
	 * tx_publish(): the slots it covers are fully written. */
	uint32_t prod = ld_acquire(&mb->rx.ctrl->p.prod);
	n = prod - mb->rcv.cons;
	if (n > mb->slot_count) {
		if (region_changed(mb))
			return -EPIPE;
		LOG_ERR(MOD, "%s: rx ring corrupt: producer index %u is %u ahead of our %u (%u slots)",
			mb->path, prod, n, mb->rcv.cons, mb->slot_count);
		mb->rcv.broken = true;
		return -EIO;
	}
	mb->rcv.prod_cache = prod;
	return (int)n;
}

/* Copy the slot at our cons into buf after checking its framing. Returns
 * the message length, -ENOBUFS, or -EBADMSG (reason in why). Does not
 * consume the slot. */
static int rx_take(struct mbox *mb, void *buf, size_t cap, char *why, size_t wn)
{
	const uint8_t *slot = mb->rx.slots + (size_t)(mb->rcv.cons & mb->mask) * mb->slot_size;
	struct mbox_msg_hdr h;
	/* The one fetch of the header; the peer may rewrite the slot at any
	 * time, so only this copy is looked at (the compiler barrier stops
	 * the loads from being redone from shared memory). */
	memcpy(&h, slot, sizeof(h));
	atomic_signal_fence(memory_order_seq_cst);
	uint32_t len = le32toh(h.length);
	if (len > mb->slot_size - MBOX_MSG_HDR_SIZE) {
		snprintf(why, wn, "length %u exceeds the slot's %zu payload bytes", len,
			 mb->slot_size - MBOX_MSG_HDR_SIZE);
		return -EBADMSG;
	}
	if (h.reserved) {
		snprintf(why, wn, "nonzero reserved field 0x%08x", le32toh(h.reserved));
		return -EBADMSG;
	}
	if (MBOX_MSG_HDR_SIZE + len > cap)
		return -ENOBUFS;
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + sizeof(h), slot + sizeof(h), len);
	return (int)(MBOX_MSG_HDR_SIZE + len);
}

static void rx_publish(struct mbox *mb)
{
	struct mbox_ring_ctrl *c = mb->rx.ctrl;
	/* release: pairs with the producer's acquire load of cons in
	 * tx_credits(): our copies out of the slots are done before it may
	 * reuse them. */
	st_release(&c->c.cons, mb->rcv.cons);
	/* Full fence: pairs with the one in mbox_send_burst() between its
	 * store of credit_wait=1 and its reload of cons. */
	atomic_thread_fence(memory_order_seq_cst);
	if (ld_relaxed(&c->p.credit_wait)) {
		count(&mb->rcv.doorbells, 1);
		ring_bell(mb, &c->c.cons);
	}
}

/* Sleep on the rx doorbell unless something is already there. */
static void rx_wait(struct mbox *mb, int slice)
{
	struct mbox_ring_ctrl *c = mb->rx.ctrl;
	/* acquire: pairs with the release increment in tx_ring(): a bumped
	 * value comes with the prod it was rung for. */
	uint32_t seen = atomic_load_explicit((_Atomic uint32_t *)&c->p.doorbell,
					     memory_order_acquire);
	/* release: pairs with the producer's acquire load of sleeping in
	 * tx_publish() (our cons store in rx_publish() comes with it). */
	st_release(&c->c.sleeping, 1);
	/* Full fence: pairs with the one in tx_publish() (Dekker): our
	 * sleeping=1 vs its prod store. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: only decides whether to sleep; rx_avail() re-reads prod
	 * with acquire before any slot is read. */
	if (ld_relaxed(&c->p.prod) == mb->rcv.cons && !peer_closed(mb))
		mb->ops->doorbell_wait(mb, &c->p.doorbell, seen, slice);
	st_relaxed(&c->c.sleeping, 0);
}

static int recv_many(struct mbox *mb, void *const bufs[], size_t cap, size_t lens[], unsigned n,
		     int timeout_ms)
{
	if (!mb || !bufs || !lens || !n)
		return -EINVAL;
	if (!mb->hdr)
		return -EPIPE;
	if (mb->rcv.broken)
		return -EIO;
	uint64_t deadline = timeout_ms > 0 ? dfn_now_ms() + (uint64_t)timeout_ms : 0;
	for (;;) {
		if (region_changed(mb))
			return -EPIPE;
		/* Peer state before prod: if it had closed, every message it
		 * sent before closing is covered by the prod we read next
		 * (rx_avail() reads it back whenever the cache is short). */
		bool closed = peer_closed(mb);
		int avail = rx_avail(mb, n);
		if (avail < 0)
			return avail;
		if (avail > 0) {
			unsigned got = 0;
			char why[96];
			while (got < n && avail > 0) {
				int r = rx_take(mb, bufs[got], cap, why, sizeof(why));
				if (r == -EBADMSG && got == 0) {
					LOG_ERR(MOD, "%s: dropped malformed message at index %u: %s",
						mb->path, mb->rcv.cons, why);
					mb->rcv.cons++;
					count(&mb->rcv.bad_msgs, 1);
					rx_publish(mb);
					return -EBADMSG;
				}
				if (r < 0) {
					/* Bad slot after good ones: reported by the next
					 * call. -ENOBUFS: the slot stays. */
					if (got == 0)
						return r;
					break;
				}
				lens[got++] = (size_t)r;
				mb->rcv.cons++;
				avail--;
			}
			rx_publish(mb);
			count(&mb->rcv.received, got);
			return (int)got;
		}
		if (closed)
			return -EPIPE;
		int slice = timeout_ms == 0 ? 0 : wait_slice(timeout_ms, deadline);
		if (slice == 0)
			return -EAGAIN;
		rx_wait(mb, slice);
	}
}

int mbox_recv(struct mbox *mb, void *buf, size_t cap, int timeout_ms)
{
	void *bufs[1] = { buf };
	size_t lens[1] = { 0 };
	int r = recv_many(mb, bufs, cap, lens, 1, timeout_ms);
	return r < 0 ? r : (int)lens[0];
}

int mbox_recv_burst(struct mbox *mb, void *const bufs[], size_t lens[], unsigned n,
		    int timeout_ms)
{
	return recv_many(mb, bufs, mb ? mb->slot_size : 0, lens, n, timeout_ms);
}
