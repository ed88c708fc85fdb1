/* tests/unit/test_mbox_codec.c: golden vectors and round trips of the
 * mailbox codec (drivers/mbox/codec.c).
 *
 * The vectors (tests/unit/vectors/mbox/codec_vectors.inc) are packed by
 * make_vectors.py independently of the C encoder: hex bytes in, the
 * expected formatted line out for each message type, and one vector per
 * decode error path with its exact reason. Every valid vector must also
 * re-encode to the same bytes. The round trips build messages in memory,
 * encode, decode and compare every field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "drivers/mbox/codec.h"
#include "tests/unit/unit.h"

struct codec_vector {
	const char *name;     /* shown on failure */
	const char *hex;      /* wire bytes */
	int rc;               /* mbox_decode() result */
	const char *expected; /* mbox_format() line, or the decode error */
};

static const struct codec_vector vectors[] = {
#include "tests/unit/vectors/mbox/codec_vectors.inc"
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	int ok = n <= cap;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned v;
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
		out[i] = (uint8_t)v;
	}
	CU_ASSERT_FATAL(ok);
	return n;
}

static void test_golden_vectors(void)
{
	unsigned valid = 0, errors = 0;
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		const struct codec_vector *v = &vectors[i];
		uint8_t bytes[512], again[512];
		char text[512], err[160];
		struct mbox_msg m;
		size_t n = unhex(v->hex, bytes, sizeof(bytes));
		/* The decoder gets an exact-size heap copy, so ASan sees any
		 * read past the end. */
		uint8_t *exact = malloc(n ? n : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		memcpy(exact, bytes, n);
		int rc = mbox_decode(exact, n, &m, err, sizeof(err));
		int ok = rc == v->rc;
		if (rc == 0) {
			mbox_format(&m, text, sizeof(text));
			ok = ok && !strcmp(text, v->expected);
			int len = mbox_encode(&m, again, sizeof(again));
			ok = ok && len == (int)n && !memcmp(again, bytes, n);
			valid++;
		} else {
			snprintf(text, sizeof(text), "%s", err);
			ok = ok && !strcmp(err, v->expected);
			errors++;
		}
		if (!ok)
			fprintf(stderr, "\n  vector %s: rc %d (want %d)\n    got  %s\n    want %s\n",
				v->name, rc, v->rc, text, v->expected);
		CU_ASSERT(ok);
		free(exact);
	}
	/* Every catalogue type has at least one valid vector. */
	CU_ASSERT(valid >= 12);
	CU_ASSERT(errors >= 30);
}

/* Each catalogue type has a valid golden vector. */
static void test_vectors_cover_catalogue(void)
{
	static const unsigned types[] = {
#define T(name, code, size, var, desc) code,
		MBOX_MSG_LIST(T)
#undef T
	};
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		int seen = 0;
		for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
			uint8_t bytes[512];
			struct mbox_msg m;
			size_t n = unhex(vectors[i].hex, bytes, sizeof(bytes));
			if (vectors[i].rc == 0 && mbox_decode(bytes, n, &m, NULL, 0) == 0 &&
			    m.type == (enum mbox_msg_type)types[t])
				seen = 1;
		}
		if (!seen)
			fprintf(stderr, "\n  no vector for %s", mbox_msg_name(types[t]));
		CU_ASSERT(seen);
	}
}

static void test_catalogue_names(void)
{
	CU_ASSERT_STRING_EQUAL(mbox_msg_name(MBOX_MSG_HELLO), "HELLO");
	CU_ASSERT_STRING_EQUAL(mbox_msg_name(MBOX_MSG_OBJ_STATUS), "OBJ_STATUS");
	CU_ASSERT_STRING_EQUAL(mbox_msg_name(0x12), "BATCH_ABORT");
	CU_ASSERT_PTR_NULL(mbox_msg_name(0));
	CU_ASSERT_PTR_NULL(mbox_msg_name(0x7f));
	CU_ASSERT_PTR_NULL(mbox_msg_name(0x10000));
}

