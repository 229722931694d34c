// Tests of proto_codec/json_reader.hpp. Expected values come from RFC 8259
// (grammar, §7 strings, §8.1 UTF-8) and json.md (protobuf's scalar rules),
// and several cases mirror protobuf's conformance suite (JsonInput.*).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <h2pb/proto_codec/json_reader.hpp>

using namespace h2pb::proto::json;

namespace {
template <class T, class Read>
json_errc read_one(std::string_view text, T& v, Read read) {
    json_reader r(text);
    if (!(r.*read)(v)) return r.error().code;
    if (!r.finish()) return r.error().code;
    return json_errc::ok;
}
json_errc i32(std::string_view t, std::int32_t& v) {
    return read_one(t, v, &json_reader::read_int32);
}
json_errc u32(std::string_view t, std::uint32_t& v) {
    return read_one(t, v, &json_reader::read_uint32);
}
json_errc i64(std::string_view t, std::int64_t& v) {
    return read_one(t, v, &json_reader::read_int64);
}
json_errc u64(std::string_view t, std::uint64_t& v) {
    return read_one(t, v, &json_reader::read_uint64);
}
json_errc f32(std::string_view t, float& v) {
    return read_one(t, v, &json_reader::read_float);
}
json_errc f64(std::string_view t, double& v) {
    return read_one(t, v, &json_reader::read_double);
}
json_errc str(std::string_view t, std::string& v) {
    return read_one(t, v, &json_reader::read_string);
}
/// '"' + body + '"' (built by appending: g++ 12 warns falsely on operator+ here).
std::string quoted(const std::string& body) {
    std::string s;
    s.reserve(body.size() + 2);
    s.push_back('"');
    s.append(body);
    s.push_back('"');
    return s;
}
}  // namespace

TEST_CASE("json_reader: an object walked key by key") {
    json_reader r(
        R"( { "id" : "-5", "tags": ["a", "b\n"], "ok": true, "n": null, "x": {"y": [1, {}]} } )");
    std::string scratch, s;
    std::string_view key;
    REQUIRE(r.begin_object());
    REQUIRE(r.next_key(scratch, key));
    CHECK(key == "id");
    std::int64_t id = 0;
    REQUIRE(r.read_int64(id));
    CHECK(id == -5);
    REQUIRE(r.next_key(scratch, key));
    CHECK(key == "tags");
    REQUIRE(r.begin_array());
    REQUIRE(r.next_element());
    REQUIRE(r.read_string(s));
    CHECK(s == "a");
    REQUIRE(r.next_element());
    REQUIRE(r.read_string(s));
    CHECK(s == "b\n");
    CHECK_FALSE(r.next_element());
    CHECK_FALSE(r.error());
    REQUIRE(r.next_key(scratch, key));
    CHECK(key == "ok");
    CHECK(r.peek() == json_reader::token::boolean);
    bool b = false;
    REQUIRE(r.read_bool(b));
    CHECK(b);
    REQUIRE(r.next_key(scratch, key));
    CHECK(r.peek() == json_reader::token::null);
    REQUIRE(r.read_null());
    REQUIRE(r.next_key(scratch, key));
    CHECK(key == "x");
    std::string_view raw;
    REQUIRE(r.capture_value(raw));
    CHECK(raw == R"({"y": [1, {}]})");
    CHECK_FALSE(r.next_key(scratch, key));
    CHECK_FALSE(r.error());
    CHECK(r.finish());
}

