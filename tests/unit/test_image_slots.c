/* tests/unit/test_image_slots.c: the A/B firmware slots
 * (firmware/image_slots.[ch]) on a file in the scratch directory: first
 * install, trial boot, confirm, rollback of an unconfirmed trial, refused
 * installs (tampered, truncated, wrong board, wrong key) leaving the
 * running image in place, a corrupted slot falling back to the other one,
 * and a torn state write falling back to the previous state. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "firmware/image_slots.h"
#include "tests/unit/unit.h"

#define STORE_SIZE (8192 + 2 * 16384) /* two 16 KiB slots */

static EVP_PKEY *key, *other_key;
static char path[512];

static int slots_init(void)
{
	uint8_t seed[32], seed2[32];
	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)(3 * i + 11);
		seed2[i] = (uint8_t)(5 * i + 2);
	}
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	other_key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed2, sizeof(seed2));
	snprintf(path, sizeof(path), "%s/image-slots-%d", unit_tmpdir(), (int)getpid());
	return key && other_key ? 0 : 1;
}

static int slots_cleanup(void)
{
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	unlink(path);
	return 0;
}

/* A signed image whose payload is `n` bytes of `fill` and whose version
 * is `version`. */
static uint8_t *image(EVP_PKEY *k, const char *board, const char *version, uint8_t fill,
		      size_t n, size_t *len)
{
	uint8_t *payload = malloc(n);
	uint8_t *img = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(payload);
	memset(payload, fill, n);
	CU_ASSERT_EQUAL_FATAL(dfimg_sign(k, board, version, payload, n, &img, len, NULL), 0);
	free(payload);
	return img;
}

static struct dfslots *fresh_store(void)
{
	struct dfslots *s = NULL;
	struct dfimg_err e;
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(dfslots_open(path, 1, STORE_SIZE, &s, &e), 0);
	return s;
}

/* Stream img into the store in 1000-byte chunks and commit. */
static int install(struct dfslots *s, const uint8_t *img, size_t len, const char *board,
		   struct dfimg_err *e)
{
	int slot;
	int r = dfslots_install_begin(s, len, &slot, e);
	if (r < 0)
		return r;
	for (size_t off = 0; off < len; off += 1000) {
		size_t n = len - off < 1000 ? len - off : 1000;
		r = dfslots_install_write(s, off, img + off, n, e);
		if (r < 0)
			return r;
	}
	return dfslots_install_commit(s, key, board, NULL, e);
}

/* Boot and return the version string of what booted. */
static const char *boot(struct dfslots *s, enum dfslots_boot_why *why, int *slot)
{
	static struct dfimg_info info;
	const uint8_t *img;
	size_t len;
	struct dfimg_err e;
	int r = dfslots_boot(s, key, "sim", slot, why, &img, &len, &e);
	if (r < 0)
		return NULL;
	CU_ASSERT_EQUAL(dfimg_decode_header(img, len, &info, NULL), 0);
	return info.version;
}

static void test_install_trial_confirm(void)
{
	struct dfslots *s = fresh_store();
	struct dfslots_state st;
	struct dfimg_err e;
	enum dfslots_boot_why why;
	int slot;
	size_t l1, l2;
	uint8_t *v1 = image(key, "sim", "1.0", 0x11, 5000, &l1);
	uint8_t *v2 = image(key, "sim", "2.0", 0x22, 6000, &l2);

	/* empty store: nothing to boot */
	CU_ASSERT_PTR_NULL(boot(s, &why, &slot));
	/* first image: active at once */
	CU_ASSERT_EQUAL(install(s, v1, l1, "sim", &e), 0);
	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.trial, -1);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ACTIVE);
	/* second image: into slot B, on trial */
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), 0);
	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.trial, 1);
	CU_ASSERT_EQUAL(dfslots_confirm(s, &e), -EINVAL); /* not booted yet */
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "2.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_TRIAL);
	CU_ASSERT_EQUAL(slot, 1);
	CU_ASSERT_EQUAL(dfslots_confirm(s, &e), 0);
	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.active, 1);
	CU_ASSERT_EQUAL(st.trial, -1);
	CU_ASSERT_EQUAL(dfslots_confirm(s, &e), -ENOENT);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_EMPTY);
	/* state survives a reopen */
	dfslots_close(s);
	CU_ASSERT_EQUAL_FATAL(dfslots_open(path, 0, 0, &s, &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "2.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ACTIVE);
	dfslots_close(s);
	free(v1);
	free(v2);
}

static void test_unconfirmed_trial_rolls_back(void)
{
	struct dfslots *s = fresh_store();
	struct dfslots_state st;
	struct dfimg_err e;
	enum dfslots_boot_why why;
	int slot;
	size_t l1, l2;
	uint8_t *v1 = image(key, "sim", "1.0", 0x11, 5000, &l1);
	uint8_t *v2 = image(key, "sim", "2.0-bad", 0x22, 6000, &l2);
	CU_ASSERT_EQUAL(install(s, v1, l1, "sim", &e), 0);
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "2.0-bad");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_TRIAL);
	/* no confirm (no heartbeat): the next boot goes back */
	dfslots_close(s);
	CU_ASSERT_EQUAL_FATAL(dfslots_open(path, 0, 0, &s, &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ROLLBACK);
	CU_ASSERT_EQUAL(slot, 0);
	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.trial, -1);
	CU_ASSERT_EQUAL(st.image_len[1], 0); /* the failed image is dropped */
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ACTIVE);
	dfslots_close(s);
	free(v1);
	free(v2);
}

