// h2pb::proto::json — google.protobuf.Any in the JSON mapping, and the
// registry of message types it needs (json.md, "Any"):
//
//   {"@type": "type.googleapis.com/pkg.Msg", "field": ...}     a message's fields
//   {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}
//                                                              a well-known type
//                                                              with a special form
//
// Printing an Any decodes its bytes as the named type; parsing one encodes
// the fields it reads. Both need the type, which a program names with
//
//   h2pb::proto::json::register_json_type<pkg::Msg>();
//
// before printing or parsing (no static initialisation does it behind the
// program's back). As with libprotobuf, an Any of a type not registered is an
// error: unknown_type when parsing, a failed to_json when printing.
// Registration is not synchronised: register at start-up, before threads
// print or parse.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/json_error.hpp>
#include <h2pb/proto_codec/json_options.hpp>
#include <h2pb/proto_codec/json_reader.hpp>
#include <h2pb/proto_codec/json_writer.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::proto::json {

/// What an Any needs of one message type.
struct any_type {
    std::string_view full_name;  ///< "pkg.Msg"
    /// Writes the members of the message encoded in `bytes` (after "@type").
    bool (*print_members)(std::string_view bytes, json_writer&, const print_options&);
    /// Reads the members of the open object ("@type" skipped) and encodes
    /// the message into `bytes`.
    bool (*parse_members)(json_reader&, const parse_options&, std::string& bytes);
};

/// The registered types, sorted by full name.
inline std::vector<any_type>& any_types() {
    static std::vector<any_type> types;
    return types;
}

template <class M>
bool any_print_members(std::string_view bytes, json_writer& w, const print_options& o) {
    M m;
    if (m.decode(wire::as_bytes(bytes))) return false;
    return m._h2pb_json_members(w, o);
}

template <class M>
bool any_parse_members(json_reader& r, const parse_options& o, std::string& bytes) {
    M m;
    if (!m._h2pb_json_read_members(r, o, true)) return false;
    wire::buffer out;
    m.encode(out);
    bytes.assign(reinterpret_cast<const char*>(out.data()), out.size());
    return true;
}

/// Makes M printable and parsable inside an Any (idempotent).
template <class M>
void register_json_type() {
    std::vector<any_type>& v = any_types();
    const std::string_view name = M::_h2pb_full_name;
    auto it = std::lower_bound(v.begin(), v.end(), name, [](const any_type& t, std::string_view n) {
        return t.full_name < n;
    });
    if (it != v.end() && it->full_name == name) return;
    v.insert(it, any_type{name, &any_print_members<M>, &any_parse_members<M>});
}

/// The registered type a type URL names: the part after the last '/'
/// (json.md / any.proto: "type.googleapis.com/pkg.Msg"); null if none.
inline const any_type* find_any_type(std::string_view type_url) {
    const std::size_t slash = type_url.rfind('/');
    if (slash == std::string_view::npos) return nullptr;  // any.proto: a '/' is required
    const std::string_view name = type_url.substr(slash + 1);
    const std::vector<any_type>& v = any_types();
    auto it = std::lower_bound(v.begin(), v.end(), name, [](const any_type& t, std::string_view n) {
        return t.full_name < n;
    });
    return it != v.end() && it->full_name == name ? &*it : nullptr;
}

/// How deeply Anys may nest inside each other when printing. Each level
/// decodes its bytes afresh (with a fresh binary depth budget), so without
/// this bound crafted bytes nesting Anys would recurse without limit; 100
/// is parse_options::max_depth's default, so whatever h2pb parses from JSON
/// it can print. Not a setting: print_options is the other helper's API
/// (see the report); a constant until one is added there.
inline constexpr int max_any_print_depth = 100;

namespace detail {
/// Anys being printed on this thread (the recursion bound above).
inline int& any_print_depth() noexcept {
    thread_local int depth = 0;
    return depth;
}
}  // namespace detail

/// An Any: {} when empty (as libprotobuf prints one), else "@type" first and
/// the members of the embedded message. False for an unregistered type,
/// bytes that do not decode as it, or Anys nested deeper than
/// max_any_print_depth.
inline bool write_any(json_writer& w, const print_options& o, const std::string& type_url,
                      const std::string& value) {
    if (type_url.empty()) {
        if (!value.empty()) return false;
        w.begin_object();
        w.end_object();
        return true;
    }
    const any_type* t = find_any_type(type_url);
    if (t == nullptr) return false;
    int& depth = detail::any_print_depth();
    if (depth >= max_any_print_depth) return false;
    ++depth;
    w.begin_object();
    w.key("@type");
    w.string(type_url);
    const bool printed = t->print_members(value, w, o);
    --depth;
    if (!printed) return false;
    w.end_object();
    return true;
}

/// Reads an Any. "@type" may come after the fields (json.md does not fix
/// the order), so a copy of the reader looks for it first; then the members
/// are read once, as the named type's.
inline bool read_any(json_reader& r, const parse_options& o, std::string& type_url,
                     std::string& value) {
    if (!r.begin_object()) return false;
    std::string url;
    {
        json_reader scan = r;  // copies the open frames: bounded by max_depth
        std::string scratch;
        std::string_view k;
        bool found = false;
        bool empty = true;
        while (scan.next_key(scratch, k)) {
            empty = false;
            if (k == "@type") {
                if (found) return r.fail(json_errc::duplicate_field);
                found = true;
                if (!scan.read_string(url)) break;
            } else if (!scan.skip_value()) {
                break;
            }
        }
        // The error is reported at the object's start (the scan's position
        // is not the reader's).
        if (scan.error()) return r.fail(scan.error().code);
        if (!found) {
            if (empty) {  // {}: the empty Any
                std::string s2;
                std::string_view k2;
                r.next_key(s2, k2);  // consumes '}'
                type_url.clear();
                value.clear();
                return r.error().code == json_errc::ok;
            }
            return r.fail(json_errc::bad_any);
        }
    }
    const any_type* t = find_any_type(url);
    if (t == nullptr) return r.fail(json_errc::unknown_type);
    if (!t->parse_members(r, o, value)) return false;
    type_url = std::move(url);
    return true;
}

}  // namespace h2pb::proto::json
