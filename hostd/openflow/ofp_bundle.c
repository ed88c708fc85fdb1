/* hostd/openflow/ofp_bundle.c: bundles in the form Open vSwitch 3.1
 * accepts on OpenFlow 1.3 -- the ONF extension (experimenter 0x4f4e4600):
 * BUNDLE_CONTROL (exp_type 2300: open/close/commit/discard requests and
 * replies) and BUNDLE_ADD (exp_type 2301: one whole inner message, decoded
 * recursively through ofp_decode). Also the names of the ONF bundle
 * experimenter errors (OFPBFC_*, exp_type 2300..2315) for ERROR lines. */
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

static const char *const ofp_bct_names[] = {
	"OPEN_REQUEST", "OPEN_REPLY", "CLOSE_REQUEST", "CLOSE_REPLY",
	"COMMIT_REQUEST", "COMMIT_REPLY", "DISCARD_REQUEST", "DISCARD_REPLY",
};

static const char *const ofp_bfc_names[] = {
	"UNKNOWN", "EPERM", "BAD_ID", "BUNDLE_EXIST", "BUNDLE_CLOSED", "OUT_OF_BUNDLES",
	"BAD_TYPE", "BAD_FLAGS", "MSG_BAD_LEN", "MSG_BAD_XID", "MSG_UNSUP", "MSG_CONFLICT",
	"MSG_TOO_MANY", "MSG_FAILED", "TIMEOUT", "BUNDLE_IN_PROGRESS",
};

const char *ofp_bundle_error_name(uint16_t exp_type)
{
	if (exp_type >= 2300 && exp_type < 2300 + 16)
		return ofp_bfc_names[exp_type - 2300];
	return NULL;
}

static void ofp_format_bundle_flags(struct ofpbuf *s, uint16_t flags)
{
	const char *sep = "";
	if (!flags)
		ofpbuf_printf(s, "none");
	if (flags & OFPBF_ATOMIC)
		ofpbuf_printf(s, "atomic"), sep = "|";
	if (flags & OFPBF_ORDERED)
		ofpbuf_printf(s, "%sordered", sep), sep = "|";
	if (flags & ~3u)
		ofpbuf_printf(s, "%s0x%x", sep, flags & ~3u);
}

/* ---- BUNDLE_CONTROL ------------------------------------------------------ */

enum ofperr ofp_decode_bundle_ctrl(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct onf_bundle_ctrl_msg));
	struct ofp_bundle_ctrl *bc = &msg->u.bundle_ctrl;

	bc->bundle_id = OFP_GET32(w, onf_bundle_ctrl_msg, bundle_id);
	bc->type = OFP_GET16(w, onf_bundle_ctrl_msg, type);
	bc->flags = OFP_GET16(w, onf_bundle_ctrl_msg, flags);
	if (bc->type > OFPBCT_DISCARD_REPLY)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_EXP_TYPE, "bundle control type %u", bc->type);
	if (bc->flags & ~(OFPBF_ATOMIC | OFPBF_ORDERED))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_EXP_TYPE, "bundle flags 0x%x has unknown bits",
				bc->flags);
	if (c->left)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"bundle control with %zu bytes of properties (none supported)", c->left);
	return OFPERR_OK;
}

int ofp_encode_bundle_ctrl(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_bundle_ctrl *bc = &msg->u.bundle_ctrl;

	if (bc->type > OFPBCT_DISCARD_REPLY || (bc->flags & ~(OFPBF_ATOMIC | OFPBF_ORDERED)))
		return ofp_einval(eb, "bundle control type %u flags 0x%x", bc->type, bc->flags);
	ofpbuf_put_be32(b, ONF_EXPERIMENTER_ID);
	ofpbuf_put_be32(b, ONFT_BUNDLE_CONTROL);
	ofpbuf_put_be32(b, bc->bundle_id);
	ofpbuf_put_be16(b, bc->type);
	ofpbuf_put_be16(b, bc->flags);
	return 0;
}

