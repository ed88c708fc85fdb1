/* hostd/openflow/ofp_flow.c: the flow family -- FLOW_MOD, FLOW_REMOVED and
 * the flow stats entries of a MULTIPART FLOW reply (ofp_multipart.c calls
 * the entry helpers). Matches come from ofp_match.c, instructions from
 * ofp_actions.c. */
#include <errno.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

static const char *const ofp_flow_cmd_names[] = {
	"ADD", "MODIFY", "MODIFY_STRICT", "DELETE", "DELETE_STRICT",
};

void ofp_format_flow_mod_flags(struct ofpbuf *s, uint16_t flags)
{
	static const char *const names[] = {
		"send_flow_rem", "check_overlap", "reset_counts", "no_pkt_counts", "no_byt_counts",
	};
	const char *sep = "";
	unsigned i;

	if (!flags) {
		ofpbuf_printf(s, "none");
		return;
	}
	for (i = 0; i < 5; i++)
		if (flags & (1u << i))
			ofpbuf_printf(s, "%s%s", sep, names[i]), sep = "|";
	if (flags & ~OFPFF_ALL)
		ofpbuf_printf(s, "%s0x%x", sep, flags & ~OFPFF_ALL);
}

/* goto_table must move forward (spec: OFPBIC_BAD_TABLE_ID otherwise). */
static enum ofperr ofp_check_goto(uint8_t table_id, const struct ofp_instructions *in,
				  struct ofp_errbuf *eb)
{
	if ((in->present & OFPINST_GOTO) && table_id != OFPTT_ALL && in->goto_table <= table_id)
		return ofp_fail(eb, OFPERR_OFPBIC_BAD_TABLE_ID, "goto_table:%u from table %u",
				in->goto_table, table_id);
	return OFPERR_OK;
}

/* ---- FLOW_MOD ---------------------------------------------------------- */

enum ofperr ofp_decode_flow_mod(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, offsetof(struct ofp13_flow_mod, match));
	struct ofp_flow_mod *fm = &msg->u.flow_mod;
	enum ofperr e;

	fm->cookie = OFP_GET64(w, ofp13_flow_mod, cookie);
	fm->cookie_mask = OFP_GET64(w, ofp13_flow_mod, cookie_mask);
	fm->table_id = OFP_GET8(w, ofp13_flow_mod, table_id);
	fm->command = OFP_GET8(w, ofp13_flow_mod, command);
	fm->idle_timeout = OFP_GET16(w, ofp13_flow_mod, idle_timeout);
	fm->hard_timeout = OFP_GET16(w, ofp13_flow_mod, hard_timeout);
	fm->priority = OFP_GET16(w, ofp13_flow_mod, priority);
	fm->buffer_id = OFP_GET32(w, ofp13_flow_mod, buffer_id);
	fm->out_port = OFP_GET32(w, ofp13_flow_mod, out_port);
	fm->out_group = OFP_GET32(w, ofp13_flow_mod, out_group);
	fm->flags = OFP_GET16(w, ofp13_flow_mod, flags);
	if (fm->command > OFPFC_DELETE_STRICT)
		return ofp_fail(eb, OFPERR_OFPFMFC_BAD_COMMAND, "flow_mod command %u", fm->command);
	if (fm->flags & ~OFPFF_ALL)
		return ofp_fail(eb, OFPERR_OFPFMFC_BAD_FLAGS, "flow_mod flags 0x%x has unknown bits",
				fm->flags);
	if (fm->table_id == OFPTT_ALL && fm->command < OFPFC_DELETE)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_TABLE_ID, "table 255 (all) in a %s",
				ofp_flow_cmd_names[fm->command]);
	e = ofp_match_pull(c, &fm->match, eb);
	if (e)
		return e;
	e = ofp_instructions_pull(c, &fm->insts, eb);
	if (e)
		return e;
	return ofp_check_goto(fm->table_id, &fm->insts, eb);
}

