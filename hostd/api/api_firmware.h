/* hostd/api/api_firmware.h: the firmware update resource of the REST API.
 *
 *   POST /v2.0/chassis/NAME/firmware   body: a signed image (octet-stream);
 *        (or /v2.0/dfnic/firmware)     hands it to the NIC client thread
 *                                      (hostd/nic.h), which streams it over
 *                                      the mailbox; 202 with the status
 *   GET  the same URL                  {"firmware": {chassis, state, sent,
 *                                      total, version, error, running,
 *                                      connected}}
 *
 * States (hostd/nic.h HOSTD_FW_STATES): idle, waiting, sending, verifying,
 * restarting, running, rolled-back, failed. 404: unknown chassis, one this
 * hostd does not drive, or no NIC client (--no-nic); 409: an update is in
 * progress; 400: empty body. api.c routes the URLs here. */
#ifndef DFNIC_HOSTD_API_FIRMWARE_H
#define DFNIC_HOSTD_API_FIRMWARE_H

#include <stddef.h>

#include <jansson.h>

#include "hostd/topo/topo.h"

/* GET: the HTTP status, *out the body (never NULL unless out of memory). */
unsigned api_firmware_get(struct topo *t, const char *chassis, json_t **out);

/* POST: *body (malloc()ed, len bytes) is taken over when the update is
 * queued (*body becomes NULL); otherwise the caller still frees it. */
unsigned api_firmware_post(struct topo *t, const char *chassis, char **body, size_t len,
			   json_t **out);

#endif
