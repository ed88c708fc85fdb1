/* tests/fuzz/mbox_decode.c: libFuzzer target for the mailbox codec
 * (drivers/mbox/codec.c). Every input is a message as the peer could have
 * written it into a slot. mbox_decode() must either refuse it with
 * -EBADMSG/-ENOMSG and a reason, or accept it; an accepted message must
 * format, and re-encode to exactly the input bytes (the encoding is
 * canonical: pads zero, names NUL-padded), and not fit one byte less. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/mbox/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_msg m;
	char err[160], text[1024];
	err[0] = 'x';
	int rc = mbox_decode(data, size, &m, err, sizeof(err));
	if (rc) {
		if ((rc != -EBADMSG && rc != -ENOMSG) || !err[0] || !memchr(err, 0, sizeof(err)))
			__builtin_trap();
		return 0;
	}
	if (err[0])
		__builtin_trap(); /* success leaves no stale reason */
	int n = mbox_format(&m, text, sizeof(text));
	if (n <= 0 || strlen(text) != ((size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1))
		__builtin_trap();
	uint8_t *again = malloc(size);
	if (!again)
		return 0;
	if (mbox_encode(&m, again, size) != (int)size || memcmp(again, data, size))
		__builtin_trap();
	if (mbox_encode(&m, again, size - 1) != -EMSGSIZE)
		__builtin_trap();
	free(again);
	return 0;
}
