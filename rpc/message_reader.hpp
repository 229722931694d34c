// h2pb::rpc — gRPC message framing: the 5-byte Length-Prefixed-Message.
//
// On an HTTP/2 stream, gRPC sends each message as (PROTOCOL-HTTP2.md):
//
//   Length-Prefixed-Message → Compressed-Flag Message-Length Message
//   Compressed-Flag         → 0 / 1     (1 byte; 1 = compressed with grpc-encoding)
//   Message-Length          → {length of Message}   (4 bytes, big-endian u32)
//   Message                 → *{binary octet}
//
// so { weight: 150, name: "Apple" } (10 bytes of protobuf) travels as
//
//   00 | 00 00 00 0a | 08 96 01 12 05 41 70 70 6c 65
//   flag  length=10    message
//
// HTTP/2 is free to cut the stream into DATA frames anywhere: one message may
// span many frames, one frame may hold many messages, a prefix may be split.
// `message_reader` reassembles messages from chunks of any size. It is sans-IO
// (chunks in, messages out) and works like this:
//
//   rpc::message_reader reader;            // max message size 4 MiB
//   reader.feed(data_frame_payload);       // the chunk must stay valid ...
//   rpc::message m;
//   while (reader.next(m) == rpc::read_status::message)
//       handle(m.bytes, m.compressed);     // ... until next() says need_more
//   if (reader.failed()) reset_stream(reader.error());
//   ...
//   at END_STREAM: if (auto e = reader.finish()) ...   // truncated?
//
// Copies: a message whose bytes are contiguous in the chunk just fed is
// delivered as a view into that chunk (zero copies; `m.contiguous`). Only a
// message split across chunks is copied, once, into a buffer the reader keeps
// and reuses, so a long-lived reader stops allocating once that buffer has
// grown to the largest split message it has seen (bounded by the max message
// size, and grown only as bytes actually arrive, never because a length field
// announced them).
//
// Compression: the reader does not decompress. With `accept_compressed`
// false (the default, no grpc-encoding negotiated) a message with flag 1 is
// the error `compressed_without_encoding`; with it true the message is handed
// over with `compressed` set, for the call layer's decompressor, which applies
// the max message size again to the inflated size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <h2pb/rpc/errc.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>

