/* firmware/image_slots.c: the A/B firmware slots of image_slots.h (layout
 * and rules there). Images are verified with firmware/image.c before they
 * may become bootable and again before each boot. Driven by dfimage's
 * `slots` commands (image_tool.c) and the unit tests; later by the
 * firmware's update handler. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/image_slots.h"

#define PAGE 4096u

/* An open region. */
struct dfslots {
	uint8_t *base;            /* the mapping */
	size_t size;              /* its length */
	struct dfslots_state st;  /* the current state */
	int copy;                 /* superblock copy holding it (0/1) */
	int inst_slot;            /* slot being installed, or -1 */
	uint64_t inst_len;        /* announced image size */
	uint64_t inst_next;       /* bytes received without a gap */
};

static void sok(struct dfimg_err *err, const char *what)
{
	if (err) {
		err->code = DFIMG_ERR_OK;
		snprintf(err->msg, sizeof(err->msg), "%s", what);
	}
}

/* Errors that are not image refusals: an errno and its text. */
static int sys_fail(struct dfimg_err *err, int e, const char *what)
{
	if (err) {
		err->code = DFIMG_ERR_ARG;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", what, strerror(e));
	}
	return -e;
}

static uint64_t slot_size_for(size_t region)
{
	if (region < DFSLOTS_DATA_OFF + 2 * PAGE)
		return 0;
	return ((region - DFSLOTS_DATA_OFF) / 2) & ~(uint64_t)(PAGE - 1);
}

static uint8_t *slot_ptr(struct dfslots *s, int slot)
{
	return s->base + DFSLOTS_DATA_OFF + (size_t)slot * s->st.slot_size;
}

static int sync_range(struct dfslots *s, size_t off, size_t len)
{
	size_t start = off & ~(size_t)(PAGE - 1);
	if (len == 0)
		return 0;
	return msync(s->base + start, off + len - start, MS_SYNC) < 0 ? -errno : 0;
}

static void super_check(const struct dfslots_super *w, uint8_t out[4])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (EVP_Digest(w, __builtin_offsetof(struct dfslots_super, check), md, &n, EVP_sha256(),
		       NULL) != 1)
		memset(md, 0xff, 4); /* never matches a computed check */
	memcpy(out, md, 4);
}

static int slot_id_ok(uint8_t v) { return v == 0 || v == 1 || v == DFSLOTS_NONE; }
static int slot_from_wire(uint8_t v) { return v == DFSLOTS_NONE ? -1 : v; }
static uint8_t slot_to_wire(int v) { return v < 0 ? DFSLOTS_NONE : (uint8_t)v; }

/* Decode copy `i`; 0 when valid. */
static int decode_super(const struct dfslots *s, int i, struct dfslots_state *st)
{
	struct dfslots_super w;
	uint8_t chk[4];
	memcpy(&w, s->base + (size_t)i * DFSLOTS_SUPER_SPAN, sizeof(w));
	super_check(&w, chk);
	uint64_t ss = slot_size_for(s->size);
	if (memcmp(w.magic, DFSLOTS_MAGIC, 8) || le16toh(w.version) != DFSLOTS_VERSION ||
	    le16toh(w.hdr_size) != sizeof(w) || memcmp(chk, w.check, 4) ||
	    le64toh(w.slot_size) != ss || !slot_id_ok(w.active) || !slot_id_ok(w.trial) ||
	    w.trial_boots > 1 || (w.trial != DFSLOTS_NONE && w.trial == w.active))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->generation = le64toh(w.generation);
	st->slot_size = ss;
	st->active = slot_from_wire(w.active);
	st->trial = slot_from_wire(w.trial);
	st->trial_boots = w.trial_boots;
	for (int k = 0; k < 2; k++) {
		st->image_len[k] = le64toh(w.image_len[k]);
		if (st->image_len[k] > ss)
			return -EINVAL;
	}
	if ((st->active >= 0 && !st->image_len[st->active]) ||
	    (st->trial >= 0 && !st->image_len[st->trial]))
		return -EINVAL;
	return 0;
}

