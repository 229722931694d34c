// libFuzzer target: parse random bytes as a dynamic_message of
// protobuf_test_messages.proto3.TestAllTypesProto3 (every field kind, maps,
// oneofs, recursion, the well-known types), whose schema is loaded at start
// from the descriptor set protoc wrote at build time. Whatever parses must
// serialize to byte_size() bytes that parse again and serialize the same
// (round-trip stability); every set field is read through the accessors.
// Sanitizers (ASan/UBSan) catch out-of-bounds reads and undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <h2pb/proto_codec/dynamic_message.hpp>

namespace proto = h2pb::proto;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

const proto::message_descriptor& schema() {
    static const proto::descriptor_pool pool = [] {
        std::ifstream in(H2PB_DESC_CONFORMANCE, std::ios::binary);
        const std::string set{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        proto::descriptor_pool p;
        check(!p.add_file_descriptor_set(h2pb::wire::as_bytes(set)));
        return p;
    }();
    static const proto::message_descriptor* m =
        pool.find_message("protobuf_test_messages.proto3.TestAllTypesProto3");
    check(m != nullptr);
    return *m;
}

// Reads every set field, recursively.
void walk(const proto::dynamic_message& m) {
    for (const proto::field_descriptor* f : m.set_fields()) {
        const std::size_t n = m.size(*f);
        check(n > 0);
        if (f->cpp_type() == proto::cpp_type::message) {
            if (f->is_repeated()) {
                for (std::size_t i = 0; i < n; ++i) walk(*m.get_message(*f, i));
            } else {
                walk(*m.get_message(*f));
            }
        } else if (f->cpp_type() == proto::cpp_type::string) {
            if (!f->is_repeated()) (void)m.get_string(*f);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const proto::message_descriptor& d = schema();
    proto::decode_limits limits;
    limits.max_depth = 64;  // keeps the stack of a sanitized build small
    proto::dynamic_message m(d);
    if (m.parse(h2pb::wire::bytes_view{data, size}, limits))
        return 0;  // an error value, nothing else
    walk(m);
    const std::string first = m.serialize_as_string();
    check(first.size() == m.byte_size());
    proto::dynamic_message again(d);
    check(!again.parse(h2pb::wire::as_bytes(first), limits));
    check(again.serialize_as_string() == first);
    return 0;
}
