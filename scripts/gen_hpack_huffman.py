#!/usr/bin/python3
"""Generates hpack/huffman_table.hpp from the text of RFC 7541, Appendix B.

    scripts/gen_hpack_huffman.py RFC7541_TXT OUT_HPP        # write the header
    scripts/gen_hpack_huffman.py RFC7541_TXT OUT_HPP --check # exit 1 if OUT_HPP differs

RFC7541_TXT is the RFC's text, whole or only Appendix B: the meson test
hpack/huffman_table_generated passes tests/data/rfc7541/appendix-b-huffman-code.txt,
the appendix copied into the repository (scripts/gen_rfc7541_data.py).

Nothing in the generated header is typed by hand: every code comes from a row
of Appendix B such as

       'a' ( 97)  |00011                                         3  [ 5]

and the script checks each row against itself (the bits, the hex value and the
length must agree), that all 257 symbols are present in order, that the code is
prefix-free and complete (Kraft sum exactly 1), and that it is canonical (codes
of one length are consecutive, in symbol order), which the decoder's slow path
relies on.

Three tables are derived:
  - huffman_codes[257]: code (aligned to the least significant bit) and length,
    for the encoder.
  - huffman_fast[4096]: for every 12-bit window at the start of the unread
    bits, the one or two whole symbols it begins with. This is the decoder's
    hot path: one lookup yields up to two output bytes.
  - the canonical description (first code and first symbol of each length,
    symbols in code order) for codes longer than 12 bits, which are rare in
    HTTP headers (control characters, most of '<>\\^`{|}~', bytes >= 0x80).
"""
import re
import sys

FAST_BITS = 12
ROW = re.compile(r"^\s+(?:'.' )?\(\s*(\d+)\)\s+\|([01|]+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]\s*$")
EOS_ROW = re.compile(r"^\s+EOS \(256\)\s+\|([01|]+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]\s*$")


def parse(rfc_text):
    codes = {}
    in_appendix = False
    for line in rfc_text.splitlines():
        if line.startswith("Appendix B."):
            in_appendix = True
            continue
        if line.startswith("Appendix C."):
            break
        if not in_appendix:
            continue
        m = ROW.match(line)
        if m:
            sym, bits, hexcode, length = int(m.group(1)), m.group(2), m.group(3), int(m.group(4))
        else:
            m = EOS_ROW.match(line)
            if not m:
                continue
            sym, bits, hexcode, length = 256, m.group(1), m.group(2), int(m.group(3))
        bits = bits.replace("|", "")
        if len(bits) != length or int(bits, 2) != int(hexcode, 16):
            raise SystemExit(f"row for symbol {sym} disagrees with itself: {line!r}")
        if sym in codes:
            raise SystemExit(f"symbol {sym} appears twice")
        codes[sym] = (int(bits, 2), length)
    if sorted(codes) != list(range(257)):
        raise SystemExit(f"expected symbols 0..256, found {len(codes)}")
    return [codes[s] for s in range(257)]


def check(codes):
    # Kraft sum exactly 1: the code is complete (every bit string decodes or
    # is a prefix of a code).
    kraft = sum(2 ** (30 - length) for _, length in codes)
    if kraft != 2 ** 30:
        raise SystemExit("code is not complete (Kraft sum != 1)")
    # Canonical: sorted by (length, symbol), each code is the previous plus one,
    # shifted left when the length grows. This also proves it is prefix-free.
    order = sorted(range(257), key=lambda s: (codes[s][1], s))
    expect, prev_len = 0, codes[order[0]][1]
    for s in order:
        code, length = codes[s]
        expect <<= length - prev_len
        if code != expect:
            raise SystemExit(f"code is not canonical at symbol {s}")
        expect, prev_len = expect + 1, length
    return order


def decode_one(codes_by_bits, bits):
    """The first symbol of a bit string ('0'/'1'), or None if it needs more bits."""
    for n in range(1, len(bits) + 1):
        sym = codes_by_bits.get(bits[:n])
        if sym is not None:
            return sym, n
    return None


def fast_table(codes):
    by_bits = {format(c, f"0{n}b"): s for s, (c, n) in enumerate(codes)}
    table = []
    for v in range(1 << FAST_BITS):
        bits = format(v, f"0{FAST_BITS}b")
        first = decode_one(by_bits, bits)
        if first is None or first[0] == 256:
            table.append(0)  # count 0: take the slow path
            continue
        sym1, len1 = first
        second = decode_one(by_bits, bits[len1:])
        if second is None or second[0] == 256:
            table.append(sym1 | (len1 << 16) | (1 << 21) | (len1 << 24))
        else:
            sym2, len2 = second
            table.append(sym1 | (sym2 << 8) | ((len1 + len2) << 16) | (2 << 21) | (len1 << 24))
    return table


