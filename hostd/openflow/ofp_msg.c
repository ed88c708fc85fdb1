/* hostd/openflow/ofp_msg.c: framing, the message header and the dispatch
 * of ofp_decode/ofp_encode/ofp_format to the per-family files (generated
 * from OFP_MSG_TYPES), plus the small families: HELLO, ERROR, ECHO,
 * EXPERIMENTER and the header-only messages. Also the error tables of
 * ofp_err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

/* ---- errors ------------------------------------------------------------ */

static const struct {
	const char *name; /* "OFPBMC_DUP_FIELD" */
	uint16_t type;    /* OFPET_* */
	uint16_t code;    /* code */
} ofperr_table[OFPERR__N] = {
	[OFPERR_OK] = { "OK", 0, 0 },
#define OFPERR_ROW(name, type, code) [OFPERR_##name] = { #name, OFPET_##type, code },
	OFP_ERRORS(OFPERR_ROW)
#undef OFPERR_ROW
};

const char *ofperr_name(enum ofperr e)
{
	return (unsigned)e < OFPERR__N ? ofperr_table[e].name : "?";
}

uint16_t ofperr_type(enum ofperr e)
{
	return (unsigned)e < OFPERR__N ? ofperr_table[e].type : 0;
}

uint16_t ofperr_code(enum ofperr e)
{
	return (unsigned)e < OFPERR__N ? ofperr_table[e].code : 0;
}

enum ofperr ofperr_from_wire(uint16_t type, uint16_t code)
{
	int e;
	for (e = 1; e < OFPERR__N; e++)
		if (ofperr_table[e].type == type && ofperr_table[e].code == code)
			return (enum ofperr)e;
	return OFPERR_OK;
}

const char *ofp_error_type_name(uint16_t type)
{
	switch (type) {
#define OFPET_CASE(id, code) case code: return "OFPET_" #id;
	OFP_ERROR_TYPES(OFPET_CASE)
#undef OFPET_CASE
	case OFPET_EXPERIMENTER: return "OFPET_EXPERIMENTER";
	}
	return NULL;
}

enum ofperr ofp_fail(struct ofp_errbuf *eb, enum ofperr e, const char *fmt, ...)
{
	va_list ap;
	if (eb && eb->buf && eb->size) {
		va_start(ap, fmt);
		vsnprintf(eb->buf, eb->size, fmt, ap);
		va_end(ap);
	}
	return e;
}

