/* hostd/openflow/ofp_match.c: OXM match fields (OpenFlow basic class and
 * the Nicira NXM classes) -- the field table generated from OFP_FIELDS,
 * struct ofp_match setters, OXM TLV decode/encode with every check the
 * spec asks for (length, duplicates, unknown fields, masks, prerequisites)
 * -- or, for PACKET_IN only, a lenient pull that skips well-formed TLVs of
 * unknown fields (OVS adds ct_nw_src & co after ct()) -- and the text form. Used by the flow, packet and multipart families, and
 * by ofp_actions.c for set_field / move / load. */
#include <arpa/inet.h>
#include <string.h>

#include "hostd/openflow/ofp_private.h"

const struct ofp_field_info ofp_fields[OFPF__N] = {
#define OFPF_ROW(id, nm, cls, fld, ln, mk, kd, pr) \
	[OFPF_##id] = { .name = nm, .oxm_class = cls, .oxm_field = fld, .len = ln, \
			.maskable = mk, .kind = kd, .prereq = pr },
	OFP_FIELDS(OFPF_ROW)
#undef OFPF_ROW
};

uint32_t ofp_field_header(enum ofp_field f)
{
	const struct ofp_field_info *fi = &ofp_fields[f];
	return OXM_HEADER(fi->oxm_class, fi->oxm_field, fi->len);
}

/* NXM names of basic fields (same value length), accepted on input. */
static const struct {
	uint16_t cls;        /* NXM class */
	uint8_t field;       /* NXM field */
	enum ofp_field f;    /* basic field */
} ofp_nxm_aliases[] = {
	{ OXM_CLASS_NXM0, 1, OFPF_ETH_DST },    { OXM_CLASS_NXM0, 2, OFPF_ETH_SRC },
	{ OXM_CLASS_NXM0, 3, OFPF_ETH_TYPE },   { OXM_CLASS_NXM0, 6, OFPF_IP_PROTO },
	{ OXM_CLASS_NXM0, 7, OFPF_IPV4_SRC },   { OXM_CLASS_NXM0, 8, OFPF_IPV4_DST },
	{ OXM_CLASS_NXM0, 9, OFPF_TCP_SRC },    { OXM_CLASS_NXM0, 10, OFPF_TCP_DST },
	{ OXM_CLASS_NXM0, 11, OFPF_UDP_SRC },   { OXM_CLASS_NXM0, 12, OFPF_UDP_DST },
	{ OXM_CLASS_NXM0, 13, OFPF_ICMPV4_TYPE }, { OXM_CLASS_NXM0, 14, OFPF_ICMPV4_CODE },
	{ OXM_CLASS_NXM0, 15, OFPF_ARP_OP },    { OXM_CLASS_NXM0, 16, OFPF_ARP_SPA },
	{ OXM_CLASS_NXM0, 17, OFPF_ARP_TPA },   { OXM_CLASS_NXM1, 16, OFPF_TUNNEL_ID },
	{ OXM_CLASS_NXM1, 17, OFPF_ARP_SHA },   { OXM_CLASS_NXM1, 18, OFPF_ARP_THA },
	{ OXM_CLASS_NXM1, 19, OFPF_IPV6_SRC },  { OXM_CLASS_NXM1, 20, OFPF_IPV6_DST },
	{ OXM_CLASS_NXM1, 21, OFPF_ICMPV6_TYPE }, { OXM_CLASS_NXM1, 22, OFPF_ICMPV6_CODE },
	{ OXM_CLASS_NXM1, 23, OFPF_ND_TARGET },
};

int ofp_field_from_header(uint32_t header)
{
	uint16_t cls = (uint16_t)OXM_CLASS(header);
	uint8_t fld = (uint8_t)OXM_FIELD(header);
	size_t i;
	int f;

	for (f = 0; f < OFPF__N; f++)
		if (ofp_fields[f].oxm_class == cls && ofp_fields[f].oxm_field == fld)
			return f;
	for (i = 0; i < sizeof(ofp_nxm_aliases) / sizeof(ofp_nxm_aliases[0]); i++)
		if (ofp_nxm_aliases[i].cls == cls && ofp_nxm_aliases[i].field == fld)
			return (int)ofp_nxm_aliases[i].f;
	return -1;
}

