// h2pb::rpc — per-message compression (compression.md), the interface.
//
// A gRPC message may be compressed on its own: its Compressed-Flag is 1 and
// its bytes are compressed with the stream's `grpc-encoding` (identity,
// gzip, deflate, ...). Each side advertises what it can decompress in
// `grpc-accept-encoding`. This header is the interface only, with no
// dependency: rpc/zlib.hpp implements gzip and deflate with zlib, for those
// who link zlib; a program without it still speaks identity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc {

enum class compress_errc : std::uint8_t {
    ok = 0,
    corrupt,    ///< the compressed bytes are not a valid stream of this encoding
    too_large,  ///< the message inflates to more than the limit (RESOURCE_EXHAUSTED)
    failed,     ///< the compressor itself failed (out of memory)
};

/// One encoding's compressor and decompressor. An instance keeps its state
/// (zlib streams) between messages so that steady state allocates nothing;
/// it is not thread-safe: one per connection or call.
class codec {
  public:
    virtual ~codec() = default;
    /// The grpc-encoding token: "gzip", "deflate".
    virtual std::string_view name() const noexcept = 0;
    /// Appends the compressed form of `in` to `out`.
    virtual compress_errc compress(wire::bytes_view in, wire::buffer& out) = 0;
    /// Appends the decompressed form of `in` to `out`, at most `max_size`
    /// octets: a message that would inflate to more is too_large, having
    /// produced at most max_size plus one internal chunk.
    virtual compress_errc decompress(wire::bytes_view in, std::size_t max_size,
                                     wire::buffer& out) = 0;
};

/// The encodings a program can use, by name.
class codec_registry {
  public:
    virtual ~codec_registry() = default;
    /// A new codec for `name`, or null when the encoding is not supported.
    /// "identity" is never a codec: it means no compression.
    virtual std::unique_ptr<codec> make(std::string_view name) const = 0;
    /// The grpc-accept-encoding value to advertise: "identity,gzip,deflate".
    virtual std::string_view accept_encoding() const noexcept = 0;
};

/// Identity only: what a program without zlib supports.
class identity_only final : public codec_registry {
  public:
    std::unique_ptr<codec> make(std::string_view) const override { return nullptr; }
    std::string_view accept_encoding() const noexcept override { return "identity"; }
};

}  // namespace h2pb::rpc
