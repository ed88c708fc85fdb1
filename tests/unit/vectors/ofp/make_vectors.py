#!/usr/bin/env python3
"""tests/unit/vectors/ofp/make_vectors.py: writes the golden vector files
(*.txt, one per message family) of tests/unit/test_ofp_vectors.c.

Good vectors are either the hex of the sample messages hostd's encoder
builds (hostd/openflow/tools/ofp_samples.c, whose meaning
tests/integration/ofp_print_crosscheck.sh checks against ovs-ofctl) or
bytes packed here with struct, independently of the C encoder. Error
vectors are hand-made truncations/corruptions, each declaring the
OpenFlow error it must produce: the script refuses to write a vector whose
decode gives another error (or succeeds). Every vector is also written as a
seed of the fuzz target (tests/fuzz/corpus/ofp_decode/<family>-<name>). The expected text is what the
decoder prints; review the diff of the .txt files before committing.

    python3 tests/unit/vectors/ofp/make_vectors.py out/sim/<dir>/tests/ofp-encode-samples
"""
import os
import struct
import subprocess
import sys

ENC = sys.argv[1] if len(sys.argv) > 1 else "out/sim/check/tests/ofp-encode-samples"
HERE = os.path.dirname(os.path.abspath(__file__))

SAMPLES = {}
for line in subprocess.run([ENC], check=True, capture_output=True, text=True).stdout.splitlines():
    name, hexs = line.split()
    SAMPLES[name] = bytes.fromhex(hexs)


def decode(b):
    r = subprocess.run([ENC, "decode", b.hex()], capture_output=True, text=True)
    return r.stdout.strip()


# ---- packing helpers (OpenFlow 1.3 layout, big-endian) -----------------

def hdr(typ, body, xid=1, version=4, length=None):
    n = 8 + len(body) if length is None else length
    return struct.pack("!BBHI", version, typ, n, xid) + body


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def oxm(cls, field, value, mask=None, length=None):
    n = len(value) + (len(mask) if mask else 0)
    if length is not None:
        n = length
    h = (cls << 16) | (field << 9) | ((1 if mask else 0) << 8) | n
    return struct.pack("!I", h) + value + (mask or b"")


B = 0x8000
NX1 = 0x0001


def basic(field, value, mask=None, length=None):
    return oxm(B, field, value, mask, length)


IN_PORT = lambda p: basic(0, struct.pack("!I", p))
ETH_TYPE = lambda t: basic(5, struct.pack("!H", t))
IP_PROTO = lambda p: basic(10, struct.pack("!B", p))


def match(tlvs, mtype=1, length=None):
    n = 4 + len(tlvs) if length is None else length
    return pad8(struct.pack("!HH", mtype, n) + tlvs)


def flow_mod(m=b"", insts=b"", table=0, command=0, flags=0, prio=100, xid=5, raw_match=None):
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, table, command, 0, 0, prio, 0xffffffff,
                       0xffffffff, 0xffffffff, flags)
    body += match(m) if raw_match is None else raw_match
    return hdr(14, body + insts, xid)


def inst(typ, body, length=None):
    n = 4 + len(body) if length is None else length
    return struct.pack("!HH", typ, n) + body


def apply(*acts):
    return inst(4, b"\0" * 4 + b"".join(acts))


def act(typ, body, length=None):
    n = 4 + len(body) if length is None else length
    return struct.pack("!HH", typ, n) + body


def output(port, max_len=0):
    return act(0, struct.pack("!IH6x", port, max_len))


def nx(subtype, body, length=None, vendor=0x2320):
    raw = struct.pack("!IH", vendor, subtype) + body
    n = 4 + len(raw) if length is None else length
    return struct.pack("!HH", 0xffff, n) + raw


def set_field(tlv):
    return pad8(struct.pack("!HH", 25, 4 + len(tlv) + (-(4 + len(tlv)) % 8)) + tlv)


def reg_move(nbits, sofs, dofs, src, dst, length=None):
    return nx(6, struct.pack("!HHHII", nbits, sofs, dofs, src, dst), length)


def reg_load(ofs, nbits, dst, value, length=None):
    return nx(7, struct.pack("!HIQ", (ofs << 6) | (nbits - 1), dst, value), length)


def resubmit(table, in_port=0xfff8, length=None):
    return nx(14, struct.pack("!HB3x", in_port, table), length)


def ct(flags=1, zone=0, table=0xff, nested=b"", zone_src=0, alg=0, length=None):
    return nx(35, struct.pack("!HIHB3xH", flags, zone_src, zone, table, alg) + nested, length)


def nat(flags, present, ranges=b"", length=None):
    body = struct.pack("!2xHH", flags, present) + ranges
    return nx(36, body + b"\0" * (-(10 + len(body)) % 8), length)


def nxm_hdr(cls, field, n):
    return (cls << 16) | (field << 9) | n


REG0, REG1 = nxm_hdr(1, 0, 4), nxm_hdr(1, 1, 4)


def mp(typ, mtype, body=b"", flags=0, xid=1):
    return hdr(typ, struct.pack("!HH4x", mtype, flags) + body, xid)


