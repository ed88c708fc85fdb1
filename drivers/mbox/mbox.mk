# drivers/mbox/mbox.mk: the mailbox library (protocol, codec, transports).
libs-$(CONFIG_MBOX) += mbox
mbox-srcs-y :=
