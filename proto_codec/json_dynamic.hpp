// h2pb::proto::json — protobuf's JSON mapping (json.md) for messages whose
// schema is known only at run time (proto::dynamic_message).
//
//   proto::dynamic_message m(*pool.find_message("pkg.Request"));
//   if (auto e = json::from_json(m, R"({"pageSize": 10, "filter": "a"})", {}, &pool))
//       fail(e.message());                       // "$.pageSize: expected a number (offset 12)"
//   std::string out;
//   if (auto e = json::to_json(m, out, {}, &pool)) fail(e.message());
//
// Printing (json.md, "JSON Mapping" table and "JSON Options"):
//   - fields in field-number order, keyed by json_name (lowerCamelCase) or,
//     with preserve_proto_field_names, by the proto name;
//   - a field with presence is printed iff it is set; one without presence
//     (proto3 singular scalars, repeated, maps) iff it is not the default,
//     unless always_print_fields_with_no_presence;
//   - enums by value name (enums_as_ints: by number); a number an open enum
//     does not name is printed as that number; google.protobuf.NullValue is null;
//   - int64/uint64 (and fixed/sint forms) as strings, floats shortest
//     round-trip with "NaN"/"Infinity"/"-Infinity", bytes as base64;
//   - maps as objects whose keys are strings (integer and bool keys formatted);
//   - the well-known types in their special forms, also at the top level
//     (a Timestamp message prints as a string): Timestamp, Duration,
//     FieldMask, Struct, Value, ListValue, the wrappers, Empty, Any.
//
// Parsing accepts both key spellings, numbers as numbers or strings (ints:
// integral values such as 1.0 and 1e3), enum names or numbers, base64 in
// either alphabet, null for "unset" (json.md, "Null values": except
// google.protobuf.Value and NullValue, where null is a value), and rejects:
//   - unknown keys and unknown enum names (json_errc::unknown_field,
//     unknown_enum_value) unless parse_options::ignore_unknown_fields, which
//     skips them (an unknown enum name then leaves the field, or drops the
//     repeated element or map entry);
//   - a field given twice, under either spelling, or a map key given twice
//     (duplicate_field: json.md, "Duplicate values", lets parsers reject
//     duplicates; libprotobuf's conformance suite expects it);
//   - two members of one oneof (oneof_conflict; a null member does not count);
//   - null inside a repeated field or as a map value (null_not_allowed),
//     except for Value elements.
//
// Any (json.md, "Any"): {"@type": "type.googleapis.com/pkg.M", ...fields of M}
// or, when M is a well-known type with a special form,
// {"@type": ".../google.protobuf.Duration", "value": "1s"}. The type named
// after the last '/' of the URL is looked up in `type_registry`; without a
// registry, or when the type is not there, the Any is json_errc::unknown_type.
// "@type" may come after the fields: the object is captured and read twice.
//
// Errors carry the JSON path ("$.items[3].price") and, when parsing, the
// octet offset. Both directions are bounded in depth: parsing by
// parse_options::max_depth (the reader's stack of objects and arrays, each
// message level opens at least one, so recursion is bounded too), printing
// by max_print_depth (a message nested deeper than that is
// json_errc::depth_exceeded, not a stack overflow).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/dynamic_message.hpp>
#include <h2pb/proto_codec/json_error.hpp>
#include <h2pb/proto_codec/json_options.hpp>
#include <h2pb/proto_codec/json_reader.hpp>
#include <h2pb/proto_codec/json_wkt_format.hpp>
#include <h2pb/proto_codec/json_writer.hpp>

