/* tests/unit/test_image.c: the signed firmware image format and verifier
 * (firmware/image.[ch], layout in firmware/image_wire.h). Two Ed25519 keys
 * made from fixed seeds; a payload of 1000 pseudo-random bytes. Each defect
 * (tampered header, tampered payload, truncated, trailing bytes, wrong
 * board, wrong key, malformed header fields) must be refused with its own
 * code and message; good images must verify and decode to what was signed.
 * tests/integration/image_verify.sh does the same through dfimage. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "drivers/base/util.h"
#include "firmware/image.h"
#include "tests/unit/unit.h"

#define PAYLOAD_LEN 1000
#define HDR sizeof(struct dfimg_hdr)

static EVP_PKEY *key_a, *key_b, *pub_a;
static uint8_t payload[PAYLOAD_LEN];

static int image_init(void)
{
	uint8_t seed_a[32], seed_b[32], raw[32];
	size_t rawlen = sizeof(raw);
	for (int i = 0; i < 32; i++) {
		seed_a[i] = (uint8_t)(i * 7 + 1);
		seed_b[i] = (uint8_t)(i * 13 + 5);
	}
	uint32_t x = 12345;
	for (int i = 0; i < PAYLOAD_LEN; i++) {
		x = x * 1103515245u + 12345u;
		payload[i] = (uint8_t)(x >> 16);
	}
	key_a = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed_a, sizeof(seed_a));
	key_b = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed_b, sizeof(seed_b));
	if (!key_a || !key_b || EVP_PKEY_get_raw_public_key(key_a, raw, &rawlen) != 1)
		return 1;
	/* The verifier is given a public-only key, as the firmware would be. */
	pub_a = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, rawlen);
	return pub_a ? 0 : 1;
}

static int image_cleanup(void)
{
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	EVP_PKEY_free(pub_a);
	return 0;
}

/* A fresh image of the test payload signed by key_a for "qemu-virt". */
static uint8_t *make_image(size_t *len)
{
	uint8_t *img = NULL;
	struct dfimg_err e;
	int r = dfimg_sign(key_a, "qemu-virt", "1.2.3-test", payload, sizeof(payload), &img, len, &e);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_OK);
	return img;
}

/* Verify (img, len) with pub_a for board and return the code. */
static enum dfimg_code verify_code(const uint8_t *img, size_t len, const char *board,
				   struct dfimg_err *e)
{
	struct dfimg_info info;
	int r = dfimg_verify(img, len, pub_a, board, &info, e);
	/* The return value and the code always agree. */
	CU_ASSERT_EQUAL(r, -dfimg_code_errno(e->code));
	return e->code;
}

static void test_sign_verify_roundtrip(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_info info;
	struct dfimg_err e;
	uint8_t kid[DFIMG_KEY_ID_LEN];
	CU_ASSERT_EQUAL(len, HDR + PAYLOAD_LEN + DFIMG_ED25519_SIG_LEN);
	CU_ASSERT_EQUAL(dfimg_verify(img, len, pub_a, "qemu-virt", &info, &e), 0);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_OK);
	CU_ASSERT_STRING_EQUAL(info.board, "qemu-virt");
	CU_ASSERT_STRING_EQUAL(info.version, "1.2.3-test");
	CU_ASSERT_EQUAL(info.payload_size, PAYLOAD_LEN);
	CU_ASSERT_EQUAL(info.payload_off, HDR);
	CU_ASSERT_EQUAL(info.image_size, len);
	CU_ASSERT_EQUAL(memcmp(img + info.payload_off, payload, PAYLOAD_LEN), 0);
	CU_ASSERT_EQUAL(dfimg_key_id(pub_a, kid, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(info.key_id, kid, sizeof(kid)), 0);
	/* Without a board to match, any board is accepted. */
	CU_ASSERT_EQUAL(dfimg_verify(img, len, pub_a, NULL, NULL, &e), 0);
	/* The private key verifies too (its public half is used). */
	CU_ASSERT_EQUAL(dfimg_verify(img, len, key_a, "qemu-virt", NULL, &e), 0);
	/* Ed25519 is deterministic: signing again gives the same bytes. */
	size_t len2;
	uint8_t *img2 = make_image(&len2);
	CU_ASSERT_EQUAL(len2, len);
	CU_ASSERT_EQUAL(memcmp(img, img2, len), 0);
	free(img2);
	free(img);
}

