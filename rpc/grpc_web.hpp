// h2pb::rpc — gRPC-Web framing (PROTOCOL-WEB.md), sans-IO.
//
// gRPC-Web is gRPC for clients that cannot read HTTP trailers (browsers):
// the same 5-byte length-prefixed messages, and the status that native gRPC
// sends as HTTP/2 trailers sent instead as one last length-prefixed frame in
// the body whose flag byte has its MSB set (PROTOCOL-WEB.md, "Message
// framing"): 0x80 an uncompressed trailer, 0x81 a compressed one. The
// trailer frame's payload is an HTTP/1 header block without the final empty
// line, names in lower case:
//
//   80 00 00 00 10  "grpc-status: 0\r\n"      (16 octets after the prefix)
//
// "application/grpc-web-text" is the same byte stream in base64, and the
// sender may flush (and pad) it at any point, so a reader must accept
// "AAAAAAU=" "AAAAAAA..." — padded segments one after another
// ("Text-encoded (response) streams": "the client library should not
// assume base64 padding always happens at the boundary of message frames").
//
// This header has the pieces; the server (rpc/asio/server.hpp) and the
// client (`h2pb call --web`) drive them:
//
//   web::classify(content_type)       -> none | binary | text | unsupported
//   web::text_decoder d;  d.feed(text, out)  // base64 -> bytes, any split
//   web::append_trailer_frame(fields, out)   // the 0x80 frame of Trailers
//   web::append_text(frame, out)             // base64 (padded) of one flush
//   web::response_parser p(kind);  p.feed(body piece); p.next(ev)
//                                  // messages, then the trailer fields
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/hpack/field.hpp>
#include <h2pb/rpc/message_reader.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/wire/base64.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>

namespace h2pb::rpc::web {

// ---------------------------------------------------------------- content type

/// What a content-type says about a request.
enum class content_kind : std::uint8_t {
    none,         ///< not gRPC-Web at all (maybe native gRPC)
    binary,       ///< application/grpc-web[+proto]
    text,         ///< application/grpc-web-text[+proto]: the body is base64
    unsupported,  ///< gRPC-Web with a message format we do not speak (+json, +thrift)
};

inline constexpr std::string_view binary_content_type = "application/grpc-web+proto";
inline constexpr std::string_view text_content_type = "application/grpc-web-text+proto";

/// Classifies a content-type. PROTOCOL-WEB.md, "Content-Type": the format
/// after '+' is the message format, "+proto" when missing. Parameters after
/// ';' are ignored (as is_grpc_content_type does for native gRPC).
constexpr content_kind classify(std::string_view content_type) noexcept {
    constexpr std::string_view base = "application/grpc-web";
    if (!content_type.starts_with(base)) return content_kind::none;
    std::string_view rest = content_type.substr(base.size());
    rest = rest.substr(0, rest.find(';'));
    content_kind kind = content_kind::binary;
    if (rest.starts_with("-text")) {
        kind = content_kind::text;
        rest.remove_prefix(5);
    }
    if (rest.empty() || rest == "+proto") return kind;
    if (rest.starts_with('+')) return content_kind::unsupported;
    return content_kind::none;  // "application/grpc-webx": not ours
}

// ---------------------------------------------------------------- base64 text

/// Errors of the text decoder (base64 rules of RFC 4648 §4, per segment).
enum class text_errc : std::uint8_t {
    ok = 0,
    bad_char,     ///< an octet outside the standard alphabet (white space included)
    bad_padding,  ///< '=' where it cannot complete a quantum, or a character after "x=" in it
    truncated,    ///< the text ended inside a quantum that cannot be completed (1 char, or "xx=")
};

constexpr std::string_view describe(text_errc e) noexcept {
    switch (e) {
        case text_errc::ok:
            return "ok";
        case text_errc::bad_char:
            return "character outside the base64 alphabet in a grpc-web-text body";
        case text_errc::bad_padding:
            return "misplaced base64 padding in a grpc-web-text body";
        case text_errc::truncated:
            return "grpc-web-text body ends inside a base64 quantum";
    }
    return "unknown error";
}

/// Incremental base64 decoder for grpc-web-text bodies: the text may be cut
/// anywhere (across DATA frames) and may be several padded encodings one
/// after another. Each 4-character quantum decodes to 3 octets, or to 1 or 2
/// when it ends in "==" or "=" (a segment ends there and the next quantum
/// starts a new one). The last quantum may also be unpadded (2 or 3
/// characters) at the very end, which finish() accepts, as rpc/base64.hpp
/// does for binary metadata.
class text_decoder {
  public:
    /// Decodes `text` and appends the octets to `out`. On an error, `out`
    /// holds what the text decoded to before the bad character; error() and
    /// error_offset() say what and where, and every later call fails.
    template <class Out>
    text_errc feed(std::string_view text, Out& out) {
        if (err_ != text_errc::ok) return err_;
        const auto& table = wire::detail::base64_values_standard;
        for (std::size_t i = 0; i < text.size(); ++i, ++offset_) {
            const char c = text[i];
            if (c == '=') {
                // Padding: only in place of the 3rd or 4th character, and
                // "x=" must be followed by '=' (RFC 4648 §4: "==" or "=").
                if (n_ < 2) return fail(text_errc::bad_padding);
                ++pad_;
                q_[n_++] = 0;
                if (n_ == 4) flush(out);
                continue;
            }
            const std::uint8_t v = table[static_cast<std::uint8_t>(c)];
            if (v == 0xFF) return fail(text_errc::bad_char);
            if (pad_ != 0) return fail(text_errc::bad_padding);  // "xx=y"
            q_[n_++] = v;
            if (n_ == 4) flush(out);
        }
        return text_errc::ok;
    }

