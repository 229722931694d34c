// proto_codec/text_format.hpp: the text format's grammar (the language
// specification, protobuf.dev/reference/protobuf/textformat-spec/, and
// libprotobuf 3.21's TextFormat::Parser), malformed inputs with their
// line:column and code, and printing. Expected printed text is what
// `protoc --decode` (libprotobuf's TextFormat::Print) prints for the same
// message; tests/interop/proto_codec/text_format_crosscheck_test.cpp checks
// thousands more against libprotobuf itself.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <h2pb/proto_codec/text_format.hpp>

#include "descriptor_sets.hpp"

namespace proto = h2pb::proto;
namespace wire = h2pb::wire;

namespace {

const proto::descriptor_pool& pool() {
    static const proto::descriptor_pool p = h2pb::test::load_descriptor_set(H2PB_DESC_ALL_TYPES);
    return p;
}
const proto::message_descriptor& type(const char* name) {
    return h2pb::test::message_type(pool(), name);
}
proto::dynamic_message parsed(const char* type_name, std::string_view text) {
    proto::dynamic_message m(type(type_name));
    const auto e = proto::from_text(m, text);
    INFO(e.message());
    REQUIRE_FALSE(e);
    return m;
}
proto::text_error parse_error(const char* type_name, std::string_view text,
                              proto::text_parse_options o = {}) {
    proto::dynamic_message m(type(type_name));
    return proto::from_text(m, text, o);
}
const proto::field_descriptor& fld(const proto::dynamic_message& m, const char* name) {
    const proto::field_descriptor* f = m.descriptor().find_field(std::string_view(name));
    REQUIRE(f != nullptr);
    return *f;
}

constexpr const char* all3 = "h2pb.test3.AllTypes";
constexpr const char* all2 = "h2pb.test2.AllTypes2";

}  // namespace

TEST_CASE("text format: scalars of every type") {
    const auto m = parsed(all3, R"(
        f_int32: -7  f_int64: -9223372036854775808  f_uint32: 4294967295
        f_uint64: 18446744073709551615  f_sint32: -2147483648  f_sint64: 5
        f_fixed32: 0x10  f_fixed64: 017  f_sfixed32: -0x7fffffff  f_sfixed64: -010
        f_float: 1.5f  f_double: -2.5e-3  f_bool: t  f_string: "a" 'b' "c"
        f_bytes: "\x41\101\n\t\"\'\\\?\a\b\f\v\r"  f_enum: BLUE)");
    CHECK(m.get_int32(fld(m, "f_int32")) == -7);
    CHECK(m.get_int64(fld(m, "f_int64")) == INT64_MIN);
    CHECK(m.get_uint32(fld(m, "f_uint32")) == UINT32_MAX);
    CHECK(m.get_uint64(fld(m, "f_uint64")) == UINT64_MAX);
    CHECK(m.get_int32(fld(m, "f_sint32")) == INT32_MIN);
    CHECK(m.get_uint32(fld(m, "f_fixed32")) == 16);
    CHECK(m.get_uint64(fld(m, "f_fixed64")) == 15);  // octal
    CHECK(m.get_int32(fld(m, "f_sfixed32")) == -0x7fffffff);
    CHECK(m.get_int64(fld(m, "f_sfixed64")) == -8);
    CHECK(m.get_float(fld(m, "f_float")) == 1.5F);
    CHECK(m.get_double(fld(m, "f_double")) == -2.5e-3);
    CHECK(m.get_bool(fld(m, "f_bool")));
    CHECK(m.get_string(fld(m, "f_string")) == "abc");  // adjacent strings join
    CHECK(m.get_string(fld(m, "f_bytes")) == "AA\n\t\"'\\?\a\b\f\v\r");
    CHECK(m.get_enum(fld(m, "f_enum")) == -3);
}

TEST_CASE("text format: floats: integers, inf, nan, f suffix, leading dot") {
    auto m = parsed(all3, "r_double: [1, -0, inf, -Infinity, nan, .5, 1e2, 2., 1f, 1E-1F]");
    const auto& f = fld(m, "r_double");
    REQUIRE(m.size(f) == 10);
    CHECK(m.get_double(f, 0) == 1);
    CHECK(std::signbit(m.get_double(f, 1)));
    CHECK(m.get_double(f, 2) == INFINITY);
    CHECK(m.get_double(f, 3) == -INFINITY);
    CHECK(std::isnan(m.get_double(f, 4)));
    CHECK(m.get_double(f, 5) == 0.5);
    CHECK(m.get_double(f, 6) == 100);
    CHECK(m.get_double(f, 7) == 2);
    CHECK(m.get_double(f, 8) == 1);
    CHECK(m.get_double(f, 9) == 0.1);
    // beyond float's range: infinity (io::SafeDoubleToFloat)
    m = parsed(all3, "f_float: 1e39");
    CHECK(m.get_float(fld(m, "f_float")) == INFINITY);
    // hex and octal are not decimal numbers for a float field
    CHECK(parse_error(all3, "f_double: 0x10").code == proto::text_errc::invalid_value);
    CHECK(parse_error(all3, "f_double: 010").code == proto::text_errc::invalid_value);
}

