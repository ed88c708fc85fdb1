/* hostd/openflow/ofp_actions.c: OpenFlow 1.3 actions and instructions,
 * including the Nicira extension actions hostd's pipeline uses (reg_move,
 * reg_load, resubmit_table, ct with nested nat). Decode checks every
 * length and argument; encode emits the canonical wire form; format gives
 * the compact text used inside FLOW_MOD / PACKET_OUT / GROUP_MOD lines.
 * Field headers and values come from ofp_match.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

/* ---- lists ------------------------------------------------------------- */

void ofp_actions_init(struct ofp_actions *l)
{
	l->a = NULL;
	l->n = l->cap = 0;
}

void ofp_actions_uninit(struct ofp_actions *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		if (l->a[i].type == OFPACT_CT)
			ofp_actions_uninit(&l->a[i].u.ct.nested);
	free(l->a);
	ofp_actions_init(l);
}

struct ofp_action *ofp_actions_add(struct ofp_actions *l, enum ofp_action_type type)
{
	struct ofp_action *a = ofp_array_add((void **)&l->a, &l->n, &l->cap, sizeof(*a));
	if (a)
		a->type = type;
	return a;
}

int ofp_actions_clone(struct ofp_actions *dst, const struct ofp_actions *src)
{
	size_t i;
	ofp_actions_init(dst);
	for (i = 0; i < src->n; i++) {
		struct ofp_action *a = ofp_actions_add(dst, src->a[i].type);
		if (!a)
			goto fail_free_dst;
		*a = src->a[i];
		if (a->type == OFPACT_CT) {
			ofp_actions_init(&a->u.ct.nested);
			if (ofp_actions_clone(&a->u.ct.nested, &src->a[i].u.ct.nested))
				goto fail_free_dst;
		}
	}
	return 0;

fail_free_dst:
	ofp_actions_uninit(dst);
	return -ENOMEM;
}

void ofp_actions_output(struct ofp_actions *l, uint32_t port, uint16_t max_len)
{
	struct ofp_action *a = ofp_actions_add(l, OFPACT_OUTPUT);
	if (a) {
		a->u.output.port = port;
		a->u.output.max_len = max_len;
	}
}

void ofp_actions_set_field(struct ofp_actions *l, enum ofp_field f, uint64_t v)
{
	struct ofp_action *a = ofp_actions_add(l, OFPACT_SET_FIELD);
	if (a) {
		a->u.set_field.field = f;
		ofp_field_set_uint(f, a->u.set_field.value, v);
	}
}

void ofp_actions_set_field_bytes(struct ofp_actions *l, enum ofp_field f, const void *v)
{
	struct ofp_action *a = ofp_actions_add(l, OFPACT_SET_FIELD);
	if (a) {
		a->u.set_field.field = f;
		memcpy(a->u.set_field.value, v, ofp_fields[f].len);
	}
}

void ofp_instructions_init(struct ofp_instructions *in)
{
	memset(in, 0, sizeof(*in));
}

void ofp_instructions_uninit(struct ofp_instructions *in)
{
	if (!in)
		return;
	ofp_actions_uninit(&in->apply);
	ofp_actions_uninit(&in->write);
	in->present = 0;
}

/* ---- decode -------------------------------------------------------------- */

/* Where an action list sits: nested lists accept only some actions. */
enum ofp_act_ctx { OFP_CTX_TOP, OFP_CTX_CT };

static enum ofperr ofp_actions_pull_ctx(struct ofp_cur *c, size_t len, struct ofp_actions *l,
					enum ofp_act_ctx ctx, struct ofp_errbuf *eb);

static int ofp_port_ok_for_output(uint32_t port)
{
	if (port == 0)
		return 0;
	if (port <= OFPP_MAX)
		return 1;
	return port == OFPP_IN_PORT || port == OFPP_TABLE || port == OFPP_NORMAL ||
	       port == OFPP_FLOOD || port == OFPP_ALL || port == OFPP_CONTROLLER ||
	       port == OFPP_LOCAL;
}

static enum ofperr ofp_set_field_pull(struct ofp_cur *a, uint16_t alen, struct ofp_action *act,
				      struct ofp_errbuf *eb)
{
	uint8_t value[OFP_FIELD_MAX_LEN], mask[OFP_FIELD_MAX_LEN];
	size_t want;
	int f, hm;
	enum ofperr e;

	ofp_cur_pull(a, 4);
	e = ofp_oxm_pull(a, &f, value, mask, &hm, eb);
	switch (e) {
	case OFPERR_OK:
		break;
	case OFPERR_OFPBMC_BAD_FIELD:
		return OFPERR_OFPBAC_BAD_SET_TYPE;
	case OFPERR_OFPBMC_BAD_LEN:
		return OFPERR_OFPBAC_BAD_SET_LEN;
	default:
		return OFPERR_OFPBAC_BAD_SET_ARGUMENT;
	}
	if (hm)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_SET_ARGUMENT, "set_field of %s carries a mask",
				ofp_fields[f].name);
	want = (4 + 4 + ofp_fields[f].len + 7) / 8 * 8;
	if (alen != want)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_SET_LEN,
				"set_field of %s: action length %u, expected %zu", ofp_fields[f].name,
				alen, want);
	e = ofp_field_check_value((enum ofp_field)f, value, eb);
	if (e)
		return OFPERR_OFPBAC_BAD_SET_ARGUMENT;
	ofp_pull_pad(a, a->left);
	act->u.set_field.field = (enum ofp_field)f;
	memcpy(act->u.set_field.value, value, OFP_FIELD_MAX_LEN);
	return OFPERR_OK;
}

