// h2pb::rpc — base64 for binary metadata (RFC 4648 §4, the standard alphabet).
//
// gRPC carries the value of every metadata key ending in "-bin" as base64
// (PROTOCOL-HTTP2.md, "Binary-Header"): "Implementations MUST accept padded
// and un-padded values and should emit un-padded values." So:
//
//   std::string out;
//   rpc::base64_encode(wire::as_bytes("foob"), out);   // out == "Zm9vYg"  (no "==")
//   std::string raw;
//   if (rpc::base64_decode("Zm9vYg==", raw) != rpc::base64_errc::ok) ...  // raw == "foob"
//   if (rpc::base64_decode("Zm9vYg", raw) ...                             // the same
//
// Decoding is strict about the alphabet: any octet outside A-Z a-z 0-9 + /
// (and '=' as trailing padding) is an error, and so is a length that no
// encoding produces (4n+1 characters, or padding that does not complete a
// quantum). Unused bits of the last character need not be zero: RFC 4648 §3.5
// lets a decoder accept them, and grpc-go's decoder (base64.RawStdEncoding,
// not Strict) does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc {

enum class base64_errc : std::uint8_t {
    ok = 0,
    bad_char,     ///< an octet outside the alphabet, or '=' before the end
    bad_length,   ///< 4n+1 characters: no encoding ends with one character
    bad_padding,  ///< '=' that does not complete the last 4-character quantum
};

constexpr std::string_view describe(base64_errc e) noexcept {
    switch (e) {
        case base64_errc::ok:
            return "ok";
        case base64_errc::bad_char:
            return "character outside the base64 alphabet";
        case base64_errc::bad_length:
            return "base64 text of impossible length (4n+1)";
        case base64_errc::bad_padding:
            return "base64 padding does not complete the last quantum";
    }
    return "unknown error";
}

namespace detail {
inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// 0..63 for alphabet characters, 0xFF otherwise.
inline constexpr std::array<std::uint8_t, 256> base64_values = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = 0xFF;
    for (std::size_t i = 0; i < base64_alphabet.size(); ++i)
        t[static_cast<std::uint8_t>(base64_alphabet[i])] = static_cast<std::uint8_t>(i);
    return t;
}();
}  // namespace detail

/// Characters of the unpadded encoding of n octets: ceil(4n/3).
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept {
    return (n * 4 + 2) / 3;
}

/// Appends the unpadded base64 of `in` to `out`.
inline void base64_encode(wire::bytes_view in, std::string& out) {
    const auto& a = detail::base64_alphabet;
    const std::size_t start = out.size();
    out.resize(start + base64_encoded_size(in.size()));
    char* p = out.data() + start;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) |
                                std::uint32_t{in[i + 2]};
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
        *p++ = a[(v >> 6) & 63];
        *p++ = a[v & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest == 1) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16;
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
    } else if (rest == 2) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
        *p++ = a[(v >> 6) & 63];
    }
}

inline void base64_encode(std::string_view in, std::string& out) {
    base64_encode(wire::as_bytes(in), out);
}

/// Appends the octets `in` encodes to `out`. Padded and unpadded text are
/// both accepted. On error `out` is left as it was.
[[nodiscard]] inline base64_errc base64_decode(std::string_view in, std::string& out) {
    // Strip the padding: at most two '=' and only to complete a quantum.
    std::size_t n = in.size();
    std::size_t pad = 0;
    while (n > 0 && in[n - 1] == '=' && pad < 2) {
        --n;
        ++pad;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (detail::base64_values[static_cast<std::uint8_t>(in[i])] == 0xFF)
            return base64_errc::bad_char;  // includes a third '=' or an inner one
    }
    if (pad > 0 && in.size() % 4 != 0) return base64_errc::bad_padding;
    if (n % 4 == 1) return base64_errc::bad_length;
    if (pad > 0 && (n % 4) + pad != 4) return base64_errc::bad_padding;
    const std::size_t start = out.size();
    out.resize(start + n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
    char* p = out.data() + start;
    auto val = [&](std::size_t i) -> std::uint32_t {
        return detail::base64_values[static_cast<std::uint8_t>(in[i])];
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const std::uint32_t v =
            (val(i) << 18) | (val(i + 1) << 12) | (val(i + 2) << 6) | val(i + 3);
        *p++ = static_cast<char>(v >> 16);
        *p++ = static_cast<char>((v >> 8) & 0xFF);
        *p++ = static_cast<char>(v & 0xFF);
    }
    const std::size_t rest = n - i;
    if (rest == 2) {
        const std::uint32_t v = (val(i) << 18) | (val(i + 1) << 12);
        *p++ = static_cast<char>(v >> 16);
    } else if (rest == 3) {
        const std::uint32_t v = (val(i) << 18) | (val(i + 1) << 12) | (val(i + 2) << 6);
        *p++ = static_cast<char>(v >> 16);
        *p++ = static_cast<char>((v >> 8) & 0xFF);
    }
    return base64_errc::ok;
}

}  // namespace h2pb::rpc
