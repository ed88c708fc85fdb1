# tests/unit/image.mk: the signed firmware image format and verifier, and
# the A/B slots (firmware/image*.[ch]; library declared in build/image.mk).
unit-srcs-y += tests/unit/test_image.c tests/unit/test_image_slots.c
unit-libs += fwimage
unit-ldlibs += -lcrypto