namespace h2pb::proto::json {

/// JSON nesting (objects + arrays) the printer produces before it stops with
/// json_errc::depth_exceeded: the parser's default limit, so that whatever
/// prints also parses back with default options; it bounds the printer's
/// recursion. Setting: the last argument of to_json.
inline constexpr std::uint32_t default_max_print_depth = default_max_depth;

namespace detail {

/// The well-known types with a special JSON form (json.md, table rows for
/// Any .. Empty). `none`: printed and parsed as an ordinary message.
enum class wkt : std::uint8_t {
    none,
    any,
    timestamp,
    duration,
    field_mask,
    structure,
    value,
    list_value,
    wrapper,  ///< DoubleValue .. BytesValue: the JSON form of their field `value`
    empty,
};

inline wkt wkt_of(const message_descriptor& d) noexcept {
    const std::string_view n = d.full_name;
    constexpr std::string_view prefix = "google.protobuf.";
    if (n.substr(0, prefix.size()) != prefix) return wkt::none;
    const std::string_view s = n.substr(prefix.size());
    if (s == "Any") return wkt::any;
    if (s == "Timestamp") return wkt::timestamp;
    if (s == "Duration") return wkt::duration;
    if (s == "FieldMask") return wkt::field_mask;
    if (s == "Struct") return wkt::structure;
    if (s == "Value") return wkt::value;
    if (s == "ListValue") return wkt::list_value;
    if (s == "Empty") return wkt::empty;
    if (s == "DoubleValue" || s == "FloatValue" || s == "Int64Value" || s == "UInt64Value" ||
        s == "Int32Value" || s == "UInt32Value" || s == "BoolValue" || s == "StringValue" ||
        s == "BytesValue")
        return wkt::wrapper;
    return wkt::none;
}

inline bool is_null_value_enum(const field_descriptor& f) noexcept {
    return f.type == field_type::enum_ && f.enum_type != nullptr &&
           f.enum_type->full_name == "google.protobuf.NullValue";
}

/// The message type an Any's URL names: the part after its last '/'
/// (json.md, "Any"; any.proto: "type.googleapis.com/full.type.name").
inline const message_descriptor* resolve_type_url(std::string_view url,
                                                  const descriptor_pool* registry) {
    if (registry == nullptr) return nullptr;
    const auto slash = url.rfind('/');
    if (slash == std::string_view::npos) return nullptr;
    const std::string_view name = url.substr(slash + 1);
    if (name.empty()) return nullptr;
    return registry->find_message(name);
}

// ---------------------------------------------------------------------------
// Printing

class printer {
  public:
    printer(std::string& out, const print_options& o, const descriptor_pool* reg,
            std::uint32_t max_depth)
        : w_(out, o.pretty), opt_(o), reg_(reg), max_depth_(max_depth) {}

    json_error print_top(const dynamic_message& m) {
        path_ = "$";
        value_of_message(m);
        return err_;
    }

  private:
    bool fail(json_errc c) {
        if (!err_) {
            err_.code = c;
            err_.offset = 0;
            err_.path = path_;
        }
        return false;
    }
    bool open_object() {
        if (depth_ >= max_depth_) return fail(json_errc::depth_exceeded);
        ++depth_;
        w_.begin_object();
        return true;
    }
    void close_object() {
        --depth_;
        w_.end_object();
    }
    bool open_array() {
        if (depth_ >= max_depth_) return fail(json_errc::depth_exceeded);
        ++depth_;
        w_.begin_array();
        return true;
    }
    void close_array() {
        --depth_;
        w_.end_array();
    }

    /// A message as a JSON value: its special form or an object.
    bool value_of_message(const dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        switch (wkt_of(d)) {
            case wkt::timestamp:
            case wkt::duration:
            case wkt::field_mask:
            case wkt::structure:
            case wkt::value:
            case wkt::list_value:
            case wkt::wrapper:
                return special_value(m);
            case wkt::any:
                return any_object(m);
            default:
                break;
        }
        if (!open_object()) return false;
        if (!fields(m)) return false;
        close_object();
        return true;
    }

