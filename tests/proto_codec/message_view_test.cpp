// Zero-copy views (protoc-gen-h2pb parameter `views`): NAME_view structs
// whose string and bytes fields are std::string_view into the decoded input.
// Same wire rules as the owning structs; nothing but unknown fields is copied.
#include <catch2/catch.hpp>

#include <test_support.hpp>
#include "all_types3.h2pb.hpp"
#include "analytics.h2pb.hpp"
#include "fruit.h2pb.hpp"

using namespace h2pb::proto;
using h2pb::test::hex;
using h2pb::test::hex_of;

static bool points_into(std::string_view v, const h2pb::wire::buffer& in) {
    const auto* b = reinterpret_cast<const char*>(in.data());
    return v.data() >= b && v.data() + v.size() <= b + in.size();
}

TEST_CASE("a view's strings point into the input, and it re-encodes the same bytes") {
    auto in = hex("08 96 01 12 05 41 70 70 6c 65");
    h2pb::test::Fruit_view f;
    REQUIRE_FALSE(f.decode(in));
    CHECK(f.weight == 150);
    CHECK(f.name == "Apple");
    CHECK(points_into(f.name, in));
    h2pb::wire::buffer out;
    f.encode(out);
    CHECK(hex_of(out) == hex_of(in));
}

TEST_CASE("views of nested messages, maps, repeated strings and oneofs") {
    h2pb::test3::AllTypes owning;
    owning.f_string = std::string(40, 's');
    owning.f_nested.emplace().b = std::string(20, 'n');
    owning.r_string = {std::string(1, 'a'), std::string(30, 'b')};
    owning.m_string_string[std::string(1, 'k')] = std::string(25, 'v');
    owning.choice.emplace<h2pb::test3::AllTypes::c_bytes_index>(std::string(3, 'x'));
    h2pb::wire::buffer in;
    owning.encode(in);
    h2pb::test3::AllTypes_view v;
    REQUIRE_FALSE(v.decode(in));
    CHECK(v.f_string == owning.f_string);
    CHECK(points_into(v.f_string, in));
    REQUIRE(v.f_nested.has_value());
    CHECK(points_into(v.f_nested->b, in));
    REQUIRE(v.r_string.size() == 2);
    CHECK(v.r_string[1] == owning.r_string[1]);
    CHECK(v.m_string_string.find("k")->second == std::string(25, 'v'));
    CHECK(std::get<h2pb::test3::AllTypes_view::c_bytes_index>(v.choice) == "xxx");
    h2pb::wire::buffer out;
    v.encode(out);
    CHECK(hex_of(out) == hex_of(in));
}

TEST_CASE("views check UTF-8 and report the same errors") {
    h2pb::test::Fruit_view f;
    auto bad = hex("12 02 c3 28");
    CHECK(f.decode(bad) == error{errc::invalid_utf8, 2});
    auto past = hex("12 05 41 41");
    CHECK(f.decode(past) == error{errc::length_exceeds_input, 1});
}

TEST_CASE("the article's Event as a view") {
    analytics::v1::Event e;
    e.event_id = std::string("abc123");
    e.event_type = std::string("click");
    e.timestamp = 1710000000;
    e.properties[std::string("page")] = std::string("/checkout");
    h2pb::wire::buffer in;
    e.encode(in);
    analytics::v1::Event_view v;
    REQUIRE_FALSE(v.decode(in));
    CHECK(v.event_id == "abc123");
    CHECK(v.properties.find("page")->second == "/checkout");
}
