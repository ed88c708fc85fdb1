/* hostd/openflow/ofp_packet.c: the packet family -- PACKET_IN (switch ->
 * hostd: reason, table, cookie, pipeline match, frame) and PACKET_OUT
 * (hostd -> switch: buffer or frame, in_port, actions). Uses ofp_match.c
 * and ofp_actions.c. A PACKET_IN match is pulled leniently: TLVs of fields
 * the codec does not know are skipped and counted, never re-encoded. */
#include <string.h>

#include "hostd/openflow/ofp_private.h"

static const char *const ofp_pin_reasons[] = { "no_match", "action", "invalid_ttl" };

enum ofperr ofp_decode_packet_in(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, offsetof(struct ofp13_packet_in, match));
	struct ofp_packet_in *pi = &msg->u.packet_in;
	enum ofperr e;

	pi->buffer_id = OFP_GET32(w, ofp13_packet_in, buffer_id);
	pi->total_len = OFP_GET16(w, ofp13_packet_in, total_len);
	pi->reason = OFP_GET8(w, ofp13_packet_in, reason);
	pi->table_id = OFP_GET8(w, ofp13_packet_in, table_id);
	pi->cookie = OFP_GET64(w, ofp13_packet_in, cookie);
	e = ofp_match_pull_lenient(c, &pi->match, &pi->n_unknown, eb);
	if (e)
		return e;
	if (!ofp_pull_pad(c, 2))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "packet_in without the 2 pad bytes after the match");
	pi->data.len = c->left;
	pi->data.data = ofp_cur_pull(c, c->left);
	if (pi->data.len > pi->total_len)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "packet_in carries %zu bytes, total_len is %u",
				pi->data.len, pi->total_len);
	return OFPERR_OK;
}

int ofp_encode_packet_in(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_packet_in *pi = &msg->u.packet_in;
	int rc;

	if (pi->data.len > pi->total_len)
		return ofp_einval(eb, "packet_in data longer than total_len");
	ofpbuf_put_be32(b, pi->buffer_id);
	ofpbuf_put_be16(b, pi->total_len);
	ofpbuf_put_u8(b, pi->reason);
	ofpbuf_put_u8(b, pi->table_id);
	ofpbuf_put_be64(b, pi->cookie);
	rc = ofp_match_put(b, &pi->match, eb);
	if (rc)
		return rc;
	ofpbuf_put_zeros(b, 2);
	if (pi->data.len)
		ofpbuf_put(b, pi->data.data, pi->data.len);
	return 0;
}

static void ofp_format_buffer(struct ofpbuf *s, uint32_t buffer_id)
{
	if (buffer_id == OFP_NO_BUFFER)
		ofpbuf_printf(s, " buffer=none");
	else
		ofpbuf_printf(s, " buffer=0x%x", buffer_id);
}

static void ofp_format_data(struct ofpbuf *s, const struct ofp_bytes *d)
{
	ofpbuf_printf(s, " data_len=%zu", d->len);
	if (d->len) {
		ofpbuf_printf(s, " data=");
		ofpbuf_put_hex(s, d->data, d->len);
	}
}

void ofp_format_packet_in(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_packet_in *pi = &msg->u.packet_in;

	ofp_format_buffer(s, pi->buffer_id);
	ofpbuf_printf(s, " total_len=%u", pi->total_len);
	if (pi->reason < 3)
		ofpbuf_printf(s, " reason=%s", ofp_pin_reasons[pi->reason]);
	else
		ofpbuf_printf(s, " reason=%u", pi->reason);
	ofpbuf_printf(s, " table=%u cookie=0x%llx match=", pi->table_id,
		      (unsigned long long)pi->cookie);
	ofp_format_match(s, &pi->match);
	if (pi->n_unknown)
		ofpbuf_printf(s, " (+%u unknown fields)", pi->n_unknown);
	ofp_format_data(s, &pi->data);
}

static int ofp_packet_out_port_ok(uint32_t port)
{
	return (port && port <= OFPP_MAX) || port == OFPP_CONTROLLER || port == OFPP_LOCAL ||
	       port == OFPP_ANY;
}

enum ofperr ofp_decode_packet_out(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_packet_out));
	struct ofp_packet_out *po = &msg->u.packet_out;
	uint16_t alen;
	enum ofperr e;

	po->buffer_id = OFP_GET32(w, ofp13_packet_out, buffer_id);
	po->in_port = OFP_GET32(w, ofp13_packet_out, in_port);
	alen = OFP_GET16(w, ofp13_packet_out, actions_len);
	if (!ofp_packet_out_port_ok(po->in_port))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_PORT, "packet_out in_port 0x%x", po->in_port);
	if (alen > c->left)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "packet_out actions_len %u exceeds the %zu bytes left",
				alen, c->left);
	e = ofp_actions_pull(c, alen, &po->actions, eb);
	if (e)
		return e;
	po->data.len = c->left;
	po->data.data = ofp_cur_pull(c, c->left);
	if (po->buffer_id != OFP_NO_BUFFER && po->data.len)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
				"packet_out with buffer 0x%x also carries %zu data bytes",
				po->buffer_id, po->data.len);
	return OFPERR_OK;
}

int ofp_encode_packet_out(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_packet_out *po = &msg->u.packet_out;
	size_t start = b->len, alen;
	int rc;

	if (!ofp_packet_out_port_ok(po->in_port))
		return ofp_einval(eb, "packet_out in_port 0x%x", po->in_port);
	if (po->buffer_id != OFP_NO_BUFFER && po->data.len)
		return ofp_einval(eb, "packet_out with a buffer and data");
	ofpbuf_put_be32(b, po->buffer_id);
	ofpbuf_put_be32(b, po->in_port);
	ofpbuf_put_be16(b, 0);
	ofpbuf_put_zeros(b, 6);
	rc = ofp_actions_put(b, &po->actions, eb);
	if (rc)
		return rc;
	alen = b->len - start - 16;
	if (alen > 0xffff)
		return ofp_einval(eb, "packet_out actions too long");
	ofpbuf_set_be16(b, start + 8, (uint16_t)alen);
	if (po->data.len)
		ofpbuf_put(b, po->data.data, po->data.len);
	return 0;
}

void ofp_format_packet_out(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_packet_out *po = &msg->u.packet_out;

	ofp_format_buffer(s, po->buffer_id);
	ofpbuf_printf(s, " in_port=");
	ofp_format_port(s, po->in_port);
	ofpbuf_printf(s, " actions=");
	if (po->actions.n)
		ofp_format_actions(s, &po->actions);
	else
		ofpbuf_printf(s, "drop");
	ofp_format_data(s, &po->data);
}
