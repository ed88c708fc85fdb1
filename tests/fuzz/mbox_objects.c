/* tests/fuzz/mbox_objects.c: libFuzzer target for the object bodies
 * (drivers/mbox/objects.c) and the firmware's all-or-nothing mirror
 * (firmware/mirror.c), both fed bytes as hostd could have written them.
 *
 * The input is a sequence of members: type (1 byte: even OBJ_SET, odd
 * OBJ_DEL), kind (le16), id (1 byte), body length (1 byte), body. Each
 * body goes through mbox_obj_check() (an accepted body of any kind, HOST_INFO
 * or a topology kind, must re-encode to the same bytes); then the whole list is applied to a mirror, twice
 * (incremental, then replace-all): a refused apply must leave the object
 * count unchanged, an accepted one must leave every SET object readable. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "drivers/mbox/codec.h"
#include "drivers/mbox/objects.h"
#include "firmware/mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MEMBERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_msg msgs[MAX_MEMBERS];
	unsigned n = 0;
	size_t off = 0;
	char err[160];

	while (n < MAX_MEMBERS && off + 5 <= size) {
		struct mbox_msg *m = &msgs[n];
		memset(m, 0, sizeof(*m));
		m->type = (data[off] & 1) ? MBOX_MSG_OBJ_DEL : MBOX_MSG_OBJ_SET;
		m->u.obj.kind = (uint16_t)(data[off + 1] | data[off + 2] << 8);
		m->u.obj.id = data[off + 3];
		size_t len = data[off + 4];
		off += 5;
		if (len > size - off)
			len = size - off;
		m->u.obj.body = data + off;
		m->u.obj.body_len = (uint32_t)len;
		off += len;
		n++;

		err[0] = '\0';
		int rc = mbox_obj_check(m->u.obj.kind, m->u.obj.body, len, err, sizeof(err));
		if (rc && ((rc != -EBADMSG && rc != -EOPNOTSUPP) || !err[0]))
			__builtin_trap();
		char line[256];
		mbox_obj_format(m->u.obj.kind, m->u.obj.body, len, line, sizeof(line));
		if (rc == 0) { /* every accepted body re-encodes to the same bytes */
			union mbox_obj_body b;
			uint8_t again[256];
			if (mbox_obj_decode(m->u.obj.kind, m->u.obj.body, len, &b, err, sizeof(err)) ||
			    mbox_obj_encode(m->u.obj.kind, &b, again, sizeof(again)) != (int)len ||
			    memcmp(again, m->u.obj.body, len))
				__builtin_trap();
		}
	}

	struct mirror *mr;
	if (mirror_create(&mr))
		return 0;
	for (int replace = 0; replace < 2; replace++) {
		size_t before = mirror_count(mr);
		int rc = mirror_apply(mr, msgs, n, replace, err, sizeof(err));
		if (rc) {
			if (mirror_count(mr) != before)
				__builtin_trap();
			continue;
		}
		/* The last operation on each key decides whether it is there. */
		for (unsigned i = 0; i < n; i++) {
			int last_set = -1;
			for (unsigned j = 0; j < n; j++)
				if (msgs[j].u.obj.kind == msgs[i].u.obj.kind &&
				    msgs[j].u.obj.id == msgs[i].u.obj.id)
					last_set = msgs[j].type == MBOX_MSG_OBJ_SET;
			struct mirror_obj o;
			int there = mirror_get(mr, msgs[i].u.obj.kind, msgs[i].u.obj.id, &o);
			if (last_set == 1 && !there)
				__builtin_trap();
			if (last_set == 0 && there)
				__builtin_trap();
		}
	}
	mirror_destroy(mr);
	return 0;
}
