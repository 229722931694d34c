// h2pb::proto::json — a generated message to and from the protobuf JSON
// mapping (protobuf-docs/json.md) in one call:
//
//   std::string text = h2pb::proto::json::to_json(msg);          // compact
//   h2pb::proto::json::json_error e = h2pb::proto::json::from_json(msg, text);
//   if (e) std::puts(e.message().c_str());   // "$.items[3].price: expected a number (offset 42)"
//
// The work is done by the to_json / from_json members protoc-gen-h2pb emits
// for every message (their shared code: json_codec.hpp).
#pragma once

#include <string>
#include <string_view>

#include <h2pb/proto_codec/json_codec.hpp>

namespace h2pb::proto::json {

/// A generated message (it has the JSON members).
template <class M>
concept json_message = requires(const M& cm, M& m, json_writer& w, json_reader& r,
                                const print_options& po, const parse_options& pa) {
    { cm.to_json(w, po) } -> std::same_as<bool>;
    { m.from_json(r, pa) } -> std::same_as<bool>;
};

/// `m` in the JSON mapping, appended to `out`: fields in field-number
/// order, as libprotobuf's MessageToJsonString prints them. Fails
/// (unknown_type, `out` then unspecified) only for an Any whose type was
/// not registered (json_any.hpp) or whose bytes do not decode, or a
/// well-known type out of its JSON range (a Timestamp after 9999).
template <json_message M>
json_error to_json(const M& m, std::string& out, const print_options& options = {}) {
    json_writer w(out, options.pretty);
    if (m.to_json(w, options)) return {};
    json_error e;
    e.code = json_errc::unknown_type;
    return e;
}

/// The same as a string; empty when printing fails (see above).
template <json_message M>
std::string to_json(const M& m, const print_options& options = {}) {
    std::string out;
    if (to_json(m, out, options)) out.clear();
    return out;
}

/// Parses `text` into `m` (cleared first). On an error `m` is left cleared,
/// as after a failed binary decode, and the error names the JSON path and
/// offset. A proto2 required field missing anywhere is
/// missing_required_field (path "$").
template <json_message M>
json_error from_json(M& m, std::string_view text, const parse_options& options = {}) {
    m.clear();
    json_reader r(text, options);
    if (!m.from_json(r, options) || !r.finish()) {
        m.clear();
        json_error e = r.error();
        if (!e) e.code = json_errc::syntax;  // defensive: a false without a recorded error
        return e;
    }
    // proto2 required fields, checked once at the end as binary decode does
    // (libprotobuf's JsonStringToMessage rejects their absence too).
    if (!m.is_initialized()) {
        m.clear();
        json_error e;
        e.code = json_errc::missing_required_field;
        e.offset = text.size();
        e.path = "$";
        return e;
    }
    return {};
}

}  // namespace h2pb::proto::json
