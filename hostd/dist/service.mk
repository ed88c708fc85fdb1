# hostd/dist/service.mk: what hostd needs to run as a service, added to the
# hostd program (hostd/hostd.mk includes this fragment): the option table
# machinery (hostd/config.c: command line, configuration file, --help,
# template, --check-config) and the systemd glue (hostd/service.c:
# sd_notify, watchdog, journald sink; libsystemd when pkg-config finds it,
# else those are no-ops). The unit, example configuration and install
# rules live next to this file and in build/install.mk.
hostd-srcs-y += hostd/config.c hostd/service.c
HOSTD_SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null)
ifneq ($(HOSTD_SYSTEMD_LIBS),)
hostd/service-cflags := -DHOSTD_HAVE_LIBSYSTEMD
hostd-ldlibs += $(HOSTD_SYSTEMD_LIBS)
endif
