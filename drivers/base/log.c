/* drivers/base/log.c: implementation of drivers/base/log.h (level filter,
 * test hook, and the sinks: stderr with wall-clock timestamps, syslog(3),
 * or a function of the program's). */
#include "drivers/base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h> /* after log.h: its LOG_ERR/LOG_INFO are syslog's in this file */
#include <time.h>

static const char *log_program = "dfnic";
static enum dfn_log_level log_max = DFN_LOG_INFO;
static dfn_log_hook_fn log_hook;
static void *log_hook_arg;
static int log_quiet;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum dfn_log_sink log_sink = DFN_LOG_SINK_STDERR;
static dfn_log_sink_fn log_sink_fn;
static void *log_sink_arg;

static const char *const level_names[] = {
#define DFN_LOG_NAME(id, name, prio) [DFN_LOG_##id] = name,
	DFN_LOG_LEVELS(DFN_LOG_NAME)
#undef DFN_LOG_NAME
};

static const int level_prios[] = {
#define DFN_LOG_PRIO(id, name, prio) [DFN_LOG_##id] = prio,
	DFN_LOG_LEVELS(DFN_LOG_PRIO)
#undef DFN_LOG_PRIO
};
_Static_assert(LOG_ERR == 3 && LOG_WARNING == 4 && LOG_INFO == 6 && LOG_DEBUG == 7,
	       "DFN_LOG_LEVELS priorities are syslog(3)'s");

int dfn_log_priority(enum dfn_log_level lvl) { return level_prios[lvl]; }

int dfn_log_set_sink(enum dfn_log_sink sink, dfn_log_sink_fn fn, void *arg)
{
	if ((sink == DFN_LOG_SINK_FN && !fn) || sink > DFN_LOG_SINK_FN)
		return -EINVAL;
	pthread_mutex_lock(&log_lock);
	if (log_sink == DFN_LOG_SINK_SYSLOG && sink != DFN_LOG_SINK_SYSLOG)
		closelog();
	if (sink == DFN_LOG_SINK_SYSLOG && log_sink != DFN_LOG_SINK_SYSLOG)
		openlog(log_program, LOG_PID, LOG_DAEMON);
	log_sink = sink;
	log_sink_fn = sink == DFN_LOG_SINK_FN ? fn : NULL;
	log_sink_arg = sink == DFN_LOG_SINK_FN ? arg : NULL;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void dfn_log_init(const char *program, enum dfn_log_level max_level)
{
	log_program = program;
	log_max = max_level;
}

void dfn_log_set_level(enum dfn_log_level max_level) { log_max = max_level; }
enum dfn_log_level dfn_log_get_level(void) { return log_max; }

int dfn_log_parse_level(const char *s, enum dfn_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum dfn_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void dfn_log_set_hook(dfn_log_hook_fn fn, void *arg)
{
	pthread_mutex_lock(&log_lock);
	log_hook = fn;
	log_hook_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

void dfn_log_set_quiet(int quiet) { log_quiet = quiet; }

void dfn_vlog(enum dfn_log_level lvl, const char *module, const char *fmt, va_list ap)
{
	if (lvl > log_max && !log_hook)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);

	pthread_mutex_lock(&log_lock);
	if (log_hook)
		log_hook(lvl, msg, log_hook_arg);
	if (lvl > log_max || log_quiet) {
		/* filtered out, or the hook alone sees it */
	} else if (log_sink == DFN_LOG_SINK_SYSLOG) {
		syslog(level_prios[lvl], "%s: %s", module, msg);
	} else if (log_sink == DFN_LOG_SINK_FN) {
		log_sink_fn(lvl, module, msg, log_sink_arg);
	} else {
		struct timeval tv;
		struct tm tm;
		char ts[32];
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%s] %s: %s\n", ts, (long)(tv.tv_usec / 1000),
			log_program, level_names[lvl], module, msg);
		fflush(stderr);
	}
	pthread_mutex_unlock(&log_lock);
}

void dfn_log(enum dfn_log_level lvl, const char *module, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dfn_vlog(lvl, module, fmt, ap);
	va_end(ap);
}
