// proto_codec/text_format.hpp against libprotobuf 3.21's TextFormat.
//
// Random TestAllTypesProto3 / TestAllTypesProto2 messages (protobuf's
// conformance messages, filled through libprotobuf's reflection by
// crosscheck.hpp's filler, some with unknown fields) are printed by both
// sides and parsed by both sides:
//   1. to_text == TextFormat::PrintToString, byte for byte; single_line ==
//      ShortDebugString; utf8 + expand_any == Utf8DebugString;
//   2. libprotobuf's text -> from_text -> the same bytes as libprotobuf's;
//   3. to_text -> TextFormat::ParseFromString -> the same bytes.
// Messages with unknown fields skip 2 and 3: the text format prints unknown
// fields by number, which neither parser accepts.
#include <catch2/catch.hpp>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <memory>
#include <random>
#include <string>

#include <h2pb/proto_codec/text_format.hpp>

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

void cross(const both& p, const char* type_name, int count) {
    const pb::Descriptor* rd = p.ref.FindMessageTypeByName(type_name);
    REQUIRE(rd != nullptr);
    const proto::message_descriptor* md = p.h2.find_message(type_name);
    REQUIRE(md != nullptr);
    pb::DynamicMessageFactory factory(&p.ref);
    const pb::Message* prototype = factory.GetPrototype(rd);
    std::mt19937_64 rng(11);
    int with_unknown = 0;
    for (int seed = 1; seed <= count; ++seed) {
        INFO("seed " << seed);
        std::unique_ptr<pb::Message> ref(prototype->New());
        filler(static_cast<std::uint64_t>(seed) * 131).fill(ref.get(), 0);
        const bool unknown = seed % 4 == 0;
        if (unknown) add_unknown(ref.get(), rng);
        canonicalize_maps(ref.get());
        std::unique_ptr<pb::Message> canonical(prototype->New());
        REQUIRE(canonical->ParseFromString(deterministic(*ref)));
        const std::string expected = deterministic(*canonical);
        with_unknown += canonical->GetReflection()->GetUnknownFields(*canonical).field_count() > 0;

        proto::dynamic_message m(*md);
        REQUIRE_FALSE(m.parse(wire::as_bytes(expected)));

        // 1. printing
        std::string ref_text;
        REQUIRE(pb::TextFormat::PrintToString(*canonical, &ref_text));
        const std::string ours = proto::to_text(m);
        CHECK(first_difference(ours, ref_text) == "");
        if (ours != ref_text) {
            INFO("ours:\n" << ours << "\nlibprotobuf:\n" << ref_text);
            CHECK(false);
        }
        CHECK(proto::to_text(m, {.single_line = true, .expand_any = &p.h2}) ==
              canonical->ShortDebugString());
        CHECK(first_difference(proto::to_text(m, {.utf8 = true, .expand_any = &p.h2}),
                               canonical->Utf8DebugString()) == "");
        if (unknown) continue;

        // 2. libprotobuf's text through from_text
        proto::dynamic_message back(*md);
        const auto e = proto::from_text(back, ref_text);
        INFO(e.message());
        REQUIRE_FALSE(e);
        CHECK(first_difference(back.serialize_as_string(), expected) == "");
        const auto e1 = proto::from_text(back, canonical->ShortDebugString());
        INFO(e1.message());
        REQUIRE_FALSE(e1);
        CHECK(first_difference(back.serialize_as_string(), expected) == "");

        // 3. our text through libprotobuf's parser
        std::unique_ptr<pb::Message> parsed(prototype->New());
        REQUIRE(pb::TextFormat::ParseFromString(ours, parsed.get()));
        CHECK(first_difference(deterministic(*parsed), expected) == "");
    }
    CHECK(with_unknown > count / 8);
}

}  // namespace

