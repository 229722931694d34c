// Tests of proto_codec/json_wkt_format.hpp. Expected values come from json.md,
// timestamp.proto / duration.proto / field_mask.proto comments, RFC 3339 and
// protoc's ToJsonName.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <h2pb/proto_codec/json_wkt_format.hpp>

using namespace h2pb::proto::json;

namespace {
std::string ts(std::int64_t s, std::int32_t n) {
    std::string out;
    if (!format_timestamp(s, n, out)) return "<fail>";
    return out;
}
std::string dur(std::int64_t s, std::int32_t n) {
    std::string out;
    if (!format_duration(s, n, out)) return "<fail>";
    return out;
}
bool pts(std::string_view t, std::int64_t& s, std::int32_t& n) {
    return parse_timestamp(t, s, n);
}
}  // namespace

TEST_CASE("timestamp: json.md and timestamp.proto examples") {
    // json.md: "1972-01-01T10:00:20.021Z" (63108020 s after the epoch).
    CHECK(ts(63108020, 21000000) == "1972-01-01T10:00:20.021Z");
    std::int64_t s = 0;
    std::int32_t n = 0;
    REQUIRE(pts("1972-01-01T10:00:20.021Z", s, n));
    CHECK(s == 63108020);
    CHECK(n == 21000000);
    // timestamp.proto: "2017-01-15T01:30:15.01Z" and an offset form.
    REQUIRE(pts("2017-01-15T01:30:15.01Z", s, n));
    CHECK(s == 1484443815);
    CHECK(n == 10000000);
    REQUIRE(pts("2017-01-15T02:30:15.01+01:00", s, n));
    CHECK(s == 1484443815);
    REQUIRE(pts("2017-01-14T20:00:15.01-05:30", s, n));
    CHECK(s == 1484443815);
    CHECK(ts(0, 0) == "1970-01-01T00:00:00Z");
    CHECK(ts(0, 1) == "1970-01-01T00:00:00.000000001Z");
    CHECK(ts(0, 1000) == "1970-01-01T00:00:00.000001Z");
    CHECK(ts(0, 10000000) == "1970-01-01T00:00:00.010Z");
    CHECK(ts(0, 123456789) == "1970-01-01T00:00:00.123456789Z");
    CHECK(ts(-1, 999999999) == "1969-12-31T23:59:59.999999999Z");
    CHECK(ts(951782400, 0) == "2000-02-29T00:00:00Z");  // a leap day (divisible by 400)
    CHECK(ts(1709164800, 0) == "2024-02-29T00:00:00Z");
}

TEST_CASE("timestamp: range edges") {
    CHECK(ts(timestamp_min_seconds, 0) == "0001-01-01T00:00:00Z");
    CHECK(ts(timestamp_max_seconds, 999999999) == "9999-12-31T23:59:59.999999999Z");
    CHECK(ts(timestamp_min_seconds - 1, 0) == "<fail>");
    CHECK(ts(timestamp_max_seconds + 1, 0) == "<fail>");
    CHECK(ts(0, -1) == "<fail>");
    CHECK(ts(0, 1000000000) == "<fail>");
    std::int64_t s = 0;
    std::int32_t n = 0;
    REQUIRE(pts("0001-01-01T00:00:00Z", s, n));
    CHECK(s == -62135596800);
    REQUIRE(pts("9999-12-31T23:59:59.999999999Z", s, n));
    CHECK(s == 253402300799);
    CHECK(n == 999999999);
    CHECK_FALSE(pts("0001-01-01T00:00:00+00:01", s, n));  // before the minimum in UTC
    CHECK(pts("0001-01-01T00:01:00+00:01", s, n));
    CHECK_FALSE(pts("9999-12-31T23:59:59-00:01", s, n));
    CHECK_FALSE(pts("0000-01-01T00:00:00Z", s, n));   // conformance TimestampJsonInputTooSmall
    CHECK_FALSE(pts("10000-01-01T00:00:00Z", s, n));  // TimestampJsonInputTooLarge
}

TEST_CASE("timestamp: malformed text") {
    std::int64_t s = 0;
    std::int32_t n = 0;
    for (const char* t : {"",
                          "1970-01-01T00:00:00",
                          "1970-01-01T00:00:00z",  // lower-case z
                          "1970-01-01t00:00:00Z",
                          "1970-01-01 00:00:00Z",
                          "1970-1-01T00:00:00Z",
                          "70-01-01T00:00:00Z",
                          "1970-01-01T00:00Z",
                          "1970-13-01T00:00:00Z",
                          "1970-00-01T00:00:00Z",
                          "1970-01-32T00:00:00Z",
                          "1970-02-29T00:00:00Z",
                          "1900-02-29T00:00:00Z",
                          "1970-01-01T24:00:00Z",
                          "1970-01-01T00:60:00Z",
                          "1970-01-01T00:00:60Z",
                          "1970-01-01T00:00:00.Z",
                          "1970-01-01T00:00:00.1234567890Z",
                          "1970-01-01T00:00:00+01",
                          "1970-01-01T00:00:00+0100",
                          "1970-01-01T00:00:00+24:00",
                          "1970-01-01T00:00:00+01:60",
                          "1970-01-01T00:00:00Z ",
                          " 1970-01-01T00:00:00Z",
                          "1970-01-01T00:00:00ZZ",
                          "+970-01-01T00:00:00Z",
                          "1970-01-01T00:00:00.-1Z",
                          "1970-01-01T00:00:00,5Z"}) {
        INFO(t);
        CHECK_FALSE(pts(t, s, n));
    }
    REQUIRE(pts("2000-02-29T12:34:56.5Z", s, n));
    CHECK(n == 500000000);
}

