// h2pb::rpc — gRPC messages in and out of a stream, with per-message
// compression (PROTOCOL-HTTP2.md "Length-Prefixed-Message", compression.md).
//
// Receiving: message_decoder wraps message_reader (the 5-byte prefix state
// machine) and inflates compressed messages through an rpc::codec. Errors
// are rpc::status values, ready to end the call with:
//
//   rpc::message_decoder dec(max_receive_size, head.decompressor.get());  // null: identity
//   dec.feed(data_frame_payload);          // stays valid until next() says need_more
//   wire::bytes_view msg;
//   rpc::decode_result r;
//   while ((r = dec.next(msg)) == rpc::decode_result::message)
//       handle(msg);                       // valid until the next next()/feed()/finish()
//   if (r == rpc::decode_result::failed) end_call(dec.error());
//   ... at END_STREAM: if (rpc::status s = dec.finish(); !s.ok()) end_call(s);
//
// The limit is checked twice: on the Message-Length of the prefix, before
// any byte of the message is buffered, and on the inflated size (the codec
// stops at the limit), so neither a lying prefix nor a compression bomb can
// make us buffer more than max_message_size (plus one codec chunk).
//
//   prefix flag not 0/1                -> INTERNAL (grpc C++ and grpc-go)
//   flag 1 without grpc-encoding        -> INTERNAL (PROTOCOL-HTTP2.md)
//   Message-Length > max                -> RESOURCE_EXHAUSTED
//                                          "Received message larger than max (N vs. M)"
//                                          (grpc C++'s text)
//   inflates to more than max           -> RESOURCE_EXHAUSTED (grpc-go's text)
//   corrupt compressed bytes            -> INTERNAL
//   END_STREAM inside a message         -> INTERNAL
//
// Sending: encode_message() appends prefix + message to a buffer (usually the
// bytes of the next DATA frames), compressing with `compressor` when one is
// given. Like grpc C++ and grpc-go, a message is compressed whenever the call
// has a compressor, even when that makes it larger; the max send size is
// checked on what goes on the wire (the compressed size), as grpc-go does:
//
//   wire::buffer out;
//   if (rpc::status s = rpc::encode_message(out, msg, codec_or_null); !s.ok()) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_reader.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::rpc {

/// Largest message we send unless told otherwise: 2^31-1, grpc-go's default
/// (math.MaxInt32); grpc C++ has no default send limit. Messages above
/// 2^32-1 cannot be framed at all (a 4-byte length).
inline constexpr std::uint32_t default_max_send_message_size = 0x7FFF'FFFF;

enum class decode_result : std::uint8_t {
    message,    ///< a message was stored; call next() again
    need_more,  ///< the chunk is used up; feed() the next one
    failed,     ///< error() is the status to end the call with
};

/// The status of a message_reader error (table in the header comment).
inline status status_of(const rpc::error& e, const message_prefix& p, std::uint32_t max) {
    switch (e.code) {
        case errc::ok:
            return {};
        case errc::message_too_large:
            return {status_code::resource_exhausted, "Received message larger than max (" +
                                                         std::to_string(p.length) + " vs. " +
                                                         std::to_string(max) + ")"};
        case errc::compressed_without_encoding:
            return {status_code::internal,
                    "compressed flag set on a message without grpc-encoding"};
        case errc::bad_compressed_flag:
        case errc::truncated_prefix:
        case errc::truncated_message:
            break;
    }
    return {status_code::internal,
            std::string(describe(e.code)) + " (at stream offset " + std::to_string(e.offset) + ")"};
}

class message_decoder {
  public:
    /// `decompressor`: the codec of the stream's grpc-encoding, or null for
    /// identity (then a compressed message is an error). Not owned.
    explicit message_decoder(std::uint32_t max_message_size = default_max_message_size,
                             codec* decompressor = nullptr) noexcept
        : reader_({max_message_size, decompressor != nullptr}), codec_(decompressor) {}

    void set_decompressor(codec* c) noexcept {
        codec_ = c;
        reader_.set_accept_compressed(c != nullptr);
    }
    void set_max_message_size(std::uint32_t n) noexcept { reader_.set_max_message_size(n); }
    std::uint32_t max_message_size() const noexcept { return reader_.settings().max_message_size; }