    /// The special form of a WKT other than Any (json.md table).
    bool special_value(const dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        switch (wkt_of(d)) {
            case wkt::timestamp:
            case wkt::duration: {
                const field_descriptor* s = d.find_field(1U);
                const field_descriptor* n = d.find_field(2U);
                if (s == nullptr || n == nullptr) return fail(json_errc::bad_any);
                std::string text;
                const bool is_ts = wkt_of(d) == wkt::timestamp;
                const bool ok = is_ts ? format_timestamp(m.get_int64(*s), m.get_int32(*n), text)
                                      : format_duration(m.get_int64(*s), m.get_int32(*n), text);
                if (!ok) return fail(is_ts ? json_errc::bad_timestamp : json_errc::bad_duration);
                w_.string(text);
                return true;
            }
            case wkt::field_mask: {
                const field_descriptor* p = d.find_field(1U);
                if (p == nullptr) return fail(json_errc::bad_field_mask);
                std::vector<std::string_view> paths;
                for (std::size_t i = 0; i < m.size(*p); ++i) paths.push_back(m.get_string(*p, i));
                std::string text;
                if (!field_mask_to_json(paths, text)) return fail(json_errc::bad_field_mask);
                w_.string(text);
                return true;
            }
            case wkt::structure: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr || !f->is_map()) return fail(json_errc::expected_object);
                return map_value(m, *f);
            }
            case wkt::list_value: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr) return fail(json_errc::expected_array);
                return repeated_value(m, *f);
            }
            case wkt::value: {
                // struct.proto: oneof kind { null_value = 1; number_value = 2;
                // string_value = 3; bool_value = 4; struct_value = 5; list_value = 6; }
                for (const field_descriptor* f : d.fields_by_number()) {
                    if (!m.has(*f)) continue;
                    if (f->number == 2) {
                        const double v = m.get_double(*f);
                        // JSON numbers cannot spell NaN or the infinities;
                        // as strings they would read back as string_value.
                        if (v != v || v - v != 0) return fail(json_errc::out_of_range);
                    }
                    return singular_value(m, *f);
                }
                // No kind set: libprotobuf prints an empty Value as null.
                w_.null();
                return true;
            }
            case wkt::wrapper: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr) return fail(json_errc::bad_any);
                return singular_value(m, *f);  // the default when unset
            }
            default:
                return fail(json_errc::bad_any);
        }
    }

    /// Any: {"@type": url, ...fields} or {"@type": url, "value": special}.
    bool any_object(const dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        const field_descriptor* url_f = d.find_field(1U);
        const field_descriptor* val_f = d.find_field(2U);
        if (url_f == nullptr || val_f == nullptr) return fail(json_errc::bad_any);
        const std::string_view url = m.get_string(*url_f);
        if (url.empty() && m.get_string(*val_f).empty()) {  // an empty Any: {}
            if (!open_object()) return false;
            close_object();
            return true;
        }
        const message_descriptor* t = resolve_type_url(url, reg_);
        if (t == nullptr) return fail(json_errc::unknown_type);
        dynamic_message inner(*t);
        const std::string_view bytes = m.get_string(*val_f);
        decode_limits lim;
        lim.max_depth = max_depth_ > depth_ ? max_depth_ - depth_ : 0;
        if (inner.parse(
                wire::bytes_view(reinterpret_cast<const wire::byte*>(bytes.data()), bytes.size()),
                lim))
            return fail(json_errc::bad_any);
        if (!open_object()) return false;
        w_.key("@type");
        w_.string(url);
        const wkt k = wkt_of(*t);
        if (k != wkt::none && k != wkt::empty) {
            w_.key("value");
            const std::size_t mark = path_.size();
            path_ += ".value";
            if (!value_of_message(inner)) return false;
            path_.resize(mark);
        } else if (!fields(inner)) {
            return false;
        }
        close_object();
        return true;
    }

    /// The members of a message's object, in field-number order.
    bool fields(const dynamic_message& m) {
        for (const field_descriptor* f : m.descriptor().fields_by_number()) {
            const bool repeated = f->is_repeated();
            bool print;
            if (repeated)
                print = m.size(*f) > 0 || opt_.always_print_fields_with_no_presence;
            else
                print =
                    m.has(*f) || (opt_.always_print_fields_with_no_presence && !f->has_presence);
            if (!print) continue;
            const std::string_view k = opt_.preserve_proto_field_names
                                           ? std::string_view(f->name)
                                           : std::string_view(f->json_name);
            w_.key(k);
            const std::size_t mark = path_.size();
            path_ += '.';
            path_ += k;
            bool ok;
            if (f->is_map())
                ok = map_value(m, *f);
            else if (repeated)
                ok = repeated_value(m, *f);
            else
                ok = singular_value(m, *f);
            if (!ok) return false;
            path_.resize(mark);
        }
        return true;
    }

    bool enum_value(const field_descriptor& f, std::int32_t v) {
        if (is_null_value_enum(f)) {
            w_.null();
            return true;
        }
        if (!opt_.enums_as_ints) {
            if (const enum_value_descriptor* ev = f.enum_type->find_value(v); ev != nullptr) {
                w_.string(ev->name);
                return true;
            }
        }
        w_.int32(v);
        return true;
    }

    bool singular_value(const dynamic_message& m, const field_descriptor& f) {
        switch (f.cpp_type()) {
            case cpp_type::int32:
                w_.int32(m.get_int32(f));
                return true;
            case cpp_type::int64:
                w_.int64(m.get_int64(f));
                return true;
            case cpp_type::uint32:
                w_.uint32(m.get_uint32(f));
                return true;
            case cpp_type::uint64:
                w_.uint64(m.get_uint64(f));
                return true;
            case cpp_type::double_:
                w_.float64(m.get_double(f));
                return true;
            case cpp_type::float_:
                w_.float32(m.get_float(f));
                return true;
            case cpp_type::bool_:
                w_.boolean(m.get_bool(f));
                return true;
            case cpp_type::enum_:
                return enum_value(f, m.get_enum(f));
            case cpp_type::string:
                if (f.type == field_type::bytes)
                    w_.bytes(m.get_string(f));
                else
                    w_.string(m.get_string(f));
                return true;
            case cpp_type::message: {
                const dynamic_message* sub = m.get_message(f);
                if (sub != nullptr) return value_of_message(*sub);
                dynamic_message empty(*f.message_type);
                return value_of_message(empty);
            }
        }
        return true;
    }

    bool element(const dynamic_message& m, const field_descriptor& f, std::size_t i) {
        switch (f.cpp_type()) {
            case cpp_type::int32:
                w_.int32(m.get_int32(f, i));
                return true;
            case cpp_type::int64:
                w_.int64(m.get_int64(f, i));
                return true;
            case cpp_type::uint32:
                w_.uint32(m.get_uint32(f, i));
                return true;
            case cpp_type::uint64:
                w_.uint64(m.get_uint64(f, i));
                return true;
            case cpp_type::double_:
                w_.float64(m.get_double(f, i));
                return true;
            case cpp_type::float_:
                w_.float32(m.get_float(f, i));
                return true;
            case cpp_type::bool_:
                w_.boolean(m.get_bool(f, i));
                return true;
            case cpp_type::enum_:
                return enum_value(f, m.get_enum(f, i));
            case cpp_type::string:
                if (f.type == field_type::bytes)
                    w_.bytes(m.get_string(f, i));
                else
                    w_.string(m.get_string(f, i));
                return true;
            case cpp_type::message:
                return value_of_message(*m.get_message(f, i));
        }
        return true;
    }

    bool repeated_value(const dynamic_message& m, const field_descriptor& f) {
        if (!open_array()) return false;
        const std::size_t n = m.size(f);
        const std::size_t mark = path_.size();
        for (std::size_t i = 0; i < n; ++i) {
            path_.resize(mark);
            path_ += '[';
            path_ += std::to_string(i);
            path_ += ']';
            if (!element(m, f, i)) return false;
        }
        path_.resize(mark);
        close_array();
        return true;
    }

    // Map entries ordered by key, the last of equal keys kept (as the wire
    // parser does); the order of libprotobuf's deterministic output.
    static bool key_less(const dynamic_message& a, const dynamic_message& b,
                         const field_descriptor& k) {
        switch (k.cpp_type()) {
            case cpp_type::string:
                return a.get_string(k) < b.get_string(k);
            case cpp_type::int32:
            case cpp_type::int64:
                return a.get_int64(k) < b.get_int64(k) ||
                       (k.cpp_type() == cpp_type::int32 && a.get_int32(k) < b.get_int32(k));
            case cpp_type::bool_:
                return a.get_bool(k) < b.get_bool(k);
            default:
                return a.get_uint64(k) < b.get_uint64(k) || a.get_uint32(k) < b.get_uint32(k);
        }
    }

    void map_key(const dynamic_message& e, const field_descriptor& k) {
        switch (k.cpp_type()) {
            case cpp_type::string:
                w_.key(e.get_string(k));
                return;
            case cpp_type::int32:
                w_.map_key_int(e.get_int32(k));
                return;
            case cpp_type::int64:
                w_.map_key_int(e.get_int64(k));
                return;
            case cpp_type::uint32:
                w_.map_key_uint(e.get_uint32(k));
                return;
            case cpp_type::uint64:
                w_.map_key_uint(e.get_uint64(k));
                return;
            case cpp_type::bool_:
                w_.map_key_bool(e.get_bool(k));
                return;
            default:
                w_.key("");
                return;
        }
    }

    bool map_value(const dynamic_message& m, const field_descriptor& f) {
        const field_descriptor& k = *f.message_type->map_key();
        const field_descriptor& v = *f.message_type->map_value();
        std::vector<const dynamic_message*> entries;
        for (std::size_t i = 0; i < m.size(f); ++i) entries.push_back(m.get_message(f, i));
        std::stable_sort(entries.begin(), entries.end(),
                         [&](const auto* a, const auto* b) { return key_less(*a, *b, k); });
        if (!open_object()) return false;
        const std::size_t mark = path_.size();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (i + 1 < entries.size() && !key_less(*entries[i], *entries[i + 1], k))
                continue;  // a later entry has this key
            const std::size_t before = w_.output().size();
            map_key(*entries[i], k);
            // The path segment is the key as printed (between its quotes).
            path_.resize(mark);
            path_ += "[";
            path_.append(w_.output(), before, w_.output().size() - before);
            path_ += "]";
            if (!singular_value(*entries[i], v)) return false;
        }
        path_.resize(mark);
        close_object();
        return true;
    }

    json_writer w_;
    const print_options& opt_;
    const descriptor_pool* reg_;
    std::uint32_t max_depth_;
    std::uint32_t depth_ = 0;
    std::string path_;
    json_error err_;
};

