/* tests/unit/test_mbox_contract.c: the mailbox transport contract. One
 * table of tests (contract_tests[]) runs against every transport of
 * drivers/mbox (loop, shm on a temporary file, pci on a temporary file that
 * stands in for a BAR): one CUnit suite per transport, mbox_contract_<name>,
 * whose init selects the transport. The tests drive both ends through
 * mbox.h and reach into the shared region (mbox_region(), the layout of
 * mbox_wire.h) to play a misbehaving peer. Errors provoked on purpose are
 * captured with dfn_log_set_hook() and asserted to have been logged. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"
#include "tests/unit/unit.h"

#define SLOT_SIZE 128u
#define SLOT_COUNT 8u
#define PCI_BAR_SIZE (1u << 20) /* like an ivshmem BAR */
#define HDR_LEN sizeof(struct mbox_msg_hdr)
#define MAX_PAYLOAD (SLOT_SIZE - HDR_LEN)

/* ---- the transport under test -------------------------------------------- */

struct transport_case {
	const char *scheme; /* URI scheme */
	int file;           /* backed by a file in unit_tmpdir() */
	int prealloc;       /* the file must exist before the NIC opens (a BAR) */
};

static const struct transport_case case_loop = { "loop", 0, 0 };
static const struct transport_case case_shm = { "shm", 1, 0 };
static const struct transport_case case_pci = { "pci", 1, 1 };

static const struct transport_case *cur;
static unsigned uri_counter;
static char cur_uri[512];  /* URI of the current test's mailbox */
static char cur_path[400]; /* its file (file transports) */

/* A fresh mailbox name for one test (and, for pci, its "BAR" file). */
static void new_mailbox(void)
{
	uri_counter++;
	if (!cur->file) {
		snprintf(cur_uri, sizeof(cur_uri), "loop:contract-%u", uri_counter);
		return;
	}
	snprintf(cur_path, sizeof(cur_path), "%s/dfnic-mbox-%s-%d-%u", unit_tmpdir(), cur->scheme,
		 (int)getpid(), uri_counter);
	snprintf(cur_uri, sizeof(cur_uri), "%s:%s", cur->scheme, cur_path);
	unlink(cur_path);
	if (cur->prealloc) {
		FILE *f = fopen(cur_path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(ftruncate(fileno(f), PCI_BAR_SIZE), 0);
		fclose(f);
	}
}

static void drop_mailbox(void)
{
	if (cur->file)
		unlink(cur_path);
}

static const struct mbox_params test_params = { .slot_size = SLOT_SIZE,
						.slot_count = SLOT_COUNT };

static void open_pair_p(const struct mbox_params *p, struct mbox **nic, struct mbox **host)
{
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, p, nic), 0);
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_HOST, NULL, host), 0);
}

static void open_pair(struct mbox **nic, struct mbox **host)
{
	open_pair_p(&test_params, nic, host);
}

static void close_pair(struct mbox *nic, struct mbox *host)
{
	mbox_close(host);
	mbox_close(nic);
	drop_mailbox();
}

/* ---- messages -------------------------------------------------------------- */

static uint8_t pattern(uint32_t seq, size_t i) { return (uint8_t)(seq * 31u + i * 7u + 1u); }

/* A framed message of plen payload bytes whose content depends on seq. */
static size_t make_msg(uint8_t *buf, uint32_t seq, size_t plen)
{
	struct mbox_msg_hdr h = { .type = htole16(0x20), .flags = 0,
				  .length = htole32((uint32_t)plen), .seq = htole32(seq) };
	memcpy(buf, &h, sizeof(h));
	for (size_t i = 0; i < plen; i++)
		buf[HDR_LEN + i] = pattern(seq, i);
	return HDR_LEN + plen;
}

/* 1 when buf (len bytes) is exactly make_msg(seq, plen). */
static int msg_ok(const uint8_t *buf, int len, uint32_t seq, size_t plen)
{
	uint8_t want[SLOT_SIZE];
	size_t wl = make_msg(want, seq, plen);
	return len == (int)wl && !memcmp(buf, want, wl);
}

static size_t plen_for(uint32_t seq) { return (seq * 13u) % (MAX_PAYLOAD + 1); }

static int send_seq(struct mbox *mb, uint32_t seq, int timeout_ms)
{
	uint8_t buf[SLOT_SIZE];
	return mbox_send(mb, buf, make_msg(buf, seq, plen_for(seq)), timeout_ms);
}

static int recv_seq(struct mbox *mb, uint32_t seq, int timeout_ms)
{
	uint8_t buf[SLOT_SIZE];
	int r = mbox_recv(mb, buf, sizeof(buf), timeout_ms);
	if (r < 0)
		return r;
	return msg_ok(buf, r, seq, plen_for(seq)) ? 0 : -EILSEQ;
}

/* ---- the shared region, seen by a misbehaving peer -------------------------- */

