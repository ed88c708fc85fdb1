/* firmware/report.c: the statistics report to hostd (report.h).
 *
 * Encodes each record with drivers/mbox/objects.c's statistics codec and
 * sends it as an OBJ_STATUS event (status = the report's generation);
 * hostd/offload publishes a report when its STATS_END arrives. A send
 * that finds the ring full ends the report early: hostd never sees its
 * STATS_END and keeps the previous one. */
#include "firmware/report.h"

#include <errno.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/mbox/objects.h"

#define MOD "report"

struct rep {
	struct mbox_session *s; /* where to send */
	size_t max_body;        /* body bytes a message can carry */
	uint16_t gen;           /* generation */
	uint32_t records;       /* sent so far */
	uint32_t rules;         /* rules visited */
	uint32_t omitted;       /* rules left out */
	int failed;             /* a send failed: stop */
};

static void send_rec(struct rep *r, struct mbox_stats_rec *rec, uint32_t id)
{
	char body[512];
	if (r->failed)
		return;
	size_t cap = r->max_body < sizeof(body) ? r->max_body : sizeof(body);
	int len = mbox_encode_stats(rec, body, cap);
	while (len == -EMSGSIZE && rec->text[0]) { /* shorten the text until it fits */
		rec->text[strlen(rec->text) / 2] = '\0';
		len = mbox_encode_stats(rec, body, cap);
	}
	if (len < 0) {
		r->failed = len;
		return;
	}
	struct mbox_msg m = { .type = MBOX_MSG_OBJ_STATUS };
	m.u.obj.kind = rec->kind;
	m.u.obj.id = id;
	m.u.obj.status = r->gen;
	m.u.obj.body = (const uint8_t *)body;
	m.u.obj.body_len = (uint32_t)len;
	int e = mbox_session_send(r->s, &m, 0);
	if (e < 0) {
		r->failed = e;
		return;
	}
	r->records++;
}

static int rule_cb(void *arg, const struct fw_rule_stat *rs)
{
	struct rep *r = arg;
	r->rules++;
	if (r->rules > FW_REPORT_MAX_RULES && (!rs->counted || !rs->c.hits)) {
		r->omitted++;
		return 0;
	}
	struct mbox_stats_rec rec = { .kind = MBOX_RULE_STATS };
	rec.v[0] = rs->kind;
	rec.v[1] = rs->id;
	rec.v[2] = rs->rule;
	rec.v[3] = rs->group;
	rec.v[4] = rs->counted ? rs->c.hits : 0;
	rec.v[5] = rs->counted ? rs->c.bytes : 0;
	mbox_stats_set_text(&rec, rs->what);
	send_rec(r, &rec, r->records);
	return r->failed != 0;
}

static void port_cb(void *arg, const struct fw_dp_port_stats *st)
{
	struct mbox_stats_rec rec = { .kind = MBOX_PORT_STATS };
	rec.v[0] = st->rx;
	rec.v[1] = st->tx;
	rec.v[2] = st->offloaded;
	rec.v[3] = st->trapped;
	rec.v[4] = st->to_ovs;
	rec.v[5] = st->from_ovs;
	rec.v[6] = st->dropped;
	mbox_stats_set_text(&rec, st->name);
	send_rec(arg, &rec, st->port);
}

static void netif_cb(void *arg, const struct fw_netif_stats *st)
{
	struct mbox_stats_rec rec = { .kind = MBOX_NETIF_STATS };
	char name[32];
	rec.v[0] = st->router;
	rec.v[1] = st->ip;
	rec.v[2] = st->arp_in;
	rec.v[3] = st->arp_out;
	rec.v[4] = st->echo_in;
	rec.v[5] = st->echo_out;
	rec.v[6] = st->dropped;
	snprintf(name, sizeof(name), "ri%u", st->id);
	mbox_stats_set_text(&rec, name);
	send_rec(arg, &rec, st->id);
}

int fw_report_send(struct mbox_session *s, size_t max_body, uint16_t gen, struct fw_offload *off,
		   struct fw_datapath *dp, struct fw_slowpath *sp, uint64_t uptime_ms)
{
	struct rep r = { .s = s, .max_body = max_body, .gen = gen };
	if (off)
		fw_offload_foreach_rule(off, rule_cb, &r);
	if (dp && !r.failed)
		fw_dp_foreach_port(dp, port_cb, &r);
	if (sp && !r.failed)
		fw_slowpath_foreach_netif(sp, netif_cb, &r);
	struct mbox_stats_rec end = { .kind = MBOX_STATS_END };
	end.v[0] = r.records;
	end.v[1] = r.rules;
	end.v[2] = r.omitted;
	end.v[3] = uptime_ms;
	send_rec(&r, &end, 0);
	if (r.failed && r.failed != -EAGAIN && r.failed != -ENOTCONN)
		LOG_WARN(MOD, "statistics report %u not sent: %s", gen, strerror(-r.failed));
	return r.failed ? r.failed : (int)r.records;
}
