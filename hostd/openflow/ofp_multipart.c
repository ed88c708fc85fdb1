/* hostd/openflow/ofp_multipart.c: MULTIPART_REQUEST / MULTIPART_REPLY for
 * the statistics hostd uses: desc, flow, aggregate, table, port stats,
 * port desc, group desc and meter. Flow entries come from ofp_flow.c,
 * ports from ofp_switch.c, group buckets from ofp_group_meter.c. Reply
 * lists are heap arrays owned by the message (ofp_mp_uninit). */
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

static const char *ofp_mp_name(uint16_t t)
{
	switch (t) {
	case OFPMP_DESC: return "desc";
	case OFPMP_FLOW: return "flow";
	case OFPMP_AGGREGATE: return "aggregate";
	case OFPMP_TABLE: return "table";
	case OFPMP_PORT_STATS: return "port_stats";
	case OFPMP_GROUP_DESC: return "group_desc";
	case OFPMP_METER: return "meter";
	case OFPMP_PORT_DESC: return "port_desc";
	}
	return NULL;
}

size_t ofp_mp_item_size(enum ofp_msg_type kind, uint16_t mp_type)
{
	if (kind != OFPMSG_MULTIPART_REPLY)
		return 0;
	switch (mp_type) {
	case OFPMP_FLOW: return sizeof(struct ofp_flow_stats);
	case OFPMP_TABLE: return sizeof(struct ofp_table_stats);
	case OFPMP_PORT_STATS: return sizeof(struct ofp_port_stats);
	case OFPMP_PORT_DESC: return sizeof(struct ofp_port_desc);
	case OFPMP_GROUP_DESC: return sizeof(struct ofp_group_desc);
	case OFPMP_METER: return sizeof(struct ofp_meter_stats);
	}
	return 0;
}

void *ofp_mp_add(struct ofp_msg *msg)
{
	struct ofp_multipart *mp = &msg->u.mp;
	size_t size = ofp_mp_item_size(msg->type, mp->mp_type);
	void *p;

	if (!size)
		return NULL;
	p = ofp_array_add(&mp->u.list.items, &mp->u.list.n, &mp->u.list.cap, size);
	if (p && mp->mp_type == OFPMP_FLOW)
		ofp_instructions_init(&((struct ofp_flow_stats *)p)->insts);
	return p;
}

void ofp_mp_uninit(struct ofp_msg *msg)
{
	struct ofp_multipart *mp = &msg->u.mp;
	size_t i;

	if (msg->type != OFPMSG_MULTIPART_REPLY)
		return;
	if (mp->mp_type == OFPMP_DESC) {
		free(mp->u.desc);
		mp->u.desc = NULL;
		return;
	}
	if (!ofp_mp_item_size(msg->type, mp->mp_type))
		return;
	for (i = 0; i < mp->u.list.n; i++) {
		if (mp->mp_type == OFPMP_FLOW)
			ofp_instructions_uninit(&((struct ofp_flow_stats *)mp->u.list.items)[i].insts);
		else if (mp->mp_type == OFPMP_GROUP_DESC)
			ofp_buckets_uninit(&((struct ofp_group_desc *)mp->u.list.items)[i].buckets);
	}
	free(mp->u.list.items);
	mp->u.list.items = NULL;
	mp->u.list.n = mp->u.list.cap = 0;
}

static enum ofperr ofp_mp_header(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_multipart_request));

	msg->u.mp.mp_type = OFP_GET16(w, ofp13_multipart_request, type);
	msg->u.mp.flags = OFP_GET16(w, ofp13_multipart_request, flags);
	if (!ofp_mp_name(msg->u.mp.mp_type))
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_MULTIPART, "multipart type %u is not supported",
				msg->u.mp.mp_type);
	return OFPERR_OK;
}

/* ---- requests -------------------------------------------------------------- */