/* Field of an NXM/OXM header in move/load, with the bit range checked. */
static enum ofperr ofp_nx_field(uint32_t header, unsigned ofs, unsigned n_bits, const char *what,
				enum ofp_field *out, struct ofp_errbuf *eb)
{
	int f = ofp_field_from_header(header);
	unsigned width;

	if (f < 0 || OXM_HASMASK(header))
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "%s: unknown field header 0x%08x", what,
				header);
	width = ofp_fields[f].len * 8u;
	if (n_bits == 0)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "%s: zero-width bit range of %s", what,
				ofp_fields[f].name);
	if (ofs + n_bits > width)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "%s: bits %u..%u outside %s (%u bits)",
				what, ofs, ofs + n_bits - 1, ofp_fields[f].name, width);
	*out = (enum ofp_field)f;
	return OFPERR_OK;
}

static enum ofperr ofp_nat_pull(struct ofp_cur *a, uint16_t alen, struct ofp_nat *nat,
				struct ofp_errbuf *eb)
{
	const struct nx_action_nat *w = ofp_cur_pull(a, sizeof(*w));
	size_t need = sizeof(*w);
	uint16_t rp;

	if (!w)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "nat action shorter than 16 bytes");
	nat->flags = OFP_GET16(w, nx_action_nat, flags);
	rp = nat->range_present = OFP_GET16(w, nx_action_nat, range_present);
	if (nat->flags & ~0x1fu)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "nat: unknown flags 0x%x", nat->flags);
	if ((nat->flags & NX_NAT_F_SRC) && (nat->flags & NX_NAT_F_DST))
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "nat: both src and dst");
	if (rp & ~0x3fu)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "nat: unknown range bits 0x%x", rp);
	if (rp && !(nat->flags & (NX_NAT_F_SRC | NX_NAT_F_DST)))
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "nat: range without src or dst");
	need += (rp & NX_NAT_RANGE_IPV4_MIN ? 4 : 0) + (rp & NX_NAT_RANGE_IPV4_MAX ? 4 : 0) +
		(rp & NX_NAT_RANGE_IPV6_MIN ? 16 : 0) + (rp & NX_NAT_RANGE_IPV6_MAX ? 16 : 0) +
		(rp & NX_NAT_RANGE_PROTO_MIN ? 2 : 0) + (rp & NX_NAT_RANGE_PROTO_MAX ? 2 : 0);
	if ((need + 7) / 8 * 8 != alen)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "nat: length %u, ranges need %zu", alen,
				(need + 7) / 8 * 8);
	if (rp & NX_NAT_RANGE_IPV4_MIN)
		memcpy(nat->ipv4_min, ofp_cur_pull(a, 4), 4);
	if (rp & NX_NAT_RANGE_IPV4_MAX)
		memcpy(nat->ipv4_max, ofp_cur_pull(a, 4), 4);
	if (rp & NX_NAT_RANGE_IPV6_MIN)
		memcpy(nat->ipv6_min, ofp_cur_pull(a, 16), 16);
	if (rp & NX_NAT_RANGE_IPV6_MAX)
		memcpy(nat->ipv6_max, ofp_cur_pull(a, 16), 16);
	if (rp & NX_NAT_RANGE_PROTO_MIN)
		nat->proto_min = ofp_get_be16(ofp_cur_pull(a, 2));
	if (rp & NX_NAT_RANGE_PROTO_MAX)
		nat->proto_max = ofp_get_be16(ofp_cur_pull(a, 2));
	ofp_pull_pad(a, a->left);
	return OFPERR_OK;
}

static enum ofperr ofp_nx_action_pull(struct ofp_cur *a, uint16_t alen, struct ofp_actions *l,
				      enum ofp_act_ctx ctx, struct ofp_errbuf *eb)
{
	const uint8_t *h = ofp_cur_peek(a, sizeof(struct nx_action_header));
	struct ofp_action *act;
	uint32_t vendor;
	uint16_t subtype;
	enum ofperr e;

