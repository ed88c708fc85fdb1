/* hostd/pipeline/pkt.h: the frames the pipeline's packet-in handler reads
 * and writes (pipeline.c): decode an Ethernet/IPv4(/ICMP) frame punted by
 * a switch (untrusted bytes: every length is checked against the buffer
 * and the headers), and build the ICMP echo reply and time-exceeded
 * frames hostd sends back for a router and the ARP requests it sends to
 * resolve external next hops (north/south). No I/O, reentrant. */
#ifndef DFNIC_HOSTD_PIPELINE_PKT_H
#define DFNIC_HOSTD_PIPELINE_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PL_ETH_IPV4 0x0800
#define PL_ETH_ARP 0x0806
#define PL_ETH_VLAN 0x8100
#define PL_IPPROTO_ICMP 1
#define PL_ICMP_ECHO_REPLY 0
#define PL_ICMP_ECHO_REQUEST 8
#define PL_ICMP_TIME_EXCEEDED 11
#define PL_ARP_REQUEST 1
#define PL_ARP_REPLY 2

/* A decoded frame. Offsets are from the start of the frame. */
struct pl_pkt {
	const uint8_t *data;  /* the frame (borrowed) */
	size_t len;           /* its length */
	uint8_t eth_dst[6];   /* destination MAC */
	uint8_t eth_src[6];   /* source MAC */
	uint16_t vlan_tci;    /* 802.1Q TCI, 0 if untagged */
	uint16_t eth_type;    /* ethertype after any VLAN tag */
	size_t l3_ofs;        /* first byte of the L3 header */
	/* IPv4 (eth_type 0x0800) */
	uint8_t ihl;          /* header length, bytes */
	uint8_t ttl;          /* time to live */
	uint8_t proto;        /* protocol */
	uint16_t ip_len;      /* total length from the header */
	uint16_t frag;        /* flags + fragment offset (host order) */
	uint32_t ip_src;      /* host order */
	uint32_t ip_dst;      /* host order */
	size_t l4_ofs;        /* first byte of the L4 header */
	/* ICMP (proto 1, first fragment, >= 8 bytes) */
	int has_icmp;         /* the fields below are valid */
	uint8_t icmp_type;    /* type */
	uint8_t icmp_code;    /* code */
	/* ARP (eth_type 0x0806, Ethernet/IPv4 only) */
	int has_arp;          /* the fields below are valid */
	uint16_t arp_op;      /* 1 request, 2 reply */
	uint8_t arp_sha[6];   /* sender MAC */
	uint32_t arp_spa;     /* sender IPv4, host order */
	uint8_t arp_tha[6];   /* target MAC */
	uint32_t arp_tpa;     /* target IPv4, host order */
};

/* Decodes `len` bytes. Returns 0, or -EINVAL with the reason in err
 * (errlen > 0): short Ethernet header, short/bad IPv4 header (version,
 * IHL, total length beyond the frame, bad header checksum), short ICMP,
 * short ARP or ARP other than Ethernet/IPv4 (htype 1, ptype 0x0800, hlen
 * 6, plen 4). Other ethertypes decode fine (eth fields only). */
int pl_pkt_parse(const void *data, size_t len, struct pl_pkt *p, char *err, size_t errlen);

/* Internet checksum (RFC 1071) of n bytes, in host order (already
 * complemented: write it big-endian into the checksum field). */
uint16_t pl_csum(const void *data, size_t n);

/* Echo reply to the echo request p (p->has_icmp, type 8) into out (cap
 * bytes): MACs and IPs swapped, type 0, TTL 64, checksums recomputed, the
 * echo payload kept. Returns the frame length or -EINVAL / -ENOSPC. */
int pl_icmp_echo_reply(const struct pl_pkt *p, uint8_t *out, size_t cap);

/* Time exceeded (type 11 code 0) about p from the router (MAC rmac, IPv4
 * rip host order) to p's sender: the original IP header + 8 bytes of
 * payload quoted, TTL 64, checksums computed. Returns the length or
 * -EINVAL / -ENOSPC. */
int pl_icmp_time_exceeded(const struct pl_pkt *p, const uint8_t rmac[6], uint32_t rip,
			  uint8_t *out, size_t cap);

/* ARP request from (smac, spa) for tpa (addresses host order), broadcast,
 * into out (cap bytes). Returns the length (42) or -ENOSPC. */
int pl_arp_request(const uint8_t smac[6], uint32_t spa, uint32_t tpa, uint8_t *out, size_t cap);

#endif
