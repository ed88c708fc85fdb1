# build/targets.mk: the user-facing targets. Included last by the top
# Makefile, after every fragment has filled in its lists.

$(eval $(instantiate_templates))

PROGS  := $(addprefix $(O)/bin/,$(progs-y))
TPROGS := $(addprefix $(O)/tests/,$(tprogs-y))
BENCHES := $(addprefix $(O)/bench/,$(bench-y))
FUZZERS := $(addprefix $(O)/fuzz/,$(fuzz-y))

# (`make <board>_defconfig all` is split by the top Makefile: configure
# first, then this rule runs in a make that has read the new .config.)
all: $(AUTOCONF) $(PROGS)
	@echo "  DONE    board $(BOARD): $(notdir $(PROGS)) in $(O)/bin"

.PHONY: tests-build bench-build fuzz-build
tests-build: $(PROGS) $(TPROGS)
bench-build: $(PROGS) $(BENCHES)
fuzz-build: $(FUZZERS)

# ---- dependencies -------------------------------------------------------
.PHONY: deps deps-ensure
deps:
	build/deps.sh
deps-ensure:
	@build/deps.sh --if-missing

# ---- tests --------------------------------------------------------------
CHECK_O := out/$(BOARD)/check
FUZZ_O  := out/$(BOARD)/fuzz
BENCH_O := out/$(BOARD)/bench
FUZZ_CC ?= clang-14
# Seconds each fuzz target runs inside `make check` (see tests/fuzz/README.md
# for a long run).
FUZZ_SECONDS ?= 15

.PHONY: check check-build check-clang fuzz
check: deps-ensure
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(CHECK_O) CONFIG_FRAGMENT=build/configs/check.fragment tests-build
	$(MAKE) --no-print-directory check-clang
	$(MAKE) --no-print-directory fuzz
	tests/run.sh --build $(CHECK_O) --fuzz $(FUZZ_O) --fuzz-seconds $(FUZZ_SECONDS)
	$(MAKE) --no-print-directory check-tsan
	$(MAKE) --no-print-directory check-dpu

# ThreadSanitizer: the unit tests and the integration tests whose daemons
# run several threads against shared state (hostd: API, controller, NIC
# client; the firmware's poll and mailbox threads). A report fails it.
TSAN_O := out/$(BOARD)/tsan
TSAN_TESTS := api_durability pipeline_store_refused pipeline_one_chassis fw_offload \
	mbox_hostd_firmware
.PHONY: check-tsan
check-tsan: deps-ensure
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(TSAN_O) CONFIG_FRAGMENT=build/configs/tsan.fragment tests-build
	tests/run.sh --build $(TSAN_O) --tsan-reports $(TSAN_O)/tsan --only unit
	tests/run.sh --build $(TSAN_O) --tsan-reports $(TSAN_O)/tsan --only integration $(TSAN_TESTS)

# The aarch64 dpu board: cross-built with ASan+UBSan, its unit runner run
# under qemu-aarch64 user emulation (board/dpu/README.md).
.PHONY: check-dpu
check-dpu: deps-ensure
	$(MAKE) --no-print-directory BOARD=dpu O=out/dpu/check CONFIG_FRAGMENT=build/configs/check.fragment tests-build
	board/dpu/run-unit.sh out/dpu/check

# Every source must also compile warning-free with clang, and with gcc at
# the default optimisation level (some gcc warnings only appear at -O2).
check-clang:
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=out/$(BOARD)/clang CC=$(FUZZ_CC) EXTRA_CFLAGS=-Werror tests-build
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=out/$(BOARD)/gcc-O2 EXTRA_CFLAGS=-Werror tests-build

fuzz:
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(FUZZ_O) CC=$(FUZZ_CC) FUZZ=1 CONFIG_FRAGMENT=build/configs/check.fragment fuzz-build

# ---- demo and benchmarks ------------------------------------------------
.PHONY: demo bench hil
demo: deps-ensure
	$(MAKE) --no-print-directory BOARD=sim O=out/sim all
	tests/demo.sh out/sim

bench: deps-ensure
	$(MAKE) --no-print-directory BOARD=$(BOARD) O=$(BENCH_O) bench-build
	tests/bench/run.sh $(BENCH_O)

include build/install.mk
# Hardware-in-loop scenarios against a real DPU (tests/hil/README.md); not in `make check`.
hil: $(PROGS) ; tests/hil/run.sh --build $(O)

# ---- housekeeping -------------------------------------------------------
.PHONY: clean distclean help
clean:
	rm -rf $(O)
distclean:
	rm -rf out

help:
	@sed -n '/^#   make /,/^$$/p' Makefile | sed -n 's/^#  //p'

-include $(ALL_OBJS:.o=.d)