/* The on-disk header at the documented offsets, little-endian. */
static void test_header_layout(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	CU_ASSERT_EQUAL(memcmp(img, "DFNICIMG", 8), 0);
	CU_ASSERT_EQUAL(img[8] | img[9] << 8, DFIMG_FORMAT_VERSION);
	CU_ASSERT_EQUAL(img[10] | img[11] << 8, 128);
	CU_ASSERT_EQUAL(img[12] | img[13] << 8, DFIMG_SIG_ED25519);
	CU_ASSERT_EQUAL(img[14] | img[15] << 8, 64);
	uint64_t psize;
	memcpy(&psize, img + 16, 8);
	CU_ASSERT_EQUAL(le64toh(psize), PAYLOAD_LEN);
	CU_ASSERT_STRING_EQUAL((char *)img + 24, "qemu-virt");
	for (int i = 24 + 9; i < 56; i++)
		CU_ASSERT_EQUAL(img[i], 0);
	CU_ASSERT_STRING_EQUAL((char *)img + 56, "1.2.3-test");
	CU_ASSERT_EQUAL(EVP_Digest(payload, PAYLOAD_LEN, md, &mdlen, EVP_sha256(), NULL), 1);
	CU_ASSERT_EQUAL(memcmp(img + 96, md, 32), 0);
	/* decode -> encode gives back the same 128 bytes */
	struct dfimg_info info;
	uint8_t again[HDR];
	CU_ASSERT_EQUAL(dfimg_decode_header(img, len, &info, NULL), 0);
	CU_ASSERT_EQUAL(dfimg_encode_header(&info, again, sizeof(again), NULL), 0);
	CU_ASSERT_EQUAL(memcmp(again, img, HDR), 0);
	free(img);
}

static void test_tampered_header(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	img[56] = '9'; /* version "1.2.3-test" -> "9.2.3-test": still well-formed */
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_SIGNATURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "signature does not verify"));
	free(img);
}

static void test_tampered_payload(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	img[HDR + 500] ^= 0x01;
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_DIGEST);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "payload does not match"));
	free(img);
}

/* An attacker who changes the payload and fixes up the digest in the
 * header is caught by the signature, which covers both. */
static void test_payload_with_forged_digest(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	unsigned mdlen;
	img[HDR + 10] ^= 0xff;
	CU_ASSERT_EQUAL(EVP_Digest(img + HDR, PAYLOAD_LEN, img + 96, &mdlen, EVP_sha256(), NULL), 1);
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_SIGNATURE);
	free(img);
}

static void test_tampered_signature(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	img[len - 1] ^= 0x80;
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_SIGNATURE);
	free(img);
}

/* Every length short of the full image is refused: SHORT below the header,
 * TRUNCATED from there on; never a crash or an over-read (ASan). */
static void test_truncated_every_length(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
		CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
		memcpy(cut, img, n);
		enum dfimg_code c = verify_code(cut, n, "qemu-virt", &e);
		CU_ASSERT_EQUAL(c, n < HDR ? DFIMG_ERR_SHORT : DFIMG_ERR_TRUNCATED);
		free(cut);
	}
	CU_ASSERT_EQUAL(verify_code(img, len - 1, "qemu-virt", &e), DFIMG_ERR_TRUNCATED);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "truncated image"));
	free(img);
}

static void test_trailing_bytes(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	uint8_t *big = calloc(1, len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memcpy(big, img, len);
	CU_ASSERT_EQUAL(verify_code(big, len + 1, "qemu-virt", &e), DFIMG_ERR_TRAILING);
	free(big);
	free(img);
}

static void test_wrong_board(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	CU_ASSERT_EQUAL(verify_code(img, len, "sim", &e), DFIMG_ERR_BOARD);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'qemu-virt'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'sim'"));
	free(img);
}

static void test_wrong_key(void)
{
	uint8_t *img = NULL;
	size_t len;
	struct dfimg_err e;
	CU_ASSERT_EQUAL_FATAL(dfimg_sign(key_b, "qemu-virt", "1.0", payload, PAYLOAD_LEN, &img, &len,
					 &e), 0);
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_KEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "untrusted key"));
	/* ... and the same image verifies with key B. */
	CU_ASSERT_EQUAL(dfimg_verify(img, len, key_b, "qemu-virt", NULL, &e), 0);
	free(img);
}

/* A header claiming key A's id over a signature by key B: the key id is
 * only a hint, the signature decides. */
static void test_forged_key_id(void)
{
	uint8_t *img = NULL;
	size_t len;
	struct dfimg_err e;
	CU_ASSERT_EQUAL_FATAL(dfimg_sign(key_b, "qemu-virt", "1.0", payload, PAYLOAD_LEN, &img, &len,
					 &e), 0);
	CU_ASSERT_EQUAL(dfimg_key_id(pub_a, img + 88, NULL), 0);
	CU_ASSERT_EQUAL(verify_code(img, len, "qemu-virt", &e), DFIMG_ERR_SIGNATURE);
	free(img);
}

