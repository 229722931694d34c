// h2pb::proto — the protobuf wire format's building blocks.
//
// A protobuf message is a sequence of fields; each starts with a tag, the
// varint (field_number << 3) | wire_type:
//
//   wire type  name    carries
//   0          VARINT  int32, int64, uint32, uint64, sint32, sint64, bool, enum
//   1          I64     fixed64, sfixed64, double (8 bytes, little-endian)
//   2          LEN     string, bytes, sub-messages, packed repeated (varint length + bytes)
//   3          SGROUP  start of a proto2 group (deprecated)
//   4          EGROUP  end of that group
//   5          I32     fixed32, sfixed32, float (4 bytes, little-endian)
//
// Wire types 6 and 7 do not exist; field number 0 and numbers above 2^29-1
// are invalid.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

namespace h2pb::proto {

enum class wire_type : std::uint8_t {
    varint = 0,
    i64 = 1,
    len = 2,
    sgroup = 3,
    egroup = 4,
    i32 = 5,
};

constexpr std::string_view name(wire_type t) noexcept {
    switch (t) {
        case wire_type::varint:
            return "VARINT";
        case wire_type::i64:
            return "I64";
        case wire_type::len:
            return "LEN";
        case wire_type::sgroup:
            return "SGROUP";
        case wire_type::egroup:
            return "EGROUP";
        case wire_type::i32:
            return "I32";
    }
    return "?";
}

/// Largest field number: the tag is a 32-bit varint with 3 bits of wire type.
inline constexpr std::uint32_t max_field_number = (std::uint32_t{1} << 29) - 1;

constexpr std::uint32_t make_tag(std::uint32_t field_number, wire_type t) noexcept {
    return (field_number << 3) | static_cast<std::uint32_t>(t);
}
constexpr std::uint32_t tag_field_number(std::uint64_t tag) noexcept {
    return static_cast<std::uint32_t>(tag >> 3);
}
constexpr std::uint8_t tag_wire_type(std::uint64_t tag) noexcept {
    return static_cast<std::uint8_t>(tag & 7);
}

/// ZigZag maps signed to unsigned so small magnitudes stay small:
/// 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ... (sint32, sint64).
constexpr std::uint32_t zigzag_encode32(std::int32_t v) noexcept {
    return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}
constexpr std::uint64_t zigzag_encode64(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int32_t zigzag_decode32(std::uint32_t v) noexcept {
    return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
constexpr std::int64_t zigzag_decode64(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

/// Floats travel as their IEEE-754 bits.
constexpr std::uint32_t float_bits(float f) noexcept {
    return std::bit_cast<std::uint32_t>(f);
}
constexpr std::uint64_t double_bits(double d) noexcept {
    return std::bit_cast<std::uint64_t>(d);
}
constexpr float bits_float(std::uint32_t b) noexcept {
    return std::bit_cast<float>(b);
}
constexpr double bits_double(std::uint64_t b) noexcept {
    return std::bit_cast<double>(b);
}

}  // namespace h2pb::proto