def render(codes, order):
    lengths = sorted({n for _, n in codes})
    first_code, first_index, count = {}, {}, {}
    for i, s in enumerate(order):
        code, n = codes[s]
        if n not in first_code:
            first_code[n], first_index[n], count[n] = code, i, 0
        count[n] += 1
    max_len = max(lengths)
    out = []
    w = out.append
    w("// h2pb::hpack — the Huffman code of RFC 7541 Appendix B, and tables derived from it.")
    w("//")
    w("// GENERATED by scripts/gen_hpack_huffman.py from the text of RFC 7541; do not edit.")
    w("// The generator checks that the code is complete, prefix-free and canonical;")
    w("// tests/hpack/huffman_test.cpp checks every table entry against a bit-by-bit")
    w("// decoder, and the meson test hpack/huffman_table_generated checks that this file")
    w("// is what the generator produces.")
    w("#pragma once")
    w("")
    w("#include <array>")
    w("#include <cstdint>")
    w("")
    w("namespace h2pb::hpack::huffman_table {")
    w("")
    w("// clang-format off")
    w("/// One code of Appendix B: `bits` long, aligned to the least significant bit.")
    w("struct code {")
    w("    std::uint32_t value;")
    w("    std::uint8_t bits;")
    w("};")
    w("")
    w("/// The code of each symbol: bytes 0..255, then EOS (256).")
    w("inline constexpr std::array<code, 257> codes = {{")
    for s, (c, n) in enumerate(codes):
        label = f"'{chr(s)}'" if 32 < s < 127 and chr(s) not in "'\\" else ("EOS" if s == 256 else f"{s}")
        w(f"    {{0x{c:x}, {n}}},  // {label}")
    w("}};")
    w("")
    w("inline constexpr unsigned eos = 256;")
    w(f"inline constexpr unsigned shortest_code_bits = {min(lengths)};")
    w(f"inline constexpr unsigned longest_code_bits = {max_len};")
    w("")
    w("/// Fast decoding: index with the next 12 unread bits (most significant first).")
    w("/// Each entry packs")
    w("///   bits  0..7   first symbol")
    w("///   bits  8..15  second symbol (when count is 2)")
    w("///   bits 16..20  bits used by the whole symbols (both when count is 2)")
    w("///   bits 21..22  count: 0 = the first code is longer than 12 bits (slow path),")
    w("///                1 or 2 = whole symbols found in the window")
    w("///   bits 24..27  bits used by the first symbol alone")
    w(f"inline constexpr unsigned fast_bits = {FAST_BITS};")
    w(f"inline constexpr std::array<std::uint32_t, {1 << FAST_BITS}> fast = {{{{")
    table = fast_table(codes)
    for i in range(0, len(table), 8):
        w("    " + ", ".join(f"0x{x:08x}" for x in table[i:i + 8]) + ",")
    w("}};")
    w("")
    w("/// Canonical decoding of codes longer than fast_bits. For a length n, the codes")
    w("/// of that length are first_code[n] .. first_code[n] + count[n] - 1 and stand")
    w("/// for by_code[first_index[n] ...] in that order (index 0 of each array unused")
    w("/// below the shortest length).")
    w(f"inline constexpr std::array<std::uint32_t, {max_len + 1}> first_code = {{{{")
    w("    " + ", ".join(str(first_code.get(n, 0)) for n in range(max_len + 1)) + ",")
    w("}};")
    w(f"inline constexpr std::array<std::uint16_t, {max_len + 1}> count = {{{{")
    w("    " + ", ".join(str(count.get(n, 0)) for n in range(max_len + 1)) + ",")
    w("}};")
    w(f"inline constexpr std::array<std::uint16_t, {max_len + 1}> first_index = {{{{")
    w("    " + ", ".join(str(first_index.get(n, 0)) for n in range(max_len + 1)) + ",")
    w("}};")
    w("inline constexpr std::array<std::uint16_t, 257> by_code = {{")
    for i in range(0, 257, 16):
        w("    " + ", ".join(str(s) for s in order[i:i + 16]) + ",")
    w("}};")
    w("")
    w("// clang-format on")
    w("")
    w("}  // namespace h2pb::hpack::huffman_table")
    return "\n".join(out) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    with open(args[0], encoding="ascii") as f:
        codes = parse(f.read())
    text = render(codes, check(codes))
    if "--check" in sys.argv:
        try:
            with open(args[1], encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"{args[1]} is not what {sys.argv[0]} generates from {args[0]}", file=sys.stderr)
            return 1
        print(f"{args[1]} matches the generator")
        return 0
    with open(args[1], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