enum ofperr ofp_decode_mp_request(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	struct ofp_multipart *mp = &msg->u.mp;
	enum ofperr e = ofp_mp_header(c, msg, eb);
	const uint8_t *w;

	if (e)
		return e;
	switch (mp->mp_type) {
	case OFPMP_FLOW:
	case OFPMP_AGGREGATE:
		w = ofp_cur_pull(c, offsetof(struct ofp13_flow_stats_request, match));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "flow stats request body truncated");
		mp->u.flow_req.table_id = OFP_GET8(w, ofp13_flow_stats_request, table_id);
		mp->u.flow_req.out_port = OFP_GET32(w, ofp13_flow_stats_request, out_port);
		mp->u.flow_req.out_group = OFP_GET32(w, ofp13_flow_stats_request, out_group);
		mp->u.flow_req.cookie = OFP_GET64(w, ofp13_flow_stats_request, cookie);
		mp->u.flow_req.cookie_mask = OFP_GET64(w, ofp13_flow_stats_request, cookie_mask);
		return ofp_match_pull(c, &mp->u.flow_req.match, eb);
	case OFPMP_PORT_STATS:
	case OFPMP_METER:
		w = ofp_cur_pull(c, 8);
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "%s request body truncated",
					ofp_mp_name(mp->mp_type));
		if (mp->mp_type == OFPMP_PORT_STATS)
			mp->u.port_no = ofp_get_be32(w);
		else
			mp->u.meter_id = ofp_get_be32(w);
		return OFPERR_OK;
	default:
		return OFPERR_OK; /* empty body; trailing bytes rejected by the caller */
	}
}

int ofp_encode_mp_request(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_multipart *mp = &msg->u.mp;

	if (!ofp_mp_name(mp->mp_type))
		return ofp_einval(eb, "multipart type %u", mp->mp_type);
	ofpbuf_put_be16(b, mp->mp_type);
	ofpbuf_put_be16(b, mp->flags);
	ofpbuf_put_zeros(b, 4);
	switch (mp->mp_type) {
	case OFPMP_FLOW:
	case OFPMP_AGGREGATE:
		ofpbuf_put_u8(b, mp->u.flow_req.table_id);
		ofpbuf_put_zeros(b, 3);
		ofpbuf_put_be32(b, mp->u.flow_req.out_port);
		ofpbuf_put_be32(b, mp->u.flow_req.out_group);
		ofpbuf_put_zeros(b, 4);
		ofpbuf_put_be64(b, mp->u.flow_req.cookie);
		ofpbuf_put_be64(b, mp->u.flow_req.cookie_mask);
		return ofp_match_put(b, &mp->u.flow_req.match, eb);
	case OFPMP_PORT_STATS:
		ofpbuf_put_be32(b, mp->u.port_no);
		ofpbuf_put_zeros(b, 4);
		return 0;
	case OFPMP_METER:
		ofpbuf_put_be32(b, mp->u.meter_id);
		ofpbuf_put_zeros(b, 4);
		return 0;
	default:
		return 0;
	}
}

void ofp_format_mp_request(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_multipart *mp = &msg->u.mp;
	const struct ofp_flow_stats_request *fr = &mp->u.flow_req;

	ofpbuf_printf(s, " type=%s flags=0x%x", ofp_mp_name(mp->mp_type), mp->flags);
	switch (mp->mp_type) {
	case OFPMP_FLOW:
	case OFPMP_AGGREGATE:
		ofpbuf_printf(s, " table=");
		if (fr->table_id == OFPTT_ALL)
			ofpbuf_printf(s, "all");
		else
			ofpbuf_printf(s, "%u", fr->table_id);
		ofpbuf_printf(s, " out_port=");
		ofp_format_port(s, fr->out_port);
		if (fr->out_group == OFPG_ANY)
			ofpbuf_printf(s, " out_group=ANY");
		else
			ofpbuf_printf(s, " out_group=%u", fr->out_group);
		ofpbuf_printf(s, " cookie=0x%llx/0x%llx match=", (unsigned long long)fr->cookie,
			      (unsigned long long)fr->cookie_mask);
		ofp_format_match(s, &fr->match);
		break;
	case OFPMP_PORT_STATS:
		ofpbuf_printf(s, " port=");
		ofp_format_port(s, mp->u.port_no);
		break;
	case OFPMP_METER:
		if (mp->u.meter_id == OFPM_ALL)
			ofpbuf_printf(s, " meter=all");
		else
			ofpbuf_printf(s, " meter=%u", mp->u.meter_id);
		break;
	default:
		break;
	}
}