/* Fill the header fields of st from the slots' contents. */
static void refresh_headers(struct dfslots *s)
{
	for (int k = 0; k < 2; k++)
		s->st.header_ok[k] = s->st.image_len[k] &&
			dfimg_decode_header(slot_ptr(s, k), (size_t)s->st.image_len[k],
					    &s->st.info[k], NULL) == 0;
}

/* Write st as the next generation into the other copy, synced. */
static int store_state(struct dfslots *s, const struct dfslots_state *st, struct dfimg_err *err)
{
	struct dfslots_super w;
	memset(&w, 0, sizeof(w));
	memcpy(w.magic, DFSLOTS_MAGIC, 8);
	w.version = htole16(DFSLOTS_VERSION);
	w.hdr_size = htole16((uint16_t)sizeof(w));
	w.generation = htole64(s->st.generation + 1);
	w.slot_size = htole64(st->slot_size);
	w.image_len[0] = htole64(st->image_len[0]);
	w.image_len[1] = htole64(st->image_len[1]);
	w.active = slot_to_wire(st->active);
	w.trial = slot_to_wire(st->trial);
	w.trial_boots = (uint8_t)st->trial_boots;
	super_check(&w, w.check);
	int next = s->copy ^ 1;
	size_t off = (size_t)next * DFSLOTS_SUPER_SPAN;
	memcpy(s->base + off, &w, sizeof(w));
	int r = sync_range(s, off, sizeof(w));
	if (r < 0)
		return sys_fail(err, -r, "msync of the slot state");
	uint64_t gen = s->st.generation + 1;
	s->st = *st;
	s->st.generation = gen;
	s->copy = next;
	refresh_headers(s);
	return 0;
}

int dfslots_open(const char *path, int create, uint64_t size_hint, struct dfslots **out,
		 struct dfimg_err *err)
{
	struct stat sb;
	int r;
	if (!path || !out)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL path or out");
	*out = NULL;
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return sys_fail(err, errno, path);
	if (fstat(fd, &sb) < 0) {
		r = sys_fail(err, errno, path);
		goto close_fd;
	}
	if (create && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < size_hint) {
		if (ftruncate(fd, (off_t)size_hint) < 0) {
			r = sys_fail(err, errno, path);
			goto close_fd;
		}
		sb.st_size = (off_t)size_hint;
	}
	size_t size = (size_t)sb.st_size;
	if (!slot_size_for(size)) {
		r = dfimg_fail(err, DFIMG_ERR_ARG, "%s: region of %zu bytes is too small (at least %u)",
			  path, size, DFSLOTS_DATA_OFF + 2 * PAGE);
		goto close_fd;
	}
	struct dfslots *s = calloc(1, sizeof(*s));
	if (!s) {
		r = dfimg_fail(err, DFIMG_ERR_NOMEM, "slot store");
		goto close_fd;
	}
	s->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->base == MAP_FAILED) {
		r = sys_fail(err, errno, path);
		goto free_s;
	}
	close(fd);
	fd = -1;
	s->size = size;
	s->inst_slot = -1;
	struct dfslots_state c[2];
	int ok0 = decode_super(s, 0, &c[0]) == 0, ok1 = decode_super(s, 1, &c[1]) == 0;
	if (ok0 || ok1) {
		s->copy = ok0 && (!ok1 || c[0].generation >= c[1].generation) ? 0 : 1;
		s->st = c[s->copy];
		refresh_headers(s);
	} else if (create) {
		struct dfslots_state fresh = { .slot_size = slot_size_for(size), .active = -1,
					       .trial = -1 };
		s->copy = 1; /* the first state goes to copy 0 */
		s->st.generation = 0;
		r = store_state(s, &fresh, err);
		if (r < 0)
			goto unmap;
	} else {
		dfimg_fail(err, DFIMG_ERR_EMPTY, "%s holds no slot state (format it first)", path);
		r = -ENOENT;
		goto unmap;
	}
	*out = s;
	sok(err, "open");
	return 0;

