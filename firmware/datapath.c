/* firmware/datapath.c: the sim data path's polling thread (datapath.h).
 *
 * Ports are net_af_packet vdevs the EAL created from fw_dp_eal_args().
 * The thread reads bursts of 32 from every VM-facing port and every
 * representor, decides each frame's fate (flow_soft_process for frames
 * from VMs) and collects what goes out per output port, flushed with one
 * rte_eth_tx_burst per port and input burst. Counters are single-writer
 * (this thread), read by the mailbox thread with relaxed loads. When
 * every port is idle the thread naps (50 us, doubling up to 1 ms) rather
 * than spin: sim runs share the machine with OVS and the VMs. */
#include "firmware/datapath.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "drivers/base/log.h"
#include "drivers/flow/flow_soft.h"

#define MOD "datapath"
#define BURST 32
#define N_MBUFS 8191
#define RING_SIZE 512
#define VDEV_ARG_MAX 64

/* One pair and its counters. */
struct dp_pair {
	struct fw_dp_pair_cfg cfg; /* names */
	uint16_t vm;               /* VM-facing port id */
	uint16_t repr;             /* representor port id */
	struct fw_dp_port_stats st;/* counters (single writer: the thread) */
};

/* Frames waiting for one output port. */
struct dp_txq {
	struct rte_mbuf *m[BURST * 2]; /* pending frames */
	uint16_t n;                    /* how many */
	int16_t pair;                  /* pair whose counters it bumps, -1 none */
};

struct fw_datapath {
	struct dp_pair pairs[FW_DP_MAX_PAIRS]; /* the pairs */
	unsigned n;                            /* how many */
	int16_t pair_of_vm[RTE_MAX_ETHPORTS];  /* VM-facing port id -> pair, -1 */
	struct dp_txq txq[RTE_MAX_ETHPORTS];   /* per output port */
	struct rte_mempool *pool;              /* mbufs */
	struct flow_dev *flow;                 /* soft tables (not owned) */
	struct fw_slowpath *sp;                /* slow path (not owned) */
	pthread_t thread;                      /* the poller */
	int running;                           /* thread started */
	atomic_int stop;                       /* ask the thread to end */
};

static inline void cnt(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED); /* single writer; readers: relaxed loads */
}

int fw_dp_parse_pair(const char *spec, struct fw_dp_pair_cfg *out, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '='), *colon = eq ? strchr(eq + 1, ':') : NULL;
	memset(out, 0, sizeof(*out));
	if (!eq || !colon) {
		snprintf(err, errlen, "'%s' is not NAME=VMIF:REPRIF", spec);
		return -EINVAL;
	}
	size_t ln = (size_t)(eq - spec), lv = (size_t)(colon - eq - 1), lr = strlen(colon + 1);
	if (!ln || !lv || !lr || ln >= IF_NAMESIZE || lv >= IF_NAMESIZE || lr >= IF_NAMESIZE) {
		snprintf(err, errlen, "'%s': each name must be 1..%d characters", spec,
			 IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (strpbrk(colon + 1, ",= :") || memchr(spec, ',', ln) || memchr(eq + 1, ',', lv)) {
		snprintf(err, errlen, "'%s': names may not contain ',', '=', ':' or spaces", spec);
		return -EINVAL;
	}
	memcpy(out->name, spec, ln);
	memcpy(out->vm_if, eq + 1, lv);
	memcpy(out->repr_if, colon + 1, lr);
	if (!strcmp(out->vm_if, out->repr_if)) {
		snprintf(err, errlen, "'%s': the VM and representor interfaces must differ", spec);
		return -EINVAL;
	}
	return 0;
}

static void vdev_name(unsigned pair, int repr, char *buf, size_t len)
{
	snprintf(buf, len, "net_af_packet%u", pair * 2 + (repr ? 1 : 0));
}

int fw_dp_eal_args(const struct fw_dp_pair_cfg *pairs, unsigned n, char **argv, int argc,
		   int max, char *store)
{
	for (unsigned i = 0; i < n; i++)
		for (int r = 0; r < 2; r++) {
			if (argc >= max)
				return -E2BIG;
			char *s = store + (i * 2 + (unsigned)r) * VDEV_ARG_MAX;
			char name[32];
			vdev_name(i, r, name, sizeof(name));
			snprintf(s, VDEV_ARG_MAX, "--vdev=%s,iface=%s,qdisc_bypass=1", name,
				 r ? pairs[i].repr_if : pairs[i].vm_if);
			argv[argc++] = s;
		}
	return argc;
}

static int port_setup(struct fw_datapath *dp, uint16_t pid, const char *what)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	int r = rte_eth_dev_configure(pid, 1, 1, &conf);
	if (!r)
		r = rte_eth_rx_queue_setup(pid, 0, RING_SIZE, (unsigned)rte_eth_dev_socket_id(pid),
					   NULL, dp->pool);
	if (!r)
		r = rte_eth_tx_queue_setup(pid, 0, RING_SIZE, (unsigned)rte_eth_dev_socket_id(pid),
					   NULL);
	if (!r)
		r = rte_eth_dev_start(pid);
	if (r) {
		LOG_ERR(MOD, "port %u (%s): set-up failed: %s", pid, what, rte_strerror(-r));
		return r;
	}
	rte_eth_promiscuous_enable(pid);
	return 0;
}

