/* drivers/mbox/codec.c: decode_/encode_/format_ of mailbox messages
 * (codec.h). mbox.c moves opaque framed messages through the rings; this
 * file gives them meaning. The catalogue X-macro in mbox_wire.h
 * (MBOX_MSG_LIST) generates the name and size tables below; each message
 * family has one decode_, encode_ and format_ function. Decoding works on
 * untrusted bytes: the payload size is checked against the catalogue before
 * any field is pulled, every pull is bounded by that size, every multi-byte
 * field is little-endian, and each malformed input gets its own reason. */
#include "drivers/mbox/codec.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drivers/base/util.h"

#define HDR_SIZE ((uint32_t)sizeof(struct mbox_msg_hdr))
#define MAX_ERRNO 4095u

/* One catalogue entry, generated from MBOX_MSG_LIST. */
struct mbox_cat {
	const char *name; /* "HELLO"; NULL: no such type */
	uint32_t size;    /* fixed payload bytes */
	bool var;         /* a variable tail may follow */
};

static const struct mbox_cat mbox_catalogue[256] = {
#define MBOX_MSG_CAT(name, code, size, var, desc) [code] = { #name, (uint32_t)(size), (var) },
	MBOX_MSG_LIST(MBOX_MSG_CAT)
#undef MBOX_MSG_CAT
};

static const struct mbox_cat *cat_lookup(unsigned type)
{
	if (type >= ARRAY_SIZE(mbox_catalogue) || !mbox_catalogue[type].name)
		return NULL;
	return &mbox_catalogue[type];
}

const char *mbox_msg_name(unsigned type)
{
	const struct mbox_cat *c = cat_lookup(type);
	return c ? c->name : NULL;
}

/* ---- bounded little-endian pulls and pushes ------------------------------ */

static uint16_t get16(const uint8_t *p, size_t off)
{
	uint16_t v;
	memcpy(&v, p + off, sizeof(v));
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof(v));
	return le64toh(v);
}

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	v = htole16(v);
	memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	v = htole32(v);
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	v = htole64(v);
	memcpy(p + off, &v, sizeof(v));
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Length of the longest valid UTF-8 prefix without NUL (== n if all ok). */
static uint32_t utf8_valid_prefix(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;
	while (i < n && s[i]) {
		size_t l = dfn_utf8_len(s + i, n - i);
		if (!l)
			break;
		i += (uint32_t)l;
	}
	return i;
}

/* ---- per-family decoders (payload size already checked) ------------------ */

static int decode_hello(const char *nm, enum mbox_msg_type type, const uint8_t *pl,
			struct mbox_hello *h, char *err, size_t errlen)
{
	h->min_version = get16(pl, offsetof(struct mbox_wire_hello, min_version));
	h->max_version = get16(pl, offsetof(struct mbox_wire_hello, max_version));
	h->version = get16(pl, offsetof(struct mbox_wire_hello, version));
	h->role = get16(pl, offsetof(struct mbox_wire_hello, role));
	h->caps = get64(pl, offsetof(struct mbox_wire_hello, caps));
	h->epoch = get64(pl, offsetof(struct mbox_wire_hello, epoch));
	h->heartbeat_ms = get32(pl, offsetof(struct mbox_wire_hello, heartbeat_ms));
	if (get32(pl, offsetof(struct mbox_wire_hello, pad)))
		return fail(err, errlen, -EBADMSG, "%s: nonzero pad", nm);
	if (!h->min_version || h->min_version > h->max_version)
		return fail(err, errlen, -EBADMSG, "%s: bad version range %u..%u", nm,
			    h->min_version, h->max_version);
	if (type == MBOX_MSG_HELLO && h->version)
		return fail(err, errlen, -EBADMSG, "%s: version %u in a request (must be 0)", nm,
			    h->version);
	if (type == MBOX_MSG_HELLO_REPLY &&
	    (h->version < h->min_version || h->version > h->max_version))
		return fail(err, errlen, -EBADMSG, "%s: chosen version %u outside %u..%u", nm,
			    h->version, h->min_version, h->max_version);
	if (h->role != MBOX_ROLE_HOST && h->role != MBOX_ROLE_NIC)
		return fail(err, errlen, -EBADMSG, "%s: unknown role %u", nm, h->role);
	if (!h->heartbeat_ms)
		return fail(err, errlen, -EBADMSG, "%s: heartbeat_ms 0", nm);
	const uint8_t *name = pl + offsetof(struct mbox_wire_hello, name);
	size_t n = strnlen((const char *)name, MBOX_NAME_LEN);
	for (size_t i = 0; i < n; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e)
			return fail(err, errlen, -EBADMSG, "%s: non-printable byte 0x%02x in name",
				    nm, name[i]);
	}
	for (size_t i = n; i < MBOX_NAME_LEN; i++) {
		if (name[i])
			return fail(err, errlen, -EBADMSG, "%s: name not NUL-padded", nm);
	}
	memcpy(h->name, name, n);
	h->name[n] = '\0';
	return 0;
}

