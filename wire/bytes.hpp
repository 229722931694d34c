// h2pb::wire — byte spans.
//
// Every layer of h2pb speaks in spans of unsigned bytes. A `bytes_view` is a
// read-only window onto bytes somebody else owns (a receive buffer, a string
// literal, a message being decoded); it is never an owner. Conversions to and
// from character data are free: they reinterpret, they do not copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace h2pb::wire {

using byte = std::uint8_t;
using bytes_view = std::span<const byte>;
using mutable_bytes = std::span<byte>;

/// Views the characters of `s` as bytes (no copy).
inline bytes_view as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const byte*>(s.data()), s.size()};
}

/// Views bytes as characters (no copy).
inline std::string_view as_chars(bytes_view b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Copies bytes into a new std::string.
inline std::string to_string(bytes_view b) {
    return std::string(as_chars(b));
}

/// Byte-wise equality of two views.
inline bool equal(bytes_view a, bytes_view b) noexcept {
    return as_chars(a) == as_chars(b);
}

}  // namespace h2pb::wire