unmap:
	munmap(s->base, size);
free_s:
	free(s);
close_fd:
	if (fd >= 0)
		close(fd);
	return r;
}

void dfslots_close(struct dfslots *s)
{
	if (!s)
		return;
	munmap(s->base, s->size);
	free(s);
}

int dfslots_get_state(struct dfslots *s, struct dfslots_state *st)
{
	if (!s || !st)
		return -EINVAL;
	*st = s->st;
	return 0;
}

int dfslots_install_begin(struct dfslots *s, uint64_t image_len, int *slot,
			  struct dfimg_err *err)
{
	if (!s)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL store");
	uint64_t min = sizeof(struct dfimg_hdr) + 1 + DFIMG_ED25519_SIG_LEN;
	if (image_len < min || image_len > s->st.slot_size)
		return dfimg_fail(err, DFIMG_ERR_ARG, "an image of %llu bytes does not fit a slot "
			     "(%llu..%llu bytes)", (unsigned long long)image_len,
			     (unsigned long long)min, (unsigned long long)s->st.slot_size);
	int target = s->st.active == 0 ? 1 : 0;
	/* Forget what the target held before overwriting it. */
	struct dfslots_state next = s->st;
	next.image_len[target] = 0;
	if (next.trial == target) {
		next.trial = -1;
		next.trial_boots = 0;
	}
	int r = store_state(s, &next, err);
	if (r < 0)
		return r;
	s->inst_slot = target;
	s->inst_len = image_len;
	s->inst_next = 0;
	if (slot)
		*slot = target;
	sok(err, "install started");
	return 0;
}

int dfslots_install_write(struct dfslots *s, uint64_t off, const void *buf, size_t len,
			  struct dfimg_err *err)
{
	if (!s || (!buf && len))
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL argument");
	if (s->inst_slot < 0)
		return dfimg_fail(err, DFIMG_ERR_ARG, "no install in progress");
	if (off > s->inst_next)
		return dfimg_fail(err, DFIMG_ERR_ARG, "chunk at offset %llu leaves a gap (next expected "
			     "%llu)", (unsigned long long)off, (unsigned long long)s->inst_next);
	if (off + len > s->inst_len || off + len < off)
		return dfimg_fail(err, DFIMG_ERR_TRAILING, "chunk %llu+%zu runs past the announced %llu "
			     "bytes", (unsigned long long)off, len,
			     (unsigned long long)s->inst_len);
	memcpy(slot_ptr(s, s->inst_slot) + off, buf, len);
	if (off + len > s->inst_next)
		s->inst_next = off + len;
	sok(err, "written");
	return 0;
}

int dfslots_install_commit(struct dfslots *s, EVP_PKEY *trusted, const char *board,
			   struct dfimg_info *info, struct dfimg_err *err)
{
	struct dfimg_info in;
	if (!s)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL store");
	if (s->inst_slot < 0)
		return dfimg_fail(err, DFIMG_ERR_ARG, "no install in progress");
	int slot = s->inst_slot;
	uint64_t len = s->inst_len;
	s->inst_slot = -1; /* commit ends the install, accepted or not */
	if (s->inst_next < len)
		return dfimg_fail(err, DFIMG_ERR_TRUNCATED, "%llu of the %llu announced bytes received",
			     (unsigned long long)s->inst_next, (unsigned long long)len);
	int r = dfimg_verify(slot_ptr(s, slot), (size_t)len, trusted, board, &in, err);
	if (r < 0)
		return r; /* the slot stays empty in the state */
	r = sync_range(s, DFSLOTS_DATA_OFF + (size_t)slot * s->st.slot_size, (size_t)len);
	if (r < 0)
		return sys_fail(err, -r, "msync of the slot");
	struct dfslots_state next = s->st;
	next.image_len[slot] = len;
	if (next.active < 0) {
		next.active = slot; /* first image: nothing to roll back to */
	} else {
		next.trial = slot;
		next.trial_boots = 0;
	}
	r = store_state(s, &next, err);
	if (r < 0)
		return r;
	if (info)
		*info = in;
	sok(err, next.active == slot ? "installed as the active image" : "installed for a trial boot");
	return 0;
}