TEST_CASE("json_reader: integers per json.md") {
    std::int32_t v = 0;
    CHECK(i32("1", v) == json_errc::ok);
    CHECK(v == 1);
    CHECK(i32("-10", v) == json_errc::ok);
    CHECK(v == -10);
    CHECK(i32("\"2147483647\"", v) == json_errc::ok);  // strings accepted
    CHECK(v == 2147483647);
    CHECK(i32("-2147483648", v) == json_errc::ok);
    CHECK(v == std::numeric_limits<std::int32_t>::min());
    CHECK(i32("1e3", v) == json_errc::ok);  // exponent notation, integral
    CHECK(v == 1000);
    CHECK(i32("\"1e3\"", v) == json_errc::ok);
    CHECK(v == 1000);
    CHECK(i32("1.0", v) == json_errc::ok);  // zero fraction
    CHECK(v == 1);
    CHECK(i32("100000.000", v) == json_errc::ok);
    CHECK(v == 100000);
    CHECK(i32("2.147483647e9", v) == json_errc::ok);
    CHECK(v == 2147483647);
    CHECK(i32("15e-1", v) == json_errc::not_integer);
    CHECK(i32("1.5", v) == json_errc::not_integer);
    CHECK(i32("0.5", v) == json_errc::not_integer);
    CHECK(i32("-0", v) == json_errc::ok);
    CHECK(v == 0);
    CHECK(i32("\"2\\u003147483647\"", v) == json_errc::ok);  // an escape inside the quotes
    CHECK(v == 2147483647);
    CHECK(i32("2147483648", v) == json_errc::out_of_range);
    CHECK(i32("-2147483649", v) == json_errc::out_of_range);
    CHECK(i32("1e10", v) == json_errc::out_of_range);
    CHECK(i32("1e99999999999999999999", v) == json_errc::out_of_range);
    CHECK(i32("1e-99999999999999999999", v) == json_errc::not_integer);
    CHECK(i32("0e99999999999999999999", v) == json_errc::ok);
    CHECK(i32("\"\"", v) == json_errc::expected_number);  // "Empty strings are invalid"
    CHECK(i32("\" 1\"", v) == json_errc::expected_number);
    CHECK(i32("\"1 \"", v) == json_errc::expected_number);
    CHECK(i32("\"+1\"", v) == json_errc::expected_number);
    CHECK(i32("+1", v) == json_errc::expected_number);
    CHECK(i32("01", v) == json_errc::trailing_content);  // RFC 8259: no leading zeros
    CHECK(i32("\"01\"", v) == json_errc::expected_number);
    CHECK(i32("-01", v) == json_errc::trailing_content);
    CHECK(i32("1.", v) == json_errc::syntax);
    CHECK(i32(".5", v) == json_errc::expected_number);
    CHECK(i32("1e", v) == json_errc::syntax);
    CHECK(i32("-", v) == json_errc::syntax);
    CHECK(i32("true", v) == json_errc::expected_number);
    CHECK(i32("0x10", v) == json_errc::trailing_content);

    std::uint32_t u = 0;
    CHECK(u32("4294967295", u) == json_errc::ok);
    CHECK(u == 4294967295u);
    CHECK(u32("4294967296", u) == json_errc::out_of_range);
    CHECK(u32("-1", u) == json_errc::out_of_range);
    CHECK(u32("-0", u) == json_errc::ok);

    std::int64_t l = 0;
    CHECK(i64("\"9223372036854775807\"", l) == json_errc::ok);
    CHECK(l == std::numeric_limits<std::int64_t>::max());
    CHECK(i64("-9223372036854775808", l) == json_errc::ok);
    CHECK(l == std::numeric_limits<std::int64_t>::min());
    CHECK(i64("9223372036854775808", l) == json_errc::out_of_range);
    CHECK(i64("\"-9223372036854775809\"", l) == json_errc::out_of_range);
    CHECK(i64("9.223372036854775807e18", l) == json_errc::ok);
    CHECK(l == std::numeric_limits<std::int64_t>::max());
    CHECK(i64("0.0000000000000000001e19", l) == json_errc::ok);
    CHECK(l == 1);

    std::uint64_t ul = 0;
    CHECK(u64("\"18446744073709551615\"", ul) == json_errc::ok);
    CHECK(ul == std::numeric_limits<std::uint64_t>::max());
    CHECK(u64("18446744073709551616", ul) == json_errc::out_of_range);
    CHECK(u64("184467440737095516150e-1", ul) == json_errc::ok);
    CHECK(ul == std::numeric_limits<std::uint64_t>::max());
    CHECK(u64("1844674407370955161.6e1", ul) == json_errc::out_of_range);
    CHECK(u64("100000000000000000000", ul) == json_errc::out_of_range);
}

