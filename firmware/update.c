/* firmware/update.c: the update receiver and the sim boot loop of
 * update.h. The image checks are firmware/image.c's (through
 * firmware/image_slots.c): this file only feeds them the mailbox's bytes,
 * tells the session what to answer, and starts/stops the booted program. */
#include "firmware/update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "firmware/image_slots.h"

#define MOD "update"
#define BOOT_MOD "boot"

struct fw_update {
	struct dfslots *slots;          /* the flash */
	EVP_PKEY *key;                  /* trusted public key */
	char board[DFIMG_NAME_LEN + 1]; /* this board's name */
	int slot;                       /* slot running (0/1), -1: unknown */
	int trial;                      /* the running image is on trial */
	char version[DFIMG_NAME_LEN + 1]; /* its version ("" unknown) */
	int receiving;                  /* BEGIN accepted, END not yet */
	uint64_t total;                 /* announced image size */
	uint64_t next;                  /* next expected offset */
	int inst_slot;                  /* slot being written */
	char inst_version[DFIMG_NAME_LEN + 1]; /* version being installed */
	int installed;                  /* END accepted: boot the trial */
};

static char slot_name(int slot) { return slot == 0 ? 'A' : slot == 1 ? 'B' : '-'; }

/* An image library refusal as an ERROR reply: "CODE: message". */
static int refuse(const struct dfimg_err *e, char *err, size_t errlen)
{
	const char *name = dfimg_code_name(e->code);
	snprintf(err, errlen, "%s: %s", name ? name : "?", e->msg);
	int no = dfimg_code_errno(e->code);
	return -(no ? no : EINVAL);
}

int fw_update_create(const char *flash, const char *pubkey, const char *board,
		     struct fw_update **out)
{
	struct dfimg_err e;
	struct dfslots_state st;
	struct fw_update *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->slot = -1;
	u->inst_slot = -1;
	snprintf(u->board, sizeof(u->board), "%s", board);
	int r = dfimg_load_key(pubkey, 0, &u->key, &e);
	if (r < 0) {
		LOG_ERR(MOD, "trusted key %s: %s", pubkey, e.msg);
		goto free_u;
	}
	r = dfslots_open(flash, 0, 0, &u->slots, &e);
	if (r < 0) {
		LOG_ERR(MOD, "flash %s: %s", flash, r == -ENOENT ? "no slot state" : e.msg);
		goto free_key;
	}
	dfslots_get_state(u->slots, &st);
	if (st.trial >= 0 && st.trial_boots > 0) {
		u->slot = st.trial;
		u->trial = 1;
	} else {
		u->slot = st.active;
	}
	if (u->slot >= 0 && st.header_ok[u->slot])
		snprintf(u->version, sizeof(u->version), "%s", st.info[u->slot].version);
	if (u->trial)
		LOG_INFO(MOD, "running image version %s from slot %c on trial: confirmed once the "
			 "session with hostd is up", u->version[0] ? u->version : "?",
			 slot_name(u->slot));
	else
		LOG_INFO(MOD, "running image version %s from slot %c (active); updates go to slot %c",
			 u->version[0] ? u->version : "?", slot_name(u->slot),
			 slot_name(st.active == 0 ? 1 : 0));
	*out = u;
	return 0;

free_key:
	EVP_PKEY_free(u->key);
free_u:
	free(u);
	return r < 0 ? r : -EINVAL;
}

void fw_update_destroy(struct fw_update *u)
{
	if (!u)
		return;
	dfslots_close(u->slots);
	EVP_PKEY_free(u->key);
	free(u);
}

const char *fw_update_version(const struct fw_update *u)
{
	return u && u->version[0] ? u->version : NULL;
}

int fw_update_installed(const struct fw_update *u) { return u && u->installed; }

static void drop_transfer(struct fw_update *u, const char *why)
{
	if (!u->receiving)
		return;
	LOG_WARN(MOD, "update of %llu bytes dropped at %llu: %s", (unsigned long long)u->total,
		 (unsigned long long)u->next, why);
	u->receiving = 0;
}

void fw_update_peer_up(struct fw_update *u)
{
	struct dfimg_err e;
	if (!u)
		return;
	drop_transfer(u, "new session");
	if (!u->trial)
		return;
	if (dfslots_confirm(u->slots, &e) < 0) {
		LOG_ERR(MOD, "cannot confirm image version %s in slot %c: %s", u->version,
			slot_name(u->slot), e.msg);
		return;
	}
	u->trial = 0;
	LOG_INFO(MOD, "image version %s in slot %c confirmed: the session with hostd is up; "
		 "it is the active image", u->version, slot_name(u->slot));
}

void fw_update_peer_down(struct fw_update *u)
{
	if (u)
		drop_transfer(u, "host lost");
}