	if (!h)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN,
				"experimenter action of %u bytes is shorter than 16", alen);
	vendor = ofp_get_be32(h + 4);
	subtype = ofp_get_be16(h + 8);
	if (vendor != NX_VENDOR_ID)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_EXPERIMENTER,
				"experimenter action of unknown experimenter 0x%08x", vendor);
	if (ctx == OFP_CTX_CT && subtype != NXAST_NAT)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT,
				"Nicira action subtype %u not allowed inside ct", subtype);
	if (ctx == OFP_CTX_TOP && subtype == NXAST_NAT)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "nat is only valid inside ct");

	switch (subtype) {
	case NXAST_REG_MOVE: {
		const struct nx_action_reg_move *w = (const void *)h;
		if (alen != sizeof(*w))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "reg_move length %u, expected 24", alen);
		act = ofp_actions_add(l, OFPACT_REG_MOVE);
		if (!act)
			return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
		act->u.move.n_bits = OFP_GET16(w, nx_action_reg_move, n_bits);
		act->u.move.src_ofs = OFP_GET16(w, nx_action_reg_move, src_ofs);
		act->u.move.dst_ofs = OFP_GET16(w, nx_action_reg_move, dst_ofs);
		e = ofp_nx_field(OFP_GET32(w, nx_action_reg_move, src), act->u.move.src_ofs, act->u.move.n_bits,
				 "move source", &act->u.move.src, eb);
		if (!e)
			e = ofp_nx_field(OFP_GET32(w, nx_action_reg_move, dst), act->u.move.dst_ofs, act->u.move.n_bits,
					 "move destination", &act->u.move.dst, eb);
		if (e)
			return e;
		break;
	}
	case NXAST_REG_LOAD: {
		const struct nx_action_reg_load *w = (const void *)h;
		uint16_t ofs_nbits;
		if (alen != sizeof(*w))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "reg_load length %u, expected 24", alen);
		act = ofp_actions_add(l, OFPACT_REG_LOAD);
		if (!act)
			return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
		ofs_nbits = OFP_GET16(w, nx_action_reg_load, ofs_nbits);
		act->u.load.ofs = ofs_nbits >> 6;
		act->u.load.n_bits = (ofs_nbits & 0x3f) + 1;
		act->u.load.value = OFP_GET64(w, nx_action_reg_load, value);
		e = ofp_nx_field(OFP_GET32(w, nx_action_reg_load, dst), act->u.load.ofs, act->u.load.n_bits,
				 "load destination", &act->u.load.dst, eb);
		if (e)
			return e;
		if (act->u.load.n_bits < 64 && act->u.load.value >> act->u.load.n_bits)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT,
					"load value 0x%llx does not fit in %u bits",
					(unsigned long long)act->u.load.value, act->u.load.n_bits);
		break;
	}
	case NXAST_RESUBMIT_TABLE: {
		const struct nx_action_resubmit *w = (const void *)h;
		if (alen != sizeof(*w))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "resubmit length %u, expected 16", alen);
		act = ofp_actions_add(l, OFPACT_RESUBMIT);
		if (!act)
			return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
		act->u.resubmit.in_port = OFP_GET16(w, nx_action_resubmit, in_port);
		act->u.resubmit.table = OFP_GET8(w, nx_action_resubmit, table);
		break;
	}
	case NXAST_CT: {
		const struct nx_action_conntrack *w = ofp_cur_peek(a, sizeof(*w));
		struct ofp_cur nested;
		if (!w)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "ct length %u, at least 24", alen);
		act = ofp_actions_add(l, OFPACT_CT);
		if (!act)
			return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
		act->u.ct.flags = OFP_GET16(w, nx_action_conntrack, flags);
		act->u.ct.zone = OFP_GET16(w, nx_action_conntrack, zone_imm);
		act->u.ct.table = OFP_GET8(w, nx_action_conntrack, recirc_table);
		act->u.ct.alg = OFP_GET16(w, nx_action_conntrack, alg);
		if (act->u.ct.flags & ~(NX_CT_F_COMMIT | NX_CT_F_FORCE))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "ct: unknown flags 0x%x",
					act->u.ct.flags);
		if (OFP_GET32(w, nx_action_conntrack, zone_src))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT,
					"ct: zone taken from a field is not supported");
		ofp_cur_pull(a, sizeof(*w));
		nested = *a;
		e = ofp_actions_pull_ctx(&nested, nested.left, &act->u.ct.nested, OFP_CTX_CT, eb);
		if (e)
			return e;
		ofp_cur_pull(a, a->left);
		return OFPERR_OK;
	}
	case NXAST_NAT:
		act = ofp_actions_add(l, OFPACT_NAT);
		if (!act)
			return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
		return ofp_nat_pull(a, alen, &act->u.nat, eb);
	default:
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_EXP_TYPE, "unsupported Nicira action subtype %u",
				subtype);
	}
	ofp_cur_pull(a, a->left);
	return OFPERR_OK;
}

static enum ofperr ofp_action_pull_one(struct ofp_cur *a, uint16_t type, uint16_t alen,
				       struct ofp_actions *l, enum ofp_act_ctx ctx,
				       struct ofp_errbuf *eb)
{
	const uint8_t *p = a->p;
	struct ofp_action *act;