/* Malformed header fields: each names what is wrong. */
static void test_malformed_header(void)
{
	static const struct {
		size_t off;            /* byte to change */
		uint8_t val;           /* new value */
		enum dfimg_code code;  /* expected */
		const char *needle;    /* expected in the message */
	} cases[] = {
		{ 0, 'X', DFIMG_ERR_MAGIC, "bad magic" },
		{ 8, 2, DFIMG_ERR_FORMAT, "version 2" },
		{ 10, 129, DFIMG_ERR_HEADER, "hdr_size 129" },
		{ 12, 2, DFIMG_ERR_HEADER, "signature algorithm 2" },
		{ 14, 65, DFIMG_ERR_HEADER, "sig_size 65" },
		{ 23, 0x80, DFIMG_ERR_HEADER, "payload_size" },
		{ 24 + 31, 'x', DFIMG_ERR_HEADER, "board field has a nonzero byte" },
		{ 24, 'Q', DFIMG_ERR_HEADER, "board 'Qemu-virt' is not a valid name" },
		{ 24, 0, DFIMG_ERR_HEADER, "board field has a nonzero byte" },
		{ 56, ' ', DFIMG_ERR_HEADER, "version ' .2.3-test'" },
		{ 56 + 31, 1, DFIMG_ERR_HEADER, "version field has a nonzero byte" },
	};
	size_t len;
	uint8_t *img = make_image(&len);
	struct dfimg_err e;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *bad = malloc(len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
		memcpy(bad, img, len);
		bad[cases[i].off] = cases[i].val;
		CU_ASSERT_EQUAL(verify_code(bad, len, "qemu-virt", &e), cases[i].code);
		if (!strstr(e.msg, cases[i].needle)) {
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, e.msg, cases[i].needle);
			CU_FAIL("message lacks the detail");
		}
		/* decode alone reports the same */
		CU_ASSERT_EQUAL(dfimg_decode_header(bad, len, NULL, &e), -dfimg_code_errno(cases[i].code));
		free(bad);
	}
	/* payload_size 0 */
	memset(img + 16, 0, 8);
	CU_ASSERT_EQUAL(verify_code(img, len, NULL, &e), DFIMG_ERR_HEADER);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "payload_size 0"));
	free(img);
}

/* Each refusal class has its own code, name, errno-and-message pair, so a
 * user (and a script) can tell them apart. */
