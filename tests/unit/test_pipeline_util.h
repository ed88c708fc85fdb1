/* tests/unit/test_pipeline_util.h: the example topologies and helpers the
 * pipeline suites share (test_pipeline_compile.c, test_pipeline_packet.c).
 *
 * Topology "two subnets" (keys fixed by topo_set_next_key so the expected
 * flow lines are stable):
 *   chassis c1 (tunnel 192.168.50.1), c2 (tunnel 192.168.50.2)
 *   net1 vxlan VNI 0xabcdef (key 0x12345678), subnet 10.0.1.0/24 gw .1
 *   net2 vxlan VNI 0x100001 (key 0x12345679), subnet 10.0.2.0/24 gw .1
 *   router r1 (key 0x7001) with an interface on each subnet (router MACs
 *     02:00:00:00:01:01 on net1, 02:00:00:00:02:01 on net2)
 *   vm a: net1 10.0.1.10 02:00:00:00:01:0a ifname vma on c1 (key 0x500)
 *   vm b: net2 10.0.2.20 02:00:00:00:02:14 ifname vmb on c1 or c2 (0x501)
 * Switch ports: vma=1 vmb=2 vmc=3 tun-vxlan=10 tun-gre=11 phy-default=12
 * phy-ext=13. */
#ifndef DFNIC_TEST_PIPELINE_UTIL_H
#define DFNIC_TEST_PIPELINE_UTIL_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/pipeline/pipeline.h"
#include "hostd/topo/topo.h"

#define NET1_KEY 0x12345678u
#define NET2_KEY 0x12345679u
#define R1_KEY 0x7001u
#define PA_KEY 0x500u
#define PB_KEY 0x501u

static inline int tp_port_map(void *arg, const char *name, uint32_t *port)
{
	static const struct { const char *n; uint32_t no; } map[] = {
		{ "vma", 1 }, { "vmb", 2 }, { "vmc", 3 }, { "tun-vxlan", 10 }, { "tun-gre", 11 },
		{ "phy-default", 12 }, { "phy-ext", 13 },
	};
	size_t i;
	(void)arg;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].n, name)) {
			*port = map[i].no;
			return 0;
		}
	return -1;
}

static inline int tp_put_port(struct topo_txn *x, const char *id, const char *net,
			      const char *ip, const char *mac, const char *chassis,
			      const char *ifname)
{
	struct topo_port p;
	struct topo_fixed_ip fi;
	struct topo_err err;
	int r;
	memset(&p, 0, sizeof(p));
	memset(&fi, 0, sizeof(fi));
	snprintf(p.id, sizeof(p.id), "%s", id);
	p.name = (char *)id;
	snprintf(p.network_id, sizeof(p.network_id), "%s", net);
	topo_mac_parse(mac, p.mac);
	p.n_fixed_ips = 1;
	p.fixed_ips = &fi;
	topo_ip_parse(ip, &fi.ip);
	p.chassis = chassis;
	p.device_owner = "compute:nova";
	snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
	p.admin_state_up = true;
	r = topo_txn_put_port(x, &p, NULL, &err);
	if (r)
		fprintf(stderr, "put port %s: %s\n", id, err.msg);
	return r;
}

