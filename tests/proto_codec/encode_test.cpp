// Encoding (proto_codec/encode.hpp) through generated messages. The expected
// bytes are worked out from the encoding guide's rules (tag = number << 3 |
// wire type, varints, ZigZag, little-endian fixed) in the comments; the
// byte-for-byte comparison with libprotobuf is in tests/interop/proto_codec.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <h2pb/proto_codec/encode.hpp>
#include <test_support.hpp>
#include "all_types2.h2pb.hpp"
#include "all_types3.h2pb.hpp"
#include "fruit.h2pb.hpp"

using namespace h2pb::proto;
using h2pb::test::hex_of;
using h2pb::test3::AllTypes;
using h2pb::test3::Color;

template <class M>
static std::string enc(const M& m) {
    h2pb::wire::buffer b;
    m.encode(b);
    CHECK(b.size() == m.encoded_size());
    return hex_of(b);
}

TEST_CASE("write_tag writes one, two or more varint bytes") {
    h2pb::wire::byte buf[8];
    CHECK(write_tag<0x08>(buf) - buf == 1);
    CHECK(buf[0] == 0x08);
    CHECK(write_tag<0x143>(buf) - buf == 2);
    CHECK(hex_of({buf, 2}) == "c3 02");
    CHECK(write_tag<0xFFFFFFF8U>(buf) - buf == 5);
    CHECK(hex_of({buf, 5}) == "f8 ff ff ff 0f");
    CHECK(tag_size(0xFFFFFFF8U) == 5);
}

TEST_CASE("write_bytes writes a length prefix and the bytes") {
    h2pb::wire::byte buf[8];
    auto* e = write_bytes(buf, std::string("abc"));
    CHECK(hex_of({buf, static_cast<std::size_t>(e - buf)}) == "03 61 62 63");
    CHECK(len_size(3) == 4);
    CHECK(len_size(200) == 202);
}

TEST_CASE("the encoding guide's first message: 08 96 01") {
    h2pb::test::Fruit f;
    f.weight = 150;
    CHECK(enc(f) == "08 96 01");
}

TEST_CASE("proto3 fields at their default value are not written") {
    AllTypes m;
    CHECK(enc(m).empty());
    m.f_enum = Color::COLOR_UNSPECIFIED;
    m.f_string = "";
    m.f_double = 0.0;
    CHECK(enc(m).empty());
}

TEST_CASE("negative zero is written (bits differ from +0.0)") {
    AllTypes m;
    m.f_double = -0.0;
    CHECK(enc(m) == "61 00 00 00 00 00 00 00 80");
}

TEST_CASE("a negative int32 and a negative enum take ten bytes") {
    AllTypes m;
    m.f_int32 = -1;
    m.f_enum = Color::BLUE;  // -3
    CHECK(enc(m) == "08 ff ff ff ff ff ff ff ff ff 01 80 01 fd ff ff ff ff ff ff ff ff 01");
}

TEST_CASE("fields are written in field-number order") {
    AllTypes m;
    m.f_bool = true;  // 13 -> 68 01
    m.f_int32 = 1;    // 1  -> 08 01
    m.f_sint32 = -1;  // 5  -> 28 01
    CHECK(enc(m) == "08 01 28 01 68 01");
}

TEST_CASE("proto3 repeated scalars are packed; [packed=false] ones are not") {
    AllTypes m;
    m.r_int32 = {
        3, 270,
        86942};  // the encoding guide's packed example: 22 06 03 8e 02 9e a7 05 (as field 31)
    m.u_int32 = {1, 2};  // 48, unpacked: 80 03 01 80 03 02
    CHECK(enc(m) == "fa 01 06 03 8e 02 9e a7 05 80 03 01 80 03 02");
}

TEST_CASE("packed fixed-width elements") {
    AllTypes m;
    m.r_fixed32 = {1, 2};
    m.r_float = {1.0F};
    CHECK(enc(m) == "aa 02 08 01 00 00 00 02 00 00 00 ca 02 04 00 00 80 3f");
}