def bundle_ctrl(bid, btype, flags, props=b"", xid=1):
    return hdr(4, struct.pack("!IIIHH", 0x4f4e4600, 2300, bid, btype, flags) + props, xid)


def bundle_add(bid, flags, inner, xid=1):
    return hdr(4, struct.pack("!III2xH", 0x4f4e4600, 2301, bid, flags) + inner, xid)


def setlen(b, off, n):
    return b[:off] + struct.pack("!H", n) + b[off + 2:]


def fix_len(b):
    return setlen(b, 2, len(b))


# ---- vector files ------------------------------------------------------

FILES = {}


def good(fam, name, b, comment=None):
    FILES.setdefault(fam, []).append((name, b, None, comment))


def bad(fam, name, b, err, comment=None):
    FILES.setdefault(fam, []).append((name, b, err, comment))


def sample(fam, name):
    good(fam, name, SAMPLES[name], "encoded by hostd (sample %s)" % name)


# msg: framing, header, HELLO, ERROR, ECHO, EXPERIMENTER, header-only
for n in ["hello", "echo_request", "features_request", "barrier", "error", "experimenter"]:
    sample("msg", n)
good("msg", "echo_reply_empty", hdr(3, b"", 9))
good("msg", "barrier_reply", hdr(21, b"", 0x1d))
good("msg", "get_config_request", hdr(7, b"", 4))
good("msg", "hello_of10_peer", hdr(0, b"", 7, version=1), "a 1.0-only peer: decoded so hostd can answer HELLO_FAILED")
good("msg", "hello_multi_version", hdr(0, struct.pack("!HHI", 1, 8, 0x12) + struct.pack("!HH4x", 9, 4)),
     "bitmap 1.0+1.3, then an unknown element (ignored)")
good("msg", "hello_no_elements", hdr(0, b""))
good("msg", "error_hello_failed", hdr(1, struct.pack("!HH", 0, 0) + b"only 1.3"))
good("msg", "error_onf_bundle", hdr(1, struct.pack("!HHI", 0xffff, 2306, 0x4f4e4600) + SAMPLES["bundle_open"][:8]))
good("msg", "error_unknown_code", hdr(1, struct.pack("!HH", 4, 99)))
bad("msg", "empty", b"", "OFPBRC_BAD_LEN")
bad("msg", "short_header", hdr(2, b"")[:7], "OFPBRC_BAD_LEN")
bad("msg", "length_mismatch", hdr(2, b"", length=12), "OFPBRC_BAD_LEN")
bad("msg", "length_below_header", hdr(2, b"", length=4)[:8], "OFPBRC_BAD_LEN")
bad("msg", "bad_version", hdr(5, b"", version=1), "OFPBRC_BAD_VERSION")
bad("msg", "unsupported_type", hdr(16, b"\0" * 32), "OFPBRC_BAD_TYPE")
bad("msg", "unknown_type", hdr(99, b""), "OFPBRC_BAD_TYPE")
bad("msg", "below_minimum", hdr(6, b"\0" * 8), "OFPBRC_BAD_LEN")
bad("msg", "trailing_bytes", hdr(20, b"\0" * 8), "OFPBRC_BAD_LEN")
bad("msg", "hello_elem_truncated", hdr(0, b"\0\1"), "OFPBRC_BAD_LEN")
bad("msg", "hello_elem_len_short", hdr(0, struct.pack("!HH4x", 1, 2)), "OFPBRC_BAD_LEN")
bad("msg", "hello_elem_len_past_end", hdr(0, struct.pack("!HHI", 1, 16, 0x10)), "OFPBRC_BAD_LEN")
bad("msg", "hello_bitmap_empty", hdr(0, struct.pack("!HH4x", 1, 4)), "OFPBRC_BAD_LEN")
bad("msg", "hello_bitmap_dup", hdr(0, struct.pack("!HHI", 1, 8, 0x10) * 2), "OFPBRC_BAD_LEN")
bad("msg", "error_exp_truncated", hdr(1, struct.pack("!HH", 0xffff, 1)), "OFPBRC_BAD_LEN")
bad("msg", "experimenter_short", hdr(4, b"\0\0\x23\x20"), "OFPBRC_BAD_LEN")

# match: OXM checks, inside a FLOW_MOD without instructions
good("match", "nxm_aliases", flow_mod(oxm(0, 3, b"\x08\x00") + oxm(0, 8, bytes([10, 0, 0, 0]), bytes([255, 0, 255, 0]))),
     "NXM_OF_ETH_TYPE and NXM_OF_IP_DST (non-contiguous mask), packed here")
good("match", "python_l3", flow_mod(IN_PORT(1) + ETH_TYPE(0x800) + basic(12, bytes([10, 0, 1, 0]), bytes([255, 255, 255, 0])),
                                     apply(output(2))), "packed here, independently of the encoder")
good("match", "eth_masks_ipv6", flow_mod(basic(3, bytes(6), bytes([1, 0, 0, 0, 0, 0])) + ETH_TYPE(0x86dd) +
                                         basic(27, bytes.fromhex("20010db8" + "00" * 12), bytes.fromhex("ffffffff" + "00" * 12))))
