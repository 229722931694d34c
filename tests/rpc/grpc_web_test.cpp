// rpc/grpc_web.hpp: the gRPC-Web framing byte by byte. Expected bytes are
// written by hand from PROTOCOL-WEB.md ("Message framing": flag 0x80, a
// 4-byte big-endian length, "key: value\r\n" lines); expected base64 comes
// from Python's base64.b64encode (the reference), never from our encoder.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/rpc/grpc_web.hpp>

#include <catch2/catch.hpp>

#include "grpc_web_support.hpp"

namespace web = h2pb::rpc::web;
namespace wire = h2pb::wire;
using namespace std::string_literals;
using grpc_web_test::frame;
using grpc_web_test::parse;
using grpc_web_test::parsed;

namespace {

/// Decodes `pieces` one after another, then finish().
web::text_errc decode(const std::vector<std::string_view>& pieces, std::string& out,
                      web::text_decoder& d) {
    for (auto p : pieces)
        if (auto e = d.feed(p, out); e != web::text_errc::ok) return e;
    return d.finish(out);
}

}  // namespace

TEST_CASE("content-types: grpc-web and grpc-web-text, +proto or none; others unsupported") {
    using k = web::content_kind;
    CHECK(web::classify("application/grpc-web") == k::binary);
    CHECK(web::classify("application/grpc-web+proto") == k::binary);
    CHECK(web::classify("application/grpc-web-text") == k::text);
    CHECK(web::classify("application/grpc-web-text+proto") == k::text);
    CHECK(web::classify("application/grpc-web+proto; charset=utf-8") == k::binary);
    CHECK(web::classify("application/grpc-web+json") == k::unsupported);
    CHECK(web::classify("application/grpc-web-text+thrift") == k::unsupported);
    CHECK(web::classify("application/grpc") == k::none);
    CHECK(web::classify("application/grpc+proto") == k::none);
    CHECK(web::classify("application/grpc-webx") == k::none);
    CHECK(web::classify("text/plain") == k::none);
}

TEST_CASE("trailer frame: 0x80, big-endian length, lower-case name: value CRLF lines") {
    const h2pb::hpack::field fields[] = {{"grpc-status", "5"}, {"grpc-message", "no such report"}};
    std::string out;
    web::append_trailer_frame(fields, out);
    // "grpc-status: 5\r\n" is 16 octets, "grpc-message: no such report\r\n" 30: 46 = 0x2e.
    const std::string expected =
        "\x80\x00\x00\x00\x2e"s + "grpc-status: 5\r\ngrpc-message: no such report\r\n";
    CHECK(out == expected);
    CHECK(web::trailer_block_size(fields) == 46);
    // Pseudo-header fields (":status" of a Trailers-Only section) are not trailers.
    const h2pb::hpack::field with_status[] = {{":status", "200"}, {"grpc-status", "0"}};
    std::string out2;
    web::append_trailer_frame(with_status, out2);
    CHECK(out2 == "\x80\x00\x00\x00\x10"s + "grpc-status: 0\r\n");
}

TEST_CASE("text: each flush is its own padded base64 (Python's b64encode)") {
    std::string out;
    web::append_text(wire::as_bytes(frame("hello")), out);
    CHECK(out == "AAAAAAVoZWxsbw==");
    out.clear();
    web::append_text(wire::as_bytes(frame("grpc-status: 0\r\ngrpc-message: x\r\n", 0x80)), out);
    CHECK(out == "gAAAACFncnBjLXN0YXR1czogMA0KZ3JwYy1tZXNzYWdlOiB4DQo=");
}

TEST_CASE("text decoder: one padded text, split at every offset and byte by byte") {
    const std::string text = "AAAAAAVoZWxsbw==";
    const std::string expected = frame("hello");
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        INFO("cut at " << cut);
        web::text_decoder d;
        std::string out;
        const std::string_view t = text;
        REQUIRE(decode({t.substr(0, cut), t.substr(cut)}, out, d) == web::text_errc::ok);
        CHECK(out == expected);
    }
    web::text_decoder d;
    std::string out;
    for (char c : text) REQUIRE(d.feed(std::string_view(&c, 1), out) == web::text_errc::ok);
    REQUIRE(d.finish(out) == web::text_errc::ok);
    CHECK(out == expected);
}

