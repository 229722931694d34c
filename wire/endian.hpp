// h2pb::wire — big-endian (network order) integers.
//
// HTTP/2 frame headers (RFC 9113 §4.1) use 24-bit and 32-bit big-endian
// fields, the gRPC message prefix a 32-bit one. These load/store functions
// work on raw pointers and do no bounds checks: callers check the length once
// (see cursor.hpp for the checked reader) and then read fields in place.
// Protobuf's fixed32/fixed64 are little-endian: load_le32/64 and store_le32/64.
#pragma once

#include <cstdint>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::wire {

constexpr std::uint16_t load_be16(const byte* p) noexcept {
    return static_cast<std::uint16_t>((std::uint32_t{p[0]} << 8) | p[1]);
}
constexpr std::uint32_t load_be24(const byte* p) noexcept {
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
constexpr std::uint32_t load_be32(const byte* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}
constexpr std::uint64_t load_be64(const byte* p) noexcept {
    return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

constexpr void store_be16(byte* p, std::uint16_t v) noexcept {
    p[0] = static_cast<byte>(v >> 8);
    p[1] = static_cast<byte>(v);
}
/// Stores the low 24 bits of v.
constexpr void store_be24(byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<byte>(v >> 16);
    p[1] = static_cast<byte>(v >> 8);
    p[2] = static_cast<byte>(v);
}
constexpr void store_be32(byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<byte>(v >> 24);
    p[1] = static_cast<byte>(v >> 16);
    p[2] = static_cast<byte>(v >> 8);
    p[3] = static_cast<byte>(v);
}
constexpr void store_be64(byte* p, std::uint64_t v) noexcept {
    store_be32(p, static_cast<std::uint32_t>(v >> 32));
    store_be32(p + 4, static_cast<std::uint32_t>(v));
}

constexpr std::uint32_t load_le32(const byte* p) noexcept {
    return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
           p[0];
}
constexpr std::uint64_t load_le64(const byte* p) noexcept {
    return (std::uint64_t{load_le32(p + 4)} << 32) | load_le32(p);
}
constexpr void store_le32(byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<byte>(v);
    p[1] = static_cast<byte>(v >> 8);
    p[2] = static_cast<byte>(v >> 16);
    p[3] = static_cast<byte>(v >> 24);
}
constexpr void store_le64(byte* p, std::uint64_t v) noexcept {
    store_le32(p, static_cast<std::uint32_t>(v));
    store_le32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

}  // namespace h2pb::wire
