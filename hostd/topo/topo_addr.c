/* hostd/topo/topo_addr.c: IP / CIDR / MAC parsing and formatting for the
 * topology model (topo.h). Pure functions, no state; used by topo.c for
 * validation and by topo_json.c for the wire representation. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "hostd/topo/topo.h"

uint32_t topo_ip_v4(const struct topo_ip *ip)
{
	if (ip->version != 4)
		return 0;
	return (uint32_t)ip->b[0] << 24 | (uint32_t)ip->b[1] << 16 | (uint32_t)ip->b[2] << 8 |
	       ip->b[3];
}

struct topo_ip topo_ip_from_v4(uint32_t h)
{
	struct topo_ip ip = { .version = 4 };
	ip.b[0] = (uint8_t)(h >> 24);
	ip.b[1] = (uint8_t)(h >> 16);
	ip.b[2] = (uint8_t)(h >> 8);
	ip.b[3] = (uint8_t)h;
	return ip;
}

bool topo_ip_eq(const struct topo_ip *a, const struct topo_ip *b)
{
	return a->version == b->version && !memcmp(a->b, b->b, sizeof(a->b));
}

static unsigned ip_bits(uint8_t version)
{
	return version == 4 ? 32 : 128;
}

/* Do a and b agree on their first plen bits? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

bool topo_cidr_contains(const struct topo_cidr *c, const struct topo_ip *ip)
{
	return c->addr.version == ip->version && prefix_eq(c->addr.b, ip->b, c->plen);
}

bool topo_cidr_overlap(const struct topo_cidr *a, const struct topo_cidr *b)
{
	if (a->addr.version != b->addr.version)
		return false;
	return prefix_eq(a->addr.b, b->addr.b, DFN_MIN(a->plen, b->plen));
}

int topo_ip_parse(const char *s, struct topo_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->version = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->version = 6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int topo_cidr_parse(const char *s, struct topo_cidr *out)
{
	char buf[TOPO_CIDR_STRLEN];
	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (topo_ip_parse(buf, &out->addr))
		return -EINVAL;
	const char *p = slash + 1;
	if (!*p || strlen(p) > 3)
		return -EINVAL;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -EINVAL;
	unsigned long plen = strtoul(p, NULL, 10);
	if (plen > ip_bits(out->addr.version))
		return -EINVAL;
	out->plen = (uint8_t)plen;
	/* No host bits: the address must equal its own network address. */
	struct topo_ip net = out->addr;
	for (unsigned i = out->plen; i < ip_bits(net.version); i++)
		net.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	if (!topo_ip_eq(&net, &out->addr))
		return -EINVAL;
	return 0;
}

int topo_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++) {
		char c = s[i];
		if (i % 3 == 2) {
			if (c != ':')
				return -EINVAL;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return -EINVAL;
		}
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	/* A port MAC must be unicast and not all-zero. */
	if (mac[0] & 1)
		return -EINVAL;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

/* "a.b.c.d" as inet_ntop writes it (no leading zeros), by hand: formatted
 * for every port the store writes. */
static void v4_fmt(const uint8_t b[4], char *buf)
{
	char *o = buf;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (i)
			*o++ = '.';
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
	}
	*o = '\0';
}

const char *topo_ip_fmt(const struct topo_ip *ip, char *buf)
{
	if (ip->version == 4)
		v4_fmt(ip->b, buf);
	else if (ip->version == 6)
		inet_ntop(AF_INET6, ip->b, buf, TOPO_IP_STRLEN);
	else
		buf[0] = '\0';
	return buf;
}

const char *topo_cidr_fmt(const struct topo_cidr *c, char *buf)
{
	char ip[TOPO_IP_STRLEN];
	snprintf(buf, TOPO_CIDR_STRLEN, "%s/%u", topo_ip_fmt(&c->addr, ip), c->plen);
	return buf;
}

const char *topo_mac_fmt(const uint8_t mac[6], char *buf)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) { /* "%02x:" each, by hand */
		buf[i * 3] = hex[mac[i] >> 4];
		buf[i * 3 + 1] = hex[mac[i] & 15];
		buf[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	return buf;
}
