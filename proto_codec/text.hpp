// h2pb::proto — the protobuf text format for generated messages, through
// the descriptors the generated code embeds.
//
// protoc-gen-h2pb with the parameter `descriptors` embeds each .proto file's
// FileDescriptorProto (proto_codec/embedded_file.hpp) and gives every message
// `static constexpr const embedded_file* _h2pb_file()` beside its
// `_h2pb_full_name`. For such a message M:
//
//   std::string s = proto::to_text(m);                 // TextFormat::PrintToString
//   std::string one = proto::to_text(m, {.single_line = true});  // ShortDebugString
//   if (auto e = proto::from_text(m, "id: 7 name: \"x\"")) fail(e.message());  // "1:6: ..."
//
// The text format itself (what prints, what parses, the error codes) is
// proto_codec/text_format.hpp's, over a dynamic_message; this header only
// connects a generated struct to it:
//
//   to_text:   M --encode--> bytes --dynamic_message::parse--> print
//   from_text: text --parse--> dynamic_message --serialize--> bytes --M::decode--> M
//
// Cost: every call goes through the binary form, so it encodes and decodes
// the whole message once more than a generated printer would, and the
// dynamic_message allocates per field. That is the price of one text format
// implementation shared with the schema-driven tools; it suits dumps, logs
// and test fixtures, not a hot path (use the binary or JSON codecs there).
// The schema is built once per .proto file, on first use: a descriptor_pool
// made from the file's embedded FileDescriptorProto and those of its imports,
// transitively (a function-local static, so its initialization is
// thread-safe; it lives until the program ends), and M's descriptor is
// looked up in it once per M.
#pragma once

#include <concepts>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/dynamic_message.hpp>
#include <h2pb/proto_codec/embedded_file.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/proto_codec/text_format.hpp>

namespace h2pb::proto {

/// A generated message with embedded descriptors (plugin parameter
/// `descriptors`).
template <class M>
concept message_with_embedded_file = requires {
    { M::_h2pb_file() } -> std::convertible_to<const embedded_file*>;
    { M::_h2pb_full_name } -> std::convertible_to<std::string_view>;
};

/// A descriptor_pool built from embedded files, or the error that stopped it.
struct embedded_schema {
    descriptor_pool pool;
    descriptor_error error;  ///< set when a file did not build; pool is then partial
};

/// Builds a pool from `file` and, transitively, its imports, each file once
/// (by name). The walk is iterative: an import chain as long as protoc
/// allows costs no stack.
inline std::unique_ptr<embedded_schema> build_embedded_schema(const embedded_file& file) {
    auto s = std::make_unique<embedded_schema>();
    std::set<std::string_view> seen;
    std::vector<const embedded_file*> todo{&file};
    while (!todo.empty()) {
        const embedded_file* f = todo.back();
        todo.pop_back();
        if (f == nullptr || !seen.insert(f->name).second) continue;
        // descriptor_pool::add_file builds a file as soon as its imports are
        // built and keeps it waiting until then, so the order does not matter.
        if (auto e = s->pool.add_file(wire::as_bytes(f->serialized))) {
            s->error = std::move(e);
            return s;
        }
        for (const embedded_file* d : f->dependencies) todo.push_back(d);
    }
    s->error = s->pool.check_complete();
    return s;
}

/// The pool of one embedded file (and its imports), built on first use and
/// kept for the program's life: one per file, however many messages it has.
template <const embedded_file* F>
const embedded_schema& embedded_schema_of() {
    static const std::unique_ptr<embedded_schema> s = build_embedded_schema(*F);
    return *s;
}

/// M's run-time descriptor, from its file's pool; nullptr if the embedded
/// descriptors did not build (a bug in the generator or in descriptor.hpp,
/// not something input can cause).
template <message_with_embedded_file M>
const message_descriptor* embedded_descriptor() {
    static const message_descriptor* const d = [] {
        const embedded_schema& s = embedded_schema_of<M::_h2pb_file()>();
        return s.error ? nullptr : s.pool.find_message(M::_h2pb_full_name);
    }();
    return d;
}

/// The message in text format, as libprotobuf's TextFormat::PrintToString
/// prints the same bytes (single_line: ShortDebugString). Returns "" when
/// the schema is unavailable (embedded_descriptor<M>() is nullptr) or when
/// m's encoding does not parse back within the binary decoder's default
/// limits (nested deeper than default_max_depth, larger than
/// default_max_message_size) — a message built in memory can be both.
template <message_with_embedded_file M>
std::string to_text(const M& m, const text_print_options& options = {}) {
    const message_descriptor* d = embedded_descriptor<M>();
    if (d == nullptr) return {};
    wire::buffer bytes;
    m.encode(bytes);
    dynamic_message dm(*d);
    if (dm.parse(bytes.view())) return {};
    return to_text(dm, options);
}

/// Clears m, then reads text-format text into it (TextFormat::
/// ParseFromString). Errors are those of from_text(dynamic_message&, ...),
/// with line and column, plus schema_unavailable and decode_failed (the
/// bytes of the parsed text rejected by M::decode: cannot happen for text
/// the dynamic parser accepted, short of a bug; detail names the wire
/// error). On error m is left empty.
template <message_with_embedded_file M>
text_error from_text(M& m, std::string_view text, const text_parse_options& options = {}) {
    m.clear();
    const message_descriptor* d = embedded_descriptor<M>();
    if (d == nullptr) return {text_errc::schema_unavailable, 0, 0, std::string(M::_h2pb_full_name)};
    dynamic_message dm(*d);
    if (auto e = from_text(dm, text, options)) return e;
    wire::buffer bytes;
    dm.serialize(bytes);
    // The text parser already bounded depth and size. M::decode checks proto2
    // required fields, which allow_partial lets the text omit, so parse the
    // bytes as M::merge does but without that final check.
    decode_context ctx;
    ctx.begin = bytes.view().data();
    // As deep as the text parser allowed, and one more: the two count levels
    // from different starting points; the bytes are bounded by the text.
    ctx.depth_left = options.max_depth == std::numeric_limits<std::size_t>::max()
                         ? options.max_depth
                         : options.max_depth + 1;
    const wire::byte* end = bytes.view().data() + bytes.view().size();
    if (m._h2pb_parse(bytes.view().data(), end, ctx, 0) == nullptr) {
        const error e = ctx.error();
        m.clear();
        return {text_errc::decode_failed, 0, 0,
                std::string(describe(e.code)) + " at offset " + std::to_string(e.offset)};
    }
    return {};
}

}  // namespace h2pb::proto
