/* firmware/mirror.h: the firmware's copy of the state hostd pushes.
 *
 * A keyed store (kind, id) -> body of the objects listed in
 * drivers/mbox/objects.h. The session (drivers/mbox/session.c) hands the
 * firmware whole committed batches; mirror_apply() applies one
 * all-or-nothing: every member is checked and every allocation made before
 * the first change, so a refused batch leaves the mirror exactly as it was.
 * Later issues compile the mirror into flow rules; they read it through
 * mirror_get()/mirror_foreach(). Single-threaded (the firmware's mailbox
 * thread owns it). */
#ifndef DFNIC_FIRMWARE_MIRROR_H
#define DFNIC_FIRMWARE_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/codec.h"

struct mirror;

/* One stored object (owned by the mirror; valid until the next apply). */
struct mirror_obj {
	uint16_t kind;       /* enum mbox_obj_kind */
	uint32_t id;         /* id within the kind */
	uint32_t len;        /* bytes of body */
	const uint8_t *body; /* the body as received (checked) */
};

struct mirror_stats {
	uint64_t objects;          /* stored now */
	uint64_t batches_applied;  /* mirror_apply() successes */
	uint64_t batches_refused;  /* mirror_apply() failures (nothing changed) */
	uint64_t sets;             /* objects created or replaced */
	uint64_t dels;             /* objects deleted */
	uint64_t dels_absent;      /* deletes of objects that were not there */
};

/* 0 or -ENOMEM. */
int mirror_create(struct mirror **out);
/* Frees every object. Accepts NULL. */
void mirror_destroy(struct mirror *m);

/* Apply msgs[0..n) (OBJ_SET / OBJ_DEL, in order) all-or-nothing. With
 * replace_all (a full resync) the batch is the whole new state: objects it
 * does not set are removed. Deleting an absent object is not an error (a
 * host may repeat a delete after a restart). Returns 0, or -EINVAL (a
 * member that is not OBJ_SET/OBJ_DEL), -EOPNOTSUPP (unknown kind),
 * -EBADMSG (malformed body), -ENOMEM, with the reason in err; on error
 * the mirror is unchanged. Never blocks. */
int mirror_apply(struct mirror *m, const struct mbox_msg *msgs, unsigned n, int replace_all,
		 char *err, size_t errlen);

/* 1 and *out when (kind, id) is stored, 0 (out untouched) when absent. */
int mirror_get(const struct mirror *m, uint16_t kind, uint32_t id, struct mirror_obj *out);
size_t mirror_count(const struct mirror *m);
/* Calls fn for every object (unordered); fn must not modify the mirror. */
void mirror_foreach(const struct mirror *m, void (*fn)(void *arg, const struct mirror_obj *o),
		    void *arg);
/* Drop everything (the host is gone and the state is stale). */
void mirror_clear(struct mirror *m);
void mirror_get_stats(const struct mirror *m, struct mirror_stats *st);

#endif
