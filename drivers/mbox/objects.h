/* drivers/mbox/objects.h: the objects hostd mirrors to the NIC.
 *
 * The mailbox moves objects keyed by (kind, id) in OBJ_SET / OBJ_DEL
 * messages (mbox_wire.h, struct mbox_wire_obj); this header says what the
 * kinds are and how each kind's body is laid out. hostd encodes bodies,
 * the firmware's mirror (firmware/mirror.c) checks and stores them; both
 * include this one list, so a kind added here exists on both sides. Later
 * issues add ports, networks, routes... as new rows of MBOX_OBJ_KIND_LIST
 * with their own wire struct and decode_/encode_/format_ functions.
 *
 * Bodies come from the peer's shared memory: every decoder here checks the
 * length and every field, and says precisely what is wrong. */
#ifndef DFNIC_MBOX_OBJECTS_H
#define DFNIC_MBOX_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/mbox_wire.h"

#define MBOX_HOSTNAME_LEN 64 /* bytes of a hostname on the wire (HOST_NAME_MAX) */
#define MBOX_VERSION_LEN 32  /* bytes of a software version on the wire */

/* HOST_INFO body: who the host is. Strings are printable ASCII, NUL-padded
 * (a full-length string has no NUL). */
struct mbox_wire_host_info {
	char hostname[MBOX_HOSTNAME_LEN]; /* the host's name, nonempty */
	char version[MBOX_VERSION_LEN];   /* hostd's version, nonempty */
};
_Static_assert(sizeof(struct mbox_wire_host_info) == 96, "host info size");

/* The object catalogue:
 *   X(NAME, kind code, body size, description)
 * Every kind has a fixed-size body for now (a row with a variable body
 * will need a "minimum size" column). */
#define MBOX_OBJ_KIND_LIST(X)                                                   \
	X(HOST_INFO, 1, sizeof(struct mbox_wire_host_info), "host identity (hostname, hostd version)")

enum mbox_obj_kind {
#define MBOX_OBJ_ENUM(name, code, size, desc) MBOX_OBJ_##name = code,
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_ENUM)
#undef MBOX_OBJ_ENUM
};

/* Decoded HOST_INFO. */
struct mbox_host_info {
	char hostname[MBOX_HOSTNAME_LEN + 1]; /* NUL-terminated */
	char version[MBOX_VERSION_LEN + 1];   /* NUL-terminated */
};

/* Name of a kind ("HOST_INFO"), NULL when unknown. */
const char *mbox_obj_kind_name(unsigned kind);

/* Check an OBJ_SET body of `kind` (decodes it and throws the result away).
 * Returns 0, -EOPNOTSUPP (unknown kind) or -EBADMSG (malformed), with the
 * reason in err. */
int mbox_obj_check(unsigned kind, const uint8_t *body, size_t len, char *err, size_t errlen);

/* One-line form of a body for logs ("hostname=h1 version=0.1.0"), or of
 * why it cannot be decoded. Returns the snprintf-style length. */
int mbox_obj_format(unsigned kind, const uint8_t *body, size_t len, char *buf, size_t cap);

/* HOST_INFO. decode: 0 or -EBADMSG (length, empty or non-printable
 * string, junk after the NUL). encode: bytes written, -EMSGSIZE (cap too
 * small) or -EINVAL (a string too long, empty or non-printable). */
int mbox_decode_host_info(const uint8_t *body, size_t len, struct mbox_host_info *out,
			  char *err, size_t errlen);
int mbox_encode_host_info(const struct mbox_host_info *in, void *buf, size_t cap);
int mbox_format_host_info(const struct mbox_host_info *in, char *buf, size_t cap);

#endif
