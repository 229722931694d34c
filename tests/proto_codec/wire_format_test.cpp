// Tags, ZigZag and float bits (proto_codec/wire_format.hpp), against the
// values printed in the protobuf encoding guide.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <h2pb/proto_codec/wire_format.hpp>

using namespace h2pb::proto;

TEST_CASE("a tag is (field_number << 3) | wire_type") {
    CHECK(make_tag(1, wire_type::varint) == 0x08);
    CHECK(make_tag(2, wire_type::len) == 0x12);
    CHECK(make_tag(3, wire_type::varint) == 0x18);
    CHECK(make_tag(4, wire_type::len) == 0x22);
    CHECK(make_tag(1, wire_type::i64) == 0x09);
    CHECK(make_tag(1, wire_type::i32) == 0x0d);
    CHECK(make_tag(40, wire_type::sgroup) == 0x143);
    CHECK(tag_field_number(0x143) == 40);
    CHECK(tag_wire_type(0x143) == 3);
    CHECK(make_tag(max_field_number, wire_type::egroup) == 0xFFFFFFFCU);
}

TEST_CASE("wire type names") {
    CHECK(name(wire_type::varint) == "VARINT");
    CHECK(name(wire_type::i64) == "I64");
    CHECK(name(wire_type::len) == "LEN");
    CHECK(name(wire_type::sgroup) == "SGROUP");
    CHECK(name(wire_type::egroup) == "EGROUP");
    CHECK(name(wire_type::i32) == "I32");
}

TEST_CASE("the largest field number is 2^29-1") {
    CHECK(max_field_number == 536870911U);
}

TEST_CASE("ZigZag table of the encoding guide (sint32)") {
    CHECK(zigzag_encode32(0) == 0U);
    CHECK(zigzag_encode32(-1) == 1U);
    CHECK(zigzag_encode32(1) == 2U);
    CHECK(zigzag_encode32(-2) == 3U);
    CHECK(zigzag_encode32(0x7fffffff) == 0xfffffffeU);
    CHECK(zigzag_encode32(std::numeric_limits<std::int32_t>::min()) == 0xffffffffU);
    for (std::int32_t v :
         {0, 1, -1, 63, -64, 12345, -12345, std::numeric_limits<std::int32_t>::max(),
          std::numeric_limits<std::int32_t>::min()}) {
        CHECK(zigzag_decode32(zigzag_encode32(v)) == v);
    }
}

TEST_CASE("ZigZag (sint64) round-trips the extremes") {
    CHECK(zigzag_encode64(-1) == 1U);
    CHECK(zigzag_encode64(std::numeric_limits<std::int64_t>::max()) == 0xfffffffffffffffeULL);
    CHECK(zigzag_encode64(std::numeric_limits<std::int64_t>::min()) == 0xffffffffffffffffULL);
    for (std::int64_t v :
         {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1} << 40, -(std::int64_t{1} << 40),
          std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
        CHECK(zigzag_decode64(zigzag_encode64(v)) == v);
    }
}

TEST_CASE("floats travel as their IEEE-754 bits") {
    CHECK(float_bits(1.0F) == 0x3f800000U);
    CHECK(double_bits(1.0) == 0x3ff0000000000000ULL);
    CHECK(float_bits(-0.0F) == 0x80000000U);
    CHECK(bits_float(0x40490fdbU) == Approx(3.14159265F));
    CHECK(std::isnan(bits_double(0x7ff8000000000000ULL)));
}