/* Each bad update is refused with its own code; the active image still
 * boots and no trial is left behind. */
static void test_refused_installs_keep_running_image(void)
{
	struct dfslots *s = fresh_store();
	struct dfslots_state st;
	struct dfimg_err e;
	enum dfslots_boot_why why;
	int slot;
	size_t l1, l2, lb, lk;
	uint8_t *v1 = image(key, "sim", "1.0", 0x11, 5000, &l1);
	uint8_t *v2 = image(key, "sim", "2.0", 0x22, 6000, &l2);
	uint8_t *wrong_board = image(key, "qemu-virt", "2.0", 0x22, 6000, &lb);
	uint8_t *wrong_key = image(other_key, "sim", "2.0", 0x22, 6000, &lk);
	CU_ASSERT_EQUAL(install(s, v1, l1, "sim", &e), 0);

	v2[sizeof(struct dfimg_hdr) + 100] ^= 1; /* payload */
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), -EBADMSG);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_DIGEST);
	v2[sizeof(struct dfimg_hdr) + 100] ^= 1;
	v2[56] ^= 1; /* header: version "2.0" -> "3.0" */
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), -EBADE);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_SIGNATURE);
	v2[56] ^= 1;
	CU_ASSERT_EQUAL(install(s, wrong_board, lb, "sim", &e), -ENODEV);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_BOARD);
	CU_ASSERT_EQUAL(install(s, wrong_key, lk, "sim", &e), -EKEYREJECTED);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_KEY);
	/* truncated: the stream stops early */
	CU_ASSERT_EQUAL(dfslots_install_begin(s, l2, &slot, &e), 0);
	CU_ASSERT_EQUAL(dfslots_install_write(s, 0, v2, l2 - 10, &e), 0);
	CU_ASSERT_EQUAL(dfslots_install_commit(s, key, "sim", NULL, &e), -ENODATA);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_TRUNCATED);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "received"));
	/* a gap and an overrun are refused at write time */
	CU_ASSERT_EQUAL(dfslots_install_begin(s, l2, &slot, &e), 0);
	CU_ASSERT_EQUAL(dfslots_install_write(s, 100, v2, 10, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "gap"));
	CU_ASSERT_EQUAL(dfslots_install_write(s, 0, v2, l2 + 1, &e), -E2BIG);
	CU_ASSERT_EQUAL(dfslots_install_commit(s, key, "sim", NULL, &e), -ENODATA);
	/* too big for a slot */
	CU_ASSERT_EQUAL(dfslots_install_begin(s, 20000, &slot, &e), -EINVAL);

	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.trial, -1);
	CU_ASSERT_EQUAL(st.image_len[1], 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ACTIVE);
	/* and a good one still goes in afterwards */
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "2.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_TRIAL);
	dfslots_close(s);
	free(v1);
	free(v2);
	free(wrong_board);
	free(wrong_key);
}

