// proto_codec/descriptor.hpp: descriptor pools built from protoc's
// FileDescriptorSets (tests/proto_codec/protos/all_types{2,3}.proto and
// grpc/testing/test.proto, compiled at build time) and from hand-made
// FileDescriptorProto bytes. Expected values come from the .proto text, from
// descriptor.proto's rules (json_name, packed, presence) and from the
// language guides; libprotobuf's own pool is compared in
// tests/interop/proto_codec/descriptor_crosscheck_test.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include <h2pb/proto_codec/descriptor.hpp>

namespace proto = h2pb::proto;
namespace wire = h2pb::wire;
using proto::descriptor_errc;
using proto::field_type;

namespace {

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A minimal protobuf writer for hand-made descriptors.
std::string varint(std::uint64_t v) {
    std::string s;
    while (v >= 0x80) {
        s.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    s.push_back(static_cast<char>(v));
    return s;
}
std::string ld(std::uint32_t field, const std::string& body) {
    return varint(field << 3 | 2) + varint(body.size()) + body;
}
std::string vi(std::uint32_t field, std::uint64_t v) {
    return varint(field << 3) + varint(v);
}
// FieldDescriptorProto: name, number, label, type, type_name.
std::string field_proto(const std::string& name, int number, int label, int type,
                        const std::string& type_name = "") {
    std::string f = ld(1, name) + vi(3, number) + vi(4, label);
    if (type != 0) f += vi(5, type);  // 0: unset, resolved from type_name
    if (!type_name.empty()) f += ld(6, type_name);
    return f;
}

const proto::field_descriptor& field(const proto::message_descriptor& m, std::string_view name) {
    const proto::field_descriptor* f = m.find_field(name);
    INFO(name);
    REQUIRE(f != nullptr);
    return *f;
}

proto::descriptor_pool load(const char* path) {
    proto::descriptor_pool pool;
    const std::string set = read_file(path);
    const auto e = pool.add_file_descriptor_set(wire::as_bytes(set));
    INFO(e.message());
    REQUIRE_FALSE(e);
    return pool;
}

// The FileDescriptorProtos of a set, in order.
std::vector<std::string> split_set(const std::string& set) {
    std::vector<std::string> files;
    proto::field_reader r(wire::as_bytes(set));
    proto::field f;
    while (r.next(f)) files.emplace_back(wire::as_chars(f.payload));
    REQUIRE_FALSE(r.error());
    return files;
}

}  // namespace

TEST_CASE("proto3 message: fields, numbers, json names, presence, packing, oneofs, maps") {
    const auto pool = load(H2PB_DESC_ALL_TYPES);
    const proto::message_descriptor* m = pool.find_message("h2pb.test3.AllTypes");
    REQUIRE(m != nullptr);
    CHECK(pool.find_message(".h2pb.test3.AllTypes") == m);
    CHECK(m->full_name == "h2pb.test3.AllTypes");
    CHECK(m->file->name == "all_types3.proto");
    CHECK(m->file->package == "h2pb.test3");
    CHECK(m->file->syntax == proto::file_syntax::proto3);
    CHECK(m->fields().size() == 57);  // counted in all_types3.proto
    // declaration order
    CHECK(m->fields()[0]->name == "f_int32");
    CHECK(m->fields()[16]->name == "f_nested");
    CHECK(m->fields().back()->name == "big_number_field");

    const auto& f_int32 = field(*m, "f_int32");
    CHECK(f_int32.number == 1);
    CHECK(f_int32.type == field_type::int32);
    CHECK(f_int32.json_name == "fInt32");
    CHECK_FALSE(f_int32.has_presence);  // proto3 singular scalar without `optional`
    CHECK(f_int32.containing_oneof == nullptr);
    CHECK(m->find_field(1U) == &f_int32);
    CHECK(m->find_field_by_json_name("fInt32") == &f_int32);

    CHECK(field(*m, "f_sint64").type == field_type::sint64);
    CHECK(field(*m, "f_sfixed32").type == field_type::sfixed32);
    CHECK(field(*m, "f_bytes").type == field_type::bytes);
    CHECK(field(*m, "f_string").requires_utf8());
    CHECK_FALSE(field(*m, "f_bytes").requires_utf8());

    const auto& nested = field(*m, "f_nested");
    CHECK(nested.type == field_type::message);
    REQUIRE(nested.message_type != nullptr);
    CHECK(nested.message_type == pool.find_message("h2pb.test3.Nested"));
    CHECK(nested.has_presence);  // message fields always track presence

    // proto3 `optional`: a synthetic oneof named "_" + field name
    const auto& o_int32 = field(*m, "o_int32");
    CHECK(o_int32.proto3_optional);
    CHECK(o_int32.has_presence);
    REQUIRE(o_int32.containing_oneof != nullptr);
    CHECK(o_int32.containing_oneof->name == "_o_int32");
    CHECK(o_int32.containing_oneof->is_synthetic);
    CHECK(o_int32.real_containing_oneof() == nullptr);

    // repeated scalars are packed by default in proto3, unless [packed = false]
    CHECK(field(*m, "r_int32").is_packed);
    CHECK(field(*m, "r_double").is_packed);
    CHECK(field(*m, "r_enum").is_packed);
    CHECK_FALSE(field(*m, "r_string").is_packed);
    CHECK_FALSE(field(*m, "r_nested").is_packed);
    CHECK_FALSE(field(*m, "u_int32").is_packed);
    CHECK_FALSE(field(*m, "u_double").is_packed);
    CHECK_FALSE(field(*m, "r_int32").has_presence);

    // maps: repeated MapFieldEntry messages, nested, with key = 1, value = 2
    const auto& map = field(*m, "m_uint32_nested");
    CHECK(map.is_map());
    CHECK(map.is_repeated());
    REQUIRE(map.message_type != nullptr);
    CHECK(map.message_type->full_name == "h2pb.test3.AllTypes.MUint32NestedEntry");
    CHECK(map.message_type->is_map_entry);
    CHECK(map.message_type->map_key()->type == field_type::uint32);
    CHECK(map.message_type->map_value()->message_type == pool.find_message("h2pb.test3.Nested"));
    CHECK(map.json_name == "mUint32Nested");

    // a real oneof
    REQUIRE(m->oneofs().size() == 5);  // choice + 4 synthetic
    const proto::oneof_descriptor* choice = m->oneofs()[0];
    CHECK(choice->name == "choice");
    CHECK_FALSE(choice->is_synthetic);
    REQUIRE(choice->fields.size() == 5);
    CHECK(choice->fields[0]->name == "c_int32");
    CHECK(field(*m, "c_int32").has_presence);
    CHECK(field(*m, "c_string").real_containing_oneof() == choice);

    // nested types and scoped names
    const proto::enum_descriptor* mood = pool.find_enum("h2pb.test3.AllTypes.Inner.Mood");
    REQUIRE(mood != nullptr);
    CHECK(field(*m, "moods").enum_type == mood);
    CHECK(field(*pool.find_message("h2pb.test3.AllTypes.Inner"), "inners").message_type ==
          pool.find_message("h2pb.test3.AllTypes.Inner"));
    CHECK(m->find_field(536870911U)->name == "big_number_field");
    CHECK(field(*m, "big_number_field").json_name == "bigNumberField");

    const proto::enum_descriptor* color = pool.find_enum("h2pb.test3.Color");
    REQUIRE(color != nullptr);
    CHECK_FALSE(color->is_closed);  // proto3 enums are open
    REQUIRE(color->values.size() == 4);
    CHECK(color->find_value("BLUE")->number == -3);
    CHECK(color->find_value(2)->name == "GREEN");
    CHECK(color->find_value(7) == nullptr);

    CHECK(pool.find_message("h2pb.test3.Color") == nullptr);  // an enum, not a message
    CHECK(pool.find_message("AllTypes") == nullptr);          // names are fully qualified
    CHECK(pool.find_message("h2pb.test3") == nullptr);        // a package
}

TEST_CASE("proto2 message: defaults, required, closed enums, groups, explicit packing") {
    const auto pool = load(H2PB_DESC_ALL_TYPES);
    const proto::message_descriptor* m = pool.find_message("h2pb.test2.AllTypes2");
    REQUIRE(m != nullptr);
    CHECK(m->file->syntax == proto::file_syntax::proto2);

    CHECK(field(*m, "f_int32").has_presence);  // proto2 optional
    CHECK(field(*m, "f_int32").default_value == "-42");
    CHECK(static_cast<std::int64_t>(field(*m, "f_int32").default_bits) == -42);
    CHECK(static_cast<std::int64_t>(field(*m, "f_int64").default_bits) == INT64_MIN);
    CHECK(field(*m, "f_uint32").default_bits == 4294967295U);
    CHECK(field(*m, "f_uint64").default_bits == UINT64_MAX);
    CHECK(field(*m, "f_float").default_double == 1.5);
    CHECK(std::isinf(field(*m, "f_double").default_double));
    CHECK(field(*m, "f_bool").default_bits == 1);
    CHECK(field(*m, "f_string").default_string == "hello \"world\"\n");
    CHECK(field(*m, "f_bytes").default_string == std::string("\x01\x02\xff", 3));
    CHECK(field(*m, "f_enum").default_bits == 2);  // MEDIUM
    CHECK(field(*m, "f_sint32").default_bits == 0);
    CHECK_FALSE(field(*m, "f_string").requires_utf8());  // proto2 strings are not checked

    const auto& required_id = field(*pool.find_message("h2pb.test2.Required"), "id");
    CHECK(required_id.is_required());
    CHECK(required_id.label == proto::field_label::required);

    CHECK_FALSE(field(*m, "r_int32").is_packed);  // proto2: unpacked unless [packed = true]
    CHECK_FALSE(field(*m, "r_enum").is_packed);
    CHECK(field(*m, "r_enum_packed").is_packed);
    CHECK(field(*m, "r_sfixed64_packed").is_packed);

    const proto::enum_descriptor* size = pool.find_enum("h2pb.test2.Size");
    REQUIRE(size != nullptr);
    CHECK(size->is_closed);
    CHECK(field(*m, "r_enum").enum_type == size);

    // groups: a field named after the lower-cased group, type GROUP
    const auto& group = field(*m, "optionalgroup");
    CHECK(group.type == field_type::group);
    CHECK(group.number == 40);
    REQUIRE(group.message_type != nullptr);
    CHECK(group.message_type->full_name == "h2pb.test2.AllTypes2.OptionalGroup");
    CHECK(field(*m, "repeatedgroup").is_repeated());

    CHECK(field(*m, "default_").json_name == "default");  // trailing '_' dropped (ToJsonName)
    CHECK(field(*m, "class").number == 61);
    CHECK(field(*m, "c_required").real_containing_oneof()->name == "choice");
}

TEST_CASE("services and methods: streaming flags, types, :path lookup, file containing symbol") {
    const auto pool = load(H2PB_DESC_GRPC_TEST);
    const proto::service_descriptor* s = pool.find_service("grpc.testing.TestService");
    REQUIRE(s != nullptr);
    CHECK(s->file->name == "grpc/testing/test.proto");
    const proto::method_descriptor* unary = s->find_method("UnaryCall");
    REQUIRE(unary != nullptr);
    CHECK_FALSE(unary->client_streaming);
    CHECK_FALSE(unary->server_streaming);
    CHECK(unary->input_type == pool.find_message("grpc.testing.SimpleRequest"));
    CHECK(unary->output_type->full_name == "grpc.testing.SimpleResponse");
    CHECK(unary->path() == "/grpc.testing.TestService/UnaryCall");
    CHECK(pool.find_method("grpc.testing.TestService.UnaryCall") == unary);
    CHECK(pool.find_method("/grpc.testing.TestService/UnaryCall") == unary);

    const proto::method_descriptor* in = s->find_method("StreamingInputCall");
    CHECK(in->client_streaming);
    CHECK_FALSE(in->server_streaming);
    const proto::method_descriptor* out = s->find_method("StreamingOutputCall");
    CHECK_FALSE(out->client_streaming);
    CHECK(out->server_streaming);
    const proto::method_descriptor* bidi = s->find_method("FullDuplexCall");
    CHECK(bidi->client_streaming);
    CHECK(bidi->server_streaming);
    CHECK(s->find_method("EmptyCall")->input_type->full_name == "grpc.testing.Empty");

    REQUIRE(pool.find_file("grpc/testing/messages.proto") != nullptr);
    CHECK(pool.find_file_containing_symbol("grpc.testing.SimpleRequest")->name ==
          "grpc/testing/messages.proto");
    CHECK(pool.find_file_containing_symbol("grpc.testing.SimpleRequest.response_size")->name ==
          "grpc/testing/messages.proto");
    CHECK(pool.find_file_containing_symbol("grpc.testing.TestService")->name ==
          "grpc/testing/test.proto");
    CHECK(pool.find_file_containing_symbol("grpc.testing.TestService.UnaryCall")->name ==
          "grpc/testing/test.proto");
    CHECK(pool.find_file_containing_symbol("grpc.testing.Empty")->name ==
          "grpc/testing/empty.proto");
    CHECK(pool.find_file_containing_symbol("grpc.testing.NoSuchThing") == nullptr);
    CHECK(pool.find_file("grpc/testing/test.proto")->dependencies.size() == 2);
}

TEST_CASE("files added one by one in any order (server reflection) resolve when all are present") {
    const auto files = split_set(read_file(H2PB_DESC_GRPC_TEST));
    REQUIRE(files.size() == 3);  // empty, messages, test: imports first
    proto::descriptor_pool pool;
    // test.proto first: it waits for its two imports
    REQUIRE_FALSE(pool.add_file(wire::as_bytes(files[2])));
    CHECK(pool.find_service("grpc.testing.TestService") == nullptr);
    CHECK(pool.pending_files() == std::vector<std::string>{"grpc/testing/test.proto"});
    const auto missing = pool.check_complete();
    CHECK(missing.code == descriptor_errc::missing_dependency);
    CHECK(missing.subject == "grpc/testing/test.proto imports grpc/testing/empty.proto");
    REQUIRE_FALSE(pool.add_file(wire::as_bytes(files[1])));
    CHECK(pool.find_message("grpc.testing.SimpleRequest") != nullptr);
    CHECK(pool.find_service("grpc.testing.TestService") == nullptr);
    REQUIRE_FALSE(pool.add_file(wire::as_bytes(files[0])));
    CHECK(pool.pending_files().empty());
    CHECK_FALSE(pool.check_complete());
    REQUIRE(pool.find_service("grpc.testing.TestService") != nullptr);
    CHECK(pool.find_method("grpc.testing.TestService.EmptyCall")->input_type ==
          pool.find_message("grpc.testing.Empty"));

    // the same file again
    const auto dup = pool.add_file(wire::as_bytes(files[0]));
    CHECK(dup.code == descriptor_errc::duplicate_file);
    CHECK(dup.subject == "grpc/testing/empty.proto");
}

TEST_CASE("a set whose import is missing names it") {
    const auto files = split_set(read_file(H2PB_DESC_GRPC_TEST));
    const std::string set = ld(1, files[1]) + ld(1, files[2]);  // no empty.proto
    proto::descriptor_pool pool;
    const auto e = pool.add_file_descriptor_set(wire::as_bytes(set));
    CHECK(e.code == descriptor_errc::missing_dependency);
    CHECK(e.subject == "grpc/testing/test.proto imports grpc/testing/empty.proto");
}

TEST_CASE("hand-made descriptors: relative type names resolve by scope, as protoc's do") {
    // package a.b; message Outer { message Inner {} Inner x = 1; b.Outer y = 2; } enum E { Z = 0; }
    // message User { a.b.E e = 1; Outer.Inner i = 2; }
    const std::string outer =
        ld(1, "Outer") + ld(3, ld(1, "Inner")) + ld(2, field_proto("x", 1, 1, 11, "Inner")) +
        ld(2, field_proto("y", 2, 1, 0, "b.Outer"));  // type unset: resolved by what the name is
    const std::string user = ld(1, "User") + ld(2, field_proto("e", 1, 1, 0, "E")) +
                             ld(2, field_proto("i", 2, 1, 11, "Outer.Inner"));
    const std::string file = ld(1, "f.proto") + ld(2, "a.b") + ld(4, outer) + ld(4, user) +
                             ld(5, ld(1, "E") + ld(2, ld(1, "Z") + vi(2, 0))) + ld(12, "proto3");
    proto::descriptor_pool pool;
    const auto e = pool.add_file(wire::as_bytes(file));
    INFO(e.message());
    REQUIRE_FALSE(e);
    const auto* o = pool.find_message("a.b.Outer");
    REQUIRE(o != nullptr);
    CHECK(field(*o, "x").message_type == pool.find_message("a.b.Outer.Inner"));
    CHECK(field(*o, "y").message_type == o);
    CHECK(field(*o, "y").type == field_type::message);
    const auto* u = pool.find_message("a.b.User");
    CHECK(field(*u, "e").enum_type == pool.find_enum("a.b.E"));
    CHECK(field(*u, "e").type == field_type::enum_);
    CHECK(field(*u, "i").message_type == pool.find_message("a.b.Outer.Inner"));
    CHECK(pool.find_file_containing_symbol("a.b.Z")->name ==
          "f.proto");  // enum values are siblings of the enum
}

TEST_CASE("hand-made descriptors: precise errors") {
    auto build = [](const std::string& file) {
        proto::descriptor_pool pool;
        return pool.add_file(wire::as_bytes(file));
    };
    SECTION("unresolved type") {
        const auto e =
            build(ld(1, "f.proto") +
                  ld(4, ld(1, "M") + ld(2, field_proto("x", 1, 1, 11, ".nope.Missing"))));
        CHECK(e.code == descriptor_errc::unresolved_type);
        CHECK(e.subject == ".nope.Missing (field M.x)");
    }
    SECTION(
        "a message type where an enum stands: resolved as what it is; a service method with an "
        "enum type") {
        const std::string file =
            ld(1, "f.proto") + ld(5, ld(1, "E") + ld(2, ld(1, "Z") + vi(2, 0))) +
            ld(6, ld(1, "S") + ld(2, ld(1, "Call") + ld(2, ".E") + ld(3, ".E")));
        CHECK(build(file).code == descriptor_errc::wrong_kind);
    }
    SECTION("duplicate symbol across files") {
        proto::descriptor_pool pool;
        REQUIRE_FALSE(
            pool.add_file(wire::as_bytes(ld(1, "a.proto") + ld(2, "p") + ld(4, ld(1, "M")))));
        const auto e =
            pool.add_file(wire::as_bytes(ld(1, "b.proto") + ld(2, "p") + ld(4, ld(1, "M"))));
        CHECK(e.code == descriptor_errc::duplicate_symbol);
        CHECK(e.subject == "p.M");
        // the failed file left nothing behind; the package is shared
        CHECK(pool.find_file("b.proto") == nullptr);
        CHECK_FALSE(
            pool.add_file(wire::as_bytes(ld(1, "c.proto") + ld(2, "p") + ld(4, ld(1, "N")))));
        CHECK(pool.find_file_containing_symbol("p.N")->name == "c.proto");
    }
    SECTION("duplicate field number, duplicate field name") {
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 1, 1, 5)) +
                                                 ld(2, field_proto("b", 1, 1, 5))))
                  .code == descriptor_errc::duplicate_field_number);
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 1, 1, 5)) +
                                                 ld(2, field_proto("a", 2, 1, 5))))
                  .code == descriptor_errc::duplicate_symbol);
    }
    SECTION("field number, type, label out of range") {
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 0, 1, 5)))).code ==
              descriptor_errc::invalid_field);
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 1 << 29, 1, 5))))
                  .code == descriptor_errc::invalid_field);
        CHECK(
            build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 1, 1, 19)))).code ==
            descriptor_errc::invalid_field);
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, field_proto("a", 1, 4, 5)))).code ==
              descriptor_errc::invalid_field);
    }
    SECTION("oneof_index past the oneofs") {
        CHECK(build(ld(1, "f.proto") +
                    ld(4, ld(1, "M") + ld(2, field_proto("a", 1, 1, 5) + vi(9, 0))))
                  .code == descriptor_errc::bad_oneof_index);
    }
    SECTION("names missing") {
        CHECK(build(ld(2, "pkg")).code == descriptor_errc::missing_name);
        CHECK(build(ld(1, "f.proto") + ld(4, ld(2, field_proto("a", 1, 1, 5)))).code ==
              descriptor_errc::missing_name);
    }
    SECTION("wrong wire type for a descriptor field") {
        const auto e = build(ld(1, "f.proto") + vi(2, 7));  // package as a varint
        CHECK(e.code == descriptor_errc::wrong_wire_type);
        CHECK(e.subject == "FileDescriptorProto.package");
    }
    SECTION("bad default") {
        std::string f = field_proto("a", 1, 1, 5) + ld(7, "12x");
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(2, f))).code ==
              descriptor_errc::bad_default);
    }
    SECTION("bad map entry") {
        std::string entry =
            ld(1, "E") + ld(7, vi(7, 1)) + ld(2, field_proto("key", 1, 1, 5));  // no value
        CHECK(build(ld(1, "f.proto") + ld(4, ld(1, "M") + ld(3, entry))).code ==
              descriptor_errc::bad_map_entry);
    }
    SECTION("truncated bytes") {
        const std::string file = ld(1, "f.proto") + ld(4, ld(1, "M"));
        const auto e = build(file.substr(0, file.size() - 1));
        CHECK(e.code == descriptor_errc::bad_bytes);
        CHECK(e.wire.code == proto::errc::length_exceeds_input);
        CHECK(e.message().find("offset") != std::string::npos);
    }
}

