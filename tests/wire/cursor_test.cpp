// wire/cursor.hpp: the bounded reader reports where a read failed and does not move.
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <h2pb/wire/cursor.hpp>

using namespace h2pb;
using h2pb::test::hex;

TEST_CASE("cursor reads integers in sequence and tracks position", "[wire][cursor]") {
    auto b = hex("7f 01 02 0a 0b 0c 00 00 00 2a 00 00 00 00 00 00 00 01 96 01");
    wire::cursor c(b);
    CHECK(*c.read_u8() == 0x7f);
    CHECK(*c.read_u16() == 0x0102);
    CHECK(*c.read_u24() == 0x0a0b0c);
    CHECK(*c.read_u32() == 42);
    CHECK(*c.read_u64() == 1);
    CHECK(c.position() == 18);
    CHECK(*c.read_varint() == 150);
    CHECK(c.empty());
}

TEST_CASE("cursor read past the end fails at the read's start and does not advance",
          "[wire][cursor][error]") {
    auto b = hex("01 02 03");
    wire::cursor c(b);
    REQUIRE(c.read_u8());
    auto r = c.read_u32();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::truncated);
    CHECK(r.error().offset == 1);
    CHECK(c.position() == 1);
    CHECK(*c.read_u16() == 0x0203);
}

TEST_CASE("cursor each fixed width fails on short input", "[wire][cursor][error]") {
    auto b = hex("01");
    CHECK(wire::cursor(b).read_u16().error().code == wire::errc::truncated);
    CHECK(wire::cursor(b).read_u24().error().code == wire::errc::truncated);
    CHECK(wire::cursor(b).read_u32().error().code == wire::errc::truncated);
    CHECK(wire::cursor(b).read_u64().error().code == wire::errc::truncated);
    CHECK(wire::cursor(wire::bytes_view{}).read_u8().error().code == wire::errc::truncated);
}

TEST_CASE("cursor offsets include the base of a slice", "[wire][cursor][error]") {
    auto b = hex("05 80");
    wire::cursor c(b, 100);
    CHECK(c.position() == 100);
    REQUIRE(c.read_u8());
    auto r = c.read_varint();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::truncated);
    CHECK(r.error().offset == 101);
}

TEST_CASE("cursor varint errors name the rule and the 10th byte", "[wire][cursor][error]") {
    auto b = hex("00 ff ff ff ff ff ff ff ff ff 7f");
    wire::cursor c(b);
    REQUIRE(c.read_u8());
    auto r = c.read_varint();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::varint_overflow);
    CHECK(r.error().offset == 10);
    CHECK(c.position() == 1);
}

TEST_CASE("cursor read_bytes returns a view and refuses lengths beyond the input",
          "[wire][cursor][error]") {
    auto b = hex("01 02 03 04");
    wire::cursor c(b);
    auto v = c.read_bytes(2);
    REQUIRE(v);
    CHECK(v->data() == b.data());
    CHECK(v->size() == 2);
    auto too_long = c.read_bytes(0x7fffffff);
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().code == wire::errc::length_too_large);
    CHECK(too_long.error().offset == 2);
    CHECK(c.rest().size() == 2);
    CHECK(c.skip(3).code == wire::errc::length_too_large);
    CHECK_FALSE(c.skip(2));
    CHECK(c.empty());
}
