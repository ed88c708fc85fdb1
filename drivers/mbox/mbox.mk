# drivers/mbox/mbox.mk: the mailbox library (protocol, codec, transports).
# mbox.c is the ring core, codec.c the message codec, transport_*.c one
# backend each; session.c (the protocol engine) is appended below.
libs-$(CONFIG_MBOX) += mbox
mbox-srcs-y := drivers/mbox/mbox.c drivers/mbox/codec.c
mbox-srcs-$(CONFIG_MBOX_LOOPBACK) += drivers/mbox/transport_loop.c
mbox-srcs-$(CONFIG_MBOX_SHM) += drivers/mbox/transport_shm.c
mbox-srcs-$(CONFIG_MBOX_PCI) += drivers/mbox/transport_pci.c
mbox-srcs-y += drivers/mbox/session.c drivers/mbox/objects.c
