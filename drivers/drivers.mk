# drivers/drivers.mk: the driver libraries. Each driver folder has its own
# fragment; this one lists them and builds drivers/base.
libs-y += base
base-srcs-y := drivers/base/log.c drivers/base/util.c

include drivers/mbox/mbox.mk
include drivers/flow/flow.mk