/* encode -> decode gives back every field. */
static void test_round_trips(void)
{
	uint8_t buf[256];
	char err[128];
	struct mbox_msg in, out;
	static const uint8_t body[] = { 9, 8, 7, 6, 5 };
	static const char text[] = "no such object";

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_HELLO_REPLY;
	in.flags = MBOX_F_REPLY;
	in.seq = 0xdeadbeef;
	in.u.hello = (struct mbox_hello){ .min_version = 1, .max_version = 4, .version = 3,
					  .role = MBOX_ROLE_NIC, .caps = MBOX_CAP_ALL,
					  .epoch = 0x8000000000000001ull, .heartbeat_ms = 60000,
					  .name = "firmware 1.2.3" };
	int n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 16 + 64);
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.type, MBOX_MSG_HELLO_REPLY);
	CU_ASSERT_EQUAL(out.flags, MBOX_F_REPLY);
	CU_ASSERT_EQUAL(out.seq, 0xdeadbeef);
	CU_ASSERT_EQUAL(out.length, 64);
	CU_ASSERT_EQUAL(out.u.hello.min_version, 1);
	CU_ASSERT_EQUAL(out.u.hello.max_version, 4);
	CU_ASSERT_EQUAL(out.u.hello.version, 3);
	CU_ASSERT_EQUAL(out.u.hello.role, MBOX_ROLE_NIC);
	CU_ASSERT_EQUAL(out.u.hello.caps, MBOX_CAP_ALL);
	CU_ASSERT_EQUAL(out.u.hello.epoch, 0x8000000000000001ull);
	CU_ASSERT_EQUAL(out.u.hello.heartbeat_ms, 60000);
	CU_ASSERT_STRING_EQUAL(out.u.hello.name, "firmware 1.2.3");

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_HEARTBEAT;
	in.seq = 3;
	in.u.heartbeat = (struct mbox_heartbeat){ 0x0102030405060708ull, UINT64_MAX, 10 };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 16 + 24);
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.heartbeat.epoch, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(out.u.heartbeat.counter, UINT64_MAX);
	CU_ASSERT_EQUAL(out.u.heartbeat.interval_ms, 10);

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_ERROR;
	in.flags = MBOX_F_REPLY;
	in.seq = 77;
	in.u.error = (struct mbox_error){ MBOX_MSG_OBJ_DEL, ENOENT, text, sizeof(text) - 1 };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)(16 + 8 + sizeof(text) - 1));
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.error.req_type, MBOX_MSG_OBJ_DEL);
	CU_ASSERT_EQUAL(out.u.error.code, ENOENT);
	CU_ASSERT_EQUAL(out.u.error.text_len, sizeof(text) - 1);
	CU_ASSERT(!memcmp(out.u.error.text, text, sizeof(text) - 1));
	CU_ASSERT(out.u.error.text == (const char *)buf + 24); /* points into the buffer */

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_OBJ_SET;
	in.flags = MBOX_F_BATCH;
	in.seq = 1;
	in.u.obj = (struct mbox_obj){ .kind = 4, .id = 0x01020304, .body = body,
				      .body_len = sizeof(body) };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)(16 + 8 + sizeof(body)));
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.flags, MBOX_F_BATCH);
	CU_ASSERT_EQUAL(out.u.obj.kind, 4);
	CU_ASSERT_EQUAL(out.u.obj.id, 0x01020304);
	CU_ASSERT_EQUAL(out.u.obj.body_len, sizeof(body));
	CU_ASSERT(!memcmp(out.u.obj.body, body, sizeof(body)));

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_OBJ_STATUS;
	in.u.obj = (struct mbox_obj){ .kind = 2, .id = 9, .status = 0xabcd,
				      .body = (const uint8_t *)"ok", .body_len = 2 };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.obj.status, 0xabcd);
	CU_ASSERT_EQUAL(out.u.obj.body_len, 2);

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_BATCH_COMMIT;
	in.seq = 5;
	in.u.batch = (struct mbox_batch){ 17, 1000 };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.batch.batch_id, 17);
	CU_ASSERT_EQUAL(out.u.batch.count, 1000);

	/* firmware update: BEGIN carries the header bytes, CHUNK data at an
	 * offset, END only the total */
	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_FW_UPDATE_BEGIN;
	in.u.fw = (struct mbox_fw){ .total = 0x100000001ull, .data = body, .data_len = sizeof(body) };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)(16 + 8 + sizeof(body)));
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.fw.total, 0x100000001ull);
	CU_ASSERT_EQUAL(out.u.fw.data_len, sizeof(body));
	CU_ASSERT(out.u.fw.data == buf + 24 && !memcmp(out.u.fw.data, body, sizeof(body)));

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_FW_UPDATE_CHUNK;
	in.seq = 8;
	in.u.fw = (struct mbox_fw){ .offset = 123456789, .data = body, .data_len = 3 };
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 16 + 8 + 3);
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.fw.offset, 123456789);
	CU_ASSERT_EQUAL(out.u.fw.data_len, 3);
	CU_ASSERT(!memcmp(out.u.fw.data, body, 3));

	memset(&in, 0, sizeof(in));
	in.type = MBOX_MSG_FW_UPDATE_END;
	in.u.fw = (struct mbox_fw){ .total = 77, .data = body, .data_len = 5 }; /* no tail */
	n = mbox_encode(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 16 + 8);
	CU_ASSERT_EQUAL(mbox_decode(buf, (size_t)n, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.u.fw.total, 77);
	CU_ASSERT_EQUAL(out.u.fw.data_len, 0);
}

