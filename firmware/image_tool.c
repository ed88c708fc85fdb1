/* firmware/image_tool.c: dfimage, the command-line tool for signed firmware
 * images (format: firmware/image_wire.h; library: firmware/image.[ch]).
 * `make image` signs with it (build/image.mk), the qemu-virt guest's /init
 * verifies and unpacks the firmware with it (board/qemu-virt/init), and the
 * tests drive it (tests/integration/image_verify.sh). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/base/util.h"
#include "firmware/image.h"
#include "firmware/image_slots.h"

/* Exit statuses: 0 success, 1 I/O or key trouble, 2 usage, 10 + the
 * DFIMG_ERR_* code when an image is refused (so scripts can tell why). */
#define EXIT_IO 1
#define EXIT_USAGE 2
#define EXIT_REFUSED_BASE 10

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dfimage sign --key KEY --board BOARD --version VERSION IN OUT\n"
		"       dfimage verify --pubkey KEY [--board BOARD] IMAGE\n"
		"       dfimage extract --pubkey KEY [--board BOARD] IMAGE OUT\n"
		"       dfimage info IMAGE\n"
		"       dfimage slots init --store FILE [--size BYTES]\n"
		"       dfimage slots status --store FILE\n"
		"       dfimage slots install --store FILE --pubkey KEY [--board BOARD] IMAGE\n"
		"       dfimage slots boot --store FILE --pubkey KEY [--board BOARD] OUT\n"
		"       dfimage slots confirm --store FILE\n"
		"\n"
		"Signed dfnic firmware images: a 128-byte header (magic, format version,\n"
		"board, firmware version, payload size, payload SHA-256, signer key id),\n"
		"the payload, and an Ed25519 signature over header and payload.\n"
		"\n"
		"  sign     wrap the file IN (the firmware) into the signed image OUT with\n"
		"           the Ed25519 private key KEY (PEM)\n"
		"  verify   check IMAGE against the trusted key KEY (PEM; public, or the\n"
		"           public half of a private key) and, with --board, its board\n"
		"  extract  verify, then write the payload to OUT (mode 0755)\n"
		"  info     print the header, without verifying anything\n"
		"  slots    A/B firmware slots in FILE (firmware/image_slots.h): init\n"
		"           formats it; install streams IMAGE into the slot not running,\n"
		"           verifies it and marks it for one trial boot (the first image\n"
		"           is active at once); boot picks the slot (trial, rollback of\n"
		"           an unconfirmed trial, fallback when a slot fails to verify)\n"
		"           and writes its payload to OUT; confirm keeps the trial\n"
		"\n"
		"Exit status: 0 ok, 1 I/O or key error, 2 usage, 10 + code when the\n"
		"image is refused:");
	for (int c = 1; c < DFIMG_ERR_COUNT; c++) {
		if (c == DFIMG_ERR_ARG || c == DFIMG_ERR_KEYFILE || c == DFIMG_ERR_CRYPTO ||
		    c == DFIMG_ERR_NOMEM)
			continue;
		fprintf(f, "%s %d %s", c == 1 ? "" : ",", EXIT_REFUSED_BASE + c,
			dfimg_code_name(c));
	}
	fprintf(f, ".\n");
}

/* Read a whole file (at most max bytes) into a malloc()ed buffer. */
static int read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "dfimage: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "dfimage: %s: not a regular file\n", path);
		goto close_fd;
	}
	if ((uint64_t)st.st_size > max) {
		fprintf(stderr, "dfimage: %s: %lld bytes, more than the %zu allowed\n", path,
			(long long)st.st_size, max);
		goto close_fd;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		fprintf(stderr, "dfimage: %s: out of memory\n", path);
		goto close_fd;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "dfimage: %s: read: %s\n", path,
				r < 0 ? strerror(errno) : "file shrank");
			goto free_buf;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;

free_buf:
	free(buf);
close_fd:
	close(fd);
	return -1;
}

/* Write buf to path atomically (temporary file + rename). */
static int write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, "dfimage: %s: path too long\n", path);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "dfimage: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	const uint8_t *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t r = write(fd, p + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "dfimage: %s: write: %s\n", tmp, strerror(errno));
			goto remove_tmp;
		}
		done += (size_t)r;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		fprintf(stderr, "dfimage: %s: %s\n", tmp, strerror(errno));
		goto remove_tmp;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "dfimage: rename %s -> %s: %s\n", tmp, path, strerror(errno));
		goto remove_tmp;
	}
	return 0;

