// h2pb::proto — what a protobuf decoder can find wrong with its input.
//
// Every decode in proto_codec returns `proto::error` (code + byte offset); the
// codes name the rule from the encoding guide
// (https://protobuf.dev/programming-guides/encoding/) that the bytes broke.
#pragma once

#include <cstdint>
#include <string_view>

#include <h2pb/wire/error.hpp>

namespace h2pb::proto {

enum class errc : std::uint8_t {
    ok = 0,
    truncated,               ///< input ends inside a tag or a value
    varint_too_long,         ///< a varint continues past 10 bytes
    varint_overflow,         ///< a varint's 10th byte is above 1
    field_number_zero,       ///< tag with field number 0
    field_number_too_large,  ///< field number above 2^29-1
    invalid_wire_type,       ///< wire type 6 or 7
    length_exceeds_input,    ///< a length prefix runs past the end of its message
    unexpected_end_group,    ///< EGROUP with no open group
    end_group_mismatch,      ///< EGROUP whose field number differs from its SGROUP
    unterminated_group,      ///< input ends inside a group
    depth_limit_exceeded,    ///< nesting deeper than decode_limits::max_depth
    message_too_large,       ///< input larger than decode_limits::max_message_size
    invalid_utf8,            ///< a proto3 string field holds invalid UTF-8
    bad_packed_length,       ///< packed fixed-width payload not a multiple of its width
    missing_required_field,  ///< a proto2 required field is absent
};

constexpr std::string_view describe(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::truncated:
            return "input ends inside a tag or value";
        case errc::varint_too_long:
            return "varint longer than 10 bytes";
        case errc::varint_overflow:
            return "varint's 10th byte carries more than one bit";
        case errc::field_number_zero:
            return "field number 0 is not allowed";
        case errc::field_number_too_large:
            return "field number above 2^29-1 (536870911)";
        case errc::invalid_wire_type:
            return "wire type 6 or 7 does not exist";
        case errc::length_exceeds_input:
            return "length prefix runs past the end of the message";
        case errc::unexpected_end_group:
            return "end-group tag without a matching start-group";
        case errc::end_group_mismatch:
            return "end-group tag's field number differs from its start-group";
        case errc::unterminated_group:
            return "input ends inside a group (no end-group tag)";
        case errc::depth_limit_exceeded:
            return "messages nested deeper than the depth limit";
        case errc::message_too_large:
            return "message larger than the size limit";
        case errc::invalid_utf8:
            return "string field is not valid UTF-8";
        case errc::bad_packed_length:
            return "packed fixed-width field length is not a multiple of its width";
        case errc::missing_required_field:
            return "required field is missing";
    }
    return "unknown error";
}

using error = wire::basic_error<errc>;

/// Maps a wire-level varint error to its protobuf counterpart.
constexpr errc from_wire(wire::errc e) noexcept {
    switch (e) {
        case wire::errc::ok:
            return errc::ok;
        case wire::errc::truncated:
            return errc::truncated;
        case wire::errc::varint_too_long:
            return errc::varint_too_long;
        case wire::errc::varint_overflow:
            return errc::varint_overflow;
        case wire::errc::length_too_large:
            return errc::length_exceeds_input;
    }
    return errc::truncated;
}

}  // namespace h2pb::proto