	if (ctx == OFP_CTX_CT && type != OFPAT_SET_FIELD && type != OFPAT_EXPERIMENTER)
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "action type %u not allowed inside ct",
				type);
	if (type == OFPAT_EXPERIMENTER)
		return ofp_nx_action_pull(a, alen, l, ctx, eb);
	switch (type) {
	case OFPAT_OUTPUT:
		if (alen != sizeof(struct ofp13_action_output))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "output length %u, expected 16", alen);
		act = ofp_actions_add(l, OFPACT_OUTPUT);
		if (!act)
			break;
		act->u.output.port = ofp_get_be32(p + 4);
		act->u.output.max_len = ofp_get_be16(p + 8);
		if (!ofp_port_ok_for_output(act->u.output.port))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_OUT_PORT, "output to invalid port 0x%x",
					act->u.output.port);
		break;
	case OFPAT_GROUP:
		if (alen != sizeof(struct ofp13_action_group))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "group length %u, expected 8", alen);
		act = ofp_actions_add(l, OFPACT_GROUP);
		if (!act)
			break;
		act->u.group_id = ofp_get_be32(p + 4);
		if (act->u.group_id > 0xffffff00u)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_OUT_GROUP, "group action to reserved group 0x%x",
					act->u.group_id);
		break;
	case OFPAT_PUSH_VLAN:
		if (alen != sizeof(struct ofp13_action_push))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "push_vlan length %u, expected 8", alen);
		act = ofp_actions_add(l, OFPACT_PUSH_VLAN);
		if (!act)
			break;
		act->u.push_vlan_tpid = ofp_get_be16(p + 4);
		if (act->u.push_vlan_tpid != 0x8100 && act->u.push_vlan_tpid != 0x88a8)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT, "push_vlan ethertype 0x%04x",
					act->u.push_vlan_tpid);
		break;
	case OFPAT_POP_VLAN:
	case OFPAT_DEC_NW_TTL:
		if (alen != 8)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "%s length %u, expected 8",
					type == OFPAT_POP_VLAN ? "pop_vlan" : "dec_nw_ttl", alen);
		act = ofp_actions_add(l, type == OFPAT_POP_VLAN ? OFPACT_POP_VLAN : OFPACT_DEC_NW_TTL);
		if (!act)
			break;
		break;
	case OFPAT_SET_FIELD: {
		enum ofperr e;
		act = ofp_actions_add(l, OFPACT_SET_FIELD);
		if (!act)
			break;
		e = ofp_set_field_pull(a, alen, act, eb);
		if (e)
			return e;
		if (ctx == OFP_CTX_CT && act->u.set_field.field != OFPF_CT_MARK)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_ARGUMENT,
					"inside ct only set_field of ct_mark is allowed");
		return OFPERR_OK;
	}
	default:
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_TYPE, "unknown or unsupported action type %u", type);
	}
	if (!act)
		return ofp_fail(eb, OFPERR_OFPBAC_TOO_MANY, "out of memory");
	ofp_cur_pull(a, a->left);
	return OFPERR_OK;
}

static enum ofperr ofp_actions_pull_ctx(struct ofp_cur *c, size_t len, struct ofp_actions *l,
					enum ofp_act_ctx ctx, struct ofp_errbuf *eb)
{
	struct ofp_cur all;
	enum ofperr e;

	if (ofp_cur_sub(c, len, &all))
		return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "actions length %zu exceeds the %zu bytes left",
				len, c->left);
	while (all.left) {
		const uint8_t *h = ofp_cur_peek(&all, 4);
		struct ofp_cur a;
		uint16_t type, alen;

		if (!h)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN, "action header truncated (%zu bytes left)",
					all.left);
		type = ofp_get_be16(h);
		alen = ofp_get_be16(h + 2);
		if (alen < 8 || alen % 8)
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN,
					"action type %u length %u is not a positive multiple of 8", type,
					alen);
		if (ofp_cur_sub(&all, alen, &a))
			return ofp_fail(eb, OFPERR_OFPBAC_BAD_LEN,
					"action type %u length %u exceeds the %zu bytes left", type, alen,
					all.left);
		e = ofp_action_pull_one(&a, type, alen, l, ctx, eb);
		if (e)
			return e;
	}
	return OFPERR_OK;
}

enum ofperr ofp_actions_pull(struct ofp_cur *c, size_t len, struct ofp_actions *l,
			     struct ofp_errbuf *eb)
{
	return ofp_actions_pull_ctx(c, len, l, OFP_CTX_TOP, eb);
}

/* ---- encode ---------------------------------------------------------- */

static void ofp_nx_header(struct ofpbuf *b, uint16_t len, uint16_t subtype)
{
	ofpbuf_put_be16(b, OFPAT_EXPERIMENTER);
	ofpbuf_put_be16(b, len);
	ofpbuf_put_be32(b, NX_VENDOR_ID);
	ofpbuf_put_be16(b, subtype);
}

static int ofp_check_bits(enum ofp_field f, unsigned ofs, unsigned n_bits, struct ofp_errbuf *eb)
{
	if ((unsigned)f >= OFPF__N)
		return ofp_einval(eb, "bad field %d", (int)f);
	if (n_bits == 0 || ofs + n_bits > ofp_fields[f].len * 8u)
		return ofp_einval(eb, "bits %u+%u outside %s", ofs, n_bits, ofp_fields[f].name);
	return 0;
}

