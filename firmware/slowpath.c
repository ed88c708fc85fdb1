/* firmware/slowpath.c: lwIP netifs answering ARP and ICMP echo for the
 * router interfaces (slowpath.h).
 *
 * lwIP (Debian's liblwip, unix port: NO_SYS=0 with core locking) runs its
 * tcpip thread for timers only; frames are fed synchronously with
 * ethernet_input() under LOCK_TCPIP_CORE, so everything lwIP transmits
 * while handling one frame happens inside that call, where `cur` says
 * which port it came from. Two hooks per netif: linkoutput sends to that
 * port; output resolves the requester's address to the requester's MAC
 * (the one the trapped frame came from) instead of ARPing for it, because
 * lwIP learns MACs only from ARP requests for itself, and the VM may have
 * learnt the gateway's MAC from OVS before (the ARP reply of an lwIP ARP
 * request would not come back here: only requests are trapped). */
#include "firmware/slowpath.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <netif/ethernet.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/objects.h"

#define MOD "slowpath"
#define SP_MTU 1500
#define SP_FRAME_MAX 2048

/* One router interface's netif. */
struct sp_netif {
	struct netif nif;            /* lwIP's (never moves: lwIP links it) */
	struct fw_slowpath *sp;      /* back pointer for the hooks */
	struct mbox_router_iface ri; /* what it was configured from */
	struct fw_netif_stats st;    /* counters (under the core lock) */
	int seen;                    /* present in the mirror at this sync */
};

/* NIC port -> network. */
struct sp_port {
	uint32_t port;    /* data-path port id */
	uint32_t network; /* network key */
};

/* The frame being fed (valid while `active`, under the core lock). */
struct sp_cur {
	int active;              /* inside fw_slowpath_input */
	int sent;                /* lwIP transmitted something for it */
	uint16_t port;           /* where it came from (replies go there) */
	uint8_t src_mac[6];      /* requester's MAC */
	uint32_t src_ip;         /* requester's IPv4 (network order) */
	struct sp_netif *ni;     /* the netif it was fed to */
};

struct fw_slowpath {
	struct fw_ports ports;   /* NIC_PORT resolution */
	fw_sp_tx_fn tx;          /* transmit callback */
	void *tx_arg;            /* its argument */
	struct sp_netif **nifs;  /* netifs (pointers: lwIP keeps them linked) */
	size_t n_nifs, cap_nifs; /* used / allocated */
	struct sp_port *pmap;    /* port map */
	size_t n_pmap, cap_pmap; /* used / allocated */
	struct sp_cur cur;       /* the frame being fed */
	uint64_t unmatched;      /* trapped frames for no netif / from no known port */
};

static int lwip_started;

/* ---- lwIP hooks --------------------------------------------------------- */

static err_t sp_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct sp_netif *ni = nif->state;
	struct fw_slowpath *sp = ni->sp;
	uint8_t buf[SP_FRAME_MAX];
	struct sp_netif *acct = sp->cur.active ? sp->cur.ni : ni; /* the netif fed */
	if (!sp->cur.active)
		return ERR_OK; /* lwIP's own traffic (gratuitous ARP, timers): no port for it */
	if (p->tot_len > sizeof(buf) || p->tot_len < 14) {
		acct->st.dropped++;
		return ERR_OK;
	}
	uint16_t len = pbuf_copy_partial(p, buf, p->tot_len, 0);
	uint16_t type = (uint16_t)(buf[12] << 8 | buf[13]);
	if (sp->tx(sp->tx_arg, sp->cur.port, buf, len) < 0) {
		acct->st.dropped++;
		return ERR_OK;
	}
	sp->cur.sent = 1;
	if (type == ETHTYPE_ARP && len >= 42 && buf[20] == 0 && buf[21] == 2)
		acct->st.arp_out++;
	else if (type == ETHTYPE_IP && len >= 34 && buf[23] == 1 &&
		 len > 14u + (buf[14] & 0xfu) * 4u && buf[14 + (buf[14] & 0xf) * 4] == 0)
		acct->st.echo_out++;
	return ERR_OK;
}

static err_t sp_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *ip)
{
	struct fw_slowpath *sp = ((struct sp_netif *)nif->state)->sp;
	if (sp->cur.active && ip4_addr_get_u32(ip) == sp->cur.src_ip) {
		struct eth_addr dst;
		memcpy(dst.addr, sp->cur.src_mac, 6);
		return ethernet_output(nif, p, (const struct eth_addr *)nif->hwaddr, &dst, ETHTYPE_IP);
	}
	return etharp_output(nif, p, ip);
}

static err_t sp_netif_init(struct netif *nif)
{
	struct sp_netif *ni = nif->state;
	nif->name[0] = 'r';
	nif->name[1] = 'i';
	nif->mtu = SP_MTU;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, ni->ri.mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nif->output = sp_output;
	nif->linkoutput = sp_linkoutput;
	return ERR_OK;
}

/* ---- create / destroy --------------------------------------------------- */