static struct mbox_region_hdr *region(struct mbox *mb)
{
	return mbox_region(mb, NULL);
}

static struct mbox_ring_ctrl *ring_ctrl(struct mbox *mb, int r)
{
	struct mbox_region_hdr *h = region(mb);
	return (struct mbox_ring_ctrl *)((uint8_t *)h + le32toh(h->ring_ctrl_off[r]));
}

static uint8_t *ring_slot(struct mbox *mb, int r, uint32_t idx)
{
	struct mbox_region_hdr *h = region(mb);
	uint32_t mask = le32toh(h->slot_count) - 1;
	return (uint8_t *)h + le32toh(h->ring_slots_off[r]) +
	       (size_t)(idx & mask) * le32toh(h->slot_size);
}

/* ---- log capture ------------------------------------------------------------ */

static struct {
	int lines;      /* warnings and errors seen */
	char all[4096]; /* their text, one per line */
} cap;

static void cap_hook(enum dfn_log_level lvl, const char *line, void *arg)
{
	if (lvl > DFN_LOG_WARN)
		return;
	cap.lines++;
	size_t used = strlen(cap.all);
	snprintf(cap.all + used, sizeof(cap.all) - used, "%s\n", line);
}

static void cap_begin(void)
{
	memset(&cap, 0, sizeof(cap));
	dfn_log_set_hook(cap_hook, NULL);
	dfn_log_set_quiet(1);
}

static void cap_end(void)
{
	dfn_log_set_hook(NULL, NULL);
	dfn_log_set_quiet(0);
}

static int logged(const char *what) { return strstr(cap.all, what) != NULL; }

static uint64_t now_ms(void) { return dfn_now_ms(); }

/* ---- tests ------------------------------------------------------------------- */

/* Many messages of varying sizes, both ways, interleaved sends and
 * receives: every one arrives once, in order, intact. */
