# tests/unit/mbox.mk: unit suites of drivers/mbox: the transport contract
# (one suite per transport) and the codec's golden vectors.
ifeq ($(CONFIG_MBOX),y)
unit-srcs-y += tests/unit/test_mbox_contract.c tests/unit/test_mbox_codec.c
unit-libs += mbox
endif