// ---------------------------------------------------------------------------
// Parsing

class parser {
  public:
    parser(json_reader& r, const descriptor_pool* reg) : r_(r), reg_(reg) {}

    /// A whole message value (its special form for a WKT).
    bool message_value(dynamic_message& m) {
        switch (wkt_of(m.descriptor())) {
            case wkt::any:
                return any_value(m);
            case wkt::timestamp:
            case wkt::duration:
            case wkt::field_mask:
            case wkt::structure:
            case wkt::value:
            case wkt::list_value:
            case wkt::wrapper:
                return special_value(m);
            default:
                return object(m, false);
        }
    }

  private:
    bool ignore_unknown() const noexcept { return r_.options().ignore_unknown_fields; }

    /// An ordinary message's object; skip_type: an Any's "@type" member is
    /// among the keys (and skipped).
    bool object(dynamic_message& m, bool skip_type) {
        const message_descriptor& d = m.descriptor();
        if (!r_.begin_object()) return false;
        std::vector<bool> seen(d.fields().size(), false);
        std::vector<const field_descriptor*> oneof_set(d.oneofs().size(), nullptr);
        std::string scratch;
        std::string_view key;
        while (r_.next_key(scratch, key)) {
            if (skip_type && key == "@type") {
                if (!r_.skip_value()) return false;
                continue;
            }
            const field_descriptor* f = d.find_field_by_json_name(key);
            if (f == nullptr) f = d.find_field(key);
            if (f == nullptr) {
                if (!ignore_unknown()) return r_.fail(json_errc::unknown_field);
                if (!r_.skip_value()) return false;
                continue;
            }
            if (seen[f->index]) return r_.fail(json_errc::duplicate_field);
            seen[f->index] = true;
            const bool is_null = r_.peek() == json_reader::token::null;
            if (const oneof_descriptor* o = f->containing_oneof; o != nullptr && !o->is_synthetic) {
                // A null member does not count (json.md, "Null values": as if
                // absent), unless null is its value (NullValue, Value).
                const bool null_is_value =
                    is_null_value_enum(*f) ||
                    (f->message_type != nullptr && wkt_of(*f->message_type) == wkt::value);
                if (!is_null || null_is_value) {
                    if (oneof_set[o->index] != nullptr) return r_.fail(json_errc::oneof_conflict);
                    oneof_set[o->index] = f;
                }
            }
            if (!field_value(m, *f, is_null)) return false;
        }
        return !r_.error();
    }