/* ---- replies --------------------------------------------------------------- */

static void ofp_copy_str(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = 0;
}

static enum ofperr ofp_mp_reply_item(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	uint16_t t = msg->u.mp.mp_type;
	void *item = ofp_mp_add(msg);
	const uint8_t *w;

	if (!item)
		return ofp_fail(eb, OFPERR_OFPBRC_MULTIPART_BUFFER_OVERFLOW, "out of memory");
	switch (t) {
	case OFPMP_FLOW:
		return ofp_flow_stats_pull(c, item, eb);
	case OFPMP_TABLE: {
		struct ofp_table_stats *ts = item;
		w = ofp_cur_pull(c, sizeof(struct ofp13_table_stats));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "table stats entry truncated (%zu bytes left)",
					c->left);
		ts->table_id = OFP_GET8(w, ofp13_table_stats, table_id);
		ts->active_count = OFP_GET32(w, ofp13_table_stats, active_count);
		ts->lookup_count = OFP_GET64(w, ofp13_table_stats, lookup_count);
		ts->matched_count = OFP_GET64(w, ofp13_table_stats, matched_count);
		return OFPERR_OK;
	}
	case OFPMP_PORT_STATS: {
		struct ofp_port_stats *ps = item;
		unsigned i;
		w = ofp_cur_pull(c, sizeof(struct ofp13_port_stats));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "port stats entry truncated (%zu bytes left)",
					c->left);
		ps->port_no = OFP_GET32(w, ofp13_port_stats, port_no);
		for (i = 0; i < 12; i++)
			ps->c[i] = ofp_get_be64(w + offsetof(struct ofp13_port_stats, rx_packets) + 8 * i);
		ps->duration_sec = OFP_GET32(w, ofp13_port_stats, duration_sec);
		ps->duration_nsec = OFP_GET32(w, ofp13_port_stats, duration_nsec);
		return OFPERR_OK;
	}
	case OFPMP_PORT_DESC:
		w = ofp_cur_pull(c, sizeof(struct ofp13_port));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "port desc entry truncated (%zu bytes left)",
					c->left);
		ofp_port_desc_from_wire(item, (const void *)w);
		return OFPERR_OK;
	case OFPMP_GROUP_DESC: {
		struct ofp_group_desc *gd = item;
		struct ofp_cur gc;
		uint16_t len;
		w = ofp_cur_peek(c, sizeof(struct ofp13_group_desc));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "group desc entry truncated (%zu bytes left)",
					c->left);
		len = OFP_GET16(w, ofp13_group_desc, length);
		if (len < sizeof(struct ofp13_group_desc) || len % 8 || ofp_cur_sub(c, len, &gc))
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
					"group desc length %u invalid with %zu bytes left", len, c->left);
		gd->type = OFP_GET8(w, ofp13_group_desc, type);
		gd->group_id = OFP_GET32(w, ofp13_group_desc, group_id);
		ofp_cur_pull(&gc, sizeof(struct ofp13_group_desc));
		return ofp_buckets_pull(&gc, &gd->buckets, eb);
	}
	case OFPMP_METER: {
		struct ofp_meter_stats *ms = item;
		uint16_t len;
		size_t i;
		w = ofp_cur_peek(c, sizeof(struct ofp13_meter_stats));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "meter stats entry truncated (%zu bytes left)",
					c->left);
		len = OFP_GET16(w, ofp13_meter_stats, len);
		if (len < sizeof(struct ofp13_meter_stats) || (len - 40) % 16 || len > c->left)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN,
					"meter stats length %u invalid with %zu bytes left", len, c->left);
		ms->n_bands = (len - 40u) / 16;
		if (ms->n_bands > OFP_MAX_BANDS)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "meter stats with %zu bands (max %d)",
					ms->n_bands, OFP_MAX_BANDS);
		ofp_cur_pull(c, len);
		ms->meter_id = OFP_GET32(w, ofp13_meter_stats, meter_id);
		ms->flow_count = OFP_GET32(w, ofp13_meter_stats, flow_count);
		ms->packet_in_count = OFP_GET64(w, ofp13_meter_stats, packet_in_count);
		ms->byte_in_count = OFP_GET64(w, ofp13_meter_stats, byte_in_count);
		ms->duration_sec = OFP_GET32(w, ofp13_meter_stats, duration_sec);
		ms->duration_nsec = OFP_GET32(w, ofp13_meter_stats, duration_nsec);
		for (i = 0; i < ms->n_bands; i++) {
			ms->band_packets[i] = ofp_get_be64(w + 40 + 16 * i);
			ms->band_bytes[i] = ofp_get_be64(w + 48 + 16 * i);
		}
		return OFPERR_OK;
	}
	}
	return ofp_fail(eb, OFPERR_OFPBRC_BAD_MULTIPART, "multipart type %u", t);
}

