// h2pb::rpc — what the gRPC message reader can find wrong with a stream.
//
// gRPC carries each message in the DATA frames of one HTTP/2 stream behind a
// 5-byte prefix (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"):
//
//   Compressed-Flag   1 byte    0 = not compressed, 1 = compressed with the
//                               stream's grpc-encoding
//   Message-Length    4 bytes   big-endian, the length of the message bytes
//   Message           Message-Length bytes
//
// Every message reader error is an `rpc::error`: one of these codes plus the byte
// offset in the stream (counting all bytes fed so far) where the rule broke.
#pragma once

#include <cstdint>
#include <string_view>

#include <h2pb/wire/error.hpp>

namespace h2pb::rpc {

enum class errc : std::uint8_t {
    ok = 0,
    /// Compressed-Flag is neither 0 nor 1. The spec defines only those two
    /// values; grpc C++ and grpc-go reject the message with INTERNAL.
    bad_compressed_flag,
    /// Message-Length is larger than the receiver's max message size. Detected
    /// as soon as the 5-byte prefix is complete, before any message byte is
    /// buffered (gRPC status RESOURCE_EXHAUSTED).
    message_too_large,
    /// Compressed-Flag is 1 but the receiver has no decompressor for the
    /// stream (no grpc-encoding, or "identity"): PROTOCOL-HTTP2.md says this is
    /// an INTERNAL error. A reader configured to accept compressed messages
    /// hands them over flagged instead.
    compressed_without_encoding,
    /// The stream ended inside a 5-byte prefix.
    truncated_prefix,
    /// The stream ended before Message-Length bytes of message arrived.
    truncated_message,
};

constexpr std::string_view describe(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::bad_compressed_flag:
            return "compressed-flag byte is neither 0 nor 1";
        case errc::message_too_large:
            return "message-length exceeds the maximum message size";
        case errc::compressed_without_encoding:
            return "compressed-flag is 1 but no decompressor is configured (no grpc-encoding)";
        case errc::truncated_prefix:
            return "stream ends inside a 5-byte message prefix";
        case errc::truncated_message:
            return "stream ends before message-length bytes of message";
    }
    return "unknown error";
}

using error = wire::basic_error<errc>;

}  // namespace h2pb::rpc
