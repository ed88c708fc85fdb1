# build/image.mk: signed firmware images (format: firmware/image_wire.h,
# prose: board/README.md). Included from board/board.mk; the bootable
# parts of a board's image (kernel, initramfs, `make qemu`) are in
# board/<name>/board.mk.
#
#   make image [IMAGE_KEY=KEY.pem] [IMAGE_VERSION=V]
#       $(O)/image/firmware.dfimg: $(O)/bin/firmware signed for $(BOARD)
#       (plus what the board's board.mk adds as prerequisites of image-build)
#
# IMAGE_KEY defaults to the repository's TEST key, board/keys/
# test-ed25519.pem, which must never sign a production image (see
# board/keys/README.md). IMAGE_VERSION defaults to what `firmware
# --version` prints.

# libfwimage: verify (image.c), sign (image_sign.c), A/B slots
# (image_slots.c); the firmware links only the objects it uses.
libs-y += fwimage
fwimage-srcs-y := firmware/image.c firmware/image_sign.c firmware/image_slots.c

# dfimage: sign / verify / extract / info (host tool, also copied into the
# qemu-virt guest to verify the firmware before it runs).
progs-y += dfimage
dfimage-srcs-y := firmware/image_tool.c
dfimage-libs := fwimage base
dfimage-ldlibs := -lcrypto

fuzz-y += image_decode
image_decode-srcs-y := firmware/image_fuzz.c
image_decode-libs := fwimage base
image_decode-ldlibs := -lcrypto

fuzz-y += image_slots
image_slots-srcs-y := firmware/image_slots_fuzz.c
image_slots-libs := fwimage base
image_slots-ldlibs := -lcrypto

IMAGE_KEY ?= board/keys/test-ed25519.pem
IMAGE_DIR := $(O)/image
IMAGE_DFIMG := $(IMAGE_DIR)/firmware.dfimg

.PHONY: image image-build
# `make <board>_defconfig image` in one command: the configuration this
# invocation read is the old one (build/kconfig.mk skips .config when a
# *_defconfig goal is given), so the image is built by a sub-make started
# after the defconfig goal, which reads the new .config.
image: $(filter %_defconfig,$(MAKECMDGOALS))
	$(Q)$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(O) image-build

# Boards add their bootable parts as more prerequisites of image-build.
image-build: $(AUTOCONF) $(IMAGE_DFIMG)
	@echo "  DONE    image for board $(BOARD) in $(IMAGE_DIR)"

# Re-sign when the key path or version changes, not only the firmware.
IMAGE_STAMP := $(IMAGE_DIR)/.sign-params
$(IMAGE_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo "$(IMAGE_KEY) $(IMAGE_VERSION)" | cmp -s - $@ || echo "$(IMAGE_KEY) $(IMAGE_VERSION)" > $@

$(IMAGE_DFIMG): $(O)/bin/firmware $(O)/bin/dfimage $(IMAGE_STAMP) $(IMAGE_KEY)
	@mkdir -p $(dir $@)
	$(call cmd,SIGN,v='$(IMAGE_VERSION)'; [ -n "$$v" ] || v=$$($(O)/bin/firmware --version | awk '{ print $$2 }'); \
		$(O)/bin/dfimage sign --key $(IMAGE_KEY) --board $(BOARD) --version "$$v" $< $@ >/dev/null)

.PHONY: FORCE
FORCE:
