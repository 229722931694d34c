// unknown_fields (proto_codec/unknown_fields.hpp): raw bytes kept in order.
#include <catch2/catch.hpp>

#include <h2pb/proto_codec/unknown_fields.hpp>
#include <test_support.hpp>

using h2pb::proto::unknown_fields;
using h2pb::test::hex;
using h2pb::test::hex_of;

TEST_CASE("unknown fields keep their bytes in arrival order") {
    unknown_fields u;
    CHECK(u.empty());
    u.append(hex("08 96 01"));
    u.append(hex("12 01 41"));
    CHECK(u.size() == 6);
    CHECK(hex_of(u.view()) == "08 96 01 12 01 41");
    unknown_fields v;
    v.append(hex("08 96 01 12 01 41"));
    CHECK(u == v);
    u.clear();
    CHECK(u.empty());
    CHECK_FALSE(u == v);
}
