/* drivers/mbox/codec.h: decode_/encode_/format_ for mailbox messages.
 *
 * The wire structs are in mbox_wire.h; this is their in-memory form. Every
 * byte decoded here came from the peer's shared memory and is untrusted:
 * mbox_decode() checks the header, the type, the flags and the payload size
 * against the catalogue (MBOX_MSG_LIST) and each field's range, and reports
 * a precise reason. Used by session.c, the firmware's handlers and tests. */
#ifndef DFNIC_MBOX_CODEC_H
#define DFNIC_MBOX_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/mbox_wire.h"

/* Decoded HELLO / HELLO_REPLY. */
struct mbox_hello {
	uint16_t min_version;  /* lowest version spoken */
	uint16_t max_version;  /* highest version spoken */
	uint16_t version;      /* chosen (reply) or 0 (request) */
	uint16_t role;         /* MBOX_ROLE_* */
	uint64_t caps;         /* MBOX_CAP_* */
	uint64_t epoch;        /* sender's epoch */
	uint32_t heartbeat_ms; /* sender's heartbeat interval */
	char name[MBOX_NAME_LEN + 1]; /* NUL-terminated copy */
};

struct mbox_heartbeat {
	uint64_t epoch;       /* sender's epoch */
	uint64_t counter;     /* sent since start */
	uint32_t interval_ms; /* sender's interval */
};

struct mbox_error {
	uint16_t req_type;  /* failed request's type */
	uint32_t code;      /* positive errno */
	const char *text;   /* reason, points into the decoded buffer */
	uint32_t text_len;  /* bytes of text (not NUL-terminated) */
};

struct mbox_batch {
	uint32_t batch_id; /* sender-chosen */
	uint32_t count;    /* members (COMMIT) */
};

struct mbox_obj {
	uint16_t kind;      /* nonzero */
	uint16_t flags;     /* zero */
	uint32_t id;        /* id within kind */
	const uint8_t *body; /* OBJ_SET body / OBJ_STATUS reason, into buffer */
	uint32_t body_len;  /* bytes of body */
	uint16_t status;    /* OBJ_STATUS only */
};

/* FW_UPDATE_BEGIN / FW_UPDATE_CHUNK / FW_UPDATE_END. */
struct mbox_fw {
	uint64_t total;      /* BEGIN, END: image bytes */
	uint64_t offset;     /* CHUNK: where data goes */
	const uint8_t *data; /* BEGIN: image header bytes; CHUNK: image bytes
			      * (into the buffer); END: NULL */
	uint32_t data_len;   /* bytes of data */
};

/* One decoded message. Pointers refer into the buffer given to decode. */
struct mbox_msg {
	enum mbox_msg_type type; /* catalogue type */
	uint16_t flags;          /* MBOX_F_* */
	uint32_t seq;            /* sequence */
	uint32_t length;         /* payload bytes */
	const uint8_t *payload;  /* raw payload */
	union {
		struct mbox_hello hello;         /* HELLO, HELLO_REPLY */
		struct mbox_heartbeat heartbeat; /* HEARTBEAT */
		struct mbox_error error;         /* ERROR */
		struct mbox_batch batch;         /* BATCH_* */
		struct mbox_obj obj;             /* OBJ_* */
		struct mbox_fw fw;               /* FW_UPDATE_* */
	} u;
};

/* Decode `len` untrusted bytes. Returns 0, or a negative errno with a
 * reason in err (if errlen > 0): -EBADMSG (truncated header, length field
 * disagreeing with len, payload too short/long for the type, nonzero
 * reserved/pad, unknown flags, bad field value), -ENOMSG (unknown type). */
int mbox_decode(const void *buf, size_t len, struct mbox_msg *out,
		char *err, size_t errlen);

/* Encode msg (type, flags, seq and the union member for the type; for
 * variable tails: error.text/text_len, obj.body/body_len) into buf.
 * Returns bytes written or -EMSGSIZE when cap is too small, -EINVAL for an
 * unknown type. */
int mbox_encode(const struct mbox_msg *msg, void *buf, size_t cap);

/* One-line human-readable form ("HELLO seq=1 v1..1 role=host ..."), as in
 * logs and golden vectors. Returns the snprintf-style length. */
int mbox_format(const struct mbox_msg *msg, char *buf, size_t cap);

/* Catalogue lookups generated from MBOX_MSG_LIST. NULL for unknown. */
const char *mbox_msg_name(unsigned type);

#endif