/* The checks of a FLOW_MOD's fixed part and its bytes up to the match,
 * then the match (both encoders below). */
static int flow_mod_head_put(struct ofpbuf *b, const struct ofp_flow_mod *fm,
			     struct ofp_errbuf *eb)
{
	if (fm->command > OFPFC_DELETE_STRICT)
		return ofp_einval(eb, "flow_mod command %u", fm->command);
	if (fm->flags & ~OFPFF_ALL)
		return ofp_einval(eb, "flow_mod flags 0x%x", fm->flags);
	if (fm->table_id == OFPTT_ALL && fm->command < OFPFC_DELETE)
		return ofp_einval(eb, "table 255 (all) in an add/modify");
	ofpbuf_put_be64(b, fm->cookie);
	ofpbuf_put_be64(b, fm->cookie_mask);
	ofpbuf_put_u8(b, fm->table_id);
	ofpbuf_put_u8(b, fm->command);
	ofpbuf_put_be16(b, fm->idle_timeout);
	ofpbuf_put_be16(b, fm->hard_timeout);
	ofpbuf_put_be16(b, fm->priority);
	ofpbuf_put_be32(b, fm->buffer_id);
	ofpbuf_put_be32(b, fm->out_port);
	ofpbuf_put_be32(b, fm->out_group);
	ofpbuf_put_be16(b, fm->flags);
	ofpbuf_put_zeros(b, 2);
	return ofp_match_put(b, &fm->match, eb);
}

int ofp_encode_flow_mod(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_flow_mod *fm = &msg->u.flow_mod;
	int rc;

	if (ofp_check_goto(fm->table_id, &fm->insts, NULL))
		return ofp_einval(eb, "goto_table:%u from table %u", fm->insts.goto_table, fm->table_id);
	rc = flow_mod_head_put(b, fm, eb);
	if (rc)
		return rc;
	return ofp_instructions_put(b, &fm->insts, eb);
}

int ofp_put_flow_mod(struct ofpbuf *b, uint32_t xid, const struct ofp_flow_mod *fm,
		     const uint8_t *insts, size_t insts_len, const struct ofp_bundle_add *in_bundle,
		     char *err, size_t errlen)
{
	struct ofp_errbuf ebs = { err, errlen };
	size_t start = b->len, inner;
	int rc = 0;

	if (err && errlen)
		err[0] = 0;
	if (in_bundle) {
		ofp_header_put(b, OFP13_VERSION, OFPT_EXPERIMENTER, xid);
		rc = ofp_bundle_add_head_put(b, in_bundle->bundle_id, in_bundle->flags, &ebs);
	}
	inner = ofp_header_put(b, OFP13_VERSION, OFPT_FLOW_MOD, xid);
	if (!rc)
		rc = flow_mod_head_put(b, fm, &ebs);
	if (!rc)
		ofpbuf_put(b, insts, insts_len);
	if (!rc && b->failed)
		rc = -ENOMEM;
	if (!rc && b->len - start > OFP_MAX_MSG_LEN)
		rc = -EMSGSIZE;
	if (rc) {
		b->len = start;
		b->failed = 0;
		return rc;
	}
	ofp_header_end(b, inner);
	if (in_bundle)
		ofp_header_end(b, start);
	return 0;
}

