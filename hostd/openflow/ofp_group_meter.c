/* hostd/openflow/ofp_group_meter.c: GROUP_MOD (with its buckets, shared
 * with the MULTIPART GROUP_DESC reply) and METER_MOD (with its bands).
 * Actions inside buckets come from ofp_actions.c. */
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

#define OFPG_MAX 0xffffff00u
#define OFPM_MAX 0xffff0000u

static const char *const ofp_gc_names[] = { "ADD", "MODIFY", "DELETE" };
static const char *const ofp_gt_names[] = { "all", "select", "indirect", "ff" };

const char *ofp_group_type_name(uint8_t type)
{
	return type < 4 ? ofp_gt_names[type] : "?";
}

struct ofp_bucket *ofp_buckets_add(struct ofp_buckets *bl)
{
	struct ofp_bucket *bk = ofp_array_add((void **)&bl->b, &bl->n, &bl->cap, sizeof(*bk));
	if (bk) {
		bk->watch_port = OFPP_ANY;
		bk->watch_group = OFPG_ANY;
	}
	return bk;
}

void ofp_buckets_uninit(struct ofp_buckets *bl)
{
	size_t i;
	if (!bl)
		return;
	for (i = 0; i < bl->n; i++)
		ofp_actions_uninit(&bl->b[i].actions);
	free(bl->b);
	bl->b = NULL;
	bl->n = bl->cap = 0;
}

enum ofperr ofp_buckets_pull(struct ofp_cur *c, struct ofp_buckets *bl, struct ofp_errbuf *eb)
{
	while (c->left) {
		const uint8_t *w = ofp_cur_peek(c, sizeof(struct ofp13_bucket));
		struct ofp_bucket *bk;
		struct ofp_cur bc;
		uint16_t len;
		enum ofperr e;

		if (!w)
			return ofp_fail(eb, OFPERR_OFPGMFC_BAD_BUCKET, "bucket truncated (%zu bytes left)",
					c->left);
		len = OFP_GET16(w, ofp13_bucket, len);
		if (len < sizeof(struct ofp13_bucket) || len % 8 || ofp_cur_sub(c, len, &bc))
			return ofp_fail(eb, OFPERR_OFPGMFC_BAD_BUCKET,
					"bucket length %u invalid with %zu bytes left", len, c->left);
		bk = ofp_buckets_add(bl);
		if (!bk)
			return ofp_fail(eb, OFPERR_OFPGMFC_OUT_OF_BUCKETS, "out of memory");
		bk->weight = OFP_GET16(w, ofp13_bucket, weight);
		bk->watch_port = OFP_GET32(w, ofp13_bucket, watch_port);
		bk->watch_group = OFP_GET32(w, ofp13_bucket, watch_group);
		ofp_cur_pull(&bc, sizeof(struct ofp13_bucket));
		e = ofp_actions_pull(&bc, bc.left, &bk->actions, eb);
		if (e)
			return e;
	}
	return OFPERR_OK;
}

int ofp_buckets_put(struct ofpbuf *b, const struct ofp_buckets *bl, struct ofp_errbuf *eb)
{
	size_t i;
	for (i = 0; i < bl->n; i++) {
		const struct ofp_bucket *bk = &bl->b[i];
		size_t start = b->len;
		int rc;

		ofpbuf_put_be16(b, 0);
		ofpbuf_put_be16(b, bk->weight);
		ofpbuf_put_be32(b, bk->watch_port);
		ofpbuf_put_be32(b, bk->watch_group);
		ofpbuf_put_zeros(b, 4);
		rc = ofp_actions_put(b, &bk->actions, eb);
		if (rc)
			return rc;
		if (b->len - start > 0xffff)
			return ofp_einval(eb, "bucket too long");
		ofpbuf_set_be16(b, start, (uint16_t)(b->len - start));
	}
	return 0;
}

