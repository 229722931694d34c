// wire/endian.hpp: network byte order (RFC 9113 §4.1 frame header layout) and
// protobuf's little-endian fixed-width values.
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <h2pb/wire/endian.hpp>

using namespace h2pb;
using h2pb::test::hex;

TEST_CASE("big-endian loads read the most significant byte first", "[wire][endian]") {
    auto b = hex("01 02 03 04 05 06 07 08");
    CHECK(wire::load_be16(b.data()) == 0x0102);
    CHECK(wire::load_be24(b.data()) == 0x010203);
    CHECK(wire::load_be32(b.data()) == 0x01020304u);
    CHECK(wire::load_be64(b.data()) == 0x0102030405060708ull);
}

TEST_CASE("an HTTP/2 frame header's 24-bit length reads as in RFC 9113", "[wire][endian]") {
    // SETTINGS frame header with length 18: 00 00 12 04 00 00 00 00 00
    auto b = hex("00 00 12 04 00 00 00 00 00");
    CHECK(wire::load_be24(b.data()) == 18);
    CHECK(b[3] == 0x04);
    CHECK(wire::load_be32(b.data() + 5) == 0);
}

TEST_CASE("big-endian stores write the most significant byte first", "[wire][endian]") {
    wire::byte out[8] = {};
    wire::store_be16(out, 0xabcd);
    CHECK(test::hex_of({out, 2}) == "ab cd");
    wire::store_be24(out, 0x00ffeedd);
    CHECK(test::hex_of({out, 3}) == "ff ee dd");
    wire::store_be32(out, 0x0000000f);
    CHECK(test::hex_of({out, 4}) == "00 00 00 0f");
    wire::store_be64(out, 0x0102030405060708ull);
    CHECK(test::hex_of({out, 8}) == "01 02 03 04 05 06 07 08");
}

TEST_CASE("store_be24 keeps only the low 24 bits", "[wire][endian]") {
    wire::byte out[4] = {0, 0, 0, 0x55};
    wire::store_be24(out, 0x12345678);
    CHECK(test::hex_of({out, 4}) == "34 56 78 55");
}

TEST_CASE("little-endian loads and stores for protobuf fixed32/fixed64", "[wire][endian]") {
    // fixed32 1 is "01 00 00 00" on the wire (protobuf encoding guide).
    auto b = hex("01 00 00 00 00 00 00 80");
    CHECK(wire::load_le32(b.data()) == 1);
    CHECK(wire::load_le64(b.data()) == 0x8000000000000001ull);
    wire::byte out[8];
    wire::store_le64(out, 0x8000000000000001ull);
    CHECK(test::hex_of({out, 8}) == "01 00 00 00 00 00 00 80");
    wire::store_le32(out, 0xdeadbeef);
    CHECK(test::hex_of({out, 4}) == "ef be ad de");
}