static int decode_heartbeat(const char *nm, const uint8_t *pl, struct mbox_heartbeat *hb,
			    char *err, size_t errlen)
{
	hb->epoch = get64(pl, offsetof(struct mbox_wire_heartbeat, epoch));
	hb->counter = get64(pl, offsetof(struct mbox_wire_heartbeat, counter));
	hb->interval_ms = get32(pl, offsetof(struct mbox_wire_heartbeat, interval_ms));
	if (get32(pl, offsetof(struct mbox_wire_heartbeat, pad)))
		return fail(err, errlen, -EBADMSG, "%s: nonzero pad", nm);
	if (!hb->interval_ms)
		return fail(err, errlen, -EBADMSG, "%s: interval_ms 0", nm);
	return 0;
}

static int decode_error(const char *nm, const uint8_t *pl, uint32_t len, struct mbox_error *e,
			char *err, size_t errlen)
{
	e->req_type = get16(pl, offsetof(struct mbox_wire_error, req_type));
	e->code = get32(pl, offsetof(struct mbox_wire_error, code));
	if (get16(pl, offsetof(struct mbox_wire_error, pad)))
		return fail(err, errlen, -EBADMSG, "%s: nonzero pad", nm);
	if (!e->code || e->code > MAX_ERRNO)
		return fail(err, errlen, -EBADMSG, "%s: code %u is not an errno value", nm, e->code);
	e->text = (const char *)pl + sizeof(struct mbox_wire_error);
	e->text_len = len - (uint32_t)sizeof(struct mbox_wire_error);
	uint32_t ok = utf8_valid_prefix((const uint8_t *)e->text, e->text_len);
	if (ok != e->text_len)
		return fail(err, errlen, -EBADMSG, "%s: text is not UTF-8 (byte %u)", nm, ok);
	return 0;
}

static int decode_batch(const char *nm, enum mbox_msg_type type, const uint8_t *pl,
			struct mbox_batch *b, char *err, size_t errlen)
{
	b->batch_id = get32(pl, offsetof(struct mbox_wire_batch, batch_id));
	b->count = get32(pl, offsetof(struct mbox_wire_batch, count));
	if (type != MBOX_MSG_BATCH_COMMIT && b->count)
		return fail(err, errlen, -EBADMSG, "%s: count %u (must be 0)", nm, b->count);
	return 0;
}

static int decode_obj(const char *nm, enum mbox_msg_type type, const uint8_t *pl, uint32_t len,
		      struct mbox_obj *o, char *err, size_t errlen)
{
	/* struct mbox_wire_obj and mbox_wire_obj_status share kind and id. */
	_Static_assert(offsetof(struct mbox_wire_obj, kind) ==
			       offsetof(struct mbox_wire_obj_status, kind) &&
		       offsetof(struct mbox_wire_obj, id) == offsetof(struct mbox_wire_obj_status, id),
		       "obj and obj_status keys line up");
	o->kind = get16(pl, offsetof(struct mbox_wire_obj, kind));
	o->id = get32(pl, offsetof(struct mbox_wire_obj, id));
	o->body = pl + sizeof(struct mbox_wire_obj);
	o->body_len = len - (uint32_t)sizeof(struct mbox_wire_obj);
	if (!o->kind)
		return fail(err, errlen, -EBADMSG, "%s: kind 0", nm);
	if (type == MBOX_MSG_OBJ_STATUS) {
		o->status = get16(pl, offsetof(struct mbox_wire_obj_status, status));
		uint32_t ok = utf8_valid_prefix(o->body, o->body_len);
		if (ok != o->body_len)
			return fail(err, errlen, -EBADMSG, "%s: reason is not UTF-8 (byte %u)", nm, ok);
	} else {
		o->flags = get16(pl, offsetof(struct mbox_wire_obj, flags));
		if (o->flags)
			return fail(err, errlen, -EBADMSG, "%s: nonzero object flags 0x%04x", nm,
				    o->flags);
	}
	return 0;
}

