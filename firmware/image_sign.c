/* firmware/image_sign.c: build a signed firmware image (the writing half of
 * firmware/image.c; format in image_wire.h). Only host tools call it
 * (dfimage sign, the unit tests); the firmware verifies and never signs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "firmware/image.h"

int dfimg_sign(EVP_PKEY *key, const char *board, const char *version, const void *payload,
	       size_t payload_len, uint8_t **out, size_t *outlen, struct dfimg_err *err)
{
	struct dfimg_info info = { 0 };
	unsigned mdlen = 0;
	char why[160];
	int r;
	if (!key || !board || !version || (!payload && payload_len) || !out || !outlen)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL argument");
	*out = NULL;
	*outlen = 0;
	if (payload_len == 0 || payload_len > DFIMG_MAX_PAYLOAD)
		return dfimg_fail(err, DFIMG_ERR_ARG, "payload of %zu bytes outside 1..%u",
				 payload_len, DFIMG_MAX_PAYLOAD);
	/* board and version are checked by dfimg_encode_header() */
	if (strlen(board) > DFIMG_NAME_LEN || strlen(version) > DFIMG_NAME_LEN)
		return dfimg_fail(err, DFIMG_ERR_ARG, "board or version longer than %d characters",
				 DFIMG_NAME_LEN - 1);
	snprintf(info.board, sizeof(info.board), "%s", board);
	snprintf(info.version, sizeof(info.version), "%s", version);
	info.payload_size = payload_len;
	r = dfimg_key_id(key, info.key_id, err);
	if (r < 0)
		return r;
	if (EVP_Digest(payload, payload_len, info.payload_sha256, &mdlen, EVP_sha256(), NULL) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		return dfimg_fail(err, DFIMG_ERR_CRYPTO, "SHA-256: %s", why);
	}
	size_t hdr = sizeof(struct dfimg_hdr);
	size_t total = hdr + payload_len + DFIMG_ED25519_SIG_LEN;
	uint8_t *img = malloc(total);
	if (!img)
		return dfimg_fail(err, DFIMG_ERR_NOMEM, "%zu-byte image", total);
	r = dfimg_encode_header(&info, img, hdr, err);
	if (r < 0)
		goto free_img;
	memcpy(img + hdr, payload, payload_len);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		r = dfimg_fail(err, DFIMG_ERR_NOMEM, "EVP_MD_CTX_new");
		goto free_img;
	}
	size_t siglen = DFIMG_ED25519_SIG_LEN;
	/* Ed25519 (pure) is one-shot: no digest, the whole message at once. */
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, img + hdr + payload_len, &siglen, img, hdr + payload_len) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		r = dfimg_fail(err, DFIMG_ERR_CRYPTO, "Ed25519 sign: %s (is it a private key?)", why);
		goto free_ctx;
	}
	if (siglen != DFIMG_ED25519_SIG_LEN) {
		r = dfimg_fail(err, DFIMG_ERR_CRYPTO, "signature of %zu bytes, expected %d", siglen,
			      DFIMG_ED25519_SIG_LEN);
		goto free_ctx;
	}
	EVP_MD_CTX_free(ctx);
	if (err) {
		err->code = DFIMG_ERR_OK;
		snprintf(err->msg, sizeof(err->msg), "signed");
	}
	*out = img;
	*outlen = total;
	return 0;

free_ctx:
	EVP_MD_CTX_free(ctx);
free_img:
	free(img);
	return r;
}
