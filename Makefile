# dfnic top-level Makefile.
#
# Non-recursive: this file reads the configuration, then includes one *.mk
# fragment per folder (build/ holds the generic rules). Each fragment only
# appends to lists (libs-y, progs-y, unit-y, fuzz-y, ...) with obj-$(CONFIG_X)
# style source lists; the templates in build/rules.mk turn the lists into
# rules. All output goes under out/<board>/ (O= overrides it).
#
#   make                      build the selected board (sim on a fresh tree)
#   make <board>_defconfig    select a board and write out/<board>/.config
#   make menuconfig           edit the selected board's configuration
#   make check                install missing deps, build with ASan+UBSan,
#                             run unit, integration and short fuzz tests
#   make demo                 run the main job on the sim board
#   make bench                build optimised and print the benchmarks
#   make fuzz                 build the libFuzzer targets (clang)
#   make check-tsan           ThreadSanitizer build; unit and threaded tests
#   make V=1 ...              show the full commands

TOP := $(CURDIR)

# A <board>_defconfig goal on the command line picks the board for the whole
# invocation (so `make qemu-virt_defconfig all` builds qemu-virt).
DEFCONFIG_GOAL := $(lastword $(filter %_defconfig,$(MAKECMDGOALS)))
ifneq ($(DEFCONFIG_GOAL),)
BOARD := $(patsubst %_defconfig,%,$(DEFCONFIG_GOAL))
endif
BOARD ?= $(shell cat out/.board 2>/dev/null || echo sim)
O ?= out/$(BOARD)

.DEFAULT_GOAL := all
.PHONY: all

# `make <board>_defconfig GOALS...`: the configuration must exist before the
# fragments read it, so configure first, then run the other goals in a new
# make that reads the fresh .config (as Linux does for mixed targets).
MIXED_GOALS := $(if $(DEFCONFIG_GOAL),$(filter-out %_defconfig,$(MAKECMDGOALS)))

ifneq ($(MIXED_GOALS),)
include build/kconfig.mk
.PHONY: $(MIXED_GOALS) __mixed
$(MIXED_GOALS): __mixed
	@:
__mixed: $(DEFCONFIG_GOAL)
	$(MAKE) --no-print-directory BOARD=$(BOARD) $(MIXED_GOALS)
else
include build/kconfig.mk
include build/rules.mk

include board/board.mk
include drivers/drivers.mk
include hostd/hostd.mk
include firmware/firmware.mk
include tests/tests.mk

include build/targets.mk
endif
