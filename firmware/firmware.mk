# firmware/firmware.mk: the SmartNIC firmware application.
# main.c wires the mailbox session (drivers/mbox) to the object mirror
# (mirror.c); later issues add the rule compiler and flow drivers here.
progs-$(CONFIG_FIRMWARE) += firmware
firmware-srcs-y := firmware/main.c firmware/mirror.c
firmware-libs := mbox base
