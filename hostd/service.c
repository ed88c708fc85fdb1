/* hostd/service.c: implementation of hostd/service.h (sd_notify,
 * sd_watchdog_enabled and sd_journal_send from libsystemd, when the build
 * found it: HOSTD_HAVE_LIBSYSTEMD, set by hostd/dist/service.mk). */
#include "hostd/service.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/base/log.h"

#define MOD "service"

#ifdef HOSTD_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

uint32_t hostd_service_init(void)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);
	if (r <= 0 || !usec)
		return 0;
	uint64_t ms = usec / 2000; /* ping at half the watchdog period */
	return ms ? (ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms) : 1;
}

void hostd_service_ready(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%ld", buf, (long)getpid());
}

void hostd_service_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", buf);
}

void hostd_service_watchdog(void *unused)
{
	(void)unused;
	sd_notify(0, "WATCHDOG=1");
}

void hostd_service_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

static void journal_sink(enum dfn_log_level lvl, const char *module, const char *msg, void *arg)
{
	(void)arg;
	sd_journal_send("MESSAGE=%s: %s", module, msg, "PRIORITY=%d", dfn_log_priority(lvl),
			"SYSLOG_IDENTIFIER=hostd", "DFNIC_MODULE=%s", module, NULL);
}

int hostd_service_log_to_journal(void)
{
	if (access("/run/systemd/journal/socket", W_OK))
		return -ENOENT;
	return dfn_log_set_sink(DFN_LOG_SINK_FN, journal_sink, NULL);
}

#else /* !HOSTD_HAVE_LIBSYSTEMD */

uint32_t hostd_service_init(void)
{
	if (getenv("NOTIFY_SOCKET"))
		LOG_WARN(MOD, "NOTIFY_SOCKET is set but hostd was built without libsystemd: "
			 "no READY/WATCHDOG notifications");
	return 0;
}
void hostd_service_ready(const char *fmt, ...) { (void)fmt; }
void hostd_service_status(const char *fmt, ...) { (void)fmt; }
void hostd_service_watchdog(void *unused) { (void)unused; }
void hostd_service_stopping(const char *status) { (void)status; }
int hostd_service_log_to_journal(void) { return -ENOTSUP; }

#endif
