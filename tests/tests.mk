# tests/tests.mk: the unit test runner and the per-area test fragments.
#
# Unit suites: each tests/unit/*.mk appends its test sources to unit-srcs-y
# and the libraries they need to unit-libs; all of them are linked into the
# one runner, $(O)/tests/unit-runner. Integration tests are executable
# scripts in tests/integration/ run by tests/run.sh; fuzz targets and
# benchmarks have their own fragments.

include $(sort $(wildcard tests/unit/*.mk))

tprogs-y += unit-runner
unit-runner-srcs-y := tests/unit/runner.c $(unit-srcs-y)
unit-runner-libs := $(sort $(unit-libs)) base
unit-runner-ldlibs := -lcunit $(sort $(unit-ldlibs))

include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
