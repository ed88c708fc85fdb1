/* drivers/mbox/mbox_wire.h: the mailbox wire format (shared memory layout
 * and messages). This header is the protocol; drivers/mbox/README.md explains
 * it in prose. Everything here is little-endian on the wire and every struct
 * has an explicit size checked at compile time. In-memory (decoded) forms
 * live in drivers/mbox/codec.h; nothing outside drivers/mbox/ should touch
 * these structs directly except through the codec.
 *
 * Region (one shared memory area, created by the NIC side):
 *
 *   offset 0                     struct mbox_region_hdr (64 bytes)
 *   ring_ctrl_off[r]             struct mbox_ring_ctrl  (128 bytes) per ring
 *   ring_slots_off[r]            slot_count slots of slot_size bytes per ring
 *
 * Ring 0 (MBOX_RING_H2N) carries host -> NIC messages, ring 1 (MBOX_RING_N2H)
 * NIC -> host. Each ring is single-producer/single-consumer with free-running
 * 32-bit indices: prod - cons is the number of unread slots, never more than
 * slot_count (a reader seeing more treats the ring as corrupt). A slot holds
 * exactly one message: struct mbox_msg_hdr followed by `length` payload bytes.
 */
#ifndef DFNIC_MBOX_WIRE_H
#define DFNIC_MBOX_WIRE_H

#include <stdint.h>

typedef uint16_t le16; /* little-endian on the wire; use le16toh/htole16 */
typedef uint32_t le32;
typedef uint64_t le64;

#define MBOX_MAGIC 0x424d4644u /* "DFMB" read as a little-endian u32 */
#define MBOX_LAYOUT_VERSION 1  /* of the region layout (this file) */

/* Message protocol versions this build speaks (negotiated by HELLO). */
#define MBOX_PROTO_MIN 1
#define MBOX_PROTO_MAX 1

#define MBOX_RING_H2N 0 /* host -> NIC */
#define MBOX_RING_N2H 1 /* NIC -> host */
#define MBOX_NUM_RINGS 2

/* Per-side liveness word in the region header. */
#define MBOX_SIDE_ABSENT 0u     /* never attached, or cleanly closed */
#define MBOX_SIDE_ALIVE 0xa11fe /* attached (a killed process leaves this) */
#define MBOX_SIDE_CLOSED 0xc105 /* closed on purpose */

struct mbox_region_hdr {
	le32 magic;             /* MBOX_MAGIC, written last when initialising */
	le16 layout_version;    /* MBOX_LAYOUT_VERSION */
	le16 hdr_size;          /* sizeof(struct mbox_region_hdr) */
	le32 region_size;       /* bytes of the whole region */
	le32 slot_size;         /* bytes per slot, power of two, >= 64 */
	le32 slot_count;        /* slots per ring, power of two */
	le32 ring_ctrl_off[2];  /* offset of each ring's control block */
	le32 ring_slots_off[2]; /* offset of each ring's slot array */
	le32 nic_state;         /* MBOX_SIDE_* of the creator (NIC) */
	le32 host_state;        /* MBOX_SIDE_* of the attacher (host) */
	le32 reserved;          /* zero: keeps nic_epoch 8-byte aligned */
	le64 nic_epoch;         /* random, new on every (re)creation */
	uint8_t pad[8];         /* zero */
};
_Static_assert(sizeof(struct mbox_region_hdr) == 64, "region header size");
_Static_assert(__builtin_offsetof(struct mbox_region_hdr, nic_epoch) == 48, "no implicit padding");

