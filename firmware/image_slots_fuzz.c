/* firmware/image_slots_fuzz.c: libFuzzer target for the A/B slot store
 * (firmware/image_slots.c) on untrusted flash contents: the input becomes
 * the start of a 16 KiB-slot region (superblocks and the first slot bytes);
 * opening it, reading the state, booting and confirming must never crash
 * or read outside the region, and any state it accepts must name slots
 * within bounds. Built by `make fuzz` (build/image.mk). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "firmware/image_slots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION (DFSLOTS_DATA_OFF + 2 * 16384)

static EVP_PKEY *fuzz_key(void)
{
	static EVP_PKEY *k;
	static const uint8_t seed[32] = { 1 };
	if (!k)
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static uint8_t zero[REGION];
	if (fd < 0) {
		fd = memfd_create("dfslots-fuzz", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	size_t n = size < REGION ? size : REGION;
	if (pwrite(fd, zero, REGION, 0) != REGION || pwrite(fd, data, n, 0) != (ssize_t)n)
		abort();
	struct dfslots *s = NULL;
	struct dfslots_state st;
	if (dfslots_open(path, 0, 0, &s, NULL) != 0)
		return 0;
	dfslots_get_state(s, &st);
	if (st.active > 1 || st.trial > 1 || st.image_len[0] > st.slot_size ||
	    st.image_len[1] > st.slot_size)
		abort();
	int slot;
	enum dfslots_boot_why why;
	const uint8_t *img;
	size_t len;
	if (dfslots_boot(s, fuzz_key(), "qemu-virt", &slot, &why, &img, &len, NULL) == 0 &&
	    (slot < 0 || slot > 1 || len > st.slot_size))
		abort();
	dfslots_confirm(s, NULL);
	dfslots_close(s);
	return 0;
}
