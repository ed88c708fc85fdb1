/* drivers/base/log.h: the one logging interface of dfnic.
 *
 * hostd, the firmware and the drivers all log through dfn_log(); the sink
 * (stderr with timestamps by default, or syslog(3), or a function of the
 * program's such as hostd's journald writer) is chosen by the program once
 * at start-up with dfn_log_set_sink(). Each message carries a level and the name of the module that
 * logged it, so "what happened" can be read from the log alone. */
#ifndef DFNIC_BASE_LOG_H
#define DFNIC_BASE_LOG_H

#include <stdarg.h>

/* X-macro: level enum, names and syslog priorities from one list. */
#define DFN_LOG_LEVELS(X) \
	X(ERR, "error", 3)    \
	X(WARN, "warn", 4)    \
	X(INFO, "info", 6)    \
	X(DBG, "debug", 7)

enum dfn_log_level {
#define DFN_LOG_ENUM(id, name, prio) DFN_LOG_##id,
	DFN_LOG_LEVELS(DFN_LOG_ENUM)
#undef DFN_LOG_ENUM
};

/* The syslog(3) priority of a level (LOG_ERR, LOG_WARNING, ...). */
int dfn_log_priority(enum dfn_log_level lvl);

/* Where the lines that pass the level filter go. */
enum dfn_log_sink {
	DFN_LOG_SINK_STDERR, /* "<time> <program>[<level>] <module>: <msg>" */
	DFN_LOG_SINK_SYSLOG, /* syslog(3), facility daemon, "<module>: <msg>" */
	DFN_LOG_SINK_FN,     /* the function given to dfn_log_set_sink() */
};
/* A program's own sink: called with the log lock held (so calls never
 * interleave), must not log itself. msg has no newline. */
typedef void (*dfn_log_sink_fn)(enum dfn_log_level lvl, const char *module, const char *msg,
				void *arg);
/* Select the sink; fn/arg only for DFN_LOG_SINK_FN (0, or -EINVAL when it
 * is NULL). Switching to syslog opens it with the program name (LOG_PID);
 * switching away closes it. */
int dfn_log_set_sink(enum dfn_log_sink sink, dfn_log_sink_fn fn, void *arg);

/* Program name shown in every line ("hostd", "firmware"). Not copied. */
void dfn_log_init(const char *program, enum dfn_log_level max_level);
void dfn_log_set_level(enum dfn_log_level max_level);
enum dfn_log_level dfn_log_get_level(void);
/* Parse "error|warn|info|debug"; 0 or -EINVAL. */
int dfn_log_parse_level(const char *s, enum dfn_log_level *out);

/* Optional capture hook for tests: called with each formatted line
 * (without newline) in addition to the sink. NULL removes it. */
typedef void (*dfn_log_hook_fn)(enum dfn_log_level lvl, const char *line, void *arg);
void dfn_log_set_hook(dfn_log_hook_fn fn, void *arg);
/* When set, lines go only to the hook (tests that provoke errors on
 * purpose keep their output readable). */
void dfn_log_set_quiet(int quiet);

void dfn_log(enum dfn_log_level lvl, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dfn_vlog(enum dfn_log_level lvl, const char *module, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define LOG_ERR(mod, ...) dfn_log(DFN_LOG_ERR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...) dfn_log(DFN_LOG_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...) dfn_log(DFN_LOG_INFO, mod, __VA_ARGS__)
#define LOG_DBG(mod, ...) dfn_log(DFN_LOG_DBG, mod, __VA_ARGS__)

#endif
