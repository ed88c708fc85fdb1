# tests/unit/image.mk: the signed firmware image format and verifier
# (firmware/image.[ch]; library declared in build/image.mk).
unit-srcs-y += tests/unit/test_image.c
unit-libs += fwimage
unit-ldlibs += -lcrypto
