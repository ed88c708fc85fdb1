/* tests/bench/flow_soft_bench.c: rule installs per second into the soft flow
 * backend (drivers/flow/flow_soft.h) for a 10,000-port topology, and the
 * packet engine's rate for one routed flow through those tables.
 *
 * The rules are the shape the firmware's rule compiler emits (classify ->
 * ARP -> L3 groups, see drivers/flow/README.md): per VM port a classify
 * rule in group 0 (in port -> network metadata, JUMP 1); per router
 * interface an ARP trap in group 1 (ARP request for the router IP ->
 * QUEUE); one catch-all in group 1 (JUMP 2); per VM port a /32 route in
 * group 2 (router MAC + IPv4 dst -> set MACs, DEC_TTL, COUNT, out port).
 * Their item/action arrays are built once (the compiler's output); each
 * round times flow_create() for all of them, then flow_flush().
 *
 *   flow-soft-bench [--quick] [--ports N] [--rounds N] [--packets N]
 * Prints a table and RESULT lines (tests/bench/README.md); exits non-zero
 * only when a create fails or a packet gets a wrong verdict. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_flow.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/flow/flow.h"
#include "drivers/flow/flow_soft.h"

#define TARGET_RULES_PER_S 1000000.0
#define PORTS_PER_NET 10u
#define NETS_PER_ROUTER 2u

/* One rule as the compiler hands it over: arrays plus the specs they point to. */
struct rule_src {
	struct rte_flow_attr attr;            /* group, priority */
	struct rte_flow_item items[5];        /* pattern */
	struct rte_flow_action actions[7];    /* actions */
	union {                               /* specs and masks */
		struct {
			struct rte_flow_item_ethdev in;        /* classify: in port */
			struct rte_flow_action_set_meta meta;  /* network key */
			struct rte_flow_action_jump jump;      /* to ARP group */
		} c;
		struct {
			struct rte_flow_item_meta meta, meta_mask;           /* network */
			struct rte_flow_item_arp_eth_ipv4 arp, arp_mask;     /* request for */
			struct rte_flow_action_queue q;                      /* slow path */
		} a;
		struct {
			struct rte_flow_item_meta meta, meta_mask;           /* router */
			struct rte_flow_item_eth eth, eth_mask;              /* router MAC */
			struct rte_flow_item_ipv4 ip, ip_mask;               /* VM /32 */
			struct rte_flow_action_set_mac smac, dmac;           /* rewrite */
			struct rte_flow_action_ethdev out;                   /* VM port */
		} l3;
		struct {
			struct rte_flow_action_jump jump;                    /* to L3 */
		} any;
	} u;
};