TEST_CASE("text decoder: padded segments one after another, split at every offset") {
    // The prefix and the message flushed separately: b64("\0\0\0\0\5") +
    // b64("hello"), then the trailer frame and an empty message.
    const std::string text =
        "AAAAAAU="
        "aGVsbG8="
        "AAAAAAA="
        "gAAAACFncnBjLXN0YXR1czogMA0KZ3JwYy1tZXNzYWdlOiB4DQo=";
    const std::string expected =
        frame("hello") + frame("") + frame("grpc-status: 0\r\ngrpc-message: x\r\n", 0x80);
    for (std::size_t a = 0; a <= text.size(); ++a) {
        for (std::size_t b = a; b <= text.size(); b += 7) {
            INFO("cuts at " << a << ", " << b);
            web::text_decoder d;
            std::string out;
            const std::string_view t = text;
            REQUIRE(decode({t.substr(0, a), t.substr(a, b - a), t.substr(b)}, out, d) ==
                    web::text_errc::ok);
            CHECK(out == expected);
        }
    }
}

TEST_CASE("text decoder: an unpadded last quantum is accepted at the end") {
    web::text_decoder d;
    std::string out;
    REQUIRE(decode({"aGVs", "bG8"}, out, d) == web::text_errc::ok);
    CHECK(out == "hello");
    web::text_decoder d2;
    std::string out2;
    REQUIRE(decode({"aGVsbA"}, out2, d2) == web::text_errc::ok);
    CHECK(out2 == "hell");
}

TEST_CASE("text decoder: precise errors with the offset of the bad character") {
    struct bad {
        std::string text;
        web::text_errc e;
        std::uint64_t offset;
    };
    const bad cases[] = {
        {"AAAA AAAA", web::text_errc::bad_char, 4},      // white space is not base64
        {"AAAA\r\nAAAA", web::text_errc::bad_char, 4},   // nor are line breaks
        {"AA-_", web::text_errc::bad_char, 2},           // URL-safe alphabet: not here
        {"A=AA", web::text_errc::bad_padding, 1},        // '=' as 2nd character
        {"=AAA", web::text_errc::bad_padding, 0},        // '=' first
        {"AA=A", web::text_errc::bad_padding, 3},        // "xx=" then a character
        {"AAA==", web::text_errc::bad_padding, 4},       // a 5th '=': a quantum of '='
        {"AAAAA", web::text_errc::truncated, 5},         // 4n+1 characters
        {"AA=", web::text_errc::truncated, 3},           // padding cut short
        {"AAAAAAU=AA=", web::text_errc::truncated, 11},  // the same in a 2nd segment
    };
    for (const auto& c : cases) {
        INFO(c.text);
        web::text_decoder d;
        std::string out;
        CHECK(decode({c.text}, out, d) == c.e);
        CHECK(d.error() == c.e);
        CHECK(d.error_offset() == c.offset);
        // Once failed, it stays failed.
        CHECK(d.feed("AAAA", out) == c.e);
    }
}

TEST_CASE("response parser: messages then trailers, binary, split at every offset") {
    const std::string body =
        frame("hello") + frame("") + frame("grpc-status: 0\r\ngrpc-message: x\r\n", 0x80);
    for (std::size_t a = 0; a <= body.size(); ++a) {
        for (std::size_t b = a; b <= body.size(); ++b) {
            INFO("cuts at " << a << ", " << b);
            const std::string_view v = body;
            const parsed r =
                parse(web::content_kind::binary, {v.substr(0, a), v.substr(a, b - a), v.substr(b)});
            REQUIRE(r.error == web::parse_errc::ok);
            REQUIRE(r.messages.size() == 2);
            CHECK(r.messages[0] == "hello");
            CHECK(r.messages[1].empty());
            REQUIRE(r.trailers.size() == 2);
            CHECK(r.trailers[0] == std::pair<std::string, std::string>{"grpc-status", "0"});
            CHECK(r.trailers[1] == std::pair<std::string, std::string>{"grpc-message", "x"});
        }
    }
}

