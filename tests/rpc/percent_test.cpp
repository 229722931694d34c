// Tests of rpc/percent.hpp: grpc-message's percent-encoding (PROTOCOL-HTTP2.md:
// Percent-Byte-Unencoded = %x20-%x24 / %x26-%x7E, Percent-Byte-Encoded = "%" 2HEXDIGIT).
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/rpc/percent.hpp>

using namespace h2pb;

namespace {
std::string enc(std::string_view s) {
    std::string out;
    rpc::percent_encode(s, out);
    CHECK(out.size() == rpc::percent_encoded_size(s));
    return out;
}
std::string dec(std::string_view s) {
    std::string out;
    rpc::percent_decode(s, out);
    return out;
}
}  // namespace

TEST_CASE("percent: space and VCHAR except % travel as themselves") {
    std::string printable;
    for (int c = 0x20; c <= 0x7E; ++c)
        if (c != '%') printable.push_back(static_cast<char>(c));
    CHECK(enc(printable) == printable);
    CHECK(enc("no such report") == "no such report");
}

TEST_CASE("percent: %, controls and non-ASCII as %XX with uppercase hex") {
    CHECK(enc("100%") == "100%25");
    CHECK(enc("a\tb\nc") == "a%09b%0Ac");
    CHECK(enc(std::string_view("\0", 1)) == "%00");
    CHECK(enc("\x7f") == "%7F");
    // U+00FC (ü) is C3 BC in UTF-8 (RFC 3629); U+1F600 is F0 9F 98 80.
    CHECK(enc("\xc3\xbc") == "%C3%BC");
    CHECK(enc("\xf0\x9f\x98\x80") == "%F0%9F%98%80");
}

TEST_CASE("percent: decoding, lowercase hex accepted") {
    CHECK(dec("100%25") == "100%");
    CHECK(dec("%C3%BCber") ==
          "\xc3\xbc"
          "ber");
    CHECK(dec("%c3%bc") == "\xc3\xbc");
    CHECK(dec("plain text") == "plain text");
}

TEST_CASE("percent: malformed sequences are kept as they are (never an error)") {
    CHECK(dec("%") == "%");
    CHECK(dec("50%") == "50%");
    CHECK(dec("%4") == "%4");
    CHECK(dec("%4G") == "%4G");
    CHECK(dec("%%41") == "%A");
    CHECK(dec("%ZZ%41") == "%ZZA");
}

TEST_CASE("percent: any octet string round-trips") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    CHECK(dec(enc(all)) == all);
    const std::string utf8 = "\xe6\x97\xa5\xe6\x9c\xac % \xd0\xbf\xd1\x80\xd0\xb8";
    CHECK(dec(enc(utf8)) == utf8);
}