static int ofp_action_put(struct ofpbuf *b, const struct ofp_action *a, struct ofp_errbuf *eb)
{
	size_t start = b->len;
	int rc;

	switch (a->type) {
	case OFPACT_OUTPUT:
		if (!ofp_port_ok_for_output(a->u.output.port))
			return ofp_einval(eb, "output to invalid port 0x%x", a->u.output.port);
		ofpbuf_put_be16(b, OFPAT_OUTPUT);
		ofpbuf_put_be16(b, 16);
		ofpbuf_put_be32(b, a->u.output.port);
		ofpbuf_put_be16(b, a->u.output.max_len);
		ofpbuf_put_zeros(b, 6);
		return 0;
	case OFPACT_GROUP:
		ofpbuf_put_be16(b, OFPAT_GROUP);
		ofpbuf_put_be16(b, 8);
		ofpbuf_put_be32(b, a->u.group_id);
		return 0;
	case OFPACT_PUSH_VLAN:
		ofpbuf_put_be16(b, OFPAT_PUSH_VLAN);
		ofpbuf_put_be16(b, 8);
		ofpbuf_put_be16(b, a->u.push_vlan_tpid);
		ofpbuf_put_zeros(b, 2);
		return 0;
	case OFPACT_POP_VLAN:
	case OFPACT_DEC_NW_TTL:
		ofpbuf_put_be16(b, a->type == OFPACT_POP_VLAN ? OFPAT_POP_VLAN : OFPAT_DEC_NW_TTL);
		ofpbuf_put_be16(b, 8);
		ofpbuf_put_zeros(b, 4);
		return 0;
	case OFPACT_SET_FIELD:
		if ((unsigned)a->u.set_field.field >= OFPF__N)
			return ofp_einval(eb, "set_field of bad field %d", (int)a->u.set_field.field);
		ofpbuf_put_be16(b, OFPAT_SET_FIELD);
		ofpbuf_put_be16(b, 0);
		ofp_oxm_put(b, a->u.set_field.field, a->u.set_field.value, NULL);
		ofpbuf_pad8(b, start);
		ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
		return 0;
	case OFPACT_REG_MOVE:
		rc = ofp_check_bits(a->u.move.src, a->u.move.src_ofs, a->u.move.n_bits, eb);
		if (!rc)
			rc = ofp_check_bits(a->u.move.dst, a->u.move.dst_ofs, a->u.move.n_bits, eb);
		if (rc)
			return rc;
		ofp_nx_header(b, 24, NXAST_REG_MOVE);
		ofpbuf_put_be16(b, a->u.move.n_bits);
		ofpbuf_put_be16(b, a->u.move.src_ofs);
		ofpbuf_put_be16(b, a->u.move.dst_ofs);
		ofpbuf_put_be32(b, ofp_field_header(a->u.move.src));
		ofpbuf_put_be32(b, ofp_field_header(a->u.move.dst));
		return 0;
	case OFPACT_REG_LOAD:
		rc = ofp_check_bits(a->u.load.dst, a->u.load.ofs, a->u.load.n_bits, eb);
		if (rc)
			return rc;
		if (a->u.load.n_bits > 64 || a->u.load.ofs > 1023 ||
		    (a->u.load.n_bits < 64 && a->u.load.value >> a->u.load.n_bits))
			return ofp_einval(eb, "load of 0x%llx into %u bits",
					  (unsigned long long)a->u.load.value, a->u.load.n_bits);
		ofp_nx_header(b, 24, NXAST_REG_LOAD);
		ofpbuf_put_be16(b, (uint16_t)(a->u.load.ofs << 6 | (a->u.load.n_bits - 1)));
		ofpbuf_put_be32(b, ofp_field_header(a->u.load.dst));
		ofpbuf_put_be64(b, a->u.load.value);
		return 0;
	case OFPACT_RESUBMIT:
		ofp_nx_header(b, 16, NXAST_RESUBMIT_TABLE);
		ofpbuf_put_be16(b, a->u.resubmit.in_port);
		ofpbuf_put_u8(b, a->u.resubmit.table);
		ofpbuf_put_zeros(b, 3);
		return 0;
	case OFPACT_CT: {
		size_t i;
		if (a->u.ct.flags & ~(NX_CT_F_COMMIT | NX_CT_F_FORCE))
			return ofp_einval(eb, "ct flags 0x%x", a->u.ct.flags);
		ofp_nx_header(b, 0, NXAST_CT);
		ofpbuf_put_be16(b, a->u.ct.flags);
		ofpbuf_put_be32(b, 0);
		ofpbuf_put_be16(b, a->u.ct.zone);
		ofpbuf_put_u8(b, a->u.ct.table);
		ofpbuf_put_zeros(b, 3);
		ofpbuf_put_be16(b, a->u.ct.alg);
		for (i = 0; i < a->u.ct.nested.n; i++) {
			const struct ofp_action *n = &a->u.ct.nested.a[i];
			if (n->type != OFPACT_NAT &&
			    !(n->type == OFPACT_SET_FIELD && n->u.set_field.field == OFPF_CT_MARK))
				return ofp_einval(eb, "inside ct only nat and set_field of ct_mark");
			rc = ofp_action_put(b, n, eb);
			if (rc)
				return rc;
		}
		ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
		return 0;
	}
	case OFPACT_NAT: {
		const struct ofp_nat *n = &a->u.nat;
		uint16_t rp = n->range_present;
		if ((n->flags & ~0x1fu) || (rp & ~0x3fu) ||
		    ((n->flags & NX_NAT_F_SRC) && (n->flags & NX_NAT_F_DST)) ||
		    (rp && !(n->flags & (NX_NAT_F_SRC | NX_NAT_F_DST))))
			return ofp_einval(eb, "nat flags 0x%x ranges 0x%x", n->flags, rp);
		ofp_nx_header(b, 0, NXAST_NAT);
		ofpbuf_put_zeros(b, 2);
		ofpbuf_put_be16(b, n->flags);
		ofpbuf_put_be16(b, rp);
		if (rp & NX_NAT_RANGE_IPV4_MIN)
			ofpbuf_put(b, n->ipv4_min, 4);
		if (rp & NX_NAT_RANGE_IPV4_MAX)
			ofpbuf_put(b, n->ipv4_max, 4);
		if (rp & NX_NAT_RANGE_IPV6_MIN)
			ofpbuf_put(b, n->ipv6_min, 16);
		if (rp & NX_NAT_RANGE_IPV6_MAX)
			ofpbuf_put(b, n->ipv6_max, 16);
		if (rp & NX_NAT_RANGE_PROTO_MIN)
			ofpbuf_put_be16(b, n->proto_min);
		if (rp & NX_NAT_RANGE_PROTO_MAX)
			ofpbuf_put_be16(b, n->proto_max);
		ofpbuf_pad8(b, start);
		ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
		return 0;
	}
	case OFPACT__N:
		break;
	}
	return ofp_einval(eb, "unknown action kind %d", (int)a->type);
}