static int on_begin(struct fw_update *u, const struct mbox_fw *f, char *err, size_t errlen)
{
	struct dfimg_info info;
	struct dfimg_err e;
	drop_transfer(u, "a new update started");
	if (u->trial) {
		snprintf(err, errlen, "the running image (version %s, slot %c) is on trial: an update "
			 "is accepted once it is confirmed", u->version, slot_name(u->slot));
		return -EBUSY;
	}
	/* The checks of dfimg_verify(), in its order, as far as the header
	 * alone allows: structure, size, board. */
	if (dfimg_decode_header(f->data, f->data_len, &info, &e) < 0)
		return refuse(&e, err, errlen);
	if (f->total != info.image_size) {
		e.code = f->total < info.image_size ? DFIMG_ERR_TRUNCATED : DFIMG_ERR_TRAILING;
		snprintf(e.msg, sizeof(e.msg), "image of %llu bytes, its header announces %zu",
			 (unsigned long long)f->total, info.image_size);
		return refuse(&e, err, errlen);
	}
	if (strcmp(info.board, u->board)) {
		e.code = DFIMG_ERR_BOARD;
		snprintf(e.msg, sizeof(e.msg), "image for board '%s', this is board '%s'", info.board,
			 u->board);
		return refuse(&e, err, errlen);
	}
	if (dfslots_install_begin(u->slots, f->total, &u->inst_slot, &e) < 0)
		return refuse(&e, err, errlen);
	u->receiving = 1;
	u->total = f->total;
	u->next = 0;
	snprintf(u->inst_version, sizeof(u->inst_version), "%s", info.version);
	LOG_INFO(MOD, "update started: version %s, %llu bytes, into slot %c", info.version,
		 (unsigned long long)f->total, slot_name(u->inst_slot));
	return 0;
}

static int on_chunk(struct fw_update *u, const struct mbox_fw *f, char *err, size_t errlen)
{
	struct dfimg_err e;
	if (!u->receiving) {
		snprintf(err, errlen, "no update in progress (FW_UPDATE_BEGIN first)");
		return -EPROTO;
	}
	if (f->offset != u->next) {
		snprintf(err, errlen, "chunk at offset %llu, expected %llu",
			 (unsigned long long)f->offset, (unsigned long long)u->next);
		return -EINVAL;
	}
	if (dfslots_install_write(u->slots, f->offset, f->data, f->data_len, &e) < 0) {
		u->receiving = 0;
		return refuse(&e, err, errlen);
	}
	u->next += f->data_len;
	return 0;
}

static int on_end(struct fw_update *u, const struct mbox_fw *f, char *err, size_t errlen)
{
	struct dfimg_info info;
	struct dfimg_err e;
	if (!u->receiving) {
		snprintf(err, errlen, "no update in progress (FW_UPDATE_BEGIN first)");
		return -EPROTO;
	}
	u->receiving = 0;
	if (f->total != u->total) {
		snprintf(err, errlen, "END says %llu bytes, BEGIN announced %llu",
			 (unsigned long long)f->total, (unsigned long long)u->total);
		return -EINVAL;
	}
	if (dfslots_install_commit(u->slots, u->key, u->board, &info, &e) < 0) {
		LOG_WARN(MOD, "update refused, slot %c left empty, running image unchanged: %s: %s",
			 slot_name(u->inst_slot), dfimg_code_name(e.code), e.msg);
		return refuse(&e, err, errlen);
	}
	u->installed = 1;
	LOG_INFO(MOD, "installed version %s in slot %c, trial; restarting on it", info.version,
		 slot_name(u->inst_slot));
	return 0;
}

int fw_update_message(struct fw_update *u, const struct mbox_msg *m, char *err, size_t errlen)
{
	if (!u) {
		snprintf(err, errlen, "this firmware has no flash (started without --flash): it "
			 "cannot be updated");
		return -ENODEV;
	}
	if (u->installed) {
		snprintf(err, errlen, "an update is installed; restarting on it");
		return -EBUSY;
	}
	switch (m->type) {
	case MBOX_MSG_FW_UPDATE_BEGIN:
		return on_begin(u, &m->u.fw, err, errlen);
	case MBOX_MSG_FW_UPDATE_CHUNK:
		return on_chunk(u, &m->u.fw, err, errlen);
	case MBOX_MSG_FW_UPDATE_END:
		return on_end(u, &m->u.fw, err, errlen);
	default:
		snprintf(err, errlen, "not an update message");
		return -EINVAL;
	}
}

/* ---- the sim boot loop -------------------------------------------------- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Write the payload to path (via a temporary and rename, so a file still
 * being executed is never rewritten). 0 or -errno. */
