/* firmware/image_slots.h: two firmware slots (A/B) in one storage region,
 * with trial boots and automatic rollback. The firmware side of an update:
 * a new image is streamed into the slot that is not running, verified
 * (signature, board: firmware/image.h) before it may boot, booted once on
 * trial, and kept only when the running firmware confirms it (after its
 * session with hostd is up); a trial that is not confirmed before the next
 * boot is rolled back. dfimage's `slots` commands drive it; the mailbox
 * streaming (hostd, dfctl firmware update) is a later step.
 *
 * The region is a file (sim board) or anything mmap()able with the same
 * layout (a BAR resource file), mapped whole. Layout, little-endian:
 *
 *   0       struct dfslots_super, copy 0   (4 KiB reserved each)
 *   4096    struct dfslots_super, copy 1
 *   8192    slot 0 (A), slot_size bytes    slot_size = (region - 8192) / 2,
 *   8192 + slot_size   slot 1 (B)          rounded down to 4 KiB
 *
 * A state change writes the copy the current one is not in, with the next
 * generation, and syncs it: the valid copy (magic, check) with the highest
 * generation is the state, so a write torn by a power loss leaves the
 * previous state. Slot contents are written before the state that names
 * them. No function here blocks other than on the region's msync(). */
#ifndef DFNIC_FIRMWARE_IMAGE_SLOTS_H
#define DFNIC_FIRMWARE_IMAGE_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/image.h"

#define DFSLOTS_MAGIC "DFSLOTS1"
#define DFSLOTS_VERSION 1
#define DFSLOTS_SUPER_SPAN 4096u   /* bytes reserved per superblock copy */
#define DFSLOTS_DATA_OFF 8192u     /* first slot */
#define DFSLOTS_NONE 0xff          /* no slot */

/* On-disk state (one copy). */
struct dfslots_super {
	uint8_t magic[8];      /* DFSLOTS_MAGIC */
	dfimg_le16 version;    /* DFSLOTS_VERSION */
	dfimg_le16 hdr_size;   /* sizeof(struct dfslots_super) */
	uint8_t reserved[4];   /* zero */
	dfimg_le64 generation; /* bumped by every state change */
	dfimg_le64 slot_size;  /* bytes per slot */
	dfimg_le64 image_len[2]; /* bytes of the image in each slot (0: empty) */
	uint8_t active;        /* confirmed slot, or DFSLOTS_NONE */
	uint8_t trial;         /* slot installed but not confirmed, or NONE */
	uint8_t trial_boots;   /* boots of the trial slot so far (0 or 1) */
	uint8_t pad[1];        /* zero */
	uint8_t check[4];      /* first 4 bytes of SHA-256 over the bytes above */
};
_Static_assert(sizeof(struct dfslots_super) == 56, "slot superblock size");
_Static_assert(__builtin_offsetof(struct dfslots_super, active) == 48, "no implicit padding");

/* The decoded state. */
struct dfslots_state {
	uint64_t generation;          /* of the copy in use */
	uint64_t slot_size;           /* bytes per slot */
	int active;                   /* 0, 1 or -1 */
	int trial;                    /* 0, 1 or -1 */
	unsigned trial_boots;         /* boots of the trial so far */
	uint64_t image_len[2];        /* 0: empty */
	int header_ok[2];             /* the slot's image header decodes */
	struct dfimg_info info[2];    /* its header, when header_ok */
};

/* What dfslots_boot() decided. */
enum dfslots_boot_why {
	DFSLOTS_BOOT_ACTIVE,    /* the confirmed slot */
	DFSLOTS_BOOT_TRIAL,     /* first boot of a new image */
	DFSLOTS_BOOT_ROLLBACK,  /* the trial was not confirmed: back to active */
	DFSLOTS_BOOT_FALLBACK,  /* the chosen slot failed verification: the other */
};

struct dfslots;

/* Map the region at path. create: format it when it holds no valid state
 * (size_hint bytes when the file must be created or grown; 0 keeps the
 * size). Without create, a region with no valid state is -ENOENT.
 * Errors are reported as DFIMG_ERR_ARG with the reason (the errno text, or
 * "region of N bytes is too small"). */
int dfslots_open(const char *path, int create, uint64_t size_hint, struct dfslots **out,
		 struct dfimg_err *err);
void dfslots_close(struct dfslots *s);

int dfslots_get_state(struct dfslots *s, struct dfslots_state *st);

/* Streaming install into the slot that is not active (its previous
 * content and any trial in it are dropped at begin). begin: the image's
 * total size; write: bytes at an offset (any order, no gaps required until
 * commit); commit: the whole slot image is verified against trusted and
 * board (every dfimg_verify() refusal, plus TRUNCATED when fewer bytes than
 * announced were written); only then does the slot become the trial. A
 * refused install leaves the active slot and the state as they were. */
int dfslots_install_begin(struct dfslots *s, uint64_t image_len, int *slot,
			  struct dfimg_err *err);
int dfslots_install_write(struct dfslots *s, uint64_t off, const void *buf, size_t len,
			  struct dfimg_err *err);
int dfslots_install_commit(struct dfslots *s, EVP_PKEY *trusted, const char *board,
			   struct dfimg_info *info, struct dfimg_err *err);

/* Choose the slot to boot and count the boot: a trial not yet booted boots
 * (trial_boots becomes 1); a trial already booted once and not confirmed is
 * rolled back (cleared) and the active slot boots. The chosen slot is
 * verified; if it fails, the other valid slot is used (FALLBACK). *img
 * points into the mapping (valid until dfslots_close()). */
int dfslots_boot(struct dfslots *s, EVP_PKEY *trusted, const char *board, int *slot,
		 enum dfslots_boot_why *why, const uint8_t **img, size_t *len,
		 struct dfimg_err *err);

/* The running trial image works (its session with hostd came up): it
 * becomes the active slot. -ENOENT when there is no trial. */
int dfslots_confirm(struct dfslots *s, struct dfimg_err *err);

const char *dfslots_boot_why_name(enum dfslots_boot_why why);

#endif