good("match", "vlan_present_mask", flow_mod(basic(6, b"\x10\x00", b"\x10\x00")))
good("match", "empty_match", flow_mod(b""))
good("match", "nicira_fields", flow_mod(oxm(NX1, 0, b"\0\0\0\5", b"\0\0\0\xff") + oxm(NX1, 15, b"\0\0\0\1") +
                                        oxm(NX1, 32, bytes([192, 168, 0, 1])) + oxm(NX1, 105, b"\0\0\0\x21", b"\0\0\0\x21") +
                                        oxm(NX1, 106, b"\0\5") + oxm(NX1, 107, b"\0\0\0\1")))
bad("match", "type_standard", flow_mod(raw_match=match(b"", mtype=0)), "OFPBMC_BAD_TYPE")
bad("match", "length_below_4", flow_mod(raw_match=struct.pack("!HH4x", 1, 2)), "OFPBMC_BAD_LEN")
bad("match", "length_past_end", flow_mod(raw_match=struct.pack("!HH4x", 1, 64)), "OFPBMC_BAD_LEN")
bad("match", "oxm_header_truncated", flow_mod(raw_match=pad8(struct.pack("!HH", 1, 6) + b"\x80\x00")), "OFPBMC_BAD_LEN")
bad("match", "experimenter_class", flow_mod(oxm(0xffff, 1, b"\0\0\0\0")), "OFPBMC_BAD_FIELD")
bad("match", "unknown_basic_field", flow_mod(basic(40, b"\0\0")), "OFPBMC_BAD_FIELD")
bad("match", "unknown_class", flow_mod(oxm(3, 1, b"\0\0\0\0")), "OFPBMC_BAD_FIELD")
bad("match", "ct_nw_src_in_flow_mod", flow_mod(oxm(NX1, 120, bytes([10, 0, 0, 5]))), "OFPBMC_BAD_FIELD",
    "unknown fields are skipped in PACKET_IN only: a flow_mod with one is refused")
bad("match", "mask_on_eth_type", flow_mod(basic(5, b"\x08\x00", b"\xff\xff")), "OFPBMC_BAD_MASK")
bad("match", "oxm_wrong_length", flow_mod(basic(0, b"\0\1")), "OFPBMC_BAD_LEN")
bad("match", "oxm_value_past_end", flow_mod(raw_match=pad8(struct.pack("!HHIH", 1, 10, (B << 16) | 4, 1))), "OFPBMC_BAD_LEN")
bad("match", "value_outside_mask", flow_mod(ETH_TYPE(0x800) + basic(12, bytes([10, 0, 1, 1]), bytes([255, 255, 255, 0]))), "OFPBMC_BAD_WILDCARDS")
bad("match", "duplicate_field", flow_mod(IN_PORT(1) + IN_PORT(2)), "OFPBMC_DUP_FIELD")
bad("match", "duplicate_via_alias", flow_mod(ETH_TYPE(0x800) + oxm(0, 3, b"\x08\x00")), "OFPBMC_DUP_FIELD")
bad("match", "vlan_pcp_out_of_range", flow_mod(basic(6, b"\x10\x05") + basic(7, b"\x09")), "OFPBMC_BAD_VALUE")
bad("match", "ipv4_without_eth_type", flow_mod(basic(12, bytes([10, 0, 0, 1]))), "OFPBMC_BAD_PREREQ")
bad("match", "tcp_with_udp_proto", flow_mod(ETH_TYPE(0x800) + IP_PROTO(17) + basic(14, b"\0\x50")), "OFPBMC_BAD_PREREQ")
bad("match", "pcp_without_vlan", flow_mod(basic(7, b"\x03")), "OFPBMC_BAD_PREREQ")
bad("match", "pcp_with_vlan_none", flow_mod(basic(6, b"\x00\x00") + basic(7, b"\x03")), "OFPBMC_BAD_PREREQ")
bad("match", "nd_target_wrong_icmp_type", flow_mod(ETH_TYPE(0x86dd) + IP_PROTO(58) + basic(29, b"\x80") + basic(31, bytes(16))), "OFPBMC_BAD_PREREQ")
bad("match", "icmpv4_on_ipv6", flow_mod(ETH_TYPE(0x86dd) + IP_PROTO(1) + basic(19, b"\x08")), "OFPBMC_BAD_PREREQ")
bad("match", "arp_masked_eth_type_prereq", flow_mod(basic(21, b"\0\1")), "OFPBMC_BAD_PREREQ")

# actions and instructions, inside a FLOW_MOD's apply-actions
A = lambda *a: flow_mod(b"", apply(*a))
good("actions", "ct_nat_ipv6", A(ct(3, 7, 0xff, nat(2 | 4 | 8, 0x4 | 0x8 | 0x10,
                                                   bytes.fromhex("20010db8" + "00" * 11 + "01") + bytes.fromhex("20010db8" + "00" * 11 + "09") + b"\x00\x50"))),
     "ct(commit,force) with dst nat over an IPv6 range, persistent+hash")
