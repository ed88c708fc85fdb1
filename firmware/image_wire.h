/* firmware/image_wire.h: the on-disk layout of a signed dfnic firmware
 * image. This header is the format; board/README.md ("Firmware images")
 * explains it in prose, and firmware/image.h is the decoded form and the
 * verifier every reader goes through (the firmware itself, dfimage, later
 * hostd/dfctl for updates). Nothing outside firmware/image*.c touches these
 * structs directly.
 *
 * Layout (all integers little-endian):
 *
 *   offset 0            struct dfimg_hdr (128 bytes)
 *   128                 payload_size bytes of payload (the firmware program)
 *   128 + payload_size  sig_size bytes of signature (Ed25519: 64)
 *
 * The signature is Ed25519 (RFC 8032, pure) over every byte before it: the
 * header and the payload. The header also carries the payload's SHA-256, so
 * a damaged payload is told apart from a forged or altered header, and the
 * first 8 bytes of the SHA-256 of the signer's raw public key (key_id), so
 * an image signed by another key is told apart from a bad signature. */
#ifndef DFNIC_FIRMWARE_IMAGE_WIRE_H
#define DFNIC_FIRMWARE_IMAGE_WIRE_H

#include <stdint.h>

typedef uint16_t dfimg_le16; /* little-endian on disk: le16toh/htole16 */
typedef uint64_t dfimg_le64; /* little-endian on disk: le64toh/htole64 */

#define DFIMG_MAGIC "DFNICIMG"     /* 8 bytes, no NUL on disk */
#define DFIMG_MAGIC_LEN 8
#define DFIMG_FORMAT_VERSION 1     /* of this layout */
#define DFIMG_NAME_LEN 32          /* board[] and version[] on disk */
#define DFIMG_KEY_ID_LEN 8         /* leading bytes of SHA-256(raw public key) */
#define DFIMG_SHA256_LEN 32
#define DFIMG_SIG_ED25519 1        /* sig_alg: Ed25519, 64-byte signature */
#define DFIMG_ED25519_SIG_LEN 64

struct dfimg_hdr {
	uint8_t magic[DFIMG_MAGIC_LEN];       /* DFIMG_MAGIC */
	dfimg_le16 format;                    /* DFIMG_FORMAT_VERSION */
	dfimg_le16 hdr_size;                  /* sizeof(struct dfimg_hdr) */
	dfimg_le16 sig_alg;                   /* DFIMG_SIG_* */
	dfimg_le16 sig_size;                  /* bytes of the trailing signature */
	dfimg_le64 payload_size;              /* bytes between header and signature */
	char board[DFIMG_NAME_LEN];           /* board name, NUL-padded */
	char version[DFIMG_NAME_LEN];         /* firmware version, NUL-padded */
	uint8_t key_id[DFIMG_KEY_ID_LEN];     /* which key signed it */
	uint8_t payload_sha256[DFIMG_SHA256_LEN]; /* SHA-256 of the payload */
};
_Static_assert(sizeof(struct dfimg_hdr) == 128, "image header size");
_Static_assert(__builtin_offsetof(struct dfimg_hdr, payload_size) == 16, "no implicit padding");
_Static_assert(__builtin_offsetof(struct dfimg_hdr, board) == 24, "board offset");
_Static_assert(__builtin_offsetof(struct dfimg_hdr, key_id) == 88, "key_id offset");
_Static_assert(__builtin_offsetof(struct dfimg_hdr, payload_sha256) == 96, "digest offset");

#endif
