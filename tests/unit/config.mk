# tests/unit/config.mk: unit suites of hostd's option table machinery
# (hostd/config.c: command line + configuration file precedence, precise
# errors, --help/template generation, --check-config checks) and of the
# log sinks of drivers/base/log.c.
unit-srcs-y += tests/unit/test_config.c tests/unit/test_config_log.c hostd/config.c

# sd-notify-recv: systemd's side of Type=notify for
# tests/integration/service_unit.sh (READY, WATCHDOG rate, STOPPING).
tprogs-y += sd-notify-recv
sd-notify-recv-srcs-y := tests/integration/service_notify.c