good("actions", "ct_plain", A(ct(0, 0, 10)), "ct(table=10): track only, packed here")
good("actions", "ct_nat_restore", A(ct(0, 3, 0xff, nat(0, 0))), "bare nat: restore existing translation")
good("actions", "resubmit_in_port", A(resubmit(0xff, 5), resubmit(3, 6)))
good("actions", "load_tun_dst", A(reg_load(0, 32, nxm_hdr(1, 32, 4), 0xc0a80001), reg_load(16, 16, REG0, 0xbeef)))
good("actions", "move_nxm_names", A(reg_move(48, 0, 0, nxm_hdr(0, 2, 6), nxm_hdr(0, 1, 6))), "NXM_OF_ETH_SRC -> NXM_OF_ETH_DST")
good("actions", "set_field_nxm_reg", A(set_field(oxm(NX1, 5, b"\0\0\0\x2a"))))
good("actions", "all_instructions", flow_mod(b"", inst(6, struct.pack("!I", 9)) + apply(output(1)) + inst(5, b"\0" * 4) +
                                            inst(3, b"\0" * 4 + output(2)) + inst(2, struct.pack("!4xQQ", 0x10, 0xf0)) + inst(1, b"\x05\0\0\0")))
good("actions", "instructions_any_order", flow_mod(b"", inst(1, b"\x05\0\0\0") + apply(act(24, b"\0" * 4))), "goto before apply on the wire; encoded back in canonical order")
bad("actions", "len_not_multiple_of_8", A(act(0, struct.pack("!IH6x", 1, 0), 12)), "OFPBAC_BAD_LEN")
bad("actions", "len_past_end", A(act(0, struct.pack("!IH6x", 1, 0), 24)), "OFPBAC_BAD_LEN")
bad("actions", "apply_len_not_multiple_of_8", flow_mod(b"", inst(4, b"\0" * 4 + output(1) + b"\0\0\0\0", 28)), "OFPBIC_BAD_LEN")
bad("actions", "output_len_8", A(act(0, struct.pack("!I", 1))), "OFPBAC_BAD_LEN")
bad("actions", "output_port_zero", A(output(0)), "OFPBAC_BAD_OUT_PORT")
bad("actions", "output_port_any", A(output(0xffffffff)), "OFPBAC_BAD_OUT_PORT")
bad("actions", "group_reserved", A(act(22, struct.pack("!I", 0xfffffffc))), "OFPBAC_BAD_OUT_GROUP")
bad("actions", "group_len_16", A(act(22, struct.pack("!I4x4x", 1))), "OFPBAC_BAD_LEN")
bad("actions", "push_vlan_bad_tpid", A(act(17, struct.pack("!H2x", 0x0800))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "push_vlan_len_16", A(act(17, struct.pack("!H2x8x", 0x8100))), "OFPBAC_BAD_LEN")
bad("actions", "pop_vlan_len_16", A(act(18, b"\0" * 12)), "OFPBAC_BAD_LEN")
bad("actions", "unknown_type", A(act(5, b"\0" * 4)), "OFPBAC_BAD_TYPE")
bad("actions", "set_field_unknown_field", A(set_field(basic(40, b"\0\0"))), "OFPBAC_BAD_SET_TYPE")
bad("actions", "set_field_masked", A(set_field(basic(12, bytes([10, 0, 0, 0]), bytes([255, 0, 0, 0])))), "OFPBAC_BAD_SET_ARGUMENT")
bad("actions", "set_field_oxm_len", A(set_field(basic(0, b"\0\1", length=2))), "OFPBAC_BAD_SET_LEN")
bad("actions", "set_field_overlong", A(setlen(set_field(ETH_TYPE(0x800)) + b"\0" * 8, 2, 24)), "OFPBAC_BAD_SET_LEN")
bad("actions", "set_field_bad_value", A(set_field(basic(7, b"\x08"))), "OFPBAC_BAD_SET_ARGUMENT")
bad("actions", "set_field_truncated_oxm", A(act(25, b"\x80\x00\x0a\x01")), "OFPBAC_BAD_SET_LEN")
bad("actions", "experimenter_len_8", A(act(0xffff, b"\0\0\x23\x20")), "OFPBAC_BAD_LEN")
bad("actions", "experimenter_unknown", A(nx(14, struct.pack("!HB3x", 0xfff8, 1), vendor=0x1234)), "OFPBAC_BAD_EXPERIMENTER")
bad("actions", "nicira_unknown_subtype", A(nx(99, b"\0" * 6)), "OFPBAC_BAD_EXP_TYPE")
bad("actions", "nat_outside_ct", A(nat(1, 0)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_move_len_16", A(nx(6, b"\0" * 6)), "OFPBAC_BAD_LEN")
bad("actions", "reg_move_unknown_field", A(reg_move(8, 0, 0, nxm_hdr(1, 99, 4), REG0)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_move_bits_outside", A(reg_move(16, 24, 0, REG0, REG1)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_move_zero_bits", A(reg_move(0, 0, 0, REG0, REG1)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_load_value_too_wide", A(reg_load(0, 4, REG0, 0x10)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_load_bits_outside", A(reg_load(30, 4, REG0, 1)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "reg_load_len_16", A(nx(7, b"\0" * 6)), "OFPBAC_BAD_LEN")
bad("actions", "resubmit_len_24", A(nx(14, struct.pack("!HB3x8x", 0xfff8, 1))), "OFPBAC_BAD_LEN")
bad("actions", "ct_len_16", A(nx(35, b"\0" * 6)), "OFPBAC_BAD_LEN")
bad("actions", "ct_unknown_flags", A(ct(4)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "ct_zone_from_field", A(ct(1, 15, zone_src=REG0)), "OFPBAC_BAD_ARGUMENT")
bad("actions", "ct_nested_output", A(ct(1, 0, 0xff, output(1))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "ct_nested_set_reg", A(ct(1, 0, 0xff, set_field(oxm(NX1, 0, b"\0\0\0\1")))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "ct_nested_resubmit", A(ct(1, 0, 0xff, resubmit(1))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "ct_nested_bad_len", A(ct(1, 0, 0xff, b"\0" * 8)), "OFPBAC_BAD_LEN")
bad("actions", "nat_src_and_dst", A(ct(1, 0, 0xff, nat(3, 0))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "nat_unknown_flags", A(ct(1, 0, 0xff, nat(0x41, 0))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "nat_unknown_range", A(ct(1, 0, 0xff, nat(1, 0x40))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "nat_range_without_dir", A(ct(1, 0, 0xff, nat(4, 1, bytes(4)))), "OFPBAC_BAD_ARGUMENT")
bad("actions", "nat_len_mismatch", A(ct(1, 0, 0xff, nat(1, 0x1 | 0x2 | 0x4, bytes(8)))), "OFPBAC_BAD_LEN")
bad("actions", "inst_len_not_multiple_of_8", flow_mod(b"", inst(1, b"\x05\0\0\0", 6) + b"\0\0"), "OFPBIC_BAD_LEN")
bad("actions", "inst_len_past_end", flow_mod(b"", inst(1, b"\x05\0\0\0", 16)), "OFPBIC_BAD_LEN")
bad("actions", "inst_header_truncated", flow_mod(b"", b"\0\1"), "OFPBIC_BAD_LEN")
bad("actions", "inst_unknown", flow_mod(b"", inst(7, b"\0" * 4)), "OFPBIC_UNKNOWN_INST")
bad("actions", "inst_experimenter", flow_mod(b"", inst(0xffff, b"\0\0\x23\x20")), "OFPBIC_BAD_EXPERIMENTER")
bad("actions", "inst_duplicate", flow_mod(b"", apply(output(1)) + apply(output(2))), "OFPBIC_UNSUP_INST")
bad("actions", "goto_len_16", flow_mod(b"", inst(1, b"\x05" + b"\0" * 11)), "OFPBIC_BAD_LEN")
bad("actions", "write_metadata_len_16", flow_mod(b"", inst(2, b"\0" * 12)), "OFPBIC_BAD_LEN")
bad("actions", "write_metadata_outside_mask", flow_mod(b"", inst(2, struct.pack("!4xQQ", 0x11, 0xf0))), "OFPBIC_UNSUP_METADATA")
bad("actions", "goto_backwards", flow_mod(b"", inst(1, b"\x03\0\0\0"), table=5), "OFPBIC_BAD_TABLE_ID")
bad("actions", "apply_bad_action_inside", flow_mod(b"", apply(output(0))), "OFPBAC_BAD_OUT_PORT")

# flows
for n in ["flow_l3", "flow_arp_responder", "flow_nicira", "flow_ct_match", "flow_vlan", "flow_ipv6", "flow_udp",
          "flow_icmp_echo", "flow_delete", "flow_delete_strict", "flow_removed"]:
    sample("flow", n)
bad("flow", "flow_mod_bad_command", flow_mod(command=5), "OFPFMFC_BAD_COMMAND")
bad("flow", "flow_mod_bad_flags", flow_mod(flags=0x20), "OFPFMFC_BAD_FLAGS")
bad("flow", "flow_mod_add_table_all", flow_mod(table=255), "OFPBRC_BAD_TABLE_ID")
bad("flow", "flow_mod_below_minimum", fix_len(SAMPLES["flow_l3"][:48]), "OFPBRC_BAD_LEN")
bad("flow", "flow_mod_instructions_cut", fix_len(SAMPLES["flow_l3"][:-4]), "OFPBIC_BAD_LEN")
bad("flow", "flow_mod_no_match_room", fix_len(SAMPLES["flow_l3"][:52]), "OFPBRC_BAD_LEN")
bad("flow", "flow_removed_match_cut", fix_len(SAMPLES["flow_removed"][:64]), "OFPBMC_BAD_LEN")
bad("flow", "flow_removed_trailing", fix_len(SAMPLES["flow_removed"] + b"\0" * 8), "OFPBRC_BAD_LEN")

# packets
for n in ["packet_in", "packet_out", "packet_out_table"]:
    sample("packet", n)
PI = SAMPLES["packet_in"]
pi_match_end = 24 + ((struct.unpack("!H", PI[26:28])[0] + 7) // 8) * 8
bad("packet", "packet_in_no_pad", fix_len(PI[:pi_match_end]), "OFPBRC_BAD_LEN")
PI_DATA = PI[pi_match_end + 2:]


def packet_in(tlvs, data=PI_DATA, xid=0):
    return hdr(10, struct.pack("!IHBBQ", 0xffffffff, len(data), 1, 20, 2) + match(tlvs) + b"\0\0" + data, xid)


EXP_ONF = struct.pack("!I", 0x4f4e4600)
good("packet", "packet_in_unknown_nxm1", packet_in(IN_PORT(1) + oxm(NX1, 120, bytes([10, 0, 0, 5]))),
     "NXM_NX_CT_NW_SRC (class 1 field 120), added by OVS after ct(): skipped, counted")
good("packet", "packet_in_ct_tuple_label_exp",
     packet_in(IN_PORT(1) + oxm(NX1, 119, b"\x11") + oxm(NX1, 120, bytes([10, 0, 0, 5])) +
               oxm(NX1, 121, bytes([172, 24, 4, 9])) + oxm(NX1, 124, b"\x30\x39") + oxm(NX1, 125, b"\x00\x35") +
               oxm(NX1, 108, bytes(15) + b"\x01", b"\xff" * 16) + basic(5, b"\x08\x00") +
               oxm(0xffff, 3, EXP_ONF + b"\0\1") + basic(45, b"\0\0\0\0")),
     "ct 5-tuple, masked ct_label, an experimenter OXM and an unknown basic field, among known ones")
bad("packet", "packet_in_unknown_past_end",
    fix_len(packet_in(IN_PORT(1), b"")[:24] + match(IN_PORT(1) + oxm(NX1, 120, bytes(4), length=20)) + b"\0\0"),
    "OFPBMC_BAD_LEN", "an unknown field is skipped only when its TLV fits the match")
bad("packet", "packet_in_experimenter_no_value", packet_in(oxm(0xffff, 3, EXP_ONF)), "OFPBMC_BAD_LEN")
bad("packet", "packet_in_unknown_masked_odd", packet_in(oxm(NX1, 108, bytes(3), b"\xff\xff")), "OFPBMC_BAD_LEN")
bad("packet", "packet_in_unknown_class", packet_in(oxm(3, 1, bytes(4))), "OFPBMC_BAD_FIELD",
    "only NXM0/NXM1/OPENFLOW_BASIC/experimenter classes are skipped")
bad("packet", "packet_in_dup_known_field", packet_in(IN_PORT(1) + oxm(NX1, 120, bytes(4)) + IN_PORT(2)),
    "OFPBMC_DUP_FIELD", "the known fields around skipped ones keep every check")
bad("packet", "packet_in_data_over_total", setlen(PI, 12, 10), "OFPBRC_BAD_LEN")
bad("packet", "packet_in_match_cut", fix_len(PI[:40]), "OFPBMC_BAD_LEN")
PO = SAMPLES["packet_out"]
bad("packet", "packet_out_in_port_zero", PO[:12] + b"\0\0\0\0" + PO[16:], "OFPBRC_BAD_PORT")
bad("packet", "packet_out_actions_past_end", setlen(PO, 16, 200), "OFPBRC_BAD_LEN")
bad("packet", "packet_out_buffer_and_data", PO[:8] + b"\0\0\0\7" + PO[12:], "OFPBRC_BAD_LEN")
bad("packet", "packet_out_action_header_truncated", hdr(13, struct.pack("!IIH6x", 0xffffffff, 0xfffffffd, 2) + b"\0\0"), "OFPBAC_BAD_LEN")
bad("packet", "packet_out_bad_action", PO[:24] + output(0) + PO[40:], "OFPBAC_BAD_OUT_PORT")

# switch: features, config, port status, role
for n in ["features_reply", "get_config_reply", "set_config", "port_status", "role_request", "role_reply"]:
    sample("switch", n)
good("switch", "features_reply_packed", hdr(6, struct.pack("!QIBB2xII", 0x1234, 256, 64, 1, 0x7, 0), 3))
bad("switch", "config_bad_flags", hdr(9, struct.pack("!HH", 4, 128)), "OFPSCFC_BAD_FLAGS")
bad("switch", "config_short", hdr(9, struct.pack("!H", 0)), "OFPBRC_BAD_LEN")
PS = SAMPLES["port_status"]
bad("switch", "port_status_bad_reason", PS[:8] + b"\3" + PS[9:], "OFPBRC_BAD_PACKET")
bad("switch", "port_status_truncated", fix_len(PS[:72]), "OFPBRC_BAD_LEN")
bad("switch", "role_bad", hdr(24, struct.pack("!I4xQ", 4, 1)), "OFPRRFC_BAD_ROLE")
bad("switch", "features_trailing", fix_len(SAMPLES["features_reply"] + b"\0" * 8), "OFPBRC_BAD_LEN")

# multipart
for n in ["mp_desc", "mp_flow", "mp_aggregate", "mp_table", "mp_port_stats", "mp_port_desc", "mp_group_desc",
          "mp_meter", "mp_reply_desc", "mp_reply_flow", "mp_reply_aggregate", "mp_reply_table",
          "mp_reply_port_stats", "mp_reply_port_desc", "mp_reply_group_desc", "mp_reply_meter"]:
    sample("multipart", n)
good("multipart", "reply_more_flag", mp(19, 3, struct.pack("!B3xIQQ", 1, 0, 5, 4), flags=1))
good("multipart", "reply_flow_empty", mp(19, 1, b""))
bad("multipart", "unsupported_type", mp(18, 5, struct.pack("!II", 0xffffffff, 0xffffffff)), "OFPBRC_BAD_MULTIPART")
bad("multipart", "reply_unsupported_type", mp(19, 12, b""), "OFPBRC_BAD_MULTIPART")
bad("multipart", "flow_request_truncated", mp(18, 1, b"\xff\0\0\0"), "OFPBRC_BAD_LEN")
bad("multipart", "flow_request_bad_match", mp(18, 1, struct.pack("!B3xII4xQQ", 255, 0xffffffff, 0xffffffff, 0, 0) + match(IN_PORT(1) + IN_PORT(1))), "OFPBMC_DUP_FIELD")
bad("multipart", "port_stats_request_truncated", mp(18, 4, b"\0\0\0\1"), "OFPBRC_BAD_LEN")
bad("multipart", "desc_request_with_body", mp(18, 0, b"\0" * 8), "OFPBRC_BAD_LEN")
bad("multipart", "desc_reply_truncated", fix_len(SAMPLES["mp_reply_desc"][:1000]), "OFPBRC_BAD_LEN")
bad("multipart", "aggregate_reply_truncated", fix_len(SAMPLES["mp_reply_aggregate"][:32]), "OFPBRC_BAD_LEN")
FS = SAMPLES["mp_reply_flow"]
bad("multipart", "flow_stats_len_short", setlen(FS, 16, 40), "OFPBRC_BAD_LEN")
bad("multipart", "flow_stats_len_past_end", setlen(FS, 16, 0x400), "OFPBRC_BAD_LEN")
bad("multipart", "flow_stats_truncated", fix_len(FS[:16 + 30]), "OFPBRC_BAD_LEN")
bad("multipart", "table_stats_truncated", fix_len(SAMPLES["mp_reply_table"][:16 + 20]), "OFPBRC_BAD_LEN")
bad("multipart", "port_stats_truncated", fix_len(SAMPLES["mp_reply_port_stats"][:16 + 100]), "OFPBRC_BAD_LEN")
bad("multipart", "port_desc_truncated", fix_len(SAMPLES["mp_reply_port_desc"][:16 + 64 + 60]), "OFPBRC_BAD_LEN")
GD = SAMPLES["mp_reply_group_desc"]
bad("multipart", "group_desc_len_bad", setlen(GD, 16, 12), "OFPBRC_BAD_LEN")
bad("multipart", "group_desc_truncated", fix_len(GD[:16 + 4]), "OFPBRC_BAD_LEN")
MS = SAMPLES["mp_reply_meter"]
bad("multipart", "meter_stats_len_bad", setlen(MS, 16 + 4, 48), "OFPBRC_BAD_LEN")
bad("multipart", "meter_stats_too_many_bands", mp(19, 9, struct.pack("!IH6xIQQII", 1, 40 + 9 * 16, 0, 0, 0, 0, 0) + bytes(9 * 16)), "OFPBRC_BAD_LEN")
bad("multipart", "meter_stats_truncated", fix_len(MS[:16 + 20]), "OFPBRC_BAD_LEN")

# groups and meters
for n in ["group_mod", "group_mod_ff", "group_delete", "meter_mod"]:
    sample("group_meter", n)
GM = SAMPLES["group_mod"]
bad("group_meter", "group_bad_command", GM[:8] + b"\0\3" + GM[10:], "OFPGMFC_BAD_COMMAND")
bad("group_meter", "group_bad_type", GM[:10] + b"\4" + GM[11:], "OFPGMFC_BAD_TYPE")
bad("group_meter", "group_invalid_id", GM[:12] + b"\xff\xff\xff\xfc" + GM[16:], "OFPGMFC_INVALID_GROUP")
bad("group_meter", "bucket_len_short", setlen(GM, 16, 8), "OFPGMFC_BAD_BUCKET")
bad("group_meter", "bucket_len_past_end", setlen(GM, 16, 0x200), "OFPGMFC_BAD_BUCKET")
bad("group_meter", "bucket_truncated", fix_len(GM + b"\0" * 8), "OFPGMFC_BAD_BUCKET")
bad("group_meter", "bucket_bad_action", GM[:32] + output(0) + GM[48:], "OFPBAC_BAD_OUT_PORT")
MM = SAMPLES["meter_mod"]
bad("group_meter", "meter_bad_command", MM[:8] + b"\0\3" + MM[10:], "OFPMMFC_BAD_COMMAND")
bad("group_meter", "meter_bad_flags", MM[:10] + b"\0\x10" + MM[12:], "OFPMMFC_BAD_FLAGS")
bad("group_meter", "meter_id_zero", MM[:12] + b"\0\0\0\0" + MM[16:], "OFPMMFC_INVALID_METER")
bad("group_meter", "band_bad_type", MM[:16] + b"\0\3" + MM[18:], "OFPMMFC_BAD_BAND")
bad("group_meter", "band_bad_len", setlen(MM, 18, 12), "OFPMMFC_BAD_BAND")
bad("group_meter", "band_rate_zero", MM[:20] + b"\0\0\0\0" + MM[24:], "OFPMMFC_BAD_RATE")
bad("group_meter", "band_header_truncated", fix_len(MM + b"\0\1"), "OFPMMFC_BAD_BAND")
bad("group_meter", "too_many_bands", hdr(29, struct.pack("!HHI", 0, 1, 1) + struct.pack("!HHII4x", 1, 16, 100, 10) * 9), "OFPMMFC_OUT_OF_BANDS")

# bundles (ONF extension for OpenFlow 1.3)
for n in ["bundle_open", "bundle_add", "bundle_commit", "bundle_discard"]:
    sample("bundle", n)
good("bundle", "close_reply_packed", bundle_ctrl(9, 3, 0))
good("bundle", "add_packed_group_mod", bundle_add(9, 1, SAMPLES["group_delete"][:4] + struct.pack("!I", 1) + SAMPLES["group_delete"][8:]))
good("bundle", "onf_other_exp_type", hdr(4, struct.pack("!II", 0x4f4e4600, 2302) + b"\0" * 8), "other ONF experimenter messages stay opaque")
bad("bundle", "ctrl_bad_type", bundle_ctrl(1, 8, 0), "OFPBRC_BAD_EXP_TYPE")
bad("bundle", "ctrl_bad_flags", bundle_ctrl(1, 0, 4), "OFPBRC_BAD_EXP_TYPE")
bad("bundle", "ctrl_properties", bundle_ctrl(1, 0, 1, struct.pack("!HH4x", 0xffff, 8)), "OFPBRC_BAD_LEN")
bad("bundle", "ctrl_truncated", hdr(4, struct.pack("!III", 0x4f4e4600, 2300, 1)), "OFPBRC_BAD_LEN")
bad("bundle", "add_no_inner", bundle_add(1, 0, b""), "OFPBRC_BAD_LEN")
bad("bundle", "add_inner_len_past_end", bundle_add(1, 0, hdr(20, b"", length=16)), "OFPBRC_BAD_LEN")
bad("bundle", "add_inner_len_short", bundle_add(1, 0, hdr(20, b"", length=4)), "OFPBRC_BAD_LEN")
bad("bundle", "add_inner_barrier", bundle_add(1, 0, hdr(20, b"")), "OFPBRC_BAD_TYPE")
bad("bundle", "add_inner_experimenter", bundle_add(1, 0, bundle_ctrl(1, 0, 0)), "OFPBRC_BAD_TYPE")
bad("bundle", "add_inner_bad_flow_mod", bundle_add(1, 0, flow_mod(command=9, xid=1)), "OFPFMFC_BAD_COMMAND")
bad("bundle", "add_bad_flags", bundle_add(1, 8, flow_mod(xid=1)), "OFPBRC_BAD_EXP_TYPE")

# Inputs the encoder writes differently (NXM names, unknown HELLO elements,
# instruction order): decoding them and re-encoding gives other bytes that
# decode to the same text. Every other good vector must re-encode exactly.
NON_CANONICAL = {"nxm_aliases", "move_nxm_names", "instructions_any_order", "hello_multi_version",
                 "packet_in_unknown_nxm1", "packet_in_ct_tuple_label_exp"}

HEAD = """# tests/unit/vectors/ofp/%s.txt: golden vectors of the OpenFlow codec
# (hostd/openflow/), family "%s". Written by make_vectors.py (see there
# how they are made); run by tests/unit/test_ofp_vectors.c.
# Format: "name:" starts a vector, "hex:" lines give the message bytes,
# then "text:" is the expected ofp_format() line (and the bytes must
# re-encode identically, unless the vector says "reencode: differs") or
# "error:" the expected "ERRNAME: reason".
"""

CORPUS = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "ofp_decode")
os.makedirs(CORPUS, exist_ok=True)
for old in os.listdir(CORPUS):
    os.unlink(os.path.join(CORPUS, old))

total = 0
for fam, vecs in FILES.items():
    out = [HEAD % (fam, fam)]
    for name, b, err, comment in vecs:
        got = decode(b)
        if err is None:
            if got.startswith("error:"):
                sys.exit("%s/%s: expected success, got %s" % (fam, name, got))
        elif not got.startswith("error: %s:" % err):
            sys.exit("%s/%s: expected %s, got %s" % (fam, name, err, got))
        with open(os.path.join(CORPUS, "%s-%s" % (fam, name)), "wb") as f:
            f.write(b)
        out.append("")
        if comment:
            out.append("# " + comment)
        out.append("name: " + name)
        h = b.hex()
        for i in range(0, max(len(h), 1), 64):
            out.append("hex: " + h[i:i + 64])
        out.append(got if got.startswith("error:") else "text: " + got)
        if name in NON_CANONICAL:
            out.append("reencode: differs")
        total += 1
    with open(os.path.join(HERE, fam + ".txt"), "w") as f:
        f.write("\n".join(out) + "\n")
print("wrote %d vectors in %d files" % (total, len(FILES)))
