// h2pb::proto — a schema-free reader of protobuf fields.
//
// field_reader walks the fields of one message and says, for each, where it
// is (byte offsets), what its tag was, and its raw value. It knows nothing of
// .proto schemas: it is what `protoc --decode_raw`, unknown-field skipping and
// the `h2pb decode` tool are built on.
//
//   proto::field_reader r(bytes);
//   proto::field f;
//   while (r.next(f)) { ... f.number, f.type, f.varint / f.payload ... }
//   if (r.error()) report(r.error());   // code + offset
//
// Groups (SGROUP ... EGROUP) are returned as one field whose `payload` is the
// body between the two tags; nested groups are matched with a depth limit.
#pragma once

#include <cstddef>
#include <cstdint>

#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/limits.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::proto {

using wire::byte;
using wire::bytes_view;

/// One field as it sits on the wire.
struct field {
    std::uint32_t number = 0;
    wire_type type = wire_type::varint;
    std::size_t offset = 0;    ///< absolute offset of the tag's first byte
    std::size_t tag_size = 0;  ///< bytes in the tag varint
    std::size_t value_offset =
        0;  ///< absolute offset of the value (LEN: of the payload, after the length)
    std::uint64_t value = 0;  ///< VARINT: the value; I32/I64: the raw bits; LEN: the length
    bytes_view payload;       ///< LEN: the payload; SGROUP: the body up to the EGROUP tag
    bytes_view raw;           ///< the whole field, tag included (groups: through the EGROUP tag)
};

/// Where a varint at p that failed with e broke its rule: the 10th byte for
/// an over-long or overflowing varint, p when the input ends inside it (the
/// same position proto_codec/decode.hpp reports: wire::varint_error_at).
constexpr const byte* varint_error_at(const byte* p, errc e) noexcept {
    return e == errc::varint_too_long || e == errc::varint_overflow
               ? p + (wire::max_varint_size - 1)
               : p;
}

/// Parses a tag at p. On success stores field number and wire type and
/// returns the position after it; on failure returns nullptr and sets *err.
inline const byte* parse_tag(const byte* p, const byte* end, std::uint32_t* number, wire_type* type,
                             errc* err) noexcept {
    std::uint64_t tag = 0;
    const byte* next = wire::parse_varint(p, end, &tag);
    if (next == nullptr) {
        *err = from_wire(wire::varint_error(p, end));
        return nullptr;
    }
    const std::uint8_t wt = tag_wire_type(tag);
    if (wt > 5) {
        *err = errc::invalid_wire_type;
        return nullptr;
    }
    const std::uint64_t fn = tag >> 3;
    if (fn == 0) {
        *err = errc::field_number_zero;
        return nullptr;
    }
    if (fn > max_field_number) {
        *err = errc::field_number_too_large;
        return nullptr;
    }
    *number = static_cast<std::uint32_t>(fn);
    *type = static_cast<wire_type>(wt);
    return next;
}

/// Skips the value of a field whose tag (number, type) has just been read,
/// starting at p. For SGROUP it skips through the matching EGROUP, following
/// nested groups up to `depth_left` levels. Returns the position after the
/// value, or nullptr with *err and *err_at (where the rule broke) set.
/// For SGROUP, *end_tag (when given) receives where the EGROUP tag starts.
/// An EGROUP tag here has no open group: errc::unexpected_end_group.
inline const byte* skip_value(const byte* p, const byte* end, std::uint32_t number, wire_type type,
                              std::size_t depth_left, errc* err, const byte** err_at,
                              const byte** end_tag = nullptr) noexcept {
    switch (type) {
        case wire_type::varint: {
            std::uint64_t v = 0;
            const byte* next = wire::parse_varint(p, end, &v);
            if (next == nullptr) {
                *err = from_wire(wire::varint_error(p, end));
                *err_at = varint_error_at(p, *err);
            }
            return next;
        }
        case wire_type::i64:
            if (end - p < 8) {
                *err = errc::truncated;
                *err_at = p;
                return nullptr;
            }
            return p + 8;
        case wire_type::i32:
            if (end - p < 4) {
                *err = errc::truncated;
                *err_at = p;
                return nullptr;
            }
            return p + 4;
        case wire_type::len: {
            std::uint64_t n = 0;
            const byte* body = wire::parse_varint(p, end, &n);
            if (body == nullptr) {
                *err = from_wire(wire::varint_error(p, end));
                *err_at = varint_error_at(p, *err);
                return nullptr;
            }
            if (n > static_cast<std::uint64_t>(end - body)) {
                *err = errc::length_exceeds_input;
                *err_at = p;
                return nullptr;
            }
            return body + n;
        }
        case wire_type::sgroup: {
            if (depth_left == 0) {
                *err = errc::depth_limit_exceeded;
                *err_at = p;
                return nullptr;
            }
            while (true) {
                if (p == end) {
                    *err = errc::unterminated_group;
                    *err_at = p;
                    return nullptr;
                }
                std::uint32_t inner_number = 0;
                wire_type inner_type{};
                const byte* tag_at = p;
                p = parse_tag(p, end, &inner_number, &inner_type, err);
                if (p == nullptr) {
                    *err_at = varint_error_at(tag_at, *err);
                    return nullptr;
                }
                if (inner_type == wire_type::egroup) {
                    if (inner_number != number) {
                        *err = errc::end_group_mismatch;
                        *err_at = tag_at;
                        return nullptr;
                    }
                    if (end_tag != nullptr) *end_tag = tag_at;
                    return p;
                }
                p = skip_value(p, end, inner_number, inner_type, depth_left - 1, err, err_at);
                if (p == nullptr) return nullptr;
            }
        }
        case wire_type::egroup:
            *err = errc::unexpected_end_group;
            *err_at = p;
            return nullptr;
    }
    *err = errc::invalid_wire_type;
    *err_at = p;
    return nullptr;
}