TEST_CASE("an empty packed field writes nothing, an empty sub-message writes its tag") {
    AllTypes m;
    m.r_int32 = {};
    m.f_nested.emplace();
    CHECK(enc(m) == "8a 01 00");
}

TEST_CASE("sub-messages are length-prefixed, nested ones too") {
    AllTypes m;
    m.f_nested.emplace().a = 1;
    m.f_nested->child.emplace().b =
        std::string(1, 'x');  // (g++ 12 -O3 -Wrestrict false positive on = "x", PR105651)
    // 8a 01 | len 07 | 08 01 | 1a 03 | 12 01 78
    CHECK(enc(m) == "8a 01 07 08 01 1a 03 12 01 78");
}

TEST_CASE("map entries: key 1 and value 2, both always written, keys ascending") {
    AllTypes m;
    m.m_int32_int32[2] = 0;
    m.m_int32_int32[1] = 5;
    // 52 -> a2 03; entry {08 01 10 05}, entry {08 02 10 00}
    CHECK(enc(m) == "a2 03 04 08 01 10 05 a2 03 04 08 02 10 00");
}

TEST_CASE("a oneof writes its set member, even at the default value") {
    AllTypes m;
    m.choice.emplace<AllTypes::c_int32_index>(0);
    CHECK(enc(m) == "e8 03 00");
    m.choice.emplace<AllTypes::c_string_index>("");
    CHECK(enc(m) == "f2 03 00");
}

TEST_CASE("proto3 optional writes a present default") {
    AllTypes m;
    m.o_int32 = 0;
    CHECK(enc(m) == "a8 01 00");
}

TEST_CASE("proto2 groups are SGROUP ... EGROUP") {
    h2pb::test2::AllTypes2 m;
    m.optionalgroup.emplace().a = 1;
    CHECK(enc(m) == "c3 02 c8 02 01 c4 02");
}

TEST_CASE("proto2 optional fields are written when present, default or not") {
    h2pb::test2::AllTypes2 m;
    m.f_int32 = -42;  // equal to its [default = -42], still present
    CHECK(enc(m) == "08 d6 ff ff ff ff ff ff ff ff 01");
}

TEST_CASE("unknown fields are written back after the known ones, unchanged") {
    h2pb::test::Fruit f;
    auto in = h2pb::test::hex("1b 08 01 1c 12 01 41 a0 06 07 08 05");
    REQUIRE_FALSE(f.decode(in));
    CHECK(enc(f) == "08 05 12 01 41 1b 08 01 1c a0 06 07");
}

TEST_CASE("encode appends to what the buffer holds") {
    h2pb::test::Fruit f;
    f.weight = 1;
    h2pb::wire::buffer b;
    b.append(std::string_view("xy"));
    f.encode(b);
    CHECK(hex_of(b) == "78 79 08 01");
}

TEST_CASE("a long packed field (past the scratch limit) encodes the same way") {
    AllTypes m;
    std::vector<h2pb::wire::byte> expected_payload;
    for (std::size_t i = 0; i < packed_stash_limit + 10; ++i) {
        const auto v = static_cast<std::int32_t>(i % 200);  // 1 or 2 bytes each
        m.r_int32.push_back(v);
        if (v < 0x80) {
            expected_payload.push_back(static_cast<h2pb::wire::byte>(v));
        } else {
            expected_payload.push_back(static_cast<h2pb::wire::byte>((v & 0x7f) | 0x80));
            expected_payload.push_back(static_cast<h2pb::wire::byte>(v >> 7));
        }
    }
    h2pb::wire::buffer expected;
    expected.append(std::string_view("\xfa\x01"));  // tag: field 31, LEN
    expected.put_varint(expected_payload.size());
    expected.append(h2pb::wire::bytes_view(expected_payload));
    CHECK(enc(m) == hex_of(expected));
    AllTypes back;
    h2pb::wire::buffer out;
    m.encode(out);
    REQUIRE_FALSE(back.decode(out));
    CHECK(back.r_int32 == m.r_int32);
}