TEST_CASE("text format agrees with libprotobuf: TestAllTypesProto3, 500 random messages") {
    both p(H2PB_DESC_CONFORMANCE);
    cross(p, "protobuf_test_messages.proto3.TestAllTypesProto3", 500);
}

TEST_CASE("text format agrees with libprotobuf: TestAllTypesProto2, 500 random messages") {
    both p(H2PB_DESC_CONFORMANCE);
    cross(p, "protobuf_test_messages.proto2.TestAllTypesProto2", 500);
}

TEST_CASE("text format agrees with libprotobuf: Any expanded both ways") {
    both p(H2PB_DESC_CONFORMANCE);
    const char* name = "protobuf_test_messages.proto3.TestAllTypesProto3";
    pb::DynamicMessageFactory factory(&p.ref);
    const pb::Message* prototype = factory.GetPrototype(p.ref.FindMessageTypeByName(name));
    const proto::message_descriptor* md = p.h2.find_message(name);
    for (int seed = 1; seed <= 50; ++seed) {
        INFO("seed " << seed);
        // an Any holding a random message of the same type
        std::unique_ptr<pb::Message> inner(prototype->New());
        filler(static_cast<std::uint64_t>(seed) * 7).fill(inner.get(), 1);
        canonicalize_maps(inner.get());
        std::unique_ptr<pb::Message> outer(prototype->New());
        pb::Message* any = outer->GetReflection()->MutableMessage(
            outer.get(), outer->GetDescriptor()->FindFieldByName("optional_any"));
        any->GetReflection()->SetString(any, any->GetDescriptor()->FindFieldByNumber(1),
                                        std::string("type.googleapis.com/") + name);
        any->GetReflection()->SetString(any, any->GetDescriptor()->FindFieldByNumber(2),
                                        deterministic(*inner));
        const std::string expected = deterministic(*outer);
        proto::dynamic_message m(*md);
        REQUIRE_FALSE(m.parse(wire::as_bytes(expected)));
        const std::string ref_text = outer->DebugString();  // expands Any
        CHECK(first_difference(proto::to_text(m, {.expand_any = &p.h2}), ref_text) == "");

        proto::dynamic_message back(*md);
        const auto e = proto::from_text(back, ref_text, {.type_registry = &p.h2});
        INFO(e.message());
        REQUIRE_FALSE(e);
        CHECK(first_difference(back.serialize_as_string(), expected) == "");
        // without a registry: a precise error
        CHECK(proto::from_text(back, ref_text).code == proto::text_errc::unknown_type);
    }
}