/* Producer and consumer each own one cache line. */
struct mbox_ring_prod {
	le32 prod;         /* messages published (free-running) */
	le32 doorbell;     /* bumped by the producer to wake a sleeping consumer */
	le32 credit_wait;  /* 1 while the producer waits for credits (on cons) */
	uint8_t pad[52];   /* keeps the consumer line apart */
};
struct mbox_ring_cons {
	le32 cons;         /* messages consumed = credits returned (free-running) */
	le32 sleeping;     /* 1 while the consumer waits on the doorbell */
	uint8_t pad[56];   /* one cache line */
};
struct mbox_ring_ctrl {
	struct mbox_ring_prod p; /* written only by the producer */
	struct mbox_ring_cons c; /* written only by the consumer */
};
_Static_assert(sizeof(struct mbox_ring_prod) == 64, "producer line");
_Static_assert(sizeof(struct mbox_ring_cons) == 64, "consumer line");
_Static_assert(sizeof(struct mbox_ring_ctrl) == 128, "ring control size");

/* Fixed header at the start of every slot. */
struct mbox_msg_hdr {
	le16 type;     /* enum mbox_msg_type */
	le16 flags;    /* MBOX_F_* */
	le32 length;   /* payload bytes after this header */
	le32 seq;      /* sender's sequence number; a reply echoes the request's */
	le32 reserved; /* zero */
};
_Static_assert(sizeof(struct mbox_msg_hdr) == 16, "message header size");

#define MBOX_F_REPLY 0x0001u /* answers the request with the same seq */
#define MBOX_F_BATCH 0x0002u /* member of the open batch (BEGIN..COMMIT) */
#define MBOX_F_ALL (MBOX_F_REPLY | MBOX_F_BATCH)

/* Capability bits exchanged in HELLO (the intersection is used). */
#define MBOX_CAP_BATCH 0x1ull   /* BATCH_BEGIN/COMMIT/ABORT */
#define MBOX_CAP_OBJ 0x2ull     /* OBJ_SET/OBJ_DEL/OBJ_STATUS */
#define MBOX_CAP_ALL (MBOX_CAP_BATCH | MBOX_CAP_OBJ)

#define MBOX_ROLE_HOST 1
#define MBOX_ROLE_NIC 2

#define MBOX_NAME_LEN 32

/* HELLO / HELLO_REPLY payload. */
struct mbox_wire_hello {
	le16 min_version;     /* lowest protocol version the sender speaks */
	le16 max_version;     /* highest */
	le16 version;         /* in a reply: the chosen version; 0 in a request */
	le16 role;            /* MBOX_ROLE_* of the sender */
	le64 caps;            /* MBOX_CAP_* the sender supports */
	le64 epoch;           /* sender's epoch: new random value per start */
	le32 heartbeat_ms;    /* sender's heartbeat interval */
	le32 pad;             /* zero */
	char name[MBOX_NAME_LEN]; /* software name/version, NUL-padded */
};
_Static_assert(sizeof(struct mbox_wire_hello) == 64, "hello size");

/* HEARTBEAT payload (both directions, unsolicited). */
struct mbox_wire_heartbeat {
	le64 epoch;        /* sender's epoch */
	le64 counter;      /* heartbeats sent since start */
	le32 interval_ms;  /* sender's interval */
	le32 pad;          /* zero */
};
_Static_assert(sizeof(struct mbox_wire_heartbeat) == 24, "heartbeat size");

/* ERROR payload (a reply): fixed part, then `text` bytes of UTF-8. */
struct mbox_wire_error {
	le16 req_type;  /* type of the request that failed */
	le16 pad;       /* zero */
	le32 code;      /* positive errno value */
	/* followed by a human-readable reason, not NUL-terminated */
};
_Static_assert(sizeof(struct mbox_wire_error) == 8, "error size");

/* BATCH_BEGIN / BATCH_COMMIT / BATCH_ABORT payload. */
struct mbox_wire_batch {
	le32 batch_id; /* chosen by the sender, echoed in COMMIT */
	le32 count;    /* in COMMIT: members sent since BEGIN; else 0 */
};
_Static_assert(sizeof(struct mbox_wire_batch) == 8, "batch size");

/* OBJ_SET / OBJ_DEL: one object of the mirrored state, keyed by (kind, id).
 * OBJ_SET is followed by the object's body (kind-specific encoding, see
 * firmware); OBJ_DEL has no body. */