int fw_slowpath_create(const struct fw_ports *ports, fw_sp_tx_fn tx, void *tx_arg,
		       struct fw_slowpath **out)
{
	struct fw_slowpath *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->ports = *ports;
	sp->tx = tx;
	sp->tx_arg = tx_arg;
	if (!lwip_started) {
		tcpip_init(NULL, NULL); /* lwip_init + the timer thread */
		lwip_started = 1;
		LOG_INFO(MOD, "lwIP %s started", LWIP_VERSION_STRING);
	}
	*out = sp;
	return 0;
}

static void nif_remove(struct sp_netif *ni)
{
	netif_remove(&ni->nif);
	free(ni);
}

void fw_slowpath_destroy(struct fw_slowpath *sp)
{
	if (!sp)
		return;
	LOCK_TCPIP_CORE();
	for (size_t i = 0; i < sp->n_nifs; i++)
		nif_remove(sp->nifs[i]);
	UNLOCK_TCPIP_CORE();
	free(sp->nifs);
	free(sp->pmap);
	free(sp);
}

/* ---- sync --------------------------------------------------------------- */

struct sync_ctx {
	struct fw_slowpath *sp; /* being synced */
	int err;                /* first failure */
};

static struct sp_netif *find_nif(struct fw_slowpath *sp, uint32_t id)
{
	for (size_t i = 0; i < sp->n_nifs; i++)
		if (sp->nifs[i]->st.id == id)
			return sp->nifs[i];
	return NULL;
}

static int nif_add(struct fw_slowpath *sp, uint32_t id, const struct mbox_router_iface *ri)
{
	if (dfn_grow((void **)&sp->nifs, &sp->cap_nifs, sp->n_nifs + 1, sizeof(*sp->nifs)))
		return -ENOMEM;
	struct sp_netif *ni = calloc(1, sizeof(*ni));
	if (!ni)
		return -ENOMEM;
	ni->sp = sp;
	ni->ri = *ri;
	ni->seen = 1;
	ni->st.id = id;
	ni->st.router = ri->router;
	ni->st.ip = ri->ip;
	ni->st.plen = ri->plen;
	memcpy(ni->st.mac, ri->mac, 6);
	ip4_addr_t ip, mask, gw;
	ip4_addr_set_u32(&ip, htonl(ri->ip));
	ip4_addr_set_u32(&mask, htonl(ri->plen ? ~0u << (32 - ri->plen) : 0));
	ip4_addr_set_u32(&gw, 0);
	if (!netif_add(&ni->nif, &ip, &mask, &gw, ni, sp_netif_init, ethernet_input)) {
		free(ni);
		return -ENOMEM;
	}
	netif_set_up(&ni->nif);
	netif_set_link_up(&ni->nif);
	sp->nifs[sp->n_nifs++] = ni;
	char a[16];
	LOG_INFO(MOD, "netif %c%c%u: router %u %s/%u %02x:%02x:%02x:%02x:%02x:%02x (ROUTER_IFACE %u)",
		 ni->nif.name[0], ni->nif.name[1], ni->nif.num, ri->router,
		 mbox_ipv4_fmt(ri->ip, a), ri->plen, ri->mac[0], ri->mac[1], ri->mac[2], ri->mac[3],
		 ri->mac[4], ri->mac[5], id);
	return 0;
}

static void sync_one(void *arg, const struct mirror_obj *o)
{
	struct sync_ctx *x = arg;
	struct fw_slowpath *sp = x->sp;
	if (x->err)
		return;
	if (o->kind == MBOX_OBJ_NIC_PORT) {
		struct mbox_nic_port np;
		uint32_t port = o->id;
		if (mbox_decode_nic_port(o->body, o->len, &np, NULL, 0) ||
		    (sp->ports.resolve && sp->ports.resolve(sp->ports.arg, o->id, np.ifname, &port)))
			return;
		if (dfn_grow((void **)&sp->pmap, &sp->cap_pmap, sp->n_pmap + 1, sizeof(*sp->pmap))) {
			x->err = -ENOMEM;
			return;
		}
		sp->pmap[sp->n_pmap++] = (struct sp_port){ port, np.network };
		return;
	}
	if (o->kind != MBOX_OBJ_ROUTER_IFACE)
		return;
	struct mbox_router_iface ri;
	if (mbox_decode_router_iface(o->body, o->len, &ri, NULL, 0))
		return;
	struct sp_netif *ni = find_nif(sp, o->id);
	if (ni && !memcmp(&ni->ri, &ri, sizeof(ri))) {
		ni->seen = 1;
		return;
	}
	if (ni) { /* changed: the old one goes at the end of the sync */
		ni->st.id = UINT32_MAX;
		ni->seen = 0;
	}
	int r = nif_add(sp, o->id, &ri);
	if (r)
		x->err = r;
}

