/* firmware/report.h: the firmware's periodic statistics report to hostd
 * (`dfctl offload --stats`).
 *
 * main.c calls fw_report_send() every --stats-ms while hostd is up: one
 * RULE_STATS record per installed rule (its COUNT counters, read from the
 * flow driver through offload.c), one PORT_STATS per data-path pair
 * (datapath.c), one NETIF_STATS per lwIP netif (slowpath.c), then a
 * STATS_END, all as OBJ_STATUS events in the format of
 * drivers/mbox/objects.h ("statistics reports"). Beyond
 * FW_REPORT_MAX_RULES rules, those without hits are left out (counted in
 * STATS_END), so a large table does not flood the ring every period. */
#ifndef DFNIC_FIRMWARE_REPORT_H
#define DFNIC_FIRMWARE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/mbox/session.h"
#include "firmware/datapath.h"
#include "firmware/offload.h"
#include "firmware/slowpath.h"

#define FW_REPORT_MAX_RULES 256

/* Send one report of generation `gen`; any of off/dp/sp may be NULL.
 * `max_body`: bytes of body one message can carry. Returns the records
 * sent (STATS_END included), or -EAGAIN (ring full: the report was cut,
 * hostd drops it), -ENOTCONN or another -errno. Never blocks. */
int fw_report_send(struct mbox_session *s, size_t max_body, uint16_t gen, struct fw_offload *off,
		   struct fw_datapath *dp, struct fw_slowpath *sp, uint64_t uptime_ms);

#endif
