/* tests/fuzz/pipeline_pkt.c: libFuzzer target for the pipeline's punted
 * frame decoder (hostd/pipeline/pkt.c): the input is a frame as a switch
 * hands it to hostd in a PACKET_IN (any VM or external host can make it).
 *
 * pl_pkt_parse() must either refuse it with a reason, or accept it with
 * every offset and length inside the frame (IPv4 total length within the
 * bytes present, ICMP and ARP fields only when their headers fit). What
 * hostd builds from an accepted frame must itself decode: the echo reply
 * (addresses swapped, type 0, the echo payload kept, checksums valid), the
 * time exceeded (quoting the header that was decoded), and an ARP request
 * from the decoded sender for the decoded target. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/pipeline/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_layout(const struct pl_pkt *p, size_t size)
{
	if (p->len != size || p->l3_ofs > size || p->l3_ofs < 14)
		__builtin_trap();
	if (p->eth_type == PL_ETH_IPV4) {
		if (p->ihl < 20 || p->ip_len < p->ihl || p->l3_ofs + p->ip_len > size ||
		    p->l4_ofs != p->l3_ofs + p->ihl)
			__builtin_trap();
		if (p->has_icmp && (p->proto != PL_IPPROTO_ICMP || p->ip_len - p->ihl < 8))
			__builtin_trap();
		if (pl_csum(p->data + p->l3_ofs, p->ihl) != 0)
			__builtin_trap(); /* accepted a bad header checksum */
	} else if (p->has_icmp || p->ihl) {
		__builtin_trap();
	}
	if (p->has_arp != (p->eth_type == PL_ETH_ARP) || (p->has_arp && p->l3_ofs + 28 > size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t rmac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t out[1600];
	struct pl_pkt p, q;
	char err[160];
	int n;

	err[0] = '\0';
	if (pl_pkt_parse(data, size, &p, err, sizeof(err))) {
		if (!err[0] || !memchr(err, 0, sizeof(err)))
			__builtin_trap(); /* refused without a reason */
		return 0;
	}
	check_layout(&p, size);

	n = pl_icmp_echo_reply(&p, out, sizeof(out));
	if (p.has_icmp && p.icmp_type == PL_ICMP_ECHO_REQUEST) {
		if (n == -ENOSPC)
			return 0;
		if (n < 0 || pl_pkt_parse(out, (size_t)n, &q, err, sizeof(err)))
			__builtin_trap(); /* our echo reply does not decode */
		check_layout(&q, (size_t)n);
		if (!q.has_icmp || q.icmp_type != PL_ICMP_ECHO_REPLY || q.ip_src != p.ip_dst ||
		    q.ip_dst != p.ip_src || memcmp(q.eth_dst, p.eth_src, 6) ||
		    q.ip_len - q.ihl != p.ip_len - p.ihl ||
		    pl_csum(out + q.l4_ofs, (size_t)(q.ip_len - q.ihl)) != 0 ||
		    memcmp(out + q.l4_ofs + 4, p.data + p.l4_ofs + 4, (size_t)(p.ip_len - p.ihl) - 4))
			__builtin_trap();
	} else if (n != -EINVAL) {
		__builtin_trap(); /* answered something that is no echo request */
	}

	n = pl_icmp_time_exceeded(&p, rmac, 0x0a000001, out, sizeof(out));
	if (p.eth_type == PL_ETH_IPV4) {
		if (n == -ENOSPC)
			return 0;
		if (n < 0 || pl_pkt_parse(out, (size_t)n, &q, err, sizeof(err)))
			__builtin_trap();
		check_layout(&q, (size_t)n);
		if (!q.has_icmp || q.icmp_type != PL_ICMP_TIME_EXCEEDED || q.ip_dst != p.ip_src ||
		    memcmp(out + q.l4_ofs + 8, p.data + p.l3_ofs, p.ihl))
			__builtin_trap(); /* does not quote the offending header */
	} else if (n != -EINVAL) {
		__builtin_trap();
	}

	if (p.has_arp) {
		n = pl_arp_request(p.arp_sha, p.arp_spa, p.arp_tpa, out, sizeof(out));
		if (n != 42 || pl_pkt_parse(out, (size_t)n, &q, err, sizeof(err)) || !q.has_arp ||
		    q.arp_op != PL_ARP_REQUEST || q.arp_spa != p.arp_spa || q.arp_tpa != p.arp_tpa ||
		    memcmp(q.arp_sha, p.arp_sha, 6))
			__builtin_trap();
	}
	return 0;
}