static int decode_fw(const char *nm, enum mbox_msg_type type, const uint8_t *pl, uint32_t len,
		     struct mbox_fw *f, char *err, size_t errlen)
{
	/* The three share one 8-byte field at offset 0. */
	_Static_assert(offsetof(struct mbox_wire_fw_begin, total) == 0 &&
			       offsetof(struct mbox_wire_fw_chunk, offset) == 0 &&
			       offsetof(struct mbox_wire_fw_end, total) == 0,
		       "fw update fields line up");
	uint64_t v = get64(pl, 0);
	f->data = len > 8 ? pl + 8 : NULL;
	f->data_len = len - 8;
	switch (type) {
	case MBOX_MSG_FW_UPDATE_BEGIN:
		f->total = v;
		if (!v)
			return fail(err, errlen, -EBADMSG, "%s: total 0", nm);
		if (!f->data_len)
			return fail(err, errlen, -EBADMSG, "%s: no header bytes", nm);
		if (f->data_len > v)
			return fail(err, errlen, -EBADMSG, "%s: %u header bytes, image of %llu", nm,
				    f->data_len, (unsigned long long)v);
		return 0;
	case MBOX_MSG_FW_UPDATE_CHUNK:
		f->offset = v;
		if (!f->data_len)
			return fail(err, errlen, -EBADMSG, "%s: no data", nm);
		if (v > UINT64_MAX - f->data_len)
			return fail(err, errlen, -EBADMSG, "%s: offset %llu + %u bytes overflows", nm,
				    (unsigned long long)v, f->data_len);
		return 0;
	default: /* FW_UPDATE_END: fixed size, checked */
		f->total = v;
		if (!v)
			return fail(err, errlen, -EBADMSG, "%s: total 0", nm);
		return 0;
	}
}

int mbox_decode(const void *buf, size_t len, struct mbox_msg *out, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	if (err && errlen)
		err[0] = '\0';
	if (!out || (!buf && len))
		return fail(err, errlen, -EINVAL, "no buffer");
	if (len < HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "truncated header: %zu bytes, need %u", len,
			    HDR_SIZE);
	uint16_t type = get16(p, offsetof(struct mbox_msg_hdr, type));
	uint16_t flags = get16(p, offsetof(struct mbox_msg_hdr, flags));
	uint32_t length = get32(p, offsetof(struct mbox_msg_hdr, length));
	uint32_t seq = get32(p, offsetof(struct mbox_msg_hdr, seq));
	uint32_t reserved = get32(p, offsetof(struct mbox_msg_hdr, reserved));
	if (length != len - HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "length field %u, but %zu payload bytes", length,
			    len - HDR_SIZE);
	if (reserved)
		return fail(err, errlen, -EBADMSG, "nonzero reserved 0x%08x", reserved);
	const struct mbox_cat *c = cat_lookup(type);
	if (!c)
		return fail(err, errlen, -ENOMSG, "unknown type 0x%02x", type);
	if (flags & ~MBOX_F_ALL)
		return fail(err, errlen, -EBADMSG, "unknown flags 0x%04x", flags & ~MBOX_F_ALL);
	if (c->var && length < c->size)
		return fail(err, errlen, -EBADMSG, "%s: payload %u bytes, expected at least %u",
			    c->name, length, c->size);
	if (!c->var && length != c->size)
		return fail(err, errlen, -EBADMSG, "%s: payload %u bytes, expected %u", c->name,
			    length, c->size);

	memset(out, 0, sizeof(*out));
	out->type = (enum mbox_msg_type)type;
	out->flags = flags;
	out->seq = seq;
	out->length = length;
	out->payload = p + HDR_SIZE;
	const uint8_t *pl = out->payload;
	switch (out->type) {
	case MBOX_MSG_HELLO:
	case MBOX_MSG_HELLO_REPLY:
		return decode_hello(c->name, out->type, pl, &out->u.hello, err, errlen);
	case MBOX_MSG_HEARTBEAT:
		return decode_heartbeat(c->name, pl, &out->u.heartbeat, err, errlen);
	case MBOX_MSG_ERROR:
		return decode_error(c->name, pl, length, &out->u.error, err, errlen);
	case MBOX_MSG_BATCH_BEGIN:
	case MBOX_MSG_BATCH_COMMIT:
	case MBOX_MSG_BATCH_ABORT:
		return decode_batch(c->name, out->type, pl, &out->u.batch, err, errlen);
	case MBOX_MSG_OBJ_SET:
	case MBOX_MSG_OBJ_DEL:
	case MBOX_MSG_OBJ_STATUS:
		return decode_obj(c->name, out->type, pl, length, &out->u.obj, err, errlen);
	case MBOX_MSG_FW_UPDATE_BEGIN:
	case MBOX_MSG_FW_UPDATE_CHUNK:
	case MBOX_MSG_FW_UPDATE_END:
		return decode_fw(c->name, out->type, pl, length, &out->u.fw, err, errlen);
	case MBOX_MSG_ACK:
	case MBOX_MSG_RESYNC_REQUEST:
		return 0; /* no payload: the size check said it all */
	}
	return 0;
}

