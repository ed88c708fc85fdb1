/* hostd/openflow/ofp_switch.c: the switch family -- FEATURES_REPLY,
 * GET_CONFIG_REPLY / SET_CONFIG, PORT_STATUS (and the ofp_port entry it
 * shares with the MULTIPART PORT_DESC reply in ofp_multipart.c) and
 * ROLE_REQUEST / ROLE_REPLY. */
#include <string.h>

#include "hostd/openflow/ofp_private.h"

/* ---- FEATURES_REPLY ---------------------------------------------------- */

enum ofperr ofp_decode_features(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_switch_features));
	struct ofp_features *f = &msg->u.features;

	f->datapath_id = OFP_GET64(w, ofp13_switch_features, datapath_id);
	f->n_buffers = OFP_GET32(w, ofp13_switch_features, n_buffers);
	f->n_tables = OFP_GET8(w, ofp13_switch_features, n_tables);
	f->auxiliary_id = OFP_GET8(w, ofp13_switch_features, auxiliary_id);
	f->capabilities = OFP_GET32(w, ofp13_switch_features, capabilities);
	return OFPERR_OK;
}

int ofp_encode_features(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_features *f = &msg->u.features;

	ofpbuf_put_be64(b, f->datapath_id);
	ofpbuf_put_be32(b, f->n_buffers);
	ofpbuf_put_u8(b, f->n_tables);
	ofpbuf_put_u8(b, f->auxiliary_id);
	ofpbuf_put_zeros(b, 2);
	ofpbuf_put_be32(b, f->capabilities);
	ofpbuf_put_be32(b, 0);
	return 0;
}

void ofp_format_features(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_features *f = &msg->u.features;

	ofpbuf_printf(s, " dpid=0x%016llx n_buffers=%u n_tables=%u aux=%u caps=0x%x",
		      (unsigned long long)f->datapath_id, f->n_buffers, f->n_tables,
		      f->auxiliary_id, f->capabilities);
}

/* ---- GET_CONFIG_REPLY / SET_CONFIG ------------------------------------- */

static const char *const ofp_frag_names[] = { "frag_normal", "frag_drop", "frag_reasm",
					      "frag_mask" };

enum ofperr ofp_decode_config(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_switch_config));
	struct ofp_config *cf = &msg->u.config;

	cf->flags = OFP_GET16(w, ofp13_switch_config, flags);
	cf->miss_send_len = OFP_GET16(w, ofp13_switch_config, miss_send_len);
	if (cf->flags & ~OFPC_FRAG_MASK)
		return ofp_fail(eb, OFPERR_OFPSCFC_BAD_FLAGS, "config flags 0x%x has unknown bits",
				cf->flags);
	return OFPERR_OK;
}

int ofp_encode_config(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_config *cf = &msg->u.config;

	if (cf->flags & ~OFPC_FRAG_MASK)
		return ofp_einval(eb, "config flags 0x%x", cf->flags);
	ofpbuf_put_be16(b, cf->flags);
	ofpbuf_put_be16(b, cf->miss_send_len);
	return 0;
}

void ofp_format_config(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_config *cf = &msg->u.config;

	ofpbuf_printf(s, " flags=%s miss_send_len=", ofp_frag_names[cf->flags & OFPC_FRAG_MASK]);
	if (cf->miss_send_len == OFPCML_NO_BUFFER)
		ofpbuf_printf(s, "no_buffer");
	else
		ofpbuf_printf(s, "%u", cf->miss_send_len);
}

/* ---- ports --------------------------------------------------------------- */

void ofp_port_desc_from_wire(struct ofp_port_desc *d, const struct ofp13_port *wp)
{
	const uint8_t *w = (const uint8_t *)wp;

	d->port_no = OFP_GET32(w, ofp13_port, port_no);
	memcpy(d->hw_addr, w + offsetof(struct ofp13_port, hw_addr), 6);
	memcpy(d->name, w + offsetof(struct ofp13_port, name), OFP_MAX_PORT_NAME_LEN);
	d->name[OFP_MAX_PORT_NAME_LEN] = 0;
	d->config = OFP_GET32(w, ofp13_port, config);
	d->state = OFP_GET32(w, ofp13_port, state);
	d->curr = OFP_GET32(w, ofp13_port, curr);
	d->advertised = OFP_GET32(w, ofp13_port, advertised);
	d->supported = OFP_GET32(w, ofp13_port, supported);
	d->peer = OFP_GET32(w, ofp13_port, peer);
	d->curr_speed = OFP_GET32(w, ofp13_port, curr_speed);
	d->max_speed = OFP_GET32(w, ofp13_port, max_speed);
}

