// h2pb::wire — unsigned LEB128 varints, up to 64 bits.
//
// A varint stores 7 bits per byte, least significant group first; the high
// bit of each byte says "more bytes follow". A 64-bit value needs at most 10
// bytes, and the 10th byte can then carry only one bit (bit 63). Decoding
// rejects, each with its own error:
//   - input that ends inside the varint            (errc::truncated)
//   - an 11th byte (the 10th has its high bit set) (errc::varint_too_long)
//   - a 10th byte whose value is above 1           (errc::varint_overflow)
//
// The hot path is `parse_varint`: pointer in, pointer out, nullptr on any
// error; `varint_error` then says which rule broke (slow path, never inlined).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/error.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::wire {

/// Longest encoding of a 64-bit varint.
inline constexpr std::size_t max_varint_size = 10;

/// Bytes needed to encode v (1..10).
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    // bit_width(v | 1) is 1..64; every 7 bits (rounded up) take one byte.
    return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}

/// Writes v at p (which must have room for varint_size(v) bytes); returns the
/// position after the last byte written.
inline byte* write_varint(byte* p, std::uint64_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<byte>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<byte>(v);
    return p;
}

namespace detail {

// Bytes 2..10 of a varint whose first byte had its continuation bit set.
inline const byte* parse_varint_tail(const byte* p, const byte* end, std::uint64_t* out) noexcept {
    std::uint64_t value = 0;
    if (end - p >= static_cast<std::ptrdiff_t>(max_varint_size)) {
        // Enough input for the longest varint: no end checks in the loop.
        for (unsigned i = 0; i < 9; ++i) {
            const std::uint64_t b = p[i];
            value |= (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                *out = value;
                return p + i + 1;
            }
        }
        const byte last = p[9];
        if (last > 1) return nullptr;
        *out = value | (std::uint64_t{last} << 63);
        return p + 10;
    }
    for (unsigned i = 0; i < max_varint_size; ++i) {
        if (p + i == end) return nullptr;
        const std::uint64_t b = p[i];
        if (i == 9) {
            if (b > 1) return nullptr;
            *out = value | (b << 63);
            return p + 10;
        }
        value |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = value;
            return p + i + 1;
        }
    }
    return nullptr;  // unreachable: the loop returns by i == 9
}

}  // namespace detail

/// Parses a varint starting at p (input ends at end). Returns the position
/// after it and stores the value in *out, or returns nullptr when the bytes
/// are not a valid varint (see varint_error for why).
inline const byte* parse_varint(const byte* p, const byte* end, std::uint64_t* out) noexcept {
    if (p < end && *p < 0x80) [[likely]] {
        *out = *p;
        return p + 1;
    }
    if (p >= end) return nullptr;
    if (end - p >= 2 && p[1] < 0x80) [[likely]] {
        *out = (std::uint64_t{p[0]} & 0x7f) | (std::uint64_t{p[1]} << 7);
        return p + 2;
    }
    return detail::parse_varint_tail(p, end, out);
}

/// Why the varint at p could not be parsed (call only after parse_varint
/// returned nullptr for the same arguments).
inline errc varint_error(const byte* p, const byte* end) noexcept {
    for (std::size_t i = 0; i < max_varint_size; ++i) {
        if (p + i >= end) return errc::truncated;
        if (i == 9) return (p[i] & 0x80) ? errc::varint_too_long : errc::varint_overflow;
        if (p[i] < 0x80) return errc::ok;
    }
    return errc::ok;
}

/// Where the varint at p broke the rule `e` (from varint_error): the byte
/// that breaks it. For varint_too_long and varint_overflow that is the 10th
/// byte (p + 9: its high bit, or a value above 1, is what no 64-bit varint
/// has); for truncated it is p, the varint the input cuts short. Every
/// reader reports this same position (proto_codec/decode.hpp,
/// proto_codec/field_reader.hpp, `h2pb decode`).
constexpr const byte* varint_error_at(const byte* p, errc e) noexcept {
    return e == errc::varint_too_long || e == errc::varint_overflow ? p + (max_varint_size - 1) : p;
}

/// A decoded varint: its value and how many bytes it took.
struct varint {
    std::uint64_t value = 0;
    std::size_t length = 0;
};

/// Decodes the varint at the start of `in`. The error offset is relative to
/// the start of `in`: where the varint starts for truncation, the offending
/// 10th byte otherwise.
inline result<varint> decode_varint(bytes_view in) noexcept {
    const byte* begin = in.data();
    const byte* end = begin + in.size();
    std::uint64_t value = 0;
    if (const byte* next = parse_varint(begin, end, &value)) {
        return varint{value, static_cast<std::size_t>(next - begin)};
    }
    const errc code = varint_error(begin, end);
    return failure{error{code, code == errc::truncated ? 0 : max_varint_size - 1}};
}

}  // namespace h2pb::wire
