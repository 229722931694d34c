// h2pb::wire — error values.
//
// Decoders in h2pb never throw on malformed input and never crash: they return
// an error value that says which rule was broken and at which byte offset.
// Each layer has its own `errc` enumeration (its own rules) and uses the
// `basic_error<Errc>` shape below, so that tools can print any of them the
// same way: "offset 7: varint longer than 10 bytes".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace h2pb::wire {

/// What a wire-level read can get wrong.
enum class errc : std::uint8_t {
    ok = 0,
    truncated,         ///< the input ends before the value does
    varint_too_long,   ///< a varint continues past its 10th byte
    varint_overflow,   ///< a varint's 10th byte carries more than the 64th bit
    length_too_large,  ///< a length exceeds the bytes that remain
};

constexpr std::string_view describe(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::truncated:
            return "input ends before the value is complete";
        case errc::varint_too_long:
            return "varint longer than 10 bytes";
        case errc::varint_overflow:
            return "varint's 10th byte carries more than one bit (value > 2^64-1)";
        case errc::length_too_large:
            return "length exceeds the remaining input";
    }
    return "unknown error";
}

/// An error code of some layer plus the byte offset where the broken rule was
/// detected. Converts to `true` when it holds an error, like std::error_code.
template <class Errc>
struct basic_error {
    Errc code{};
    std::size_t offset = 0;

    constexpr explicit operator bool() const noexcept { return code != Errc{}; }
    friend constexpr bool operator==(const basic_error&, const basic_error&) = default;

    /// "offset N: <rule>", for diagnostics.
    std::string message() const {
        std::string out = "offset " + std::to_string(offset) + ": ";
        out += describe(code);
        return out;
    }
};

using error = basic_error<errc>;

}  // namespace h2pb::wire
