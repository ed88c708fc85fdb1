/* firmware/image.h: signed firmware images: decode_/encode_/format_ of the
 * header (firmware/image_wire.h), verification, signing and key loading.
 *
 * Lives in firmware/ because the firmware is the party that must refuse a
 * bad image (an update is verified on the NIC before it is activated); the
 * host tools link the same library (libfwimage, declared in build/image.mk):
 * dfimage signs, verifies and inspects images, and the qemu-virt guest's
 * /init verifies the firmware before running it. Crypto is OpenSSL 3
 * (libcrypto): Ed25519 and SHA-256.
 *
 * Every byte given to dfimg_decode_header()/dfimg_verify() is untrusted.
 * Each refusal has its own code (DFIMG_ERR_LIST) and a message naming the
 * offending value; the checks run in a fixed order, so one defect gives one
 * answer:
 *   header structure (SHORT, MAGIC, FORMAT, HEADER) -> sizes (TRUNCATED,
 *   TRAILING) -> board (BOARD) -> signer (KEY) -> payload digest (DIGEST)
 *   -> signature over header and payload (SIGNATURE).
 * Functions return 0 or a negative errno (the errno of the code below) and,
 * when err is not NULL, fill it. None of them blocks or keeps pointers to
 * the caller's buffers. */
#ifndef DFNIC_FIRMWARE_IMAGE_H
#define DFNIC_FIRMWARE_IMAGE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "firmware/image_wire.h"

/* Largest payload accepted (a whole DPU firmware with static DPDK fits). */
#define DFIMG_MAX_PAYLOAD (256u << 20)

/* X(NAME, errno, short description): every outcome of decode/verify/sign. */
#define DFIMG_ERR_LIST(X)                                                          \
	X(OK, 0, "valid")                                                          \
	X(SHORT, EMSGSIZE, "shorter than the image header")                       \
	X(MAGIC, ENOEXEC, "not a dfnic firmware image (bad magic)")               \
	X(FORMAT, EPROTONOSUPPORT, "unsupported image format version")            \
	X(HEADER, EINVAL, "malformed image header")                               \
	X(TRUNCATED, ENODATA, "truncated image")                                  \
	X(TRAILING, E2BIG, "bytes after the signature")                           \
	X(BOARD, ENODEV, "image built for another board")                         \
	X(KEY, EKEYREJECTED, "signed by an untrusted key")                        \
	X(DIGEST, EBADMSG, "payload does not match the header's SHA-256")         \
	X(SIGNATURE, EBADE, "signature does not verify (header or payload altered)") \
	X(EMPTY, ENOENT, "no image")                                              \
	X(ARG, EINVAL, "invalid argument")                                        \
	X(KEYFILE, ENOKEY, "cannot load the key")                                 \
	X(CRYPTO, EIO, "crypto library failure")                                  \
	X(NOMEM, ENOMEM, "out of memory")

enum dfimg_code {
#define DFIMG_ENUM(name, e, text) DFIMG_ERR_##name,
	DFIMG_ERR_LIST(DFIMG_ENUM)
#undef DFIMG_ENUM
	DFIMG_ERR_COUNT
};

/* Why an operation failed: the code and a message with the details. */
struct dfimg_err {
	enum dfimg_code code; /* DFIMG_ERR_* (DFIMG_ERR_OK on success) */
	char msg[256];        /* human-readable, names the offending value */
};

/* "TRUNCATED" etc., or NULL for an unknown code. */
const char *dfimg_code_name(enum dfimg_code code);
/* The short description of a code, or NULL. */
const char *dfimg_code_text(enum dfimg_code code);
/* Positive errno of a code (0 for OK). */
int dfimg_code_errno(enum dfimg_code code);
/* Fills err (if not NULL) with code and "<description>: <details>"
 * (fmt); returns the negative errno of code. For the image code and the
 * tools built on it (image_slots.c, image_sign.c). */
__attribute__((format(printf, 3, 4)))
int dfimg_fail(struct dfimg_err *err, enum dfimg_code code, const char *fmt, ...);

/* Decoded header. */
struct dfimg_info {
	uint16_t format;                          /* DFIMG_FORMAT_VERSION */
	uint16_t sig_alg;                         /* DFIMG_SIG_* */
	uint16_t sig_size;                        /* bytes of signature */
	uint64_t payload_size;                    /* bytes of payload */
	char board[DFIMG_NAME_LEN + 1];           /* NUL-terminated */
	char version[DFIMG_NAME_LEN + 1];         /* NUL-terminated */
	uint8_t key_id[DFIMG_KEY_ID_LEN];         /* signer's key id */
	uint8_t payload_sha256[DFIMG_SHA256_LEN]; /* expected payload digest */
	size_t payload_off;                       /* where the payload starts */
	size_t image_size;                        /* header + payload + signature */
};

/* Board names: 1..31 of [a-z0-9._-]. Versions: 1..31 printable ASCII
 * characters other than space. 0 or -EINVAL. */
int dfimg_check_board(const char *board);
int dfimg_check_version(const char *version);

/* Decode and check the header at the start of buf (len bytes available,
 * the whole image or only its start). Checks the structure only (SHORT,
 * MAGIC, FORMAT, HEADER): not the sizes against len, nor any crypto. */
int dfimg_decode_header(const void *buf, size_t len, struct dfimg_info *info,
			struct dfimg_err *err);

/* Write the header for info (board, version, sizes, key_id, digest) into
 * buf (at least sizeof(struct dfimg_hdr) bytes). format/sig fields of
 * info are ignored: this build writes DFIMG_FORMAT_VERSION and Ed25519. */
int dfimg_encode_header(const struct dfimg_info *info, void *buf, size_t len,
			struct dfimg_err *err);

/* One line describing info ("board qemu-virt, version 0.1.0, ..."). */
void dfimg_format_info(const struct dfimg_info *info, char *buf, size_t len);

/* Verify a whole image (img, len) against the trusted public key; when
 * board is not NULL the image must be for that board. On success info
 * (optional) holds the header and the payload is img + info->payload_off.
 * Never reads outside [img, img + len). */
int dfimg_verify(const void *img, size_t len, EVP_PKEY *trusted, const char *board,
		 struct dfimg_info *info, struct dfimg_err *err);

/* Build a signed image of payload for board/version with the Ed25519
 * private key. *out is malloc()ed (the caller frees it), *outlen its size. */
int dfimg_sign(EVP_PKEY *key, const char *board, const char *version, const void *payload,
	       size_t payload_len, uint8_t **out, size_t *outlen, struct dfimg_err *err);

/* The key id of an Ed25519 key (public or private): the first 8 bytes of
 * SHA-256 over its 32-byte raw public key. */
int dfimg_key_id(EVP_PKEY *key, uint8_t id[DFIMG_KEY_ID_LEN], struct dfimg_err *err);

/* Load an Ed25519 key from a PEM file. want_private: a private key (for
 * signing); otherwise a public key, or the public half of a private key
 * file. The caller frees *out with EVP_PKEY_free(). */
int dfimg_load_key(const char *path, int want_private, EVP_PKEY **out, struct dfimg_err *err);

/* Hex of a key id into buf (at least 2 * DFIMG_KEY_ID_LEN + 1 bytes). */
void dfimg_format_key_id(const uint8_t id[DFIMG_KEY_ID_LEN], char *buf, size_t len);

#endif
