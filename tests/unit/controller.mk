# tests/unit/controller.mk: unit suites of hostd's controller
# (hostd/controller): flows file parser, state difference, error
# attribution by xid, output watermarks.
unit-srcs-y += tests/unit/test_ctl_flowspec.c tests/unit/test_ctl_diff.c \
	tests/unit/test_ctl_conn.c
unit-libs += ctl ofp
unit-ldlibs += $(CTL_LDLIBS)