int ofp_actions_put(struct ofpbuf *b, const struct ofp_actions *l, struct ofp_errbuf *eb)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		int rc;
		if (l->a[i].type == OFPACT_NAT)
			return ofp_einval(eb, "nat is only valid inside ct");
		rc = ofp_action_put(b, &l->a[i], eb);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- instructions -------------------------------------------------------- */

enum ofperr ofp_instructions_pull(struct ofp_cur *c, struct ofp_instructions *in,
				  struct ofp_errbuf *eb)
{
	ofp_instructions_init(in);
	while (c->left) {
		const uint8_t *h = ofp_cur_peek(c, 4);
		struct ofp_cur ic;
		uint16_t type, len;
		uint32_t bit;
		enum ofperr e;

		if (!h)
			return ofp_fail(eb, OFPERR_OFPBIC_BAD_LEN, "instruction header truncated");
		type = ofp_get_be16(h);
		len = ofp_get_be16(h + 2);
		if (len < 8 || len % 8)
			return ofp_fail(eb, OFPERR_OFPBIC_BAD_LEN,
					"instruction type %u length %u is not a positive multiple of 8",
					type, len);
		if (ofp_cur_sub(c, len, &ic))
			return ofp_fail(eb, OFPERR_OFPBIC_BAD_LEN,
					"instruction type %u length %u exceeds the %zu bytes left", type,
					len, c->left);
		switch (type) {
		case OFPIT_GOTO_TABLE: bit = OFPINST_GOTO; break;
		case OFPIT_WRITE_METADATA: bit = OFPINST_WRITE_METADATA; break;
		case OFPIT_WRITE_ACTIONS: bit = OFPINST_WRITE; break;
		case OFPIT_APPLY_ACTIONS: bit = OFPINST_APPLY; break;
		case OFPIT_CLEAR_ACTIONS: bit = OFPINST_CLEAR; break;
		case OFPIT_METER: bit = OFPINST_METER; break;
		case OFPIT_EXPERIMENTER:
			return ofp_fail(eb, OFPERR_OFPBIC_BAD_EXPERIMENTER,
					"experimenter instructions are not supported");
		default:
			return ofp_fail(eb, OFPERR_OFPBIC_UNKNOWN_INST, "unknown instruction type %u", type);
		}
		if (in->present & bit)
			return ofp_fail(eb, OFPERR_OFPBIC_UNSUP_INST, "duplicate instruction type %u", type);
		in->present |= bit;
		switch (type) {
		case OFPIT_GOTO_TABLE:
		case OFPIT_METER:
		case OFPIT_CLEAR_ACTIONS:
			if (len != 8)
				return ofp_fail(eb, OFPERR_OFPBIC_BAD_LEN,
						"instruction type %u length %u, expected 8", type, len);
			if (type == OFPIT_GOTO_TABLE)
				in->goto_table = ic.p[4];
			else if (type == OFPIT_METER)
				in->meter_id = ofp_get_be32(ic.p + 4);
			break;
		case OFPIT_WRITE_METADATA:
			if (len != sizeof(struct ofp13_instruction_write_metadata))
				return ofp_fail(eb, OFPERR_OFPBIC_BAD_LEN,
						"write_metadata length %u, expected 24", len);
			in->metadata = ofp_get_be64(ic.p + 8);
			in->metadata_mask = ofp_get_be64(ic.p + 16);
			if (in->metadata & ~in->metadata_mask)
				return ofp_fail(eb, OFPERR_OFPBIC_UNSUP_METADATA,
						"write_metadata value has bits outside its mask");
			break;
		default:
			ofp_cur_pull(&ic, 8);
			e = ofp_actions_pull(&ic, ic.left,
					     type == OFPIT_APPLY_ACTIONS ? &in->apply : &in->write, eb);
			if (e)
				return e;
			break;
		}
	}
	return OFPERR_OK;
}

