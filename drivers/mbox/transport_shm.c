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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/mbox/mbox.h"

#define MOD "mbox-shm"

/* What map() leaves for unmap(). */
struct shm_map {
	void *base;  /* the mapping */
	size_t size; /* its length */
};

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
	struct shm_map *m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto close_fd;
	}
	m->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED) {
		err = -errno;
		LOG_ERR(MOD, "%s: mmap %zu bytes: %s", path, len, strerror(errno));
		goto free_map;
	}
	close(fd); /* the mapping keeps the file */
	m->size = len;
	mbox_set_backend_priv(mb, m);
	*base = m->base;
	*size = len;
	return 0;

free_map:
	free(m);
close_fd:
	close(fd);
	return err;
}

static void shm_unmap(struct mbox *mb)
{
	struct shm_map *m = mbox_backend_priv(mb);
	if (!m)
		return;
	munmap(m->base, m->size);
	free(m);
	mbox_set_backend_priv(mb, NULL);
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
	.unmap = shm_unmap,
	.doorbell_ring = shm_doorbell_ring,
	.doorbell_wait = shm_doorbell_wait,
};