/* Builds the example; b_chassis: where vm b lives. NULL on failure. */
static inline struct topo *tp_build(const char *b_chassis, enum topo_l3_mode mode)
{
	struct topo *t = topo_new();
	struct topo_txn *x;
	struct topo_err err;
	struct topo_network n;
	struct topo_subnet s;
	struct topo_router r;
	struct topo_chassis c;
	char pid[TOPO_ID_MAX + 1];
	struct topo_port ip;
	const struct topo_port *cur;
	int i;

	if (!t)
		return NULL;
	topo_set_next_key(t, TOPO_NETWORK, NET1_KEY);
	topo_set_next_key(t, TOPO_ROUTER, R1_KEY);
	topo_set_next_key(t, TOPO_PORT, PA_KEY);
	x = topo_txn_begin(t);
	for (i = 1; i <= 2; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "c%d", i);
		c.dpid = (uint64_t)i;
		c.tunnel_ip = topo_ip_from_v4(0xc0a83200u + (uint32_t)i);
		if (topo_txn_put_chassis(x, &c, &err))
			goto fail;
	}
	for (i = 1; i <= 2; i++) {
		memset(&n, 0, sizeof(n));
		snprintf(n.id, sizeof(n.id), "net%d", i);
		n.name = n.id;
		n.type = TOPO_NET_VXLAN;
		n.segmentation_id = i == 1 ? 0xabcdef : 0x100001;
		n.admin_state_up = true;
		if (topo_txn_put_network(x, &n, NULL, &err))
			goto fail;
		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "sub%d", i);
		s.name = s.id;
		snprintf(s.network_id, sizeof(s.network_id), "net%d", i);
		topo_cidr_parse(i == 1 ? "10.0.1.0/24" : "10.0.2.0/24", &s.cidr);
		s.ip_version = 4;
		topo_ip_parse(i == 1 ? "10.0.1.1" : "10.0.2.1", &s.gateway);
		if (topo_txn_put_subnet(x, &s, NULL, &err))
			goto fail;
	}
	/* the VM ports first, so their keys are PA_KEY and PB_KEY */
	if (tp_put_port(x, "a", "net1", "10.0.1.10", "02:00:00:00:01:0a", "c1", "vma") ||
	    tp_put_port(x, "b", "net2", "10.0.2.20", "02:00:00:00:02:14", b_chassis, "vmb"))
		goto fail_quiet;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "r1");
	r.name = r.id;
	r.admin_state_up = true;
	r.l3_mode = mode;
	if (topo_txn_put_router(x, &r, NULL, &err))
		goto fail;
	for (i = 1; i <= 2; i++) {
		char sid[16];
		snprintf(sid, sizeof(sid), "sub%d", i);
		if (topo_txn_add_router_iface(x, "r1", sid, NULL, pid, &err))
			goto fail;
		/* give the interface a known MAC */
		cur = topo_port_get(topo_txn_view(x), pid);
		ip = *cur;
		ip.name = cur->name;
		memset(ip.mac, 0, 6);
		ip.mac[0] = 2;
		ip.mac[4] = (uint8_t)i;
		ip.mac[5] = 1;
		if (topo_txn_put_port(x, &ip, NULL, &err))
			goto fail;
	}
	if (topo_txn_commit(x, &err))
		goto fail_committed;
	return t;
fail:
	fprintf(stderr, "topology: %s\n", err.msg);
fail_quiet:
	topo_txn_abort(x);
	topo_destroy(t);
	return NULL;
fail_committed:
	fprintf(stderr, "commit: %s\n", err.msg);
	topo_destroy(t);
	return NULL;
}

/* "table=N priority=P cookie=0x... MATCH actions: INSTRUCTIONS" */
static inline char *tp_flow_line(const struct dflow_rec *r)
{
	struct ofpbuf s = OFPBUF_INIT;
	struct dflow fl, *f = &fl;
	char *out;
	if (dflow_rec_load(r, &fl))
		return strdup("(undecodable flow)");
	ofpbuf_printf(&s, "table=%u priority=%u cookie=%#llx ", f->table, f->priority,
		      (unsigned long long)f->cookie);
	if (f->idle_timeout)
		ofpbuf_printf(&s, "idle_timeout=%u ", f->idle_timeout);
	ofp_format_match(&s, &f->match);
	ofpbuf_printf(&s, " -> ");
	ofp_format_instructions(&s, &f->insts);
	out = strdup(ofpbuf_cstr(&s));
	ofpbuf_uninit(&s);
	dflow_uninit(&fl);
	return out;
}

/* Asserts the canonical bucket text of group g. */
#define TP_ASSERT_BTEXT(g, want)                                                   \
	do {                                                                       \
		char *bt_ = dgroup_btext(g);                                       \
		CU_ASSERT_PTR_NOT_NULL(bt_);                                       \
		CU_ASSERT_STRING_EQUAL(bt_ ? bt_ : "(null)", want);                \
		free(bt_);                                                         \
	} while (0)

/* 1 when the canonical instruction text of r contains `needle`. */
static inline int tp_itext_has(const struct dflow_rec *r, const char *needle)
{
	char *t = dflow_rec_itext(r);
	int has = t && strstr(t, needle) != NULL;
	CU_ASSERT_PTR_NOT_NULL(t);
	free(t);
	return has;
}