int ofp_field_from_name(const char *name)
{
	int f;
	for (f = 0; f < OFPF__N; f++)
		if (!strcmp(ofp_fields[f].name, name))
			return f;
	return -1;
}

uint64_t ofp_field_uint(enum ofp_field f, const uint8_t *value)
{
	uint64_t v = 0;
	unsigned i, n = ofp_fields[f].len > 8 ? 8 : ofp_fields[f].len;
	for (i = 0; i < n; i++)
		v = v << 8 | value[i];
	return v;
}

void ofp_field_set_uint(enum ofp_field f, uint8_t *value, uint64_t v)
{
	unsigned n = ofp_fields[f].len > 8 ? 8 : ofp_fields[f].len;
	while (n--) {
		value[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* ---- struct ofp_match ---------------------------------------------------- */

void ofp_match_init(struct ofp_match *m)
{
	m->present = 0;
	m->masked = 0;
}

static int ofp_all_ones(const uint8_t *p, size_t n)
{
	while (n--)
		if (p[n] != 0xff)
			return 0;
	return 1;
}

void ofp_match_set(struct ofp_match *m, enum ofp_field f, const void *value, const void *mask)
{
	const uint8_t *v = value, *mk = mask;
	size_t i, n = ofp_fields[f].len;

	m->present |= 1ull << f;
	m->masked &= ~(1ull << f);
	memset(m->value[f], 0, OFP_FIELD_MAX_LEN);
	memset(m->mask[f], 0xff, OFP_FIELD_MAX_LEN);
	if (mk && !ofp_all_ones(mk, n)) {
		m->masked |= 1ull << f;
		memcpy(m->mask[f], mk, n);
	}
	for (i = 0; i < n; i++)
		m->value[f][i] = v[i] & m->mask[f][i];
}

void ofp_match_set_uint(struct ofp_match *m, enum ofp_field f, uint64_t v)
{
	uint8_t b[OFP_FIELD_MAX_LEN] = { 0 };
	ofp_field_set_uint(f, b, v);
	ofp_match_set(m, f, b, NULL);
}

void ofp_match_set_uint_masked(struct ofp_match *m, enum ofp_field f, uint64_t v, uint64_t mask)
{
	uint8_t b[OFP_FIELD_MAX_LEN] = { 0 }, mk[OFP_FIELD_MAX_LEN] = { 0 };
	ofp_field_set_uint(f, b, v);
	ofp_field_set_uint(f, mk, mask);
	ofp_match_set(m, f, b, mk);
}

void ofp_match_set_ipv4(struct ofp_match *m, enum ofp_field f, uint32_t addr, unsigned prefix)
{
	uint32_t mask = prefix >= 32 ? 0xffffffffu : prefix ? ~(0xffffffffu >> prefix) : 0;
	ofp_match_set_uint_masked(m, f, addr, mask);
}

void ofp_match_unset(struct ofp_match *m, enum ofp_field f)
{
	m->present &= ~(1ull << f);
	m->masked &= ~(1ull << f);
}

uint64_t ofp_match_get_uint(const struct ofp_match *m, enum ofp_field f)
{
	return ofp_match_has(m, f) ? ofp_field_uint(f, m->value[f]) : 0;
}

int ofp_match_equal(const struct ofp_match *a, const struct ofp_match *b)
{
	int f;
	if (a->present != b->present || a->masked != b->masked)
		return 0;
	for (f = 0; f < OFPF__N; f++) {
		size_t n = ofp_fields[f].len;
		if (!(a->present >> f & 1))
			continue;
		if (memcmp(a->value[f], b->value[f], n) || memcmp(a->mask[f], b->mask[f], n))
			return 0;
	}
	return 1;
}

/* ---- checks ---------------------------------------------------------- */

enum ofperr ofp_field_check_value(enum ofp_field f, const uint8_t *value, struct ofp_errbuf *eb)
{
	uint64_t v = ofp_field_uint(f, value), max;

	switch (f) {
	case OFPF_VLAN_VID: max = 0x1fff; break;
	case OFPF_VLAN_PCP: max = 7; break;
	case OFPF_IP_DSCP: max = 63; break;
	default: return OFPERR_OK;
	}
	if (v > max)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_VALUE, "%s value 0x%llx exceeds 0x%llx",
				ofp_fields[f].name, (unsigned long long)v, (unsigned long long)max);
	return OFPERR_OK;
}

/* Exact value of a prerequisite field, or -1 when absent/masked. */
static long long ofp_match_exact(const struct ofp_match *m, enum ofp_field f)
{
	if (!ofp_match_has(m, f) || (m->masked >> f & 1))
		return -1;
	return (long long)ofp_field_uint(f, m->value[f]);
}

/* NULL when field f's prerequisites hold in m, else what is missing. */
static const char *ofp_prereq_missing(const struct ofp_match *m, enum ofp_field f)
{
	long long et = ofp_match_exact(m, OFPF_ETH_TYPE);
	long long proto = ofp_match_exact(m, OFPF_IP_PROTO);
	long long icmp6 = ofp_match_exact(m, OFPF_ICMPV6_TYPE);

	switch (ofp_fields[f].prereq) {
	case OFPPRQ_NONE:
		return NULL;
	case OFPPRQ_VLAN:
		if (!ofp_match_has(m, OFPF_VLAN_VID) ||
		    !(ofp_field_uint(OFPF_VLAN_VID, m->value[OFPF_VLAN_VID]) & OFPVID_PRESENT))
			return "vlan_vid with OFPVID_PRESENT";
		return NULL;
	case OFPPRQ_IP_ANY:
		return et == 0x0800 || et == 0x86dd ? NULL : "eth_type=0x0800 or 0x86dd";
	case OFPPRQ_IPV4:
		return et == 0x0800 ? NULL : "eth_type=0x0800";
	case OFPPRQ_IPV6:
		return et == 0x86dd ? NULL : "eth_type=0x86dd";
	case OFPPRQ_ARP:
		return et == 0x0806 ? NULL : "eth_type=0x0806";
	case OFPPRQ_TCP:
		return proto == 6 ? NULL : "ip_proto=6";
	case OFPPRQ_UDP:
		return proto == 17 ? NULL : "ip_proto=17";
	case OFPPRQ_ICMPV4:
		return proto == 1 && et == 0x0800 ? NULL : "eth_type=0x0800,ip_proto=1";
	case OFPPRQ_ICMPV6:
		return proto == 58 && et == 0x86dd ? NULL : "eth_type=0x86dd,ip_proto=58";
	case OFPPRQ_ND:
		return icmp6 == 135 || icmp6 == 136 ? NULL : "icmpv6_type=135 or 136";
	}
	return NULL;
}

static enum ofperr ofp_match_check_prereqs(const struct ofp_match *m, struct ofp_errbuf *eb)
{
	int f;
	for (f = 0; f < OFPF__N; f++) {
		const char *miss;
		if (!ofp_match_has(m, (enum ofp_field)f))
			continue;
		miss = ofp_prereq_missing(m, (enum ofp_field)f);
		if (miss)
			return ofp_fail(eb, OFPERR_OFPBMC_BAD_PREREQ, "%s requires %s",
					ofp_fields[f].name, miss);
	}
	return OFPERR_OK;
}

/* ---- OXM TLVs ------------------------------------------------------------ */

enum ofperr ofp_oxm_pull(struct ofp_cur *c, int *field, uint8_t *value, uint8_t *mask,
			 int *hasmask, struct ofp_errbuf *eb)
{
	const uint8_t *h = ofp_cur_pull(c, 4), *p;
	uint32_t header;
	unsigned len, flen, i;
	int f;

	if (!h)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN, "OXM header truncated (%zu bytes left)",
				c->left);
	header = ofp_get_be32(h);
	if (OXM_CLASS(header) == OXM_CLASS_EXPERIMENTER)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_FIELD,
				"experimenter OXM class 0xffff (field %u) is not supported",
				OXM_FIELD(header));
	f = ofp_field_from_header(header);
	if (f < 0)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_FIELD, "unknown OXM field class 0x%04x field %u",
				OXM_CLASS(header), OXM_FIELD(header));
	flen = ofp_fields[f].len;
	len = OXM_LENGTH(header);
	*hasmask = (int)OXM_HASMASK(header);
	if (*hasmask && !ofp_fields[f].maskable)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_MASK, "mask on non-maskable field %s",
				ofp_fields[f].name);
	if (len != (*hasmask ? 2 * flen : flen))
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN, "field %s: OXM length %u, expected %u",
				ofp_fields[f].name, len, *hasmask ? 2 * flen : flen);
	p = ofp_cur_pull(c, len);
	if (!p)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN,
				"field %s: %u bytes of value announced, %zu left",
				ofp_fields[f].name, len, c->left);
	memset(value, 0, OFP_FIELD_MAX_LEN);
	memset(mask, 0xff, OFP_FIELD_MAX_LEN);
	memcpy(value, p, flen);
	if (*hasmask) {
		memcpy(mask, p + flen, flen);
		for (i = 0; i < flen; i++)
			if (value[i] & ~mask[i])
				return ofp_fail(eb, OFPERR_OFPBMC_BAD_WILDCARDS,
						"field %s: value has bits outside its mask",
						ofp_fields[f].name);
	}
	*field = f;
	return OFPERR_OK;
}

