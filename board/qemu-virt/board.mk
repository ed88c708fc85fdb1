# board/qemu-virt/board.mk: the bootable qemu-virt image and `make qemu`.
# build/image.mk signs the firmware ($(IMAGE_DFIMG)); this adds what boots
# it, in $(IMAGE_DIR):
#   vmlinux            Debian's kernel (linux-image-amd64), uncompressed
#                      from /boot/vmlinuz-* by build/extract-vmlinux.sh
#                      (booted through the PVH entry)
#   initramfs.cpio.gz  busybox, /init, dfimage, the signed firmware and the
#                      trusted public key (board/qemu-virt/mkinitramfs.sh)
#
#   make qemu-virt_defconfig image   build it
#   make qemu [QEMU_ACCEL=tcg|kvm|auto] [QEMU_APPEND='dfnic.fwopts=...']
#             [QEMU_FLASH=FILE]
#       boot it, with hostd attached to the mailbox BAR file on the host
#       (hostd.log in $(O)/qemu/); `shutdown` on the console stops the
#       firmware cleanly and ends QEMU with the firmware's status.
#       QEMU_FLASH adds the firmware flash (A/B slots, kept in FILE;
#       `dfimage slots install --store FILE ...` stages an update).

# The newest installed kernel unless KERNEL_VERSION=... is given.
KERNEL_VERSION ?= $(shell ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)
KERNEL_BZIMAGE := /boot/vmlinuz-$(KERNEL_VERSION)
# The public key the guest trusts: the public half of IMAGE_KEY.
IMAGE_PUBKEY := $(IMAGE_DIR)/image-pub.pem
DEBUG_EXIT := $(O)/bin/debug-exit

image-build: $(IMAGE_DIR)/vmlinux $(IMAGE_DIR)/initramfs.cpio.gz

$(IMAGE_DIR)/vmlinux: $(wildcard $(KERNEL_BZIMAGE)) build/extract-vmlinux.sh
	@[ -n "$(KERNEL_VERSION)" ] && [ -r "$(KERNEL_BZIMAGE)" ] || \
		{ echo "no /boot/vmlinuz-*: install linux-image-amd64 (build/deps.sh)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(call cmd,VMLINUX,build/extract-vmlinux.sh $(KERNEL_BZIMAGE) $@ >/dev/null)

$(IMAGE_PUBKEY): $(IMAGE_KEY) $(IMAGE_STAMP)
	@mkdir -p $(dir $@)
	$(call cmd,PUBKEY,openssl pkey -in $(IMAGE_KEY) -pubout -out $@)

# Static: it runs in the guest, whatever libraries are there.
$(DEBUG_EXIT): board/qemu-virt/debug-exit.c
	@mkdir -p $(dir $@)
	$(call cmd,LD,$(CC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $<)

$(IMAGE_DIR)/initramfs.cpio.gz: board/qemu-virt/mkinitramfs.sh board/qemu-virt/init \
		$(IMAGE_DFIMG) $(IMAGE_PUBKEY) $(O)/bin/dfimage $(DEBUG_EXIT) $(O)/bin/firmware
	$(call cmd,CPIO,board/qemu-virt/mkinitramfs.sh $@ $(IMAGE_DIR)/root board/qemu-virt/init \
		$(IMAGE_DFIMG) $(IMAGE_PUBKEY) $(O)/bin/dfimage $(DEBUG_EXIT) $(O)/bin/firmware >/dev/null)

.PHONY: qemu
QEMU_MBOX ?= $(call unquote,$(CONFIG_QEMU_VIRT_HOST_MBOX_PATH))
qemu: image
	$(Q)$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(O) $(O)/bin/hostd
	@mkdir -p $(O)/qemu
	@echo "  QEMU    $(IMAGE_DIR) (hostd log: $(O)/qemu/hostd.log; type 'shutdown' to stop)"
	$(Q)mb='$(or $(QEMU_MBOX),/dev/shm/dfnic-ivshmem)'; \
	rm -f "$$mb"; \
	$(O)/bin/hostd --mbox "pci:$$mb" --state-dir $(O)/qemu >$(O)/qemu/hostd.log 2>&1 & hd=$$!; \
	board/qemu-virt/run-qemu.sh --mbox "$$mb" $(if $(QEMU_FLASH),--flash '$(QEMU_FLASH)') \
		--append '$(QEMU_APPEND)' $(IMAGE_DIR); rc=$$?; \
	kill -TERM $$hd 2>/dev/null; wait $$hd; \
	if [ $$((rc % 2)) -eq 1 ]; then echo "  QEMU    exited $$rc: firmware status $$(( (rc - 1) / 2 ))"; \
	else echo "  QEMU    exited $$rc (no status from the guest)"; fi; \
	[ $$rc -eq 1 ]
