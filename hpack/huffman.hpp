// h2pb::hpack — Huffman coding of string literals (RFC 7541 §5.2, Appendix B).
//
// HPACK's Huffman code is fixed (huffman_table.hpp, generated from the RFC):
// frequent header characters get short codes ('0'..'2', 'a', 'c', 'e', 'i',
// 'o', 's', 't' take 5 bits), rare ones long codes (up to 30 bits, the EOS
// symbol). A string is the concatenation of its symbols' codes, padded to an
// octet boundary with the most significant bits of EOS (that is, with 1 bits).
//
// The decoder must reject (RFC 7541 §5.2):
//   - the EOS symbol inside the string          -> errc::huffman_eos
//   - padding longer than 7 bits                -> errc::huffman_padding_too_long
//   - padding that is not a prefix of EOS (a 0) -> errc::huffman_padding_not_eos
//
// Decoding reads the input into a 64-bit buffer and looks the next 12 bits up
// in huffman_table::fast, which yields one or two whole symbols per lookup.
// Codes longer than 12 bits (rare in headers) are decoded canonically: the
// code is canonical, so the first L bits are a code of length L exactly when
// they fall in [first_code[L], first_code[L] + count[L]).
//
// Encoding sums the code lengths first (encoded_size), so that a caller can
// choose Huffman only where it is shorter than the raw octets, then packs the
// codes through a 64-bit accumulator.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <h2pb/hpack/errc.hpp>
#include <h2pb/hpack/huffman_table.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>

