/* tests/fuzz/ofp_decode.c: libFuzzer target for the OpenFlow 1.3 codec
 * (hostd/openflow/), over every message type: the input is one message as
 * a switch (or anyone on the control channel) could send it.
 *
 * ofp_decode() must either refuse it with a known OpenFlow error and a
 * reason, or accept it. An accepted message must format, re-encode
 * (whatever decodes is encodable), and the re-encoded bytes must decode to
 * a message with the same text that re-encodes to the very same bytes
 * (the encoding is canonical after one pass). The one meaning a round
 * trip may lose is a PACKET_IN's count of skipped unknown match fields
 * (they are not re-encoded): the texts are compared with it cleared.
 * ofp_frame_len() is fed the same bytes as a stream prefix. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofpbuf b1 = OFPBUF_INIT, b2 = OFPBUF_INIT, t1 = OFPBUF_INIT, t2 = OFPBUF_INIT;
	struct ofp_msg m, m2;
	char err[256];
	enum ofperr e;
	int fl;

	fl = ofp_frame_len(data, size);
	if (fl > 0 && ((size_t)fl > size || fl < 8))
		__builtin_trap();

	err[0] = 'x';
	e = ofp_decode(data, size, &m, err, sizeof(err));
	if (e) {
		if ((unsigned)e >= OFPERR__N || !err[0] || !memchr(err, 0, sizeof(err)))
			__builtin_trap();
		ofp_msg_uninit(&m); /* allowed after a failed decode */
		return 0;
	}
	if (err[0])
		__builtin_trap(); /* success leaves no stale reason */
	ofp_format(&m, &t1);
	if (t1.failed || !t1.len)
		__builtin_trap();
	if (ofp_encode(&m, &b1, err, sizeof(err)))
		__builtin_trap(); /* decoded but not encodable */
	if (m.type == OFPMSG_PACKET_IN && m.u.packet_in.n_unknown) {
		m.u.packet_in.n_unknown = 0; /* dropped by the encoder, by design */
		ofpbuf_clear(&t1);
		ofp_format(&m, &t1);
	}
	if (ofp_decode(b1.data, b1.len, &m2, err, sizeof(err)))
		__builtin_trap(); /* our own encoding does not decode */
	ofp_format(&m2, &t2);
	if (strcmp(ofpbuf_cstr(&t1), ofpbuf_cstr(&t2)))
		__builtin_trap(); /* the round trip changed the meaning */
	if (ofp_encode(&m2, &b2, err, sizeof(err)) || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len))
		__builtin_trap(); /* not canonical after one pass */
	ofp_msg_uninit(&m);
	ofp_msg_uninit(&m2);
	ofpbuf_uninit(&b1);
	ofpbuf_uninit(&b2);
	ofpbuf_uninit(&t1);
	ofpbuf_uninit(&t2);
	return 0;
}