int ofp_einval(struct ofp_errbuf *eb, const char *fmt, ...)
{
	va_list ap;
	if (eb && eb->buf && eb->size) {
		va_start(ap, fmt);
		vsnprintf(eb->buf, eb->size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void *ofp_array_add(void **items, size_t *n, size_t *cap, size_t size)
{
	uint8_t *p;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *q = realloc(*items, ncap * size);
		if (!q)
			return NULL;
		*items = q;
		*cap = ncap;
	}
	p = (uint8_t *)*items + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

/* ---- message kinds ----------------------------------------------------- */

static const struct {
	const char *name; /* "FLOW_MOD" */
	uint8_t code;     /* OFPT_* */
	size_t min_size;  /* bytes */
} ofp_kinds[OFPMSG__N] = {
#define OFPMSG_ROW(id, code, size, fam) [OFPMSG_##id] = { #id, code, size },
	OFP_MSG_TYPES(OFPMSG_ROW)
#undef OFPMSG_ROW
};

const char *ofp_msg_type_name(enum ofp_msg_type t)
{
	return (unsigned)t < OFPMSG__N ? ofp_kinds[t].name : "?";
}

uint8_t ofp_msg_type_code(enum ofp_msg_type t)
{
	return (unsigned)t < OFPMSG__N ? ofp_kinds[t].code : 0xff;
}

size_t ofp_msg_type_min_size(enum ofp_msg_type t)
{
	return (unsigned)t < OFPMSG__N ? ofp_kinds[t].min_size : 0;
}

static const char *ofpt13_name(uint8_t code)
{
	switch (code) {
#define OFPT_CASE(id, c) case c: return #id;
	OFPT13_CODES(OFPT_CASE)
#undef OFPT_CASE
	}
	return NULL;
}

void ofp_mp_request_init(struct ofp_msg *msg, uint32_t xid, uint16_t mp_type)
{
	ofp_msg_init(msg, OFPMSG_MULTIPART_REQUEST, xid);
	msg->u.mp.mp_type = mp_type;
	if (mp_type == OFPMP_FLOW || mp_type == OFPMP_AGGREGATE) {
		msg->u.mp.u.flow_req.table_id = OFPTT_ALL;
		msg->u.mp.u.flow_req.out_port = OFPP_ANY;
		msg->u.mp.u.flow_req.out_group = OFPG_ANY;
	} else if (mp_type == OFPMP_METER) {
		msg->u.mp.u.meter_id = OFPM_ALL;
	} else if (mp_type == OFPMP_PORT_STATS) {
		msg->u.mp.u.port_no = OFPP_ANY;
	}
}

void ofp_msg_init(struct ofp_msg *msg, enum ofp_msg_type type, uint32_t xid)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->version = OFP13_VERSION;
	msg->xid = xid;
	switch (type) {
	case OFPMSG_HELLO:
		msg->u.hello.has_bitmap = 1;
		msg->u.hello.bitmap = 1u << OFP13_VERSION;
		break;
	case OFPMSG_PACKET_IN:
		msg->u.packet_in.buffer_id = OFP_NO_BUFFER;
		break;
	case OFPMSG_PACKET_OUT:
		msg->u.packet_out.buffer_id = OFP_NO_BUFFER;
		msg->u.packet_out.in_port = OFPP_CONTROLLER;
		break;
	case OFPMSG_FLOW_MOD:
		msg->u.flow_mod.buffer_id = OFP_NO_BUFFER;
		msg->u.flow_mod.out_port = OFPP_ANY;
		msg->u.flow_mod.out_group = OFPG_ANY;
		break;
	default:
		break;
	}
}

void ofp_msg_uninit(struct ofp_msg *msg)
{
	if (!msg)
		return;
	switch (msg->type) {
	case OFPMSG_PACKET_OUT:
		ofp_actions_uninit(&msg->u.packet_out.actions);
		break;
	case OFPMSG_FLOW_MOD:
		ofp_instructions_uninit(&msg->u.flow_mod.insts);
		break;
	case OFPMSG_GROUP_MOD:
		ofp_buckets_uninit(&msg->u.group_mod.buckets);
		break;
	case OFPMSG_MULTIPART_REQUEST:
	case OFPMSG_MULTIPART_REPLY:
		ofp_mp_uninit(msg);
		break;
	case OFPMSG_BUNDLE_ADD:
		ofp_msg_uninit(msg->u.bundle_add.msg);
		free(msg->u.bundle_add.msg);
		msg->u.bundle_add.msg = NULL;
		break;
	default:
		break;
	}
}

/* ---- framing and dispatch ---------------------------------------------- */

int ofp_frame_len(const void *buf, size_t avail)
{
	uint16_t len;
	if (avail < sizeof(struct ofp13_header))
		return 0;
	len = ofp_get_be16((const uint8_t *)buf + 2);
	if (len < sizeof(struct ofp13_header))
		return -EBADMSG;
	return avail >= len ? (int)len : 0;
}

typedef enum ofperr (*ofp_decode_fn)(struct ofp_cur *, struct ofp_msg *, struct ofp_errbuf *);
typedef int (*ofp_encode_fn)(const struct ofp_msg *, struct ofpbuf *, struct ofp_errbuf *);
typedef void (*ofp_format_fn)(struct ofpbuf *, const struct ofp_msg *);

static const struct {
	ofp_decode_fn decode; /* family decoder */
	ofp_encode_fn encode; /* family encoder */
	ofp_format_fn format; /* family formatter */
} ofp_families[OFPMSG__N] = {
#define OFPMSG_FAM(id, code, size, fam) \
	[OFPMSG_##id] = { ofp_decode_##fam, ofp_encode_##fam, ofp_format_##fam },
	OFP_MSG_TYPES(OFPMSG_FAM)
#undef OFPMSG_FAM
};

/* Kind of a message from its header (and experimenter id/type). */
static enum ofperr ofp_classify(const uint8_t *p, size_t len, enum ofp_msg_type *kind,
				struct ofp_errbuf *eb)
{
	uint8_t code = p[1];
	int k;

	if (code == OFPT_EXPERIMENTER && len >= sizeof(struct ofp13_experimenter_header) &&
	    ofp_get_be32(p + 8) == ONF_EXPERIMENTER_ID) {
		uint32_t exp_type = ofp_get_be32(p + 12);
		if (exp_type == ONFT_BUNDLE_CONTROL) {
			*kind = OFPMSG_BUNDLE_CONTROL;
			return OFPERR_OK;
		}
		if (exp_type == ONFT_BUNDLE_ADD_MESSAGE) {
			*kind = OFPMSG_BUNDLE_ADD;
			return OFPERR_OK;
		}
	}
	for (k = 0; k < OFPMSG__N; k++) {
		if (ofp_kinds[k].code == code) {
			*kind = (enum ofp_msg_type)k;
			return OFPERR_OK;
		}
	}
	if (ofpt13_name(code))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_TYPE,
				"message type %s (%u) is not supported", ofpt13_name(code), code);
	return ofp_fail(eb, OFPERR_OFPBRC_BAD_TYPE, "unknown message type %u", code);
}

enum ofperr ofp_decode(const void *buf, size_t len, struct ofp_msg *msg, char *err,
		       size_t errlen)
{
	struct ofp_errbuf ebs = { err, errlen }, *eb = &ebs;
	const uint8_t *p = buf;
	enum ofp_msg_type kind = OFPMSG_HELLO; /* set by ofp_classify */
	struct ofp_cur c;
	enum ofperr e;
	uint16_t hlen;

	memset(msg, 0, sizeof(*msg));
	msg->type = OFPMSG_HELLO; /* nothing owned: uninit is a no-op */
	if (err && errlen)
		err[0] = 0;
	if (len < sizeof(struct ofp13_header))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"message of %zu bytes is shorter than the 8-byte header", len);
	hlen = ofp_get_be16(p + 2);
	if (hlen != len)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"header length %u disagrees with the %zu bytes received", hlen, len);
	if (p[1] != OFPT_HELLO && p[0] != OFP13_VERSION)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_VERSION,
				"version 0x%02x, only 0x04 (OpenFlow 1.3) is spoken", p[0]);
	e = ofp_classify(p, len, &kind, eb);
	if (e)
		return e;
	if (len < ofp_kinds[kind].min_size)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "%s of %zu bytes is shorter than its minimum %zu",
				ofp_kinds[kind].name, len, ofp_kinds[kind].min_size);
	ofp_msg_init(msg, kind, ofp_get_be32(p + 4));
	msg->version = p[0];
	ofp_cur_init(&c, p, len);
	e = ofp_families[kind].decode(&c, msg, eb);
	if (!e && c.left)
		e = ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "%zu trailing bytes after %s", c.left,
			     ofp_kinds[kind].name);
	if (e) {
		ofp_msg_uninit(msg);
		memset(msg, 0, sizeof(*msg));
		msg->type = OFPMSG_HELLO;
	}
	return e;
}

