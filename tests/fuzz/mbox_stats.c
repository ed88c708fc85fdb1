/* tests/fuzz/mbox_stats.c: libFuzzer target for the statistics report
 * records (drivers/mbox/objects.c: mbox_decode_stats / mbox_encode_stats),
 * which hostd decodes from the NIC's OBJ_STATUS bodies.
 *
 * Input: a kind selector (1 byte: the statistics kinds in list order, or
 * any other kind code from the next two bytes), then the body. A refused
 * body must come with -EBADMSG/-EOPNOTSUPP and a reason; an accepted one
 * must re-encode to exactly the same bytes, and its text field must be
 * printable and within MBOX_STATS_TEXT_MAX. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "drivers/mbox/objects.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned kinds[] = {
#define KIND(name, lname, code, desc) code,
		MBOX_STATS_KIND_LIST(KIND)
#undef KIND
	};
	if (size < 3)
		return 0;
	unsigned n_kinds = sizeof(kinds) / sizeof(kinds[0]);
	unsigned kind = data[0] < n_kinds ? kinds[data[0]] : (unsigned)(data[1] | data[2] << 8);
	const uint8_t *body = data + 3;
	size_t len = size - 3;
	struct mbox_stats_rec rec;
	char err[160];
	err[0] = '\0';
	int rc = mbox_decode_stats(kind, body, len, &rec, err, sizeof(err));
	if (rc) {
		if ((rc != -EBADMSG && rc != -EOPNOTSUPP) || !err[0])
			__builtin_trap();
		return 0;
	}
	if (!mbox_stats_kind_name(kind) || rec.kind != kind)
		__builtin_trap();
	size_t tl = strlen(rec.text);
	if (tl > MBOX_STATS_TEXT_MAX || (tl && !mbox_stats_text_name(kind)))
		__builtin_trap();
	for (size_t i = 0; i < tl; i++)
		if (rec.text[i] < 0x20 || rec.text[i] > 0x7e)
			__builtin_trap();
	char again[512];
	int n = mbox_encode_stats(&rec, again, sizeof(again));
	if (n != (int)len || memcmp(again, body, len))
		__builtin_trap();
	return 0;
}
