/* hostd/openflow/ofp_buf.c: growable output buffer and pull cursor of the
 * OpenFlow codec (see ofp_buf.h). */
#include "hostd/openflow/ofp_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ofpbuf_init(struct ofpbuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void ofpbuf_uninit(struct ofpbuf *b)
{
	if (!b)
		return;
	free(b->data);
	ofpbuf_init(b);
}

void ofpbuf_clear(struct ofpbuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = 0;
}

/* Makes room for n more bytes plus a NUL; 0 or -1. */
static int ofpbuf_reserve(struct ofpbuf *b, size_t n)
{
	size_t need, cap;
	uint8_t *p;

	if (b->failed)
		return -1;
	need = b->len + n + 1;
	if (need < b->len) {
		b->failed = 1;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

size_t ofpbuf_put(struct ofpbuf *b, const void *p, size_t n)
{
	size_t ofs = b->len;

	if (ofpbuf_reserve(b, n))
		return ofs;
	if (p)
		memcpy(b->data + ofs, p, n);
	else
		memset(b->data + ofs, 0, n);
	b->len += n;
	b->data[b->len] = 0;
	return ofs;
}

size_t ofpbuf_put_u8(struct ofpbuf *b, uint8_t v)
{
	return ofpbuf_put(b, &v, 1);
}

size_t ofpbuf_put_be16(struct ofpbuf *b, uint16_t v)
{
	uint8_t x[2];
	ofp_put_be16_at(x, v);
	return ofpbuf_put(b, x, 2);
}

size_t ofpbuf_put_be32(struct ofpbuf *b, uint32_t v)
{
	uint8_t x[4];
	ofp_put_be32_at(x, v);
	return ofpbuf_put(b, x, 4);
}

size_t ofpbuf_put_be64(struct ofpbuf *b, uint64_t v)
{
	uint8_t x[8];
	ofp_put_be64_at(x, v);
	return ofpbuf_put(b, x, 8);
}

void ofpbuf_pad8(struct ofpbuf *b, size_t start)
{
	size_t used = b->len - start;
	if (used % 8)
		ofpbuf_put_zeros(b, 8 - used % 8);
}

void *ofpbuf_at(struct ofpbuf *b, size_t ofs, size_t n)
{
	if (b->failed || ofs > b->len || n > b->len - ofs)
		return NULL;
	return b->data + ofs;
}

void ofpbuf_set_be16(struct ofpbuf *b, size_t ofs, uint16_t v)
{
	uint8_t *p = ofpbuf_at(b, ofs, 2);
	if (p)
		ofp_put_be16_at(p, v);
}

void ofpbuf_vprintf(struct ofpbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || ofpbuf_reserve(b, (size_t)n))
		return;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void ofpbuf_printf(struct ofpbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ofpbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *ofpbuf_cstr(const struct ofpbuf *b)
{
	if (!b->data || b->failed)
		return "";
	return (const char *)b->data;
}

void ofpbuf_put_hex(struct ofpbuf *b, const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *s = p;
	size_t i;

	if (ofpbuf_reserve(b, 2 * n))
		return;
	for (i = 0; i < n; i++) {
		b->data[b->len++] = (uint8_t)digits[s[i] >> 4];
		b->data[b->len++] = (uint8_t)digits[s[i] & 15];
	}
	b->data[b->len] = 0;
}

const void *ofp_cur_pull(struct ofp_cur *c, size_t n)
{
	const void *p;
	if (n > c->left)
		return NULL;
	p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

const void *ofp_cur_peek(const struct ofp_cur *c, size_t n)
{
	return n > c->left ? NULL : c->p;
}

int ofp_cur_sub(struct ofp_cur *c, size_t n, struct ofp_cur *sub)
{
	const void *p = ofp_cur_pull(c, n);
	if (!p)
		return -1;
	ofp_cur_init(sub, p, n);
	return 0;
}

uint16_t ofp_get_be16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t ofp_get_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t ofp_get_be64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)ofp_get_be32(b) << 32 | ofp_get_be32(b + 4);
}

void ofp_put_be16_at(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void ofp_put_be32_at(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

void ofp_put_be64_at(void *p, uint64_t v)
{
	uint8_t *b = p;
	ofp_put_be32_at(b, (uint32_t)(v >> 32));
	ofp_put_be32_at(b + 4, (uint32_t)v);
}
