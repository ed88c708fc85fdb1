#!/usr/bin/env python3
"""tests/unit/vectors/mbox/make_vectors.py: writes codec_vectors.inc, the
golden vectors of tests/unit/test_mbox_codec.c.

The bytes are packed here with struct (little-endian, the layout of
drivers/mbox/mbox_wire.h), independently of the C encoder; the expected
text (formatted message or decode error) is written by hand below. Run it
after changing a vector and commit both files:
    python3 tests/unit/vectors/mbox/make_vectors.py
"""
import os
import struct

EBADMSG, ENOMSG = "EBADMSG", "ENOMSG"
T = dict(HELLO=0x01, HELLO_REPLY=0x02, ACK=0x03, ERROR=0x04, HEARTBEAT=0x05,
         RESYNC_REQUEST=0x06, BATCH_BEGIN=0x10, BATCH_COMMIT=0x11, BATCH_ABORT=0x12,
         OBJ_SET=0x20, OBJ_DEL=0x21, OBJ_STATUS=0x22, FW_UPDATE_BEGIN=0x30,
         FW_UPDATE_CHUNK=0x31, FW_UPDATE_END=0x32)
REPLY, BATCH = 1, 2


def msg(typ, seq, payload=b"", flags=0, length=None, reserved=0):
    if length is None:
        length = len(payload)
    return struct.pack("<HHIII", typ, flags, length, seq, reserved) + payload


def hello(mn=1, mx=1, ver=0, role=1, caps=3, epoch=0x0123456789abcdef, hb=500,
          name=b"hostd 0.1", pad=0):
    return struct.pack("<HHHHQQII", mn, mx, ver, role, caps, epoch, hb, pad) + \
        name.ljust(32, b"\0")


def heartbeat(epoch=0x1122334455667788, counter=42, interval=500, pad=0):
    return struct.pack("<QQII", epoch, counter, interval, pad)


def error(req, code, text=b"", pad=0):
    return struct.pack("<HHI", req, pad, code) + text


def batch(bid, count=0):
    return struct.pack("<II", bid, count)


def obj(kind, oid, flags=0, body=b""):
    return struct.pack("<HHI", kind, flags, oid) + body


def obj_status(kind, oid, status, reason=b""):
    return struct.pack("<HHI", kind, status, oid) + reason


def fw(value, data=b""):
    """FW_UPDATE_BEGIN (total), CHUNK (offset), END (total): one u64 + data."""
    return struct.pack("<Q", value) + data


IMG_HDR = b"DFNICIMG" + bytes(range(1, 17))  # 24 bytes standing for an image header