    /// The end of the text: decodes an unpadded last quantum of 2 or 3
    /// characters; 1 character, or a quantum with only some of its padding
    /// ("xx="), is truncated.
    template <class Out>
    text_errc finish(Out& out) {
        if (err_ != text_errc::ok) return err_;
        if (n_ == 0) return text_errc::ok;
        if (n_ == 1 || pad_ != 0) return fail(text_errc::truncated);
        const std::size_t octets = n_ - 1;
        for (std::size_t i = n_; i < 4; ++i) q_[i] = 0;
        n_ = 4;
        pad_ = static_cast<std::uint8_t>(3 - octets);
        flush(out);
        return text_errc::ok;
    }

    text_errc error() const noexcept { return err_; }
    /// Offset in the whole text of the character that failed.
    std::uint64_t error_offset() const noexcept { return offset_; }
    /// Characters read so far.
    std::uint64_t consumed() const noexcept { return offset_; }
    /// Back to the start of a new text.
    void reset() noexcept { *this = text_decoder{}; }

  private:
    text_errc fail(text_errc e) noexcept {
        err_ = e;
        return e;
    }
    template <class Out>
    void flush(Out& out) {
        const std::uint32_t v = (std::uint32_t{q_[0]} << 18) | (std::uint32_t{q_[1]} << 12) |
                                (std::uint32_t{q_[2]} << 6) | q_[3];
        const char octets[3] = {static_cast<char>(v >> 16), static_cast<char>((v >> 8) & 0xFF),
                                static_cast<char>(v & 0xFF)};
        out.append(std::string_view(octets, 3 - pad_));
        n_ = 0;
        pad_ = 0;
    }

