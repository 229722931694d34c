// descriptor.hpp and dynamic_message.hpp against libprotobuf 3.21.
//
// Both sides load the same descriptor sets, written by protoc at build time
// (protobuf's conformance messages; grpc's test services). libprotobuf's
// DescriptorPool is the reference for every field's name, json_name, number,
// type, label, packing, presence, oneof, default and resolved type, for enums
// and for services. libprotobuf's DynamicMessage, filled at random through
// reflection (crosscheck.hpp) and given unknown fields, is the reference for
// parsing and serialization: its deterministic bytes must parse in
// dynamic_message and come back byte for byte, and the set fields and their
// values must be the same as libprotobuf's reflection reports.
#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/unknown_field_set.h>

#include <fstream>
#include <iterator>
#include <memory>

#include <h2pb/proto_codec/dynamic_message.hpp>

#include "crosscheck.hpp"
#include "dynamic_crosscheck.hpp"

namespace proto = h2pb::proto;
namespace wire = h2pb::wire;
using h2pb_crosscheck::deterministic;
using h2pb_crosscheck::filler;
using h2pb_dyncheck::add_unknown;
using h2pb_dyncheck::both;
using h2pb_dyncheck::canonicalize_maps;
using h2pb_dyncheck::first_difference;

namespace {

std::string name_or_empty(const pb::OneofDescriptor* o) {
    return o == nullptr ? "" : o->name();
}
std::string name_or_empty(const proto::oneof_descriptor* o) {
    return o == nullptr ? "" : o->name;
}

void compare_enum(const pb::EnumDescriptor* r, const proto::enum_descriptor* e) {
    REQUIRE(e != nullptr);
    CHECK(e->full_name == r->full_name());
    CHECK(e->is_closed == (r->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO2));
    REQUIRE(e->values.size() == static_cast<std::size_t>(r->value_count()));
    for (int i = 0; i < r->value_count(); ++i) {
        CHECK(e->values[static_cast<std::size_t>(i)].name == r->value(i)->name());
        CHECK(e->values[static_cast<std::size_t>(i)].number == r->value(i)->number());
    }
}

void compare_field(const FieldDescriptor* r, const proto::field_descriptor& f) {
    INFO(r->full_name());
    CHECK(f.full_name == r->full_name());
    CHECK(f.name == r->name());
    CHECK(f.json_name == r->json_name());
    CHECK(f.number == static_cast<std::uint32_t>(r->number()));
    CHECK(static_cast<int>(f.type) == static_cast<int>(r->type()));
    CHECK(static_cast<int>(f.label) == static_cast<int>(r->label()));
    CHECK(f.is_packed == r->is_packed());
    CHECK(f.has_presence == r->has_presence());
    CHECK(f.is_required() == r->is_required());
    CHECK(f.is_map() == r->is_map());
    CHECK(f.proto3_optional ==
          (r->containing_oneof() != nullptr && r->containing_oneof()->is_synthetic()));
    CHECK(name_or_empty(f.containing_oneof) == name_or_empty(r->containing_oneof()));
    CHECK(name_or_empty(f.real_containing_oneof()) == name_or_empty(r->real_containing_oneof()));
    CHECK(f.requires_utf8() == (r->type() == FieldDescriptor::TYPE_STRING &&
                                r->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3));
    if (r->message_type() != nullptr) {
        REQUIRE(f.message_type != nullptr);
        CHECK(f.message_type->full_name == r->message_type()->full_name());
    } else {
        CHECK(f.message_type == nullptr);
    }
    if (r->enum_type() != nullptr) {
        REQUIRE(f.enum_type != nullptr);
        CHECK(f.enum_type->full_name == r->enum_type()->full_name());
    }
    if (r->is_repeated()) return;
    switch (r->cpp_type()) {  // defaults (explicit, or the type's zero / first enum value)
        case FieldDescriptor::CPPTYPE_INT32:
            CHECK(static_cast<std::int32_t>(f.default_bits) == r->default_value_int32());
            break;
        case FieldDescriptor::CPPTYPE_INT64:
            CHECK(static_cast<std::int64_t>(f.default_bits) == r->default_value_int64());
            break;
        case FieldDescriptor::CPPTYPE_UINT32:
            CHECK(static_cast<std::uint32_t>(f.default_bits) == r->default_value_uint32());
            break;
        case FieldDescriptor::CPPTYPE_UINT64:
            CHECK(f.default_bits == r->default_value_uint64());
            break;
        case FieldDescriptor::CPPTYPE_BOOL:
            CHECK((f.default_bits != 0) == r->default_value_bool());
            break;
        case FieldDescriptor::CPPTYPE_ENUM:
            CHECK(static_cast<std::int32_t>(f.default_bits) == r->default_value_enum()->number());
            break;
        case FieldDescriptor::CPPTYPE_STRING:
            CHECK(f.default_string == r->default_value_string());
            break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
            if (!std::isnan(r->default_value_double()))
                CHECK(f.default_double == r->default_value_double());
            break;
        case FieldDescriptor::CPPTYPE_FLOAT:
            if (!std::isnan(r->default_value_float()))
                CHECK(static_cast<float>(f.default_double) == r->default_value_float());
            break;
        default:
            break;
    }
}

void compare_message(const pb::Descriptor* r, const proto::message_descriptor* m,
                     std::size_t* count) {
    REQUIRE(m != nullptr);
    ++*count;
    INFO(r->full_name());
    CHECK(m->full_name == r->full_name());
    CHECK(m->name == r->name());
    CHECK(m->is_map_entry == r->options().map_entry());
    CHECK(m->file->name == r->file()->name());
    REQUIRE(m->fields().size() == static_cast<std::size_t>(r->field_count()));
    for (int i = 0; i < r->field_count(); ++i) {
        compare_field(r->field(i), *m->fields()[static_cast<std::size_t>(i)]);
        CHECK(m->find_field(static_cast<std::uint32_t>(r->field(i)->number())) ==
              m->fields()[static_cast<std::size_t>(i)]);
        CHECK(m->find_field_by_json_name(r->field(i)->json_name()) != nullptr);
    }
    REQUIRE(m->oneofs().size() == static_cast<std::size_t>(r->oneof_decl_count()));
    for (int i = 0; i < r->oneof_decl_count(); ++i) {
        const proto::oneof_descriptor* o = m->oneofs()[static_cast<std::size_t>(i)];
        CHECK(o->name == r->oneof_decl(i)->name());
        CHECK(o->full_name == r->oneof_decl(i)->full_name());
        CHECK(o->is_synthetic == r->oneof_decl(i)->is_synthetic());
        CHECK(o->fields.size() == static_cast<std::size_t>(r->oneof_decl(i)->field_count()));
    }
    REQUIRE(m->nested_types().size() == static_cast<std::size_t>(r->nested_type_count()));
    for (int i = 0; i < r->nested_type_count(); ++i)
        compare_message(r->nested_type(i), m->nested_types()[static_cast<std::size_t>(i)], count);
    REQUIRE(m->enum_types().size() == static_cast<std::size_t>(r->enum_type_count()));
    for (int i = 0; i < r->enum_type_count(); ++i)
        compare_enum(r->enum_type(i), m->enum_types()[static_cast<std::size_t>(i)]);
}

void compare_pools(const both& p, std::size_t* messages) {
    pb::FileDescriptorSet set;
    REQUIRE(set.ParseFromString(p.bytes));
    for (const auto& fp : set.file()) {
        const pb::FileDescriptor* r = p.ref.FindFileByName(fp.name());
        const proto::file_descriptor* f = p.h2.find_file(fp.name());
        REQUIRE(f != nullptr);
        CHECK(f->package == r->package());
        CHECK(f->dependencies.size() == static_cast<std::size_t>(r->dependency_count()));
        CHECK((f->syntax == proto::file_syntax::proto3) ==
              (r->syntax() == pb::FileDescriptor::SYNTAX_PROTO3));
        REQUIRE(f->message_types.size() == static_cast<std::size_t>(r->message_type_count()));
        for (int i = 0; i < r->message_type_count(); ++i) {
            compare_message(r->message_type(i), f->message_types[static_cast<std::size_t>(i)],
                            messages);
            CHECK(p.h2.find_message(r->message_type(i)->full_name()) ==
                  f->message_types[static_cast<std::size_t>(i)]);
            CHECK(p.h2.find_file_containing_symbol(r->message_type(i)->full_name()) == f);
        }
        REQUIRE(f->enum_types.size() == static_cast<std::size_t>(r->enum_type_count()));
        for (int i = 0; i < r->enum_type_count(); ++i) {
            compare_enum(r->enum_type(i), f->enum_types[static_cast<std::size_t>(i)]);
            CHECK(p.h2.find_enum(r->enum_type(i)->full_name()) ==
                  f->enum_types[static_cast<std::size_t>(i)]);
        }
        REQUIRE(f->services.size() == static_cast<std::size_t>(r->service_count()));
        for (int i = 0; i < r->service_count(); ++i) {
            const pb::ServiceDescriptor* rs = r->service(i);
            const proto::service_descriptor* s = p.h2.find_service(rs->full_name());
            REQUIRE(s != nullptr);
            CHECK(p.h2.find_file_containing_symbol(rs->full_name()) == f);
            REQUIRE(s->methods.size() == static_cast<std::size_t>(rs->method_count()));
            for (int j = 0; j < rs->method_count(); ++j) {
                const pb::MethodDescriptor* rm = rs->method(j);
                const proto::method_descriptor* m = p.h2.find_method(rm->full_name());
                REQUIRE(m != nullptr);
                CHECK(m == s->methods[static_cast<std::size_t>(j)].get());
                CHECK(m->name == rm->name());
                CHECK(m->input_type->full_name == rm->input_type()->full_name());
                CHECK(m->output_type->full_name == rm->output_type()->full_name());
                CHECK(m->client_streaming == rm->client_streaming());
                CHECK(m->server_streaming == rm->server_streaming());
                CHECK(p.h2.find_file_containing_symbol(rm->full_name()) == f);
            }
        }
    }
}

// The set fields and their values, through both reflection APIs.
void compare_values(const pb::Message& r, const proto::dynamic_message& m) {
    const pb::Reflection* refl = r.GetReflection();
    std::vector<const FieldDescriptor*> set;
    refl->ListFields(r, &set);
    const auto ours = m.set_fields();
    REQUIRE(ours.size() == set.size());
    for (std::size_t i = 0; i < set.size(); ++i) {
        const FieldDescriptor* rf = set[i];
        const proto::field_descriptor& f = *ours[i];
        INFO(rf->full_name());
        REQUIRE(f.full_name == rf->full_name());
        if (rf->is_map()) {
            // libprotobuf's map is a hash map: compare the count only here
            // (the serialized bytes are compared in key order).
            CHECK(m.size(f) == static_cast<std::size_t>(refl->FieldSize(r, rf)));
            continue;
        }
        if (rf->is_repeated()) {
            const int n = refl->FieldSize(r, rf);
            REQUIRE(m.size(f) == static_cast<std::size_t>(n));
            for (int j = 0; j < n; ++j) {
                const auto k = static_cast<std::size_t>(j);
                switch (rf->cpp_type()) {
                    case FieldDescriptor::CPPTYPE_INT32:
                        CHECK(m.get_int32(f, k) == refl->GetRepeatedInt32(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_INT64:
                        CHECK(m.get_int64(f, k) == refl->GetRepeatedInt64(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_UINT32:
                        CHECK(m.get_uint32(f, k) == refl->GetRepeatedUInt32(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_UINT64:
                        CHECK(m.get_uint64(f, k) == refl->GetRepeatedUInt64(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_BOOL:
                        CHECK(m.get_bool(f, k) == refl->GetRepeatedBool(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_ENUM:
                        CHECK(m.get_enum(f, k) == refl->GetRepeatedEnumValue(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_FLOAT:
                        CHECK(std::bit_cast<std::uint32_t>(m.get_float(f, k)) ==
                              std::bit_cast<std::uint32_t>(refl->GetRepeatedFloat(r, rf, j)));
                        break;
                    case FieldDescriptor::CPPTYPE_DOUBLE:
                        CHECK(std::bit_cast<std::uint64_t>(m.get_double(f, k)) ==
                              std::bit_cast<std::uint64_t>(refl->GetRepeatedDouble(r, rf, j)));
                        break;
                    case FieldDescriptor::CPPTYPE_STRING:
                        CHECK(m.get_string(f, k) == refl->GetRepeatedString(r, rf, j));
                        break;
                    case FieldDescriptor::CPPTYPE_MESSAGE:
                        compare_values(refl->GetRepeatedMessage(r, rf, j), *m.get_message(f, k));
                        break;
                }
            }
            continue;
        }
        switch (rf->cpp_type()) {
            case FieldDescriptor::CPPTYPE_INT32:
                CHECK(m.get_int32(f) == refl->GetInt32(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_INT64:
                CHECK(m.get_int64(f) == refl->GetInt64(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_UINT32:
                CHECK(m.get_uint32(f) == refl->GetUInt32(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_UINT64:
                CHECK(m.get_uint64(f) == refl->GetUInt64(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_BOOL:
                CHECK(m.get_bool(f) == refl->GetBool(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_ENUM:
                CHECK(m.get_enum(f) == refl->GetEnumValue(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_FLOAT:
                CHECK(std::bit_cast<std::uint32_t>(m.get_float(f)) ==
                      std::bit_cast<std::uint32_t>(refl->GetFloat(r, rf)));
                break;
            case FieldDescriptor::CPPTYPE_DOUBLE:
                CHECK(std::bit_cast<std::uint64_t>(m.get_double(f)) ==
                      std::bit_cast<std::uint64_t>(refl->GetDouble(r, rf)));
                break;
            case FieldDescriptor::CPPTYPE_STRING:
                CHECK(m.get_string(f) == refl->GetString(r, rf));
                break;
            case FieldDescriptor::CPPTYPE_MESSAGE:
                REQUIRE(m.get_message(f) != nullptr);
                compare_values(refl->GetMessage(r, rf), *m.get_message(f));
                break;
        }
    }
}

std::string hex_of_unknown(const pb::Message& m) {
    std::string s;
    m.GetReflection()->GetUnknownFields(m).SerializeToString(&s);
    return h2pb::wire::to_hex(h2pb::wire::as_bytes(s));
}

void round_trips(const both& p, const char* type_name, int count) {
    const pb::Descriptor* rd = p.ref.FindMessageTypeByName(type_name);
    REQUIRE(rd != nullptr);
    const proto::message_descriptor* md = p.h2.find_message(type_name);
    REQUIRE(md != nullptr);
    pb::DynamicMessageFactory factory(&p.ref);
    const pb::Message* prototype = factory.GetPrototype(rd);
    std::mt19937_64 rng(7);
    for (int seed = 1; seed <= count; ++seed) {
        INFO("seed " << seed);
        std::unique_ptr<pb::Message> ref(prototype->New());
        filler(static_cast<std::uint64_t>(seed) * 31).fill(ref.get(), 0);
        if (seed % 3 == 0) add_unknown(ref.get(), rng);
        canonicalize_maps(ref.get());
        // libprotobuf's canonical form: its own bytes parsed back
        std::unique_ptr<pb::Message> canonical(prototype->New());
        REQUIRE(canonical->ParseFromString(deterministic(*ref)));
        const std::string expected = deterministic(*canonical);

        // 1. deterministic bytes: parse, serialize, same bytes
        proto::dynamic_message m(*md);
        const auto e = m.parse(wire::as_bytes(expected));
        INFO(e.message());
        REQUIRE_FALSE(e);
        const std::string ours = m.serialize_as_string();
        CHECK(ours.size() == m.byte_size());
        CHECK(first_difference(ours, expected) == "");
        // 2. the same fields and values as libprotobuf's reflection sees
        compare_values(*canonical, m);
        CHECK(hex_of_unknown(*canonical) == h2pb::wire::to_hex(m.unknown_fields().view()));
        // 3. libprotobuf's default serialization (maps in hash order, the
        //    message as filled, duplicates and all) reads to the same message
        proto::dynamic_message again(*md);
        REQUIRE_FALSE(again.parse(wire::as_bytes(ref->SerializeAsString())));
        CHECK(first_difference(again.serialize_as_string(), expected) == "");
    }
}

}  // namespace

TEST_CASE(
    "descriptor_pool agrees with libprotobuf's DescriptorPool: conformance messages and WKTs") {
    both p(H2PB_DESC_CONFORMANCE);
    std::size_t messages = 0;
    compare_pools(p, &messages);
    CHECK(messages > 50);
    // spot checks on the reference's own answers
    const auto* m = p.h2.find_message("protobuf_test_messages.proto3.TestAllTypesProto3");
    REQUIRE(m != nullptr);
    for (const char* n : {"__field_name13", "FIELD_name12", "field_name17__", "Field_name18__"}) {
        INFO(n);
        REQUIRE(m->find_field(n) != nullptr);
        CHECK(m->find_field(n)->json_name ==
              p.ref.FindMessageTypeByName(m->full_name)->FindFieldByName(n)->json_name());
    }
}

TEST_CASE("descriptor_pool agrees with libprotobuf's DescriptorPool: grpc test services") {
    both p(H2PB_DESC_GRPC);
    std::size_t messages = 0;
    compare_pools(p, &messages);
    CHECK(messages > 20);
    CHECK(p.h2.find_method("/grpc.testing.TestService/FullDuplexCall")->client_streaming);
}

TEST_CASE("dynamic_message agrees with libprotobuf: TestAllTypesProto3, 300 random messages") {
    both p(H2PB_DESC_CONFORMANCE);
    round_trips(p, "protobuf_test_messages.proto3.TestAllTypesProto3", 300);
}

TEST_CASE(
    "dynamic_message agrees with libprotobuf: TestAllTypesProto2 (groups, closed enums), 300 "
    "random messages") {
    both p(H2PB_DESC_CONFORMANCE);
    round_trips(p, "protobuf_test_messages.proto2.TestAllTypesProto2", 300);
}