TEST_CASE("text format: bools") {
    auto m = parsed(all3, "r_bool: [true, True, t, 1, false, False, f, 0]");
    const auto& f = fld(m, "r_bool");
    REQUIRE(m.size(f) == 8);
    for (std::size_t i = 0; i < 8; ++i) CHECK(m.get_bool(f, i) == (i < 4));
    CHECK(parse_error(all3, "f_bool: 2").code == proto::text_errc::integer_out_of_range);
    CHECK(parse_error(all3, "f_bool: yes").code == proto::text_errc::invalid_value);
    CHECK(parse_error(all3, "f_bool: TRUE").code == proto::text_errc::invalid_value);
}

TEST_CASE("text format: messages, lists, separators, comments") {
    const auto m = parsed(all3, R"(# a comment
        f_nested { a: 1 b: "x" child < a: 2 > }   # braces or angle brackets
        r_nested: { a: 3 }, r_nested [ ]          # ':' optional before a message
        r_nested: [ { a: 4 }, < a: 5 > ];
        r_int32: [1, 2]; r_int32: 3,
        r_string: ["a", "b" "c"]
        inner { inners { mood: HAPPY } inners: {} })");
    const auto* n = m.get_message(fld(m, "f_nested"));
    REQUIRE(n != nullptr);
    CHECK(n->get_int32(fld(*n, "a")) == 1);
    REQUIRE(n->get_message(fld(*n, "child")) != nullptr);
    CHECK(n->get_message(fld(*n, "child"))->get_int32(fld(*n, "a")) == 2);
    const auto& rn = fld(m, "r_nested");
    REQUIRE(m.size(rn) == 3);
    CHECK(m.get_message(rn, 2)->get_int32(fld(*n, "a")) == 5);
    CHECK(m.size(fld(m, "r_int32")) == 3);
    CHECK(m.get_string(fld(m, "r_string"), 1) == "bc");
    CHECK(m.get_message(fld(m, "inner"))->size(fld(*m.get_message(fld(m, "inner")), "inners")) ==
          2);
}

TEST_CASE("text format: maps as repeated entries, last key wins") {
    const auto m = parsed(all3, R"(m_int32_int32 { key: 2 value: 20 }
        m_int32_int32 { key: 1 value: 10 } m_int32_int32: { key: 2 value: 21 }
        m_string_string [{ key: "k" value: "v" }])");
    // As protoc --decode prints it, entries sorted by key, except that
    // protoc (libprotobuf's DynamicMessage) also keeps the first key-2 entry:
    // the encoding guide says the last entry of a key wins, as
    // dynamic_message does (see tests/interop/proto_codec/dynamic_crosscheck_test).
    CHECK(proto::to_text(m) ==
          "m_string_string {\n  key: \"k\"\n  value: \"v\"\n}\n"
          "m_int32_int32 {\n  key: 1\n  value: 10\n}\n"
          "m_int32_int32 {\n  key: 2\n  value: 21\n}\n");
}

TEST_CASE("text format: enums by name or number; closed enums reject unknown numbers") {
    auto m = parsed(all3, "f_enum: 7 r_enum: [RED, 2, -3]");
    CHECK(m.get_enum(fld(m, "f_enum")) == 7);  // open enum keeps it
    CHECK(proto::to_text(m) == "f_enum: 7\nr_enum: RED\nr_enum: GREEN\nr_enum: BLUE\n");
    CHECK(parse_error(all3, "f_enum: PURPLE").code == proto::text_errc::unknown_enum_value);
    CHECK(parse_error(all2, "f_enum: 7").code == proto::text_errc::unknown_enum_value);
    auto m2 = parsed(all2, "f_enum: 3");
    CHECK(m2.get_enum(fld(m2, "f_enum")) == 3);
}

TEST_CASE("text format: groups go by their type name") {
    const auto m = parsed(all2, "OptionalGroup { a: 1 } RepeatedGroup { c: 2 } RepeatedGroup {}");
    CHECK(m.size(fld(m, "repeatedgroup")) == 2);
    CHECK(proto::to_text(m) ==
          "OptionalGroup {\n  a: 1\n}\nRepeatedGroup {\n  c: 2\n}\nRepeatedGroup {\n}\n");
    // the field's own (lowercase) name is not accepted, as in libprotobuf
    const auto e = parse_error(all2, "optionalgroup { a: 1 }");
    CHECK(e.code == proto::text_errc::unknown_field);
}

