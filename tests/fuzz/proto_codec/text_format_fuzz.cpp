// libFuzzer target: parse random text with proto_codec/text_format.hpp's
// from_text as a protobuf_test_messages.proto3.TestAllTypesProto3 (every
// field kind, maps, oneofs, recursion, Any with the pool as type registry),
// whose schema is loaded at start from the descriptor set protoc wrote at
// build time. Whatever parses must print (to_text, both layouts) to text that
// parses again and prints the same (a fixed point after one round: "-nan"
// prints as "nan", duplicate map keys print once), and serialize to bytes
// the binary parser accepts. Sanitizers (ASan/UBSan) catch out-of-bounds
// reads and undefined behaviour; the depth limit keeps recursion bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <h2pb/proto_codec/text_format.hpp>

namespace proto = h2pb::proto;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

const proto::descriptor_pool& pool() {
    static const proto::descriptor_pool p = [] {
        std::ifstream in(H2PB_DESC_CONFORMANCE, std::ios::binary);
        const std::string set{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        proto::descriptor_pool q;
        check(!q.add_file_descriptor_set(h2pb::wire::as_bytes(set)));
        return q;
    }();
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const proto::message_descriptor* d =
        pool().find_message("protobuf_test_messages.proto3.TestAllTypesProto3");
    check(d != nullptr);
    proto::text_parse_options opt;
    opt.max_depth = 64;  // keeps the stack of a sanitized build small
    opt.type_registry = &pool();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    proto::dynamic_message m(*d);
    if (proto::from_text(m, text, opt)) return 0;  // an error value, nothing else

    proto::text_print_options po;
    po.expand_any = &pool();
    const std::string t1 = proto::to_text(m, po);
    proto::dynamic_message m2(*d);
    if (auto e = proto::from_text(m2, t1, opt)) {
        // Only an expanded Any can hold unknown fields (its value bytes given
        // as a `value:` string), and those print by number, which no
        // text-format parser reads (libprotobuf's neither).
        check(e.code == proto::text_errc::syntax_error && t1.find('[') != std::string::npos);
        return 0;
    }
    check(proto::to_text(m2, po) == t1);
    po.single_line = true;
    proto::dynamic_message m3(*d);
    check(!proto::from_text(m3, proto::to_text(m, po), opt));
    check(m3.serialize_as_string() == m2.serialize_as_string());

    proto::decode_limits limits;
    limits.max_depth = 2 * opt.max_depth + 2;  // Any adds a level per expansion
    proto::dynamic_message bin(*d);
    check(!bin.parse(h2pb::wire::as_bytes(m2.serialize_as_string()), limits));
    return 0;
}
