/* hostd/api/api_flows.c: GET /v2.0/chassis/{name}/flows (contract in
 * api_flows.h). Runs in libmicrohttpd's thread: reads the chassis under
 * the topology's read lock, asks the controller's loop through
 * hostd/controller/ctl_query.h and turns the report into JSON. Table and
 * cookie names come from the pipeline (hostd/pipeline/pipeline.h) when it
 * is the controller's provider. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/api/api_flows.h"
#include "hostd/controller/ctl_query.h"
#include "hostd/pipeline/pipeline.h"

#define MOD "api"

#define QUERY_LOOP_MS 2000 /* the loop gives up on the switch's dump */
#define QUERY_WAIT_MS 3000 /* we give up on the loop */

static pthread_mutex_t flows_mu = PTHREAD_MUTEX_INITIALIZER; /* guards flows_ctl */
static struct ctl *flows_ctl; /* registered controller, NULL = none */

void api_flows_set_ctl(struct ctl *c)
{
	pthread_mutex_lock(&flows_mu);
	flows_ctl = c;
	pthread_mutex_unlock(&flows_mu);
}

static json_t *error_obj(const char *type, const char *msg)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "type", type, "message", msg, "detail", "",
			 "field", "");
}

static json_t *error_body(const char *type, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static json_t *error_body(const char *type, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:o}", "NeutronError", error_obj(type, msg));
}

static json_t *hex64(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	return json_string(b);
}

/* Adds k: v to o, taking v; 0 or -ENOMEM (v is released either way). */
static int put(json_t *o, const char *k, json_t *v)
{
	return v && json_object_set_new(o, k, v) == 0 ? 0 : -ENOMEM;
}

static json_t *name_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *flow_json(const struct ctl_flow_report *r, const struct ctl_qflow *f)
{
	json_t *o = json_object();
	char *text = NULL;
	int rc = 0;
	if (!o)
		return NULL;
	char tmo[48] = "";
	if (f->idle_timeout)
		snprintf(tmo, sizeof(tmo), " idle_timeout=%u", f->idle_timeout);
	if (f->hard_timeout)
		snprintf(tmo + strlen(tmo), sizeof(tmo) - strlen(tmo), " hard_timeout=%u",
			 f->hard_timeout);
	if (asprintf(&text, "table=%u priority=%u cookie=0x%" PRIx64 "%s %s actions=%s", f->table,
		     f->priority, f->cookie, tmo, f->match, f->actions) < 0)
		text = NULL;
	rc |= put(o, "table", json_integer(f->table));
	rc |= put(o, "table_name", name_or_null(r->provider ? pl_table_name(f->table) : NULL));
	rc |= put(o, "priority", json_integer(f->priority));
	rc |= put(o, "cookie", hex64(f->cookie));
	rc |= put(o, "cookie_kind",
		  name_or_null(r->provider ? pl_cookie_kind_name(PL_COOKIE_KIND(f->cookie)) : NULL));
	rc |= put(o, "idle_timeout", json_integer(f->idle_timeout));
	rc |= put(o, "hard_timeout", json_integer(f->hard_timeout));
	rc |= put(o, "match", json_string(f->match));
	rc |= put(o, "actions", json_string(f->actions));
	rc |= put(o, "text", text ? json_string(text) : NULL);
	rc |= put(o, "desired", json_boolean(f->state != CTL_QS_EXTRA));
	rc |= put(o, "state", json_string(ctl_qstate_name(f->state)));
	rc |= put(o, "present", f->state == CTL_QS_UNKNOWN ? json_null()
				: json_boolean(f->state == CTL_QS_PRESENT ||
					       f->state == CTL_QS_EXTRA));
	rc |= put(o, "kept", json_boolean(f->kept));
	rc |= put(o, "switch_actions", name_or_null(f->switch_actions));
	if (f->state == CTL_QS_DIFFERENT)
		rc |= put(o, "switch_cookie", hex64(f->switch_cookie));
	if (f->has_stats) {
		rc |= put(o, "n_packets", json_integer((json_int_t)f->n_packets));
		rc |= put(o, "n_bytes", json_integer((json_int_t)f->n_bytes));
		rc |= put(o, "duration", json_real(f->duration_sec + f->duration_nsec / 1e9));
	} else {
		rc |= put(o, "n_packets", json_null());
		rc |= put(o, "n_bytes", json_null());
		rc |= put(o, "duration", json_null());
	}
	free(text);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The whole reply body for a report. */
static json_t *report_json(const char *chassis, const struct ctl_flow_report *r)
{
	json_t *o = json_object(), *flows = json_array(), *ports = json_array(),
	       *tables = json_object();
	char dpid[20];
	size_t i;
	int rc = 0;

	if (!o || !flows || !ports || !tables)
		goto nomem;
	snprintf(dpid, sizeof(dpid), "%016" PRIx64, r->dpid);
	for (i = 0; i < r->n && !rc; i++) {
		const struct ctl_qflow *f = &r->v[i];
		char key[8];
		rc |= json_array_append_new(flows, flow_json(r, f)) ? -ENOMEM : 0;
		snprintf(key, sizeof(key), "%u", f->table);
		if (r->provider && pl_table_name(f->table) && !json_object_get(tables, key))
			rc |= put(tables, key, json_string(pl_table_name(f->table)));
	}
	for (i = 0; i < r->n_ports && !rc; i++)
		rc |= json_array_append_new(ports, json_pack("{s:I, s:s}", "port_no",
							     (json_int_t)r->ports[i].no, "name",
							     r->ports[i].name))
			      ? -ENOMEM : 0;
	rc |= put(o, "chassis", json_string(chassis));
	rc |= put(o, "datapath_id", json_string(dpid));
	rc |= put(o, "switch", json_pack("{s:b, s:b, s:b, s:b, s:o, s:o}", "known", r->known,
					 "connected", r->connected, "dumped", r->dumped,
					 "converging", r->converging, "peer",
					 r->peer[0] ? json_string(r->peer) : json_null(), "why",
					 name_or_null(r->why)));
	rc |= put(o, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "desired",
					  (json_int_t)r->n_desired, "present",
					  (json_int_t)r->n_present, "missing",
					  (json_int_t)r->n_missing, "different",
					  (json_int_t)r->n_different, "extra",
					  (json_int_t)r->n_extra, "kept", (json_int_t)r->n_kept));
	rc |= put(o, "ports", ports);
	ports = NULL;
	rc |= put(o, "tables", tables);
	tables = NULL;
	rc |= put(o, "flows", flows);
	flows = NULL;
	if (rc)
		goto nomem;
	return o;
nomem:
	json_decref(o);
	json_decref(flows);
	json_decref(ports);
	json_decref(tables);
	return NULL;
}

