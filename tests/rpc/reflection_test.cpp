// Server reflection without a network: the descriptors protoc-gen-h2pb
// embeds (parameter `descriptors`, rpc/file_descriptor.hpp) for
// protos/reflection_{base,ext}.proto, the lookups of rpc/reflection.hpp, and
// the answers of rpc/asio/reflection.hpp to each kind of
// ServerReflectionRequest (grpc's reflection.proto), v1 and v1alpha.
// The end-to-end tests with grpcio and grpc-go clients are in
// tests/interop/grpc/health_reflection/.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/rpc/asio/reflection.hpp>

#include "reflection_ext.h2pb.grpc.hpp"

#include <catch2/catch.hpp>

namespace rpc = h2pb::rpc;
namespace ra = h2pb::rpc::asio;
namespace v1 = grpc::reflection::v1;
namespace v1alpha = grpc::reflection::v1alpha;

namespace {

const rpc::file_descriptor& base = h2pb_files::reflection_Ubase_Dproto;
const rpc::file_descriptor& ext = h2pb_files::reflection_Uext_Dproto;

struct lookup_service final : h2pb::refl::Lookup {};

rpc::reflection_registry make_registry() {
    rpc::reflection_registry r;
    lookup_service s;
    r.add_service(s.service_name(), s.proto_file());
    return r;
}

}  // namespace

TEST_CASE("reflection: the embedded descriptor") {
    CHECK(ext.name == "reflection_ext.proto");
    CHECK(ext.package == "h2pb.refl");
    REQUIRE(ext.dependencies.size() == 1);
    CHECK(ext.dependencies[0] == &base);
    CHECK(base.dependencies.empty());
    // FileDescriptorProto (google/protobuf/descriptor.proto): name = 1,
    // package = 2, dependency = 3, all length-delimited (wire type 2).
    const std::string head = std::string("\x0a\x14") + "reflection_ext.proto" + "\x12\x09" +
                             "h2pb.refl" + "\x1a\x15" + "reflection_base.proto";
    CHECK(ext.serialized.substr(0, head.size()) == head);
    // The generated service names its file.
    lookup_service s;
    CHECK(s.proto_file() == &ext);
    // Every kind of symbol, as protobuf scopes them (enum values beside
    // their enum; extensions in the scope they are declared in).
    for (std::string_view sym :
         {"h2pb.refl.Holder", "h2pb.refl.Holder.a", "h2pb.refl.Holder.pick",
          "h2pb.refl.Holder.Kind", "h2pb.refl.Holder.K_ONE", "h2pb.refl.Holder.Inner",
          "h2pb.refl.Holder.Inner.kind", "h2pb.refl.Holder.holder", "h2pb.refl.note",
          "h2pb.refl.weight", "h2pb.refl.Lookup", "h2pb.refl.Lookup.Find"})
        CHECK(ext.defines(sym));
    CHECK_FALSE(ext.defines("h2pb.refl.Base"));
    CHECK(base.defines("h2pb.refl.Base"));
    CHECK(base.defines("h2pb.refl.Base.id"));
}

TEST_CASE("reflection: the registry's lookups") {
    const rpc::reflection_registry r = make_registry();
    CHECK(r.services() == std::vector<std::string>{"h2pb.refl.Lookup"});
    CHECK(r.files() == 2);  // the import came along
    CHECK(r.by_filename("reflection_ext.proto") == &ext);
    CHECK(r.by_filename("reflection_base.proto") == &base);
    CHECK(r.by_filename("nope.proto") == nullptr);
    CHECK(r.by_filename("") == nullptr);
    CHECK(r.containing_symbol("h2pb.refl.Base") == &base);
    CHECK(r.containing_symbol(".h2pb.refl.Base") == &base);
    CHECK(r.containing_symbol("h2pb.refl.Holder.K_TWO") == &ext);
    CHECK(r.containing_symbol("h2pb.refl.Lookup.Find") == &ext);
    CHECK(r.containing_symbol("h2pb.refl.Nope") == nullptr);
    CHECK(r.containing_symbol("") == nullptr);
    CHECK(r.containing_extension("h2pb.refl.Base", 150) == &ext);
    CHECK(r.containing_extension("h2pb.refl.Base", 120) == &ext);
    CHECK(r.containing_extension("h2pb.refl.Base", 102) == nullptr);
    CHECK(r.containing_extension("h2pb.refl.Holder", 150) == nullptr);
    CHECK(r.extension_numbers("h2pb.refl.Base") == std::vector<std::int32_t>{101, 120, 150});
    CHECK(r.extension_numbers("h2pb.refl.Holder") == std::vector<std::int32_t>{});
    CHECK_FALSE(r.extension_numbers("h2pb.refl.Nope").has_value());
    CHECK(rpc::reflection_registry::with_dependencies(&ext) ==
          std::vector<const rpc::file_descriptor*>{&ext, &base});
    CHECK(rpc::reflection_registry::with_dependencies(&base) ==
          std::vector<const rpc::file_descriptor*>{&base});
}

