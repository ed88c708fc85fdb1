/* drivers/mbox/transport_pci.c: the PCI BAR transport ("pci:PATH"). PATH is
 * a sysfs `resourceN` file of the mailbox device (the firmware in a QEMU
 * guest maps the ivshmem BAR this way) or any file with the same contents
 * (the host side of QEMU maps the file behind memory-backend-file). The
 * BAR has a fixed size: nothing is created or resized here, and a layout
 * that does not fit fails in mbox.c with -ENOSPC. There are no interrupts
 * across the BAR, so there is no doorbell_ring op: the waiting side polls
 * the ring word adaptively (a short spin, then sleeps doubling from 2 us up
 * to 1 ms), so an idle consumer costs at most ~1000 wake-ups a second. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"

#define MOD "mbox-pci"

#define PCI_SPIN_LOOPS 200        /* polls before the first sleep */
#define PCI_SLEEP_MIN_NS 2000u    /* first sleep */
#define PCI_SLEEP_MAX_NS 1000000u /* cap: idle cost ~1000 polls/s */

static int pci_map(struct mbox *mb, const char *path, enum mbox_role role, void **base,
		   size_t *size)
{
	struct stat st;
	int err;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			LOG_ERR(MOD, "%s: open: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto close_fd;
	}
	size_t len = (size_t)st.st_size;
	if (len == 0) {
		LOG_ERR(MOD, "%s: size 0: not a BAR resource file", path);
		err = -ENODEV;
		goto close_fd;
	}
	if (*size > len) {
		LOG_ERR(MOD, "%s: BAR of %zu bytes, %zu needed", path, len, *size);
		err = -ENOSPC;
		goto close_fd;
	}
	if (role == MBOX_HOST && *size)
		len = *size;
	return mbox_file_map(mb, fd, len, MOD, path, base, size);

close_fd:
	close(fd);
	return err;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

static inline int word_changed(uint32_t *word, uint32_t seen)
{
	/* relaxed: only a hint to stop waiting; mbox.c re-reads the ring
	 * indices with acquire once we return. */
	return atomic_load_explicit((_Atomic uint32_t *)word, memory_order_relaxed) != seen;
}

static int pci_doorbell_wait(struct mbox *mb, uint32_t *word, uint32_t seen, int timeout_ms)
{
	for (int i = 0; i < PCI_SPIN_LOOPS; i++) {
		if (word_changed(word, seen))
			return 0;
		cpu_relax();
	}
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : dfn_now_ns() + (uint64_t)timeout_ms * 1000000u;
	uint64_t nap = PCI_SLEEP_MIN_NS;
	for (;;) {
		if (word_changed(word, seen))
			return 0;
		uint64_t now = dfn_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t ns = DFN_MIN(nap, deadline - now);
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };
		nanosleep(&ts, NULL);
		nap = DFN_MIN(nap * 2, (uint64_t)PCI_SLEEP_MAX_NS);
	}
}

const struct mbox_transport_ops mbox_pci_ops = {
	.name = "pci",
	.map = pci_map,
	.unmap = mbox_file_unmap,
	/* no doorbell_ring: nothing to interrupt, the consumer polls */
	.doorbell_wait = pci_doorbell_wait,
};