void ofp_format_flow_mod(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_flow_mod *fm = &msg->u.flow_mod;

	ofpbuf_printf(s, " %s table=", ofp_flow_cmd_names[fm->command % 5]);
	if (fm->table_id == OFPTT_ALL)
		ofpbuf_printf(s, "all");
	else
		ofpbuf_printf(s, "%u", fm->table_id);
	ofpbuf_printf(s, " cookie=0x%llx/0x%llx prio=%u idle=%u hard=%u",
		      (unsigned long long)fm->cookie, (unsigned long long)fm->cookie_mask,
		      fm->priority, fm->idle_timeout, fm->hard_timeout);
	if (fm->buffer_id != OFP_NO_BUFFER)
		ofpbuf_printf(s, " buffer=0x%x", fm->buffer_id);
	if (fm->out_port != OFPP_ANY) {
		ofpbuf_printf(s, " out_port=");
		ofp_format_port(s, fm->out_port);
	}
	if (fm->out_group != OFPG_ANY)
		ofpbuf_printf(s, " out_group=%u", fm->out_group);
	ofpbuf_printf(s, " flags=");
	ofp_format_flow_mod_flags(s, fm->flags);
	ofpbuf_printf(s, " match=");
	ofp_format_match(s, &fm->match);
	ofpbuf_printf(s, " actions=");
	ofp_format_instructions(s, &fm->insts);
}

/* ---- FLOW_REMOVED ------------------------------------------------------ */

static const char *const ofp_rr_names[] = { "idle_timeout", "hard_timeout", "delete",
					    "group_delete" };

enum ofperr ofp_decode_flow_removed(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, offsetof(struct ofp13_flow_removed, match));
	struct ofp_flow_removed *fr = &msg->u.flow_removed;

	fr->cookie = OFP_GET64(w, ofp13_flow_removed, cookie);
	fr->priority = OFP_GET16(w, ofp13_flow_removed, priority);
	fr->reason = OFP_GET8(w, ofp13_flow_removed, reason);
	fr->table_id = OFP_GET8(w, ofp13_flow_removed, table_id);
	fr->duration_sec = OFP_GET32(w, ofp13_flow_removed, duration_sec);
	fr->duration_nsec = OFP_GET32(w, ofp13_flow_removed, duration_nsec);
	fr->idle_timeout = OFP_GET16(w, ofp13_flow_removed, idle_timeout);
	fr->hard_timeout = OFP_GET16(w, ofp13_flow_removed, hard_timeout);
	fr->packet_count = OFP_GET64(w, ofp13_flow_removed, packet_count);
	fr->byte_count = OFP_GET64(w, ofp13_flow_removed, byte_count);
	return ofp_match_pull(c, &fr->match, eb);
}

int ofp_encode_flow_removed(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_flow_removed *fr = &msg->u.flow_removed;

	ofpbuf_put_be64(b, fr->cookie);
	ofpbuf_put_be16(b, fr->priority);
	ofpbuf_put_u8(b, fr->reason);
	ofpbuf_put_u8(b, fr->table_id);
	ofpbuf_put_be32(b, fr->duration_sec);
	ofpbuf_put_be32(b, fr->duration_nsec);
	ofpbuf_put_be16(b, fr->idle_timeout);
	ofpbuf_put_be16(b, fr->hard_timeout);
	ofpbuf_put_be64(b, fr->packet_count);
	ofpbuf_put_be64(b, fr->byte_count);
	return ofp_match_put(b, &fr->match, eb);
}

void ofp_format_flow_removed(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_flow_removed *fr = &msg->u.flow_removed;

	if (fr->reason < 4)
		ofpbuf_printf(s, " reason=%s", ofp_rr_names[fr->reason]);
	else
		ofpbuf_printf(s, " reason=%u", fr->reason);
	ofpbuf_printf(s, " table=%u cookie=0x%llx prio=%u duration=%u.%09us idle=%u hard=%u "
		      "packets=%llu bytes=%llu match=",
		      fr->table_id, (unsigned long long)fr->cookie, fr->priority, fr->duration_sec,
		      fr->duration_nsec, fr->idle_timeout, fr->hard_timeout,
		      (unsigned long long)fr->packet_count, (unsigned long long)fr->byte_count);
	ofp_format_match(s, &fr->match);
}

/* ---- flow stats entries ------------------------------------------------ */

