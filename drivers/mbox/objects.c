/* drivers/mbox/objects.c: decode_/encode_/format_ of the object bodies
 * listed in objects.h. session.c hands OBJ_SET bodies over untouched; the
 * firmware's mirror calls mbox_obj_check() before storing one, and hostd
 * encodes its state with the encode_ functions. */
#include "drivers/mbox/objects.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *mbox_obj_kind_name(unsigned kind)
{
	switch (kind) {
#define MBOX_OBJ_NAME(name, lname, code, size, desc) case code: return #name;
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_NAME)
#undef MBOX_OBJ_NAME
	default:
		return NULL;
	}
}

/* A NUL-padded printable string field of `cap` bytes: copy it to out
 * (cap + 1 bytes) or say what is wrong with it. */
static int pull_string(const char *field, const char *src, size_t cap, char *out,
		       char *err, size_t errlen)
{
	size_t n = 0;
	while (n < cap && src[n])
		n++;
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", field);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, errlen, "%s has a non-printable byte %#x at %zu", field, c, i);
			return -EBADMSG;
		}
	}
	for (size_t i = n; i < cap; i++) {
		if (src[i]) {
			snprintf(err, errlen, "%s has nonzero padding at %zu", field, i);
			return -EBADMSG;
		}
	}
	memcpy(out, src, n);
	out[n] = '\0';
	return 0;
}