/* ---- encode ---------------------------------------------------------------- */

static void encode_hello(const struct mbox_hello *h, uint8_t *pl)
{
	put16(pl, offsetof(struct mbox_wire_hello, min_version), h->min_version);
	put16(pl, offsetof(struct mbox_wire_hello, max_version), h->max_version);
	put16(pl, offsetof(struct mbox_wire_hello, version), h->version);
	put16(pl, offsetof(struct mbox_wire_hello, role), h->role);
	put64(pl, offsetof(struct mbox_wire_hello, caps), h->caps);
	put64(pl, offsetof(struct mbox_wire_hello, epoch), h->epoch);
	put32(pl, offsetof(struct mbox_wire_hello, heartbeat_ms), h->heartbeat_ms);
	memcpy(pl + offsetof(struct mbox_wire_hello, name), h->name,
	       strnlen(h->name, MBOX_NAME_LEN));
}

static void encode_heartbeat(const struct mbox_heartbeat *hb, uint8_t *pl)
{
	put64(pl, offsetof(struct mbox_wire_heartbeat, epoch), hb->epoch);
	put64(pl, offsetof(struct mbox_wire_heartbeat, counter), hb->counter);
	put32(pl, offsetof(struct mbox_wire_heartbeat, interval_ms), hb->interval_ms);
}

static void encode_error(const struct mbox_error *e, uint8_t *pl)
{
	put16(pl, offsetof(struct mbox_wire_error, req_type), e->req_type);
	put32(pl, offsetof(struct mbox_wire_error, code), e->code);
	if (e->text_len)
		memcpy(pl + sizeof(struct mbox_wire_error), e->text, e->text_len);
}

static void encode_batch(const struct mbox_batch *b, uint8_t *pl)
{
	put32(pl, offsetof(struct mbox_wire_batch, batch_id), b->batch_id);
	put32(pl, offsetof(struct mbox_wire_batch, count), b->count);
}

static void encode_obj(enum mbox_msg_type type, const struct mbox_obj *o, uint8_t *pl)
{
	put16(pl, offsetof(struct mbox_wire_obj, kind), o->kind);
	put32(pl, offsetof(struct mbox_wire_obj, id), o->id);
	if (type == MBOX_MSG_OBJ_STATUS)
		put16(pl, offsetof(struct mbox_wire_obj_status, status), o->status);
	else
		put16(pl, offsetof(struct mbox_wire_obj, flags), o->flags);
	if (type != MBOX_MSG_OBJ_DEL && o->body_len)
		memcpy(pl + sizeof(struct mbox_wire_obj), o->body, o->body_len);
}

static void encode_fw(enum mbox_msg_type type, const struct mbox_fw *f, uint8_t *pl)
{
	put64(pl, 0, type == MBOX_MSG_FW_UPDATE_CHUNK ? f->offset : f->total);
	if (type != MBOX_MSG_FW_UPDATE_END && f->data_len)
		memcpy(pl + 8, f->data, f->data_len);
}

/* Bytes of the variable tail the message carries. */
static uint32_t tail_len(const struct mbox_msg *m, const void **ptr)
{
	switch (m->type) {
	case MBOX_MSG_ERROR:
		*ptr = m->u.error.text;
		return m->u.error.text_len;
	case MBOX_MSG_OBJ_SET:
	case MBOX_MSG_OBJ_STATUS:
		*ptr = m->u.obj.body;
		return m->u.obj.body_len;
	case MBOX_MSG_FW_UPDATE_BEGIN:
	case MBOX_MSG_FW_UPDATE_CHUNK:
		*ptr = m->u.fw.data;
		return m->u.fw.data_len;
	default:
		*ptr = NULL;
		return 0;
	}
}