int ofp_encode(const struct ofp_msg *msg, struct ofpbuf *out, char *err, size_t errlen)
{
	struct ofp_errbuf ebs = { err, errlen };
	size_t start = out->len;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if ((unsigned)msg->type >= OFPMSG__N)
		return ofp_einval(&ebs, "unknown message kind %d", (int)msg->type);
	/* HELLO keeps its version (ofp_msg_init sets 4); all else is 1.3 */
	ofp_header_put(out, msg->type == OFPMSG_HELLO ? msg->version : OFP13_VERSION,
		       ofp_kinds[msg->type].code, msg->xid);
	rc = ofp_families[msg->type].encode(msg, out, &ebs);
	if (!rc && out->failed)
		rc = -ENOMEM;
	if (!rc && out->len - start > OFP_MAX_MSG_LEN)
		rc = -EMSGSIZE;
	if (rc) {
		/* earlier contents are intact even after a failed realloc */
		out->len = start;
		out->failed = 0;
		if (out->data)
			out->data[start] = 0;
		return rc;
	}
	ofp_header_end(out, start);
	return 0;
}

size_t ofp_header_put(struct ofpbuf *b, uint8_t version, uint8_t type, uint32_t xid)
{
	size_t start = b->len;
	ofpbuf_put_u8(b, version);
	ofpbuf_put_u8(b, type);
	ofpbuf_put_be16(b, 0); /* ofp_header_end */
	ofpbuf_put_be32(b, xid);
	return start;
}

void ofp_header_end(struct ofpbuf *b, size_t start)
{
	ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
}

void ofp_format(const struct ofp_msg *msg, struct ofpbuf *s)
{
	if ((unsigned)msg->type >= OFPMSG__N) {
		ofpbuf_printf(s, "?");
		return;
	}
	ofpbuf_printf(s, "%s xid=0x%x", ofp_kinds[msg->type].name, msg->xid);
	ofp_families[msg->type].format(s, msg);
}

