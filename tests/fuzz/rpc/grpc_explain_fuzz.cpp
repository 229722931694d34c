// libFuzzer target for what `h2pb decode --grpc` runs on its input: the rpc
// message reader, then the field explainer (proto::field_reader plus the
// nested-message guesses, which recurse) on every message. The same bytes are
// also read as a FileDescriptorSet (the --proto path) and, when that yields
// message types, each message is explained with the first of them, so the
// typed decoding (packed, maps, groups, enums) runs on hostile schemas too.
// Nothing may crash, read out of bounds, or recurse past the depth limit; the
// explained fields must tile each message exactly up to the error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <h2pb/rpc/message_reader.hpp>

#include "../../../tools/h2pb/explain.hpp"
#include "../../../tools/h2pb/schema.hpp"

using namespace h2pb;

namespace {

void check_tiling(const std::vector<cli::node>& nodes, std::size_t begin, std::size_t end,
                  bool complete) {
    std::size_t at = begin;
    for (const auto& n : nodes) {
        if (n.end_group) continue;
        if (n.offset != at || n.size == 0 || n.offset + n.size > end) std::abort();
        at += n.size;
    }
    if (complete && at != end) std::abort();
}

void explain(const cli::explain_options& o, wire::bytes_view msg, std::size_t base,
             const proto::message_descriptor* type) {
    cli::explainer ex(o);
    std::vector<cli::node> fields;
    const proto::error e = ex.message(msg, base, 0, type, fields);
    if (e && (e.offset < base || e.offset > base + msg.size())) std::abort();
    check_tiling(fields, base, base + msg.size(), !e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const wire::bytes_view in(data, size);
    cli::explain_options raw;
    raw.limits.max_depth = 20;  // deep enough to matter, shallow enough to be quick

    // The descriptors point at their own types: the pool only has to outlive
    // the explaining. The first message type of the set, if it has any.
    cli::schema types;
    const proto::message_descriptor* type = nullptr;
    if (!cli::parse_descriptor_set(in, types)) {
        cli::for_each_message(types, [&](const proto::message_descriptor& m) {
            if (type == nullptr) type = &m;
        });
    }
    const cli::explain_options typed = raw;

    // Plain protobuf.
    explain(raw, in, 0, nullptr);
    if (type != nullptr) explain(typed, in, 0, type);

    // gRPC framing around it.
    rpc::reader_settings settings;
    settings.accept_compressed = true;
    settings.max_message_size = 1 << 16;
    const rpc::error e = rpc::read_messages(
        in,
        [&](const rpc::message& m) {
            if (m.compressed) return;
            explain(raw, m.bytes, m.offset + rpc::prefix_size, nullptr);
            if (type != nullptr) explain(typed, m.bytes, m.offset + rpc::prefix_size, type);
        },
        settings);
    if (e && e.offset > size) std::abort();
    return 0;
}
