#!/usr/bin/env python3
"""tests/fuzz/corpus/make_mbox_region.py: writes the seed corpus of the
mbox_region fuzz target (tests/fuzz/corpus/mbox_region/). Each seed is an
832-byte region as the NIC would lay it out for 4 slots of 64 bytes
(drivers/mbox/mbox_wire.h), with messages in the rings, optionally followed
by (offset lo, offset hi, value) patches applied after the host attached.
    python3 tests/fuzz/corpus/make_mbox_region.py
"""
import os
import struct

SLOT, COUNT = 64, 4
CTRL0, CTRL1 = 64, 192
SLOTS0 = 320
SLOTS1 = SLOTS0 + SLOT * COUNT
SIZE = SLOTS1 + SLOT * COUNT
MAGIC, ALIVE = 0x424D4644, 0xA11FE


def header(**kw):
    f = dict(magic=MAGIC, ver=1, hsz=64, rsz=SIZE, ssz=SLOT, cnt=COUNT, c0=CTRL0, c1=CTRL1,
             s0=SLOTS0, s1=SLOTS1, nic=ALIVE, host=0, epoch=0x1234)
    f.update(kw)
    return struct.pack("<IHHIIIIIIIII4xQ8x", f["magic"], f["ver"], f["hsz"], f["rsz"], f["ssz"],
                       f["cnt"], f["c0"], f["c1"], f["s0"], f["s1"], f["nic"], f["host"],
                       f["epoch"])


def ctrl(prod, cons):
    return struct.pack("<III52x", prod, 0, 0) + struct.pack("<II56x", cons, 0)


def msg(typ, seq, payload=b"", flags=0):
    return struct.pack("<HHIII", typ, flags, len(payload), seq, 0) + payload


def heartbeat(seq):
    return msg(0x05, seq, struct.pack("<QQII", 7, seq, 500, 0))


def slots(msgs, first=0):
    area = bytearray(SLOT * COUNT)
    for i, m in enumerate(msgs):
        o = ((first + i) % COUNT) * SLOT
        area[o:o + len(m)] = m
    return bytes(area)


def region(h2n=(0, 0, []), n2h=(0, 0, []), **hk):
    r = header(**hk) + ctrl(h2n[0], h2n[1]) + ctrl(n2h[0], n2h[1]) + \
        slots(h2n[2], h2n[1]) + slots(n2h[2], n2h[1])
    assert len(r) == SIZE
    return r


def patch(off, val):
    return struct.pack("<HB", off, val)


SEEDS = {
    "empty": region(),
    "h2n_three": region(h2n=(3, 0, [heartbeat(1), msg(0x03, 2, flags=1), heartbeat(3)])),
    "h2n_full": region(h2n=(4, 0, [heartbeat(i) for i in range(4)])),
    "wrap": region(h2n=(1, 0xFFFFFFFE, [heartbeat(9), heartbeat(10), heartbeat(11)]),
                   n2h=(0xFFFFFFFF, 0xFFFFFFFF, [])),
    "bad_len": region(h2n=(2, 0, [struct.pack("<HHIII", 5, 0, 4000, 1, 0), heartbeat(2)])),
    "bad_indices": region(h2n=(9, 0, [heartbeat(1)])),
    "bad_geometry": region(ssz=96),
    # After attach: the NIC "publishes" a message into N2H slot 0 (prod 0 -> 1).
    "late_n2h": region() + b"".join(patch(SLOTS1 + i, b) for i, b in enumerate(heartbeat(5)))
    + patch(CTRL1, 1),
    # After attach: the header's slot count and the epoch change.
    "late_header": region() + patch(16, 8) + patch(48, 0x99),
}


def main():
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mbox_region")
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