    std::uint8_t q_[4] = {};
    std::uint8_t n_ = 0;    ///< characters of the current quantum
    std::uint8_t pad_ = 0;  ///< '=' among them
    text_errc err_ = text_errc::ok;
    std::uint64_t offset_ = 0;
};

/// Appends the padded base64 of one flush of the response (a message
/// frame, the trailer frame) to `out`: the server encodes every write on its
/// own ("the server runtime will always base64-encode and flush gRPC
/// messages atomically").
inline void append_text(wire::bytes_view flush, std::string& out) {
    wire::base64_encode(flush, out, {.alphabet = wire::base64_alphabet::standard, .pad = true});
}

// ---------------------------------------------------------------- trailers

/// Flag byte of the trailer frame: MSB set (PROTOCOL-WEB.md "Message
/// framing": 10000000b an uncompressed trailer, 10000001b a compressed one).
inline constexpr std::uint8_t trailer_flag = 0x80;
inline constexpr std::uint8_t compressed_flag = 0x01;

/// Octets of the trailer block of `fields`: "name: value\r\n" each.
inline std::size_t trailer_block_size(std::span<const hpack::field> fields) noexcept {
    std::size_t n = 0;
    for (const auto& f : fields) n += f.name.size() + 2 + f.value.size() + 2;
    return n;
}

/// Appends the trailer frame of `fields` (grpc-status, grpc-message, ...
/// as rpc::build_trailers makes them; pseudo-header fields skipped) to
/// `out`: 0x80, the 4-byte big-endian length, then "name: value\r\n" per
/// field. Names are lower case already: HPACK field names must be (RFC 9113
/// §8.2.1), and build_trailers makes them so.
template <class Out>
void append_trailer_frame(std::span<const hpack::field> fields, Out& out) {
    std::size_t n = 0;
    for (const auto& f : fields)
        if (!f.name.starts_with(':')) n += f.name.size() + 2 + f.value.size() + 2;
    wire::byte prefix[prefix_size] = {trailer_flag};
    wire::store_be32(prefix + 1, static_cast<std::uint32_t>(n));
    auto put = [&](std::string_view s) { out.append(s); };
    put(std::string_view(reinterpret_cast<const char*>(prefix), prefix_size));
    for (const auto& f : fields) {
        if (f.name.starts_with(':')) continue;
        put(f.name);
        put(": ");
        put(f.value);
        put("\r\n");
    }
}

// ---------------------------------------------------------------- client side

/// Limits of response parsing.
struct response_limits {
    /// Largest message frame payload (RESOURCE_EXHAUSTED-like error above):
    /// the same 4 MiB default as native gRPC's receive limit.
    std::uint32_t max_message_size = default_max_message_size;
    /// Largest trailer frame payload: the trailers are metadata, so the 8
    /// KiB that bounds a native header list (metadata.hpp) bounds them too.
    std::uint32_t max_trailer_size = static_cast<std::uint32_t>(default_max_metadata_size);
    /// Most trailer lines (a block of empty-valued fields is small in octets
    /// but each costs a vector entry).
    std::size_t max_trailer_fields = 256;
};

enum class parse_errc : std::uint8_t {
    ok = 0,
    bad_text,             ///< the base64 of a -text body is broken (text_error())
    bad_flag,             ///< a flag byte other than 0, 1 (message) or 0x80 (trailers)
    compressed_trailers,  ///< 0x81: we never ask for compression of trailers
    message_too_large,    ///< a message frame above max_message_size
    trailers_too_large,   ///< a trailer frame above max_trailer_size or max_trailer_fields
    bad_trailer_line,     ///< a trailer line without ':' or with an empty name
    data_after_trailers,  ///< anything after the trailer frame (PROTOCOL-WEB.md: trailers are last)
    truncated,            ///< the body ended inside a frame
};

constexpr std::string_view describe(parse_errc e) noexcept {
    switch (e) {
        case parse_errc::ok:
            return "ok";
        case parse_errc::bad_text:
            return "bad base64 in a grpc-web-text response";
        case parse_errc::bad_flag:
            return "gRPC-Web frame with an unknown flag byte";
        case parse_errc::compressed_trailers:
            return "compressed gRPC-Web trailer frame";
        case parse_errc::message_too_large:
            return "gRPC-Web message frame larger than the limit";
        case parse_errc::trailers_too_large:
            return "gRPC-Web trailer frame larger than the limit";
        case parse_errc::bad_trailer_line:
            return "malformed line in the gRPC-Web trailer frame";
        case parse_errc::data_after_trailers:
            return "data after the gRPC-Web trailer frame";
        case parse_errc::truncated:
            return "gRPC-Web response body ends inside a frame";
    }
    return "unknown error";
}

/// Parses a gRPC-Web response body fed in pieces split anywhere:
///
///   web::response_parser p(web::content_kind::text);
///   p.feed(piece);                      // each DATA payload
///   web::response_parser::event ev;
///   while (p.next(ev) == web::response_parser::result::message) use(ev.message);
///   ... result::trailers: p.trailers() (hpack::field views, lower-case names,
///   usable with rpc::parse_trailers); result::need_more: feed more
///   p.finish();  then next() again     // at END_STREAM: a cut frame fails (truncated)
class response_parser {
  public:
    enum class result : std::uint8_t { message, trailers, need_more, failed };
    struct event {
        wire::bytes_view message;  ///< valid until the next feed()/next()
        bool compressed = false;   ///< flag bit 0: the payload is compressed (grpc-encoding)
    };

    explicit response_parser(content_kind kind = content_kind::binary, response_limits l = {})
        : text_(kind == content_kind::text), limits_(l) {}

    /// The next piece of the body (copied; text is decoded here).
    parse_errc feed(wire::bytes_view piece) {
        if (err_ != parse_errc::ok) return err_;
        compact();
        if (text_) {
            if (dec_.feed(wire::as_chars(piece), buf_) != text_errc::ok)
                return err_ = parse_errc::bad_text;
        } else {
            buf_.append(wire::as_chars(piece));
        }
        return parse_errc::ok;
    }

