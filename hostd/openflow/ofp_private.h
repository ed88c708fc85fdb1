/* hostd/openflow/ofp_private.h: what the codec files share internally.
 *
 * ofp_msg.c dispatches on OFP_MSG_TYPES to one decode_/encode_/format_
 * triple per family, declared here; the building blocks several families
 * use (match, actions, instructions, buckets, ports, flow stats) are here
 * too. Contract of the triples:
 *   ofp_decode_<fam>(c, msg, eb): c covers the whole message (header
 *     included; its length is at least the kind's minimum, the header has
 *     been checked); the decoder pulls the rest and must leave nothing it
 *     does not understand (ofp_msg.c rejects trailing bytes).
 *   ofp_encode_<fam>(msg, b, eb): appends the body after the 8-byte header
 *     ofp_msg.c has written; 0 or -EINVAL with a reason.
 *   ofp_format_<fam>(s, msg): appends " key=value..." after "NAME xid=..".
 * Not part of the API: nothing outside hostd/openflow/ includes this. */
#ifndef DFNIC_OFP_PRIVATE_H
#define DFNIC_OFP_PRIVATE_H

#include <stddef.h>

#include "hostd/openflow/ofp.h"

#define OFP_FAMILY_DECLS(id, code, size, fam)                                     \
	enum ofperr ofp_decode_##fam(struct ofp_cur *c, struct ofp_msg *msg,       \
				     struct ofp_errbuf *eb);                       \
	int ofp_encode_##fam(const struct ofp_msg *msg, struct ofpbuf *b,         \
			     struct ofp_errbuf *eb);                               \
	void ofp_format_##fam(struct ofpbuf *s, const struct ofp_msg *msg);
OFP_MSG_TYPES(OFP_FAMILY_DECLS)

/* Field loads from wire structs at any alignment (never dereference a
 * wire struct pointer into a received buffer: it may be misaligned). */
#define OFP_GET8(p, T, f) (((const uint8_t *)(p))[offsetof(struct T, f)])
#define OFP_GET16(p, T, f) ofp_get_be16((const uint8_t *)(p) + offsetof(struct T, f))
#define OFP_GET32(p, T, f) ofp_get_be32((const uint8_t *)(p) + offsetof(struct T, f))
#define OFP_GET64(p, T, f) ofp_get_be64((const uint8_t *)(p) + offsetof(struct T, f))