void ofp_oxm_put(struct ofpbuf *b, enum ofp_field f, const uint8_t *value, const uint8_t *mask)
{
	const struct ofp_field_info *fi = &ofp_fields[f];
	int hm = mask != NULL;
	uint32_t h = OXM_HEADER(fi->oxm_class, fi->oxm_field, hm ? 2u * fi->len : fi->len) |
		     (hm ? 0x100u : 0);
	ofpbuf_put_be32(b, h);
	ofpbuf_put(b, value, fi->len);
	if (hm)
		ofpbuf_put(b, mask, fi->len);
}

/* Skips one well-formed OXM TLV whose field hostd does not know, when
 * c's next TLV is one (class NXM0/NXM1/OPENFLOW_BASIC with an unknown field
 * number, or any experimenter-class field, whose 4-byte experimenter id
 * counts in the TLV length): 1 when skipped, 0 when the TLV is something
 * else (ofp_oxm_pull then decodes or refuses it), or an error when the
 * unknown TLV's length is malformed or runs past the match. */
static int ofp_oxm_skip_unknown(struct ofp_cur *c, enum ofperr *e, struct ofp_errbuf *eb)
{
	const uint8_t *h = ofp_cur_peek(c, 4);
	uint32_t header;
	unsigned cls, len, exp_len;

	if (!h)
		return 0; /* ofp_oxm_pull reports the truncated header */
	header = ofp_get_be32(h);
	cls = OXM_CLASS(header);
	if (cls != OXM_CLASS_NXM0 && cls != OXM_CLASS_NXM1 && cls != OXM_CLASS_BASIC &&
	    cls != OXM_CLASS_EXPERIMENTER)
		return 0;
	if (cls != OXM_CLASS_EXPERIMENTER && ofp_field_from_header(header) >= 0)
		return 0;
	len = OXM_LENGTH(header);
	exp_len = cls == OXM_CLASS_EXPERIMENTER ? 4 : 0;
	if (len <= exp_len) {
		*e = ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN,
			      "unknown OXM field class 0x%04x field %u: length %u leaves no value%s",
			      cls, OXM_FIELD(header), len, exp_len ? " after the experimenter id" : "");
		return -1;
	}
	if (OXM_HASMASK(header) && (len - exp_len) % 2) {
		*e = ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN,
			      "unknown OXM field class 0x%04x field %u: masked value of odd length %u",
			      cls, OXM_FIELD(header), len - exp_len);
		return -1;
	}
	if (4u + len > c->left) {
		*e = ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN,
			      "unknown OXM field class 0x%04x field %u: %u bytes of value announced, %zu left",
			      cls, OXM_FIELD(header), len, c->left - 4);
		return -1;
	}
	ofp_cur_pull(c, 4u + len);
	return 1;
}

