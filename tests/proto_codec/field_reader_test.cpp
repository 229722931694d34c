// field_reader (proto_codec/field_reader.hpp): the schema-free walk over a
// message's fields, with offsets, and its errors. Golden bytes are the
// encoding guide's examples.
#include <catch2/catch.hpp>

#include <h2pb/proto_codec/field_reader.hpp>
#include <test_support.hpp>

using namespace h2pb::proto;
using h2pb::test::hex;

TEST_CASE("the encoding guide's 08 96 01 and 12 07 'testing'") {
    auto in = hex("08 96 01 12 07 74 65 73 74 69 6e 67");
    field_reader r(in);
    field f;
    REQUIRE(r.next(f));
    CHECK(f.number == 1);
    CHECK(f.type == wire_type::varint);
    CHECK(f.value == 150);
    CHECK(f.offset == 0);
    CHECK(f.tag_size == 1);
    CHECK(f.raw.size() == 3);
    REQUIRE(r.next(f));
    CHECK(f.number == 2);
    CHECK(f.type == wire_type::len);
    CHECK(f.value == 7);
    CHECK(h2pb::wire::as_chars(f.payload) == "testing");
    CHECK(f.value_offset == 5);
    CHECK_FALSE(r.next(f));
    CHECK_FALSE(r.error());
}

TEST_CASE("fixed-width fields carry their raw little-endian bits") {
    auto in = hex("0d 01 00 00 00 11 02 00 00 00 00 00 00 80");
    field_reader r(in);
    field f;
    REQUIRE(r.next(f));
    CHECK(f.type == wire_type::i32);
    CHECK(f.value == 1);
    REQUIRE(r.next(f));
    CHECK(f.type == wire_type::i64);
    CHECK(f.value == 0x8000000000000002ULL);
}

TEST_CASE("a group is one field whose payload is its body") {
    auto in = hex("0b 10 05 0c 18 01");  // group 1 { field 2 = 5 } then field 3 = 1
    field_reader r(in);
    field f;
    REQUIRE(r.next(f));
    CHECK(f.type == wire_type::sgroup);
    CHECK(f.payload.size() == 2);
    CHECK(f.raw.size() == 4);
    REQUIRE(r.next(f));
    CHECK(f.number == 3);
}

TEST_CASE("field_reader errors carry the offset of the broken rule") {
    field f;
    {
        auto in = hex("08 96 01 0e 00");
        field_reader r(in);
        REQUIRE(r.next(f));
        CHECK_FALSE(r.next(f));
        CHECK(r.error() == error{errc::invalid_wire_type, 3});
    }
    {
        auto in = hex("00 01");
        field_reader r(in);
        CHECK_FALSE(r.next(f));
        CHECK(r.error() == error{errc::field_number_zero, 0});
    }
    {
        auto in = hex("12 05 41");
        field_reader r(in);
        CHECK_FALSE(r.next(f));
        CHECK(r.error() == error{errc::length_exceeds_input, 1});
    }
    {
        auto in = hex("0b 14");
        field_reader r(in);
        CHECK_FALSE(r.next(f));
        CHECK(r.error() == error{errc::end_group_mismatch, 1});
    }
    {
        auto in = hex("0c");
        field_reader r(in);
        CHECK_FALSE(r.next(f));
        CHECK(r.error() == error{errc::unexpected_end_group, 0});
    }
}

TEST_CASE("field_reader refuses input above the size limit") {
    auto in = hex("08 01 08 02");
    decode_limits limits;
    limits.max_message_size = 3;
    field_reader r(in, 0, limits);
    field f;
    CHECK_FALSE(r.next(f));
    CHECK(r.error().code == errc::message_too_large);
}

// A varint's 10th byte may carry only bit 63 (a value of 0 or 1). h2pb
// rejects a larger one (Go's protowire does too; protoc 3.21 accepts it and
// drops the excess bits): the error is at the 10th byte, the one that breaks
// the rule, wherever the varint is — as proto_codec/decode.hpp reports it
// (decode_test: "varint whose 10th byte overflows 64 bits", offset 10).
TEST_CASE("field_reader reports a bad varint at its 10th byte, as decode does") {
    field f;
    auto check_error = [&](std::string_view text, errc code, std::size_t offset) {
        auto in = hex(text);
        field_reader r(in);
        while (r.next(f)) {
        }
        CHECK(r.error() == error{code, offset});
    };
    // value: tag 08 at 0, the varint at 1..10, its 10th byte at 10
    check_error("08 ff ff ff ff ff ff ff ff ff 02", errc::varint_overflow, 10);
    check_error("08 ff ff ff ff ff ff ff ff ff ff 01", errc::varint_too_long, 10);
    // a tag, a LEN length, and a tag inside a group: 10th byte too
    check_error("ff ff ff ff ff ff ff ff ff 02", errc::varint_overflow, 9);
    check_error("08 01 12 ff ff ff ff ff ff ff ff ff 02", errc::varint_overflow, 12);
    check_error("0b ff ff ff ff ff ff ff ff ff 02", errc::varint_overflow, 10);
    // truncated: at the varint's first byte, as decode.hpp reports it
    check_error("08 96", errc::truncated, 1);
}
