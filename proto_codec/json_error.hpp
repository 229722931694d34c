// h2pb::proto::json — what a protobuf JSON parser can find wrong with its input.
//
// A json_error names the rule broken (json_errc, with the spec it comes from:
// RFC 8259 for JSON itself, json.md for protobuf's mapping), the octet offset
// into the text where it was noticed, and the JSON path of the value being
// read, e.g. "$.items[3].price". message() puts them together:
//
//   $.items[3].price: expected a number (offset 42)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace h2pb::proto::json {

enum class json_errc : std::uint8_t {
    ok = 0,
    // JSON itself (RFC 8259)
    syntax,               ///< not JSON here: a stray character, a missing ',' ':' '}' ']'
    depth_exceeded,       ///< objects/arrays nested deeper than parse_options::max_depth
    input_too_large,      ///< text longer than parse_options::max_input_size
    invalid_utf8,         ///< a string holds octets that are not UTF-8 (RFC 8259 §8.1)
    bad_escape,           ///< a '\' escape RFC 8259 §7 does not define, or a bad \uXXXX
    lone_surrogate,       ///< \uD800-\uDFFF not forming a surrogate pair (RFC 8259 §7)
    control_character,    ///< an unescaped U+0000..U+001F inside a string (RFC 8259 §7)
    unterminated_string,  ///< the text ends inside a string
    trailing_content,     ///< something other than white space after the value
    // the protobuf mapping (json.md)
    expected_object,
    expected_array,
    expected_string,
    expected_number,  ///< not a number, nor a string holding one
    expected_bool,
    expected_null,
    out_of_range,  ///< a number outside its field type's range (or float's)
    not_integer,   ///< a fraction where an integer is required (1.5 for int32)
    bad_base64,    ///< a bytes value that is not base64 (json.md "bytes" row)
    bad_timestamp,
    bad_duration,
    bad_field_mask,
    unknown_field,
    unknown_enum_value,
    duplicate_field,
    oneof_conflict,
    bad_any,
    unknown_type,
    null_not_allowed,
};

constexpr std::string_view describe(json_errc e) noexcept {
    switch (e) {
        case json_errc::ok:
            return "ok";
        case json_errc::syntax:
            return "JSON syntax error";
        case json_errc::depth_exceeded:
            return "objects and arrays nested deeper than the depth limit";
        case json_errc::input_too_large:
            return "JSON text larger than the size limit";
        case json_errc::invalid_utf8:
            return "string is not valid UTF-8";
        case json_errc::bad_escape:
            return "invalid escape sequence in string";
        case json_errc::lone_surrogate:
            return "UTF-16 surrogate escape without its pair";
        case json_errc::control_character:
            return "unescaped control character in string";
        case json_errc::unterminated_string:
            return "text ends inside a string";
        case json_errc::trailing_content:
            return "unexpected content after the JSON value";
        case json_errc::expected_object:
            return "expected an object";
        case json_errc::expected_array:
            return "expected an array";
        case json_errc::expected_string:
            return "expected a string";
        case json_errc::expected_number:
            return "expected a number";
        case json_errc::expected_bool:
            return "expected true or false";
        case json_errc::expected_null:
            return "expected null";
        case json_errc::out_of_range:
            return "number out of range for its type";
        case json_errc::not_integer:
            return "number is not an integer";
        case json_errc::bad_base64:
            return "bytes value is not base64";
        case json_errc::bad_timestamp:
            return "invalid Timestamp (RFC 3339, "
                   "0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z)";
        case json_errc::bad_duration:
            return "invalid Duration (\"<seconds>[.<fraction>]s\", at most +-315576000000s)";
        case json_errc::bad_field_mask:
            return "invalid FieldMask path";
        case json_errc::unknown_field:
            return "unknown field";
        case json_errc::unknown_enum_value:
            return "unknown enum value";
        case json_errc::duplicate_field:
            return "field given more than once";
        case json_errc::oneof_conflict:
            return "more than one field of a oneof";
        case json_errc::bad_any:
            return "invalid Any";
        case json_errc::unknown_type:
            return "type URL of an unknown message type";
        case json_errc::null_not_allowed:
            return "null is not allowed here";
    }
    return "unknown error";
}

struct json_error {
    json_errc code = json_errc::ok;
    std::size_t offset = 0;  ///< octets from the start of the text
    std::string path;        ///< "$", "$.a[2].b"

    /// True when this is an error.
    explicit operator bool() const noexcept { return code != json_errc::ok; }

    /// "$.items[3].price: expected a number (offset 42)"
    std::string message() const {
        std::string m = path.empty() ? std::string("$") : path;
        m += ": ";
        m += describe(code);
        m += " (offset ";
        m += std::to_string(offset);
        m += ')';
        return m;
    }
};

}  // namespace h2pb::proto::json