TEST_CASE("text format: \\u and \\U escapes are UTF-8, surrogate pairs joined") {
    const auto m = parsed(all3, R"(r_string: ["\u00e9", "\U0001F600", "\ud83d\ude00"])");
    const auto& f = fld(m, "r_string");
    CHECK(m.get_string(f, 0) == "\xc3\xa9");
    CHECK(m.get_string(f, 1) == "\xf0\x9f\x98\x80");
    CHECK(m.get_string(f, 2) == "\xf0\x9f\x98\x80");
}

TEST_CASE("text format: printing as protoc --decode") {
    auto m = parsed(all3, R"(f_int32: -1 f_uint64: 18446744073709551615 f_float: 0.1
        f_double: 0.1 f_bool: true f_string: "caf\303\251\x01\"'\\\n" f_bytes: "\000\377"
        f_nested { b: "" child {} } o_int32: 0 r_float: [1e+30, -0, inf, nan] r_double: 1e-300
        c_nested {})");
    CHECK(proto::to_text(m) ==
          "f_int32: -1\n"
          "f_uint64: 18446744073709551615\n"
          "f_float: 0.1\n"
          "f_double: 0.1\n"
          "f_bool: true\n"
          "f_string: \"caf\\303\\251\\001\\\"\\'\\\\\\n\"\n"
          "f_bytes: \"\\000\\377\"\n"
          "f_nested {\n  child {\n  }\n}\n"
          "o_int32: 0\n"
          "r_float: 1e+30\nr_float: -0\nr_float: inf\nr_float: nan\n"
          "r_double: 1e-300\n"
          "c_nested {\n}\n");
    CHECK(proto::to_text(m, {.single_line = true}) ==
          "f_int32: -1 f_uint64: 18446744073709551615 f_float: 0.1 f_double: 0.1 f_bool: true "
          "f_string: \"caf\\303\\251\\001\\\"\\'\\\\\\n\" f_bytes: \"\\000\\377\" f_nested { "
          "child { } } o_int32: 0 r_float: 1e+30 r_float: -0 r_float: inf r_float: nan "
          "r_double: 1e-300 c_nested { }");
    CHECK(proto::to_text(m, {.utf8 = true}).find("caf\xc3\xa9\\001") != std::string::npos);
    // SimpleDtoa widens to 17 digits when 15 do not read back
    m = parsed(all3, "f_double: 0.30000000000000004 f_float: 16777217");
    CHECK(proto::to_text(m) == "f_float: 16777216\nf_double: 0.30000000000000004\n");
}

TEST_CASE("text format: unknown fields print by number") {
    proto::dynamic_message m(type(all3));
    // 1000: varint 150; 1001: fixed32; 1002: fixed64; 1003: "ab"; 1004: a
    // message {1: 1}; 1005: group {1: 2}
    using namespace std::string_literals;
    const std::string bytes =
        "\xc0\x3e\x96\x01"
        "\xcd\x3e\x01\x00\x00\x00"
        "\xd1\x3e\x02\x00\x00\x00\x00\x00\x00\x00"
        "\xda\x3e\x02"
        "ab"
        "\xe2\x3e\x02\x08\x01"
        "\xeb\x3e\x08\x02\xec\x3e"s;
    REQUIRE_FALSE(m.parse(wire::as_bytes(bytes)));
    CHECK(proto::to_text(m) ==
          "1000: 150\n1001: 0x00000001\n1002: 0x0000000000000002\n1003: \"ab\"\n"
          "1004 {\n  1: 1\n}\n1005 {\n  1: 2\n}\n");
}

TEST_CASE("text format: round trip through to_text and from_text") {
    const char* text = R"(f_int32: 1 f_string: "x\001" f_nested { a: 2 } o_string: ""
        r_int64: [-1, 2] r_bytes: "\377" m_uint32_nested { key: 3 value { b: "q" } }
        m_bool_bytes { key: true value: "" } c_enum: GREEN inner { mood: HAPPY }
        big_number_field: 9)";
    const auto m = parsed(all3, text);
    const auto again = parsed(all3, proto::to_text(m));
    CHECK(again.serialize_as_string() == m.serialize_as_string());
    const auto one = parsed(all3, proto::to_text(m, {.single_line = true}));
    CHECK(one.serialize_as_string() == m.serialize_as_string());
}