/* Shared by the strict and lenient pulls: `skipped` NULL refuses unknown
 * fields, else counts the ones it skips. */
static enum ofperr ofp_match_pull_common(struct ofp_cur *c, struct ofp_match *m,
					 unsigned *skipped, struct ofp_errbuf *eb)
{
	const uint8_t *h = ofp_cur_peek(c, 4);
	struct ofp_cur tlvs;
	uint16_t type, len;
	size_t padded;
	enum ofperr e;

	ofp_match_init(m);
	if (!h)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN, "match header truncated");
	type = ofp_get_be16(h);
	len = ofp_get_be16(h + 2);
	if (type != OFPMT_OXM)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_TYPE, "match type %u, only OXM (1) is supported",
				type);
	padded = ((size_t)len + 7) / 8 * 8;
	if (len < 4 || padded > c->left)
		return ofp_fail(eb, OFPERR_OFPBMC_BAD_LEN,
				"match length %u invalid with %zu bytes left", len, c->left);
	ofp_cur_pull(c, 4);
	ofp_cur_sub(c, len - 4u, &tlvs);
	ofp_pull_pad(c, padded - len);
	while (tlvs.left) {
		uint8_t value[OFP_FIELD_MAX_LEN], mask[OFP_FIELD_MAX_LEN];
		int f, hm;

		if (skipped) {
			int r = ofp_oxm_skip_unknown(&tlvs, &e, eb);
			if (r < 0)
				return e;
			if (r > 0) {
				++*skipped;
				continue;
			}
		}
		e = ofp_oxm_pull(&tlvs, &f, value, mask, &hm, eb);
		if (e)
			return e;
		if (ofp_match_has(m, (enum ofp_field)f))
			return ofp_fail(eb, OFPERR_OFPBMC_DUP_FIELD, "duplicate field %s in match",
					ofp_fields[f].name);
		e = ofp_field_check_value((enum ofp_field)f, value, eb);
		if (e)
			return e;
		ofp_match_set(m, (enum ofp_field)f, value, hm ? mask : NULL);
	}
	return ofp_match_check_prereqs(m, eb);
}

