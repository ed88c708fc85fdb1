/* drivers/mbox/transport_shm.c: the shared-memory file transport
 * ("shm:/dev/shm/NAME", or a bare path). Both ends on one host in separate
 * processes (the sim board: hostd and the firmware as host processes). The
 * NIC end creates the file, or reuses it and lets mbox.c re-initialise it in
 * place, so a host that still has it mapped sees the new epoch rather than
 * an orphaned copy; the file is never shrunk (a mapped host would fault).
 * The doorbell is a futex on the shared ring word (not FUTEX_PRIVATE: the
 * other process waits on the same page); mbox.c's sleeping flag and fences
 * make sure a wake-up is never lost, so an idle consumer sleeps in the
 * kernel. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/mbox/mbox.h"

#define MOD "mbox-shm"

static int shm_map(struct mbox *mb, const char *path, enum mbox_role role, void **base,
		   size_t *size)
{
	struct stat st;
	int err;
	int fd = open(path, role == MBOX_NIC ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDWR | O_CLOEXEC,
		      0600);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT || role == MBOX_NIC)
			LOG_ERR(MOD, "%s: open: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		LOG_ERR(MOD, "%s: not a regular file", path);
		err = -EINVAL;
		goto close_fd;
	}
	size_t len = (size_t)st.st_size;
	if (role == MBOX_NIC) {
		if (len < *size) {
			if (ftruncate(fd, (off_t)*size) < 0) {
				err = -errno;
				LOG_ERR(MOD, "%s: ftruncate to %zu: %s", path, *size, strerror(errno));
				goto close_fd;
			}
			len = *size;
		}
	} else {
		if (len == 0) {
			err = -ENOENT; /* created, not sized yet: no mailbox yet */
			goto close_fd;
		}
		if (*size) {
			if (len < *size) {
				err = -ENOSPC;
				goto close_fd;
			}
			len = *size;
		}
	}
	return mbox_file_map(mb, fd, len, MOD, path, base, size);

close_fd:
	close(fd);
	return err;
}

static void shm_doorbell_ring(struct mbox *mb, uint32_t *word)
{
	mbox_futex_wake(word, 1);
}

static int shm_doorbell_wait(struct mbox *mb, uint32_t *word, uint32_t seen, int timeout_ms)
{
	return mbox_futex_wait(word, seen, timeout_ms, 1);
}

const struct mbox_transport_ops mbox_shm_ops = {
	.name = "shm",
	.map = shm_map,
	.unmap = mbox_file_unmap,
	.doorbell_ring = shm_doorbell_ring,
	.doorbell_wait = shm_doorbell_wait,
};