TEST_CASE("json_reader: float and double per json.md") {
    double d = 0;
    CHECK(f64("1.1", d) == json_errc::ok);
    CHECK(d == 1.1);
    CHECK(f64("-10.0", d) == json_errc::ok);
    CHECK(d == -10.0);
    CHECK(f64("\"1.5e2\"", d) == json_errc::ok);
    CHECK(d == 150.0);
    CHECK(f64("\"NaN\"", d) == json_errc::ok);
    CHECK(std::isnan(d));
    CHECK(f64("\"Infinity\"", d) == json_errc::ok);
    CHECK(d == std::numeric_limits<double>::infinity());
    CHECK(f64("\"-Infinity\"", d) == json_errc::ok);
    CHECK(d == -std::numeric_limits<double>::infinity());
    CHECK(f64("NaN", d) == json_errc::expected_number);  // only as strings
    CHECK(f64("Infinity", d) == json_errc::expected_number);
    CHECK(f64("\"nan\"", d) == json_errc::expected_number);
    CHECK(f64("\"\"", d) == json_errc::expected_number);
    CHECK(f64("1.7976931348623157e308", d) == json_errc::ok);
    CHECK(d == std::numeric_limits<double>::max());
    CHECK(f64("-1.89769e+308", d) == json_errc::out_of_range);  // conformance DoubleFieldTooSmall
    CHECK(f64("1.89769e+308", d) == json_errc::out_of_range);
    CHECK(f64("1e-400", d) == json_errc::ok);  // underflow to zero
    CHECK(d == 0.0);
    CHECK(f64("-1e-400", d) == json_errc::ok);
    CHECK(d == 0.0);
    CHECK(std::signbit(d));
    CHECK(f64("4.9406564584124654e-324", d) == json_errc::ok);  // smallest subnormal
    CHECK(d == std::numeric_limits<double>::denorm_min());
    CHECK(f64("2.2250738585072014E-308", d) == json_errc::ok);
    CHECK(d == std::numeric_limits<double>::min());

    float f = 0;
    CHECK(f32("3.402823e+38", f) == json_errc::ok);  // conformance FloatFieldMaxPositiveValue
    CHECK(f == 3.402823e+38f);
    CHECK(f32("3.4028235e38", f) == json_errc::ok);  // FLT_MAX's shortest text
    CHECK(f == std::numeric_limits<float>::max());
    CHECK(f32("3.502823e+38", f) == json_errc::out_of_range);   // FloatFieldTooLarge
    CHECK(f32("-3.502823e+38", f) == json_errc::out_of_range);  // FloatFieldTooSmall
    CHECK(f32("1.175494e-38", f) == json_errc::ok);             // FloatFieldMinPositiveValue
    CHECK(f == 1.175494e-38f);
    CHECK(f32("\"-Infinity\"", f) == json_errc::ok);
    CHECK(f == -std::numeric_limits<float>::infinity());
    CHECK(f32("0.1", f) == json_errc::ok);
    CHECK(f == 0.1f);
}

