// Message semantics (proto_codec/message.hpp and generated code): what a
// protobuf user expects when fields repeat, merge, or are unknown, following
// libprotobuf's behaviour.
#include <catch2/catch.hpp>

#include <test_support.hpp>
#include "all_types2.h2pb.hpp"
#include "all_types3.h2pb.hpp"
#include "analytics.h2pb.hpp"
#include "fruit.h2pb.hpp"
#include "names.h2pb.hpp"

using namespace h2pb::proto;
using h2pb::test::hex;
using h2pb::test::hex_of;
using h2pb::test2::AllTypes2;
using h2pb::test3::AllTypes;
using h2pb::test3::Color;

template <class M>
static M decoded(const char* text) {
    M m;
    auto in = hex(text);
    const error e = m.decode(in);
    INFO(e.message());
    CHECK_FALSE(e);
    return m;
}

template <class M>
static std::string enc(const M& m) {
    h2pb::wire::buffer b;
    m.encode(b);
    return hex_of(b);
}

TEST_CASE("last one wins for a repeated non-repeated scalar") {
    auto m = decoded<h2pb::test::Fruit>("08 01 12 01 41 08 02 12 01 42");
    CHECK(m.weight == 2);
    CHECK(m.name == "B");
}

TEST_CASE("repeated occurrences of a singular sub-message merge") {
    // f_nested { a: 1 } then f_nested { b: "x" } -> { a: 1, b: "x" }
    auto m = decoded<AllTypes>("8a 01 02 08 01 8a 01 03 12 01 78");
    REQUIRE(m.f_nested.has_value());
    CHECK(m.f_nested->a == 1);
    CHECK(m.f_nested->b == "x");
}

TEST_CASE("a oneof keeps the last member set and clears the others") {
    auto m = decoded<AllTypes>("e8 03 05 f2 03 01 41");
    CHECK(m.choice.index() == AllTypes::c_string_index);
    CHECK(std::get<AllTypes::c_string_index>(m.choice) == "A");
    auto n = decoded<AllTypes>("f2 03 01 41 e8 03 05");
    CHECK(n.choice.index() == AllTypes::c_int32_index);
    CHECK(std::get<AllTypes::c_int32_index>(n.choice) == 5);
}

TEST_CASE("a oneof message member seen twice merges") {
    auto m = decoded<AllTypes>("fa 03 02 08 01 fa 03 03 12 01 79");
    REQUIRE(m.choice.index() == AllTypes::c_nested_index);
    const auto& n = *std::get<AllTypes::c_nested_index>(m.choice);
    CHECK(n.a == 1);
    CHECK(n.b == "y");
}

TEST_CASE("a known field number with the wrong wire type is kept as an unknown field") {
    // weight (1) sent as LEN; name (2) sent as VARINT
    auto m = decoded<h2pb::test::Fruit>("0a 01 41 10 07");
    CHECK(m.weight == 0);
    CHECK(m.name.empty());
    CHECK(hex_of(m.unknown_fields_.view()) == "0a 01 41 10 07");
    CHECK(enc(m) == "0a 01 41 10 07");
}

TEST_CASE("unknown fields of every wire type survive a round trip byte for byte") {
    const char* text =
        "a0 06 96 01 a9 06 01 02 03 04 05 06 07 08 a2 06 02 68 69 ab 06 08 01 ac 06 ad 06 01 02 03 "
        "04";
    auto m = decoded<h2pb::test::Fruit>(text);
    CHECK(enc(m) == hex_of(hex(text)));
}

TEST_CASE("proto3 open enums keep unknown values") {
    auto m = decoded<AllTypes>("80 01 63");
    CHECK(static_cast<int>(m.f_enum) == 99);
    CHECK(enc(m) == "80 01 63");
}

TEST_CASE("proto2 closed enums put unknown values into unknown fields") {
    auto m = decoded<AllTypes2>("80 01 09 80 01 01");  // f_enum (16) = 9 (unknown), then SMALL
    REQUIRE(m.f_enum.has_value());
    CHECK(*m.f_enum == h2pb::test2::Size::SMALL);
    CHECK(hex_of(m.unknown_fields_.view()) == "80 01 09");
}

