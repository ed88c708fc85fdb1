/* hostd/pipeline/pkt.c: decoding of punted frames and construction of the
 * ICMP frames hostd answers for a router and the ARP requests it sends
 * for external next hops (pkt.h). Used by pipeline.c's
 * packet-in handler; all reads are bounds-checked against the frame. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hostd/pipeline/pkt.h"

#define ETH_HLEN 14
#define IP_MIN_HLEN 20
#define ICMP_HLEN 8
#define ARP_LEN 28
#define REPLY_TTL 64

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen,
							 const char *fmt, ...)
{
	va_list ap;
	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

uint16_t pl_csum(const void *data, size_t n)
{
	const uint8_t *b = data;
	uint32_t s = 0;
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		s += rd16(b + i);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int parse_arp(const uint8_t *b, size_t len, size_t ofs, struct pl_pkt *p, char *err,
		     size_t errlen)
{
	const uint8_t *a = b + ofs;
	if (len - ofs < ARP_LEN)
		return bad(err, errlen, "ARP cut: %zu bytes after L2, need %d", len - ofs, ARP_LEN);
	if (rd16(a) != 1 || rd16(a + 2) != PL_ETH_IPV4 || a[4] != 6 || a[5] != 4)
		return bad(err, errlen,
			   "ARP for htype %u ptype 0x%04x hlen %u plen %u, not Ethernet/IPv4",
			   rd16(a), rd16(a + 2), a[4], a[5]);
	p->arp_op = rd16(a + 6);
	memcpy(p->arp_sha, a + 8, 6);
	p->arp_spa = rd32(a + 14);
	memcpy(p->arp_tha, a + 18, 6);
	p->arp_tpa = rd32(a + 24);
	p->has_arp = 1;
	return 0;
}

int pl_pkt_parse(const void *data, size_t len, struct pl_pkt *p, char *err, size_t errlen)
{
	const uint8_t *b = data;
	size_t ofs = 12, iplen;

	memset(p, 0, sizeof(*p));
	p->data = b;
	p->len = len;
	if (len < ETH_HLEN)
		return bad(err, errlen, "frame of %zu bytes is shorter than an Ethernet header (%d)",
			   len, ETH_HLEN);
	memcpy(p->eth_dst, b, 6);
	memcpy(p->eth_src, b + 6, 6);
	p->eth_type = rd16(b + ofs);
	ofs += 2;
	if (p->eth_type == PL_ETH_VLAN) {
		if (len < ofs + 4)
			return bad(err, errlen, "VLAN tag cut: frame of %zu bytes, need %zu", len,
				   ofs + 4);
		p->vlan_tci = rd16(b + ofs);
		p->eth_type = rd16(b + ofs + 2);
		ofs += 4;
	}
	p->l3_ofs = ofs;
	if (p->eth_type == PL_ETH_ARP)
		return parse_arp(b, len, ofs, p, err, errlen);
	if (p->eth_type != PL_ETH_IPV4)
		return 0;

	if (len < ofs + IP_MIN_HLEN)
		return bad(err, errlen, "IPv4 header cut: %zu bytes after L2, need %d", len - ofs,
			   IP_MIN_HLEN);
	if ((b[ofs] >> 4) != 4)
		return bad(err, errlen, "IPv4 version field is %d (byte %zu)", b[ofs] >> 4, ofs);
	p->ihl = (uint8_t)((b[ofs] & 0xf) * 4);
	if (p->ihl < IP_MIN_HLEN)
		return bad(err, errlen, "IPv4 IHL of %d bytes is below %d", p->ihl, IP_MIN_HLEN);
	if (len < ofs + p->ihl)
		return bad(err, errlen, "IPv4 options cut: IHL %d, %zu bytes left", p->ihl,
			   len - ofs);
	p->ip_len = rd16(b + ofs + 2);
	iplen = p->ip_len;
	if (iplen < p->ihl)
		return bad(err, errlen, "IPv4 total length %zu below its header length %d", iplen,
			   p->ihl);
	if (iplen > len - ofs)
		return bad(err, errlen, "IPv4 total length %zu exceeds the %zu bytes present", iplen,
			   len - ofs);
	if (pl_csum(b + ofs, p->ihl) != 0)
		return bad(err, errlen, "IPv4 header checksum 0x%04x is wrong (header of %d bytes)",
			   rd16(b + ofs + 10), p->ihl);
	p->frag = rd16(b + ofs + 6);
	p->ttl = b[ofs + 8];
	p->proto = b[ofs + 9];
	p->ip_src = rd32(b + ofs + 12);
	p->ip_dst = rd32(b + ofs + 16);
	p->l4_ofs = ofs + p->ihl;
	if (p->proto == PL_IPPROTO_ICMP && (p->frag & 0x1fff) == 0) {
		if (iplen - p->ihl < ICMP_HLEN)
			return bad(err, errlen, "ICMP header cut: %zu bytes, need %d", iplen - p->ihl,
				   ICMP_HLEN);
		p->has_icmp = 1;
		p->icmp_type = b[p->l4_ofs];
		p->icmp_code = b[p->l4_ofs + 1];
	}
	return 0;
}

/* Ethernet + IPv4 header (no options) of a frame hostd sends. */
static void put_eth_ip(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t ip_len,
		       uint32_t ip_src, uint32_t ip_dst)
{
	uint8_t *ip = out + ETH_HLEN;
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	wr16(out + 12, PL_ETH_IPV4);
	memset(ip, 0, IP_MIN_HLEN);
	ip[0] = 0x45;
	wr16(ip + 2, ip_len);
	ip[8] = REPLY_TTL;
	ip[9] = PL_IPPROTO_ICMP;
	wr32(ip + 12, ip_src);
	wr32(ip + 16, ip_dst);
	wr16(ip + 10, pl_csum(ip, IP_MIN_HLEN));
}