int fw_dp_create(const struct fw_dp_pair_cfg *pairs, unsigned n, struct fw_datapath **out)
{
	if (n > FW_DP_MAX_PAIRS)
		return -E2BIG;
	struct fw_datapath *dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		dp->pair_of_vm[i] = -1;
		dp->txq[i].pair = -1;
	}
	dp->pool = rte_pktmbuf_pool_create("fw_dp", N_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (!dp->pool) {
		LOG_ERR(MOD, "mbuf pool: %s", rte_strerror(rte_errno));
		free(dp);
		return -ENOMEM;
	}
	int r = 0;
	for (unsigned i = 0; i < n; i++) {
		struct dp_pair *p = &dp->pairs[i];
		p->cfg = pairs[i];
		char vn[32], rn[32];
		vdev_name(i, 0, vn, sizeof(vn));
		vdev_name(i, 1, rn, sizeof(rn));
		if (rte_eth_dev_get_port_by_name(vn, &p->vm) ||
		    rte_eth_dev_get_port_by_name(rn, &p->repr)) {
			LOG_ERR(MOD, "pair %s: the EAL has no port %s / %s (interfaces %s, %s exist?)",
				p->cfg.name, vn, rn, p->cfg.vm_if, p->cfg.repr_if);
			r = -ENODEV;
			break;
		}
		dp->n = i + 1;
		if ((r = port_setup(dp, p->vm, p->cfg.vm_if)) ||
		    (r = port_setup(dp, p->repr, p->cfg.repr_if)))
			break;
		p->st.port = p->vm;
		p->st.repr = p->repr;
		p->st.name = p->cfg.name;
		dp->pair_of_vm[p->vm] = (int16_t)i;
		dp->txq[p->vm].pair = (int16_t)i;
		dp->txq[p->repr].pair = (int16_t)i;
		LOG_INFO(MOD, "port %s: VM side %s = port %u, representor %s = port %u", p->cfg.name,
			 p->cfg.vm_if, p->vm, p->cfg.repr_if, p->repr);
	}
	if (r) {
		fw_dp_destroy(dp);
		return r;
	}
	*out = dp;
	return 0;
}

void fw_dp_destroy(struct fw_datapath *dp)
{
	if (!dp)
		return;
	if (dp->running) {
		atomic_store(&dp->stop, 1);
		pthread_join(dp->thread, NULL);
	}
	for (unsigned i = 0; i < dp->n; i++) {
		rte_eth_dev_stop(dp->pairs[i].vm);
		rte_eth_dev_stop(dp->pairs[i].repr);
		rte_eth_dev_close(dp->pairs[i].vm);
		rte_eth_dev_close(dp->pairs[i].repr);
	}
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++)
		for (uint16_t k = 0; k < dp->txq[i].n; k++)
			rte_pktmbuf_free(dp->txq[i].m[k]);
	rte_mempool_free(dp->pool);
	free(dp);
}

int fw_dp_resolve(void *arg, uint32_t port_key, const char *ifname, uint32_t *port_id)
{
	struct fw_datapath *dp = arg;
	(void)port_key;
	for (unsigned i = 0; i < dp->n; i++)
		if (!strcmp(dp->pairs[i].cfg.name, ifname)) {
			*port_id = dp->pairs[i].vm;
			return 0;
		}
	return -ENOENT;
}

/* ---- the polling thread ------------------------------------------------- */

static void tx_flush(struct fw_datapath *dp, uint16_t port)
{
	struct dp_txq *q = &dp->txq[port];
	if (!q->n)
		return;
	uint16_t sent = rte_eth_tx_burst(port, 0, q->m, q->n);
	for (uint16_t k = sent; k < q->n; k++)
		rte_pktmbuf_free(q->m[k]);
	if (q->pair >= 0) {
		struct dp_pair *p = &dp->pairs[q->pair];
		if (port == p->vm)
			cnt(&p->st.tx, sent);
		cnt(&p->st.dropped, (uint64_t)(q->n - sent));
	}
	q->n = 0;
}

static void tx_enqueue(struct fw_datapath *dp, uint16_t port, struct rte_mbuf *m)
{
	struct dp_txq *q = &dp->txq[port];
	if (q->n == RTE_DIM(q->m))
		tx_flush(dp, port);
	q->m[q->n++] = m;
}

