// Scalar encodings (proto_codec/scalar.hpp) against the encoding guide's
// examples: varint sizes, sign extension of negative int32, ZigZag, fixed
// widths, little-endian order.
#include <catch2/catch.hpp>

#include <h2pb/proto_codec/scalar.hpp>
#include <h2pb/wire/hex.hpp>

using namespace h2pb::proto;
using h2pb::wire::byte;

template <kind K, class T>
static std::string enc(T v) {
    byte buf[16];
    byte* e = write_scalar<K>(buf, v);
    CHECK(static_cast<std::size_t>(e - buf) == scalar_size<K>(v));
    return h2pb::wire::to_hex({buf, static_cast<std::size_t>(e - buf)});
}

TEST_CASE("varint scalars") {
    CHECK(enc<kind::int32>(150) == "96 01");
    CHECK(enc<kind::uint32>(1U) == "01");
    CHECK(enc<kind::uint64>(~std::uint64_t{0}) == "ff ff ff ff ff ff ff ff ff 01");
    CHECK(enc<kind::bool_>(true) == "01");
    CHECK(enc<kind::bool_>(false) == "00");
}

TEST_CASE("a negative int32 is sign-extended to a 10-byte varint") {
    CHECK(enc<kind::int32>(-1) == "ff ff ff ff ff ff ff ff ff 01");
    CHECK(enc<kind::int64>(std::int64_t{-2}) == "fe ff ff ff ff ff ff ff ff 01");
    CHECK(enc<kind::enum_>(-3) == "fd ff ff ff ff ff ff ff ff 01");
}

TEST_CASE("sint32/sint64 use ZigZag") {
    CHECK(enc<kind::sint32>(-1) == "01");
    CHECK(enc<kind::sint32>(1) == "02");
    CHECK(enc<kind::sint32>(-2) == "03");
    CHECK(enc<kind::sint64>(std::int64_t{-64}) == "7f");
    CHECK(enc<kind::sint64>(std::int64_t{64}) == "80 01");
}

TEST_CASE("fixed-width scalars are little-endian") {
    CHECK(enc<kind::fixed32>(1U) == "01 00 00 00");
    CHECK(enc<kind::sfixed32>(-2) == "fe ff ff ff");
    CHECK(enc<kind::fixed64>(std::uint64_t{0x0102030405060708}) == "08 07 06 05 04 03 02 01");
    CHECK(enc<kind::float_>(1.0F) == "00 00 80 3f");
    CHECK(enc<kind::double_>(1.0) == "00 00 00 00 00 00 f0 3f");
}

TEST_CASE("parsing a 32-bit type from a varint keeps the low 32 bits") {
    CHECK(scalar_traits<kind::int32>::from_varint(0xffffffffffffffffULL) == -1);
    CHECK(scalar_traits<kind::uint32>::from_varint(0x1'0000'0005ULL) == 5U);
    CHECK(scalar_traits<kind::bool_>::from_varint(2) == true);
}

TEST_CASE("is_zero compares float bits: -0.0 is not zero") {
    CHECK(is_zero(0.0));
    CHECK_FALSE(is_zero(-0.0));
    CHECK(is_zero(0.0F));
    CHECK_FALSE(is_zero(-0.0F));
    CHECK(is_zero(0));
    CHECK_FALSE(is_zero(std::int64_t{-1}));
}