static int put_string(const char *s, char *dst, size_t cap)
{
	size_t n = strlen(s);
	if (n == 0 || n > cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -EINVAL;
	memset(dst, 0, cap);
	memcpy(dst, s, n);
	return 0;
}

int mbox_decode_host_info(const uint8_t *body, size_t len, struct mbox_host_info *out,
			  char *err, size_t errlen)
{
	char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (len != sizeof(struct mbox_wire_host_info)) {
		snprintf(err, errlen, "HOST_INFO body is %zu bytes, expected %zu", len,
			 sizeof(struct mbox_wire_host_info));
		return -EBADMSG;
	}
	struct mbox_wire_host_info w;
	memcpy(&w, body, sizeof(w));
	int r = pull_string("hostname", w.hostname, sizeof(w.hostname), out->hostname, err, errlen);
	if (r)
		return r;
	return pull_string("version", w.version, sizeof(w.version), out->version, err, errlen);
}

int mbox_encode_host_info(const struct mbox_host_info *in, void *buf, size_t cap)
{
	struct mbox_wire_host_info w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	if (put_string(in->hostname, w.hostname, sizeof(w.hostname)) ||
	    put_string(in->version, w.version, sizeof(w.version)))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_host_info(const struct mbox_host_info *in, char *buf, size_t cap)
{
	return snprintf(buf, cap, "hostname=%s version=%s", in->hostname, in->version);
}

/* ---- topology kinds ------------------------------------------------------ */

const char *mbox_obj_status_name(unsigned status)
{
	switch (status) {
#define MBOX_ST_NAME(name, code, text) case code: return text;
	MBOX_OBJ_STATUS_LIST(MBOX_ST_NAME)
#undef MBOX_ST_NAME
	default:
		return NULL;
	}
}

const char *mbox_ipv4_fmt(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

static const char *mac_fmt(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static uint32_t plen_mask(unsigned plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* Shared checks. Each returns 0 or -EBADMSG with the field named. */
#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -EBADMSG)

static int check_len(const char *kind, size_t len, size_t want, char *err, size_t errlen)
{
	if (len != want)
		return BAD("%s body is %zu bytes, expected %zu", kind, len, want);
	return 0;
}

static int check_zero(const char *kind, const char *field, const void *p, size_t n, char *err,
		      size_t errlen)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return BAD("%s %s byte %zu is %#x, must be zero", kind, field, i, b[i]);
	return 0;
}

static int check_key(const char *kind, const char *field, uint32_t v, char *err, size_t errlen)
{
	if (!v)
		return BAD("%s %s is 0 (no such key)", kind, field);
	return 0;
}

static int check_mac(const char *kind, const uint8_t mac[6], int zero_ok, char *err,
		     size_t errlen)
{
	static const uint8_t zero[6];
	if (!memcmp(mac, zero, 6)) {
		if (zero_ok)
			return 0;
		return BAD("%s mac is 00:00:00:00:00:00", kind);
	}
	if (mac[0] & 1) {
		char b[18];
		return BAD("%s mac %s is multicast", kind, mac_fmt(mac, b));
	}
	return 0;
}

static int check_prefix(const char *kind, const char *field, uint32_t addr, unsigned plen,
			char *err, size_t errlen)
{
	char b[16];
	if (plen > 32)
		return BAD("%s %s prefix length %u is above 32", kind, field, plen);
	if (addr & ~plen_mask(plen))
		return BAD("%s %s %s/%u has host bits set", kind, field, mbox_ipv4_fmt(addr, b), plen);
	return 0;
}

static uint32_t rd32(le32 v) { return le32toh(v); }

/* A NUL-padded printable name (ifname): like pull_string. */
#define TRY(x)                   \
	do {                     \
		int r_ = (x);    \
		if (r_)          \
			return r_; \
	} while (0)

static char *dummy_err(char **err, size_t *errlen)
{
	static __thread char dummy[8];
	if (!*err || !*errlen) {
		*err = dummy;
		*errlen = sizeof(dummy);
	}
	return *err;
}

int mbox_decode_nic_port(const uint8_t *body, size_t len, struct mbox_nic_port *out, char *err,
			 size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_nic_port w;
	TRY(check_len("NIC_PORT", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_key("NIC_PORT", "network", rd32(w.network), err, errlen));
	TRY(check_mac("NIC_PORT", w.mac, 0, err, errlen));
	if (w.flags & ~MBOX_PORT_F_UP)
		return BAD("NIC_PORT flags %#x has unknown bits", w.flags);
	TRY(check_zero("NIC_PORT", "pad", &w.pad, 1, err, errlen));
	TRY(check_zero("NIC_PORT", "reserved", &w.reserved, 4, err, errlen));
	char why[96];
	if (pull_string("ifname", w.ifname, sizeof(w.ifname), out->ifname, why, sizeof(why)))
		return BAD("NIC_PORT %s", why);
	out->network = rd32(w.network);
	memcpy(out->mac, w.mac, 6);
	out->flags = w.flags;
	return 0;
}

int mbox_encode_nic_port(const struct mbox_nic_port *in, void *buf, size_t cap)
{
	struct mbox_wire_nic_port w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.network = htole32(in->network);
	memcpy(w.mac, in->mac, 6);
	w.flags = in->flags;
	if (put_string(in->ifname, w.ifname, sizeof(w.ifname)))
		return -EINVAL;
	if (mbox_decode_nic_port((const uint8_t *)&w, sizeof(w), &(struct mbox_nic_port){ 0 },
				 NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_nic_port(const struct mbox_nic_port *in, char *buf, size_t cap)
{
	char m[18];
	return snprintf(buf, cap, "network=%u mac=%s ifname=%s%s", in->network, mac_fmt(in->mac, m),
			in->ifname, in->flags & MBOX_PORT_F_UP ? "" : " down");
}

static const char *net_type_name(unsigned t)
{
	switch (t) {
#define MBOX_NET_NAME(n, v, s) case v: return s;
	MBOX_NET_TYPES(MBOX_NET_NAME)
#undef MBOX_NET_NAME
	default:
		return NULL;
	}
}

int mbox_decode_network(const uint8_t *body, size_t len, struct mbox_network *out, char *err,
			size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_network w;
	TRY(check_len("NETWORK", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_zero("NETWORK", "pad", w.pad, sizeof(w.pad), err, errlen));
	TRY(check_zero("NETWORK", "reserved", &w.reserved, 4, err, errlen));
	uint32_t seg = rd32(w.segment), mtu = rd32(w.mtu);
	switch (w.type) {
	case MBOX_NET_FLAT:
		if (seg)
			return BAD("NETWORK segment %u on a flat network (must be 0)", seg);
		break;
	case MBOX_NET_VLAN:
		if (seg < 1 || seg > 4094)
			return BAD("NETWORK segment %u is not a VLAN id 1..4094", seg);
		break;
	case MBOX_NET_VXLAN:
		if (seg < 1 || seg > 0xffffff)
			return BAD("NETWORK segment %u is not a VNI 1..16777215", seg);
		break;
	case MBOX_NET_GRE:
		if (seg < 1)
			return BAD("NETWORK segment 0 is not a GRE key (1..4294967295)");
		break;
	default:
		return BAD("NETWORK type %u is unknown (0 flat, 1 vlan, 2 vxlan, 3 gre)", w.type);
	}
	if (mtu < 68 || mtu > 65535)
		return BAD("NETWORK mtu %u is outside 68..65535", mtu);
	out->type = w.type;
	out->segment = seg;
	out->mtu = mtu;
	return 0;
}

int mbox_encode_network(const struct mbox_network *in, void *buf, size_t cap)
{
	struct mbox_wire_network w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.type = in->type;
	w.segment = htole32(in->segment);
	w.mtu = htole32(in->mtu);
	if (mbox_decode_network((const uint8_t *)&w, sizeof(w), &(struct mbox_network){ 0 }, NULL,
				0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_network(const struct mbox_network *in, char *buf, size_t cap)
{
	const char *t = net_type_name(in->type);
	return snprintf(buf, cap, "type=%s segment=%u mtu=%u", t ? t : "?", in->segment, in->mtu);
}

int mbox_decode_subnet(const uint8_t *body, size_t len, struct mbox_subnet *out, char *err,
		       size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_subnet w;
	TRY(check_len("SUBNET", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_key("SUBNET", "network", rd32(w.network), err, errlen));
	TRY(check_zero("SUBNET", "pad", w.pad, sizeof(w.pad), err, errlen));
	uint32_t cidr = rd32(w.cidr), gw = rd32(w.gateway);
	TRY(check_prefix("SUBNET", "cidr", cidr, w.plen, err, errlen));
	if (gw && (gw & plen_mask(w.plen)) != cidr) {
		char a[16], b[16];
		return BAD("SUBNET gateway %s is outside %s/%u", mbox_ipv4_fmt(gw, a),
			   mbox_ipv4_fmt(cidr, b), w.plen);
	}
	out->network = rd32(w.network);
	out->cidr = cidr;
	out->plen = w.plen;
	out->gateway = gw;
	return 0;
}

int mbox_encode_subnet(const struct mbox_subnet *in, void *buf, size_t cap)
{
	struct mbox_wire_subnet w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.network = htole32(in->network);
	w.cidr = htole32(in->cidr);
	w.plen = in->plen;
	w.gateway = htole32(in->gateway);
	if (mbox_decode_subnet((const uint8_t *)&w, sizeof(w), &(struct mbox_subnet){ 0 }, NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_subnet(const struct mbox_subnet *in, char *buf, size_t cap)
{
	char a[16], b[16];
	return snprintf(buf, cap, "network=%u cidr=%s/%u gateway=%s", in->network,
			mbox_ipv4_fmt(in->cidr, a), in->plen,
			in->gateway ? mbox_ipv4_fmt(in->gateway, b) : "none");
}

int mbox_decode_router_iface(const uint8_t *body, size_t len, struct mbox_router_iface *out,
			     char *err, size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_router_iface w;
	TRY(check_len("ROUTER_IFACE", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_key("ROUTER_IFACE", "router", rd32(w.router), err, errlen));
	TRY(check_key("ROUTER_IFACE", "network", rd32(w.network), err, errlen));
	TRY(check_key("ROUTER_IFACE", "subnet", rd32(w.subnet), err, errlen));
	TRY(check_mac("ROUTER_IFACE", w.mac, 0, err, errlen));
	TRY(check_zero("ROUTER_IFACE", "pad", &w.pad, 1, err, errlen));
	uint32_t ip = rd32(w.ip);
	if (!ip)
		return BAD("ROUTER_IFACE ip is 0.0.0.0");
	if (w.plen < 1 || w.plen > 32)
		return BAD("ROUTER_IFACE prefix length %u is outside 1..32", w.plen);
	out->router = rd32(w.router);
	out->network = rd32(w.network);
	out->subnet = rd32(w.subnet);
	out->ip = ip;
	memcpy(out->mac, w.mac, 6);
	out->plen = w.plen;
	return 0;
}

int mbox_encode_router_iface(const struct mbox_router_iface *in, void *buf, size_t cap)
{
	struct mbox_wire_router_iface w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.router = htole32(in->router);
	w.network = htole32(in->network);
	w.subnet = htole32(in->subnet);
	w.ip = htole32(in->ip);
	memcpy(w.mac, in->mac, 6);
	w.plen = in->plen;
	if (mbox_decode_router_iface((const uint8_t *)&w, sizeof(w),
				     &(struct mbox_router_iface){ 0 }, NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_router_iface(const struct mbox_router_iface *in, char *buf, size_t cap)
{
	char a[16], m[18];
	return snprintf(buf, cap, "router=%u network=%u subnet=%u ip=%s/%u mac=%s", in->router,
			in->network, in->subnet, mbox_ipv4_fmt(in->ip, a), in->plen,
			mac_fmt(in->mac, m));
}

int mbox_decode_neighbour(const uint8_t *body, size_t len, struct mbox_neighbour *out,
			  char *err, size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_neighbour w;
	TRY(check_len("NEIGHBOUR", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_key("NEIGHBOUR", "network", rd32(w.network), err, errlen));
	TRY(check_mac("NEIGHBOUR", w.mac, 0, err, errlen));
	if (w.where != MBOX_NEIGH_PORT && w.where != MBOX_NEIGH_REMOTE)
		return BAD("NEIGHBOUR where %u is neither 1 (port) nor 2 (remote)", w.where);
	TRY(check_key("NEIGHBOUR", "target", rd32(w.target), err, errlen));
	if (w.n_ips < 1 || w.n_ips > MBOX_NEIGH_MAX_IPS)
		return BAD("NEIGHBOUR n_ips %u is outside 1..%d", w.n_ips, MBOX_NEIGH_MAX_IPS);
	for (unsigned i = 0; i < MBOX_NEIGH_MAX_IPS; i++) {
		uint32_t ip = rd32(w.ips[i]);
		if (i < w.n_ips && !ip)
			return BAD("NEIGHBOUR ips[%u] is 0.0.0.0", i);
		if (i >= w.n_ips && ip)
			return BAD("NEIGHBOUR ips[%u] is set beyond n_ips %u", i, w.n_ips);
		out->ips[i] = ip;
	}
	TRY(check_zero("NEIGHBOUR", "reserved", &w.reserved, 4, err, errlen));
	out->network = rd32(w.network);
	memcpy(out->mac, w.mac, 6);
	out->where = w.where;
	out->n_ips = w.n_ips;
	out->target = rd32(w.target);
	return 0;
}

int mbox_encode_neighbour(const struct mbox_neighbour *in, void *buf, size_t cap)
{
	struct mbox_wire_neighbour w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	if (in->n_ips > MBOX_NEIGH_MAX_IPS)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.network = htole32(in->network);
	memcpy(w.mac, in->mac, 6);
	w.where = in->where;
	w.n_ips = in->n_ips;
	w.target = htole32(in->target);
	for (unsigned i = 0; i < in->n_ips; i++)
		w.ips[i] = htole32(in->ips[i]);
	if (mbox_decode_neighbour((const uint8_t *)&w, sizeof(w), &(struct mbox_neighbour){ 0 },
				  NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_neighbour(const struct mbox_neighbour *in, char *buf, size_t cap)
{
	char m[18], a[16];
	int n = snprintf(buf, cap, "network=%u mac=%s %s=%u ips=", in->network, mac_fmt(in->mac, m),
			 in->where == MBOX_NEIGH_PORT ? "port" : "tunnel", in->target);
	for (unsigned i = 0; i < in->n_ips && i < MBOX_NEIGH_MAX_IPS; i++) {
		size_t at = (size_t)n < cap ? (size_t)n : cap;
		n += snprintf(buf + at, cap - at, "%s%s", i ? "," : "", mbox_ipv4_fmt(in->ips[i], a));
	}
	return n;
}

int mbox_decode_route(const uint8_t *body, size_t len, struct mbox_route *out, char *err,
		      size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_route w;
	TRY(check_len("ROUTE", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	TRY(check_key("ROUTE", "router", rd32(w.router), err, errlen));
	TRY(check_zero("ROUTE", "pad", w.pad, sizeof(w.pad), err, errlen));
	TRY(check_prefix("ROUTE", "destination", rd32(w.dest), w.plen, err, errlen));
	if (!rd32(w.nexthop))
		return BAD("ROUTE nexthop is 0.0.0.0");
	out->router = rd32(w.router);
	out->dest = rd32(w.dest);
	out->plen = w.plen;
	out->nexthop = rd32(w.nexthop);
	return 0;
}

int mbox_encode_route(const struct mbox_route *in, void *buf, size_t cap)
{
	struct mbox_wire_route w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.router = htole32(in->router);
	w.dest = htole32(in->dest);
	w.plen = in->plen;
	w.nexthop = htole32(in->nexthop);
	if (mbox_decode_route((const uint8_t *)&w, sizeof(w), &(struct mbox_route){ 0 }, NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_route(const struct mbox_route *in, char *buf, size_t cap)
{
	char a[16], b[16];
	return snprintf(buf, cap, "router=%u destination=%s/%u nexthop=%s", in->router,
			mbox_ipv4_fmt(in->dest, a), in->plen, mbox_ipv4_fmt(in->nexthop, b));
}

int mbox_decode_tunnel_ep(const uint8_t *body, size_t len, struct mbox_tunnel_ep *out,
			  char *err, size_t errlen)
{
	dummy_err(&err, &errlen);
	struct mbox_wire_tunnel_ep w;
	TRY(check_len("TUNNEL_EP", len, sizeof(w), err, errlen));
	memcpy(&w, body, sizeof(w));
	if (!rd32(w.remote_ip))
		return BAD("TUNNEL_EP remote_ip is 0.0.0.0");
	if (!rd32(w.local_ip))
		return BAD("TUNNEL_EP local_ip is 0.0.0.0");
	TRY(check_mac("TUNNEL_EP", w.mac, 1, err, errlen));
	TRY(check_zero("TUNNEL_EP", "pad", w.pad, sizeof(w.pad), err, errlen));
	out->remote_ip = rd32(w.remote_ip);
	out->local_ip = rd32(w.local_ip);
	memcpy(out->mac, w.mac, 6);
	return 0;
}

int mbox_encode_tunnel_ep(const struct mbox_tunnel_ep *in, void *buf, size_t cap)
{
	struct mbox_wire_tunnel_ep w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	w.remote_ip = htole32(in->remote_ip);
	w.local_ip = htole32(in->local_ip);
	memcpy(w.mac, in->mac, 6);
	if (mbox_decode_tunnel_ep((const uint8_t *)&w, sizeof(w), &(struct mbox_tunnel_ep){ 0 },
				  NULL, 0))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_tunnel_ep(const struct mbox_tunnel_ep *in, char *buf, size_t cap)
{
	char a[16], b[16], m[18];
	static const uint8_t zero[6];
	return snprintf(buf, cap, "remote=%s local=%s mac=%s", mbox_ipv4_fmt(in->remote_ip, a),
			mbox_ipv4_fmt(in->local_ip, b),
			memcmp(in->mac, zero, 6) ? mac_fmt(in->mac, m) : "unknown");
}

/* ---- generic dispatch ----------------------------------------------------- */

size_t mbox_obj_body_size(unsigned kind)
{
	switch (kind) {
#define MBOX_OBJ_SIZE(name, lname, code, size, desc) case code: return size;
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_SIZE)
#undef MBOX_OBJ_SIZE
	default:
		return 0;
	}
}

int mbox_obj_decode(unsigned kind, const uint8_t *body, size_t len, union mbox_obj_body *out,
		    char *err, size_t errlen)
{
	switch (kind) {
#define MBOX_OBJ_DEC(name, lname, code, size, desc) \
	case code: return mbox_decode_##lname(body, len, &out->lname, err, errlen);
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_DEC)
#undef MBOX_OBJ_DEC
	default:
		if (err && errlen)
			snprintf(err, errlen, "unknown object kind %u", kind);
		return -EOPNOTSUPP;
	}
}

int mbox_obj_encode(unsigned kind, const union mbox_obj_body *in, void *buf, size_t cap)
{
	switch (kind) {
#define MBOX_OBJ_ENC(name, lname, code, size, desc) \
	case code: return mbox_encode_##lname(&in->lname, buf, cap);
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_ENC)
#undef MBOX_OBJ_ENC
	default:
		return -EOPNOTSUPP;
	}
}

int mbox_obj_check(unsigned kind, const uint8_t *body, size_t len, char *err, size_t errlen)
{
	union mbox_obj_body b;
	return mbox_obj_decode(kind, body, len, &b, err, errlen);
}

int mbox_obj_format(unsigned kind, const uint8_t *body, size_t len, char *buf, size_t cap)
{
	char err[128];
	union mbox_obj_body b;
	if (mbox_obj_decode(kind, body, len, &b, err, sizeof(err)) == 0) {
		switch (kind) {
#define MBOX_OBJ_FMT(name, lname, code, size, desc) \
	case code: return mbox_format_##lname(&b.lname, buf, cap);
			MBOX_OBJ_KIND_LIST(MBOX_OBJ_FMT)
#undef MBOX_OBJ_FMT
		}
	}
	if (!mbox_obj_kind_name(kind))
		snprintf(err, sizeof(err), "unknown kind, %zu bytes", len);
	return snprintf(buf, cap, "<%s>", err);
}

/* ---- statistics reports ------------------------------------------------- */

/* One numeric field of a statistics kind. */
struct stats_field {
	uint16_t kind;    /* statistics kind */
	const char *name; /* "hits" */
	uint64_t max;     /* largest value allowed */
};

static const struct stats_field stats_fields[] = {
#define MBOX_STATS_FIELD(kind, name, max) { MBOX_##kind, #name, (uint64_t)(max) },
	MBOX_STATS_FIELD_LIST(MBOX_STATS_FIELD)
#undef MBOX_STATS_FIELD
};

/* The fields of `kind`: first index into stats_fields and count. */
static unsigned stats_span(unsigned kind, unsigned *first)
{
	unsigned n = 0;
	*first = 0;
	for (unsigned i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++) {
		if (stats_fields[i].kind != kind)
			continue;
		if (!n)
			*first = i;
		n++;
	}
	return n;
}

const char *mbox_stats_kind_name(unsigned kind)
{
	switch (kind) {
#define MBOX_STATS_NAME(name, lname, code, desc) case code: return #name;
	MBOX_STATS_KIND_LIST(MBOX_STATS_NAME)
#undef MBOX_STATS_NAME
	default:
		return NULL;
	}
}

unsigned mbox_stats_nfields(unsigned kind)
{
	unsigned first;
	return mbox_stats_kind_name(kind) ? stats_span(kind, &first) : 0;
}

const char *mbox_stats_field_name(unsigned kind, unsigned i)
{
	unsigned first, n = stats_span(kind, &first);
	return i < n ? stats_fields[first + i].name : NULL;
}

const char *mbox_stats_text_name(unsigned kind)
{
#define MBOX_STATS_TEXT(k, name) if (kind == MBOX_##k) return #name;
	MBOX_STATS_TEXT_FIELDS(MBOX_STATS_TEXT)
#undef MBOX_STATS_TEXT
	return NULL;
}

void mbox_stats_set_text(struct mbox_stats_rec *rec, const char *s)
{
	size_t n = 0;
	for (; s && s[n] && n < MBOX_STATS_TEXT_MAX; n++)
		rec->text[n] = (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f ? s[n] : '?';
	rec->text[n] = '\0';
}

int mbox_encode_stats(const struct mbox_stats_rec *in, char *buf, size_t cap)
{
	unsigned first, n;
	if (!mbox_stats_kind_name(in->kind))
		return -EOPNOTSUPP;
	n = stats_span(in->kind, &first);
	const char *tname = mbox_stats_text_name(in->kind);
	size_t at = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct stats_field *f = &stats_fields[first + i];
		if (in->v[i] > f->max)
			return -EINVAL;
		int w = snprintf(buf + at, cap - at, "%s%s=%llu", i ? " " : "", f->name,
				 (unsigned long long)in->v[i]);
		if (w < 0 || (size_t)w >= cap - at)
			return -EMSGSIZE;
		at += (size_t)w;
	}
	if (tname) {
		size_t tl = strnlen(in->text, sizeof(in->text));
		if (tl > MBOX_STATS_TEXT_MAX)
			return -EINVAL;
		for (size_t i = 0; i < tl; i++)
			if ((unsigned char)in->text[i] < 0x20 || (unsigned char)in->text[i] > 0x7e)
				return -EINVAL;
		int w = snprintf(buf + at, cap - at, " %s=%s", tname, in->text);
		if (w < 0 || (size_t)w >= cap - at)
			return -EMSGSIZE;
		at += (size_t)w;
	}
	return (int)at;
}

int mbox_decode_stats(unsigned kind, const uint8_t *body, size_t len, struct mbox_stats_rec *out,
		      char *err, size_t errlen)
{
	const char *kname = mbox_stats_kind_name(kind);
	char scratch[8];
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	if (!kname) {
		snprintf(err, errlen, "kind %#x is not a statistics kind", kind);
		return -EOPNOTSUPP;
	}
	if (!body && len) {
		snprintf(err, errlen, "%s: no body", kname);
		return -EBADMSG;
	}
	memset(out, 0, sizeof(*out));
	out->kind = (uint16_t)kind;
	unsigned first, n = stats_span(kind, &first);
	const char *tname = mbox_stats_text_name(kind);
	size_t at = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct stats_field *f = &stats_fields[first + i];
		size_t nl = strlen(f->name);
		if (i) {
			if (at >= len || body[at] != ' ') {
				snprintf(err, errlen, "%s: no space before field %s at byte %zu", kname,
					 f->name, at);
				return -EBADMSG;
			}
			at++;
		}
		if (len - at < nl + 1 || memcmp(body + at, f->name, nl) || body[at + nl] != '=') {
			snprintf(err, errlen, "%s: field %u must be '%s=' (byte %zu)", kname, i,
				 f->name, at);
			return -EBADMSG;
		}
		at += nl + 1;
		size_t d0 = at;
		uint64_t v = 0;
		while (at < len && body[at] >= '0' && body[at] <= '9') {
			unsigned dig = body[at] - '0';
			if (v > (UINT64_MAX - dig) / 10) {
				snprintf(err, errlen, "%s: %s overflows 64 bits", kname, f->name);
				return -EBADMSG;
			}
			v = v * 10 + dig;
			at++;
		}
		if (at == d0) {
			snprintf(err, errlen, "%s: %s is not a decimal number (byte %zu)", kname,
				 f->name, d0);
			return -EBADMSG;
		}
		if (at - d0 > 1 && body[d0] == '0') {
			snprintf(err, errlen, "%s: %s has a leading zero", kname, f->name);
			return -EBADMSG;
		}
		if (v > f->max) {
			snprintf(err, errlen, "%s: %s=%llu is above its maximum %llu", kname, f->name,
				 (unsigned long long)v, (unsigned long long)f->max);
			return -EBADMSG;
		}
		out->v[i] = v;
	}
	if (tname) {
		size_t nl = strlen(tname);
		if (len - at < nl + 2 || body[at] != ' ' || memcmp(body + at + 1, tname, nl) ||
		    body[at + 1 + nl] != '=') {
			snprintf(err, errlen, "%s: text field must be ' %s=' (byte %zu)", kname, tname,
				 at);
			return -EBADMSG;
		}
		at += nl + 2;
		size_t tl = len - at;
		if (tl > MBOX_STATS_TEXT_MAX) {
			snprintf(err, errlen, "%s: %s is %zu bytes, at most %d", kname, tname, tl,
				 MBOX_STATS_TEXT_MAX);
			return -EBADMSG;
		}
		for (size_t i = 0; i < tl; i++) {
			if (body[at + i] < 0x20 || body[at + i] > 0x7e) {
				snprintf(err, errlen, "%s: %s has a non-printable byte %#x at %zu",
					 kname, tname, body[at + i], at + i);
				return -EBADMSG;
			}
		}
		memcpy(out->text, body + at, tl);
		out->text[tl] = '\0';
		at = len;
	}
	if (at != len) {
		snprintf(err, errlen, "%s: %zu trailing byte(s) after the last field", kname,
			 len - at);
		return -EBADMSG;
	}
	return 0;
}