int pl_icmp_echo_reply(const struct pl_pkt *p, uint8_t *out, size_t cap)
{
	size_t icmp_len, total;
	uint8_t *icmp;

	if (!p->has_icmp || p->icmp_type != PL_ICMP_ECHO_REQUEST)
		return -EINVAL;
	icmp_len = (size_t)p->ip_len - p->ihl; /* options are not echoed */
	total = ETH_HLEN + IP_MIN_HLEN + icmp_len;
	if (total > cap)
		return -ENOSPC;
	put_eth_ip(out, p->eth_src, p->eth_dst, (uint16_t)(IP_MIN_HLEN + icmp_len), p->ip_dst,
		   p->ip_src);
	icmp = out + ETH_HLEN + IP_MIN_HLEN;
	memcpy(icmp, p->data + p->l4_ofs, icmp_len);
	icmp[0] = PL_ICMP_ECHO_REPLY;
	icmp[1] = 0;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, pl_csum(icmp, icmp_len));
	return (int)total;
}

int pl_icmp_time_exceeded(const struct pl_pkt *p, const uint8_t rmac[6], uint32_t rip,
			  uint8_t *out, size_t cap)
{
	size_t quote, icmp_len, total;
	uint8_t *icmp;

	if (p->eth_type != PL_ETH_IPV4 || !p->ihl)
		return -EINVAL;
	quote = p->ihl + 8u;
	if (quote > p->ip_len)
		quote = p->ip_len;
	icmp_len = ICMP_HLEN + quote;
	total = ETH_HLEN + IP_MIN_HLEN + icmp_len;
	if (total > cap)
		return -ENOSPC;
	put_eth_ip(out, p->eth_src, rmac, (uint16_t)(IP_MIN_HLEN + icmp_len), rip, p->ip_src);
	icmp = out + ETH_HLEN + IP_MIN_HLEN;
	memset(icmp, 0, ICMP_HLEN);
	icmp[0] = PL_ICMP_TIME_EXCEEDED;
	memcpy(icmp + ICMP_HLEN, p->data + p->l3_ofs, quote);
	wr16(icmp + 2, pl_csum(icmp, icmp_len));
	return (int)total;
}

int pl_arp_request(const uint8_t smac[6], uint32_t spa, uint32_t tpa, uint8_t *out, size_t cap)
{
	uint8_t *a = out + ETH_HLEN;
	if (cap < ETH_HLEN + ARP_LEN)
		return -ENOSPC;
	memset(out, 0xff, 6);
	memcpy(out + 6, smac, 6);
	wr16(out + 12, PL_ETH_ARP);
	wr16(a, 1);
	wr16(a + 2, PL_ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, PL_ARP_REQUEST);
	memcpy(a + 8, smac, 6);
	wr32(a + 14, spa);
	memset(a + 18, 0, 6);
	wr32(a + 24, tpa);
	return ETH_HLEN + ARP_LEN;
}
