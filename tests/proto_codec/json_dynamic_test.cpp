// proto_codec/json_dynamic.hpp: protobuf's JSON mapping driven by run-time
// descriptors (tests/proto_codec/protos/json_test.proto, compiled by protoc
// into a descriptor set at build time). Expected texts come from json.md
// (/work/shared/reference/protobuf-docs/json.md): its table of JSON forms,
// "JSON Options", "Null values", "Duplicate values"; the libprotobuf
// cross-check is tests/interop/proto_codec/json_dynamic_crosscheck_test.cpp.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include <h2pb/proto_codec/json_dynamic.hpp>

namespace proto = h2pb::proto;
namespace json = h2pb::proto::json;
namespace wire = h2pb::wire;
using json::json_errc;

namespace {

const proto::descriptor_pool& pool() {
    static const proto::descriptor_pool p = [] {
        std::ifstream in(H2PB_DESC_JSON_TEST, std::ios::binary);
        const std::string set{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        proto::descriptor_pool pool;
        if (pool.add_file_descriptor_set(wire::as_bytes(set)))
            throw std::runtime_error("bad descriptor set");
        return pool;
    }();
    return p;
}
const proto::message_descriptor& type(std::string_view name) {
    const proto::message_descriptor* m = pool().find_message(name);
    if (m == nullptr) throw std::runtime_error("no such message");
    return *m;
}
const proto::message_descriptor& msg_type() {
    return type("jt.Msg");
}
const proto::field_descriptor& fld(std::string_view name) {
    const proto::field_descriptor* f = msg_type().find_field(name);
    if (f == nullptr) throw std::runtime_error("no such field");
    return *f;
}

std::string print(const proto::dynamic_message& m, const json::print_options& o = {}) {
    std::string out;
    const auto e = json::to_json(m, out, o, &pool());
    INFO(e.message());
    REQUIRE_FALSE(e);
    return out;
}

// Parses text as a jt.Msg (or `t`), prints it back with default options.
std::string reprint(std::string_view text, const json::parse_options& po = {},
                    std::string_view t = "jt.Msg") {
    proto::dynamic_message m(type(t));
    const auto e = json::from_json(m, text, po, &pool());
    INFO(text);
    INFO(e.message());
    REQUIRE_FALSE(e);
    return print(m);
}

json::json_error parse_error(std::string_view text, const json::parse_options& po = {},
                             std::string_view t = "jt.Msg") {
    proto::dynamic_message m(type(t));
    return json::from_json(m, text, po, &pool());
}

}  // namespace

TEST_CASE("json_dynamic: scalars print in their json.md forms, in field-number order") {
    proto::dynamic_message m(msg_type());
    m.set_string(fld("str"), "hi");
    m.set_int32(fld("i32"), -5);
    m.set_int64(fld("i64"), -9007199254740993);  // int64: a string (json.md table)
    m.set_uint32(fld("u32"), 4294967295u);
    m.set_uint64(fld("u64"), 18446744073709551615u);
    m.set_int32(fld("s32"), -1);
    m.set_uint64(fld("f64"), 1);
    m.set_float(fld("flt"), 1.5f);
    m.set_double(fld("dbl"), -0.25);
    m.set_bool(fld("b"), true);
    m.set_string(fld("byt"), std::string("\xfb\xff", 2));  // base64 "+/8=", standard alphabet
    m.set_enum(fld("color"), 2);
    CHECK(
        print(m) ==
        R"({"i32":-5,"i64":"-9007199254740993","u32":4294967295,"u64":"18446744073709551615",)"
        R"("s32":-1,"f64":"1","flt":1.5,"dbl":-0.25,"b":true,"str":"hi","byt":"+/8=","color":"GREEN"})");
}

TEST_CASE("json_dynamic: json_name keys, proto names with preserve_proto_field_names") {
    proto::dynamic_message m(msg_type());
    m.set_int32(fld("opt_i32"), 0);  // explicit presence: printed although 0
    m.set_int32(fld("field_with_json_name"), 7);
    CHECK(print(m) == R"({"optI32":0,"custom":7})");
    json::print_options o;
    o.preserve_proto_field_names = true;
    CHECK(print(m, o) == R"({"opt_i32":0,"field_with_json_name":7})");
    // Parsers accept both spellings (json.md: "the original proto field name").
    CHECK(reprint(R"({"opt_i32":3,"field_with_json_name":4})") == R"({"optI32":3,"custom":4})");
    CHECK(reprint(R"({"optI32":3,"custom":4})") == R"({"optI32":3,"custom":4})");
}

TEST_CASE("json_dynamic: defaults omitted unless always_print_fields_with_no_presence") {
    proto::dynamic_message m(msg_type());
    CHECK(print(m) == "{}");
    m.set_int32(fld("i32"), 0);  // implicit presence: 0 is unset
    CHECK(print(m) == "{}");
    json::print_options o;
    o.always_print_fields_with_no_presence = true;
    const std::string all = print(m, o);
    // Implicit-presence scalars, repeated and maps appear; fields with
    // presence (messages, optional, oneof members) do not.
    CHECK(all.find(R"("i32":0)") != std::string::npos);
    CHECK(all.find(R"("i64":"0")") != std::string::npos);
    CHECK(all.find(R"("str":"")") != std::string::npos);
    CHECK(all.find(R"("color":"COLOR_UNSPECIFIED")") != std::string::npos);
    CHECK(all.find(R"("repI32":[])") != std::string::npos);
    CHECK(all.find(R"("mapStrI32":{})") != std::string::npos);
    CHECK(all.find(R"("nullVal":null)") != std::string::npos);
    CHECK(all.find("optI32") == std::string::npos);
    CHECK(all.find("child") == std::string::npos);
    CHECK(all.find("choice") == std::string::npos);
    CHECK(all.find("ts") == std::string::npos);
}

TEST_CASE("json_dynamic: nested messages, repeated, maps") {
    const std::string in =
        R"({"child":{"i32":1,"child":{}},"repI32":[1,2,3],"repStr":["a"],"repMsg":[{},{"b":true}],)"
        R"("repColor":["RED",2,7],"mapStrI32":{"b":2,"a":1},"mapI64Str":{"-3":"x","10":"y"},)"
        R"("mapBoolMsg":{"true":{"i32":1},"false":{}},"mapU32Color":{"4294967295":"GREEN"}})";
    // Map keys print sorted (libprotobuf's deterministic order); an open
    // enum's unknown number (7) prints as a number (json.md, enum row).
    CHECK(
        reprint(in) ==
        R"({"child":{"i32":1,"child":{}},"repI32":[1,2,3],"repStr":["a"],"repMsg":[{},{"b":true}],)"
        R"("repColor":["RED","GREEN",7],"mapStrI32":{"a":1,"b":2},"mapI64Str":{"-3":"x","10":"y"},)"
        R"("mapBoolMsg":{"false":{},"true":{"i32":1}},"mapU32Color":{"4294967295":"GREEN"}})");
}

TEST_CASE("json_dynamic: enums_as_ints") {
    proto::dynamic_message m(msg_type());
    m.set_enum(fld("color"), 1);
    m.add_enum(fld("rep_color"), 2);
    json::print_options o;
    o.enums_as_ints = true;
    CHECK(print(m, o) == R"({"color":1,"repColor":[2]})");
}

TEST_CASE("json_dynamic: numbers in every accepted spelling (json.md table)") {
    CHECK(reprint(R"({"i32":"12","i64":12,"u32":1e3,"u64":"1.0","flt":"NaN","dbl":"-Infinity"})") ==
          R"({"i32":12,"i64":"12","u32":1000,"u64":"1","flt":"NaN","dbl":"-Infinity"})");
    CHECK(reprint(R"({"dbl":"Infinity","flt":"1.5"})") == R"({"flt":1.5,"dbl":"Infinity"})");
    // bytes: standard or URL-safe, with or without padding.
    CHECK(reprint(R"({"byt":"-_8"})") == R"({"byt":"+/8="})");
    CHECK(reprint(R"({"byt":"+/8="})") == R"({"byt":"+/8="})");
}

TEST_CASE("json_dynamic: oneof and null") {
    CHECK(reprint(R"({"choiceI32":0})") == R"({"choiceI32":0})");
    // A null member does not count against the oneof (json.md, "Null values").
    CHECK(reprint(R"({"choiceI32":null,"choiceStr":"x"})") == R"({"choiceStr":"x"})");
    // NullValue: null is its value.
    CHECK(reprint(R"({"choiceNull":null})") == R"({"choiceNull":null})");
    // null leaves any other field unset.
    CHECK(reprint(R"({"i32":null,"child":null,"repI32":null,"mapStrI32":null,"ts":null})") == "{}");
}

TEST_CASE("json_dynamic: malformed input, each with its json_errc and path") {
    struct bad {
        const char* text;
        json_errc code;
        const char* path;
    };
    const bad cases[] = {
        {R"([])", json_errc::expected_object, "$"},
        {R"({"nope":1})", json_errc::unknown_field, "$.nope"},
        {R"({"child":{"nope":1}})", json_errc::unknown_field, "$.child.nope"},
        {R"({"i32":1,"i32":2})", json_errc::duplicate_field, "$.i32"},
        {R"({"opt_i32":1,"optI32":2})", json_errc::duplicate_field, "$.optI32"},
        {R"({"choiceI32":1,"choiceStr":"a"})", json_errc::oneof_conflict, "$.choiceStr"},
        {R"({"i32":2147483648})", json_errc::out_of_range, "$.i32"},
        {R"({"u32":-1})", json_errc::out_of_range, "$.u32"},
        {R"({"i32":1.5})", json_errc::not_integer, "$.i32"},
        {R"({"i64":""})", json_errc::expected_number, "$.i64"},
        {R"({"flt":1e39})", json_errc::out_of_range, "$.flt"},
        {R"({"b":"true"})", json_errc::expected_bool, "$.b"},
        {R"({"str":1})", json_errc::expected_string, "$.str"},
        {R"({"byt":"a*=="})", json_errc::bad_base64, "$.byt"},
        {R"({"color":"BLUE"})", json_errc::unknown_enum_value, "$.color"},
        {R"({"repColor":["RED","BLUE"]})", json_errc::unknown_enum_value, "$.repColor[1]"},
        {R"({"repI32":[1,null]})", json_errc::null_not_allowed, "$.repI32[1]"},
        {R"({"repI32":{}})", json_errc::expected_array, "$.repI32"},
        {R"({"child":[]})", json_errc::expected_object, "$.child"},
        {R"({"mapStrI32":{"a":null}})", json_errc::null_not_allowed, "$.mapStrI32.a"},
        {R"({"mapI64Str":{"x":"y"}})", json_errc::expected_number, "$.mapI64Str.x"},
        {R"({"mapI64Str":{"1":"a","1.0":"b"}})", json_errc::duplicate_field, "$.mapI64Str"},
        {R"({"mapBoolMsg":{"yes":{}}})", json_errc::expected_bool, "$.mapBoolMsg"},
        {R"({"i32":1} x)", json_errc::trailing_content, "$"},
        {R"({"str":"\ud800"})", json_errc::lone_surrogate, "$.str"},
        {"{\"str\":\"\xff\"}", json_errc::invalid_utf8, "$.str"},
        {R"({"i32":1,})", json_errc::syntax, "$"},
        {R"({"ts":"2020-13-01T00:00:00Z"})", json_errc::bad_timestamp, "$.ts"},
        {R"({"dur":"1"})", json_errc::bad_duration, "$.dur"},
        {R"({"mask":"a_b"})", json_errc::bad_field_mask, "$.mask"},
        {R"({"wI32":"x"})", json_errc::expected_number, "$.wI32"},
        {R"({"any":{"i32":1}})", json_errc::bad_any, "$.any"},
        {R"({"any":{"@type":"type.googleapis.com/jt.Nope"}})", json_errc::unknown_type, "$.any"},
        {R"({"any":{"@type":"type.googleapis.com/jt.Msg","nope":1}})", json_errc::unknown_field,
         "$.any.nope"},
        {R"({"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"x"}})",
         json_errc::bad_duration, "$.any.value"},
        {R"({"lst":{}})", json_errc::expected_array, "$.lst"},
        {R"({"st":[]})", json_errc::expected_object, "$.st"},
    };
    for (const bad& b : cases) {
        const auto e = parse_error(b.text);
        INFO(b.text);
        INFO(e.message());
        CHECK(e.code == b.code);
        CHECK(e.path.substr(0, std::string(b.path).size()) == b.path);
    }
}

TEST_CASE("json_dynamic: error offsets point at the value") {
    const auto e = parse_error(R"({"i32": 1, "str": 5})");
    CHECK(e.code == json_errc::expected_string);
    CHECK(e.offset == 18);
    CHECK(e.path == "$.str");
    const auto a = parse_error(R"({"any": {"@type": "type.googleapis.com/jt.Msg", "i32": "x"}})");
    CHECK(a.code == json_errc::expected_number);
    CHECK(a.path == "$.any.i32");
    CHECK(a.offset == 55);
}

TEST_CASE("json_dynamic: ignore_unknown_fields") {
    json::parse_options po;
    po.ignore_unknown_fields = true;
    CHECK(reprint(R"({"nope":{"a":[1]},"i32":1,"color":"BLUE","repColor":["BLUE","RED"]})", po) ==
          R"({"i32":1,"repColor":["RED"]})");
    CHECK(reprint(R"({"mapU32Color":{"1":"BLUE","2":"RED"}})", po) ==
          R"({"mapU32Color":{"2":"RED"}})");
}