struct mbox_wire_obj {
	le16 kind;  /* object kind (application-defined, nonzero) */
	le16 flags; /* zero for now */
	le32 id;    /* object id within its kind */
};
_Static_assert(sizeof(struct mbox_wire_obj) == 8, "object size");

/* OBJ_STATUS (NIC -> host, unsolicited): the fate of one object; followed
 * by an optional reason text. */
struct mbox_wire_obj_status {
	le16 kind;   /* as in OBJ_SET */
	le16 status; /* application-defined (e.g. offloaded / rejected) */
	le32 id;     /* as in OBJ_SET */
};
_Static_assert(sizeof(struct mbox_wire_obj_status) == 8, "object status size");

/* FW_UPDATE_BEGIN (host -> NIC request): a firmware image of `total` bytes
 * follows in FW_UPDATE_CHUNKs; the tail is the image's first bytes (at
 * least one, at most `total`: its header, so the NIC refuses a malformed
 * or foreign image before any chunk is sent). */
struct mbox_wire_fw_begin {
	le64 total; /* bytes of the whole image, nonzero */
};
_Static_assert(sizeof(struct mbox_wire_fw_begin) == 8, "fw begin size");

/* FW_UPDATE_CHUNK (request): the image bytes at `offset` follow (at least
 * one); chunks are sent in order, each fits one slot. */
struct mbox_wire_fw_chunk {
	le64 offset; /* of the first data byte in the image */
};
_Static_assert(sizeof(struct mbox_wire_fw_chunk) == 8, "fw chunk size");

/* FW_UPDATE_END (request): every byte was sent; the NIC verifies the
 * image and installs it (ACK) or refuses it (ERROR with the reason). */
struct mbox_wire_fw_end {
	le64 total; /* as announced by BEGIN, nonzero */
};
_Static_assert(sizeof(struct mbox_wire_fw_end) == 8, "fw end size");

/* The message catalogue: one list, everything else generated from it.
 *   X(NAME, code, fixed payload size, variable tail allowed, description) */
#define MBOX_MSG_LIST(X)                                                              \
	X(HELLO, 0x01, sizeof(struct mbox_wire_hello), 0, "version negotiation request")     \
	X(HELLO_REPLY, 0x02, sizeof(struct mbox_wire_hello), 0, "version negotiation reply") \
	X(ACK, 0x03, 0, 0, "success reply")                                                  \
	X(ERROR, 0x04, sizeof(struct mbox_wire_error), 1, "error reply")                     \
	X(HEARTBEAT, 0x05, sizeof(struct mbox_wire_heartbeat), 0, "liveness, both ways")     \
	X(RESYNC_REQUEST, 0x06, 0, 0, "NIC asks for the full state")                         \
	X(BATCH_BEGIN, 0x10, sizeof(struct mbox_wire_batch), 0, "open an atomic batch")      \
	X(BATCH_COMMIT, 0x11, sizeof(struct mbox_wire_batch), 0, "apply the batch")          \
	X(BATCH_ABORT, 0x12, sizeof(struct mbox_wire_batch), 0, "discard the batch")         \
	X(OBJ_SET, 0x20, sizeof(struct mbox_wire_obj), 1, "create/replace one object")       \
	X(OBJ_DEL, 0x21, sizeof(struct mbox_wire_obj), 0, "delete one object")               \
	X(OBJ_STATUS, 0x22, sizeof(struct mbox_wire_obj_status), 1, "per-object status")     \
	X(FW_UPDATE_BEGIN, 0x30, sizeof(struct mbox_wire_fw_begin), 1, "start a firmware update") \
	X(FW_UPDATE_CHUNK, 0x31, sizeof(struct mbox_wire_fw_chunk), 1, "firmware image bytes") \
	X(FW_UPDATE_END, 0x32, sizeof(struct mbox_wire_fw_end), 0, "verify and install the image")

enum mbox_msg_type {
#define MBOX_MSG_ENUM(name, code, size, var, desc) MBOX_MSG_##name = code,
	MBOX_MSG_LIST(MBOX_MSG_ENUM)
#undef MBOX_MSG_ENUM
};

#endif
