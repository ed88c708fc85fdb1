/* firmware/update.h: firmware updates over the mailbox, and booting from
 * the A/B flash (firmware/image_slots.h).
 *
 * Receiving side (the running firmware, main.c's session callbacks):
 * hostd streams a signed image with FW_UPDATE_BEGIN (total size + the
 * image header: a malformed, truncated-by-its-header or foreign-board image
 * is refused before any chunk), FW_UPDATE_CHUNKs in order (each written
 * into the inactive slot with dfslots_install_write()) and FW_UPDATE_END
 * (dfslots_install_commit(): the whole image is verified against the
 * trusted key and this board; only then does the slot become the trial).
 * Every refusal is an ERROR reply whose text starts with the image
 * library's code name ("DIGEST: ...", "BOARD: ...") and whose errno is that
 * code's; the running image and the flash state are left as they were.
 * After an accepted END the firmware exits with FW_EXIT_BOOT_TRIAL, which
 * whoever booted it reads as "boot the trial slot".
 *
 * Booting side: on the sim board `firmware --flash FILE` first runs
 * fw_boot_supervise(), a small boot loop in the same process that never
 * starts the EAL: it picks the slot (dfslots_boot(): trial, rollback,
 * active, fallback), writes that slot's payload next to the flash, runs it
 * with the same arguments (environment DFNIC_FW_BOOTED=1 marks the booted
 * program) and supervises it: a trial that has not been confirmed within
 * the deadline, or that exits first, is stopped and the previous image is
 * booted again. The booted firmware confirms its trial itself
 * (dfslots_confirm()) when its session with hostd comes up. On qemu-virt
 * the guest's /init plays the boot loop's part.
 *
 * Nothing here blocks except the supervisor (by design) and the flash
 * msync()s. */
#ifndef DFNIC_FIRMWARE_UPDATE_H
#define DFNIC_FIRMWARE_UPDATE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/codec.h"

/* Exit status of a firmware that installed an update: boot the trial. */
#define FW_EXIT_BOOT_TRIAL 76
/* Environment variable set for a firmware started by a boot loop. */
#define FW_BOOTED_ENV "DFNIC_FW_BOOTED"

struct fw_update;

/* Open the flash (it must hold valid slot state) and load the trusted
 * public key; board is the name images must carry. Logs which image runs
 * (slot, version, trial or not). 0 or -errno (logged). */
int fw_update_create(const char *flash, const char *pubkey, const char *board,
		     struct fw_update **out);
/* Accepts NULL. */
void fw_update_destroy(struct fw_update *u);

/* Handle one FW_UPDATE_* request (u may be NULL: no flash, refused).
 * Returns 0 (the session ACKs) or -errno with the reason in err. Does not
 * block beyond the flash's msync. */
int fw_update_message(struct fw_update *u, const struct mbox_msg *m, char *err, size_t errlen);

/* 1 once an image was installed as the trial: the caller lets the ACK go
 * out, stops and exits with FW_EXIT_BOOT_TRIAL. */
int fw_update_installed(const struct fw_update *u);

/* The session with hostd is up: a trial image confirms itself. Drops a
 * transfer cut short by the previous session. */
void fw_update_peer_up(struct fw_update *u);
/* The session went down: a transfer in progress is dropped. */
void fw_update_peer_down(struct fw_update *u);

/* Version of the image running (from its slot header), or NULL when the
 * firmware was not booted from the flash. */
const char *fw_update_version(const struct fw_update *u);

/* The sim boot loop (see above). argv: the firmware's own arguments
 * (argv[0] is replaced by the payload's path). trial_s: the deadline for a
 * trial to be confirmed. Returns the exit status of the firmware (a stop
 * signal in *stop is forwarded to it), or 1 when nothing can boot. */
int fw_boot_supervise(const char *flash, const char *pubkey, const char *board,
		      uint32_t trial_s, char **argv, volatile sig_atomic_t *stop);

#endif
