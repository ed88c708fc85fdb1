/* hostd/api/api_offload.h: the offload status resource of the REST API.
 *
 *   GET /v2.0/dfnic/offload           the chassis this hostd drives
 *   GET /v2.0/chassis/NAME/offload    the same, named (404 for a chassis
 *                                     this hostd does not drive)
 *
 * Body: {"offload": {"chassis", "connected", "totals": {objects,
 * offloaded, rejected, pending, no_rule, rules}, "entries": [{kind, id,
 * ref, description, status, reason, rules}]}}: every object hostd sent to
 * its NIC (hostd/offload) with the status the NIC reported. api.c routes
 * the URLs here; this file builds the JSON from hostd_offload_snapshot(). */
#ifndef DFNIC_HOSTD_API_OFFLOAD_H
#define DFNIC_HOSTD_API_OFFLOAD_H

#include <jansson.h>

#include "hostd/topo/topo.h"

/* The reply for `chassis` (NULL: ours): returns the HTTP status and the
 * body in *out (a NeutronError object on failure). Never NULL. */
int api_offload_json(struct topo *t, const char *chassis, json_t **out);

#endif