remove_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* Options shared by the subcommands. */
struct tool_opts {
	const char *key;     /* --key / --pubkey */
	const char *board;   /* --board */
	const char *version; /* --version */
	const char *store;   /* --store */
	const char *size;    /* --size */
	int npos;            /* positional arguments */
	char **pos;          /* them */
};

static int parse(int argc, char **argv, struct tool_opts *o, const char *allowed, int npos)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "board", required_argument, NULL, 'b' },
		{ "version", required_argument, NULL, 'v' },
		{ "store", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+k:p:b:v:s:z:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || !strchr(allowed, c)) {
			if (c != '?')
				fprintf(stderr, "dfimage %s: option '%s' does not apply\n", argv[0],
					argv[optind - 1]);
			fprintf(stderr, "Try 'dfimage --help'.\n");
			return -1;
		}
		switch (c) {
		case 'k':
		case 'p':
			o->key = optarg;
			break;
		case 'b':
			o->board = optarg;
			break;
		case 'v':
			o->version = optarg;
			break;
		case 's':
			o->store = optarg;
			break;
		case 'z':
			o->size = optarg;
			break;
		}
	}
	o->pos = argv + optind;
	o->npos = argc - optind;
	if (o->npos != npos) {
		fprintf(stderr, "dfimage %s: %d file argument(s) expected, %d given\n"
			"Try 'dfimage --help'.\n", argv[0], npos, o->npos);
		return -1;
	}
	return 0;
}

static int refused(const char *path, const struct dfimg_err *e)
{
	fprintf(stderr, "dfimage: %s: refused (%s): %s\n", path, dfimg_code_name(e->code), e->msg);
	if (e->code == DFIMG_ERR_ARG || e->code == DFIMG_ERR_KEYFILE ||
	    e->code == DFIMG_ERR_CRYPTO || e->code == DFIMG_ERR_NOMEM)
		return EXIT_IO;
	return EXIT_REFUSED_BASE + (int)e->code;
}

static int cmd_sign(int argc, char **argv)
{
	struct tool_opts o = { 0 };
	struct dfimg_err e;
	EVP_PKEY *key = NULL;
	uint8_t *payload = NULL, *img = NULL;
	size_t plen, ilen;
	int rc = EXIT_IO;
	if (parse(argc, argv, &o, "kbv", 2) < 0)
		return EXIT_USAGE;
	if (!o.key || !o.board || !o.version) {
		fprintf(stderr, "dfimage sign: --key, --board and --version are required\n");
		return EXIT_USAGE;
	}
	if (dfimg_check_board(o.board) < 0) {
		fprintf(stderr, "dfimage sign: --board '%s': 1..%d of [a-z0-9._-]\n", o.board,
			DFIMG_NAME_LEN - 1);
		return EXIT_USAGE;
	}
	if (dfimg_check_version(o.version) < 0) {
		fprintf(stderr, "dfimage sign: --version '%s': 1..%d printable characters, "
			"no spaces\n", o.version, DFIMG_NAME_LEN - 1);
		return EXIT_USAGE;
	}
	if (dfimg_load_key(o.key, 1, &key, &e) < 0) {
		fprintf(stderr, "dfimage sign: %s\n", e.msg);
		return EXIT_IO;
	}
	if (read_file(o.pos[0], DFIMG_MAX_PAYLOAD, &payload, &plen) < 0)
		goto free_key;
	if (dfimg_sign(key, o.board, o.version, payload, plen, &img, &ilen, &e) < 0) {
		fprintf(stderr, "dfimage sign: %s: %s\n", o.pos[0], e.msg);
		goto free_payload;
	}
	if (write_file(o.pos[1], img, ilen, 0644) < 0)
		goto free_img;
	struct dfimg_info info;
	char line[400];
	dfimg_decode_header(img, ilen, &info, NULL);
	dfimg_format_info(&info, line, sizeof(line));
	printf("%s: signed: %s\n", o.pos[1], line);
	rc = 0;
free_img:
	free(img);
free_payload:
	free(payload);
free_key:
	EVP_PKEY_free(key);
	return rc;
}

