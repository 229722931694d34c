// h2pb::rpc — the percent-encoding of grpc-message (PROTOCOL-HTTP2.md).
//
//   Percent-Encoded         → 1*(Percent-Byte-Unencoded / Percent-Byte-Encoded)
//   Percent-Byte-Unencoded  → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
//   Percent-Byte-Encoded    → "%" 2HEXDIGIT ; 0-9 A-F
//
// The status message is UTF-8; every octet outside 0x20-0x7E, and '%' itself,
// travels as %XX with uppercase hex digits (grpc C++ and grpc-go both emit
// uppercase). Decoding must never fail ("implementations MUST NOT error or
// throw away the message"): a '%' not followed by two hex digits is kept as it
// is, the rest decoded, which the spec allows and grpc-go (decodeGrpcMessage)
// and grpc C++ (PermissivePercentDecodeSlice) both do.
// Lowercase hex digits are decoded too (grpc-go accepts them).
//
//   std::string wire_text;
//   rpc::percent_encode("ünïcode 100%", wire_text);   // "%C3%BCn%C3%AFcode 100%25"
//   std::string text;
//   rpc::percent_decode(wire_text, text);              // "ünïcode 100%"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace h2pb::rpc {

/// True for the octets that travel as themselves.
constexpr bool percent_unreserved(unsigned char c) noexcept {
    return c >= 0x20 && c <= 0x7E && c != '%';
}

/// Length of the encoding of `in`.
constexpr std::size_t percent_encoded_size(std::string_view in) noexcept {
    std::size_t n = 0;
    for (const char ch : in) n += percent_unreserved(static_cast<unsigned char>(ch)) ? 1 : 3;
    return n;
}

/// Appends the encoding of `in` to `out`.
inline void percent_encode(std::string_view in, std::string& out) {
    constexpr char hex[] = "0123456789ABCDEF";
    for (const char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (percent_unreserved(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
}

namespace detail {
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}
}  // namespace detail

/// Appends the decoding of `in` to `out`. Never fails: a malformed %-sequence
/// is copied as it is.
inline void percent_decode(std::string_view in, std::string& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            const int hi = detail::hex_value(in[i + 1]);
            const int lo = detail::hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(in[i]);
    }
}

}  // namespace h2pb::rpc