static int ofp_inst_actions_put(struct ofpbuf *b, uint16_t type, const struct ofp_actions *l,
				struct ofp_errbuf *eb)
{
	size_t start = b->len;
	int rc;
	ofpbuf_put_be16(b, type);
	ofpbuf_put_be16(b, 0);
	ofpbuf_put_zeros(b, 4);
	rc = l ? ofp_actions_put(b, l, eb) : 0;
	ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
	return rc;
}

int ofp_instructions_put(struct ofpbuf *b, const struct ofp_instructions *in, struct ofp_errbuf *eb)
{
	int rc;

	if (in->present & ~0x3fu)
		return ofp_einval(eb, "unknown instruction bits 0x%x", in->present);
	if (in->present & OFPINST_METER) {
		ofpbuf_put_be16(b, OFPIT_METER);
		ofpbuf_put_be16(b, 8);
		ofpbuf_put_be32(b, in->meter_id);
	}
	if (in->present & OFPINST_APPLY) {
		rc = ofp_inst_actions_put(b, OFPIT_APPLY_ACTIONS, &in->apply, eb);
		if (rc)
			return rc;
	}
	if (in->present & OFPINST_CLEAR)
		ofp_inst_actions_put(b, OFPIT_CLEAR_ACTIONS, NULL, eb);
	if (in->present & OFPINST_WRITE) {
		rc = ofp_inst_actions_put(b, OFPIT_WRITE_ACTIONS, &in->write, eb);
		if (rc)
			return rc;
	}
	if (in->present & OFPINST_WRITE_METADATA) {
		if (in->metadata & ~in->metadata_mask)
			return ofp_einval(eb, "write_metadata value outside its mask");
		ofpbuf_put_be16(b, OFPIT_WRITE_METADATA);
		ofpbuf_put_be16(b, 24);
		ofpbuf_put_zeros(b, 4);
		ofpbuf_put_be64(b, in->metadata);
		ofpbuf_put_be64(b, in->metadata_mask);
	}
	if (in->present & OFPINST_GOTO) {
		ofpbuf_put_be16(b, OFPIT_GOTO_TABLE);
		ofpbuf_put_be16(b, 8);
		ofpbuf_put_u8(b, in->goto_table);
		ofpbuf_put_zeros(b, 3);
	}
	return 0;
}

/* ---- text ------------------------------------------------------------------ */

static void ofp_format_slice(struct ofpbuf *s, enum ofp_field f, unsigned ofs, unsigned n)
{
	ofpbuf_printf(s, "%s[%u..%u]", ofp_fields[f].name, ofs, ofs + n - 1);
}

static void ofp_format_nat(struct ofpbuf *s, const struct ofp_nat *n)
{
	uint16_t rp = n->range_present;
	int v6 = rp & (NX_NAT_RANGE_IPV6_MIN | NX_NAT_RANGE_IPV6_MAX);
	const char *sep = "";

	ofpbuf_printf(s, "nat");
	if (!(n->flags & (NX_NAT_F_SRC | NX_NAT_F_DST)) && !(n->flags & 0x1c))
		return;
	ofpbuf_printf(s, "(");
	if (n->flags & (NX_NAT_F_SRC | NX_NAT_F_DST)) {
		ofpbuf_printf(s, "%s", n->flags & NX_NAT_F_SRC ? "src" : "dst");
		sep = ",";
		if (rp)
			ofpbuf_printf(s, "=");
		if (v6 && (rp & NX_NAT_RANGE_IPV6_MIN)) {
			ofpbuf_printf(s, "[");
			ofp_format_ipv6(s, n->ipv6_min);
			if (rp & NX_NAT_RANGE_IPV6_MAX) {
				ofpbuf_printf(s, "-");
				ofp_format_ipv6(s, n->ipv6_max);
			}
			ofpbuf_printf(s, "]");
		} else if (rp & NX_NAT_RANGE_IPV4_MIN) {
			ofp_format_ipv4(s, n->ipv4_min);
			if (rp & NX_NAT_RANGE_IPV4_MAX) {
				ofpbuf_printf(s, "-");
				ofp_format_ipv4(s, n->ipv4_max);
			}
		}
		if (rp & NX_NAT_RANGE_PROTO_MIN) {
			ofpbuf_printf(s, ":%u", n->proto_min);
			if (rp & NX_NAT_RANGE_PROTO_MAX)
				ofpbuf_printf(s, "-%u", n->proto_max);
		}
		/* ranges the text above cannot show (max without min...) */
		if ((rp & NX_NAT_RANGE_IPV4_MAX && !(rp & NX_NAT_RANGE_IPV4_MIN)) ||
		    (rp & NX_NAT_RANGE_IPV6_MAX && !(rp & NX_NAT_RANGE_IPV6_MIN)) ||
		    (rp & NX_NAT_RANGE_PROTO_MAX && !(rp & NX_NAT_RANGE_PROTO_MIN)) ||
		    ((rp & 0x3) && (rp & 0xc)))
			ofpbuf_printf(s, ",ranges=0x%x", rp);
	}
	if (n->flags & NX_NAT_F_PERSISTENT)
		ofpbuf_printf(s, "%spersistent", sep), sep = ",";
	if (n->flags & NX_NAT_F_PROTO_HASH)
		ofpbuf_printf(s, "%shash", sep), sep = ",";
	if (n->flags & NX_NAT_F_PROTO_RANDOM)
		ofpbuf_printf(s, "%srandom", sep);
	ofpbuf_printf(s, ")");
}