enum ofperr ofp_decode_mp_reply(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	struct ofp_multipart *mp = &msg->u.mp;
	enum ofperr e = ofp_mp_header(c, msg, eb);
	const uint8_t *w;

	if (e)
		return e;
	switch (mp->mp_type) {
	case OFPMP_DESC:
		w = ofp_cur_pull(c, sizeof(struct ofp13_desc));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "desc reply body of %zu bytes, expected 1056",
					c->left);
		mp->u.desc = calloc(1, sizeof(*mp->u.desc));
		if (!mp->u.desc)
			return ofp_fail(eb, OFPERR_OFPBRC_MULTIPART_BUFFER_OVERFLOW, "out of memory");
		ofp_copy_str(mp->u.desc->mfr, w + offsetof(struct ofp13_desc, mfr_desc), DESC_STR_LEN);
		ofp_copy_str(mp->u.desc->hw, w + offsetof(struct ofp13_desc, hw_desc), DESC_STR_LEN);
		ofp_copy_str(mp->u.desc->sw, w + offsetof(struct ofp13_desc, sw_desc), DESC_STR_LEN);
		ofp_copy_str(mp->u.desc->serial, w + offsetof(struct ofp13_desc, serial_num),
			     SERIAL_NUM_LEN);
		ofp_copy_str(mp->u.desc->dp, w + offsetof(struct ofp13_desc, dp_desc), DESC_STR_LEN);
		return OFPERR_OK;
	case OFPMP_AGGREGATE:
		w = ofp_cur_pull(c, sizeof(struct ofp13_aggregate_stats_reply));
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBRC_BAD_LEN, "aggregate reply body of %zu bytes, expected 24",
					c->left);
		mp->u.aggregate.packet_count = OFP_GET64(w, ofp13_aggregate_stats_reply, packet_count);
		mp->u.aggregate.byte_count = OFP_GET64(w, ofp13_aggregate_stats_reply, byte_count);
		mp->u.aggregate.flow_count = OFP_GET32(w, ofp13_aggregate_stats_reply, flow_count);
		return OFPERR_OK;
	default:
		while (c->left) {
			e = ofp_mp_reply_item(c, msg, eb);
			if (e)
				return e;
		}
		return OFPERR_OK;
	}
}

static void ofp_put_str(struct ofpbuf *b, const char *s, size_t n)
{
	size_t l = strnlen(s, n);
	ofpbuf_put(b, s, l);
	ofpbuf_put_zeros(b, n - l);
}