static void mac_of(uint8_t *mac, uint32_t kind, uint32_t n)
{
	mac[0] = 0xfa;
	mac[1] = 0x16;
	mac[2] = (uint8_t)kind;
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* VM port p (1-based) is on network (p-1)/10, IP 10.<net>.<host>. */
static uint32_t vm_ip(uint32_t p)
{
	uint32_t net = (p - 1) / PORTS_PER_NET, host = (p - 1) % PORTS_PER_NET + 10;
	return 10u << 24 | net << 8 | host;
}

static uint32_t rtr_ip(uint32_t net) { return 10u << 24 | net << 8 | 1; }

static size_t build_rules(struct rule_src *r, uint32_t ports)
{
	uint32_t nets = (ports + PORTS_PER_NET - 1) / PORTS_PER_NET;
	size_t n = 0;
	for (uint32_t p = 1; p <= ports; p++, n++) { /* classify */
		struct rule_src *s = &r[n];
		memset(s, 0, sizeof(*s));
		s->attr = (struct rte_flow_attr){ .group = 0, .ingress = 1 };
		s->u.c.in.port_id = (uint16_t)p;
		s->u.c.meta = (struct rte_flow_action_set_meta){ .data = (p - 1) / PORTS_PER_NET,
								 .mask = UINT32_MAX };
		s->u.c.jump.group = 1;
		s->items[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT,
						      .spec = &s->u.c.in };
		s->items[1].type = RTE_FLOW_ITEM_TYPE_END;
		s->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_SET_META,
							  .conf = &s->u.c.meta };
		s->actions[1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_JUMP,
							  .conf = &s->u.c.jump };
		s->actions[2].type = RTE_FLOW_ACTION_TYPE_END;
	}
	for (uint32_t net = 0; net < nets; net++, n++) { /* ARP trap per router interface */
		struct rule_src *s = &r[n];
		memset(s, 0, sizeof(*s));
		s->attr = (struct rte_flow_attr){ .group = 1, .ingress = 1 };
		s->u.a.meta.data = net;
		s->u.a.meta_mask.data = UINT32_MAX;
		s->u.a.arp.op = RTE_BE16(1);
		s->u.a.arp.tpa = rte_cpu_to_be_32(rtr_ip(net));
		s->u.a.arp_mask.op = RTE_BE16(0xffff);
		s->u.a.arp_mask.tpa = RTE_BE32(0xffffffff);
		s->u.a.q.index = 0;
		s->items[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_META,
						      .spec = &s->u.a.meta, .mask = &s->u.a.meta_mask };
		s->items[1].type = RTE_FLOW_ITEM_TYPE_ETH;
		s->items[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ARP_ETH_IPV4,
						      .spec = &s->u.a.arp, .mask = &s->u.a.arp_mask };
		s->items[3].type = RTE_FLOW_ITEM_TYPE_END;
		s->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE,
							  .conf = &s->u.a.q };
		s->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
	}
	{ /* everything else goes on to L3 */
		struct rule_src *s = &r[n++];
		memset(s, 0, sizeof(*s));
		s->attr = (struct rte_flow_attr){ .group = 1, .priority = 100, .ingress = 1 };
		s->u.any.jump.group = 2;
		s->items[0].type = RTE_FLOW_ITEM_TYPE_END;
		s->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_JUMP,
							  .conf = &s->u.any.jump };
		s->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
	}
	for (uint32_t p = 1; p <= ports; p++, n++) { /* /32 route per VM */
		struct rule_src *s = &r[n];
		uint32_t net = (p - 1) / PORTS_PER_NET, router = net / NETS_PER_ROUTER;
		memset(s, 0, sizeof(*s));
		s->attr = (struct rte_flow_attr){ .group = 2, .ingress = 1 };
		/* the router's networks share its key in the upper bits */
		s->u.l3.meta.data = router * NETS_PER_ROUTER;
		s->u.l3.meta_mask.data = ~(NETS_PER_ROUTER - 1);
		mac_of(s->u.l3.eth.hdr.dst_addr.addr_bytes, 0xaa, router);
		memset(s->u.l3.eth_mask.hdr.dst_addr.addr_bytes, 0xff, 6);
		s->u.l3.ip.hdr.dst_addr = rte_cpu_to_be_32(vm_ip(p));
		s->u.l3.ip_mask.hdr.dst_addr = RTE_BE32(0xffffffff);
		mac_of(s->u.l3.smac.mac_addr, 0xaa, router);
		mac_of(s->u.l3.dmac.mac_addr, 0x3e, p);
		s->u.l3.out.port_id = (uint16_t)p;
		s->items[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_META,
						      .spec = &s->u.l3.meta,
						      .mask = &s->u.l3.meta_mask };
		s->items[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ETH,
						      .spec = &s->u.l3.eth, .mask = &s->u.l3.eth_mask };
		s->items[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV4,
						      .spec = &s->u.l3.ip, .mask = &s->u.l3.ip_mask };
		s->items[3].type = RTE_FLOW_ITEM_TYPE_END;
		s->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_SET_MAC_SRC,
							  .conf = &s->u.l3.smac };
		s->actions[1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_SET_MAC_DST,
							  .conf = &s->u.l3.dmac };
		s->actions[2].type = RTE_FLOW_ACTION_TYPE_DEC_TTL;
		s->actions[3].type = RTE_FLOW_ACTION_TYPE_COUNT;
		s->actions[4] = (struct rte_flow_action){
			.type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &s->u.l3.out };
		s->actions[5].type = RTE_FLOW_ACTION_TYPE_END;
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A routed ICMP packet from VM `from` to VM `to` (same router). */
static size_t make_packet(uint8_t *f, uint32_t from, uint32_t to)
{
	uint32_t router = ((from - 1) / PORTS_PER_NET) / NETS_PER_ROUTER;
	memset(f, 0, 98);
	mac_of(f, 0xaa, router);
	mac_of(f + 6, 0x3e, from);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 84;
	ip[8] = 64;
	ip[9] = 1;
	uint32_t s = vm_ip(from), d = vm_ip(to);
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(s >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(d >> (24 - 8 * i));
	}
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	return 98;
}

