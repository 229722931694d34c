// h2pb::hpack — integer representation with an N-bit prefix (RFC 7541 §5.1).
//
// An HPACK integer starts in the low N bits (1 <= N <= 8) of an octet whose
// high bits belong to the representation (a pattern such as "1" for an indexed
// field or "01" for a literal with incremental indexing):
//
//     0   1   2   3   4   5   6   7
//   +---+---+---+---+---+---+---+---+
//   | ? | ? | ? |       Value       |        value < 2^N - 1: fits in the prefix
//   +---+---+---+-------------------+
//
//   | ? | ? | ? | 1   1   1   1   1 |        otherwise the prefix is all ones,
//   | 1 |    Value-(2^N-1) LSB      |        and the rest follows 7 bits per
//   | 0 |    Value-(2^N-1) MSB      |        octet, least significant first,
//                                            high bit = "more octets follow"
//
// Example (RFC 7541 C.1.2): 1337 with a 5-bit prefix is 1f 9a 0a:
// 31 in the prefix, then 1337 - 31 = 1306 = 0b1010_0011010 -> 9a (26 | 0x80), 0a (10).
//
// RFC 7541 leaves the largest value to the implementation. h2pb decodes into
// 32 bits: a value above 2^32 - 1 is errc::integer_overflow, and more than
// max_integer_continuation_bytes continuation octets (even if they only add
// zeros) is errc::integer_too_long.
#pragma once

#include <cstddef>
#include <cstdint>

#include <h2pb/hpack/errc.hpp>
#include <h2pb/hpack/limits.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::hpack {

using wire::byte;

/// Octets an integer can take: the prefix octet plus the continuation octets.
inline constexpr std::size_t max_integer_size = 1 + max_integer_continuation_bytes;

/// Octets needed to encode v with an N-bit prefix.
constexpr std::size_t integer_size(std::uint32_t v, unsigned prefix_bits) noexcept {
    const std::uint32_t max_prefix = (1u << prefix_bits) - 1;
    if (v < max_prefix) return 1;
    std::size_t n = 2;
    for (v -= max_prefix; v >= 128; v >>= 7) ++n;
    return n;
}

/// Writes v with an N-bit prefix at p; `first` holds the representation's
/// pattern bits above the prefix (they must be zero inside the prefix). p needs
/// room for integer_size(v, prefix_bits) octets. Returns the end of what was
/// written.
inline byte* encode_integer(byte* p, std::uint32_t v, unsigned prefix_bits, byte first) noexcept {
    const std::uint32_t max_prefix = (1u << prefix_bits) - 1;
    if (v < max_prefix) {
        *p++ = static_cast<byte>(first | v);
        return p;
    }
    *p++ = static_cast<byte>(first | max_prefix);
    v -= max_prefix;
    while (v >= 128) {
        *p++ = static_cast<byte>(0x80 | (v & 0x7f));
        v >>= 7;
    }
    *p++ = static_cast<byte>(v);
    return p;
}

namespace detail {

/// The continuation octets of an integer whose prefix was all ones (`v` holds
/// the prefix value 2^N - 1). Kept out of line: most integers fit their prefix.
[[gnu::noinline]] inline const byte* decode_integer_tail(const byte* p, const byte* end,
                                                         std::uint32_t prefix_value,
                                                         std::uint32_t& value, errc& why,
                                                         const byte*& where) noexcept {
    std::uint64_t v = prefix_value;
    unsigned shift = 0;
    for (std::size_t i = 0; i < max_integer_continuation_bytes; ++i, shift += 7) {
        if (p == end) {
            why = errc::truncated;
            where = p;
            return nullptr;
        }
        const byte b = *p;
        v += std::uint64_t{b & 0x7fu} << shift;
        if (v > UINT32_MAX) {
            why = errc::integer_overflow;
            where = p;
            return nullptr;
        }
        ++p;
        if ((b & 0x80) == 0) {
            value = static_cast<std::uint32_t>(v);
            return p;
        }
    }
    why = errc::integer_too_long;
    where = p;
    return nullptr;
}

}  // namespace detail

/// Decodes the integer whose prefix is the low `prefix_bits` bits of *p
/// (p < end). Returns the position after it, or nullptr with `why` and
/// `where` (the octet that broke the rule) set.
[[gnu::always_inline]] inline const byte* decode_integer(const byte* p, const byte* end,
                                                         unsigned prefix_bits, std::uint32_t& value,
                                                         errc& why, const byte*& where) noexcept {
    const std::uint32_t max_prefix = (1u << prefix_bits) - 1;
    const std::uint32_t v = *p & max_prefix;
    if (v < max_prefix) [[likely]] {
        value = v;
        return p + 1;
    }
    return detail::decode_integer_tail(p + 1, end, max_prefix, value, why, where);
}

/// A decoded integer and the octets it took.
struct decoded_integer {
    std::uint32_t value = 0;
    std::size_t length = 0;
};

/// Decodes the integer at the start of `in` with an N-bit prefix. Error
/// offsets are relative to in[0].
inline wire::result<decoded_integer, error> decode_integer(wire::bytes_view in,
                                                           unsigned prefix_bits) noexcept {
    if (in.empty()) return wire::failure{error{errc::truncated, 0}};
    const byte* begin = in.data();
    std::uint32_t value = 0;
    errc why = errc::ok;
    const byte* where = begin;
    const byte* next = decode_integer(begin, begin + in.size(), prefix_bits, value, why, where);
    if (next == nullptr) {
        return wire::failure{error{why, static_cast<std::size_t>(where - begin)}};
    }
    return decoded_integer{value, static_cast<std::size_t>(next - begin)};
}

}  // namespace h2pb::hpack