void ofp_port_desc_put(struct ofpbuf *b, const struct ofp_port_desc *d)
{
	char name[OFP_MAX_PORT_NAME_LEN] = { 0 };

	memcpy(name, d->name, strnlen(d->name, sizeof(name))); /* up to 16 bytes, NUL-padded */
	ofpbuf_put_be32(b, d->port_no);
	ofpbuf_put_zeros(b, 4);
	ofpbuf_put(b, d->hw_addr, 6);
	ofpbuf_put_zeros(b, 2);
	ofpbuf_put(b, name, sizeof(name));
	ofpbuf_put_be32(b, d->config);
	ofpbuf_put_be32(b, d->state);
	ofpbuf_put_be32(b, d->curr);
	ofpbuf_put_be32(b, d->advertised);
	ofpbuf_put_be32(b, d->supported);
	ofpbuf_put_be32(b, d->peer);
	ofpbuf_put_be32(b, d->curr_speed);
	ofpbuf_put_be32(b, d->max_speed);
}

void ofp_format_port_desc(struct ofpbuf *s, const struct ofp_port_desc *d)
{
	size_t i;

	ofpbuf_printf(s, "{port=");
	ofp_format_port(s, d->port_no);
	ofpbuf_printf(s, " name=\"");
	for (i = 0; d->name[i]; i++) {
		unsigned char ch = (unsigned char)d->name[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			ofpbuf_printf(s, "%c", ch);
		else
			ofpbuf_printf(s, "\\x%02x", ch);
	}
	ofpbuf_printf(s, "\" hw=");
	ofp_format_mac(s, d->hw_addr);
	ofpbuf_printf(s, " config=0x%x state=0x%x curr=0x%x adv=0x%x supp=0x%x peer=0x%x "
		      "speed=%u max_speed=%u}",
		      d->config, d->state, d->curr, d->advertised, d->supported, d->peer,
		      d->curr_speed, d->max_speed);
}

/* ---- PORT_STATUS ------------------------------------------------------- */

static const char *const ofp_pr_names[] = { "add", "delete", "modify" };

enum ofperr ofp_decode_port_status(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_port_status));
	struct ofp_port_status *ps = &msg->u.port_status;

	ps->reason = OFP_GET8(w, ofp13_port_status, reason);
	ofp_port_desc_from_wire(&ps->desc,
				(const void *)(w + offsetof(struct ofp13_port_status, desc)));
	if (ps->reason > OFPPR_MODIFY)
		return ofp_fail(eb, OFPERR_OFPBRC_BAD_PACKET, "port_status reason %u", ps->reason);
	return OFPERR_OK;
}

int ofp_encode_port_status(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_port_status *ps = &msg->u.port_status;

	if (ps->reason > OFPPR_MODIFY)
		return ofp_einval(eb, "port_status reason %u", ps->reason);
	ofpbuf_put_u8(b, ps->reason);
	ofpbuf_put_zeros(b, 7);
	ofp_port_desc_put(b, &ps->desc);
	return 0;
}

void ofp_format_port_status(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_port_status *ps = &msg->u.port_status;

	ofpbuf_printf(s, " reason=%s ", ofp_pr_names[ps->reason % 3]);
	ofp_format_port_desc(s, &ps->desc);
}

/* ---- ROLE_REQUEST / ROLE_REPLY ----------------------------------------- */

static const char *const ofp_role_names[] = { "nochange", "equal", "master", "slave" };

enum ofperr ofp_decode_role(struct ofp_cur *c, struct ofp_msg *msg, struct ofp_errbuf *eb)
{
	const uint8_t *w = ofp_cur_pull(c, sizeof(struct ofp13_role_request));
	struct ofp_role *r = &msg->u.role;

	r->role = OFP_GET32(w, ofp13_role_request, role);
	r->generation_id = OFP_GET64(w, ofp13_role_request, generation_id);
	if (r->role > OFPCR_ROLE_SLAVE)
		return ofp_fail(eb, OFPERR_OFPRRFC_BAD_ROLE, "role %u", r->role);
	return OFPERR_OK;
}

int ofp_encode_role(const struct ofp_msg *msg, struct ofpbuf *b, struct ofp_errbuf *eb)
{
	const struct ofp_role *r = &msg->u.role;

	if (r->role > OFPCR_ROLE_SLAVE)
		return ofp_einval(eb, "role %u", r->role);
	ofpbuf_put_be32(b, r->role);
	ofpbuf_put_zeros(b, 4);
	ofpbuf_put_be64(b, r->generation_id);
	return 0;
}

void ofp_format_role(struct ofpbuf *s, const struct ofp_msg *msg)
{
	const struct ofp_role *r = &msg->u.role;

	ofpbuf_printf(s, " role=%s generation_id=0x%llx", ofp_role_names[r->role & 3],
		      (unsigned long long)r->generation_id);
}