static void test_ordering(void)
{
	struct mbox *nic, *host;
	open_pair(&nic, &host);
	struct mbox *ends[2][2] = { { host, nic }, { nic, host } };
	for (int dir = 0; dir < 2; dir++) {
		struct mbox *tx = ends[dir][0], *rx = ends[dir][1];
		uint32_t next_tx = 0, next_rx = 0, lcg = 12345;
		int bad = 0;
		while (next_rx < 500) {
			lcg = lcg * 1103515245u + 12345u;
			unsigned nsend = (lcg >> 16) % (SLOT_COUNT + 2);
			for (unsigned i = 0; i < nsend && next_tx < 500; i++) {
				int r = send_seq(tx, next_tx, 0);
				if (r == -EAGAIN)
					break;
				bad += r != 0;
				next_tx++;
			}
			unsigned nrecv = (lcg >> 8) % (SLOT_COUNT + 2);
			for (unsigned i = 0; i < nrecv && next_rx < next_tx; i++)
				bad += recv_seq(rx, next_rx++, 0) != 0;
			if (bad)
				break;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(next_rx, 500);
		CU_ASSERT_EQUAL(mbox_recv(rx, (uint8_t[SLOT_SIZE]){ 0 }, SLOT_SIZE, 0), -EAGAIN);
		struct mbox_stats st;
		mbox_get_stats(tx, &st);
		CU_ASSERT_EQUAL(st.sent, 500);
		mbox_get_stats(rx, &st);
		CU_ASSERT_EQUAL(st.received, 500);
	}
	close_pair(nic, host);
}

/* Run n messages through both rings in lock-step batches. */
static int pump(struct mbox *a, struct mbox *b, uint32_t n)
{
	for (uint32_t seq = 0; seq < n; seq += SLOT_COUNT) {
		uint32_t k = DFN_MIN(SLOT_COUNT, n - seq);
		for (uint32_t i = 0; i < k; i++)
			if (send_seq(a, seq + i, 0) || send_seq(b, seq + i, 0))
				return -1;
		for (uint32_t i = 0; i < k; i++)
			if (recv_seq(b, seq + i, 0) || recv_seq(a, seq + i, 0))
				return -1;
	}
	return 0;
}

/* Far more messages than slots, and indices crossing the 32-bit wrap. */
static void test_wraparound(void)
{
	struct mbox *nic, *host;
	open_pair(&nic, &host);
	CU_ASSERT_EQUAL(pump(host, nic, 40 * SLOT_COUNT + 3), 0);
	close_pair(nic, host);

	struct mbox_params p = test_params;
	p.first_index = UINT32_MAX - 2 * SLOT_COUNT - 1;
	open_pair_p(&p, &nic, &host);
	CU_ASSERT_EQUAL(le32toh(ring_ctrl(nic, MBOX_RING_H2N)->p.prod), p.first_index);
	CU_ASSERT_EQUAL(pump(host, nic, 6 * SLOT_COUNT + 5), 0);
	/* The indices really wrapped past zero. */
	uint32_t end = p.first_index + 6 * SLOT_COUNT + 5;
	CU_ASSERT(end < 1000);
	CU_ASSERT_EQUAL(le32toh(ring_ctrl(nic, MBOX_RING_H2N)->p.prod), end);
	CU_ASSERT_EQUAL(le32toh(ring_ctrl(nic, MBOX_RING_H2N)->c.cons), end);
	CU_ASSERT_EQUAL(le32toh(ring_ctrl(nic, MBOX_RING_N2H)->p.prod), end);
	/* Fill and drain across the wrap too. */
	for (uint32_t i = 0; i < SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(send_seq(host, 100 + i, 0), 0);
	CU_ASSERT_EQUAL(send_seq(host, 999, 0), -EAGAIN);
	for (uint32_t i = 0; i < SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(recv_seq(nic, 100 + i, 0), 0);
	close_pair(nic, host);
}

/* A full ring refuses with -EAGAIN, overwrites nothing, and takes messages
 * again once the consumer drained it. */
static void test_full_ring(void)
{
	struct mbox *nic, *host;
	struct mbox_stats st;
	open_pair(&nic, &host);
	for (uint32_t i = 0; i < SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(send_seq(host, i, 0), 0);
	CU_ASSERT_EQUAL(send_seq(host, 1000, 0), -EAGAIN);
	CU_ASSERT_EQUAL(send_seq(host, 1001, 20), -EAGAIN); /* waits, still nothing */
	mbox_get_stats(host, &st);
	CU_ASSERT_EQUAL(st.sent, SLOT_COUNT);
	CU_ASSERT_EQUAL(st.full_waits, 2);
	/* Nothing overwritten: exactly the first SLOT_COUNT, in order. */
	for (uint32_t i = 0; i < SLOT_COUNT / 2; i++)
		CU_ASSERT_EQUAL(recv_seq(nic, i, 0), 0);
	for (uint32_t i = SLOT_COUNT; i < SLOT_COUNT + SLOT_COUNT / 2; i++)
		CU_ASSERT_EQUAL(send_seq(host, i, 0), 0);
	CU_ASSERT_EQUAL(send_seq(host, 1002, 0), -EAGAIN);
	for (uint32_t i = SLOT_COUNT / 2; i < SLOT_COUNT + SLOT_COUNT / 2; i++)
		CU_ASSERT_EQUAL(recv_seq(nic, i, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 0, 0), -EAGAIN);

	/* A burst takes what credit there is and reports the count. */
	uint8_t bufs[5][SLOT_SIZE];
	const void *msgs[5];
	size_t lens[5];
	for (uint32_t i = 0; i < SLOT_COUNT - 2; i++)
		CU_ASSERT_EQUAL(send_seq(host, 2000 + i, 0), 0);
	for (uint32_t i = 0; i < 5; i++) {
		lens[i] = make_msg(bufs[i], 3000 + i, plen_for(3000 + i));
		msgs[i] = bufs[i];
	}
	CU_ASSERT_EQUAL(mbox_send_burst(host, msgs, lens, 5, 0), 2);
	CU_ASSERT_EQUAL(mbox_send_burst(host, msgs, lens, 5, 0), -EAGAIN);
	for (uint32_t i = 0; i < SLOT_COUNT - 2; i++)
		CU_ASSERT_EQUAL(recv_seq(nic, 2000 + i, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 3000, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 3001, 0), 0);
	close_pair(nic, host);
}

/* Too big for a slot, or framing that disagrees with the length given:
 * -EMSGSIZE, and nothing reaches the ring. */
static void test_oversize(void)
{
	struct mbox *nic, *host;
	uint8_t buf[2 * SLOT_SIZE];
	open_pair(&nic, &host);
	CU_ASSERT_EQUAL(mbox_max_msg(host), SLOT_SIZE);
	CU_ASSERT_EQUAL(mbox_max_msg(nic), SLOT_SIZE);
	size_t len = make_msg(buf, 1, MAX_PAYLOAD + 1);
	CU_ASSERT_EQUAL(mbox_send(host, buf, len, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(mbox_send(nic, buf, len, 0), -EMSGSIZE);
	len = make_msg(buf, 2, 10);
	CU_ASSERT_EQUAL(mbox_send(host, buf, len + 1, 0), -EMSGSIZE); /* length says 10 */
	CU_ASSERT_EQUAL(mbox_send(host, buf, HDR_LEN - 1, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(mbox_recv(nic, buf, sizeof(buf), 0), -EAGAIN);
	/* Exactly one slot is fine. */
	len = make_msg(buf, 3, MAX_PAYLOAD);
	CU_ASSERT_EQUAL(mbox_send(host, buf, len, 0), 0);
	memset(buf, 0, sizeof(buf));
	int r = mbox_recv(nic, buf, sizeof(buf), 0);
	CU_ASSERT(msg_ok(buf, r, 3, MAX_PAYLOAD));
	/* A receive buffer too small keeps the message for a bigger one. */
	CU_ASSERT_EQUAL(send_seq(nic, 7, 0), 0);
	CU_ASSERT_EQUAL(mbox_recv(host, buf, HDR_LEN + plen_for(7) - 1, 0), -ENOBUFS);
	CU_ASSERT_EQUAL(recv_seq(host, 7, 0), 0);
	close_pair(nic, host);
}

/* The peer closes: what it sent is still delivered, then -EPIPE. */
static void test_peer_gone(void)
{
	struct mbox *nic, *host;
	open_pair(&nic, &host);
	CU_ASSERT_EQUAL(mbox_peer_state(host), MBOX_SIDE_ALIVE);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ALIVE);
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(send_seq(nic, i, 0), 0);
	mbox_close(nic);
	CU_ASSERT_EQUAL(mbox_peer_state(host), MBOX_SIDE_CLOSED);
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(recv_seq(host, i, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(host, 3, 0), -EPIPE);
	CU_ASSERT_EQUAL(recv_seq(host, 3, 100), -EPIPE);
	CU_ASSERT_EQUAL(send_seq(host, 9, 0), -EPIPE);
	mbox_close(host);
	drop_mailbox();

	/* The other way round. */
	open_pair(&nic, &host);
	for (uint32_t i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(send_seq(host, i, 0), 0);
	mbox_close(host);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_CLOSED);
	CU_ASSERT_EQUAL(recv_seq(nic, 0, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 1, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 2, 0), -EPIPE);
	CU_ASSERT_EQUAL(send_seq(nic, 9, 0), -EPIPE);
	/* A new host brings the NIC's side back to life. */
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), 0);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ALIVE);
	CU_ASSERT_EQUAL(send_seq(host, 5, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 5, 0), 0);
	close_pair(nic, host);
}

/* Nobody created the mailbox yet: -ENOENT. */
static void test_no_mailbox(void)
{
	struct mbox *host = NULL;
	new_mailbox();
	drop_mailbox(); /* pci: no BAR file either */
	cap_begin();
	CU_ASSERT_EQUAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), -ENOENT);
	cap_end();
	CU_ASSERT_PTR_NULL(host);
}

/* Wrong magic / layout version: the host refuses to attach and says why. */
static void test_version_mismatch(void)
{
	struct mbox *nic, *host = NULL;
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	struct mbox_region_hdr *h = region(nic);

	cap_begin();
	h->layout_version = htole16(MBOX_LAYOUT_VERSION + 1);
	CU_ASSERT_EQUAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), -EPROTONOSUPPORT);
	CU_ASSERT(logged("layout version 2 not supported"));
	h->layout_version = htole16(MBOX_LAYOUT_VERSION);

	h->magic = htole32(0x12345678);
	CU_ASSERT_EQUAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), -EPROTO);
	CU_ASSERT(logged("bad magic 0x12345678"));
	h->magic = htole32(MBOX_MAGIC);
	cap_end();
	CU_ASSERT_PTR_NULL(host);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ABSENT);

	/* Restored, it attaches. */
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), 0);
	close_pair(nic, host);
}

