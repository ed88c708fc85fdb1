/* drivers/base/log.c: implementation of drivers/base/log.h (stderr sink with
 * wall-clock timestamps, level filter, test hook). */
#include "drivers/base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *log_program = "dfnic";
static enum dfn_log_level log_max = DFN_LOG_INFO;
static dfn_log_hook_fn log_hook;
static void *log_hook_arg;
static int log_quiet;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
#define DFN_LOG_NAME(id, name, prio) [DFN_LOG_##id] = name,
	DFN_LOG_LEVELS(DFN_LOG_NAME)
#undef DFN_LOG_NAME
};

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
	if (lvl <= log_max && !log_quiet) {
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