    bool field_value(dynamic_message& m, const field_descriptor& f, bool is_null) {
        if (is_null) {
            if (!f.is_repeated()) {
                if (is_null_value_enum(f)) {
                    if (!r_.read_null()) return false;
                    return m.set_enum(f, 0);
                }
                if (f.message_type != nullptr && wkt_of(*f.message_type) == wkt::value)
                    return message_value(*m.mutable_message(f));
            }
            // null: the field stays unset.
            if (!r_.read_null()) return false;
            m.clear(f);
            return true;
        }
        if (f.is_map()) return map_value(m, f);
        if (f.is_repeated()) return repeated_value(m, f);
        return singular(m, f);
    }

    /// An enum from a name or a number. `ok` false with no error: an unknown
    /// name skipped under ignore_unknown_fields (no value).
    bool enum_number(const field_descriptor& f, std::int32_t& v, bool& have) {
        have = false;
        if (r_.peek() == json_reader::token::null && is_null_value_enum(f)) {
            if (!r_.read_null()) return false;
            v = 0;
            have = true;
            return true;
        }
        if (r_.peek() == json_reader::token::string) {
            const std::size_t off = r_.offset();
            std::string_view name;
            if (!r_.read_string_view(scratch_, name)) return false;
            const enum_value_descriptor* ev = f.enum_type->find_value(name);
            if (ev == nullptr) {
                if (ignore_unknown()) return true;
                return fail_at_offset(json_errc::unknown_enum_value, off);
            }
            v = ev->number;
            have = true;
            return true;
        }
        const std::size_t off = r_.offset();
        if (!r_.read_int32(v)) return false;
        if (f.enum_type->is_closed && f.enum_type->find_value(v) == nullptr) {
            if (ignore_unknown()) return true;
            return fail_at_offset(json_errc::unknown_enum_value, off);
        }
        have = true;
        return true;
    }

    bool fail_at_offset(json_errc c, std::size_t off) {
        // The reader's error position is a pointer into its text: rebuild it
        // from the offset recorded before the value was read.
        return r_.fail_at(c, text_begin_ + off);
    }

  public:
    void set_text(const char* begin) noexcept { text_begin_ = begin; }

  private:
    /// How a value read goes into its field: set (a singular field, the last
    /// value wins) or add (one more element of a repeated field's array).
    enum class store : std::uint8_t { set, add };

