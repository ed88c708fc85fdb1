/* hostd/api/api_flows.h: GET /v2.0/chassis/{name}/flows, the flows hostd
 * wants on a chassis' br-int and whether the switch has them (dfctl flows,
 * dfctl pipeline).
 *
 * api.c routes the request here (libmicrohttpd's thread). The chassis'
 * datapath id comes from the topology; the flows come from the OpenFlow
 * controller through a thread-safe query (hostd/controller/ctl_query.h):
 * the controller's loop takes a fresh flow-stats dump of the switch,
 * compares it with the desired state and hands back a copy. hostd/main.c
 * registers the controller once it exists and unregisters it before
 * destroying it (api_flows_set_ctl), so a request never sees a freed one.
 *
 * Reply (200): {"chassis", "datapath_id", "switch": {connected, dumped,
 * converging, peer, why}, "summary": {desired, present, missing,
 * different, extra, kept}, "ports": [{port_no, name}], "tables": {"N":
 * name}, "flows": [{table, table_name, priority, cookie, cookie_kind,
 * idle_timeout, hard_timeout, match, actions, text, desired, state,
 * present, kept, switch_actions, n_packets, n_bytes, duration}]}.
 * 404 unknown chassis; 503 no switch connected for it (desired flows still
 * listed, "present": null, plus a NeutronError); 504 the switch or the
 * controller did not answer in time (same shape). */
#ifndef DFNIC_HOSTD_API_FLOWS_H
#define DFNIC_HOSTD_API_FLOWS_H

#include <jansson.h>

#include "hostd/topo/topo.h"

struct ctl;

/* Any thread: the controller flows queries go to (NULL: none; blocks
 * until a request that is submitting to the previous one is done). */
void api_flows_set_ctl(struct ctl *c);

/* The reply to GET /v2.0/chassis/{chassis}/flows: HTTP status, *body a
 * new JSON reference (NULL only on allocation failure). Blocks for at
 * most ~3 s (the switch's dump). */
unsigned api_flows_reply(struct topo *t, const char *chassis, json_t **body);

#endif