void ofp_format_buckets(struct ofpbuf *s, const struct ofp_buckets *bl)
{
	size_t i;
	for (i = 0; i < bl->n; i++) {
		const struct ofp_bucket *bk = &bl->b[i];
		ofpbuf_printf(s, " bucket=");
		if (bk->weight)
			ofpbuf_printf(s, "weight:%u,", bk->weight);
		if (bk->watch_port != OFPP_ANY) {
			ofpbuf_printf(s, "watch_port:");
			ofp_format_port(s, bk->watch_port);
			ofpbuf_printf(s, ",");
		}
		if (bk->watch_group != OFPG_ANY)
			ofpbuf_printf(s, "watch_group:%u,", bk->watch_group);
		ofpbuf_printf(s, "actions=");
		if (bk->actions.n)
			ofp_format_actions(s, &bk->actions);
		else
			ofpbuf_printf(s, "drop");
	}
}

/* ---- GROUP_MOD ----------------------------------------------------------- */

static int ofp_group_id_ok(uint16_t command, uint32_t id)
{
	return id <= OFPG_MAX || (command == OFPGC_DELETE && id == OFPG_ALL);
}

enum ofperr ofp_decode_group_mod(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_group_mod));
	struct ofp_group_mod *gm = &msg->u.group_mod;

	gm->command = OFP_GET16(w, ofp13_group_mod, command);
	gm->type = OFP_GET8(w, ofp13_group_mod, type);
	gm->group_id = OFP_GET32(w, ofp13_group_mod, group_id);
	if (gm->command > OFPGC_DELETE)
		return ofp_fail(eb, OFPERR_OFPGMFC_BAD_COMMAND, "group_mod command %u", gm->command);
	if (gm->type > OFPGT_FF)
		return ofp_fail(eb, OFPERR_OFPGMFC_BAD_TYPE, "group type %u", gm->type);
	if (!ofp_group_id_ok(gm->command, gm->group_id))
		return ofp_fail(eb, OFPERR_OFPGMFC_INVALID_GROUP, "group id 0x%x", gm->group_id);
	return ofp_buckets_pull(c, &gm->buckets, eb);
}

int ofp_encode_group_mod(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_group_mod *gm = &msg->u.group_mod;

	if (gm->command > OFPGC_DELETE || gm->type > OFPGT_FF ||
	    !ofp_group_id_ok(gm->command, gm->group_id))
		return ofp_einval(eb, "group_mod command %u type %u group 0x%x", gm->command, gm->type,
				  gm->group_id);
	ofpbuf_put_be16(b, gm->command);
	ofpbuf_put_u8(b, gm->type);
	ofpbuf_put_zeros(b, 1);
	ofpbuf_put_be32(b, gm->group_id);
	return ofp_buckets_put(b, &gm->buckets, eb);
}

void ofp_format_group_mod(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_group_mod *gm = &msg->u.group_mod;

	ofpbuf_printf(s, " %s type=%s group=", ofp_gc_names[gm->command % 3],
		      ofp_group_type_name(gm->type));
	if (gm->group_id == OFPG_ALL)
		ofpbuf_printf(s, "all");
	else
		ofpbuf_printf(s, "%u", gm->group_id);
	ofp_format_buckets(s, &gm->buckets);
}

/* ---- METER_MOD ----------------------------------------------------------- */

static const char *const ofp_mc_names[] = { "ADD", "MODIFY", "DELETE" };

static int ofp_meter_id_ok(uint16_t command, uint32_t id)
{
	return (id && id <= OFPM_MAX) || id == 0xfffffffdu || id == 0xfffffffeu ||
	       (command == OFPMC_DELETE && id == OFPM_ALL);
}