int mbox_encode(const struct mbox_msg *msg, void *buf, size_t cap)
{
	if (!msg)
		return -EINVAL;
	const struct mbox_cat *c = cat_lookup(msg->type);
	if (!c || (msg->flags & ~MBOX_F_ALL))
		return -EINVAL;
	const void *tail;
	uint32_t tlen = tail_len(msg, &tail);
	if (tlen && !tail)
		return -EINVAL;
	uint64_t total = (uint64_t)HDR_SIZE + c->size + tlen;
	if (total > cap || total > INT32_MAX)
		return -EMSGSIZE;
	uint8_t *p = buf;
	memset(p, 0, (size_t)HDR_SIZE + c->size);
	put16(p, offsetof(struct mbox_msg_hdr, type), (uint16_t)msg->type);
	put16(p, offsetof(struct mbox_msg_hdr, flags), msg->flags);
	put32(p, offsetof(struct mbox_msg_hdr, length), (uint32_t)(total - HDR_SIZE));
	put32(p, offsetof(struct mbox_msg_hdr, seq), msg->seq);
	uint8_t *pl = p + HDR_SIZE;
	switch (msg->type) {
	case MBOX_MSG_HELLO:
	case MBOX_MSG_HELLO_REPLY:
		encode_hello(&msg->u.hello, pl);
		break;
	case MBOX_MSG_HEARTBEAT:
		encode_heartbeat(&msg->u.heartbeat, pl);
		break;
	case MBOX_MSG_ERROR:
		encode_error(&msg->u.error, pl);
		break;
	case MBOX_MSG_BATCH_BEGIN:
	case MBOX_MSG_BATCH_COMMIT:
	case MBOX_MSG_BATCH_ABORT:
		encode_batch(&msg->u.batch, pl);
		break;
	case MBOX_MSG_OBJ_SET:
	case MBOX_MSG_OBJ_DEL:
	case MBOX_MSG_OBJ_STATUS:
		encode_obj(msg->type, &msg->u.obj, pl);
		break;
	case MBOX_MSG_FW_UPDATE_BEGIN:
	case MBOX_MSG_FW_UPDATE_CHUNK:
	case MBOX_MSG_FW_UPDATE_END:
		encode_fw(msg->type, &msg->u.fw, pl);
		break;
	case MBOX_MSG_ACK:
	case MBOX_MSG_RESYNC_REQUEST:
		break;
	}
	return (int)total;
}

/* ---- format ---------------------------------------------------------------- */

/* snprintf-style appender: keeps counting past the end of buf. */
struct fmt_out {
	char *buf;  /* destination */
	size_t cap; /* its size */
	size_t len; /* bytes the full text needs */
};

