/* hostd/openflow/ofp_buf.h: the two byte containers of the OpenFlow codec.
 *
 * struct ofpbuf is a growable output buffer: encoders append to it (and
 * patch length fields in place through offsets, never through pointers,
 * since appending may move the data); format_ functions append text to one.
 * struct ofp_cur is the bounds-checked pull cursor every decoder reads
 * untrusted bytes through: a pull either returns a pointer to `n` readable
 * bytes or NULL, never a pointer past the end. Used by every ofp_*.c file;
 * nothing here knows about OpenFlow. */
#ifndef DFNIC_OFP_BUF_H
#define DFNIC_OFP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ofpbuf {
	uint8_t *data; /* heap, owned; NULL until the first append */
	size_t len;    /* bytes used */
	size_t cap;    /* bytes allocated */
	int failed;    /* sticky: an allocation failed, contents incomplete */
};

#define OFPBUF_INIT { NULL, 0, 0, 0 }

void ofpbuf_init(struct ofpbuf *b);
/* Frees the data; accepts NULL. The buffer may be reused after init. */
void ofpbuf_uninit(struct ofpbuf *b);
void ofpbuf_clear(struct ofpbuf *b);
/* Appends n bytes (copied from p, or zeros when p is NULL). Returns the
 * offset of the new bytes. On allocation failure sets b->failed and
 * returns the offset anyway (nothing is written). */
size_t ofpbuf_put(struct ofpbuf *b, const void *p, size_t n);
static inline size_t ofpbuf_put_zeros(struct ofpbuf *b, size_t n) { return ofpbuf_put(b, NULL, n); }
size_t ofpbuf_put_u8(struct ofpbuf *b, uint8_t v);
size_t ofpbuf_put_be16(struct ofpbuf *b, uint16_t host_v);
size_t ofpbuf_put_be32(struct ofpbuf *b, uint32_t host_v);
size_t ofpbuf_put_be64(struct ofpbuf *b, uint64_t host_v);
/* Pads with zeros up to a multiple of 8 counted from offset `start`. */
void ofpbuf_pad8(struct ofpbuf *b, size_t start);
/* Pointer to `n` bytes at `ofs`, or NULL when out of range / failed. Valid
 * until the next append. */
void *ofpbuf_at(struct ofpbuf *b, size_t ofs, size_t n);
/* Writes a big-endian 16-bit value at ofs (no-op when out of range). */
void ofpbuf_set_be16(struct ofpbuf *b, size_t ofs, uint16_t host_v);

/* Text: appends and keeps the buffer NUL-terminated (the NUL is not
 * counted in len). ofpbuf_cstr() is "" for an empty or failed buffer. */
void ofpbuf_printf(struct ofpbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ofpbuf_vprintf(struct ofpbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
const char *ofpbuf_cstr(const struct ofpbuf *b);
/* Lower-case hex of n bytes, no separators. */
void ofpbuf_put_hex(struct ofpbuf *b, const void *p, size_t n);

struct ofp_cur {
	const uint8_t *p; /* next unread byte */
	size_t left;      /* bytes readable from p */
};

static inline void ofp_cur_init(struct ofp_cur *c, const void *p, size_t n)
{
	c->p = p;
	c->left = n;
}
/* n bytes, or NULL (cursor unchanged) when fewer remain. */
const void *ofp_cur_pull(struct ofp_cur *c, size_t n);
/* Peek without consuming. */
const void *ofp_cur_peek(const struct ofp_cur *c, size_t n);
/* Splits the next n bytes off into *sub; -1 when fewer remain. */
int ofp_cur_sub(struct ofp_cur *c, size_t n, struct ofp_cur *sub);

/* Unaligned big-endian loads/stores. */
uint16_t ofp_get_be16(const void *p);
uint32_t ofp_get_be32(const void *p);
uint64_t ofp_get_be64(const void *p);
void ofp_put_be16_at(void *p, uint16_t v);
void ofp_put_be32_at(void *p, uint32_t v);
void ofp_put_be64_at(void *p, uint64_t v);

#endif
