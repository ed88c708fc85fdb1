/* hostd/service.h: hostd as a systemd service (Type=notify).
 *
 * hostd/main.c tells systemd where it is through these calls: READY=1 once
 * the controller listens and the API is up, STATUS= lines, WATCHDOG=1 pings
 * from the event loop that does the work (controller loop or main wait
 * loop), STOPPING=1 on SIGTERM. With libsystemd (sd_notify), every call is a
 * no-op outside systemd (no NOTIFY_SOCKET). It also provides the journald
 * log sink for drivers/base/log.h (--log-target journal: sd_journal_send
 * with PRIORITY= and the module as a field). Built without libsystemd,
 * notifications and the journal sink are unavailable (hostd_service_init
 * says so when systemd asks for them). */
#ifndef DFNIC_HOSTD_SERVICE_H
#define DFNIC_HOSTD_SERVICE_H

#include <stdint.h>

/* Read the service manager's environment. Returns the watchdog ping
 * period in ms (half of WatchdogSec), or 0 when no watchdog is asked for.
 * Never blocks. */
uint32_t hostd_service_init(void);
/* READY=1 with a STATUS= line (printf format). */
void hostd_service_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A STATUS= line (printf format). */
void hostd_service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* WATCHDOG=1; cheap, call it from the loop every period. The ptr-less
 * signature lets it be a loop tick callback. */
void hostd_service_watchdog(void *unused);
/* STOPPING=1 with a STATUS= line. */
void hostd_service_stopping(const char *status);

/* Route drivers/base/log.h lines to journald. 0, or -ENOTSUP (built
 * without libsystemd) / -ENOENT (no journald socket): the caller keeps
 * another sink. */
int hostd_service_log_to_journal(void);

#endif