/* Index of the flow whose line equals `line`, or -1 (all lines printed
 * to stderr on a miss, to see what there is). */
static inline int tp_find(const struct desired *d, const char *line)
{
	size_t i;
	for (i = 0; i < d->flows.n; i++) {
		char *l = tp_flow_line(&d->flows.v[i]);
		int eq = !strcmp(l, line);
		free(l);
		if (eq)
			return (int)i;
	}
	fprintf(stderr, "\nmissing flow: %s\nflows present:\n", line);
	for (i = 0; i < d->flows.n; i++) {
		char *l = tp_flow_line(&d->flows.v[i]);
		fprintf(stderr, "  %s\n", l);
		free(l);
	}
	return -1;
}

static inline int tp_compile(struct topo *t, const char *chassis, struct desired *d)
{
	const struct topo_chassis *ch;
	struct pl_cfg cfg = { .reactive_idle = 5 };
	int r;
	desired_init(d);
	topo_rdlock(t);
	ch = topo_chassis_get(t, chassis);
	r = ch ? pipeline_compile(t, ch, tp_port_map, NULL, &cfg, d, NULL) : -ENOENT;
	topo_unlock(t);
	return r;
}

/* tp_build + a network node "nn" (dpid 3; with_nn: its network-node
 * role), a flat external network "ext" (physical network ext,
 * 172.24.4.0/24, gateway .1, pool .10-.99) as r1's gateway with SNAT, and
 * floating IP fip1 172.24.4.50 -> vm a. NULL on failure. */
static inline struct topo *tp_build_ns(enum topo_l3_mode mode, int with_nn)
{
	struct topo *t = tp_build("c1", mode);
	struct topo_txn *x;
	struct topo_err err;
	struct topo_chassis c;
	struct topo_network n;
	struct topo_subnet s;
	struct topo_pool pool;
	struct topo_router r;
	struct topo_floatingip f;

	if (!t)
		return NULL;
	x = topo_txn_begin(t);
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "nn");
	c.dpid = 3;
	c.tunnel_ip = topo_ip_from_v4(0xc0a83203u);
	c.network_node = with_nn;
	memset(&n, 0, sizeof(n));
	snprintf(n.id, sizeof(n.id), "ext");
	n.name = n.id;
	n.type = TOPO_NET_FLAT;
	snprintf(n.physical_network, sizeof(n.physical_network), "ext");
	n.external = true;
	n.admin_state_up = true;
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "ext-sub");
	s.name = s.id;
	snprintf(s.network_id, sizeof(s.network_id), "ext");
	topo_cidr_parse("172.24.4.0/24", &s.cidr);
	s.ip_version = 4;
	topo_ip_parse("172.24.4.1", &s.gateway);
	s.n_pools = 1;
	s.pools = &pool; /* (copied by topo_txn_put_subnet) */
	topo_ip_parse("172.24.4.10", &pool.start);
	topo_ip_parse("172.24.4.99", &pool.end);
	if (topo_txn_put_chassis(x, &c, &err) || topo_txn_put_network(x, &n, NULL, &err) ||
	    topo_txn_put_subnet(x, &s, NULL, &err))
		goto fail;
	r = *topo_router_get(topo_txn_view(x), "r1");
	snprintf(r.gw_network_id, sizeof(r.gw_network_id), "ext");
	r.enable_snat = true;
	if (topo_txn_put_router(x, &r, NULL, &err) || topo_txn_commit(x, &err))
		goto fail_committed;
	x = topo_txn_begin(t);
	memset(&f, 0, sizeof(f));
	snprintf(f.id, sizeof(f.id), "fip1");
	topo_ip_parse("172.24.4.50", &f.floating_ip);
	snprintf(f.floating_network_id, sizeof(f.floating_network_id), "ext");
	snprintf(f.port_id, sizeof(f.port_id), "a");
	if (topo_txn_put_floatingip(x, &f, NULL, &err) || topo_txn_commit(x, &err))
		goto fail_committed;
	return t;
fail:
	topo_txn_abort(x);
fail_committed:
	fprintf(stderr, "north/south topology: %s\n", err.msg);
	topo_destroy(t);
	return NULL;
}

#endif