namespace h2pb::rpc {

using wire::byte;
using wire::bytes_view;

/// Bytes in the prefix: 1 Compressed-Flag + 4 Message-Length.
inline constexpr std::size_t prefix_size = 5;

/// Largest message a reader accepts unless told otherwise: 4 MiB, the default
/// max receive message size of grpc C++ (GRPC_DEFAULT_MAX_RECV_MESSAGE_LENGTH),
/// grpc-go, grpc-java and tonic. It bounds what one stream can make us buffer.
inline constexpr std::uint32_t default_max_message_size = std::uint32_t{4} << 20;

/// The two fields of the prefix.
struct message_prefix {
    bool compressed = false;
    std::uint32_t length = 0;
    friend constexpr bool operator==(const message_prefix&, const message_prefix&) = default;
};

/// Writes the 5-byte prefix at out.
constexpr void encode_prefix(byte* out, message_prefix p) noexcept {
    out[0] = p.compressed ? 1 : 0;
    wire::store_be32(out + 1, p.length);
}

/// Appends the prefix to out.
inline void encode_prefix(wire::buffer& out, message_prefix p) {
    encode_prefix(out.prepare(prefix_size), p);
    out.commit(prefix_size);
}

/// Appends prefix + message to out. A message longer than 2^32-1 bytes cannot
/// be framed: returns false and appends nothing.
[[nodiscard]] inline bool write_message(wire::buffer& out, bytes_view message,
                                        bool compressed = false) {
    if (message.size() > UINT32_MAX) return false;
    encode_prefix(out, {compressed, static_cast<std::uint32_t>(message.size())});
    out.append(message);
    return true;
}

/// Checks and decodes the 5 prefix bytes at p. Only the flag can be wrong
/// here (errc::bad_compressed_flag); limits are the reader's business.
constexpr errc decode_prefix(const byte* p, message_prefix* out) noexcept {
    if (p[0] > 1) return errc::bad_compressed_flag;
    out->compressed = p[0] == 1;
    out->length = wire::load_be32(p + 1);
    return errc::ok;
}

/// Settings of a message_reader. Each is a limit with a safe default.
struct reader_settings {
    /// Largest Message-Length accepted (errc::message_too_large).
    std::uint32_t max_message_size = default_max_message_size;
    /// Hand over messages with Compressed-Flag 1 (true) or reject them with
    /// errc::compressed_without_encoding (false: no grpc-encoding in use).
    bool accept_compressed = false;
};

/// One message out of the stream.
struct message {
    bytes_view bytes;         ///< the Message bytes (prefix excluded)
    bool compressed = false;  ///< Compressed-Flag was 1
    std::size_t offset = 0;   ///< stream offset of the prefix's first byte
    /// true: `bytes` points into the chunk passed to feed() (no copy);
    /// false: into the reader's reassembly buffer, valid until the next call
    /// of next(), feed() or finish().
    bool contiguous = true;
};

enum class read_status : std::uint8_t {
    message,    ///< a message was stored in the out parameter; call next() again
    need_more,  ///< the fed chunk is used up; feed() the next one
    failed,     ///< the stream broke a rule; error() says which and where
};

/// Reassembles gRPC messages from a byte stream fed in chunks.
///
/// The inbound parser is an explicit state machine:
///
///   state    input                      action                           next state
///   prefix   first prefix byte          flag not 0/1: bad_compressed_flag   failed
///   prefix   5th prefix byte            flag 1 and !accept_compressed:
///                                         compressed_without_encoding     failed
///                                       length > max_message_size:
///                                         message_too_large               failed
///                                       whole message in this chunk:
///                                         deliver a view (no copy)        prefix
///                                       otherwise copy what is here       body
///   body     message bytes              copy; when length reached,
///                                         deliver the buffer              prefix
///   failed   anything                   nothing (the stream is broken)  failed
///
/// A prefix split across chunks is gathered in a 5-byte array; a message
/// whose body starts in a later chunk than its prefix is still delivered
/// without a copy when that chunk holds all of it.
class message_reader {
  public:
    enum class state : std::uint8_t { prefix, body, failed };

    explicit message_reader(reader_settings settings = {}) noexcept : settings_(settings) {}

    const reader_settings& settings() const noexcept { return settings_; }
    void set_max_message_size(std::uint32_t n) noexcept { settings_.max_message_size = n; }
    void set_accept_compressed(bool yes) noexcept { settings_.accept_compressed = yes; }

    /// Hands the reader the next chunk of the stream (for instance a DATA
    /// frame's payload). The chunk must stay valid until next() returns
    /// need_more. Feeding while the previous chunk is not used up is refused
    /// (returns false, nothing changes): drain with next() first.
    bool feed(bytes_view chunk) noexcept {
        if (!drained()) return false;
        base_ += static_cast<std::size_t>(end_ - begin_);
        begin_ = pos_ = chunk.data();
        end_ = chunk.data() + chunk.size();
        return true;
    }

    /// Produces the next message, if the bytes fed so far complete one.
    read_status next(message& out) {
        switch (state_) {
            case state::failed:
                return read_status::failed;
            case state::prefix:
                return read_prefix(out);
            case state::body:
                return read_body(out);
        }
        return read_status::failed;
    }

    /// The stream has ended (END_STREAM). Returns an error when it ended in the
    /// middle of a prefix or a message (the reader then fails), or the error
    /// that already stopped the reader. Call after next() returned need_more.
    rpc::error finish() noexcept {
        if (state_ == state::prefix && have_ != 0) return fail(errc::truncated_prefix, position());
        if (state_ == state::body) return fail(errc::truncated_message, position());
        return error_;
    }

    /// Forgets everything (keeps the buffer's memory and the settings).
    void reset() noexcept {
        state_ = state::prefix;
        error_ = {};
        begin_ = pos_ = end_ = nullptr;
        base_ = 0;
        have_ = 0;
        body_.clear();
    }