    /// One JSON value read into field `f` of `m`, stored as S says.
    template <store S>
    bool value_into(dynamic_message& m, const field_descriptor& f) {
        constexpr bool add = S == store::add;
        switch (f.cpp_type()) {
            case cpp_type::int32: {
                std::int32_t v = 0;
                return r_.read_int32(v) && (add ? m.add_int32(f, v) : m.set_int32(f, v));
            }
            case cpp_type::int64: {
                std::int64_t v = 0;
                return r_.read_int64(v) && (add ? m.add_int64(f, v) : m.set_int64(f, v));
            }
            case cpp_type::uint32: {
                std::uint32_t v = 0;
                return r_.read_uint32(v) && (add ? m.add_uint32(f, v) : m.set_uint32(f, v));
            }
            case cpp_type::uint64: {
                std::uint64_t v = 0;
                return r_.read_uint64(v) && (add ? m.add_uint64(f, v) : m.set_uint64(f, v));
            }
            case cpp_type::double_: {
                double v = 0;
                return r_.read_double(v) && (add ? m.add_double(f, v) : m.set_double(f, v));
            }
            case cpp_type::float_: {
                float v = 0;
                return r_.read_float(v) && (add ? m.add_float(f, v) : m.set_float(f, v));
            }
            case cpp_type::bool_: {
                bool v = false;
                return r_.read_bool(v) && (add ? m.add_bool(f, v) : m.set_bool(f, v));
            }
            case cpp_type::enum_: {
                std::int32_t v = 0;
                bool have = false;
                if (!enum_number(f, v, have)) return false;
                if (have) add ? m.add_enum(f, v) : m.set_enum(f, v);
                return true;
            }
            case cpp_type::string: {
                std::string v;
                if (!(f.type == field_type::bytes ? r_.read_bytes(v) : r_.read_string(v)))
                    return false;
                return add ? m.add_string(f, std::move(v)) : m.set_string(f, std::move(v));
            }
            case cpp_type::message:
                return message_value(add ? *m.add_message(f) : *m.mutable_message(f));
        }
        return true;
    }

    bool singular(dynamic_message& m, const field_descriptor& f) {
        return value_into<store::set>(m, f);
    }

    bool element(dynamic_message& m, const field_descriptor& f) {
        if (r_.peek() == json_reader::token::null) {
            const bool null_ok = is_null_value_enum(f) || (f.message_type != nullptr &&
                                                           wkt_of(*f.message_type) == wkt::value);
            if (!null_ok) return r_.fail(json_errc::null_not_allowed);
        }
        return value_into<store::add>(m, f);
    }

    bool repeated_value(dynamic_message& m, const field_descriptor& f) {
        if (!r_.begin_array()) return false;
        while (r_.next_element())
            if (!element(m, f)) return false;
        return !r_.error();
    }

    /// A map key from its JSON (string) form into the entry's key field
    /// (json.md, "map<K, V>": "All keys are converted to strings").
    bool map_key(dynamic_message& e, const field_descriptor& k, std::string_view text,
                 std::size_t off) {
        json_errc c = json_errc::ok;
        switch (k.cpp_type()) {
            case cpp_type::string:
                e.set_string(k, std::string(text));
                return true;
            case cpp_type::bool_:
                if (text == "true")
                    e.set_bool(k, true);
                else if (text == "false")
                    e.set_bool(k, false);
                else
                    c = json_errc::expected_bool;
                break;
            case cpp_type::int32: {
                std::int32_t v = 0;
                c = json_reader::parse_integer(text, v);
                if (c == json_errc::ok) e.set_int32(k, v);
                break;
            }
            case cpp_type::int64: {
                std::int64_t v = 0;
                c = json_reader::parse_integer(text, v);
                if (c == json_errc::ok) e.set_int64(k, v);
                break;
            }
            case cpp_type::uint32: {
                std::uint32_t v = 0;
                c = json_reader::parse_integer(text, v);
                if (c == json_errc::ok) e.set_uint32(k, v);
                break;
            }
            case cpp_type::uint64: {
                std::uint64_t v = 0;
                c = json_reader::parse_integer(text, v);
                if (c == json_errc::ok) e.set_uint64(k, v);
                break;
            }
            default:
                c = json_errc::syntax;
        }
        if (c != json_errc::ok) return fail_at_offset(c, off);
        return true;
    }

    /// The canonical text of an entry's key, to find duplicates ("1" and
    /// "1.0" are one int key).
    static std::string key_text(const dynamic_message& e, const field_descriptor& k) {
        switch (k.cpp_type()) {
            case cpp_type::string:
                return std::string(e.get_string(k));
            case cpp_type::int32:
            case cpp_type::int64:
                return std::to_string(e.get_int64(k) | e.get_int32(k));
            case cpp_type::uint32:
            case cpp_type::uint64:
                return std::to_string(e.get_uint64(k) | e.get_uint32(k));
            case cpp_type::bool_:
                return e.get_bool(k) ? "true" : "false";
            default:
                return {};
        }
    }