int dfslots_boot(struct dfslots *s, EVP_PKEY *trusted, const char *board, int *slot,
		 enum dfslots_boot_why *why, const uint8_t **img, size_t *len,
		 struct dfimg_err *err)
{
	struct dfimg_err verr;
	if (!s || !slot || !why || !img || !len)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL argument");
	struct dfslots_state next = s->st;
	int chosen;
	enum dfslots_boot_why w;
	if (next.trial >= 0 && next.trial_boots == 0) {
		chosen = next.trial;
		next.trial_boots = 1;
		w = DFSLOTS_BOOT_TRIAL;
	} else if (next.trial >= 0) {
		/* Booted once and never confirmed: drop it. */
		next.image_len[next.trial] = 0;
		next.trial = -1;
		next.trial_boots = 0;
		chosen = next.active;
		w = DFSLOTS_BOOT_ROLLBACK;
	} else {
		chosen = next.active;
		w = DFSLOTS_BOOT_ACTIVE;
	}
	if (chosen < 0)
		return dfimg_fail(err, DFIMG_ERR_EMPTY, "no slot holds an installed image");
	int r = dfimg_verify(slot_ptr(s, chosen), (size_t)next.image_len[chosen], trusted, board,
			     NULL, &verr);
	if (r < 0) {
		int other = chosen ^ 1;
		if (!next.image_len[other] ||
		    dfimg_verify(slot_ptr(s, other), (size_t)next.image_len[other], trusted, board,
				 NULL, NULL) < 0) {
			if (err)
				*err = verr;
			return r;
		}
		/* The other slot is good: it becomes the active one. */
		next.image_len[chosen] = 0;
		next.active = other;
		next.trial = -1;
		next.trial_boots = 0;
		chosen = other;
		w = DFSLOTS_BOOT_FALLBACK;
	}
	r = store_state(s, &next, err);
	if (r < 0)
		return r;
	*slot = chosen;
	*why = w;
	*img = slot_ptr(s, chosen);
	*len = (size_t)next.image_len[chosen];
	if (err) {
		err->code = DFIMG_ERR_OK;
		snprintf(err->msg, sizeof(err->msg), "slot %c (%s)%s%.200s", 'A' + chosen,
			 dfslots_boot_why_name(w), w == DFSLOTS_BOOT_FALLBACK ? ": the other slot: " : "",
			 w == DFSLOTS_BOOT_FALLBACK ? verr.msg : "");
	}
	return 0;
}

int dfslots_confirm(struct dfslots *s, struct dfimg_err *err)
{
	if (!s)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL store");
	if (s->st.trial < 0)
		return dfimg_fail(err, DFIMG_ERR_EMPTY, "no trial image to confirm");
	if (s->st.trial_boots == 0)
		return dfimg_fail(err, DFIMG_ERR_ARG, "the trial image in slot %c has not booted yet",
			     'A' + s->st.trial);
	struct dfslots_state next = s->st;
	next.active = next.trial;
	next.trial = -1;
	next.trial_boots = 0;
	int r = store_state(s, &next, err);
	if (r < 0)
		return r;
	sok(err, "confirmed");
	return 0;
}

const char *dfslots_boot_why_name(enum dfslots_boot_why why)
{
	switch (why) {
	case DFSLOTS_BOOT_ACTIVE: return "active";
	case DFSLOTS_BOOT_TRIAL: return "trial";
	case DFSLOTS_BOOT_ROLLBACK: return "rollback";
	case DFSLOTS_BOOT_FALLBACK: return "fallback";
	}
	return "?";
}