static void test_errors_distinct(void)
{
	size_t len;
	uint8_t *img = make_image(&len);
	char msgs[7][256];
	enum dfimg_code got[7];
	struct dfimg_err e;
	uint8_t *b = malloc(len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* tampered header, tampered payload, truncated, wrong board, wrong
	 * key, trailing, bad magic */
	for (int k = 0; k < 7; k++) {
		memcpy(b, img, len);
		size_t n = len;
		EVP_PKEY *trust = pub_a;
		const char *board = "qemu-virt";
		switch (k) {
		case 0: b[60] ^= 1; break;
		case 1: b[HDR] ^= 1; break;
		case 2: n = len - 10; break;
		case 3: board = "dpu"; break;
		case 4: trust = key_b; break;
		case 5: b[len] = 0; n = len + 1; break;
		case 6: b[1] = 0; break;
		}
		dfimg_verify(b, n, trust, board, NULL, &e);
		got[k] = e.code;
		snprintf(msgs[k], sizeof(msgs[k]), "%s", e.msg);
	}
	for (int i = 0; i < 7; i++) {
		CU_ASSERT_NOT_EQUAL(got[i], DFIMG_ERR_OK);
		for (int j = i + 1; j < 7; j++) {
			CU_ASSERT_NOT_EQUAL(got[i], got[j]);
			CU_ASSERT_STRING_NOT_EQUAL(msgs[i], msgs[j]);
			CU_ASSERT_NOT_EQUAL(dfimg_code_errno(got[i]), dfimg_code_errno(got[j]));
		}
	}
	for (int c = 0; c < DFIMG_ERR_COUNT; c++) {
		CU_ASSERT_PTR_NOT_NULL(dfimg_code_name(c));
		CU_ASSERT_PTR_NOT_NULL(dfimg_code_text(c));
	}
	CU_ASSERT_PTR_NULL(dfimg_code_name(DFIMG_ERR_COUNT));
	free(b);
	free(img);
}

static void test_sign_refuses_bad_input(void)
{
	uint8_t *img = (uint8_t *)1;
	size_t len = 1;
	struct dfimg_err e;
	CU_ASSERT_EQUAL(dfimg_sign(key_a, "Bad Board", "1", payload, 10, &img, &len, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_ARG);
	CU_ASSERT_PTR_NULL(img);
	CU_ASSERT_EQUAL(dfimg_sign(key_a, "sim", "has space", payload, 10, &img, &len, &e), -EINVAL);
	CU_ASSERT_EQUAL(dfimg_sign(key_a, "sim", "1", payload, 0, &img, &len, &e), -EINVAL);
	CU_ASSERT_EQUAL(dfimg_sign(key_a, "", "1", payload, 10, &img, &len, &e), -EINVAL);
	CU_ASSERT_EQUAL(dfimg_sign(key_a, "a-board-name-that-is-much-too-long", "1", payload, 10,
				   &img, &len, &e), -EINVAL);
	/* a public-only key cannot sign */
	CU_ASSERT_EQUAL(dfimg_sign(pub_a, "sim", "1", payload, 10, &img, &len, &e), -EIO);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_CRYPTO);
	CU_ASSERT_PTR_NULL(img);
	CU_ASSERT_EQUAL(dfimg_check_board("qemu-virt"), 0);
	CU_ASSERT_EQUAL(dfimg_check_board("a_b.c-1"), 0);
	CU_ASSERT_EQUAL(dfimg_check_board("x/y"), -EINVAL);
	CU_ASSERT_EQUAL(dfimg_check_version("0.1.0-3-gabc"), 0);
	CU_ASSERT_EQUAL(dfimg_check_version("0.1\t"), -EINVAL);
}

static void test_load_key_files(void)
{
	char priv[512], pub[512], junk[512];
	struct dfimg_err e;
	EVP_PKEY *k = NULL;
	snprintf(priv, sizeof(priv), "%s/image-key-%d.pem", unit_tmpdir(), (int)getpid());
	snprintf(pub, sizeof(pub), "%s/image-pub-%d.pem", unit_tmpdir(), (int)getpid());
	snprintf(junk, sizeof(junk), "%s/image-junk-%d.pem", unit_tmpdir(), (int)getpid());
	FILE *f = fopen(priv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(PEM_write_PrivateKey(f, key_a, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	f = fopen(pub, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(PEM_write_PUBKEY(f, key_a), 1);
	fclose(f);
	f = fopen(junk, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("not a key\n", f);
	fclose(f);

	size_t len;
	uint8_t *img = make_image(&len);
	/* public file, and the public half of the private file, both verify */
	CU_ASSERT_EQUAL(dfimg_load_key(pub, 0, &k, &e), 0);
	CU_ASSERT_EQUAL(dfimg_verify(img, len, k, "qemu-virt", NULL, &e), 0);
	EVP_PKEY_free(k);
	CU_ASSERT_EQUAL(dfimg_load_key(priv, 0, &k, &e), 0);
	CU_ASSERT_EQUAL(dfimg_verify(img, len, k, "qemu-virt", NULL, &e), 0);
	EVP_PKEY_free(k);
	/* signing needs the private key */
	CU_ASSERT_EQUAL(dfimg_load_key(pub, 1, &k, &e), -ENOKEY);
	CU_ASSERT_EQUAL(e.code, DFIMG_ERR_KEYFILE);
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_EQUAL(dfimg_load_key(junk, 0, &k, &e), -ENOKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, junk));
	CU_ASSERT_EQUAL(dfimg_load_key("/nonexistent/key.pem", 0, &k, &e), -ENOKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "No such file"));
	free(img);
	unlink(priv);
	unlink(pub);
	unlink(junk);
}

UNIT_SUITE(image, image_init, image_cleanup,
	   UNIT_TEST(test_sign_verify_roundtrip),
	   UNIT_TEST(test_header_layout),
	   UNIT_TEST(test_tampered_header),
	   UNIT_TEST(test_tampered_payload),
	   UNIT_TEST(test_payload_with_forged_digest),
	   UNIT_TEST(test_tampered_signature),
	   UNIT_TEST(test_truncated_every_length),
	   UNIT_TEST(test_trailing_bytes),
	   UNIT_TEST(test_wrong_board),
	   UNIT_TEST(test_wrong_key),
	   UNIT_TEST(test_forged_key_id),
	   UNIT_TEST(test_malformed_header),
	   UNIT_TEST(test_errors_distinct),
	   UNIT_TEST(test_sign_refuses_bad_input),
	   UNIT_TEST(test_load_key_files));