    bool map_value(dynamic_message& m, const field_descriptor& f) {
        const field_descriptor& k = *f.message_type->map_key();
        const field_descriptor& v = *f.message_type->map_value();
        const bool value_null_ok = is_null_value_enum(v) || (v.message_type != nullptr &&
                                                             wkt_of(*v.message_type) == wkt::value);
        if (!r_.begin_object()) return false;
        std::set<std::string> keys;
        std::string kscratch;
        std::string_view key;
        while (true) {
            const std::size_t key_off = r_.offset();
            if (!r_.next_key(kscratch, key)) break;
            dynamic_message entry(*f.message_type);
            if (!map_key(entry, k, key, key_off)) return false;
            if (!keys.insert(key_text(entry, k)).second)
                return fail_at_offset(json_errc::duplicate_field, key_off);
            if (r_.peek() == json_reader::token::null && !value_null_ok)
                return r_.fail(json_errc::null_not_allowed);
            if (v.cpp_type() == cpp_type::enum_) {
                std::int32_t n = 0;
                bool have = false;
                if (!enum_number(v, n, have)) return false;
                if (!have) continue;  // unknown name, ignored: drop the entry
                entry.set_enum(v, n);
            } else if (!singular(entry, v)) {
                return false;
            }
            *m.add_message(f) = std::move(entry);
        }
        return !r_.error();
    }

    // -- well-known types ---------------------------------------------------

    bool special_value(dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        const wkt kind = wkt_of(d);
        switch (kind) {
            case wkt::timestamp:
            case wkt::duration: {
                const field_descriptor* s = d.find_field(1U);
                const field_descriptor* n = d.find_field(2U);
                const std::size_t off = r_.offset();
                std::string_view text;
                if (!r_.read_string_view(scratch_, text)) return false;
                std::int64_t secs = 0;
                std::int32_t nanos = 0;
                const bool ok = kind == wkt::timestamp ? parse_timestamp(text, secs, nanos)
                                                       : parse_duration(text, secs, nanos);
                if (!ok || s == nullptr || n == nullptr) {
                    return fail_at_offset(
                        kind == wkt::timestamp ? json_errc::bad_timestamp : json_errc::bad_duration,
                        off);
                }
                m.set_int64(*s, secs);
                m.set_int32(*n, nanos);
                return true;
            }
            case wkt::field_mask: {
                const field_descriptor* p = d.find_field(1U);
                const std::size_t off = r_.offset();
                std::string_view text;
                if (!r_.read_string_view(scratch_, text)) return false;
                std::vector<std::string> paths;
                if (p == nullptr || !field_mask_from_json(text, paths))
                    return fail_at_offset(json_errc::bad_field_mask, off);
                for (auto& s : paths) m.add_string(*p, std::move(s));
                return true;
            }
            case wkt::structure: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr || !f->is_map()) return r_.fail(json_errc::expected_object);
                return map_value(m, *f);
            }
            case wkt::list_value: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr) return r_.fail(json_errc::expected_array);
                return repeated_value(m, *f);
            }
            case wkt::value:
                return value_value(m);
            case wkt::wrapper: {
                const field_descriptor* f = d.find_field(1U);
                if (f == nullptr) return r_.fail(json_errc::syntax);
                if (r_.peek() == json_reader::token::null)
                    return r_.fail(json_errc::null_not_allowed);
                return singular(m, *f);
            }
            default:
                return object(m, false);
        }
    }

    /// google.protobuf.Value: any JSON value.
    bool value_value(dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        auto field = [&](std::uint32_t n) { return d.find_field(n); };
        const field_descriptor* f = nullptr;
        switch (r_.peek()) {
            case json_reader::token::null:
                if ((f = field(1)) == nullptr || !r_.read_null()) return false;
                return m.set_enum(*f, 0);
            case json_reader::token::number: {
                double v = 0;
                if ((f = field(2)) == nullptr || !r_.read_double(v)) return false;
                return m.set_double(*f, v);
            }
            case json_reader::token::string: {
                std::string v;
                if ((f = field(3)) == nullptr || !r_.read_string(v)) return false;
                return m.set_string(*f, std::move(v));
            }
            case json_reader::token::boolean: {
                bool v = false;
                if ((f = field(4)) == nullptr || !r_.read_bool(v)) return false;
                return m.set_bool(*f, v);
            }
            case json_reader::token::object:
                if ((f = field(5)) == nullptr) return false;
                return message_value(*m.mutable_message(*f));
            case json_reader::token::array:
                if ((f = field(6)) == nullptr) return false;
                return message_value(*m.mutable_message(*f));
            default:
                return r_.fail(json_errc::syntax);
        }
    }

    /// Any: the object is captured, searched for "@type", then read again as
    /// the named type's fields (or its "value" for a special form).
    bool any_value(dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        const field_descriptor* url_f = d.find_field(1U);
        const field_descriptor* val_f = d.find_field(2U);
        if (url_f == nullptr || val_f == nullptr) return r_.fail(json_errc::bad_any);
        if (r_.peek() != json_reader::token::object) return r_.fail(json_errc::expected_object);
        const std::size_t base = r_.offset();
        const std::string outer_path = r_.path();
        const std::size_t depth = r_.depth();
        std::string_view raw;
        if (!r_.capture_value(raw)) return false;

        parse_options sub_opt = r_.options();
        sub_opt.max_depth =
            sub_opt.max_depth > depth ? sub_opt.max_depth - static_cast<std::uint32_t>(depth) : 0;

        // Pass 1: "@type".
        std::string url;
        bool have_url = false;
        bool empty = true;
        std::size_t type_off = 0;
        {
            json_reader s(raw, sub_opt);
            std::string ks;
            std::string_view k;
            s.begin_object();
            while (true) {
                const std::size_t off = s.offset();
                if (!s.next_key(ks, k)) break;
                empty = false;
                if (k == "@type") {
                    if (have_url)
                        return forward(s, json_errc::duplicate_field, off, base, outer_path);
                    type_off = s.offset();
                    if (!s.read_string(url)) break;
                    have_url = true;
                } else if (!s.skip_value()) {
                    break;
                }
            }
            if (s.error()) return forward(s, s.error().code, s.error().offset, base, outer_path);
        }
        if (empty) return true;  // {}: the empty Any
        if (!have_url) return fail_at_offset(json_errc::bad_any, base);
        const message_descriptor* t = resolve_type_url(url, reg_);
        if (t == nullptr) return fail_at_offset(json_errc::unknown_type, base + type_off);

        // Pass 2: the fields.
        dynamic_message inner(*t);
        {
            json_reader s(raw, sub_opt);
            parser p(s, reg_);
            p.set_text(raw.data());
            const wkt k = wkt_of(*t);
            if (k != wkt::none && k != wkt::empty) {
                std::string ks;
                std::string_view key;
                bool have_value = false;
                s.begin_object();
                while (s.next_key(ks, key)) {
                    if (key == "value") {
                        if (have_value) {
                            s.fail(json_errc::duplicate_field);
                            break;
                        }
                        have_value = true;
                        if (!p.message_value(inner)) break;
                    } else if (key == "@type" || ignore_unknown()) {
                        // "@type" was read in pass 1; an unknown key is
                        // skipped when the options ignore unknown fields.
                        if (!s.skip_value()) break;
                    } else {
                        s.fail(json_errc::unknown_field);
                        break;
                    }
                }
                // No "value": the type's default (libprotobuf prints an
                // Any holding an empty Struct, Int32Value, ... that way).
            } else {
                p.object(inner, true);
            }
            if (s.error()) return forward(s, s.error().code, s.error().offset, base, outer_path);
        }
        m.set_string(*url_f, std::move(url));
        m.set_string(*val_f, inner.serialize_as_string());
        return true;
    }

    /// Reports an error found by a sub-reader over captured text at `base`.
    bool forward(const json_reader& s, json_errc c, std::size_t off, std::size_t base,
                 const std::string& outer_path) {
        const bool ok = r_.fail_at(c, text_begin_ + base + off);
        (void)ok;
        // Replace the reader's path ("$" + the outer path) with the full one.
        json_error& e = const_cast<json_error&>(r_.error());
        const std::string& inner = s.error() ? s.error().path : std::string("$");
        e.path = outer_path + inner.substr(1);
        return false;
    }

    json_reader& r_;
    const descriptor_pool* reg_;
    const char* text_begin_ = nullptr;
    std::string scratch_;
};

}  // namespace detail