namespace h2pb::hpack::huffman {

using wire::byte;

namespace detail {

consteval std::array<std::uint8_t, 256> build_code_bits() {
    std::array<std::uint8_t, 256> bits{};
    for (std::size_t i = 0; i < 256; ++i) bits[i] = huffman_table::codes[i].bits;
    return bits;
}
/// Code length of each octet (the encoder's size pass touches only this).
inline constexpr std::array<std::uint8_t, 256> code_bits = build_code_bits();

/// Decodes the one symbol at the top of `bits` whose code is longer than
/// fast_bits, looking at no more than `available` bits. Returns the symbol
/// (256 for EOS) and its length, or length 0 when `available` bits do not
/// hold a whole code.
struct slow_symbol {
    unsigned symbol = 0;
    unsigned length = 0;
};
inline slow_symbol decode_long_code(std::uint64_t bits, unsigned available) noexcept {
    const auto top = static_cast<std::uint32_t>(bits >> 32);
    const unsigned last =
        available < huffman_table::longest_code_bits ? available : huffman_table::longest_code_bits;
    for (unsigned n = huffman_table::fast_bits + 1; n <= last; ++n) {
        const std::uint32_t offset = (top >> (32 - n)) - huffman_table::first_code[n];
        if (offset < huffman_table::count[n]) {
            return {huffman_table::by_code[huffman_table::first_index[n] + offset], n};
        }
    }
    return {};
}

}  // namespace detail

/// Octets the Huffman encoding of s takes (code lengths summed, rounded up).
inline std::size_t encoded_size(std::string_view s) noexcept {
    std::size_t bits = 0;
    for (unsigned char c : s) bits += detail::code_bits[c];
    return (bits + 7) / 8;
}

/// Writes the Huffman encoding of s at p (room for encoded_size(s) octets);
/// returns the end of what was written.
inline byte* encode(std::string_view s, byte* p) noexcept {
    std::uint64_t acc = 0;  // the low `n` bits are pending output
    unsigned n = 0;
    for (unsigned char c : s) {
        const auto& code = huffman_table::codes[c];
        acc = (acc << code.bits) | code.value;
        n += code.bits;  // n < 32 + 30
        if (n >= 32) {
            n -= 32;
            wire::store_be32(p, static_cast<std::uint32_t>(acc >> n));
            p += 4;
        }
    }
    if (n % 8 != 0) {  // pad with the most significant bits of EOS: ones
        const unsigned pad = 8 - n % 8;
        acc = (acc << pad) | ((1u << pad) - 1);
        n += pad;
    }
    while (n >= 8) {
        n -= 8;
        *p++ = static_cast<byte>(acc >> n);
    }
    return p;
}

/// Writes the Huffman encoding of s at p when it is shorter than s, in one
/// pass: returns its end, or nullptr as soon as it cannot be shorter. Either
/// way it may write up to s.size() + 3 octets at p.
inline byte* encode_if_shorter(std::string_view s, byte* p) noexcept {
    byte* const limit = p + s.size();  // reaching it: not shorter
    std::uint64_t acc = 0;
    unsigned n = 0;
    for (unsigned char c : s) {
        const auto& code = huffman_table::codes[c];
        acc = (acc << code.bits) | code.value;
        n += code.bits;
        if (n >= 32) {
            n -= 32;
            wire::store_be32(p, static_cast<std::uint32_t>(acc >> n));
            p += 4;
            if (p >= limit) return nullptr;
        }
    }
    if (n % 8 != 0) {
        const unsigned pad = 8 - n % 8;
        acc = (acc << pad) | ((1u << pad) - 1);
        n += pad;
    }
    while (n >= 8) {
        n -= 8;
        *p++ = static_cast<byte>(acc >> n);
    }
    return p < limit ? p : nullptr;
}

/// The most octets n encoded octets can decode to (the shortest code is 5 bits).
constexpr std::size_t max_decoded_size(std::size_t n) noexcept {
    return n * 8 / 5;
}

/// Room decode() needs past max_decoded_size(): it writes two octets per lookup
/// and keeps only the ones that are symbols.
inline constexpr std::size_t decode_slack = 2;

/// Decodes n Huffman-coded octets at `in` into `out`, which must have room for
/// max_decoded_size(n) + decode_slack octets. Returns the end of the decoded
/// octets, or nullptr with `why` and `where` (offset from `in` of the octet
/// where the rule broke) set.
inline byte* decode(const byte* in, std::size_t n, byte* out, errc& why,
                    std::size_t& where) noexcept {
    const byte* p = in;
    const byte* const end = in + n;
    std::uint64_t buf = 0;  // unread bits, most significant first
    unsigned nbits = 0;     // how many of buf's top bits are unread input

    // Hot loop: while 8 octets remain, refill to at least 56 bits with one
    // unaligned load, then take up to three 12-bit lookups (36 bits at most).
    while (end - p >= 8) {
        buf |= wire::load_be64(p) >> nbits;
        p += (63 - nbits) >> 3;
        nbits |= 56;
        for (int k = 0; k < 3; ++k) {
            const std::uint32_t e = huffman_table::fast[buf >> (64 - huffman_table::fast_bits)];
            const unsigned count = (e >> 21) & 3;
            if (count == 0) [[unlikely]] {
                // A code longer than 12 bits: decode it when the buffer holds
                // 30 bits, then refill (so the next lookups have their 12).
                if (nbits >= huffman_table::longest_code_bits) {
                    const auto s = detail::decode_long_code(buf, nbits);
                    if (s.symbol == huffman_table::eos) {
                        why = errc::huffman_eos;
                        where = static_cast<std::size_t>(p - in) - (nbits + 7) / 8;
                        return nullptr;
                    }
                    *out++ = static_cast<byte>(s.symbol);
                    buf <<= s.length;
                    nbits -= s.length;
                }
                break;
            }
            out[0] = static_cast<byte>(e);
            out[1] = static_cast<byte>(e >> 8);
            out += count;
            const unsigned used = (e >> 16) & 31;
            buf <<= used;
            nbits -= used;
        }
    }

    // Tail: fewer than 8 octets left. A short string (most header names and
    // values) comes here directly and is loaded in one go; after the hot loop
    // the rest is added octet by octet. Lookups take both symbols of an entry
    // when their bits are all input, else one, never using bits past the end.
    if (nbits == 0 && p < end) {
        byte last[8] = {};
        std::memcpy(last, p, static_cast<std::size_t>(end - p));
        buf = wire::load_be64(last);
        nbits = 8 * static_cast<unsigned>(end - p);
        p = end;
    }
    for (;;) {
        while (nbits <= 56 && p < end) {
            buf |= std::uint64_t{*p++} << (56 - nbits);
            nbits += 8;
        }
        const std::uint32_t e = huffman_table::fast[buf >> (64 - huffman_table::fast_bits)];
        const unsigned count = (e >> 21) & 3;
        if (count != 0) {
            unsigned used = (e >> 16) & 31;
            if (used <= nbits) {
                out[0] = static_cast<byte>(e);
                out[1] = static_cast<byte>(e >> 8);
                out += count;
            } else {
                used = (e >> 24) & 15;
                if (used > nbits) break;  // not a whole code: what is left is padding
                *out++ = static_cast<byte>(e);
            }
            buf <<= used;
            nbits -= used;
            continue;
        }
        const auto s = detail::decode_long_code(buf, nbits);
        if (s.length == 0) break;  // not a whole code: what is left is padding
        if (s.symbol == huffman_table::eos) {
            why = errc::huffman_eos;
            where = static_cast<std::size_t>(p - in) - (nbits + 7) / 8;
            return nullptr;
        }
        *out++ = static_cast<byte>(s.symbol);
        buf <<= s.length;
        nbits -= s.length;
    }

    if (nbits > 7) {
        why = errc::huffman_padding_too_long;
        where = n - 1 - (nbits - 1) / 8;
        return nullptr;
    }
    if (nbits != 0 && (buf >> (64 - nbits)) != (std::uint64_t{1} << nbits) - 1) {
        why = errc::huffman_padding_not_eos;
        where = n - 1;
        return nullptr;
    }
    return out;
}

}  // namespace h2pb::hpack::huffman
