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

size_t dfn_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
	size_t n;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		if (p[0] == 0xE0)
			lo = 0xA0; /* below: overlong */
		else if (p[0] == 0xED)
			hi = 0x9F; /* above: surrogates */
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		if (p[0] == 0xF0)
			lo = 0x90; /* below: overlong */
		else if (p[0] == 0xF4)
			hi = 0x8F; /* above: past U+10FFFF */
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
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