# (name, bytes, expected rc, expected text)
VALID = [
    ("hello", msg(T["HELLO"], 1, hello()), 0,
     'HELLO seq=1 v1..1 role=host caps=0x3 epoch=0x0123456789abcdef hb=500ms name="hostd 0.1"'),
    ("hello_reply", msg(T["HELLO_REPLY"], 1, hello(ver=1, role=2, caps=1, epoch=0xfedcba9876543210,
                                                   hb=250, name=b"dfnic-fw 0.1"), REPLY), 0,
     'HELLO_REPLY seq=1 reply v1..1 chosen=v1 role=nic caps=0x1 epoch=0xfedcba9876543210 hb=250ms name="dfnic-fw 0.1"'),
    ("hello_name_full", msg(T["HELLO"], 2, hello(mn=1, mx=3, name=b"A" * 31 + b'"')), 0,
     'HELLO seq=2 v1..3 role=host caps=0x3 epoch=0x0123456789abcdef hb=500ms name="' + "A" * 31 + '\\x22"'),
    ("ack", msg(T["ACK"], 7, flags=REPLY), 0, "ACK seq=7 reply"),
    ("error", msg(T["ERROR"], 8, error(0x20, 22, b"kind 9 unknown"), REPLY), 0,
     'ERROR seq=8 reply req=OBJ_SET code=22 (EINVAL) text="kind 9 unknown"'),
    ("error_unknown_req", msg(T["ERROR"], 9, error(0x7f, 999), REPLY), 0,
     'ERROR seq=9 reply req=0x7f code=999 (?) text=""'),
    ("error_utf8", msg(T["ERROR"], 9, error(0x01, 71, "versión".encode()), REPLY), 0,
     'ERROR seq=9 reply req=HELLO code=71 (EPROTO) text="versi\\xc3\\xb3n"'),
    ("heartbeat", msg(T["HEARTBEAT"], 100, heartbeat()), 0,
     "HEARTBEAT seq=100 epoch=0x1122334455667788 counter=42 interval=500ms"),
    ("resync", msg(T["RESYNC_REQUEST"], 0), 0, "RESYNC_REQUEST seq=0"),
    ("batch_begin", msg(T["BATCH_BEGIN"], 10, batch(5)), 0, "BATCH_BEGIN seq=10 batch=5 count=0"),
    ("batch_commit", msg(T["BATCH_COMMIT"], 13, batch(5, 2)), 0, "BATCH_COMMIT seq=13 batch=5 count=2"),
    ("batch_abort", msg(T["BATCH_ABORT"], 14, batch(6)), 0, "BATCH_ABORT seq=14 batch=6 count=0"),
    ("obj_set", msg(T["OBJ_SET"], 11, obj(3, 1000, body=bytes([1, 2, 3, 4])), BATCH), 0,
     "OBJ_SET seq=11 batch kind=3 id=1000 body[4]=01020304"),
    ("obj_set_long", msg(T["OBJ_SET"], 15, obj(1, 7, body=bytes(range(20)))), 0,
     "OBJ_SET seq=15 kind=1 id=7 body[20]=000102030405060708090a0b0c0d0e0f..."),
    ("obj_set_empty", msg(T["OBJ_SET"], 16, obj(0xffff, 0xffffffff)), 0,
     "OBJ_SET seq=16 kind=65535 id=4294967295 body[0]="),
    ("obj_del", msg(T["OBJ_DEL"], 12, obj(3, 1000), BATCH), 0, "OBJ_DEL seq=12 batch kind=3 id=1000"),
    ("obj_status", msg(T["OBJ_STATUS"], 0, obj_status(3, 1000, 2, b"no space")), 0,
     'OBJ_STATUS seq=0 kind=3 id=1000 status=2 reason="no space"'),
]

VALID += [
    ("fw_begin", msg(T["FW_UPDATE_BEGIN"], 40, fw(4096, IMG_HDR)), 0,
     "FW_UPDATE_BEGIN seq=40 total=4096 header[24]=44464e4943494d470102030405060708..."),
    ("fw_begin_whole", msg(T["FW_UPDATE_BEGIN"], 41, fw(3, b"abc")), 0,
     "FW_UPDATE_BEGIN seq=41 total=3 header[3]=616263"),
    ("fw_chunk", msg(T["FW_UPDATE_CHUNK"], 42, fw(0x1000, b"\x00\xff\x10")), 0,
     "FW_UPDATE_CHUNK seq=42 offset=4096 data[3]=00ff10"),
    ("fw_chunk_last_byte", msg(T["FW_UPDATE_CHUNK"], 43, fw(0xfffffffffffffffe, b"z")), 0,
     "FW_UPDATE_CHUNK seq=43 offset=18446744073709551614 data[1]=7a"),
    ("fw_end", msg(T["FW_UPDATE_END"], 44, fw(2359296)), 0, "FW_UPDATE_END seq=44 total=2359296"),
    ("fw_end_reply_error", msg(T["ERROR"], 44, error(0x32, 74, b"DIGEST: payload altered"), REPLY), 0,
     'ERROR seq=44 reply req=FW_UPDATE_END code=74 (EBADMSG) text="DIGEST: payload altered"'),
]