TEST_CASE("json_reader: strings, escapes and UTF-8 (RFC 8259 sections 7, 8.1)") {
    std::string s;
    CHECK(str(R"("\"\\\/\b\f\n\r\t")", s) == json_errc::ok);
    CHECK(s == "\"\\/\b\f\n\r\t");
    CHECK(str(R"("\u00e9\u00E9")", s) == json_errc::ok);
    CHECK(s == "\xc3\xa9\xc3\xa9");
    CHECK(str(R"("\u0000")", s) == json_errc::ok);
    CHECK(s == std::string(1, '\0'));
    CHECK(str(R"("\u20ac")", s) == json_errc::ok);
    CHECK(s == "\xe2\x82\xac");
    // RFC 8259 §7: U+1D11E G CLEF is "\ud834\udd1e".
    CHECK(str(R"("\ud834\udd1e")", s) == json_errc::ok);
    CHECK(s == "\xf0\x9d\x84\x9e");
    CHECK(str(R"("\uDBFF\uDFFF")", s) == json_errc::ok);
    CHECK(s == "\xf4\x8f\xbf\xbf");
    CHECK(str("\"\xf0\x9d\x84\x9e \xc3\xa9\"", s) == json_errc::ok);  // raw UTF-8
    CHECK(s == "\xf0\x9d\x84\x9e \xc3\xa9");
    CHECK(str(R"("\ud834")", s) == json_errc::lone_surrogate);
    CHECK(str(R"("\ud834x")", s) == json_errc::lone_surrogate);
    CHECK(str(R"("\ud834\u0041")", s) == json_errc::lone_surrogate);
    CHECK(str(R"("\udd1e")", s) == json_errc::lone_surrogate);
    CHECK(str(R"("\udd1e\ud834")", s) == json_errc::lone_surrogate);
    CHECK(str(R"("\x")", s) == json_errc::bad_escape);
    CHECK(str(R"("\U0041")", s) == json_errc::bad_escape);  // conformance UppercaseEscapeLetter
    CHECK(str(R"("\u00g0")", s) == json_errc::bad_escape);
    CHECK(str(R"("\u00")", s) == json_errc::bad_escape);
    CHECK(str(R"("\)", s) == json_errc::unterminated_string);
    CHECK(str(R"("abc)", s) == json_errc::unterminated_string);
    CHECK(str("\"a\nb\"", s) == json_errc::control_character);
    CHECK(str(std::string_view("\"a\0b\"", 5), s) == json_errc::control_character);
    CHECK(str("'abc'", s) == json_errc::expected_string);  // conformance SingleQuote
    CHECK(str("\"\xc3\"", s) == json_errc::invalid_utf8);
    CHECK(str("\"\xc0\xaf\"", s) == json_errc::invalid_utf8);          // overlong
    CHECK(str("\"\xed\xa0\x80\"", s) == json_errc::invalid_utf8);      // encoded surrogate
    CHECK(str("\"\xf4\x90\x80\x80\"", s) == json_errc::invalid_utf8);  // above U+10FFFF
    CHECK(str("\"\xff\"", s) == json_errc::invalid_utf8);
    // Long strings take the eight-at-a-time path; specials at every position.
    for (std::size_t at = 0; at < 20; ++at) {
        std::string body(20, 'x');
        body[at] = '"';
        CHECK(str(quoted(body.substr(0, at)), s) == json_errc::ok);
        CHECK(s == std::string(at, 'x'));
        std::string esc = std::string(at, 'y') + "\\n" + std::string(19 - at, 'z');
        CHECK(str(quoted(esc), s) == json_errc::ok);
        CHECK(s == std::string(at, 'y') + "\n" + std::string(19 - at, 'z'));
        std::string ctl = std::string(at, 'y') + "\x1f" + std::string(19 - at, 'z');
        CHECK(str(quoted(ctl), s) == json_errc::control_character);
        std::string hi = std::string(at, 'y') + "\xc3\xa9" + std::string(19 - at, 'z');
        CHECK(str(quoted(hi), s) == json_errc::ok);
        CHECK(s == hi);
        std::string bad = std::string(at, 'y') + "\xc3" + std::string(19 - at, 'z');
        CHECK(str(quoted(bad), s) == json_errc::invalid_utf8);
    }
}

TEST_CASE("json_reader: bytes are base64, either alphabet") {
    const std::string text =
        R"(["YWJjMTIzIT8kKiYoKSctPUB+", "-_-_", "+/+/", "Zg", "Zg==", "", "Zg=", "Z$"])";
    json_reader r(text);
    std::string b;
    REQUIRE(r.begin_array());
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b == "abc123!?$*&()'-=@~");
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b == "\xfb\xff\xbf");
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b == "\xfb\xff\xbf");
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b == "f");
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b == "f");
    REQUIRE(r.next_element());
    REQUIRE(r.read_bytes(b));
    CHECK(b.empty());
    REQUIRE(r.next_element());
    CHECK_FALSE(r.read_bytes(b));
    CHECK(r.error().code == json_errc::bad_base64);
    CHECK(r.error().path == "$[6]");
    CHECK(r.error().offset == text.find("\"Zg=\""));
}

TEST_CASE("json_reader: errors carry the JSON path and the offset") {
    const std::string text = R"({"a": [1, 2, {"b": "x"}]})";
    json_reader r(text);
    std::string scratch;
    std::string_view key;
    REQUIRE(r.begin_object());
    REQUIRE(r.next_key(scratch, key));
    REQUIRE(r.begin_array());
    std::int32_t v;
    REQUIRE(r.next_element());
    REQUIRE(r.read_int32(v));
    REQUIRE(r.next_element());
    REQUIRE(r.read_int32(v));
    REQUIRE(r.next_element());
    REQUIRE(r.begin_object());
    REQUIRE(r.next_key(scratch, key));
    CHECK_FALSE(r.read_int32(v));
    CHECK(r.error().code == json_errc::expected_number);
    CHECK(r.error().path == "$.a[2].b");
    CHECK(r.error().offset == text.find("\"x\""));
    CHECK(r.error().message() == "$.a[2].b: expected a number (offset 19)");
    // The first error wins; everything after fails at once.
    CHECK_FALSE(r.next_key(scratch, key));
    CHECK_FALSE(r.skip_value());
    CHECK_FALSE(r.finish());
    CHECK(r.error().path == "$.a[2].b");
}

