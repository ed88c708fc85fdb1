/* hostd/api/api_offload.c: GET .../offload (api_offload.h). Reads the
 * process' hostd/offload instance (set by hostd/main.c); runs on the API's
 * thread, copying the state under the module's lock. */
#include "hostd/api/api_offload.h"

#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "drivers/mbox/objects.h"
#include "hostd/offload/offload.h"

static json_t *neutron_err(const char *type, const char *msg)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}}", "NeutronError", "type", type, "message", msg,
			 "detail", "", "field", "");
}

/* The NIC's last statistics report (issue 5: `dfctl offload --stats`). */
static json_t *stats_json(struct hostd_offload *o)
{
	struct hoff_stats st;
	if (hostd_offload_stats_snapshot(o, &st))
		return json_null();
	json_t *rules = json_array(), *ports = json_array(), *netifs = json_array();
	for (size_t i = 0; i < st.n_recs; i++) {
		const struct mbox_stats_rec *r = &st.v[i].r;
		char ip[16];
		switch (r->kind) {
		case MBOX_RULE_STATS:
			json_array_append_new(rules, json_pack(
				"{s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "kind",
				hostd_offload_kind_name((uint16_t)r->v[0]), "id", (json_int_t)r->v[1],
				"rule", (json_int_t)r->v[2], "group", (json_int_t)r->v[3], "hits",
				(json_int_t)r->v[4], "bytes", (json_int_t)r->v[5], "what", r->text));
			break;
		case MBOX_PORT_STATS:
			json_array_append_new(ports, json_pack(
				"{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "port",
				(json_int_t)st.v[i].id, "name", r->text, "rx", (json_int_t)r->v[0],
				"tx", (json_int_t)r->v[1], "offloaded", (json_int_t)r->v[2],
				"trapped", (json_int_t)r->v[3], "to_ovs", (json_int_t)r->v[4],
				"from_ovs", (json_int_t)r->v[5], "dropped", (json_int_t)r->v[6]));
			break;
		case MBOX_NETIF_STATS:
			json_array_append_new(netifs, json_pack(
				"{s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I}", "id",
				(json_int_t)st.v[i].id, "name", r->text, "router", (json_int_t)r->v[0],
				"ip", mbox_ipv4_fmt((uint32_t)r->v[1], ip), "arp_in",
				(json_int_t)r->v[2], "arp_out", (json_int_t)r->v[3], "echo_in",
				(json_int_t)r->v[4], "echo_out", (json_int_t)r->v[5], "dropped",
				(json_int_t)r->v[6]));
			break;
		}
	}
	json_t *j = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "available",
			      st.received_ms != 0, "age_ms",
			      (json_int_t)(st.received_ms ? dfn_now_ms() - st.received_ms : 0),
			      "generation", (json_int_t)st.gen, "uptime_ms", (json_int_t)st.end.v[3],
			      "rules_total", (json_int_t)st.end.v[1], "rules_omitted",
			      (json_int_t)st.end.v[2], "rules", rules, "ports", ports, "netifs",
			      netifs);
	free(st.v);
	return j;
}

int api_offload_json(struct topo *t, const char *chassis, json_t **out)
{
	struct hostd_offload *o = hostd_offload_global();
	char msg[200];
	if (chassis) {
		topo_rdlock(t);
		int known = topo_chassis_get(t, chassis) != NULL;
		topo_unlock(t);
		if (!known && (!o || strcmp(chassis, hostd_offload_chassis(o)))) {
			snprintf(msg, sizeof(msg), "chassis %s could not be found", chassis);
			*out = neutron_err("ChassisNotFound", msg);
			return 404;
		}
	}
	if (!o) {
		*out = neutron_err("OffloadNotAvailable",
				   "this hostd drives no SmartNIC (started with --no-nic)");
		return 404;
	}
	if (chassis && strcmp(chassis, hostd_offload_chassis(o))) {
		snprintf(msg, sizeof(msg),
			 "chassis %s is not driven by this hostd (it offloads chassis %s)", chassis,
			 hostd_offload_chassis(o));
		*out = neutron_err("OffloadNotAvailable", msg);
		return 404;
	}
	struct hoff_set s = { 0 };
	int connected = 0;
	if (hostd_offload_snapshot(o, &s, &connected)) {
		*out = neutron_err("InternalServerError", "out of memory");
		return 500;
	}
	json_t *entries = json_array();
	json_int_t n_st[8] = { 0 }, rules = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct hoff_obj *ob = &s.v[i];
		const char *st = mbox_obj_status_name(ob->status);
		json_int_t nr = 0;
		if (ob->status == MBOX_OBJ_ST_OFFLOADED)
			nr = strtoll(ob->reason, NULL, 10); /* "N rule(s)" */
		rules += nr;
		if (ob->status < 8)
			n_st[ob->status]++;
		json_array_append_new(entries,
				      json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "kind",
						hostd_offload_kind_name(ob->kind), "id",
						(json_int_t)ob->id, "ref", ob->ref, "description",
						ob->desc, "status", st ? st : "unknown", "reason",
						ob->reason, "rules", nr));
	}
	json_t *totals = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "objects", (json_int_t)s.n,
				   "offloaded", n_st[MBOX_OBJ_ST_OFFLOADED], "rejected",
				   n_st[MBOX_OBJ_ST_REJECTED], "pending", n_st[MBOX_OBJ_ST_PENDING],
				   "no_rule", n_st[MBOX_OBJ_ST_NO_RULE], "rules", rules);
	char why[200];
	hostd_offload_why(o, why, sizeof(why));
	*out = json_pack("{s:{s:s, s:b, s:s, s:o, s:o, s:o}}", "offload", "chassis",
			 hostd_offload_chassis(o), "connected", connected, "why", why, "totals",
			 totals, "entries", entries, "stats", stats_json(o));
	hoff_set_free(&s);
	return *out ? 200 : 500;
}