int main(int argc, char **argv)
{
	unsigned long ports = 10000, rounds = 7, packets = 2000000;
	static const struct option opts[] = { { "quick", no_argument, NULL, 'q' },
					      { "ports", required_argument, NULL, 'p' },
					      { "rounds", required_argument, NULL, 'r' },
					      { "packets", required_argument, NULL, 'n' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "qp:r:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': rounds = 3; packets = 200000; break;
		case 'p':
			if (dfn_parse_uint(optarg, 20, 65535, &ports))
				goto usage;
			break;
		case 'r':
			if (dfn_parse_uint(optarg, 1, 1000, &rounds))
				goto usage;
			break;
		case 'n':
			if (dfn_parse_uint(optarg, 1, 1000000000, &packets))
				goto usage;
			break;
		case 'h':
		default:
			goto usage;
		}
	}
	dfn_log_init("flow-soft-bench", DFN_LOG_WARN);

	size_t max_rules = 2 * ports + ports / PORTS_PER_NET + 2;
	struct rule_src *src = calloc(max_rules, sizeof(*src));
	struct flow_rule **handles = calloc(max_rules, sizeof(*handles));
	if (!src || !handles) {
		fprintf(stderr, "flow-soft-bench: out of memory\n");
		return 1;
	}
	size_t n = build_rules(src, (uint32_t)ports);

	struct flow_soft_params sp;
	flow_soft_params_default(&sp);
	sp.n_groups = 3;
	for (int g = 0; g < FLOW_MAX_GROUPS; g++)
		sp.capacity[g] = (uint32_t)n;
	sp.max_rules = (uint32_t)n;
	struct flow_params fp = { .name = "bench", .soft = &sp };
	struct flow_dev *dev = NULL;
	struct flow_error err;
	if (flow_open(&flow_soft_ops, &fp, &dev, &err)) {
		fprintf(stderr, "flow-soft-bench: open: %s\n", err.message);
		return 1;
	}

	printf("topology: %lu VM ports, %lu networks, %lu routers -> %zu rules "
	       "(classify %lu, ARP %lu, catch-all 1, L3 /32 %lu)\n",
	       ports, (ports + PORTS_PER_NET - 1) / PORTS_PER_NET,
	       (ports + PORTS_PER_NET * NETS_PER_ROUTER - 1) / (PORTS_PER_NET * NETS_PER_ROUTER),
	       n, ports, (ports + PORTS_PER_NET - 1) / PORTS_PER_NET, ports);
	printf("%-8s %12s %14s %12s\n", "round", "install ms", "rules/s", "flush ms");
	double *rates = calloc(rounds, sizeof(double));
	int bad = 0;
	for (unsigned long r = 0; r < rounds && !bad; r++) {
		uint64_t t0 = dfn_now_ns();
		for (size_t i = 0; i < n; i++) {
			if (flow_create(dev, &src[i].attr, src[i].items, src[i].actions, &handles[i],
					&err)) {
				fprintf(stderr, "flow-soft-bench: rule %zu: %s\n", i, err.message);
				bad = 1;
				break;
			}
		}
		uint64_t t1 = dfn_now_ns();
		rates[r] = (double)n / ((double)(t1 - t0) / 1e9);
		if (r + 1 == rounds || bad)
			break; /* keep the last round installed for the packet test */
		if (flow_flush(dev, &err)) {
			fprintf(stderr, "flow-soft-bench: flush: %s\n", err.message);
			bad = 1;
		}
		uint64_t t2 = dfn_now_ns();
		printf("%-8lu %12.2f %14.0f %12.2f\n", r + 1, (double)(t1 - t0) / 1e6, rates[r],
		       (double)(t2 - t1) / 1e6);
	}
	if (!bad)
		printf("%-8lu %12.2f %14.0f %12s\n", rounds, (double)n / rates[rounds - 1] * 1e3,
		       rates[rounds - 1], "(kept)");

	double median = 0, best = 0;
	if (!bad) {
		qsort(rates, rounds, sizeof(double), cmp_double);
		median = rates[rounds / 2];
		best = rates[rounds - 1];
		printf("install: median %.0f rules/s, best %.0f rules/s over %lu rounds of %zu rules\n",
		       median, best, rounds, n);
	}

	/* One routed flow through the installed tables (3 lookups per packet). */
	double pps = 0;
	if (!bad) {
		uint32_t from = 1, to = 2 + PORTS_PER_NET; /* network 0 -> network 1, router 0 */
		uint8_t frame[98], buf[256];
		size_t len = make_packet(frame, from, to);
		struct flow_soft_result res;
		uint64_t t0 = dfn_now_ns();
		for (unsigned long i = 0; i < packets; i++) {
			memcpy(buf + 64, frame, len);
			struct flow_pkt pkt = { .buf = buf, .cap = sizeof(buf), .off = 64,
						.len = (uint32_t)len };
			if (flow_soft_process(dev, &pkt, from, &res) || res.verdict != FLOW_SOFT_PORT ||
			    res.port != to || buf[64 + 22] != 63) {
				fprintf(stderr, "flow-soft-bench: packet %lu: verdict %d port %u\n",
					i, (int)res.verdict, res.port);
				bad = 1;
				break;
			}
		}
		uint64_t t1 = dfn_now_ns();
		pps = (double)packets / ((double)(t1 - t0) / 1e9);
		struct flow_counters ctr;
		if (!bad && (flow_query(dev, handles[n - ports + to - 1], 0, &ctr, &err) ||
			     ctr.hits != packets)) {
			fprintf(stderr, "flow-soft-bench: route counter %" PRIu64 ", want %lu\n",
				ctr.hits, packets);
			bad = 1;
		}
		struct flow_soft_stats st;
		flow_soft_get_stats(dev, &st);
		if (!bad)
			printf("process: %.0f packets/s for one routed flow (%lu packets, %u "
			       "subtables, 3 groups per packet)\n",
			       pps, packets, st.subtables);
	}
	flow_close(dev);
	free(rates);
	free(handles);
	free(src);

	if (bad) {
		printf("RESULT flow_soft_install rules=%zu ERROR\n", n);
		return 1;
	}
	printf("RESULT flow_soft_install ports=%lu rules=%zu median=%.0f best=%.0f "
	       "target>=%.0f %s\n",
	       ports, n, median, best, TARGET_RULES_PER_S,
	       median >= TARGET_RULES_PER_S ? "PASS" : "MISS");
	printf("RESULT flow_soft_process routed_pps=%.0f target=none INFO\n", pps);
	return 0;

usage:
	fprintf(stderr, "usage: flow-soft-bench [--quick] [--ports N] [--rounds N] "
			"[--packets N]\n");
	return c == 'h' ? 0 : 2;
}
