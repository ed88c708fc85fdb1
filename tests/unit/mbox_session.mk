# tests/unit/mbox_session.mk: the mailbox session engine (drivers/mbox/
# session.c over the loop transport), the object bodies (objects.c) and
# the firmware's object mirror (firmware/mirror.c, compiled in directly).
unit-srcs-y += tests/unit/test_mbox_session.c firmware/mirror.c
unit-libs += mbox