TEST_CASE("text format: errors carry line:column and a code") {
    struct bad {
        const char* text;
        proto::text_errc code;
        std::size_t line, column;
    };
    using E = proto::text_errc;
    const bad cases[] = {
        {"f_int32: 1\n  nope: 2", E::unknown_field, 2, 3},
        {"f_int32 1", E::syntax_error, 1, 9},
        {"f_int32: 2147483648", E::integer_out_of_range, 1, 10},
        {"f_int32: -2147483649", E::integer_out_of_range, 1, 11},
        {"f_uint32: -1", E::invalid_value, 1, 11},
        {"f_uint64: 18446744073709551616", E::integer_out_of_range, 1, 11},
        {"f_int32: 1.5", E::invalid_value, 1, 10},
        {"f_int32: 0x", E::invalid_number, 1, 10},
        {"f_int32: 09", E::invalid_number, 1, 10},
        {"f_int32: 12abc", E::invalid_number, 1, 10},
        {"f_double: 1e", E::invalid_number, 1, 11},
        {"f_string: \"abc", E::unterminated_string, 1, 11},
        {"f_string: \"ab\nc\"", E::unterminated_string, 1, 11},
        {"f_string: \"\\q\"", E::invalid_escape, 1, 11},
        {"f_string: \"\\x\"", E::invalid_escape, 1, 11},
        {"f_string: \"\\u12\"", E::invalid_escape, 1, 11},
        {"f_string: \"\\U00110000\"", E::invalid_escape, 1, 11},
        {"f_string: 5", E::invalid_value, 1, 11},
        {"f_string: \"\\377\"", E::invalid_utf8, 1, 11},  // proto3 string
        {"f_int32: 1 f_int32: 2", E::duplicate_field, 1, 12},
        {"f_nested {} f_nested {}", E::duplicate_field, 1, 13},
        {"c_int32: 1 c_string: \"\"", E::oneof_conflict, 1, 12},
        {"f_int32: [1]", E::not_repeated, 1, 10},
        {"f_nested { a: 1 ", E::syntax_error, 1, 17},
        {"f_nested { a: 1 >", E::syntax_error, 1, 17},
        {"f_nested < a: 1 }", E::syntax_error, 1, 17},
        {"}", E::syntax_error, 1, 1},
        {"r_int32: [1 2]", E::syntax_error, 1, 13},
        {"r_int32: [1,]", E::invalid_value, 1, 13},
        {"[pkg.ext]: 1", E::extension_not_supported, 1, 1},
        {"f_int32: 1\n\x01", E::invalid_character, 2, 1},
        {"f_string: \"\xc3\xa9\"\n f_int32: \xc3", E::invalid_character, 2, 11},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto e = parse_error(all3, c.text);
        INFO(e.message());
        CHECK(e.code == c.code);
        CHECK(e.line == c.line);
        CHECK(e.column == c.column);
    }
    // proto2: required fields, closed enums
    CHECK(parse_error(all2, "f_required {}").code == E::missing_required_field);
    CHECK_FALSE(parse_error(all2, "f_required {}", {.allow_partial = true}));
    CHECK(parse_error(all2, "f_string: \"\\377\"").code == E::ok);  // proto2: bytes allowed
}

TEST_CASE("text format: limits: depth and input size") {
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "child {";
    for (int i = 0; i < 100; ++i) deep += "}";
    CHECK_FALSE(parse_error("h2pb.test3.Recursive", deep));
    const std::string deeper = "child {" + deep + "}";
    const auto e = parse_error("h2pb.test3.Recursive", deeper);
    CHECK(e.code == proto::text_errc::depth_limit_exceeded);
    CHECK(e.column == std::size_t{7} * 101);  // the '{' one level too deep
    CHECK(parse_error("h2pb.test3.Recursive", "child { child {} }", {.max_depth = 1}).code ==
          proto::text_errc::depth_limit_exceeded);
    // a million open braces: an error, not a stack overflow
    CHECK(parse_error("h2pb.test3.Recursive", std::string(1000000, '{')).code ==
          proto::text_errc::syntax_error);
    std::string many;
    for (int i = 0; i < 1000000; ++i) many += "child {";
    CHECK(parse_error("h2pb.test3.Recursive", many).code == proto::text_errc::depth_limit_exceeded);
    CHECK(parse_error(all3, "f_int32: 1", {.max_input_size = 5}).code ==
          proto::text_errc::input_too_large);
}

TEST_CASE("text format: Any expansion with a type registry") {
    // google/protobuf/any.proto is not in all_types.desc; its shape is
    // checked in the interop test with the conformance descriptor set.
    CHECK(parse_error(all3, "[type.googleapis.com/h2pb.test3.Nested] { a: 1 }").code ==
          proto::text_errc::extension_not_supported);
}
