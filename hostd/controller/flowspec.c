/* hostd/controller/flowspec.c: parser of the desired-state text (--flows).
 *
 * The syntax is described in flowspec.h. Each line becomes a struct dflow,
 * dgroup or dmeter in a struct desired (desired.h); every item is then
 * test-encoded with the codec (hostd/openflow) so that anything the codec
 * would refuse (missing match prerequisites, bad values) is reported here,
 * with its line and column, instead of at send time. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostd/controller/flowspec.h"

/* A parse in progress on one line. */
struct lp {
	const char *line;        /* first byte of the line */
	int lineno;              /* 1-based */
	flowspec_port_fn port_fn; /* port name resolver, may be NULL */
	void *arg;               /* for port_fn */
	struct flowspec_err err; /* filled by perr() */
};

/* A slice of the line. */
struct sl {
	const char *s; /* start */
	size_t n;      /* bytes */
};

static int perr(struct lp *lp, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct lp *lp, const char *at, const char *fmt, ...)
{
	va_list ap;
	lp->err.line = lp->lineno;
	lp->err.col = (int)(at - lp->line) + 1;
	va_start(ap, fmt);
	vsnprintf(lp->err.msg, sizeof(lp->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int sl_eq(struct sl a, const char *lit)
{
	size_t n = strlen(lit);
	return a.n == n && !strncasecmp(a.s, lit, n);
}

static struct sl sl_trim(struct sl a)
{
	while (a.n && (a.s[0] == ' ' || a.s[0] == '\t')) {
		a.s++;
		a.n--;
	}
	while (a.n && (a.s[a.n - 1] == ' ' || a.s[a.n - 1] == '\t' || a.s[a.n - 1] == '\r'))
		a.n--;
	return a;
}

/* Copies a slice into buf as a C string; -1 when it does not fit. */
static int sl_cstr(struct sl a, char *buf, size_t size)
{
	if (a.n + 1 > size)
		return -1;
	memcpy(buf, a.s, a.n);
	buf[a.n] = 0;
	return 0;
}

/* Position of the first `c` in a at paren depth 0, or -1. */
static long sl_find(struct sl a, char c)
{
	int depth = 0;
	size_t i;
	for (i = 0; i < a.n; i++) {
		if (a.s[i] == '(')
			depth++;
		else if (a.s[i] == ')')
			depth--;
		else if (a.s[i] == c && depth == 0)
			return (long)i;
	}
	return -1;
}

static long sl_find_str(struct sl a, const char *needle)
{
	size_t k = strlen(needle), i;
	for (i = 0; i + k <= a.n; i++)
		if (!memcmp(a.s + i, needle, k))
			return (long)i;
	return -1;
}

/* Splits off the next comma-separated element (paren-aware). */
static int sl_next_elem(struct sl *rest, struct sl *elem)
{
	long c;
	if (!rest->n)
		return 0;
	c = sl_find(*rest, ',');
	if (c < 0) {
		*elem = *rest;
		rest->s += rest->n;
		rest->n = 0;
	} else {
		elem->s = rest->s;
		elem->n = (size_t)c;
		rest->s += c + 1;
		rest->n -= (size_t)c + 1;
	}
	*elem = sl_trim(*elem);
	return 1;
}

static int parse_u64(struct lp *lp, struct sl a, uint64_t max, uint64_t *out)
{
	char buf[32], *end;
	unsigned long long v;
	if (!a.n)
		return perr(lp, a.s, "missing number");
	if (sl_cstr(a, buf, sizeof(buf)) || buf[0] == '-' || buf[0] == '+')
		return perr(lp, a.s, "'%.*s' is not a number", (int)a.n, a.s);
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || *end)
		return perr(lp, a.s, "'%.*s' is not a number", (int)a.n, a.s);
	if (v > max)
		return perr(lp, a.s, "%llu is above the maximum %llu", v, (unsigned long long)max);
	*out = v;
	return 0;
}

static const struct {
	const char *name; /* lower case */
	uint32_t port;    /* OFPP_* */
} reserved_ports[] = {
	{ "in_port", OFPP_IN_PORT }, { "table", OFPP_TABLE }, { "normal", OFPP_NORMAL },
	{ "flood", OFPP_FLOOD },     { "all", OFPP_ALL },     { "controller", OFPP_CONTROLLER },
	{ "local", OFPP_LOCAL },     { "any", OFPP_ANY },
};

static int parse_port(struct lp *lp, struct sl a, uint32_t *port)
{
	char buf[64];
	size_t i;
	uint64_t v;
	if (!a.n)
		return perr(lp, a.s, "missing port");
	if (a.s[0] >= '0' && a.s[0] <= '9') {
		if (parse_u64(lp, a, OFPP_MAX, &v))
			return -1;
		*port = (uint32_t)v;
		return 0;
	}
	for (i = 0; i < sizeof(reserved_ports) / sizeof(reserved_ports[0]); i++)
		if (sl_eq(a, reserved_ports[i].name)) {
			*port = reserved_ports[i].port;
			return 0;
		}
	if (sl_cstr(a, buf, sizeof(buf)))
		return perr(lp, a.s, "port name too long");
	if (!lp->port_fn || lp->port_fn(lp->arg, buf, port)) {
		lp->err.unresolved = 1;
		return perr(lp, a.s, "unknown port name '%s'", buf);
	}
	return 0;
}

static int parse_mac(struct lp *lp, struct sl a, uint8_t *mac)
{
	char buf[32];
	unsigned b[6];
	int used = 0, i;
	if (sl_cstr(a, buf, sizeof(buf)) ||
	    sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &used) != 6 ||
	    (size_t)used != a.n)
		return perr(lp, a.s, "'%.*s' is not a MAC address (xx:xx:xx:xx:xx:xx)", (int)a.n,
			    a.s);
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_ip(struct lp *lp, struct sl a, int af, uint8_t *out)
{
	char buf[64];
	if (sl_cstr(a, buf, sizeof(buf)) || inet_pton(af, buf, out) != 1)
		return perr(lp, a.s, "'%.*s' is not an %s address", (int)a.n, a.s,
			    af == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static void prefix_mask(uint8_t *mask, size_t len, unsigned prefix)
{
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned bits = prefix >= 8 ? 8 : prefix;
		mask[i] = (uint8_t)(bits ? 0xff << (8 - bits) : 0);
		prefix -= bits;
	}
}

static void put_uint(uint8_t *p, size_t len, uint64_t v)
{
	size_t i;
	for (i = 0; i < len; i++)
		p[len - 1 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t len_max(size_t len)
{
	return len >= 8 ? UINT64_MAX : (1ull << (8 * len)) - 1;
}

/* Parses one value of field f (no mask). */
static int parse_value(struct lp *lp, enum ofp_field f, struct sl a, uint8_t *val)
{
	const struct ofp_field_info *fi = &ofp_fields[f];
	uint64_t v;
	uint32_t port;
	memset(val, 0, OFP_FIELD_MAX_LEN);
	switch (fi->kind) {
	case OFPFK_DEC:
	case OFPFK_HEX:
		if (parse_u64(lp, a, len_max(fi->len), &v))
			return -1;
		put_uint(val, fi->len, v);
		return 0;
	case OFPFK_PORT:
		if (parse_port(lp, a, &port))
			return -1;
		put_uint(val, fi->len, port);
		return 0;
	case OFPFK_MAC:
		return parse_mac(lp, a, val);
	case OFPFK_IPV4:
		return parse_ip(lp, a, AF_INET, val);
	case OFPFK_IPV6:
		return parse_ip(lp, a, AF_INET6, val);
	}
	return perr(lp, a.s, "unsupported field kind");
}

/* value[/mask] of field f into the match. */
static int parse_match_field(struct lp *lp, struct ofp_match *m, enum ofp_field f, struct sl a)
{
	const struct ofp_field_info *fi = &ofp_fields[f];
	uint8_t val[OFP_FIELD_MAX_LEN], mask[OFP_FIELD_MAX_LEN];
	long slash = sl_find(a, '/');
	struct sl v = a, mk;
	uint64_t n;

	if (ofp_match_has(m, f))
		return perr(lp, a.s, "field %s given twice", fi->name);
	if (slash >= 0) {
		v.n = (size_t)slash;
		mk.s = a.s + slash + 1;
		mk.n = a.n - (size_t)slash - 1;
	}
	if (parse_value(lp, f, v, val))
		return -1;
	if (slash < 0) {
		ofp_match_set(m, f, val, NULL);
		return 0;
	}
	if (!fi->maskable)
		return perr(lp, mk.s, "field %s cannot be masked", fi->name);
	memset(mask, 0, sizeof(mask));
	if ((fi->kind == OFPFK_IPV4 || fi->kind == OFPFK_IPV6) && sl_find(mk, fi->kind == OFPFK_IPV4 ? '.' : ':') < 0) {
		if (parse_u64(lp, mk, fi->len * 8u, &n))
			return -1;
		prefix_mask(mask, fi->len, (unsigned)n);
	} else if (parse_value(lp, f, mk, mask)) {
		return -1;
	}
	ofp_match_set(m, f, val, mask);
	return 0;
}

/* FIELD or FIELD[a..b] or FIELD[a] or FIELD[]. */
static int parse_subfield(struct lp *lp, struct sl a, enum ofp_field *f, uint16_t *ofs,
			  uint16_t *n_bits)
{
	char name[32];
	long br = sl_find(a, '[');
	struct sl nm = a;
	int fi;
	unsigned bits;
	if (br >= 0)
		nm.n = (size_t)br;
	if (sl_cstr(nm, name, sizeof(name)) || (fi = ofp_field_from_name(name)) < 0)
		return perr(lp, a.s, "unknown field '%.*s'", (int)nm.n, nm.s);
	*f = (enum ofp_field)fi;
	bits = ofp_fields[fi].len * 8u;
	*ofs = 0;
	*n_bits = (uint16_t)bits;
	if (br < 0)
		return 0;
	struct sl r = { a.s + br + 1, a.n - (size_t)br - 1 };
	if (!r.n || r.s[r.n - 1] != ']')
		return perr(lp, a.s + br, "missing ']'");
	r.n--;
	if (!r.n)
		return 0;
	long dots = sl_find_str(r, "..");
	uint64_t lo, hi;
	if (dots < 0) {
		if (parse_u64(lp, r, bits - 1, &lo))
			return -1;
		hi = lo;
	} else {
		struct sl l = { r.s, (size_t)dots }, h = { r.s + dots + 2, r.n - (size_t)dots - 2 };
		if (parse_u64(lp, l, bits - 1, &lo) || parse_u64(lp, h, bits - 1, &hi))
			return -1;
		if (hi < lo)
			return perr(lp, r.s, "bit range %llu..%llu is reversed",
				    (unsigned long long)lo, (unsigned long long)hi);
	}
	*ofs = (uint16_t)lo;
	*n_bits = (uint16_t)(hi - lo + 1);
	return 0;
}

/* Splits "A->B". */
static int split_arrow(struct lp *lp, struct sl a, struct sl *l, struct sl *r)
{
	long ar = sl_find_str(a, "->");
	if (ar < 0)
		return perr(lp, a.s, "expected SOURCE->DESTINATION");
	l->s = a.s;
	l->n = (size_t)ar;
	r->s = a.s + ar + 2;
	r->n = a.n - (size_t)ar - 2;
	return 0;
}

/* ct(...) nat part: nat or nat(src|dst[=IP[-IP][:P[-P]]][,persistent,random,hash]) */
static int parse_nat(struct lp *lp, struct sl a, struct ofp_nat *nat)
{
	memset(nat, 0, sizeof(*nat));
	if (sl_eq(a, "nat"))
		return 0;
	if (a.n < 5 || strncmp(a.s, "nat(", 4) || a.s[a.n - 1] != ')')
		return perr(lp, a.s, "expected nat or nat(...)");
	struct sl rest = { a.s + 4, a.n - 5 }, e;
	while (sl_next_elem(&rest, &e)) {
		if (sl_eq(e, "persistent")) {
			nat->flags |= NX_NAT_F_PERSISTENT;
			continue;
		}
		if (sl_eq(e, "random")) {
			nat->flags |= NX_NAT_F_PROTO_RANDOM;
			continue;
		}
		if (sl_eq(e, "hash")) {
			nat->flags |= NX_NAT_F_PROTO_HASH;
			continue;
		}
		struct sl kind = e, range = { e.s + e.n, 0 };
		long eq = sl_find(e, '=');
		if (eq >= 0) {
			kind.n = (size_t)eq;
			range.s = e.s + eq + 1;
			range.n = e.n - (size_t)eq - 1;
		}
		if (sl_eq(kind, "src"))
			nat->flags |= NX_NAT_F_SRC;
		else if (sl_eq(kind, "dst"))
			nat->flags |= NX_NAT_F_DST;
		else
			return perr(lp, e.s, "unknown nat argument '%.*s'", (int)e.n, e.s);
		if (!range.n)
			continue;
		struct sl ips = range, ports = { range.s + range.n, 0 };
		long colon = sl_find(range, ':');
		if (colon >= 0) {
			ips.n = (size_t)colon;
			ports.s = range.s + colon + 1;
			ports.n = range.n - (size_t)colon - 1;
		}
		struct sl lo = ips, hi;
		long dash = sl_find(ips, '-');
		if (dash >= 0) {
			lo.n = (size_t)dash;
			hi.s = ips.s + dash + 1;
			hi.n = ips.n - (size_t)dash - 1;
		}
		if (parse_ip(lp, lo, AF_INET, nat->ipv4_min))
			return -1;
		nat->range_present |= NX_NAT_RANGE_IPV4_MIN;
		if (dash >= 0) {
			if (parse_ip(lp, hi, AF_INET, nat->ipv4_max))
				return -1;
			nat->range_present |= NX_NAT_RANGE_IPV4_MAX;
		}
		if (colon >= 0) {
			uint64_t p;
			struct sl plo = ports, phi;
			long pd = sl_find(ports, '-');
			if (pd >= 0) {
				plo.n = (size_t)pd;
				phi.s = ports.s + pd + 1;
				phi.n = ports.n - (size_t)pd - 1;
			}
			if (parse_u64(lp, plo, 65535, &p))
				return -1;
			nat->proto_min = (uint16_t)p;
			nat->range_present |= NX_NAT_RANGE_PROTO_MIN;
			if (pd >= 0) {
				if (parse_u64(lp, phi, 65535, &p))
					return -1;
				nat->proto_max = (uint16_t)p;
				nat->range_present |= NX_NAT_RANGE_PROTO_MAX;
			}
		}
	}
	return 0;
}

static int parse_ct(struct lp *lp, struct sl args, struct ofp_actions *l)
{
	struct ofp_action *a = ofp_actions_add(l, OFPACT_CT);
	struct sl e;
	uint64_t v;
	if (!a)
		return perr(lp, args.s, "out of memory");
	a->u.ct.table = NX_CT_RECIRC_NONE;
	ofp_actions_init(&a->u.ct.nested);
	while (sl_next_elem(&args, &e)) {
		if (sl_eq(e, "commit")) {
			a->u.ct.flags |= NX_CT_F_COMMIT;
		} else if (sl_eq(e, "force")) {
			a->u.ct.flags |= NX_CT_F_FORCE;
		} else if (e.n > 5 && !strncmp(e.s, "zone=", 5)) {
			struct sl n = { e.s + 5, e.n - 5 };
			if (parse_u64(lp, n, 65535, &v))
				return -1;
			a->u.ct.zone = (uint16_t)v;
		} else if (e.n > 6 && !strncmp(e.s, "table=", 6)) {
			struct sl n = { e.s + 6, e.n - 6 };
			if (parse_u64(lp, n, 254, &v))
				return -1;
			a->u.ct.table = (uint8_t)v;
		} else if (e.n > 4 && !strncmp(e.s, "alg=", 4)) {
			struct sl n = { e.s + 4, e.n - 4 };
			if (parse_u64(lp, n, 65535, &v))
				return -1;
			a->u.ct.alg = (uint16_t)v;
		} else if (e.n >= 3 && !strncmp(e.s, "nat", 3)) {
			struct ofp_action *n = ofp_actions_add(&a->u.ct.nested, OFPACT_NAT);
			if (!n)
				return perr(lp, e.s, "out of memory");
			if (parse_nat(lp, e, &n->u.nat))
				return -1;
		} else {
			return perr(lp, e.s, "unknown ct argument '%.*s'", (int)e.n, e.s);
		}
	}
	return 0;
}

/* One action into l. */
static int parse_action(struct lp *lp, struct sl a, struct ofp_actions *l)
{
	struct sl name = a, arg = { a.s + a.n, 0 };
	int paren = 0;
	size_t i;
	uint64_t v;
	for (i = 0; i < a.n; i++) {
		if (a.s[i] == ':' || a.s[i] == '(') {
			name.n = i;
			paren = a.s[i] == '(';
			arg.s = a.s + i + 1;
			arg.n = a.n - i - 1;
			if (paren) {
				if (!arg.n || arg.s[arg.n - 1] != ')')
					return perr(lp, a.s + i, "missing ')'");
				arg.n--;
			}
			break;
		}
	}
	struct ofp_action *act;
	if (sl_eq(name, "output")) {
		uint32_t port;
		if (!arg.n)
			return perr(lp, a.s, "output needs a port (output:PORT)");
		if (parse_port(lp, arg, &port))
			return -1;
		ofp_actions_output(l, port, port == OFPP_CONTROLLER ? OFPCML_NO_BUFFER : 0);
		return 0;
	}
	if (sl_eq(name, "controller")) {
		v = OFPCML_NO_BUFFER;
		if (arg.n && parse_u64(lp, arg, 0xffff, &v))
			return -1;
		ofp_actions_output(l, OFPP_CONTROLLER, (uint16_t)v);
		return 0;
	}
	for (i = 0; i < sizeof(reserved_ports) / sizeof(reserved_ports[0]); i++)
		if (sl_eq(name, reserved_ports[i].name) && !arg.n &&
		    reserved_ports[i].port != OFPP_ANY && reserved_ports[i].port != OFPP_CONTROLLER) {
			ofp_actions_output(l, reserved_ports[i].port, 0);
			return 0;
		}
	if (sl_eq(name, "group")) {
		if (parse_u64(lp, arg, 0xffffff00u, &v))
			return -1;
		act = ofp_actions_add(l, OFPACT_GROUP);
		if (act)
			act->u.group_id = (uint32_t)v;
		return act ? 0 : perr(lp, a.s, "out of memory");
	}
	if (sl_eq(name, "push_vlan")) {
		v = 0x8100;
		if (arg.n && parse_u64(lp, arg, 0xffff, &v))
			return -1;
		if (v != 0x8100 && v != 0x88a8)
			return perr(lp, arg.s, "push_vlan ethertype must be 0x8100 or 0x88a8");
		act = ofp_actions_add(l, OFPACT_PUSH_VLAN);
		if (act)
			act->u.push_vlan_tpid = (uint16_t)v;
		return act ? 0 : perr(lp, a.s, "out of memory");
	}
	if (sl_eq(name, "pop_vlan") || sl_eq(name, "dec_ttl")) {
		if (arg.n || paren)
			return perr(lp, arg.s, "%.*s takes no argument", (int)name.n, name.s);
		act = ofp_actions_add(l, sl_eq(name, "pop_vlan") ? OFPACT_POP_VLAN : OFPACT_DEC_NW_TTL);
		return act ? 0 : perr(lp, a.s, "out of memory");
	}
	if (sl_eq(name, "set_field") || sl_eq(name, "load")) {
		struct sl src, dst;
		enum ofp_field f;
		uint16_t ofs, n_bits;
		uint8_t val[OFP_FIELD_MAX_LEN];
		int is_load = sl_eq(name, "load");
		if (split_arrow(lp, arg, &src, &dst) || parse_subfield(lp, dst, &f, &ofs, &n_bits))
			return -1;
		if (!is_load && n_bits != ofp_fields[f].len * 8)
			return perr(lp, dst.s, "set_field sets a whole field (use load for bits)");
		if (!is_load || n_bits == ofp_fields[f].len * 8) {
			/* a load of the whole field is a set_field (what switches report) */
			if (parse_value(lp, f, src, val))
				return -1;
			act = ofp_actions_add(l, OFPACT_SET_FIELD);
			if (!act)
				return perr(lp, a.s, "out of memory");
			act->u.set_field.field = f;
			memcpy(act->u.set_field.value, val, sizeof(val));
			return 0;
		}
		if (parse_u64(lp, src, n_bits >= 64 ? UINT64_MAX : (1ull << n_bits) - 1, &v))
			return -1;
		act = ofp_actions_add(l, OFPACT_REG_LOAD);
		if (!act)
			return perr(lp, a.s, "out of memory");
		act->u.load.dst = f;
		act->u.load.ofs = ofs;
		act->u.load.n_bits = n_bits;
		act->u.load.value = v;
		return 0;
	}
	if (sl_eq(name, "move")) {
		struct sl src, dst;
		enum ofp_field sf, df;
		uint16_t so, sn, dof, dn;
		if (split_arrow(lp, arg, &src, &dst) || parse_subfield(lp, src, &sf, &so, &sn) ||
		    parse_subfield(lp, dst, &df, &dof, &dn))
			return -1;
		if (sn != dn)
			return perr(lp, dst.s, "move of %u bits into %u bits", sn, dn);
		act = ofp_actions_add(l, OFPACT_REG_MOVE);
		if (!act)
			return perr(lp, a.s, "out of memory");
		act->u.move.src = sf;
		act->u.move.dst = df;
		act->u.move.src_ofs = so;
		act->u.move.dst_ofs = dof;
		act->u.move.n_bits = sn;
		return 0;
	}
	if (sl_eq(name, "resubmit")) {
		uint32_t port = OFP_NX_IN_PORT;
		uint64_t table = 255;
		if (paren) {
			long c = sl_find(arg, ',');
			if (c < 0)
				return perr(lp, arg.s, "expected resubmit(PORT,TABLE)");
			struct sl p = { arg.s, (size_t)c }, t = { arg.s + c + 1, arg.n - (size_t)c - 1 };
			p = sl_trim(p);
			t = sl_trim(t);
			if (p.n && parse_port(lp, p, &port))
				return -1;
			if (t.n && parse_u64(lp, t, 254, &table))
				return -1;
		} else if (parse_port(lp, arg, &port)) {
			return -1;
		}
		if (port == OFPP_IN_PORT)
			port = OFP_NX_IN_PORT;
		if (port > 0xffff && port != OFPP_LOCAL)
			return perr(lp, arg.s, "resubmit port must fit 16 bits");
		act = ofp_actions_add(l, OFPACT_RESUBMIT);
		if (!act)
			return perr(lp, a.s, "out of memory");
		act->u.resubmit.in_port = port == OFPP_LOCAL ? 0xfffe : (uint16_t)port;
		act->u.resubmit.table = (uint8_t)table;
		return 0;
	}
	if (sl_eq(name, "ct")) {
		if (arg.n && !paren)
			return perr(lp, arg.s, "expected ct(...)");
		return parse_ct(lp, arg, l);
	}
	return perr(lp, a.s, "unknown action '%.*s'", (int)name.n, name.s);
}

/* actions=... : actions (into apply) and instructions. */
static int parse_insts(struct lp *lp, struct sl rest, struct ofp_instructions *in)
{
	struct sl e;
	uint64_t v;
	int n_drop = 0, n = 0;
	const char *start = rest.s;
	ofp_instructions_init(in);
	while (sl_next_elem(&rest, &e)) {
		n++;
		if (!e.n)
			return perr(lp, e.s, "empty action");
		if (sl_eq(e, "drop")) {
			n_drop++;
			continue;
		}
		uint32_t bit = 0;
		if (e.n > 11 && !strncmp(e.s, "goto_table:", 11))
			bit = OFPINST_GOTO;
		else if (e.n > 15 && !strncmp(e.s, "write_metadata:", 15))
			bit = OFPINST_WRITE_METADATA;
		else if (e.n > 6 && !strncmp(e.s, "meter:", 6))
			bit = OFPINST_METER;
		else if (sl_eq(e, "clear_actions"))
			bit = OFPINST_CLEAR;
		else if (e.n > 14 && !strncmp(e.s, "write_actions(", 14))
			bit = OFPINST_WRITE;
		if (!bit) {
			if (parse_action(lp, e, &in->apply))
				return -1;
			in->present |= OFPINST_APPLY;
			continue;
		}
		if (in->present & bit)
			return perr(lp, e.s, "instruction given twice");
		in->present |= bit;
		if (bit == OFPINST_GOTO) {
			struct sl t = { e.s + 11, e.n - 11 };
			if (parse_u64(lp, t, 254, &v))
				return -1;
			in->goto_table = (uint8_t)v;
		} else if (bit == OFPINST_METER) {
			struct sl t = { e.s + 6, e.n - 6 };
			if (parse_u64(lp, t, 0xffff0000u, &v))
				return -1;
			in->meter_id = (uint32_t)v;
		} else if (bit == OFPINST_WRITE_METADATA) {
			struct sl t = { e.s + 15, e.n - 15 }, m;
			long slash = sl_find(t, '/');
			uint64_t mask = UINT64_MAX;
			if (slash >= 0) {
				m.s = t.s + slash + 1;
				m.n = t.n - (size_t)slash - 1;
				t.n = (size_t)slash;
				if (parse_u64(lp, m, UINT64_MAX, &mask))
					return -1;
			}
			if (parse_u64(lp, t, UINT64_MAX, &v))
				return -1;
			in->metadata = v;
			in->metadata_mask = mask;
		} else if (bit == OFPINST_WRITE) {
			if (e.s[e.n - 1] != ')')
				return perr(lp, e.s + e.n - 1, "missing ')'");
			struct sl inner = { e.s + 14, e.n - 15 }, ae;
			while (sl_next_elem(&inner, &ae)) {
				if (!ae.n)
					return perr(lp, ae.s, "empty action");
				if (parse_action(lp, ae, &in->write))
					return -1;
			}
		}
	}
	if (n_drop && n > 1)
		return perr(lp, start, "drop must be the only action");
	return 0;
}

/* Test-encodes msg with the codec: anything it refuses is an error here. */
static int check_encode(struct lp *lp, const char *at, const struct ofp_msg *msg)
{
	struct ofpbuf b = OFPBUF_INIT;
	char why[160];
	int r = ofp_encode(msg, &b, why, sizeof(why));
	ofpbuf_uninit(&b);
	if (r)
		return perr(lp, at, "%s", r == -EMSGSIZE ? "too large for one message" : why);
	return 0;
}

/* Next blank-separated token of a line. */
static int next_tok(struct sl *rest, struct sl *tok)
{
	while (rest->n && (rest->s[0] == ' ' || rest->s[0] == '\t')) {
		rest->s++;
		rest->n--;
	}
	if (!rest->n)
		return 0;
	tok->s = rest->s;
	tok->n = 0;
	while (tok->n < rest->n && rest->s[tok->n] != ' ' && rest->s[tok->n] != '\t')
		tok->n++;
	rest->s += tok->n;
	rest->n -= tok->n;
	return 1;
}

/* key=value token: splits at the first '='. */
static int kv(struct sl t, struct sl *k, struct sl *v)
{
	long eq = sl_find(t, '=');
	*k = t;
	v->s = t.s + t.n;
	v->n = 0;
	if (eq < 0)
		return 0;
	k->n = (size_t)eq;
	v->s = t.s + eq + 1;
	v->n = t.n - (size_t)eq - 1;
	return 1;
}

static char *sl_dup(struct sl a)
{
	char *s = malloc(a.n + 1);
	if (s) {
		memcpy(s, a.s, a.n);
		s[a.n] = 0;
	}
	return s;
}

static const struct {
	const char *name;  /* shorthand */
	uint16_t eth_type; /* implied eth_type */
	int ip_proto;      /* implied ip_proto or -1 */
} shorthands[] = {
	{ "ip", 0x0800, -1 },   { "ipv6", 0x86dd, -1 }, { "arp", 0x0806, -1 },
	{ "tcp", 0x0800, 6 },   { "udp", 0x0800, 17 },  { "icmp", 0x0800, 1 },
	{ "tcp6", 0x86dd, 6 },  { "udp6", 0x86dd, 17 }, { "icmp6", 0x86dd, 58 },
};

static const struct {
	const char *name; /* keyword */
	uint16_t flag;    /* OFPFF_* */
} flow_flags[] = {
	{ "send_flow_rem", OFPFF_SEND_FLOW_REM }, { "check_overlap", OFPFF_CHECK_OVERLAP },
	{ "reset_counts", OFPFF_RESET_COUNTS },   { "no_packet_counts", OFPFF_NO_PKT_COUNTS },
	{ "no_byte_counts", OFPFF_NO_BYT_COUNTS },
};

static int parse_flow(struct lp *lp, struct sl line, struct desired *out)
{
	struct dflow f;
	struct sl rest = line, acts = { NULL, 0 };
	long ap = sl_find_str(line, "actions=");
	uint64_t v;
	size_t i;
	int have_table = 0, have_prio = 0;

	memset(&f, 0, sizeof(f));
	ofp_match_init(&f.match);
	ofp_instructions_init(&f.insts);
	f.priority = 0x8000;
	if (ap < 0)
		return perr(lp, line.s + line.n, "missing actions= (use actions=drop to drop)");
	rest.n = (size_t)ap;
	acts.s = line.s + ap + 8;
	acts.n = line.n - (size_t)ap - 8;
	/* items before actions=: split on blanks and commas */
	for (;;) {
		while (rest.n && (rest.s[0] == ' ' || rest.s[0] == '\t' || rest.s[0] == ',')) {
			rest.s++;
			rest.n--;
		}
		if (!rest.n)
			break;
		struct sl t = { rest.s, 0 }, k, val;
		while (t.n < rest.n && rest.s[t.n] != ' ' && rest.s[t.n] != '\t' && rest.s[t.n] != ',')
			t.n++;
		rest.s += t.n;
		rest.n -= t.n;
		int has_v = kv(t, &k, &val);
		char kname[32];
		int fi;
		if (!has_v) {
			for (i = 0; i < sizeof(flow_flags) / sizeof(flow_flags[0]); i++)
				if (sl_eq(k, flow_flags[i].name))
					break;
			if (i < sizeof(flow_flags) / sizeof(flow_flags[0])) {
				f.flags |= flow_flags[i].flag;
				continue;
			}
			for (i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
				if (sl_eq(k, shorthands[i].name))
					break;
			if (i == sizeof(shorthands) / sizeof(shorthands[0])) {
				perr(lp, t.s, "unknown keyword '%.*s' (expected key=value)", (int)t.n, t.s);
				goto fail;
			}
			if (ofp_match_has(&f.match, OFPF_ETH_TYPE) &&
			    ofp_match_get_uint(&f.match, OFPF_ETH_TYPE) != shorthands[i].eth_type) {
				perr(lp, t.s, "'%s' contradicts the eth_type already given",
				     shorthands[i].name);
				goto fail;
			}
			ofp_match_set_uint(&f.match, OFPF_ETH_TYPE, shorthands[i].eth_type);
			if (shorthands[i].ip_proto >= 0) {
				if (ofp_match_has(&f.match, OFPF_IP_PROTO)) {
					perr(lp, t.s, "'%s' repeats ip_proto", shorthands[i].name);
					goto fail;
				}
				ofp_match_set_uint(&f.match, OFPF_IP_PROTO, (uint64_t)shorthands[i].ip_proto);
			}
			continue;
		}
		if (!val.n) {
			perr(lp, val.s, "missing value after '%.*s='", (int)k.n, k.s);
			goto fail;
		}
		if (sl_eq(k, "table")) {
			if (have_table++) {
				perr(lp, t.s, "table given twice");
				goto fail;
			}
			if (parse_u64(lp, val, 254, &v))
				goto fail;
			f.table = (uint8_t)v;
		} else if (sl_eq(k, "priority")) {
			if (have_prio++) {
				perr(lp, t.s, "priority given twice");
				goto fail;
			}
			if (parse_u64(lp, val, 65535, &v))
				goto fail;
			f.priority = (uint16_t)v;
		} else if (sl_eq(k, "cookie")) {
			if (parse_u64(lp, val, UINT64_MAX - 1, &v))
				goto fail;
			f.cookie = v;
		} else if (sl_eq(k, "idle_timeout") || sl_eq(k, "hard_timeout")) {
			if (parse_u64(lp, val, 65535, &v))
				goto fail;
			if (sl_eq(k, "idle_timeout"))
				f.idle_timeout = (uint16_t)v;
			else
				f.hard_timeout = (uint16_t)v;
		} else {
			if (sl_cstr(k, kname, sizeof(kname)) || (fi = ofp_field_from_name(kname)) < 0) {
				perr(lp, t.s, "unknown match field '%.*s'", (int)k.n, k.s);
				goto fail;
			}
			if (parse_match_field(lp, &f.match, (enum ofp_field)fi, val))
				goto fail;
		}
	}
	if (parse_insts(lp, acts, &f.insts))
		goto fail;
	{
		struct ofp_msg msg;
		dflow_to_flow_mod(&f, OFPFC_ADD, 0, &msg);
		if (check_encode(lp, line.s, &msg))
			goto fail;
	}
	int dup = flowset_find(&out->flows, &f);
	if (dup >= 0) {
		perr(lp, line.s, "same table, priority and match as line %d", out->flows.v[dup].line);
		goto fail;
	}
	f.text = sl_dup(line);
	f.line = lp->lineno;
	if (!f.text || flowset_add(&out->flows, &f) < 0) {
		dflow_uninit(&f);
		return perr(lp, line.s, "out of memory");
	}
	return 0;
fail:
	dflow_uninit(&f);
	return -1;
}

static int parse_group(struct lp *lp, struct sl line, struct desired *out)
{
	struct sl rest = line, t, k, val;
	struct dgroup g;
	uint64_t v;
	int have_type = 0;
	memset(&g, 0, sizeof(g));
	g.type = OFPGT_ALL;
	while (next_tok(&rest, &t)) {
		if (!kv(t, &k, &val) || !val.n) {
			perr(lp, t.s, "expected key=value, got '%.*s'", (int)t.n, t.s);
			goto fail;
		}
		if (sl_eq(k, "group_id")) {
			if (parse_u64(lp, val, 0xffffff00u, &v))
				goto fail;
			g.group_id = (uint32_t)v;
		} else if (sl_eq(k, "type")) {
			have_type = 1;
			if (sl_eq(val, "all"))
				g.type = OFPGT_ALL;
			else if (sl_eq(val, "select"))
				g.type = OFPGT_SELECT;
			else if (sl_eq(val, "indirect"))
				g.type = OFPGT_INDIRECT;
			else if (sl_eq(val, "ff") || sl_eq(val, "fast_failover"))
				g.type = OFPGT_FF;
			else {
				perr(lp, val.s, "unknown group type '%.*s' (all, select, indirect, ff)",
				     (int)val.n, val.s);
				goto fail;
			}
		} else if (sl_eq(k, "bucket")) {
			struct ofp_bucket *b = ofp_buckets_add(&g.buckets);
			struct sl e;
			if (!b) {
				perr(lp, t.s, "out of memory");
				goto fail;
			}
			b->watch_port = OFPP_ANY;
			b->watch_group = OFPG_ANY;
			while (sl_next_elem(&val, &e)) {
				struct sl n = e;
				long c = sl_find(e, ':');
				if (c > 0) {
					n.n = (size_t)c;
					struct sl a = { e.s + c + 1, e.n - (size_t)c - 1 };
					if (sl_eq(n, "weight")) {
						if (parse_u64(lp, a, 65535, &v))
							goto fail;
						b->weight = (uint16_t)v;
						continue;
					}
					if (sl_eq(n, "watch_port")) {
						if (parse_port(lp, a, &b->watch_port))
							goto fail;
						continue;
					}
					if (sl_eq(n, "watch_group")) {
						if (parse_u64(lp, a, 0xffffffffu, &v))
							goto fail;
						b->watch_group = (uint32_t)v;
						continue;
					}
				}
				if (parse_action(lp, e, &b->actions))
					goto fail;
			}
		} else {
			perr(lp, t.s, "unknown group key '%.*s'", (int)k.n, k.s);
			goto fail;
		}
	}
	(void)have_type;
	if (g.type == OFPGT_SELECT) {
		size_t i;
		for (i = 0; i < g.buckets.n; i++)
			if (!g.buckets.b[i].weight)
				g.buckets.b[i].weight = 1;
	}
	if (desired_find_group(out, g.group_id) >= 0) {
		perr(lp, line.s, "group %u defined twice", g.group_id);
		goto fail;
	}
	{
		struct ofp_msg msg;
		ofp_msg_init(&msg, OFPMSG_GROUP_MOD, 0);
		msg.u.group_mod.command = OFPGC_ADD;
		msg.u.group_mod.type = g.type;
		msg.u.group_mod.group_id = g.group_id;
		msg.u.group_mod.buckets = g.buckets;
		if (check_encode(lp, line.s, &msg))
			goto fail;
	}
	struct dgroup *dg = desired_add_group(out);
	if (!dg || dgroup_finish(&g) || !(g.text = sl_dup(line))) {
		perr(lp, line.s, "out of memory");
		if (dg)
			out->n_groups--;
		goto fail;
	}
	g.line = lp->lineno;
	*dg = g;
	return 0;
fail:
	dgroup_buckets_uninit(&g.buckets);
	free(g.bbytes);
	free(g.text);
	return -1;
}

static int parse_meter(struct lp *lp, struct sl line, struct desired *out)
{
	struct sl rest = line, t, k, val, e;
	struct dmeter m;
	uint64_t v;
	memset(&m, 0, sizeof(m));
	while (next_tok(&rest, &t)) {
		if (!kv(t, &k, &val) || !val.n) {
			perr(lp, t.s, "expected key=value, got '%.*s'", (int)t.n, t.s);
			return -1;
		}
		if (sl_eq(k, "meter_id")) {
			if (parse_u64(lp, val, 0xffff0000u, &v))
				return -1;
			if (!v)
				return perr(lp, val.s, "meter 0 does not exist");
			m.meter_id = (uint32_t)v;
		} else if (sl_eq(k, "flags")) {
			while (sl_next_elem(&val, &e)) {
				if (sl_eq(e, "kbps"))
					m.flags |= OFPMF_KBPS;
				else if (sl_eq(e, "pktps"))
					m.flags |= OFPMF_PKTPS;
				else if (sl_eq(e, "burst"))
					m.flags |= OFPMF_BURST;
				else if (sl_eq(e, "stats"))
					m.flags |= OFPMF_STATS;
				else
					return perr(lp, e.s, "unknown meter flag '%.*s'", (int)e.n, e.s);
			}
		} else if (sl_eq(k, "band")) {
			if (m.n_bands == OFP_MAX_BANDS)
				return perr(lp, t.s, "more than %d bands", OFP_MAX_BANDS);
			struct ofp_band *b = &m.bands[m.n_bands++];
			int have_rate = 0;
			b->type = 0;
			while (sl_next_elem(&val, &e)) {
				struct sl bk, bv;
				if (sl_eq(e, "drop")) {
					b->type = OFPMBT_DROP;
					continue;
				}
				if (sl_eq(e, "dscp_remark")) {
					b->type = OFPMBT_DSCP_REMARK;
					continue;
				}
				if (!kv(e, &bk, &bv))
					return perr(lp, e.s, "unknown band item '%.*s'", (int)e.n, e.s);
				if (sl_eq(bk, "rate")) {
					if (parse_u64(lp, bv, 0xffffffffu, &v))
						return -1;
					b->rate = (uint32_t)v;
					have_rate = 1;
				} else if (sl_eq(bk, "burst")) {
					if (parse_u64(lp, bv, 0xffffffffu, &v))
						return -1;
					b->burst_size = (uint32_t)v;
				} else if (sl_eq(bk, "prec_level")) {
					if (parse_u64(lp, bv, 63, &v))
						return -1;
					b->prec_level = (uint8_t)v;
				} else {
					return perr(lp, e.s, "unknown band item '%.*s'", (int)bk.n, bk.s);
				}
			}
			if (!b->type)
				return perr(lp, t.s, "band needs a type (drop or dscp_remark)");
			if (!have_rate)
				return perr(lp, t.s, "band needs rate=N");
		} else {
			return perr(lp, t.s, "unknown meter key '%.*s'", (int)k.n, k.s);
		}
	}
	if (!m.meter_id)
		return perr(lp, line.s, "meter_id missing");
	if (desired_find_meter(out, m.meter_id) >= 0)
		return perr(lp, line.s, "meter %u defined twice", m.meter_id);
	struct ofp_msg msg;
	ofp_msg_init(&msg, OFPMSG_METER_MOD, 0);
	msg.u.meter_mod.command = OFPMC_ADD;
	msg.u.meter_mod.flags = m.flags;
	msg.u.meter_mod.meter_id = m.meter_id;
	msg.u.meter_mod.n_bands = m.n_bands;
	memcpy(msg.u.meter_mod.bands, m.bands, sizeof(m.bands));
	if (check_encode(lp, line.s, &msg))
		return -1;
	struct dmeter *dm = desired_add_meter(out);
	if (!dm || !(m.text = sl_dup(line))) {
		if (dm)
			out->n_meters--;
		return perr(lp, line.s, "out of memory");
	}
	m.line = lp->lineno;
	*dm = m;
	return 0;
}

static int errs_add(struct flowspec_errs *errs, const struct flowspec_err *e)
{
	if (!errs)
		return 0;
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 8;
		struct flowspec_err *v = realloc(errs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		errs->v = v;
		errs->cap = cap;
	}
	errs->v[errs->n++] = *e;
	return 0;
}

void flowspec_errs_uninit(struct flowspec_errs *e)
{
	if (!e)
		return;
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int flowspec_parse(const char *text, flowspec_port_fn port_fn, void *arg, struct desired *out,
		   struct flowspec_errs *errs)
{
	const char *p = text;
	int lineno = 0, nerr = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		struct lp lp = { .line = p, .lineno = ++lineno, .port_fn = port_fn, .arg = arg };
		struct sl line = sl_trim((struct sl){ p, len });
		int r = 0;
		if (line.n && line.s[0] != '#') {
			if (line.n > 9 && !strncmp(line.s, "group_id=", 9))
				r = parse_group(&lp, line, out);
			else if (line.n > 9 && !strncmp(line.s, "meter_id=", 9))
				r = parse_meter(&lp, line, out);
			else
				r = parse_flow(&lp, line, out);
		}
		if (r) {
			nerr++;
			if (errs_add(errs, &lp.err))
				return -ENOMEM;
		}
		p += len + (eol ? 1 : 0);
	}
	return nerr;
}

int flowspec_read_file(const char *path, char **text)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int r;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		r = -errno;
		goto close_fd;
	}
	if (st.st_size > 64 * 1024 * 1024) {
		r = -EFBIG;
		goto close_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto close_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	if (strlen(buf) != got) {
		free(buf);
		r = -EINVAL; /* NUL byte in a text file */
		goto close_fd;
	}
	*text = buf;
	r = 0;
close_fd:
	close(fd);
	return r;
}
