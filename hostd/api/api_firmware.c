/* hostd/api/api_firmware.c: POST/GET .../firmware (api_firmware.h). The
 * image is only decoded far enough to learn the version it names (the NIC
 * verifies it: its refusal, with the image library's reason, is what the
 * caller sees); the streaming is hostd/nic.c's. */
#include "hostd/api/api_firmware.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/base/log.h"
#include "firmware/image.h"
#include "hostd/nic.h"
#include "hostd/offload/offload.h"

#define MOD "api"

static json_t *neutron_err(const char *type, const char *msg)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}}", "NeutronError", "type", type, "message", msg,
			 "detail", "", "field", "");
}

/* 0 when chassis (NULL: ours) is the one this hostd's NIC serves, else
 * the HTTP status with *out set. */
static unsigned check_chassis(struct topo *t, const char *chassis, json_t **out)
{
	char msg[200];
	if (!chassis)
		return 0;
	struct hostd_offload *o = hostd_offload_global();
	if (o && !strcmp(chassis, hostd_offload_chassis(o)))
		return 0;
	topo_rdlock(t);
	int known = topo_chassis_get(t, chassis) != NULL;
	topo_unlock(t);
	if (!known)
		snprintf(msg, sizeof(msg), "chassis %s could not be found", chassis);
	else
		snprintf(msg, sizeof(msg), "chassis %s is not driven by this hostd%s%s%s", chassis,
			 o ? " (it drives chassis " : "", o ? hostd_offload_chassis(o) : "",
			 o ? ")" : "");
	*out = neutron_err(known ? "FirmwareNotAvailable" : "ChassisNotFound", msg);
	return 404;
}

static json_t *status_json(const char *chassis, const struct hostd_nic_fw_status *st)
{
	struct hostd_offload *o = hostd_offload_global();
	const char *name = chassis ? chassis : o ? hostd_offload_chassis(o) : "";
	return json_pack("{s:{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:b}}", "firmware", "chassis", name,
			 "state", hostd_fw_state_name(st->state), "sent", (json_int_t)st->sent,
			 "total", (json_int_t)st->total, "version", st->version, "error",
			 st->error, "running", st->running, "connected", st->connected);
}

static unsigned no_nic(json_t **out)
{
	*out = neutron_err("FirmwareNotAvailable",
			   "this hostd drives no SmartNIC (started with --no-nic)");
	return 404;
}

unsigned api_firmware_get(struct topo *t, const char *chassis, json_t **out)
{
	struct hostd_nic_fw_status st;
	unsigned code = check_chassis(t, chassis, out);
	if (code)
		return code;
	if (hostd_nic_fw_status(NULL, &st) < 0)
		return no_nic(out);
	*out = status_json(chassis, &st);
	return 200;
}

unsigned api_firmware_post(struct topo *t, const char *chassis, char **body, size_t len,
			   json_t **out)
{
	struct hostd_nic_fw_status st;
	struct dfimg_info info;
	char msg[200];
	unsigned code = check_chassis(t, chassis, out);
	if (code)
		return code;
	if (!*body || !len) {
		*out = neutron_err("BadRequest", "the request body must be a firmware image");
		return 400;
	}
	/* Only to name the version; the NIC decides whether it is valid. */
	int known = dfimg_decode_header(*body, len, &info, NULL) == 0;
	int r = hostd_nic_fw_update(NULL, *body, len, known ? info.version : NULL);
	if (r == -ENODEV)
		return no_nic(out);
	if (r == -EBUSY) {
		hostd_nic_fw_status(NULL, &st);
		snprintf(msg, sizeof(msg), "a firmware update is in progress (%s, %llu of %llu bytes)",
			 hostd_fw_state_name(st.state), (unsigned long long)st.sent,
			 (unsigned long long)st.total);
		*out = neutron_err("FirmwareUpdateInProgress", msg);
		return 409;
	}
	if (r < 0) {
		snprintf(msg, sizeof(msg), "cannot start the update: %s", strerror(-r));
		*out = neutron_err("BadRequest", msg);
		return 400;
	}
	*body = NULL; /* the NIC client owns it now */
	LOG_INFO(MOD, "firmware update of %zu bytes (version %s) accepted", len,
		 known ? info.version : "?");
	hostd_nic_fw_status(NULL, &st);
	*out = status_json(chassis, &st);
	return 202;
}
