// Helpers shared by the unit tests.
#pragma once

#include <string>
#include <string_view>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/hex.hpp>

namespace h2pb::test {

/// Bytes from hex text ("0a 06 61 ..."); a malformed literal is a test bug.
inline wire::buffer hex(std::string_view text) {
    wire::buffer out;
    if (wire::parse_hex(text, out)) throw std::invalid_argument("bad hex literal in test");
    return out;
}

inline std::string hex_of(wire::bytes_view b) {
    return wire::to_hex(b);
}

}  // namespace h2pb::test
