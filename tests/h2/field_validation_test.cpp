// h2/field_validation.hpp: the HTTP message rules of RFC 9113 §8.1-§8.3.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <h2pb/h2/field_validation.hpp>

using namespace h2pb::h2;

namespace {
using fl = std::initializer_list<std::pair<std::string_view, std::string_view>>;
errc check(section_kind k, fl fields, section_info* info = nullptr) {
    field_checker c;
    c.start(k);
    for (const auto& [n, v] : fields) c.add(n, v);
    const errc e = c.finish();
    if (info) *info = c.info();
    return e;
}
constexpr auto req = section_kind::request;
constexpr auto resp = section_kind::response;
constexpr auto trl = section_kind::trailers;
}  // namespace

TEST_CASE("§8.3.1 a valid request and a valid CONNECT", "[h2][fields]") {
    section_info info;
    CHECK(check(req,
                {{":method", "HEAD"},
                 {":scheme", "https"},
                 {":authority", "a.example"},
                 {":path", "/x?y"},
                 {"content-length", "0"},
                 {"te", "trailers"}},
                &info) == errc::ok);
    CHECK(info.head_request);
    CHECK(info.has_content_length);
    CHECK(check(req, {{":method", "CONNECT"}, {":authority", "a.example:443"}}, &info) == errc::ok);
    CHECK(info.connect_request);
    CHECK(check(req, {{":method", "OPTIONS"}, {":scheme", "http"}, {":path", "*"}}) == errc::ok);
}

TEST_CASE("§8.3.1 required request pseudo-headers", "[h2][fields][error]") {
    CHECK(check(req, {{":scheme", "http"}, {":path", "/"}}) == errc::missing_method);
    CHECK(check(req, {{":method", "GET"}, {":path", "/"}}) == errc::missing_scheme);
    CHECK(check(req, {{":method", "GET"}, {":scheme", "http"}}) == errc::missing_path);
    CHECK(check(req, {{":method", "GET"}, {":scheme", "http"}, {":path", ""}}) ==
          errc::missing_path);
    CHECK(check(req, {{":method", "GET"}, {":scheme", "http"}, {":path", "x"}}) ==
          errc::path_invalid);
    CHECK(check(req,
                {{":method", "GET"}, {":scheme", "http"}, {":authority", "u@h"}, {":path", "/"}}) ==
          errc::authority_invalid);
    CHECK(check(req, {{":method", "CONNECT"}, {":authority", "h:1"}, {":path", "/"}}) ==
          errc::connect_with_scheme_or_path);
    CHECK(check(req, {{":method", "CONNECT"}}) == errc::connect_without_authority);
}

TEST_CASE("§8.3 pseudo-header placement, duplicates, unknown ones", "[h2][fields][error]") {
    CHECK(check(req, {{":method", "GET"}, {"x", "1"}, {":scheme", "http"}, {":path", "/"}}) ==
          errc::pseudo_after_regular);
    CHECK(
        check(req, {{":method", "GET"}, {":method", "GET"}, {":scheme", "http"}, {":path", "/"}}) ==
        errc::pseudo_duplicate);
    CHECK(check(req, {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":foo", "1"}}) ==
          errc::pseudo_unknown);
    CHECK(check(req, {{":status", "200"}, {":method", "GET"}}) ==
          errc::pseudo_unknown);  // response pseudo in a request
    CHECK(check(resp, {{":status", "200"}, {":path", "/"}}) == errc::pseudo_unknown);
    CHECK(check(trl, {{":status", "200"}}) == errc::pseudo_in_trailers);
    CHECK(check(trl, {{"grpc-status", "0"}}) == errc::ok);
}

TEST_CASE("§8.3.2 :status", "[h2][fields]") {
    section_info info;
    CHECK(check(resp, {{":status", "204"}}, &info) == errc::ok);
    CHECK(info.status == 204);
    CHECK(check(resp, {{":status", "103"}}, &info) == errc::ok);
    CHECK(info.informational());
    CHECK(check(resp, {{"server", "x"}}) == errc::missing_status);
    CHECK(check(resp, {{":status", "20"}}) == errc::status_invalid);
    CHECK(check(resp, {{":status", "2x0"}}) == errc::status_invalid);
    CHECK(check(resp, {{":status", "101"}}) == errc::status_invalid);  // §8.6
}

TEST_CASE("§8.2.1 field names and values", "[h2][fields][error]") {
    auto r = [](std::string_view n, std::string_view v) {
        field_checker c;
        c.start(section_kind::trailers);
        return c.add(n, v);
    };
    CHECK(r("content-type", "application/grpc") == errc::ok);
    CHECK(r("Content-Type", "x") == errc::field_name_uppercase);
    CHECK(r("", "x") == errc::field_name_empty);
    CHECK(r("a b", "x") == errc::field_name_invalid);
    CHECK(r("a:b", "x") == errc::field_name_invalid);
    CHECK(r("a\x7f", "x") == errc::field_name_invalid);
    CHECK(r("caf\xc3\xa9", "x") == errc::field_name_invalid);
    CHECK(r("x", "a\r\nb") == errc::field_value_invalid);
    CHECK(r("x", std::string_view("a\0b", 3)) == errc::field_value_invalid);
    CHECK(r("x", " a") == errc::field_value_whitespace);
    CHECK(r("x", "a\t") == errc::field_value_whitespace);
    CHECK(r("x", "a b\tc") == errc::ok);
    CHECK(r("x", "caf\xc3\xa9") == errc::ok);  // obs-text
    CHECK(r("x", "") == errc::ok);
}