ERRORS = [
    ("empty", b"", EBADMSG, "truncated header: 0 bytes, need 16"),
    ("short_header", msg(T["ACK"], 1)[:15], EBADMSG, "truncated header: 15 bytes, need 16"),
    ("length_mismatch", msg(T["ACK"], 1, length=4), EBADMSG, "length field 4, but 0 payload bytes"),
    ("length_huge", msg(T["OBJ_SET"], 1, obj(1, 1), length=0xffffffff), EBADMSG,
     "length field 4294967295, but 8 payload bytes"),
    ("reserved", msg(T["ACK"], 1, reserved=1), EBADMSG, "nonzero reserved 0x00000001"),
    ("unknown_type", msg(0x7f, 1), ENOMSG, "unknown type 0x7f"),
    ("type_zero", msg(0, 1), ENOMSG, "unknown type 0x00"),
    ("type_high", msg(0x1201, 1), ENOMSG, "unknown type 0x1201"),
    ("unknown_flags", msg(T["ACK"], 1, flags=0x0005), EBADMSG, "unknown flags 0x0004"),
    ("hello_short", msg(T["HELLO"], 1, hello()[:12]), EBADMSG, "HELLO: payload 12 bytes, expected 64"),
    ("hello_long", msg(T["HELLO"], 1, hello() + b"\0"), EBADMSG, "HELLO: payload 65 bytes, expected 64"),
    ("ack_payload", msg(T["ACK"], 1, b"\0"), EBADMSG, "ACK: payload 1 bytes, expected 0"),
    ("error_short", msg(T["ERROR"], 1, error(1, 22)[:4]), EBADMSG, "ERROR: payload 4 bytes, expected at least 8"),
    ("obj_del_body", msg(T["OBJ_DEL"], 1, obj(1, 1) + b"x"), EBADMSG, "OBJ_DEL: payload 9 bytes, expected 8"),
    ("obj_status_short", msg(T["OBJ_STATUS"], 1, b"\1\0"), EBADMSG, "OBJ_STATUS: payload 2 bytes, expected at least 8"),
    ("hello_pad", msg(T["HELLO"], 1, hello(pad=1)), EBADMSG, "HELLO: nonzero pad"),
    ("hello_range", msg(T["HELLO"], 1, hello(mn=2, mx=1)), EBADMSG, "HELLO: bad version range 2..1"),
    ("hello_min0", msg(T["HELLO"], 1, hello(mn=0)), EBADMSG, "HELLO: bad version range 0..1"),
    ("hello_req_version", msg(T["HELLO"], 1, hello(ver=1)), EBADMSG, "HELLO: version 1 in a request (must be 0)"),
    ("reply_version", msg(T["HELLO_REPLY"], 1, hello(ver=2), REPLY), EBADMSG,
     "HELLO_REPLY: chosen version 2 outside 1..1"),
    ("reply_version0", msg(T["HELLO_REPLY"], 1, hello(ver=0), REPLY), EBADMSG,
     "HELLO_REPLY: chosen version 0 outside 1..1"),
    ("hello_role", msg(T["HELLO"], 1, hello(role=3)), EBADMSG, "HELLO: unknown role 3"),
    ("hello_hb0", msg(T["HELLO"], 1, hello(hb=0)), EBADMSG, "HELLO: heartbeat_ms 0"),
    ("hello_name_ctrl", msg(T["HELLO"], 1, hello(name=b"ab\x01")), EBADMSG,
     "HELLO: non-printable byte 0x01 in name"),
    ("hello_name_high", msg(T["HELLO"], 1, hello(name=b"\xe9")), EBADMSG,
     "HELLO: non-printable byte 0xe9 in name"),
    ("hello_name_pad", msg(T["HELLO"], 1, hello(name=b"ab\0c")), EBADMSG, "HELLO: name not NUL-padded"),
    ("heartbeat_pad", msg(T["HEARTBEAT"], 1, heartbeat(pad=7)), EBADMSG, "HEARTBEAT: nonzero pad"),
    ("heartbeat_interval0", msg(T["HEARTBEAT"], 1, heartbeat(interval=0)), EBADMSG, "HEARTBEAT: interval_ms 0"),
    ("error_pad", msg(T["ERROR"], 1, error(1, 22, pad=1), REPLY), EBADMSG, "ERROR: nonzero pad"),
    ("error_code0", msg(T["ERROR"], 1, error(1, 0), REPLY), EBADMSG, "ERROR: code 0 is not an errno value"),
    ("error_code_big", msg(T["ERROR"], 1, error(1, 5000), REPLY), EBADMSG,
     "ERROR: code 5000 is not an errno value"),
    ("error_text_ff", msg(T["ERROR"], 1, error(1, 22, b"ab\xff"), REPLY), EBADMSG,
     "ERROR: text is not UTF-8 (byte 2)"),
    ("error_text_overlong", msg(T["ERROR"], 1, error(1, 22, b"\xc0\x80"), REPLY), EBADMSG,
     "ERROR: text is not UTF-8 (byte 0)"),
    ("error_text_nul", msg(T["ERROR"], 1, error(1, 22, b"a\0"), REPLY), EBADMSG,
     "ERROR: text is not UTF-8 (byte 1)"),
    ("error_text_cut", msg(T["ERROR"], 1, error(1, 22, b"ok\xc3"), REPLY), EBADMSG,
     "ERROR: text is not UTF-8 (byte 2)"),
    ("batch_begin_count", msg(T["BATCH_BEGIN"], 1, batch(1, 5)), EBADMSG, "BATCH_BEGIN: count 5 (must be 0)"),
    ("batch_abort_count", msg(T["BATCH_ABORT"], 1, batch(1, 1)), EBADMSG, "BATCH_ABORT: count 1 (must be 0)"),
    ("obj_set_kind0", msg(T["OBJ_SET"], 1, obj(0, 1, body=b"x")), EBADMSG, "OBJ_SET: kind 0"),
    ("obj_del_flags", msg(T["OBJ_DEL"], 1, obj(1, 1, flags=1)), EBADMSG, "OBJ_DEL: nonzero object flags 0x0001"),
    ("obj_status_kind0", msg(T["OBJ_STATUS"], 1, obj_status(0, 1, 1)), EBADMSG, "OBJ_STATUS: kind 0"),
    ("obj_status_surrogate", msg(T["OBJ_STATUS"], 1, obj_status(1, 1, 1, b"\xed\xa0\x80")), EBADMSG,
     "OBJ_STATUS: reason is not UTF-8 (byte 0)"),
    ("fw_begin_short", msg(T["FW_UPDATE_BEGIN"], 1, fw(1)[:7]), EBADMSG,
     "FW_UPDATE_BEGIN: payload 7 bytes, expected at least 8"),
    ("fw_begin_total0", msg(T["FW_UPDATE_BEGIN"], 1, fw(0, b"x")), EBADMSG, "FW_UPDATE_BEGIN: total 0"),
    ("fw_begin_no_header", msg(T["FW_UPDATE_BEGIN"], 1, fw(10)), EBADMSG,
     "FW_UPDATE_BEGIN: no header bytes"),
    ("fw_begin_header_big", msg(T["FW_UPDATE_BEGIN"], 1, fw(2, b"abc")), EBADMSG,
     "FW_UPDATE_BEGIN: 3 header bytes, image of 2"),
    ("fw_chunk_empty", msg(T["FW_UPDATE_CHUNK"], 1, fw(0)), EBADMSG, "FW_UPDATE_CHUNK: no data"),
    ("fw_chunk_overflow", msg(T["FW_UPDATE_CHUNK"], 1, fw(0xffffffffffffffff, b"z")), EBADMSG,
     "FW_UPDATE_CHUNK: offset 18446744073709551615 + 1 bytes overflows"),
    ("fw_end_total0", msg(T["FW_UPDATE_END"], 1, fw(0)), EBADMSG, "FW_UPDATE_END: total 0"),
    ("fw_end_long", msg(T["FW_UPDATE_END"], 1, fw(5, b"x")), EBADMSG, "FW_UPDATE_END: payload 9 bytes, expected 8"),
]


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = ["/* Generated by make_vectors.py: do not edit, edit the script. */"]
    for name, data, rc, text in VALID + ERRORS:
        rcs = "0" if rc == 0 else "-" + rc
        out.append("{ %s, %s, %s, %s }," % (c_str(name), c_str(data.hex()), rcs, c_str(text)))
    with open(os.path.join(here, "codec_vectors.inc"), "w") as f:
        f.write("\n".join(out) + "\n")
    # Seed corpus for the decode fuzzer: every vector as a file.
    corpus = os.path.join(here, "..", "..", "..", "fuzz", "corpus", "mbox_decode")
    os.makedirs(corpus, exist_ok=True)
    for name, data, _, _ in VALID + ERRORS:
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