char *ofp_to_string(const struct ofp_msg *msg)
{
	struct ofpbuf s = OFPBUF_INIT;
	char *r;
	ofp_format(msg, &s);
	if (s.failed) {
		ofpbuf_uninit(&s);
		return NULL;
	}
	r = strdup(ofpbuf_cstr(&s));
	ofpbuf_uninit(&s);
	return r;
}

/* ---- header-only messages (FEATURES_REQUEST, BARRIER_*, ...) ---------- */

enum ofperr ofp_decode_empty(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	ofp_cur_pull(c, sizeof(struct ofp13_header));
	return OFPERR_OK;
}

int ofp_encode_empty(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	return 0;
}

void ofp_format_empty(struct ofpbuf *s, const struct ofp_msg *msg)
{
}

/* ---- HELLO ------------------------------------------------------------- */

enum ofperr ofp_decode_hello(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	struct ofp_hello *h = &msg->u.hello;

	ofp_cur_pull(c, sizeof(struct ofp13_header));
	h->has_bitmap = 0;
	h->bitmap = 0;
	/* Elements of a HELLO from a pre-1.3 peer are not ours to judge. */
	if (msg->version < OFP13_VERSION) {
		ofp_cur_pull(c, c->left);
		return OFPERR_OK;
	}
	while (c->left) {
		const uint8_t *eh = ofp_cur_peek(c, sizeof(struct ofp13_hello_elem_header));
		uint16_t type, elen;
		size_t padded;

		if (!eh)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
					"hello element header truncated (%zu bytes left)", c->left);
		type = ofp_get_be16(eh);
		elen = ofp_get_be16(eh + 2);
		padded = ((size_t)elen + 7) / 8 * 8;
		if (elen < 4 || padded > c->left)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
					"hello element length %u invalid with %zu bytes left", elen,
					c->left);
		if (type == OFPHET_VERSIONBITMAP) {
			if (h->has_bitmap)
				return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "duplicate version bitmap element");
			if (elen < 8 || (elen - 4) % 4)
				return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
						"version bitmap element length %u is not 4 + 4n (n >= 1)",
						elen);
			h->has_bitmap = 1;
			h->bitmap = ofp_get_be32(eh + 4);
		}
		/* unknown element types are ignored, as the spec says */
		ofp_cur_pull(c, padded);
	}
	return OFPERR_OK;
}

int ofp_encode_hello(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	if (!msg->u.hello.has_bitmap)
		return 0;
	ofpbuf_put_be16(b, OFPHET_VERSIONBITMAP);
	ofpbuf_put_be16(b, 8);
	ofpbuf_put_be32(b, msg->u.hello.bitmap);
	return 0;
}

void ofp_format_hello(struct ofpbuf *s, const struct ofp_msg *msg)
{
	int v, first = 1;

	ofpbuf_printf(s, " version=0x%02x", msg->version);
	if (!msg->u.hello.has_bitmap)
		return;
	ofpbuf_printf(s, " bitmap=");
	for (v = 0; v < 32; v++) {
		if (!(msg->u.hello.bitmap >> v & 1))
			continue;
		ofpbuf_printf(s, "%s", first ? "" : ",");
		first = 0;
		if (v >= 1 && v <= 6)
			ofpbuf_printf(s, "1.%d", v - 1);
		else
			ofpbuf_printf(s, "v%d", v);
	}
	if (first)
		ofpbuf_printf(s, "none");
}

/* ---- ERROR ------------------------------------------------------------- */

enum ofperr ofp_decode_error(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const struct ofp13_error_msg *w = ofp_cur_pull(c, sizeof(*w));
	struct ofp_error *e = &msg->u.error;

	e->type = OFP_GET16(w, ofp13_error_msg, type);
	e->code = OFP_GET16(w, ofp13_error_msg, code);
	if (e->type == OFPET_EXPERIMENTER) {
		const uint8_t *exp = ofp_cur_pull(c, 4);
		if (!exp)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
					"experimenter error without its 4-byte experimenter id");
		e->experimenter = ofp_get_be32(exp);
	}
	e->data.len = c->left;
	e->data.data = ofp_cur_pull(c, c->left);
	return OFPERR_OK;
}

int ofp_encode_error(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_error *e = &msg->u.error;

	ofpbuf_put_be16(b, e->type);
	ofpbuf_put_be16(b, e->code);
	if (e->type == OFPET_EXPERIMENTER)
		ofpbuf_put_be32(b, e->experimenter);
	if (e->data.len)
		ofpbuf_put(b, e->data.data, e->data.len);
	return 0;
}