/* Records a reason for an encode failure and returns -EINVAL. */
int ofp_einval(struct ofp_errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Pulls `n` bytes of padding (content ignored, as OpenFlow peers do). */
static inline const void *ofp_pull_pad(struct ofp_cur *c, size_t n) { return ofp_cur_pull(c, n); }

/* ---- ofp_match.c ---- */
/* Pulls a struct ofp_match with its TLVs and padding. */
enum ofperr ofp_match_pull(struct ofp_cur *c, struct ofp_match *m, struct ofp_errbuf *eb);
/* Same, but skips (and counts in *n_skipped) well-formed TLVs of unknown
 * fields of the NXM0/NXM1/OPENFLOW_BASIC classes and experimenter-class
 * fields; their length is still bounds-checked. PACKET_IN only: a switch
 * reports its whole pipeline metadata there, hostd must not drop the
 * packet over a field it has no use for. */
enum ofperr ofp_match_pull_lenient(struct ofp_cur *c, struct ofp_match *m, unsigned *n_skipped,
				   struct ofp_errbuf *eb);
/* Appends the struct ofp_match (canonical order, padded); -EINVAL when a
 * prerequisite is missing. */
int ofp_match_put(struct ofpbuf *b, const struct ofp_match *m, struct ofp_errbuf *eb);
/* An ofp_header (version, type code, xid) whose length ofp_header_end
 * sets once the body follows: the message's offset in b. */
size_t ofp_header_put(struct ofpbuf *b, uint8_t version, uint8_t type, uint32_t xid);
void ofp_header_end(struct ofpbuf *b, size_t start);
/* An ONF bundle add's body up to its inner message (flags checked). */
int ofp_bundle_add_head_put(struct ofpbuf *b, uint32_t bundle_id, uint16_t flags,
			    struct ofp_errbuf *eb);
/* One OXM TLV: field, value and mask (all-ones when absent). */
enum ofperr ofp_oxm_pull(struct ofp_cur *c, int *field, uint8_t *value, uint8_t *mask,
			 int *hasmask, struct ofp_errbuf *eb);
void ofp_oxm_put(struct ofpbuf *b, enum ofp_field f, const uint8_t *value, const uint8_t *mask);
/* Checks a value against the field's allowed range (vlan_vid <= 0x1fff...). */
enum ofperr ofp_field_check_value(enum ofp_field f, const uint8_t *value, struct ofp_errbuf *eb);
void ofp_format_field(struct ofpbuf *s, enum ofp_field f, const uint8_t *value, const uint8_t *mask);
void ofp_format_field_value(struct ofpbuf *s, enum ofp_field f, const uint8_t *value);
uint64_t ofp_field_uint(enum ofp_field f, const uint8_t *value);
void ofp_field_set_uint(enum ofp_field f, uint8_t *value, uint64_t v);
void ofp_format_ipv6(struct ofpbuf *s, const uint8_t *a);
void ofp_format_ipv4(struct ofpbuf *s, const uint8_t *a);
void ofp_format_mac(struct ofpbuf *s, const uint8_t *a);

/* ---- ofp_actions.c ---- */
/* Pulls `len` bytes of actions (len is untrusted: checked against c). */
enum ofperr ofp_actions_pull(struct ofp_cur *c, size_t len, struct ofp_actions *l,
			     struct ofp_errbuf *eb);
int ofp_actions_put(struct ofpbuf *b, const struct ofp_actions *l, struct ofp_errbuf *eb);
/* Pulls instructions until c is empty. */
enum ofperr ofp_instructions_pull(struct ofp_cur *c, struct ofp_instructions *in,
				  struct ofp_errbuf *eb);
int ofp_instructions_put(struct ofpbuf *b, const struct ofp_instructions *in,
			 struct ofp_errbuf *eb);

/* ---- ofp_group_meter.c ---- */
enum ofperr ofp_buckets_pull(struct ofp_cur *c, struct ofp_buckets *bl, struct ofp_errbuf *eb);
int ofp_buckets_put(struct ofpbuf *b, const struct ofp_buckets *bl, struct ofp_errbuf *eb);
void ofp_buckets_uninit(struct ofp_buckets *bl);
void ofp_format_buckets(struct ofpbuf *s, const struct ofp_buckets *bl);
const char *ofp_group_type_name(uint8_t type);

/* ---- ofp_switch.c ---- */
void ofp_port_desc_from_wire(struct ofp_port_desc *d, const struct ofp13_port *w);
void ofp_port_desc_put(struct ofpbuf *b, const struct ofp_port_desc *d);
void ofp_format_port_desc(struct ofpbuf *s, const struct ofp_port_desc *d);

/* ---- ofp_flow.c ---- */
enum ofperr ofp_flow_stats_pull(struct ofp_cur *c, struct ofp_flow_stats *fs,
				struct ofp_errbuf *eb);
int ofp_flow_stats_put(struct ofpbuf *b, const struct ofp_flow_stats *fs, struct ofp_errbuf *eb);
void ofp_format_flow_stats(struct ofpbuf *s, const struct ofp_flow_stats *fs);
void ofp_format_flow_mod_flags(struct ofpbuf *s, uint16_t flags);

/* ---- ofp_bundle.c ---- */
/* "BAD_TYPE" for an ONF bundle error exp_type (2300..2315), else NULL. */
const char *ofp_bundle_error_name(uint16_t exp_type);

/* ---- ofp_multipart.c ---- */
void ofp_mp_uninit(struct ofp_msg *msg);
size_t ofp_mp_item_size(enum ofp_msg_type kind, uint16_t mp_type);

/* Generic growable array: makes room for one more element of `size`. */
void *ofp_array_add(void **items, size_t *n, size_t *cap, size_t size);

#endif
