/* hostd/api/api_offload.c: GET .../offload (api_offload.h). Reads the
 * process' hostd/offload instance (set by hostd/main.c); runs on the API's
 * thread, copying the state under the module's lock. */
#include "hostd/api/api_offload.h"

#include <stdlib.h>
#include <string.h>

#include "drivers/mbox/objects.h"
#include "hostd/offload/offload.h"

static json_t *neutron_err(const char *type, const char *msg)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}}", "NeutronError", "type", type, "message", msg,
			 "detail", "", "field", "");
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
	*out = json_pack("{s:{s:s, s:b, s:o, s:o}}", "offload", "chassis", hostd_offload_chassis(o),
			 "connected", connected, "totals", totals, "entries", entries);
	hoff_set_free(&s);
	return *out ? 200 : 500;
}