/* verify (out == NULL) and extract (out: where the payload goes). */
static int cmd_verify(int argc, char **argv, int extract)
{
	struct tool_opts o = { 0 };
	struct dfimg_err e;
	struct dfimg_info info;
	EVP_PKEY *key = NULL;
	uint8_t *img = NULL;
	size_t ilen;
	char line[400];
	int rc = EXIT_IO;
	if (parse(argc, argv, &o, "pb", extract ? 2 : 1) < 0)
		return EXIT_USAGE;
	if (!o.key) {
		fprintf(stderr, "dfimage %s: --pubkey is required\n", argv[0]);
		return EXIT_USAGE;
	}
	if (dfimg_load_key(o.key, 0, &key, &e) < 0) {
		fprintf(stderr, "dfimage %s: %s\n", argv[0], e.msg);
		return EXIT_IO;
	}
	/* Read a little more than the largest valid image, so an oversized
	 * file is reported as such by the verifier. */
	if (read_file(o.pos[0], DFIMG_MAX_PAYLOAD + 4096, &img, &ilen) < 0)
		goto free_key;
	if (dfimg_verify(img, ilen, key, o.board, &info, &e) < 0) {
		rc = refused(o.pos[0], &e);
		goto free_img;
	}
	dfimg_format_info(&info, line, sizeof(line));
	if (extract) {
		if (write_file(o.pos[1], img + info.payload_off, (size_t)info.payload_size, 0755) < 0)
			goto free_img;
		printf("%s: verified, payload written to %s: %s\n", o.pos[0], o.pos[1], line);
	} else {
		printf("%s: verified: %s\n", o.pos[0], line);
	}
	rc = 0;
free_img:
	free(img);
free_key:
	EVP_PKEY_free(key);
	return rc;
}

static int cmd_info(int argc, char **argv)
{
	struct tool_opts o = { 0 };
	struct dfimg_err e;
	struct dfimg_info info;
	uint8_t *img = NULL;
	size_t ilen;
	char line[400];
	if (parse(argc, argv, &o, "", 1) < 0)
		return EXIT_USAGE;
	if (read_file(o.pos[0], DFIMG_MAX_PAYLOAD + 4096, &img, &ilen) < 0)
		return EXIT_IO;
	int rc = 0;
	if (dfimg_decode_header(img, ilen, &info, &e) < 0) {
		rc = refused(o.pos[0], &e);
	} else {
		dfimg_format_info(&info, line, sizeof(line));
		printf("%s: %s\n", o.pos[0], line);
		if (ilen != info.image_size)
			printf("%s: size %zu, the header announces %zu: %s\n", o.pos[0], ilen,
			       info.image_size, ilen < info.image_size ? "truncated" :
			       "trailing bytes");
		printf("%s: not verified (use dfimage verify --pubkey KEY)\n", o.pos[0]);
	}
	free(img);
	return rc;
}

static void print_slots(const struct dfslots_state *st)
{
	char line[400];
	printf("slots: generation %llu, %llu bytes per slot, active %c, trial %c%s\n",
	       (unsigned long long)st->generation, (unsigned long long)st->slot_size,
	       st->active < 0 ? '-' : 'A' + st->active, st->trial < 0 ? '-' : 'A' + st->trial,
	       st->trial >= 0 ? (st->trial_boots ? " (booted, not confirmed)" : " (not booted yet)")
			      : "");
	for (int k = 0; k < 2; k++) {
		if (!st->image_len[k]) {
			printf("slot %c: empty\n", 'A' + k);
			continue;
		}
		if (st->header_ok[k])
			dfimg_format_info(&st->info[k], line, sizeof(line));
		else
			snprintf(line, sizeof(line), "header does not decode");
		printf("slot %c: %llu bytes: %s\n", 'A' + k, (unsigned long long)st->image_len[k],
		       line);
	}
}

