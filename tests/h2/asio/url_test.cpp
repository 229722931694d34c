// h2/asio/url.hpp: the parts of http:// and https:// URLs a client needs
// (:scheme, :authority and :path of RFC 9113 §8.3.1).
#include <h2pb/h2/asio/url.hpp>

#include <catch2/catch.hpp>

using h2pb::h2::asio::parse_url;

TEST_CASE("http and https URLs", "[url]") {
    auto u = parse_url("http://127.0.0.1:8080/a/b?x=1#frag");
    REQUIRE(u);
    CHECK_FALSE(u->tls);
    CHECK(u->scheme == "http");
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == "8080");
    CHECK(u->authority == "127.0.0.1:8080");
    CHECK(u->path == "/a/b?x=1");

    u = parse_url("https://example.com");
    REQUIRE(u);
    CHECK(u->tls);
    CHECK(u->port == "443");
    CHECK(u->authority == "example.com");
    CHECK(u->path == "/");  // §8.3.1: never empty for http(s)

    u = parse_url("http://host?q");
    REQUIRE(u);
    CHECK(u->port == "80");
    CHECK(u->path == "/?q");
}

TEST_CASE("IPv6 literals and user info", "[url]") {
    auto u = parse_url("https://[::1]:8443/x");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->port == "8443");
    CHECK(u->authority == "[::1]:8443");
    u = parse_url("http://user:pw@h:1/");
    REQUIRE(u);
    CHECK(u->host == "h");
    CHECK(u->authority == "h:1");  // user info is not part of :authority (§8.3.1)
}

TEST_CASE("not an http URL", "[url]") {
    CHECK_FALSE(parse_url("ftp://x/"));
    CHECK_FALSE(parse_url("http://"));
    CHECK_FALSE(parse_url("http:///path"));
    CHECK_FALSE(parse_url("http://h:8x/"));
    CHECK_FALSE(parse_url("http://[::1/"));
    CHECK_FALSE(parse_url("http://[::1]x/"));
    CHECK_FALSE(parse_url("localhost:80"));
}
