// libFuzzer target: the fuzz input as JSON text into a TestAllTypesProto3
// dynamic_message (proto_codec/json_dynamic.hpp; schema from a protoc
// descriptor set of protobuf's conformance messages). On success the message
// is printed and parsed back: that must succeed and give the same message
// (compared by its deterministic serialization).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <h2pb/proto_codec/json_dynamic.hpp>

namespace {

const h2pb::proto::descriptor_pool& pool() {
    static const h2pb::proto::descriptor_pool p = [] {
        std::ifstream in(H2PB_DESC_CONFORMANCE, std::ios::binary);
        const std::string set{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        h2pb::proto::descriptor_pool pool;
        if (pool.add_file_descriptor_set(h2pb::wire::as_bytes(set))) std::abort();
        return pool;
    }();
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace json = h2pb::proto::json;
    const h2pb::proto::message_descriptor* d =
        pool().find_message("protobuf_test_messages.proto3.TestAllTypesProto3");
    if (d == nullptr) std::abort();
    h2pb::proto::dynamic_message m(*d);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (json::from_json(m, text, {}, &pool())) return 0;  // rejected: fine
    std::string out;
    // A parsed message may still not print: a Value holding a huge number
    // that became Infinity, a FieldMask path without a JSON form, ...
    if (json::to_json(m, out, {}, &pool())) return 0;
    h2pb::proto::dynamic_message back(*d);
    if (json::from_json(back, out, {}, &pool())) std::abort();  // printed JSON must parse
    if (back.serialize_as_string() != m.serialize_as_string()) std::abort();
    return 0;
}
