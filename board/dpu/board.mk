# board/dpu/board.mk: the aarch64 cross build of the DPU board (included by
# board/board.mk after build/rules.mk, before the folders' fragments).
#
# Compiler: CROSS_COMPILE picks aarch64-linux-gnu-gcc / -ar (build/rules.mk;
# CC= on the command line still wins). Libraries: Debian's arm64 packages
# (multiarch, /usr/lib/aarch64-linux-gnu), installed by build/deps.sh. Two
# arm64 -dev packages cannot sit next to their amd64 twins (libdpdk-dev,
# libevent-dev): deps.sh unpacks their headers, .pc files and link names
# into DPU_DEV_OVERLAY, which comes first here, for headers and libraries.
#
#   make dpu_defconfig all            cross-build firmware and tools
#   make check-dpu                    ASan+UBSan build of the unit runner
#                                     (out/dpu/check), run under emulation
#   board/dpu/run-unit.sh DIR         run it under qemu-aarch64 (user emulation)

CROSS_COMPILE ?= aarch64-linux-gnu-
DPU_TRIPLET := aarch64-linux-gnu
# Must match DFNIC_ARM64_DEV in build/deps.sh.
DPU_DEV_OVERLAY ?= /opt/dfnic/arm64-dev

# pkg-config sees only arm64 .pc files: the overlay's, then the installed
# arm64 packages', then the architecture-independent ones. (make 4.3 does
# not pass exported variables to $(shell), so the setting is spelled out
# on each query; it is also exported for recipes.)
DPU_PKG_CONFIG_LIBDIR := $(DPU_DEV_OVERLAY)/usr/lib/$(DPU_TRIPLET)/pkgconfig:/usr/lib/$(DPU_TRIPLET)/pkgconfig:/usr/share/pkgconfig
export PKG_CONFIG_LIBDIR := $(DPU_PKG_CONFIG_LIBDIR)
DPU_PKG_CONFIG := PKG_CONFIG_LIBDIR=$(DPU_PKG_CONFIG_LIBDIR) pkg-config

# The overlay's headers before the multiarch ones the cross compiler
# searches by itself (/usr/include/$(DPU_TRIPLET), /usr/include); its link
# names point at the arm64 runtime libraries in /usr/lib/$(DPU_TRIPLET).
BOARD_CFLAGS += -isystem $(DPU_DEV_OVERLAY)/usr/include
BOARD_LDFLAGS += -L$(DPU_DEV_OVERLAY)/usr/lib/$(DPU_TRIPLET)

# DPDK for drivers/flow/flow.mk (which keeps these when defined): flags
# from the arm64 libdpdk.pc (-march=armv8-a+crc, include dirs), but only
# the libraries the tree calls, so that deps.sh installs a handful of
# arm64 DPDK runtime packages instead of all 52 that libdpdk-libs.pc names.
# A DPDK call into another library fails the dpu link: add the library
# here and its librte-*23:arm64 package to build/deps.sh.
DPDK_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(DPU_PKG_CONFIG) --cflags libdpdk 2>/dev/null)) \
	-Wno-deprecated-declarations
DPDK_LIBS := -Wl,--as-needed $(shell $(DPU_PKG_CONFIG) --libs-only-L libdpdk 2>/dev/null) \
	-lrte_ethdev -lrte_mbuf -lrte_mempool -lrte_eal -lrte_kvargs -Wl,--no-as-needed

# CONFIG_SANITIZE (ASan + UBSan, build/rules.mk; `make check-dpu`): their
# arm64 shared runtimes exist only in the cross toolchain's directory, not
# in the multiarch one the emulated programs load from: link statically.
ifeq ($(CONFIG_SANITIZE),y)
BOARD_LDFLAGS += -static-libasan -static-libubsan
endif

ifeq ($(filter %_defconfig clean distclean deps help,$(MAKECMDGOALS)),)
ifeq ($(wildcard $(DPU_DEV_OVERLAY)/usr/lib/$(DPU_TRIPLET)/pkgconfig/libdpdk.pc),)
$(error board dpu: no arm64 DPDK in $(DPU_DEV_OVERLAY): run build/deps.sh)
endif
endif

# The unit runner is part of the board's build: copied to the DPU, it runs
# the same suites natively on its Arm cores (README.md).
all: $(O)/tests/unit-runner

# `make image`: build/image.mk signs by running $(O)/bin/dfimage and
# `$(O)/bin/firmware --version`, aarch64 programs on this board, which the
# build host cannot execute (no binfmt_misc). Refuse with the way out
# instead of "Exec format error" until image.mk can run a board's programs
# (README.md, "Flashing").
.PHONY: dpu-image-unsupported
$(IMAGE_DFIMG): dpu-image-unsupported
dpu-image-unsupported:
	@echo "board dpu: make image cannot run the aarch64 dfimage and firmware on this host;" \
		"sign with the host dfimage as board/dpu/README.md (Flashing) shows" >&2; exit 1