__attribute__((format(printf, 2, 3)))
static void out_printf(struct fmt_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *dst = o->len < o->cap ? o->buf + o->len : NULL;
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* Quoted string: printable ASCII as is, '"' '\\' and the rest as \xHH. */
static void out_quoted(struct fmt_out *o, const void *s, size_t n)
{
	const uint8_t *p = s;
	out_printf(o, "\"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '"' && p[i] != '\\')
			out_printf(o, "%c", p[i]);
		else
			out_printf(o, "\\x%02x", p[i]);
	}
	out_printf(o, "\"");
}

#define FORMAT_BODY_MAX 16 /* body bytes shown in hex before "..." */

static void format_hello(struct fmt_out *o, enum mbox_msg_type type, const struct mbox_hello *h)
{
	out_printf(o, " v%u..%u", h->min_version, h->max_version);
	if (type == MBOX_MSG_HELLO_REPLY)
		out_printf(o, " chosen=v%u", h->version);
	if (h->role == MBOX_ROLE_HOST)
		out_printf(o, " role=host");
	else if (h->role == MBOX_ROLE_NIC)
		out_printf(o, " role=nic");
	else
		out_printf(o, " role=%u", h->role);
	out_printf(o, " caps=0x%llx epoch=0x%016llx hb=%ums name=", (unsigned long long)h->caps,
		   (unsigned long long)h->epoch, h->heartbeat_ms);
	out_quoted(o, h->name, strnlen(h->name, MBOX_NAME_LEN));
}

static void format_error(struct fmt_out *o, const struct mbox_error *e)
{
	const char *req = mbox_msg_name(e->req_type);
	if (req)
		out_printf(o, " req=%s", req);
	else
		out_printf(o, " req=0x%02x", e->req_type);
	const char *ename = e->code <= MAX_ERRNO ? strerrorname_np((int)e->code) : NULL;
	out_printf(o, " code=%u (%s) text=", e->code, ename ? ename : "?");
	out_quoted(o, e->text, e->text ? e->text_len : 0);
}

static void format_obj(struct fmt_out *o, enum mbox_msg_type type, const struct mbox_obj *ob)
{
	out_printf(o, " kind=%u id=%u", ob->kind, ob->id);
	if (type == MBOX_MSG_OBJ_STATUS) {
		out_printf(o, " status=%u reason=", ob->status);
		out_quoted(o, ob->body, ob->body ? ob->body_len : 0);
		return;
	}
	if (ob->flags)
		out_printf(o, " objflags=0x%04x", ob->flags);
	if (type == MBOX_MSG_OBJ_DEL)
		return;
	uint32_t n = ob->body ? ob->body_len : 0;
	out_printf(o, " body[%u]=", n);
	for (uint32_t i = 0; i < n && i < FORMAT_BODY_MAX; i++)
		out_printf(o, "%02x", ob->body[i]);
	if (n > FORMAT_BODY_MAX)
		out_printf(o, "...");
}

static void format_fw(struct fmt_out *o, enum mbox_msg_type type, const struct mbox_fw *f)
{
	if (type == MBOX_MSG_FW_UPDATE_CHUNK)
		out_printf(o, " offset=%llu", (unsigned long long)f->offset);
	else
		out_printf(o, " total=%llu", (unsigned long long)f->total);
	if (type == MBOX_MSG_FW_UPDATE_END)
		return;
	uint32_t n = f->data ? f->data_len : 0;
	out_printf(o, " %s[%u]=", type == MBOX_MSG_FW_UPDATE_BEGIN ? "header" : "data", n);
	for (uint32_t i = 0; i < n && i < FORMAT_BODY_MAX; i++)
		out_printf(o, "%02x", f->data[i]);
	if (n > FORMAT_BODY_MAX)
		out_printf(o, "...");
}

int mbox_format(const struct mbox_msg *msg, char *buf, size_t cap)
{
	struct fmt_out o = { buf, cap, 0 };
	if (cap)
		buf[0] = '\0';
	const char *name = mbox_msg_name(msg->type);
	if (name)
		out_printf(&o, "%s seq=%u", name, msg->seq);
	else
		out_printf(&o, "type=0x%02x seq=%u", (unsigned)msg->type, msg->seq);
	if (msg->flags & MBOX_F_REPLY)
		out_printf(&o, " reply");
	if (msg->flags & MBOX_F_BATCH)
		out_printf(&o, " batch");
	if (msg->flags & ~MBOX_F_ALL)
		out_printf(&o, " flags=0x%04x", msg->flags & ~MBOX_F_ALL);
	switch (msg->type) {
	case MBOX_MSG_HELLO:
	case MBOX_MSG_HELLO_REPLY:
		format_hello(&o, msg->type, &msg->u.hello);
		break;
	case MBOX_MSG_HEARTBEAT:
		out_printf(&o, " epoch=0x%016llx counter=%llu interval=%ums",
			   (unsigned long long)msg->u.heartbeat.epoch,
			   (unsigned long long)msg->u.heartbeat.counter, msg->u.heartbeat.interval_ms);
		break;
	case MBOX_MSG_ERROR:
		format_error(&o, &msg->u.error);
		break;
	case MBOX_MSG_BATCH_BEGIN:
	case MBOX_MSG_BATCH_COMMIT:
	case MBOX_MSG_BATCH_ABORT:
		out_printf(&o, " batch=%u count=%u", msg->u.batch.batch_id, msg->u.batch.count);
		break;
	case MBOX_MSG_OBJ_SET:
	case MBOX_MSG_OBJ_DEL:
	case MBOX_MSG_OBJ_STATUS:
		format_obj(&o, msg->type, &msg->u.obj);
		break;
	case MBOX_MSG_FW_UPDATE_BEGIN:
	case MBOX_MSG_FW_UPDATE_CHUNK:
	case MBOX_MSG_FW_UPDATE_END:
		format_fw(&o, msg->type, &msg->u.fw);
		break;
	case MBOX_MSG_ACK:
	case MBOX_MSG_RESYNC_REQUEST:
		break;
	}
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}