TEST_CASE("§8.2.2 connection-specific fields and TE", "[h2][fields][error]") {
    for (auto n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"})
        CHECK(check(trl, {{n, "x"}}) == errc::connection_specific_field);
    CHECK(check(trl, {{"te", "trailers"}}) == errc::ok);
    CHECK(check(trl, {{"te", "Trailers"}}) == errc::ok);
    CHECK(check(trl, {{"te", "gzip"}}) == errc::te_not_trailers);
}

TEST_CASE("§8.1.1 content-length values", "[h2][fields][error]") {
    section_info info;
    CHECK(check(resp, {{":status", "200"}, {"content-length", "42"}, {"content-length", "42"}},
                &info) == errc::ok);
    CHECK(info.content_length == 42);
    CHECK(check(resp, {{":status", "200"}, {"content-length", "4x"}}) ==
          errc::content_length_invalid);
    CHECK(check(resp, {{":status", "200"}, {"content-length", "1"}, {"content-length", "2"}}) ==
          errc::content_length_invalid);
    CHECK(check(resp, {{":status", "200"}, {"content-length", ""}}) ==
          errc::content_length_invalid);
}

TEST_CASE("the first violation of a section sticks", "[h2][fields]") {
    field_checker c;
    c.start(section_kind::request);
    CHECK(c.add("Bad", "x") == errc::field_name_uppercase);
    CHECK(c.add(":method", "GET") == errc::field_name_uppercase);
    CHECK(c.finish() == errc::field_name_uppercase);
}

TEST_CASE("§8.2.1 values: every octet at every position of short and long values", "[h2][fields]") {
    // The rule itself (RFC 9110 §5.5 field-vchar, SP, HTAB, obs-text), octet
    // by octet, against check_value's word-at-a-time scan.
    const auto allowed = [](unsigned c) { return (c >= 0x20 && c != 0x7f) || c == '\t'; };
    for (std::size_t length : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 24u, 40u}) {
        for (std::size_t at = 0; at < length; ++at) {
            for (unsigned c = 0; c < 256; ++c) {
                std::string v(length, 'v');
                v[at] = static_cast<char>(c);
                const bool edge_whitespace =
                    (c == ' ' || c == '\t') && (at == 0 || at == length - 1);
                const errc expected = !allowed(c)       ? errc::field_value_invalid
                                      : edge_whitespace ? errc::field_value_whitespace
                                                        : errc::ok;
                INFO("length " << length << ", octet " << c << " at " << at);
                REQUIRE(fields::check_value(v) == expected);
            }
        }
    }
    // Two bad octets in one word, and one past a run of good words.
    CHECK(fields::check_value("abcdefgh\x01\x7f") == errc::field_value_invalid);
    CHECK(fields::check_value(std::string(64, 'a') + '\n') == errc::field_value_invalid);
    CHECK(fields::check_value(std::string(64, '\xff')) == errc::ok);  // obs-text
    static_assert(fields::check_value("constant\tevaluated") == errc::ok);
    static_assert(fields::check_value("bad\x7fvalue") == errc::field_value_invalid);
}

TEST_CASE("§8.2.1 names: every octet at every position of short and long names", "[h2][fields]") {
    // The rule itself (RFC 9110 §5.6.2 tchar, lowercase only), octet by
    // octet, against check_name's word-at-a-time fast path.
    const auto allowed = [](unsigned c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                   std::string_view::npos;
    };
    for (std::size_t length : {1u, 7u, 8u, 9u, 12u, 15u, 16u, 17u, 30u}) {
        for (const char fill : {'a', '-', '7', 'z'}) {
            for (std::size_t at = 0; at < length; ++at) {
                for (unsigned c = 0; c < 256; ++c) {
                    std::string n(length, fill);
                    n[at] = static_cast<char>(c);
                    const errc expected = allowed(c)               ? errc::ok
                                          : (c >= 'A' && c <= 'Z') ? errc::field_name_uppercase
                                                                   : errc::field_name_invalid;
                    INFO("length " << length << ", octet " << c << " at " << at);
                    REQUIRE(fields::check_name(n) == expected);
                }
            }
        }
    }
    CHECK(fields::check_name("content-type") == errc::ok);
    CHECK(fields::check_name("x-request-id-0123456789") == errc::ok);
    CHECK(fields::check_name("x-request-Id-0123456789") == errc::field_name_uppercase);
    static_assert(fields::check_name("grpc-timeout") == errc::ok);
}