int ofp_encode_mp_reply(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_multipart *mp = &msg->u.mp;
	size_t i, n = mp->u.list.n;
	int rc;

	if (!ofp_mp_name(mp->mp_type))
		return ofp_einval(eb, "multipart type %u", mp->mp_type);
	ofpbuf_put_be16(b, mp->mp_type);
	ofpbuf_put_be16(b, mp->flags);
	ofpbuf_put_zeros(b, 4);
	switch (mp->mp_type) {
	case OFPMP_DESC:
		if (!mp->u.desc)
			return ofp_einval(eb, "desc reply without its strings");
		ofp_put_str(b, mp->u.desc->mfr, DESC_STR_LEN);
		ofp_put_str(b, mp->u.desc->hw, DESC_STR_LEN);
		ofp_put_str(b, mp->u.desc->sw, DESC_STR_LEN);
		ofp_put_str(b, mp->u.desc->serial, SERIAL_NUM_LEN);
		ofp_put_str(b, mp->u.desc->dp, DESC_STR_LEN);
		return 0;
	case OFPMP_AGGREGATE:
		ofpbuf_put_be64(b, mp->u.aggregate.packet_count);
		ofpbuf_put_be64(b, mp->u.aggregate.byte_count);
		ofpbuf_put_be32(b, mp->u.aggregate.flow_count);
		ofpbuf_put_zeros(b, 4);
		return 0;
	case OFPMP_FLOW:
		for (i = 0; i < n; i++) {
			rc = ofp_flow_stats_put(b, &((const struct ofp_flow_stats *)mp->u.list.items)[i], eb);
			if (rc)
				return rc;
		}
		return 0;
	case OFPMP_TABLE:
		for (i = 0; i < n; i++) {
			const struct ofp_table_stats *ts = &((const struct ofp_table_stats *)mp->u.list.items)[i];
			ofpbuf_put_u8(b, ts->table_id);
			ofpbuf_put_zeros(b, 3);
			ofpbuf_put_be32(b, ts->active_count);
			ofpbuf_put_be64(b, ts->lookup_count);
			ofpbuf_put_be64(b, ts->matched_count);
		}
		return 0;
	case OFPMP_PORT_STATS:
		for (i = 0; i < n; i++) {
			const struct ofp_port_stats *ps = &((const struct ofp_port_stats *)mp->u.list.items)[i];
			unsigned k;
			ofpbuf_put_be32(b, ps->port_no);
			ofpbuf_put_zeros(b, 4);
			for (k = 0; k < 12; k++)
				ofpbuf_put_be64(b, ps->c[k]);
			ofpbuf_put_be32(b, ps->duration_sec);
			ofpbuf_put_be32(b, ps->duration_nsec);
		}
		return 0;
	case OFPMP_PORT_DESC:
		for (i = 0; i < n; i++)
			ofp_port_desc_put(b, &((const struct ofp_port_desc *)mp->u.list.items)[i]);
		return 0;
	case OFPMP_GROUP_DESC:
		for (i = 0; i < n; i++) {
			const struct ofp_group_desc *gd = &((const struct ofp_group_desc *)mp->u.list.items)[i];
			size_t start = b->len;
			ofpbuf_put_be16(b, 0);
			ofpbuf_put_u8(b, gd->type);
			ofpbuf_put_zeros(b, 1);
			ofpbuf_put_be32(b, gd->group_id);
			rc = ofp_buckets_put(b, &gd->buckets, eb);
			if (rc)
				return rc;
			if (b->len - start > 0xffff)
				return ofp_einval(eb, "group desc too long");
			ofpbuf_set_be16(b, start, (uint16_t)(b->len - start));
		}
		return 0;
	case OFPMP_METER:
		for (i = 0; i < n; i++) {
			const struct ofp_meter_stats *ms = &((const struct ofp_meter_stats *)mp->u.list.items)[i];
			size_t k;
			if (ms->n_bands > OFP_MAX_BANDS)
				return ofp_einval(eb, "meter stats with %zu bands", ms->n_bands);
			ofpbuf_put_be32(b, ms->meter_id);
			ofpbuf_put_be16(b, (uint16_t)(40 + 16 * ms->n_bands));
			ofpbuf_put_zeros(b, 6);
			ofpbuf_put_be32(b, ms->flow_count);
			ofpbuf_put_be64(b, ms->packet_in_count);
			ofpbuf_put_be64(b, ms->byte_in_count);
			ofpbuf_put_be32(b, ms->duration_sec);
			ofpbuf_put_be32(b, ms->duration_nsec);
			for (k = 0; k < ms->n_bands; k++) {
				ofpbuf_put_be64(b, ms->band_packets[k]);
				ofpbuf_put_be64(b, ms->band_bytes[k]);
			}
		}
		return 0;
	}
	return ofp_einval(eb, "multipart type %u", mp->mp_type);
}

static void ofp_format_str(struct ofpbuf *s, const char *key, const char *v)
{
	ofpbuf_printf(s, " %s=\"", key);
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			ofpbuf_printf(s, "%c", ch);
		else
			ofpbuf_printf(s, "\\x%02x", ch);
	}
	ofpbuf_printf(s, "\"");
}