class field_reader {
  public:
    /// `base` is the absolute offset of msg[0] (for nested messages);
    /// `depth` how deep this message already is (groups count against the
    /// remaining limits.max_depth).
    explicit field_reader(bytes_view msg, std::size_t base = 0, decode_limits limits = {},
                          std::size_t depth = 0) noexcept
        : begin_(msg.data()),
          pos_(msg.data()),
          end_(msg.data() + msg.size()),
          base_(base),
          limits_(limits),
          depth_(depth) {
        if (msg.size() > limits.max_message_size) {
            error_ = {errc::message_too_large, base};
            pos_ = end_;
        }
    }

    /// Reads the next field into f. Returns false at the end of the message
    /// or on an error (then error() is set and the reader stays stopped).
    bool next(field& f) noexcept {
        if (pos_ == end_ || error_) return false;
        const byte* start = pos_;
        errc err = errc::ok;
        const byte* p = parse_tag(pos_, end_, &f.number, &f.type, &err);
        if (p == nullptr) return fail(err, varint_error_at(start, err));
        f.offset = offset_of(start);
        f.tag_size = static_cast<std::size_t>(p - start);
        f.value_offset = offset_of(p);
        f.value = 0;
        f.payload = {};
        switch (f.type) {
            case wire_type::varint:
                p = wire::parse_varint(p, end_, &f.value);
                if (p == nullptr) {
                    const errc e = from_wire(wire::varint_error(start + f.tag_size, end_));
                    return fail(e, varint_error_at(start + f.tag_size, e));
                }
                break;
            case wire_type::i64:
                if (end_ - p < 8) return fail(errc::truncated, p);
                f.value = wire::load_le64(p);
                p += 8;
                break;
            case wire_type::i32:
                if (end_ - p < 4) return fail(errc::truncated, p);
                f.value = wire::load_le32(p);
                p += 4;
                break;
            case wire_type::len: {
                const byte* len_at = p;
                p = wire::parse_varint(p, end_, &f.value);
                if (p == nullptr) {
                    const errc e = from_wire(wire::varint_error(len_at, end_));
                    return fail(e, varint_error_at(len_at, e));
                }
                if (f.value > static_cast<std::uint64_t>(end_ - p))
                    return fail(errc::length_exceeds_input, len_at);
                f.value_offset = offset_of(p);
                f.payload = {p, static_cast<std::size_t>(f.value)};
                p += f.value;
                break;
            }
            case wire_type::sgroup: {
                const byte* body = p;
                const std::size_t depth_left =
                    limits_.max_depth > depth_ ? limits_.max_depth - depth_ : 0;
                const byte* err_at = p;
                const byte* end_tag = p;
                p = skip_value(p, end_, f.number, f.type, depth_left, &err, &err_at, &end_tag);
                if (p == nullptr) return fail(err, err_at);
                f.payload = {body, static_cast<std::size_t>(end_tag - body)};
                break;
            }
            case wire_type::egroup:
                return fail(errc::unexpected_end_group, start);
        }
        f.raw = {start, static_cast<std::size_t>(p - start)};
        pos_ = p;
        return true;
    }

    /// The error that stopped the reader (code ok if none).
    const proto::error& error() const noexcept { return error_; }
    /// Absolute offset of the next unread byte.
    std::size_t position() const noexcept { return offset_of(pos_); }
    std::size_t depth() const noexcept { return depth_; }
    const decode_limits& limits() const noexcept { return limits_; }

  private:
    std::size_t offset_of(const byte* p) const noexcept {
        return base_ + static_cast<std::size_t>(p - begin_);
    }
    bool fail(errc code, const byte* at) noexcept {
        error_ = {code, offset_of(at)};
        pos_ = end_;
        return false;
    }

    const byte* begin_;
    const byte* pos_;
    const byte* end_;
    std::size_t base_;
    decode_limits limits_;
    std::size_t depth_;
    proto::error error_{};
};

}  // namespace h2pb::proto
