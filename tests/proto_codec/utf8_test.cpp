// UTF-8 validation (proto_codec/utf8.hpp): RFC 3629's table, the ASCII fast
// path, and each kind of invalid sequence.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/proto_codec/utf8.hpp>

using h2pb::proto::is_valid_utf8;

static bool valid(const std::string& s) {
    return is_valid_utf8(h2pb::wire::as_bytes(s));
}

TEST_CASE("ASCII and empty strings are valid") {
    CHECK(valid(""));
    CHECK(valid("Apple"));
    CHECK(valid(std::string(1000, 'x')));
    CHECK(valid(std::string("\0\x7f", 2)));
}

TEST_CASE("two-, three- and four-byte sequences at the edges of their ranges") {
    CHECK(valid("\xC2\x80"));          // U+0080
    CHECK(valid("\xDF\xBF"));          // U+07FF
    CHECK(valid("\xE0\xA0\x80"));      // U+0800
    CHECK(valid("\xED\x9F\xBF"));      // U+D7FF
    CHECK(valid("\xEE\x80\x80"));      // U+E000
    CHECK(valid("\xEF\xBF\xBF"));      // U+FFFF
    CHECK(valid("\xF0\x90\x80\x80"));  // U+10000
    CHECK(valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    CHECK(valid("h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST_CASE("overlong encodings are invalid") {
    CHECK_FALSE(valid("\xC0\x80"));
    CHECK_FALSE(valid("\xC1\xBF"));
    CHECK_FALSE(valid("\xE0\x9F\xBF"));
    CHECK_FALSE(valid("\xF0\x8F\xBF\xBF"));
}

TEST_CASE("UTF-16 surrogates are invalid") {
    CHECK_FALSE(valid("\xED\xA0\x80"));  // U+D800
    CHECK_FALSE(valid("\xED\xBF\xBF"));  // U+DFFF
}

TEST_CASE("code points above U+10FFFF and bytes F5..FF are invalid") {
    CHECK_FALSE(valid("\xF4\x90\x80\x80"));
    CHECK_FALSE(valid("\xF5\x80\x80\x80"));
    CHECK_FALSE(valid("\xFF"));
    CHECK_FALSE(valid("\xFE"));
}

TEST_CASE("lone continuation bytes and truncated sequences are invalid") {
    CHECK_FALSE(valid("\x80"));
    CHECK_FALSE(valid("a\xBF"));
    CHECK_FALSE(valid("\xC3"));
    CHECK_FALSE(valid("\xE2\x82"));
    CHECK_FALSE(valid("\xF0\x9F\x98"));
    CHECK_FALSE(valid("\xE2\x28\xA1"));  // second byte not a continuation
}

TEST_CASE("an invalid byte is found wherever it sits relative to the 8-byte fast path") {
    for (std::size_t len = 1; len < 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string s(len, 'a');
            s[at] = '\xFF';
            INFO("len " << len << " at " << at);
            CHECK_FALSE(valid(s));
            s[at] = '\x7F';
            CHECK(valid(s));
        }
    }
}
