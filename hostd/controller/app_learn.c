/* hostd/controller/app_learn.c: the learning-switch packet-in handler
 * (--app learn).
 *
 * Per switch (struct sw in ctl_int.h), source MAC -> in_port is learned
 * from every packet-in. When the destination is known the packet-in is
 * answered with a FLOW_MOD (table 0, eth_dst -> output, idle timeout,
 * cookie APP_LEARN_COOKIE so convergence leaves these flows alone) and a
 * PACKET_OUT of the packet to that port; otherwise with a PACKET_OUT that
 * floods it. Both messages are encoded back to back into the connection's
 * reused scratch buffer and queued with one write: no allocation per
 * packet-in once warm. This is the path the ofbench benchmark measures. */
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"

#define MAC_SLOTS 4096   /* per switch, power of two */
#define MAC_PROBES 8     /* linear probes before overwriting */
#define LEARN_PRIORITY 10
#define LEARN_IDLE 60

static uint32_t mac_hash(const uint8_t *m)
{
	uint32_t h = 2166136261u;
	int i;
	for (i = 0; i < 6; i++) {
		h ^= m[i];
		h *= 16777619u;
	}
	return h;
}

static struct mac_entry *mac_slot(struct sw *s, const uint8_t *mac, int insert)
{
	size_t i, j;
	if (!s->macs) {
		if (!insert)
			return NULL;
		s->macs = calloc(MAC_SLOTS, sizeof(*s->macs));
		if (!s->macs)
			return NULL;
		s->mac_mask = MAC_SLOTS - 1;
	}
	j = mac_hash(mac) & s->mac_mask;
	for (i = 0; i < MAC_PROBES; i++) {
		struct mac_entry *e = &s->macs[(j + i) & s->mac_mask];
		if (e->used && !memcmp(e->mac, mac, 6))
			return e;
		if (!e->used)
			return insert ? e : NULL;
	}
	return insert ? &s->macs[j] : NULL; /* full neighbourhood: evict */
}

/* The one-action list reused for every answer (the loop is one thread). */
static struct ofp_actions out_action;

void app_learn_packet_in(struct conn *cn, const struct ofp_msg *msg)
{
	const struct ofp_packet_in *pi = &msg->u.packet_in;
	const uint8_t *frame = pi->data.data;
	struct sw *s = cn->sw;
	struct mac_entry *e;
	struct ofp_msg m;
	uint32_t in_port, out_port = OFPP_FLOOD;

	if (!ofp_match_has(&pi->match, OFPF_IN_PORT) || pi->data.len < 14 || conn_throttled(cn))
		return;
	in_port = (uint32_t)ofp_match_get_uint(&pi->match, OFPF_IN_PORT);
	if (!(frame[6] & 1)) { /* learn unicast sources only */
		e = mac_slot(s, frame + 6, 1);
		if (e) {
			memcpy(e->mac, frame + 6, 6);
			e->used = 1;
			e->port = in_port;
		}
	}
	e = (frame[0] & 1) ? NULL : mac_slot(s, frame, 0);
	if (e && e->port != in_port)
		out_port = e->port;
	if (!out_action.n && !ofp_actions_add(&out_action, OFPACT_OUTPUT))
		return;
	out_action.a[0].u.output.port = out_port;
	out_action.a[0].u.output.max_len = 0;

	ofpbuf_clear(&cn->out);
	if (out_port != OFPP_FLOOD) {
		ofp_msg_init(&m, OFPMSG_FLOW_MOD, conn_xid(cn));
		struct ofp_flow_mod *fm = &m.u.flow_mod;
		fm->command = OFPFC_ADD;
		fm->cookie = APP_LEARN_COOKIE;
		fm->table_id = 0;
		fm->priority = LEARN_PRIORITY;
		fm->idle_timeout = LEARN_IDLE;
		fm->buffer_id = OFP_NO_BUFFER;
		fm->out_port = OFPP_ANY;
		fm->out_group = OFPG_ANY;
		ofp_match_init(&fm->match);
		ofp_match_set(&fm->match, OFPF_ETH_DST, frame, NULL);
		fm->insts.present = OFPINST_APPLY;
		fm->insts.apply = out_action; /* shallow: m is not uninit'ed */
		if (ofp_encode(&m, &cn->out, NULL, 0))
			return;
		cn->n_flow_mod++;
	}
	ofp_msg_init(&m, OFPMSG_PACKET_OUT, conn_xid(cn));
	m.u.packet_out.buffer_id = pi->buffer_id;
	m.u.packet_out.in_port = in_port;
	m.u.packet_out.actions = out_action; /* shallow */
	if (pi->buffer_id == OFP_NO_BUFFER)
		m.u.packet_out.data = pi->data;
	if (ofp_encode(&m, &cn->out, NULL, 0))
		return;
	cn->n_packet_out++;
	conn_send_raw(cn, cn->out.data, cn->out.len);
}
