# tests/unit/base.mk: unit suites of drivers/base.
unit-srcs-y += tests/unit/test_base.c