void ofp_format_error(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_error *e = &msg->u.error;
	const char *tname = ofp_error_type_name(e->type);
	enum ofperr known;
	size_t i;

	if (e->type == OFPET_EXPERIMENTER) {
		ofpbuf_printf(s, " OFPET_EXPERIMENTER experimenter=0x%x exp_type=%u", e->experimenter,
			      e->code);
		if (e->experimenter == ONF_EXPERIMENTER_ID && ofp_bundle_error_name(e->code))
			ofpbuf_printf(s, "/OFPBFC_%s", ofp_bundle_error_name(e->code));
	} else {
		known = ofperr_from_wire(e->type, e->code);
		if (tname)
			ofpbuf_printf(s, " %s", tname);
		else
			ofpbuf_printf(s, " type=%u", e->type);
		if (known)
			ofpbuf_printf(s, "/%s", ofperr_name(known));
		else
			ofpbuf_printf(s, "/code=%u", e->code);
	}
	if (e->type == OFPET_HELLO_FAILED) {
		ofpbuf_printf(s, " text=\"");
		for (i = 0; i < e->data.len; i++) {
			uint8_t ch = e->data.data[i];
			if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
				ofpbuf_printf(s, "%c", ch);
			else
				ofpbuf_printf(s, "\\x%02x", ch);
		}
		ofpbuf_printf(s, "\"");
		return;
	}
	/* The data is the failed request (at least 64 bytes of it). */
	if (e->data.len >= sizeof(struct ofp13_header)) {
		const uint8_t *h = e->data.data;
		const char *n = ofpt13_name(h[1]);
		if (n)
			ofpbuf_printf(s, " req=%s", n);
		else
			ofpbuf_printf(s, " req=type%u", h[1]);
		ofpbuf_printf(s, ",xid=0x%x,len=%u", ofp_get_be32(h + 4), ofp_get_be16(h + 2));
	}
	ofpbuf_printf(s, " data_len=%zu", e->data.len);
	if (e->data.len) {
		ofpbuf_printf(s, " data=");
		ofpbuf_put_hex(s, e->data.data, e->data.len);
	}
}

/* ---- ECHO -------------------------------------------------------------- */

enum ofperr ofp_decode_echo(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	ofp_cur_pull(c, sizeof(struct ofp13_header));
	msg->u.echo.len = c->left;
	msg->u.echo.data = ofp_cur_pull(c, c->left);
	return OFPERR_OK;
}

int ofp_encode_echo(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	if (msg->u.echo.len)
		ofpbuf_put(b, msg->u.echo.data, msg->u.echo.len);
	return 0;
}

void ofp_format_echo(struct ofpbuf *s, const struct ofp_msg *msg)
{
	ofpbuf_printf(s, " data_len=%zu", msg->u.echo.len);
	if (msg->u.echo.len) {
		ofpbuf_printf(s, " data=");
		ofpbuf_put_hex(s, msg->u.echo.data, msg->u.echo.len);
	}
}

/* ---- EXPERIMENTER (other than the ONF bundles) ------------------------- */

enum ofperr ofp_decode_experimenter(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const struct ofp13_experimenter_header *w = ofp_cur_pull(c, sizeof(*w));
	struct ofp_experimenter *x = &msg->u.experimenter;

	x->experimenter = OFP_GET32(w, ofp13_experimenter_header, experimenter);
	x->exp_type = OFP_GET32(w, ofp13_experimenter_header, exp_type);
	x->data.len = c->left;
	x->data.data = ofp_cur_pull(c, c->left);
	return OFPERR_OK;
}

int ofp_encode_experimenter(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_experimenter *x = &msg->u.experimenter;

	if (x->experimenter == ONF_EXPERIMENTER_ID &&
	    (x->exp_type == ONFT_BUNDLE_CONTROL || x->exp_type == ONFT_BUNDLE_ADD_MESSAGE))
		return ofp_einval(eb, "ONF bundle messages are BUNDLE_CONTROL/BUNDLE_ADD kinds");
	ofpbuf_put_be32(b, x->experimenter);
	ofpbuf_put_be32(b, x->exp_type);
	if (x->data.len)
		ofpbuf_put(b, x->data.data, x->data.len);
	return 0;
}

void ofp_format_experimenter(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_experimenter *x = &msg->u.experimenter;

	ofpbuf_printf(s, " experimenter=0x%x exp_type=%u data_len=%zu", x->experimenter,
		      x->exp_type, x->data.len);
	if (x->data.len) {
		ofpbuf_printf(s, " data=");
		ofpbuf_put_hex(s, x->data.data, x->data.len);
	}
}