static int write_payload(const char *path, const uint8_t *p, size_t len)
{
	char tmp[4200];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (fd < 0)
		return -errno;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return -e;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

/* Pick the slot and unpack it: *trial, version. 0 or -1 (logged). */
static int boot_pick(const char *flash, EVP_PKEY *key, const char *board, const char *run,
		     int *trial, char *version, size_t vlen)
{
	struct dfslots *s;
	struct dfimg_err e;
	struct dfimg_info info;
	int slot, r;
	enum dfslots_boot_why why;
	const uint8_t *img;
	size_t len;
	if (dfslots_open(flash, 0, 0, &s, &e) < 0) {
		LOG_ERR(BOOT_MOD, "flash %s: %s", flash, e.msg[0] ? e.msg : "no slot state");
		return -1;
	}
	r = dfslots_boot(s, key, board, &slot, &why, &img, &len, &e);
	if (r < 0) {
		LOG_ERR(BOOT_MOD, "nothing to boot in %s: %s: %s", flash, dfimg_code_name(e.code),
			e.msg);
		goto close_slots;
	}
	r = dfimg_decode_header(img, len, &info, &e);
	if (!r && (r = write_payload(run, img + info.payload_off, (size_t)info.payload_size)) < 0)
		LOG_ERR(BOOT_MOD, "cannot write %s: %s", run, strerror(-r));
	if (!r) {
		*trial = why == DFSLOTS_BOOT_TRIAL;
		snprintf(version, vlen, "%s", info.version);
		LOG_INFO(BOOT_MOD, "booting slot %c: version %s (%s)", slot_name(slot), info.version,
			 dfslots_boot_why_name(why));
	}
close_slots:
	dfslots_close(s);
	return r < 0 ? -1 : 0;
}

/* 1 while the flash still names a trial. */
static int still_trial(const char *flash)
{
	struct dfslots *s;
	struct dfslots_state st;
	if (dfslots_open(flash, 0, 0, &s, NULL) < 0)
		return 1;
	dfslots_get_state(s, &st);
	dfslots_close(s);
	return st.trial >= 0;
}

/* SIGTERM, then SIGKILL after 5 s; the wait status. */
static int stop_child(pid_t pid)
{
	int status = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(100);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int fw_boot_supervise(const char *flash, const char *pubkey, const char *board,
		      uint32_t trial_s, char **argv, volatile sig_atomic_t *stop)
{
	struct dfimg_err e;
	EVP_PKEY *key;
	char run[4096], version[DFIMG_NAME_LEN + 1];
	int rc = 1;
	if (dfimg_load_key(pubkey, 0, &key, &e) < 0) {
		LOG_ERR(BOOT_MOD, "trusted key %s: %s", pubkey, e.msg);
		return 1;
	}
	if ((size_t)snprintf(run, sizeof(run), "%s.boot", flash) >= sizeof(run)) {
		LOG_ERR(BOOT_MOD, "flash path too long");
		goto free_key;
	}
	if (setenv(FW_BOOTED_ENV, "1", 1) < 0)
		goto free_key;
	while (!*stop) {
		int trial = 0;
		if (boot_pick(flash, key, board, run, &trial, version, sizeof(version)) < 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			LOG_ERR(BOOT_MOD, "fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			/* a boot loop killed outright takes its firmware along */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			argv[0] = run;
			execv(run, argv);
			fprintf(stderr, "boot: cannot run %s: %s\n", run, strerror(errno));
			_exit(127);
		}
		LOG_INFO(BOOT_MOD, "version %s started (pid %d)%s", version, (int)pid,
			 trial ? "; on trial until its session with hostd is up" : "");
		uint64_t deadline = dfn_now_ms() + (uint64_t)trial_s * 1000u;
		int status = 0, exited = 0, rolled = 0;
		while (!exited) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = 1;
				break;
			}
			if (*stop) {
				status = stop_child(pid);
				rc = exit_code(status);
				LOG_INFO(BOOT_MOD, "stop signal: firmware version %s stopped (status %d)",
					 version, rc);
				goto out;
			}
			if (trial && !still_trial(flash)) {
				trial = 0;
				LOG_INFO(BOOT_MOD, "version %s confirmed by the firmware", version);
			} else if (trial && dfn_now_ms() >= deadline) {
				LOG_WARN(BOOT_MOD, "trial of version %s not confirmed within %u s (no "
					 "session with hostd): stopping it and rolling back", version,
					 trial_s);
				stop_child(pid);
				rolled = 1;
				break;
			}
			sleep_ms(100);
		}
		if (rolled)
			continue;
		rc = exit_code(status);
		if (rc == FW_EXIT_BOOT_TRIAL) {
			LOG_INFO(BOOT_MOD, "the firmware installed an update: booting its trial");
			continue;
		}
		if (trial && still_trial(flash)) {
			LOG_WARN(BOOT_MOD, "trial of version %s exited (status %d) before it was "
				 "confirmed: rolling back", version, rc);
			continue;
		}
		LOG_INFO(BOOT_MOD, "firmware version %s exited with status %d", version, rc);
		goto out;
	}
out:
	unlink(run);
free_key:
	EVP_PKEY_free(key);
	return rc;
}
