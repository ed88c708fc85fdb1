/* tests/unit/unit.h: how a unit test file registers its CUnit suite.
 *
 * Every suite of the project lands in one runner (tests/unit/runner.c):
 * a test file declares its tests with UNIT_SUITE(), which places a pointer
 * in the `unit_suites` linker section; the runner walks that section. A
 * fragment adds the file to `unit-srcs-y` (tests/tests.mk) and nothing else
 * has to be edited. Contract suites (one suite per backend of an interface)
 * use UNIT_SUITE_ARG() to bind the same tests to each backend. */
#ifndef DFNIC_TESTS_UNIT_H
#define DFNIC_TESTS_UNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

struct unit_test {
	const char *name;  /* shown by the runner and used by -t */
	void (*fn)(void);  /* the test body (CU_ASSERT_* inside) */
};

struct unit_suite {
	const char *name;                 /* shown by the runner and used by -s */
	int (*init)(void);                /* optional: 0 on success */
	int (*cleanup)(void);             /* optional: 0 on success */
	const struct unit_test *tests;    /* terminated by {NULL, NULL} */
};

#define UNIT_TEST(fn) { #fn, fn }

#define UNIT_SUITE(id, init_fn, cleanup_fn, ...)                                  \
	static const struct unit_test id##_unit_tests[] = { __VA_ARGS__, { NULL, NULL } }; \
	static const struct unit_suite id##_unit_suite = { #id, init_fn, cleanup_fn, \
							   id##_unit_tests };         \
	static const struct unit_suite *const id##_unit_ptr                        \
		__attribute__((used, section("unit_suites"))) = &id##_unit_suite

/* Register an already-built suite object (contract suites build several
 * from one table). */
#define UNIT_SUITE_REGISTER(id, suite_obj)                                       \
	static const struct unit_suite *const id##_unit_ptr                        \
		__attribute__((used, section("unit_suites"))) = &(suite_obj)

/* Scratch directory for tests that need files ($DFNIC_TEST_TMPDIR or /tmp). */
const char *unit_tmpdir(void);

#endif