    result next(event& ev) {
        if (err_ != parse_errc::ok) return result::failed;
        const std::size_t avail = buf_.size() - pos_;
        if (avail == 0) return result::need_more;
        if (got_trailers_) return fail(parse_errc::data_after_trailers);
        const auto* p = reinterpret_cast<const wire::byte*>(buf_.data() + pos_);
        const std::uint8_t flag = p[0];
        // Reject a bad flag as soon as it arrives.
        if (flag & trailer_flag) {
            if (flag & compressed_flag) return fail(parse_errc::compressed_trailers);
            if (flag != trailer_flag) return fail(parse_errc::bad_flag);
        } else if (flag > compressed_flag) {
            return fail(parse_errc::bad_flag);
        }
        if (avail < prefix_size) return more();
        const std::uint32_t len = wire::load_be32(p + 1);
        const bool trailer = flag == trailer_flag;
        if (trailer && len > limits_.max_trailer_size) return fail(parse_errc::trailers_too_large);
        if (!trailer && len > limits_.max_message_size) return fail(parse_errc::message_too_large);
        if (avail - prefix_size < len) return more();
        const std::string_view payload(buf_.data() + pos_ + prefix_size, len);
        pos_ += prefix_size + len;
        if (!trailer) {
            ev.message = wire::as_bytes(payload);
            ev.compressed = flag == compressed_flag;
            return result::message;
        }
        got_trailers_ = true;
        if (parse_errc e = parse_trailer_block(payload); e != parse_errc::ok) return fail(e);
        return result::trailers;
    }

    /// The end of the body (END_STREAM): decodes an unpadded text tail.
    /// Then next() until need_more (a clean end) or failed (truncated: the
    /// body ended inside a frame).
    parse_errc finish() {
        if (err_ != parse_errc::ok) return err_;
        ended_ = true;
        compact();
        if (text_ && dec_.finish(buf_) != text_errc::ok) return err_ = parse_errc::bad_text;
        return parse_errc::ok;
    }

    /// The trailer fields (after result::trailers), pointing into this parser.
    std::span<const hpack::field> trailers() const noexcept { return fields_; }
    bool has_trailers() const noexcept { return got_trailers_; }
    parse_errc error() const noexcept { return err_; }
    text_errc text_error() const noexcept { return dec_.error(); }

  private:
    result fail(parse_errc e) {
        err_ = e;
        return result::failed;
    }
    /// A frame is incomplete: wait for more, unless the body has ended.
    result more() { return ended_ ? fail(parse_errc::truncated) : result::need_more; }

    /// Drops what next() has consumed, keeping the memory.
    void compact() {
        if (pos_ == 0) return;
        buf_.erase(0, pos_);
        pos_ = 0;
    }

    static std::string_view trim(std::string_view s) noexcept {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    }

    /// "name: value" lines separated by CRLF (RFC 7230 §3.2; the last CRLF
    /// optional, empty lines skipped). Names are lower-cased: the spec
    /// requires lower case of the sender, and a reader that folds case loses
    /// nothing.
    parse_errc parse_trailer_block(std::string_view block) {
        trailer_text_.assign(block);
        fields_.clear();
        std::string_view rest = trailer_text_;
        char* base = trailer_text_.data();
        while (!rest.empty()) {
            std::size_t end = rest.find("\r\n");
            std::string_view line = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
            if (line.empty()) continue;
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return parse_errc::bad_trailer_line;
            std::string_view name = line.substr(0, colon);
            if (trim(name).size() != name.size()) return parse_errc::bad_trailer_line;
            char* n = base + (name.data() - trailer_text_.data());
            for (std::size_t i = 0; i < name.size(); ++i)
                if (n[i] >= 'A' && n[i] <= 'Z') n[i] = static_cast<char>(n[i] - 'A' + 'a');
            if (fields_.size() == limits_.max_trailer_fields) return parse_errc::trailers_too_large;
            fields_.push_back({name, trim(line.substr(colon + 1))});
        }
        return parse_errc::ok;
    }

    bool text_;
    response_limits limits_;
    text_decoder dec_;
    std::string buf_;  ///< decoded body not yet consumed, from pos_
    std::size_t pos_ = 0;
    bool got_trailers_ = false;
    bool ended_ = false;
    std::string trailer_text_;
    std::vector<hpack::field> fields_;
    parse_errc err_ = parse_errc::ok;
};

}  // namespace h2pb::rpc::web