static int cmd_slots(int argc, char **argv)
{
	struct tool_opts o = { 0 };
	struct dfimg_err e;
	struct dfslots *s = NULL;
	struct dfslots_state st;
	EVP_PKEY *key = NULL;
	uint8_t *img = NULL;
	size_t ilen;
	int rc = EXIT_IO;
	if (argc < 2) {
		fprintf(stderr, "dfimage slots: init, status, install, boot or confirm?\n");
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	int init = !strcmp(sub, "init"), status = !strcmp(sub, "status");
	int inst = !strcmp(sub, "install"), boot = !strcmp(sub, "boot");
	int confirm = !strcmp(sub, "confirm");
	if (!(init || status || inst || boot || confirm)) {
		fprintf(stderr, "dfimage slots: unknown command '%s'\n", sub);
		return EXIT_USAGE;
	}
	if (parse(argc - 1, argv + 1, &o, init ? "sz" : (inst || boot) ? "spb" : "s",
		  (inst || boot) ? 1 : 0) < 0)
		return EXIT_USAGE;
	if (!o.store || ((inst || boot) && !o.key)) {
		fprintf(stderr, "dfimage slots %s: %s required\n", sub,
			(inst || boot) ? "--store and --pubkey are" : "--store is");
		return EXIT_USAGE;
	}
	unsigned long size = 0;
	/* init without --size: the region keeps its size (a BAR, an existing file) */
	if (init && o.size && dfn_parse_uint(o.size, 1, (unsigned long)1 << 40, &size)) {
		fprintf(stderr, "dfimage slots init: --size '%s' is not a byte count\n", o.size);
		return EXIT_USAGE;
	}
	if ((inst || boot) && dfimg_load_key(o.key, 0, &key, &e) < 0) {
		fprintf(stderr, "dfimage slots %s: %s\n", sub, e.msg);
		return EXIT_IO;
	}
	if (dfslots_open(o.store, init, size, &s, &e) < 0) {
		fprintf(stderr, "dfimage slots %s: %s\n", sub, e.msg);
		goto free_key;
	}
	if (init || status) {
		dfslots_get_state(s, &st);
		print_slots(&st);
		rc = 0;
	} else if (inst) {
		int slot;
		if (read_file(o.pos[0], DFIMG_MAX_PAYLOAD + 4096, &img, &ilen) < 0)
			goto close_store;
		if (dfslots_install_begin(s, ilen, &slot, &e) < 0) {
			rc = refused(o.pos[0], &e);
			goto free_img;
		}
		/* In chunks, as an update streamed over the mailbox would be. */
		for (size_t off = 0; off < ilen; off += 65536) {
			size_t n = DFN_MIN((size_t)65536, ilen - off);
			if (dfslots_install_write(s, off, img + off, n, &e) < 0) {
				rc = refused(o.pos[0], &e);
				goto free_img;
			}
		}
		struct dfimg_info info;
		char line[400];
		if (dfslots_install_commit(s, key, o.board, &info, &e) < 0) {
			rc = refused(o.pos[0], &e);
			goto free_img;
		}
		dfimg_format_info(&info, line, sizeof(line));
		printf("%s: slot %c: %s: %s\n", o.pos[0], 'A' + slot, e.msg, line);
		rc = 0;
	} else if (boot) {
		int slot;
		enum dfslots_boot_why why;
		const uint8_t *bimg;
		size_t blen;
		struct dfimg_info info;
		if (dfslots_boot(s, key, o.board, &slot, &why, &bimg, &blen, &e) < 0) {
			rc = refused(o.store, &e);
			goto close_store;
		}
		dfimg_decode_header(bimg, blen, &info, NULL);
		if (write_file(o.pos[0], bimg + info.payload_off, (size_t)info.payload_size, 0755) < 0)
			goto close_store;
		printf("boot: %s, version %s, payload written to %s\n", e.msg, info.version,
		       o.pos[0]);
		rc = 0;
	} else {
		if (dfslots_confirm(s, &e) < 0) {
			fprintf(stderr, "dfimage slots confirm: %s\n", e.msg);
			rc = EXIT_IO;
			goto close_store;
		}
		dfslots_get_state(s, &st);
		printf("confirmed: slot %c is active\n", 'A' + st.active);
		rc = 0;
	}
free_img:
	free(img);
close_store:
	dfslots_close(s);
free_key:
	EVP_PKEY_free(key);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "sign"))
		return cmd_sign(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 1, argv + 1, 0);
	if (!strcmp(cmd, "extract"))
		return cmd_verify(argc - 1, argv + 1, 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "slots"))
		return cmd_slots(argc - 1, argv + 1);
	fprintf(stderr, "dfimage: unknown command '%s'\nTry 'dfimage --help'.\n", cmd);
	return EXIT_USAGE;
}