/// Prints m in protobuf's JSON form, appending to out. On an error (a
/// Timestamp/Duration out of range, a FieldMask path without a JSON form, an
/// Any whose type is not in type_registry or whose bytes do not parse, a
/// Value holding NaN/Infinity, nesting deeper than max_depth) out is left
/// as it was and the error names the path of the offending value.
inline json_error to_json(const dynamic_message& m, std::string& out,
                          const print_options& options = {},
                          const descriptor_pool* type_registry = nullptr,
                          std::uint32_t max_depth = default_max_print_depth) {
    const std::size_t start = out.size();
    detail::printer p(out, options, type_registry, max_depth);
    json_error e = p.print_top(m);
    if (e) out.resize(start);
    return e;
}

/// Clears m, then reads JSON text into it. On an error m is cleared again
/// and the error has the code, the octet offset and the JSON path.
inline json_error from_json(dynamic_message& m, std::string_view text,
                            const parse_options& options = {},
                            const descriptor_pool* type_registry = nullptr) {
    m.clear();
    json_reader r(text, options);
    detail::parser p(r, type_registry);
    p.set_text(text.data());
    if (!r.error()) p.message_value(m);
    r.finish();
    if (r.error()) {
        m.clear();
        return r.error();
    }
    return {};
}

}  // namespace h2pb::proto::json
