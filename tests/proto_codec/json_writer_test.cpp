// Tests of proto_codec/json_writer.hpp. Expected text comes from RFC 8259
// (§7 escapes) and json.md (the value forms of each scalar type).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include <h2pb/proto_codec/json_writer.hpp>

using namespace h2pb::proto::json;

TEST_CASE("json_writer: objects, arrays, commas") {
    std::string out;
    json_writer w(out);
    w.begin_object();
    w.key("a");
    w.int32(1);
    w.key("b");
    w.begin_array();
    w.boolean(true);
    w.boolean(false);
    w.null();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.end_array();
    w.key("c");
    w.string("x");
    w.end_object();
    CHECK(out == R"({"a":1,"b":[true,false,null,{},[]],"c":"x"})");
}

TEST_CASE("json_writer: json.md scalar forms") {
    std::string out;
    json_writer w(out);
    w.begin_array();
    w.int32(-10);
    w.uint32(4294967295u);
    w.int64(std::numeric_limits<std::int64_t>::min());  // int64 as a decimal string
    w.uint64(std::numeric_limits<std::uint64_t>::max());
    w.float64(1.1);
    w.float64(-10.0);
    w.float64(0);
    w.float64(std::numeric_limits<double>::quiet_NaN());
    w.float64(std::numeric_limits<double>::infinity());
    w.float32(-std::numeric_limits<float>::infinity());
    w.float32(0.1f);                // shortest float text, not the double's 0.10000000149011612
    w.bytes("abc123!?$*&()'-=@~");  // json.md's example: "YWJjMTIzIT8kKiYoKSctPUB+"
    w.bytes("f");                   // padded: "Zg=="
    w.end_array();
    CHECK(
        out ==
        R"([-10,4294967295,"-9223372036854775808","18446744073709551615",1.1,-10,0,"NaN","Infinity","-Infinity",0.1,"YWJjMTIzIT8kKiYoKSctPUB+","Zg=="])");
}

TEST_CASE("json_writer: string escapes (RFC 8259 section 7)") {
    std::string out;
    json_writer w(out);
    std::string in = "q\" b\\ s/ \b\f\n\r\t \x01\x1f\x7f ";
    in.push_back('\0');
    in += " \xc3\xa9 \xf0\x9f\x98\x80";
    w.string(in);
    CHECK(out ==
          "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f \\u0000 \xc3\xa9 "
          "\xf0\x9f\x98\x80\"");
}

TEST_CASE("json_writer: map keys are strings") {
    std::string out;
    json_writer w(out);
    w.begin_object();
    w.map_key_int(-5);
    w.int32(1);
    w.map_key_uint(18446744073709551615ull);
    w.int32(2);
    w.map_key_bool(true);
    w.int32(3);
    w.end_object();
    CHECK(out == R"({"-5":1,"18446744073709551615":2,"true":3})");
}

TEST_CASE("json_writer: pretty printing, 2-space indent") {
    std::string out;
    json_writer w(out, true);
    w.begin_object();
    w.key("a");
    w.int32(1);
    w.key("b");
    w.begin_array();
    w.int32(2);
    w.begin_object();
    w.end_object();
    w.end_array();
    w.key("c");
    w.raw("{\"x\":1}");
    w.end_object();
    CHECK(out == "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    {}\n  ],\n  \"c\": {\"x\":1}\n}");
}