TEST_CASE("proto2 closed enums: unknown values in repeated, packed and map fields") {
    // r_enum (32) unpacked 1, 7; r_enum_packed (33) packed [2, 8]; map m_string_enum (37) {"k": 5}
    auto m = decoded<AllTypes2>("80 02 01 80 02 07 8a 02 02 02 08 aa 02 05 0a 01 6b 10 05");
    CHECK(m.r_enum == std::vector<h2pb::test2::Size>{h2pb::test2::Size::SMALL});
    CHECK(m.r_enum_packed == std::vector<h2pb::test2::Size>{h2pb::test2::Size::MEDIUM});
    CHECK(m.m_string_enum.empty());
    // Unknown packed values are kept as unpacked VARINT fields; the map entry as a whole.
    CHECK(hex_of(m.unknown_fields_.view()) == "80 02 07 88 02 08 aa 02 05 0a 01 6b 10 05");
}

TEST_CASE("map entries with a missing key or value take defaults") {
    // m_string_string (51): {value "v"} and {key "k"}; m_uint32_nested (54): {key 3}
    auto m = decoded<AllTypes>("9a 03 03 12 01 76 9a 03 03 0a 01 6b b2 03 02 08 03");
    REQUIRE(m.m_string_string.size() == 2);
    CHECK(m.m_string_string.find("")->second == "v");
    CHECK(m.m_string_string.find("k")->second == "");
    REQUIRE(m.m_uint32_nested.contains(3));
    CHECK(m.m_uint32_nested.find(3)->second == h2pb::test3::Nested{});
}

TEST_CASE("a repeated map key: the last entry wins") {
    auto m = decoded<AllTypes>("a2 03 04 08 01 10 05 a2 03 04 08 02 10 06 a2 03 04 08 01 10 07");
    REQUIRE(m.m_int32_int32.size() == 2);
    CHECK(m.m_int32_int32.find(1)->second == 7);
    CHECK(enc(m) == "a2 03 04 08 01 10 07 a2 03 04 08 02 10 06");
}

TEST_CASE("unknown fields inside a map entry are skipped") {
    auto m = decoded<AllTypes>("a2 03 06 08 01 18 09 10 05");
    CHECK(m.m_int32_int32.find(1)->second == 5);
    CHECK(m.unknown_fields_.empty());
}

TEST_CASE("proto2 defaults and presence") {
    AllTypes2 m;
    CHECK_FALSE(m.f_int32.has_value());
    CHECK(m.f_int32_or_default() == -42);
    CHECK(m.f_int64_or_default() == std::numeric_limits<std::int64_t>::min());
    CHECK(m.f_uint32_or_default() == 4294967295U);
    CHECK(m.f_uint64_or_default() == 18446744073709551615ULL);
    CHECK(m.f_float_or_default() == 1.5F);
    CHECK(std::isinf(m.f_double_or_default()));
    CHECK(m.f_bool_or_default() == true);
    CHECK(m.f_string_or_default() == "hello \"world\"\n");
    CHECK(m.f_bytes_or_default() == std::string("\x01\x02\xff", 3));
    CHECK(m.f_enum_or_default() == h2pb::test2::Size::MEDIUM);
    m.f_int32 = 7;
    CHECK(m.f_int32_or_default() == 7);
}

TEST_CASE("C++ keywords as field names get a trailing underscore") {
    AllTypes2 m;
    m.class_ = 1;
    m.default_ = std::string(1, 'x');
    auto n = decoded<AllTypes2>("e8 03 01 e2 03 01 78");
    CHECK(n == m);
}

TEST_CASE("merge(bytes) merges into what is there") {
    h2pb::test::Fruit f;
    f.weight = 1;
    auto in = hex("12 01 41");
    REQUIRE_FALSE(f.merge(in));
    CHECK(f.weight == 1);
    CHECK(f.name == "A");
}

