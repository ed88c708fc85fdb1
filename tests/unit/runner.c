/* tests/unit/runner.c: the one CUnit runner for every unit, codec-vector
 * and contract suite in the tree (see unit.h for how suites register).
 *
 *   unit-runner [-l] [-s SUITE] [-t TEST] [-v]
 * Prints CUnit's run summary; exits 1 when any assertion or test failed or
 * a suite could not be set up, 0 otherwise. */
#include <CUnit/Basic.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "tests/unit/unit.h"

extern const struct unit_suite *const __start_unit_suites[];
extern const struct unit_suite *const __stop_unit_suites[];

const char *unit_tmpdir(void)
{
	const char *d = getenv("DFNIC_TEST_TMPDIR");
	return d && *d ? d : "/tmp";
}

static void usage(FILE *f)
{
	fprintf(f, "usage: unit-runner [-l] [-s SUITE] [-t TEST] [-v]\n"
		   "  -l        list suites and tests, run nothing\n"
		   "  -s SUITE  run only this suite\n"
		   "  -t TEST   run only tests with this name\n"
		   "  -v        verbose CUnit output and debug logs\n");
}

int main(int argc, char **argv)
{
	const char *only_suite = NULL, *only_test = NULL;
	int list = 0, verbose = 0, c;

	while ((c = getopt(argc, argv, "ls:t:vh")) != -1) {
		switch (c) {
		case 'l': list = 1; break;
		case 's': only_suite = optarg; break;
		case 't': only_test = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	dfn_log_init("unit", verbose ? DFN_LOG_DBG : DFN_LOG_WARN);

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit-runner: CUnit init failed: %s\n", CU_get_error_msg());
		return 1;
	}
	unsigned nsuites = 0, ntests = 0;
	for (const struct unit_suite *const *sp = __start_unit_suites; sp < __stop_unit_suites; sp++) {
		const struct unit_suite *s = *sp;
		if (only_suite && strcmp(only_suite, s->name))
			continue;
		if (list)
			printf("%s\n", s->name);
		CU_pSuite cs = NULL;
		if (!list) {
			cs = CU_add_suite(s->name, s->init, s->cleanup);
			if (!cs) {
				fprintf(stderr, "unit-runner: cannot add suite %s: %s\n", s->name,
					CU_get_error_msg());
				return 1;
			}
		}
		nsuites++;
		for (const struct unit_test *t = s->tests; t->name; t++) {
			if (only_test && strcmp(only_test, t->name))
				continue;
			ntests++;
			if (list) {
				printf("  %s\n", t->name);
				continue;
			}
			if (!CU_add_test(cs, t->name, t->fn)) {
				fprintf(stderr, "unit-runner: cannot add test %s: %s\n", t->name,
					CU_get_error_msg());
				return 1;
			}
		}
	}
	if (list) {
		CU_cleanup_registry();
		return 0;
	}
	if (ntests == 0) {
		fprintf(stderr, "unit-runner: no test matched\n");
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(verbose ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failures = CU_get_number_of_failures();
	unsigned suites_failed = CU_get_number_of_suites_failed();
	unsigned tests_failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	printf("\nunit-runner: %u suites, %u tests; %u failed tests, %u failed assertions, "
	       "%u suites failed to set up\n",
	       nsuites, ntests, tests_failed, failures, suites_failed);
	return (failures || suites_failed || tests_failed) ? 1 : 0;
}
