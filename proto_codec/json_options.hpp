// h2pb::proto::json — the options of protobuf's JSON mapping (json.md, "JSON
// Options") and the parser's limits.
//
// Printing options are the four json.md lists as options a conformant
// implementation "may provide"; their defaults are the conformant behaviour.
// Parsing limits bound what a hostile input can cost: every limit is a
// setting with a safe default.
#pragma once

#include <cstddef>
#include <cstdint>

namespace h2pb::proto::json {

/// Nesting of JSON objects and arrays a reader follows before it stops with
/// json_errc::depth_exceeded. 100 is libprotobuf's JSON parser default
/// (JsonParseOptions recursion depth, like CodedInputStream's
/// kDefaultRecursionLimit); it bounds the explicit stack of json_reader and the
/// recursion of any schema-driven parser built on it.
inline constexpr std::uint32_t default_max_depth = 100;

/// Largest JSON text a reader accepts (json_errc::input_too_large): 64 MiB,
/// the binary decoder's default (proto::default_max_message_size). gRPC's
/// 4 MiB message limit normally applies first.
inline constexpr std::size_t default_max_input_size = std::size_t{64} << 20;

struct print_options {
    /// "Always emit fields without presence": implicit-presence fields holding
    /// their default (0, "", empty repeated/map) are printed, not omitted.
    bool always_print_fields_with_no_presence = false;
    /// Keys are the proto field names ("foo_bar") instead of the lowerCamelCase
    /// json_name ("fooBar").
    bool preserve_proto_field_names = false;
    /// Enum values as their numbers instead of their names.
    bool enums_as_ints = false;
    /// Line breaks and a 2-space indent (libprotobuf's add_whitespace).
    bool pretty = false;
};

struct parse_options {
    /// Unknown object keys are skipped instead of being an error
    /// (json.md: parsers "should reject unknown fields by default").
    bool ignore_unknown_fields = false;
    /// See default_max_depth.
    std::uint32_t max_depth = default_max_depth;
    /// See default_max_input_size; octets.
    std::size_t max_input_size = default_max_input_size;
};

}  // namespace h2pb::proto::json