enum ofperr ofp_match_pull(struct ofp_cur *c, struct ofp_match *m, struct ofp_errbuf *eb)
{
	return ofp_match_pull_common(c, m, NULL, eb);
}

enum ofperr ofp_match_pull_lenient(struct ofp_cur *c, struct ofp_match *m, unsigned *n_skipped,
				   struct ofp_errbuf *eb)
{
	*n_skipped = 0;
	return ofp_match_pull_common(c, m, n_skipped, eb);
}

int ofp_match_put(struct ofpbuf *b, const struct ofp_match *m, struct ofp_errbuf *eb)
{
	size_t start = b->len;
	char reason[128];
	struct ofp_errbuf reb = { reason, sizeof(reason) };
	int f;

	if (ofp_match_check_prereqs(m, &reb))
		return ofp_einval(eb, "match: %s", reason);
	for (f = 0; f < OFPF__N; f++) {
		if (!ofp_match_has(m, (enum ofp_field)f))
			continue;
		if ((m->masked >> f & 1) && !ofp_fields[f].maskable)
			return ofp_einval(eb, "match: %s cannot be masked", ofp_fields[f].name);
		if (ofp_field_check_value((enum ofp_field)f, m->value[f], &reb))
			return ofp_einval(eb, "match: %s", reason);
	}
	ofpbuf_put_be16(b, OFPMT_OXM);
	ofpbuf_put_be16(b, 0);
	for (f = 0; f < OFPF__N; f++) {
		if (!ofp_match_has(m, (enum ofp_field)f))
			continue;
		ofp_oxm_put(b, (enum ofp_field)f, m->value[f], (m->masked >> f & 1) ? m->mask[f] : NULL);
	}
	ofpbuf_set_be16(b, start + 2, (uint16_t)(b->len - start));
	ofpbuf_pad8(b, start);
	return 0;
}

/* ---- text ------------------------------------------------------------------ */

