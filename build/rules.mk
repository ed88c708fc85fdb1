# build/rules.mk: compiler flags and the templates that turn the lists the
# per-folder fragments fill in into rules.
#
# Lists a fragment may append to (NAME is a short identifier):
#   libs-y   += NAME   static library $(O)/lib/libNAME.a from NAME-srcs-y
#   progs-y  += NAME   program $(O)/bin/NAME from NAME-srcs-y, linked with the
#                      libraries in NAME-libs (in link order) and NAME-ldlibs
#   tprogs-y += NAME   test-only program in $(O)/tests/ (same variables)
#   fuzz-y   += NAME   libFuzzer target, built only by `make fuzz` (clang)
#   bench-y  += NAME   benchmark program in $(O)/bench/ (same variables)
# Sources are chosen obj-$(CONFIG_X)-style: NAME-srcs-$(CONFIG_FOO) += foo.c
# Per-file flags: DIR/FILE-cflags (the source path without .c), e.g.
#   firmware/main-cflags := $(DPDK_CFLAGS)

ifeq ($(V),1)
Q :=
cmd = $(2)
else
Q := @
cmd = @printf '  %-7s %s\n' '$(1)' '$(patsubst $(O)/%,%,$@)'; $(2)
endif

# A board that cross-compiles sets CROSS_COMPILE (e.g. aarch64-linux-gnu-)
# in its board.mk, read after this file: hence the deferred `=`. Empty for
# native boards (gcc, ar). CC= on the command line or in the environment
# still wins.
CC ?= cc
ifeq ($(origin CC),default)
CC = $(CROSS_COMPILE)gcc
endif
AR = $(CROSS_COMPILE)ar

comma := ,
unquote = $(patsubst "%",%,$(1))

OPT := -O$(or $(call unquote,$(CONFIG_OPT_LEVEL)),2)
CFLAGS_BASE := -std=gnu11 $(OPT) -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -Wformat=2 -Wvla \
	-fno-strict-aliasing -D_GNU_SOURCE -pthread \
	-I$(TOP) -I$(O)/include -include $(AUTOCONF)
ifeq ($(CONFIG_DEBUG_INFO),y)
CFLAGS_BASE += -g
endif
ifneq ($(filter y,$(CONFIG_WERROR))$(filter true,$(CI)),)
CFLAGS_BASE += -Werror
endif

SAN_FLAGS :=
ifeq ($(CONFIG_SANITIZE),y)
SAN_FLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
endif
ifeq ($(CONFIG_SANITIZE_THREAD),y)
# (gcc warns that TSan does not model atomic_thread_fence, which the
# mailbox rings use next to their acquire/release pairs: not an error)
SAN_FLAGS += -fsanitize=thread -fno-omit-frame-pointer $(if $(findstring clang,$(CC)),,-Wno-tsan)
endif
# `make fuzz` builds everything with clang and coverage instrumentation.
ifeq ($(FUZZ),1)
SAN_FLAGS += -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -DDFNIC_FUZZ=1
endif

# BOARD_CFLAGS / BOARD_LDFLAGS: what a board's board.mk adds (include and
# library directories of a cross build); empty for native boards.
CFLAGS_ALL = $(CFLAGS_BASE) $(BOARD_CFLAGS) $(SAN_FLAGS) $(EXTRA_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pthread $(BOARD_LDFLAGS) $(SAN_FLAGS) $(LDFLAGS)

$(O)/obj/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(call cmd,CC,$(CC) $(CFLAGS_ALL) $($*-cflags) -MMD -MP -c $< -o $@)

# $(call lib_template,NAME)
define lib_template
$(1)-objs := $$(patsubst %.c,$$(O)/obj/%.o,$$($(1)-srcs-y))
ALL_OBJS += $$($(1)-objs)
$$(O)/lib/lib$(1).a: $$($(1)-objs)
	@mkdir -p $$(dir $$@)
	$$(call cmd,AR,rm -f $$@ && $$(AR) rcs $$@ $$^)
endef

# $(call prog_template,NAME,SUBDIR,EXTRA_LDFLAGS)
define prog_template
$(1)-objs := $$(patsubst %.c,$$(O)/obj/%.o,$$($(1)-srcs-y))
ALL_OBJS += $$($(1)-objs)
$(1)-libfiles := $$(foreach l,$$($(1)-libs),$$(O)/lib/lib$$(l).a)
$$(O)/$(2)/$(1): $$($(1)-objs) $$($(1)-libfiles)
	@mkdir -p $$(dir $$@)
	$$(call cmd,LD,$$(CC) $$(LDFLAGS_ALL) $(3) -o $$@ $$($(1)-objs) -Wl$$(comma)--start-group $$($(1)-libfiles) -Wl$$(comma)--end-group $$($(1)-ldlibs) -lm)
endef

# Expanded from build/targets.mk once every fragment has been read.
define instantiate_templates
$(foreach l,$(libs-y),$(eval $(call lib_template,$(l))))
$(foreach p,$(progs-y),$(eval $(call prog_template,$(p),bin,)))
$(foreach p,$(tprogs-y),$(eval $(call prog_template,$(p),tests,)))
$(foreach p,$(bench-y),$(eval $(call prog_template,$(p),bench,)))
$(if $(filter 1,$(FUZZ)),$(foreach p,$(fuzz-y),$(eval $(call prog_template,$(p),fuzz,-fsanitize=fuzzer))))
endef