/* Each corrupt geometry field of the region header fails the attach with
 * -EBADMSG and a logged reason; nothing is touched outside the mapping. */
static void test_corrupt_region_header(void)
{
	struct mbox *nic, *host = NULL;
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	size_t mapped;
	struct mbox_region_hdr *h = mbox_region(nic, &mapped);
	const struct mbox_region_hdr good = *h;
	uint32_t rsz = le32toh(good.region_size);
	struct {
		const char *name;   /* what is broken */
		size_t off;         /* field offset */
		size_t width;       /* 2 or 4 bytes */
		uint64_t value;     /* bad value */
		const char *reason; /* expected in the log */
	} cases[] = {
		{ "hdr_size", offsetof(struct mbox_region_hdr, hdr_size), 2, 32, "header size 32" },
		{ "region_size>mapped", offsetof(struct mbox_region_hdr, region_size), 4,
		  mapped + 64, "region size" },
		{ "region_size tiny", offsetof(struct mbox_region_hdr, region_size), 4, 16,
		  "region size 16" },
		{ "slot_size !pow2", offsetof(struct mbox_region_hdr, slot_size), 4, 96,
		  "slot size 96" },
		{ "slot_size small", offsetof(struct mbox_region_hdr, slot_size), 4, 32,
		  "slot size 32" },
		{ "slot_size huge", offsetof(struct mbox_region_hdr, slot_size), 4, 1u << 31,
		  "slot size 2147483648" },
		{ "slot_count !pow2", offsetof(struct mbox_region_hdr, slot_count), 4, 6,
		  "slot count 6" },
		{ "slot_count 0", offsetof(struct mbox_region_hdr, slot_count), 4, 0, "slot count 0" },
		{ "slot_count big", offsetof(struct mbox_region_hdr, slot_count), 4, 65536,
		  "ring 0 slots" },
		{ "ctrl beyond", offsetof(struct mbox_region_hdr, ring_ctrl_off[1]), 4, rsz - 64,
		  "ring 1 control" },
		{ "ctrl huge", offsetof(struct mbox_region_hdr, ring_ctrl_off[0]), 4, 0xffffffc0u,
		  "beyond region size" },
		{ "slots misaligned", offsetof(struct mbox_region_hdr, ring_slots_off[0]), 4,
		  le32toh(good.ring_slots_off[0]) + 8, "not 64-byte aligned" },
		{ "slots overlap", offsetof(struct mbox_region_hdr, ring_slots_off[1]), 4,
		  le32toh(good.ring_slots_off[0]), "ring 1 slots overlaps ring 0 slots" },
		{ "ctrl on header", offsetof(struct mbox_region_hdr, ring_ctrl_off[0]), 4, 0,
		  "ring 0 control overlaps header" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cap_begin();
		uint8_t *field = (uint8_t *)h + cases[i].off;
		if (cases[i].width == 2) {
			uint16_t v = htole16((uint16_t)cases[i].value);
			memcpy(field, &v, 2);
		} else {
			uint32_t v = htole32((uint32_t)cases[i].value);
			memcpy(field, &v, 4);
		}
		int r = mbox_open(cur_uri, MBOX_HOST, NULL, &host);
		int seen = logged(cases[i].reason);
		cap_end();
		if (r != -EBADMSG || !seen)
			fprintf(stderr, "\n  case %s: open %d, log: %s", cases[i].name, r, cap.all);
		CU_ASSERT_EQUAL(r, -EBADMSG);
		CU_ASSERT(seen);
		*h = good;
	}
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), 0);
	CU_ASSERT_EQUAL(send_seq(host, 1, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 1, 0), 0);
	close_pair(nic, host);
}

