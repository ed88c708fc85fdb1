/* tests/fuzz/ctl_flowspec.c: libFuzzer target of the controller's flows
 * file parser (hostd/controller/flowspec.c): any bytes as the text, with a
 * port resolver that knows one name. Whatever parses must diff cleanly
 * against itself (nothing to send) and be freed without leaks. */
#include <stdlib.h>
#include <string.h>

#include "hostd/controller/flowspec.h"

static int ports(void *arg, const char *name, uint32_t *port)
{
	(void)arg;
	if (strcmp(name, "vm1"))
		return -1;
	*port = 3;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct desired a, b;
	struct flowspec_errs errs = { 0 };
	struct diff df;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0; /* the file reader refuses NUL bytes: stop at the first */
	desired_init(&a);
	desired_init(&b);
	int n1 = flowspec_parse(text, ports, NULL, &a, &errs);
	int n2 = flowspec_parse(text, ports, NULL, &b, NULL);
	if (n1 != n2 || (n1 >= 0 && (size_t)n1 != errs.n) || a.flows.n != b.flows.n)
		abort();
	if (!ctl_diff(&a, &b, NULL, &df)) {
		if (df.n && !b.n_meters) /* a set against itself: nothing to do */
			abort();
		diff_uninit(&df);
	}
	flowspec_errs_uninit(&errs);
	desired_uninit(&a);
	desired_uninit(&b);
	free(text);
	return 0;
}