TEST_CASE("text format agrees with libprotobuf: which texts parse (and to what)") {
    both p(H2PB_DESC_CONFORMANCE);
    const char* name = "protobuf_test_messages.proto3.TestAllTypesProto3";
    pb::DynamicMessageFactory factory(&p.ref);
    const pb::Message* prototype = factory.GetPrototype(p.ref.FindMessageTypeByName(name));
    const proto::message_descriptor* md = p.h2.find_message(name);
    // Grammar corners of TextFormat::Parser: accepted and rejected alike.
    const char* texts[] = {
        "",
        "  # only a comment\n",
        "optional_int32: 1",
        "optional_int32 1",
        "optional_int32: 1;",
        "optional_int32: 1,",
        "optional_int32: 1;;",
        "optional_int32: 0x7fffffff",
        "optional_int32: 0x80000000",
        "optional_int32: -0x80000000",
        "optional_int32: 017",
        "optional_int32: 08",
        "optional_int32: 1.0",
        "optional_int32: 1e3",
        "optional_int32: -",
        "optional_int32: - 5",
        "optional_int32: +5",
        "optional_uint32: -0",
        "optional_uint64: 0xFFFFFFFFFFFFFFFF",
        "optional_uint64: 0x10000000000000000",
        "optional_int64: -9223372036854775808",
        "optional_int64: -9223372036854775809",
        "optional_float: 1f",
        "optional_float: 1.f",
        "optional_float: .5",
        "optional_float: 5.",
        "optional_float: 1e",
        "optional_float: 1e+",
        "optional_float: -inf",
        "optional_float: Infinity",
        "optional_float: -NaN",
        "optional_float: 0x1",
        "optional_float: 01",
        "optional_float: 1.5e-50",
        "optional_double: 1e400",
        "optional_double: 18446744073709551616",
        "optional_double: 1.5.5",
        "optional_bool: T",
        "optional_bool: true",
        "optional_bool: 2",
        "optional_bool: 0x1",
        "optional_bool: 01",
        "optional_string: 'a' \"b\"",
        "optional_string: \"\\z\"",
        "optional_string: \"\\x\"",
        "optional_string: \"\\xfg\"",
        "optional_string: \"\\8\"",
        "optional_string: \"\\u00e9\"",
        "optional_string: \"\\ud800\"",
        "optional_string: \"\\U0010ffff\"",
        "optional_string: \"a",
        "optional_string: \"\\303\\251\"",
        "optional_string: \"\\377\"",
        "optional_bytes: \"\\377\"",
        "optional_string: a",
        "optional_nested_enum: BAR",
        "optional_nested_enum: 1",
        "optional_nested_enum: 99",
        "optional_nested_enum: -1",
        "optional_nested_enum: bar",
        "optional_nested_enum: \"BAR\"",
        "optional_nested_message {}",
        "optional_nested_message: {}",
        "optional_nested_message <>",
        "optional_nested_message { a: 1 >",
        "optional_nested_message { a: 1",
        "optional_nested_message a: 1",
        "optional_nested_message [{}]",
        "repeated_nested_message: [{a: 1}, <a: 2>]",
        "repeated_nested_message [{a: 1}]",
        "repeated_nested_message: []",
        "repeated_int32: [1, 2]",
        "repeated_int32: [1 2]",
        "repeated_int32: [1,]",
        "repeated_int32: []",
        "repeated_int32: [,]",
        "optional_int32: [1]",
        "optional_int32: 1 optional_int32: 2",
        "optional_int32: 0 optional_int32: 2",
        "optional_nested_message {} optional_nested_message {}",
        "oneof_uint32: 1 oneof_string: \"\"",
        "oneof_uint32: 0 oneof_uint32: 0",
        "map_int32_int32 { key: 1 value: 2 }",
        "map_int32_int32 { key: 1 key: 2 }",
        "map_int32_int32 [{ key: 1 }, {}]",
        "no_such_field: 1",
        "OPTIONAL_INT32: 1",
        "[pkg.ext]: 1",
        "optional_int32: 1 }",
        "}",
        "{",
        "optional_int32:1optional_int64:2",
        "optional_int32: 1optional_int64: 2",
        "optional_int32: 1\x01",
        "optional_string: \"\xc3\xa9\"",
        "optional_int32: 1 # c\n optional_int64: 2",
        "optional_any { type_url: \"x\" value: \"\" }",
    };
    for (const char* t : texts) {
        INFO(t);
        std::unique_ptr<pb::Message> ref(prototype->New());
        pb::TextFormat::Parser parser;
        class quiet : public pb::io::ErrorCollector {
            void AddError(int, int, const std::string&) override {}
        } sink;
        parser.RecordErrorsTo(&sink);
        const bool ref_ok = parser.ParseFromString(t, ref.get());
        proto::dynamic_message m(*md);
        const auto e = proto::from_text(m, t);
        INFO(e.message());
        if (e.code == proto::text_errc::invalid_utf8) {
            // The one known difference: libprotobuf's text parser takes
            // invalid UTF-8 for a proto3 string field (only logging when it
            // serializes); from_text refuses it, as binary parsers must.
            CHECK(ref_ok);
            continue;
        }
        CHECK(!e == ref_ok);
        if (ref_ok && !e)
            CHECK(first_difference(m.serialize_as_string(), deterministic(*ref)) == "");
    }
}