/* A slot whose header length exceeds the slot: -EBADMSG, logged, skipped;
 * the next message still arrives. Same for a nonzero reserved field. */
static void test_garbage_slot_header(void)
{
	struct mbox *nic, *host;
	struct mbox_stats st;
	open_pair(&nic, &host);
	uint32_t base = le32toh(ring_ctrl(nic, MBOX_RING_N2H)->p.prod);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(send_seq(nic, i, 0), 0);
	struct mbox_msg_hdr *h0 = (struct mbox_msg_hdr *)ring_slot(nic, MBOX_RING_N2H, base);
	struct mbox_msg_hdr *h2 = (struct mbox_msg_hdr *)ring_slot(nic, MBOX_RING_N2H, base + 2);
	h0->length = htole32(SLOT_SIZE); /* one slot's worth, header included: too long */
	h2->reserved = htole32(0x40);

	cap_begin();
	CU_ASSERT_EQUAL(recv_seq(host, 0, 0), -EBADMSG);
	CU_ASSERT(logged("length 128 exceeds the slot's 112 payload bytes"));
	CU_ASSERT_EQUAL(recv_seq(host, 1, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(host, 2, 0), -EBADMSG);
	CU_ASSERT(logged("nonzero reserved field 0x00000040"));
	CU_ASSERT_EQUAL(recv_seq(host, 3, 0), 0);
	cap_end();
	mbox_get_stats(host, &st);
	CU_ASSERT_EQUAL(st.bad_msgs, 2);
	CU_ASSERT_EQUAL(st.received, 2);

	/* In a burst, the good messages before a bad one come first. */
	base = le32toh(ring_ctrl(host, MBOX_RING_H2N)->p.prod);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(send_seq(host, 10 + i, 0), 0);
	((struct mbox_msg_hdr *)ring_slot(host, MBOX_RING_H2N, base + 2))->length =
		htole32(0xffffffffu);
	uint8_t b[4][SLOT_SIZE];
	void *bufs[4] = { b[0], b[1], b[2], b[3] };
	size_t lens[4];
	cap_begin();
	CU_ASSERT_EQUAL(mbox_recv_burst(nic, bufs, lens, 4, 0), 2);
	CU_ASSERT(msg_ok(b[0], (int)lens[0], 10, plen_for(10)));
	CU_ASSERT(msg_ok(b[1], (int)lens[1], 11, plen_for(11)));
	CU_ASSERT_EQUAL(mbox_recv_burst(nic, bufs, lens, 4, 0), -EBADMSG);
	CU_ASSERT(logged("length 4294967295 exceeds"));
	CU_ASSERT_EQUAL(mbox_recv_burst(nic, bufs, lens, 4, 0), 1);
	CU_ASSERT(msg_ok(b[0], (int)lens[0], 13, plen_for(13)));
	cap_end();
	close_pair(nic, host);
}

/* Producer index more than one ring ahead: -EIO, logged, and it sticks.
 * Same for a consumer index that makes the sender's ring look overfull. */
static void test_corrupt_indices(void)
{
	struct mbox *nic, *host;
	open_pair(&nic, &host);
	CU_ASSERT_EQUAL(send_seq(nic, 0, 0), 0);
	struct mbox_ring_ctrl *n2h = ring_ctrl(nic, MBOX_RING_N2H);
	uint32_t cons = le32toh(n2h->c.cons);
	n2h->p.prod = htole32(cons + SLOT_COUNT + 1);
	cap_begin();
	CU_ASSERT_EQUAL(recv_seq(host, 0, 0), -EIO);
	CU_ASSERT(logged("rx ring corrupt"));
	n2h->p.prod = htole32(cons + 1); /* even if it looks sane again */
	CU_ASSERT_EQUAL(recv_seq(host, 0, 0), -EIO);

	/* prod - cons == slot_count exactly is a full ring, not corruption. */
	struct mbox_ring_ctrl *h2n = ring_ctrl(nic, MBOX_RING_H2N);
	uint32_t prod = le32toh(h2n->p.prod);
	h2n->c.cons = htole32(prod - SLOT_COUNT);
	CU_ASSERT_EQUAL(send_seq(host, 1, 0), -EAGAIN);
	/* The NIC "consumed" past what was produced: corrupt. */
	h2n->c.cons = htole32(prod + 1);
	CU_ASSERT_EQUAL(send_seq(host, 1, 0), -EIO);
	CU_ASSERT(logged("tx ring corrupt"));

	/* And on the NIC side, a host producer index running away. */
	h2n->p.prod = htole32(prod + SLOT_COUNT + 1);
	CU_ASSERT_EQUAL(recv_seq(nic, 0, 0), -EIO);
	CU_ASSERT(logged("rx ring corrupt: producer index"));
	cap_end();
	close_pair(nic, host);

	/* Attaching to a region whose host->NIC indices are corrupt fails. */
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	h2n = ring_ctrl(nic, MBOX_RING_H2N);
	h2n->p.prod = htole32(le32toh(h2n->c.cons) + SLOT_COUNT + 1);
	cap_begin();
	CU_ASSERT_EQUAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), -EIO);
	CU_ASSERT(logged("host->NIC ring indices corrupt"));
	cap_end();
	mbox_close(nic);
	drop_mailbox();
}