int fw_dp_slow_tx(void *arg, uint16_t port, const uint8_t *frame, uint32_t len)
{
	struct fw_datapath *dp = arg;
	if (port >= RTE_MAX_ETHPORTS || dp->pair_of_vm[port] < 0)
		return -ENODEV;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
	if (!m)
		return -ENOMEM;
	char *d = rte_pktmbuf_append(m, (uint16_t)len);
	if (!d) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	memcpy(d, frame, len);
	tx_enqueue(dp, port, m);
	return 0;
}

/* One frame from VM pair `p`. */
static void from_vm(struct fw_datapath *dp, struct dp_pair *p, struct rte_mbuf *m)
{
	cnt(&p->st.rx, 1);
	if (m->nb_segs != 1) { /* af_packet frames are one segment; be safe */
		cnt(&p->st.to_ovs, 1);
		tx_enqueue(dp, p->repr, m);
		return;
	}
	struct flow_pkt pkt = { .buf = m->buf_addr, .cap = m->buf_len, .off = m->data_off,
				.len = m->data_len };
	struct flow_soft_result res;
	if (flow_soft_process(dp->flow, &pkt, p->vm, &res) < 0)
		res.verdict = FLOW_SOFT_MISS;
	m->data_off = (uint16_t)pkt.off;
	m->data_len = (uint16_t)pkt.len;
	m->pkt_len = pkt.len;
	switch (res.verdict) {
	case FLOW_SOFT_PORT:
		if (res.port < RTE_MAX_ETHPORTS && dp->pair_of_vm[res.port] >= 0) {
			cnt(&p->st.offloaded, 1);
			tx_enqueue(dp, (uint16_t)res.port, m);
			return;
		}
		break; /* no such port here (an uplink): dropped */
	case FLOW_SOFT_QUEUE:
		cnt(&p->st.trapped, 1);
		if (dp->sp)
			fw_slowpath_input(dp->sp, p->vm, rte_pktmbuf_mtod(m, const uint8_t *),
					  m->data_len);
		rte_pktmbuf_free(m);
		return;
	case FLOW_SOFT_MISS:
		cnt(&p->st.to_ovs, 1);
		tx_enqueue(dp, p->repr, m);
		return;
	case FLOW_SOFT_DROP:
		break;
	}
	cnt(&p->st.dropped, 1);
	rte_pktmbuf_free(m);
}

static void *dp_thread(void *arg)
{
	struct fw_datapath *dp = arg;
	struct rte_mbuf *pkts[BURST];
	unsigned nap_us = 0;
	while (!atomic_load_explicit(&dp->stop, memory_order_relaxed)) {
		unsigned work = 0;
		for (unsigned i = 0; i < dp->n; i++) {
			struct dp_pair *p = &dp->pairs[i];
			uint16_t n = rte_eth_rx_burst(p->vm, 0, pkts, BURST);
			for (uint16_t k = 0; k < n; k++)
				from_vm(dp, p, pkts[k]);
			work += n;
			if (n) /* flush every port this burst may have touched */
				for (unsigned j = 0; j < dp->n; j++) {
					tx_flush(dp, dp->pairs[j].vm);
					tx_flush(dp, dp->pairs[j].repr);
				}
			n = rte_eth_rx_burst(p->repr, 0, pkts, BURST);
			for (uint16_t k = 0; k < n; k++) {
				cnt(&p->st.from_ovs, 1);
				tx_enqueue(dp, p->vm, pkts[k]);
			}
			tx_flush(dp, p->vm);
			work += n;
		}
		if (work) {
			nap_us = 0;
			continue;
		}
		nap_us = nap_us ? (nap_us * 2 > 1000 ? 1000 : nap_us * 2) : 50;
		struct timespec ts = { 0, (long)nap_us * 1000L };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int fw_dp_start(struct fw_datapath *dp, struct flow_dev *flow, struct fw_slowpath *sp)
{
	if (strcmp(flow_dev_caps(flow)->driver, "soft")) {
		LOG_ERR(MOD, "the sim data path runs the soft flow driver's tables; '%s' forwards "
			"in hardware", flow_dev_caps(flow)->driver);
		return -ENOTSUP;
	}
	dp->flow = flow;
	dp->sp = sp;
	int r = pthread_create(&dp->thread, NULL, dp_thread, dp);
	if (r) {
		LOG_ERR(MOD, "cannot start the data-path thread: %s", strerror(r));
		return -r;
	}
	dp->running = 1;
	LOG_INFO(MOD, "data path polling %u port pair(s)", dp->n);
	return 0;
}

int fw_dp_foreach_port(struct fw_datapath *dp,
		       void (*fn)(void *arg, const struct fw_dp_port_stats *st), void *arg)
{
	for (unsigned i = 0; i < dp->n; i++) {
		const struct fw_dp_port_stats *s = &dp->pairs[i].st;
		struct fw_dp_port_stats c = { .port = s->port, .repr = s->repr, .name = s->name };
#define LD(f) c.f = __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		LD(rx); LD(tx); LD(offloaded); LD(trapped); LD(to_ovs); LD(from_ovs); LD(dropped);
#undef LD
		fn(arg, &c);
	}
	return (int)dp->n;
}