    /// Back to a fresh decoder for a new stream (no decompressor), keeping
    /// the reassembly and inflation buffers' memory.
    void reset(std::uint32_t max_message_size) {
        reader_.reset();
        reader_.set_max_message_size(max_message_size);
        set_decompressor(nullptr);
        inflated_.clear();
        error_ = status{};
        last_compressed_ = false;
    }

    /// The next chunk of the stream; see message_reader::feed.
    bool feed(bytes_view chunk) noexcept { return reader_.feed(chunk); }

    /// The next message, decompressed. `out` stays valid until the next call
    /// of next(), feed() or finish().
    decode_result next(bytes_view& out) {
        if (!error_.ok()) return decode_result::failed;
        message m;
        switch (reader_.next(m)) {
            case read_status::need_more:
                return decode_result::need_more;
            case read_status::failed:
                return fail(
                    status_of(reader_.error(), reader_.current_prefix(), max_message_size()));
            case read_status::message:
                break;
        }
        last_compressed_ = m.compressed;
        if (!m.compressed) {
            out = m.bytes;
            return decode_result::message;
        }
        inflated_.clear();
        switch (codec_->decompress(m.bytes, max_message_size(), inflated_)) {
            case compress_errc::ok:
                break;
            case compress_errc::too_large:
                return fail({status_code::resource_exhausted,
                             "grpc: received message after decompression larger than max " +
                                 std::to_string(max_message_size())});
            case compress_errc::corrupt:
            case compress_errc::failed:
                return fail({status_code::internal, "grpc: failed to decompress the message (" +
                                                        std::string(codec_->name()) + ")"});
        }
        if (inflated_.size() > max_message_size()) {  // a codec that ignored the limit
            return fail({status_code::resource_exhausted,
                         "grpc: received message after decompression larger than max " +
                             std::to_string(max_message_size())});
        }
        out = inflated_.view();
        return decode_result::message;
    }

    /// END_STREAM: OK, or the error (ended inside a message, or earlier).
    status finish() {
        if (!error_.ok()) return error_;
        if (const rpc::error e = reader_.finish(); e.code != errc::ok)
            error_ = status_of(e, reader_.current_prefix(), max_message_size());
        return error_;
    }

    bool failed() const noexcept { return !error_.ok(); }
    const status& error() const noexcept { return error_; }
    /// The last message next() delivered had Compressed-Flag 1.
    bool last_compressed() const noexcept { return last_compressed_; }
    /// Bytes of the stream consumed so far.
    std::size_t position() const noexcept { return reader_.position(); }
    bool drained() const noexcept { return reader_.drained(); }

  private:
    decode_result fail(status s) {
        error_ = std::move(s);
        return decode_result::failed;
    }

    message_reader reader_;
    codec* codec_ = nullptr;
    wire::buffer inflated_;  // reused: stops allocating at the largest message
    status error_;
    bool last_compressed_ = false;
};

/// Appends one Length-Prefixed-Message to `out`: compressed with
/// `compressor` (flag 1) when it is not null, else as it is (flag 0). Over
/// max_send_size on the wire: RESOURCE_EXHAUSTED, and `out` is unchanged; a
/// compressor failure is INTERNAL.
inline status encode_message(wire::buffer& out, bytes_view msg, codec* compressor = nullptr,
                             std::uint32_t max_send_size = default_max_send_message_size) {
    if (compressor == nullptr && msg.size() > max_send_size) {  // known before copying
        return {status_code::resource_exhausted, "trying to send message larger than max (" +
                                                     std::to_string(msg.size()) + " vs. " +
                                                     std::to_string(max_send_size) + ")"};
    }
    const std::size_t start = out.size();
    encode_prefix(out, {compressor != nullptr, 0});
    if (compressor != nullptr) {
        if (compressor->compress(msg, out) != compress_errc::ok) {
            out.resize(start);
            return {status_code::internal, "grpc: failed to compress the message (" +
                                               std::string(compressor->name()) + ")"};
        }
    } else {
        out.append(msg);
    }
    const std::size_t length = out.size() - start - prefix_size;
    if (length > max_send_size) {
        out.resize(start);
        return {status_code::resource_exhausted, "trying to send message larger than max (" +
                                                     std::to_string(length) + " vs. " +
                                                     std::to_string(max_send_size) + ")"};
    }
    wire::store_be32(out.data() + start + 1, static_cast<std::uint32_t>(length));
    return {};
}

}  // namespace h2pb::rpc
