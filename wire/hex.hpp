// h2pb::wire — hexadecimal text <-> bytes, for tools, tests and docs.
//
// Parsing accepts the forms people paste: "0a 06 61", "0a0661", "0x0a,0x06",
// mixed case, line breaks and '#' comments to the end of a line. A stray
// character or an odd digit count is an error with the offset into the text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::wire {

/// What can be wrong with hex text.
enum class hex_errc : unsigned char {
    ok = 0,
    bad_character,  ///< not a hex digit, separator, "0x" or comment
    odd_digits,     ///< a byte is missing its second digit
};

constexpr std::string_view describe(hex_errc e) noexcept {
    switch (e) {
        case hex_errc::ok:
            return "ok";
        case hex_errc::bad_character:
            return "not a hexadecimal digit";
        case hex_errc::odd_digits:
            return "odd number of hexadecimal digits";
    }
    return "unknown error";
}

using hex_error = basic_error<hex_errc>;

namespace detail {
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace detail

/// Appends the bytes spelled by `text` to `out`.
inline hex_error parse_hex(std::string_view text, buffer& out) {
    int high = -1;  // first digit of a byte in progress
    std::size_t high_at = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '#') {  // comment to end of line
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':') {
            if (high >= 0) return {hex_errc::odd_digits, high_at};
            continue;
        }
        if (c == '0' && high < 0 && i + 1 < text.size() &&
            (text[i + 1] == 'x' || text[i + 1] == 'X')) {
            ++i;
            continue;
        }
        const int v = detail::hex_value(c);
        if (v < 0) return {hex_errc::bad_character, i};
        if (high < 0) {
            high = v;
            high_at = i;
        } else {
            out.push_back(static_cast<byte>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0) return {hex_errc::odd_digits, high_at};
    return {};
}

/// Lower-case hex of `b`, bytes separated by `sep` (none when sep is '\0').
inline std::string to_hex(bytes_view b, char sep = ' ') {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 3);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i != 0 && sep != '\0') out.push_back(sep);
        out.push_back(digits[b[i] >> 4]);
        out.push_back(digits[b[i] & 0xf]);
    }
    return out;
}

}  // namespace h2pb::wire
