# build/install.mk: `make install` / `make uninstall` (included by
# build/targets.mk, after the program lists are known).
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging] [O=out/sim]
#
# installs what the board built in $(O)/bin plus hostd's service files:
#   $(sbindir)/hostd                      the host daemon
#   $(bindir)/dfctl                       its command-line client
#   $(libexecdir)/dfnic/firmware          sim board only: the firmware as a
#                                         host program (simulated SmartNIC)
#   $(unitdir)/dfnic-hostd.service        systemd unit, paths substituted
#   $(sysconfdir)/dfnic/hostd.conf        the documented example, only when
#                                         no hostd.conf exists there yet
#   $(docdir)/hostd.conf.example          the same example, always
#   $(docdir)/README.md                   hostd/README.md (the manual)
#   $(docdir)/service.md                  hostd/dist/README.md
#
# Defaults: PREFIX=/usr/local, bindir/sbindir under it, unitdir
# $(PREFIX)/lib/systemd/system (systemd reads /usr/local/lib/systemd/system
# too), sysconfdir=/etc (hostd's default --config is /etc/dfnic/hostd.conf
# whatever the prefix). Every directory variable can be overridden.
# `make uninstall` removes the same files (the configuration only when it
# is still identical to the example, so local edits survive) and the
# directories that end up empty.

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
sbindir ?= $(exec_prefix)/sbin
libexecdir ?= $(exec_prefix)/libexec
sysconfdir ?= /etc
datarootdir ?= $(prefix)/share
docdir ?= $(datarootdir)/doc/dfnic
unitdir ?= $(prefix)/lib/systemd/system
INSTALL ?= install

INSTALL_FW := $(if $(filter y,$(CONFIG_BOARD_SIM)),$(filter $(O)/bin/firmware,$(PROGS)))
INSTALL_SUBST = sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@bindir@|$(bindir)|g' \
	-e 's|@sysconfdir@|$(sysconfdir)|g' -e 's|@docdir@|$(docdir)|g'

.PHONY: install uninstall
install: $(AUTOCONF) $(O)/bin/hostd $(O)/bin/dfctl $(INSTALL_FW)
	$(INSTALL) -d '$(DESTDIR)$(sbindir)' '$(DESTDIR)$(bindir)' '$(DESTDIR)$(unitdir)' \
		'$(DESTDIR)$(sysconfdir)/dfnic' '$(DESTDIR)$(docdir)'
	$(INSTALL) -m 0755 $(O)/bin/hostd '$(DESTDIR)$(sbindir)/hostd'
	$(INSTALL) -m 0755 $(O)/bin/dfctl '$(DESTDIR)$(bindir)/dfctl'
	$(if $(INSTALL_FW),$(INSTALL) -d '$(DESTDIR)$(libexecdir)/dfnic' && \
		$(INSTALL) -m 0755 $(INSTALL_FW) '$(DESTDIR)$(libexecdir)/dfnic/firmware')
	$(INSTALL_SUBST) hostd/dist/dfnic-hostd.service > '$(DESTDIR)$(unitdir)/dfnic-hostd.service.tmp'
	chmod 0644 '$(DESTDIR)$(unitdir)/dfnic-hostd.service.tmp'
	mv -f '$(DESTDIR)$(unitdir)/dfnic-hostd.service.tmp' '$(DESTDIR)$(unitdir)/dfnic-hostd.service'
	$(INSTALL) -m 0644 hostd/dist/hostd.conf '$(DESTDIR)$(docdir)/hostd.conf.example'
	@if [ -e '$(DESTDIR)$(sysconfdir)/dfnic/hostd.conf' ]; then \
		echo "  KEEP    $(DESTDIR)$(sysconfdir)/dfnic/hostd.conf (exists; example in $(docdir))"; \
	else \
		$(INSTALL) -m 0644 hostd/dist/hostd.conf '$(DESTDIR)$(sysconfdir)/dfnic/hostd.conf'; \
	fi
	$(INSTALL) -m 0644 hostd/README.md '$(DESTDIR)$(docdir)/README.md'
	$(INSTALL) -m 0644 hostd/dist/README.md '$(DESTDIR)$(docdir)/service.md'
	@echo "  INSTALL hostd, dfctl$(if $(INSTALL_FW),$(comma) firmware), dfnic-hostd.service under $(or $(DESTDIR),/)"

uninstall:
	rm -f '$(DESTDIR)$(sbindir)/hostd' '$(DESTDIR)$(bindir)/dfctl' \
		'$(DESTDIR)$(libexecdir)/dfnic/firmware' '$(DESTDIR)$(unitdir)/dfnic-hostd.service' \
		'$(DESTDIR)$(docdir)/README.md' '$(DESTDIR)$(docdir)/service.md'
	@if cmp -s hostd/dist/hostd.conf '$(DESTDIR)$(sysconfdir)/dfnic/hostd.conf'; then \
		rm -f '$(DESTDIR)$(sysconfdir)/dfnic/hostd.conf'; \
	elif [ -e '$(DESTDIR)$(sysconfdir)/dfnic/hostd.conf' ]; then \
		echo "  KEEP    $(DESTDIR)$(sysconfdir)/dfnic/hostd.conf (edited locally)"; \
	fi
	rm -f '$(DESTDIR)$(docdir)/hostd.conf.example'
	@rmdir '$(DESTDIR)$(libexecdir)/dfnic' '$(DESTDIR)$(docdir)' '$(DESTDIR)$(sysconfdir)/dfnic' 2>/dev/null || true
	@echo "  UNINSTALL from $(or $(DESTDIR),/)"