unsigned api_flows_reply(struct topo *t, const char *chassis, json_t **body)
{
	const struct topo_chassis *ch;
	struct ctl_query *q = NULL;
	struct ctl_flow_report rep;
	uint64_t dpid;
	unsigned status;
	int r;

	*body = NULL;
	topo_rdlock(t);
	ch = topo_chassis_get(t, chassis);
	dpid = ch ? ch->dpid : 0;
	topo_unlock(t);
	if (!ch) {
		*body = error_body("ChassisNotFound", "chassis %s could not be found", chassis);
		return 404;
	}
	if (!dpid) {
		*body = error_body("SwitchNotConnected",
				   "chassis %s has no datapath_id: no switch is bound to it", chassis);
		return 503;
	}
	pthread_mutex_lock(&flows_mu);
	r = flows_ctl ? ctl_query_flows_start(flows_ctl, dpid, QUERY_LOOP_MS, &q) : -ESHUTDOWN;
	pthread_mutex_unlock(&flows_mu);
	if (r) {
		*body = error_body("SwitchNotConnected",
				   "chassis %s: hostd runs no OpenFlow controller (--listen)",
				   chassis);
		return 503;
	}
	memset(&rep, 0, sizeof(rep));
	r = ctl_query_wait(q, QUERY_WAIT_MS, &rep);
	ctl_query_put(q);
	if (r) {
		LOG_WARN(MOD, "flows of %s: the controller did not answer within %u ms", chassis,
			 QUERY_WAIT_MS);
		*body = error_body("GatewayTimeout",
				   "chassis %s: the OpenFlow controller did not answer in time",
				   chassis);
		return 504;
	}
	*body = report_json(chassis, &rep);
	status = rep.dumped ? 200 : rep.connected ? 504 : 503;
	if (*body && status != 200) {
		char msg[256];
		snprintf(msg, sizeof(msg), "chassis %s (datapath %016" PRIx64 "): %s", chassis, dpid,
			 rep.why ? rep.why : "the switch's flows are unknown");
		json_object_set_new(*body, "NeutronError",
				    error_obj(status == 503 ? "SwitchNotConnected" : "GatewayTimeout",
					      msg));
	}
	ctl_flow_report_uninit(&rep);
	return status;
}