TEST_CASE("duration: json.md examples and range") {
    CHECK(dur(1, 340012) == "1.000340012s");  // json.md
    CHECK(dur(1, 0) == "1s");
    CHECK(dur(3, 100000000) == "3.100s");  // json.md's Any example: 3.1 seconds
    CHECK(dur(1, 500000000) == "1.500s");
    CHECK(dur(0, -500000000) == "-0.500s");
    CHECK(dur(-1, -1000) == "-1.000001s");
    CHECK(dur(0, 0) == "0s");
    CHECK(dur(duration_max_seconds, 999999999) == "315576000000.999999999s");
    CHECK(dur(-duration_max_seconds, -999999999) == "-315576000000.999999999s");
    CHECK(dur(duration_max_seconds + 1, 0) == "<fail>");
    CHECK(dur(-duration_max_seconds - 1, 0) == "<fail>");
    CHECK(dur(1, -1) == "<fail>");  // signs differ
    CHECK(dur(-1, 1) == "<fail>");
    CHECK(dur(0, 1000000000) == "<fail>");
    std::int64_t s = 0;
    std::int32_t n = 0;
    REQUIRE(parse_duration("1.000340012s", s, n));
    CHECK((s == 1 && n == 340012));
    REQUIRE(parse_duration("-0.5s", s, n));
    CHECK((s == 0 && n == -500000000));
    REQUIRE(parse_duration("-1.5s", s, n));
    CHECK((s == -1 && n == -500000000));
    REQUIRE(parse_duration("10.500000001s", s, n));  // json.md
    CHECK((s == 10 && n == 500000001));
    REQUIRE(parse_duration("315576000000.999999999s", s, n));
    CHECK((s == 315576000000 && n == 999999999));
    REQUIRE(parse_duration("-315576000000s", s, n));
    CHECK(s == -315576000000);
    CHECK_FALSE(parse_duration("315576000001s", s, n));  // conformance DurationJsonInputTooLarge
    CHECK_FALSE(parse_duration("-315576000001.000000000s", s, n));
    for (const char* t : {"", "s", "1", "-s", "1.s", ".5s", "1.5", "1.5S", "+1s", " 1s", "1s ",
                          "1.1234567890s", "1e3s", "1,5s", "--1s", "99999999999999999999999s"}) {
        INFO(t);
        CHECK_FALSE(parse_duration(t, s, n));
    }
}

TEST_CASE("field mask: path conversions (field_mask.proto, FieldMaskUtil rules)") {
    std::string out;
    CHECK(field_mask_path_to_json("foo_bar.baz", out));
    CHECK(out == "fooBar.baz");
    out.clear();
    CHECK(field_mask_path_to_json("user.display_name", out));
    CHECK(out == "user.displayName");
    out = "keep";
    CHECK_FALSE(
        field_mask_path_to_json("foo__bar", out));  // conformance FieldMaskTooManyUnderscore
    CHECK_FALSE(field_mask_path_to_json("foo_3_bar", out));  // FieldMaskNumbersDontRoundTrip
    CHECK_FALSE(field_mask_path_to_json("fooBar", out));     // upper case cannot round-trip
    CHECK_FALSE(field_mask_path_to_json("foo_", out));
    CHECK_FALSE(field_mask_path_to_json("foo_.bar", out));
    CHECK(out == "keep");
    out.clear();
    CHECK(field_mask_path_from_json("fooBar.baz", out));
    CHECK(out == "foo_bar.baz");
    out = "keep";
    CHECK_FALSE(field_mask_path_from_json("foo_bar", out));  // FieldMaskInvalidCharacter
    CHECK(out == "keep");

    // json.md's example "f.fooBar,h".
    std::vector<std::string> paths;
    REQUIRE(field_mask_from_json("f.fooBar,h", paths));
    CHECK(paths == std::vector<std::string>{"f.foo_bar", "h"});
    out.clear();
    REQUIRE(field_mask_to_json(paths, out));
    CHECK(out == "f.fooBar,h");
    paths.clear();
    REQUIRE(field_mask_from_json("", paths));
    CHECK(paths.empty());
    CHECK_FALSE(field_mask_from_json("a,b_c", paths));
    CHECK(paths.empty());
}

TEST_CASE("json_name: protoc's ToJsonName") {
    CHECK(json_name("foo_bar") == "fooBar");
    CHECK(json_name("foo") == "foo");
    CHECK(json_name("foo_bar_baz") == "fooBarBaz");
    CHECK(json_name("foo_bar_2") == "fooBar2");
    CHECK(json_name("_foo") == "Foo");
    CHECK(json_name("foo_") == "foo");
    CHECK(json_name("foo__bar") == "fooBar");
    CHECK(json_name("FooBar") == "FooBar");
    CHECK(json_name("fooBAR_baz") == "fooBARBaz");
    CHECK(json_name("field_name1") == "fieldName1");
    CHECK(json_name("FIELD_NAME11") == "FIELDNAME11");  // conformance test_messages_proto3
    CHECK(json_name("field__Name4_") == "fieldName4");
    CHECK(json_name("Field_name3") == "FieldName3");
}