/* The active slot's bytes rot: the other (good) slot boots instead. */
static void test_corrupt_active_falls_back(void)
{
	struct dfslots *s = fresh_store();
	struct dfimg_err e;
	enum dfslots_boot_why why;
	int slot;
	size_t l1, l2;
	uint8_t *v1 = image(key, "sim", "1.0", 0x11, 5000, &l1);
	uint8_t *v2 = image(key, "sim", "2.0", 0x22, 6000, &l2);
	CU_ASSERT_EQUAL(install(s, v1, l1, "sim", &e), 0);
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "2.0");
	CU_ASSERT_EQUAL(dfslots_confirm(s, &e), 0); /* B active, A holds 1.0 */
	dfslots_close(s);
	FILE *f = fopen(path, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 8192 + 16384 + 2000, SEEK_SET); /* inside slot B's payload */
	fputc(0x55, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(dfslots_open(path, 0, 0, &s, &e), 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_FALLBACK);
	CU_ASSERT_EQUAL(slot, 0);
	CU_ASSERT_STRING_EQUAL(boot(s, &why, &slot), "1.0");
	CU_ASSERT_EQUAL(why, DFSLOTS_BOOT_ACTIVE);
	dfslots_close(s);
	free(v1);
	free(v2);
}

/* A state write torn by a power loss: the newest copy is garbage, the
 * previous state (the other copy) is used. */
static void test_torn_state_write(void)
{
	struct dfslots *s = fresh_store();
	struct dfslots_state st, before;
	struct dfimg_err e;
	size_t l1, l2;
	uint8_t *v1 = image(key, "sim", "1.0", 0x11, 5000, &l1);
	uint8_t *v2 = image(key, "sim", "2.0", 0x22, 6000, &l2);
	CU_ASSERT_EQUAL(install(s, v1, l1, "sim", &e), 0);
	dfslots_get_state(s, &before);
	CU_ASSERT_EQUAL(install(s, v2, l2, "sim", &e), 0);
	dfslots_get_state(s, &st);
	CU_ASSERT_EQUAL(st.trial, 1);
	dfslots_close(s);
	/* The newest copy is the one with generation st.generation; tear it. */
	FILE *f = fopen(path, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct dfslots_super w[2];
	CU_ASSERT_EQUAL(fread(&w[0], sizeof(w[0]), 1, f), 1);
	fseek(f, 4096, SEEK_SET);
	CU_ASSERT_EQUAL(fread(&w[1], sizeof(w[1]), 1, f), 1);
	int newest = le64toh(w[0].generation) > le64toh(w[1].generation) ? 0 : 1;
	fseek(f, newest * 4096 + 20, SEEK_SET);
	fputc(0xee, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(dfslots_open(path, 0, 0, &s, &e), 0);
	dfslots_get_state(s, &st);
	/* install_begin's state (one after `before`), not commit's */
	CU_ASSERT_EQUAL(st.generation, before.generation + 1);
	CU_ASSERT_EQUAL(st.generation + 1, le64toh(w[newest].generation));
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.image_len[0], before.image_len[0]);
	CU_ASSERT_EQUAL(st.trial, -1); /* the install never happened */
	dfslots_close(s);
	/* both copies torn: no state */
	f = fopen(path, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, (newest ^ 1) * 4096 + 20, SEEK_SET);
	fputc(0xee, f);
	fclose(f);
	CU_ASSERT_EQUAL(dfslots_open(path, 0, 0, &s, &e), -ENOENT);
	CU_ASSERT_PTR_NULL(s);
	free(v1);
	free(v2);
}

static void test_too_small_region(void)
{
	struct dfslots *s = NULL;
	struct dfimg_err e;
	unlink(path);
	CU_ASSERT_EQUAL(dfslots_open(path, 1, 8192, &s, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too small"));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(dfslots_open("/nonexistent/dir/store", 1, STORE_SIZE, &s, &e), -ENOENT);
	dfslots_close(NULL);
}

UNIT_SUITE(image_slots, slots_init, slots_cleanup,
	   UNIT_TEST(test_install_trial_confirm),
	   UNIT_TEST(test_unconfirmed_trial_rolls_back),
	   UNIT_TEST(test_refused_installs_keep_running_image),
	   UNIT_TEST(test_corrupt_active_falls_back),
	   UNIT_TEST(test_torn_state_write),
	   UNIT_TEST(test_too_small_region));
