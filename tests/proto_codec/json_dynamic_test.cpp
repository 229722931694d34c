// proto_codec/json_dynamic.hpp: protobuf's JSON mapping driven by run-time
// descriptors (tests/proto_codec/protos/json_test.proto, compiled by protoc
// into a descriptor set at build time). Expected texts come from json.md
// (/work/shared/reference/protobuf-docs/json.md): its table of JSON forms,
// "JSON Options", "Null values", "Duplicate values"; the libprotobuf
// cross-check is tests/interop/proto_codec/json_dynamic_crosscheck_test.cpp.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/proto_codec/json_dynamic.hpp>

#include "descriptor_sets.hpp"

namespace proto = h2pb::proto;
namespace json = h2pb::proto::json;
namespace wire = h2pb::wire;
using json::json_errc;

namespace {

const proto::descriptor_pool& pool() {
    static const proto::descriptor_pool p = h2pb::test::load_descriptor_set(H2PB_DESC_JSON_TEST);
    return p;
}
const proto::message_descriptor& type(std::string_view name) {
    return h2pb::test::message_type(pool(), name);
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

TEST_CASE("json_dynamic: well-known types in their json.md forms") {
    // The json.md table's examples.
    CHECK(reprint(R"({"ts":"1972-01-01T10:00:20.021Z"})") ==
          R"({"ts":"1972-01-01T10:00:20.021Z"})");
    CHECK(reprint(R"({"ts":"1970-01-01T01:00:00+01:00"})") == R"({"ts":"1970-01-01T00:00:00Z"})");
    CHECK(reprint(R"({"dur":"1.000340012s"})") == R"({"dur":"1.000340012s"})");
    CHECK(reprint(R"({"dur":"1s"})") == R"({"dur":"1s"})");
    CHECK(reprint(R"({"mask":"f.fooBar,h"})") == R"({"mask":"f.fooBar,h"})");
    CHECK(reprint(R"({"st":{"a":[1,"x",true,null,{"b":{}}]}})") ==
          R"({"st":{"a":[1,"x",true,null,{"b":{}}]}})");
    CHECK(reprint(R"({"val":null})") == R"({"val":null})");
    CHECK(reprint(R"({"val":2.5})") == R"({"val":2.5})");
    CHECK(reprint(R"({"lst":[]})") == R"({"lst":[]})");
    CHECK(reprint(R"({"repVal":[null,"a"]})") == R"({"repVal":[null,"a"]})");
    // Wrappers: the wrapped value, present even when it is the default.
    CHECK(
        reprint(R"({"wI32":0,"wI64":"5","wStr":"","wBytes":"AQ==","wBool":false,"wDbl":"NaN"})") ==
        R"({"wI32":0,"wI64":"5","wStr":"","wBytes":"AQ==","wBool":false,"wDbl":"NaN"})");
    CHECK(reprint(R"({"empty":{}})") == R"({"empty":{}})");
    // Any: the embedded message's fields next to "@type" (in any order), or
    // "value" for a special form.
    CHECK(reprint(R"({"any":{"i32":3,"@type":"type.googleapis.com/jt.Msg"}})") ==
          R"({"any":{"@type":"type.googleapis.com/jt.Msg","i32":3}})");
    CHECK(
        reprint(
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.5s"}})") ==
        R"({"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}})");  // 0, 3, 6 or 9 digits
    CHECK(reprint(R"({"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":)"
                  R"({"@type":"type.googleapis.com/google.protobuf.Int32Value","value":7}}})") ==
          R"({"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":)"
          R"({"@type":"type.googleapis.com/google.protobuf.Int32Value","value":7}}})");
    CHECK(reprint(R"({"any":{}})") == R"({"any":{}})");
}

TEST_CASE("json_dynamic: a well-known type at the top level prints in its special form") {
    CHECK(reprint(R"("2017-01-15T01:30:15.010Z")", {}, "google.protobuf.Timestamp") ==
          R"("2017-01-15T01:30:15.010Z")");
    CHECK(reprint(R"({"a":1})", {}, "google.protobuf.Struct") == R"({"a":1})");
    CHECK(reprint(R"([1,{}])", {}, "google.protobuf.Value") == R"([1,{}])");
    CHECK(reprint(R"(null)", {}, "google.protobuf.Value") == R"(null)");
    CHECK(reprint(R"(-3)", {}, "google.protobuf.Int32Value") == R"(-3)");
    const auto e = parse_error("null", {}, "google.protobuf.Int32Value");
    CHECK(e.code == json_errc::null_not_allowed);
}

TEST_CASE("json_dynamic: print errors name the path") {
    proto::dynamic_message m(msg_type());
    proto::dynamic_message* ts = m.mutable_message(fld("child"))->mutable_message(fld("ts"));
    ts->set_int64(*ts->descriptor().find_field("seconds"), 253402300800);  // year 10000
    std::string out = "keep";
    auto e = json::to_json(m, out, {}, &pool());
    CHECK(e.code == json_errc::bad_timestamp);
    CHECK(e.path == "$.child.ts");
    CHECK(out == "keep");

    proto::dynamic_message v(msg_type());
    proto::dynamic_message* val = v.add_message(fld("rep_val"));
    val->set_double(*val->descriptor().find_field("number_value"), 1.0 / 0.0);
    e = json::to_json(v, out, {}, &pool());
    CHECK(e.code == json_errc::out_of_range);
    CHECK(e.path == "$.repVal[0]");

    proto::dynamic_message a(msg_type());
    proto::dynamic_message* any = a.mutable_message(fld("any"));
    any->set_string(*any->descriptor().find_field("type_url"), "type.googleapis.com/jt.Msg");
    e = json::to_json(a, out, {}, nullptr);  // no registry: unknown type
    CHECK(e.code == json_errc::unknown_type);
    CHECK(e.path == "$.any");
}

TEST_CASE("json_dynamic: depth is bounded when printing and parsing") {
    proto::dynamic_message m(msg_type());
    proto::dynamic_message* p = &m;
    for (int i = 0; i < 200; ++i) p = p->mutable_message(fld("child"));
    std::string out;
    auto e = json::to_json(m, out, {}, &pool());
    CHECK(e.code == json_errc::depth_exceeded);
    CHECK(out.empty());
    e = json::to_json(m, out, {}, &pool(), 1000);  // a larger setting prints it
    CHECK_FALSE(e);

    std::string deep;
    for (int i = 0; i < 150; ++i) deep += R"({"child":)";
    deep += "{}";
    deep += std::string(150, '}');
    e = parse_error(deep);
    CHECK(e.code == json_errc::depth_exceeded);
    json::parse_options po;
    po.max_depth = 1000;
    CHECK_FALSE(parse_error(deep, po));
    // Through Any, Struct and ListValue too: the captured text is read with
    // what is left of the budget.
    std::string deep_any;
    for (int i = 0; i < 120; ++i)
        deep_any += R"({"@type":"type.googleapis.com/google.protobuf.Any","value":)";
    deep_any += "{}" + std::string(120, '}');
    CHECK(parse_error(deep_any, {}, "google.protobuf.Any").code == json_errc::depth_exceeded);
    CHECK(parse_error(std::string(200, '[') + std::string(200, ']'), {}, "google.protobuf.Value")
              .code == json_errc::depth_exceeded);
}
