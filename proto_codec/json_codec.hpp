// The shared code behind the generated to_json / from_json members
// (tools/protoc-gen-h2pb emits one of each per message; protobuf-docs/json.md
// is the mapping they implement). The generated code handles what depends on
// the schema (keys, field order, presence, oneofs); everything that does not
// lives here once, so that a message adds little code per field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <h2pb/proto_codec/json_any.hpp>
#include <h2pb/proto_codec/json_error.hpp>
#include <h2pb/proto_codec/json_options.hpp>
#include <h2pb/proto_codec/json_reader.hpp>
#include <h2pb/proto_codec/json_wkt_format.hpp>
#include <h2pb/proto_codec/json_writer.hpp>

namespace h2pb::proto::json {

// ---------------------------------------------------------------- printing

/// The key of a field: its json_name, or its proto name with
/// preserve_proto_field_names (json.md, "JSON options").
inline void write_key(json_writer& w, const print_options& o, std::string_view proto_name,
                      std::string_view json_name) {
    w.key(o.preserve_proto_field_names ? proto_name : json_name);
}

/// An enum value: its name, or its number when enums_as_ints or when the
/// value has no name (an open enum keeps unknown values; json.md, "enum").
inline void write_enum(json_writer& w, const print_options& o, std::int32_t v, const char* name) {
    if (o.enums_as_ints || name[0] == '\0') {
        w.int32(v);
    } else {
        w.string(name);
    }
}

/// Map keys are JSON strings: integers in decimal, bools as true/false
/// (json.md, "map<K,V>": "All keys are converted to strings").
inline void write_map_key(json_writer& w, bool v) {
    w.map_key_bool(v);
}
inline void write_map_key(json_writer& w, std::int32_t v) {
    w.map_key_int(v);
}
inline void write_map_key(json_writer& w, std::int64_t v) {
    w.map_key_int(v);
}
inline void write_map_key(json_writer& w, std::uint32_t v) {
    w.map_key_uint(v);
}
inline void write_map_key(json_writer& w, std::uint64_t v) {
    w.map_key_uint(v);
}
inline void write_map_key(json_writer& w, const std::string& v) {
    w.key(v);
}

// ---------------------------------------------------------------- parsing

/// Whether the reader holds no error (the reader's `next_key` and
/// `next_element` return false both at the closing bracket and on an error).
inline bool ok(const json_reader& r) {
    return r.error().code == json_errc::ok;
}

/// Field `i` met once more in this object: libprotobuf rejects a key given
/// twice, also under its other spelling (json_name vs proto name); json.md
/// "Duplicate values" allows rejecting.
inline bool mark_seen(json_reader& r, std::uint64_t* seen, int i) {
    const std::uint64_t bit = std::uint64_t{1} << (static_cast<unsigned>(i) % 64);
    std::uint64_t& word = seen[static_cast<unsigned>(i) / 64];
    if ((word & bit) != 0) return r.fail(json_errc::duplicate_field);
    word |= bit;
    return true;
}

/// A key of an object that is not a field: an error unless
/// ignore_unknown_fields, when its value is skipped (json.md, "JSON options").
/// Inside an Any, "@type" (already read by read_any) is skipped.
inline bool unknown_key(json_reader& r, const parse_options& o, bool in_any, std::string_view k) {
    if (in_any && k == "@type") return r.skip_value();
    if (!o.ignore_unknown_fields) return r.fail(json_errc::unknown_field);
    return r.skip_value();
}

/// The members of an Any holding a well-known type with a special form:
/// "@type" (skipped) and "value", the special form (json.md, "Any").
template <class M>
bool read_value_member(json_reader& r, const parse_options& o, bool in_any, M& m) {
    std::string scratch;
    std::string_view k;
    bool seen = false;
    while (r.next_key(scratch, k)) {
        if (k == "value") {
            if (seen) return r.fail(json_errc::duplicate_field);
            seen = true;
            if (!m.from_json(r, o)) return false;
        } else if (!unknown_key(r, o, in_any, k)) {
            return false;
        }
    }
    return ok(r);
}

/// A null at the reader: consumed, true (the caller then leaves the field
/// unset; json.md "Null values").
inline bool take_null(json_reader& r) {
    return r.peek() == json_reader::token::null && r.read_null();
}

/// Before an element of a repeated field or a map value: null is not
/// allowed there (json.md "Null values"; google.protobuf.Value aside).
inline bool no_null(json_reader& r) {
    if (r.peek() == json_reader::token::null) return r.fail(json_errc::null_not_allowed);
    return ok(r);
}

/// Reads an enum value: a name (json.md accepts the name) or an integer.
/// Returns 1 with `out` set, 0 when the value is unknown but ignored
/// (ignore_unknown_fields: the field or element is dropped, as libprotobuf
/// does), -1 on an error. `is_known` is null for an open (proto3) enum,
/// which keeps any int32 number.
template <class E>
int read_enum(json_reader& r, const parse_options& o, E& out,
              bool (*from_name)(std::string_view, E&) noexcept,
              bool (*is_known)(std::int32_t) noexcept) {
    if (r.peek() == json_reader::token::string) {
        std::string scratch;  // used only when the name has escapes
        std::string_view s;
        if (!r.read_string_view(scratch, s)) return -1;
        if (from_name(s, out)) return 1;
        if (o.ignore_unknown_fields) return 0;
        r.fail(json_errc::unknown_enum_value);
        return -1;
    }
    std::int32_t v = 0;
    if (!r.read_int32(v)) return -1;
    if (is_known != nullptr && !is_known(v)) {
        if (o.ignore_unknown_fields) return 0;
        r.fail(json_errc::unknown_enum_value);
        return -1;
    }
    out = static_cast<E>(v);
    return 1;
}

/// A map key (always a JSON string) as the key type: integers under the
/// rules of integer values (json_reader::parse_integer), "true"/"false".
template <class I>
bool parse_map_key(json_reader& r, std::string_view k, I& out) {
    if constexpr (std::is_same_v<I, bool>) {
        if (k == "true") {
            out = true;
        } else if (k == "false") {
            out = false;
        } else {
            return r.fail(json_errc::expected_bool);
        }
        return true;
    } else {
        const json_errc e = json_reader::parse_integer(k, out);
        return e == json_errc::ok || r.fail(e);
    }
}
inline bool parse_map_key(json_reader&, std::string_view k, std::string& out) {
    out.assign(k.data(), k.size());
    return true;
}

// ---------------------------------------------------------------- well-known types

/// google.protobuf.Timestamp: an RFC 3339 string (json.md, "Timestamp").
/// False when out of its range (libprotobuf fails to print one too). The
/// text is formatted straight into the output (it needs no escaping): the
/// writer places the opening quote as a raw value.
inline bool write_timestamp(json_writer& w, std::int64_t seconds, std::int32_t nanos) {
    w.raw("\"");
    if (!format_timestamp(seconds, nanos, w.output())) return false;
    w.output().push_back('"');
    return true;
}
inline bool read_timestamp(json_reader& r, std::int64_t& seconds, std::int32_t& nanos) {
    if (r.peek() != json_reader::token::string) return r.fail(json_errc::expected_string);
    std::string scratch;  // used only when the text has escapes
    std::string_view s;
    if (!r.read_string_view(scratch, s)) return false;
    if (!parse_timestamp(s, seconds, nanos)) return r.fail(json_errc::bad_timestamp);
    return true;
}

/// google.protobuf.Duration: "1.5s" (json.md, "Duration").
/// False when out of its range or the signs of seconds and nanos differ.
inline bool write_duration(json_writer& w, std::int64_t seconds, std::int32_t nanos) {
    w.raw("\"");
    if (!format_duration(seconds, nanos, w.output())) return false;
    w.output().push_back('"');
    return true;
}
inline bool read_duration(json_reader& r, std::int64_t& seconds, std::int32_t& nanos) {
    if (r.peek() != json_reader::token::string) return r.fail(json_errc::expected_string);
    std::string scratch;  // used only when the text has escapes
    std::string_view s;
    if (!r.read_string_view(scratch, s)) return false;
    if (!parse_duration(s, seconds, nanos)) return r.fail(json_errc::bad_duration);
    return true;
}

/// google.protobuf.FieldMask: the paths in lowerCamelCase joined by ','
/// (json.md, "FieldMask").
/// False for a path with no lowerCamelCase form ("foo_3", "Foo").
template <class Paths>
bool write_field_mask(json_writer& w, const Paths& paths) {
    std::string s;
    if (!field_mask_to_json(paths, s)) return false;
    w.string(s);
    return true;
}
template <class Paths>
bool read_field_mask(json_reader& r, Paths& paths) {
    if (r.peek() != json_reader::token::string) return r.fail(json_errc::expected_string);
    std::string scratch;  // used only when the text has escapes
    std::string_view s;
    if (!r.read_string_view(scratch, s)) return false;
    if (!field_mask_from_json(s, paths)) return r.fail(json_errc::bad_field_mask);
    return true;
}

}  // namespace h2pb::proto::json