static void test_encode_errors(void)
{
	uint8_t buf[128];
	struct mbox_msg m;
	memset(&m, 0, sizeof(m));
	m.type = MBOX_MSG_HEARTBEAT;
	m.u.heartbeat.interval_ms = 1;
	CU_ASSERT_EQUAL(mbox_encode(&m, buf, 16 + 24), 40);
	CU_ASSERT_EQUAL(mbox_encode(&m, buf, 16 + 23), -EMSGSIZE);
	m.type = (enum mbox_msg_type)0x7f;
	CU_ASSERT_EQUAL(mbox_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.type = MBOX_MSG_ACK;
	m.flags = 0x8000;
	CU_ASSERT_EQUAL(mbox_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.flags = 0;
	m.type = MBOX_MSG_ERROR;
	m.u.error = (struct mbox_error){ 1, 22, NULL, 5 }; /* length without text */
	CU_ASSERT_EQUAL(mbox_encode(&m, buf, sizeof(buf)), -EINVAL);
}

/* mbox_format() is snprintf-like: truncates, NUL-terminates, returns the
 * full length. */
static void test_format_truncates(void)
{
	char full[256], small[10];
	struct mbox_msg m;
	memset(&m, 0, sizeof(m));
	m.type = MBOX_MSG_BATCH_BEGIN;
	m.seq = 123;
	m.u.batch.batch_id = 9;
	int n = mbox_format(&m, full, sizeof(full));
	CU_ASSERT_STRING_EQUAL(full, "BATCH_BEGIN seq=123 batch=9 count=0");
	CU_ASSERT_EQUAL(n, (int)strlen(full));
	CU_ASSERT_EQUAL(mbox_format(&m, small, sizeof(small)), n);
	CU_ASSERT_STRING_EQUAL(small, "BATCH_BEG");
	CU_ASSERT_EQUAL(mbox_format(&m, NULL, 0), n);
}

UNIT_SUITE(mbox_codec, NULL, NULL, UNIT_TEST(test_golden_vectors),
	   UNIT_TEST(test_vectors_cover_catalogue), UNIT_TEST(test_catalogue_names),
	   UNIT_TEST(test_round_trips), UNIT_TEST(test_encode_errors),
	   UNIT_TEST(test_format_truncates));