TEST_CASE("limits: nesting depth and symbol count") {
    std::string m = ld(1, "M");
    for (int i = 0; i < 80; ++i) m = ld(1, "M") + ld(3, m);
    const std::string file = ld(1, "deep.proto") + ld(4, m);
    {
        proto::descriptor_pool pool;
        CHECK(pool.add_file(wire::as_bytes(file)).code == descriptor_errc::depth_limit_exceeded);
    }
    {
        proto::descriptor_limits lim;
        lim.max_depth = 100;
        proto::descriptor_pool pool(lim);
        CHECK_FALSE(pool.add_file(wire::as_bytes(file)));
    }
    {
        proto::descriptor_limits lim;
        lim.max_symbols = 10;
        proto::descriptor_pool pool(lim);
        CHECK(pool.add_file(wire::as_bytes(file)).code == descriptor_errc::too_many_symbols);
    }
}

TEST_CASE(
    "malformed descriptor sets: every truncation and many byte changes give errors or pools, no "
    "crashes") {
    const std::string set = read_file(H2PB_DESC_GRPC_TEST);
    std::size_t errors = 0;
    for (std::size_t n = 0; n < set.size(); n += 7) {
        proto::descriptor_pool pool;
        if (pool.add_file_descriptor_set(wire::as_bytes(std::string_view(set).substr(0, n))))
            ++errors;
    }
    CHECK(errors > 0);
    for (std::size_t i = 0; i < set.size(); i += 13) {
        for (unsigned char b : {0x00, 0xFF, 0x80, 0x0A}) {
            std::string bad = set;
            bad[i] = static_cast<char>(b);
            proto::descriptor_pool pool;
            (void)pool.add_file_descriptor_set(wire::as_bytes(bad));
        }
    }
}

TEST_CASE("json names computed as protoc does") {
    CHECK(proto::to_json_name("foo_bar") == "fooBar");
    CHECK(proto::to_json_name("foo_bar_baz") == "fooBarBaz");
    CHECK(proto::to_json_name("foo__bar") == "fooBar");
    CHECK(proto::to_json_name("_foo") == "Foo");
    CHECK(proto::to_json_name("foo_") == "foo");
    CHECK(proto::to_json_name("foo_1bar") == "foo1bar");
    CHECK(proto::to_json_name("FieldName13") == "FieldName13");
}
