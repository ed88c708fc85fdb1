/* tests/fuzz/mbox_region.c: libFuzzer target for the mailbox core
 * (drivers/mbox/mbox.c) against a hostile peer. The NIC end creates a small
 * loop region (4 slots of 64 bytes, 832 bytes); the first 832 input bytes
 * then replace the whole region (header, both ring control blocks, both
 * slot arrays) before a host attaches; send/receive loops run on both
 * ends; then the rest of the input is applied as (offset, value) patches
 * while the ends are attached (the peer rewriting memory under us), and
 * the loops run again, followed by a reattach. Nothing may crash, read or
 * write outside the region, or hang; every received message is also fed
 * to the decoder. ASan catches any access outside the mapping. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/mbox/codec.h"
#include "drivers/mbox/mbox.h"

#define SLOT_SIZE 64u
#define SLOT_COUNT 4u
#define URI "loop:fuzz-region"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dfn_log_init("fuzz", DFN_LOG_ERR);
	dfn_log_set_quiet(1);
	return 0;
}

static void drain(struct mbox *mb)
{
	uint8_t buf[SLOT_SIZE];
	struct mbox_msg m;
	for (int i = 0; i < 2 * (int)SLOT_COUNT + 2; i++) {
		int r = mbox_recv(mb, buf, sizeof(buf), 0);
		if (r == -EBADMSG)
			continue;
		if (r < 0)
			break;
		if (r > (int)SLOT_SIZE)
			__builtin_trap();
		mbox_decode(buf, (size_t)r, &m, NULL, 0);
	}
	void *bufs[3];
	uint8_t b[3][SLOT_SIZE];
	size_t lens[3];
	for (int i = 0; i < 3; i++)
		bufs[i] = b[i];
	int n = mbox_recv_burst(mb, bufs, lens, 3, 0);
	for (int i = 0; i < n; i++)
		if (lens[i] > SLOT_SIZE)
			__builtin_trap();
}

static void push(struct mbox *mb, uint32_t seq)
{
	uint8_t buf[SLOT_SIZE];
	struct mbox_msg m = { .type = MBOX_MSG_HEARTBEAT, .seq = seq };
	m.u.heartbeat.interval_ms = 10;
	int n = mbox_encode(&m, buf, sizeof(buf));
	if (n < 0)
		__builtin_trap();
	for (int i = 0; i < 3; i++)
		mbox_send(mb, buf, (size_t)n, 0);
}

static void exercise(struct mbox *nic, struct mbox *host)
{
	drain(nic);
	if (host)
		drain(host);
	push(nic, 1);
	if (host) {
		push(host, 2);
		drain(host);
	}
	drain(nic);
	mbox_peer_state(nic);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_params p = { .slot_size = SLOT_SIZE, .slot_count = SLOT_COUNT };
	struct mbox *nic = NULL, *host = NULL;
	size_t rsize;
	if (mbox_open(URI, MBOX_NIC, &p, &nic))
		__builtin_trap();
	uint8_t *region = mbox_region(nic, &rsize);
	size_t n = size < rsize ? size : rsize;
	memcpy(region, data, n);
	data += n;
	size -= n;

	if (mbox_open(URI, MBOX_HOST, NULL, &host))
		host = NULL;
	exercise(nic, host);
	/* The peer rewrites bytes while both ends are attached. */
	for (; size >= 3; data += 3, size -= 3)
		region[(data[0] | (size_t)data[1] << 8) % rsize] = data[2];
	exercise(nic, host);
	if (host && mbox_reattach(host) == 0)
		exercise(nic, host);
	mbox_close(host);
	mbox_close(nic);
	return 0;
}
