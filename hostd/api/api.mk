# hostd/api/api.mk: the northbound REST API (library `api`, libmicrohttpd)
# and hostd's glue that starts the topology, the store and the API
# (northbound.c, called from hostd/main.c).
libs-y += api
api-srcs-y := hostd/api/api.c hostd/api/northbound.c hostd/api/api_offload.c hostd/api/api_flows.c \
	hostd/api/api_firmware.c

# api_firmware.c reads the version from an image header (libfwimage).
hostd-libs += api fwimage
hostd-ldlibs += -lmicrohttpd -lcrypto
