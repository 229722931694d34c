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
// The codec itself is wire/base64.hpp (shared with protobuf JSON `bytes`);
// this header fixes gRPC's choices: the standard alphabet only (the URL-safe
// '-' and '_' are errors), unpadded output, padding optional on input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <h2pb/wire/base64.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc {

using wire::base64_errc;
using wire::describe;

/// Characters of the unpadded encoding of n octets: ceil(4n/3).
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept {
    return wire::base64_encoded_size(n, false);
}

/// Appends the unpadded base64 of `in` to `out`.
inline void base64_encode(wire::bytes_view in, std::string& out) {
    wire::base64_encode(in, out, {.alphabet = wire::base64_alphabet::standard, .pad = false});
}

inline void base64_encode(std::string_view in, std::string& out) {
    base64_encode(wire::as_bytes(in), out);
}

/// Appends the octets `in` encodes to `out`. Padded and unpadded text are
/// both accepted; only the standard alphabet. On error `out` is left as it was.
[[nodiscard]] inline base64_errc base64_decode(std::string_view in, std::string& out) {
    return wire::base64_decode(in, out, wire::base64_accept::standard);
}

}  // namespace h2pb::rpc
