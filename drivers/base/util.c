/* drivers/base/util.c: clock, randomness and option parsing helpers
 * declared in drivers/base/util.h. */
#include "drivers/base/util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

uint64_t dfn_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t dfn_random64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
		/* getrandom cannot fail for 8 bytes once the pool is ready; fall
		 * back to the clock rather than return a constant. */
		v = dfn_now_ns() * 0x9e3779b97f4a7c15ull;
	}
	return v;
}

int dfn_parse_uint(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int dfn_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}
