/* board/qemu-virt/debug-exit.c: `debug-exit STATUS` in the qemu-virt guest
 * ends QEMU with an exit status the host can read. It writes STATUS to the
 * isa-debug-exit device (I/O port 0xf4, `-device isa-debug-exit,
 * iobase=0xf4,iosize=0x04` in build/image.mk); QEMU then exits with
 * (STATUS << 1) | 1, so firmware status 0 becomes QEMU status 1. The guest's
 * /init (board/qemu-virt/init) calls it after the firmware has exited.
 * Built static (the initramfs has no libc of its own for it). Busybox has
 * no outb, hence this program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4 /* iobase given to QEMU */

int main(int argc, char **argv)
{
	char *end;
	if (argc != 2) {
		fprintf(stderr, "usage: debug-exit STATUS   (0..127; QEMU exits with STATUS*2+1)\n");
		return 2;
	}
	errno = 0;
	long v = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || v < 0 || v > 127) {
		fprintf(stderr, "debug-exit: '%s' is not a status in 0..127\n", argv[1]);
		return 2;
	}
	if (ioperm(DEBUG_EXIT_PORT, 1, 1) < 0) {
		fprintf(stderr, "debug-exit: ioperm(%#x): %s\n", DEBUG_EXIT_PORT, strerror(errno));
		return 1;
	}
	outb((unsigned char)v, DEBUG_EXIT_PORT);
	/* Only reached without the device (QEMU would have exited). */
	fprintf(stderr, "debug-exit: no isa-debug-exit device at %#x\n", DEBUG_EXIT_PORT);
	return 1;
}