TEST_CASE("json_reader: depth and size limits") {
    parse_options o;
    o.max_depth = 3;
    {
        json_reader r("[[[1]]]", o);
        CHECK(r.skip_value());
        CHECK(r.finish());
    }
    {
        const std::string text = R"([[{"a": [1]}]])";
        json_reader r(text, o);
        CHECK_FALSE(r.skip_value());
        CHECK(r.error().code == json_errc::depth_exceeded);
        CHECK(r.error().offset == text.find("[1]"));
        CHECK(r.error().path == "$[0][0].a");
    }
    {
        // The default limit (100), far deeper input: an error, no recursion.
        const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
        json_reader r(deep);
        CHECK_FALSE(r.skip_value());
        CHECK(r.error().code == json_errc::depth_exceeded);
        CHECK(r.error().offset == default_max_depth);
        const std::string ok = std::string(100, '[') + std::string(100, ']');
        json_reader r2(ok);
        CHECK(r2.skip_value());
        CHECK(r2.finish());
    }
    o.max_input_size = 4;
    {
        json_reader r("12345", o);
        std::int32_t v;
        CHECK_FALSE(r.read_int32(v));
        CHECK(r.error().code == json_errc::input_too_large);
        json_reader r2("1234", o);
        CHECK(r2.read_int32(v));
        CHECK(v == 1234);
    }
}

TEST_CASE("json_reader: frames beyond the inline ones (reader_inline_depth) keep their keys") {
    // 2 * reader_inline_depth nested objects {"k0":{"k1":...{"kN": x}}} with
    // a bad value at the bottom: the path names every level, those kept
    // inside the reader and those spilled to its vector alike.
    const std::size_t n = 2 * h2pb::proto::json::reader_inline_depth;
    std::string text, path = "$";
    for (std::size_t i = 0; i < n; ++i) {
        text += "{\"k" + std::to_string(i) + "\":";
        path += ".k" + std::to_string(i);
    }
    text += "x";
    text += std::string(n, '}');
    json_reader r(text);
    CHECK_FALSE(r.skip_value());
    CHECK(r.error().code == json_errc::syntax);
    CHECK(r.error().path == path);
    // A copy of a reader that is deep in the text (read_any looks ahead
    // with one) goes on from the same place, independently.
    std::string good;
    for (std::size_t i = 0; i < n; ++i) good += "[";
    good += "1";
    for (std::size_t i = 0; i < n; ++i) good += "]";
    json_reader a(good);
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(a.begin_array());
        REQUIRE(a.next_element());
    }
    json_reader b = a;
    std::int32_t v = 0;
    for (json_reader* x : {&a, &b}) {
        REQUIRE(x->read_int32(v));
        CHECK(v == 1);
        for (std::size_t i = 0; i < n; ++i) CHECK_FALSE(x->next_element());
        CHECK(x->finish());
    }
}

TEST_CASE("json_reader: RFC 8259 section 13 examples skip cleanly") {
    const char* example1 = R"({
        "Image": {
            "Width":  800,
            "Height": 600,
            "Title":  "View from 15th Floor",
            "Thumbnail": {
                "Url":    "http://www.example.com/image/481989943",
                "Height": 125,
                "Width":  100
            },
            "Animated" : false,
            "IDs": [116, 943, 234, 38793]
          }
      })";
    const char* example2 = R"([
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
      ])";
    for (const char* t :
         {example1, example2, "\"Hello world!\"", "42", "true", "null", "-0.5e-3"}) {
        json_reader r(t);
        CHECK(r.skip_value());
        CHECK(r.finish());
    }
}

TEST_CASE("json_reader: syntax errors") {
    for (const char* t : {"",         " ",           "{",    "[",     "{\"a\"}",
                          "{\"a\":}", "{\"a\":1,}",  "[1,]", "[1 2]", "{\"a\":1 \"b\":2}",
                          "{a:1}",    "[1,,2]",      "tru",  "nul",   "[01]",
                          "[-]",      "{\"a\":1]",   "[1}",  "]",     "}",
                          "\"abc",    "[\"a\" : 1]", "{,}",  "[,1]"}) {
        json_reader r(t);
        const bool ok = r.skip_value() && r.finish();
        INFO(t);
        CHECK_FALSE(ok);
        CHECK(r.error());
    }
    json_reader r("{} x");
    CHECK(r.skip_value());
    CHECK_FALSE(r.finish());
    CHECK(r.error().code == json_errc::trailing_content);
    CHECK(r.error().offset == 3);
}