void ofp_format_mac(struct ofpbuf *s, const uint8_t *a)
{
	ofpbuf_printf(s, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

void ofp_format_ipv4(struct ofpbuf *s, const uint8_t *a)
{
	ofpbuf_printf(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

void ofp_format_ipv6(struct ofpbuf *s, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)))
		ofpbuf_printf(s, "%s", buf);
	else
		ofpbuf_printf(s, "?");
}

void ofp_format_port(struct ofpbuf *s, uint32_t port)
{
	switch (port) {
	case OFPP_IN_PORT: ofpbuf_printf(s, "IN_PORT"); break;
	case OFPP_TABLE: ofpbuf_printf(s, "TABLE"); break;
	case OFPP_NORMAL: ofpbuf_printf(s, "NORMAL"); break;
	case OFPP_FLOOD: ofpbuf_printf(s, "FLOOD"); break;
	case OFPP_ALL: ofpbuf_printf(s, "ALL"); break;
	case OFPP_CONTROLLER: ofpbuf_printf(s, "CONTROLLER"); break;
	case OFPP_LOCAL: ofpbuf_printf(s, "LOCAL"); break;
	case OFPP_ANY: ofpbuf_printf(s, "ANY"); break;
	default: ofpbuf_printf(s, "%u", port); break;
	}
}

/* Prefix length of a contiguous mask of n bytes, or -1. */
static int ofp_prefix_len(const uint8_t *mask, size_t n)
{
	size_t i;
	int bits = 0, ended = 0;
	for (i = 0; i < n * 8; i++) {
		int bit = mask[i / 8] >> (7 - i % 8) & 1;
		if (bit && ended)
			return -1;
		if (bit)
			bits++;
		else
			ended = 1;
	}
	return bits;
}

void ofp_format_field_value(struct ofpbuf *s, enum ofp_field f, const uint8_t *v)
{
	const struct ofp_field_info *fi = &ofp_fields[f];

	switch (fi->kind) {
	case OFPFK_DEC:
		ofpbuf_printf(s, "%llu", (unsigned long long)ofp_field_uint(f, v));
		break;
	case OFPFK_HEX:
		if (fi->len == 2)
			ofpbuf_printf(s, "0x%04llx", (unsigned long long)ofp_field_uint(f, v));
		else
			ofpbuf_printf(s, "0x%llx", (unsigned long long)ofp_field_uint(f, v));
		break;
	case OFPFK_PORT:
		ofp_format_port(s, (uint32_t)ofp_field_uint(f, v));
		break;
	case OFPFK_MAC:
		ofp_format_mac(s, v);
		break;
	case OFPFK_IPV4:
		ofp_format_ipv4(s, v);
		break;
	case OFPFK_IPV6:
		ofp_format_ipv6(s, v);
		break;
	}
}

void ofp_format_field(struct ofpbuf *s, enum ofp_field f, const uint8_t *value, const uint8_t *mask)
{
	const struct ofp_field_info *fi = &ofp_fields[f];
	int plen;

	ofpbuf_printf(s, "%s=", fi->name);
	ofp_format_field_value(s, f, value);
	if (!mask)
		return;
	switch (fi->kind) {
	case OFPFK_IPV4:
	case OFPFK_IPV6:
		plen = ofp_prefix_len(mask, fi->len);
		if (plen >= 0) {
			ofpbuf_printf(s, "/%d", plen);
			return;
		}
		ofpbuf_printf(s, "/");
		ofp_format_field_value(s, f, mask);
		return;
	case OFPFK_MAC:
		ofpbuf_printf(s, "/");
		ofp_format_mac(s, mask);
		return;
	default:
		ofpbuf_printf(s, "/0x%llx", (unsigned long long)ofp_field_uint(f, mask));
		return;
	}
}

void ofp_format_match(struct ofpbuf *s, const struct ofp_match *m)
{
	int f, first = 1;
	for (f = 0; f < OFPF__N; f++) {
		if (!ofp_match_has(m, (enum ofp_field)f))
			continue;
		if (!first)
			ofpbuf_printf(s, ",");
		first = 0;
		ofp_format_field(s, (enum ofp_field)f, m->value[f],
				 (m->masked >> f & 1) ? m->mask[f] : NULL);
	}
	if (first)
		ofpbuf_printf(s, "any");
}