enum ofperr ofp_decode_meter_mod(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_meter_mod));
	struct ofp_meter_mod *mm = &msg->u.meter_mod;

	mm->command = OFP_GET16(w, ofp13_meter_mod, command);
	mm->flags = OFP_GET16(w, ofp13_meter_mod, flags);
	mm->meter_id = OFP_GET32(w, ofp13_meter_mod, meter_id);
	if (mm->command > OFPMC_DELETE)
		return ofp_fail(eb, OFPERR_OFPMMFC_BAD_COMMAND, "meter_mod command %u", mm->command);
	if (mm->flags & ~OFPMF_ALL)
		return ofp_fail(eb, OFPERR_OFPMMFC_BAD_FLAGS, "meter flags 0x%x has unknown bits",
				mm->flags);
	if (!ofp_meter_id_ok(mm->command, mm->meter_id))
		return ofp_fail(eb, OFPERR_OFPMMFC_INVALID_METER, "meter id 0x%x", mm->meter_id);
	while (c->left) {
		const uint8_t *bw = ofp_cur_peek(c, 4);
		struct ofp_band *band;
		uint16_t type, len;

		if (!bw)
			return ofp_fail(eb, OFPERR_OFPMMFC_BAD_BAND, "meter band header truncated");
		type = ofp_get_be16(bw);
		len = ofp_get_be16(bw + 2);
		if (type != OFPMBT_DROP && type != OFPMBT_DSCP_REMARK)
			return ofp_fail(eb, OFPERR_OFPMMFC_BAD_BAND, "meter band type %u", type);
		if (len != sizeof(struct ofp13_meter_band) || !ofp_cur_pull(c, len))
			return ofp_fail(eb, OFPERR_OFPMMFC_BAD_BAND,
					"meter band length %u (expected 16, %zu bytes left)", len, c->left);
		if (mm->n_bands == OFP_MAX_BANDS)
			return ofp_fail(eb, OFPERR_OFPMMFC_OUT_OF_BANDS, "more than %d bands",
					OFP_MAX_BANDS);
		band = &mm->bands[mm->n_bands++];
		band->type = type;
		band->rate = OFP_GET32(bw, ofp13_meter_band, rate);
		band->burst_size = OFP_GET32(bw, ofp13_meter_band, burst_size);
		band->prec_level = type == OFPMBT_DSCP_REMARK ? OFP_GET8(bw, ofp13_meter_band, prec_level) : 0;
		if (!band->rate)
			return ofp_fail(eb, OFPERR_OFPMMFC_BAD_RATE, "meter band with rate 0");
	}
	return OFPERR_OK;
}

int ofp_encode_meter_mod(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_meter_mod *mm = &msg->u.meter_mod;
	size_t i;

	if (mm->command > OFPMC_DELETE || (mm->flags & ~OFPMF_ALL) ||
	    !ofp_meter_id_ok(mm->command, mm->meter_id) || mm->n_bands > OFP_MAX_BANDS)
		return ofp_einval(eb, "meter_mod command %u flags 0x%x meter 0x%x bands %zu",
				  mm->command, mm->flags, mm->meter_id, mm->n_bands);
	ofpbuf_put_be16(b, mm->command);
	ofpbuf_put_be16(b, mm->flags);
	ofpbuf_put_be32(b, mm->meter_id);
	for (i = 0; i < mm->n_bands; i++) {
		const struct ofp_band *band = &mm->bands[i];
		if ((band->type != OFPMBT_DROP && band->type != OFPMBT_DSCP_REMARK) || !band->rate)
			return ofp_einval(eb, "meter band type %u rate %u", band->type, band->rate);
		ofpbuf_put_be16(b, band->type);
		ofpbuf_put_be16(b, 16);
		ofpbuf_put_be32(b, band->rate);
		ofpbuf_put_be32(b, band->burst_size);
		ofpbuf_put_u8(b, band->type == OFPMBT_DSCP_REMARK ? band->prec_level : 0);
		ofpbuf_put_zeros(b, 3);
	}
	return 0;
}

void ofp_format_meter_mod(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_meter_mod *mm = &msg->u.meter_mod;
	static const char *const fl[] = { "kbps", "pktps", "burst", "stats" };
	const char *sep = "";
	size_t i;

	ofpbuf_printf(s, " %s meter=", ofp_mc_names[mm->command % 3]);
	if (mm->meter_id == OFPM_ALL)
		ofpbuf_printf(s, "all");
	else
		ofpbuf_printf(s, "%u", mm->meter_id);
	ofpbuf_printf(s, " flags=");
	for (i = 0; i < 4; i++)
		if (mm->flags & (1u << i))
			ofpbuf_printf(s, "%s%s", sep, fl[i]), sep = "|";
	if (!mm->flags)
		ofpbuf_printf(s, "none");
	for (i = 0; i < mm->n_bands; i++) {
		const struct ofp_band *band = &mm->bands[i];
		if (band->type == OFPMBT_DROP)
			ofpbuf_printf(s, " band=drop:rate=%u,burst=%u", band->rate, band->burst_size);
		else
			ofpbuf_printf(s, " band=dscp_remark:rate=%u,burst=%u,prec_level=%u", band->rate,
				      band->burst_size, band->prec_level);
	}
}