void ofp_format_mp_reply(struct ofpbuf *s, const struct ofp_msg *msg)
{
	static const char *const pnames[12] = {
		"rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_dropped", "tx_dropped",
		"rx_errors", "tx_errors", "rx_frame_err", "rx_over_err", "rx_crc_err", "collisions",
	};
	const struct ofp_multipart *mp = &msg->u.mp;
	size_t i, k, n = mp->u.list.n;

	ofpbuf_printf(s, " type=%s flags=0x%x", ofp_mp_name(mp->mp_type), mp->flags);
	switch (mp->mp_type) {
	case OFPMP_DESC:
		if (!mp->u.desc)
			return;
		ofp_format_str(s, "mfr", mp->u.desc->mfr);
		ofp_format_str(s, "hw", mp->u.desc->hw);
		ofp_format_str(s, "sw", mp->u.desc->sw);
		ofp_format_str(s, "serial", mp->u.desc->serial);
		ofp_format_str(s, "dp", mp->u.desc->dp);
		return;
	case OFPMP_AGGREGATE:
		ofpbuf_printf(s, " packets=%llu bytes=%llu flows=%u",
			      (unsigned long long)mp->u.aggregate.packet_count,
			      (unsigned long long)mp->u.aggregate.byte_count, mp->u.aggregate.flow_count);
		return;
	default:
		break;
	}
	ofpbuf_printf(s, " n=%zu", n);
	for (i = 0; i < n; i++) {
		ofpbuf_printf(s, " ");
		switch (mp->mp_type) {
		case OFPMP_FLOW:
			ofp_format_flow_stats(s, &((const struct ofp_flow_stats *)mp->u.list.items)[i]);
			break;
		case OFPMP_TABLE: {
			const struct ofp_table_stats *ts = &((const struct ofp_table_stats *)mp->u.list.items)[i];
			ofpbuf_printf(s, "{table=%u active=%u lookup=%llu matched=%llu}", ts->table_id,
				      ts->active_count, (unsigned long long)ts->lookup_count,
				      (unsigned long long)ts->matched_count);
			break;
		}
		case OFPMP_PORT_STATS: {
			const struct ofp_port_stats *ps = &((const struct ofp_port_stats *)mp->u.list.items)[i];
			ofpbuf_printf(s, "{port=");
			ofp_format_port(s, ps->port_no);
			for (k = 0; k < 12; k++)
				ofpbuf_printf(s, " %s=%llu", pnames[k], (unsigned long long)ps->c[k]);
			ofpbuf_printf(s, " duration=%u.%09us}", ps->duration_sec, ps->duration_nsec);
			break;
		}
		case OFPMP_PORT_DESC:
			ofp_format_port_desc(s, &((const struct ofp_port_desc *)mp->u.list.items)[i]);
			break;
		case OFPMP_GROUP_DESC: {
			const struct ofp_group_desc *gd = &((const struct ofp_group_desc *)mp->u.list.items)[i];
			ofpbuf_printf(s, "{group=%u type=%s", gd->group_id, ofp_group_type_name(gd->type));
			ofp_format_buckets(s, &gd->buckets);
			ofpbuf_printf(s, "}");
			break;
		}
		case OFPMP_METER: {
			const struct ofp_meter_stats *ms = &((const struct ofp_meter_stats *)mp->u.list.items)[i];
			ofpbuf_printf(s, "{meter=%u flows=%u packets=%llu bytes=%llu duration=%u.%09us",
				      ms->meter_id, ms->flow_count, (unsigned long long)ms->packet_in_count,
				      (unsigned long long)ms->byte_in_count, ms->duration_sec,
				      ms->duration_nsec);
			for (k = 0; k < ms->n_bands && k < OFP_MAX_BANDS; k++)
				ofpbuf_printf(s, " band%zu=%llu/%llu", k,
					      (unsigned long long)ms->band_packets[k],
					      (unsigned long long)ms->band_bytes[k]);
			ofpbuf_printf(s, "}");
			break;
		}
		}
	}
}