/* ---- blocking behaviour (threads) -------------------------------------------- */

struct waiter {
	struct mbox *mb;       /* end the thread uses */
	int timeout_ms;        /* for its call */
	uint32_t seq;          /* message it sends / expects */
	int result;            /* what the call returned */
	uint64_t elapsed_ms;   /* how long it took */
	uint64_t cpu_ms;       /* thread CPU time it used */
	atomic_int done;       /* set when the call returned */
};

static uint64_t thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *recv_thread(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = now_ms(), c0 = thread_cpu_ms();
	w->result = recv_seq(w->mb, w->seq, w->timeout_ms);
	w->cpu_ms = thread_cpu_ms() - c0;
	w->elapsed_ms = now_ms() - t0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void *send_thread(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = now_ms(), c0 = thread_cpu_ms();
	w->result = send_seq(w->mb, w->seq, w->timeout_ms);
	w->cpu_ms = thread_cpu_ms() - c0;
	w->elapsed_ms = now_ms() - t0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	/* A signal (e.g. SIGIO from a DPDK tap port in the same runner) must
	 * not cut the sleep short: the tests measure from it. */
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A receiver blocked on an empty ring is woken by the doorbell when a
 * message arrives from another thread. */
static void test_blocking_recv_doorbell(void)
{
	struct mbox *nic, *host;
	pthread_t t;
	open_pair(&nic, &host);
	struct waiter w = { .mb = host, .timeout_ms = 5000, .seq = 42 };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, recv_thread, &w), 0);
	sleep_ms(100);
	CU_ASSERT_EQUAL(atomic_load(&w.done), 0); /* it really waits */
	CU_ASSERT_EQUAL(send_seq(nic, 42, 0), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(w.result, 0);
	/* Woken by the doorbell, not by the MBOX_WAIT_SLICE_MS re-check. */
	CU_ASSERT(w.elapsed_ms >= 90);
	CU_ASSERT(w.elapsed_ms < 100 + MBOX_WAIT_SLICE_MS / 2);
	if (w.elapsed_ms >= 100 + MBOX_WAIT_SLICE_MS / 2)
		fprintf(stderr, "\n  woken after %llu ms", (unsigned long long)w.elapsed_ms);
	close_pair(nic, host);
}

/* A sender blocked on a full ring resumes when the consumer drains. */
static void test_blocked_sender_resumes(void)
{
	struct mbox *nic, *host;
	pthread_t t;
	open_pair(&nic, &host);
	for (uint32_t i = 0; i < SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(send_seq(host, i, 0), 0);
	struct waiter w = { .mb = host, .timeout_ms = 5000, .seq = SLOT_COUNT };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, send_thread, &w), 0);
	sleep_ms(100);
	CU_ASSERT_EQUAL(atomic_load(&w.done), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 0, 0), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(w.result, 0);
	/* Woken by the doorbell, not by the MBOX_WAIT_SLICE_MS re-check. */
	CU_ASSERT(w.elapsed_ms >= 90);
	CU_ASSERT(w.elapsed_ms < 100 + MBOX_WAIT_SLICE_MS / 2);
	if (w.elapsed_ms >= 100 + MBOX_WAIT_SLICE_MS / 2)
		fprintf(stderr, "\n  woken after %llu ms", (unsigned long long)w.elapsed_ms);
	for (uint32_t i = 1; i <= SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(recv_seq(nic, i, 0), 0);
	struct mbox_stats st;
	mbox_get_stats(host, &st);
	CU_ASSERT_EQUAL(st.full_waits, 1);
	close_pair(nic, host);
}

/* Waiting costs no CPU: an idle receiver and a credit-starved sender sleep. */
static void test_idle_wait_sleeps(void)
{
	struct mbox *nic, *host;
	pthread_t t;
	open_pair(&nic, &host);
	struct waiter w = { .mb = host, .timeout_ms = 400, .seq = 1 };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, recv_thread, &w), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(w.result, -EAGAIN);
	CU_ASSERT(w.elapsed_ms >= 390);
	CU_ASSERT(w.cpu_ms < 100);
	if (w.cpu_ms >= 100)
		fprintf(stderr, "\n  idle recv used %llu ms CPU in %llu ms",
			(unsigned long long)w.cpu_ms, (unsigned long long)w.elapsed_ms);

	for (uint32_t i = 0; i < SLOT_COUNT; i++)
		CU_ASSERT_EQUAL(send_seq(host, i, 0), 0);
	struct waiter s = { .mb = host, .timeout_ms = 400, .seq = 99 };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, send_thread, &s), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.result, -EAGAIN);
	CU_ASSERT(s.elapsed_ms >= 390);
	CU_ASSERT(s.cpu_ms < 100);
	close_pair(nic, host);
}

