// rpc/target.hpp: channel targets as naming.md writes them, and the
// precise error for each malformed form.
#include <string>

#include <h2pb/rpc/target.hpp>

#include <catch2/catch.hpp>

using h2pb::rpc::parse_target;
using h2pb::rpc::target_address;
using h2pb::rpc::target_errc;
using h2pb::rpc::target_kind;

namespace {

target_errc error_of(std::string_view t) {
    auto r = parse_target(t);
    return r ? target_errc::ok : r.error();
}

}  // namespace

TEST_CASE("target: host:port and [v6]:port are dns names") {
    auto t = parse_target("localhost:50051");
    REQUIRE(t);
    CHECK(t->kind == target_kind::dns);
    REQUIRE(t->addresses.size() == 1);
    CHECK(t->addresses[0] == target_address{"localhost", 50051});
    CHECK(t->authority == "localhost:50051");

    t = parse_target("127.0.0.1:80");
    REQUIRE(t);
    CHECK(t->kind == target_kind::dns);
    CHECK(t->addresses[0] == target_address{"127.0.0.1", 80});

    t = parse_target("[::1]:50051");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"::1", 50051});
    CHECK(t->authority == "[::1]:50051");

    // naming.md: no port -> 443; the authority stays as written.
    t = parse_target("example.com");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"example.com", 443});
    CHECK(t->authority == "example.com");
    t = parse_target("[2001:db8::1]");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"2001:db8::1", 443});
    // A bare IPv6 literal (several ':' without brackets) has no port.
    t = parse_target("::1");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"::1", 443});
}

TEST_CASE("target: dns: forms; the dns authority is ignored") {
    auto t = parse_target("dns:example.com:8080");
    REQUIRE(t);
    CHECK(t->kind == target_kind::dns);
    CHECK(t->addresses[0] == target_address{"example.com", 8080});
    CHECK(t->authority == "example.com:8080");
    t = parse_target("dns:///example.com:8080");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"example.com", 8080});
    CHECK(t->authority == "example.com:8080");
    t = parse_target("dns://8.8.8.8:53/example.com:9");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"example.com", 9});
    t = parse_target("dns:///example.com");
    REQUIRE(t);
    CHECK(t->addresses[0].port == 443);
}

TEST_CASE("target: unix sockets") {
    auto t = parse_target("unix:/tmp/s.sock");
    REQUIRE(t);
    CHECK(t->kind == target_kind::unix_socket);
    CHECK(t->path == "/tmp/s.sock");
    CHECK(t->authority == "localhost");
    CHECK(t->addresses.empty());
    t = parse_target("unix:rel/s.sock");
    REQUIRE(t);
    CHECK(t->path == "rel/s.sock");
    t = parse_target("unix:///tmp/s.sock");
    REQUIRE(t);
    CHECK(t->path == "/tmp/s.sock");
    CHECK(error_of("unix://host/tmp/s.sock") == target_errc::unix_authority);
    CHECK(error_of("unix:") == target_errc::empty);
    CHECK(error_of("unix://") == target_errc::empty);
}

TEST_CASE("target: ipv4: and ipv6: address lists") {
    auto t = parse_target("ipv4:1.2.3.4:80,5.6.7.8:81");
    REQUIRE(t);
    CHECK(t->kind == target_kind::ipv4);
    REQUIRE(t->addresses.size() == 2);
    CHECK(t->addresses[0] == target_address{"1.2.3.4", 80});
    CHECK(t->addresses[1] == target_address{"5.6.7.8", 81});
    CHECK(t->authority == "1.2.3.4:80");
    t = parse_target("ipv4:10.0.0.1");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"10.0.0.1", 443});

    t = parse_target("ipv6:[::1]:80,[::2]:81");
    REQUIRE(t);
    CHECK(t->kind == target_kind::ipv6);
    REQUIRE(t->addresses.size() == 2);
    CHECK(t->addresses[0] == target_address{"::1", 80});
    CHECK(t->addresses[1] == target_address{"::2", 81});
    // naming.md's own examples.
    t = parse_target("ipv6:[2607:f8b0:400e:c00::ef]:443");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"2607:f8b0:400e:c00::ef", 443});
    t = parse_target("ipv6:[::]:1234");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"::", 1234});
    t = parse_target("ipv6:::ffff:1.2.3.4");
    REQUIRE(t);
    CHECK(t->addresses[0] == target_address{"::ffff:1.2.3.4", 443});
    t = parse_target("ipv6:1:2:3:4:5:6:7:8");
    REQUIRE(t);

    CHECK(error_of("ipv4:") == target_errc::empty);
    CHECK(error_of("ipv4:1.2.3") == target_errc::bad_ipv4);
    CHECK(error_of("ipv4:1.2.3.256:80") == target_errc::bad_ipv4);
    CHECK(error_of("ipv4:01.2.3.4") == target_errc::bad_ipv4);
    CHECK(error_of("ipv4:host:80") == target_errc::bad_ipv4);
    CHECK(error_of("ipv4:1.2.3.4:80,") == target_errc::bad_ipv4);
    CHECK(error_of("ipv4:1.2.3.4:0") == target_errc::bad_port);
    CHECK(error_of("ipv6:[1.2.3.4]:80") == target_errc::bad_brackets);
    CHECK(error_of("ipv6:[::1]:80,[::g]:81") == target_errc::bad_ipv6);
    CHECK(error_of("ipv6:1:2:3:4:5:6:7:8:9") == target_errc::bad_ipv6);
    CHECK(error_of("ipv6:1::2::3") == target_errc::bad_ipv6);
    CHECK(error_of("ipv6:[12345::1]:80") == target_errc::bad_ipv6);

    std::string many = "ipv4:";
    for (std::size_t i = 0; i <= h2pb::rpc::max_target_addresses; ++i) many += "1.1.1.1:1,";
    many.pop_back();
    CHECK(error_of(many) == target_errc::too_many_addresses);
}

TEST_CASE("target: malformed ports, hosts and brackets") {
    CHECK(error_of("") == target_errc::empty);
    CHECK(error_of("host:") == target_errc::bad_port);
    CHECK(error_of("host:http") == target_errc::bad_port);
    CHECK(error_of("host:65536") == target_errc::bad_port);
    CHECK(error_of("host:123456") == target_errc::bad_port);
    CHECK(error_of("host:0") == target_errc::bad_port);
    CHECK(error_of(":80") == target_errc::missing_host);
    CHECK(error_of("dns:") == target_errc::missing_host);
    CHECK(error_of("dns:///:80") == target_errc::missing_host);
    CHECK(error_of("dns://8.8.8.8") == target_errc::missing_host);
    CHECK(error_of("[::1") == target_errc::bad_brackets);
    CHECK(error_of("[::1]x") == target_errc::bad_brackets);
    CHECK(error_of("[]:80") == target_errc::bad_brackets);
    CHECK(error_of("[host]:80") == target_errc::bad_brackets);
    CHECK(error_of("[::1]:") == target_errc::bad_port);
    CHECK(error_of("unix-abstract:name") == target_errc::unsupported_scheme);
    CHECK(error_of(std::string(h2pb::rpc::max_target_length + 1, 'a')) == target_errc::too_long);
    CHECK(h2pb::rpc::describe(target_errc::bad_port) == "target port is not a number in 1..65535");
}