TEST_CASE(
    "merge(message) follows MergeFrom: scalars overwrite when set, repeated append, messages "
    "merge") {
    AllTypes a;
    a.f_int32 = 1;
    a.f_string = "keep";
    a.r_int32 = {1};
    a.f_nested.emplace().a = 5;
    a.m_int32_int32[1] = 1;
    AllTypes b;
    b.f_int64 = 2;
    b.r_int32 = {2};
    b.f_nested.emplace().b = "x";
    b.m_int32_int32[1] = 9;
    b.choice.emplace<AllTypes::c_int32_index>(3);
    a.merge(b);
    CHECK(a.f_int32 == 1);
    CHECK(a.f_int64 == 2);
    CHECK(a.f_string == "keep");
    CHECK(a.r_int32 == std::vector<std::int32_t>{1, 2});
    CHECK(a.f_nested->a == 5);
    CHECK(a.f_nested->b == "x");
    CHECK(a.m_int32_int32.find(1)->second == 9);
    CHECK(a.choice.index() == AllTypes::c_int32_index);
}

TEST_CASE("decode replaces, and a reused message decodes the same as a fresh one") {
    AllTypes m;
    auto first =
        hex("08 01 72 03 61 62 63 fa 01 02 01 02 8a 01 02 08 01 9a 03 06 0a 01 6b 12 01 76");
    auto second = hex("10 05 9a 03 06 0a 01 6a 12 01 77");
    REQUIRE_FALSE(m.decode(first));
    REQUIRE_FALSE(m.decode(second));
    AllTypes fresh;
    REQUIRE_FALSE(fresh.decode(second));
    CHECK(m == fresh);
    CHECK(enc(m) == hex_of(second));
}

TEST_CASE("copies are deep and equal") {
    AllTypes a;
    a.f_nested.emplace().child.emplace().a = 3;
    a.choice.emplace<AllTypes::c_nested_index>()->a = 4;
    AllTypes b = a;
    CHECK(a == b);
    b.f_nested->child->a = 5;
    CHECK_FALSE(a == b);
    CHECK(a.f_nested->child->a == 3);
}

TEST_CASE("the analytics Event: properties decode into a sorted map") {
    // properties {"b": "2"}, {"a": "1"} in that order
    auto e = decoded<analytics::v1::Event>(
        "0a 03 61 62 63 22 06 0a 01 62 12 01 32 22 06 0a 01 61 12 01 31");
    CHECK(e.event_id == "abc");
    REQUIRE(e.properties.size() == 2);
    CHECK(e.properties.begin()->first == "a");
    CHECK(enc(e) == "0a 03 61 62 63 22 06 0a 01 61 12 01 31 22 06 0a 01 62 12 01 32");
}

TEST_CASE("enum names") {
    CHECK(std::string(h2pb::test3::Color_name(Color::BLUE)) == "BLUE");
    CHECK(std::string(h2pb::test3::Color_name(static_cast<Color>(77))).empty());
    CHECK(h2pb::test2::Size_is_known(3));
    CHECK_FALSE(h2pb::test2::Size_is_known(0));
}

TEST_CASE("field and package names that collide with keywords, members and generated locals") {
    h2pb::test::class_::merge::Names m;
    m.end = 1;
    m.p = 2;
    m.ctx = std::string(1, 'c');
    m.tag = {4};
    m.cache[std::string(1, 'k')] = 5;
    m.other.emplace<h2pb::test::class_::merge::Names::n_index>(std::string(1, 'n'));
    m.encode_ = 8;
    m.e.emplace().slot = 10;
    m.key = 11;
    m.value = 12;
    m.delete_ = 13;
    // 08 01 | 10 02 | 1a 01 63 | 22 01 04 | 2a 05 0a 01 6b 10 05 | 3a 01 6e | 40 08 | 4a 02 50 0a |
    // 58 0b | 60 0c | 68 0d
    CHECK(enc(m) ==
          "08 01 10 02 1a 01 63 22 01 04 2a 05 0a 01 6b 10 05 3a 01 6e 40 08 4a 02 50 0a 58 0b 60 "
          "0c 68 0d");
    h2pb::test::class_::merge::Names back;
    h2pb::wire::buffer out;
    m.encode(out);
    REQUIRE_FALSE(back.decode(out));
    CHECK(back == m);
}