TEST_CASE("reflection: a file added twice, a service without descriptors") {
    rpc::reflection_registry r;
    r.add_file(&ext);
    r.add_file(&base);
    r.add_file(nullptr);
    r.add_service("x.Plain", nullptr);
    r.add_service("x.Plain", nullptr);
    CHECK(r.files() == 2);
    CHECK(r.services() == std::vector<std::string>{"x.Plain"});
}

template <class Req, class Resp>
void answers() {
    const rpc::reflection_registry r = make_registry();
    auto ask = [&](Req q) { return ra::detail::reflection_answer<Req, Resp>(r, q); };
    auto files_of = [](const Resp& a) {
        std::vector<std::string> out;
        if (a.message_response.index() != Resp::file_descriptor_response_index) return out;
        for (const auto& b : (*std::get<Resp::file_descriptor_response_index>(a.message_response))
                                 .file_descriptor_proto)
            out.emplace_back(b);
        return out;
    };
    auto error_of = [](const Resp& a) {
        if (a.message_response.index() != Resp::error_response_index) return std::int32_t{-1};
        return (*std::get<Resp::error_response_index>(a.message_response)).error_code;
    };
    constexpr std::int32_t not_found = 5, unimplemented = 12;  // statuscodes.md

    Req q;
    q.host = "example";
    q.message_request.template emplace<Req::list_services_index>("");
    Resp a = ask(q);
    CHECK(a.valid_host == "example");
    CHECK(*a.original_request == q);
    REQUIRE(a.message_response.index() == Resp::list_services_response_index);
    const auto& l = *std::get<Resp::list_services_response_index>(a.message_response);
    REQUIRE(l.service.size() == 1);
    CHECK(l.service[0].name == "h2pb.refl.Lookup");

    q = Req{};
    q.message_request.template emplace<Req::file_by_filename_index>("reflection_ext.proto");
    CHECK(files_of(ask(q)) ==
          std::vector<std::string>{std::string(ext.serialized), std::string(base.serialized)});
    q.message_request.template emplace<Req::file_by_filename_index>("x.proto");
    CHECK(error_of(ask(q)) == not_found);

    q.message_request.template emplace<Req::file_containing_symbol_index>("h2pb.refl.Base.id");
    CHECK(files_of(ask(q)) == std::vector<std::string>{std::string(base.serialized)});
    q.message_request.template emplace<Req::file_containing_symbol_index>("h2pb.refl.X");
    CHECK(error_of(ask(q)) == not_found);

    auto ext_req = [](std::string_view type, std::int32_t n) {
        Req e;
        auto& x = *e.message_request.template emplace<Req::file_containing_extension_index>();
        x.containing_type = type;
        x.extension_number = n;
        return e;
    };
    CHECK(files_of(ask(ext_req("h2pb.refl.Base", 101))).size() == 2);
    CHECK(error_of(ask(ext_req("h2pb.refl.Base", 199))) == not_found);
    CHECK(error_of(ask(ext_req("h2pb.refl.X", 101))) == not_found);

    q.message_request.template emplace<Req::all_extension_numbers_of_type_index>("h2pb.refl.Base");
    a = ask(q);
    REQUIRE(a.message_response.index() == Resp::all_extension_numbers_response_index);
    const auto& n = *std::get<Resp::all_extension_numbers_response_index>(a.message_response);
    CHECK(n.base_type_name == "h2pb.refl.Base");
    CHECK(n.extension_number == std::vector<std::int32_t>{101, 120, 150});
    q.message_request.template emplace<Req::all_extension_numbers_of_type_index>("h2pb.refl.X");
    CHECK(error_of(ask(q)) == not_found);

    q.message_request.template emplace<0>();
    CHECK(error_of(ask(q)) == unimplemented);
}

TEST_CASE("reflection: answers, v1") {
    answers<v1::ServerReflectionRequest, v1::ServerReflectionResponse>();
}
TEST_CASE("reflection: answers, v1alpha") {
    answers<v1alpha::ServerReflectionRequest, v1alpha::ServerReflectionResponse>();
}
