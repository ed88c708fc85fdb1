# build/kconfig.mk: Kconfig (kconfiglib) integration.
#
# The configuration of a build lives in $(O)/.config; it is made from
# build/configs/$(BOARD)_defconfig (plus $(CONFIG_FRAGMENT) when set, which
# is how `make check` turns on the sanitizers) and turned into
# $(O)/include/generated/autoconf.h. The .config is included here as make
# syntax, so fragments can use $(CONFIG_X) in their source lists.

# kconfiglib is a Debian package whose modules only the system interpreter
# sees (the python3 on PATH may be another one).
KPYTHON ?= /usr/bin/python3
KCONFIG_ENV = KCONFIG_CONFIG=$(O)/.config srctree=$(TOP)

DEFCONFIG_FILE := build/configs/$(BOARD)_defconfig
AUTOCONF := $(O)/include/generated/autoconf.h

ifeq ($(wildcard $(DEFCONFIG_FILE)),)
$(error unknown board '$(BOARD)': no $(DEFCONFIG_FILE) (boards: $(patsubst build/configs/%_defconfig,%,$(wildcard build/configs/*_defconfig))))
endif

KCONFIG_FILES := $(patsubst ./%,%,$(shell find . -name Kconfig -not -path './out/*' -not -path './.git/*'))

# Select a board: write its .config and remember it as the default board.
.PHONY: %_defconfig
%_defconfig: build/configs/%_defconfig
	@mkdir -p $(O) out
	@cat $< $(CONFIG_FRAGMENT) > $(O)/defconfig.merged
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m defconfig --kconfig Kconfig $(O)/defconfig.merged >/dev/null
	@echo $(BOARD) > out/.board
	@echo "  CONFIG  $(O)/.config (board $(BOARD))"

# What a build directory's .config was made from (defconfig and fragment):
# reusing the directory with another CONFIG_FRAGMENT, or none, makes the
# stamp newer than the .config, which is then made again.
CONFIG_INPUTS := $(O)/.config-inputs
CONFIG_INPUTS_NOW := $(strip $(DEFCONFIG_FILE) $(CONFIG_FRAGMENT))
ifneq ($(shell cat $(CONFIG_INPUTS) 2>/dev/null),$(CONFIG_INPUTS_NOW))
$(shell mkdir -p $(O) && echo '$(CONFIG_INPUTS_NOW)' > $(CONFIG_INPUTS))
endif

# A build with no .config yet starts from the board's defconfig; a newer
# defconfig or fragment (or another one) starts it again; a Kconfig file that changed (a new
# symbol, say) only updates it with olddefconfig, keeping menuconfig edits.
# Make re-reads the included .config after this rule, so a new symbol's
# default is seen by the fragments in the same run.
$(O)/.config: $(DEFCONFIG_FILE) $(CONFIG_FRAGMENT) $(CONFIG_INPUTS) $(KCONFIG_FILES)
	@mkdir -p $(O)
	@if [ -f $@ ] && [ -z "$(filter-out $(KCONFIG_FILES),$?)" ]; then \
		$(KCONFIG_ENV) $(KPYTHON) -m olddefconfig Kconfig >/dev/null && touch $@ && \
		echo "  CONFIG  $@ (updated for changed Kconfig files)"; \
	else \
		cat $(DEFCONFIG_FILE) $(CONFIG_FRAGMENT) > $(O)/defconfig.merged && \
		$(KCONFIG_ENV) $(KPYTHON) -m defconfig --kconfig Kconfig $(O)/defconfig.merged >/dev/null && touch $@ && \
		echo "  CONFIG  $@ (board $(BOARD))"; \
	fi

$(AUTOCONF): $(O)/.config $(KCONFIG_FILES)
	@mkdir -p $(dir $@)
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m olddefconfig Kconfig >/dev/null
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m genconfig --header-path $@ Kconfig && touch $@
	@echo "  GEN     $@"

.PHONY: menuconfig savedefconfig oldconfig
menuconfig: $(O)/.config
	$(KCONFIG_ENV) $(KPYTHON) -m menuconfig Kconfig

# Write the minimal form of the current .config back to the board's defconfig.
savedefconfig: $(O)/.config
	$(KCONFIG_ENV) $(KPYTHON) -m savedefconfig --kconfig Kconfig --out $(DEFCONFIG_FILE)

oldconfig: $(O)/.config
	$(KCONFIG_ENV) $(KPYTHON) -m oldconfig Kconfig

# Make reads the configuration as variables (CONFIG_X=y).
ifeq ($(filter %_defconfig menuconfig clean distclean deps help,$(MAKECMDGOALS)),)
-include $(O)/.config
endif