static void ofp_format_action(struct ofpbuf *s, const struct ofp_action *a)
{
	size_t i;

	switch (a->type) {
	case OFPACT_OUTPUT:
		ofpbuf_printf(s, "output:");
		ofp_format_port(s, a->u.output.port);
		if (a->u.output.port == OFPP_CONTROLLER)
			ofpbuf_printf(s, ":%u", a->u.output.max_len);
		break;
	case OFPACT_GROUP:
		ofpbuf_printf(s, "group:%u", a->u.group_id);
		break;
	case OFPACT_PUSH_VLAN:
		ofpbuf_printf(s, "push_vlan:0x%04x", a->u.push_vlan_tpid);
		break;
	case OFPACT_POP_VLAN:
		ofpbuf_printf(s, "pop_vlan");
		break;
	case OFPACT_DEC_NW_TTL:
		ofpbuf_printf(s, "dec_ttl");
		break;
	case OFPACT_SET_FIELD:
		ofpbuf_printf(s, "set_field:");
		ofp_format_field(s, a->u.set_field.field, a->u.set_field.value, NULL);
		break;
	case OFPACT_REG_MOVE:
		ofpbuf_printf(s, "move:");
		ofp_format_slice(s, a->u.move.src, a->u.move.src_ofs, a->u.move.n_bits);
		ofpbuf_printf(s, "->");
		ofp_format_slice(s, a->u.move.dst, a->u.move.dst_ofs, a->u.move.n_bits);
		break;
	case OFPACT_REG_LOAD:
		ofpbuf_printf(s, "load:0x%llx->", (unsigned long long)a->u.load.value);
		ofp_format_slice(s, a->u.load.dst, a->u.load.ofs, a->u.load.n_bits);
		break;
	case OFPACT_RESUBMIT:
		ofpbuf_printf(s, "resubmit(");
		if (a->u.resubmit.in_port != OFP_NX_IN_PORT)
			ofpbuf_printf(s, "%u", a->u.resubmit.in_port);
		if (a->u.resubmit.table != 255)
			ofpbuf_printf(s, ",%u", a->u.resubmit.table);
		ofpbuf_printf(s, ")");
		break;
	case OFPACT_CT:
		ofpbuf_printf(s, "ct(");
		if (a->u.ct.flags & NX_CT_F_COMMIT)
			ofpbuf_printf(s, "commit,");
		if (a->u.ct.flags & NX_CT_F_FORCE)
			ofpbuf_printf(s, "force,");
		ofpbuf_printf(s, "zone=%u", a->u.ct.zone);
		if (a->u.ct.table != NX_CT_RECIRC_NONE)
			ofpbuf_printf(s, ",table=%u", a->u.ct.table);
		if (a->u.ct.alg)
			ofpbuf_printf(s, ",alg=%u", a->u.ct.alg);
		for (i = 0; i < a->u.ct.nested.n; i++) {
			const struct ofp_action *n = &a->u.ct.nested.a[i];
			ofpbuf_printf(s, ",");
			if (n->type == OFPACT_NAT) {
				ofp_format_action(s, n);
			} else {
				ofpbuf_printf(s, "exec(");
				ofp_format_action(s, n);
				ofpbuf_printf(s, ")");
			}
		}
		ofpbuf_printf(s, ")");
		break;
	case OFPACT_NAT:
		ofp_format_nat(s, &a->u.nat);
		break;
	case OFPACT__N:
		ofpbuf_printf(s, "?");
		break;
	}
}

void ofp_format_actions(struct ofpbuf *s, const struct ofp_actions *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		if (i)
			ofpbuf_printf(s, ",");
		ofp_format_action(s, &l->a[i]);
	}
}

void ofp_format_instructions(struct ofpbuf *s, const struct ofp_instructions *in)
{
	const char *sep = "";

	if (!in->present) {
		ofpbuf_printf(s, "drop");
		return;
	}
	if (in->present & OFPINST_METER)
		ofpbuf_printf(s, "%smeter:%u", sep, in->meter_id), sep = " ";
	if (in->present & OFPINST_APPLY) {
		ofpbuf_printf(s, "%sapply(", sep), sep = " ";
		ofp_format_actions(s, &in->apply);
		ofpbuf_printf(s, ")");
	}
	if (in->present & OFPINST_CLEAR)
		ofpbuf_printf(s, "%sclear", sep), sep = " ";
	if (in->present & OFPINST_WRITE) {
		ofpbuf_printf(s, "%swrite(", sep), sep = " ";
		ofp_format_actions(s, &in->write);
		ofpbuf_printf(s, ")");
	}
	if (in->present & OFPINST_WRITE_METADATA)
		ofpbuf_printf(s, "%swrite_metadata:0x%llx/0x%llx", sep,
			      (unsigned long long)in->metadata, (unsigned long long)in->metadata_mask),
			sep = " ";
	if (in->present & OFPINST_GOTO)
		ofpbuf_printf(s, "%sgoto_table:%u", sep, in->goto_table);
}