/* A receiver blocked forever is released with -EPIPE when the peer closes. */
static void test_close_wakes_receiver(void)
{
	struct mbox *nic, *host;
	pthread_t t;
	open_pair(&nic, &host);
	struct waiter w = { .mb = host, .timeout_ms = -1, .seq = 1 };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, recv_thread, &w), 0);
	sleep_ms(50);
	mbox_close(nic);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(w.result, -EPIPE);
	CU_ASSERT(w.elapsed_ms < 50 + MBOX_WAIT_SLICE_MS + 200);
	mbox_close(host);
	drop_mailbox();
}

/* The NIC re-creates the region under an attached host: the host sees a
 * new epoch, gets -EPIPE, reattaches and talks again. */
static void test_recreate_reattach(void)
{
	struct mbox *nic, *host;
	open_pair(&nic, &host);
	uint64_t e1 = mbox_open_epoch(host);
	CU_ASSERT_EQUAL(e1, mbox_open_epoch(nic));
	CU_ASSERT_EQUAL(mbox_region_epoch(host), e1);
	CU_ASSERT_EQUAL(send_seq(host, 1, 0), 0);
	mbox_close(nic);
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	uint64_t e2 = mbox_open_epoch(nic);
	CU_ASSERT_NOT_EQUAL(e1, e2);
	CU_ASSERT_EQUAL(mbox_region_epoch(host), e2);
	CU_ASSERT_EQUAL(mbox_open_epoch(host), e1);
	CU_ASSERT_EQUAL(recv_seq(nic, 1, 0), -EAGAIN); /* the old ring is gone */
	cap_begin();
	CU_ASSERT_EQUAL(recv_seq(host, 1, 0), -EPIPE);
	CU_ASSERT_EQUAL(send_seq(host, 1, 0), -EPIPE);
	CU_ASSERT(logged("re-created the region"));
	cap_end();
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ABSENT);
	CU_ASSERT_EQUAL(mbox_reattach(host), 0);
	CU_ASSERT_EQUAL(mbox_open_epoch(host), e2);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ALIVE);
	CU_ASSERT_EQUAL(send_seq(host, 2, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(nic, 2, 0), 0);
	CU_ASSERT_EQUAL(send_seq(nic, 3, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(host, 3, 0), 0);
	CU_ASSERT_EQUAL(mbox_reattach(nic), -EINVAL); /* host role only */
	close_pair(nic, host);
}

/* Messages the NIC sent before any host attached are not delivered to it. */
static void test_stale_discarded(void)
{
	struct mbox *nic, *host;
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	CU_ASSERT_EQUAL(send_seq(nic, 1, 0), 0);
	CU_ASSERT_EQUAL(send_seq(nic, 2, 0), 0);
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_HOST, NULL, &host), 0);
	CU_ASSERT_EQUAL(recv_seq(host, 1, 0), -EAGAIN);
	CU_ASSERT_EQUAL(send_seq(nic, 3, 0), 0);
	CU_ASSERT_EQUAL(recv_seq(host, 3, 0), 0);
	close_pair(nic, host);
}

