/* drivers/base/util.h: small helpers every part of dfnic may use
 * (hostd, firmware, drivers, tests). No dependencies beyond libc and the
 * generated autoconf.h, which the build force-includes. */
#ifndef DFNIC_BASE_UTIL_H
#define DFNIC_BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* IS_ENABLED(CONFIG_X): 1 when the Kconfig bool is y, 0 otherwise, usable in
 * plain C expressions so both branches are always compiled. */
#define DFN_ARG_PLACEHOLDER_1 0,
#define dfn_take_second(ignored, val, ...) val
#define dfn_is_defined3(arg1_or_junk) dfn_take_second(arg1_or_junk 1, 0, 0)
#define dfn_is_defined2(val) dfn_is_defined3(DFN_ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option) dfn_is_defined2(option)

#define DFN_CACHE_LINE 64

#define DFN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DFN_MAX(a, b) ((a) > (b) ? (a) : (b))

static inline int dfn_is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* Monotonic clock in nanoseconds / milliseconds. */
uint64_t dfn_now_ns(void);
static inline uint64_t dfn_now_ms(void) { return dfn_now_ns() / 1000000u; }

/* 64 random bits from the kernel (getrandom), for epochs and nonces. */
uint64_t dfn_random64(void);

/* Makes the array *p (elements of `elem` bytes, *cap allocated) hold at
 * least `need` elements, doubling from 16; 0 or -ENOMEM (*p kept). */
int dfn_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Length (1..4) of the well-formed UTF-8 sequence at p, of which `avail`
 * bytes may be read (>= 1), or 0: RFC 3629, so no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. For decoders of
 * untrusted text (mailbox, topology JSON). */
size_t dfn_utf8_len(const unsigned char *p, size_t avail);

/* Parse an unsigned decimal option value in [min, max]; 0 or -EINVAL. */
int dfn_parse_uint(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);

#endif