int fw_slowpath_sync(struct fw_slowpath *sp, const struct mirror *m)
{
	LOCK_TCPIP_CORE();
	for (size_t i = 0; i < sp->n_nifs; i++)
		sp->nifs[i]->seen = 0;
	sp->n_pmap = 0;
	struct sync_ctx x = { sp, 0 };
	mirror_foreach(m, sync_one, &x);
	size_t k = 0;
	for (size_t i = 0; i < sp->n_nifs; i++) {
		if (sp->nifs[i]->seen || x.err) { /* on failure keep what we have */
			sp->nifs[k++] = sp->nifs[i];
			continue;
		}
		LOG_INFO(MOD, "netif %c%c%u removed", sp->nifs[i]->nif.name[0],
			 sp->nifs[i]->nif.name[1], sp->nifs[i]->nif.num);
		nif_remove(sp->nifs[i]);
	}
	sp->n_nifs = k;
	UNLOCK_TCPIP_CORE();
	return x.err;
}

/* ---- input -------------------------------------------------------------- */

static int port_network(const struct fw_slowpath *sp, uint16_t port, uint32_t *net)
{
	for (size_t i = 0; i < sp->n_pmap; i++)
		if (sp->pmap[i].port == port) {
			*net = sp->pmap[i].network;
			return 0;
		}
	return -ENOENT;
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The netif a frame is for: ARP request (tpa = its IP on the port's
 * network) or ICMP echo request (to its MAC on the port's network, for
 * an address of its router). NULL when none; *is_arp tells which. */
static struct sp_netif *classify(struct fw_slowpath *sp, uint32_t net, const uint8_t *f,
				 uint32_t len, int *is_arp, uint32_t *src_ip)
{
	if (len < 14)
		return NULL;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == ETHTYPE_ARP) {
		/* htype 1, ptype IPv4, hlen 6, plen 4, op 1 (request) */
		if (len < 42 || f[14] || f[15] != 1 || f[16] != 8 || f[17] || f[18] != 6 ||
		    f[19] != 4 || f[20] || f[21] != 1)
			return NULL;
		uint32_t tpa = rd_be32(f + 38);
		*is_arp = 1;
		*src_ip = htonl(rd_be32(f + 28));
		for (size_t i = 0; i < sp->n_nifs; i++)
			if (sp->nifs[i]->ri.network == net && sp->nifs[i]->ri.ip == tpa)
				return sp->nifs[i];
		return NULL;
	}
	if (type != ETHTYPE_IP || len < 34 || (f[14] >> 4) != 4)
		return NULL;
	uint32_t ihl = (f[14] & 0xfu) * 4u;
	if (ihl < 20 || len < 14 + ihl + 8 || f[23] != 1 || f[14 + ihl] != 8)
		return NULL;
	uint32_t dst = rd_be32(f + 30);
	*is_arp = 0;
	*src_ip = htonl(rd_be32(f + 26));
	for (size_t i = 0; i < sp->n_nifs; i++) {
		struct sp_netif *ni = sp->nifs[i];
		if (ni->ri.network != net || memcmp(ni->ri.mac, f, 6))
			continue;
		for (size_t j = 0; j < sp->n_nifs; j++)
			if (sp->nifs[j]->ri.router == ni->ri.router && sp->nifs[j]->ri.ip == dst)
				return ni;
	}
	return NULL;
}

void fw_slowpath_input(struct fw_slowpath *sp, uint16_t port, const uint8_t *frame,
		       uint32_t len)
{
	LOCK_TCPIP_CORE();
	uint32_t net;
	int is_arp = 0;
	uint32_t src_ip = 0;
	struct sp_netif *ni = NULL;
	if (len <= SP_FRAME_MAX && !port_network(sp, port, &net))
		ni = classify(sp, net, frame, len, &is_arp, &src_ip);
	if (!ni) {
		sp->unmatched++;
		goto unlock;
	}
	if (is_arp)
		ni->st.arp_in++;
	else
		ni->st.echo_in++;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	if (!p) {
		ni->st.dropped++;
		goto unlock;
	}
	pbuf_take(p, frame, (u16_t)len);
	sp->cur = (struct sp_cur){ .active = 1, .port = port, .src_ip = src_ip, .ni = ni };
	memcpy(sp->cur.src_mac, frame + 6, 6);
	if (ni->nif.input(p, &ni->nif) != ERR_OK)
		pbuf_free(p);
	if (!sp->cur.sent)
		ni->st.dropped++; /* lwIP did not answer (bad checksum, ...) */
	sp->cur.active = 0;
unlock:
	UNLOCK_TCPIP_CORE();
}

uint64_t fw_slowpath_unmatched(const struct fw_slowpath *sp)
{
	return __atomic_load_n(&sp->unmatched, __ATOMIC_RELAXED);
}

int fw_slowpath_foreach_netif(struct fw_slowpath *sp,
			      void (*fn)(void *arg, const struct fw_netif_stats *st), void *arg)
{
	LOCK_TCPIP_CORE();
	size_t n = sp->n_nifs;
	struct fw_netif_stats *copy = malloc((n ? n : 1) * sizeof(*copy));
	if (copy)
		for (size_t i = 0; i < n; i++)
			copy[i] = sp->nifs[i]->st;
	UNLOCK_TCPIP_CORE();
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		fn(arg, &copy[i]);
	free(copy);
	return (int)n;
}