/* The host end in another process (another thread for loop): echoes n
 * messages back with blocking calls. Returns 0 or a step number. */
static int echo_peer(const char *uri, int n)
{
	struct mbox *h;
	uint8_t buf[SLOT_SIZE];
	if (mbox_open(uri, MBOX_HOST, NULL, &h))
		return 2;
	for (int i = 0; i < n; i++) {
		int r = mbox_recv(h, buf, sizeof(buf), 5000);
		if (r < 0 || mbox_send(h, buf, (size_t)r, 5000)) {
			mbox_close(h);
			return 3;
		}
	}
	mbox_close(h);
	return 0;
}

struct echo_arg {
	const char *uri; /* mailbox */
	int n;           /* messages */
	int rc;          /* echo_peer() result */
};

static void *echo_thread(void *arg)
{
	struct echo_arg *a = arg;
	a->rc = echo_peer(a->uri, a->n);
	return NULL;
}

/* Ping-pong with a peer in another process: both ends block in the kernel
 * (or poll, pci) and are woken by the other's doorbell. A doorbell that
 * does not cross processes (a private futex on a shared file) would leave
 * every round trip to the MBOX_WAIT_SLICE_MS re-check and blow the time
 * bound. */
static void test_cross_process_ping_pong(void)
{
	enum { ROUNDS = 200 };
	struct mbox *nic;
	pthread_t t;
	pid_t pid = -1;
	struct echo_arg ea = { cur_uri, ROUNDS, -1 };
	new_mailbox();
	CU_ASSERT_EQUAL_FATAL(mbox_open(cur_uri, MBOX_NIC, &test_params, &nic), 0);
	if (cur->file) {
		fflush(NULL);
		pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0)
			_exit(echo_peer(cur_uri, ROUNDS));
	} else {
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, echo_thread, &ea), 0);
	}
	uint64_t t0 = now_ms();
	while (mbox_peer_state(nic) != MBOX_SIDE_ALIVE && now_ms() - t0 < 5000)
		sleep_ms(1);
	CU_ASSERT_EQUAL(mbox_peer_state(nic), MBOX_SIDE_ALIVE);
	t0 = now_ms();
	int bad = 0;
	for (uint32_t i = 0; i < ROUNDS && !bad; i++) {
		bad += send_seq(nic, i, 5000) != 0;
		bad += recv_seq(nic, i, 5000) != 0;
	}
	uint64_t took = now_ms() - t0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(took < 2000);
	if (took >= 2000)
		fprintf(stderr, "\n  %d round trips took %llu ms", ROUNDS, (unsigned long long)took);
	CU_ASSERT_EQUAL(recv_seq(nic, 0, 5000), -EPIPE); /* the peer closed */
	if (pid > 0) {
		int status = 0;
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	} else {
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(ea.rc, 0);
	}
	mbox_close(nic);
	drop_mailbox();
}

static const struct unit_test contract_tests[] = {
	UNIT_TEST(test_ordering),
	UNIT_TEST(test_wraparound),
	UNIT_TEST(test_full_ring),
	UNIT_TEST(test_oversize),
	UNIT_TEST(test_peer_gone),
	UNIT_TEST(test_no_mailbox),
	UNIT_TEST(test_version_mismatch),
	UNIT_TEST(test_corrupt_region_header),
	UNIT_TEST(test_garbage_slot_header),
	UNIT_TEST(test_corrupt_indices),
	UNIT_TEST(test_blocking_recv_doorbell),
	UNIT_TEST(test_blocked_sender_resumes),
	UNIT_TEST(test_idle_wait_sleeps),
	UNIT_TEST(test_close_wakes_receiver),
	UNIT_TEST(test_recreate_reattach),
	UNIT_TEST(test_stale_discarded),
	UNIT_TEST(test_cross_process_ping_pong),
	{ NULL, NULL },
};

/* One suite per built-in transport, all running contract_tests[]. */
#define CONTRACT_SUITE(tname, case_obj)                                              \
	static int init_##tname(void)                                                  \
	{                                                                              \
		cur = &(case_obj);                                                     \
		return 0;                                                              \
	}                                                                              \
	static const struct unit_suite suite_##tname = { "mbox_contract_" #tname,       \
							 init_##tname, NULL,            \
							 contract_tests };              \
	UNIT_SUITE_REGISTER(mbox_contract_##tname, suite_##tname)

#ifdef CONFIG_MBOX_LOOPBACK
CONTRACT_SUITE(loop, case_loop);
#endif
#ifdef CONFIG_MBOX_SHM
CONTRACT_SUITE(shm, case_shm);
#endif
#ifdef CONFIG_MBOX_PCI
CONTRACT_SUITE(pci, case_pci);
#endif