enum ofperr ofp_flow_stats_pull(struct ofp_cur *c, struct ofp_flow_stats *fs, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_peek(c, sizeof(struct ofp13_flow_stats));
	struct ofp_cur entry;
	uint16_t len;
	enum ofperr e;

	if (!w)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "flow stats entry truncated (%zu bytes left)",
				c->left);
	len = OFP_GET16(w, ofp13_flow_stats, length);
	if (len < sizeof(struct ofp13_flow_stats) || len % 8 || ofp_cur_sub(c, len, &entry))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"flow stats entry length %u invalid with %zu bytes left", len, c->left);
	ofp_cur_pull(&entry, offsetof(struct ofp13_flow_stats, match));
	fs->table_id = OFP_GET8(w, ofp13_flow_stats, table_id);
	fs->duration_sec = OFP_GET32(w, ofp13_flow_stats, duration_sec);
	fs->duration_nsec = OFP_GET32(w, ofp13_flow_stats, duration_nsec);
	fs->priority = OFP_GET16(w, ofp13_flow_stats, priority);
	fs->idle_timeout = OFP_GET16(w, ofp13_flow_stats, idle_timeout);
	fs->hard_timeout = OFP_GET16(w, ofp13_flow_stats, hard_timeout);
	fs->flags = OFP_GET16(w, ofp13_flow_stats, flags);
	fs->cookie = OFP_GET64(w, ofp13_flow_stats, cookie);
	fs->packet_count = OFP_GET64(w, ofp13_flow_stats, packet_count);
	fs->byte_count = OFP_GET64(w, ofp13_flow_stats, byte_count);
	e = ofp_match_pull(&entry, &fs->match, eb);
	if (e)
		return e;
	return ofp_instructions_pull(&entry, &fs->insts, eb);
}

int ofp_flow_stats_put(struct ofpbuf *b, const struct ofp_flow_stats *fs, struct ofp_errbuf *eb)
{
	size_t start = b->len;
	int rc;

	ofpbuf_put_be16(b, 0);
	ofpbuf_put_u8(b, fs->table_id);
	ofpbuf_put_zeros(b, 1);
	ofpbuf_put_be32(b, fs->duration_sec);
	ofpbuf_put_be32(b, fs->duration_nsec);
	ofpbuf_put_be16(b, fs->priority);
	ofpbuf_put_be16(b, fs->idle_timeout);
	ofpbuf_put_be16(b, fs->hard_timeout);
	ofpbuf_put_be16(b, fs->flags);
	ofpbuf_put_zeros(b, 4);
	ofpbuf_put_be64(b, fs->cookie);
	ofpbuf_put_be64(b, fs->packet_count);
	ofpbuf_put_be64(b, fs->byte_count);
	rc = ofp_match_put(b, &fs->match, eb);
	if (!rc)
		rc = ofp_instructions_put(b, &fs->insts, eb);
	if (rc)
		return rc;
	if (b->len - start > 0xffff)
		return ofp_einval(eb, "flow stats entry too long");
	ofpbuf_set_be16(b, start, (uint16_t)(b->len - start));
	return 0;
}

void ofp_format_flow_stats(struct ofpbuf *s, const struct ofp_flow_stats *fs)
{
	ofpbuf_printf(s, "{table=%u cookie=0x%llx prio=%u duration=%u.%09us idle=%u hard=%u flags=",
		      fs->table_id, (unsigned long long)fs->cookie, fs->priority, fs->duration_sec,
		      fs->duration_nsec, fs->idle_timeout, fs->hard_timeout);
	ofp_format_flow_mod_flags(s, fs->flags);
	ofpbuf_printf(s, " packets=%llu bytes=%llu match=", (unsigned long long)fs->packet_count,
		      (unsigned long long)fs->byte_count);
	ofp_format_match(s, &fs->match);
	ofpbuf_printf(s, " actions=");
	ofp_format_instructions(s, &fs->insts);
	ofpbuf_printf(s, "}");
}