    state current_state() const noexcept { return state_; }
    bool failed() const noexcept { return state_ == state::failed; }
    const rpc::error& error() const noexcept { return error_; }
    /// Stream offset of the next byte to be read (= bytes consumed so far).
    std::size_t position() const noexcept {
        return base_ + static_cast<std::size_t>(pos_ - begin_);
    }
    /// True when every byte fed has been consumed.
    bool drained() const noexcept { return pos_ == end_ || state_ == state::failed; }
    /// The prefix of the message being read, or of the last one read: after
    /// errc::message_too_large, the Message-Length that was too large.
    const message_prefix& current_prefix() const noexcept { return prefix_value_; }
    /// Capacity of the reassembly buffer (for tests and memory accounting).
    std::size_t buffer_capacity() const noexcept { return body_.capacity(); }

  private:
    std::size_t avail() const noexcept { return static_cast<std::size_t>(end_ - pos_); }

    read_status read_prefix(message& out) {
        const byte* p = nullptr;
        if (have_ == 0 && avail() >= prefix_size) {
            // Common case: the whole prefix is in this chunk; read it in place.
            msg_offset_ = position();
            p = pos_;
            pos_ += prefix_size;
        } else {
            if (avail() == 0) return read_status::need_more;
            if (have_ == 0) msg_offset_ = position();
            const std::size_t take = std::min(prefix_size - have_, avail());
            std::copy_n(pos_, take, prefix_ + have_);
            pos_ += take;
            have_ += take;
            // Reject a bad flag as soon as it arrives, not five bytes later.
            if (prefix_[0] > 1) return fail_status(errc::bad_compressed_flag, msg_offset_);
            if (have_ < prefix_size) return read_status::need_more;
            have_ = 0;
            p = prefix_;
        }
        if (const errc e = decode_prefix(p, &prefix_value_); e != errc::ok)
            return fail_status(e, msg_offset_);
        if (prefix_value_.compressed && !settings_.accept_compressed)
            return fail_status(errc::compressed_without_encoding, msg_offset_);
        if (prefix_value_.length > settings_.max_message_size)
            return fail_status(errc::message_too_large, msg_offset_ + 1);
        body_.clear();
        state_ = state::body;
        return read_body(out);
    }

    read_status read_body(message& out) {
        const std::size_t length = prefix_value_.length;
        if (body_.empty() && avail() >= length) {
            // The whole message is contiguous in the chunk: deliver a view.
            out = message{{pos_, length}, prefix_value_.compressed, msg_offset_, true};
            pos_ += length;
            state_ = state::prefix;
            return read_status::message;
        }
        const std::size_t take = std::min(length - body_.size(), avail());
        body_.append(bytes_view{pos_, take});
        pos_ += take;
        if (body_.size() < length) return read_status::need_more;
        out = message{body_.view(), prefix_value_.compressed, msg_offset_, false};
        state_ = state::prefix;
        return read_status::message;
    }

    rpc::error fail(errc code, std::size_t at) noexcept {
        if (state_ != state::failed) {
            error_ = {code, at};
            state_ = state::failed;
        }
        return error_;
    }
    read_status fail_status(errc code, std::size_t at) noexcept {
        fail(code, at);
        return read_status::failed;
    }

    reader_settings settings_;
    state state_ = state::prefix;
    rpc::error error_{};

    const byte* begin_ = nullptr;  // current chunk
    const byte* pos_ = nullptr;
    const byte* end_ = nullptr;
    std::size_t base_ = 0;  // stream offset of begin_

    byte prefix_[prefix_size] = {};  // a prefix split across chunks
    std::size_t have_ = 0;           // bytes of it gathered
    message_prefix prefix_value_{};  // the prefix of the message being read
    std::size_t msg_offset_ = 0;     // its stream offset
    wire::buffer body_;              // a split message's bytes
};

/// Reads a whole stream held in one piece: calls on_message(const message&)
/// for each message, then finish(). Returns the first error (code ok if none).
template <class OnMessage>
rpc::error read_messages(bytes_view stream, OnMessage&& on_message, reader_settings settings = {}) {
    message_reader reader(settings);
    reader.feed(stream);
    message m;
    read_status s;
    while ((s = reader.next(m)) == read_status::message) on_message(m);
    if (s == read_status::failed) return reader.error();
    return reader.finish();
}

}  // namespace h2pb::rpc