void ofp_format_bundle_ctrl(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_bundle_ctrl *bc = &msg->u.bundle_ctrl;

	ofpbuf_printf(s, " bundle=0x%x type=%s flags=", bc->bundle_id, ofp_bct_names[bc->type & 7]);
	ofp_format_bundle_flags(s, bc->flags);
}

/* ---- BUNDLE_ADD -------------------------------------------------------- */

static int ofp_bundle_inner_ok(enum ofp_msg_type t)
{
	return t == OFPMSG_FLOW_MOD || t == OFPMSG_GROUP_MOD || t == OFPMSG_METER_MOD ||
	       t == OFPMSG_PACKET_OUT;
}

enum ofperr ofp_decode_bundle_add(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct onf_bundle_add_msg));
	struct ofp_bundle_add *ba = &msg->u.bundle_add;
	const uint8_t *ih = ofp_cur_peek(c, sizeof(struct ofp13_header));
	char inner_err[200];
	uint16_t ilen;
	enum ofperr e;

	ba->bundle_id = OFP_GET32(w, onf_bundle_add_msg, bundle_id);
	ba->flags = OFP_GET16(w, onf_bundle_add_msg, flags);
	if (ba->flags & ~(OFPBF_ATOMIC | OFPBF_ORDERED))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_EXP_TYPE, "bundle flags 0x%x has unknown bits",
				ba->flags);
	if (!ih)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "bundle add without an inner message header");
	ilen = ofp_get_be16(ih + 2);
	if (ilen < sizeof(struct ofp13_header) || ilen > c->left ||
	    (ilen != c->left && (c->left % 8 || c->left - ilen >= 8)))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"bundle add inner length %u with %zu bytes left", ilen, c->left);
	if (ih[1] == OFPT_EXPERIMENTER)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_TYPE, "experimenter message inside a bundle add");
	ba->msg = calloc(1, sizeof(*ba->msg));
	if (!ba->msg)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "out of memory");
	e = ofp_decode(ih, ilen, ba->msg, inner_err, sizeof(inner_err));
	if (e) {
		free(ba->msg);
		ba->msg = NULL;
		return ofp_fail(eb, e, "bundle inner message: %s", inner_err);
	}
	if (!ofp_bundle_inner_ok(ba->msg->type))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_TYPE, "%s is not allowed in a bundle",
				ofp_msg_type_name(ba->msg->type));
	ofp_cur_pull(c, c->left);
	return OFPERR_OK;
}

int ofp_encode_bundle_add(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_bundle_add *ba = &msg->u.bundle_add;

	if (!ba->msg || !ofp_bundle_inner_ok(ba->msg->type))
		return ofp_einval(eb, "bundle add needs an inner FLOW_MOD, GROUP_MOD, METER_MOD or PACKET_OUT");
	int rc = ofp_bundle_add_head_put(b, ba->bundle_id, ba->flags, eb);
	return rc ? rc : ofp_encode(ba->msg, b, eb ? eb->buf : NULL, eb ? eb->size : 0);
}

int ofp_bundle_add_head_put(struct ofpbuf *b, uint32_t bundle_id, uint16_t flags,
			    struct ofp_errbuf *eb)
{
	if (flags & ~(OFPBF_ATOMIC | OFPBF_ORDERED))
		return ofp_einval(eb, "bundle flags 0x%x", flags);
	ofpbuf_put_be32(b, ONF_EXPERIMENTER_ID);
	ofpbuf_put_be32(b, ONFT_BUNDLE_ADD_MESSAGE);
	ofpbuf_put_be32(b, bundle_id);
	ofpbuf_put_zeros(b, 2);
	ofpbuf_put_be16(b, flags);
	return 0;
}

void ofp_format_bundle_add(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_bundle_add *ba = &msg->u.bundle_add;

	ofpbuf_printf(s, " bundle=0x%x flags=", ba->bundle_id);
	ofp_format_bundle_flags(s, ba->flags);
	if (ba->msg) {
		ofpbuf_printf(s, " msg=(");
		ofp_format(ba->msg, s);
		ofpbuf_printf(s, ")");
	}
}