TEST_CASE("response parser: text with padded segments, split at every offset") {
    const std::string text =
        "AAAAAAU="
        "aGVsbG8="
        "AAAAAAA="
        "gAAAACFncnBjLXN0YXR1czogMA0KZ3JwYy1tZXNzYWdlOiB4DQo=";
    for (std::size_t a = 0; a <= text.size(); ++a) {
        INFO("cut at " << a);
        const std::string_view v = text;
        const parsed r = parse(web::content_kind::text, {v.substr(0, a), v.substr(a)});
        REQUIRE(r.error == web::parse_errc::ok);
        REQUIRE(r.messages.size() == 2);
        CHECK(r.messages[0] == "hello");
        REQUIRE(r.trailers.size() == 2);
        CHECK(r.trailers[1].second == "x");
    }
}

TEST_CASE("response parser: trailer names folded to lower case, OWS trimmed, last CRLF optional") {
    const parsed r =
        parse(web::content_kind::binary, {frame("Grpc-Status:  3 \r\n\r\ngrpc-message:bad", 0x80)});
    REQUIRE(r.error == web::parse_errc::ok);
    REQUIRE(r.trailers.size() == 2);
    CHECK(r.trailers[0] == std::pair<std::string, std::string>{"grpc-status", "3"});
    CHECK(r.trailers[1] == std::pair<std::string, std::string>{"grpc-message", "bad"});
}

TEST_CASE("response parser: bad input gives a precise error") {
    using e = web::parse_errc;
    const auto bk = web::content_kind::binary;
    CHECK(parse(bk, {"\x02\x00\x00\x00\x00"s}).error == e::bad_flag);
    CHECK(parse(bk, {"\x82"s}).error == e::bad_flag);  // seen on its first octet
    CHECK(parse(bk, {frame("grpc-status: 0\r\n", 0x81)}).error == e::compressed_trailers);
    CHECK(parse(bk, {frame("grpc-status: 0\r\n", 0x80) + frame("late")}).error ==
          e::data_after_trailers);
    CHECK(parse(bk, {frame("hello").substr(0, 7)}).error == e::truncated);
    CHECK(parse(bk, {"\x00\x00\x00"s}).error == e::truncated);
    CHECK(parse(bk, {frame("no colon\r\n", 0x80)}).error == e::bad_trailer_line);
    CHECK(parse(bk, {frame(": empty name\r\n", 0x80)}).error == e::bad_trailer_line);
    CHECK(parse(bk, {frame("bad name : x\r\n", 0x80)}).error == e::bad_trailer_line);
    web::response_limits small;
    small.max_message_size = 4;
    small.max_trailer_size = 8;
    // The limits are checked on the prefix: no 4 GiB buffer for a lying length.
    CHECK(parse(bk, {"\x00\xff\xff\xff\xff"s}, small).error == e::message_too_large);
    CHECK(parse(bk, {frame("hello")}, small).error == e::message_too_large);
    CHECK(parse(bk, {frame("grpc-status: 0\r\n", 0x80)}, small).error == e::trailers_too_large);
    web::response_limits few;
    few.max_trailer_fields = 1;
    CHECK(parse(bk, {frame("a: 1\r\nb: 2\r\n", 0x80)}, few).error == e::trailers_too_large);
    CHECK(parse(web::content_kind::text, {"AAAA*"}).error == e::bad_text);
    CHECK(parse(web::content_kind::text, {"AAAAAA"}).error ==
          e::truncated);  // 4 octets: a cut prefix
}

TEST_CASE("response parser reads what the encoder writes, compressed flag kept") {
    std::string body = frame("zz", 1);
    const h2pb::hpack::field fields[] = {{"grpc-status", "0"}, {"x-trailer", "v"}};
    web::append_trailer_frame(fields, body);
    const parsed r = parse(web::content_kind::binary, {body});
    REQUIRE(r.error == web::parse_errc::ok);
    REQUIRE(r.messages.size() == 1);
    REQUIRE(r.trailers.size() == 2);
    CHECK(r.trailers[1] == std::pair<std::string, std::string>{"x-trailer", "v"});
}
